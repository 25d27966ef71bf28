package autoscaling

import (
	"fmt"
	"regexp"
	"slices"
)

// Namespaces is the ServiceNamespace enum, in the model's order.
var Namespaces = []string{"ecs", "elasticmapreduce", "ec2", "appstream", "dynamodb", "rds", "sagemaker",
	"custom-resource", "comprehend", "lambda", "cassandra", "kafka", "elasticache", "neptune", "workspaces"}

// Dimensions is the ScalableDimension enum, in the model's order.
var Dimensions = []string{"ecs:service:DesiredCount", "ec2:spot-fleet-request:TargetCapacity",
	"elasticmapreduce:instancegroup:InstanceCount", "appstream:fleet:DesiredCapacity",
	"dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits",
	"dynamodb:index:ReadCapacityUnits", "dynamodb:index:WriteCapacityUnits",
	"rds:cluster:ReadReplicaCount", "sagemaker:variant:DesiredInstanceCount",
	"custom-resource:ResourceType:Property", "comprehend:document-classifier-endpoint:DesiredInferenceUnits",
	"comprehend:entity-recognizer-endpoint:DesiredInferenceUnits", "lambda:function:ProvisionedConcurrency",
	"cassandra:table:ReadCapacityUnits", "cassandra:table:WriteCapacityUnits",
	"kafka:broker-storage:VolumeSize", "elasticache:cache-cluster:Nodes",
	"elasticache:replication-group:NodeGroups", "elasticache:replication-group:Replicas",
	"neptune:cluster:ReadReplicaCount", "sagemaker:variant:DesiredProvisionedConcurrency",
	"sagemaker:inference-component:DesiredCopyCount", "workspaces:workspacespool:DesiredUserSessions"}

// MetricTypes is the PredefinedMetricType enum, in the model's order.
var MetricTypes = []string{"DynamoDBReadCapacityUtilization", "DynamoDBWriteCapacityUtilization",
	"ALBRequestCountPerTarget", "RDSReaderAverageCPUUtilization", "RDSReaderAverageDatabaseConnections",
	"EC2SpotFleetRequestAverageCPUUtilization", "EC2SpotFleetRequestAverageNetworkIn",
	"EC2SpotFleetRequestAverageNetworkOut", "SageMakerVariantInvocationsPerInstance",
	"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization",
	"AppStreamAverageCapacityUtilization", "ComprehendInferenceUtilization",
	"LambdaProvisionedConcurrencyUtilization", "CassandraReadCapacityUtilization",
	"CassandraWriteCapacityUtilization", "KafkaBrokerStorageUtilization", "ElastiCacheEngineCPUUtilization",
	"ElastiCacheDatabaseMemoryUsagePercentage", "ElastiCachePrimaryEngineCPUUtilization",
	"ElastiCacheReplicaEngineCPUUtilization", "ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage",
	"NeptuneReaderAverageCPUUtilization", "SageMakerVariantProvisionedConcurrencyUtilization",
	"ElastiCacheDatabaseCapacityUsageCountedForEvictPercentage", "SageMakerInferenceComponentInvocationsPerCopy",
	"WorkSpacesAverageUserSessionsCapacityUtilization",
	"SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
	"SageMakerVariantConcurrentRequestsPerModelHighResolution"}

// NamespaceInfo describes what a namespace supports.
type NamespaceInfo struct {
	// SLRSuffix is the suffix of the service-linked role name
	// AWSServiceRoleForApplicationAutoScaling_<SLRSuffix>; empty for namespaces without one
	// (elasticmapreduce needs a caller-supplied RoleARN).
	SLRSuffix string
	// Cooldown is the default scale-out/scale-in cooldown of target tracking policies.
	DefaultCooldownSeconds int32
	// StepScaling, TargetTracking and Scheduled tell which scaling kinds the namespace takes.
	StepScaling    bool
	TargetTracking bool
	Scheduled      bool
	// TargetQuota is the default number of scalable targets per account and region for the
	// namespace's resource types.
	TargetQuota int
}

var namespaceInfo = map[string]NamespaceInfo{
	"ecs":              {SLRSuffix: "ECSService", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 3000},
	"elasticmapreduce": {DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: false, Scheduled: true, TargetQuota: 500},
	"ec2":              {SLRSuffix: "EC2SpotFleetRequest", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"appstream":        {SLRSuffix: "AppStreamFleet", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"dynamodb":         {SLRSuffix: "DynamoDBTable", DefaultCooldownSeconds: 0, StepScaling: false, TargetTracking: true, Scheduled: true, TargetQuota: 5000},
	"rds":              {SLRSuffix: "RDSCluster", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"sagemaker":        {SLRSuffix: "SageMakerEndpoint", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"custom-resource":  {SLRSuffix: "CustomResource", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"comprehend":       {SLRSuffix: "ComprehendEndpoint", DefaultCooldownSeconds: 0, StepScaling: false, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"lambda":           {SLRSuffix: "LambdaConcurrency", DefaultCooldownSeconds: 0, StepScaling: false, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"cassandra":        {SLRSuffix: "CassandraTable", DefaultCooldownSeconds: 0, StepScaling: false, TargetTracking: true, Scheduled: true, TargetQuota: 1500},
	"kafka":            {SLRSuffix: "KafkaCluster", DefaultCooldownSeconds: 0, StepScaling: false, TargetTracking: true, Scheduled: false, TargetQuota: 500},
	"elasticache":      {SLRSuffix: "ElastiCacheRG", DefaultCooldownSeconds: 600, StepScaling: false, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"neptune":          {SLRSuffix: "NeptuneCluster", DefaultCooldownSeconds: 300, StepScaling: false, TargetTracking: true, Scheduled: true, TargetQuota: 500},
	"workspaces":       {SLRSuffix: "WorkSpacesPool", DefaultCooldownSeconds: 300, StepScaling: true, TargetTracking: true, Scheduled: true, TargetQuota: 500},
}

// Namespace returns what a namespace supports.
func Namespace(ns string) (NamespaceInfo, bool) {
	i, ok := namespaceInfo[ns]
	return i, ok
}

// ServiceLinkedRoleARN is the ARN of the namespace's service-linked role in an account, or ""
// when the namespace has none.
func ServiceLinkedRoleARN(account, namespace string) string {
	i, ok := namespaceInfo[namespace]
	if !ok || i.SLRSuffix == "" {
		return ""
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/%s.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_%s",
		Partition, account, namespace, i.SLRSuffix)
}

// DimensionInfo describes one scalable dimension: its namespace, the shape of its resource
// ids, and the capacity bounds the resource accepts.
type DimensionInfo struct {
	Namespace string
	// ResourceType is the resource-type prefix used for the per-type target quota (the
	// resource-id prefix up to the first '/' or ':'); "" when the id has none.
	ResourceType string
	resourceID   *regexp.Regexp
	// MinFloor and MaxCeiling bound MinCapacity and MaxCapacity (MaxCeiling 0 = no bound).
	MinFloor   int32
	MaxCeiling int32
	// MetricTypes lists the predefined metric types valid for the dimension.
	MetricTypes []string
}

// Resource-id shapes. AWS does not publish them; these follow each service's naming rules.
var (
	reECS         = regexp.MustCompile(`^service/[A-Za-z0-9_-]{1,255}/[A-Za-z0-9_-]{1,255}$`)
	reSpotFleet   = regexp.MustCompile(`^spot-fleet-request/sfr-[A-Za-z0-9-]{1,128}$`)
	reEMR         = regexp.MustCompile(`^instancegroup/j-[A-Za-z0-9]{1,64}/ig-[A-Za-z0-9]{1,64}$`)
	reAppStream   = regexp.MustCompile(`^fleet/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
	reDDBTable    = regexp.MustCompile(`^table/[A-Za-z0-9_.-]{3,255}$`)
	reDDBIndex    = regexp.MustCompile(`^table/[A-Za-z0-9_.-]{3,255}/index/[A-Za-z0-9_.-]{3,255}$`)
	reRDS         = regexp.MustCompile(`^cluster:[A-Za-z][A-Za-z0-9-]{0,62}$`)
	reSMVariant   = regexp.MustCompile(`^endpoint/[A-Za-z0-9](-*[A-Za-z0-9]){0,62}/variant/[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$`)
	reSMComponent = regexp.MustCompile(`^inference-component/[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$`)
	reCustom      = regexp.MustCompile(`^[^\s]+$`)
	reComprehendD = regexp.MustCompile(`^arn:aws[a-z-]*:comprehend:[a-z0-9-]+:[0-9]{12}:document-classifier-endpoint/[A-Za-z0-9](-*[A-Za-z0-9]){0,39}$`)
	reComprehendE = regexp.MustCompile(`^arn:aws[a-z-]*:comprehend:[a-z0-9-]+:[0-9]{12}:entity-recognizer-endpoint/[A-Za-z0-9](-*[A-Za-z0-9]){0,39}$`)
	// Lambda: function name and alias or version; $LATEST never matches.
	reLambda    = regexp.MustCompile(`^function:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,128}$`)
	reCassandra = regexp.MustCompile(`^keyspace/[A-Za-z0-9_]{1,48}/table/[A-Za-z0-9_]{1,48}$`)
	reKafka     = regexp.MustCompile(`^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_/-]+$`)
	reCacheClus = regexp.MustCompile(`^cache-cluster/[A-Za-z][A-Za-z0-9-]{0,49}$`)
	reReplGroup = regexp.MustCompile(`^replication-group/[A-Za-z][A-Za-z0-9-]{0,39}$`)
	reNeptune   = regexp.MustCompile(`^cluster:[A-Za-z][A-Za-z0-9-]{0,62}$`)
	reWSPool    = regexp.MustCompile(`^workspacespool/wspool-[A-Za-z0-9]{1,64}$`)
)

var dimensionInfo = map[string]DimensionInfo{
	"ecs:service:DesiredCount": {Namespace: "ecs", ResourceType: "service", resourceID: reECS,
		MetricTypes: []string{"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"}},
	"ec2:spot-fleet-request:TargetCapacity": {Namespace: "ec2", ResourceType: "spot-fleet-request", resourceID: reSpotFleet,
		MetricTypes: []string{"EC2SpotFleetRequestAverageCPUUtilization", "EC2SpotFleetRequestAverageNetworkIn", "EC2SpotFleetRequestAverageNetworkOut", "ALBRequestCountPerTarget"}},
	"elasticmapreduce:instancegroup:InstanceCount": {Namespace: "elasticmapreduce", ResourceType: "instancegroup", resourceID: reEMR},
	"appstream:fleet:DesiredCapacity": {Namespace: "appstream", ResourceType: "fleet", resourceID: reAppStream,
		MetricTypes: []string{"AppStreamAverageCapacityUtilization"}},
	"dynamodb:table:ReadCapacityUnits": {Namespace: "dynamodb", ResourceType: "table", resourceID: reDDBTable, MinFloor: 1,
		MetricTypes: []string{"DynamoDBReadCapacityUtilization"}},
	"dynamodb:table:WriteCapacityUnits": {Namespace: "dynamodb", ResourceType: "table", resourceID: reDDBTable, MinFloor: 1,
		MetricTypes: []string{"DynamoDBWriteCapacityUtilization"}},
	"dynamodb:index:ReadCapacityUnits": {Namespace: "dynamodb", ResourceType: "table", resourceID: reDDBIndex, MinFloor: 1,
		MetricTypes: []string{"DynamoDBReadCapacityUtilization"}},
	"dynamodb:index:WriteCapacityUnits": {Namespace: "dynamodb", ResourceType: "table", resourceID: reDDBIndex, MinFloor: 1,
		MetricTypes: []string{"DynamoDBWriteCapacityUtilization"}},
	"rds:cluster:ReadReplicaCount": {Namespace: "rds", ResourceType: "cluster", resourceID: reRDS, MaxCeiling: 15,
		MetricTypes: []string{"RDSReaderAverageCPUUtilization", "RDSReaderAverageDatabaseConnections"}},
	"sagemaker:variant:DesiredInstanceCount": {Namespace: "sagemaker", ResourceType: "endpoint", resourceID: reSMVariant,
		MetricTypes: []string{"SageMakerVariantInvocationsPerInstance", "SageMakerVariantConcurrentRequestsPerModelHighResolution"}},
	"sagemaker:variant:DesiredProvisionedConcurrency": {Namespace: "sagemaker", ResourceType: "endpoint", resourceID: reSMVariant,
		MetricTypes: []string{"SageMakerVariantProvisionedConcurrencyUtilization"}},
	"sagemaker:inference-component:DesiredCopyCount": {Namespace: "sagemaker", ResourceType: "inference-component", resourceID: reSMComponent,
		MetricTypes: []string{"SageMakerInferenceComponentInvocationsPerCopy", "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"}},
	"custom-resource:ResourceType:Property": {Namespace: "custom-resource", resourceID: reCustom},
	"comprehend:document-classifier-endpoint:DesiredInferenceUnits": {Namespace: "comprehend", ResourceType: "document-classifier-endpoint", resourceID: reComprehendD, MinFloor: 1,
		MetricTypes: []string{"ComprehendInferenceUtilization"}},
	"comprehend:entity-recognizer-endpoint:DesiredInferenceUnits": {Namespace: "comprehend", ResourceType: "entity-recognizer-endpoint", resourceID: reComprehendE, MinFloor: 1,
		MetricTypes: []string{"ComprehendInferenceUtilization"}},
	"lambda:function:ProvisionedConcurrency": {Namespace: "lambda", ResourceType: "function", resourceID: reLambda,
		MetricTypes: []string{"LambdaProvisionedConcurrencyUtilization"}},
	"cassandra:table:ReadCapacityUnits": {Namespace: "cassandra", ResourceType: "keyspace", resourceID: reCassandra, MinFloor: 1,
		MetricTypes: []string{"CassandraReadCapacityUtilization"}},
	"cassandra:table:WriteCapacityUnits": {Namespace: "cassandra", ResourceType: "keyspace", resourceID: reCassandra, MinFloor: 1,
		MetricTypes: []string{"CassandraWriteCapacityUtilization"}},
	"kafka:broker-storage:VolumeSize": {Namespace: "kafka", resourceID: reKafka, MinFloor: 1,
		MetricTypes: []string{"KafkaBrokerStorageUtilization"}},
	"elasticache:cache-cluster:Nodes": {Namespace: "elasticache", ResourceType: "cache-cluster", resourceID: reCacheClus, MinFloor: 1,
		MetricTypes: []string{"ElastiCacheEngineCPUUtilization", "ElastiCacheDatabaseMemoryUsagePercentage"}},
	"elasticache:replication-group:NodeGroups": {Namespace: "elasticache", ResourceType: "replication-group", resourceID: reReplGroup, MinFloor: 1, MaxCeiling: 500,
		MetricTypes: []string{"ElastiCachePrimaryEngineCPUUtilization", "ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage", "ElastiCacheDatabaseCapacityUsageCountedForEvictPercentage"}},
	"elasticache:replication-group:Replicas": {Namespace: "elasticache", ResourceType: "replication-group", resourceID: reReplGroup, MaxCeiling: 5,
		MetricTypes: []string{"ElastiCacheReplicaEngineCPUUtilization"}},
	"neptune:cluster:ReadReplicaCount": {Namespace: "neptune", ResourceType: "cluster", resourceID: reNeptune, MaxCeiling: 15,
		MetricTypes: []string{"NeptuneReaderAverageCPUUtilization"}},
	"workspaces:workspacespool:DesiredUserSessions": {Namespace: "workspaces", ResourceType: "workspacespool", resourceID: reWSPool,
		MetricTypes: []string{"WorkSpacesAverageUserSessionsCapacityUtilization"}},
}

// Dimension returns what a dimension is.
func Dimension(dim string) (DimensionInfo, bool) {
	i, ok := dimensionInfo[dim]
	return i, ok
}

// CheckTargetKey checks that namespace, dimension and resource id fit together. The enum
// checks are done before (Validator); this is the semantic check AWS answers with
// "Unsupported service namespace, resource type or scalable dimension".
func CheckTargetKey(k TargetKey) error {
	d, ok := dimensionInfo[k.Dimension]
	if !ok || d.Namespace != k.Namespace || !d.resourceID.MatchString(k.ResourceID) {
		return Errorf(CodeValidation, MsgUnsupported)
	}
	return nil
}

// SupportsMetricType reports whether a predefined metric type may be used on a dimension.
func (d DimensionInfo) SupportsMetricType(t string) bool { return slices.Contains(d.MetricTypes, t) }
