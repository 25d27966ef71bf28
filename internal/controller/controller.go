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
}

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
	targets       map[targetRef]*targetEntry
	policyByARN   map[string]*policyEntry
	alarms        map[alarmRef]*alarmEntry
	loaded        bool
	lastRetention time.Time
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
	if opts.ActivityTimeout <= 0 {
		opts.ActivityTimeout = 30 * time.Minute
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Duration(float64(15*time.Second) / opts.TimeScale)
		opts.Tick = min(max(opts.Tick, 10*time.Millisecond), time.Second)
	}
	return &Controller{opts: opts, log: opts.Logger, clock: opts.Clock, scale: opts.TimeScale,
		dirtyTarget: map[targetRef]bool{}, dirtyAlarm: map[alarmRef]bool{}, wake: make(chan struct{}, 1),
		targets: map[targetRef]*targetEntry{}, policyByARN: map[string]*policyEntry{}, alarms: map[alarmRef]*alarmEntry{}}
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
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-c.wake:
		}
		c.Round(ctx)
	}
}

// Load reads every target, policy, scheduled action and alarm from the store.
func (c *Controller) Load(ctx context.Context) error {
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
				if err := c.loadTarget(ctx, targetRef{scope, t.TargetKey}); err != nil {
					return err
				}
				after = t.Seq
			}
			if len(ts) < 1000 {
				break
			}
		}
	}
	err = cwalarms.All(ctx, c.opts.Store, func(a *cwalarms.MetricAlarm) error {
		c.putAlarm(a)
		return nil
	})
	if err != nil {
		return err
	}
	c.loaded = true
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
		if err := c.loadAlarm(ctx, ref); err != nil {
			c.log.Error("engine: reload alarm", "alarm", ref.name, "err", err)
			c.AlarmChanged(ref.scope, ref.name)
		}
	}
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
