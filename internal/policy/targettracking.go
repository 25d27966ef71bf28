package policy

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// TTPolicy is one target tracking policy of the target and its latest metric value.
type TTPolicy struct {
	// Name is the policy's name.
	Name string
	// Config is the policy's configuration as stored (pointers as the wire gives them).
	Config *autoscaling.TargetTrackingScalingPolicyConfiguration
	// Metric is the latest aggregated value of the policy's metric; HasMetric is false when
	// there is none (insufficient data).
	Metric    float64
	HasMetric bool
}

func (p TTPolicy) target() (float64, bool) {
	if p.Config == nil || p.Config.TargetValue == nil || math.IsNaN(*p.Config.TargetValue) {
		return 0, false
	}
	return *p.Config.TargetValue, true
}

// usable reports whether the policy has a target value and a metric value.
func (p TTPolicy) usable() bool {
	_, ok := p.target()
	return ok && p.HasMetric && !math.IsNaN(p.Metric)
}

func (p TTPolicy) scaleInDisabled(namespace string) bool {
	// MSK: "scale in is disabled and cannot be enabled".
	return namespace == "kafka" || (p.Config != nil && p.Config.DisableScaleIn != nil && *p.Config.DisableScaleIn)
}

// TargetTracking decides for the target when the alarm of policies[fired] is in ALARM: high is
// true for its AlarmHigh (scale out) and false for its AlarmLow (scale in). policies are all the
// target's target tracking policies with their latest metric values. Time is now on the
// caller's clock; cooldowns are divided by timeScale (<= 0 counts as 1).
//
// Scale-out: every policy whose metric is above its target proposes a capacity (see the package
// doc for the formulas), computed from the capacity before the running scale-out cooldown's
// scale-out if there is one; the largest proposal wins and is applied if it exceeds the current
// capacity, capped at Max. Scale-in: only when every policy with scale-in enabled has data and
// proposes less than the current capacity; the largest proposal wins, raised to Min.
func TargetTracking(t Target, cd Cooldowns, policies []TTPolicy, fired int, high bool, now time.Time, timeScale float64) Decision {
	if fired < 0 || fired >= len(policies) {
		return keep(t, None, "no target tracking policy at index %d (of %d)", fired, len(policies))
	}
	fp := policies[fired]
	if _, ok := fp.target(); !ok {
		return keep(t, None, "target tracking policy %q has no target value", fp.Name)
	}
	ts := normalizeTimeScale(timeScale)
	if d, ok := intoRange(t); ok {
		d.Policy = fp.Name
		return d
	}
	if high {
		return ttOut(t, cd, policies, fired, now, ts)
	}
	return ttIn(t, cd, policies, fired, now, ts)
}

func ttOut(t Target, cd Cooldowns, policies []TTPolicy, fired int, now time.Time, ts float64) Decision {
	if d, stop := gateOut(t); stop {
		d.Policy = policies[fired].Name
		return d
	}
	alg := algorithmFor(t.Dimension)
	base, inCooldown, end := outBase(t, cd, now, ts)
	win, want := -1, int32(0)
	for i, p := range policies {
		if !p.usable() {
			continue
		}
		target, _ := p.target()
		v, ok := alg.out(base, p.Metric, target)
		if !ok {
			continue
		}
		if win < 0 || v > want || (v == want && i == fired) {
			win, want = i, v
		}
	}
	fp := policies[fired]
	if win < 0 {
		var d Decision
		if !fp.usable() {
			d = keep(t, Out, "policy %q has insufficient data", fp.Name)
		} else {
			target, _ := fp.target()
			d = atDesired(t, Out, "metric %s of policy %q is not above its target %s", num(fp.Metric), fp.Name, num(target))
		}
		d.Policy = fp.Name
		return d
	}
	wp := policies[win]
	if want <= t.Current {
		var d Decision
		if inCooldown {
			d = outCooldownKeep(t, cd, base, want, end)
		} else {
			d = atDesired(t, Out, "policy %q computes %d, the current capacity", wp.Name, want)
		}
		d.Policy = wp.Name
		return d
	}
	desired := min(want, t.Max)
	out, _ := TargetTrackingCooldowns(t.Namespace, t.Dimension, wp.Config)
	target, _ := wp.target()
	var why strings.Builder
	fmt.Fprintf(&why, "policy %q: metric %s above target %s: %d -> %d", wp.Name, num(wp.Metric), num(target), base, want)
	if inCooldown {
		fmt.Fprintf(&why, " (computed from the capacity before the scale-out at %s, in its cooldown)", stamp(cd.LastScaleOut))
	}
	if desired < want {
		fmt.Fprintf(&why, ", capped at the maximum capacity %d", t.Max)
	}
	return Decision{Scale: true, Desired: desired, Direction: Out, Why: why.String(), Policy: wp.Name, Cooldown: out}
}

func ttIn(t Target, cd Cooldowns, policies []TTPolicy, fired int, now time.Time, ts float64) Decision {
	fp := policies[fired]
	if fp.scaleInDisabled(t.Namespace) {
		d := keep(t, In, "scale-in is disabled for policy %q", fp.Name)
		if t.Namespace == "kafka" {
			d.Why = "scale-in is always disabled for the kafka namespace"
		}
		d.Policy = fp.Name
		return d
	}
	if d, stop := gateIn(t, cd, now, ts); stop {
		d.Policy = fp.Name
		return d
	}
	alg := algorithmFor(t.Dimension)
	win, want := -1, int32(0)
	var flap, notLowOther *TTPolicy
	for i, p := range policies {
		if p.scaleInDisabled(t.Namespace) {
			continue
		}
		if !p.usable() {
			// Insufficient data is never low utilization.
			d := keep(t, In, "policy %q has insufficient data, which never causes scale-in", p.Name)
			d.Policy = fp.Name
			return d
		}
		target, _ := p.target()
		v, verdict := alg.in(t.Current, p.Metric, target)
		switch verdict {
		case notLow:
			if i == fired {
				d := atDesired(t, In, "metric %s of policy %q is not low enough to scale in (target %s)", num(p.Metric), p.Name, num(target))
				d.Policy = p.Name
				return d
			}
			if notLowOther == nil {
				notLowOther = &policies[i]
			}
		case flapping:
			if flap == nil {
				flap = &policies[i]
			}
		}
		if win < 0 || v > want || (v == want && i == fired) {
			win, want = i, v
		}
	}
	if notLowOther != nil {
		target, _ := notLowOther.target()
		d := keep(t, In, "policy %q (metric %s, target %s) is not ready to scale in; scale-in needs every policy with scale-in enabled",
			notLowOther.Name, num(notLowOther.Metric), num(target))
		d.Policy = notLowOther.Name
		return d
	}
	if flap != nil {
		target, _ := flap.target()
		d := flappingKeep(t, "removing capacity would push metric %s of policy %q above its target %s", num(flap.Metric), flap.Name, num(target))
		d.Policy = flap.Name
		return d
	}
	wp := policies[win]
	desired := max(want, t.Min)
	_, in := TargetTrackingCooldowns(t.Namespace, t.Dimension, wp.Config)
	target, _ := wp.target()
	why := fmt.Sprintf("policy %q: metric %s below target %s: %d -> %d", wp.Name, num(wp.Metric), num(target), t.Current, want)
	if desired > want {
		why += fmt.Sprintf(", raised to the minimum capacity %d", t.Min)
	}
	return Decision{Scale: true, Desired: desired, Direction: In, Why: why, Policy: wp.Name, Cooldown: in}
}

// num formats a metric or target value compactly.
func num(v float64) string { return fmt.Sprintf("%g", v) }
