package sdk_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const lambdaDim = types.ScalableDimensionLambdaFunctionProvisionedConcurrency

func ttLambda(target float64) *types.TargetTrackingScalingPolicyConfiguration {
	return &types.TargetTrackingScalingPolicyConfiguration{
		TargetValue: aws.Float64(target),
		PredefinedMetricSpecification: &types.PredefinedMetricSpecification{
			PredefinedMetricType: types.MetricTypeLambdaProvisionedConcurrencyUtilization,
		},
	}
}

func TestTargetTrackingPolicyLifecycle(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const rid = "function:my-function:BLUE"
	_, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{
		PolicyName: aws.String("p"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.7),
	})
	wantAPIError(t, err, "ObjectNotFoundException",
		`^No scalable target registered for service namespace: lambda, resource ID: function:my-function:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency$`)

	registerLambda(t, c, rid, 0, 100)
	put, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{
		PolicyName: aws.String("my-policy"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.7),
	})
	if err != nil {
		t.Fatal(err)
	}
	arnRe := regexp.MustCompile(`^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:(` + uuidRe + `):resource/lambda/function:my-function:BLUE:policyName/my-policy$`)
	m := arnRe.FindStringSubmatch(aws.ToString(put.PolicyARN))
	if m == nil {
		t.Fatalf("PolicyARN %q", aws.ToString(put.PolicyARN))
	}
	if len(put.Alarms) != 2 ||
		!regexp.MustCompile(`^TargetTracking-function:my-function:BLUE-AlarmHigh-`+uuidRe+`$`).MatchString(aws.ToString(put.Alarms[0].AlarmName)) ||
		!regexp.MustCompile(`^TargetTracking-function:my-function:BLUE-AlarmLow-`+uuidRe+`$`).MatchString(aws.ToString(put.Alarms[1].AlarmName)) ||
		aws.ToString(put.Alarms[0].AlarmARN) != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:"+aws.ToString(put.Alarms[0].AlarmName) {
		t.Fatalf("alarms = %s", mustJSON(put.Alarms))
	}

	// A second policy on the same target shares the per-target uuid.
	put2, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{
		PolicyName: aws.String("custom"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		PolicyType: types.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &types.TargetTrackingScalingPolicyConfiguration{
			TargetValue: aws.Float64(0.5),
			CustomizedMetricSpecification: &types.CustomizedMetricSpecification{
				MetricName: aws.String("ProvisionedConcurrencyUtilization"), Namespace: aws.String("AWS/Lambda"),
				Statistic: types.MetricStatisticMaximum, Unit: aws.String("Count"),
				Dimensions: []types.MetricDimension{{Name: aws.String("FunctionName"), Value: aws.String("my-function")}, {Name: aws.String("Resource"), Value: aws.String("my-function:BLUE")}},
			},
			ScaleInCooldown: aws.Int32(120),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m2 := arnRe.FindStringSubmatch(regexp.MustCompile(`policyName/custom$`).ReplaceAllString(aws.ToString(put2.PolicyARN), "policyName/my-policy")); m2 == nil || m2[1] != m[1] {
		t.Errorf("policies of one target do not share the uuid: %s vs %s", aws.ToString(put.PolicyARN), aws.ToString(put2.PolicyARN))
	}

	// Describe echoes the configuration exactly as supplied: no cooldowns or DisableScaleIn filled in.
	desc, err := c.DescribeScalingPolicies(ctx(t), &aas.DescribeScalingPoliciesInput{ServiceNamespace: "lambda", PolicyNames: []string{"my-policy"}})
	if err != nil || len(desc.ScalingPolicies) != 1 {
		t.Fatalf("describe: %v %d", err, len(desc.ScalingPolicies))
	}
	p := desc.ScalingPolicies[0]
	if diff := cmp.Diff(ttLambda(0.7), p.TargetTrackingScalingPolicyConfiguration, cmpopts.IgnoreUnexported(types.TargetTrackingScalingPolicyConfiguration{}, types.PredefinedMetricSpecification{})); diff != "" {
		t.Errorf("configuration not echoed as supplied (-want +got):\n%s", diff)
	}
	if p.PolicyType != types.PolicyTypeTargetTrackingScaling || aws.ToString(p.PolicyARN) != aws.ToString(put.PolicyARN) || len(p.Alarms) != 2 {
		t.Errorf("policy = %s", mustJSON(p))
	}

	// Re-put updates in place: same ARN, same creation time, same alarm names, new target.
	again, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{
		PolicyName: aws.String("my-policy"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.6),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.PolicyARN) != aws.ToString(put.PolicyARN) || aws.ToString(again.Alarms[0].AlarmName) != aws.ToString(put.Alarms[0].AlarmName) {
		t.Errorf("update changed identity: %s", mustJSON(again))
	}
	desc, _ = c.DescribeScalingPolicies(ctx(t), &aas.DescribeScalingPoliciesInput{ServiceNamespace: "lambda", PolicyNames: []string{"my-policy"}})
	if got := aws.ToFloat64(desc.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue); got != 0.6 {
		t.Errorf("TargetValue after update = %v", got)
	}
	if !aws.ToTime(desc.ScalingPolicies[0].CreationTime).Equal(aws.ToTime(p.CreationTime)) {
		t.Errorf("CreationTime changed on update")
	}

	// Same metric specification under another name is refused.
	_, err = c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{
		PolicyName: aws.String("dup"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.9),
	})
	wantAPIError(t, err, "ValidationException", `^Only one TargetTrackingScaling policy for a given metric specification is allowed\.$`)

	// Delete, then delete again.
	if _, err := c.DeleteScalingPolicy(ctx(t), &aas.DeleteScalingPolicyInput{PolicyName: aws.String("my-policy"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteScalingPolicy(ctx(t), &aas.DeleteScalingPolicyInput{PolicyName: aws.String("my-policy"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim})
	wantAPIError(t, err, "ObjectNotFoundException", `^No scaling policy found for service namespace: lambda, resource ID: function:my-function:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency, policy name: my-policy$`)
	desc, _ = c.DescribeScalingPolicies(ctx(t), &aas.DescribeScalingPoliciesInput{ServiceNamespace: "lambda"})
	if len(desc.ScalingPolicies) != 1 || aws.ToString(desc.ScalingPolicies[0].PolicyName) != "custom" {
		t.Errorf("after delete: %s", mustJSON(desc.ScalingPolicies))
	}
}

func TestPolicyValidation(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	registerLambda(t, c, "function:f:live", 0, 10)
	for _, dim := range []types.ScalableDimension{types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, types.ScalableDimensionElastiCacheReplicationGroupReplicas} {
		if _, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{ServiceNamespace: "elasticache", ScalableDimension: dim,
			ResourceId: aws.String("replication-group/rg"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(5)}); err != nil {
			t.Fatal(err)
		}
	}
	step := &types.StepScalingPolicyConfiguration{AdjustmentType: types.AdjustmentTypeChangeInCapacity,
		StepAdjustments: []types.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(1)}}}
	predef := func(mt types.MetricType) *types.TargetTrackingScalingPolicyConfiguration {
		return &types.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
			PredefinedMetricSpecification: &types.PredefinedMetricSpecification{PredefinedMetricType: mt}}
	}
	cases := []struct {
		name string
		in   aas.PutScalingPolicyInput
		code string
		msg  string
	}{
		{"step on lambda", aas.PutScalingPolicyInput{ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: types.PolicyTypeStepScaling, StepScalingPolicyConfiguration: step},
			"ValidationException", "StepScaling policies are not supported for service namespace lambda"},
		{"step on elasticache", aas.PutScalingPolicyInput{ServiceNamespace: "elasticache", ResourceId: aws.String("replication-group/rg"), ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, PolicyType: types.PolicyTypeStepScaling, StepScalingPolicyConfiguration: step},
			"ValidationException", "StepScaling policies are not supported for service namespace elasticache"},
		{"predictive", aas.PutScalingPolicyInput{ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: types.PolicyTypePredictiveScaling},
			"ValidationException", "not supported yet"},
		{"no policy type on create", aas.PutScalingPolicyInput{ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, TargetTrackingScalingPolicyConfiguration: ttLambda(0.7)},
			"ValidationException", "PolicyType is required"},
		{"bad policy type enum", aas.PutScalingPolicyInput{ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: "Magic"},
			"ValidationException", `Value 'Magic' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: \[StepScaling, TargetTrackingScaling, PredictiveScaling\]`},
		{"lambda metric on elasticache", aas.PutScalingPolicyInput{ServiceNamespace: "elasticache", ResourceId: aws.String("replication-group/rg"), ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.7)},
			"ValidationException", "LambdaProvisionedConcurrencyUtilization is not supported for scalable dimension elasticache:replication-group:NodeGroups"},
		{"replica metric on node groups", aas.PutScalingPolicyInput{ServiceNamespace: "elasticache", ResourceId: aws.String("replication-group/rg"), ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: predef(types.MetricTypeElastiCacheReplicaEngineCPUUtilization)},
			"ValidationException", "is not supported for scalable dimension"},
		{"no metric", aas.PutScalingPolicyInput{ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: &types.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(1)}},
			"ValidationException", "Either a PredefinedMetricSpecification or a CustomizedMetricSpecification"},
		{"policy name not printable", aas.PutScalingPolicyInput{PolicyName: aws.String("bad\tname"), ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.7)},
			"ValidationException", `at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p\{Print\}\+`},
		{"metric math two outputs", aas.PutScalingPolicyInput{ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: types.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: &types.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(1), CustomizedMetricSpecification: &types.CustomizedMetricSpecification{Metrics: []types.TargetTrackingMetricDataQuery{
				{Id: aws.String("m1"), MetricStat: &types.TargetTrackingMetricStat{Metric: &types.TargetTrackingMetric{MetricName: aws.String("A"), Namespace: aws.String("N")}, Stat: aws.String("Sum")}},
				{Id: aws.String("e1"), Expression: aws.String("m1 * 2")},
			}}}},
			"ValidationException", "Exactly one metric query must return data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.PolicyName == nil {
				tc.in.PolicyName = aws.String("p")
			}
			_, err := c.PutScalingPolicy(ctx(t), &tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	// Both ElastiCache dimensions take their own metrics, and metric math works.
	for _, tc := range []struct {
		dim types.ScalableDimension
		mt  types.MetricType
	}{{types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, types.MetricTypeElastiCachePrimaryEngineCPUUtilization},
		{types.ScalableDimensionElastiCacheReplicationGroupReplicas, types.MetricTypeElastiCacheReplicaEngineCPUUtilization}} {
		if _, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{PolicyName: aws.String("cpu"), ServiceNamespace: "elasticache", ResourceId: aws.String("replication-group/rg"),
			ScalableDimension: tc.dim, PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: predef(tc.mt)}); err != nil {
			t.Errorf("%s on %s: %v", tc.mt, tc.dim, err)
		}
	}
	if _, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{PolicyName: aws.String("math"), ServiceNamespace: "lambda", ResourceId: aws.String("function:f:live"), ScalableDimension: lambdaDim, PolicyType: types.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &types.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(1), CustomizedMetricSpecification: &types.CustomizedMetricSpecification{Metrics: []types.TargetTrackingMetricDataQuery{
			{Id: aws.String("m1"), ReturnData: aws.Bool(false), MetricStat: &types.TargetTrackingMetricStat{Metric: &types.TargetTrackingMetric{MetricName: aws.String("A"), Namespace: aws.String("N")}, Stat: aws.String("Sum")}},
			{Id: aws.String("e1"), Expression: aws.String("m1 * 2"), ReturnData: aws.Bool(true)},
		}}}}); err != nil {
		t.Errorf("metric math: %v", err)
	}
}

func TestStepScalingAndPolicyLimits(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const rid = "service/default/web-app"
	if _, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{ServiceNamespace: "ecs", ScalableDimension: types.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String(rid), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(10)}); err != nil {
		t.Fatal(err)
	}
	put := func(name string, cfg *types.StepScalingPolicyConfiguration) error {
		_, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{PolicyName: aws.String(name), ServiceNamespace: "ecs", ResourceId: aws.String(rid),
			ScalableDimension: types.ScalableDimensionECSServiceDesiredCount, PolicyType: types.PolicyTypeStepScaling, StepScalingPolicyConfiguration: cfg})
		return err
	}
	good := &types.StepScalingPolicyConfiguration{AdjustmentType: types.AdjustmentTypePercentChangeInCapacity, MinAdjustmentMagnitude: aws.Int32(2), Cooldown: aws.Int32(60),
		MetricAggregationType: types.MetricAggregationTypeMaximum,
		StepAdjustments: []types.StepAdjustment{
			{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(15), ScalingAdjustment: aws.Int32(10)},
			{MetricIntervalLowerBound: aws.Float64(15), ScalingAdjustment: aws.Int32(25)},
		}}
	if err := put("step", good); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeScalingPolicies(ctx(t), &aas.DescribeScalingPoliciesInput{ServiceNamespace: "ecs", ResourceId: aws.String(rid)})
	if err != nil || len(desc.ScalingPolicies) != 1 {
		t.Fatal(err)
	}
	if diff := cmp.Diff(good, desc.ScalingPolicies[0].StepScalingPolicyConfiguration, cmpopts.IgnoreUnexported(types.StepScalingPolicyConfiguration{}, types.StepAdjustment{})); diff != "" {
		t.Errorf("step configuration not echoed (-want +got):\n%s", diff)
	}
	if desc.ScalingPolicies[0].Alarms != nil {
		t.Errorf("a step policy with no alarm pointing at it lists alarms: %v", desc.ScalingPolicies[0].Alarms)
	}
	bad := map[string]*types.StepScalingPolicyConfiguration{
		"gap": {AdjustmentType: types.AdjustmentTypeChangeInCapacity, StepAdjustments: []types.StepAdjustment{
			{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(10), ScalingAdjustment: aws.Int32(1)},
			{MetricIntervalLowerBound: aws.Float64(20), ScalingAdjustment: aws.Int32(2)}}},
		"overlap": {AdjustmentType: types.AdjustmentTypeChangeInCapacity, StepAdjustments: []types.StepAdjustment{
			{MetricIntervalLowerBound: aws.Float64(0), MetricIntervalUpperBound: aws.Float64(10), ScalingAdjustment: aws.Int32(1)},
			{MetricIntervalLowerBound: aws.Float64(5), ScalingAdjustment: aws.Int32(2)}}},
		"both null":                 {AdjustmentType: types.AdjustmentTypeChangeInCapacity, StepAdjustments: []types.StepAdjustment{{ScalingAdjustment: aws.Int32(1)}}},
		"no adjustment type":        {StepAdjustments: []types.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(1)}}},
		"magnitude without percent": {AdjustmentType: types.AdjustmentTypeChangeInCapacity, MinAdjustmentMagnitude: aws.Int32(1), StepAdjustments: []types.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(1)}}},
	}
	for name, cfg := range bad {
		wantAPIError(t, put("bad-"+name, cfg), "ValidationException", "")
	}
	many := &types.StepScalingPolicyConfiguration{AdjustmentType: types.AdjustmentTypeChangeInCapacity}
	for i := range 21 {
		sa := types.StepAdjustment{MetricIntervalLowerBound: aws.Float64(float64(i)), MetricIntervalUpperBound: aws.Float64(float64(i + 1)), ScalingAdjustment: aws.Int32(1)}
		if i == 20 {
			sa.MetricIntervalUpperBound = nil
		}
		many.StepAdjustments = append(many.StepAdjustments, sa)
	}
	wantAPIError(t, put("many", many), "ValidationException", "at most 20 step adjustments")
	for i := 2; i <= 50; i++ {
		if err := put(fmt.Sprintf("p%02d", i), good); err != nil {
			t.Fatalf("policy %d: %v", i, err)
		}
	}
	wantAPIError(t, put("p51", good), "LimitExceededException", "")
	// Updating an existing one at the limit still works.
	if err := put("p50", good); err != nil {
		t.Fatalf("update at limit: %v", err)
	}
	// Describe pages 10 at a time and visits all 50.
	n := 0
	pg := aas.NewDescribeScalingPoliciesPaginator(c, &aas.DescribeScalingPoliciesInput{ServiceNamespace: "ecs"})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ScalingPolicies) > 10 {
			t.Fatalf("page of %d policies > 10", len(out.ScalingPolicies))
		}
		n += len(out.ScalingPolicies)
	}
	if n != 50 {
		t.Fatalf("paginated %d policies, want 50", n)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
