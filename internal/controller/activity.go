package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/policy"
	"github.com/autoscaled/autoscaled/internal/store"
)

// phrase is what an activity sets: "desired count to 4" (from "Setting desired count to 4.").
func phrase(t *autoscaling.ScalableTarget, n int32) string {
	return strings.TrimSuffix(strings.TrimPrefix(policy.Description(t.Namespace, t.Dimension, n), "Setting "), ".")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func (c *Controller) putActivity(ctx context.Context, a *autoscaling.ScalingActivity, extra func(tx store.Tx) error) error {
	return c.opts.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutActivity(a); err != nil {
			return err
		}
		if extra != nil {
			return extra(tx)
		}
		return nil
	})
}

// scaleTo asks the target's driver for capacity n and records the activity: Pending, then
// InProgress once the driver accepted (Failed if it refused). cd, when not nil, is stored as
// the target's cooldowns in the same transaction as the InProgress activity. details is the
// activity's Details. It reports whether the driver accepted.
func (c *Controller) scaleTo(ctx context.Context, te *targetEntry, now time.Time, n int32, cause, details string, cd *policy.Cooldowns) bool {
	t := te.t
	a := &autoscaling.ScalingActivity{Scope: t.Scope, TargetKey: t.TargetKey, ActivityID: autoscaling.NewUUID(),
		Description: policy.Description(t.Namespace, t.Dimension, n), Cause: cause, Details: details,
		StartTime: now, StatusCode: autoscaling.StatusPending}
	if err := c.putActivity(ctx, a, nil); err != nil {
		c.log.Error("engine: record activity", "resource_id", t.ResourceID, "err", err)
		return false
	}
	if err := c.opts.Drivers.For(t.Namespace).SetDesired(ctx, t, n); err != nil {
		end := c.clock.Now()
		a.StatusCode, a.EndTime = autoscaling.StatusFailed, &end
		a.StatusMessage = fmt.Sprintf("Failed to set %s. Reason: %v", phrase(t, n), err)
		if errors.Is(err, driver.ErrUnscalable) {
			a.StatusMessage = fmt.Sprintf("Resource Id [%s] is not scalable. Reason: %v", t.ResourceID, err)
		}
		if perr := c.putActivity(ctx, a, nil); perr != nil {
			c.log.Error("engine: record activity", "resource_id", t.ResourceID, "err", perr)
		}
		c.log.Warn("engine: driver refused", "resource_id", t.ResourceID, "desired", n, "err", err)
		return false
	}
	var superseded *autoscaling.ScalingActivity
	if old := te.inflight; old != nil {
		superseded = old.activity
		end := now
		superseded.StatusCode, superseded.EndTime = autoscaling.StatusOverridden, &end
		superseded.StatusMessage = "Overridden by a newer scaling activity: " + a.Description
	}
	a.StatusCode = autoscaling.StatusInProgress
	err := c.putActivity(ctx, a, func(tx store.Tx) error {
		if superseded != nil {
			if err := tx.PutActivity(superseded); err != nil {
				return err
			}
		}
		if cd == nil {
			return nil
		}
		return enginestate.PutJSON(tx, enginestate.CooldownKey(t.ID), toStored(*cd))
	})
	if err != nil {
		c.log.Error("engine: record activity", "resource_id", t.ResourceID, "err", err)
	}
	if cd != nil {
		s := toStored(*cd)
		te.cooldowns = &s
	}
	c.setInflight(te, &inflight{activity: a, desired: n, started: now, fulfilled: policy.Fulfilled(t.Namespace, t.Dimension, n)})
	return true
}

func toStored(cd policy.Cooldowns) enginestate.Cooldowns {
	return enginestate.Cooldowns{LastScaleOut: cd.LastScaleOut, ScaleOutFrom: cd.ScaleOutFrom, ScaleOutCooldown: cd.ScaleOutCooldown,
		LastScaleIn: cd.LastScaleIn, ScaleInCooldown: cd.ScaleInCooldown}
}

// recordNotScaled stores a decision not to scale (shown with IncludeNotScaledActivities).
func (c *Controller) recordNotScaled(ctx context.Context, t *autoscaling.ScalableTarget, now time.Time, cause string, dec policy.Decision) {
	end := now
	a := &autoscaling.ScalingActivity{Scope: t.Scope, TargetKey: t.TargetKey, ActivityID: autoscaling.NewUUID(),
		Description: policy.NotScaledDescription, Cause: cause,
		StartTime: now, EndTime: &end, StatusCode: autoscaling.StatusFailed,
		StatusMessage: dec.Why, NotScaledReasons: dec.NotScaled}
	if err := c.putActivity(ctx, a, nil); err != nil {
		c.log.Error("engine: record activity", "resource_id", t.ResourceID, "err", err)
	}
}

// followActivities completes the activities whose resource reached (or failed to reach) the
// desired capacity.
func (c *Controller) followActivities(ctx context.Context, now time.Time) {
	for te := range c.inflights {
		in := te.inflight
		if in == nil {
			continue
		}
		t := te.t
		capacity, err := c.opts.Drivers.For(t.Namespace).Capacity(ctx, t)
		a := in.activity
		switch {
		case err != nil && errors.Is(err, driver.ErrNotFound):
			a.StatusCode = autoscaling.StatusFailed
			a.StatusMessage = fmt.Sprintf("Failed to set %s. Reason: %v", phrase(t, in.desired), err)
		case err != nil:
			c.log.Warn("engine: read capacity", "resource_id", t.ResourceID, "err", err)
			continue
		case capacity.Status == driver.StatusReady && capacity.Actual == in.desired:
			a.StatusCode, a.StatusMessage = autoscaling.StatusSuccessful, in.fulfilled
		case capacity.Status == driver.StatusFailed:
			a.StatusCode = autoscaling.StatusFailed
			a.StatusMessage = fmt.Sprintf("Failed to set %s. Reason: %s", phrase(t, in.desired), capacity.Message)
		case capacity.Desired != in.desired && capacity.Status == driver.StatusReady:
			a.StatusCode = autoscaling.StatusOverridden
			a.StatusMessage = fmt.Sprintf("The resource's desired capacity was changed to %d outside Application Auto Scaling", capacity.Desired)
		case now.Sub(in.started) > c.opts.ActivityTimeout:
			a.StatusCode = autoscaling.StatusUnfulfilled
			a.StatusMessage = fmt.Sprintf("Timed out after %s waiting for the resource to reach capacity %d (at %d)", c.opts.ActivityTimeout, in.desired, capacity.Actual)
		default:
			continue
		}
		end := now
		a.EndTime = &end
		if err := c.putActivity(ctx, a, nil); err != nil {
			c.log.Error("engine: record activity", "resource_id", t.ResourceID, "err", err)
			continue
		}
		c.setInflight(te, nil)
	}
}

// adoptInflight takes over, after a restart, the activities of a target that were left
// Pending or InProgress: the newest is followed again (its desired capacity is what the
// driver reports), older ones were superseded.
func (c *Controller) adoptInflight(ctx context.Context, te *targetEntry) error {
	t := te.t
	acts, err := c.opts.Store.ListActivities(ctx, t.Scope, store.ActivityQuery{Namespace: t.Namespace, ResourceID: t.ResourceID, Dimension: t.Dimension, Limit: 20})
	if err != nil {
		return err
	}
	now := c.clock.Now()
	for _, a := range acts {
		if a.TargetKey != t.TargetKey || (a.StatusCode != autoscaling.StatusPending && a.StatusCode != autoscaling.StatusInProgress) {
			continue
		}
		if te.inflight == nil {
			capacity, err := c.opts.Drivers.For(t.Namespace).Capacity(ctx, t)
			if err != nil {
				return err
			}
			a.StatusCode = autoscaling.StatusInProgress
			c.setInflight(te, &inflight{activity: a, desired: capacity.Desired, started: now, fulfilled: policy.Fulfilled(t.Namespace, t.Dimension, capacity.Desired)})
			continue
		}
		end := now
		a.StatusCode, a.EndTime = autoscaling.StatusOverridden, &end
		a.StatusMessage = "Overridden by a newer scaling activity"
		if err := c.putActivity(ctx, a, nil); err != nil {
			return err
		}
	}
	return nil
}

// setInflight sets (or, with nil, clears) the activity a target waits for, keeping the set of
// such targets that followActivities visits.
func (c *Controller) setInflight(te *targetEntry, in *inflight) {
	te.inflight = in
	if in == nil {
		delete(c.inflights, te)
	} else {
		c.inflights[te] = struct{}{}
	}
}
