// Package controller is the scaling engine's loop: it keeps an in-memory index of every
// scalable target, policy, scheduled action and alarm (loaded from the store and refreshed when
// the API reports a change), evaluates alarms period by period over the metric store, invokes
// the policies their actions name, asks the drivers to change capacity, fires scheduled actions
// exactly once, moves capacity into a target's range when the range changes, and records every
// decision as a scaling activity.
//
// One goroutine owns the index and does all of this in rounds (Round); Run calls Round on a
// ticker. Time comes from an injected clock, so tests drive rounds with a fake clock.
//
// An activity's lifecycle:
//
//	Pending --driver accepted--> InProgress --resource ready at desired--> Successful
//	   |                             |--resource failed / timed out------> Failed / Unfulfilled
//	   |                             '--a newer activity replaced it-----> Overridden
//	   '--driver refused-----------------------------------------------> Failed
package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Options configure a Controller.
type Options struct {
	Store   store.Store
	Metrics metrics.Store
	Drivers *driver.Set
	Clock   Clock
	Logger  *slog.Logger
	// TimeScale divides every AWS-defined period, datapoint interval and cooldown (1: AWS's
	// timings). Wall-clock schedules stay wall-clock.
	TimeScale float64
	// Tick is the interval between rounds in Run (default: a quarter of the shortest alarm
	// period after scaling, at most one second, at least 10 ms).
	Tick time.Duration
	// ActivityTimeout is how long an activity may stay InProgress before it is Unfulfilled
	// (default 30 minutes, not scaled).
	ActivityTimeout time.Duration
	// NodeID names this node in the engine lease: of several nodes sharing a store, only the
	// lease holder runs rounds (default: a random id).
	NodeID string
	// Resync, when positive, reloads the whole index that often, to see changes made through
	// other nodes sharing the store (PostgreSQL). Zero: only this process changes the store.
	Resync time.Duration
}

// LeaseTTL is how long the engine lease lasts without renewal; the holder renews it when less
// than two thirds are left.
const LeaseTTL = 15 * time.Second

// Controller is the scaling engine.
type Controller struct {
	opts  Options
	log   *slog.Logger
	clock Clock
	scale float64

	mu          sync.Mutex // guards dirtyTargets, dirtyAlarms
	dirtyTarget map[targetRef]bool
	dirtyAlarm  map[alarmRef]bool
	wake        chan struct{}

	// Owned by the round goroutine.
	targets     map[targetRef]*targetEntry
	policyByARN map[string]*policyEntry
	alarms      map[alarmRef]*alarmEntry
	order       []orderEntry // evaluation order (see evaluateAlarms)
	orderDirty  bool
	nextDue     time.Time // no alarm completes a period before it
	// inflights are the targets with an activity in progress; unsettled those to attach or
	// to compare with their range; nextSchedule the earliest occurrence of any scheduled
	// action (valid while schedulesKnown). They spare the rounds between events a walk over
	// every target.
	inflights map[*targetEntry]struct{}
	// The background alarm-state writer (see storeStatesLater).
	stateMu        sync.Mutex
	stateWriter    bool
	statePending   []stateChange
	stateWake      chan struct{}
	unsettled      map[*targetEntry]struct{}
	nextSchedule   time.Time
	schedulesKnown bool
	loaded         bool
	loadedAt       time.Time
	lastRetention  time.Time
	leaseUntil     time.Time
}

type targetRef struct {
	scope autoscaling.Scope
	key   autoscaling.TargetKey
}

type alarmRef struct {
	scope autoscaling.Scope
	name  string
}

// New returns a controller; Run (or Load and Round) starts it.
func New(opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.NodeID == "" {
		opts.NodeID = autoscaling.NewUUID()
	}
	if opts.ActivityTimeout <= 0 {
		opts.ActivityTimeout = 30 * time.Minute
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Duration(float64(15*time.Second) / opts.TimeScale)
		opts.Tick = min(max(opts.Tick, 10*time.Millisecond), time.Second)
	}
	return &Controller{opts: opts, log: opts.Logger, clock: opts.Clock, scale: opts.TimeScale,
		dirtyTarget: map[targetRef]bool{}, dirtyAlarm: map[alarmRef]bool{}, wake: make(chan struct{}, 1), stateWake: make(chan struct{}, 1),
		targets: map[targetRef]*targetEntry{}, inflights: map[*targetEntry]struct{}{}, unsettled: map[*targetEntry]struct{}{}, policyByARN: map[string]*policyEntry{}, alarms: map[alarmRef]*alarmEntry{}}
}

// scaled divides an AWS-defined duration by the time scale.
func (c *Controller) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.scale)
}

// Attach implements api.Engine: the target's driver checks (or creates) the resource.
func (c *Controller) Attach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	d := c.opts.Drivers.For(t.Namespace)
	err := d.Attach(ctx, t)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, driver.ErrNotFound):
		return autoscaling.Errorf(autoscaling.CodeValidation, "Unable to register scalable target: resource %s was not found (%v)", t.ResourceID, err)
	case errors.Is(err, driver.ErrUnscalable), errors.Is(err, driver.ErrInvalidCapacity):
		return autoscaling.Errorf(autoscaling.CodeValidation, "Unable to register scalable target: resource %s cannot be scaled on %s (%v)", t.ResourceID, t.Dimension, err)
	}
	return fmt.Errorf("attach %s resource %s: %w", d.Name(), t.ResourceID, err)
}

// TargetChanged implements api.Engine.
func (c *Controller) TargetChanged(scope autoscaling.Scope, key autoscaling.TargetKey) {
	c.mu.Lock()
	c.dirtyTarget[targetRef{scope, key}] = true
	c.mu.Unlock()
	c.poke()
}

// AlarmChanged is told about alarms changed through the CloudWatch API.
func (c *Controller) AlarmChanged(scope autoscaling.Scope, name string) {
	c.mu.Lock()
	c.dirtyAlarm[alarmRef{scope, name}] = true
	c.mu.Unlock()
	c.poke()
}

func (c *Controller) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run loads the index and runs rounds until ctx is done.
func (c *Controller) Run(ctx context.Context) error {
	for !c.holdLease(ctx) {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(LeaseTTL / 5):
		}
	}
	for !c.loaded {
		if err := c.Load(ctx); err != nil {
			c.log.Error("engine: load state", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
		}
	}
	t := time.NewTicker(c.opts.Tick)
	defer t.Stop()
	writerDone := make(chan struct{})
	wctx, stopWriter := context.WithCancel(ctx)
	c.StartStateWriter(wctx, writerDone)
	defer func() { stopWriter(); <-writerDone }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-c.wake:
		}
		if !c.holdLease(ctx) {
			continue
		}
		c.Round(ctx)
	}
}

// Load reads every target, policy, scheduled action and alarm from the store.
func (c *Controller) Load(ctx context.Context) error {
	// Whatever was dirty before is covered by this load.
	c.mu.Lock()
	c.dirtyTarget, c.dirtyAlarm = map[targetRef]bool{}, map[alarmRef]bool{}
	c.mu.Unlock()
	seenTargets := map[targetRef]bool{}
	seenAlarms := map[alarmRef]bool{}
	recs, err := c.listAll(ctx, enginestate.ScopePrefix)
	if err != nil {
		return fmt.Errorf("list scopes: %w", err)
	}
	for _, r := range recs {
		scope, ok := enginestate.ParseScopeKey(r.Key)
		if !ok {
			continue
		}
		var after int64
		for {
			ts, err := c.opts.Store.ListTargets(ctx, scope, store.TargetQuery{AfterSeq: after, Limit: 1000})
			if err != nil {
				return fmt.Errorf("list targets of %s/%s: %w", scope.Account, scope.Region, err)
			}
			for _, t := range ts {
				ref := targetRef{scope, t.TargetKey}
				if err := c.loadTarget(ctx, ref); err != nil {
					return err
				}
				seenTargets[ref] = true
				after = t.Seq
			}
			if len(ts) < 1000 {
				break
			}
		}
	}
	err = cwalarms.All(ctx, c.opts.Store, func(a *cwalarms.MetricAlarm) error {
		c.putAlarm(a)
		seenAlarms[alarmRef{a.Scope, a.AlarmName}] = true
		return nil
	})
	if err != nil {
		return err
	}
	for ref, e := range c.targets {
		if !seenTargets[ref] {
			c.dropTarget(ref, e)
		}
	}
	for ref := range c.alarms {
		if !seenAlarms[ref] {
			delete(c.alarms, ref)
		}
	}
	c.loaded = true
	c.loadedAt = c.clock.Now()
	c.log.Info("engine: state loaded", "targets", len(c.targets), "alarms", len(c.alarms))
	return nil
}

func (c *Controller) listAll(ctx context.Context, prefix string) ([]store.Record, error) {
	var out []store.Record
	after := ""
	for {
		recs, err := c.opts.Store.ListRecords(ctx, prefix, after, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		if len(recs) < 1000 {
			return out, nil
		}
		after = recs[len(recs)-1].Key
	}
}

// Round runs one round at the clock's time: refresh what changed, evaluate due alarms and run
// their actions, fire due scheduled actions, clamp targets whose range changed, and follow
// activities in progress.
func (c *Controller) Round(ctx context.Context) {
	if !c.loaded {
		if err := c.Load(ctx); err != nil {
			c.log.Error("engine: load state", "err", err)
			return
		}
	}
	if c.opts.Resync > 0 && c.clock.Now().Sub(c.loadedAt) >= c.opts.Resync {
		if err := c.Load(ctx); err != nil {
			c.log.Error("engine: resync", "err", err)
		}
	}
	c.refresh(ctx)
	now := c.clock.Now()
	c.evaluateAlarms(ctx, now)
	c.runScheduled(ctx, now)
	c.clampTargets(ctx, now)
	c.followActivities(ctx, now)
	if now.Sub(c.lastRetention) > time.Hour {
		c.lastRetention = now
		c.pruneActivities(ctx, now)
	}
}

// refresh reloads what the API reported as changed.
func (c *Controller) refresh(ctx context.Context) {
	c.mu.Lock()
	targets, alarms := c.dirtyTarget, c.dirtyAlarm
	c.dirtyTarget, c.dirtyAlarm = map[targetRef]bool{}, map[alarmRef]bool{}
	c.mu.Unlock()
	for ref := range targets {
		if err := c.loadTarget(ctx, ref); err != nil {
			c.log.Error("engine: reload target", "resource_id", ref.key.ResourceID, "err", err)
			c.TargetChanged(ref.scope, ref.key) // try again next round
		}
	}
	for ref := range alarms {
		// An alarm not loaded yet was created in INSUFFICIENT_DATA: when PutMetricAlarm and
		// SetAlarmState both land before this refresh, the alarm is first seen in the state
		// SetAlarmState gave it, and that state's actions must still run.
		before := alarm.StateInsufficientData
		if old := c.alarms[ref]; old != nil {
			before = old.state
		}
		if err := c.loadAlarm(ctx, ref); err != nil {
			c.log.Error("engine: reload alarm", "alarm", ref.name, "err", err)
			c.AlarmChanged(ref.scope, ref.name)
			continue
		}
		// SetAlarmState moved the alarm: CloudWatch runs the actions of the new state.
		if e := c.alarms[ref]; e != nil && e.state != before {
			c.runActions(ctx, c.clock.Now(), ref, e, true, periodEnd(c.clock.Now(), e.period))
		}
	}
}

// holdLease takes or renews the engine lease and reports whether this node holds it. A node
// that newly takes it reloads its index, which may be stale.
func (c *Controller) holdLease(ctx context.Context) bool {
	now := c.clock.Now()
	if now.Add(LeaseTTL / 3).Before(c.leaseUntil) {
		return true
	}
	if b, err := c.opts.Store.GetRecord(ctx, leaseKey); err == nil {
		var l lease
		if jsonUnmarshal(b, &l) == nil && l.Node != c.opts.NodeID && now.Before(l.Until) {
			return false // another node holds it: no write
		}
	}
	held := false
	err := c.opts.Store.Update(ctx, func(tx store.Tx) error {
		var l lease
		found, err := enginestate.GetJSON(tx, leaseKey, &l)
		if err != nil {
			return err
		}
		if found && l.Node != c.opts.NodeID && now.Before(l.Until) {
			return nil
		}
		held = true
		return enginestate.PutJSON(tx, leaseKey, lease{Node: c.opts.NodeID, Until: now.Add(LeaseTTL)})
	})
	if err != nil {
		c.log.Warn("engine: lease", "err", err)
		held = false
	}
	if !held {
		if !c.leaseUntil.IsZero() {
			c.log.Info("engine: lease lost; this node stops scaling", "node", c.opts.NodeID)
		}
		c.leaseUntil = time.Time{}
		return false
	}
	if c.leaseUntil.IsZero() {
		c.log.Info("engine: lease taken; this node runs the engine", "node", c.opts.NodeID)
		c.loaded = false // reload: changes made while another node led were not seen here
	}
	c.leaseUntil = now.Add(LeaseTTL)
	return true
}

const leaseKey = "engine/lease"

type lease struct {
	Node  string    `json:"node"`
	Until time.Time `json:"until"`
}

func (c *Controller) pruneActivities(ctx context.Context, now time.Time) {
	cut := now.Add(-ActivityRetention)
	var n int
	err := c.opts.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteActivitiesBefore(cut)
		return err
	})
	if err != nil {
		c.log.Error("engine: prune activities", "err", err)
	} else if n > 0 {
		c.log.Info("engine: pruned activities", "count", n)
	}
}

// ActivityRetention is how long scaling activities are kept (AWS: six weeks).
const ActivityRetention = 6 * 7 * 24 * time.Hour

// StartStateWriter makes alarm state changes that cause no activity go to a background writer
// (Run does this; benchmarks that drive Round do it themselves). done is closed once ctx is
// done and the queue is written.
func (c *Controller) StartStateWriter(ctx context.Context, done chan<- struct{}) {
	c.stateMu.Lock()
	c.stateWriter = true
	c.stateMu.Unlock()
	go c.runStateWriter(ctx, done)
}
