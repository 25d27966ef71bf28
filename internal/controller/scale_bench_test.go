package controller

// The scale benchmark of the engine: 100,000 scalable targets (ECS services), each with one
// target tracking policy on ECSServiceAverageCPUUtilization (target 50) and so two managed
// alarms, 200,000 alarms in all, one datapoint per target per period, driven on a fake clock.
//
//	go test ./internal/controller -run '^$' -bench 'Scale/sqlite' -benchtime 3x -cpu 1 -timeout 60m
//
// -cpu 1 runs the engine with GOMAXPROCS=1, which shows that a round fits in one core
// (its wall time then includes the garbage collector and the SQLite writer). -scale.targets
// changes the number of targets. Sub-benchmarks, in order (each one also works alone):
//
//	Load           a new engine reads every target, policy and alarm from the store
//	FirstRound     the first round after Load: attaches every target to its driver, adopts
//	               activities left in progress, checks every range, evaluates every alarm
//	StateChange    a round in which every alarm changes state (all 200,000 state changes are
//	               written, with their history items): from OK to INSUFFICIENT_DATA after a
//	               gap in the data, and back to OK on the next datapoint; an op is both rounds
//	PeriodRound    the steady state at a period end: every alarm evaluated, none changes
//	IdleRound      a tick between period ends: nothing due
//	Reaction       one target's third breaching datapoint: from the start of the round at the
//	               period end to the driver's SetDesired call
//
// The ts60 variants run the engine as --time-scale 60 does: one-second periods.
//
// Custom metrics: ms/round and cpu-ms/round (process CPU, user+system, from getrusage: the
// garbage collector and the store's goroutines included), cores (CPU time over wall time of
// the measured rounds), budget-% (a round's wall time as a share of the alarm period),
// heap-MB (Go heap in use after a GC), rss-MB, reaction-ms.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/driver/emulated"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/autoscaled/autoscaled/internal/store/readcache"
	"github.com/autoscaled/autoscaled/internal/store/sqlite"
)

var scaleTargets = flag.Int("scale.targets", 100_000, "scalable targets of BenchmarkScale")

// recordingDriver is the emulated driver that notes the wall time of every SetDesired call.
type recordingDriver struct {
	*emulated.Driver
	mu    sync.Mutex
	calls map[string]time.Time // resource id → time of the last SetDesired
}

func (d *recordingDriver) SetDesired(ctx context.Context, t *autoscaling.ScalableTarget, n int32) error {
	at := time.Now()
	d.mu.Lock()
	d.calls[t.ResourceID] = at
	d.mu.Unlock()
	return d.Driver.SetDesired(ctx, t, n)
}

func (d *recordingDriver) called(rid string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.calls[rid]
	return at, ok
}

// scaleFixture is a seeded store, a metric store, a fake clock and the current engine.
type scaleFixture struct {
	st    store.Store
	ms    *metrics.Memory
	clock *fakeClock
	drv   *recordingDriver
	c     *Controller
	scale float64 // of c
	n     int
	data  []metrics.Datum // one per target, the timestamp and value set per push
	next  int             // next target Reaction breaches
}

const (
	scaleOK     = 47.0 // between AlarmLow's 45 and AlarmHigh's 50: both alarms OK
	scaleBreach = 90.0
)

var okValue, breachValue = scaleOK, scaleBreach

func BenchmarkScale(b *testing.B) {
	for _, kind := range []string{"sqlite", "memstore"} {
		b.Run(kind, func(b *testing.B) {
			f := newScaleFixture(b, kind, *scaleTargets)
			b.Run("Load", f.benchLoad)
			b.Run("FirstRound", f.benchFirstRound)
			b.Run("StateChange", f.benchStateChange)
			for _, scale := range []float64{1, 60} {
				prefix := ""
				if scale != 1 {
					prefix = "ts60/"
				}
				b.Run(prefix+"PeriodRound", func(b *testing.B) { f.benchPeriodRound(b, scale) })
				b.Run(prefix+"IdleRound", func(b *testing.B) { f.benchIdleRound(b, scale) })
				b.Run(prefix+"Reaction", func(b *testing.B) { f.benchReaction(b, scale) })
			}
		})
	}
}

func newScaleFixture(b *testing.B, kind string, n int) *scaleFixture {
	ctx := context.Background()
	f := &scaleFixture{clock: &fakeClock{now: start}, n: n}
	switch kind {
	case "sqlite":
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "autoscaled.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		f.st = readcache.New(st) // as the server opens it
	case "memstore":
		f.st = memstore.New()
	}
	f.ms = metrics.New(metrics.Options{Clock: f.clock})
	f.drv = &recordingDriver{Driver: emulated.New(f.st, f.clock, 2*time.Second), calls: map[string]time.Time{}}
	t0 := time.Now()
	f.seed(b)
	b.Logf("%s: seeded %d targets, %d policies, %d alarms in %s", kind, n, n, 2*n, time.Since(t0).Round(time.Millisecond))
	f.data = make([]metrics.Datum, n)
	for i := range f.data {
		f.data[i].Metric = metrics.Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: []metrics.Dimension{
			{Name: "ClusterName", Value: "c"}, {Name: "ServiceName", Value: "s" + strconv.Itoa(i)}}}
	}
	return f
}

// seed writes what RegisterScalableTarget and PutScalingPolicy write (the target, its
// emulated resource, the policy and its managed alarms), 1000 targets per transaction.
func (f *scaleFixture) seed(b *testing.B) {
	ctx := context.Background()
	now := f.clock.Now()
	const batch = 1000
	for lo := 0; lo < f.n; lo += batch {
		err := f.st.Update(ctx, func(tx store.Tx) error {
			for i := lo; i < min(lo+batch, f.n); i++ {
				t := &autoscaling.ScalableTarget{Scope: scope, TargetKey: autoscaling.TargetKey{Namespace: "ecs",
					ResourceID: fmt.Sprintf("service/c/s%d", i), Dimension: "ecs:service:DesiredCount"},
					ID: autoscaling.NewTargetID("ecs"), ResourceUUID: autoscaling.NewUUID(), MinCapacity: 1, MaxCapacity: 100, CreationTime: now}
				if err := tx.InsertTarget(t); err != nil {
					return err
				}
				if err := enginestate.TargetCreated(tx, t); err != nil {
					return err
				}
				res, _ := json.Marshal(struct {
					From    int32     `json:"from"`
					Desired int32     `json:"desired"`
					ReadyAt time.Time `json:"readyAt"`
				}{1, 1, time.Time{}})
				if err := tx.PutRecord(emulated.Key(t), res); err != nil {
					return err
				}
				p := &autoscaling.ScalingPolicy{Name: "cpu50", Scope: scope, TargetKey: t.TargetKey, CreationTime: now,
					Type: autoscaling.PolicyTypeTargetTracking,
					TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: f64(50),
						PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{PredefinedMetricType: str("ECSServiceAverageCPUUtilization")}}}
				p.ARN = autoscaling.PolicyARN(scope, t.ResourceUUID, t.TargetKey, p.Name)
				for _, kind := range []string{"AlarmHigh", "AlarmLow"} {
					name := "TargetTracking-" + t.ResourceID + "-" + kind + "-" + autoscaling.NewUUID()
					p.Alarms = append(p.Alarms, autoscaling.Alarm{AlarmName: name, AlarmARN: autoscaling.AlarmARN(scope, name)})
				}
				if err := tx.PutPolicy(p); err != nil {
					return err
				}
				if err := enginestate.PolicyPut(tx, t, p, nil, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
}

// newController makes a new engine (dropping the current one) and loads it.
func (f *scaleFixture) newController(b *testing.B, scale float64) {
	f.c = nil
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("ENGINE_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	f.c = New(Options{Store: f.st, Metrics: f.ms, Drivers: driver.NewSet(f.drv), Clock: f.clock, TimeScale: scale, Logger: log})
	f.scale = scale
	if err := f.c.Load(context.Background()); err != nil {
		b.Fatalf("load: %v", err)
	}
}

func (f *scaleFixture) period() time.Duration {
	return time.Duration(float64(time.Minute) / f.scale)
}

// ensure makes the engine one of the given time scale that has run its first round and
// evaluated the last two periods with data (not timed).
func (f *scaleFixture) ensure(b *testing.B, scale float64) {
	b.StopTimer()
	defer b.StartTimer()
	if f.c != nil && f.scale == scale {
		return
	}
	f.newController(b, scale)
	f.c.Round(context.Background())
	for range 2 {
		f.periodRound(b, -1)
	}
}

// push records one datapoint per target for the period [pe-period, pe), target hot breaching.
func (f *scaleFixture) push(b *testing.B, pe time.Time, hot int) {
	ts := pe.Add(-f.period() / 2)
	for i := range f.data {
		f.data[i].Timestamp, f.data[i].Value = ts, &okValue
	}
	if hot >= 0 {
		f.data[hot].Value = &breachValue
	}
	for lo := 0; lo < len(f.data); lo += 1000 {
		if err := f.ms.Put(context.Background(), scope, f.data[lo:min(lo+1000, len(f.data))]); err != nil {
			b.Fatal(err)
		}
	}
}

// nextEnd is the first period end after the clock.
func (f *scaleFixture) nextEnd() time.Time {
	return periodEnd(f.clock.Now(), f.period()).Add(f.period())
}

// periodRound pushes the data of the period ending next, moves the clock to its end and runs
// the round there.
func (f *scaleFixture) periodRound(b *testing.B, hot int) {
	pe := f.nextEnd()
	f.push(b, pe, hot)
	f.clock.set(pe)
	f.c.Round(context.Background())
}

// meter sums wall and process CPU time over measured sections.
type meter struct {
	wall, cpu  time.Duration
	n          int
	fast, slow time.Duration // of one section
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (m *meter) measure(fn func()) {
	c0, w0 := cpuTime(), time.Now()
	fn()
	d := time.Since(w0)
	m.wall += d
	m.cpu += cpuTime() - c0
	if m.n == 0 || d < m.fast {
		m.fast = d
	}
	m.slow = max(m.slow, d)
	m.n++
}

// report adds ms/round, cpu-ms/round and cores; with period > 0, budget-%.
func (m *meter) report(b *testing.B, period time.Duration) {
	if m.n == 0 {
		return
	}
	b.ReportMetric(float64(m.wall.Microseconds())/1000/float64(m.n), "ms/round")
	if m.n > 1 {
		b.ReportMetric(float64(m.fast.Microseconds())/1000, "min-ms/round")
		b.ReportMetric(float64(m.slow.Microseconds())/1000, "max-ms/round")
	}
	b.ReportMetric(float64(m.cpu.Microseconds())/1000/float64(m.n), "cpu-ms/round")
	if m.wall > 0 {
		b.ReportMetric(float64(m.cpu)/float64(m.wall), "cores")
	}
	if period > 0 {
		b.ReportMetric(100*float64(m.wall)/float64(m.n)/float64(period), "budget-%")
	}
}

func heapMB() float64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return float64(s.HeapInuse) / (1 << 20)
}

func rssMB() float64 {
	bs, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(bs), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func (f *scaleFixture) benchLoad(b *testing.B) {
	b.ReportAllocs()
	var m meter
	var before, after float64
	for range b.N {
		b.StopTimer()
		f.c = nil
		before = heapMB()
		b.StartTimer()
		m.measure(func() { f.newController(b, 1) })
		b.StopTimer()
		after = heapMB()
		b.StartTimer()
	}
	m.report(b, 0)
	b.ReportMetric(after-before, "index-MB")
	b.ReportMetric(after, "heap-MB")
	b.ReportMetric(rssMB(), "rss-MB")
	if got := len(f.c.alarms); got != 2*f.n {
		b.Fatalf("loaded %d alarms, want %d", got, 2*f.n)
	}
}

func (f *scaleFixture) benchFirstRound(b *testing.B) {
	b.ReportAllocs()
	var m meter
	for range b.N {
		b.StopTimer()
		f.newController(b, 1)
		b.StartTimer()
		m.measure(func() { f.c.Round(context.Background()) })
	}
	m.report(b, 0)
}

// benchStateChange: per op, two rounds in which every alarm changes state.
func (f *scaleFixture) benchStateChange(b *testing.B) {
	f.ensure(b, 1)
	b.StopTimer()
	f.periodRound(b, -1) // every alarm OK (a fresh engine may not have seen data yet)
	b.StartTimer()
	b.ReportAllocs()
	var m meter
	count := func(want alarm.State) {
		n := 0
		for _, e := range f.c.alarms {
			if e.state == want {
				n++
			}
		}
		if n != 2*f.n {
			b.Fatalf("%d alarms %s, want %d", n, want, 2*f.n)
		}
	}
	for range b.N {
		// No data for 25 periods: every alarm's evaluation range is empty.
		b.StopTimer()
		f.clock.set(f.nextEnd().Add(24 * f.period()))
		b.StartTimer()
		m.measure(func() { f.c.Round(context.Background()) })
		b.StopTimer()
		count(alarm.StateInsufficientData)
		pe := f.nextEnd()
		f.push(b, pe, -1)
		f.clock.set(pe)
		b.StartTimer()
		m.measure(func() { f.c.Round(context.Background()) })
		b.StopTimer()
		count(alarm.StateOK)
		b.StartTimer()
	}
	m.report(b, f.period())
	b.ReportMetric(heapMB(), "heap-MB")
}

func (f *scaleFixture) benchPeriodRound(b *testing.B, scale float64) {
	f.ensure(b, scale)
	b.ReportAllocs()
	var m meter
	for range b.N {
		pe := f.nextEnd()
		b.StopTimer()
		f.push(b, pe, -1)
		f.clock.set(pe)
		b.StartTimer()
		m.measure(func() { f.c.Round(context.Background()) })
	}
	m.report(b, f.period())
	b.StopTimer()
	b.ReportMetric(heapMB(), "heap-MB")
	b.ReportMetric(rssMB(), "rss-MB")
}

// benchIdleRound: rounds one engine tick apart between period ends (the period-end rounds in
// between are not timed).
func (f *scaleFixture) benchIdleRound(b *testing.B, scale float64) {
	f.ensure(b, scale)
	b.ReportAllocs()
	var m meter
	tick := f.c.opts.Tick
	for range b.N {
		b.StopTimer()
		if next := f.clock.Now().Add(tick); !next.Before(f.nextEnd()) {
			pe := f.nextEnd()
			f.push(b, pe, -1)
			f.clock.set(pe)
			f.c.Round(context.Background())
		}
		f.clock.set(f.clock.Now().Add(tick))
		b.StartTimer()
		m.measure(func() { f.c.Round(context.Background()) })
	}
	m.report(b, tick)
}

// benchReaction: per op, one target's datapoints breach for three periods; the third
// period's round invokes its policy. Only that round is timed; reaction-ms is from its start
// to the driver's SetDesired call.
func (f *scaleFixture) benchReaction(b *testing.B, scale float64) {
	f.ensure(b, scale)
	b.ReportAllocs()
	var m meter
	var sum, best, worst time.Duration
	for range b.N {
		b.StopTimer()
		hot := f.next % f.n
		f.next++
		rid := fmt.Sprintf("service/c/s%d", hot)
		for range 2 {
			f.push(b, f.nextEnd(), hot)
			f.clock.set(f.nextEnd())
			f.c.Round(context.Background())
		}
		if _, ok := f.drv.called(rid); ok {
			b.Fatalf("%s scaled before its third breaching datapoint", rid)
		}
		pe := f.nextEnd()
		f.push(b, pe, hot)
		f.clock.set(pe)
		b.StartTimer()
		var began time.Time
		m.measure(func() {
			began = time.Now()
			f.c.Round(context.Background())
		})
		at, ok := f.drv.called(rid)
		if !ok {
			b.Fatalf("%s: no SetDesired in the round at its third breaching datapoint", rid)
		}
		d := at.Sub(began)
		sum += d
		if best == 0 || d < best {
			best = d
		}
		worst = max(worst, d)
	}
	m.report(b, f.period())
	b.ReportMetric(float64(sum.Microseconds())/1000/float64(b.N), "reaction-ms")
	b.ReportMetric(float64(best.Microseconds())/1000, "reaction-min-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "reaction-max-ms")
	b.ReportMetric(100*float64(sum)/float64(b.N)/float64(f.period()), "reaction-%-of-interval")
}
