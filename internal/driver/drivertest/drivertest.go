// Package drivertest is the conformance kit of the driver contract: every backend (the
// emulated one, real Redis replication groups, real function workers) runs Run against its
// own resources.
package drivertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
)

// Harness is what a backend gives the kit.
type Harness struct {
	// Driver is the driver under test.
	Driver driver.Driver
	// Target returns a target whose resource exists (created by the harness if need be) with
	// the given range; each call a new resource.
	Target func(t *testing.T, min, max int32) *autoscaling.ScalableTarget
	// Missing returns a target whose resource does not exist; nil for a backend that creates
	// resources on Attach (the emulated one).
	Missing func(t *testing.T) *autoscaling.ScalableTarget
	// Wait lets time pass for changes to apply: the emulated backend advances a fake clock,
	// real ones sleep. It is called between polls.
	Wait func(d time.Duration)
	// Settle bounds how long a change may take.
	Settle time.Duration
	// Step is a capacity change the backend supports (1 for most; a real backend may need
	// its own).
	Step int32
}

// Run runs the conformance tests.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	if h.Step == 0 {
		h.Step = 1
	}
	settle := func(t *testing.T, tg *autoscaling.ScalableTarget, want int32) driver.Capacity {
		t.Helper()
		deadline := time.Now().Add(h.Settle)
		var waited time.Duration
		for {
			c, err := h.Driver.Capacity(ctx, tg)
			if err != nil {
				t.Fatalf("capacity: %v", err)
			}
			if c.Desired != want {
				t.Fatalf("desired %d, want %d", c.Desired, want)
			}
			if c.Actual < 0 {
				t.Fatalf("actual %d below zero", c.Actual)
			}
			if c.Status == driver.StatusReady && c.Actual == want {
				return c
			}
			if c.Status == driver.StatusFailed {
				t.Fatalf("change to %d failed: %s", want, c.Message)
			}
			if time.Now().After(deadline) || waited > h.Settle {
				t.Fatalf("capacity %+v did not settle at %d within %s", c, want, h.Settle)
			}
			step := h.Settle / 20
			waited += step
			h.Wait(step)
		}
	}

	t.Run("attached resource reports a ready capacity", func(t *testing.T) {
		tg := h.Target(t, 1, 5)
		if err := h.Driver.Attach(ctx, tg); err != nil {
			t.Fatalf("attach: %v", err)
		}
		c, err := h.Driver.Capacity(ctx, tg)
		if err != nil {
			t.Fatalf("capacity: %v", err)
		}
		if c.Status != driver.StatusReady || c.Actual != c.Desired {
			t.Fatalf("fresh resource %+v is not settled", c)
		}
	})
	t.Run("attach is idempotent", func(t *testing.T) {
		tg := h.Target(t, 1, 5)
		for range 2 {
			if err := h.Driver.Attach(ctx, tg); err != nil {
				t.Fatalf("attach: %v", err)
			}
		}
	})
	t.Run("a missing resource is ErrNotFound", func(t *testing.T) {
		if h.Missing == nil {
			t.Skip("this backend creates its resources on Attach")
		}
		tg := h.Missing(t)
		if err := h.Driver.Attach(ctx, tg); !errors.Is(err, driver.ErrNotFound) {
			t.Fatalf("attach of a missing resource: %v, want ErrNotFound", err)
		}
	})
	t.Run("set desired up and down settles", func(t *testing.T) {
		tg := h.Target(t, 1, 10)
		if err := h.Driver.Attach(ctx, tg); err != nil {
			t.Fatalf("attach: %v", err)
		}
		c, _ := h.Driver.Capacity(ctx, tg)
		up := c.Actual + h.Step
		if err := h.Driver.SetDesired(ctx, tg, up); err != nil {
			t.Fatalf("set desired %d: %v", up, err)
		}
		settle(t, tg, up)
		if err := h.Driver.SetDesired(ctx, tg, c.Actual); err != nil {
			t.Fatalf("set desired %d: %v", c.Actual, err)
		}
		settle(t, tg, c.Actual)
	})
	t.Run("negative capacity is ErrInvalidCapacity", func(t *testing.T) {
		tg := h.Target(t, 1, 10)
		if err := h.Driver.Attach(ctx, tg); err != nil {
			t.Fatalf("attach: %v", err)
		}
		if err := h.Driver.SetDesired(ctx, tg, -1); !errors.Is(err, driver.ErrInvalidCapacity) {
			t.Fatalf("set desired -1: %v, want ErrInvalidCapacity", err)
		}
	})
	t.Run("detach then attach works", func(t *testing.T) {
		tg := h.Target(t, 1, 10)
		if err := h.Driver.Attach(ctx, tg); err != nil {
			t.Fatalf("attach: %v", err)
		}
		if err := h.Driver.Detach(ctx, tg); err != nil {
			t.Fatalf("detach: %v", err)
		}
		if err := h.Driver.Attach(ctx, tg); err != nil {
			t.Fatalf("attach again: %v", err)
		}
		if _, err := h.Driver.Capacity(ctx, tg); err != nil {
			t.Fatalf("capacity after re-attach: %v", err)
		}
	})
}
