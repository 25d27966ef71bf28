package autoscaling

import "testing"

func f(v float64) *float64 { return &v }
func i(v int32) *int32     { return &v }
func s(v string) *string   { return &v }

func TestValidateStepScaling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cfg   StepScalingPolicyConfiguration
		valid bool
	}{
		{"one open-ended step", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{{MetricIntervalLowerBound: f(0), ScalingAdjustment: i(1)}}}, true},
		{"scale-in steps", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{
			{MetricIntervalUpperBound: f(-10), ScalingAdjustment: i(-2)}, {MetricIntervalLowerBound: f(-10), MetricIntervalUpperBound: f(0), ScalingAdjustment: i(-1)}}}, true},
		{"both directions", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{
			{MetricIntervalUpperBound: f(0), ScalingAdjustment: i(-1)}, {MetricIntervalLowerBound: f(0), ScalingAdjustment: i(1)}}}, true},
		{"negative lower without null lower", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: f(-5), MetricIntervalUpperBound: f(0), ScalingAdjustment: i(-1)}}}, false},
		{"positive upper without null upper", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: f(0), MetricIntervalUpperBound: f(5), ScalingAdjustment: i(1)}}}, false},
		{"upper not above lower", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: f(5), MetricIntervalUpperBound: f(5), ScalingAdjustment: i(1)}, {MetricIntervalLowerBound: f(5), ScalingAdjustment: i(1)}}}, false},
		{"two null uppers", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), StepAdjustments: []StepAdjustment{
			{MetricIntervalLowerBound: f(0), ScalingAdjustment: i(1)}, {MetricIntervalLowerBound: f(10), ScalingAdjustment: i(2)}}}, false},
		{"exact capacity negative", StepScalingPolicyConfiguration{AdjustmentType: s("ExactCapacity"), StepAdjustments: []StepAdjustment{{MetricIntervalLowerBound: f(0), ScalingAdjustment: i(-1)}}}, false},
		{"no steps", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity")}, false},
		{"negative cooldown", StepScalingPolicyConfiguration{AdjustmentType: s("ChangeInCapacity"), Cooldown: i(-1), StepAdjustments: []StepAdjustment{{MetricIntervalLowerBound: f(0), ScalingAdjustment: i(1)}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateStepScaling(&tc.cfg)
			if (err == nil) != tc.valid {
				t.Fatalf("valid=%v, err=%v", tc.valid, err)
			}
		})
	}
}

func TestMetricSpecKeyDistinguishesSpecs(t *testing.T) {
	t.Parallel()
	a := &TargetTrackingScalingPolicyConfiguration{TargetValue: f(1), PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: s("LambdaProvisionedConcurrencyUtilization")}}
	b := &TargetTrackingScalingPolicyConfiguration{TargetValue: f(2), ScaleInCooldown: i(5), PredefinedMetricSpecification: &PredefinedMetricSpecification{PredefinedMetricType: s("LambdaProvisionedConcurrencyUtilization")}}
	c := &TargetTrackingScalingPolicyConfiguration{TargetValue: f(1), CustomizedMetricSpecification: &CustomizedMetricSpecification{MetricName: s("X"), Namespace: s("N"), Statistic: s("Average")}}
	if MetricSpecKey(a) != MetricSpecKey(b) {
		t.Error("same metric, different targets: keys differ")
	}
	if MetricSpecKey(a) == MetricSpecKey(c) {
		t.Error("different metrics share a key")
	}
}
