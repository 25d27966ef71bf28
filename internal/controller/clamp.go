package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/policy"
)

// clampTargets moves the capacity of targets whose range changed (registration, update,
// scheduled action) into the range, and attaches targets the driver has not seen since the
// engine started. Suspension does not stop it (AWS's documented behaviour is unconfirmed; a
// range is a hard bound).
func (c *Controller) clampTargets(ctx context.Context, now time.Time) {
	for te := range c.unsettled {
		t := te.t
		if !te.attached {
			if err := c.opts.Drivers.For(t.Namespace).Attach(ctx, t); err != nil {
				c.log.Warn("engine: attach", "resource_id", t.ResourceID, "err", err)
				continue
			}
			te.attached = true
			if err := c.adoptInflight(ctx, te); err != nil {
				c.log.Warn("engine: adopt activities in progress", "resource_id", t.ResourceID, "err", err)
			}
		}
		if !te.checkRange {
			delete(c.unsettled, te)
			continue
		}
		capacity, err := c.opts.Drivers.For(t.Namespace).Capacity(ctx, t)
		if err != nil {
			c.log.Warn("engine: read capacity", "resource_id", t.ResourceID, "err", err)
			continue
		}
		te.checkRange = false
		delete(c.unsettled, te)
		n, changed := policy.Clamp(t.MinCapacity, t.MaxCapacity, capacity.Desired)
		if !changed {
			continue
		}
		cause := fmt.Sprintf("maximum capacity was set to %d", t.MaxCapacity)
		if n == t.MinCapacity && capacity.Desired < n {
			cause = fmt.Sprintf("minimum capacity was set to %d", t.MinCapacity)
		}
		c.scaleTo(ctx, te, now, n, cause, "", nil)
	}
}
