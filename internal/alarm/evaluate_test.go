package alarm

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEvaluateMOutOfN(t *testing.T) {
	base := Config{Period: time.Minute, Threshold: 1, Comparison: GreaterThanThreshold}
	tests := []struct {
		name      string
		n, m      int
		data      string // oldest first, newest complete period last
		prev      State
		want      State
		breaching int
	}{
		{"3 of 3 breaching", 3, 3, "X X X", StateOK, StateAlarm, 3},
		{"2 of 3 breaching with M=3 stays OK", 3, 3, "X 0 X", StateOK, StateOK, 2},
		{"2 of 3 breaching, newest not, with M=3 stays OK", 3, 3, "X X 0", StateOK, StateOK, 2},
		{"3 of 3 breaching with M unset", 3, 0, "X X X", StateOK, StateAlarm, 3},
		{"2 of 3 breaching with M unset (M=N) stays OK", 3, 0, "0 X X", StateOK, StateOK, 2},
		{"2 of 5, breaching points at both ends", 5, 2, "X 0 0 0 X", StateOK, StateAlarm, 2},
		{"2 of 5, breaching points spread", 5, 2, "0 X 0 X 0", StateOK, StateAlarm, 2},
		{"2 of 5, a single breaching point", 5, 2, "0 0 X 0 0", StateOK, StateOK, 1},
		{"2 of 5, breaching points older than the last 5 do not count", 5, 2, "X X 0 0 0 X 0", StateOK, StateOK, 1},
		{"2 of 5 from ALARM, one breaching point left", 5, 2, "X 0 0 0 0", StateAlarm, StateOK, 1},
		{"1 of 1 breaching", 1, 1, "X", StateOK, StateAlarm, 1},
		{"1 of 1 not breaching", 1, 1, "0", StateAlarm, StateOK, 0},
		{"1 of 3, one breaching", 3, 1, "0 X 0", StateOK, StateAlarm, 1},
		{"1 of 3, none breaching", 3, 1, "0 0 0", StateAlarm, StateOK, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.EvaluationPeriods, cfg.DatapointsToAlarm = tc.n, tc.m
			cfg.EvaluationRange = len(strings.ReplaceAll(tc.data, " ", ""))
			if cfg.EvaluationRange < tc.n {
				cfg.EvaluationRange = 0
			}
			now := at(5 * time.Second)
			got := Evaluate(cfg, tc.prev, pattern(t, tc.data, cfg.Period, now, 0, 2), now)
			if got.State != tc.want || got.Breaching != tc.breaching || got.Evaluated != tc.n || got.Missing != 0 {
				t.Errorf("got %s with %d of %d breaching (%d missing), want %s with %d of %d; reason %q",
					got.State, got.Breaching, got.Evaluated, got.Missing, tc.want, tc.breaching, tc.n, got.Reason())
			}
		})
	}
}

func TestComparisonOperators(t *testing.T) {
	const threshold = 10.0
	tests := []struct {
		op                   ComparisonOperator
		below, equal, above  bool
		belowS, equalS, abvS string
	}{
		{op: GreaterThanOrEqualToThreshold, below: false, equal: true, above: true},
		{op: GreaterThanThreshold, below: false, equal: false, above: true},
		{op: LessThanThreshold, below: true, equal: false, above: false},
		{op: LessThanOrEqualToThreshold, below: true, equal: true, above: false},
	}
	for _, tc := range tests {
		for _, v := range []struct {
			name  string
			value float64
			want  bool
		}{
			{"below", threshold - 0.5, tc.below},
			{"at", threshold, tc.equal},
			{"above", threshold + 0.5, tc.above},
		} {
			t.Run(fmt.Sprintf("%s/%s", tc.op, v.name), func(t *testing.T) {
				if got := tc.op.Breaches(v.value, threshold); got != v.want {
					t.Errorf("Breaches(%v, %v) = %v, want %v", v.value, threshold, got, v.want)
				}
				cfg := Config{Period: time.Minute, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: threshold, Comparison: tc.op}
				want := StateOK
				if v.want {
					want = StateAlarm
				}
				got := Evaluate(cfg, StateInsufficientData, []Datapoint{dp(-time.Minute, v.value)}, at(0))
				if got.State != want {
					t.Errorf("state %s, want %s (%s)", got.State, want, got.Reason())
				}
			})
		}
		if tc.op.Breaches(math.NaN(), threshold) || tc.op.Breaches(1, math.NaN()) {
			t.Errorf("%s: NaN breaches", tc.op)
		}
	}
	for _, op := range []ComparisonOperator{LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold, "Bogus"} {
		if op.Breaches(-1e300, 0) || op.Breaches(1e300, 0) {
			t.Errorf("%s breaches", op)
		}
	}
}

// TestTreatMissingData covers every TreatMissingData value with all data missing, some missing,
// the newest missing and the oldest missing, for a 3 of 3 alarm (evaluation range 5) and a 2 of 3
// one. "retain" is the previous state.
func TestTreatMissingData(t *testing.T) {
	tests := []struct {
		name, data                               string
		m                                        int
		missing, ignore, breaching, notBreaching State
		missingCount                             int // datapoints filled in or unknown
	}{
		{"all missing", "- - - - -", 3, StateInsufficientData, retain, StateAlarm, StateOK, 3},
		{"all missing, 2 of 3", "- - - - -", 2, StateInsufficientData, retain, StateAlarm, StateOK, 3},

		// Enough datapoints in the range: the 3 most recent ones, the treatment does not matter.
		{"some missing, enough in the range, breaching", "X X - X X", 3, StateAlarm, StateAlarm, StateAlarm, StateAlarm, 0},
		{"some missing, enough in the range, the older ok point is beyond", "0 X - X X", 3, StateAlarm, StateAlarm, StateAlarm, StateAlarm, 0},
		{"some missing, enough in the range, one ok among the last 3 real", "X 0 - X X", 3, StateOK, StateOK, StateOK, StateOK, 0},
		// Too few datapoints: the treatment decides.
		{"some missing, two breaching", "- X - X -", 3, StateAlarm, retain, StateAlarm, StateOK, 1},
		{"some missing, one ok one breaching", "- 0 - X -", 3, StateOK, StateOK, StateOK, StateOK, 1},
		{"some missing, one ok one breaching, 2 of 3", "- 0 - X -", 2, StateOK, StateOK, StateAlarm, StateOK, 1},
		{"some missing, two ok", "0 - - 0 -", 2, StateOK, StateOK, StateOK, StateOK, 1},

		{"newest missing, enough in the range", "X X X X -", 3, StateAlarm, StateAlarm, StateAlarm, StateAlarm, 0},
		{"newest missing, enough in the range, ok", "0 0 X X -", 3, StateOK, StateOK, StateOK, StateOK, 0},
		{"newest missing, two breaching (premature alarm)", "- - X X -", 3, StateAlarm, retain, StateAlarm, StateOK, 1},
		{"newest missing, one breaching only 2 periods old", "- - - X -", 3, StateInsufficientData, retain, StateAlarm, StateOK, 2},
		{"newest two missing, one ok", "- - 0 - -", 3, StateOK, StateOK, StateOK, StateOK, 2},

		{"oldest missing, three breaching", "- - X X X", 3, StateAlarm, StateAlarm, StateAlarm, StateAlarm, 0},
		{"oldest missing, two breaching, newest", "- - - X X", 3, StateInsufficientData, retain, StateAlarm, StateOK, 1},
		{"oldest missing, two breaching, newest, 2 of 3", "- - - X X", 2, StateAlarm, StateAlarm, StateAlarm, StateAlarm, 1},
		{"oldest missing, newest ok", "- - - X 0", 2, StateOK, StateOK, StateAlarm, StateOK, 1},
		{"oldest missing, a single breaching newest", "- - - - X", 2, StateInsufficientData, retain, StateAlarm, StateOK, 2},
	}
	for _, tc := range tests {
		for _, treat := range []struct {
			treat TreatMissingData
			want  State
		}{
			{TreatMissing, tc.missing},
			{TreatIgnore, tc.ignore},
			{TreatBreaching, tc.breaching},
			{TreatNotBreaching, tc.notBreaching},
		} {
			for _, prev := range allStates {
				t.Run(fmt.Sprintf("%s/%s/from %s", tc.name, treat.treat, prev), func(t *testing.T) {
					cfg := Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: tc.m, Threshold: 0.7,
						Comparison: GreaterThanThreshold, TreatMissingData: treat.treat}
					now := at(59 * time.Second)
					got := Evaluate(cfg, prev, pattern(t, tc.data, cfg.Period, now, 0.5, 0.9), now)
					want := treat.want
					if want == retain {
						want = prev
					}
					if got.State != want || got.Missing != tc.missingCount || got.Evaluated != 3 {
						t.Errorf("got %s, %d missing of %d, want %s, %d missing of 3 (reason %q)",
							got.State, got.Missing, got.Evaluated, want, tc.missingCount, got.Reason())
					}
				})
			}
		}
	}
}

func TestIncompletePeriodIsNotEvaluated(t *testing.T) {
	cfg := Config{Period: time.Minute, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 0.7, Comparison: GreaterThanThreshold}
	points := []Datapoint{
		dp(-time.Minute, 0.5), // 11:59, complete
		dp(0, 0.9),            // 12:00, complete only from 12:01:00
		dp(time.Minute, 0.9),  // 12:01, in the future
	}
	tests := []struct {
		now  time.Time
		want State
	}{
		{at(0), StateOK},                             // 12:00:00: the 11:59 period just completed
		{at(30 * time.Second), StateOK},              // 12:00:30: 12:00 is still running
		{at(time.Minute - time.Nanosecond), StateOK}, // one nanosecond before it completes
		{at(time.Minute), StateAlarm},                // 12:01:00: 12:00 is complete
		{at(90 * time.Second), StateAlarm},
	}
	for _, tc := range tests {
		t.Run(tc.now.Format(time.TimeOnly+".000000000"), func(t *testing.T) {
			got := Evaluate(cfg, StateOK, points, tc.now)
			if got.State != tc.want {
				t.Errorf("state %s, want %s (%s)", got.State, tc.want, got.Reason())
			}
		})
	}

	// With the incomplete period's datapoint only, a 1 of 1 alarm has nothing to evaluate.
	got := Evaluate(cfg, StateInsufficientData, []Datapoint{dp(0, 0.9)}, at(59*time.Second))
	if got.State != StateInsufficientData {
		t.Errorf("only an incomplete period: state %s, want INSUFFICIENT_DATA (%s)", got.State, got.Reason())
	}
}

// step evaluates an alarm once a minute, 10 seconds past the minute, from t0+from to t0+to
// (exclusive), carrying the state over, and returns the state after each evaluation.
func step(cfg Config, prev State, points []Datapoint, from, to time.Duration) []State {
	var out []State
	for d := from; d < to; d += time.Minute {
		prev = Evaluate(cfg, prev, points, at(d+10*time.Second)).State
		out = append(out, prev)
	}
	return out
}

func TestTransitions(t *testing.T) {
	cfg := Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0.7, Comparison: GreaterThanThreshold}
	// Minutes 0..9: low, low, low, high, high, high, high, low, low, low.
	values := []float64{0.5, 0.5, 0.5, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5}
	var points []Datapoint
	for i, v := range values {
		points = append(points, dp(time.Duration(i)*time.Minute, v))
	}
	// The evaluation at minute k+1 (10 s past) sees the periods up to minute k.
	got := step(cfg, StateInsufficientData, points, 0, 12*time.Minute)
	want := []State{
		StateInsufficientData, // 12:00:10: no complete period with data
		StateOK,               // 12:01:10: [0.5]: a non-breaching point decides OK (INSUFFICIENT_DATA -> OK)
		StateOK,
		StateOK,
		StateOK,    // 12:04:10: 0.5 0.5 0.9
		StateOK,    // 0.5 0.9 0.9
		StateAlarm, // 12:06:10: 0.9 0.9 0.9 (OK -> ALARM)
		StateAlarm, // 0.9 0.9 0.9
		StateOK,    // 12:08:10: 0.9 0.9 0.5: the condition clears (ALARM -> OK)
		StateOK,
		StateOK,
		StateOK, // 12:11:10: data stopped, 0.5 0.5 0.5 are still the last three in the range
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("states\n got %v\nwant %v", got, want)
	}

	// INSUFFICIENT_DATA -> ALARM directly.
	high := []Datapoint{dp(0, 0.9), dp(time.Minute, 0.9), dp(2*time.Minute, 0.9)}
	got = step(cfg, StateInsufficientData, high, 0, 4*time.Minute)
	want = []State{StateInsufficientData, StateInsufficientData, StateInsufficientData, StateAlarm}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("INSUFFICIENT_DATA -> ALARM\n got %v\nwant %v", got, want)
	}

	// OK -> INSUFFICIENT_DATA once the data has left the evaluation range.
	got = step(cfg, StateOK, []Datapoint{dp(0, 0.5)}, time.Minute, 8*time.Minute)
	want = []State{StateOK, StateOK, StateOK, StateOK, StateOK, StateInsufficientData, StateInsufficientData}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("OK -> INSUFFICIENT_DATA\n got %v\nwant %v", got, want)
	}
}

// Target tracking creates two alarms per policy; for a Lambda provisioned-concurrency target at
// 0.7 they are AlarmHigh (GreaterThanThreshold 0.7, 60 s, 3 of 3) and AlarmLow (LessThanThreshold
// 0.63, 60 s, 15 of 15), both with missing data treated as missing.
var (
	alarmHigh = Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0.7,
		Comparison: GreaterThanThreshold, TreatMissingData: TreatMissing, Statistic: Average}
	alarmLow = Config{Period: time.Minute, EvaluationPeriods: 15, DatapointsToAlarm: 15, Threshold: 0.63,
		Comparison: LessThanThreshold, TreatMissingData: TreatMissing, Statistic: Average}
)

func TestTargetTrackingAlarms(t *testing.T) {
	for _, cfg := range []Config{alarmHigh, alarmLow} {
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("idle function with no datapoints", func(t *testing.T) {
		for _, cfg := range []Config{alarmHigh, alarmLow} {
			for _, start := range allStates {
				states := step(cfg, start, nil, 0, 3*time.Hour)
				for i, s := range states {
					if s != StateInsufficientData {
						t.Fatalf("%s from %s: minute %d: %s, want INSUFFICIENT_DATA", cfg.Comparison, start, i, s)
					}
				}
			}
		}
		r := Evaluate(alarmLow, StateOK, nil, at(0))
		if r.Reason() != "Insufficient Data: 15 datapoints were unknown." {
			t.Errorf("AlarmLow reason %q", r.Reason())
		}
	})

	t.Run("busy function", func(t *testing.T) {
		var points []Datapoint
		for i := range 10 {
			points = append(points, dp(time.Duration(i)*time.Minute, 0.95))
		}
		high := step(alarmHigh, StateInsufficientData, points, 0, 10*time.Minute)
		low := step(alarmLow, StateInsufficientData, points, 0, 10*time.Minute)
		for i := range high {
			wantHigh := StateInsufficientData // premature: the oldest breaching point is younger than 3 periods
			if i >= 3 {
				wantHigh = StateAlarm
			}
			if high[i] != wantHigh {
				t.Errorf("AlarmHigh at minute %d: %s, want %s", i, high[i], wantHigh)
			}
			wantLow := StateOK
			if i == 0 {
				wantLow = StateInsufficientData
			}
			if low[i] != wantLow {
				t.Errorf("AlarmLow at minute %d: %s, want %s", i, low[i], wantLow)
			}
		}
	})

	t.Run("underused function that then goes idle", func(t *testing.T) {
		// 0.2 for 20 minutes, then nothing.
		var points []Datapoint
		for i := range 20 {
			points = append(points, dp(time.Duration(i)*time.Minute, 0.2))
		}
		low := step(alarmLow, StateInsufficientData, points, 0, 2*time.Hour)
		lastPoint, rng := 19, alarmLow.Range()
		for i, s := range low {
			// The evaluation at minute i sees the periods up to minute i-1.
			var want State
			switch {
			case i < 15:
				want = StateInsufficientData // fewer than 15 breaching datapoints, none old enough
			case i-1 < lastPoint+rng:
				want = StateAlarm // real data, then the last datapoints re-evaluated while in the range
			default:
				want = StateInsufficientData
			}
			if s != want {
				t.Fatalf("AlarmLow at minute %d: %s, want %s", i, s, want)
			}
		}
		if low[len(low)-1] != StateInsufficientData {
			t.Fatalf("AlarmLow ends in %s", low[len(low)-1])
		}
		high := step(alarmHigh, StateInsufficientData, points, 0, 2*time.Hour)
		for i, s := range high {
			if s == StateAlarm {
				t.Fatalf("AlarmHigh at minute %d: ALARM", i)
			}
		}
		if high[len(high)-1] != StateInsufficientData {
			t.Fatalf("AlarmHigh ends in %s", high[len(high)-1])
		}
	})
}

func TestDatapointHandling(t *testing.T) {
	cfg := Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0.7, Comparison: GreaterThanThreshold}
	now := at(3*time.Minute + 10*time.Second) // evaluates 12:00, 12:01, 12:02
	tests := []struct {
		name   string
		points []Datapoint
		want   State
	}{
		{"unsorted", []Datapoint{dp(2*time.Minute, 0.9), dp(0, 0.9), dp(time.Minute, 0.9)}, StateAlarm},
		{"starts inside the period", []Datapoint{dp(59*time.Second, 0.9), dp(time.Minute+time.Second, 0.9), dp(2*time.Minute+30*time.Second, 0.9)}, StateAlarm},
		{"the last of two in one period counts", []Datapoint{dp(0, 0.9), dp(time.Minute, 0.1), dp(time.Minute, 0.9), dp(2*time.Minute, 0.9)}, StateAlarm},
		{"the last of two in one period counts, ok", []Datapoint{dp(0, 0.9), dp(time.Minute, 0.9), dp(time.Minute, 0.1), dp(2*time.Minute, 0.9)}, StateOK},
		// A NaN value counts as no datapoint: as a value it would not breach and would decide OK.
		{"NaN is missing", []Datapoint{dp(time.Minute, 0.9), dp(2*time.Minute, math.NaN())}, StateInsufficientData},
		{"other time zones", []Datapoint{
			{Start: at(0).In(time.FixedZone("x", 5*3600+1800)), Value: 0.9},
			{Start: at(time.Minute).In(time.FixedZone("y", -7*3600)), Value: 0.9},
			dp(2*time.Minute, 0.9),
		}, StateAlarm},
		{"too old and too new are ignored", []Datapoint{dp(-10*time.Minute, 0.1), dp(2*time.Minute, 0.9), dp(3*time.Minute, 0.1), dp(time.Hour, 0.1)}, StateInsufficientData},
		{"zero time is ignored", []Datapoint{{Value: 0.1}, dp(time.Minute, 0.9), dp(2*time.Minute, 0.9)}, StateInsufficientData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(cfg, StateInsufficientData, tc.points, now)
			if got.State != tc.want {
				t.Errorf("state %s, want %s (%s)", got.State, tc.want, got.Reason())
			}
		})
	}
}

func TestHighResolutionPeriods(t *testing.T) {
	for _, period := range []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second} {
		t.Run(period.String(), func(t *testing.T) {
			cfg := Config{Period: period, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 100, Comparison: GreaterThanOrEqualToThreshold}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			now := at(period*3 + time.Second)
			points := []Datapoint{dp(0, 100), dp(period, 50), dp(2*period, 150), dp(3*period, 0)}
			if got := Evaluate(cfg, StateOK, points, now); got.State != StateAlarm || got.Breaching != 2 {
				t.Errorf("got %s with %d breaching, want ALARM with 2 (%s)", got.State, got.Breaching, got.Reason())
			}
			if got := Evaluate(cfg, StateAlarm, points, now.Add(period)); got.State != StateOK {
				t.Errorf("one period later: %s, want OK (%s)", got.State, got.Reason())
			}
		})
	}
}

func TestLongEvaluationRange(t *testing.T) {
	// 1440 one-minute periods, one day: the working space does not fit on the stack.
	cfg := Config{Period: time.Minute, EvaluationPeriods: 1440, DatapointsToAlarm: 1000, Threshold: 0, Comparison: GreaterThanThreshold}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var points []Datapoint
	for i := range 1440 {
		v := 0.0
		if i%10 < 7 {
			v = 1 // 1008 breaching
		}
		points = append(points, dp(time.Duration(i-1440)*time.Minute, v))
	}
	got := Evaluate(cfg, StateOK, points, at(0))
	if got.State != StateAlarm || got.Breaching != 1008 || got.Evaluated != 1440 {
		t.Errorf("got %s with %d of %d breaching, want ALARM with 1008 of 1440", got.State, got.Breaching, got.Evaluated)
	}
	if len(got.ReasonData().EvaluatedDatapoints) != 1440 || len(got.ReasonData().RecentDatapoints) != 1440 {
		t.Errorf("reason data has %d evaluated and %d recent datapoints", len(got.ReasonData().EvaluatedDatapoints), len(got.ReasonData().RecentDatapoints))
	}
}

func TestBeforeEpoch(t *testing.T) {
	cfg := Config{Period: 5 * time.Minute, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 0, Comparison: GreaterThanThreshold}
	now := time.Date(1969, 12, 31, 23, 57, 30, 0, time.UTC) // the newest complete period is 23:50-23:55
	points := []Datapoint{{Start: time.Date(1969, 12, 31, 23, 52, 0, 0, time.UTC), Value: 1}}
	got := Evaluate(cfg, StateOK, points, now)
	if got.State != StateAlarm {
		t.Fatalf("state %s (%s), want ALARM", got.State, got.Reason())
	}
	if want := time.Date(1969, 12, 31, 23, 50, 0, 0, time.UTC); !got.ReasonData().StartDate.Equal(want) {
		t.Errorf("start date %v, want %v", got.ReasonData().StartDate, want)
	}
}

func TestUnusableConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Period: time.Minute, EvaluationPeriods: 0},
		{Period: 0, EvaluationPeriods: 3},
		{Period: 1500 * time.Millisecond, EvaluationPeriods: 3},
	} {
		got := Evaluate(cfg, StateAlarm, []Datapoint{dp(0, 1)}, at(time.Hour))
		if got.State != StateInsufficientData || !strings.HasPrefix(got.Reason(), "Invalid alarm configuration") || !got.Changed() {
			t.Errorf("%+v: %s %q", cfg, got.State, got.Reason())
		}
		if data, err := json.Marshal(got.ReasonData()); err != nil || !json.Valid(data) {
			t.Errorf("%+v: reason data %s, %v", cfg, data, err)
		}
	}
	// An unknown previous state counts as INSUFFICIENT_DATA, which ignore then keeps.
	cfg := Config{Period: time.Minute, EvaluationPeriods: 1, Comparison: GreaterThanThreshold, TreatMissingData: TreatIgnore}
	for _, prev := range []State{"", "bogus"} {
		if got := Evaluate(cfg, prev, nil, at(0)); got.State != StateInsufficientData {
			t.Errorf("from %q: %s", prev, got.State)
		}
	}
}
