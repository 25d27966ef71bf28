package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/managedalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/schedule"
	"github.com/autoscaled/autoscaled/internal/store"
)

// targetEntry is the engine's view of one scalable target.
type targetEntry struct {
	t        *autoscaling.ScalableTarget
	policies []*policyEntry
	actions  []*actionEntry
	// attached: the driver has been told about the target since the engine started.
	attached bool
	// checkRange: compare capacity with the range. Set on every reload: AWS re-reads capacity
	// and clamps it on every registration update, and ElastiCache when a policy is put.
	checkRange bool
	inflight   *inflight
	// lastNotScaled remembers the last not-scaled reason per policy, so that an alarm that
	// stays in ALARM at max capacity records one not-scaled activity, not one per period.
	lastNotScaled map[string]string
	// cooldowns is read from the store on first use.
	cooldowns *enginestate.Cooldowns
}

// inflight is an activity waiting for the resource to reach its desired capacity.
type inflight struct {
	activity *autoscaling.ScalingActivity
	desired  int32
	started  time.Time
	// fulfilled is the StatusMessage on success.
	fulfilled string
}

type policyEntry struct {
	p      *autoscaling.ScalingPolicy
	target *targetEntry
}

type actionEntry struct {
	a        *autoscaling.ScheduledAction
	sched    *schedule.Schedule
	loc      *time.Location
	baseline time.Time // occurrences at or before it are handled
	hasBase  bool
	next     time.Time // next occurrence after baseline (zero: none)
}

// alarmEntry is one alarm and its evaluation state.
type alarmEntry struct {
	def    *cwalarms.MetricAlarm
	cfg    alarm.Config
	period time.Duration // scaled
	stat   *metrics.MetricStat
	query  []metrics.Query
	state  alarm.State
	// evaluated is the end of the newest period evaluated; actedAt the period end at which the
	// ALARM actions last ran.
	evaluated time.Time
	actedAt   time.Time
	// latest and points are from the last evaluation: the newest present datapoint and the
	// evaluated datapoints.
	latest    float64
	hasLatest bool
	points    []alarm.Datapoint
	// policies are the ARNs of scaling policies among the alarm's actions, by state.
	onAlarm, onOK, onInsufficient []string
	bad                           bool // configuration the engine cannot evaluate (logged once)
}

// loadTarget (re)reads one target and everything attached to it; a target that no longer
// exists is dropped (and detached from its driver).
func (c *Controller) loadTarget(ctx context.Context, ref targetRef) error {
	st := c.opts.Store
	t, err := st.GetTarget(ctx, ref.scope, ref.key)
	old := c.targets[ref]
	if errors.Is(err, store.ErrNotFound) {
		if old != nil {
			c.forgetManagedAlarms(old, nil)
			c.dropTarget(ref, old)
			if d := c.opts.Drivers.For(ref.key.Namespace); d != nil {
				if err := d.Detach(ctx, old.t); err != nil {
					c.log.Warn("engine: detach", "resource_id", ref.key.ResourceID, "err", err)
				}
			}
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("get target: %w", err)
	}
	ps, err := st.ListPolicies(ctx, ref.scope, store.PolicyQuery{Namespace: ref.key.Namespace, ResourceID: ref.key.ResourceID, Dimension: ref.key.Dimension})
	if err != nil {
		return fmt.Errorf("list policies: %w", err)
	}
	as, err := st.ListScheduledActions(ctx, ref.scope, store.ScheduledActionQuery{Namespace: ref.key.Namespace, ResourceID: ref.key.ResourceID, Dimension: ref.key.Dimension})
	if err != nil {
		return fmt.Errorf("list scheduled actions: %w", err)
	}
	e := &targetEntry{t: t, checkRange: true, lastNotScaled: map[string]string{}}
	if old != nil {
		e.attached, e.inflight, e.lastNotScaled, e.cooldowns = old.attached, old.inflight, old.lastNotScaled, old.cooldowns
		c.dropTarget(ref, old)
	}
	for _, p := range ps {
		pe := &policyEntry{p: p, target: e}
		e.policies = append(e.policies, pe)
		c.policyByARN[p.ARN] = pe
		// Managed alarms are written with the policy; load them now so that they are
		// evaluated from this round on.
		for _, a := range p.Alarms {
			if p.TargetTracking != nil {
				if err := c.loadAlarm(ctx, alarmRef{ref.scope, a.AlarmName}); err != nil {
					return err
				}
			}
		}
	}
	for _, a := range as {
		ae, err := c.newActionEntry(ctx, a)
		if err != nil {
			c.log.Error("engine: scheduled action", "action", a.Name, "err", err)
			continue
		}
		e.actions = append(e.actions, ae)
	}
	if old != nil {
		c.forgetManagedAlarms(old, e)
	}
	c.targets[ref] = e
	c.unsettled[e] = struct{}{}
	if e.inflight != nil {
		c.inflights[e] = struct{}{}
	}
	c.indexChanged()
	return nil
}

// forgetManagedAlarms drops from the index the managed alarms of old's policies that now's
// policies no longer have (the API deleted them with their policy or target).
func (c *Controller) forgetManagedAlarms(old, now *targetEntry) {
	keep := map[string]bool{}
	if now != nil {
		for _, p := range now.policies {
			for _, a := range p.p.Alarms {
				keep[a.AlarmName] = p.p.TargetTracking != nil
			}
		}
	}
	for _, p := range old.policies {
		if p.p.TargetTracking == nil {
			continue
		}
		for _, a := range p.p.Alarms {
			if !keep[a.AlarmName] {
				delete(c.alarms, alarmRef{old.t.Scope, a.AlarmName})
				c.indexChanged()
			}
		}
	}
}

func (c *Controller) dropTarget(ref targetRef, e *targetEntry) {
	c.indexChanged()
	delete(c.inflights, e)
	delete(c.unsettled, e)
	for _, p := range e.policies {
		if c.policyByARN[p.p.ARN] == p {
			delete(c.policyByARN, p.p.ARN)
		}
	}
	delete(c.targets, ref)
}

// loadAlarm (re)reads one alarm.
func (c *Controller) loadAlarm(ctx context.Context, ref alarmRef) error {
	b, err := c.opts.Store.GetRecord(ctx, cwalarms.AlarmKey(ref.scope, ref.name))
	if errors.Is(err, store.ErrNotFound) {
		delete(c.alarms, ref)
		c.indexChanged()
		return nil
	} else if err != nil {
		return fmt.Errorf("get alarm: %w", err)
	}
	a, err := cwalarms.Decode(ref.scope, b)
	if err != nil {
		return err
	}
	c.putAlarm(a)
	return nil
}

// putAlarm indexes an alarm definition, keeping the evaluation progress of a known alarm.
func (c *Controller) putAlarm(a *cwalarms.MetricAlarm) {
	ref := alarmRef{a.Scope, a.AlarmName}
	e := &alarmEntry{def: a, state: alarm.State(a.StateValue)}
	if old := c.alarms[ref]; old != nil {
		e.evaluated, e.actedAt = old.evaluated, old.actedAt
	}
	period := time.Duration(a.Period) * time.Second
	for _, q := range a.Metrics {
		if q.ReturnData && q.MetricStat != nil && q.MetricStat.Period > 0 {
			period = q.MetricStat.Period
		}
		if q.ReturnData && q.MetricStat == nil && period == 0 {
			period = q.Period
		}
	}
	if period == 0 {
		for _, q := range a.Metrics {
			if q.MetricStat != nil && q.MetricStat.Period > 0 {
				period = q.MetricStat.Period
				break
			}
		}
	}
	if period <= 0 {
		period = managedalarms.Period * time.Second
	}
	e.period = c.scaled(period)
	e.cfg = alarm.Config{Period: e.period, EvaluationPeriods: int(a.EvaluationPeriods), DatapointsToAlarm: int(a.DatapointsToAlarm),
		Threshold: a.Threshold, Comparison: alarm.ComparisonOperator(a.ComparisonOperator),
		TreatMissingData: alarm.TreatMissingData(a.TreatMissingData)}
	if len(a.Metrics) == 0 {
		stat := a.Statistic
		if stat == "" {
			stat = a.ExtendedStatistic
		}
		e.cfg.Statistic = alarm.Statistic(stat)
		e.stat = &metrics.MetricStat{Metric: metrics.Metric{Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions},
			Period: e.period, Stat: alarm.Statistic(stat), Unit: a.Unit}
	} else {
		for _, q := range a.Metrics {
			if q.MetricStat != nil {
				ms := *q.MetricStat
				ms.Period = c.scaled(ms.Period)
				q.MetricStat = &ms
			}
			if q.Period > 0 {
				q.Period = c.scaled(q.Period)
			}
			e.query = append(e.query, q)
		}
	}
	for _, list := range []struct {
		from []string
		to   *[]string
	}{{a.AlarmActions, &e.onAlarm}, {a.OKActions, &e.onOK}, {a.InsufficientDataActions, &e.onInsufficient}} {
		for _, act := range list.from {
			if arn, ok := managedalarms.PolicyARNOfAction(act); ok {
				*list.to = append(*list.to, arn)
			}
		}
	}
	c.alarms[ref] = e
	c.indexChanged()
}

// newActionEntry indexes a scheduled action with its baseline.
func (c *Controller) newActionEntry(ctx context.Context, a *autoscaling.ScheduledAction) (*actionEntry, error) {
	s, err := schedule.Parse(a.Schedule)
	if err != nil {
		return nil, err
	}
	var loc *time.Location
	if a.Timezone != nil {
		if loc, err = schedule.LoadLocation(*a.Timezone); err != nil {
			return nil, err
		}
	}
	e := &actionEntry{a: a, sched: s, loc: loc}
	if err := c.loadBaseline(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}
