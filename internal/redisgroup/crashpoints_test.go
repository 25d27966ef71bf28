package redisgroup

import (
	"context"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// abandon stops the manager the way a kill -9 would, in-process: operations and supervision
// stop where they are, nothing more is saved, and no node is stopped.
func (m *Manager) abandon() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	<-m.supDone
	m.ops.Wait()
	m.cl.closeAll()
	syscall.Flock(int(m.lock.Fd()), syscall.LOCK_UN)
	m.lock.Close()
}

// TestCrashPoints stops operations dead at each named crash point (as a kill -9 there would),
// opens a new manager on the same DataDir, and checks that the operation completes with every
// key and the E.1 invariants, while a client keeps working throughout.
func TestCrashPoints(t *testing.T) {
	requireRedis(t)
	const keys = 5000
	dir := t.TempDir()
	sweepOnExit(t, dir)
	ctx := context.Background()
	open := func() *Manager {
		m, err := Open(ctx, Options{DataDir: dir, Logger: testLogger(t), RemoveGrace: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// arm makes m die at point; the returned channel is closed when it did.
	arm := func(m *Manager, point string) chan struct{} {
		fired := make(chan struct{})
		var once sync.Once
		f := func(p string) bool {
			if p != point {
				return false
			}
			once.Do(func() { close(fired) })
			return true
		}
		m.crashAt.Store(&f)
		return fired
	}
	crash := func(m *Manager, fired chan struct{}, point string) {
		select {
		case <-fired:
		case <-time.After(time.Minute):
			g, _ := m.Get("points")
			t.Fatalf("crash point %s not reached (group %s, op %+v, error %q)", point, g.Status, g.Operation, g.LastError)
		}
		m.abandon()
	}

	m := open()
	t.Cleanup(func() { m.Close(context.Background()) }) // whichever manager is current
	fired := arm(m, "create:slots")
	if _, err := m.Create(ctx, Spec{ID: "points", ClusterMode: true, Shards: 2, Replicas: 1, MaxMemory: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	crash(m, fired, "create:slots")
	m = open()
	waitGroup(t, m, "points", 2*time.Minute)
	g := checkInvariants(t, m, "points", 2, 1)
	cc := clusterClient(g)
	defer cc.Close()
	loadKeys(t, cc, keys)
	want, wantSize := digest(t, cc, g, keys)
	w := startWriter(t, cc, 200)
	defer func() {
		select {
		case <-w.done:
		default:
			close(w.stop)
			<-w.done
		}
	}()
	wantSize += 200

	all := func(n int) map[string]int {
		g, _ := m.Get("points")
		out := map[string]int{}
		for _, ng := range g.NodeGroups {
			out[ng.ID] = n
		}
		return out
	}
	steps := []struct {
		point            string
		do               func() (Group, error)
		shards, replicas int
	}{
		{"reshard:joined", func() (Group, error) { return m.ModifyShards(ctx, "points", 3, nil, nil) }, 3, 1},
		{"reshard:migrating", func() (Group, error) { return m.ModifyShards(ctx, "points", 4, nil, nil) }, 4, 1},
		{"remove:forgotten", func() (Group, error) { return m.ModifyShards(ctx, "points", 3, nil, nil) }, 3, 1},
		{"remove:stopped-one", func() (Group, error) { return m.ModifyShards(ctx, "points", 2, nil, []string{"0001", "0003"}) }, 2, 1},
		{"replicas:joined", func() (Group, error) { return m.SetReplicas(ctx, "points", all(2)) }, 2, 2},
		{"remove:marked", func() (Group, error) { return m.SetReplicas(ctx, "points", all(1)) }, 2, 1},
		{"reshard:moved", func() (Group, error) { return m.ModifyShards(ctx, "points", 3, nil, nil) }, 3, 1},
		{"remove:stopped", func() (Group, error) { return m.ModifyShards(ctx, "points", 2, nil, nil) }, 2, 1},
	}
	for _, st := range steps {
		fired := arm(m, st.point)
		if _, err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.point, err)
		}
		crash(m, fired, st.point)
		w.check(t)
		start := time.Now()
		m = open()
		waitGroup(t, m, "points", 2*time.Minute)
		g := checkInvariants(t, m, "points", st.shards, st.replicas)
		got, size := digest(t, cc, g, keys)
		if got != want || size != wantSize {
			t.Fatalf("after a crash at %s: digest %s / DBSIZE sum %d, want %s / %d", st.point, got[:12], size, want[:12], wantSize)
		}
		// Retired nodes are stopped once their grace is over, and no directory of a removed node
		// is left.
		waitNoRetired(t, m, "points")
		entries, _ := os.ReadDir(dir + "/points")
		nodes := 0
		for _, e := range entries {
			if e.IsDir() {
				nodes++
			}
		}
		if nodes != st.shards*(1+st.replicas) {
			t.Errorf("after %s: %d node directories, want %d", st.point, nodes, st.shards*(1+st.replicas))
		}
		t.Logf("crash at %s: recovered in %s", st.point, time.Since(start).Round(time.Millisecond))
	}
	w.Stop(t)
	deleteGroup(t, m, "points")
	closeAndCheck(t, m)
}

// waitNoRetired waits until the group has no retired node left (they are stopped after
// Options.RemoveGrace).
func waitNoRetired(t *testing.T, m *Manager, id string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		m.mu.Lock()
		n := 0
		if g := m.groups[id]; g != nil {
			for _, x := range g.man.Nodes {
				if x.State == nodeRetired {
					n++
				}
			}
		}
		m.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d retired nodes still there", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
