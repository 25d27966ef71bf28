package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/google/go-cmp/cmp"
)

func TestTargetTracking(t *testing.T) {
	t.Parallel()
	const five = 300 * time.Second
	cases := []struct {
		name      string
		target    Target
		cd        Cooldowns
		policies  []TTPolicy
		fired     int
		high      bool
		timeScale float64
		want      Decision
		whyHas    string // a phrase the Why must contain
	}{
		// Scale-out.
		{
			name: "scale out proportionally", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want: Decision{Scale: true, Desired: 15, Direction: Out, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale out rounds up", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 76)}, high: true,
			want: Decision{Scale: true, Desired: 16, Direction: Out, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale out adds at least one", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 50.1)}, high: true,
			want: Decision{Scale: true, Desired: 11, Direction: Out, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale out from zero adds one", target: lambda(0, 10, 0),
			policies: []TTPolicy{tt("pc", 0.7, 0.9)}, high: true,
			want: Decision{Scale: true, Desired: 1, Direction: Out, Policy: "pc"},
		},
		{
			name: "lambda scale out with no cooldown", target: lambda(1, 100, 10),
			policies: []TTPolicy{tt("pc", 0.7, 0.9)}, high: true,
			want: Decision{Scale: true, Desired: 13, Direction: Out, Policy: "pc"},
		},
		{
			name: "scale out capped at max", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 150)}, high: true,
			want:   Decision{Scale: true, Desired: 20, Direction: Out, Policy: "cpu", Cooldown: five},
			whyHas: "capped at the maximum capacity 20",
		},
		{
			name: "at max", target: ecs(1, 20, 20),
			policies: []TTPolicy{tt("cpu", 50, 150)}, high: true,
			want: Decision{Desired: 20, Direction: Out, Policy: "cpu", NotScaled: maxReason(20)},
		},
		{
			name: "high alarm but metric back at target", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 50)}, high: true,
			want: Decision{Desired: 10, Direction: Out, Policy: "cpu", NotScaled: desiredReason(10)},
		},
		{
			name: "high alarm with insufficient data", target: ecs(1, 20, 10),
			policies: []TTPolicy{noData("cpu", 50)}, high: true,
			want:   Decision{Desired: 10, Direction: Out, Policy: "cpu"},
			whyHas: "insufficient data",
		},
		{
			name: "policy's own cooldown applies", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 75).cooldowns(45, 600)}, high: true,
			want: Decision{Scale: true, Desired: 15, Direction: Out, Policy: "cpu", Cooldown: 45 * time.Second},
		},
		{
			name: "suspended scale-out", target: suspended(ecs(1, 20, 10), true, false),
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want:   Decision{Desired: 10, Direction: Out, Policy: "cpu"},
			whyHas: "DynamicScalingOutSuspended",
		},
		{
			name: "scale-in suspension does not stop scale-out", target: suspended(ecs(1, 20, 10), false, true),
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want: Decision{Scale: true, Desired: 15, Direction: Out, Policy: "cpu", Cooldown: five},
		},

		// Scale-in.
		{
			name: "scale in proportionally", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Scale: true, Desired: 4, Direction: In, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale in rounds up so the metric stays under target", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 21)},
			want:     Decision{Scale: true, Desired: 5, Direction: In, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale in raised to min", target: ecs(6, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Scale: true, Desired: 6, Direction: In, Policy: "cpu", Cooldown: five},
			whyHas:   "raised to the minimum capacity 6",
		},
		{
			name: "at min", target: ecs(1, 20, 1),
			policies: []TTPolicy{tt("cpu", 50, 1)},
			want:     Decision{Desired: 1, Direction: In, Policy: "cpu", NotScaled: minReason(1)},
		},
		{
			name: "scale in would flap", target: ecs(1, 20, 2),
			policies: []TTPolicy{tt("cpu", 50, 30)},
			want:     Decision{Desired: 2, Direction: In, Policy: "cpu", NotScaled: flapReason(2)},
		},
		{
			name: "low alarm but metric back above target", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 55)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu", NotScaled: desiredReason(10)},
		},
		{
			name: "metric zero scales lambda in to min 0", target: lambda(0, 100, 5),
			policies: []TTPolicy{tt("pc", 0.7, 0)},
			want:     Decision{Scale: true, Desired: 0, Direction: In, Policy: "pc"},
		},
		{
			name: "lambda 0.63 of 0.7 on 10 keeps 9", target: lambda(1, 100, 10),
			policies: []TTPolicy{tt("pc", 0.7, 0.62)},
			want:     Decision{Scale: true, Desired: 9, Direction: In, Policy: "pc"},
		},
		{
			name: "insufficient data never scales in", target: ecs(1, 20, 10),
			policies: []TTPolicy{noData("cpu", 50)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu"},
			whyHas:   "insufficient data",
		},
		{
			name: "suspended scale-in", target: suspended(ecs(1, 20, 10), false, true),
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu"},
			whyHas:   "DynamicScalingInSuspended",
		},
		{
			name: "scale-in disabled on the fired policy", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20).noScaleIn()},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu"},
			whyHas:   "disabled",
		},
		{
			name: "kafka never scales in", target: Target{Namespace: "kafka", Dimension: "kafka:broker-storage:VolumeSize", Min: 1, Max: 1000, Current: 100},
			policies: []TTPolicy{tt("disk", 60, 10)},
			want:     Decision{Desired: 100, Direction: In, Policy: "disk"},
			whyHas:   "kafka",
		},

		// Cooldowns.
		{
			name: "cooldown blocks scale-in", target: ecs(1, 20, 10),
			cd:       Cooldowns{LastScaleIn: ago(100 * time.Second), ScaleInCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu", BlockedUntil: t0.Add(200 * time.Second)},
			whyHas:   "scale-in cooldown",
		},
		{
			name: "scale in once the cooldown is over", target: ecs(1, 20, 10),
			cd:       Cooldowns{LastScaleIn: ago(five), ScaleInCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Scale: true, Desired: 4, Direction: In, Policy: "cpu", Cooldown: five},
		},
		{
			name: "time scale shortens the cooldown", target: ecs(1, 20, 10), timeScale: 10,
			cd:       Cooldowns{LastScaleIn: ago(30 * time.Second), ScaleInCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Scale: true, Desired: 4, Direction: In, Policy: "cpu", Cooldown: five},
		},
		{
			name: "time scale shortens the cooldown but not to nothing", target: ecs(1, 20, 10), timeScale: 10,
			cd:       Cooldowns{LastScaleIn: ago(29 * time.Second), ScaleInCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu", BlockedUntil: t0.Add(time.Second)},
		},
		{
			name: "scale-out cooldown blocks scale-in", target: ecs(1, 20, 10),
			cd:       Cooldowns{LastScaleOut: ago(100 * time.Second), ScaleOutFrom: 8, ScaleOutCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu", BlockedUntil: t0.Add(200 * time.Second)},
			whyHas:   "scale-out cooldown",
		},
		{
			name: "scale-out cancels the scale-in cooldown", target: ecs(1, 20, 10),
			cd: Cooldowns{LastScaleIn: ago(200 * time.Second), ScaleInCooldown: five,
				LastScaleOut: ago(100 * time.Second), ScaleOutFrom: 8, ScaleOutCooldown: 60 * time.Second},
			policies: []TTPolicy{tt("cpu", 50, 20)},
			want:     Decision{Scale: true, Desired: 4, Direction: In, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale out during a scale-in cooldown", target: ecs(1, 20, 10),
			cd:       Cooldowns{LastScaleIn: ago(10 * time.Second), ScaleInCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want: Decision{Scale: true, Desired: 15, Direction: Out, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale-out cooldown: capacity added counts", target: ecs(1, 30, 15),
			cd:       Cooldowns{LastScaleOut: ago(60 * time.Second), ScaleOutFrom: 10, ScaleOutCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want:   Decision{Desired: 15, Direction: Out, Policy: "cpu", BlockedUntil: t0.Add(240 * time.Second)},
			whyHas: "scale-out cooldown",
		},
		{
			name: "scale-out cooldown: a larger scale-out goes ahead", target: ecs(1, 30, 15),
			cd:       Cooldowns{LastScaleOut: ago(60 * time.Second), ScaleOutFrom: 10, ScaleOutCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 100)}, high: true,
			want: Decision{Scale: true, Desired: 20, Direction: Out, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale-out cooldown over: computed from the current capacity", target: ecs(1, 30, 15),
			cd:       Cooldowns{LastScaleOut: ago(five), ScaleOutFrom: 10, ScaleOutCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want: Decision{Scale: true, Desired: 23, Direction: Out, Policy: "cpu", Cooldown: five},
		},
		{
			name: "scale-out cooldown after capacity fell below the old base", target: ecs(1, 30, 8),
			cd:       Cooldowns{LastScaleOut: ago(60 * time.Second), ScaleOutFrom: 10, ScaleOutCooldown: five},
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want: Decision{Scale: true, Desired: 12, Direction: Out, Policy: "cpu", Cooldown: five},
		},

		// Several policies.
		{
			name: "two policies: largest scale-out wins", target: ecs(1, 30, 10),
			policies: []TTPolicy{tt("cpu", 50, 75), tt("mem", 60, 120).cooldowns(30, 30)}, high: true,
			want: Decision{Scale: true, Desired: 20, Direction: Out, Policy: "mem", Cooldown: 30 * time.Second},
		},
		{
			name: "two policies: the fired one may lose to a larger proposal", target: ecs(1, 30, 10),
			policies: []TTPolicy{tt("cpu", 50, 75), tt("mem", 60, 120)}, fired: 0, high: true,
			want: Decision{Scale: true, Desired: 20, Direction: Out, Policy: "mem", Cooldown: five},
		},
		{
			name: "two policies: one without data does not stop scale-out", target: ecs(1, 30, 10),
			policies: []TTPolicy{noData("cpu", 50), tt("mem", 60, 90)}, fired: 1, high: true,
			want: Decision{Scale: true, Desired: 15, Direction: Out, Policy: "mem", Cooldown: five},
		},
		{
			name: "two policies: one blocks scale-in", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20), tt("mem", 60, 70)},
			want:     Decision{Desired: 10, Direction: In, Policy: "mem"},
			whyHas:   "not ready to scale in",
		},
		{
			name: "two policies: the other would flap", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20), tt("mem", 60, 55)},
			want:     Decision{Desired: 10, Direction: In, Policy: "mem", NotScaled: flapReason(10)},
		},
		{
			name: "two policies: both agree, the larger proposal wins", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20), tt("mem", 60, 30).cooldowns(0, 120)},
			want:     Decision{Scale: true, Desired: 5, Direction: In, Policy: "mem", Cooldown: 120 * time.Second},
		},
		{
			name: "two policies: a scale-in-disabled one is ignored", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20), tt("mem", 60, 70).noScaleIn()},
			want:     Decision{Scale: true, Desired: 4, Direction: In, Policy: "cpu", Cooldown: five},
		},
		{
			name: "two policies: insufficient data on the other never scales in", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20), noData("mem", 60)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu"},
			whyHas:   `"mem" has insufficient data`,
		},
		{
			name: "two policies: insufficient data on a scale-in-disabled one does not matter", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 20), noData("mem", 60).noScaleIn()},
			want:     Decision{Scale: true, Desired: 4, Direction: In, Policy: "cpu", Cooldown: five},
		},

		// Out of range, odd input.
		{
			name: "current above max is clamped even on a high alarm", target: ecs(1, 20, 25),
			policies: []TTPolicy{tt("cpu", 50, 75)}, high: true,
			want: Decision{Scale: true, Desired: 20, Direction: In, Policy: "cpu"},
		},
		{
			name: "current below min is clamped even when suspended", target: suspended(ecs(5, 20, 2), true, true),
			policies: []TTPolicy{tt("cpu", 50, 10)},
			want:     Decision{Scale: true, Desired: 5, Direction: Out, Policy: "cpu"},
		},
		{
			name: "fired index out of range", target: ecs(1, 20, 10),
			policies: []TTPolicy{tt("cpu", 50, 75)}, fired: 3, high: true,
			want: Decision{Desired: 10},
		},
		{
			name: "negative target moves one unit", target: Target{Namespace: "custom-resource", Dimension: "custom-resource:ResourceType:Property", Min: 0, Max: 10, Current: 5},
			policies: []TTPolicy{tt("lag", -5, -1)}, high: true,
			want: Decision{Scale: true, Desired: 6, Direction: Out, Policy: "lag", Cooldown: five},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ts := c.timeScale
			if ts == 0 {
				ts = 1
			}
			got := TargetTracking(c.target, c.cd, c.policies, c.fired, c.high, t0, ts)
			if diff := cmp.Diff(c.want, got, diffOpts...); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s\nwhy: %s", diff, got.Why)
			}
			if got.Why == "" {
				t.Error("Why is empty")
			}
			if !strings.Contains(got.Why, c.whyHas) {
				t.Errorf("Why %q does not contain %q", got.Why, c.whyHas)
			}
		})
	}
}

func suspended(t Target, out, in bool) Target {
	t.Suspended = autoscaling.SuspendedState{DynamicScalingOutSuspended: out, DynamicScalingInSuspended: in}
	return t
}

func TestTargetTrackingTimeScaleZeroIsRealTime(t *testing.T) {
	t.Parallel()
	cd := Cooldowns{LastScaleIn: ago(100 * time.Second), ScaleInCooldown: 300 * time.Second}
	for _, ts := range []float64{0, -3, 1} {
		d := TargetTracking(ecs(1, 20, 10), cd, []TTPolicy{tt("cpu", 50, 20)}, 0, false, t0, ts)
		if d.Scale || !d.BlockedUntil.Equal(t0.Add(200*time.Second)) {
			t.Errorf("time scale %v: got %+v, want blocked until +200s", ts, d)
		}
	}
}
