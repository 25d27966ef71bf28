package workers

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// checkBounds checks 0 <= Available <= Allocated <= Requested (scaling up).
func checkBounds(t *testing.T, st Provisioned) {
	t.Helper()
	if st.Available < 0 || st.Available > st.Allocated || st.Allocated > st.Requested {
		t.Fatalf("bounds broken: %+v", st)
	}
	if st.Status != StatusInProgress && st.Status != StatusReady {
		t.Fatalf("status %+v", st)
	}
}

func TestProvisionedScaleUp(t *testing.T) {
	const delay = 100 * time.Millisecond
	// Burst 2, then 1200/min (one every 50 ms).
	p := newPool(t, Options{AllocationDelay: delay, AllocationBurst: 2, AllocationPerMinute: 1200})
	f := testFunction("pc", "3", nil)
	put := time.Now()
	st := p.SetProvisioned(f, "pc:live", 5)
	if st.Status != StatusInProgress || st.Requested != 5 || st.Allocated != 0 || st.Available != 0 ||
		st.LastModified.IsZero() || st.Resource != "pc:live" {
		t.Fatalf("Put returned %+v", st)
	}
	var firstAlloc, ready time.Duration
	prevAlloc := 0
	samples := 0
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, ok := p.ProvisionedStatus(f.Key())
		if !ok {
			t.Fatal("configuration missing")
		}
		checkBounds(t, st)
		if st.Allocated < prevAlloc {
			t.Fatalf("Allocated went down while scaling up: %d -> %d", prevAlloc, st.Allocated)
		}
		prevAlloc = st.Allocated
		if st.Allocated > 0 && firstAlloc == 0 {
			firstAlloc = time.Since(put)
		}
		wc := p.Workers(f.Key())
		if wc.ProvisionedIdle+wc.ProvisionedBusy > st.Requested || wc.Total() > st.Requested {
			t.Fatalf("live workers above Requested: %+v (%+v)", wc, st)
		}
		samples++
		if st.Status == StatusReady {
			if st.Allocated != 5 || st.Available != 5 {
				t.Fatalf("READY with %+v", st)
			}
			ready = time.Since(put)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not READY: %+v", st)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("first allocated after %v, READY after %v (%d samples)", firstAlloc, ready, samples)
	if firstAlloc < delay {
		t.Errorf("allocated after %v, before the %v delay", firstAlloc, delay)
	}
	// delay + 3 workers after the burst at 50 ms each.
	if ready < delay+140*time.Millisecond {
		t.Errorf("READY after %v: faster than the allocation rate allows", ready)
	}

	// Settled: live warm processes == Allocated, and stay READY.
	time.Sleep(50 * time.Millisecond)
	wc := p.Workers(f.Key())
	if wc.ProvisionedIdle != 5 || wc.Total() != 5 || len(wc.PIDs) != 5 || alivePIDs(wc.PIDs) != 5 {
		t.Fatalf("workers %+v (alive %d)", wc, alivePIDs(wc.PIDs))
	}
	res := invoke(t, p, f, "pc:live", map[string]any{"op": "env", "keys": []string{"AWS_LAMBDA_INITIALIZATION_TYPE"}})
	if !res.Provisioned || res.ColdStart || res.ExecutedVersion != "3" {
		t.Fatalf("result %+v", res)
	}
	if env := decode(t, res.Payload)["env"].(map[string]any); env["AWS_LAMBDA_INITIALIZATION_TYPE"] != "provisioned-concurrency" {
		t.Errorf("init type %v", env)
	}
	if st, _ := p.ProvisionedStatus(f.Key()); st.Status != StatusReady || st.Allocated != 5 {
		t.Errorf("after invoke %+v", st)
	}

	// Raising restarts at IN_PROGRESS and keeps the bounds.
	st = p.SetProvisioned(f, "pc:live", 7)
	if st.Status != StatusInProgress || st.Requested != 7 || st.Allocated != 5 {
		t.Fatalf("raise returned %+v", st)
	}
	waitFor(t, 20*time.Second, "READY at 7", func() bool {
		st, _ := p.ProvisionedStatus(f.Key())
		checkBounds(t, st)
		return st.Status == StatusReady
	})
	if wc := p.Workers(f.Key()); wc.ProvisionedIdle != 7 || alivePIDs(wc.PIDs) != 7 {
		t.Fatalf("workers %+v", wc)
	}
}

func TestProvisionedAvailableAtEnd(t *testing.T) {
	p := newPool(t, Options{AvailableAtEnd: true, AllocationBurst: 1, AllocationPerMinute: 600})
	f := testFunction("atend", "1", nil)
	p.SetProvisioned(f, "atend:1", 3)
	sawPartial := false
	waitFor(t, 20*time.Second, "READY", func() bool {
		st, _ := p.ProvisionedStatus(f.Key())
		checkBounds(t, st)
		if st.Status == StatusInProgress && st.Available != 0 {
			t.Fatalf("Available before READY: %+v", st)
		}
		if st.Status == StatusInProgress && st.Allocated > 0 && !sawPartial {
			sawPartial = true
			// Allocated but not available: the invocation spills to on-demand.
			res := invoke(t, p, f, "atend:1", map[string]any{"op": "echo"})
			if res.Provisioned {
				t.Errorf("ran on a provisioned worker before READY: %+v", res)
			}
		}
		return st.Status == StatusReady
	})
	if !sawPartial {
		t.Log("allocation too fast to observe a partial state")
	}
	st, _ := p.ProvisionedStatus(f.Key())
	if st.Available != 3 || st.Allocated != 3 {
		t.Fatalf("READY %+v", st)
	}
	if res := invoke(t, p, f, "atend:1", map[string]any{"op": "echo"}); !res.Provisioned {
		t.Errorf("not provisioned after READY: %+v", res)
	}
}

func TestProvisionedLowerDrainsIdleFirst(t *testing.T) {
	p := newPool(t, Options{})
	f := testFunction("lower", "1", nil)
	p.SetProvisioned(f, "lower:1", 5)
	waitReady(t, p, f, 20*time.Second)
	all := p.Workers(f.Key()).PIDs

	// One busy worker.
	type out struct {
		res *InvokeResult
		err error
	}
	busy := make(chan out, 1)
	go func() {
		res, err := p.Invoke(context.Background(), InvokeRequest{Function: f, Resource: "lower:1",
			Payload: mustJSON(map[string]any{"op": "sleep", "ms": 1500})})
		busy <- out{res, err}
	}()
	waitFor(t, 5*time.Second, "a busy provisioned worker", func() bool { return p.Workers(f.Key()).ProvisionedBusy == 1 })

	st := p.SetProvisioned(f, "lower:1", 2)
	if st.Status != StatusInProgress || st.Requested != 2 {
		t.Fatalf("lower returned %+v", st)
	}
	prev := 5
	waitFor(t, 5*time.Second, "READY at 2", func() bool {
		st, _ := p.ProvisionedStatus(f.Key())
		if st.Allocated > prev || st.Allocated < st.Requested || st.Available > st.Allocated || st.Available > st.Requested {
			t.Fatalf("drain bounds: %+v (previous Allocated %d)", st, prev)
		}
		prev = st.Allocated
		wc := p.Workers(f.Key())
		if wc.ProvisionedBusy != 1 {
			t.Fatalf("the busy worker was stopped: %+v", wc)
		}
		return st.Status == StatusReady
	})
	// The idle ones went first: the busy worker is still running its invocation.
	wc := p.Workers(f.Key())
	if wc.ProvisionedBusy != 1 || wc.ProvisionedIdle != 1 || wc.Total() != 2 {
		t.Fatalf("workers %+v", wc)
	}
	o := <-busy
	if o.err != nil || o.res.FunctionError != "" || !o.res.Provisioned {
		t.Fatalf("busy invocation: %+v %v", o.res, o.err)
	}
	busyPID := int(decode(t, o.res.Payload)["pid"].(float64))
	waitFor(t, 5*time.Second, "2 live processes", func() bool { return alivePIDs(all) == 2 })
	if !pidAlive(busyPID) || !slices.Contains(p.Workers(f.Key()).PIDs, busyPID) {
		t.Errorf("the busy worker %d was not kept", busyPID)
	}

	// Lowering below the busy count: busy workers finish, then stop.
	p.SetProvisioned(f, "lower:1", 4)
	waitReady(t, p, f, 20*time.Second)
	var wg sync.WaitGroup
	results := make(chan out, 3)
	for range 3 {
		wg.Go(func() {
			res, err := p.Invoke(context.Background(), InvokeRequest{Function: f, Resource: "lower:1",
				Payload: mustJSON(map[string]any{"op": "sleep", "ms": 1200})})
			results <- out{res, err}
		})
	}
	waitFor(t, 5*time.Second, "3 busy", func() bool { return p.Workers(f.Key()).ProvisionedBusy == 3 })
	p.SetProvisioned(f, "lower:1", 1)
	waitFor(t, 3*time.Second, "the idle one stopped", func() bool {
		st, _ := p.ProvisionedStatus(f.Key())
		return st.Allocated == 3
	})
	wg.Wait()
	close(results)
	for o := range results {
		if o.err != nil || o.res.FunctionError != "" || !o.res.Provisioned {
			t.Fatalf("draining invocation: %+v %v", o.res, o.err)
		}
	}
	st = waitReady(t, p, f, 5*time.Second)
	if st.Allocated != 1 {
		t.Fatalf("%+v", st)
	}
	waitFor(t, 5*time.Second, "one process", func() bool {
		wc := p.Workers(f.Key())
		return wc.Total() == 1 && alivePIDs(wc.PIDs) == 1
	})
}

func TestRemoveStopAndClose(t *testing.T) {
	p := newPool(t, Options{})
	f := testFunction("rm", "1", nil)
	p.SetProvisioned(f, "rm:1", 3)
	waitReady(t, p, f, 20*time.Second)
	pids := p.Workers(f.Key()).PIDs
	p.RemoveProvisioned(f.Key())
	if _, ok := p.ProvisionedStatus(f.Key()); ok {
		t.Fatal("configuration still there")
	}
	waitFor(t, 5*time.Second, "provisioned workers gone", func() bool {
		return alivePIDs(pids) == 0 && p.Workers(f.Key()).Total() == 0
	})
	if u := p.Usage(testScope); u.ProvisionedUnreserved != 0 || u.Committed != 0 {
		t.Errorf("usage after remove %+v", u)
	}

	// StopFunction: idle workers stop at once, busy ones after their invocation.
	l := testFunction("rm", "$LATEST", nil)
	invoke(t, p, l, "", map[string]any{"op": "echo"})
	busy := make(chan *InvokeResult, 1)
	go func() {
		res, _ := p.Invoke(context.Background(), InvokeRequest{Function: l, Payload: mustJSON(map[string]any{"op": "sleep", "ms": 400})})
		busy <- res
	}()
	waitFor(t, 5*time.Second, "busy", func() bool { return p.Workers(l.Key()).OnDemandBusy == 1 })
	if res := invoke(t, p, l, "", map[string]any{"op": "echo"}); !res.ColdStart {
		t.Fatalf("second worker %+v", res)
	}
	if wc := p.Workers(l.Key()); wc.OnDemandBusy != 1 || wc.OnDemandIdle != 1 {
		t.Fatalf("workers %+v", wc)
	}
	pids = p.Workers(l.Key()).PIDs
	p.StopFunction(l.Key())
	waitFor(t, 5*time.Second, "idle worker gone", func() bool { return alivePIDs(pids) == 1 })
	if res := <-busy; res == nil || res.FunctionError != "" {
		t.Fatalf("busy invocation during StopFunction: %+v", res)
	}
	waitFor(t, 5*time.Second, "no process", func() bool { return alivePIDs(pids) == 0 && p.Workers(l.Key()).Total() == 0 })

	// Close: provisioned and busy workers, one ignoring SIGTERM.
	p2, err := New(Options{StopGrace: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	g := testFunction("close", "1", map[string]string{"TESTFN_IGNORE_TERM": "1"})
	p2.SetProvisioned(g, "close:1", 2)
	waitReady(t, p2, g, 20*time.Second)
	inflight := make(chan *InvokeResult, 1)
	go func() {
		res, _ := p2.Invoke(context.Background(), InvokeRequest{Function: g, Payload: mustJSON(map[string]any{"op": "sleep", "ms": 5000})})
		inflight <- res
	}()
	waitFor(t, 5*time.Second, "busy", func() bool { return p2.Workers(g.Key()).ProvisionedBusy == 1 })
	pids = p2.Workers(g.Key()).PIDs
	start := time.Now()
	if err := p2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if n := alivePIDs(pids); n != 0 {
		t.Fatalf("%d processes alive after Close", n)
	}
	if took < 250*time.Millisecond || took > 5*time.Second {
		t.Errorf("Close took %v (SIGTERM ignored: SIGKILL after 300 ms expected)", took)
	}
	if res := <-inflight; res == nil || res.FunctionError != "Unhandled" {
		t.Errorf("in-flight invocation at Close: %+v", res)
	}
	if _, err := p2.Invoke(context.Background(), InvokeRequest{Function: g, Payload: []byte(`{}`)}); err != ErrClosed {
		t.Errorf("Invoke after Close: %v", err)
	}
}
