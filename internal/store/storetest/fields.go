package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// Objects with every field set (or deliberately left nil), for round-trip checks.

// fullTarget has every field set.
func fullTarget(scope autoscaling.Scope, key autoscaling.TargetKey) *autoscaling.ScalableTarget {
	tg := newTarget(scope, key)
	tg.MinCapacity, tg.MaxCapacity = 3, 2_000_000
	tg.Suspended = autoscaling.SuspendedState{DynamicScalingInSuspended: true, DynamicScalingOutSuspended: true, ScheduledScalingSuspended: true}
	tg.Tags = map[string]string{"team": "a", "cost-center": "1234", "empty": "", "ünïcödé": "✓ \"quoted\" \\ \n"}
	tg.CreationTime = t0.Add(-90 * 24 * time.Hour)
	return tg
}

// bareTarget has every optional field empty.
func bareTarget(scope autoscaling.Scope, key autoscaling.TargetKey) *autoscaling.ScalableTarget {
	tg := newTarget(scope, key)
	tg.MinCapacity, tg.MaxCapacity = 0, 0
	tg.Suspended = autoscaling.SuspendedState{}
	tg.Tags = nil
	tg.RoleARN = ""
	return tg
}

// stepPolicy is a step scaling policy with nested step adjustments (open and closed bounds,
// negative values) and two alarms.
func stepPolicy(tg *autoscaling.ScalableTarget, name string) *autoscaling.ScalingPolicy {
	p := newPolicy(tg, name)
	p.Type, p.TargetTracking = autoscaling.PolicyTypeStepScaling, nil
	p.StepScaling = &autoscaling.StepScalingPolicyConfiguration{
		AdjustmentType: ptr("PercentChangeInCapacity"),
		StepAdjustments: []autoscaling.StepAdjustment{
			{MetricIntervalUpperBound: ptr(-10.5), ScalingAdjustment: ptr(int32(-30))},
			{MetricIntervalLowerBound: ptr(-10.5), MetricIntervalUpperBound: ptr(0.0), ScalingAdjustment: ptr(int32(-10))},
			{MetricIntervalLowerBound: ptr(0.0), MetricIntervalUpperBound: ptr(1e-9), ScalingAdjustment: ptr(int32(0))},
			{MetricIntervalLowerBound: ptr(1e-9), ScalingAdjustment: ptr(int32(25))},
		},
		MinAdjustmentMagnitude: ptr(int32(2)),
		Cooldown:               ptr(int32(0)),
		MetricAggregationType:  ptr("Maximum"),
	}
	p.Alarms = []autoscaling.Alarm{
		{AlarmName: "step-high", AlarmARN: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:step-high"},
		{AlarmName: "step-low", AlarmARN: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:step-low"},
	}
	return p
}

// predefinedPolicy is a target tracking policy on a predefined metric, with every scalar set.
func predefinedPolicy(tg *autoscaling.ScalableTarget, name string) *autoscaling.ScalingPolicy {
	p := newPolicy(tg, name)
	p.TargetTracking = &autoscaling.TargetTrackingScalingPolicyConfiguration{
		TargetValue: ptr(0.1 + 0.2), // not exactly representable: must survive bit for bit
		PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{
			PredefinedMetricType: ptr("LambdaProvisionedConcurrencyUtilization"), ResourceLabel: ptr("label/with/slashes")},
		ScaleOutCooldown: ptr(int32(0)), ScaleInCooldown: ptr(int32(3600)), DisableScaleIn: ptr(false),
	}
	return p
}

// customPolicy is a target tracking policy on a classic customized metric.
func customPolicy(tg *autoscaling.ScalableTarget, name string) *autoscaling.ScalingPolicy {
	p := newPolicy(tg, name)
	p.TargetTracking = &autoscaling.TargetTrackingScalingPolicyConfiguration{
		TargetValue: ptr(1e6),
		CustomizedMetricSpecification: &autoscaling.CustomizedMetricSpecification{
			MetricName: ptr("QueueDepth"), Namespace: ptr("App"), Statistic: ptr("Average"), Unit: ptr("Count"),
			Dimensions: []autoscaling.MetricDimension{{Name: ptr("Queue"), Value: ptr("q1")}, {Name: ptr("Env"), Value: ptr("")}},
		},
		DisableScaleIn: ptr(true),
	}
	p.Alarms = nil
	return p
}

// barePolicy has no configuration and no alarms.
func barePolicy(tg *autoscaling.ScalableTarget, name string) *autoscaling.ScalingPolicy {
	p := newPolicy(tg, name)
	p.Type, p.TargetTracking, p.Alarms = autoscaling.PolicyTypePredictiveScaling, nil, nil
	return p
}

// bareAction leaves every optional field nil.
func bareAction(tg *autoscaling.ScalableTarget, name string) *autoscaling.ScheduledAction {
	a := newAction(tg, name)
	a.Schedule = "at(2026-12-01T00:00:00)"
	a.Timezone, a.StartTime, a.EndTime, a.MinCapacity, a.MaxCapacity = nil, nil, nil, nil, nil
	return a
}

// fullAction sets every optional field, zero values included.
func fullAction(tg *autoscaling.ScalableTarget, name string) *autoscaling.ScheduledAction {
	a := newAction(tg, name)
	a.Schedule, a.Timezone = "rate(5 minutes)", ptr("")
	a.MinCapacity, a.MaxCapacity = ptr(int32(0)), ptr(int32(7))
	return a
}

func activity(scope autoscaling.Scope, key autoscaling.TargetKey, start time.Time, desc string) *autoscaling.ScalingActivity {
	return &autoscaling.ScalingActivity{Scope: scope, TargetKey: key, ActivityID: autoscaling.NewUUID(), Description: desc,
		Cause: "monitor alarm x in state ALARM triggered policy p", StartTime: start, StatusCode: autoscaling.StatusInProgress}
}

func fullActivity(scope autoscaling.Scope, key autoscaling.TargetKey, start time.Time) *autoscaling.ScalingActivity {
	a := activity(scope, key, start, "Setting desired concurrency to 0.")
	end := start.Add(1500 * time.Millisecond)
	a.EndTime, a.StatusCode, a.StatusMessage, a.Details = &end, autoscaling.StatusUnfulfilled, "Failed to set", `{"k":"v"}`
	a.NotScaledReasons = []autoscaling.NotScaledReason{
		{Code: "AlreadyAtMaxCapacity", MaxCapacity: ptr(int32(10)), CurrentCapacity: ptr(int32(10))},
		{Code: "AlreadyAtMinCapacity", MinCapacity: ptr(int32(0))},
		{Code: "Other"},
	}
	return a
}

func runFields(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("EveryFieldRoundTrips", func(t *testing.T) {
		st := open(t)
		full, bare := fullTarget(scopeA, lambdaKey("full")), bareTarget(scopeA, lambdaKey("bare"))
		insert(t, st, full)
		insert(t, st, bare)
		for _, want := range []*autoscaling.ScalableTarget{full, bare} {
			got, err := st.GetTarget(ctx, want.Scope, want.TargetKey)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, equate); diff != "" {
				t.Errorf("GetTarget %s (-want +got):\n%s", want.ResourceID, diff)
			}
			got, err = st.GetTargetByID(ctx, want.Scope, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, equate); diff != "" {
				t.Errorf("GetTargetByID %s (-want +got):\n%s", want.ResourceID, diff)
			}
		}
		policies := []*autoscaling.ScalingPolicy{stepPolicy(full, "step"), predefinedPolicy(full, "predefined"),
			customPolicy(full, "custom"), newPolicy(full, "math"), barePolicy(full, "bare")}
		actions := []*autoscaling.ScheduledAction{newAction(full, "typical"), bareAction(full, "bare"), fullAction(full, "full")}
		acts := []*autoscaling.ScalingActivity{fullActivity(scopeA, full.TargetKey, t0), activity(scopeA, full.TargetKey, t0.Add(time.Second), "bare")}
		update(t, st, func(tx store.Tx) error {
			for _, p := range policies {
				if err := tx.PutPolicy(p); err != nil {
					return err
				}
			}
			for _, a := range actions {
				if err := tx.PutScheduledAction(a); err != nil {
					return err
				}
			}
			for _, a := range acts {
				if err := tx.PutActivity(a); err != nil {
					return err
				}
			}
			return nil
		})
		ps, err := st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", ResourceID: full.ResourceID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(policies, ps, equate); diff != "" {
			t.Errorf("ListPolicies (-want +got):\n%s", diff)
		}
		as, err := st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda", ResourceID: full.ResourceID})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(actions, as, equate); diff != "" {
			t.Errorf("ListScheduledActions (-want +got):\n%s", diff)
		}
		gotActs, err := st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*autoscaling.ScalingActivity{acts[1], acts[0]}, gotActs, equate); diff != "" {
			t.Errorf("ListActivities (-want +got):\n%s", diff)
		}
		// Inside a transaction too.
		update(t, st, func(tx store.Tx) error {
			ps, err := tx.Policies(scopeA, full.TargetKey)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(policies, ps, equate); diff != "" {
				return fmt.Errorf("Tx.Policies (-want +got):\n%s", diff)
			}
			as, err := tx.ScheduledActions(scopeA, full.TargetKey)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(actions, as, equate); diff != "" {
				return fmt.Errorf("Tx.ScheduledActions (-want +got):\n%s", diff)
			}
			got, err := tx.GetTarget(scopeA, full.TargetKey)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(full, got, equate); diff != "" {
				return fmt.Errorf("Tx.GetTarget (-want +got):\n%s", diff)
			}
			return nil
		})
		// What a read returns is the caller's: changing it changes nothing stored.
		got, _ := st.GetTarget(ctx, scopeA, full.TargetKey)
		got.Tags["team"], got.MaxCapacity = "changed", 1
		again, _ := st.GetTarget(ctx, scopeA, full.TargetKey)
		if diff := cmp.Diff(full, again, equate); diff != "" {
			t.Errorf("a read result aliases the store (-want +got):\n%s", diff)
		}
	})

	t.Run("ReplaceKeepsSeqAndChangesEveryField", func(t *testing.T) {
		st := open(t)
		tg := fullTarget(scopeA, lambdaKey("f"))
		insert(t, st, tg)
		seq := tg.Seq
		repl := bareTarget(scopeA, tg.TargetKey)
		repl.ID, repl.ResourceUUID, repl.CreationTime = tg.ID, tg.ResourceUUID, t0.Add(time.Hour)
		repl.MinCapacity, repl.MaxCapacity, repl.RoleARN = 5, 6, "arn:aws:iam::111111111111:role/custom"
		repl.Suspended.ScheduledScalingSuspended = true
		repl.Tags = map[string]string{"only": "this"}
		update(t, st, func(tx store.Tx) error { return tx.UpdateTarget(repl) })
		got, err := st.GetTarget(ctx, scopeA, tg.TargetKey)
		if err != nil {
			t.Fatal(err)
		}
		repl.Seq = seq
		if diff := cmp.Diff(repl, got, equate); diff != "" {
			t.Errorf("after UpdateTarget (-want +got):\n%s", diff)
		}

		p := stepPolicy(tg, "p")
		a := fullAction(tg, "a")
		act := fullActivity(scopeA, tg.TargetKey, t0)
		update(t, st, func(tx store.Tx) error {
			return errors.Join(tx.PutPolicy(p), tx.PutScheduledAction(a), tx.PutActivity(act))
		})
		pSeq, aSeq, actSeq := p.Seq, a.Seq, act.Seq
		p2 := customPolicy(tg, "p")
		p2.Seq, p2.CreationTime, p2.ARN = p.Seq, t0.Add(time.Minute), p.ARN+"-2"
		a2 := bareAction(tg, "a")
		a2.Seq = a.Seq
		act2 := activity(scopeA, tg.TargetKey, t0.Add(time.Minute), "replaced")
		act2.ActivityID, act2.Seq, act2.StatusCode = act.ActivityID, act.Seq, autoscaling.StatusSuccessful
		update(t, st, func(tx store.Tx) error {
			return errors.Join(tx.PutPolicy(p2), tx.PutScheduledAction(a2), tx.PutActivity(act2))
		})
		if p2.Seq != pSeq || a2.Seq != aSeq || act2.Seq != actSeq {
			t.Errorf("replacing changed Seq: policy %d->%d, action %d->%d, activity %d->%d", pSeq, p2.Seq, aSeq, a2.Seq, actSeq, act2.Seq)
		}
		ps, _ := st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda"})
		if diff := cmp.Diff([]*autoscaling.ScalingPolicy{p2}, ps, equate); diff != "" {
			t.Errorf("after policy replace (-want +got):\n%s", diff)
		}
		as, _ := st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda"})
		if diff := cmp.Diff([]*autoscaling.ScheduledAction{a2}, as, equate); diff != "" {
			t.Errorf("after scheduled action replace (-want +got):\n%s", diff)
		}
		acts, _ := st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
		if diff := cmp.Diff([]*autoscaling.ScalingActivity{act2}, acts, equate); diff != "" {
			t.Errorf("after activity replace (-want +got):\n%s", diff)
		}
		// Replacing what does not exist.
		gone := bareAction(tg, "gone")
		gone.Seq = a.Seq + 1000
		for name, fn := range map[string]func(tx store.Tx) error{
			"policy":           func(tx store.Tx) error { p := barePolicy(tg, "gone"); p.Seq = pSeq + 1000; return tx.PutPolicy(p) },
			"scheduled action": func(tx store.Tx) error { return tx.PutScheduledAction(gone) },
			"activity": func(tx store.Tx) error {
				a := activity(scopeA, tg.TargetKey, t0, "gone")
				a.Seq = actSeq + 1000
				return tx.PutActivity(a)
			},
		} {
			if err := st.Update(ctx, fn); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("replacing a missing %s: %v, want ErrNotFound", name, err)
			}
		}
	})
}
