package policy

import (
	"fmt"
	"math"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Adjustment types of step scaling policies.
const (
	ChangeInCapacity        = "ChangeInCapacity"
	PercentChangeInCapacity = "PercentChangeInCapacity"
	ExactCapacity           = "ExactCapacity"
)

// Step decides for a step scaling policy invoked by an alarm whose threshold is threshold, given
// the metric value aggregated with the policy's MetricAggregationType. Time is now on the
// caller's clock; cooldowns are divided by timeScale (<= 0 counts as 1).
//
// The step adjustment whose interval holds metric−threshold applies (see [MatchStep]); its
// adjustment is computed from the current capacity, or, for a scale-out during a scale-out
// cooldown, from the capacity before the cooldown's scale-out, and applied only if the result
// exceeds the current capacity (User Guide: "+3 after a +2" adds 1). The result is kept within
// [Min, Max].
func Step(t Target, cd Cooldowns, cfg *autoscaling.StepScalingPolicyConfiguration, threshold, metric float64, now time.Time, timeScale float64) Decision {
	if cfg == nil || cfg.AdjustmentType == nil || len(cfg.StepAdjustments) == 0 {
		return keep(t, None, "the step scaling policy has no adjustment type or no step adjustments")
	}
	ts := normalizeTimeScale(timeScale)
	if d, ok := intoRange(t); ok {
		return d
	}
	diff := metric - threshold
	s, ok := MatchStep(cfg.StepAdjustments, diff)
	if !ok || s.ScalingAdjustment == nil {
		return keep(t, None, "no step adjustment matches metric %s (threshold %s, difference %s)", num(metric), num(threshold), num(diff))
	}
	step := fmt.Sprintf("step %s matches metric %s (threshold %s)", interval(s, diff), num(metric), num(threshold))
	adj := *s.ScalingAdjustment
	want, valid := applyAdjustment(cfg, t.Current, adj)
	if !valid {
		return keep(t, None, "unknown adjustment type %q", *cfg.AdjustmentType)
	}
	cooldown := StepCooldown(cfg)
	switch {
	case want > t.Current:
		if d, stop := gateOut(t); stop {
			return d
		}
		base, inCooldown, end := outBase(t, cd, now, ts)
		if inCooldown {
			want, _ = applyAdjustment(cfg, base, adj)
			if want <= t.Current {
				return outCooldownKeep(t, cd, base, want, end)
			}
		}
		desired := min(want, t.Max)
		why := fmt.Sprintf("%s: %s %d: %d -> %d", step, *cfg.AdjustmentType, adj, base, want)
		if inCooldown {
			why += fmt.Sprintf(" (computed from the capacity before the scale-out at %s, in its cooldown)", stamp(cd.LastScaleOut))
		}
		if desired < want {
			why += fmt.Sprintf(", capped at the maximum capacity %d", t.Max)
		}
		return Decision{Scale: true, Desired: desired, Direction: Out, Why: why, Cooldown: cooldown}
	case want < t.Current:
		if d, stop := gateIn(t, cd, now, ts); stop {
			return d
		}
		desired := max(want, t.Min)
		why := fmt.Sprintf("%s: %s %d: %d -> %d", step, *cfg.AdjustmentType, adj, t.Current, want)
		if desired > want {
			why += fmt.Sprintf(", raised to the minimum capacity %d", t.Min)
		}
		return Decision{Scale: true, Desired: desired, Direction: In, Why: why, Cooldown: cooldown}
	}
	return atDesired(t, None, "%s: %s %d leaves the capacity at %d", step, *cfg.AdjustmentType, adj, t.Current)
}

// MatchStep returns the step adjustment whose interval holds diff = metric − threshold. Bounds
// are relative to the threshold, a nil bound is infinite. Above the threshold (diff > 0) the
// lower bound is inclusive and the upper exclusive; below it (diff < 0) the lower bound is
// exclusive and the upper inclusive (API Reference, StepAdjustment). At the threshold itself
// (diff = 0) AWS's two examples overlap ("[0, 10): metric >= 50"; "(-10, 0]: metric <= 50"):
// the above-threshold reading is tried first, then the below-threshold one, so a step starting
// at 0 wins over a step ending at 0. NaN matches nothing.
func MatchStep(steps []autoscaling.StepAdjustment, diff float64) (autoscaling.StepAdjustment, bool) {
	if diff >= 0 {
		for _, s := range steps {
			lo, hi := bounds(s)
			if lo <= diff && diff < hi {
				return s, true
			}
		}
	}
	if diff <= 0 {
		for _, s := range steps {
			lo, hi := bounds(s)
			if lo < diff && diff <= hi {
				return s, true
			}
		}
	}
	return autoscaling.StepAdjustment{}, false
}

func bounds(s autoscaling.StepAdjustment) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if s.MetricIntervalLowerBound != nil {
		lo = *s.MetricIntervalLowerBound
	}
	if s.MetricIntervalUpperBound != nil {
		hi = *s.MetricIntervalUpperBound
	}
	return lo, hi
}

// interval renders a step's interval with the brackets that applied to diff.
func interval(s autoscaling.StepAdjustment, diff float64) string {
	lo, hi := bounds(s)
	open, closeB := "[", ")"
	if diff < 0 || (diff == 0 && !(lo <= 0 && 0 < hi)) {
		open, closeB = "(", "]"
	}
	return fmt.Sprintf("%s%s, %s%s", open, num(lo), num(hi), closeB)
}

// applyAdjustment returns the capacity an adjustment gives from base; ok is false for an unknown
// adjustment type.
func applyAdjustment(cfg *autoscaling.StepScalingPolicyConfiguration, base, adj int32) (int32, bool) {
	switch *cfg.AdjustmentType {
	case ChangeInCapacity:
		return addCapacity(base, int64(adj)), true
	case ExactCapacity:
		return max(adj, 0), true
	case PercentChangeInCapacity:
		var mag int32
		if cfg.MinAdjustmentMagnitude != nil {
			mag = *cfg.MinAdjustmentMagnitude
		}
		return addCapacity(base, PercentAdjustment(base, adj, mag)), true
	}
	return base, false
}

// PercentAdjustment returns the change PercentChangeInCapacity makes: percent % of capacity,
// rounded as the User Guide says (values greater than 1 are rounded down, 12.7 → 12; between 0
// and 1 to 1; between 0 and −1 to −1; less than −1 up, −6.67 → −6), then raised in magnitude to
// minMagnitude when that is larger ("25 percent of 4 is 1 [...] with a minimum of 2, adds 2").
// The magnitude applies in the direction of percent.
func PercentAdjustment(capacity, percent, minMagnitude int32) int64 {
	r := RoundPercent(float64(int64(capacity)*int64(percent)) / 100)
	if m := int64(minMagnitude); m > 0 {
		switch {
		case percent > 0 && r < m:
			r = m
		case percent < 0 && r > -m:
			r = -m
		}
	}
	return r
}

// RoundPercent rounds a PercentChangeInCapacity result as the User Guide says: x > 1 down, 0 < x
// < 1 to 1, −1 < x < 0 to −1, x < −1 up (toward zero); integers stay.
func RoundPercent(x float64) int64 {
	switch {
	case math.IsNaN(x) || x == 0:
		return 0
	case x > 0 && x < 1:
		return 1
	case x < 0 && x > -1:
		return -1
	}
	return int64(math.Trunc(math.Max(math.Min(x, math.MaxInt32), -math.MaxInt32)))
}
