package redisgroup

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashChild is the manager process of TestCrashRecovery: it only acts when
// REDISGROUP_CHILD=1. It creates group "crash" (3 x 1), prints "READY", waits for "reshard" on
// stdin, starts a reshard to 5 shards and prints "PROGRESS <percent>" until it is killed.
func TestCrashChild(t *testing.T) {
	if os.Getenv("REDISGROUP_CHILD") != "1" {
		t.Skip("helper process of TestCrashRecovery")
	}
	dir := os.Getenv("REDISGROUP_DIR")
	logf, err := os.Create(filepath.Join(filepath.Dir(dir), "child.log"))
	if err != nil {
		t.Fatal(err)
	}
	batch, _ := strconv.Atoi(os.Getenv("REDISGROUP_SLOTBATCH"))
	ctx := context.Background()
	m, err := Open(ctx, Options{DataDir: dir, SlotBatch: batch, PairParallel: 1,
		Logger: slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, Spec{ID: "crash", ClusterMode: true, Shards: 3, Replicas: 1, MaxMemory: 256 << 20}); err != nil {
		t.Fatal(err)
	}
	if g, err := m.Wait(ctx, "crash"); err != nil || g.Status != StatusAvailable {
		t.Fatalf("create: %v %s %s", err, g.Status, g.LastError)
	}
	fmt.Println("READY")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "reshard" {
		t.Fatalf("stdin: %q %v", line, err)
	}
	if _, err := m.ModifyShards(ctx, "crash", 5, nil, nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); {
		g, _ := m.Get("crash")
		if g.Operation == nil {
			fmt.Println("DONE")
			break
		}
		fmt.Printf("PROGRESS %.2f\n", g.Operation.ProgressPercent)
		time.Sleep(3 * time.Millisecond)
	}
	select {} // wait to be killed
}

// Test 3: kill -9 the manager process in the middle of a reshard 3 -> 5 of 50k keys; the nodes
// keep serving without an error while no manager runs; a new manager on the same DataDir adopts
// the nodes, closes the open slots, finishes the reshard, and every key is there. Then a
// graceful Close and Open restart the nodes from their AOF with every key.
func TestCrashRecovery(t *testing.T) {
	requireRedis(t)
	t.Run("while migrating", func(t *testing.T) {
		crashAndRecover(t, func(p float64, n int) bool { return p >= 25 }, true)
	})
	// Killed right after ModifyShards returned: the new nodes are being started and joined.
	t.Run("while adding nodes", func(t *testing.T) {
		crashAndRecover(t, func(p float64, n int) bool { return n == 30 }, false)
	})
}

func crashAndRecover(t *testing.T, kill func(progress float64, line int) bool, reopen bool) {
	const keys = 50000
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	sweepOnExit(t, dir)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run", "^TestCrashChild$", "-test.count", "1", "-test.timeout", "10m")
	cmd.Env = append(os.Environ(), "REDISGROUP_CHILD=1", "REDISGROUP_DIR="+dir, "REDISGROUP_SLOTBATCH=16")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	childDone := false
	defer func() {
		if !childDone {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(root, "child.log"))
			s := string(b)
			if len(s) > 30000 {
				s = s[len(s)-30000:]
			}
			t.Logf("child log:\n%s", s)
		}
	}()
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(timeout time.Duration) string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("child exited")
			}
			return l
		case <-time.After(timeout):
			t.Fatal("child is silent")
		}
		return ""
	}
	for l := next(2 * time.Minute); l != "READY"; l = next(2 * time.Minute) {
	}

	man, err := readManifest(filepath.Join(dir, "crash", manifestFile))
	if err != nil {
		t.Fatal(err)
	}
	g0 := groupFromManifest(man)
	cc := clusterClient(g0)
	defer cc.Close()
	loadKeys(t, cc, keys)
	want, wantSize := digest(t, cc, g0, keys)
	w := startWriter(t, cc, 500)
	defer func() {
		select {
		case <-w.done:
		default:
			close(w.stop)
			<-w.done
		}
	}()

	io.WriteString(stdin, "reshard\n")
	var killedAt float64
	for n := 1; ; n++ {
		l := next(2 * time.Minute)
		if l == "DONE" {
			t.Fatal("the reshard finished before the kill window")
		}
		p, err := strconv.ParseFloat(strings.TrimPrefix(l, "PROGRESS "), 64)
		if err != nil {
			continue
		}
		if kill(p, n) {
			killedAt = p
			cmd.Process.Kill() // SIGKILL
			cmd.Wait()
			childDone = true
			break
		}
		if p > 80 {
			t.Fatalf("progress jumped to %.1f%% without a report in 10-80%%", p)
		}
	}
	man, err = readManifest(filepath.Join(dir, "crash", manifestFile))
	if err != nil {
		t.Fatal(err)
	}
	adding, withPID := 0, 0
	for _, n := range man.Nodes {
		if n.State == nodeAdding {
			adding++
			if n.PID != 0 {
				withPID++
			}
		}
	}
	t.Logf("manager killed at %.1f%% (journal: %d/%d slots, phase %s; %d nodes being added, %d with a recorded pid)",
		killedAt, man.Op.SlotsMoved, man.Op.SlotsPlanned, man.Op.Phase, adding, withPID)

	// The nodes survive their manager and keep serving.
	pidByNode := map[string]int{}
	for _, n := range man.Nodes {
		if n.PID != 0 {
			pidByNode[n.CacheClusterID] = n.PID
			if !pidIsRedis(n.PID, n.Port) {
				t.Errorf("node %s (pid %d) died with its manager", n.CacheClusterID, n.PID)
			}
		}
	}
	openSlots := 0
	for _, n := range man.Nodes {
		cl := adminClient(n.Port)
		if s, err := cl.ClusterNodes(context.Background()).Result(); err == nil {
			v, _ := parseClusterNodes(s)
			if self, ok := selfOf(v); ok {
				openSlots += len(self.Migrating) + len(self.Importing)
			}
		}
		cl.Close()
	}
	t.Logf("open slot markers left by the crash: %d", openSlots)
	ops := w.ops.Load()
	time.Sleep(time.Second)
	w.check(t)
	if w.ops.Load()-ops < 100 {
		t.Errorf("the writer made only %d operations while the manager was dead", w.ops.Load()-ops)
	}

	// A new manager finishes the job.
	start := time.Now()
	m1, err := Open(context.Background(), Options{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m1.Close(context.Background()) })
	g := waitGroup(t, m1, "crash", 3*time.Minute)
	t.Logf("recovered and finished the reshard in %s", time.Since(start).Round(time.Millisecond))
	g = checkInvariants(t, m1, "crash", 5, 1)
	got, size := digest(t, cc, g, keys)
	if got != want || size != wantSize+500 {
		t.Fatalf("after recovery: digest %s / DBSIZE sum %d, want %s / %d", got[:12], size, want[:12], wantSize+500)
	}
	w.Stop(t)
	// Every node the killed manager had started was adopted, not restarted.
	for _, ng := range g.NodeGroups {
		for _, n := range ng.Members {
			if p, ok := pidByNode[n.CacheClusterID]; ok && p != n.PID {
				t.Errorf("node %s: pid %d after recovery, was %d (restarted instead of adopted)", n.CacheClusterID, n.PID, p)
			}
		}
	}

	// Graceful Close, then Open: the nodes restart from their AOF with every key.
	closeAndCheck(t, m1)
	if !reopen {
		return
	}
	start = time.Now()
	m2 := openManager(t, dir, Options{})
	g = waitGroup(t, m2, "crash", 2*time.Minute)
	t.Logf("reopened after a graceful close in %s", time.Since(start).Round(time.Millisecond))
	g = checkInvariants(t, m2, "crash", 5, 1)
	got, size = digest(t, cc, g, keys)
	if got != want || size != wantSize+500 {
		t.Fatalf("after restart: digest %s / DBSIZE sum %d, want %s / %d", got[:12], size, want[:12], wantSize+500)
	}
	deleteGroup(t, m2, "crash")
}

// groupFromManifest is enough of a Group for the test clients (ports and planned roles).
func groupFromManifest(man *manifest) Group {
	g := Group{Spec: man.Spec}
	idx := map[string]int{}
	for _, n := range man.Nodes {
		i, ok := idx[n.NodeGroupID]
		if !ok {
			g.NodeGroups = append(g.NodeGroups, NodeGroup{ID: n.NodeGroupID})
			i = len(g.NodeGroups) - 1
			idx[n.NodeGroupID] = i
		}
		g.NodeGroups[i].Members = append(g.NodeGroups[i].Members,
			Node{CacheClusterID: n.CacheClusterID, NodeGroupID: n.NodeGroupID, Role: n.Role, Port: n.Port, PID: n.PID})
	}
	return g
}
