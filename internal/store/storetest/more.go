package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// pageAll pages through a list with the given page size and checks that every page is in
// strictly monotonic seq order and that the pages join without gaps or repeats.
func pageAll[T any](t *testing.T, size int, seq func(*T) int64, descending bool, list func(cursor int64, limit int) ([]*T, error)) []*T {
	t.Helper()
	var all []*T
	var cursor int64
	for range 1000 {
		page, err := list(cursor, size)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > size {
			t.Fatalf("page of %d items for limit %d", len(page), size)
		}
		for _, v := range page {
			if len(all) > 0 {
				prev := seq(all[len(all)-1])
				if (!descending && seq(v) <= prev) || (descending && seq(v) >= prev) {
					t.Fatalf("seq %d after %d: not in order", seq(v), prev)
				}
			}
			all = append(all, v)
			cursor = seq(v)
		}
		if len(page) < size {
			return all
		}
	}
	t.Fatal("paging does not end")
	return nil
}

func runMore(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("ScopesAreIsolatedForEveryKind", func(t *testing.T) {
		st := open(t)
		key := lambdaKey("shared")
		scopes := []autoscaling.Scope{scopeA, scopeB, scopeC}
		for i, sc := range scopes {
			tg := newTarget(sc, key)
			tg.MaxCapacity = int32(10 + i)
			insert(t, st, tg)
			update(t, st, func(tx store.Tx) error {
				return errors.Join(tx.PutPolicy(newPolicy(tg, "p")), tx.PutScheduledAction(newAction(tg, "s")),
					tx.PutActivity(activity(sc, key, t0, sc.Account+sc.Region)))
			})
		}
		// Same names in every scope: three objects, each scope sees its own.
		for i, sc := range scopes {
			tg, err := st.GetTarget(ctx, sc, key)
			if err != nil || tg.MaxCapacity != int32(10+i) || tg.Scope != sc {
				t.Errorf("scope %v: target %+v, %v", sc, tg, err)
			}
			ps, _ := st.ListPolicies(ctx, sc, store.PolicyQuery{Namespace: "lambda"})
			as, _ := st.ListScheduledActions(ctx, sc, store.ScheduledActionQuery{Namespace: "lambda"})
			acts, _ := st.ListActivities(ctx, sc, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
			if len(ps) != 1 || ps[0].Scope != sc || len(as) != 1 || as[0].Scope != sc || len(acts) != 1 || acts[0].Description != sc.Account+sc.Region {
				t.Errorf("scope %v lists %d policies, %d actions, %d activities; want one each of its own", sc, len(ps), len(as), len(acts))
			}
		}
		// Changing or deleting in one scope leaves the others alone.
		update(t, st, func(tx store.Tx) error {
			tg, err := tx.GetTarget(scopeA, key)
			if err != nil {
				return err
			}
			tg.MaxCapacity = 99
			return errors.Join(tx.UpdateTarget(tg), tx.DeletePolicy(scopeB, key, "p"))
		})
		update(t, st, func(tx store.Tx) error { return tx.DeleteTarget(scopeC, key) })
		if tg, _ := st.GetTarget(ctx, scopeB, key); tg == nil || tg.MaxCapacity != 11 {
			t.Errorf("an update in scope A changed scope B: %+v", tg)
		}
		if ps, _ := st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda"}); len(ps) != 1 {
			t.Errorf("deleting B's policy removed A's: %d left", len(ps))
		}
		if as, _ := st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda"}); len(as) != 1 {
			t.Errorf("deleting C's target removed A's scheduled action: %d left", len(as))
		}
		if _, err := st.GetTarget(ctx, scopeA, key); err != nil {
			t.Errorf("deleting C's target removed A's: %v", err)
		}
		update(t, st, func(tx store.Tx) error {
			if n, err := tx.CountTargets(scopeC, "lambda", "function"); n != 0 || err != nil {
				return fmt.Errorf("scope C counts %d targets (%v), want 0", n, err)
			}
			if n, err := tx.CountTargets(scopeA, "lambda", "function"); n != 1 || err != nil {
				return fmt.Errorf("scope A counts %d targets (%v), want 1", n, err)
			}
			return nil
		})
	})

	t.Run("PagingVisitsEveryItemOnce", func(t *testing.T) {
		st := open(t)
		// Interleave the creation of three targets' children, so that seq order is not
		// per-target order.
		var tgs []*autoscaling.ScalableTarget
		for i := range 3 {
			tg := newTarget(scopeA, lambdaKey(fmt.Sprint("t", i)))
			insert(t, st, tg)
			tgs = append(tgs, tg)
		}
		insert(t, st, newTarget(scopeB, lambdaKey("t0"))) // noise in another scope
		var wantPolicies, wantActions []string
		var acts []*autoscaling.ScalingActivity
		for i := range 17 {
			tg := tgs[i%3]
			p, a := newPolicy(tg, fmt.Sprint("p", i)), newAction(tg, fmt.Sprint("s", i))
			act := activity(scopeA, tg.TargetKey, t0.Add(time.Duration(i)*time.Second), fmt.Sprint(i))
			if i%5 == 4 {
				act.NotScaledReasons = []autoscaling.NotScaledReason{{Code: "AlreadyAtMinCapacity"}}
			}
			update(t, st, func(tx store.Tx) error {
				return errors.Join(tx.PutPolicy(p), tx.PutScheduledAction(a), tx.PutActivity(act))
			})
			wantPolicies = append(wantPolicies, p.Name)
			wantActions = append(wantActions, a.Name)
			acts = append(acts, act)
		}
		for _, size := range []int{1, 4, 17, 100} {
			ps := pageAll(t, size, func(p *autoscaling.ScalingPolicy) int64 { return p.Seq }, false, func(after int64, limit int) ([]*autoscaling.ScalingPolicy, error) {
				return st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", AfterSeq: after, Limit: limit})
			})
			var names []string
			for _, p := range ps {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(wantPolicies, names); diff != "" {
				t.Errorf("policy pages of %d (-want +got):\n%s", size, diff)
			}
			as := pageAll(t, size, func(a *autoscaling.ScheduledAction) int64 { return a.Seq }, false, func(after int64, limit int) ([]*autoscaling.ScheduledAction, error) {
				return st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda", AfterSeq: after, Limit: limit})
			})
			names = names[:0]
			for _, a := range as {
				names = append(names, a.Name)
			}
			if diff := cmp.Diff(wantActions, names); diff != "" {
				t.Errorf("scheduled action pages of %d (-want +got):\n%s", size, diff)
			}
			// One target's children only, paged.
			ps = pageAll(t, size, func(p *autoscaling.ScalingPolicy) int64 { return p.Seq }, false, func(after int64, limit int) ([]*autoscaling.ScalingPolicy, error) {
				return st.ListPolicies(ctx, scopeA, store.PolicyQuery{Namespace: "lambda", ResourceID: tgs[1].ResourceID, Dimension: tgs[1].Dimension, AfterSeq: after, Limit: limit})
			})
			if len(ps) != 6 || ps[0].Name != "p1" || ps[5].Name != "p16" {
				t.Errorf("policies of one target in pages of %d: %d, want p1, p4 .. p16", size, len(ps))
			}
			as = pageAll(t, size, func(a *autoscaling.ScheduledAction) int64 { return a.Seq }, false, func(after int64, limit int) ([]*autoscaling.ScheduledAction, error) {
				return st.ListScheduledActions(ctx, scopeA, store.ScheduledActionQuery{Namespace: "lambda", ResourceID: tgs[2].ResourceID, ActionNames: []string{"s2", "s5", "s6", "s14"}, AfterSeq: after, Limit: limit})
			})
			if len(as) != 3 || as[0].Name != "s2" || as[2].Name != "s14" {
				t.Errorf("actions by name of one target in pages of %d: %v", size, as)
			}
			// Activities: newest first, with and without the not-scaled ones.
			for _, withNotScaled := range []bool{true, false} {
				got := pageAll(t, size, func(a *autoscaling.ScalingActivity) int64 { return a.Seq }, true, func(before int64, limit int) ([]*autoscaling.ScalingActivity, error) {
					return st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: withNotScaled, BeforeSeq: before, Limit: limit})
				})
				var want []*autoscaling.ScalingActivity
				for _, a := range slices.Backward(acts) {
					if withNotScaled || len(a.NotScaledReasons) == 0 {
						want = append(want, a)
					}
				}
				if diff := cmp.Diff(want, got, equate); diff != "" {
					t.Errorf("activity pages of %d, not-scaled %v (-want +got):\n%s", size, withNotScaled, diff)
				}
			}
			got := pageAll(t, size, func(a *autoscaling.ScalingActivity) int64 { return a.Seq }, true, func(before int64, limit int) ([]*autoscaling.ScalingActivity, error) {
				return st.ListActivities(ctx, scopeA, store.ActivityQuery{Namespace: "lambda", ResourceID: tgs[0].ResourceID, Dimension: tgs[0].Dimension, BeforeSeq: before, Limit: limit})
			})
			if len(got) != 5 || got[0].Description != "15" || got[4].Description != "0" { // 0 3 6 9 (12) 15; 9 is not scaled
				var d []string
				for _, a := range got {
					d = append(d, a.Description)
				}
				t.Errorf("activities of one target in pages of %d: %v, want 15 12 6 3 0", size, d)
			}
		}
		// Targets: all of a namespace, and a ResourceIDs subset, in pages.
		for _, size := range []int{1, 2, 100} {
			ts := pageAll(t, size, func(t *autoscaling.ScalableTarget) int64 { return t.Seq }, false, func(after int64, limit int) ([]*autoscaling.ScalableTarget, error) {
				return st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", AfterSeq: after, Limit: limit})
			})
			if len(ts) != 3 || ts[0].ResourceID != tgs[0].ResourceID || ts[2].ResourceID != tgs[2].ResourceID {
				t.Errorf("targets in pages of %d: %d", size, len(ts))
			}
			ts = pageAll(t, size, func(t *autoscaling.ScalableTarget) int64 { return t.Seq }, false, func(after int64, limit int) ([]*autoscaling.ScalableTarget, error) {
				return st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", ResourceIDs: []string{tgs[2].ResourceID, tgs[0].ResourceID}, AfterSeq: after, Limit: limit})
			})
			if len(ts) != 2 || ts[0].ResourceID != tgs[0].ResourceID || ts[1].ResourceID != tgs[2].ResourceID {
				t.Errorf("targets by id in pages of %d: %v", size, ts)
			}
		}
		if ts, _ := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", ResourceIDs: []string{tgs[1].ResourceID}, Dimension: "lambda:other"}); len(ts) != 0 {
			t.Errorf("ResourceIDs and a Dimension no target has: %v", ts)
		}
		if ts, _ := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "ecs"}); len(ts) != 0 {
			t.Errorf("another namespace: %v", ts)
		}
	})

	t.Run("SeqIsNeverReused", func(t *testing.T) {
		st := open(t)
		a, b := newTarget(scopeA, lambdaKey("a")), newTarget(scopeA, lambdaKey("b"))
		insert(t, st, a)
		insert(t, st, b)
		pb, sb := newPolicy(a, "pb"), newAction(a, "sb")
		update(t, st, func(tx store.Tx) error { return errors.Join(tx.PutPolicy(pb), tx.PutScheduledAction(sb)) })
		update(t, st, func(tx store.Tx) error {
			return errors.Join(tx.DeleteTarget(scopeA, b.TargetKey), tx.DeletePolicy(scopeA, a.TargetKey, "pb"), tx.DeleteScheduledAction(scopeA, a.TargetKey, "sb"))
		})
		c, pc, sc := newTarget(scopeA, lambdaKey("c")), newPolicy(a, "pc"), newAction(a, "sc")
		insert(t, st, c)
		update(t, st, func(tx store.Tx) error { return errors.Join(tx.PutPolicy(pc), tx.PutScheduledAction(sc)) })
		if c.Seq <= b.Seq || pc.Seq <= pb.Seq || sc.Seq <= sb.Seq {
			t.Errorf("a seq was handed out again after a delete: target %d <= %d, policy %d <= %d, action %d <= %d", c.Seq, b.Seq, pc.Seq, pb.Seq, sc.Seq, sb.Seq)
		}
		// A pagination cursor at the deleted b continues with c.
		ts, _ := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda", AfterSeq: b.Seq})
		if len(ts) != 1 || ts[0].ResourceID != c.ResourceID {
			t.Errorf("after the deleted target's seq: %v", ts)
		}
	})

	t.Run("TxSeesItsOwnWrites", func(t *testing.T) {
		st := open(t)
		key := lambdaKey("own")
		update(t, st, func(tx store.Tx) error {
			tg := newTarget(scopeA, key)
			if err := tx.InsertTarget(tg); err != nil {
				return err
			}
			if got, err := tx.GetTarget(scopeA, key); err != nil || got.Seq != tg.Seq {
				return fmt.Errorf("GetTarget after insert: %v %v", got, err)
			}
			if got, err := tx.GetTargetByID(scopeA, tg.ID); err != nil || got.Seq != tg.Seq {
				return fmt.Errorf("GetTargetByID after insert: %v %v", got, err)
			}
			if n, err := tx.CountTargets(scopeA, "lambda", "function"); n != 1 || err != nil {
				return fmt.Errorf("CountTargets after insert: %d %v", n, err)
			}
			if n, err := tx.CountTargets(scopeA, "lambda", ""); n != 1 || err != nil {
				return fmt.Errorf("CountTargets of the namespace after insert: %d %v", n, err)
			}
			if err := tx.InsertTarget(newTarget(scopeA, key)); !errors.Is(err, store.ErrExists) {
				return fmt.Errorf("second insert in one transaction: %v, want ErrExists", err)
			}
			tg.MinCapacity = 4
			if err := tx.UpdateTarget(tg); err != nil {
				return err
			}
			if got, _ := tx.GetTarget(scopeA, key); got == nil || got.MinCapacity != 4 {
				return fmt.Errorf("GetTarget after update: %v", got)
			}
			p, a := newPolicy(tg, "p"), newAction(tg, "s")
			if err := errors.Join(tx.PutPolicy(p), tx.PutScheduledAction(a)); err != nil {
				return err
			}
			if ps, _ := tx.Policies(scopeA, key); len(ps) != 1 || ps[0].Seq != p.Seq {
				return fmt.Errorf("Policies after put: %v", ps)
			}
			if as, _ := tx.ScheduledActions(scopeA, key); len(as) != 1 || as[0].Seq != a.Seq {
				return fmt.Errorf("ScheduledActions after put: %v", as)
			}
			if err := tx.DeletePolicy(scopeA, key, "p"); err != nil {
				return err
			}
			if ps, _ := tx.Policies(scopeA, key); len(ps) != 0 {
				return fmt.Errorf("Policies after delete: %v", ps)
			}
			return nil
		})
		update(t, st, func(tx store.Tx) error {
			if err := tx.DeleteTarget(scopeA, key); err != nil {
				return err
			}
			if _, err := tx.GetTarget(scopeA, key); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("GetTarget after delete: %v", err)
			}
			if as, _ := tx.ScheduledActions(scopeA, key); len(as) != 0 {
				return fmt.Errorf("ScheduledActions after the target's delete: %v", as)
			}
			if n, _ := tx.CountTargets(scopeA, "lambda", "function"); n != 0 {
				return fmt.Errorf("CountTargets after delete: %d", n)
			}
			return nil
		})
	})

	t.Run("ErrorsMatchThroughWrapping", func(t *testing.T) {
		st := open(t)
		tg := newTarget(scopeA, lambdaKey("w"))
		insert(t, st, tg)
		for name, c := range map[string]struct {
			fn   func(tx store.Tx) error
			want error
		}{
			"missing target": {func(tx store.Tx) error {
				_, err := tx.GetTarget(scopeA, lambdaKey("nope"))
				return fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", err))
			}, store.ErrNotFound},
			"missing id": {func(tx store.Tx) error {
				_, err := tx.GetTargetByID(scopeA, "nope")
				return fmt.Errorf("outer: %w", err)
			}, store.ErrNotFound},
			"taken key": {func(tx store.Tx) error {
				return fmt.Errorf("outer: %w", tx.InsertTarget(newTarget(scopeA, tg.TargetKey)))
			}, store.ErrExists},
			"sentinel itself": {func(tx store.Tx) error { return store.ErrConflict }, store.ErrConflict},
			"joined": {func(tx store.Tx) error {
				return errors.Join(errors.New("other"), tx.DeletePolicy(scopeA, tg.TargetKey, "nope"))
			}, store.ErrNotFound},
		} {
			if err := st.Update(ctx, c.fn); !errors.Is(err, c.want) {
				t.Errorf("%s: Update returned %v, want it to match %v", name, err, c.want)
			}
		}
		if _, err := st.GetTarget(ctx, scopeB, tg.TargetKey); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetTarget in another scope: %v", err)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		st := open(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		ran := false
		err := st.Update(cctx, func(tx store.Tx) error { ran = true; return tx.InsertTarget(newTarget(scopeA, lambdaKey("x"))) })
		if !errors.Is(err, context.Canceled) || ran {
			t.Errorf("Update with a done context: ran %v, returned %v; want context.Canceled and no run", ran, err)
		}
		if _, err := st.GetTarget(ctx, scopeA, lambdaKey("x")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a cancelled Update wrote: %v", err)
		}
	})

	t.Run("MetaCreateFailure", func(t *testing.T) {
		st := open(t)
		boom := errors.New("no entropy")
		if _, err := st.Meta(ctx, "k", func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Errorf("Meta with a failing create: %v, want its error", err)
		}
		v, err := st.Meta(ctx, "k", func() ([]byte, error) { return []byte{0, 1, 2, 255}, nil })
		if err != nil || string(v) != "\x00\x01\x02\xff" {
			t.Errorf("Meta after a failed create: %q %v", v, err)
		}
		w, err := st.Meta(ctx, "other", func() ([]byte, error) { return []byte("w"), nil })
		if err != nil || string(w) != "w" {
			t.Errorf("a second key: %q %v", w, err)
		}
		v, err = st.Meta(ctx, "k", func() ([]byte, error) { t.Error("create called for a stored key"); return nil, nil })
		if err != nil || string(v) != "\x00\x01\x02\xff" {
			t.Errorf("Meta of a stored binary value: %q %v", v, err)
		}
	})

	t.Run("DeleteActivitiesBeforeKeepsTheRest", func(t *testing.T) {
		st := open(t)
		var all []*autoscaling.ScalingActivity
		update(t, st, func(tx store.Tx) error {
			for i := range 10 {
				for _, sc := range []autoscaling.Scope{scopeA, scopeB} {
					a := activity(sc, lambdaKey("f"), t0.Add(time.Duration(i)*time.Hour), fmt.Sprint(i))
					if i%2 == 0 {
						a.NotScaledReasons = []autoscaling.NotScaledReason{{Code: "AlreadyAtMaxCapacity"}}
					}
					if err := tx.PutActivity(a); err != nil {
						return err
					}
					all = append(all, a)
				}
			}
			return nil
		})
		var removed int
		update(t, st, func(tx store.Tx) error {
			var err error
			removed, err = tx.DeleteActivitiesBefore(t0.Add(4 * time.Hour)) // 0..3 of both scopes
			return err
		})
		if removed != 8 {
			t.Errorf("DeleteActivitiesBefore removed %d, want 8", removed)
		}
		for _, sc := range []autoscaling.Scope{scopeA, scopeB} {
			got, _ := st.ListActivities(ctx, sc, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
			var want []*autoscaling.ScalingActivity
			for _, a := range slices.Backward(all) {
				if a.Scope == sc && !a.StartTime.Before(t0.Add(4*time.Hour)) {
					want = append(want, a)
				}
			}
			if diff := cmp.Diff(want, got, equate); diff != "" {
				t.Errorf("scope %v after retention (-want +got):\n%s", sc, diff)
			}
		}
		update(t, st, func(tx store.Tx) error {
			n, err := tx.DeleteActivitiesBefore(t0)
			if n != 0 {
				return fmt.Errorf("nothing is older than t0, removed %d", n)
			}
			return err
		})
	})

	t.Run("CheckThenWriteIsRaceFree", func(t *testing.T) {
		// A quota check: 16 concurrent registrations, each counting the targets of its
		// type and inserting only under the limit of 5. Exactly 5 may get in.
		st := open(t)
		const quota = 5
		errQuota := errors.New("quota reached")
		var wg sync.WaitGroup
		results := make([]error, 16)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					results[i] = st.Update(ctx, func(tx store.Tx) error {
						n, err := tx.CountTargets(scopeA, "lambda", "function")
						if err != nil {
							return err
						}
						if n >= quota {
							return errQuota
						}
						return tx.InsertTarget(newTarget(scopeA, lambdaKey(fmt.Sprint("q", i))))
					})
					if !errors.Is(results[i], store.ErrConflict) {
						return
					}
				}
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, errQuota):
				t.Errorf("registration: %v", err)
			}
		}
		ts, _ := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda"})
		if ok != quota || len(ts) != quota {
			t.Errorf("%d registrations succeeded and %d targets exist, want %d: the check raced the write", ok, len(ts), quota)
		}
	})

	t.Run("ReadersSeeWholeUpdatesOnly", func(t *testing.T) {
		st := open(t)
		var writers, readers sync.WaitGroup
		stop := make(chan struct{})
		errs := make(chan error, 16)
		// Writers: each Update inserts a pair of targets, or inserts a ghost and fails.
		for w := range 4 {
			writers.Add(1)
			go func() {
				defer writers.Done()
				for i := range 25 {
					a, b := newTarget(scopeA, lambdaKey(fmt.Sprintf("w%d-%d-a", w, i))), newTarget(scopeA, lambdaKey(fmt.Sprintf("w%d-%d-b", w, i)))
					if err := st.Update(ctx, func(tx store.Tx) error { return errors.Join(tx.InsertTarget(a), tx.InsertTarget(b)) }); err != nil {
						errs <- err
						return
					}
					_ = st.Update(ctx, func(tx store.Tx) error {
						if err := tx.InsertTarget(newTarget(scopeA, lambdaKey("ghost"))); err != nil {
							return err
						}
						return errors.New("planned failure")
					})
				}
			}()
		}
		for range 2 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					ts, err := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda"})
					if err != nil {
						errs <- err
						return
					}
					seen := map[string]bool{}
					for _, tg := range ts {
						seen[tg.ResourceID] = true
					}
					if seen[lambdaKey("ghost").ResourceID] {
						errs <- errors.New("a reader saw the write of a failed Update")
						return
					}
					for id := range seen {
						for _, pair := range [][2]string{{"-a:live", "-b:live"}, {"-b:live", "-a:live"}} {
							if other := strings.TrimSuffix(id, pair[0]) + pair[1]; strings.HasSuffix(id, pair[0]) && !seen[other] {
								errs <- fmt.Errorf("a reader saw half an Update: %s without %s", id, other)
								return
							}
						}
					}
				}
			}()
		}
		writers.Wait()
		close(stop)
		readers.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if ts, _ := st.ListTargets(ctx, scopeA, store.TargetQuery{Namespace: "lambda"}); len(ts) != 200 {
			t.Errorf("%d targets after 100 Updates of two", len(ts))
		}
	})
}
