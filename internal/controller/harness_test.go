package controller

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/driver/emulated"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var scope = autoscaling.Scope{Account: "123456789012", Region: "us-east-1"}

// harness is an engine over an in-memory store and metric store, with emulated resources,
// driven round by round on a fake clock.
type harness struct {
	t      *testing.T
	ctx    context.Context
	clock  *fakeClock
	st     store.Store
	ms     *metrics.Memory
	drv    *emulated.Driver
	c      *Controller
	alarms *cwalarms.Stored
	scale  float64
	tick   time.Duration
}

// start is a Monday, 2026-03-02 00:00:00 UTC: minute and hour aligned.
var start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), clock: &fakeClock{now: start}, st: memstore.New(), scale: 1, tick: 5 * time.Second}
	h.ms = metrics.New(metrics.Options{Clock: h.clock})
	h.drv = emulated.New(h.st, h.clock, 10*time.Second)
	h.restart()
	return h
}

// restart replaces the controller by a new one over the same store (a process restart; the
// metric store is kept, as data a client would push again).
func (h *harness) restart() {
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("ENGINE_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h.c = New(Options{Store: h.st, Metrics: h.ms, Drivers: driver.NewSet(h.drv), Clock: h.clock, TimeScale: h.scale, Logger: log})
	h.alarms = &cwalarms.Stored{Store: h.st, Clock: h.clock, OnChange: h.c.AlarmChanged}
	if err := h.c.Load(h.ctx); err != nil {
		h.t.Fatalf("load: %v", err)
	}
}

func (h *harness) update(fn func(tx store.Tx) error) {
	h.t.Helper()
	if err := h.st.Update(h.ctx, fn); err != nil {
		h.t.Fatalf("update: %v", err)
	}
}

// register registers a target as the API does.
func (h *harness) register(ns, rid, dim string, lo, hi int32) *autoscaling.ScalableTarget {
	h.t.Helper()
	t := &autoscaling.ScalableTarget{Scope: scope, TargetKey: autoscaling.TargetKey{Namespace: ns, ResourceID: rid, Dimension: dim},
		ID: autoscaling.NewTargetID(ns), ResourceUUID: autoscaling.NewUUID(), MinCapacity: lo, MaxCapacity: hi, CreationTime: h.clock.Now()}
	if err := h.c.Attach(h.ctx, t); err != nil {
		h.t.Fatalf("attach: %v", err)
	}
	h.update(func(tx store.Tx) error {
		if err := tx.InsertTarget(t); err != nil {
			return err
		}
		return enginestate.TargetCreated(tx, t)
	})
	h.c.TargetChanged(scope, t.TargetKey)
	return t
}

// setRange changes a target's range as RegisterScalableTarget does.
func (h *harness) setRange(t *autoscaling.ScalableTarget, lo, hi int32, susp autoscaling.SuspendedState) {
	h.t.Helper()
	h.update(func(tx store.Tx) error {
		cur, err := tx.GetTarget(scope, t.TargetKey)
		if err != nil {
			return err
		}
		cur.MinCapacity, cur.MaxCapacity, cur.Suspended = lo, hi, susp
		return tx.UpdateTarget(cur)
	})
	h.c.TargetChanged(scope, t.TargetKey)
}

func (h *harness) putPolicy(t *autoscaling.ScalableTarget, p *autoscaling.ScalingPolicy) *autoscaling.ScalingPolicy {
	h.t.Helper()
	p.Scope, p.TargetKey, p.CreationTime = scope, t.TargetKey, h.clock.Now()
	p.ARN = autoscaling.PolicyARN(scope, t.ResourceUUID, t.TargetKey, p.Name)
	if p.TargetTracking != nil {
		p.Type = autoscaling.PolicyTypeTargetTracking
		for _, kind := range []string{"AlarmHigh", "AlarmLow"} {
			n := "TargetTracking-" + t.ResourceID + "-" + kind + "-" + autoscaling.NewUUID()
			p.Alarms = append(p.Alarms, autoscaling.Alarm{AlarmName: n, AlarmARN: autoscaling.AlarmARN(scope, n)})
		}
	} else {
		p.Type = autoscaling.PolicyTypeStepScaling
	}
	h.update(func(tx store.Tx) error {
		if err := tx.PutPolicy(p); err != nil {
			return err
		}
		return enginestate.PolicyPut(tx, t, p, nil, h.clock.Now())
	})
	h.c.TargetChanged(scope, t.TargetKey)
	return p
}

func (h *harness) putScheduled(t *autoscaling.ScalableTarget, a *autoscaling.ScheduledAction) {
	h.t.Helper()
	a.Scope, a.TargetKey, a.CreationTime = scope, t.TargetKey, h.clock.Now()
	a.ARN = autoscaling.ScheduledActionARN(scope, t.ResourceUUID, t.TargetKey, a.Name)
	h.update(func(tx store.Tx) error {
		if err := tx.PutScheduledAction(a); err != nil {
			return err
		}
		return enginestate.ScheduledActionPut(tx, a, h.clock.Now())
	})
	h.c.TargetChanged(scope, t.TargetKey)
}

// push records one value of a metric at the clock's time.
func (h *harness) push(m metrics.Metric, v float64) {
	h.t.Helper()
	if err := h.ms.Put(h.ctx, scope, []metrics.Datum{{Metric: m, Timestamp: h.clock.Now(), Value: &v}}); err != nil {
		h.t.Fatalf("put metric: %v", err)
	}
}

// run advances the clock by d in ticks, running a round after each, calling each (if not
// nil) before every round (to push load).
func (h *harness) run(d time.Duration, each func()) {
	end := h.clock.Now().Add(d)
	for h.clock.Now().Before(end) {
		h.clock.set(h.clock.Now().Add(h.tick))
		if each != nil {
			each()
		}
		h.c.Round(h.ctx)
	}
}

// activities returns the target's activities, oldest first (not-scaled ones included).
func (h *harness) activities(t *autoscaling.ScalableTarget) []*autoscaling.ScalingActivity {
	h.t.Helper()
	as, err := h.st.ListActivities(h.ctx, scope, store.ActivityQuery{Namespace: t.Namespace, ResourceID: t.ResourceID, Dimension: t.Dimension, IncludeNotScaled: true})
	if err != nil {
		h.t.Fatalf("list activities: %v", err)
	}
	slices.Reverse(as)
	return as
}

func (h *harness) capacity(t *autoscaling.ScalableTarget) driver.Capacity {
	h.t.Helper()
	c, err := h.drv.Capacity(h.ctx, t)
	if err != nil {
		h.t.Fatalf("capacity: %v", err)
	}
	return c
}

func (h *harness) alarm(name string) *cwalarms.MetricAlarm {
	h.t.Helper()
	as, err := h.alarms.ListAlarms(h.ctx, scope, cwalarms.ListQuery{Names: []string{name}})
	if err != nil || len(as) != 1 {
		h.t.Fatalf("alarm %s: %v (%d found)", name, err, len(as))
	}
	return as[0]
}

func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }
func str(v string) *string   { return &v }
