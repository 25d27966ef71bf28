// Package emulated is the driver of every namespace without a real local backend: an emulated
// resource is created when its target is registered, starts at the target's MinCapacity, and
// applies a new desired capacity after a configurable delay. Its state lives in the store's
// record table, so it survives restarts and is shared by nodes on one PostgreSQL database.
package emulated

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/store"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Driver is the emulated driver.
type Driver struct {
	store store.Store
	clock Clock
	delay time.Duration
}

// New returns an emulated driver whose resources take delay to apply a change.
func New(st store.Store, clock Clock, delay time.Duration) *Driver {
	if clock == nil {
		clock = wallClock{}
	}
	return &Driver{store: st, clock: clock, delay: delay}
}

// resource is the stored state of one emulated resource dimension.
type resource struct {
	// From is the capacity before the change in progress (or the settled capacity).
	From int32 `json:"from"`
	// Desired is the capacity asked for.
	Desired int32 `json:"desired"`
	// ReadyAt is when Desired becomes the actual capacity.
	ReadyAt time.Time `json:"readyAt"`
}

// Key is the record key of an emulated resource.
func Key(t *autoscaling.ScalableTarget) string {
	return fmt.Sprintf("emu/%s/%s/%s/%s/%s", t.Account, t.Region, t.Namespace, t.Dimension, t.ResourceID)
}

// Name implements driver.Driver.
func (d *Driver) Name() string { return "emulated" }

// Attach creates the resource at the target's MinCapacity unless it exists.
func (d *Driver) Attach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	key := Key(t)
	if _, err := d.store.GetRecord(ctx, key); err == nil {
		return nil // the common case on every start: no write
	}
	err := d.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRecord(key); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return put(tx, key, resource{From: t.MinCapacity, Desired: t.MinCapacity})
	})
	if err != nil {
		return fmt.Errorf("attach emulated resource %s: %w", t.ResourceID, err)
	}
	return nil
}

// Detach removes the emulated resource.
func (d *Driver) Detach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	key := Key(t)
	err := d.store.Update(ctx, func(tx store.Tx) error {
		err := tx.DeleteRecord(key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("detach emulated resource %s: %w", t.ResourceID, err)
	}
	return nil
}

// Capacity reports the resource's capacity.
func (d *Driver) Capacity(ctx context.Context, t *autoscaling.ScalableTarget) (driver.Capacity, error) {
	b, err := d.store.GetRecord(ctx, Key(t))
	if errors.Is(err, store.ErrNotFound) {
		return driver.Capacity{}, fmt.Errorf("emulated resource %s: %w", t.ResourceID, driver.ErrNotFound)
	} else if err != nil {
		return driver.Capacity{}, fmt.Errorf("read emulated resource %s: %w", t.ResourceID, err)
	}
	var r resource
	if err := json.Unmarshal(b, &r); err != nil {
		return driver.Capacity{}, fmt.Errorf("decode emulated resource %s: %w", t.ResourceID, err)
	}
	return r.capacity(d.clock.Now()), nil
}

func (r resource) capacity(now time.Time) driver.Capacity {
	if now.Before(r.ReadyAt) {
		return driver.Capacity{Desired: r.Desired, Actual: r.From, Status: driver.StatusScaling}
	}
	return driver.Capacity{Desired: r.Desired, Actual: r.Desired, Status: driver.StatusReady}
}

// SetDesired starts a change to n, which completes after the driver's delay. A change asked
// while another is in progress starts from the capacity the resource has at that moment.
func (d *Driver) SetDesired(ctx context.Context, t *autoscaling.ScalableTarget, n int32) error {
	if n < 0 {
		return fmt.Errorf("set emulated resource %s to %d: %w", t.ResourceID, n, driver.ErrInvalidCapacity)
	}
	key := Key(t)
	err := d.store.Update(ctx, func(tx store.Tx) error {
		b, err := tx.GetRecord(key)
		if errors.Is(err, store.ErrNotFound) {
			return driver.ErrNotFound
		} else if err != nil {
			return err
		}
		var r resource
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		now := d.clock.Now()
		cur := r.capacity(now)
		return put(tx, key, resource{From: cur.Actual, Desired: n, ReadyAt: now.Add(d.delay)})
	})
	if err != nil {
		return fmt.Errorf("set emulated resource %s to %d: %w", t.ResourceID, n, err)
	}
	return nil
}

func put(tx store.Tx, key string, r resource) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.PutRecord(key, b)
}
