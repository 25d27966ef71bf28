package managedalarms

import (
	"strings"
	"testing"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

func f64(v float64) *float64 { return &v }
func sp(v string) *string    { return &v }

func policyOn(ns, rid, dim, metricType string, target float64) (*autoscaling.ScalableTarget, *autoscaling.ScalingPolicy) {
	scope := autoscaling.Scope{Account: "123456789012", Region: "us-east-1"}
	t := &autoscaling.ScalableTarget{Scope: scope, TargetKey: autoscaling.TargetKey{Namespace: ns, ResourceID: rid, Dimension: dim}}
	p := &autoscaling.ScalingPolicy{Scope: scope, TargetKey: t.TargetKey, Name: "p",
		ARN: "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:u:resource/" + ns + "/" + rid + ":policyName/p",
		TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: f64(target),
			PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{PredefinedMetricType: sp(metricType)}},
		Alarms: []autoscaling.Alarm{
			{AlarmName: "TargetTracking-" + rid + "-AlarmHigh-1111", AlarmARN: "arn:high"},
			{AlarmName: "TargetTracking-" + rid + "-AlarmLow-2222", AlarmARN: "arn:low"},
		}}
	return t, p
}

func TestBuildPerNamespace(t *testing.T) {
	for _, c := range []struct {
		name, ns, rid, dim, metricType string
		target, lowThreshold           float64
		highN, lowN                    int32
	}{
		{"lambda 0.7 scales in below 0.63", "lambda", "function:f:BLUE", "lambda:function:ProvisionedConcurrency", "LambdaProvisionedConcurrencyUtilization", 0.7, 0.63, 3, 15},
		{"ecs 50 scales in below 45", "ecs", "service/c/s", "ecs:service:DesiredCount", "ECSServiceAverageCPUUtilization", 50, 45, 3, 15},
		{"elasticache 60 scales in below 45", "elasticache", "replication-group/rg", "elasticache:replication-group:NodeGroups", "ElastiCachePrimaryEngineCPUUtilization", 60, 45, 3, 15},
		{"dynamodb 70 uses 2 datapoints and 80 %", "dynamodb", "table/t", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization", 70, 56, 2, 15},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg, p := policyOn(c.ns, c.rid, c.dim, c.metricType, c.target)
			as, err := Build(tg, p)
			if err != nil || len(as) != 2 {
				t.Fatalf("Build: %v (%d alarms)", err, len(as))
			}
			high, low := as[0], as[1]
			if high.AlarmName != p.Alarms[0].AlarmName || high.ComparisonOperator != "GreaterThanThreshold" || high.Threshold != c.target ||
				high.EvaluationPeriods != c.highN || high.DatapointsToAlarm != c.highN {
				t.Errorf("high %+v", high)
			}
			if low.ComparisonOperator != "LessThanThreshold" || low.Threshold != c.lowThreshold || low.EvaluationPeriods != c.lowN {
				t.Errorf("low threshold %v, op %s, periods %d", low.Threshold, low.ComparisonOperator, low.EvaluationPeriods)
			}
			for _, a := range as {
				if len(a.AlarmActions) != 1 || !strings.HasPrefix(a.AlarmActions[0], p.ARN+":createdBy/") ||
					a.AlarmDescription != "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy "+a.AlarmActions[0]+"." || !a.ActionsEnabled ||
					a.TreatMissingData != "missing" {
					t.Errorf("alarm %s: actions %v description %q", a.AlarmName, a.AlarmActions, a.AlarmDescription)
				}
				if arn, ok := PolicyARNOfAction(a.AlarmActions[0]); !ok || arn != p.ARN {
					t.Errorf("action %s maps to %q", a.AlarmActions[0], arn)
				}
			}
		})
	}
}

func TestPredefinedMetrics(t *testing.T) {
	d := func(kv ...string) []metrics.Dimension {
		var out []metrics.Dimension
		for i := 0; i < len(kv); i += 2 {
			out = append(out, metrics.Dimension{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		rid, metricType, label string
		want                   Metric
	}{
		{"function:my-function:BLUE", "LambdaProvisionedConcurrencyUtilization", "",
			Metric{Namespace: "AWS/Lambda", MetricName: "ProvisionedConcurrencyUtilization", Statistic: "Average", Dimensions: d("FunctionName", "my-function", "Resource", "my-function:BLUE")}},
		{"replication-group/mycluster", "ElastiCachePrimaryEngineCPUUtilization", "",
			Metric{Namespace: "AWS/ElastiCache", MetricName: "EngineCPUUtilization", Statistic: "Average", Dimensions: d("ReplicationGroupId", "mycluster", "Role", "Primary")}},
		{"replication-group/mycluster", "ElastiCacheReplicaEngineCPUUtilization", "",
			Metric{Namespace: "AWS/ElastiCache", MetricName: "EngineCPUUtilization", Statistic: "Average", Dimensions: d("ReplicationGroupId", "mycluster", "Role", "Replica")}},
		{"replication-group/mycluster", "ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage", "",
			Metric{Namespace: "AWS/ElastiCache", MetricName: "DatabaseMemoryUsageCountedForEvictPercentage", Statistic: "Average", Dimensions: d("ReplicationGroupId", "mycluster")}},
		{"service/default/web", "ECSServiceAverageMemoryUtilization", "",
			Metric{Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Statistic: "Average", Dimensions: d("ClusterName", "default", "ServiceName", "web")}},
		{"service/default/web", "ALBRequestCountPerTarget", "app/lb/1234/targetgroup/tg/5678",
			Metric{Namespace: "AWS/ApplicationELB", MetricName: "RequestCountPerTarget", Statistic: "Sum", Dimensions: d("TargetGroup", "targetgroup/tg/5678")}},
		{"endpoint/ep/variant/v1", "SageMakerVariantInvocationsPerInstance", "",
			Metric{Namespace: "AWS/SageMaker", MetricName: "InvocationsPerInstance", Statistic: "Sum", Dimensions: d("EndpointName", "ep", "VariantName", "v1")}},
		{"cluster:db", "RDSReaderAverageCPUUtilization", "",
			Metric{Namespace: "AWS/RDS", MetricName: "CPUUtilization", Statistic: "Average", Dimensions: d("DBClusterIdentifier", "db", "Role", "READER")}},
	} {
		t.Run(c.metricType, func(t *testing.T) {
			got, err := Predefined(autoscaling.TargetKey{ResourceID: c.rid}, c.metricType, c.label)
			if err != nil {
				t.Fatal(err)
			}
			if got.Namespace != c.want.Namespace || got.MetricName != c.want.MetricName || got.Statistic != c.want.Statistic ||
				len(got.Dimensions) != len(c.want.Dimensions) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got.Dimensions {
				if got.Dimensions[i] != c.want.Dimensions[i] {
					t.Fatalf("dimensions %v, want %v", got.Dimensions, c.want.Dimensions)
				}
			}
		})
	}
	// Every predefined type maps to a metric on a resource id of its namespace.
	ids := map[string]string{"dynamodb": "table/t/index/i", "ecs": "service/c/s", "ec2": "spot-fleet-request/sfr-1", "rds": "cluster:c",
		"neptune": "cluster:c", "sagemaker": "endpoint/e/variant/v", "appstream": "fleet/f", "comprehend": "arn:aws:comprehend:us-east-1:1:document-classifier-endpoint/x",
		"lambda": "function:f:1", "cassandra": "keyspace/k/table/t", "kafka": "arn:aws:kafka:us-east-1:1:cluster/c/u", "elasticache": "replication-group/r",
		"workspaces": "workspacespool/wspool-1"}
	for _, ns := range autoscaling.Namespaces {
		for _, dim := range autoscaling.Dimensions {
			if !strings.HasPrefix(dim, ns+":") {
				continue
			}
			for _, mt := range autoscaling.MetricTypes {
				if di, _ := autoscaling.Dimension(dim); !di.SupportsMetricType(mt) {
					continue
				}
				rid := ids[ns]
				if mt == "SageMakerInferenceComponentInvocationsPerCopy" || mt == "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution" {
					rid = "inference-component/ic"
				}
				if _, err := Predefined(autoscaling.TargetKey{Namespace: ns, ResourceID: rid, Dimension: dim}, mt, "app/l/1/targetgroup/t/2"); err != nil {
					t.Errorf("%s on %s: %v", mt, dim, err)
				}
			}
		}
	}
}
