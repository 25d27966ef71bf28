package policy

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

var propertyDimensions = []Target{
	ecs(0, 0, 0), lambda(0, 0, 0), shards(0, 0, 0), replicas(0, 0, 0),
	{Namespace: "kafka", Dimension: "kafka:broker-storage:VolumeSize"},
}

func randomTarget(rng *rand.Rand) Target {
	t := propertyDimensions[rng.IntN(len(propertyDimensions))]
	t.Min = int32(rng.IntN(20))
	t.Max = t.Min + int32(rng.IntN(60))
	t.Current = int32(rng.IntN(int(t.Max) + 10)) // sometimes outside [Min, Max]
	t.Suspended = autoscaling.SuspendedState{DynamicScalingOutSuspended: rng.IntN(5) == 0, DynamicScalingInSuspended: rng.IntN(5) == 0}
	return t
}

func randomCooldowns(rng *rand.Rand, current int32) Cooldowns {
	var cd Cooldowns
	if rng.IntN(2) == 0 {
		cd.LastScaleOut = ago(time.Duration(rng.IntN(900)) * time.Second)
		cd.ScaleOutFrom = max(0, current-int32(rng.IntN(10)))
		cd.ScaleOutCooldown = time.Duration(rng.IntN(600)) * time.Second
	}
	if rng.IntN(2) == 0 {
		cd.LastScaleIn = ago(time.Duration(rng.IntN(900)) * time.Second)
		cd.ScaleInCooldown = time.Duration(rng.IntN(600)) * time.Second
	}
	return cd
}

func randomPolicies(rng *rand.Rand) []TTPolicy {
	ps := make([]TTPolicy, 1+rng.IntN(3))
	for i := range ps {
		target := 10 + rng.Float64()*90
		if rng.IntN(20) == 0 {
			target = -rng.Float64() * 10
		}
		ps[i] = tt(string(rune('a'+i)), target, rng.Float64()*250)
		switch rng.IntN(8) {
		case 0:
			ps[i].HasMetric = false
		case 1:
			ps[i] = ps[i].noScaleIn()
		}
	}
	return ps
}

// checkDecision checks what holds for every decision: a scaled capacity lies within [Min, Max]
// and differs from the current one, and a decision not to scale keeps the current capacity and
// explains itself; a current capacity outside the range is always moved into it.
func checkDecision(t *testing.T, tg Target, d Decision, ctx func() string) {
	t.Helper()
	if d.Why == "" {
		t.Fatalf("empty Why: %s", ctx())
	}
	if _, out := Clamp(tg.Min, tg.Max, tg.Current); out {
		if !d.Scale {
			t.Fatalf("current %d outside [%d, %d] not moved: %+v; %s", tg.Current, tg.Min, tg.Max, d, ctx())
		}
	}
	if d.Scale {
		if d.Desired < tg.Min || d.Desired > tg.Max {
			t.Fatalf("desired %d outside [%d, %d]: %s", d.Desired, tg.Min, tg.Max, ctx())
		}
		if d.Desired == tg.Current {
			t.Fatalf("scaled to the current capacity: %s", ctx())
		}
		if (d.Direction == Out) != (d.Desired > tg.Current) || d.Direction == None {
			t.Fatalf("direction %v for %d -> %d: %s", d.Direction, tg.Current, d.Desired, ctx())
		}
		if len(d.NotScaled) > 0 {
			t.Fatalf("reasons on a scaled decision: %s", ctx())
		}
		return
	}
	if d.Desired != tg.Current {
		t.Fatalf("not scaled but desired %d != current %d: %s", d.Desired, tg.Current, ctx())
	}
	for _, r := range d.NotScaled {
		switch r.Code {
		case CodeAlreadyAtMaxCapacity:
			if r.MaxCapacity == nil || *r.MaxCapacity != tg.Max || tg.Current != tg.Max {
				t.Fatalf("AlreadyAtMaxCapacity at %d of max %d: %s", tg.Current, tg.Max, ctx())
			}
		case CodeAlreadyAtMinCapacity:
			if r.MinCapacity == nil || *r.MinCapacity != tg.Min || tg.Current != tg.Min {
				t.Fatalf("AlreadyAtMinCapacity at %d of min %d: %s", tg.Current, tg.Min, ctx())
			}
		case CodeAlreadyAtDesiredCapacity, CodeAutoScalingAnticipatedFlapping:
			if r.CurrentCapacity == nil || *r.CurrentCapacity != tg.Current {
				t.Fatalf("%s without the current capacity: %s", r.Code, ctx())
			}
		default:
			t.Fatalf("unexpected code %q: %s", r.Code, ctx())
		}
	}
}

// TestPropertyTargetTracking checks, on random targets, policies, cooldowns and alarms, that
// decisions stay within [Min, Max], that a high alarm never removes capacity and a low alarm
// never adds any (for a current capacity within the range), that suspension and scale-in
// disabling hold, and that insufficient data never causes scale-in.
func TestPropertyTargetTracking(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2026, 5))
	for range 200_000 {
		tg := randomTarget(rng)
		cd := randomCooldowns(rng, tg.Current)
		ps := randomPolicies(rng)
		fired := rng.IntN(len(ps))
		high := rng.IntN(2) == 0
		ts := []float64{1, 1, 10, 0.5, 0}[rng.IntN(5)]
		d := TargetTracking(tg, cd, ps, fired, high, t0, ts)
		ctx := func() string {
			return sprintAll(tg, cd, ps, fired, high, ts, d)
		}
		checkDecision(t, tg, d, ctx)
		if _, out := Clamp(tg.Min, tg.Max, tg.Current); out || !d.Scale {
			continue
		}
		if high && d.Direction != Out {
			t.Fatalf("high alarm scaled in: %s", ctx())
		}
		if !high {
			if d.Direction != In {
				t.Fatalf("low alarm scaled out: %s", ctx())
			}
			if tg.Namespace == "kafka" {
				t.Fatalf("kafka scaled in: %s", ctx())
			}
			for _, p := range ps {
				if !p.scaleInDisabled(tg.Namespace) && !p.HasMetric {
					t.Fatalf("scaled in with insufficient data: %s", ctx())
				}
			}
			if ps[fired].scaleInDisabled(tg.Namespace) {
				t.Fatalf("scaled in through a scale-in-disabled policy: %s", ctx())
			}
		}
		if d.Direction == Out && tg.Suspended.DynamicScalingOutSuspended {
			t.Fatalf("scaled out while suspended: %s", ctx())
		}
		if d.Direction == In && tg.Suspended.DynamicScalingInSuspended {
			t.Fatalf("scaled in while suspended: %s", ctx())
		}
	}
}

// TestPropertyTargetTrackingMonotonic checks that, for one policy and no cooldown, a higher
// metric never gives less capacity on scale-out, and a lower metric never gives more on
// scale-in.
func TestPropertyTargetTrackingMonotonic(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	for range 100_000 {
		tg := randomTarget(rng)
		tg.Suspended = autoscaling.SuspendedState{}
		tg.Current, _ = Clamp(tg.Min, tg.Max, tg.Current)
		target := 1 + rng.Float64()*99
		m1, m2 := rng.Float64()*300, rng.Float64()*300
		if m1 > m2 {
			m1, m2 = m2, m1
		}
		for _, high := range []bool{true, false} {
			lo := TargetTracking(tg, Cooldowns{}, []TTPolicy{tt("p", target, m1)}, 0, high, t0, 1)
			hi := TargetTracking(tg, Cooldowns{}, []TTPolicy{tt("p", target, m2)}, 0, high, t0, 1)
			if lo.Desired > hi.Desired {
				t.Fatalf("%s high=%v target %v current %d: metric %v gives %d, metric %v gives %d",
					tg.Dimension, high, target, tg.Current, m1, lo.Desired, m2, hi.Desired)
			}
		}
	}
}

// randomSteps returns contiguous step adjustments covering the whole line with finite bounds
// around 0, and whether they are all scale-out (adjustments >= 0) or scale-in.
func randomSteps(rng *rand.Rand, kind string) []autoscaling.StepAdjustment {
	n := 1 + rng.IntN(4)
	cuts := make([]float64, n-1)
	x := -20 + rng.Float64()*10
	for i := range cuts {
		x += 1 + float64(rng.IntN(10))
		cuts[i] = x
	}
	steps := make([]autoscaling.StepAdjustment, n)
	for i := range steps {
		lo, hi := null, null
		if i > 0 {
			lo = cuts[i-1]
		}
		if i < n-1 {
			hi = cuts[i]
		}
		adj := int32(rng.IntN(21) - 10)
		if kind == ExactCapacity {
			adj = int32(rng.IntN(40))
		}
		if kind == PercentChangeInCapacity {
			adj = int32(rng.IntN(201) - 100)
		}
		steps[i] = step(lo, hi, adj)
		if n == 1 {
			steps[i] = step(0, null, adj)
		}
	}
	return steps
}

// TestPropertyStep checks step decisions on random configurations: within [Min, Max], and never
// against the sign of the matched adjustment.
func TestPropertyStep(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 3))
	kinds := []string{ChangeInCapacity, PercentChangeInCapacity, ExactCapacity}
	for range 200_000 {
		tg := randomTarget(rng)
		cd := randomCooldowns(rng, tg.Current)
		kind := kinds[rng.IntN(len(kinds))]
		cfg := stepConfig(kind, randomSteps(rng, kind)...)
		if kind == PercentChangeInCapacity && rng.IntN(2) == 0 {
			cfg.MinAdjustmentMagnitude = i32(int32(rng.IntN(4)))
		}
		if rng.IntN(2) == 0 {
			cfg.Cooldown = i32(int32(rng.IntN(600)))
		}
		threshold := 50.0
		metric := threshold + (rng.Float64()*60 - 30)
		d := Step(tg, cd, cfg, threshold, metric, t0, 1)
		ctx := func() string { return sprintAll(tg, cd, cfg, metric, d) }
		checkDecision(t, tg, d, ctx)
		if _, out := Clamp(tg.Min, tg.Max, tg.Current); out || !d.Scale {
			continue
		}
		s, ok := MatchStep(cfg.StepAdjustments, metric-threshold)
		if !ok {
			t.Fatalf("scaled without a matching step: %s", ctx())
		}
		if kind != ExactCapacity {
			adj := *s.ScalingAdjustment
			if (adj > 0 && d.Direction == In) || (adj < 0 && d.Direction == Out) || adj == 0 {
				t.Fatalf("adjustment %d moved %v: %s", adj, d.Direction, ctx())
			}
		}
		if d.Cooldown != StepCooldown(cfg) {
			t.Fatalf("cooldown %v, want %v: %s", d.Cooldown, StepCooldown(cfg), ctx())
		}
	}
}

// TestPropertyPercentAdjustment checks that PercentChangeInCapacity never moves against the
// sign of the percentage, never by more than the exact percentage (beyond the rounding to ±1 and
// the magnitude), and always by at least the magnitude.
func TestPropertyPercentAdjustment(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 1))
	for range 100_000 {
		c, p, m := int32(rng.IntN(1000)), int32(rng.IntN(401)-200), int32(rng.IntN(5))
		got := PercentAdjustment(c, p, m)
		exact := float64(c) * float64(p) / 100
		switch {
		case p > 0 && (got < 0 || got < int64(m)):
			t.Fatalf("PercentAdjustment(%d, %d, %d) = %d", c, p, m, got)
		case p < 0 && (got > 0 || got > -int64(m)):
			t.Fatalf("PercentAdjustment(%d, %d, %d) = %d", c, p, m, got)
		case math.Abs(float64(got)) > math.Max(math.Max(math.Abs(exact), 1), float64(m)):
			t.Fatalf("PercentAdjustment(%d, %d, %d) = %d beyond %v", c, p, m, got, exact)
		}
	}
}
