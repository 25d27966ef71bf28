package policy

import (
	"math"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/google/go-cmp/cmp"
)

var null = math.NaN()

// The User Guide's example ("Step adjustments"): a breach threshold of 50 and
// PercentChangeInCapacity policies.
var (
	ugScaleOut = stepConfig(PercentChangeInCapacity, step(0, 10, 0), step(10, 20, 10), step(20, null, 30))
	ugScaleIn  = stepConfig(PercentChangeInCapacity, step(-10, 0, 0), step(-20, -10, -10), step(null, -20, -30))
)

// TestStepUserGuideExample replays the User Guide's walk through its example: 10 → 11 at 60,
// → 14 at 70, → 13 at 40, → 10 at 30, unchanged between 40 and 60 (cooldowns elapsed between
// the steps, as the example assumes).
func TestStepUserGuideExample(t *testing.T) {
	t.Parallel()
	five := 300 * time.Second
	cases := []struct {
		name    string
		cfg     *autoscaling.StepScalingPolicyConfiguration
		current int32
		metric  float64
		want    Decision
	}{
		{"metric gets to 60: add 10 percent of 10", ugScaleOut, 10, 60, Decision{Scale: true, Desired: 11, Direction: Out, Cooldown: five}},
		{"metric rises to 70: add 30 percent of 11, 3.3 rounded down to 3", ugScaleOut, 11, 70, Decision{Scale: true, Desired: 14, Direction: Out, Cooldown: five}},
		{"metric gets to 40: remove 10 percent of 14, 1.4 rounded down to 1", ugScaleIn, 14, 40, Decision{Scale: true, Desired: 13, Direction: In, Cooldown: five}},
		{"metric falls to 30: remove 30 percent of 13, 3.9 rounded down to 3", ugScaleIn, 13, 30, Decision{Scale: true, Desired: 10, Direction: In, Cooldown: five}},
		{"metric 55 keeps the capacity", ugScaleOut, 10, 55, Decision{Desired: 10, NotScaled: desiredReason(10)}},
		{"metric 45 keeps the capacity", ugScaleIn, 10, 45, Decision{Desired: 10, NotScaled: desiredReason(10)}},
		{"metric 59.99 keeps the capacity", ugScaleOut, 10, 59.99, Decision{Desired: 10, NotScaled: desiredReason(10)}},
		{"metric 40.01 keeps the capacity", ugScaleIn, 10, 40.01, Decision{Desired: 10, NotScaled: desiredReason(10)}},
		{"metric 50 on the scale-out policy keeps the capacity", ugScaleOut, 10, 50, Decision{Desired: 10, NotScaled: desiredReason(10)}},
		{"metric 50 on the scale-in policy keeps the capacity", ugScaleIn, 10, 50, Decision{Desired: 10, NotScaled: desiredReason(10)}},
		{"metric below the scale-out policy's steps", ugScaleOut, 10, 49, Decision{Desired: 10}},
		{"metric above the scale-in policy's steps", ugScaleIn, 10, 51, Decision{Desired: 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Step(ecs(1, 100, c.current), Cooldowns{}, c.cfg, 50, c.metric, t0, 1)
			if diff := cmp.Diff(c.want, got, diffOpts...); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s\nwhy: %s", diff, got.Why)
			}
		})
	}
}

// TestMatchStep checks every interval boundary: above the threshold lower bounds are inclusive
// and upper bounds exclusive, below it the reverse (API Reference, StepAdjustment: with a
// threshold of 50, [0, 10) is "greater than or equal to 50 and less than 60", (−10, 0] is
// "greater than 40 and less than or equal to 50").
func TestMatchStep(t *testing.T) {
	t.Parallel()
	both := []autoscaling.StepAdjustment{step(null, -20, -3), step(-20, -10, -2), step(-10, 0, -1), step(0, 10, 1), step(10, 20, 2), step(20, null, 3)}
	straddle := []autoscaling.StepAdjustment{step(null, -5, -1), step(-5, 5, 0), step(5, null, 1)}
	cases := []struct {
		name  string
		steps []autoscaling.StepAdjustment
		diff  float64
		want  int32 // the matched ScalingAdjustment; 99 = none
	}{
		{"api: metric 50 is in [0, 10)", ugScaleOut.StepAdjustments, 0, 0},
		{"api: metric 60 is not in [0, 10)", ugScaleOut.StepAdjustments, 10, 10},
		{"api: metric 59.999 is in [0, 10)", ugScaleOut.StepAdjustments, 9.999, 0},
		{"api: metric 50 is in (-10, 0]", ugScaleIn.StepAdjustments, 0, 0},
		{"api: metric 40 is not in (-10, 0]", ugScaleIn.StepAdjustments, -10, -10},
		{"api: metric 40.001 is in (-10, 0]", ugScaleIn.StepAdjustments, -9.999, 0},
		{"above: upper bound 20 is exclusive", ugScaleOut.StepAdjustments, 19.999, 10},
		{"above: lower bound 20 is inclusive", ugScaleOut.StepAdjustments, 20, 30},
		{"above: null upper bound is infinite", ugScaleOut.StepAdjustments, 1e12, 30},
		{"below: upper bound -20 is inclusive", ugScaleIn.StepAdjustments, -20, -30},
		{"below: lower bound -20 is exclusive", ugScaleIn.StepAdjustments, -19.999, -10},
		{"below: null lower bound is infinite", ugScaleIn.StepAdjustments, -1e12, -30},
		{"below the scale-out steps", ugScaleOut.StepAdjustments, -0.001, 99},
		{"above the scale-in steps", ugScaleIn.StepAdjustments, 0.001, 99},
		{"both sides: at the threshold the step starting at 0 wins", both, 0, 1},
		{"both sides: just below the threshold", both, -1e-9, -1},
		{"both sides: 10 above", both, 10, 2},
		{"both sides: 10 below (upper bound inclusive)", both, -10, -2},
		{"both sides: 20 below (upper bound inclusive)", both, -20, -3},
		{"both sides: 20 above", both, 20, 3},
		{"straddling step: at the threshold", straddle, 0, 0},
		{"straddling step: 5 above (lower bound inclusive)", straddle, 5, 1},
		{"straddling step: 5 below (upper bound inclusive)", straddle, -5, -1},
		{"straddling step: 4.9 below", straddle, -4.9, 0},
		{"NaN matches nothing", both, math.NaN(), 99},
		{"no steps", nil, 3, 99},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, ok := MatchStep(c.steps, c.diff)
			got := int32(99)
			if ok {
				got = *s.ScalingAdjustment
			}
			if got != c.want {
				t.Errorf("MatchStep(diff %v) = %d, want %d", c.diff, got, c.want)
			}
		})
	}
}

// TestRoundPercent checks the User Guide's rounding of PercentChangeInCapacity results.
func TestRoundPercent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		x    float64
		want int64
	}{
		{12.7, 12},  // "12.7 is rounded to 12"
		{0.67, 1},   // ".67 is rounded to 1"
		{-0.58, -1}, // "-.58 is rounded to -1"
		{-6.67, -6}, // "-6.67 is rounded to -6"
		{3.3, 3}, {-1.4, -1}, {-3.9, -3}, {1.0, 1}, {-1.0, -1}, {0, 0}, {2, 2}, {-2, -2}, {1.0001, 1}, {-1.0001, -1},
		{math.NaN(), 0}, {1e30, math.MaxInt32}, {-1e30, -math.MaxInt32},
	}
	for _, c := range cases {
		if got := RoundPercent(c.x); got != c.want {
			t.Errorf("RoundPercent(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}

func TestPercentAdjustment(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                  string
		capacity, pct, minMag int32
		want                  int64
	}{
		{"10 percent of 10 adds 1", 10, 10, 0, 1},
		{"25 percent of 4 is 1", 4, 25, 0, 1},
		{"25 percent of 4 with MinAdjustmentMagnitude 2 adds 2", 4, 25, 2, 2},
		{"MinAdjustmentMagnitude does not shrink a larger move", 40, 25, 2, 10},
		{"MinAdjustmentMagnitude applies to removals", 10, -5, 2, -2},
		{"a small removal rounds to -1", 10, -5, 0, -1},
		{"a small addition rounds to 1", 3, 10, 0, 1},
		{"127 by 10 percent, 12.7, adds 12", 127, 10, 0, 12},
		{"667 by -1 percent, -6.67, removes 6", 667, -1, 0, -6},
		{"zero percent", 10, 0, 0, 0},
		{"zero capacity", 0, 50, 0, 0},
		{"zero capacity with a magnitude", 0, 50, 1, 1},
	}
	for _, c := range cases {
		if got := PercentAdjustment(c.capacity, c.pct, c.minMag); got != c.want {
			t.Errorf("%s: PercentAdjustment(%d, %d, %d) = %d, want %d", c.name, c.capacity, c.pct, c.minMag, got, c.want)
		}
	}
}

func TestStep(t *testing.T) {
	t.Parallel()
	five := 300 * time.Second
	withCooldown := func(c *autoscaling.StepScalingPolicyConfiguration, s int32) *autoscaling.StepScalingPolicyConfiguration {
		cc := *c
		cc.Cooldown = i32(s)
		return &cc
	}
	withMag := func(c *autoscaling.StepScalingPolicyConfiguration, m int32) *autoscaling.StepScalingPolicyConfiguration {
		cc := *c
		cc.MinAdjustmentMagnitude = i32(m)
		return &cc
	}
	plus := func(n int32) *autoscaling.StepScalingPolicyConfiguration {
		return stepConfig(ChangeInCapacity, step(0, null, n))
	}
	minus := func(n int32) *autoscaling.StepScalingPolicyConfiguration {
		return stepConfig(ChangeInCapacity, step(null, 0, -n))
	}
	exact := func(n int32) *autoscaling.StepScalingPolicyConfiguration {
		return stepConfig(ExactCapacity, step(0, null, n))
	}
	cases := []struct {
		name   string
		target Target
		cd     Cooldowns
		cfg    *autoscaling.StepScalingPolicyConfiguration
		metric float64 // threshold is 50
		want   Decision
		whyHas string
	}{
		{name: "ChangeInCapacity: 3 and 5 make 8", target: ecs(0, 20, 3), cfg: plus(5), metric: 60,
			want: Decision{Scale: true, Desired: 8, Direction: Out, Cooldown: five}},
		{name: "ExactCapacity: 3 to 5", target: ecs(0, 20, 3), cfg: exact(5), metric: 60,
			want: Decision{Scale: true, Desired: 5, Direction: Out, Cooldown: five}},
		{name: "ExactCapacity below current scales in", target: ecs(0, 20, 8), cfg: exact(5), metric: 60,
			want: Decision{Scale: true, Desired: 5, Direction: In, Cooldown: five}},
		{name: "ExactCapacity equal to current", target: ecs(0, 20, 5), cfg: exact(5), metric: 60,
			want: Decision{Desired: 5, NotScaled: desiredReason(5)}},
		{name: "ExactCapacity above max is capped", target: ecs(0, 20, 5), cfg: exact(50), metric: 60,
			want: Decision{Scale: true, Desired: 20, Direction: Out, Cooldown: five}, whyHas: "capped"},
		{name: "PercentChangeInCapacity: 10 percent of 10 adds 1",
			target: ecs(0, 20, 10), cfg: stepConfig(PercentChangeInCapacity, step(0, null, 10)), metric: 60,
			want: Decision{Scale: true, Desired: 11, Direction: Out, Cooldown: five}},
		{name: "MinAdjustmentMagnitude: 25 percent of 4 with 2 adds 2",
			target: ecs(0, 20, 4), cfg: withMag(stepConfig(PercentChangeInCapacity, step(0, null, 25)), 2), metric: 60,
			want: Decision{Scale: true, Desired: 6, Direction: Out, Cooldown: five}},
		{name: "policy cooldown", target: ecs(0, 20, 3), cfg: withCooldown(plus(1), 60), metric: 60,
			want: Decision{Scale: true, Desired: 4, Direction: Out, Cooldown: time.Minute}},
		{name: "policy cooldown 0", target: ecs(0, 20, 3), cfg: withCooldown(plus(1), 0), metric: 60,
			want: Decision{Scale: true, Desired: 4, Direction: Out}},
		{name: "at max", target: ecs(0, 20, 20), cfg: plus(2), metric: 60,
			want: Decision{Desired: 20, Direction: Out, NotScaled: maxReason(20)}},
		{name: "scale out capped at max", target: ecs(0, 20, 19), cfg: plus(2), metric: 60,
			want: Decision{Scale: true, Desired: 20, Direction: Out, Cooldown: five}},
		{name: "at min", target: ecs(2, 20, 2), cfg: minus(2), metric: 40,
			want: Decision{Desired: 2, Direction: In, NotScaled: minReason(2)}},
		{name: "scale in raised to min", target: ecs(1, 20, 3), cfg: minus(10), metric: 40,
			want: Decision{Scale: true, Desired: 1, Direction: In, Cooldown: five}},
		{name: "no matching step", target: ecs(0, 20, 3), cfg: plus(2), metric: 40,
			want: Decision{Desired: 3}, whyHas: "no step adjustment matches"},
		{name: "zero adjustment", target: ecs(0, 20, 3), cfg: plus(0), metric: 60,
			want: Decision{Desired: 3, NotScaled: desiredReason(3)}},
		{name: "missing adjustment type", target: ecs(0, 20, 3), cfg: &autoscaling.StepScalingPolicyConfiguration{StepAdjustments: plus(1).StepAdjustments}, metric: 60,
			want: Decision{Desired: 3}},
		{name: "unknown adjustment type", target: ecs(0, 20, 3), cfg: stepConfig("Bogus", step(0, null, 1)), metric: 60,
			want: Decision{Desired: 3}},
		{name: "nil configuration", target: ecs(0, 20, 3), metric: 60, want: Decision{Desired: 3}},
		{name: "suspended scale-out", target: suspended(ecs(0, 20, 3), true, false), cfg: plus(2), metric: 60,
			want: Decision{Desired: 3, Direction: Out}, whyHas: "DynamicScalingOutSuspended"},
		{name: "suspended scale-in", target: suspended(ecs(0, 20, 3), false, true), cfg: minus(2), metric: 40,
			want: Decision{Desired: 3, Direction: In}, whyHas: "DynamicScalingInSuspended"},
		{name: "current outside the range is clamped first", target: ecs(5, 20, 3), cfg: minus(2), metric: 40,
			want: Decision{Scale: true, Desired: 5, Direction: Out}},

		// Cooldowns.
		{name: "alarm asks +3 after a +2 -> +1", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleOut: ago(time.Minute), ScaleOutFrom: 10, ScaleOutCooldown: five},
			cfg: plus(3), metric: 60,
			want: Decision{Scale: true, Desired: 13, Direction: Out, Cooldown: five}},
		{name: "alarm asks +2 again during the cooldown of a +2", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleOut: ago(time.Minute), ScaleOutFrom: 10, ScaleOutCooldown: five},
			cfg: plus(2), metric: 60,
			want:   Decision{Desired: 12, Direction: Out, BlockedUntil: t0.Add(4 * time.Minute)},
			whyHas: "scale-out cooldown"},
		{name: "alarm asks +2 after the cooldown of a +2", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleOut: ago(five), ScaleOutFrom: 10, ScaleOutCooldown: five},
			cfg: plus(2), metric: 60,
			want: Decision{Scale: true, Desired: 14, Direction: Out, Cooldown: five}},
		{name: "percent during a scale-out cooldown is computed from the old capacity", target: ecs(0, 100, 11),
			cd:  Cooldowns{LastScaleOut: ago(time.Minute), ScaleOutFrom: 10, ScaleOutCooldown: five},
			cfg: ugScaleOut, metric: 70,
			want: Decision{Scale: true, Desired: 13, Direction: Out, Cooldown: five}},
		{name: "ExactCapacity above current goes ahead in a scale-out cooldown", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleOut: ago(time.Minute), ScaleOutFrom: 10, ScaleOutCooldown: five},
			cfg: exact(15), metric: 60,
			want: Decision{Scale: true, Desired: 15, Direction: Out, Cooldown: five}},
		{name: "cooldown blocks scale-in", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleIn: ago(time.Minute), ScaleInCooldown: five},
			cfg: minus(1), metric: 40,
			want: Decision{Desired: 12, Direction: In, BlockedUntil: t0.Add(4 * time.Minute)}},
		{name: "scale-out cooldown blocks scale-in", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleOut: ago(time.Minute), ScaleOutFrom: 10, ScaleOutCooldown: five},
			cfg: minus(1), metric: 40,
			want: Decision{Desired: 12, Direction: In, BlockedUntil: t0.Add(4 * time.Minute)}},
		{name: "scale out during a scale-in cooldown", target: ecs(0, 20, 12),
			cd:  Cooldowns{LastScaleIn: ago(time.Minute), ScaleInCooldown: five},
			cfg: plus(1), metric: 60,
			want: Decision{Scale: true, Desired: 13, Direction: Out, Cooldown: five}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Step(c.target, c.cd, c.cfg, 50, c.metric, t0, 1)
			if diff := cmp.Diff(c.want, got, diffOpts...); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s\nwhy: %s", diff, got.Why)
			}
			if got.Why == "" {
				t.Error("Why is empty")
			}
			if c.whyHas != "" && !contains(got.Why, c.whyHas) {
				t.Errorf("Why %q does not contain %q", got.Why, c.whyHas)
			}
		})
	}
}
