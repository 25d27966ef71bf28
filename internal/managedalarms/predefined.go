package managedalarms

import (
	"fmt"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

func d(name, value string) metrics.Dimension { return metrics.Dimension{Name: name, Value: value} }

// Predefined maps a predefined metric type on a target to its CloudWatch metric (AWS
// Application Auto Scaling user guide, "Predefined metrics for target tracking", and the
// services' metric pages). label is the ResourceLabel (ALBRequestCountPerTarget).
func Predefined(k autoscaling.TargetKey, metricType, label string) (Metric, error) {
	rid := k.ResourceID
	parts := strings.Split(rid, "/")
	last := parts[len(parts)-1]
	// The unit is documentation only: managed alarms leave Unit unset, so that data pushed
	// without a unit (PutMetricData's default, None) is seen by them.
	avg := func(ns, name, _ string, ds ...metrics.Dimension) Metric {
		return Metric{Namespace: ns, MetricName: name, Dimensions: ds, Statistic: "Average"}
	}
	switch metricType {
	case "LambdaProvisionedConcurrencyUtilization":
		// function:NAME:QUALIFIER
		f := strings.SplitN(strings.TrimPrefix(rid, "function:"), ":", 2)
		if len(f) != 2 {
			return Metric{}, fmt.Errorf("resource id %q is not function:NAME:QUALIFIER", rid)
		}
		return avg("AWS/Lambda", "ProvisionedConcurrencyUtilization", "", d("FunctionName", f[0]), d("Resource", f[0]+":"+f[1])), nil
	case "ElastiCachePrimaryEngineCPUUtilization":
		return avg("AWS/ElastiCache", "EngineCPUUtilization", "Percent", d("ReplicationGroupId", last), d("Role", "Primary")), nil
	case "ElastiCacheReplicaEngineCPUUtilization":
		return avg("AWS/ElastiCache", "EngineCPUUtilization", "Percent", d("ReplicationGroupId", last), d("Role", "Replica")), nil
	case "ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage":
		return avg("AWS/ElastiCache", "DatabaseMemoryUsageCountedForEvictPercentage", "Percent", d("ReplicationGroupId", last)), nil
	case "ElastiCacheDatabaseCapacityUsageCountedForEvictPercentage":
		return avg("AWS/ElastiCache", "DatabaseCapacityUsageCountedForEvictPercentage", "Percent", d("ReplicationGroupId", last)), nil
	case "ElastiCacheEngineCPUUtilization":
		return avg("AWS/ElastiCache", "EngineCPUUtilization", "Percent", d("CacheClusterId", last)), nil
	case "ElastiCacheDatabaseMemoryUsagePercentage":
		return avg("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Percent", d("CacheClusterId", last)), nil
	case "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization":
		if len(parts) != 3 {
			return Metric{}, fmt.Errorf("resource id %q is not service/CLUSTER/SERVICE", rid)
		}
		name := "CPUUtilization"
		if metricType == "ECSServiceAverageMemoryUtilization" {
			name = "MemoryUtilization"
		}
		return avg("AWS/ECS", name, "Percent", d("ClusterName", parts[1]), d("ServiceName", parts[2])), nil
	case "ALBRequestCountPerTarget":
		i := strings.Index(label, "/targetgroup/")
		if i < 0 {
			return Metric{}, fmt.Errorf("resource label %q is not app/LB/ID/targetgroup/TG/ID", label)
		}
		return Metric{Namespace: "AWS/ApplicationELB", MetricName: "RequestCountPerTarget", Statistic: "Sum",
			Dimensions: []metrics.Dimension{d("TargetGroup", label[i+1:])}}, nil
	case "DynamoDBReadCapacityUtilization", "DynamoDBWriteCapacityUtilization",
		"CassandraReadCapacityUtilization", "CassandraWriteCapacityUtilization":
		return capacityUtilization(k, metricType, parts)
	case "EC2SpotFleetRequestAverageCPUUtilization":
		return avg("AWS/EC2Spot", "CPUUtilization", "Percent", d("FleetRequestId", last)), nil
	case "EC2SpotFleetRequestAverageNetworkIn":
		return avg("AWS/EC2Spot", "NetworkIn", "Bytes", d("FleetRequestId", last)), nil
	case "EC2SpotFleetRequestAverageNetworkOut":
		return avg("AWS/EC2Spot", "NetworkOut", "Bytes", d("FleetRequestId", last)), nil
	case "RDSReaderAverageCPUUtilization":
		return avg("AWS/RDS", "CPUUtilization", "Percent", d("DBClusterIdentifier", strings.TrimPrefix(rid, "cluster:")), d("Role", "READER")), nil
	case "RDSReaderAverageDatabaseConnections":
		return avg("AWS/RDS", "DatabaseConnections", "Count", d("DBClusterIdentifier", strings.TrimPrefix(rid, "cluster:")), d("Role", "READER")), nil
	case "NeptuneReaderAverageCPUUtilization":
		return avg("AWS/Neptune", "CPUUtilization", "Percent", d("DBClusterIdentifier", strings.TrimPrefix(rid, "cluster:")), d("Role", "READER")), nil
	case "SageMakerVariantInvocationsPerInstance", "SageMakerVariantProvisionedConcurrencyUtilization",
		"SageMakerVariantConcurrentRequestsPerModelHighResolution":
		// endpoint/ENDPOINT/variant/VARIANT
		if len(parts) != 4 {
			return Metric{}, fmt.Errorf("resource id %q is not endpoint/NAME/variant/NAME", rid)
		}
		ds := []metrics.Dimension{d("EndpointName", parts[1]), d("VariantName", parts[3])}
		switch metricType {
		case "SageMakerVariantInvocationsPerInstance":
			return Metric{Namespace: "AWS/SageMaker", MetricName: "InvocationsPerInstance", Statistic: "Sum", Dimensions: ds}, nil
		case "SageMakerVariantProvisionedConcurrencyUtilization":
			return Metric{Namespace: "AWS/SageMaker", MetricName: "ServerlessProvisionedConcurrencyUtilization", Statistic: "Average", Dimensions: ds}, nil
		}
		return Metric{Namespace: "AWS/SageMaker", MetricName: "ConcurrentRequestsPerModel", Statistic: "Average", Dimensions: ds}, nil
	case "SageMakerInferenceComponentInvocationsPerCopy":
		return Metric{Namespace: "AWS/SageMaker", MetricName: "InvocationsPerCopy", Statistic: "Sum", Dimensions: []metrics.Dimension{d("InferenceComponentName", last)}}, nil
	case "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution":
		return avg("AWS/SageMaker", "ConcurrentRequestsPerCopy", "", d("InferenceComponentName", last)), nil
	case "AppStreamAverageCapacityUtilization":
		return avg("AWS/AppStream", "CapacityUtilization", "Percent", d("Fleet", last)), nil
	case "ComprehendInferenceUtilization":
		return avg("AWS/Comprehend", "InferenceUtilization", "Percent", d("EndpointArn", rid)), nil
	case "KafkaBrokerStorageUtilization":
		// arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID
		name := rid
		if i := strings.Index(rid, ":cluster/"); i >= 0 {
			name = strings.SplitN(rid[i+len(":cluster/"):], "/", 2)[0]
		}
		return avg("AWS/Kafka", "KafkaDataLogsDiskUsed", "Percent", d("Cluster Name", name)), nil
	case "WorkSpacesAverageUserSessionsCapacityUtilization":
		return avg("AWS/WorkSpaces", "UserSessionsCapacityUtilization", "Percent", d("PoolId", last)), nil
	}
	return Metric{}, fmt.Errorf("predefined metric type %q has no metric mapping", metricType)
}

// capacityUtilization is consumed capacity per second as a percentage of provisioned capacity,
// as metric math: 100 × (Sum of consumed units per minute / 60) / provisioned units.
func capacityUtilization(k autoscaling.TargetKey, metricType string, parts []string) (Metric, error) {
	rw := "Read"
	if strings.Contains(metricType, "Write") {
		rw = "Write"
	}
	ns := "AWS/DynamoDB"
	var ds []metrics.Dimension
	if strings.HasPrefix(metricType, "Cassandra") {
		// keyspace/KEYSPACE/table/TABLE
		if len(parts) != 4 {
			return Metric{}, fmt.Errorf("resource id %q is not keyspace/NAME/table/NAME", k.ResourceID)
		}
		ns = "AWS/Cassandra"
		ds = []metrics.Dimension{d("Keyspace", parts[1]), d("TableName", parts[3])}
	} else {
		// table/TABLE or table/TABLE/index/INDEX
		if len(parts) < 2 {
			return Metric{}, fmt.Errorf("resource id %q is not table/NAME", k.ResourceID)
		}
		ds = []metrics.Dimension{d("TableName", parts[1])}
		if len(parts) == 4 {
			ds = append(ds, d("GlobalSecondaryIndexName", parts[3]))
		}
	}
	consumed := &metrics.MetricStat{Metric: metrics.Metric{Namespace: ns, MetricName: "Consumed" + rw + "CapacityUnits", Dimensions: ds}, Period: Period * 1e9, Stat: "Sum"}
	provisioned := &metrics.MetricStat{Metric: metrics.Metric{Namespace: ns, MetricName: "Provisioned" + rw + "CapacityUnits", Dimensions: ds}, Period: Period * 1e9, Stat: "Average"}
	return Metric{Queries: []metrics.Query{
		{ID: "m1", MetricStat: consumed},
		{ID: "m2", MetricStat: provisioned},
		{ID: "e1", Expression: "100*(m1/60)/m2", ReturnData: true},
	}}, nil
}
