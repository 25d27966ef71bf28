// Package redismetrics publishes the CloudWatch metrics of ElastiCache (namespace
// AWS/ElastiCache) for the Redis replication groups running on this machine, computed from
// INFO of every node: per node (CacheClusterId, CacheNodeId) and per replication group
// (ReplicationGroupId, and Role for the engine CPU), so that the predefined ElastiCache metric
// types drive target tracking exactly as they do on AWS.
package redismetrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// Namespace is ElastiCache's CloudWatch namespace.
const Namespace = "AWS/ElastiCache"

// Groups is what the collector reads (redisgroup.Manager).
type Groups interface {
	List() []redisgroup.Group
	Stats(ctx context.Context, id string) ([]redisgroup.NodeStats, error)
}

// Sink receives the metrics (the metric store).
type Sink interface {
	Put(ctx context.Context, scope autoscaling.Scope, data []metrics.Datum) error
}

// Options configure a Collector.
type Options struct {
	Groups Groups
	Sink   Sink
	// Scope is the account and region of the metrics of a group created without one.
	Scope autoscaling.Scope
	// Interval is how often every node is sampled (0: 60 s, CloudWatch's basic period).
	Interval time.Duration
	Logger   *slog.Logger
}

// Collector samples the nodes and publishes their metrics.
type Collector struct {
	o    Options
	mu   sync.Mutex
	prev map[string]redisgroup.NodeStats
}

// New returns a collector.
func New(o Options) *Collector {
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Collector{o: o, prev: map[string]redisgroup.NodeStats{}}
}

// Run samples every Interval until ctx is done.
func (c *Collector) Run(ctx context.Context) error {
	tick := time.NewTicker(c.o.Interval)
	defer tick.Stop()
	for {
		if err := c.Collect(ctx); err != nil && ctx.Err() == nil {
			c.o.Logger.Warn("elasticache metrics: collect", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Collect samples every node of every available group once and publishes what changed
// since the previous sample. The first sample of a node (and the first after it restarted)
// publishes no rate (CPU, new connections, evictions...), only levels.
func (c *Collector) Collect(ctx context.Context) error {
	data := map[autoscaling.Scope][]metrics.Datum{}
	seen := map[string]bool{}
	for _, g := range c.o.Groups.List() {
		scope := c.o.Scope
		if g.Account != "" {
			scope = autoscaling.Scope{Account: g.Account, Region: g.Region}
		}
		if g.Status == redisgroup.StatusCreating || g.Status == redisgroup.StatusDeleting || g.Status == redisgroup.StatusCreateFailed {
			continue
		}
		stats, err := c.o.Groups.Stats(ctx, g.ID)
		if err != nil {
			c.o.Logger.Debug("elasticache metrics: stats", "group", g.ID, "err", err)
			continue
		}
		c.mu.Lock()
		for _, s := range stats {
			seen[s.CacheClusterID] = true
			prev, ok := c.prev[s.CacheClusterID]
			c.prev[s.CacheClusterID] = s
			if ok && (prev.RunID != s.RunID || prev.ProcessID != s.ProcessID || s.UptimeSecs < prev.UptimeSecs || !s.At.After(prev.At)) {
				ok = false // restarted: counters began again
			}
			var pp *redisgroup.NodeStats
			if ok {
				pp = &prev
			}
			data[scope] = append(data[scope], nodeData(g.ID, s, pp)...)
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	for id := range c.prev {
		if !seen[id] {
			delete(c.prev, id)
		}
	}
	c.mu.Unlock()
	var first error
	for scope, d := range data {
		if err := c.o.Sink.Put(ctx, scope, d); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func dim(name, value string) metrics.Dimension { return metrics.Dimension{Name: name, Value: value} }

// nodeData is one node's metrics: under its own dimensions, and its samples of the
// replication group's metrics (CloudWatch averages them over the group's primaries, or
// replicas, as ElastiCache does).
func nodeData(group string, s redisgroup.NodeStats, prev *redisgroup.NodeStats) []metrics.Datum {
	node := []metrics.Dimension{dim("CacheClusterId", s.CacheClusterID), dim("CacheNodeId", "0001")}
	role := "Primary"
	if s.Role == redisgroup.RoleReplica {
		role = "Replica"
	}
	var out []metrics.Datum
	add := func(name, unit string, v float64, dims ...metrics.Dimension) {
		out = append(out, metrics.Datum{Metric: metrics.Metric{Namespace: Namespace, MetricName: name, Dimensions: dims},
			Timestamp: s.At, Value: &v, Unit: unit})
	}
	both := func(name, unit string, v float64, groupDims ...metrics.Dimension) {
		add(name, unit, v, node...)
		add(name, unit, v, groupDims...)
	}
	rg := dim("ReplicationGroupId", group)
	if s.MaxMemory > 0 {
		used := 100 * float64(s.UsedMemory) / float64(s.MaxMemory)
		evict := 100 * float64(s.UsedMemory-s.MemNotCountedForEvict) / float64(s.MaxMemory)
		add("DatabaseMemoryUsagePercentage", "Percent", used, node...)
		add("DatabaseCapacityUsagePercentage", "Percent", used, node...)
		add("DatabaseMemoryUsageCountedForEvictPercentage", "Percent", evict, node...)
		add("DatabaseCapacityUsageCountedForEvictPercentage", "Percent", evict, node...)
		if role == "Primary" {
			// The replication-group metrics of the NodeGroups dimension average over primaries.
			add("DatabaseMemoryUsageCountedForEvictPercentage", "Percent", evict, rg)
			add("DatabaseCapacityUsageCountedForEvictPercentage", "Percent", evict, rg)
			add("DatabaseMemoryUsagePercentage", "Percent", used, rg)
		}
	}
	add("BytesUsedForCache", "Bytes", float64(s.UsedMemory), node...)
	add("CurrConnections", "Count", float64(s.ConnectedClients), node...)
	add("CurrItems", "Count", float64(s.Keys), node...)
	isPrimary := 0.0
	if role == "Primary" {
		isPrimary = 1
	}
	add("IsMaster", "Count", isPrimary, node...)
	if role == "Replica" {
		add("ReplicationBytes", "Bytes", float64(s.ReplicationLag), node...)
	}
	if prev == nil {
		return out
	}
	secs := s.At.Sub(prev.At).Seconds()
	if secs <= 0 {
		return out
	}
	cpu := 100 * (s.CPUMainThread - prev.CPUMainThread) / secs
	both("EngineCPUUtilization", "Percent", clampPercent(cpu), rg, dim("Role", role))
	add("CPUUtilization", "Percent", clampPercent(100*(s.CPU-prev.CPU)/secs), node...)
	delta := func(a, b int64) float64 {
		if a < b {
			return 0
		}
		return float64(a - b)
	}
	add("NewConnections", "Count", delta(s.TotalConnections, prev.TotalConnections), node...)
	add("Evictions", "Count", delta(s.Evictions, prev.Evictions), node...)
	add("CacheHits", "Count", delta(s.KeyspaceHits, prev.KeyspaceHits), node...)
	add("CacheMisses", "Count", delta(s.KeyspaceMisses, prev.KeyspaceMisses), node...)
	add("NetworkBytesIn", "Bytes", delta(s.NetInputBytes, prev.NetInputBytes), node...)
	add("NetworkBytesOut", "Bytes", delta(s.NetOutputBytes, prev.NetOutputBytes), node...)
	return out
}

func clampPercent(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 100 {
		return 100
	}
	return v
}
