package metrics

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
)

func TestDatapointsStatistics(t *testing.T) {
	// One minute of data, put three ways: single values, Values/Counts and a StatisticSet.
	data := []Datum{
		val(cpu, t0.Add(1*time.Second), 10),
		val(cpu, t0.Add(2*time.Second), 30),
		{Metric: cpu, Timestamp: t0.Add(40 * time.Second), Values: []float64{20, 5}, Counts: []float64{2, 1}},
	}
	// values: 10, 30, 20, 20, 5 -> n 5, sum 85, min 5, max 30; sorted 5 10 20 20 30.
	tests := []struct {
		stat   alarm.Statistic
		period time.Duration
		want   []alarm.Datapoint
	}{
		{alarm.SampleCount, time.Minute, []alarm.Datapoint{{Start: t0, Value: 5, SampleCount: 5}}},
		{alarm.Sum, time.Minute, []alarm.Datapoint{{Start: t0, Value: 85, SampleCount: 5}}},
		{alarm.Average, time.Minute, []alarm.Datapoint{{Start: t0, Value: 17, SampleCount: 5}}},
		{alarm.Minimum, time.Minute, []alarm.Datapoint{{Start: t0, Value: 5, SampleCount: 5}}},
		{alarm.Maximum, time.Minute, []alarm.Datapoint{{Start: t0, Value: 30, SampleCount: 5}}},
		{"p50", time.Minute, []alarm.Datapoint{{Start: t0, Value: 20, SampleCount: 5}}},
		{"p0", time.Minute, []alarm.Datapoint{{Start: t0, Value: 5, SampleCount: 5}}},
		{"p100", time.Minute, []alarm.Datapoint{{Start: t0, Value: 30, SampleCount: 5}}},
		{"p20", time.Minute, []alarm.Datapoint{{Start: t0, Value: 5, SampleCount: 5}}},
		{"p20.1", time.Minute, []alarm.Datapoint{{Start: t0, Value: 10, SampleCount: 5}}},
		{alarm.Sum, 30 * time.Second, []alarm.Datapoint{{Start: t0, Value: 40, SampleCount: 2}, {Start: t0.Add(30 * time.Second), Value: 45, SampleCount: 3}}},
		{alarm.Average, 30 * time.Second, []alarm.Datapoint{{Start: t0, Value: 20, SampleCount: 2}, {Start: t0.Add(30 * time.Second), Value: 15, SampleCount: 3}}},
		{"p90", 30 * time.Second, []alarm.Datapoint{{Start: t0, Value: 30, SampleCount: 2}, {Start: t0.Add(30 * time.Second), Value: 20, SampleCount: 3}}},
		{alarm.Maximum, 5 * time.Minute, []alarm.Datapoint{{Start: t0, Value: 30, SampleCount: 5}}},
		{"bogus", time.Minute, nil},
	}
	m, _ := newTestStore(t0.Add(time.Hour))
	mustPut(t, m, data...)
	for _, tt := range tests {
		t.Run(string(tt.stat)+"/"+tt.period.String(), func(t *testing.T) {
			got := m.Datapoints(testScope, MetricStat{Metric: cpu, Period: tt.period, Stat: tt.stat}, t0, t0.Add(10*time.Minute))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			// The same answer as alarm.Aggregate over the same samples.
			if tt.want != nil {
				samples := []alarm.Sample{{Time: t0.Add(time.Second), Value: 10}, {Time: t0.Add(2 * time.Second), Value: 30},
					{Time: t0.Add(40 * time.Second), Value: 20, Count: 2}, {Time: t0.Add(40 * time.Second), Value: 5}}
				if ref := alarm.Aggregate(samples, tt.period, tt.stat, t0, t0.Add(10*time.Minute)); !reflect.DeepEqual(got, ref) {
					t.Errorf("alarm.Aggregate gives %v", ref)
				}
			}
		})
	}
}

func TestStatisticSets(t *testing.T) {
	m, _ := newTestStore(t0.Add(time.Hour))
	mustPut(t, m,
		Datum{Metric: cpu, Timestamp: t0, Stats: &StatisticSet{SampleCount: 4, Sum: 40, Minimum: 2, Maximum: 20}},
		Datum{Metric: cpu, Timestamp: t0.Add(time.Minute), Stats: &StatisticSet{SampleCount: 3, Sum: 21, Minimum: 7, Maximum: 7}},
		val(cpu, t0.Add(time.Minute+time.Second), 1),
	)
	got := m.Statistics(testScope, cpu, []alarm.Statistic{alarm.SampleCount, alarm.Sum, alarm.Average, alarm.Minimum, alarm.Maximum, "p50", "p99.9"}, "", time.Minute, t0, t0.Add(2*time.Minute))
	if len(got) != 2 {
		t.Fatalf("got %d points, want 2: %+v", len(got), got)
	}
	p := got[0]
	if *p.SampleCount != 4 || *p.Sum != 40 || *p.Average != 10 || *p.Minimum != 2 || *p.Maximum != 20 || p.Extended != nil || p.Unit != "None" {
		t.Errorf("first point %+v: want 4/40/10/2/20 without percentiles", p)
	}
	p = got[1]
	want := map[string]float64{"p50": 7, "p99.9": 7}
	if *p.SampleCount != 4 || *p.Sum != 22 || *p.Minimum != 1 || !reflect.DeepEqual(p.Extended, want) {
		t.Errorf("second point %+v (ext %v)", p, p.Extended)
	}
	// Only percentiles: the first period has none, so it is left out.
	got = m.Statistics(testScope, cpu, []alarm.Statistic{"p50"}, "", time.Minute, t0, t0.Add(2*time.Minute))
	if len(got) != 1 || !got[0].Timestamp.Equal(t0.Add(time.Minute)) || got[0].Sum != nil {
		t.Errorf("percentiles only: %+v", got)
	}
}

func TestPeriodAlignment(t *testing.T) {
	m, _ := newTestStore(t0.Add(time.Hour))
	for s := 0; s < 20*60; s += 37 {
		mustPut(t, m, val(cpu, t0.Add(time.Duration(s)*time.Second), 1))
	}
	tests := []struct {
		period   time.Duration
		from, to time.Time
		first    time.Time
		n        int
		total    float64
	}{
		{5 * time.Minute, t0, t0.Add(20 * time.Minute), t0, 4, 33},
		// from is rounded down to the minute for minute periods: the 10:01 minute counts.
		{5 * time.Minute, t0.Add(90 * time.Second), t0.Add(20 * time.Minute), t0, 4, 33 - 2},
		{time.Hour, t0, t0.Add(20 * time.Minute), t0, 1, 33},
		{7 * time.Second, t0, t0.Add(20 * time.Minute), t0.Add(-3 * time.Second), 33, 33},
		{90 * time.Second, t0.Add(90 * time.Second), t0.Add(3 * time.Minute), t0.Add(90 * time.Second), 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.period.String(), func(t *testing.T) {
			got := m.Datapoints(testScope, MetricStat{Metric: cpu, Period: tt.period, Stat: alarm.SampleCount}, tt.from, tt.to)
			total := 0.0
			for _, d := range got {
				total += d.Value
				if d.Start.UnixNano()%int64(tt.period) != 0 {
					t.Errorf("start %v is not aligned to %v", d.Start, tt.period)
				}
			}
			if len(got) != tt.n || total != tt.total || !got[0].Start.Equal(tt.first) && tt.period != 7*time.Second {
				t.Errorf("got %d points, %v samples, first %v: %v", len(got), total, got[0].Start, got)
			}
		})
	}
}

func TestSubMinutePeriods(t *testing.T) {
	m, _ := newTestStore(t0.Add(time.Minute))
	for i := 0; i < 10; i++ {
		at := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		mustPut(t, m, Datum{Metric: cpu, Timestamp: at, Value: ptr(float64(i)), StorageResolution: 1})
	}
	got := m.Datapoints(testScope, MetricStat{Metric: cpu, Period: time.Second, Stat: alarm.Sum}, t0.Add(time.Second), t0.Add(4*time.Second))
	want := []alarm.Datapoint{
		{Start: t0.Add(time.Second), Value: 2 + 3, SampleCount: 2},
		{Start: t0.Add(2 * time.Second), Value: 4 + 5, SampleCount: 2},
		{Start: t0.Add(3 * time.Second), Value: 6 + 7, SampleCount: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Sub-second periods (a 10 s period under a time scale of 60) work too.
	got = m.Datapoints(testScope, MetricStat{Metric: cpu, Period: 500 * time.Millisecond, Stat: alarm.Maximum}, t0, t0.Add(time.Second))
	if len(got) != 2 || got[1].Value != 1 || !got[1].Start.Equal(t0.Add(500*time.Millisecond)) {
		t.Errorf("500ms periods: %v", got)
	}
}

func TestUnits(t *testing.T) {
	m, _ := newTestStore(t0.Add(time.Hour))
	mustPut(t, m,
		Datum{Metric: cpu, Timestamp: t0, Value: ptr(1), Unit: "Percent"},
		Datum{Metric: cpu, Timestamp: t0, Value: ptr(100), Unit: "Count"},
		Datum{Metric: cpu, Timestamp: t0.Add(time.Second), Value: ptr(3), Unit: "Percent"},
	)
	tests := []struct {
		unit   string
		period time.Duration
		want   float64
		n      int
	}{
		{"", time.Minute, 104, 1},
		{"Percent", time.Minute, 4, 1},
		{"Count", time.Minute, 100, 1},
		{"Bytes", time.Minute, 0, 0},
		{"", time.Second, 101, 2},
		{"Percent", time.Second, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.unit+"/"+tt.period.String(), func(t *testing.T) {
			got := m.Datapoints(testScope, MetricStat{Metric: cpu, Period: tt.period, Stat: alarm.Sum, Unit: tt.unit}, t0, t0.Add(time.Minute))
			if len(got) != tt.n || tt.n > 0 && got[0].Value != tt.want {
				t.Errorf("got %v, want %d points starting with %v", got, tt.n, tt.want)
			}
		})
	}
	// Statistics without a unit: one point per unit and period.
	sp := m.Statistics(testScope, cpu, []alarm.Statistic{alarm.Sum}, "", time.Minute, t0, t0.Add(time.Minute))
	if len(sp) != 2 || sp[0].Unit != "Count" || *sp[0].Sum != 100 || sp[1].Unit != "Percent" || *sp[1].Sum != 4 {
		t.Errorf("per-unit statistics: %+v", sp)
	}
	sp = m.Statistics(testScope, cpu, []alarm.Statistic{alarm.Sum}, "Percent", time.Minute, t0, t0.Add(time.Minute))
	if len(sp) != 1 || sp[0].Unit != "Percent" || *sp[0].Sum != 4 {
		t.Errorf("Percent statistics: %+v", sp)
	}
}

func TestOutOfOrderAndDimensionOrder(t *testing.T) {
	m, _ := newTestStore(t0.Add(time.Hour))
	a := Metric{Namespace: "NS", MetricName: "M", Dimensions: []Dimension{{"a", "1"}, {"b", "2"}}}
	b := Metric{Namespace: "NS", MetricName: "M", Dimensions: []Dimension{{"b", "2"}, {"a", "1"}}}
	order := []int{5, 1, 9, 3, 7, 0, 8, 2, 6, 4}
	for i, k := range order {
		mt := a
		if i%2 == 1 {
			mt = b
		}
		mustPut(t, m, val(mt, t0.Add(time.Duration(k)*time.Minute+time.Duration(k)*time.Second), float64(k)))
	}
	for _, period := range []time.Duration{time.Minute, time.Second} {
		got := m.Datapoints(testScope, MetricStat{Metric: b, Period: period, Stat: alarm.Maximum}, t0, t0.Add(time.Hour))
		if len(got) != 10 {
			t.Fatalf("period %v: got %d points: %v", period, len(got), got)
		}
		for i, d := range got {
			if d.Value != float64(i) || !d.Start.Before(t0.Add(time.Duration(i+1)*time.Minute)) {
				t.Errorf("period %v: point %d is %v", period, i, d)
			}
		}
	}
	if l := m.List(testScope, ListFilter{}); len(l) != 1 {
		t.Errorf("dimension order made %d metrics: %v", len(l), l)
	}
}

func TestRetention(t *testing.T) {
	c := &fakeClock{now: t0}
	m := New(Options{Clock: c, Retention: time.Hour, RawRetention: 10 * time.Minute})
	mustPut(t, m, val(cpu, t0, 1), val(cpu, t0.Add(-2*time.Hour), 1)) // the second is too old
	other := Metric{Namespace: "NS", MetricName: "Other"}
	mustPut(t, m, val(other, t0, 1))
	count := func(period time.Duration, stat alarm.Statistic) int {
		return len(m.Datapoints(testScope, MetricStat{Metric: cpu, Period: period, Stat: stat}, t0.Add(-3*time.Hour), t0.Add(3*time.Hour)))
	}
	if n := count(time.Minute, alarm.Sum); n != 1 {
		t.Fatalf("%d minute points before expiry, want 1", n)
	}
	c.set(t0.Add(15 * time.Minute)) // raw data expired, minutes kept
	if n, p, r := count(time.Minute, alarm.Sum), count(time.Minute, "p50"), count(time.Second, alarm.Sum); n != 1 || p != 0 || r != 0 {
		t.Errorf("after raw retention: %d minute, %d percentile, %d raw points; want 1, 0, 0", n, p, r)
	}
	c.set(t0.Add(61 * time.Minute))
	if n := count(time.Minute, alarm.Sum); n != 0 {
		t.Errorf("%d minute points after retention", n)
	}
	if l := m.List(testScope, ListFilter{}); len(l) != 0 {
		t.Errorf("expired metrics listed: %v", l)
	}
	mustPut(t, m, val(cpu, t0.Add(61*time.Minute), 2))
	m.Prune()
	total := 0
	for i := range m.shards {
		total += len(m.shards[i].series)
	}
	if total != 1 {
		t.Errorf("%d series after Prune, want 1", total)
	}
	if l := m.List(testScope, ListFilter{}); len(l) != 1 || l[0].MetricName != cpu.MetricName {
		t.Errorf("List after Prune: %v", l)
	}
}

func TestPutDropsBadValues(t *testing.T) {
	m, _ := newTestStore(t0.Add(time.Hour))
	mustPut(t, m,
		val(cpu, t0, math.NaN()),
		val(cpu, t0, math.Inf(1)),
		Datum{Metric: cpu, Timestamp: t0, Values: []float64{1, 2, math.NaN()}, Counts: []float64{0, 2, 1}},
		Datum{Metric: cpu, Timestamp: t0, Stats: &StatisticSet{}},
		Datum{Metric: cpu, Value: ptr(5)}, // at the clock's now
	)
	got := m.Datapoints(testScope, MetricStat{Metric: cpu, Period: time.Minute, Stat: alarm.Sum}, t0, t0.Add(2*time.Hour))
	want := []alarm.Datapoint{{Start: t0, Value: 4, SampleCount: 2}, {Start: t0.Add(time.Hour), Value: 5, SampleCount: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	bad := Metric{Namespace: "NS", MetricName: "OnlyBad"}
	mustPut(t, m, val(bad, t0, math.NaN()), Datum{Metric: bad, Timestamp: t0, Values: []float64{1}, Counts: []float64{0}})
	if l := m.List(testScope, ListFilter{MetricName: "OnlyBad"}); len(l) != 0 {
		t.Errorf("a metric without valid data is listed: %v", l)
	}
}
