// Package storetest is the conformance kit of the store contract: every backend (SQLite,
// PostgreSQL, the in-memory store, and the read cache in front of them) runs Run and must
// pass it; the durable ones also run RunReopen.
//
// Objects are compared field by field with go-cmp, with cmpopts.EquateEmpty: a backend may
// return an empty map or slice (tags, alarms, step adjustments, not-scaled reasons) as nil.
// Pointers are not equated: nil must stay nil and a pointer to a zero value must stay one.
//
// The subtests cover round trips of every field, the ErrNotFound/ErrExists/ErrConflict
// contract through error wrapping, scope isolation, the cascade of DeleteTarget, list
// filters and paging (every item exactly once, in seq order), seq never being reused,
// CountTargets, Tx reads of its own writes, Update atomicity (errors, panics, cancelled
// contexts), independence of concurrent Updates, race-free read-modify-write and
// check-then-insert, readers never seeing part of an Update, Meta, and activity retention;
// and the record table (records.go): round trips, byte-wise order (multi-byte UTF-8 and
// bytes that are not UTF-8 included), prefix/after/limit paging, DeleteRecords by prefix,
// atomicity, Tx reads of its own writes and race-free read-modify-write of a record.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// Opener returns a fresh, empty store and registers its cleanup.
type Opener func(t *testing.T) store.Store

var (
	scopeA = autoscaling.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = autoscaling.Scope{Account: "222222222222", Region: "us-east-1"}
	scopeC = autoscaling.Scope{Account: "111111111111", Region: "eu-west-1"}
	t0     = time.Date(2026, 11, 22, 12, 0, 0, 123_000_000, time.UTC)
)

func ptr[T any](v T) *T { return &v }

func lambdaKey(name string) autoscaling.TargetKey {
	return autoscaling.TargetKey{Namespace: "lambda", ResourceID: "function:" + name + ":live", Dimension: "lambda:function:ProvisionedConcurrency"}
}

func newTarget(scope autoscaling.Scope, key autoscaling.TargetKey) *autoscaling.ScalableTarget {
	return &autoscaling.ScalableTarget{Scope: scope, TargetKey: key, ID: autoscaling.NewTargetID(key.Namespace), ResourceUUID: autoscaling.NewUUID(),
		MinCapacity: 1, MaxCapacity: 10, RoleARN: autoscaling.ServiceLinkedRoleARN(scope.Account, key.Namespace), CreationTime: t0,
		Suspended: autoscaling.SuspendedState{DynamicScalingInSuspended: true}, Tags: map[string]string{"team": "a"}}
}

func newPolicy(t *autoscaling.ScalableTarget, name string) *autoscaling.ScalingPolicy {
	return &autoscaling.ScalingPolicy{Scope: t.Scope, TargetKey: t.TargetKey, Name: name, Type: autoscaling.PolicyTypeTargetTracking,
		ARN: autoscaling.PolicyARN(t.Scope, t.ResourceUUID, t.TargetKey, name), CreationTime: t0,
		TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: ptr(0.7), ScaleInCooldown: ptr(int32(60)),
			CustomizedMetricSpecification: &autoscaling.CustomizedMetricSpecification{Metrics: []autoscaling.TargetTrackingMetricDataQuery{
				{ID: ptr("m1"), ReturnData: ptr(false), MetricStat: &autoscaling.TargetTrackingMetricStat{Stat: ptr("Sum"),
					Metric: &autoscaling.TargetTrackingMetric{MetricName: ptr("M"), Namespace: ptr("N"), Dimensions: []autoscaling.MetricDimension{{Name: ptr("d"), Value: ptr("v")}}}}},
				{ID: ptr("e1"), Expression: ptr("m1 / 2")},
			}}},
		Alarms: []autoscaling.Alarm{{AlarmName: "TargetTracking-x-AlarmHigh-1", AlarmARN: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:TargetTracking-x-AlarmHigh-1"}}}
}

func newAction(t *autoscaling.ScalableTarget, name string) *autoscaling.ScheduledAction {
	end := t0.Add(time.Hour)
	return &autoscaling.ScheduledAction{Scope: t.Scope, TargetKey: t.TargetKey, Name: name, Schedule: "cron(0 8 * * ? *)", Timezone: ptr("Europe/Berlin"),
		StartTime: &t0, EndTime: &end, MinCapacity: ptr(int32(2)), CreationTime: t0,
		ARN: autoscaling.ScheduledActionARN(t.Scope, t.ResourceUUID, t.TargetKey, name)}
}

var equate = cmp.Options{cmpopts.EquateEmpty()}

func update(t *testing.T, st store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func insert(t *testing.T, st store.Store, tg *autoscaling.ScalableTarget) {
	t.Helper()
	update(t, st, func(tx store.Tx) error { return tx.InsertTarget(tg) })
}

// Run runs the conformance kit.
func Run(t *testing.T, open Opener, opts ...Option) {
	ctx := context.Background()
	o := optionsOf(opts)
	t.Run("TargetRoundTrip", func(t *testing.T) {
		st := open(t)
		tg := newTarget(scopeA, lambdaKey("f"))
		insert(t, st, tg)
		if tg.Seq == 0 {
			t.Fatal("InsertTarget did not set Seq")
		}
		got, err := st.GetTarget(ctx, scopeA, tg.TargetKey)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tg, got, equate); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		byID, err := st.GetTargetByID(ctx, scopeA, tg.ID)
		if err != nil || byID.ResourceID != tg.ResourceID {
			t.Errorf("GetTargetByID: %v %v", byID, err)
		}
		tg.MaxCapacity, tg.Tags = 20, nil
		update(t, st, func(tx store.Tx) error { return tx.UpdateTarget(tg) })
		got, _ = st.GetTarget(ctx, scopeA, tg.TargetKey)
		if got.MaxCapacity != 20 || len(got.Tags) != 0 || got.Seq != tg.Seq {
			t.Errorf("after update: %+v", got)
		}
		err = st.Update(ctx, func(tx store.Tx) error { return tx.InsertTarget(newTarget(scopeA, tg.TargetKey)) })
		if !errors.Is(err, store.ErrExists) {
			t.Errorf("duplicate insert: %v, want ErrExists", err)
		}
		if _, err := st.GetTarget(ctx, scopeA, lambdaKey("nope")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing target: %v", err)
		}
		if _, err := st.GetTargetByID(ctx, scopeA, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing id: %v", err)
		}
		for name, fn := range map[string]func(tx store.Tx) error{
			"update": func(tx store.Tx) error { return tx.UpdateTarget(newTarget(scopeA, lambdaKey("nope"))) },
			"delete": func(tx store.Tx) error { return tx.DeleteTarget(scopeA, lambdaKey("nope")) },
		} {
			if err := st.Update(ctx, fn); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of a missing target: %v, want ErrNotFound", name, err)
			}
		}
	})

	t.Run("ScopesAreIsolated", func(t *testing.T) {
		st := open(t)
		key := lambdaKey("shared")
		for _, sc := range []autoscaling.Scope{scopeA, scopeB, scopeC} {
			tg := newTarget(sc, key)
			tg.MaxCapacity = int32(len(sc.Account) + len(sc.Region))
			insert(t, st, tg)
		}
		for _, sc := range []autoscaling.Scope{scopeA, scopeB, scopeC} {
			ts, err := st.ListTargets(ctx, sc, store.TargetQuery{Namespace: "lambda"})
			if err != nil || len(ts) != 1 || ts[0].Scope != sc {
				t.Errorf("scope %v lists %d targets (%v)", sc, len(ts), err)
			}
		}
		a, _ := st.GetTarget(ctx, scopeA, key)
		if _, err := st.GetTargetByID(ctx, scopeB, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another scope's id is visible: %v", err)
		}
	})

	t.Run("ChildrenAndCascade", func(t *testing.T) {
		st := open(t)
		a, b := newTarget(scopeA, lambdaKey("a")), newTarget(scopeA, lambdaKey("b"))
		insert(t, st, a)
		insert(t, st, b)
		pa, pb, sa := newPolicy(a, "p"), newPolicy(b, "p"), newAction(a, "s")
		update(t, st, func(tx store.Tx) error {
			return errors.Join(tx.PutPolicy(pa), tx.PutPolicy(pb), tx.PutScheduledAction(sa), tx.PutScheduledAction(newAction(b, "s")))
		})
		if pa.Seq == 0 || sa.Seq == 0 {
			t.Fatal("Put did not set Seq")
		}
		ps, err := st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", ResourceID: a.ResourceID})
		if err != nil || len(ps) != 1 {
			t.Fatalf("policies of a: %d %v", len(ps), err)
		}
		if diff := cmp.Diff(pa, ps[0], equate); diff != "" {
			t.Errorf("policy round trip (-want +got):\n%s", diff)
		}
		as, _ := st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda", ResourceID: a.ResourceID, ActionNames: []string{"s"}})
		if len(as) != 1 {
			t.Fatalf("actions of a: %d", len(as))
		}
		if diff := cmp.Diff(sa, as[0], equate); diff != "" {
			t.Errorf("scheduled action round trip (-want +got):\n%s", diff)
		}
		// Insert of a taken name, replace, delete.
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutPolicy(newPolicy(a, "p")) }); !errors.Is(err, store.ErrExists) {
			t.Errorf("duplicate policy: %v", err)
		}
		pa.Type = autoscaling.PolicyTypeStepScaling
		update(t, st, func(tx store.Tx) error { return tx.PutPolicy(pa) })
		update(t, st, func(tx store.Tx) error {
			got, err := tx.Policies(scopeA, a.TargetKey)
			if err != nil || len(got) != 1 || got[0].Type != autoscaling.PolicyTypeStepScaling {
				return fmt.Errorf("Tx.Policies after replace: %v %v", got, err)
			}
			got2, err := tx.ScheduledActions(scopeA, a.TargetKey)
			if err != nil || len(got2) != 1 {
				return fmt.Errorf("Tx.ScheduledActions: %v %v", got2, err)
			}
			return nil
		})
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.DeletePolicy(scopeA, a.TargetKey, "nope") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete of a missing policy: %v", err)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.DeleteScheduledAction(scopeA, a.TargetKey, "nope") }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete of a missing action: %v", err)
		}
		act := &autoscaling.ScalingActivity{Scope: scopeA, TargetKey: a.TargetKey, ActivityID: autoscaling.NewUUID(), Description: "d", Cause: "c", StartTime: t0, StatusCode: autoscaling.StatusSuccessful}
		update(t, st, func(tx store.Tx) error { return tx.PutActivity(act) })
		update(t, st, func(tx store.Tx) error { return tx.DeleteTarget(scopeA, a.TargetKey) })
		ps, _ = st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda"})
		as, _ = st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda"})
		if len(ps) != 1 || ps[0].ResourceID != b.ResourceID || len(as) != 1 || as[0].ResourceID != b.ResourceID {
			t.Errorf("cascade: policies %d, actions %d left; want only b's", len(ps), len(as))
		}
		acts, _ := st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda"})
		if len(acts) != 1 {
			t.Errorf("activities must outlive their target: %d", len(acts))
		}
		// Re-registering the same key after delete starts empty.
		insert(t, st, newTarget(scopeA, a.TargetKey))
		ps, _ = st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", ResourceID: a.ResourceID})
		if len(ps) != 0 {
			t.Errorf("a re-registered target inherits %d policies", len(ps))
		}
	})

	t.Run("ListFiltersAndPaging", func(t *testing.T) {
		st := open(t)
		var want []string
		for i := range 23 {
			tg := newTarget(scopeA, lambdaKey(fmt.Sprintf("f%02d", i)))
			insert(t, st, tg)
			want = append(want, tg.ResourceID)
		}
		ec := newTarget(scopeA, autoscaling.TargetKey{Namespace: "elasticache", ResourceID: "replication-group/rg", Dimension: "elasticache:replication-group:NodeGroups"})
		insert(t, st, ec)
		insert(t, st, newTarget(scopeA, autoscaling.TargetKey{Namespace: "elasticache", ResourceID: "replication-group/rg", Dimension: "elasticache:replication-group:Replicas"}))
		var got []string
		var after int64
		for range 10 {
			page, err := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", AfterSeq: after, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			for _, tg := range page {
				got = append(got, tg.ResourceID)
				after = tg.Seq
			}
			if len(page) < 5 {
				break
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("paging in Seq order (-want +got):\n%s", diff)
		}
		ts, _ := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", ResourceIDs: []string{want[20], want[3], "function:x:y"}})
		if len(ts) != 2 || ts[0].ResourceID != want[3] || ts[1].ResourceID != want[20] {
			t.Errorf("ResourceIDs filter: %v", ts)
		}
		ts, _ = st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", ResourceIDs: []string{want[20], want[3]}, AfterSeq: ts[0].Seq, Limit: 1})
		if len(ts) != 1 || ts[0].ResourceID != want[20] {
			t.Errorf("ResourceIDs with AfterSeq and Limit: %v", ts)
		}
		ts, _ = st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "elasticache", Dimension: "elasticache:replication-group:Replicas"})
		if len(ts) != 1 || ts[0].Dimension != "elasticache:replication-group:Replicas" {
			t.Errorf("Dimension filter: %v", ts)
		}
		update(t, st, func(tx store.Tx) error {
			for _, c := range []struct {
				ns, rtype string
				want      int
			}{{"lambda", "function", 23}, {"elasticache", "replication-group", 2}, {"elasticache", "", 2}, {"ecs", "service", 0}} {
				if n, err := tx.CountTargets(scopeA, c.ns, c.rtype); err != nil || n != c.want {
					return fmt.Errorf("CountTargets(%s, %s) = %d, %v; want %d", c.ns, c.rtype, n, err, c.want)
				}
			}
			if n, _ := tx.CountTargets(scopeB, "lambda", "function"); n != 0 {
				return fmt.Errorf("CountTargets crosses scopes: %d", n)
			}
			return tx.DeleteTarget(scopeA, lambdaKey("f00"))
		})
		update(t, st, func(tx store.Tx) error {
			if n, _ := tx.CountTargets(scopeA, "lambda", "function"); n != 22 {
				return fmt.Errorf("CountTargets after delete = %d, want 22", n)
			}
			return nil
		})
		// Policies: name filter and paging.
		tg, _ := st.GetTarget(ctx, scopeA, lambdaKey("f01"))
		update(t, st, func(tx store.Tx) error {
			for i := range 12 {
				if err := tx.PutPolicy(newPolicy(tg, fmt.Sprintf("p%02d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		ps, _ := st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", PolicyNames: []string{"p03", "p07"}})
		if len(ps) != 2 || ps[0].Name != "p03" || ps[1].Name != "p07" {
			t.Errorf("PolicyNames filter: %v", ps)
		}
		ps, _ = st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", AfterSeq: ps[0].Seq, Limit: 3})
		if len(ps) != 3 || ps[0].Name != "p04" {
			t.Errorf("policy paging: %v", ps)
		}
	})

	t.Run("ActivitiesNewestFirst", func(t *testing.T) {
		st := open(t)
		key := lambdaKey("f")
		var acts []*autoscaling.ScalingActivity
		update(t, st, func(tx store.Tx) error {
			for i := range 12 {
				end := t0.Add(time.Duration(i)*time.Minute + time.Second)
				a := &autoscaling.ScalingActivity{Scope: scopeA, TargetKey: key, ActivityID: autoscaling.NewUUID(), Description: fmt.Sprint(i),
					Cause: "c", StartTime: t0.Add(time.Duration(i) * time.Minute), EndTime: &end, StatusCode: autoscaling.StatusSuccessful, StatusMessage: "m", Details: "d"}
				if i%4 == 3 {
					a.NotScaledReasons = []autoscaling.NotScaledReason{{Code: "AlreadyAtMaxCapacity", MaxCapacity: ptr(int32(4))}}
				}
				if err := tx.PutActivity(a); err != nil {
					return err
				}
				acts = append(acts, a)
			}
			return nil
		})
		all, _ := st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
		if len(all) != 12 {
			t.Fatalf("%d activities", len(all))
		}
		if diff := cmp.Diff(acts[11], all[0], equate); diff != "" {
			t.Errorf("newest activity round trip (-want +got):\n%s", diff)
		}
		scaled, _ := st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", ResourceID: key.ResourceID})
		if len(scaled) != 9 || scaled[0].Description != "10" {
			t.Errorf("without not-scaled: %d, first %q", len(scaled), scaled[0].Description)
		}
		page, _ := st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true, BeforeSeq: all[4].Seq, Limit: 3})
		if len(page) != 3 || page[0].Description != "6" {
			t.Errorf("BeforeSeq page: %v", page)
		}
		acts[0].StatusCode = autoscaling.StatusFailed
		update(t, st, func(tx store.Tx) error { return tx.PutActivity(acts[0]) })
		all, _ = st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
		if all[11].StatusCode != autoscaling.StatusFailed || len(all) != 12 {
			t.Errorf("activity replace: %v", all[11])
		}
		update(t, st, func(tx store.Tx) error {
			n, err := tx.DeleteActivitiesBefore(t0.Add(5 * time.Minute))
			if n != 5 {
				return fmt.Errorf("DeleteActivitiesBefore removed %d, want 5 (%v)", n, err)
			}
			return err
		})
	})

	t.Run("UpdateIsAtomic", func(t *testing.T) {
		st := open(t)
		boom := errors.New("boom")
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertTarget(newTarget(scopeA, lambdaKey("ghost"))); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", boom)
		})
		if !errors.Is(err, boom) {
			t.Errorf("Update returned %v, want the function's error", err)
		}
		if _, err := st.GetTarget(ctx, scopeA, lambdaKey("ghost")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a failed update left its write: %v", err)
		}
		err = st.Update(ctx, func(tx store.Tx) error {
			_ = tx.InsertTarget(newTarget(scopeA, lambdaKey("ghost2")))
			panic("kaboom")
		})
		if err == nil {
			t.Error("a panicking update returned nil")
		}
		if _, err := st.GetTarget(ctx, scopeA, lambdaKey("ghost2")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a panicking update left its write: %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		ran := false
		if err := st.Update(cctx, func(tx store.Tx) error { ran = true; return nil }); err == nil || ran {
			t.Errorf("a cancelled update ran (%v, %v)", ran, err)
		}
	})

	t.Run("ConcurrentUpdatesAreIndependent", func(t *testing.T) {
		st := open(t)
		var wg sync.WaitGroup
		errs := make([]error, 32)
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.Update(ctx, func(tx store.Tx) error {
					if err := tx.InsertTarget(newTarget(scopeA, lambdaKey(fmt.Sprintf("c%d", i)))); err != nil {
						return err
					}
					if i%3 == 0 {
						return errors.New("planned failure")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i := range 32 {
			_, err := st.GetTarget(ctx, scopeA, lambdaKey(fmt.Sprintf("c%d", i)))
			if (i%3 == 0) != (errs[i] != nil) || (errs[i] == nil) != (err == nil) {
				t.Errorf("update %d: returned %v, target lookup %v", i, errs[i], err)
			}
		}
	})

	t.Run("NoLostUpdates", func(t *testing.T) {
		st := open(t)
		key := lambdaKey("counter")
		tg := newTarget(scopeA, key)
		tg.MaxCapacity = 0
		insert(t, st, tg)
		var wg sync.WaitGroup
		var failures sync.Map
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 30; i++ {
					err := st.Update(ctx, func(tx store.Tx) error {
						cur, err := tx.GetTarget(scopeA, key)
						if err != nil {
							return err
						}
						cur.MaxCapacity++
						return tx.UpdateTarget(cur)
					})
					if errors.Is(err, store.ErrConflict) {
						i-- // the contract allows a conflict; the caller retries
						continue
					}
					if err != nil {
						failures.Store(w, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		failures.Range(func(k, v any) bool { t.Errorf("worker %v: %v", k, v); return true })
		got, _ := st.GetTarget(ctx, scopeA, key)
		if got.MaxCapacity != 480 {
			t.Errorf("MaxCapacity = %d after 480 increments: lost updates", got.MaxCapacity)
		}
	})

	t.Run("RacingInsertsOfOneKey", func(t *testing.T) {
		st := open(t)
		key := lambdaKey("race")
		var wg sync.WaitGroup
		results := make([]error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = st.Update(ctx, func(tx store.Tx) error {
					if _, err := tx.GetTarget(scopeA, key); err == nil {
						return store.ErrExists
					} else if !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return tx.InsertTarget(newTarget(scopeA, key))
				})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrConflict):
			default:
				t.Errorf("racing insert: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d racing inserts succeeded, want exactly 1", ok)
		}
	})

	t.Run("MetaIsCreatedOnce", func(t *testing.T) {
		st := open(t)
		var wg sync.WaitGroup
		vals := make([][]byte, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := st.Meta(ctx, "k", func() ([]byte, error) { return []byte(fmt.Sprint("value-", i)), nil })
				if err != nil {
					t.Errorf("Meta: %v", err)
				}
				vals[i] = v
			}()
		}
		wg.Wait()
		for _, v := range vals[1:] {
			if string(v) != string(vals[0]) {
				t.Fatalf("callers disagree: %q vs %q", v, vals[0])
			}
		}
		v, err := st.Meta(ctx, "k", func() ([]byte, error) { t.Error("create called again"); return nil, nil })
		if err != nil || string(v) != string(vals[0]) {
			t.Errorf("later Meta: %q %v", v, err)
		}
	})

	runFields(t, open)
	runMore(t, open)
	if !o.noRecords {
		runRecords(t, open)
	}
}

// RunReopen checks that everything written (records included) is there, field for field,
// after the store is closed and opened again on the same data (open must return a store on
// the same data each time it is called), and that sequence numbers keep increasing, also
// past deleted objects.
func RunReopen(t *testing.T, open func(t *testing.T) store.Store, opts ...Option) {
	ctx := context.Background()
	o := optionsOf(opts)
	st := open(t)
	full, bare, gone := fullTarget(scopeA, lambdaKey("durable")), bareTarget(scopeB, lambdaKey("bare")), newTarget(scopeA, lambdaKey("gone"))
	insert(t, st, full)
	insert(t, st, bare)
	policies := []*autoscaling.ScalingPolicy{stepPolicy(full, "step"), predefinedPolicy(full, "predefined"), newPolicy(full, "math"), barePolicy(full, "bare")}
	actions := []*autoscaling.ScheduledAction{fullAction(full, "full"), bareAction(full, "bare")}
	acts := []*autoscaling.ScalingActivity{fullActivity(scopeA, full.TargetKey, t0), activity(scopeA, full.TargetKey, t0.Add(time.Second), "bare")}
	var lastPolicy, lastAction int64
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
		// The newest of each kind is deleted: its seq must not come back after reopen.
		if err := tx.InsertTarget(gone); err != nil {
			return err
		}
		p, a := newPolicy(full, "gone"), newAction(full, "gone")
		if err := errors.Join(tx.PutPolicy(p), tx.PutScheduledAction(a)); err != nil {
			return err
		}
		lastPolicy, lastAction = p.Seq, a.Seq
		return errors.Join(tx.DeletePolicy(scopeA, full.TargetKey, "gone"), tx.DeleteScheduledAction(scopeA, full.TargetKey, "gone"),
			tx.DeleteTarget(scopeA, gone.TargetKey))
	})
	key, _ := st.Meta(ctx, "k", func() ([]byte, error) { return []byte("v1"), nil })
	var records []store.Record
	if !o.noRecords {
		records = durableRecords(t, st)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := open(t)
	for _, want := range []*autoscaling.ScalableTarget{full, bare} {
		got, err := st2.GetTarget(ctx, want.Scope, want.TargetKey)
		if err != nil {
			t.Fatalf("after reopen: %v", err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("target after reopen (-want +got):\n%s", diff)
		}
	}
	if _, err := st2.GetTarget(ctx, scopeA, gone.TargetKey); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted target came back: %v", err)
	}
	ps, _ := st2.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda"})
	if diff := cmp.Diff(policies, ps, equate); diff != "" {
		t.Errorf("policies after reopen (-want +got):\n%s", diff)
	}
	as, _ := st2.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda"})
	if diff := cmp.Diff(actions, as, equate); diff != "" {
		t.Errorf("scheduled actions after reopen (-want +got):\n%s", diff)
	}
	gotActs, _ := st2.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
	if diff := cmp.Diff([]*autoscaling.ScalingActivity{acts[1], acts[0]}, gotActs, equate); diff != "" {
		t.Errorf("activities after reopen (-want +got):\n%s", diff)
	}
	v, _ := st2.Meta(ctx, "k", func() ([]byte, error) { return []byte("v2"), nil })
	if string(v) != string(key) {
		t.Errorf("meta after reopen = %q, want %q", v, key)
	}
	if !o.noRecords {
		checkDurableRecords(t, st2, records)
	}
	// Counts and sequences carry on.
	tg2, p2, a2, act2 := newTarget(scopeA, lambdaKey("after")), newPolicy(full, "after"), newAction(full, "after"), activity(scopeA, full.TargetKey, t0, "after")
	update(t, st2, func(tx store.Tx) error {
		if n, err := tx.CountTargets(scopeA, "lambda", "function"); n != 1 || err != nil {
			return fmt.Errorf("CountTargets after reopen: %d %v, want 1", n, err)
		}
		return errors.Join(tx.InsertTarget(tg2), tx.PutPolicy(p2), tx.PutScheduledAction(a2), tx.PutActivity(act2))
	})
	if tg2.Seq <= gone.Seq || p2.Seq <= lastPolicy || a2.Seq <= lastAction || act2.Seq <= acts[1].Seq {
		t.Errorf("seq went back after reopen: target %d <= %d, policy %d <= %d, action %d <= %d, activity %d <= %d",
			tg2.Seq, gone.Seq, p2.Seq, lastPolicy, a2.Seq, lastAction, act2.Seq, acts[1].Seq)
	}
}
