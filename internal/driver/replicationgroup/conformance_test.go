package replicationgroup

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver/drivertest"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// TestConformance runs the driver conformance kit against real replication groups: every
// target is a new group of real redis-server nodes (one shard, no replica), scaled on its
// NodeGroups dimension by online resharding.
func TestConformance(t *testing.T) {
	if _, ok := redisgroup.Available(""); !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is required when CI=true")
		}
		t.Skip("redis-server not on PATH: install redis-server to run this test")
	}
	ctx := context.Background()
	m, err := redisgroup.Open(ctx, redisgroup.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	var n atomic.Int32
	drivertest.Run(t, drivertest.Harness{
		Driver: New(m, nil),
		Target: func(t *testing.T, min, max int32) *autoscaling.ScalableTarget {
			id := fmt.Sprintf("conf%d", n.Add(1))
			if _, err := m.Create(ctx, redisgroup.Spec{ID: id, Account: "123456789012", Region: "us-east-1", ClusterMode: true,
				Shards: 1, MaxMemory: 64 << 20}); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Wait(ctx, id); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if _, err := m.Delete(context.Background(), id); err == nil {
					_, _ = m.Wait(context.Background(), id)
				}
			})
			tg := &autoscaling.ScalableTarget{TargetKey: autoscaling.TargetKey{Namespace: "elasticache", ResourceID: "replication-group/" + id, Dimension: DimNodeGroups},
				MinCapacity: min, MaxCapacity: max}
			tg.Account, tg.Region = "123456789012", "us-east-1"
			return tg
		},
		Missing: func(t *testing.T) *autoscaling.ScalableTarget {
			tg := &autoscaling.ScalableTarget{TargetKey: autoscaling.TargetKey{Namespace: "elasticache", ResourceID: "replication-group/nope", Dimension: DimNodeGroups}}
			tg.Account, tg.Region = "123456789012", "us-east-1"
			return tg
		},
		Wait:   func(d time.Duration) { time.Sleep(d) },
		Settle: time.Minute,
	})
}
