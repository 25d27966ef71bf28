package policy

import (
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// StepDefaultCooldown is the cooldown of a step scaling policy whose Cooldown is omitted
// (API Reference, StepScalingPolicyConfiguration: "If not specified, the default value is 300").
const StepDefaultCooldown = 300 * time.Second

// DefaultCooldowns returns the namespace's default target tracking cooldowns, used when a
// policy omits ScaleOutCooldown or ScaleInCooldown (API Reference,
// TargetTrackingScalingPolicyConfiguration): 600 s for ElastiCache, 0 for Lambda, Comprehend,
// DynamoDB, Keyspaces and MSK, 300 s for the rest (and for unknown namespaces). The ElastiCache
// user guide's 600 s out / 900 s in conflicts with the API Reference; the API Reference wins.
// Memcached cache clusters are not documented and share ElastiCache's 600 s.
func DefaultCooldowns(namespace, dimension string) (scaleOut, scaleIn time.Duration) {
	d := 300 * time.Second
	if ns, ok := autoscaling.Namespace(namespace); ok {
		d = time.Duration(ns.DefaultCooldownSeconds) * time.Second
	}
	return d, d
}

// TargetTrackingCooldowns returns a target tracking policy's cooldowns: its ScaleOutCooldown and
// ScaleInCooldown in seconds, or the namespace's defaults for the ones it omits.
func TargetTrackingCooldowns(namespace, dimension string, cfg *autoscaling.TargetTrackingScalingPolicyConfiguration) (scaleOut, scaleIn time.Duration) {
	scaleOut, scaleIn = DefaultCooldowns(namespace, dimension)
	if cfg == nil {
		return scaleOut, scaleIn
	}
	if cfg.ScaleOutCooldown != nil {
		scaleOut = seconds(*cfg.ScaleOutCooldown)
	}
	if cfg.ScaleInCooldown != nil {
		scaleIn = seconds(*cfg.ScaleInCooldown)
	}
	return scaleOut, scaleIn
}

// StepCooldown returns a step scaling policy's cooldown: its Cooldown in seconds, or
// StepDefaultCooldown.
func StepCooldown(cfg *autoscaling.StepScalingPolicyConfiguration) time.Duration {
	if cfg == nil || cfg.Cooldown == nil {
		return StepDefaultCooldown
	}
	return seconds(*cfg.Cooldown)
}

// ScaleDuration divides an AWS-defined duration by the server's time scale (a time scale of zero
// or less counts as 1).
func ScaleDuration(d time.Duration, timeScale float64) time.Duration {
	return time.Duration(float64(d) / normalizeTimeScale(timeScale))
}

func seconds(s int32) time.Duration {
	if s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// scaleOutCooldown reports whether a scale-out cooldown is running at now, and when it ends.
func (cd Cooldowns) scaleOutCooldown(now time.Time, ts float64) (bool, time.Time) {
	if cd.LastScaleOut.IsZero() {
		return false, time.Time{}
	}
	end := cd.LastScaleOut.Add(ScaleDuration(cd.ScaleOutCooldown, ts))
	return now.Before(end), end
}

// scaleInCooldown reports whether a scale-in cooldown is running at now, and when it ends. A
// scale-out after the last scale-in cancels it.
func (cd Cooldowns) scaleInCooldown(now time.Time, ts float64) (bool, time.Time) {
	if cd.LastScaleIn.IsZero() || cd.LastScaleOut.After(cd.LastScaleIn) {
		return false, time.Time{}
	}
	end := cd.LastScaleIn.Add(ScaleDuration(cd.ScaleInCooldown, ts))
	return now.Before(end), end
}

// outBase returns the capacity a scale-out is computed from: the current capacity, or during a
// scale-out cooldown the capacity before the scale-out that started it (so that the capacity it
// added counts), whichever is smaller. inCooldown tells whether the base moved because of a
// cooldown, and end when that cooldown ends.
func outBase(t Target, cd Cooldowns, now time.Time, ts float64) (base int32, inCooldown bool, end time.Time) {
	active, end := cd.scaleOutCooldown(now, ts)
	if !active || cd.ScaleOutFrom >= t.Current {
		return t.Current, false, time.Time{}
	}
	return max(cd.ScaleOutFrom, 0), true, end
}

// gateOut stops a scale-out for suspension or the maximum capacity.
func gateOut(t Target) (Decision, bool) {
	if t.Suspended.DynamicScalingOutSuspended {
		return keep(t, Out, "dynamic scale-out is suspended (DynamicScalingOutSuspended)"), true
	}
	if t.Current >= t.Max {
		return atMax(t), true
	}
	return Decision{}, false
}

// gateIn stops a scale-in for suspension, the minimum capacity or a cooldown.
func gateIn(t Target, cd Cooldowns, now time.Time, ts float64) (Decision, bool) {
	if t.Suspended.DynamicScalingInSuspended {
		return keep(t, In, "dynamic scale-in is suspended (DynamicScalingInSuspended)"), true
	}
	if t.Current <= t.Min {
		return atMin(t), true
	}
	if active, end := cd.scaleInCooldown(now, ts); active {
		d := keep(t, In, "scale-in cooldown of the scale-in at %s runs until %s", stamp(cd.LastScaleIn), stamp(end))
		d.BlockedUntil = end
		return d, true
	}
	if active, end := cd.scaleOutCooldown(now, ts); active {
		d := keep(t, In, "scale-in waits for the scale-out cooldown of the scale-out at %s, which runs until %s", stamp(cd.LastScaleOut), stamp(end))
		d.BlockedUntil = end
		return d, true
	}
	return Decision{}, false
}

// outCooldownKeep is the decision when, during a scale-out cooldown, the capacity computed from
// the capacity before the cooldown's scale-out does not exceed the current capacity.
func outCooldownKeep(t Target, cd Cooldowns, base, want int32, end time.Time) Decision {
	d := keep(t, Out, "scale-out cooldown until %s: the capacity added by the scale-out at %s counts; %d computed from %d does not exceed the current %d",
		stamp(end), stamp(cd.LastScaleOut), want, base, t.Current)
	d.BlockedUntil = end
	return d
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
