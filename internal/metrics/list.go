package metrics

import (
	"cmp"
	"slices"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// List answers ListMetrics: the metrics of scope that still have data within Retention and
// match f, ordered by namespace, metric name and then dimensions (compared name by name,
// value by value, in their canonical order). A filter dimension matches a metric that has a
// dimension of that name and, unless the filter value is empty, that value; the metric may
// have other dimensions. RecentlyActive counts the time data was put, not its timestamps.
// The returned metrics are copies.
func (m *Memory) List(scope autoscaling.Scope, f ListFilter) []Metric {
	now := m.clock.Now().UnixNano()
	oldest := now - m.retention
	if f.RecentlyActive > 0 {
		oldest = max(oldest, now-int64(f.RecentlyActive))
	}
	var out []Metric
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for _, s := range sh.series {
			if s.scope != scope || s.lastPut < oldest || !matches(&s.metric, &f) {
				continue
			}
			mt := s.metric
			mt.Dimensions = slices.Clone(mt.Dimensions)
			out = append(out, mt)
		}
		sh.mu.RUnlock()
	}
	slices.SortFunc(out, compareMetrics)
	return out
}

func matches(mt *Metric, f *ListFilter) bool {
	if f.Namespace != "" && mt.Namespace != f.Namespace {
		return false
	}
	if f.MetricName != "" && mt.MetricName != f.MetricName {
		return false
	}
	for _, fd := range f.Dimensions {
		found := false
		for _, d := range mt.Dimensions {
			if d.Name == fd.Name && (fd.Value == "" || d.Value == fd.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// compareMetrics orders metrics by namespace, name and dimensions.
func compareMetrics(a, b Metric) int {
	if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	if c := cmp.Compare(a.MetricName, b.MetricName); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Dimensions, b.Dimensions, func(x, y Dimension) int {
		if c := cmp.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return cmp.Compare(x.Value, y.Value)
	})
}
