package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store"
)

const lambdaDim = "lambda:function:ProvisionedConcurrency"

func lambdaMetric(fn, qual string) metrics.Metric {
	return metrics.Metric{Namespace: "AWS/Lambda", MetricName: "ProvisionedConcurrencyUtilization",
		Dimensions: []metrics.Dimension{{Name: "FunctionName", Value: fn}, {Name: "Resource", Value: fn + ":" + qual}}}
}

// ttPolicy is a target tracking policy on Lambda utilization with a two-minute scale-out
// cooldown: the minute in which capacity was added still carries the utilization of before,
// and the cooldown keeps that stale datapoint from adding capacity a second time (Lambda's
// default cooldown is 0).
func ttPolicy(name string, target float64) *autoscaling.ScalingPolicy {
	return &autoscaling.ScalingPolicy{Name: name, TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{
		TargetValue: f64(target), ScaleOutCooldown: i32(120),
		PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{
			PredefinedMetricType: str("LambdaProvisionedConcurrencyUtilization")}}}
}

// scaled returns the activities that changed capacity, as "Description|StatusCode".
func scaled(as []*autoscaling.ScalingActivity) []string {
	var out []string
	for _, a := range as {
		if len(a.NotScaledReasons) == 0 {
			out = append(out, a.Description+"|"+a.StatusCode)
		}
	}
	return out
}

func notScaledCodes(as []*autoscaling.ScalingActivity) []string {
	var out []string
	for _, a := range as {
		for _, r := range a.NotScaledReasons {
			out = append(out, r.Code)
		}
	}
	return out
}

func wantList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// utilization pushes load/actual-capacity as the function's utilization every tick, as a
// function serving `load` concurrent requests would report it.
func (h *harness) utilization(t *autoscaling.ScalableTarget, load *float64) func() {
	return func() {
		c := h.capacity(t)
		if c.Actual > 0 {
			h.push(lambdaMetric("f", "BLUE"), *load/float64(c.Actual))
		}
	}
}

func TestTargetTrackingScalesOutAndIn(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 1, 10)
	p := h.putPolicy(tgt, ttPolicy("tt", 0.7))
	load := 5.0
	h.run(2*time.Minute+55*time.Second, h.utilization(tgt, &load))
	if got := h.activities(tgt); len(got) != 0 {
		t.Fatalf("scaled before 3 datapoints breached: %v", scaled(got))
	}
	high := h.alarm(p.Alarms[0].AlarmName)
	if high.StateValue != "INSUFFICIENT_DATA" && high.StateValue != "OK" {
		// 2 of 3 datapoints breach: the alarm is not in ALARM yet
		t.Fatalf("AlarmHigh state %s before the third datapoint", high.StateValue)
	}
	h.run(30*time.Second, h.utilization(tgt, &load))
	as := h.activities(tgt)
	if len(as) == 0 {
		t.Fatalf("no scale-out after 3 breaching datapoints; AlarmHigh is %s", h.alarm(p.Alarms[0].AlarmName).StateValue)
	}
	// 5 busy out of 1 = utilization 5.0 against 0.7: ceil(1 × 5 / 0.7) = 8.
	if as[0].Description != "Setting desired concurrency to 8." {
		t.Fatalf("description %q", as[0].Description)
	}
	wantCause := fmt.Sprintf("monitor alarm %s in state ALARM triggered policy tt", p.Alarms[0].AlarmName)
	if as[0].Cause != wantCause {
		t.Fatalf("cause %q, want %q", as[0].Cause, wantCause)
	}
	if as[0].StatusCode != autoscaling.StatusSuccessful || as[0].EndTime == nil {
		t.Fatalf("status %s (end %v), want Successful after the emulated delay", as[0].StatusCode, as[0].EndTime)
	}
	if as[0].StatusMessage != "Successfully set desired concurrency to 8. Change successfully fulfilled by lambda." {
		t.Fatalf("status message %q", as[0].StatusMessage)
	}
	if c := h.capacity(tgt); c.Actual != 8 {
		t.Fatalf("capacity %+v, want 8", c)
	}
	if st := h.alarm(p.Alarms[0].AlarmName); st.StateValue != "ALARM" || !strings.HasPrefix(st.StateReason, "Threshold Crossed: 3 out of the last 3 datapoints") {
		t.Fatalf("AlarmHigh %s %q", st.StateValue, st.StateReason)
	}

	// Load gone: utilization 0 for 15 minutes sets off AlarmLow; capacity returns to min.
	load = 0
	h.run(14*time.Minute, h.utilization(tgt, &load))
	if got := scaled(h.activities(tgt)); len(got) != 1 {
		t.Fatalf("scaled in before 15 low datapoints: %v", got)
	}
	h.run(3*time.Minute, h.utilization(tgt, &load))
	wantList(t, "activities", scaled(h.activities(tgt)), []string{
		"Setting desired concurrency to 8.|Successful",
		"Setting desired concurrency to 1.|Successful",
	})
	if c := h.capacity(tgt); c.Actual != 1 {
		t.Fatalf("capacity %+v, want 1", c)
	}
}

// With Lambda's default cooldown of 0, the stale minute is acted on: the overshoot AWS users
// see when allocation lags the alarm.
func TestZeroCooldownActsOnStaleMinute(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 1, 20)
	p := ttPolicy("tt", 0.7)
	p.TargetTracking.ScaleOutCooldown = nil
	h.putPolicy(tgt, p)
	load := 5.0
	h.run(4*time.Minute+30*time.Second, h.utilization(tgt, &load))
	// Minute 3 held 10 s at 5.0 and 50 s at 5/8: average 1.35, so ceil(8 × 1.35 / 0.7) = 16.
	wantList(t, "activities", scaled(h.activities(tgt)), []string{
		"Setting desired concurrency to 8.|Successful",
		"Setting desired concurrency to 16.|Successful",
	})
}

func TestInsufficientDataNeverScales(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 3, 10)
	p := h.putPolicy(tgt, ttPolicy("tt", 0.7))
	h.run(30*time.Minute, nil) // an idle function emits no utilization
	if as := h.activities(tgt); len(as) != 0 {
		t.Fatalf("activities without data: %v", scaled(as))
	}
	for _, a := range p.Alarms {
		if st := h.alarm(a.AlarmName).StateValue; st != "INSUFFICIENT_DATA" {
			t.Fatalf("%s is %s", a.AlarmName, st)
		}
	}
	if c := h.capacity(tgt); c.Actual != 3 {
		t.Fatalf("capacity %+v", c)
	}
}

func TestAtMaxRecordsOneNotScaledActivity(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 1, 4)
	h.putPolicy(tgt, ttPolicy("tt", 0.7))
	load := 100.0
	h.run(10*time.Minute, h.utilization(tgt, &load))
	as := h.activities(tgt)
	wantList(t, "scaled", scaled(as), []string{"Setting desired concurrency to 4.|Successful"})
	wantList(t, "not scaled", notScaledCodes(as), []string{"AlreadyAtMaxCapacity"})
}

func TestRangeChangeClampsCapacity(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", "ecs:service:DesiredCount", 2, 10)
	h.run(10*time.Second, nil)
	if c := h.capacity(tgt); c.Actual != 2 {
		t.Fatalf("emulated resource starts at %+v, want MinCapacity 2", c)
	}
	h.setRange(tgt, 5, 10, autoscaling.SuspendedState{})
	h.run(20*time.Second, nil)
	as := h.activities(tgt)
	if len(as) != 1 || as[0].Description != "Setting desired count to 5." || as[0].Cause != "minimum capacity was set to 5" ||
		as[0].StatusCode != autoscaling.StatusSuccessful {
		t.Fatalf("activities %+v", as)
	}
	h.setRange(tgt, 1, 3, autoscaling.SuspendedState{})
	h.run(20*time.Second, nil)
	as = h.activities(tgt)
	if len(as) != 2 || as[1].Description != "Setting desired count to 3." || as[1].Cause != "maximum capacity was set to 3" {
		t.Fatalf("activities %v", scaled(as))
	}
}

func TestSuspensionStopsWhatItNames(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 1, 10)
	h.putPolicy(tgt, ttPolicy("tt", 0.7))
	h.setRange(tgt, 1, 10, autoscaling.SuspendedState{DynamicScalingOutSuspended: true})
	load := 5.0
	h.run(6*time.Minute, h.utilization(tgt, &load))
	if got := scaled(h.activities(tgt)); len(got) != 0 {
		t.Fatalf("scaled out while scale-out is suspended: %v", got)
	}
	// Scale-in suspended does not stop scale-out; the alarm still in ALARM is acted on again.
	h.setRange(tgt, 1, 10, autoscaling.SuspendedState{DynamicScalingInSuspended: true})
	h.run(2*time.Minute, h.utilization(tgt, &load))
	wantList(t, "after resuming scale-out", scaled(h.activities(tgt)), []string{"Setting desired concurrency to 8.|Successful"})
	load = 0
	h.run(20*time.Minute, h.utilization(tgt, &load))
	wantList(t, "scale-in suspended", scaled(h.activities(tgt)), []string{"Setting desired concurrency to 8.|Successful"})
}

// DynamoDB's predefined utilization is metric math over two metrics (consumed units per second
// as a percentage of provisioned units): the alarm evaluates the expression.
func TestTargetTrackingOnMetricMath(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("dynamodb", "table/orders", "dynamodb:table:ReadCapacityUnits", 5, 100)
	h.putPolicy(tgt, &autoscaling.ScalingPolicy{Name: "reads", TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{
		TargetValue: f64(70), PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{
			PredefinedMetricType: str("DynamoDBReadCapacityUtilization")}}})
	dims := []metrics.Dimension{{Name: "TableName", Value: "orders"}}
	consumed := metrics.Metric{Namespace: "AWS/DynamoDB", MetricName: "ConsumedReadCapacityUnits", Dimensions: dims}
	provisioned := metrics.Metric{Namespace: "AWS/DynamoDB", MetricName: "ProvisionedReadCapacityUnits", Dimensions: dims}
	// 10 reads/s against 5 provisioned units: 200 %; DynamoDB's AlarmHigh needs 2 datapoints.
	h.run(2*time.Minute+30*time.Second, func() {
		h.push(consumed, 50) // every 5 s: 600 per minute
		h.push(provisioned, float64(h.capacity(tgt).Actual))
	})
	// ceil(5 × 200 / 70) = 15.
	wantList(t, "activities", scaled(h.activities(tgt)), []string{"Setting read capacity units to 15.|Successful"})
}

func TestDeletedPolicyStopsItsAlarms(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 1, 10)
	p := h.putPolicy(tgt, ttPolicy("tt", 0.7))
	h.run(10*time.Second, nil)
	if len(h.c.alarms) != 2 {
		t.Fatalf("%d alarms indexed, want 2", len(h.c.alarms))
	}
	h.update(func(tx store.Tx) error {
		if err := enginestate.PolicyDeleted(tx, p); err != nil {
			return err
		}
		return tx.DeletePolicy(scope, tgt.TargetKey, p.Name)
	})
	h.c.TargetChanged(scope, tgt.TargetKey)
	h.run(10*time.Second, nil)
	if len(h.c.alarms) != 0 {
		t.Fatalf("%d alarms still indexed after the policy was deleted", len(h.c.alarms))
	}
}

// With the background state writer (as Run uses it) the stored states end as the engine's.
func TestBackgroundStateWriter(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h.c.StartStateWriter(ctx, done)
	tgt := h.register("lambda", "function:f:BLUE", lambdaDim, 1, 10)
	p := h.putPolicy(tgt, ttPolicy("tt", 0.7))
	load := 5.0
	h.run(5*time.Minute, h.utilization(tgt, &load))
	load = 0
	h.run(20*time.Minute, h.utilization(tgt, &load))
	cancel()
	<-done
	for _, a := range p.Alarms {
		want := h.c.alarms[alarmRef{scope, a.AlarmName}].state
		if got := h.alarm(a.AlarmName).StateValue; got != string(want) {
			t.Fatalf("%s stored %s, engine has %s", a.AlarmName, got, want)
		}
	}
	if got := scaled(h.activities(tgt)); len(got) != 2 {
		t.Fatalf("activities %v", got)
	}
}
