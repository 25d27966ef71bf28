package workers

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// concurrently runs n invocations that start together and returns their results and errors.
func concurrently(p *Pool, n int, mk func(i int) InvokeRequest) ([]*InvokeResult, []error) {
	res := make([]*InvokeResult, n)
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			start.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res[i], errs[i] = p.Invoke(ctx, mk(i))
		})
	}
	start.Done()
	wg.Wait()
	return res, errs
}

func TestRoutingWarmFirstAndSpillover(t *testing.T) {
	rec := &recSink{}
	p := newPool(t, Options{Metrics: rec, MetricsPeriod: time.Hour, SampleInterval: 5 * time.Millisecond})
	f := testFunction("rt", "2", nil)
	p.SetProvisioned(f, "rt:live", 2)
	waitReady(t, p, f, 20*time.Second)

	for range 3 {
		if r := invoke(t, p, f, "rt:live", map[string]any{"op": "echo"}); !r.Provisioned || r.ColdStart {
			t.Fatalf("sequential invocation not on a warm worker: %+v", r)
		}
	}
	// Two at once fit the provisioned workers.
	res, errs := concurrently(p, 2, func(int) InvokeRequest {
		return InvokeRequest{Function: f, Resource: "rt:live", Payload: mustJSON(map[string]any{"op": "sleep", "ms": 300})}
	})
	for i := range res {
		if errs[i] != nil || !res[i].Provisioned {
			t.Fatalf("2 concurrent: %+v %v", res[i], errs[i])
		}
	}
	// Three at once: one spills over to a cold on-demand worker.
	res, errs = concurrently(p, 3, func(int) InvokeRequest {
		return InvokeRequest{Function: f, Resource: "rt:live", Payload: mustJSON(map[string]any{"op": "sleep", "ms": 700})}
	})
	prov, spill := 0, 0
	for i := range res {
		if errs[i] != nil || res[i].FunctionError != "" {
			t.Fatalf("3 concurrent: %+v %v", res[i], errs[i])
		}
		if res[i].Provisioned {
			prov++
		} else if res[i].ColdStart {
			spill++
		}
	}
	if prov != 2 || spill != 1 {
		t.Fatalf("provisioned %d, spillover %d", prov, spill)
	}
	// With a provisioned worker idle, nothing spills (the idle on-demand worker is not used).
	if r := invoke(t, p, f, "rt:live", map[string]any{"op": "echo"}); !r.Provisioned {
		t.Fatalf("%+v", r)
	}
	if wc := p.Workers(f.Key()); wc.ProvisionedIdle != 2 || wc.OnDemandIdle != 1 {
		t.Errorf("workers %+v", wc)
	}

	p.flushMetrics()
	d := []string{"FunctionName=rt", "Resource=rt:live"}
	if n := sumValue(rec.find("ProvisionedConcurrencySpilloverInvocations", d...)); n != 1 {
		t.Errorf("spillover %v", n)
	}
	if n := sumValue(rec.find("ProvisionedConcurrencyInvocations", d...)); n != 8 {
		t.Errorf("provisioned invocations %v", n)
	}
	u := rec.find("ProvisionedConcurrencyUtilization", d...)
	if len(u) != 1 || u[0].Stats == nil || u[0].Stats.Maximum != 1 {
		t.Fatalf("utilization %+v", u)
	}
}

func TestThrottleReserved(t *testing.T) {
	p := newPool(t, Options{})
	r2 := 2
	f := testFunction("res", "$LATEST", nil)
	f.ReservedConcurrency = &r2
	res, errs := concurrently(p, 4, func(int) InvokeRequest {
		return InvokeRequest{Function: f, Payload: mustJSON(map[string]any{"op": "sleep", "ms": 700})}
	})
	ok, thr := 0, 0
	for i := range res {
		var te *ThrottleError
		switch {
		case errs[i] == nil && res[i].FunctionError == "":
			ok++
		case errors.As(errs[i], &te) && te.Reason == ReasonReserved && errors.Is(errs[i], ErrThrottled):
			thr++
		default:
			t.Fatalf("unexpected %+v %v", res[i], errs[i])
		}
	}
	if ok != 2 || thr != 2 {
		t.Fatalf("ok %d, throttled %d", ok, thr)
	}

	// Provisioned concurrency counts toward the reservation: with all of it provisioned,
	// $LATEST is throttled.
	v1 := testFunction("res", "1", nil)
	v1.ReservedConcurrency = &r2
	p.SetProvisioned(v1, "res:1", 2)
	waitReady(t, p, v1, 20*time.Second)
	_, err := p.Invoke(context.Background(), InvokeRequest{Function: f, Payload: []byte(`{}`)})
	var te *ThrottleError
	if !errors.As(err, &te) || te.Reason != ReasonReserved {
		t.Fatalf("$LATEST with all reserved concurrency provisioned: %v", err)
	}
	// The provisioned version still runs, up to its provisioned workers.
	res, errs = concurrently(p, 3, func(int) InvokeRequest {
		return InvokeRequest{Function: v1, Resource: "res:1", Payload: mustJSON(map[string]any{"op": "sleep", "ms": 700})}
	})
	ok, thr = 0, 0
	for i := range res {
		if errs[i] == nil && res[i].Provisioned {
			ok++
		} else if errors.As(errs[i], &te) && te.Reason == ReasonReserved {
			thr++
		}
	}
	if ok != 2 || thr != 1 {
		t.Fatalf("provisioned ok %d, throttled %d", ok, thr)
	}
}

// TestAccountLimitUnderLoad runs bounded concurrent load on three functions under a small
// account limit and checks the accounting at every sample.
func TestAccountLimitUnderLoad(t *testing.T) {
	const limit = 5
	p := newPool(t, Options{AccountLimit: limit})
	r1 := 1
	a := testFunction("a", "$LATEST", nil)
	b := testFunction("b", "$LATEST", nil)
	b.ReservedConcurrency = &r1
	p.SetReservedConcurrency(testScope, "b", &r1) // as the API layer does at PutFunctionConcurrency
	c := testFunction("c", "1", nil)
	p.SetProvisioned(c, "c:1", 1)
	waitReady(t, p, c, 20*time.Second)
	if u := p.Usage(testScope); u.ReservedSum != 1 || u.ProvisionedUnreserved != 1 || u.UnreservedAvailable != limit-2 {
		t.Fatalf("usage %+v", u)
	}

	var stop atomic.Bool
	var maxAcct, samples atomic.Int64
	sampler := make(chan struct{})
	go func() {
		defer close(sampler)
		for !stop.Load() {
			acct, byFn := p.Concurrency(testScope)
			u := p.Usage(testScope)
			if acct > limit || u.Committed > limit || u.Claimed > limit || byFn["b"] > 1 || byFn["a"]+byFn["c"] > limit-1 {
				t.Errorf("accounting above the limits: account %d, by function %v, usage %+v", acct, byFn, u)
				return
			}
			if int64(acct) > maxAcct.Load() {
				maxAcct.Store(int64(acct))
			}
			samples.Add(1)
			time.Sleep(300 * time.Microsecond)
		}
	}()

	var okN, thrAcct, thrRes atomic.Int64
	fns := []*Function{a, b, c}
	deadline := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for i := 0; i < 40 && time.Now().Before(deadline); i++ {
				f := fns[rng.IntN(len(fns))]
				res, err := p.Invoke(context.Background(), InvokeRequest{Function: f,
					Payload: mustJSON(map[string]any{"op": "sleep", "ms": 10 + rng.IntN(20)})})
				var te *ThrottleError
				switch {
				case err == nil && res.FunctionError == "":
					okN.Add(1)
				case errors.As(err, &te) && te.Reason == ReasonAccount:
					thrAcct.Add(1)
					time.Sleep(2 * time.Millisecond)
				case errors.As(err, &te) && te.Reason == ReasonReserved:
					thrRes.Add(1)
					time.Sleep(2 * time.Millisecond)
				default:
					t.Errorf("invoke %s: %+v %v", f.Name, res, err)
					return
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	<-sampler
	t.Logf("ok %d, throttled (account) %d, throttled (reserved) %d, max concurrency %d over %d samples",
		okN.Load(), thrAcct.Load(), thrRes.Load(), maxAcct.Load(), samples.Load())
	if okN.Load() == 0 || thrAcct.Load() == 0 || thrRes.Load() == 0 {
		t.Errorf("load did not exercise both limits")
	}
	if acct, _ := p.Concurrency(testScope); acct != 0 {
		t.Errorf("concurrency %d after the load", acct)
	}
	if u := p.Usage(testScope); u.Committed != 1 {
		t.Errorf("usage after the load %+v (only the provisioned slot should stay)", u)
	}
}
