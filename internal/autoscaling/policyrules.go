package autoscaling

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
)

// Limits per scalable target (AWS quotas, not adjustable).
const (
	MaxPoliciesPerTarget         = 50
	MaxScheduledActionsPerTarget = 200
	MaxStepAdjustments           = 20
)

// AdjustmentTypes is the AdjustmentType enum.
var AdjustmentTypes = []string{"ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"}

// MetricAggregationTypes is the MetricAggregationType enum.
var MetricAggregationTypes = []string{"Average", "Minimum", "Maximum"}

// MetricStatistics is the MetricStatistic enum.
var MetricStatistics = []string{"Average", "Minimum", "Maximum", "SampleCount", "Sum"}

// PolicyTypes is the PolicyType enum.
var PolicyTypes = []string{PolicyTypeStepScaling, PolicyTypeTargetTracking, PolicyTypePredictiveScaling}

func invalid(format string, args ...any) error { return Errorf(CodeValidation, format, args...) }

// CheckPolicyType checks that a namespace takes a policy type.
func CheckPolicyType(namespace, policyType string) error {
	ns, _ := Namespace(namespace)
	switch policyType {
	case PolicyTypePredictiveScaling:
		return invalid("PredictiveScaling policies are not supported yet by this service; use TargetTrackingScaling, StepScaling or scheduled actions")
	case PolicyTypeStepScaling:
		if !ns.StepScaling {
			return invalid("StepScaling policies are not supported for service namespace %s", namespace)
		}
	case PolicyTypeTargetTracking:
		if !ns.TargetTracking {
			return invalid("TargetTrackingScaling policies are not supported for service namespace %s", namespace)
		}
	}
	return nil
}

// ValidateStepScaling checks a step scaling configuration beyond the model constraints.
func ValidateStepScaling(c *StepScalingPolicyConfiguration) error {
	if c.AdjustmentType == nil {
		return invalid("AdjustmentType is required for a StepScaling policy")
	}
	if len(c.StepAdjustments) == 0 {
		return invalid("At least one step adjustment is required for a StepScaling policy")
	}
	if len(c.StepAdjustments) > MaxStepAdjustments {
		return invalid("There can be at most %d step adjustments per scaling policy", MaxStepAdjustments)
	}
	if c.MinAdjustmentMagnitude != nil {
		if *c.AdjustmentType != "PercentChangeInCapacity" {
			return invalid("MinAdjustmentMagnitude is only supported with the PercentChangeInCapacity adjustment type")
		}
		if *c.MinAdjustmentMagnitude < 0 {
			return invalid("MinAdjustmentMagnitude cannot be negative")
		}
	}
	if c.Cooldown != nil && *c.Cooldown < 0 {
		return invalid("Cooldown cannot be negative")
	}
	type interval struct{ lo, hi float64 }
	steps := make([]interval, 0, len(c.StepAdjustments))
	var nullLower, nullUpper int
	var anyNegLower, anyPosUpper bool
	for _, s := range c.StepAdjustments {
		if s.ScalingAdjustment == nil {
			return invalid("ScalingAdjustment is required in every step adjustment")
		}
		if *c.AdjustmentType == "ExactCapacity" && *s.ScalingAdjustment < 0 {
			return invalid("ScalingAdjustment cannot be negative with the ExactCapacity adjustment type")
		}
		iv := interval{math.Inf(-1), math.Inf(1)}
		if s.MetricIntervalLowerBound == nil {
			nullLower++
		} else {
			iv.lo = *s.MetricIntervalLowerBound
			anyNegLower = anyNegLower || iv.lo < 0
		}
		if s.MetricIntervalUpperBound == nil {
			nullUpper++
		} else {
			iv.hi = *s.MetricIntervalUpperBound
			anyPosUpper = anyPosUpper || iv.hi > 0
		}
		if s.MetricIntervalLowerBound == nil && s.MetricIntervalUpperBound == nil {
			return invalid("A step adjustment cannot have both a null lower bound and a null upper bound")
		}
		if iv.hi <= iv.lo {
			return invalid("The upper bound of a step adjustment must be greater than its lower bound")
		}
		steps = append(steps, iv)
	}
	if nullLower > 1 {
		return invalid("Only one step adjustment can have a null lower bound")
	}
	if nullUpper > 1 {
		return invalid("Only one step adjustment can have a null upper bound")
	}
	if anyNegLower && nullLower == 0 {
		return invalid("A step adjustment with a null lower bound is required when a lower bound is negative")
	}
	if anyPosUpper && nullUpper == 0 {
		return invalid("A step adjustment with a null upper bound is required when an upper bound is positive")
	}
	slices.SortFunc(steps, func(a, b interval) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	for i := 1; i < len(steps); i++ {
		if steps[i].lo < steps[i-1].hi {
			return invalid("Step adjustments cannot have overlapping intervals")
		}
		if steps[i].lo > steps[i-1].hi {
			return invalid("Step adjustments cannot have gaps between intervals")
		}
	}
	return nil
}

var metricQueryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// metricMathUnsupported lists the namespaces whose target tracking policies take no metric
// math.
var metricMathUnsupported = []string{"dynamodb", "cassandra", "elasticmapreduce", "kafka", "neptune"}

// ValidateTargetTracking checks a target tracking configuration for a target.
func ValidateTargetTracking(k TargetKey, c *TargetTrackingScalingPolicyConfiguration) error {
	if c.TargetValue == nil {
		return invalid("TargetValue is required for a TargetTrackingScaling policy")
	}
	if v := *c.TargetValue; math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.Ldexp(1, 360) {
		return invalid("TargetValue must be between -2^360 and 2^360")
	}
	for _, cd := range []*int32{c.ScaleInCooldown, c.ScaleOutCooldown} {
		if cd != nil && *cd < 0 {
			return invalid("Cooldown values cannot be negative")
		}
	}
	pre, cus := c.PredefinedMetricSpecification, c.CustomizedMetricSpecification
	switch {
	case pre == nil && cus == nil:
		return invalid("Either a PredefinedMetricSpecification or a CustomizedMetricSpecification must be provided")
	case pre != nil && cus != nil:
		return invalid("Only one of PredefinedMetricSpecification and CustomizedMetricSpecification can be provided")
	case pre != nil:
		return validatePredefined(k, pre)
	default:
		return validateCustomized(k, cus)
	}
}

func validatePredefined(k TargetKey, p *PredefinedMetricSpecification) error {
	dim, _ := Dimension(k.Dimension)
	t := *p.PredefinedMetricType
	if !dim.SupportsMetricType(t) {
		return invalid("The predefined metric type %s is not supported for scalable dimension %s", t, k.Dimension)
	}
	if t == "ALBRequestCountPerTarget" && p.ResourceLabel == nil {
		return invalid("ResourceLabel is required for the predefined metric type ALBRequestCountPerTarget")
	}
	if t != "ALBRequestCountPerTarget" && p.ResourceLabel != nil {
		return invalid("ResourceLabel is only supported for the predefined metric type ALBRequestCountPerTarget")
	}
	return nil
}

func validateCustomized(k TargetKey, c *CustomizedMetricSpecification) error {
	classic := c.MetricName != nil || c.Namespace != nil || c.Statistic != nil || len(c.Dimensions) > 0 || c.Unit != nil
	if len(c.Metrics) == 0 {
		if c.MetricName == nil || c.Namespace == nil || c.Statistic == nil {
			return invalid("A CustomizedMetricSpecification needs MetricName, Namespace and Statistic, or Metrics")
		}
		return validateDimensions(c.Dimensions)
	}
	if classic {
		return invalid("A CustomizedMetricSpecification cannot have both Metrics and MetricName, Namespace, Dimensions, Statistic or Unit")
	}
	if slices.Contains(metricMathUnsupported, k.Namespace) {
		return invalid("Metric math is not supported for service namespace %s", k.Namespace)
	}
	ids := map[string]bool{}
	returning := 0
	for _, q := range c.Metrics {
		id := *q.ID
		if !metricQueryID.MatchString(id) {
			return invalid("Metric query id %q must start with a lowercase letter and contain only letters, digits and underscores", id)
		}
		if ids[id] {
			return invalid("Metric query ids must be unique: %q is used twice", id)
		}
		ids[id] = true
		if (q.Expression == nil) == (q.MetricStat == nil) {
			return invalid("Metric query %q must have exactly one of Expression and MetricStat", id)
		}
		if q.MetricStat != nil {
			m := q.MetricStat.Metric
			if m == nil || m.MetricName == nil || m.Namespace == nil || q.MetricStat.Stat == nil {
				return invalid("Metric query %q needs MetricStat.Metric.MetricName, MetricStat.Metric.Namespace and MetricStat.Stat", id)
			}
			if err := validateDimensions(m.Dimensions); err != nil {
				return err
			}
		}
		if q.ReturnData == nil || *q.ReturnData {
			returning++
		}
	}
	if returning != 1 {
		return invalid("Exactly one metric query must return data (ReturnData true); %d do", returning)
	}
	return nil
}

func validateDimensions(ds []MetricDimension) error {
	for _, d := range ds {
		if d.Name == nil || d.Value == nil {
			return invalid("Every metric dimension needs a Name and a Value")
		}
	}
	return nil
}

// MetricSpecKey is a canonical rendering of a target tracking policy's metric specification:
// two policies on one target may not share it.
func MetricSpecKey(c *TargetTrackingScalingPolicyConfiguration) string {
	var v any = c.CustomizedMetricSpecification
	if c.PredefinedMetricSpecification != nil {
		v = c.PredefinedMetricSpecification
	}
	b, _ := json.Marshal(v) // struct fields marshal in a fixed order
	return string(b)
}
