package workers

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// Namespace of the published metrics.
const Namespace = "AWS/Lambda"

// maxValuesPerDatum is CloudWatch's limit of values in one MetricDatum.
const maxValuesPerDatum = 150

// metricsState is the metrics of the current period; guarded by Pool.mu.
type metricsState struct {
	periodStart time.Time
}

// gauge follows a level (concurrency, utilization): its maximum over the period is exact (it
// is updated at each change); the average and minimum come from regular samples.
type gauge struct {
	cur    float64
	valid  bool // cur means something (utilization with nothing allocated does not)
	max    float64
	hasMax bool
	min    float64
	sum    float64
	n      int
	active bool // was above 0 during the period
}

func (g *gauge) set(v float64) {
	g.cur, g.valid = v, true
	if !g.hasMax || v > g.max {
		g.max, g.hasMax = v, true
	}
	if v > 0 {
		g.active = true
	}
}

func (g *gauge) unset() { g.valid = false }

func (g *gauge) sample() {
	if !g.valid {
		return
	}
	if g.n == 0 || g.cur < g.min {
		g.min = g.cur
	}
	g.sum += g.cur
	g.n++
	if !g.hasMax || g.cur > g.max {
		g.max, g.hasMax = g.cur, true
	}
	if g.cur > 0 {
		g.active = true
	}
}

func (g *gauge) stats() *metrics.StatisticSet {
	return &metrics.StatisticSet{SampleCount: float64(g.n), Sum: g.sum, Minimum: min(g.min, g.max), Maximum: g.max}
}

// reset starts a new period at the current level.
func (g *gauge) reset() {
	g.n, g.sum, g.min, g.hasMax, g.active = 0, 0, 0, false, false
	if g.valid {
		g.set(g.cur)
	}
}

// invKey identifies the invocation metrics of one resource and executed version.
type invKey struct{ name, resource, version string }

type invAgg struct {
	n, errs float64
	durs    map[float64]float64 // duration in ms (3 significant digits) → count
}

// pcAgg is the provisioned concurrency metrics of one configuration (FunctionName, Resource).
type pcAgg struct {
	name, resource         string
	invocations, spillover int
	busy, util             gauge
	cfgs                   int // configurations publishing into it (two while an alias moves)
}

func (a *pcAgg) active() bool { return a.invocations > 0 || a.spillover > 0 || a.busy.active }

type nameRes struct{ name, resource string }

// scopeMet is the metrics of one scope in the current period.
type scopeMet struct {
	inv     map[invKey]*invAgg
	thr     map[nameRes]float64
	conc    gauge // ConcurrentExecutions (account)
	unres   gauge // UnreservedConcurrentExecutions
	claimed gauge // ClaimedAccountConcurrency
	fns     map[string]*gauge
	pcs     map[nameRes]*pcAgg
}

func newScopeMet() *scopeMet {
	return &scopeMet{
		inv: make(map[invKey]*invAgg),
		thr: make(map[nameRes]float64),
		fns: make(map[string]*gauge),
		pcs: make(map[nameRes]*pcAgg),
	}
}

func (m *scopeMet) fnGauge(name string) *gauge {
	g := m.fns[name]
	if g == nil {
		g = &gauge{}
		g.set(0)
		m.fns[name] = g
	}
	return g
}

func (m *scopeMet) pcAggFor(name, resource string) *pcAgg {
	k := nameRes{name, resource}
	a := m.pcs[k]
	if a == nil {
		a = &pcAgg{name: name, resource: resource}
		m.pcs[k] = a
	}
	return a
}

func (m *scopeMet) throttle(name, resource string) {
	m.thr[nameRes{name, resource}]++
}

// roundDuration rounds a duration in milliseconds to 3 significant digits, so that a period's
// durations fit in few distinct values (percentiles stay within 0.5%).
func roundDuration(ms float64) float64 {
	if ms <= 0 {
		return 0
	}
	e := math.Floor(math.Log10(ms)) - 2
	scale := math.Pow(10, e)
	return math.Round(ms/scale) * scale
}

// invocation records an invocation; ran is false when it never reached the handler (init
// failure), which adds no Duration.
func (m *scopeMet) invocation(name, resource, version string, failed, ran bool, dur time.Duration) {
	k := invKey{name, resource, version}
	a := m.inv[k]
	if a == nil {
		a = &invAgg{durs: make(map[float64]float64, 8)}
		m.inv[k] = a
	}
	a.n++
	if failed {
		a.errs++
	}
	if ran {
		a.durs[roundDuration(float64(dur)/1e6)]++
	}
}

// sampleLocked samples every gauge (each SampleInterval, and before a period ends).
func (p *Pool) sampleLocked() {
	for _, a := range p.accts {
		m := a.met
		m.claimed.set(float64(a.unreservedUsage + a.reservedSum))
		m.conc.sample()
		m.unres.sample()
		m.claimed.sample()
		for _, g := range m.fns {
			g.sample()
		}
		for _, pa := range m.pcs {
			pa.busy.sample()
			pa.util.sample()
		}
	}
}

// loop samples the gauges, stops idle on-demand workers, and publishes the metrics at the end
// of each period.
func (p *Pool) loop() {
	defer p.loops.Done()
	tick := time.NewTicker(p.o.SampleInterval)
	defer tick.Stop()
	rot := time.NewTimer(p.untilNextPeriod())
	defer rot.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-tick.C:
			p.mu.Lock()
			p.sampleLocked()
			p.reapIdleLocked()
			p.mu.Unlock()
		case <-rot.C:
			p.flushMetrics()
			rot.Reset(p.untilNextPeriod())
		}
	}
}

func (p *Pool) untilNextPeriod() time.Duration {
	now := p.clock()
	next := alignTime(now, p.o.MetricsPeriod).Add(p.o.MetricsPeriod)
	d := next.Sub(now)
	if d < time.Millisecond || d > p.o.MetricsPeriod {
		d = p.o.MetricsPeriod
	}
	return d
}

// reapIdleLocked stops on-demand workers idle for longer than OnDemandIdle.
func (p *Pool) reapIdleLocked() {
	now := time.Now()
	for _, v := range p.versions {
		for len(v.idleOD) > 0 && now.Sub(v.idleOD[0].idleSince) >= p.o.OnDemandIdle {
			p.stopWorkerLocked(v.idleOD[0], false) // removes it from idleOD
		}
	}
}

// flushMetrics ends the current period and publishes its metrics.
func (p *Pool) flushMetrics() {
	p.mu.Lock()
	ts := p.met.periodStart
	p.sampleLocked()
	batches := make(map[autoscaling.Scope][]metrics.Datum)
	for scope, a := range p.accts {
		if data := p.periodDataLocked(a, ts); len(data) > 0 {
			batches[scope] = data
		}
	}
	next := alignTime(p.clock(), p.o.MetricsPeriod)
	if !next.After(ts) {
		next = ts.Add(p.o.MetricsPeriod)
	}
	p.met.periodStart = next
	sink := p.o.Metrics
	p.mu.Unlock()
	if sink == nil {
		return
	}
	for scope, data := range batches {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := sink.Put(ctx, scope, data); err != nil {
			p.log.Warn("lambda metrics not published", "scope", scope, "err", err)
		}
		cancel()
	}
}

func dims(kv ...string) []metrics.Dimension {
	d := make([]metrics.Dimension, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, metrics.Dimension{Name: kv[i], Value: kv[i+1]})
	}
	return d
}

func datum(name string, ts time.Time, unit string, d []metrics.Dimension) metrics.Datum {
	return metrics.Datum{
		Metric:    metrics.Metric{Namespace: Namespace, MetricName: name, Dimensions: d},
		Timestamp: ts,
		Unit:      unit,
	}
}

func valueDatum(name string, ts time.Time, unit string, v float64, d []metrics.Dimension) metrics.Datum {
	x := datum(name, ts, unit, d)
	x.Value = &v
	return x
}

func statsDatum(name string, ts time.Time, unit string, g *gauge, d []metrics.Dimension) metrics.Datum {
	x := datum(name, ts, unit, d)
	x.Stats = g.stats()
	return x
}

// invTotals is the invocation metrics of one dimension set.
type invTotals struct {
	n, errs float64
	durs    map[float64]float64
}

func (t *invTotals) add(a *invAgg) {
	t.n += a.n
	t.errs += a.errs
	if t.durs == nil {
		t.durs = make(map[float64]float64, len(a.durs))
	}
	for v, c := range a.durs {
		t.durs[v] += c
	}
}

// durationData splits a period's durations into data of at most 150 values each.
func durationData(ts time.Time, durs map[float64]float64, d []metrics.Dimension) []metrics.Datum {
	vals := make([]float64, 0, len(durs))
	for v := range durs {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	var out []metrics.Datum
	for len(vals) > 0 {
		chunk := vals[:min(len(vals), maxValuesPerDatum)]
		vals = vals[len(chunk):]
		x := datum("Duration", ts, "Milliseconds", d)
		x.Values = slices.Clone(chunk)
		x.Counts = make([]float64, len(chunk))
		for i, v := range chunk {
			x.Counts[i] = durs[v]
		}
		out = append(out, x)
	}
	return out
}

// periodDataLocked builds the data of the period that starts at ts and resets the
// aggregates for the next period.
func (p *Pool) periodDataLocked(a *acctState, ts time.Time) []metrics.Datum {
	m := a.met
	var out []metrics.Datum

	// Invocation metrics: {}, {FunctionName}, {FunctionName, Resource},
	// {FunctionName, Resource, ExecutedVersion} (qualified resources only).
	if len(m.inv) > 0 || len(m.thr) > 0 {
		var acct invTotals
		byFn := make(map[string]*invTotals)
		byRes := make(map[nameRes]*invTotals)
		get := func(mp map[nameRes]*invTotals, k nameRes) *invTotals {
			t := mp[k]
			if t == nil {
				t = &invTotals{}
				mp[k] = t
			}
			return t
		}
		keys := make([]invKey, 0, len(m.inv))
		for k := range m.inv {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(x, y invKey) int {
			return strings.Compare(x.name+"\x00"+x.resource+"\x00"+x.version, y.name+"\x00"+y.resource+"\x00"+y.version)
		})
		for _, k := range keys {
			ag := m.inv[k]
			acct.add(ag)
			ft := byFn[k.name]
			if ft == nil {
				ft = &invTotals{}
				byFn[k.name] = ft
			}
			ft.add(ag)
			get(byRes, nameRes{k.name, k.resource}).add(ag)
			if strings.Contains(k.resource, ":") {
				d := dims("FunctionName", k.name, "Resource", k.resource, "ExecutedVersion", k.version)
				out = append(out, valueDatum("Invocations", ts, "Count", ag.n, d),
					valueDatum("Errors", ts, "Count", ag.errs, d))
				out = append(out, durationData(ts, ag.durs, d)...)
			}
		}
		for k, n := range m.thr {
			get(byRes, k)
			if byFn[k.name] == nil {
				byFn[k.name] = &invTotals{}
			}
			d := dims("FunctionName", k.name, "Resource", k.resource)
			out = append(out, valueDatum("Throttles", ts, "Count", n, d))
		}
		thrFn := make(map[string]float64)
		var thrAll float64
		for k, n := range m.thr {
			thrFn[k.name] += n
			thrAll += n
		}
		emit := func(t *invTotals, d []metrics.Dimension) {
			out = append(out, valueDatum("Invocations", ts, "Count", t.n, d),
				valueDatum("Errors", ts, "Count", t.errs, d))
			if len(t.durs) > 0 {
				out = append(out, durationData(ts, t.durs, d)...)
			}
		}
		for k, t := range byRes {
			if t.n > 0 {
				emit(t, dims("FunctionName", k.name, "Resource", k.resource))
			}
		}
		for name, t := range byFn {
			d := dims("FunctionName", name)
			if t.n > 0 {
				emit(t, d)
			}
			if n := thrFn[name]; n > 0 {
				out = append(out, valueDatum("Throttles", ts, "Count", n, d))
			}
		}
		if acct.n > 0 {
			emit(&acct, nil)
		}
		if thrAll > 0 {
			out = append(out, valueDatum("Throttles", ts, "Count", thrAll, nil))
		}
		clear(m.inv)
		clear(m.thr)
	}

	// Concurrency: ConcurrentExecutions {} and {FunctionName}, UnreservedConcurrentExecutions
	// and ClaimedAccountConcurrency {}, only for periods with executions.
	if m.conc.active {
		out = append(out, statsDatum("ConcurrentExecutions", ts, "Count", &m.conc, nil))
		if m.unres.active {
			out = append(out, statsDatum("UnreservedConcurrentExecutions", ts, "Count", &m.unres, nil))
		}
		out = append(out, statsDatum("ClaimedAccountConcurrency", ts, "Count", &m.claimed, nil))
	}
	for name, g := range m.fns {
		if g.active && g.n > 0 {
			out = append(out, statsDatum("ConcurrentExecutions", ts, "Count", g, dims("FunctionName", name)))
		}
		if fs := a.fns[name]; fs == nil || fs.met != g {
			delete(m.fns, name)
		}
	}
	m.conc.reset()
	m.unres.reset()
	m.claimed.reset()
	for _, g := range m.fns {
		g.reset()
	}

	// Provisioned concurrency, per configuration {FunctionName, Resource}.
	for k, pa := range m.pcs {
		d := dims("FunctionName", pa.name, "Resource", pa.resource)
		switch {
		case pa.active():
			if pa.invocations > 0 {
				out = append(out, valueDatum("ProvisionedConcurrencyInvocations", ts, "Count", float64(pa.invocations), d))
			}
			if pa.spillover > 0 {
				out = append(out, valueDatum("ProvisionedConcurrencySpilloverInvocations", ts, "Count", float64(pa.spillover), d))
			}
			if pa.busy.n > 0 {
				out = append(out, statsDatum("ProvisionedConcurrentExecutions", ts, "Count", &pa.busy, d))
			}
			if pa.util.n > 0 {
				out = append(out, statsDatum("ProvisionedConcurrencyUtilization", ts, "Count", &pa.util, d))
			}
		case pa.cfgs > 0 && p.o.EmitIdleUtilization:
			zero := gauge{n: max(pa.util.n, 1)}
			out = append(out, statsDatum("ProvisionedConcurrentExecutions", ts, "Count", &zero, d),
				statsDatum("ProvisionedConcurrencyUtilization", ts, "Count", &zero, d))
		}
		pa.invocations, pa.spillover = 0, 0
		pa.busy.reset()
		pa.util.reset()
		if pa.cfgs == 0 && !pa.busy.active {
			delete(m.pcs, k)
		}
	}
	return out
}
