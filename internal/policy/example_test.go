package policy_test

import (
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/policy"
)

// The ElastiCache User Guide's example: 50 shards, a 60 % CPU target breached by 30 %.
func ExampleTargetTracking() {
	target := policy.Target{
		Namespace: "elasticache", Dimension: "elasticache:replication-group:NodeGroups",
		Min: 1, Max: 250, Current: 50,
	}
	cpu := 60.0
	policies := []policy.TTPolicy{{
		Name:   "cpu",
		Config: &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: &cpu},
		Metric: 78, HasMetric: true,
	}}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	d := policy.TargetTracking(target, policy.Cooldowns{}, policies, 0, true, now, 1)
	fmt.Println(d.Scale, d.Desired, d.Direction, d.Cooldown)
	fmt.Println(policy.Description(target.Namespace, target.Dimension, d.Desired))
	// Output:
	// true 65 out 10m0s
	// Setting node group count to 65.
}

// The User Guide's step scaling cooldown example: an alarm asks for +3 during the cooldown of a
// +2 (10 → 12), so only 1 is added.
func ExampleStep() {
	kind, lower, three := policy.ChangeInCapacity, 0.0, int32(3)
	cfg := &autoscaling.StepScalingPolicyConfiguration{
		AdjustmentType:  &kind,
		StepAdjustments: []autoscaling.StepAdjustment{{MetricIntervalLowerBound: &lower, ScalingAdjustment: &three}},
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cd := policy.Cooldowns{LastScaleOut: now.Add(-time.Minute), ScaleOutFrom: 10, ScaleOutCooldown: policy.StepDefaultCooldown}
	target := policy.Target{Namespace: "ecs", Dimension: "ecs:service:DesiredCount", Min: 1, Max: 20, Current: 12}
	d := policy.Step(target, cd, cfg, 75, 80, now, 1)
	fmt.Println(d.Scale, d.Desired, d.Direction)
	// Output:
	// true 13 out
}

func ExampleFulfilled() {
	fmt.Println(policy.Fulfilled("lambda", "lambda:function:ProvisionedConcurrency", 5))
	// Output:
	// Successfully set desired concurrency to 5. Change successfully fulfilled by lambda.
}
