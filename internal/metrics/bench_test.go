package metrics

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
)

// benchMetrics returns n distinct metrics shaped like the ones collectors put.
func benchMetrics(n int) []Metric {
	out := make([]Metric, n)
	for i := range out {
		out[i] = Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: []Dimension{
			{"ServiceName", fmt.Sprintf("service-%d", i)}, {"ClusterName", "cluster"}}}
	}
	return out
}

// BenchmarkPut puts batches of 20 datums over 100,000 existing series, one second apart per
// round over the series; ns/op and allocs/op are per datum.
func BenchmarkPut(b *testing.B) { benchPut(b, true) }

// BenchmarkPutNewSeries is BenchmarkPut starting from an empty store, so that the first
// 100,000 datums also create their series.
func BenchmarkPutNewSeries(b *testing.B) { benchPut(b, false) }

func benchPut(b *testing.B, prefill bool) {
	const series, batch = 100_000, 20
	ms := benchMetrics(series)
	clock := &fakeClock{now: t0}
	m := New(Options{Clock: clock})
	data := make([]Datum, batch)
	v := 42.0
	ctx := context.Background()
	if prefill {
		for i := range ms {
			if err := m.Put(ctx, testScope, []Datum{{Metric: ms[i], Timestamp: t0.Add(-time.Second), Value: &v}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	next := 0
	for i := 0; i < b.N; i += batch {
		ts := t0.Add(time.Duration(next/series) * time.Second)
		for k := range data {
			data[k] = Datum{Metric: ms[next%series], Timestamp: ts, Value: &v}
			next++
		}
		if err := m.Put(ctx, testScope, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDatapoints is the alarm fast path: the last five periods of one series, with one
// sample per second of data.
func BenchmarkDatapoints(b *testing.B) {
	for _, bc := range []struct {
		name   string
		period time.Duration
		stat   alarm.Statistic
	}{
		{"60s-Average", time.Minute, alarm.Average},
		{"1s-Average", time.Second, alarm.Average},
		{"60s-p90", time.Minute, "p90"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const series = 1000
			ms := benchMetrics(series)
			clock := &fakeClock{now: t0.Add(time.Hour)}
			m := New(Options{Clock: clock})
			v := 1.0
			for s := 0; s < 3600; s += 1 { // one hour, one sample per second
				data := make([]Datum, 0, series)
				for i := range ms[:100] {
					data = append(data, Datum{Metric: ms[i], Timestamp: t0.Add(time.Duration(s) * time.Second), Value: &v})
				}
				if err := m.Put(context.Background(), testScope, data); err != nil {
					b.Fatal(err)
				}
			}
			to := t0.Add(time.Hour)
			from := to.Add(-5 * bc.period)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ps := m.Datapoints(testScope, MetricStat{Metric: ms[i%100], Period: bc.period, Stat: bc.stat}, from, to)
				if len(ps) != 5 {
					b.Fatalf("%d datapoints", len(ps))
				}
			}
		})
	}
}

// BenchmarkQuery runs the DynamoDB target-tracking expression over two series.
func BenchmarkQuery(b *testing.B) {
	m := New(Options{Clock: &fakeClock{now: t0.Add(time.Hour)}})
	ms := benchMetrics(2)
	v := 5.0
	for s := 0; s < 600; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		if err := m.Put(context.Background(), testScope, []Datum{{Metric: ms[0], Timestamp: at, Value: &v}, {Metric: ms[1], Timestamp: at, Value: &v}}); err != nil {
			b.Fatal(err)
		}
	}
	qs := []Query{
		{ID: "m1", MetricStat: &MetricStat{Metric: ms[0], Period: time.Minute, Stat: alarm.Sum}},
		{ID: "m2", MetricStat: &MetricStat{Metric: ms[1], Period: time.Minute, Stat: alarm.Average}},
		{ID: "e1", Expression: "100*(m1/60)/m2", ReturnData: true},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rs, err := m.Query(testScope, qs, t0, t0.Add(10*time.Minute))
		if err != nil || len(rs) != 1 || len(rs[0].Values) != 10 {
			b.Fatal(rs, err)
		}
	}
}
