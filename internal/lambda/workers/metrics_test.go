package workers

import (
	"context"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/metrics"
)

func TestMetricsPublished(t *testing.T) {
	rec := &recSink{}
	p := newPool(t, Options{Metrics: rec, MetricsPeriod: time.Hour, SampleInterval: 5 * time.Millisecond})
	periodStart := alignTime(time.Now(), time.Hour)
	f := testFunction("met", "1", nil)
	p.SetProvisioned(f, "met:live", 2)
	waitReady(t, p, f, 20*time.Second)

	for range 3 {
		invoke(t, p, f, "met:live", map[string]any{"op": "echo"})
	}
	invoke(t, p, f, "met:live", map[string]any{"op": "error", "msg": "x"})
	res, errs := concurrently(p, 3, func(int) InvokeRequest {
		return InvokeRequest{Function: f, Resource: "met:live", Payload: mustJSON(map[string]any{"op": "sleep", "ms": 500})}
	})
	for i := range res {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	latest := testFunction("met", "$LATEST", nil)
	invoke(t, p, latest, "", map[string]any{"op": "echo"})
	zero := 0
	thr := testFunction("thr", "$LATEST", nil)
	thr.ReservedConcurrency = &zero
	if _, err := p.Invoke(context.Background(), InvokeRequest{Function: thr, Payload: []byte(`{}`)}); err == nil {
		t.Fatal("reserved 0 did not throttle")
	}
	p.flushMetrics()

	rec.mu.Lock()
	for _, d := range rec.data {
		if d.Namespace != "AWS/Lambda" || !d.Timestamp.Equal(periodStart) {
			t.Errorf("datum %s: namespace %q, timestamp %v (want the period start %v)", d.MetricName, d.Namespace, d.Timestamp, periodStart)
		}
	}
	rec.mu.Unlock()
	check := func(name string, want float64, dims ...string) {
		t.Helper()
		ds := rec.find(name, dims...)
		if got := sumValue(ds); len(ds) == 0 || got != want {
			t.Errorf("%s %v = %v (%d data), want %v", name, dims, got, len(ds), want)
		}
		for _, d := range ds {
			if d.Unit != "Count" {
				t.Errorf("%s unit %q", name, d.Unit)
			}
		}
	}
	check("Invocations", 7, "FunctionName=met", "Resource=met:live", "ExecutedVersion=1")
	check("Invocations", 7, "FunctionName=met", "Resource=met:live")
	check("Invocations", 1, "FunctionName=met", "Resource=met")
	check("Invocations", 8, "FunctionName=met")
	check("Invocations", 8)
	check("Errors", 1, "FunctionName=met")
	check("Errors", 1, "FunctionName=met", "Resource=met:live", "ExecutedVersion=1")
	check("Errors", 0, "FunctionName=met", "Resource=met")
	check("Throttles", 1, "FunctionName=thr", "Resource=thr")
	check("Throttles", 1, "FunctionName=thr")
	check("Throttles", 1)
	check("ProvisionedConcurrencyInvocations", 6, "FunctionName=met", "Resource=met:live")
	check("ProvisionedConcurrencySpilloverInvocations", 1, "FunctionName=met", "Resource=met:live")
	if ds := rec.find("Invocations", "FunctionName=met", "Resource=met", "ExecutedVersion=$LATEST"); len(ds) != 0 {
		t.Errorf("ExecutedVersion for an unqualified invocation: %+v", ds)
	}

	dur := rec.find("Duration", "FunctionName=met")
	if n := countValues(dur); n != 8 {
		t.Errorf("Duration count %v", n)
	}
	maxDur := 0.0
	for _, d := range dur {
		if d.Unit != "Milliseconds" {
			t.Errorf("Duration unit %q", d.Unit)
		}
		for _, v := range d.Values {
			maxDur = max(maxDur, v)
		}
	}
	if maxDur < 490 || maxDur > 3000 {
		t.Errorf("max duration %v ms, want about 500", maxDur)
	}

	stats := func(name string, dims ...string) *metrics.StatisticSet {
		t.Helper()
		ds := rec.find(name, dims...)
		if len(ds) != 1 || ds[0].Stats == nil {
			t.Fatalf("%s %v: %+v", name, dims, ds)
		}
		s := ds[0].Stats
		if s.SampleCount < 1 || s.Minimum > s.Sum/s.SampleCount+1e-9 || s.Sum/s.SampleCount > s.Maximum+1e-9 {
			t.Errorf("%s: inconsistent statistic set %+v", name, s)
		}
		return s
	}
	if s := stats("ProvisionedConcurrencyUtilization", "FunctionName=met", "Resource=met:live"); s.Maximum != 1 || s.Minimum < 0 {
		t.Errorf("utilization %+v", s)
	}
	if s := stats("ProvisionedConcurrentExecutions", "FunctionName=met", "Resource=met:live"); s.Maximum != 2 {
		t.Errorf("provisioned executions %+v", s)
	}
	if s := stats("ConcurrentExecutions"); s.Maximum != 3 {
		t.Errorf("account concurrency %+v", s)
	}
	if s := stats("ConcurrentExecutions", "FunctionName=met"); s.Maximum != 3 {
		t.Errorf("function concurrency %+v", s)
	}
	stats("UnreservedConcurrentExecutions")
	stats("ClaimedAccountConcurrency")

	// An idle period publishes nothing at all (no utilization: the AWS behaviour).
	rec.reset()
	time.Sleep(30 * time.Millisecond)
	p.flushMetrics()
	if n := rec.names(); len(n) != 0 {
		t.Errorf("idle period published %v", n)
	}
}

func TestMetricsIdleUtilization(t *testing.T) {
	rec := &recSink{}
	p := newPool(t, Options{Metrics: rec, MetricsPeriod: time.Hour, SampleInterval: 5 * time.Millisecond, EmitIdleUtilization: true})
	f := testFunction("idleu", "1", nil)
	p.SetProvisioned(f, "idleu:live", 2)
	waitReady(t, p, f, 20*time.Second)
	time.Sleep(20 * time.Millisecond)
	p.flushMetrics()
	for _, name := range []string{"ProvisionedConcurrencyUtilization", "ProvisionedConcurrentExecutions"} {
		ds := rec.find(name, "FunctionName=idleu", "Resource=idleu:live")
		if len(ds) != 1 || ds[0].Stats == nil || ds[0].Stats.Maximum != 0 || ds[0].Stats.Sum != 0 || ds[0].Stats.SampleCount < 1 {
			t.Errorf("%s for an idle function: %+v", name, ds)
		}
	}
	if n := rec.names(); n["Invocations"] != 0 || n["ConcurrentExecutions"] != 0 {
		t.Errorf("idle period published %v", n)
	}
	// Without a configuration, nothing.
	p.RemoveProvisioned(f.Key())
	rec.reset()
	p.flushMetrics()
	if n := rec.names(); len(n) != 0 {
		t.Errorf("published %v without a configuration", n)
	}
}

func TestMetricsLoop(t *testing.T) {
	rec := &recSink{}
	const period = 250 * time.Millisecond
	p := newPool(t, Options{Metrics: rec, MetricsPeriod: period})
	f := testFunction("loop", "$LATEST", nil)
	invoke(t, p, f, "", map[string]any{"op": "echo"})
	at := time.Now()
	waitFor(t, 5*time.Second, "published invocations", func() bool { return len(rec.find("Invocations", "FunctionName=loop")) > 0 })
	d := rec.find("Invocations", "FunctionName=loop")[0]
	if d.Timestamp.UnixNano()%int64(period) != 0 || d.Timestamp.After(at) || at.Sub(d.Timestamp) > 2*period {
		t.Errorf("timestamp %v for an invocation at %v (period %v)", d.Timestamp, at, period)
	}
	// The following periods are idle: nothing more.
	n := len(rec.find("Invocations", "FunctionName=loop"))
	time.Sleep(3 * period)
	if m := len(rec.find("Invocations", "FunctionName=loop")); m != n {
		t.Errorf("idle periods published invocations: %d -> %d", n, m)
	}
}
