package redisgroup

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// A node that dies (kill -9 of a primary and of a replica) is restarted by the supervisor from
// its data directory on the same ports, and the group is whole again.
func TestNodeRestart(t *testing.T) {
	requireRedis(t)
	const keys = 5000
	m := openManager(t, t.TempDir(), Options{})
	g := createGroup(t, m, Spec{ID: "phoenix", ClusterMode: true, Shards: 2, Replicas: 1, MaxMemory: 64 << 20})
	cc := clusterClient(g)
	defer cc.Close()
	loadKeys(t, cc, keys)
	want, wantSize := digest(t, cc, g, keys)
	time.Sleep(1500 * time.Millisecond) // appendfsync everysec: let the AOF reach the disk

	var victims []Node
	victims = append(victims, g.NodeGroups[0].Members[0], g.NodeGroups[1].Members[1]) // a primary, a replica
	for _, v := range victims {
		if err := syscall.Kill(v.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		g, _ = m.Get("phoenix")
		restarted := 0
		for _, ng := range g.NodeGroups {
			for _, n := range ng.Members {
				for _, v := range victims {
					if n.CacheClusterID == v.CacheClusterID && n.PID != v.PID && n.PID > 0 && n.Port == v.Port && n.Status == StatusAvailable {
						restarted++
					}
				}
			}
		}
		if restarted == len(victims) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodes not restarted: %+v", g.NodeGroups)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, v := range victims {
		assertPidGone(t, v.PID)
	}
	// The cluster heals (the primary is back before cluster-node-timeout, so no failover).
	var err error
	for i := 0; i < 200; i++ {
		if err = checkShape(g, 2, 1); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
		g, _ = m.Get("phoenix")
	}
	m.mu.Lock()
	gs := m.groups["phoenix"]
	m.mu.Unlock()
	if err := m.waitAgreement(t.Context(), m.refs(gs, inState(nodeActive))); err != nil {
		t.Fatal(err)
	}
	g = checkInvariants(t, m, "phoenix", 2, 1)
	got, size := digest(t, cc, g, keys)
	if got != want || size != wantSize {
		t.Fatalf("after restarts: digest %s / DBSIZE %d, want %s / %d", got[:12], size, want[:12], wantSize)
	}
	deleteGroup(t, m, "phoenix")
}

// A graceful Close in the middle of a reshard stops every node (with open slots); the next Open
// restarts them from their AOF and nodes.conf, closes the open slots and finishes the reshard.
func TestCloseDuringReshard(t *testing.T) {
	requireRedis(t)
	const keys = 20000
	dir := t.TempDir()
	sweepOnExit(t, dir)
	m, err := Open(t.Context(), Options{DataDir: dir, SlotBatch: 4, PairParallel: 1, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	g := createGroup(t, m, Spec{ID: "pause", ClusterMode: true, Shards: 2, Replicas: 1, MaxMemory: 64 << 20})
	cc := clusterClient(g)
	defer cc.Close()
	loadKeys(t, cc, keys)
	want, wantSize := digest(t, cc, g, keys)
	time.Sleep(1100 * time.Millisecond)
	if _, err := m.ModifyShards(t.Context(), "pause", 3, nil, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		g, _ := m.Get("pause")
		if g.Operation == nil {
			t.Fatal("the reshard finished before Close")
		}
		if g.Operation.ProgressPercent >= 20 {
			t.Logf("closing at %.1f%%", g.Operation.ProgressPercent)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress")
		}
		time.Sleep(2 * time.Millisecond)
	}
	closeAndCheck(t, m)
	m = openManager(t, dir, Options{})
	waitGroup(t, m, "pause", 2*time.Minute)
	g = checkInvariants(t, m, "pause", 3, 1)
	got, size := digest(t, cc, g, keys)
	if got != want || size != wantSize {
		t.Fatalf("digest %s / DBSIZE %d, want %s / %d", got[:12], size, want[:12], wantSize)
	}
	deleteGroup(t, m, "pause")
}
