package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// codeDir holds the test function's bootstrap, built once for the package.
var codeDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "workers-testfn-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, "build", "-o", filepath.Join(dir, "bootstrap"),
		"github.com/autoscaled/autoscaled/internal/lambda/workers/internal/testfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test function: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	codeDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var testScope = autoscaling.Scope{Account: "123456789012", Region: "us-east-1"}

// testFunction returns a version of the test function.
func testFunction(name, version string, env map[string]string) *Function {
	return &Function{
		Scope:      testScope,
		Name:       name,
		Version:    version,
		CodeDir:    codeDir,
		CodeSHA256: "sha-v1",
		Handler:    "bootstrap",
		Runtime:    "provided.al2023",
		Env:        env,
		Timeout:    10 * time.Second,
		MemoryMB:   256,
	}
}

// testLogger writes the pool's warnings to the test log.
type tlogWriter struct {
	mu sync.Mutex
	t  testing.TB
	ok bool
}

func (w *tlogWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ok {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// newPool starts a pool for a test; cleanup closes it and checks that no process is left.
func newPool(t testing.TB, o Options) *Pool {
	t.Helper()
	if o.Logger == nil {
		lw := &tlogWriter{t: t, ok: true}
		o.Logger = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
		t.Cleanup(func() { lw.mu.Lock(); lw.ok = false; lw.mu.Unlock() })
	}
	if o.LogDir == "" {
		o.LogDir = t.TempDir()
	}
	if o.StopGrace == 0 {
		o.StopGrace = 500 * time.Millisecond
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.mu.Lock()
		var pids []int
		for w := range p.workers {
			if w.pid > 0 {
				pids = append(pids, w.pid)
			}
		}
		p.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		for _, pid := range pids {
			if pidAlive(pid) {
				t.Errorf("worker process %d still alive after Close", pid)
			}
		}
	})
	return p
}

// pidAlive reports whether a process exists (zombies included: the pool reaps its workers).
func pidAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

func alivePIDs(pids []int) int {
	n := 0
	for _, pid := range pids {
		if pidAlive(pid) {
			n++
		}
	}
	return n
}

// waitFor polls cond every 2 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func invoke(t testing.TB, p *Pool, f *Function, resource string, ev any) *InvokeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.Invoke(ctx, InvokeRequest{Function: f, Resource: resource, Payload: mustJSON(ev)})
	if err != nil {
		t.Fatalf("Invoke(%s): %v", ev, err)
	}
	return res
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("payload %q: %v", b, err)
	}
	return m
}

// waitReady waits until the configuration of f is READY.
func waitReady(t testing.TB, p *Pool, f *Function, timeout time.Duration) Provisioned {
	t.Helper()
	var st Provisioned
	waitFor(t, timeout, "READY", func() bool {
		st, _ = p.ProvisionedStatus(f.Key())
		if st.Status == StatusFailed {
			t.Fatalf("configuration FAILED: %+v", st)
		}
		return st.Status == StatusReady
	})
	return st
}

// recSink records the metrics put.
type recSink struct {
	mu   sync.Mutex
	data []metrics.Datum
}

func (r *recSink) Put(_ context.Context, scope autoscaling.Scope, data []metrics.Datum) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if scope != testScope {
		return fmt.Errorf("unexpected scope %v", scope)
	}
	r.data = append(r.data, data...)
	return nil
}

func (r *recSink) reset() {
	r.mu.Lock()
	r.data = nil
	r.mu.Unlock()
}

// find returns the data of a metric with exactly these dimensions ("k=v" pairs).
func (r *recSink) find(name string, dims ...string) []metrics.Datum {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []metrics.Datum
	for _, d := range r.data {
		if d.MetricName != name || len(d.Dimensions) != len(dims) {
			continue
		}
		ok := true
		for _, kv := range dims {
			k, v, _ := strings.Cut(kv, "=")
			found := false
			for _, dd := range d.Dimensions {
				if dd.Name == k && dd.Value == v {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			out = append(out, d)
		}
	}
	return out
}

func (r *recSink) names() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]int{}
	for _, d := range r.data {
		m[d.MetricName]++
	}
	return m
}

// sumValue adds up the Value (or Values×Counts, or Stats.Sum) of data.
func sumValue(ds []metrics.Datum) float64 {
	var s float64
	for _, d := range ds {
		switch {
		case d.Value != nil:
			s += *d.Value
		case d.Stats != nil:
			s += d.Stats.Sum
		default:
			for i, v := range d.Values {
				c := 1.0
				if i < len(d.Counts) {
					c = d.Counts[i]
				}
				s += v * c
			}
		}
	}
	return s
}

func countValues(ds []metrics.Datum) float64 {
	var s float64
	for _, d := range ds {
		for i := range d.Values {
			c := 1.0
			if i < len(d.Counts) {
				c = d.Counts[i]
			}
			s += c
		}
	}
	return s
}
