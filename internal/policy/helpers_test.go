package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// ago returns the instant d before t0.
func ago(d time.Duration) time.Time { return t0.Add(-d) }

func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }
func str(v string) *string   { return &v }

// ignoreWhy compares decisions without their prose.
var ignoreWhy = cmpopts.IgnoreFields(Decision{}, "Why")

var diffOpts = []cmp.Option{ignoreWhy, cmpopts.EquateEmpty()}

func ecs(min, max, current int32) Target {
	return Target{Namespace: "ecs", Dimension: "ecs:service:DesiredCount", Min: min, Max: max, Current: current}
}

func lambda(min, max, current int32) Target {
	return Target{Namespace: "lambda", Dimension: "lambda:function:ProvisionedConcurrency", Min: min, Max: max, Current: current}
}

func shards(min, max, current int32) Target {
	return Target{Namespace: "elasticache", Dimension: "elasticache:replication-group:NodeGroups", Min: min, Max: max, Current: current}
}

func replicas(min, max, current int32) Target {
	return Target{Namespace: "elasticache", Dimension: "elasticache:replication-group:Replicas", Min: min, Max: max, Current: current}
}

// tt builds a target tracking policy with a metric value.
func tt(name string, target, metric float64) TTPolicy {
	return TTPolicy{Name: name, Config: &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: f64(target)}, Metric: metric, HasMetric: true}
}

// noData builds a target tracking policy without a metric value.
func noData(name string, target float64) TTPolicy {
	p := tt(name, target, 0)
	p.HasMetric = false
	return p
}

func (p TTPolicy) noScaleIn() TTPolicy {
	c := *p.Config
	c.DisableScaleIn = ptr(true)
	p.Config = &c
	return p
}

func (p TTPolicy) cooldowns(out, in int32) TTPolicy {
	c := *p.Config
	c.ScaleOutCooldown, c.ScaleInCooldown = i32(out), i32(in)
	p.Config = &c
	return p
}

func maxReason(n int32) []autoscaling.NotScaledReason {
	return []autoscaling.NotScaledReason{{Code: CodeAlreadyAtMaxCapacity, MaxCapacity: i32(n)}}
}

func minReason(n int32) []autoscaling.NotScaledReason {
	return []autoscaling.NotScaledReason{{Code: CodeAlreadyAtMinCapacity, MinCapacity: i32(n)}}
}

func desiredReason(n int32) []autoscaling.NotScaledReason {
	return []autoscaling.NotScaledReason{{Code: CodeAlreadyAtDesiredCapacity, CurrentCapacity: i32(n)}}
}

func flapReason(n int32) []autoscaling.NotScaledReason {
	return []autoscaling.NotScaledReason{{Code: CodeAutoScalingAnticipatedFlapping, CurrentCapacity: i32(n)}}
}

// step builds a step adjustment; NaN bounds are null.
func step(lo, hi float64, adj int32) autoscaling.StepAdjustment {
	s := autoscaling.StepAdjustment{ScalingAdjustment: i32(adj)}
	if lo == lo {
		s.MetricIntervalLowerBound = f64(lo)
	}
	if hi == hi {
		s.MetricIntervalUpperBound = f64(hi)
	}
	return s
}

func stepConfig(kind string, steps ...autoscaling.StepAdjustment) *autoscaling.StepScalingPolicyConfiguration {
	return &autoscaling.StepScalingPolicyConfiguration{AdjustmentType: str(kind), StepAdjustments: steps}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func sprintAll(args ...any) string {
	var b strings.Builder
	for _, a := range args {
		fmt.Fprintf(&b, "%+v; ", deref(a))
	}
	return b.String()
}

// deref makes policies and configurations printable.
func deref(a any) any {
	switch v := a.(type) {
	case []TTPolicy:
		out := make([]string, len(v))
		for i, p := range v {
			out[i] = fmt.Sprintf("{%s target %v metric %v data %v noScaleIn %v}", p.Name, *p.Config.TargetValue, p.Metric, p.HasMetric, p.scaleInDisabled(""))
		}
		return out
	case *autoscaling.StepScalingPolicyConfiguration:
		s := *v.AdjustmentType
		for _, st := range v.StepAdjustments {
			lo, hi := bounds(st)
			s += fmt.Sprintf(" [%v,%v]:%d", lo, hi, *st.ScalingAdjustment)
		}
		return s
	}
	return a
}
