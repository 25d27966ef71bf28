package cloudwatch

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// fakeStore is a small in-memory metrics.Store: raw samples, no metric math beyond MetricStat
// queries (an Expression query is an ErrInvalidQuery unless it is a bare id).
type fakeStore struct {
	mu   sync.Mutex
	data map[autoscaling.Scope][]metrics.Datum
	now  func() time.Time
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{data: map[autoscaling.Scope][]metrics.Datum{}, now: now}
}

func metricKey(m metrics.Metric) string {
	ds := slices.Clone(m.Dimensions)
	sort.Slice(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
	return fmt.Sprint(m.Namespace, "|", m.MetricName, "|", ds)
}

func (f *fakeStore) Put(_ context.Context, scope autoscaling.Scope, data []metrics.Datum) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range data {
		if d.Timestamp.IsZero() {
			d.Timestamp = f.now()
		}
		f.data[scope] = append(f.data[scope], d)
	}
	return nil
}

// samples of a datum: (value, count) pairs, and the stats set when given.
func samples(d metrics.Datum) (vals, counts []float64) {
	switch {
	case d.Value != nil:
		return []float64{*d.Value}, []float64{1}
	case d.Stats != nil:
		return nil, nil
	}
	for i, v := range d.Values {
		c := 1.0
		if d.Counts != nil {
			c = d.Counts[i]
		}
		vals, counts = append(vals, v), append(counts, c)
	}
	return vals, counts
}

type agg struct{ n, sum, min, max float64 }

func (f *fakeStore) aggregate(scope autoscaling.Scope, m metrics.Metric, unit string, period time.Duration, from, to time.Time) (map[time.Time]*agg, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[time.Time]*agg{}
	var u string
	for _, d := range f.data[scope] {
		if metricKey(d.Metric) != metricKey(m) || (unit != "" && d.Unit != unit) || d.Timestamp.Before(from) || !d.Timestamp.Before(to) {
			continue
		}
		u = d.Unit
		k := d.Timestamp.Truncate(period)
		a := out[k]
		if a == nil {
			a = &agg{min: math.Inf(1), max: math.Inf(-1)}
			out[k] = a
		}
		if d.Stats != nil {
			a.n += d.Stats.SampleCount
			a.sum += d.Stats.Sum
			a.min, a.max = math.Min(a.min, d.Stats.Minimum), math.Max(a.max, d.Stats.Maximum)
			continue
		}
		vals, counts := samples(d)
		for i, v := range vals {
			a.n += counts[i]
			a.sum += v * counts[i]
			a.min, a.max = math.Min(a.min, v), math.Max(a.max, v)
		}
	}
	return out, u
}

func statOf(a *agg, s alarm.Statistic) float64 {
	switch s {
	case alarm.SampleCount:
		return a.n
	case alarm.Sum:
		return a.sum
	case alarm.Minimum:
		return a.min
	case alarm.Maximum:
		return a.max
	case alarm.Average:
		return a.sum / a.n
	}
	return a.max // percentiles: the maximum is good enough for a fake
}

func sortedKeys(m map[time.Time]*agg) []time.Time {
	ks := make([]time.Time, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b time.Time) int { return a.Compare(b) })
	return ks
}

func (f *fakeStore) Datapoints(scope autoscaling.Scope, st metrics.MetricStat, from, to time.Time) []alarm.Datapoint {
	return nil
}

func (f *fakeStore) Statistics(scope autoscaling.Scope, m metrics.Metric, stats []alarm.Statistic, unit string, period time.Duration, from, to time.Time) []metrics.StatPoint {
	aggs, u := f.aggregate(scope, m, unit, period, from, to)
	var out []metrics.StatPoint
	for _, k := range sortedKeys(aggs) {
		a := aggs[k]
		p := metrics.StatPoint{Timestamp: k, Unit: u}
		for _, s := range stats {
			v := statOf(a, s)
			switch s {
			case alarm.SampleCount:
				p.SampleCount = &v
			case alarm.Sum:
				p.Sum = &v
			case alarm.Minimum:
				p.Minimum = &v
			case alarm.Maximum:
				p.Maximum = &v
			case alarm.Average:
				p.Average = &v
			default:
				if p.Extended == nil {
					p.Extended = map[string]float64{}
				}
				p.Extended[string(s)] = v
			}
		}
		out = append(out, p)
	}
	return out
}

func (f *fakeStore) Query(scope autoscaling.Scope, qs []metrics.Query, from, to time.Time) ([]metrics.Result, error) {
	series := map[string]metrics.Result{}
	for _, q := range qs {
		if q.MetricStat == nil {
			continue
		}
		aggs, _ := f.aggregate(scope, q.MetricStat.Metric, q.MetricStat.Unit, q.MetricStat.Period, from, to)
		r := metrics.Result{ID: q.ID, Label: q.Label, StatusCode: "Complete"}
		if r.Label == "" {
			r.Label = q.MetricStat.Metric.MetricName
		}
		for _, k := range sortedKeys(aggs) {
			r.Timestamps = append(r.Timestamps, k)
			r.Values = append(r.Values, statOf(aggs[k], q.MetricStat.Stat))
		}
		series[q.ID] = r
	}
	var out []metrics.Result
	for _, q := range qs {
		r, ok := series[q.ID]
		if !ok {
			src, ok := series[strings.TrimSpace(q.Expression)]
			if !ok {
				return nil, fmt.Errorf("%w: Unsupported expression %q", metrics.ErrInvalidQuery, q.Expression)
			}
			r = src
			r.ID, r.Label = q.ID, q.Label
		}
		if q.ReturnData {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) List(scope autoscaling.Scope, flt metrics.ListFilter) []metrics.Metric {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	var out []metrics.Metric
	for _, d := range f.data[scope] {
		m := d.Metric
		if (flt.Namespace != "" && m.Namespace != flt.Namespace) || (flt.MetricName != "" && m.MetricName != flt.MetricName) {
			continue
		}
		if flt.RecentlyActive > 0 && d.Timestamp.Before(f.now().Add(-flt.RecentlyActive)) {
			continue
		}
		ok := true
		for _, fd := range flt.Dimensions {
			if !slices.ContainsFunc(m.Dimensions, func(d metrics.Dimension) bool {
				return d.Name == fd.Name && (fd.Value == "" || d.Value == fd.Value)
			}) {
				ok = false
			}
		}
		if ok && !seen[metricKey(m)] {
			seen[metricKey(m)] = true
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return metricKey(out[i]) < metricKey(out[j]) })
	return out
}

// fakeRegistry is an in-memory cwalarms.Registry.
type fakeRegistry struct {
	mu      sync.Mutex
	alarms  map[autoscaling.Scope]map[string]*cwalarms.MetricAlarm
	history map[autoscaling.Scope][]cwalarms.HistoryItem
	now     func() time.Time
}

func newFakeRegistry(now func() time.Time) *fakeRegistry {
	return &fakeRegistry{alarms: map[autoscaling.Scope]map[string]*cwalarms.MetricAlarm{},
		history: map[autoscaling.Scope][]cwalarms.HistoryItem{}, now: now}
}

func (r *fakeRegistry) PutAlarm(_ context.Context, a *cwalarms.MetricAlarm) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.alarms[a.Scope]
	if m == nil {
		m = map[string]*cwalarms.MetricAlarm{}
		r.alarms[a.Scope] = m
	}
	now := r.now().UTC()
	cp := *a
	if old, ok := m[a.AlarmName]; ok {
		cp.StateValue, cp.StateReason, cp.StateReasonData = old.StateValue, old.StateReason, old.StateReasonData
		cp.StateUpdatedTimestamp, cp.StateTransitionedTimestamp = old.StateUpdatedTimestamp, old.StateTransitionedTimestamp
	} else {
		cp.StateValue, cp.StateReason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
		cp.StateUpdatedTimestamp, cp.StateTransitionedTimestamp = now, now
	}
	cp.AlarmConfigurationUpdatedTimestamp = now
	m[a.AlarmName] = &cp
	*a = cp
	r.history[a.Scope] = append(r.history[a.Scope], cwalarms.HistoryItem{AlarmName: a.AlarmName, AlarmType: "MetricAlarm", Timestamp: now,
		HistoryItemType: cwalarms.HistoryConfigurationUpdate, HistorySummary: "Alarm \"" + a.AlarmName + "\" updated", HistoryData: "{}"})
	return nil
}

func (r *fakeRegistry) ListAlarms(_ context.Context, scope autoscaling.Scope, q cwalarms.ListQuery) ([]*cwalarms.MetricAlarm, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*cwalarms.MetricAlarm
	for name, a := range r.alarms[scope] {
		if (len(q.Names) > 0 && !slices.Contains(q.Names, name)) || !strings.HasPrefix(name, q.NamePrefix) ||
			(q.State != "" && a.StateValue != q.State) || (q.After != "" && name <= q.After) {
			continue
		}
		if q.ActionPrefix != "" && !slices.ContainsFunc(slices.Concat(a.OKActions, a.AlarmActions, a.InsufficientDataActions),
			func(s string) bool { return strings.HasPrefix(s, q.ActionPrefix) }) {
			continue
		}
		cp := *a
		out = append(out, &cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AlarmName < out[j].AlarmName })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (r *fakeRegistry) DeleteAlarms(_ context.Context, scope autoscaling.Scope, names []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		if _, ok := r.alarms[scope][n]; !ok {
			return fmt.Errorf("%w: %s", cwalarms.ErrNotFound, n)
		}
	}
	for _, n := range names {
		delete(r.alarms[scope], n)
	}
	return nil
}

func (r *fakeRegistry) SetAlarmState(_ context.Context, scope autoscaling.Scope, name, state, reason, data string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.alarms[scope][name]
	if !ok {
		return fmt.Errorf("%w: %s", cwalarms.ErrNotFound, name)
	}
	now := r.now().UTC()
	if a.StateValue != state {
		a.StateTransitionedTimestamp = now
	}
	a.StateValue, a.StateReason, a.StateReasonData, a.StateUpdatedTimestamp = state, reason, data, now
	r.history[scope] = append(r.history[scope], cwalarms.HistoryItem{AlarmName: name, AlarmType: "MetricAlarm", Timestamp: now,
		HistoryItemType: cwalarms.HistoryStateUpdate, HistorySummary: "Alarm updated to " + state, HistoryData: "{}"})
	return nil
}

func (r *fakeRegistry) History(_ context.Context, scope autoscaling.Scope, q cwalarms.HistoryQuery) ([]cwalarms.HistoryItem, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []cwalarms.HistoryItem
	h := r.history[scope]
	for i := len(h) - 1; i >= 0; i-- {
		it := h[i]
		if (q.AlarmName != "" && it.AlarmName != q.AlarmName) || (q.Type != "" && it.HistoryItemType != q.Type) ||
			(!q.From.IsZero() && it.Timestamp.Before(q.From)) || (!q.To.IsZero() && it.Timestamp.After(q.To)) {
			continue
		}
		out = append(out, it)
	}
	out = out[min(q.Skip, len(out)):]
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}
