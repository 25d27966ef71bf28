package alarm

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// samples returns one sample per value, one second apart, from t0+offset.
func samples(offset time.Duration, values ...float64) []Sample {
	out := make([]Sample, len(values))
	for i, v := range values {
		out[i] = Sample{Time: t0.Add(offset + time.Duration(i)*time.Second), Value: v}
	}
	return out
}

func TestAggregateStatistics(t *testing.T) {
	// One minute of ten samples 1..10 (shuffled), in the 12:00 period.
	ten := samples(0, 7, 3, 10, 1, 5, 9, 2, 8, 4, 6)
	// 1..1000 in the 12:00 period (0.05 s apart).
	var thousand []Sample
	for i := range 1000 {
		thousand = append(thousand, Sample{Time: t0.Add(time.Duration(i) * 50 * time.Millisecond), Value: float64(1000 - i)})
	}
	// Weighted samples: 1 observed 3 times, 10 once, 100 six times (PutMetricData Values/Counts).
	weighted := []Sample{
		{Time: t0, Value: 1, Count: 3},
		{Time: t0.Add(time.Second), Value: 10, Count: 1},
		{Time: t0.Add(2 * time.Second), Value: 100, Count: 6},
	}
	tests := []struct {
		name    string
		samples []Sample
		stat    Statistic
		want    float64
	}{
		{"SampleCount", ten, SampleCount, 10},
		{"Sum", ten, Sum, 55},
		{"Average", ten, Average, 5.5},
		{"Minimum", ten, Minimum, 1},
		{"Maximum", ten, Maximum, 10},
		{"p0", ten, "p0", 1},
		{"p10", ten, "p10", 1},
		{"p50", ten, "p50", 5},
		{"p90", ten, "p90", 9},
		{"p90.5", ten, "p90.5", 10},
		{"p99", ten, "p99", 10},
		{"p100", ten, "p100", 10},
		{"p99 of 1000", thousand, "p99", 990},
		{"p99.9 of 1000", thousand, "p99.9", 999},
		{"p99.99 of 1000", thousand, "p99.99", 1000},
		{"p0.1 of 1000", thousand, "p0.1", 1},
		{"p0.2 of 1000", thousand, "p0.2", 2},
		{"p50 of 1000", thousand, "p50", 500},
		{"weighted SampleCount", weighted, SampleCount, 10},
		{"weighted Sum", weighted, Sum, 613},
		{"weighted Average", weighted, Average, 61.3},
		{"weighted Minimum", weighted, Minimum, 1},
		{"weighted Maximum", weighted, Maximum, 100},
		{"weighted p30", weighted, "p30", 1},
		{"weighted p31", weighted, "p31", 10},
		{"weighted p40", weighted, "p40", 10},
		{"weighted p41", weighted, "p41", 100},
		{"single sample p99", samples(0, 42), "p99", 42},
		{"negative values", samples(0, -3, -1, -2), Maximum, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Aggregate(tc.samples, time.Minute, tc.stat, time.Time{}, time.Time{})
			if len(got) != 1 {
				t.Fatalf("%d datapoints, want 1: %v", len(got), got)
			}
			if !got[0].Start.Equal(t0) {
				t.Errorf("start %v, want %v", got[0].Start, t0)
			}
			if math.Abs(got[0].Value-tc.want) > 1e-9 {
				t.Errorf("%s = %v, want %v", tc.stat, got[0].Value, tc.want)
			}
		})
	}
}

func TestAggregatePeriods(t *testing.T) {
	in := []Sample{
		{Time: at(-61 * time.Second), Value: 100},                   // 11:58:59, period 11:58
		{Time: at(-time.Second), Value: 1},                          // 11:59:59, period 11:59
		{Time: at(0), Value: 2},                                     // 12:00:00, period 12:00
		{Time: at(59*time.Second + 999*time.Millisecond), Value: 4}, // 12:00:59.999, period 12:00
		{Time: at(3 * time.Minute), Value: 8, Count: 2},             // 12:03, after two empty periods
		{Time: at(3*time.Minute + time.Second), Value: math.NaN()},
	}
	got := Aggregate(in, time.Minute, Sum, time.Time{}, time.Time{})
	want := []Datapoint{
		{Start: at(-2 * time.Minute), Value: 100, SampleCount: 1},
		{Start: at(-time.Minute), Value: 1, SampleCount: 1},
		{Start: at(0), Value: 6, SampleCount: 2},
		{Start: at(3 * time.Minute), Value: 16, SampleCount: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("datapoints (-want +got):\n%s", diff)
	}

	// from is inclusive, to exclusive, and neither is aligned.
	got = Aggregate(in, time.Minute, Sum, at(-time.Second), at(59*time.Second+999*time.Millisecond))
	want = []Datapoint{
		{Start: at(-time.Minute), Value: 1, SampleCount: 1},
		{Start: at(0), Value: 2, SampleCount: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bounded datapoints (-want +got):\n%s", diff)
	}

	// Five-minute periods are aligned to the epoch, whatever the samples' time zone.
	tz := time.FixedZone("India", 5*3600+1800)
	got = Aggregate([]Sample{{Time: at(7 * time.Minute).In(tz), Value: 3}, {Time: at(4 * time.Minute), Value: 5}}, 5*time.Minute, Maximum, time.Time{}, time.Time{})
	want = []Datapoint{{Start: at(0), Value: 5, SampleCount: 1}, {Start: at(5 * time.Minute), Value: 3, SampleCount: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("5-minute datapoints (-want +got):\n%s", diff)
	}

	// High resolution.
	got = Aggregate(samples(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 10*time.Second, Average, time.Time{}, time.Time{})
	want = []Datapoint{{Start: at(0), Value: 5.5, SampleCount: 10}, {Start: at(10 * time.Second), Value: 11.5, SampleCount: 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("10-second datapoints (-want +got):\n%s", diff)
	}

	// Before the epoch.
	epoch := time.Unix(0, 0).UTC()
	got = Aggregate([]Sample{{Time: epoch.Add(-time.Second), Value: 1}, {Time: epoch, Value: 2}}, time.Minute, Sum, time.Time{}, time.Time{})
	want = []Datapoint{{Start: epoch.Add(-time.Minute), Value: 1, SampleCount: 1}, {Start: epoch, Value: 2, SampleCount: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pre-epoch datapoints (-want +got):\n%s", diff)
	}

	// Sub-second periods work too (not a CloudWatch period, but well defined).
	got = Aggregate([]Sample{{Time: at(250 * time.Millisecond), Value: 1}, {Time: at(750 * time.Millisecond), Value: 2}}, 500*time.Millisecond, SampleCount, time.Time{}, time.Time{})
	want = []Datapoint{{Start: at(0), Value: 1, SampleCount: 1}, {Start: at(500 * time.Millisecond), Value: 1, SampleCount: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("half-second datapoints (-want +got):\n%s", diff)
	}
}

func TestAggregateEmptyAndInvalid(t *testing.T) {
	in := samples(0, 1, 2)
	for name, got := range map[string][]Datapoint{
		"no samples":          Aggregate(nil, time.Minute, Sum, time.Time{}, time.Time{}),
		"all NaN":             Aggregate([]Sample{{Time: t0, Value: math.NaN()}}, time.Minute, Sum, time.Time{}, time.Time{}),
		"all outside":         Aggregate(in, time.Minute, Sum, at(time.Hour), time.Time{}),
		"empty window":        Aggregate(in, time.Minute, Sum, t0, t0),
		"zero period":         Aggregate(in, 0, Sum, time.Time{}, time.Time{}),
		"unknown statistic":   Aggregate(in, time.Minute, "Median", time.Time{}, time.Time{}),
		"percentile over 100": Aggregate(in, time.Minute, "p101", time.Time{}, time.Time{}),
	} {
		if got != nil {
			t.Errorf("%s: %v, want nil", name, got)
		}
	}
}

func TestStatistic(t *testing.T) {
	for _, tc := range []struct {
		s     Statistic
		p     float64
		isPct bool
		valid bool
	}{
		{SampleCount, 0, false, true},
		{Average, 0, false, true},
		{Sum, 0, false, true},
		{Minimum, 0, false, true},
		{Maximum, 0, false, true},
		{"p90", 90, true, true},
		{"p99.9", 99.9, true, true},
		{"p0", 0, true, true},
		{"p100", 100, true, true},
		{"p0.0000000001", 1e-10, true, true},
		{"p50.00000000001", 0, false, false}, // 11 decimals
		{"p100.1", 0, false, false},
		{"p", 0, false, false},
		{"p.5", 0, false, false},
		{"p5.", 0, false, false},
		{"p-1", 0, false, false},
		{"p1e2", 0, false, false},
		{"P90", 0, false, false},
		{"average", 0, false, false},
		{"", 0, false, false},
	} {
		p, ok := tc.s.Percentile()
		if ok != tc.isPct || p != tc.p {
			t.Errorf("%q.Percentile() = %v, %v; want %v, %v", tc.s, p, ok, tc.p, tc.isPct)
		}
		if got := tc.s.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %v, want %v", tc.s, got, tc.valid)
		}
	}
}

// TestAggregateThenEvaluate runs the pipeline the service uses: raw samples, one datapoint per
// minute, then the target-tracking high alarm.
func TestAggregateThenEvaluate(t *testing.T) {
	var raw []Sample
	for minute := range 5 {
		for s := 0; s < 60; s += 10 {
			v := 0.5
			if minute >= 2 {
				v = 0.75 // then 1.0: an average of exactly 0.875
				if s >= 30 {
					v = 1
				}
			}
			raw = append(raw, Sample{Time: at(time.Duration(minute)*time.Minute + time.Duration(s)*time.Second), Value: v})
		}
	}
	now := at(5*time.Minute + 20*time.Second)
	points := Aggregate(raw, time.Minute, Average, now.Add(-time.Duration(alarmHigh.Range())*time.Minute-time.Minute), now)
	got := Evaluate(alarmHigh, StateOK, points, now)
	if got.State != StateAlarm {
		t.Fatalf("state %s (%s), want ALARM", got.State, got.Reason())
	}
	want := "Threshold Crossed: 3 out of the last 3 datapoints [0.875 (22/11/26 12:04:00), 0.875 (22/11/26 12:03:00), 0.875 (22/11/26 12:02:00)] were greater than the threshold (0.7) (minimum 3 datapoints for OK -> ALARM transition)."
	if got.Reason() != want {
		t.Errorf("reason\n got %s\nwant %s", got.Reason(), want)
	}
	if got.ReasonData().EvaluatedDatapoints[0].SampleCount != 6 {
		t.Errorf("sample count %v, want 6", got.ReasonData().EvaluatedDatapoints[0].SampleCount)
	}
}
