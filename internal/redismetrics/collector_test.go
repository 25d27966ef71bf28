package redismetrics

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

type fakeGroups struct{ stats []redisgroup.NodeStats }

func (f *fakeGroups) List() []redisgroup.Group {
	return []redisgroup.Group{{Spec: redisgroup.Spec{ID: "rg", Account: "123456789012", Region: "eu-west-1"}, Status: redisgroup.StatusAvailable}}
}

func (f *fakeGroups) Stats(context.Context, string) ([]redisgroup.NodeStats, error) {
	return f.stats, nil
}

type sink struct {
	scope autoscaling.Scope
	data  []metrics.Datum
}

func (s *sink) Put(_ context.Context, scope autoscaling.Scope, d []metrics.Datum) error {
	s.scope = scope
	s.data = append(s.data, d...)
	return nil
}

// find returns the values of a metric with exactly these dimensions.
func (s *sink) find(name string, dims ...metrics.Dimension) []float64 {
	var out []float64
	for _, d := range s.data {
		if d.MetricName != name || len(d.Dimensions) != len(dims) {
			continue
		}
		match := true
		for i := range dims {
			if d.Dimensions[i] != dims[i] {
				match = false
			}
		}
		if match {
			out = append(out, *d.Value)
		}
	}
	return out
}

func TestMetricsFromTwoSamples(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	node := func(id, role string, at time.Time, cpu float64, pid int) redisgroup.NodeStats {
		return redisgroup.NodeStats{CacheClusterID: id, Role: role, RunID: "r" + id, ProcessID: pid, UptimeSecs: int64(at.Sub(t0).Seconds()) + 10,
			CPUMainThread: cpu, CPU: cpu * 1.5, UsedMemory: 300 << 20, MaxMemory: 1 << 30, MemNotCountedForEvict: 44 << 20, ConnectedClients: 7, At: at}
	}
	fg := &fakeGroups{stats: []redisgroup.NodeStats{
		node("rg-0001-001", redisgroup.RolePrimary, t0, 10, 1), node("rg-0002-001", redisgroup.RolePrimary, t0, 20, 2), node("rg-0001-002", redisgroup.RoleReplica, t0, 5, 3)}}
	s := &sink{}
	c := New(Options{Groups: fg, Sink: s})
	ctx := context.Background()
	if err := c.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	if s.scope != (autoscaling.Scope{Account: "123456789012", Region: "eu-west-1"}) {
		t.Fatalf("metrics went to %+v", s.scope)
	}
	if got := s.find("EngineCPUUtilization", dim("ReplicationGroupId", "rg"), dim("Role", "Primary")); len(got) != 0 {
		t.Fatalf("a first sample has no CPU rate, got %v", got)
	}
	evict := s.find("DatabaseMemoryUsageCountedForEvictPercentage", dim("ReplicationGroupId", "rg"))
	if len(evict) != 2 || math.Abs(evict[0]-100*256.0/1024) > 1e-9 {
		t.Fatalf("counted-for-evict per primary %v, want two of 25%%", evict)
	}
	// 60 s later: primaries used 30 s and 12 s of main-thread CPU, the replica 6 s; node 2
	// restarted (new pid), so it has no rate this time.
	t1 := t0.Add(time.Minute)
	fg.stats = []redisgroup.NodeStats{node("rg-0001-001", redisgroup.RolePrimary, t1, 40, 1), node("rg-0002-001", redisgroup.RolePrimary, t1, 32, 9), node("rg-0001-002", redisgroup.RoleReplica, t1, 11, 3)}
	s.data = nil
	if err := c.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.find("EngineCPUUtilization", dim("ReplicationGroupId", "rg"), dim("Role", "Primary")); len(got) != 1 || math.Abs(got[0]-50) > 1e-9 {
		t.Fatalf("primary engine CPU %v, want [50] (node 2 restarted)", got)
	}
	if got := s.find("EngineCPUUtilization", dim("ReplicationGroupId", "rg"), dim("Role", "Replica")); len(got) != 1 || math.Abs(got[0]-10) > 1e-9 {
		t.Fatalf("replica engine CPU %v, want [10]", got)
	}
	if got := s.find("EngineCPUUtilization", dim("CacheClusterId", "rg-0001-001"), dim("CacheNodeId", "0001")); len(got) != 1 || math.Abs(got[0]-50) > 1e-9 {
		t.Fatalf("node engine CPU %v", got)
	}
	if got := s.find("CurrConnections", dim("CacheClusterId", "rg-0001-002"), dim("CacheNodeId", "0001")); len(got) != 1 || got[0] != 7 {
		t.Fatalf("connections %v", got)
	}
}
