package workers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(q*float64(len(sorted))), len(sorted)-1)
	return float64(sorted[i]) / 1e6
}

// BenchmarkWarmInvoke measures a warm invocation on a provisioned worker whose handler returns
// at once: p50 and p99 of the whole Invoke, and of its overhead over the handler's own time
// (Invoke latency minus InvokeResult.Duration).
func BenchmarkWarmInvoke(b *testing.B) {
	p := newPool(b, Options{})
	f := testFunction("warm", "1", nil)
	p.SetProvisioned(f, "warm:1", 1)
	waitReady(b, p, f, 20*time.Second)
	req := InvokeRequest{Function: f, Resource: "warm:1", Payload: []byte(`{}`)}
	ctx := context.Background()
	for range 200 {
		if _, err := p.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	over := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		res, err := p.Invoke(ctx, req)
		d := time.Since(t0)
		if err != nil || !res.Provisioned || res.FunctionError != "" {
			b.Fatalf("%+v %v", res, err)
		}
		lat = append(lat, d)
		over = append(over, d-res.Duration)
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(over)
	b.ReportMetric(percentile(lat, 0.50), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
	b.ReportMetric(percentile(over, 0.50), "overhead-p50-ms")
	b.ReportMetric(percentile(over, 0.99), "overhead-p99-ms")
}

// BenchmarkWorkersStarted measures how fast SetProvisioned(50) brings 50 warm workers up
// (process start to first /next), in workers initialised per second.
func BenchmarkWorkersStarted(b *testing.B) {
	p := newPool(b, Options{})
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		f := testFunction("start", fmt.Sprint(i+1), nil)
		t0 := time.Now()
		p.SetProvisioned(f, "", 50)
		waitFor(b, 60*time.Second, "READY", func() bool {
			st, _ := p.ProvisionedStatus(f.Key())
			return st.Status == StatusReady
		})
		total += time.Since(t0)
		b.StopTimer()
		pids := p.Workers(f.Key()).PIDs
		p.RemoveProvisioned(f.Key())
		waitFor(b, 30*time.Second, "workers stopped", func() bool { return alivePIDs(pids) == 0 })
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(50*b.N)/total.Seconds(), "workers/s")
}

// BenchmarkInvokeConcurrency16 measures the throughput of 16 concurrent callers on 16
// provisioned workers.
func BenchmarkInvokeConcurrency16(b *testing.B) {
	p := newPool(b, Options{})
	f := testFunction("conc", "1", nil)
	p.SetProvisioned(f, "conc:1", 16)
	waitReady(b, p, f, 30*time.Second)
	req := InvokeRequest{Function: f, Resource: "conc:1", Payload: []byte(`{}`)}
	var next, notProv atomic.Int64
	var failed atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			ctx := context.Background()
			for next.Add(1) <= int64(b.N) {
				res, err := p.Invoke(ctx, req)
				if err != nil {
					failed.Store(err)
					return
				}
				if !res.Provisioned {
					notProv.Add(1)
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(t0)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	if n := notProv.Load(); n > 0 {
		b.Fatalf("%d invocations left the provisioned workers", n)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "invokes/s")
}
