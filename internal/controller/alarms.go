package controller

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store"
)

// periodEnd is the end of the newest period of length p complete at now, periods aligned to
// multiples of p since the Unix epoch.
func periodEnd(now time.Time, p time.Duration) time.Time {
	n := now.UnixNano()
	return time.Unix(0, n-n%int64(p))
}

type stateChange struct {
	ref                       alarmRef
	state, reason, reasonData string
	at                        time.Time // when queued for the background writer
}

type invocation struct {
	alarm  *alarmEntry
	policy *policyEntry
}

// evaluateAlarms evaluates every alarm with a newly completed period and invokes the scaling
// policies among their actions: on a transition into a state, the actions of that state;
// while in ALARM, the ALARM actions again every period (as Application Auto Scaling's policies
// are invoked).
//
// Alarms are visited target by target (the managed alarms of one target together, then the
// users' alarms), and a target's invocations run as soon as its alarms are evaluated: a
// decision sees the fresh metric of every policy of its target, and the reaction does not
// wait for the rest of the round. State changes are stored many per transaction, in order,
// by the background state writer (before the activities they cause when it is not running).
func (c *Controller) evaluateAlarms(ctx context.Context, now time.Time) {
	if now.Before(c.nextDue) {
		return // nothing completes a period before then: the common tick costs nothing
	}
	if c.orderDirty {
		c.rebuildOrder()
	}
	var changes []stateChange
	var calls []invocation
	next := time.Time{}
	var group *targetEntry
	flush := func() {
		if len(calls) == 0 {
			return
		}
		c.storeStatesLater(ctx, changes, now)
		changes = changes[:0]
		for _, call := range calls {
			c.invoke(ctx, now, call.alarm, call.policy)
		}
		calls = calls[:0]
	}
	for _, o := range c.order {
		if o.group != group || o.group == nil {
			flush()
			group = o.group
		}
		e := o.e
		if e.bad || e.period <= 0 {
			continue
		}
		pe := periodEnd(now, e.period)
		if due := pe.Add(e.period); next.IsZero() || due.Before(next) {
			next = due
		}
		if !pe.After(e.evaluated) {
			continue
		}
		changed, ch := c.evaluate(o.ref, e, pe, now)
		if changed {
			changes = append(changes, ch)
		}
		calls = c.actions(calls, o.ref, e, changed, pe)
	}
	flush()
	c.storeStatesLater(ctx, changes, now)
	c.nextDue = next
}

// storeStatesLater hands state changes to the background state writer
// when it runs (Run starts it), so that a round in which many alarms change state (all of
// them, in the first period after a start) does not wait for their transactions; without it
// they are stored at once. A crash may lose states not yet written: the engine derives them
// again from the data in its first rounds, as CloudWatch re-evaluates.
func (c *Controller) storeStatesLater(ctx context.Context, changes []stateChange, now time.Time) {
	if len(changes) == 0 {
		return
	}
	c.stateMu.Lock()
	w := c.stateWriter
	if w {
		for _, ch := range changes {
			ch.at = now
			c.statePending = append(c.statePending, ch)
		}
	}
	c.stateMu.Unlock()
	if !w {
		c.storeStates(ctx, changes, now)
		return
	}
	select {
	case c.stateWake <- struct{}{}:
	default:
	}
}

// runStateWriter stores queued state changes until ctx is done, then stores what is left.
func (c *Controller) runStateWriter(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	drain := func(ctx context.Context) {
		for {
			c.stateMu.Lock()
			batch := c.statePending
			if len(batch) > 2000 {
				batch = batch[:2000]
			}
			c.statePending = c.statePending[len(batch):]
			c.stateMu.Unlock()
			if len(batch) == 0 {
				return
			}
			// Changes of one round share their time; store each batch at its first change's.
			c.storeStates(ctx, batch, batch[0].at)
		}
	}
	for {
		select {
		case <-ctx.Done():
			drain(context.WithoutCancel(ctx))
			return
		case <-c.stateWake:
			// Not cancelled with ctx: a batch begun is written whole.
			drain(context.WithoutCancel(ctx))
		}
	}
}

// orderEntry places an alarm in the evaluation order.
type orderEntry struct {
	ref   alarmRef
	e     *alarmEntry  // valid until the index changes, which rebuilds the order
	group *targetEntry // the target whose managed alarm it is; nil for a user's alarm
}

// rebuildOrder lists the alarms target by target, then the users' alarms.
func (c *Controller) rebuildOrder() {
	c.order = c.order[:0]
	seen := make(map[alarmRef]bool, len(c.alarms))
	for _, te := range c.targets {
		for _, p := range te.policies {
			if p.p.TargetTracking == nil {
				continue
			}
			for _, a := range p.p.Alarms {
				ref := alarmRef{te.t.Scope, a.AlarmName}
				if e, ok := c.alarms[ref]; ok && !seen[ref] {
					seen[ref] = true
					c.order = append(c.order, orderEntry{ref: ref, e: e, group: te})
				}
			}
		}
	}
	for ref, e := range c.alarms {
		if !seen[ref] {
			c.order = append(c.order, orderEntry{ref: ref, e: e})
		}
	}
	c.orderDirty = false
}

// indexChanged notes that alarms or targets changed: the order is rebuilt and every alarm is
// looked at in the next round.
func (c *Controller) indexChanged() {
	c.orderDirty = true
	c.nextDue = time.Time{}
	c.schedulesKnown = false
}

// evaluate evaluates one alarm at period end pe and reports its state change.
func (c *Controller) evaluate(ref alarmRef, e *alarmEntry, pe, now time.Time) (bool, stateChange) {
	e.evaluated = pe
	points, err := c.datapoints(ref, e, pe)
	if err != nil {
		c.log.Warn("engine: alarm query", "alarm", ref.name, "err", err)
	}
	e.points = points
	e.hasLatest = false
	var newest time.Time
	for _, p := range points {
		if !p.Start.Before(newest) {
			newest, e.latest, e.hasLatest = p.Start, p.Value, true
		}
	}
	res := alarm.Evaluate(e.cfg, e.state, points, now)
	if !res.Changed() {
		return false, stateChange{}
	}
	rd, _ := json.Marshal(res.ReasonData())
	e.state = res.State
	return true, stateChange{ref: ref, state: string(res.State), reason: res.Reason(), reasonData: string(rd)}
}

// actions appends the policy invocations an alarm's state calls for at period end pe.
func (c *Controller) actions(calls []invocation, ref alarmRef, e *alarmEntry, changed bool, pe time.Time) []invocation {
	if !e.def.ActionsEnabled {
		return calls
	}
	var arns []string
	switch {
	case e.state == alarm.StateAlarm && (changed || !pe.Before(e.actedAt.Add(e.period))):
		arns = e.onAlarm
		e.actedAt = pe
	case changed && e.state == alarm.StateOK:
		arns = e.onOK
	case changed && e.state == alarm.StateInsufficientData:
		arns = e.onInsufficient
	}
	for _, arn := range arns {
		if p := c.policyByARN[arn]; p != nil && p.p.Scope == ref.scope {
			calls = append(calls, invocation{alarm: e, policy: p})
		}
	}
	return calls
}

// runActions runs at once the actions an alarm's state calls for (after SetAlarmState).
func (c *Controller) runActions(ctx context.Context, now time.Time, ref alarmRef, e *alarmEntry, changed bool, pe time.Time) {
	for _, call := range c.actions(nil, ref, e, changed, pe) {
		c.invoke(ctx, now, call.alarm, call.policy)
	}
}

// datapoints reads the datapoints of an alarm's evaluation range ending at pe.
func (c *Controller) datapoints(ref alarmRef, e *alarmEntry, pe time.Time) ([]alarm.Datapoint, error) {
	from := pe.Add(-time.Duration(e.cfg.Range()) * e.period)
	if e.stat != nil {
		if a, ok := c.opts.Metrics.(interface {
			AppendDatapoints([]alarm.Datapoint, autoscaling.Scope, metrics.MetricStat, time.Time, time.Time) []alarm.Datapoint
		}); ok {
			return a.AppendDatapoints(e.points, ref.scope, *e.stat, from, pe), nil
		}
		return c.opts.Metrics.Datapoints(ref.scope, *e.stat, from, pe), nil
	}
	results, err := c.opts.Metrics.Query(ref.scope, e.query, from, pe)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		points := make([]alarm.Datapoint, 0, len(r.Values))
		for i, v := range r.Values {
			points = append(points, alarm.Datapoint{Start: r.Timestamps[i], Value: v})
		}
		return points, nil
	}
	return nil, nil
}

// storeStates writes alarm state changes, many per transaction. An alarm deleted meanwhile
// is skipped.
func (c *Controller) storeStates(ctx context.Context, changes []stateChange, now time.Time) {
	const batch = 500
	for len(changes) > 0 {
		n := min(batch, len(changes))
		part := changes[:n]
		changes = changes[n:]
		err := c.opts.Store.Update(ctx, func(tx store.Tx) error {
			for _, ch := range part {
				_, err := cwalarms.SetState(tx, ch.ref.scope, ch.ref.name, ch.state, ch.reason, ch.reasonData, now)
				if err != nil && !errors.Is(err, cwalarms.ErrNotFound) {
					return err
				}
			}
			return nil
		})
		if err != nil {
			c.log.Error("engine: store alarm states", "count", len(part), "err", err)
		}
	}
}
