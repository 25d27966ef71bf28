package autoscaling

// The policy configuration types mirror the wire shapes one to one, with pointers for every
// optional member, so that a configuration round-trips exactly as supplied. They double as
// the persisted form (JSON) and the wire form; a separate wire copy would only duplicate them.

// StepScalingPolicyConfiguration configures a step scaling policy.
type StepScalingPolicyConfiguration struct {
	AdjustmentType         *string          `json:"AdjustmentType,omitempty"`
	StepAdjustments        []StepAdjustment `json:"StepAdjustments,omitempty"`
	MinAdjustmentMagnitude *int32           `json:"MinAdjustmentMagnitude,omitempty"`
	Cooldown               *int32           `json:"Cooldown,omitempty"`
	MetricAggregationType  *string          `json:"MetricAggregationType,omitempty"`
}

// StepAdjustment is one step of a step scaling policy; bounds are relative to the alarm
// threshold.
type StepAdjustment struct {
	MetricIntervalLowerBound *float64 `json:"MetricIntervalLowerBound,omitempty"`
	MetricIntervalUpperBound *float64 `json:"MetricIntervalUpperBound,omitempty"`
	ScalingAdjustment        *int32   `json:"ScalingAdjustment,omitempty"`
}

// TargetTrackingScalingPolicyConfiguration configures a target tracking policy.
type TargetTrackingScalingPolicyConfiguration struct {
	TargetValue                   *float64                       `json:"TargetValue,omitempty"`
	PredefinedMetricSpecification *PredefinedMetricSpecification `json:"PredefinedMetricSpecification,omitempty"`
	CustomizedMetricSpecification *CustomizedMetricSpecification `json:"CustomizedMetricSpecification,omitempty"`
	ScaleOutCooldown              *int32                         `json:"ScaleOutCooldown,omitempty"`
	ScaleInCooldown               *int32                         `json:"ScaleInCooldown,omitempty"`
	DisableScaleIn                *bool                          `json:"DisableScaleIn,omitempty"`
}

// PredefinedMetricSpecification names a predefined metric type.
type PredefinedMetricSpecification struct {
	PredefinedMetricType *string `json:"PredefinedMetricType,omitempty"`
	ResourceLabel        *string `json:"ResourceLabel,omitempty"`
}

// CustomizedMetricSpecification is a CloudWatch metric, or a metric math query set.
type CustomizedMetricSpecification struct {
	MetricName *string                         `json:"MetricName,omitempty"`
	Namespace  *string                         `json:"Namespace,omitempty"`
	Dimensions []MetricDimension               `json:"Dimensions,omitempty"`
	Statistic  *string                         `json:"Statistic,omitempty"`
	Unit       *string                         `json:"Unit,omitempty"`
	Metrics    []TargetTrackingMetricDataQuery `json:"Metrics,omitempty"`
}

// MetricDimension is a CloudWatch dimension.
type MetricDimension struct {
	Name  *string `json:"Name,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// TargetTrackingMetricDataQuery is one query of a metric math specification.
type TargetTrackingMetricDataQuery struct {
	Expression *string                   `json:"Expression,omitempty"`
	ID         *string                   `json:"Id,omitempty"`
	Label      *string                   `json:"Label,omitempty"`
	MetricStat *TargetTrackingMetricStat `json:"MetricStat,omitempty"`
	ReturnData *bool                     `json:"ReturnData,omitempty"`
}

// TargetTrackingMetricStat is a metric with a statistic.
type TargetTrackingMetricStat struct {
	Metric *TargetTrackingMetric `json:"Metric,omitempty"`
	Stat   *string               `json:"Stat,omitempty"`
	Unit   *string               `json:"Unit,omitempty"`
}

// TargetTrackingMetric identifies a metric.
type TargetTrackingMetric struct {
	Dimensions []MetricDimension `json:"Dimensions,omitempty"`
	MetricName *string           `json:"MetricName,omitempty"`
	Namespace  *string           `json:"Namespace,omitempty"`
}
