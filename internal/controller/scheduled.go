package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/store"
)

// LateAfter is how far behind its occurrence a scheduled action may run before its activity
// says it ran late.
const LateAfter = time.Minute

// maxCatchUp bounds the occurrences skipped over to find the latest missed one.
const maxCatchUp = 1 << 20

// loadBaseline reads a scheduled action's baseline (its creation time when the API wrote none)
// and computes its next occurrence.
func (c *Controller) loadBaseline(ctx context.Context, e *actionEntry) error {
	e.baseline = e.a.CreationTime
	b, err := c.opts.Store.GetRecord(ctx, enginestate.ScheduleKey(e.a.ARN))
	if err == nil {
		var bl enginestate.Baseline
		if err := jsonUnmarshal(b, &bl); err != nil {
			return err
		}
		e.baseline = bl.At
	} else if !isNotFound(err) {
		return fmt.Errorf("read schedule baseline: %w", err)
	}
	e.next = e.after(e.baseline)
	return nil
}

// after is the first occurrence strictly after t within the action's StartTime/EndTime window
// (zero: none).
func (e *actionEntry) after(t time.Time) time.Time {
	a := e.a
	anchor := a.CreationTime
	if a.StartTime != nil {
		anchor = *a.StartTime
		if t.Before(anchor) {
			// The action runs at StartTime and then per the recurrence: look from just before it.
			t = anchor.Add(-time.Nanosecond)
		}
	}
	n, ok := e.sched.Next(anchor, t, e.loc)
	if !ok || (a.EndTime != nil && n.After(*a.EndTime)) {
		return time.Time{}
	}
	return n
}

// runScheduled fires the scheduled actions whose next occurrence has come. After downtime
// only the latest missed occurrence runs, once, and its activity says it was late.
func (c *Controller) runScheduled(ctx context.Context, now time.Time) {
	if c.schedulesKnown && (c.nextSchedule.IsZero() || now.Before(c.nextSchedule)) {
		return // no occurrence is due: the common tick costs nothing
	}
	c.nextSchedule, c.schedulesKnown = time.Time{}, true
	defer func() {
		// Firing reloads targets, which resets the bookkeeping: recompute it next round.
		if c.orderDirty {
			c.schedulesKnown = false
		}
	}()
	for _, te := range c.targets {
		for _, e := range te.actions {
			if !e.next.IsZero() && !e.next.After(now) {
				continue
			}
			if !e.next.IsZero() && (c.nextSchedule.IsZero() || e.next.Before(c.nextSchedule)) {
				c.nextSchedule = e.next
			}
		}
	}
	for _, te := range c.targets {
		for _, e := range te.actions {
			if e.next.IsZero() || e.next.After(now) {
				continue
			}
			occ, skipped := e.next, 0
			for i := 0; i < maxCatchUp; i++ {
				n := e.after(occ)
				if n.IsZero() || n.After(now) {
					break
				}
				occ, skipped = n, skipped+1
			}
			c.fire(ctx, te, e, occ, skipped, now)
			e.baseline = occ
			e.next = e.after(occ)
			if !e.next.IsZero() && (c.nextSchedule.IsZero() || e.next.Before(c.nextSchedule)) {
				c.nextSchedule = e.next
			}
		}
	}
}

// fire applies one occurrence of a scheduled action in one transaction: check that the
// occurrence is after the stored baseline (exactly once, also across restarts and nodes),
// rewrite the target's range, record the activity and move the baseline. Capacity is then
// moved into the new range by clampTargets.
func (c *Controller) fire(ctx context.Context, te *targetEntry, e *actionEntry, occ time.Time, skipped int, now time.Time) {
	a := e.a
	log := c.log.With("resource_id", a.ResourceID, "scheduled_action", a.Name)
	var fired, suspended bool
	err := c.opts.Store.Update(ctx, func(tx store.Tx) error {
		var bl enginestate.Baseline
		found, err := enginestate.GetJSON(tx, enginestate.ScheduleKey(a.ARN), &bl)
		if err != nil {
			return err
		}
		if found && !occ.After(bl.At) {
			return nil // another node (or an earlier run) handled it
		}
		if err := enginestate.PutJSON(tx, enginestate.ScheduleKey(a.ARN), enginestate.Baseline{At: occ}); err != nil {
			return err
		}
		t, err := tx.GetTarget(a.Scope, a.TargetKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if t.Suspended.ScheduledScalingSuspended {
			suspended = true // skipped, never replayed
			return nil
		}
		fired = true
		act := rangeActivity(t, a, occ, skipped, now)
		if act.StatusCode == autoscaling.StatusSuccessful {
			if a.MinCapacity != nil {
				t.MinCapacity = *a.MinCapacity
			}
			if a.MaxCapacity != nil {
				t.MaxCapacity = *a.MaxCapacity
			}
			if err := tx.UpdateTarget(t); err != nil {
				return err
			}
		}
		return tx.PutActivity(act)
	})
	switch {
	case err != nil:
		log.Error("engine: fire scheduled action", "err", err)
	case suspended:
		log.Info("engine: scheduled action skipped: scheduled scaling is suspended", "occurrence", occ)
	case fired:
		log.Info("engine: scheduled action fired", "occurrence", occ)
		ref := targetRef{a.Scope, a.TargetKey}
		if err := c.loadTarget(ctx, ref); err != nil {
			log.Error("engine: reload target", "err", err)
			c.TargetChanged(a.Scope, a.TargetKey)
		} else if t := c.targets[ref]; t != nil {
			t.checkRange = true
		}
	}
}

// rangeActivity is the activity of a scheduled action's range change, AWS's wording:
// "Setting min capacity to 5 and max capacity to 10", Cause "scheduled action name X was
// triggered". An action giving only one bound that crosses the other fails.
func rangeActivity(t *autoscaling.ScalableTarget, a *autoscaling.ScheduledAction, occ time.Time, skipped int, now time.Time) *autoscaling.ScalingActivity {
	var parts []string
	if a.MinCapacity != nil {
		parts = append(parts, fmt.Sprintf("min capacity to %d", *a.MinCapacity))
	}
	if a.MaxCapacity != nil {
		parts = append(parts, fmt.Sprintf("max capacity to %d", *a.MaxCapacity))
	}
	what := strings.Join(parts, " and ")
	end := now
	act := &autoscaling.ScalingActivity{Scope: t.Scope, TargetKey: t.TargetKey, ActivityID: autoscaling.NewUUID(),
		Description: "Setting " + what, Cause: fmt.Sprintf("scheduled action name %s was triggered", a.Name),
		StartTime: now, EndTime: &end, StatusCode: autoscaling.StatusSuccessful, StatusMessage: "Successfully set " + what}
	lo, hi := t.MinCapacity, t.MaxCapacity
	if a.MinCapacity != nil {
		lo = *a.MinCapacity
	}
	if a.MaxCapacity != nil {
		hi = *a.MaxCapacity
	}
	if lo > hi {
		act.StatusCode = autoscaling.StatusFailed
		act.StatusMessage = fmt.Sprintf("Failed to set %s. Reason: minimum capacity %d would exceed maximum capacity %d; give both bounds", what, lo, hi)
	}
	if late := now.Sub(occ); late > LateAfter {
		act.Details = fmt.Sprintf("Late: this occurrence was due at %s and ran %s late because the service was not running", occ.UTC().Format(time.RFC3339), late.Round(time.Second))
		if skipped > 0 {
			act.Details += fmt.Sprintf("; %d earlier missed occurrence(s) were not run", skipped)
		}
		act.Details += "."
	}
	return act
}
