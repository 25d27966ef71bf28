package redisgroup

import (
	"context"
	"testing"
	"time"
)

// Test 2: online 3 -> 4 -> 2 shards and replicas 1 -> 2 -> 0 -> 1 with a cluster-aware writer
// and reader running throughout (zero errors allowed), the data digest and the DBSIZE sum
// unchanged across every change, and the E.1 invariants after each.
func TestOnlineReshardAndReplicas(t *testing.T) {
	requireRedis(t)
	const keys = 20000
	m := openManager(t, t.TempDir(), Options{})
	g := createGroup(t, m, Spec{ID: "online", ClusterMode: true, Shards: 3, Replicas: 1, MaxMemory: 128 << 20})
	cc := clusterClient(g)
	defer cc.Close()
	loadKeys(t, cc, keys)
	w := startWriter(t, cc, 500)
	defer func() {
		select {
		case <-w.done:
		default:
			close(w.stop)
			<-w.done
		}
	}()
	want, wantSize := digest(t, cc, g, keys)
	if wantSize != keys+500 {
		t.Fatalf("DBSIZE sum %d, want %d", wantSize, keys+500)
	}
	ctx := context.Background()
	seen := map[int]bool{}
	for _, p := range pidsOf(g) {
		seen[p] = true
	}

	steps := []struct {
		name             string
		do               func() (Group, error)
		shards, replicas int
	}{
		{"shards 3->4", func() (Group, error) { return m.ModifyShards(ctx, "online", 4, nil, nil) }, 4, 1},
		{"shards 4->2", func() (Group, error) { return m.ModifyShards(ctx, "online", 2, []string{"0002", "0004"}, nil) }, 2, 1},
		{"replicas 1->2", func() (Group, error) {
			return m.SetReplicas(ctx, "online", map[string]int{"0001": 2, "0003": 2})
		}, 2, 2},
		{"replicas 2->0", func() (Group, error) {
			return m.SetReplicas(ctx, "online", map[string]int{"0001": 0, "0003": 0})
		}, 2, 0},
		{"replicas 0->1", func() (Group, error) {
			return m.SetReplicas(ctx, "online", map[string]int{"0001": 1, "0003": 1})
		}, 2, 1},
	}
	for _, st := range steps {
		start := time.Now()
		g, err := st.do()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if g.Status != StatusModifying || g.Operation == nil {
			t.Fatalf("%s: returned status %s op %+v, want modifying", st.name, g.Status, g.Operation)
		}
		// Bounds: never more shards than max(from, to) at any observed moment.
		maxShards := max(len(g.NodeGroups), st.shards)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-w.done:
					return
				default:
				}
				x, err := m.Get("online")
				if err != nil || x.Status == StatusAvailable {
					return
				}
				if len(x.NodeGroups) > maxShards {
					t.Errorf("%s: %d node groups observed, more than %d", st.name, len(x.NodeGroups), maxShards)
				}
				for _, p := range pidsOf(x) {
					seen[p] = true
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		g = waitGroup(t, m, "online", 3*time.Minute)
		<-done
		t.Logf("%s: %s", st.name, time.Since(start).Round(time.Millisecond))
		for _, p := range pidsOf(g) {
			seen[p] = true
		}
		g = checkInvariants(t, m, "online", st.shards, st.replicas)
		got, size := digest(t, cc, g, keys)
		if got != want || size != wantSize {
			t.Fatalf("%s: digest %s / DBSIZE sum %d, want %s / %d", st.name, got[:12], size, want[:12], wantSize)
		}
		w.check(t)
	}
	w.Stop(t)
	deleteGroup(t, m, "online")
	for p := range seen {
		assertPidGone(t, p)
	}
}
