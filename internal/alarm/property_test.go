package alarm

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPropertyAlarmNeedsMBreaching checks, on random alarms and random datapoints, that Evaluate
// never returns ALARM when fewer than M of the N evaluated datapoints breach, missing ones counted
// as the configuration treats them (breaching ones as breaching; notBreaching, missing and ignore
// ones as not breaching). There are two documented exceptions, both CloudWatch's own: with missing
// data treated as missing, an alarm whose datapoints in the evaluation range all breach, the oldest
// of them at least M periods old, goes to ALARM even with fewer than M datapoints ("Avoiding
// premature transitions to alarm state"); and with missing data ignored, an alarm in ALARM stays
// there when the present datapoints decide nothing ("ignore – The current alarm state is
// maintained"). The counts are recomputed here independently of Evaluate, as are the other
// consequences of the documented rules.
func TestPropertyAlarmNeedsMBreaching(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	ops := []ComparisonOperator{GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold}
	treats := []TreatMissingData{"", TreatMissing, TreatNotBreaching, TreatBreaching, TreatIgnore}
	const threshold = 0.5
	premature, kept := 0, 0
	for iter := range 50_000 {
		n := 1 + rng.IntN(10)
		cfg := Config{
			Period:            []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute}[rng.IntN(3)],
			EvaluationPeriods: n,
			DatapointsToAlarm: rng.IntN(n + 1), // 0 means N
			Threshold:         threshold,
			Comparison:        ops[rng.IntN(len(ops))],
			TreatMissingData:  treats[rng.IntN(len(treats))],
		}
		if rng.IntN(2) == 0 {
			cfg.EvaluationRange = n + rng.IntN(6)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		m, r := cfg.EffectiveDatapointsToAlarm(), cfg.Range()
		prev := allStates[rng.IntN(len(allStates))]
		now := t0.Add(time.Duration(rng.IntN(3600)) * time.Second)
		newest := time.Unix(now.Unix()/int64(cfg.Period/time.Second)*int64(cfg.Period/time.Second), 0).Add(-cfg.Period)

		// Cells of the range, newest first: 0 missing, 1 not breaching, 2 breaching. Missing
		// data is made likely so that every rule is exercised.
		pMissing := rng.Float64()
		cells := make([]int, r)
		var points []Datapoint
		for age := range cells {
			if rng.Float64() < pMissing {
				continue
			}
			breach := rng.IntN(2) == 0
			v := valueFor(cfg.Comparison, threshold, breach, rng)
			if breach {
				cells[age] = 2
			} else {
				cells[age] = 1
			}
			start := newest.Add(-time.Duration(age) * cfg.Period)
			// Anywhere in the period.
			start = start.Add(time.Duration(rng.Int64N(int64(cfg.Period))))
			points = append(points, Datapoint{Start: start, Value: v})
		}
		// Noise that must be ignored: a datapoint in the running period and one beyond the range.
		if rng.IntN(3) == 0 {
			points = append(points, Datapoint{Start: newest.Add(cfg.Period), Value: valueFor(cfg.Comparison, threshold, true, rng)})
			points = append(points, Datapoint{Start: newest.Add(-time.Duration(r) * cfg.Period), Value: valueFor(cfg.Comparison, threshold, true, rng)})
		}
		rng.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })

		// Independent recount.
		present, realBreaching, realOK, oldestBreaching := 0, 0, 0, -1
		for age, c := range cells {
			if c == 0 {
				continue
			}
			if present == n {
				break // beyond the N most recent present datapoints
			}
			present++
			if c == 2 {
				realBreaching++
				oldestBreaching = age
			} else {
				realOK++
			}
		}
		filled := n - present
		breaching := realBreaching
		treat := cfg.TreatMissingData
		if treat == "" {
			treat = TreatMissing
		}
		if treat == TreatBreaching {
			breaching += filled
		}

		res := Evaluate(cfg, prev, points, now)
		desc := func() string {
			return fmt.Sprintf("iteration %d: cfg %+v, prev %s, cells (newest first) %v: got %s, %d breaching of %d, %d missing, %q",
				iter, cfg, prev, cells, res.State, res.Breaching, res.Evaluated, res.Missing, res.Reason())
		}
		if res.Evaluated != n || res.Breaching != breaching || res.Missing != filled {
			t.Fatalf("counts: want %d breaching of %d, %d missing; %s", breaching, n, filled, desc())
		}

		isPremature := treat == TreatMissing && filled > 0 && realOK == 0 && realBreaching > 0 && oldestBreaching+1 >= m
		keeps := treat == TreatIgnore && filled > 0 && realOK == 0 && breaching < m
		if res.State == StateAlarm && breaching < m {
			switch {
			case isPremature:
				premature++
			case keeps && prev == StateAlarm:
				kept++
			default:
				t.Fatalf("ALARM with fewer than M=%d breaching datapoints; %s", m, desc())
			}
		}
		if res.State == StateOK && breaching >= m {
			t.Fatalf("OK with at least M=%d breaching datapoints; %s", m, desc())
		}
		switch {
		case filled == 0 || treat == TreatBreaching || treat == TreatNotBreaching:
			// Decided by the count alone.
			want := StateOK
			if breaching >= m {
				want = StateAlarm
			}
			if res.State != want {
				t.Fatalf("want %s; %s", want, desc())
			}
		case breaching < m && realOK == 0 && treat == TreatIgnore:
			if res.State != prev {
				t.Fatalf("ignore did not keep %s; %s", prev, desc())
			}
		case breaching < m && realOK == 0 && !isPremature:
			if res.State != StateInsufficientData {
				t.Fatalf("want INSUFFICIENT_DATA; %s", desc())
			}
		}
		if res.State == StateInsufficientData && treat != TreatMissing && prev != StateInsufficientData {
			t.Fatalf("INSUFFICIENT_DATA under %s; %s", treat, desc())
		}

		// The order of the datapoints does not matter.
		slices.Reverse(points)
		if again := Evaluate(cfg, prev, points, now); !reflect.DeepEqual(res, again) {
			diff := cmp.Diff(res, again, cmp.AllowUnexported(Result{}, evaluatedPoint{}))
			t.Fatalf("result depends on the order of the datapoints (-first +reversed):\n%s\n%s", diff, desc())
		}
	}
	if premature == 0 || kept == 0 {
		t.Errorf("the exceptions were not all exercised: %d premature alarms, %d kept", premature, kept)
	}
}

// valueFor returns a value that breaches threshold under op, or one that does not, sometimes the
// threshold itself.
func valueFor(op ComparisonOperator, threshold float64, breach bool, rng *rand.Rand) float64 {
	candidates := []float64{threshold - 1, threshold - rng.Float64(), threshold, threshold + rng.Float64(), threshold + 1}
	for {
		v := candidates[rng.IntN(len(candidates))]
		if op.Breaches(v, threshold) == breach {
			return v
		}
	}
}
