package controller

import (
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

var cpu = metrics.Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization",
	Dimensions: []metrics.Dimension{{Name: "ClusterName", Value: "c"}, {Name: "ServiceName", Value: "s"}}}

func (h *harness) userAlarm(name string, threshold float64, op string, n int32, actions ...string) {
	h.t.Helper()
	err := h.alarms.PutAlarm(h.ctx, &cwalarms.MetricAlarm{Scope: scope, AlarmName: name, AlarmArn: autoscaling.AlarmARN(scope, name),
		ActionsEnabled: true, AlarmActions: actions, Namespace: cpu.Namespace, MetricName: cpu.MetricName, Dimensions: cpu.Dimensions,
		Statistic: "Average", Period: 60, EvaluationPeriods: n, Threshold: threshold, ComparisonOperator: op})
	if err != nil {
		h.t.Fatalf("put alarm: %v", err)
	}
}

func stepPolicy(name string, cooldown int32, steps ...autoscaling.StepAdjustment) *autoscaling.ScalingPolicy {
	return &autoscaling.ScalingPolicy{Name: name, StepScaling: &autoscaling.StepScalingPolicyConfiguration{
		AdjustmentType: str("ChangeInCapacity"), Cooldown: i32(cooldown), StepAdjustments: steps}}
}

func TestStepScalingFromUserAlarm(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 2, 20)
	out := h.putPolicy(tgt, stepPolicy("out", 300,
		autoscaling.StepAdjustment{MetricIntervalLowerBound: f64(0), MetricIntervalUpperBound: f64(20), ScalingAdjustment: i32(1)},
		autoscaling.StepAdjustment{MetricIntervalLowerBound: f64(20), ScalingAdjustment: i32(3)}))
	h.userAlarm("cpu-high", 60, "GreaterThanThreshold", 2, out.ARN)
	// CPU 90: 30 above the threshold, the second step: +3.
	h.run(2*time.Minute+30*time.Second, func() { h.push(cpu, 90) })
	wantList(t, "activities", descriptions(h.activities(tgt)), []string{
		"Setting desired count to 5.|monitor alarm cpu-high in state ALARM triggered policy out|Successful",
	})
	// Still in ALARM: invoked every period, but the 300 s cooldown holds further scale-out
	// unless a larger one is asked: +3 again from 2 is 5, not more than the 5 already set.
	h.run(3*time.Minute, func() { h.push(cpu, 90) })
	if n := len(scaled(h.activities(tgt))); n != 1 {
		t.Fatalf("scaled during cooldown: %v", descriptions(h.activities(tgt)))
	}
	// After the cooldown the alarm, still in ALARM, adds 3 more.
	h.run(2*time.Minute, func() { h.push(cpu, 90) })
	wantList(t, "after cooldown", scaled(h.activities(tgt)), []string{
		"Setting desired count to 5.|Successful", "Setting desired count to 8.|Successful",
	})
	if st := h.alarm("cpu-high"); st.StateValue != "ALARM" {
		t.Fatalf("alarm %s", st.StateValue)
	}
}

func TestCooldownSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 20)
	in := h.putPolicy(tgt, stepPolicy("in", 600, autoscaling.StepAdjustment{MetricIntervalUpperBound: f64(0), ScalingAdjustment: i32(-1)}))
	h.setRange(tgt, 5, 20, autoscaling.SuspendedState{})
	h.run(20*time.Second, nil)
	h.setRange(tgt, 1, 20, autoscaling.SuspendedState{})
	h.userAlarm("cpu-low", 20, "LessThanThreshold", 1, in.ARN)
	h.run(90*time.Second, func() { h.push(cpu, 5) })
	wantList(t, "first scale-in", scaled(h.activities(tgt)), []string{
		"Setting desired count to 5.|Successful", "Setting desired count to 4.|Successful",
	})
	// Restart in the middle of the 600 s cooldown: it still holds.
	h.run(3*time.Minute, func() { h.push(cpu, 5) })
	h.restart()
	h.run(5*time.Minute, func() { h.push(cpu, 5) })
	if n := len(scaled(h.activities(tgt))); n != 2 {
		t.Fatalf("scaled in during the cooldown after a restart: %v", descriptions(h.activities(tgt)))
	}
	h.run(2*time.Minute, func() { h.push(cpu, 5) })
	if got := scaled(h.activities(tgt)); len(got) != 3 || got[2] != "Setting desired count to 3.|Successful" {
		t.Fatalf("after the cooldown: %v", got)
	}
}

func TestTwoPoliciesScaleInOnlyWhenBothAgree(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 20)
	h.setRange(tgt, 10, 20, autoscaling.SuspendedState{})
	h.run(20*time.Second, nil)
	h.setRange(tgt, 1, 20, autoscaling.SuspendedState{})
	mem := metrics.Metric{Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Dimensions: cpu.Dimensions}
	for _, m := range []string{"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"} {
		h.putPolicy(tgt, &autoscaling.ScalingPolicy{Name: m, TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{
			TargetValue: f64(50), ScaleInCooldown: i32(0),
			PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{PredefinedMetricType: str(m)}}})
	}
	// The service's work divides over its tasks: utilization is work / tasks.
	cpuWork, memWork := 100.0, 500.0
	load := func() {
		n := float64(h.capacity(tgt).Actual)
		h.push(cpu, cpuWork/n)
		h.push(mem, memWork/n)
	}
	// CPU is low (10 %), memory is on target (50 %): memory does not agree to scale in.
	h.run(20*time.Minute-25*time.Second, load) // ends at 00:19:55: the 00:20 period holds only new data
	if got := scaled(h.activities(tgt)); len(got) != 1 {
		t.Fatalf("scaled in against the memory policy: %v", got)
	}
	// Memory drops to 30 %: both agree; the larger proposal wins, ceil(10 × 30 / 50) = 6,
	// and at 6 tasks memory is back on target, so it stops there.
	memWork = 300
	h.run(20*time.Minute, load)
	got := scaled(h.activities(tgt))
	if len(got) != 2 || got[1] != "Setting desired count to 6.|Successful" {
		for _, a := range h.activities(tgt) {
			t.Logf("%s %s %s %s %+v", a.StartTime.Format("15:04:05"), a.Description, a.Cause, a.StatusMessage, a.NotScaledReasons)
		}
		t.Fatalf("activities %v", got)
	}
}

func TestSetAlarmStateRunsStepPolicy(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 2, 20)
	out := h.putPolicy(tgt, stepPolicy("out", 60,
		autoscaling.StepAdjustment{MetricIntervalLowerBound: f64(0), ScalingAdjustment: i32(2)}))
	h.userAlarm("manual", 60, "GreaterThanThreshold", 1, out.ARN)
	h.run(10*time.Second, nil)
	if err := h.alarms.SetAlarmState(h.ctx, scope, "manual", "ALARM", "testing", ""); err != nil {
		t.Fatal(err)
	}
	h.run(15*time.Second, nil)
	wantList(t, "activities", descriptions(h.activities(tgt)), []string{
		"Setting desired count to 4.|monitor alarm manual in state ALARM triggered policy out|Successful",
	})
}

// An alarm created and forced into ALARM before the engine's next round is first seen in
// ALARM: its actions still run (the e2e engine test once lost this race).
func TestSetAlarmStateRightAfterPutMetricAlarm(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 2, 20)
	out := h.putPolicy(tgt, stepPolicy("out", 60,
		autoscaling.StepAdjustment{MetricIntervalLowerBound: f64(0), ScalingAdjustment: i32(2)}))
	h.userAlarm("manual", 60, "GreaterThanThreshold", 1, out.ARN)
	if err := h.alarms.SetAlarmState(h.ctx, scope, "manual", "ALARM", "testing", ""); err != nil {
		t.Fatal(err)
	}
	h.run(15*time.Second, nil)
	wantList(t, "activities", descriptions(h.activities(tgt)), []string{
		"Setting desired count to 4.|monitor alarm manual in state ALARM triggered policy out|Successful",
	})
}

func TestOnlyTheLeaseHolderScales(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 20)
	other := New(Options{Store: h.st, Metrics: h.ms, Drivers: h.c.opts.Drivers, Clock: h.clock, NodeID: "b"})
	h.c.opts.NodeID = "a"
	if !h.c.holdLease(h.ctx) {
		t.Fatal("a did not take the free lease")
	}
	if other.holdLease(h.ctx) {
		t.Fatal("b took a held lease")
	}
	h.clock.set(h.clock.Now().Add(LeaseTTL / 2))
	if !h.c.holdLease(h.ctx) || other.holdLease(h.ctx) {
		t.Fatal("renewal")
	}
	// a stops (crash): after the TTL, b takes over and loads the index.
	h.clock.set(h.clock.Now().Add(LeaseTTL + time.Second))
	if !other.holdLease(h.ctx) {
		t.Fatal("b did not take the expired lease")
	}
	if other.loaded {
		t.Fatal("a new leader must reload its index")
	}
	other.Round(h.ctx)
	if _, ok := other.targets[targetRef{scope, tgt.TargetKey}]; !ok {
		t.Fatal("b's index lacks the target")
	}
	if h.c.holdLease(h.ctx) {
		t.Fatal("a took the lease back while b holds it")
	}
}
