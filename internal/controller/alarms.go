package controller

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
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
}

type invocation struct {
	alarm  *alarmEntry
	policy *policyEntry
}

// evaluateAlarms evaluates every alarm with a newly completed period, stores the state
// changes in one transaction, and then invokes the scaling policies among their actions: on a
// transition into a state, the actions of that state; while in ALARM, the ALARM actions again
// every period (as Application Auto Scaling's policies are invoked).
func (c *Controller) evaluateAlarms(ctx context.Context, now time.Time) {
	var changes []stateChange
	var calls []invocation
	for ref, e := range c.alarms {
		if e.bad || e.period <= 0 {
			continue
		}
		pe := periodEnd(now, e.period)
		if !pe.After(e.evaluated) {
			continue
		}
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
		changed := res.Changed()
		if changed {
			rd, _ := json.Marshal(res.ReasonData())
			changes = append(changes, stateChange{ref: ref, state: string(res.State), reason: res.Reason(), reasonData: string(rd)})
			e.state = res.State
		}
		calls = c.actions(calls, ref, e, changed, pe)
	}
	c.storeStates(ctx, changes, now)
	for _, call := range calls {
		c.invoke(ctx, now, call.alarm, call.policy)
	}
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
