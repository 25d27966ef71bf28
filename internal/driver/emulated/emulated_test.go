package emulated_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/driver/drivertest"
	"github.com/autoscaled/autoscaled/internal/driver/emulated"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/autoscaled/autoscaled/internal/store/sqlite"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var n atomic.Int64

func target(lo, hi int32) *autoscaling.ScalableTarget {
	return &autoscaling.ScalableTarget{Scope: autoscaling.Scope{Account: "000000000000", Region: "us-east-1"},
		TargetKey:   autoscaling.TargetKey{Namespace: "ecs", ResourceID: fmt.Sprintf("service/c/s%d", n.Add(1)), Dimension: "ecs:service:DesiredCount"},
		MinCapacity: lo, MaxCapacity: hi}
}

func TestConformance(t *testing.T) {
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	st := memstore.New()
	d := emulated.New(st, clk, 5*time.Second)
	drivertest.Run(t, drivertest.Harness{
		Driver: d,
		Target: func(t *testing.T, lo, hi int32) *autoscaling.ScalableTarget { return target(lo, hi) },
		// An emulated resource exists once attached: a target that was never attached has none.
		Missing: nil,
		Wait:    clk.add,
		Settle:  time.Minute,
	})
}

func TestCapacityFollowsTheDelay(t *testing.T) {
	ctx := context.Background()
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	st, err := sqlite.Open(ctx, t.TempDir()+"/db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := emulated.New(st, clk, 5*time.Second)
	tg := target(2, 10)
	if err := d.Attach(ctx, tg); err != nil {
		t.Fatal(err)
	}
	c, _ := d.Capacity(ctx, tg)
	if c != (driver.Capacity{Desired: 2, Actual: 2, Status: driver.StatusReady}) {
		t.Fatalf("starts at %+v, want MinCapacity 2 ready", c)
	}
	if err := d.SetDesired(ctx, tg, 6); err != nil {
		t.Fatal(err)
	}
	clk.add(4 * time.Second)
	if c, _ := d.Capacity(ctx, tg); c != (driver.Capacity{Desired: 6, Actual: 2, Status: driver.StatusScaling}) {
		t.Fatalf("during the change: %+v", c)
	}
	// A restart (new driver, same store) keeps the change.
	d = emulated.New(st, clk, 5*time.Second)
	clk.add(time.Second)
	if c, _ := d.Capacity(ctx, tg); c != (driver.Capacity{Desired: 6, Actual: 6, Status: driver.StatusReady}) {
		t.Fatalf("after the delay: %+v", c)
	}
	if _, err := d.Capacity(ctx, target(1, 2)); err == nil {
		t.Fatal("capacity of an unknown resource")
	}
}
