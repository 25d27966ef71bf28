package metrics

import (
	"slices"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// series is one metric of one scope. Its fields are guarded by the lock of its shard.
type series struct {
	scope   autoscaling.Scope
	metric  Metric // dimensions in canonical order; never handed out without a copy
	lastPut int64  // unix nanoseconds of the last Put, for RecentlyActive
	highRes bool   // some datum was put with StorageResolution 1
	units   []*unitData
}

// unitData is the data of a series put with one unit.
type unitData struct {
	unit string
	// raw holds the single values (Value, Values/Counts) of the last RawRetention, by time.
	raw []rawSample
	// sets holds the StatisticValues of the last RawRetention, by time.
	sets []rawSet
	// mins holds the one-minute aggregates of the last Retention, by minute.
	mins []minuteAgg
}

// rawSample is a value observed n times at t (unix nanoseconds).
type rawSample struct {
	t int64
	v float64
	n float64
}

// rawSet is a StatisticValues datum at t (unix nanoseconds).
type rawSet struct {
	t int64
	a agg
}

// minuteAgg aggregates the data of the minute starting at m (unix seconds).
type minuteAgg struct {
	m int64
	a agg
}

// agg is a set of statistics of some samples.
type agg struct {
	n, sum, min, max float64
}

func (a *agg) merge(b agg) {
	if a.n == 0 {
		*a = b
		return
	}
	a.n += b.n
	a.sum += b.sum
	a.min = min(a.min, b.min)
	a.max = max(a.max, b.max)
}

func newSeries(scope autoscaling.Scope, mt *Metric, order []int) *series {
	s := &series{scope: scope, metric: Metric{Namespace: mt.Namespace, MetricName: mt.MetricName}}
	if len(order) > 0 {
		s.metric.Dimensions = make([]Dimension, len(order))
		for i, j := range order {
			s.metric.Dimensions[i] = mt.Dimensions[j]
		}
	}
	return s
}

// unitFor returns the data of unit, creating it.
func (s *series) unitFor(unit string) *unitData {
	for _, u := range s.units {
		if u.unit == unit {
			return u
		}
	}
	u := &unitData{unit: unit}
	s.units = append(s.units, u)
	return u
}

// prune drops data past the cutoffs and reports whether the series is left empty.
func (s *series) prune(cut cutoffs) bool {
	s.units = slices.DeleteFunc(s.units, func(u *unitData) bool {
		u.prune(cut)
		return len(u.mins) == 0 && len(u.raw) == 0 && len(u.sets) == 0
	})
	return len(s.units) == 0
}

// add records one datum at ts (unix nanoseconds).
func (u *unitData) add(d *Datum, ts int64, cut cutoffs) {
	u.prune(cut)
	keepRaw := ts >= cut.rawCut
	var a agg
	switch {
	case d.Value != nil:
		a = agg{n: 1, sum: *d.Value, min: *d.Value, max: *d.Value}
		if keepRaw {
			u.addRaw(rawSample{t: ts, v: *d.Value, n: 1})
		}
	case d.Stats != nil:
		st := d.Stats
		a = agg{n: st.SampleCount, sum: st.Sum, min: st.Minimum, max: st.Maximum}
		if keepRaw {
			u.addSet(rawSet{t: ts, a: a})
		}
	default:
		for i, v := range d.Values {
			n := 1.0
			if i < len(d.Counts) {
				n = d.Counts[i]
			}
			if !finite(v) || !(n > 0) || !finite(n) {
				continue
			}
			a.merge(agg{n: n, sum: v * n, min: v, max: v})
			if keepRaw {
				u.addRaw(rawSample{t: ts, v: v, n: n})
			}
		}
		if a.n == 0 {
			return
		}
	}
	u.addMinute(floorDiv(ts, 60e9)*60, a)
}

func (u *unitData) addRaw(r rawSample) {
	n := len(u.raw)
	if n == 0 || u.raw[n-1].t <= r.t {
		u.raw = append(u.raw, r)
		return
	}
	i, _ := slices.BinarySearchFunc(u.raw, r.t+1, func(x rawSample, t int64) int { return cmpInt(x.t, t) })
	u.raw = slices.Insert(u.raw, i, r)
}

func (u *unitData) addSet(r rawSet) {
	n := len(u.sets)
	if n == 0 || u.sets[n-1].t <= r.t {
		u.sets = append(u.sets, r)
		return
	}
	i, _ := slices.BinarySearchFunc(u.sets, r.t+1, func(x rawSet, t int64) int { return cmpInt(x.t, t) })
	u.sets = slices.Insert(u.sets, i, r)
}

func (u *unitData) addMinute(m int64, a agg) {
	n := len(u.mins)
	switch {
	case n > 0 && u.mins[n-1].m == m:
		u.mins[n-1].a.merge(a)
	case n == 0 || u.mins[n-1].m < m:
		u.mins = append(u.mins, minuteAgg{m: m, a: a})
	default:
		i, found := slices.BinarySearchFunc(u.mins, m, func(x minuteAgg, m int64) int { return cmpInt(x.m, m) })
		if found {
			u.mins[i].a.merge(a)
		} else {
			u.mins = slices.Insert(u.mins, i, minuteAgg{m: m, a: a})
		}
	}
}

// prune drops the data past the cutoffs. The backing arrays are released as appends
// reallocate them.
func (u *unitData) prune(cut cutoffs) {
	if len(u.raw) > 0 && u.raw[0].t < cut.rawCut {
		i, _ := slices.BinarySearchFunc(u.raw, cut.rawCut, func(x rawSample, t int64) int { return cmpInt(x.t, t) })
		u.raw = shrink(u.raw[i:])
	}
	if len(u.sets) > 0 && u.sets[0].t < cut.rawCut {
		i, _ := slices.BinarySearchFunc(u.sets, cut.rawCut, func(x rawSet, t int64) int { return cmpInt(x.t, t) })
		u.sets = shrink(u.sets[i:])
	}
	if len(u.mins) > 0 && u.mins[0].m < cut.minuteCut {
		i, _ := slices.BinarySearchFunc(u.mins, cut.minuteCut, func(x minuteAgg, m int64) int { return cmpInt(x.m, m) })
		u.mins = shrink(u.mins[i:])
	}
}

// shrink returns s, or nil when it is empty so that its backing array can be collected.
func shrink[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
