package alarm

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// Statistic is a CloudWatch statistic: one of the five standard ones or a percentile pNN.NN.
type Statistic string

// The standard statistics.
const (
	SampleCount Statistic = "SampleCount"
	Average     Statistic = "Average"
	Sum         Statistic = "Sum"
	Minimum     Statistic = "Minimum"
	Maximum     Statistic = "Maximum"
)

// Percentile returns the percentile of a percentile statistic: 90 for "p90", 99.9 for "p99.9".
// The form is a lower-case p and a number from 0 to 100 with at most ten decimal places, as
// CloudWatch's extended statistics. ok is false for anything else.
func (s Statistic) Percentile() (p float64, ok bool) {
	if len(s) < 2 || s[0] != 'p' {
		return 0, false
	}
	num := string(s[1:])
	intDigits, fracDigits, dot := 0, 0, false
	for i := 0; i < len(num); i++ {
		switch c := num[i]; {
		case c == '.' && !dot && intDigits > 0:
			dot = true
		case c >= '0' && c <= '9':
			if dot {
				fracDigits++
			} else {
				intDigits++
			}
		default:
			return 0, false
		}
	}
	if intDigits == 0 || intDigits > 3 || fracDigits > 10 || (dot && fracDigits == 0) {
		return 0, false
	}
	p, err := strconv.ParseFloat(num, 64)
	if err != nil || p < 0 || p > 100 {
		return 0, false
	}
	return p, true
}

// Valid reports whether s is a standard statistic or a percentile.
func (s Statistic) Valid() bool {
	switch s {
	case SampleCount, Average, Sum, Minimum, Maximum:
		return true
	}
	_, ok := s.Percentile()
	return ok
}

// Sample is one raw value of a metric, as PutMetricData records it.
type Sample struct {
	Time  time.Time
	Value float64
	// Count is how many times Value was observed (PutMetricData's Counts); 0 or less means 1.
	Count float64
}

// Aggregate applies stat to the samples of each period and returns one datapoint per period that
// has at least one sample, oldest first, with SampleCount set. Periods are aligned to multiples of
// period since the Unix epoch, as Evaluate expects. Only samples with from <= Time < to count; a
// zero from or to leaves that side open. Samples with a NaN value are dropped.
//
// SampleCount is the sum of the counts, Sum the sum of value × count, Average Sum / SampleCount,
// Minimum and Maximum the extreme values. A percentile pX is the smallest value such that at least
// X% of the samples (weighted by their counts) are less than or equal to it (the nearest-rank
// method): p0 is the minimum and p100 the maximum. CloudWatch computes percentiles of large sample
// sets approximately; on small sets the nearest rank is what it reports.
//
// Aggregate returns nil when period is not positive or stat is not valid.
func Aggregate(samples []Sample, period time.Duration, stat Statistic, from, to time.Time) []Datapoint {
	if period <= 0 || !stat.Valid() {
		return nil
	}
	pct, isPct := stat.Percentile()
	type rec struct {
		bucket   int64
		value, n float64
	}
	recs := make([]rec, 0, len(samples))
	for _, s := range samples {
		if math.IsNaN(s.Value) {
			continue
		}
		if !from.IsZero() && s.Time.Before(from) {
			continue
		}
		if !to.IsZero() && !s.Time.Before(to) {
			continue
		}
		n := s.Count
		if !(n > 0) {
			n = 1
		}
		recs = append(recs, rec{bucket: bucketOf(s.Time, period), value: s.Value, n: n})
	}
	if len(recs) == 0 {
		return nil
	}
	slices.SortFunc(recs, func(a, b rec) int {
		if c := cmp.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		return cmp.Compare(a.value, b.value)
	})

	var out []Datapoint
	for i := 0; i < len(recs); {
		j := i
		var count, sum float64
		for j < len(recs) && recs[j].bucket == recs[i].bucket {
			count += recs[j].n
			sum += recs[j].value * recs[j].n
			j++
		}
		group := recs[i:j]
		var v float64
		switch {
		case stat == SampleCount:
			v = count
		case stat == Sum:
			v = sum
		case stat == Average:
			v = sum / count
		case stat == Minimum:
			v = group[0].value
		case stat == Maximum:
			v = group[len(group)-1].value
		case isPct:
			// Nearest rank: the smallest value whose cumulative count reaches p% of the total.
			// The tolerance keeps 99.9% of 1000 at rank 999 despite binary rounding.
			rank := pct / 100 * count
			rank -= 1e-9 * math.Max(1, rank)
			v = group[len(group)-1].value
			cum := 0.0
			for _, r := range group {
				cum += r.n
				if cum >= rank {
					v = r.value
					break
				}
			}
		}
		out = append(out, Datapoint{Start: bucketStart(recs[i].bucket, period), Value: v, SampleCount: count})
		i = j
	}
	return out
}

// bucketOf is the index, counted from the Unix epoch, of the period of length d that contains t.
func bucketOf(t time.Time, d time.Duration) int64 {
	if d%time.Second == 0 {
		return floorDiv(t.Unix(), int64(d/time.Second))
	}
	return floorDiv(t.UnixNano(), int64(d))
}

// bucketStart is the start of the period with index i.
func bucketStart(i int64, d time.Duration) time.Time {
	if d%time.Second == 0 {
		return time.Unix(i*int64(d/time.Second), 0).UTC()
	}
	return time.Unix(0, i*int64(d)).UTC()
}
