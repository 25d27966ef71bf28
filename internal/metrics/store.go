package metrics

import (
	"context"
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Default retentions of Options.
const (
	// DefaultRetention is how long minute aggregates are kept: CloudWatch's 15 days of
	// one-minute data.
	DefaultRetention = 15 * 24 * time.Hour
	// DefaultRawRetention is how long raw samples are kept: CloudWatch's 3 hours of
	// high-resolution data.
	DefaultRawRetention = 3 * time.Hour
)

// shardCount is the number of lock shards of a Memory; a power of two.
const shardCount = 256

// Clock tells the time. The store uses it for the time of a Put (data without a timestamp,
// RecentlyActive) and for retention.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Options configures New. The zero value is CloudWatch's defaults on the wall clock.
type Options struct {
	// Retention is how long data is kept as one-minute aggregates (count, sum, minimum,
	// maximum); 0 means DefaultRetention. Data older than Retention is dropped on Put and
	// no longer answered.
	Retention time.Duration
	// RawRetention is how long every raw sample is kept, for periods that are not a multiple
	// of a minute and for percentiles; 0 means DefaultRawRetention. It is capped at
	// Retention.
	RawRetention time.Duration
	// Clock is the time source; nil means the wall clock.
	Clock Clock
}

// Memory is the in-memory Store. Series are kept in lock shards, so Put and the reads scale
// over cores; New starts no goroutine: data past retention is dropped lazily by the Put of
// its series, and by Prune (or Run) for series that no longer receive data.
//
// # Storage
//
// Each series (scope, namespace, metric name, sorted dimensions) keeps, per unit, one-minute
// aggregates for Retention and its raw samples for RawRetention, each in time order (a Put
// older than the newest data is inserted in place).
//
// # Reads
//
// A period that is a multiple of one minute with a standard statistic is answered from the
// minute aggregates, over all of Retention; any other period (sub-minute periods, and periods
// such as 90 s) and every percentile are answered from the raw samples, so only within
// RawRetention. For periods that are a multiple of a minute, from is rounded down and to up to
// a whole minute (CloudWatch rounds the start time the same way); other periods count the
// samples with from <= Timestamp < to. Periods are aligned to multiples of the period since
// the Unix epoch. StorageResolution is recorded but does not limit the periods that can be
// asked for (the engine's time scale asks for one-second periods of any metric).
//
// A percentile is the nearest rank over the raw values weighted by their counts (see
// alarm.Aggregate); a period that holds a StatisticValues datum whose minimum and maximum
// differ has no percentile, as in CloudWatch.
type Memory struct {
	clock        Clock
	retention    int64 // nanoseconds
	rawRetention int64 // nanoseconds
	seed         maphash.Seed
	shards       [shardCount]shard
}

type shard struct {
	mu     sync.RWMutex
	series map[string]*series
	_      [40]byte // keep shards on separate cache lines
}

var _ Store = (*Memory)(nil)

// New returns an empty store.
func New(opts Options) *Memory {
	m := &Memory{clock: opts.Clock, seed: maphash.MakeSeed()}
	if m.clock == nil {
		m.clock = wallClock{}
	}
	ret, raw := opts.Retention, opts.RawRetention
	if ret <= 0 {
		ret = DefaultRetention
	}
	if raw <= 0 {
		raw = DefaultRawRetention
	}
	raw = min(raw, ret)
	m.retention, m.rawRetention = int64(ret), int64(raw)
	for i := range m.shards {
		m.shards[i].series = make(map[string]*series)
	}
	return m
}

// cutoffs are the oldest times still answered at now: minute aggregates from minuteCut
// (unix seconds, a whole minute), raw samples from rawCut (unix nanoseconds).
type cutoffs struct {
	minuteCut int64
	rawCut    int64
}

func (m *Memory) cutoffsAt(now int64) cutoffs {
	return cutoffs{
		minuteCut: floorDiv(floorDiv(now-m.retention, 1e9), 60) * 60,
		rawCut:    now - m.rawRetention,
	}
}

// Put records data for scope. Values that are NaN or infinite, values whose count is not
// positive, StatisticValues with a SampleCount that is not positive and data older than
// Retention are dropped; the rest is never rejected (the API layer validates requests).
func (m *Memory) Put(ctx context.Context, scope autoscaling.Scope, data []Datum) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	nowT := m.clock.Now()
	now := nowT.UnixNano()
	cut := m.cutoffsAt(now)
	var keyBuf [256]byte
	var idxBuf [32]int
	for i := range data {
		d := &data[i]
		ts := now
		if !d.Timestamp.IsZero() {
			ts = d.Timestamp.UnixNano()
		}
		if floorDiv(ts, 60e9)*60 < cut.minuteCut || !hasData(d) {
			continue
		}
		order := sortedDims(d.Dimensions, idxBuf[:0])
		key := appendKey(keyBuf[:0], scope, &d.Metric, order)
		sh := &m.shards[maphash.Bytes(m.seed, key)&(shardCount-1)]
		sh.mu.Lock()
		s := sh.series[string(key)]
		if s == nil {
			s = newSeries(scope, &d.Metric, order)
			sh.series[string(key)] = s
		}
		s.lastPut = now
		u := s.unitFor(d.Unit)
		if d.StorageResolution == 1 {
			s.highRes = true
		}
		u.add(d, ts, cut)
		sh.mu.Unlock()
	}
	return nil
}

// hasData reports whether d carries at least one usable value.
func hasData(d *Datum) bool {
	switch {
	case d.Value != nil:
		return finite(*d.Value)
	case d.Stats != nil:
		return d.Stats.SampleCount > 0 && finite(d.Stats.Sum) && finite(d.Stats.Minimum) && finite(d.Stats.Maximum)
	}
	for i, v := range d.Values {
		if finite(v) && (i >= len(d.Counts) || d.Counts[i] > 0 && finite(d.Counts[i])) {
			return true
		}
	}
	return false
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// lookup returns the shard and key of a series; the caller locks the shard.
func (m *Memory) lookup(buf []byte, scope autoscaling.Scope, mt *Metric) (*shard, []byte) {
	var idxBuf [32]int
	order := sortedDims(mt.Dimensions, idxBuf[:0])
	key := appendKey(buf, scope, mt, order)
	return &m.shards[maphash.Bytes(m.seed, key)&(shardCount-1)], key
}

// Prune drops the data that is past retention at the clock's now, and the series left
// without data. Put drops old data of the series it writes to; Prune is for the others.
func (m *Memory) Prune() {
	now := m.clock.Now().UnixNano()
	cut := m.cutoffsAt(now)
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		for k, s := range sh.series {
			if s.prune(cut) {
				delete(sh.series, k)
			}
		}
		sh.mu.Unlock()
	}
}

// Run calls Prune every interval (one minute when interval is not positive) until ctx is
// done, and returns ctx's error.
func (m *Memory) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			m.Prune()
		}
	}
}

// sortedDims returns the indexes of dims in canonical order (name, then value), using buf
// when it is large enough.
func sortedDims(dims []Dimension, buf []int) []int {
	order := buf[:0]
	for i := range dims {
		order = append(order, i)
	}
	// Insertion sort: dimensions are few (CloudWatch allows 30).
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && dimLess(&dims[order[j]], &dims[order[j-1]]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order
}

func dimLess(a, b *Dimension) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Value < b.Value
}

// appendKey appends the identity of a series to buf: every part length-prefixed, so that no
// two identities share a key.
func appendKey(buf []byte, scope autoscaling.Scope, mt *Metric, order []int) []byte {
	str := func(b []byte, s string) []byte {
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	buf = str(buf, scope.Account)
	buf = str(buf, scope.Region)
	buf = str(buf, mt.Namespace)
	buf = str(buf, mt.MetricName)
	for _, i := range order {
		buf = str(buf, mt.Dimensions[i].Name)
		buf = str(buf, mt.Dimensions[i].Value)
	}
	return buf
}

// floorDiv is a / b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// ceilDiv is a / b rounded towards plus infinity (b > 0).
func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
