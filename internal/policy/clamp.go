package policy

import (
	"fmt"
	"math"
)

// Clamp moves capacity into [min, max], as RegisterScalableTarget (a new range) and scheduled
// actions do: it returns the new capacity and whether it differs from current. Should min
// exceed max (validation rejects that) min wins.
func Clamp(min, max, current int32) (int32, bool) {
	c := current
	if c > max {
		c = max
	}
	if c < min {
		c = min
	}
	return c, c != current
}

// intoRange is the decision for a target whose current capacity lies outside [Min, Max]: move it
// to the nearest bound, whatever the alarm, the cooldowns or the suspension flags.
func intoRange(t Target) (Decision, bool) {
	c, changed := Clamp(t.Min, t.Max, t.Current)
	if !changed {
		return Decision{}, false
	}
	dir := In
	if c > t.Current {
		dir = Out
	}
	return Decision{
		Scale: true, Desired: c, Direction: dir,
		Why: fmt.Sprintf("current capacity %d is outside [%d, %d]: moving it to %d", t.Current, t.Min, t.Max, c),
	}, true
}

// toCapacity converts a computed capacity to int32, bounded to [0, MaxInt32]; NaN gives 0.
func toCapacity(x float64) int32 {
	switch {
	case !(x > 0):
		return 0
	case x >= math.MaxInt32:
		return math.MaxInt32
	}
	return int32(x)
}

// addCapacity returns a+b bounded to [0, MaxInt32].
func addCapacity(a int32, b int64) int32 {
	s := int64(a) + b
	switch {
	case s < 0:
		return 0
	case s > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(s)
}

// ceilTol is math.Ceil forgiving a relative error of 1e-9, so that products like 0.3·50 that
// land a hair above an integer are not pushed to the next one.
func ceilTol(x float64) float64 {
	return math.Ceil(x - 1e-9*math.Max(1, math.Abs(x)))
}
