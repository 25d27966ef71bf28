package controller

import (
	"context"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/policy"
)

// invoke runs a scaling policy that an alarm's action invoked.
func (c *Controller) invoke(ctx context.Context, now time.Time, ae *alarmEntry, pe *policyEntry) {
	te := pe.target
	t := te.t
	p := pe.p
	log := c.log.With("resource_id", t.ResourceID, "policy", p.Name, "alarm", ae.def.AlarmName)
	capacity, err := c.opts.Drivers.For(t.Namespace).Capacity(ctx, t)
	if err != nil {
		log.Warn("engine: read capacity", "err", err)
		return
	}
	cd, err := c.cooldowns(ctx, te)
	if err != nil {
		log.Warn("engine: read cooldowns", "err", err)
		return
	}
	in := policy.Target{Namespace: t.Namespace, Dimension: t.Dimension, Min: t.MinCapacity, Max: t.MaxCapacity,
		Current: capacity.Desired, Suspended: t.Suspended}
	var dec policy.Decision
	switch {
	case p.TargetTracking != nil:
		tts, fired := c.trackingInputs(te, pe)
		high := strings.Contains(ae.def.AlarmName, "-AlarmHigh-")
		dec = policy.TargetTracking(in, cd, tts, fired, high, now, c.scale)
	case p.StepScaling != nil:
		metric, ok := aggregate(ae.points, p.StepScaling.MetricAggregationType)
		if !ok {
			// No datapoint (an alarm put in ALARM with SetAlarmState): the metric is taken to
			// be at the threshold, so the step whose interval holds 0 applies.
			metric = ae.def.Threshold
		}
		dec = policy.Step(in, cd, p.StepScaling, ae.def.Threshold, metric, now, c.scale)
	default:
		return
	}
	cause := policy.AlarmCause(ae.def.AlarmName, p.Name)
	if !dec.Scale {
		log.Debug("engine: not scaled", "why", dec.Why, "current", capacity.Desired)
		if len(dec.NotScaled) > 0 {
			code := dec.NotScaled[0].Code
			if te.lastNotScaled[p.ARN] == code {
				return
			}
			te.lastNotScaled[p.ARN] = code
			c.recordNotScaled(ctx, t, now, cause, dec)
		}
		return
	}
	delete(te.lastNotScaled, p.ARN)
	// Remember the cooldown this scaling starts.
	next := cd
	switch dec.Direction {
	case policy.Out:
		next.LastScaleOut, next.ScaleOutFrom, next.ScaleOutCooldown = now, capacity.Desired, dec.Cooldown
	case policy.In:
		next.LastScaleIn, next.ScaleInCooldown = now, dec.Cooldown
	}
	if c.scaleTo(ctx, te, now, dec.Desired, cause, "", &next) {
		log.Info("engine: scaling", "from", capacity.Desired, "to", dec.Desired)
	}
}

// trackingInputs lists the target's target tracking policies with their latest metric values,
// and the index of pe among them.
func (c *Controller) trackingInputs(te *targetEntry, pe *policyEntry) ([]policy.TTPolicy, int) {
	var out []policy.TTPolicy
	fired := -1
	for _, q := range te.policies {
		if q.p.TargetTracking == nil {
			continue
		}
		if q == pe {
			fired = len(out)
		}
		tp := policy.TTPolicy{Name: q.p.Name, Config: q.p.TargetTracking}
		// The newest datapoint of either managed alarm (both track the same metric).
		var newest time.Time
		for _, a := range q.p.Alarms {
			e := c.alarms[alarmRef{q.p.Scope, a.AlarmName}]
			if e == nil || !e.hasLatest {
				continue
			}
			for _, d := range e.points {
				if !d.Start.Before(newest) {
					newest, tp.Metric, tp.HasMetric = d.Start, d.Value, true
				}
			}
		}
		out = append(out, tp)
	}
	return out, fired
}

// aggregate applies a step policy's MetricAggregationType (Average by default) to the
// datapoints the alarm evaluated.
func aggregate(points []alarm.Datapoint, kind *string) (float64, bool) {
	if len(points) == 0 {
		return 0, false
	}
	k := "Average"
	if kind != nil {
		k = *kind
	}
	v := points[0].Value
	sum := 0.0
	for _, p := range points {
		sum += p.Value
		switch k {
		case "Minimum":
			v = min(v, p.Value)
		case "Maximum":
			v = max(v, p.Value)
		}
	}
	if k == "Average" {
		v = sum / float64(len(points))
	}
	return v, true
}

// cooldowns returns the target's remembered cooldowns, read from the store once.
func (c *Controller) cooldowns(ctx context.Context, te *targetEntry) (policy.Cooldowns, error) {
	if te.cooldowns == nil {
		var cd enginestate.Cooldowns
		b, err := c.opts.Store.GetRecord(ctx, enginestate.CooldownKey(te.t.ID))
		if err == nil {
			if err := jsonUnmarshal(b, &cd); err != nil {
				return policy.Cooldowns{}, err
			}
		} else if !isNotFound(err) {
			return policy.Cooldowns{}, err
		}
		te.cooldowns = &cd
	}
	cd := te.cooldowns
	return policy.Cooldowns{LastScaleOut: cd.LastScaleOut, ScaleOutFrom: cd.ScaleOutFrom, ScaleOutCooldown: cd.ScaleOutCooldown,
		LastScaleIn: cd.LastScaleIn, ScaleInCooldown: cd.ScaleInCooldown}, nil
}
