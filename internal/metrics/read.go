package metrics

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// openFrom and openTo stand for a zero from and to: an open range.
const (
	openFrom = math.MinInt64 / 4
	openTo   = math.MaxInt64 / 4
)

// bucket is the aggregate of one period, idx counting periods since the Unix epoch.
type bucket struct {
	idx int64
	a   agg
}

// window is a read of one series: its period and time range, in nanoseconds, after rounding.
type window struct {
	period     int64
	from, to   int64
	useMinutes bool
}

func newWindow(period time.Duration, from, to time.Time) window {
	w := window{period: int64(period), from: openFrom, to: openTo}
	if !from.IsZero() {
		w.from = from.UnixNano()
	}
	if !to.IsZero() {
		w.to = to.UnixNano()
	}
	if w.period%60e9 == 0 {
		w.useMinutes = true
		w.from = floorDiv(w.from, 60e9) * 60e9
		w.to = ceilDiv(w.to, 60e9) * 60e9
	}
	return w
}

// start is the start (unix nanoseconds) of the period idx.
func (w window) start(idx int64) int64 { return idx * w.period }

// timeOf is the start of the period idx as a time.
func (w window) timeOf(idx int64) time.Time { return time.Unix(0, idx*w.period).UTC() }

// selectUnits returns the data of s to read: every unit when unit is empty, else that unit.
func (s *series) selectUnits(unit string, buf []*unitData) []*unitData {
	if unit == "" {
		return s.units
	}
	for _, u := range s.units {
		if u.unit == unit {
			return append(buf, u)
		}
	}
	return buf
}

// aggregate appends to dst the non-empty periods of w over units, in order.
func aggregate(units []*unitData, w window, cut cutoffs, dst []bucket) []bucket {
	base := len(dst)
	sources := 0
	for _, u := range units {
		before := len(dst)
		if w.useMinutes {
			dst = u.minuteBuckets(w, cut, dst)
		} else {
			dst = u.rawBuckets(w, cut, dst)
			if len(dst) > before {
				sources++
				before = len(dst)
			}
			dst = u.setBuckets(w, cut, dst)
		}
		if len(dst) > before {
			sources++
		}
	}
	if sources <= 1 {
		return dst
	}
	// Several sources: merge them by period.
	part := dst[base:]
	slices.SortStableFunc(part, func(a, b bucket) int { return cmp.Compare(a.idx, b.idx) })
	out := dst[:base]
	for _, b := range part {
		if n := len(out); n > base && out[n-1].idx == b.idx {
			out[n-1].a.merge(b.a)
		} else {
			out = append(out, b)
		}
	}
	return out
}

// add appends a to the period idx of dst, which is sorted and ends at or before idx.
func addBucket(dst []bucket, base int, idx int64, a agg) []bucket {
	if n := len(dst); n > base && dst[n-1].idx == idx {
		dst[n-1].a.merge(a)
		return dst
	}
	return append(dst, bucket{idx: idx, a: a})
}

func (u *unitData) minuteBuckets(w window, cut cutoffs, dst []bucket) []bucket {
	from := max(w.from/1e9, cut.minuteCut)
	to := w.to / 1e9
	periodS := w.period / 1e9
	i, _ := slices.BinarySearchFunc(u.mins, from, func(x minuteAgg, m int64) int { return cmpInt(x.m, m) })
	base := len(dst)
	for ; i < len(u.mins) && u.mins[i].m < to; i++ {
		dst = addBucket(dst, base, floorDiv(u.mins[i].m, periodS), u.mins[i].a)
	}
	return dst
}

func (u *unitData) rawBuckets(w window, cut cutoffs, dst []bucket) []bucket {
	i, end := u.rawRange(max(w.from, cut.rawCut), w.to)
	base := len(dst)
	for ; i < end; i++ {
		r := &u.raw[i]
		dst = addBucket(dst, base, floorDiv(r.t, w.period), agg{n: r.n, sum: r.v * r.n, min: r.v, max: r.v})
	}
	return dst
}

func (u *unitData) setBuckets(w window, cut cutoffs, dst []bucket) []bucket {
	i, end := u.setRange(max(w.from, cut.rawCut), w.to)
	base := len(dst)
	for ; i < end; i++ {
		dst = addBucket(dst, base, floorDiv(u.sets[i].t, w.period), u.sets[i].a)
	}
	return dst
}

// rawRange is the index range of the raw samples with from <= t < to.
func (u *unitData) rawRange(from, to int64) (int, int) {
	if from >= to {
		return 0, 0
	}
	key := func(x rawSample, t int64) int { return cmpInt(x.t, t) }
	i, _ := slices.BinarySearchFunc(u.raw, from, key)
	j := len(u.raw)
	if j > 0 && u.raw[j-1].t >= to {
		j, _ = slices.BinarySearchFunc(u.raw[i:], to, key)
		j += i
	}
	return i, j
}

// setRange is the index range of the statistic sets with from <= t < to.
func (u *unitData) setRange(from, to int64) (int, int) {
	if from >= to {
		return 0, 0
	}
	key := func(x rawSet, t int64) int { return cmpInt(x.t, t) }
	i, _ := slices.BinarySearchFunc(u.sets, from, key)
	j := len(u.sets)
	if j > 0 && u.sets[j-1].t >= to {
		j, _ = slices.BinarySearchFunc(u.sets[i:], to, key)
		j += i
	}
	return i, j
}

// percentiles computes the percentiles pcts (0..100) of the raw data of units in [from, to)
// into out. It returns false when there is no raw data, or when a statistic set that is not a
// repeated single value falls in the range. scratch is reused between calls.
func percentiles(units []*unitData, from, to int64, pcts []float64, scratch *[]rawSample, out []float64) bool {
	vals := (*scratch)[:0]
	for _, u := range units {
		i, j := u.setRange(from, to)
		for _, s := range u.sets[i:j] {
			if s.a.min != s.a.max {
				*scratch = vals
				return false
			}
			vals = append(vals, rawSample{v: s.a.min, n: s.a.n})
		}
		i, j = u.rawRange(from, to)
		vals = append(vals, u.raw[i:j]...)
	}
	*scratch = vals
	if len(vals) == 0 {
		return false
	}
	slices.SortFunc(vals, func(a, b rawSample) int { return cmp.Compare(a.v, b.v) })
	total := 0.0
	for _, v := range vals {
		total += v.n
	}
	for k, p := range pcts {
		// Nearest rank, as alarm.Aggregate: the smallest value whose cumulative count reaches
		// p% of the total; the tolerance absorbs binary rounding (99.9% of 1000 is rank 999).
		rank := p / 100 * total
		rank -= 1e-9 * math.Max(1, rank)
		out[k] = vals[len(vals)-1].v
		cum := 0.0
		for _, v := range vals {
			cum += v.n
			if cum >= rank {
				out[k] = v.v
				break
			}
		}
	}
	return true
}

// pctRange is the range whose raw data give the percentiles of bucket b, and whether the raw
// data cover it.
func pctRange(w window, cut cutoffs, b bucket) (from, to int64, ok bool) {
	from = max(w.start(b.idx), w.from)
	to = min(w.start(b.idx+1), w.to)
	if w.useMinutes && from < cut.rawCut {
		return 0, 0, false // the raw samples of this period are gone
	}
	return max(from, cut.rawCut), to, true
}

// statValue is a standard statistic of a.
func statValue(st alarm.Statistic, a agg) float64 {
	switch st {
	case alarm.SampleCount:
		return a.n
	case alarm.Sum:
		return a.sum
	case alarm.Average:
		return a.sum / a.n
	case alarm.Minimum:
		return a.min
	case alarm.Maximum:
		return a.max
	}
	return math.NaN()
}

// read answers the series reads under the shard's read lock: fn sees the series (nil if it
// does not exist) and the cutoffs of now.
func (m *Memory) read(scope autoscaling.Scope, mt *Metric, fn func(s *series, cut cutoffs)) {
	var kb [256]byte
	sh, key := m.lookup(kb[:0], scope, mt)
	cut := m.cutoffsAt(m.clock.Now().UnixNano())
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	fn(sh.series[string(key)], cut)
}

// Datapoints returns one datapoint per period with data in [from, to), oldest first (see
// Memory for which data answer which periods). It returns nil when the period is not positive
// or the statistic is not valid.
func (m *Memory) Datapoints(scope autoscaling.Scope, stat MetricStat, from, to time.Time) []alarm.Datapoint {
	return m.AppendDatapoints(nil, scope, stat, from, to)
}

// AppendDatapoints is Datapoints appending to dst[:0], so that a caller evaluating the same
// alarm every period reuses one slice.
func (m *Memory) AppendDatapoints(dst []alarm.Datapoint, scope autoscaling.Scope, stat MetricStat, from, to time.Time) []alarm.Datapoint {
	dst = dst[:0]
	if stat.Period <= 0 || !stat.Stat.Valid() {
		return dst
	}
	out := dst
	w := newWindow(stat.Period, from, to)
	m.read(scope, &stat.Metric, func(s *series, cut cutoffs) {
		if s == nil {
			return
		}
		out = datapoints(dst, s, stat, w, cut)
	})
	return out
}

// datapoints computes Datapoints for one series under its lock.
func datapoints(dst []alarm.Datapoint, s *series, stat MetricStat, w window, cut cutoffs) []alarm.Datapoint {
	var ub [2]*unitData
	units := s.selectUnits(stat.Unit, ub[:0])
	if len(units) == 0 {
		return dst
	}
	var bb [16]bucket
	buckets := aggregate(units, w, cut, bb[:0])
	if len(buckets) == 0 {
		return dst
	}
	out := dst
	pct, isPct := stat.Stat.Percentile()
	var scratch []rawSample
	var pv [1]float64
	pctArg := [1]float64{pct}
	for _, b := range buckets {
		v := 0.0
		if isPct {
			lo, hi, ok := pctRange(w, cut, b)
			if !ok || !percentiles(units, lo, hi, pctArg[:], &scratch, pv[:]) {
				continue
			}
			v = pv[0]
		} else {
			v = statValue(stat.Stat, b.a)
		}
		out = append(out, alarm.Datapoint{Start: w.timeOf(b.idx), Value: v, SampleCount: b.a.n})
	}
	return out
}

// Statistics answers GetMetricStatistics. Invalid statistics are ignored. When unit is empty
// and the metric was put with several units, each period has one point per unit (ordered by
// unit), as CloudWatch returns them; StatPoint.Unit is "None" for data put without a unit.
// A period whose percentiles are unavailable (see Memory) leaves them out of Extended, and
// is left out when only percentiles were asked for.
func (m *Memory) Statistics(scope autoscaling.Scope, mt Metric, stats []alarm.Statistic, unit string, period time.Duration, from, to time.Time) []StatPoint {
	if period <= 0 {
		return nil
	}
	var std []alarm.Statistic
	var pctNames []string
	var pcts []float64
	for _, st := range stats {
		if p, ok := st.Percentile(); ok {
			if !slices.Contains(pctNames, string(st)) {
				pctNames = append(pctNames, string(st))
				pcts = append(pcts, p)
			}
		} else if st.Valid() {
			std = append(std, st)
		}
	}
	if len(std) == 0 && len(pcts) == 0 {
		return nil
	}
	w := newWindow(period, from, to)
	var out []StatPoint
	m.read(scope, &mt, func(s *series, cut cutoffs) {
		if s == nil {
			return
		}
		var groups [][]*unitData
		switch {
		case unit != "":
			if u := s.selectUnits(unit, nil); len(u) > 0 {
				groups = append(groups, u)
			}
		default:
			for _, u := range s.units {
				groups = append(groups, []*unitData{u})
			}
		}
		var scratch []rawSample
		pv := make([]float64, len(pcts))
		for _, g := range groups {
			unitName := g[0].unit
			if unitName == "" {
				unitName = "None"
			}
			for _, b := range aggregate(g, w, cut, nil) {
				p := StatPoint{Timestamp: w.timeOf(b.idx), Unit: unitName}
				for _, st := range std {
					v := statValue(st, b.a)
					switch st {
					case alarm.SampleCount:
						p.SampleCount = &v
					case alarm.Average:
						p.Average = &v
					case alarm.Sum:
						p.Sum = &v
					case alarm.Minimum:
						p.Minimum = &v
					case alarm.Maximum:
						p.Maximum = &v
					}
				}
				if len(pcts) > 0 {
					lo, hi, ok := pctRange(w, cut, b)
					if ok && percentiles(g, lo, hi, pcts, &scratch, pv) {
						p.Extended = make(map[string]float64, len(pcts))
						for k, name := range pctNames {
							p.Extended[name] = pv[k]
						}
					} else if len(std) == 0 {
						continue
					}
				}
				out = append(out, p)
			}
		}
		if len(groups) > 1 {
			slices.SortStableFunc(out, func(a, b StatPoint) int {
				if c := a.Timestamp.Compare(b.Timestamp); c != 0 {
					return c
				}
				return cmp.Compare(a.Unit, b.Unit)
			})
		}
	})
	return out
}
