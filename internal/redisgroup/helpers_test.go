package redisgroup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// TestMain makes the test process a child subreaper: the redis-server nodes of a manager child
// process killed by a test are re-parented to this process (not to PID 1, which may not reap),
// so the manager that adopts them can also reap them and no zombie is left.
func TestMain(m *testing.M) {
	const prSetChildSubreaper = 36
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

// quietLogger silences go-redis's own logging (dial failures of nodes being stopped).
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// requireRedis skips the test when redis-server is missing, except on CI where it fails.
func requireRedis(t testing.TB) string {
	t.Helper()
	p, ok := Available("")
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not found on PATH, and CI=true: the redisgroup tests need it")
		}
		t.Skip("redis-server not found on PATH; skipping (install redis-server 7.x to run)")
	}
	return p
}

// logBuffer collects the manager's logs; they are printed when the test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testLogger(t testing.TB) *slog.Logger {
	lb := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("REDISGROUP_LOG") != "" {
			s := lb.String()
			if len(s) > 60000 {
				s = "...\n" + s[len(s)-60000:]
			}
			t.Logf("manager log:\n%s", s)
		}
	})
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// openManager opens a manager on dir; Cleanup closes it and checks that every pid it ever
// reported is gone.
func openManager(t testing.TB, dir string, o Options) *Manager {
	t.Helper()
	o.DataDir = dir
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := Open(ctx, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { closeAndCheck(t, m) })
	return m
}

// sweepOnExit makes sure, whatever happens to the test, that no node of dir outlives it: at the
// end a manager opened on dir adopts every live node and Close stops them. (Register it before
// any other cleanup of managers on dir: cleanups run last-in first-out.)
func sweepOnExit(t testing.TB, dir string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m, err := Open(ctx, Options{DataDir: dir})
		if err != nil {
			t.Errorf("sweep %s: %v", dir, err)
			return
		}
		if err := m.Close(ctx); err != nil {
			t.Errorf("sweep %s: %v", dir, err)
		}
	})
}

// closeAndCheck closes m and asserts that no process of its groups remains.
func closeAndCheck(t testing.TB, m *Manager) {
	t.Helper()
	pids := map[int]bool{}
	for _, g := range m.List() {
		for _, p := range pidsOf(g) {
			pids[p] = true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	for p := range pids {
		assertPidGone(t, p)
	}
}

func pidsOf(g Group) []int {
	var out []int
	for _, ng := range g.NodeGroups {
		for _, n := range ng.Members {
			if n.PID > 0 {
				out = append(out, n.PID)
			}
		}
	}
	return out
}

// assertPidGone fails when pid is still a live process (zombies count as alive: they must have
// been reaped).
func assertPidGone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
		if err != nil {
			return
		}
		if time.Now().After(deadline) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Errorf("process %d is still there: %s", pid, stat)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitGroup(t testing.TB, m *Manager, id string, timeout time.Duration) Group {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	g, err := m.Wait(ctx, id)
	if err != nil {
		t.Fatalf("Wait(%s): %v", id, err)
	}
	if g.Status != StatusAvailable {
		t.Fatalf("group %s is %s after Wait (LastError %q)", id, g.Status, g.LastError)
	}
	if g.LastError != "" {
		t.Fatalf("group %s: LastError %q", id, g.LastError)
	}
	return g
}

func createGroup(t testing.TB, m *Manager, spec Spec) Group {
	t.Helper()
	start := time.Now()
	g, err := m.Create(context.Background(), spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if g.Status != StatusCreating {
		t.Fatalf("Create returned status %s, want creating", g.Status)
	}
	g = waitGroup(t, m, spec.ID, 2*time.Minute)
	t.Logf("created %s (%d x (1+%d)) in %s", g.ID, g.Shards, g.Replicas, time.Since(start).Round(time.Millisecond))
	return g
}

func deleteGroup(t testing.TB, m *Manager, id string) {
	t.Helper()
	g, err := m.Get(id)
	if err != nil {
		t.Fatalf("Get before delete: %v", err)
	}
	pids := pidsOf(g)
	if _, err := m.Delete(context.Background(), id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := m.Wait(ctx, id); err == nil || !isNotFound(err) {
		t.Fatalf("Wait after Delete: %v, want ErrNotFound", err)
	}
	for _, p := range pids {
		assertPidGone(t, p)
	}
	if _, err := os.Stat(m.dataDir + "/" + id); !os.IsNotExist(err) {
		t.Fatalf("group directory still there after delete: %v", err)
	}
	for _, x := range m.List() {
		if x.ID == id {
			t.Fatalf("group %s still listed after delete", id)
		}
	}
}

func isNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), ErrNotFound.Error())
}

func adminClient(port int) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:" + strconv.Itoa(port), Protocol: 2, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

func clusterClient(g Group) *redis.ClusterClient {
	var addrs []string
	for _, ng := range g.NodeGroups {
		for _, n := range ng.Members {
			addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(n.Port))
		}
	}
	return redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: addrs, Protocol: 2, DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		MaxRedirects:             8,
		ReadTimeout:              5 * time.Second,
		WriteTimeout:             5 * time.Second,
	})
}

func value(i int) string {
	return fmt.Sprintf("value-%08d-%s", i, strings.Repeat("x", 80))
}

// loadKeys writes key:0..n-1 through the cluster client, pipelined.
func loadKeys(t testing.TB, cc *redis.ClusterClient, n int) {
	t.Helper()
	ctx := context.Background()
	for lo := 0; lo < n; lo += 1000 {
		pipe := cc.Pipeline()
		for i := lo; i < min(lo+1000, n); i++ {
			pipe.Set(ctx, "key:"+strconv.Itoa(i), value(i), 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("load keys: %v", err)
		}
	}
}

// digest reads key:0..n-1 through the cluster client and checks every value; it returns a
// sha256 of "key=value\n" in key order, and the sum of DBSIZE over the primaries.
func digest(t testing.TB, cc *redis.ClusterClient, g Group, n int) (string, int64) {
	t.Helper()
	ctx := context.Background()
	h := sha256.New()
	for lo := 0; lo < n; lo += 1000 {
		pipe := cc.Pipeline()
		cmds := make([]*redis.StringCmd, 0, 1000)
		for i := lo; i < min(lo+1000, n); i++ {
			cmds = append(cmds, pipe.Get(ctx, "key:"+strconv.Itoa(i)))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("digest: read keys: %v", err)
		}
		for j, c := range cmds {
			i := lo + j
			if c.Val() != value(i) {
				t.Fatalf("digest: key:%d = %q, want %q", i, c.Val(), value(i))
			}
			fmt.Fprintf(h, "key:%d=%s\n", i, c.Val())
		}
	}
	var total int64
	for _, ng := range g.NodeGroups {
		for _, node := range ng.Members {
			if node.Role != RolePrimary {
				continue
			}
			cl := adminClient(node.Port)
			sz, err := cl.DBSize(ctx).Result()
			cl.Close()
			if err != nil {
				t.Fatalf("DBSIZE on %s: %v", node.CacheClusterID, err)
			}
			total += sz
		}
	}
	return hex.EncodeToString(h.Sum(nil)), total
}

// writer runs SET+GET of its own keys through a cluster client until stopped, counting errors.
type writer struct {
	cc      *redis.ClusterClient
	keys    int
	ops     atomic.Int64
	errs    atomic.Int64
	lastErr atomic.Value
	mu      sync.Mutex
	last    map[string]string // last acknowledged value per key
	stop    chan struct{}
	done    chan struct{}
}

func startWriter(t testing.TB, cc *redis.ClusterClient, keys int) *writer {
	w := &writer{cc: cc, keys: keys, last: map[string]string{}, stop: make(chan struct{}), done: make(chan struct{})}
	ctx := context.Background()
	// Every key exists before the first digest, so the DBSIZE sum does not change.
	for i := range keys {
		k, v := "w:"+strconv.Itoa(i), "init"
		if err := cc.Set(ctx, k, v, 0).Err(); err != nil {
			t.Fatalf("writer init: %v", err)
		}
		w.last[k] = v
	}
	go func() {
		defer close(w.done)
		for seq := 0; ; seq++ {
			select {
			case <-w.stop:
				return
			default:
			}
			k := "w:" + strconv.Itoa(seq%keys)
			v := "v" + strconv.Itoa(seq)
			if err := cc.Set(ctx, k, v, 0).Err(); err != nil {
				w.fail(err)
				continue
			}
			w.mu.Lock()
			w.last[k] = v
			w.mu.Unlock()
			got, err := cc.Get(ctx, k).Result()
			if err != nil {
				w.fail(err)
				continue
			}
			if got != v {
				w.fail(fmt.Errorf("GET %s = %q after SET %q", k, got, v))
			}
			w.ops.Add(1)
			if seq%64 == 0 {
				time.Sleep(time.Millisecond) // leave CPU to the cluster on small machines
			}
		}
	}()
	return w
}

func (w *writer) fail(err error) {
	w.errs.Add(1)
	w.lastErr.Store(err.Error())
}

func (w *writer) Stop(t testing.TB) {
	t.Helper()
	close(w.stop)
	<-w.done
	w.check(t)
	// Every key holds its last acknowledged value.
	ctx := context.Background()
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, v := range w.last {
		got, err := w.cc.Get(ctx, k).Result()
		if err != nil || got != v {
			t.Errorf("writer key %s = %q (%v), want the last acknowledged %q", k, got, err, v)
		}
	}
	t.Logf("writer: %d SET+GET, %d errors", w.ops.Load(), w.errs.Load())
}

func (w *writer) check(t testing.TB) {
	t.Helper()
	if n := w.errs.Load(); n > 0 {
		t.Errorf("client saw %d errors (last: %v)", n, w.lastErr.Load())
	}
}

// checkInvariants checks resources.md E.1 on a group at rest: shape, slot coverage, all nodes
// agreeing with no open slot and cluster_state ok, replicas linked, caught up and as big as
// their primary, and redis-cli --cluster check agreeing.
func checkInvariants(t testing.TB, m *Manager, id string, shards, replicas int) Group {
	t.Helper()
	ctx := context.Background()
	// Let the cached snapshot catch up with Redis.
	var g Group
	var shapeErr error
	for i := 0; i < 100; i++ {
		m.mu.Lock()
		gs := m.groups[NormalizeID(id)]
		m.mu.Unlock()
		if gs != nil {
			m.refresh(ctx, gs)
		}
		var err error
		if g, err = m.Get(id); err != nil {
			t.Fatalf("Get: %v", err)
		}
		if shapeErr = checkShape(g, shards, replicas); shapeErr == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if shapeErr != nil {
		t.Fatalf("shape: %v\n%+v", shapeErr, g.NodeGroups)
	}
	if g.Status != StatusAvailable || g.Operation != nil {
		t.Fatalf("group is %s with operation %+v", g.Status, g.Operation)
	}
	// Every node's own view.
	views := map[string][]clusterNode{}
	for _, ng := range g.NodeGroups {
		for _, n := range ng.Members {
			cl := adminClient(n.Port)
			s, err := cl.ClusterNodes(ctx).Result()
			if err != nil {
				t.Fatalf("CLUSTER NODES on %s: %v", n.CacheClusterID, err)
			}
			v, err := parseClusterNodes(s)
			if err != nil {
				t.Fatal(err)
			}
			views[n.CacheClusterID] = v
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil || infoFields(info)["cluster_state"] != "ok" {
				t.Errorf("node %s: cluster_state %q (%v)", n.CacheClusterID, infoFields(info)["cluster_state"], err)
			}
			if len(v) != shards*(1+replicas) {
				t.Errorf("node %s knows %d nodes, want %d", n.CacheClusterID, len(v), shards*(1+replicas))
			}
			cl.Close()
		}
	}
	if err := agreement(views); err != nil {
		t.Errorf("agreement: %v", err)
	}
	// Replicas: link up, caught up, same DBSIZE as their primary (once replication settles).
	for _, ng := range g.NodeGroups {
		var prim Node
		for _, n := range ng.Members {
			if n.Role == RolePrimary {
				prim = n
			}
		}
		for _, n := range ng.Members {
			if n.Role != RoleReplica {
				continue
			}
			var last string
			ok := false
			for i := 0; i < 100 && !ok; i++ {
				rc, pc := adminClient(n.Port), adminClient(prim.Port)
				f, _ := rc.Info(ctx, "replication").Result()
				rf := infoFields(f)
				rs, _ := rc.DBSize(ctx).Result()
				ps, _ := pc.DBSize(ctx).Result()
				rc.Close()
				pc.Close()
				ok = rf["master_link_status"] == "up" && rf["master_port"] == strconv.Itoa(prim.Port) && rs == ps
				last = fmt.Sprintf("link %s, master_port %s (primary %d), dbsize %d vs %d", rf["master_link_status"], rf["master_port"], prim.Port, rs, ps)
				if !ok {
					time.Sleep(50 * time.Millisecond)
				}
			}
			if !ok {
				t.Errorf("replica %s: %s", n.CacheClusterID, last)
			}
		}
	}
	if cli, err := exec.LookPath("redis-cli"); err == nil {
		out, _ := exec.Command(cli, "--cluster", "check", "127.0.0.1:"+strconv.Itoa(g.ConfigEndpointPort)).CombinedOutput()
		if !strings.Contains(string(out), "[OK] All nodes agree about slots configuration.") ||
			!strings.Contains(string(out), "[OK] All 16384 slots covered.") {
			t.Errorf("redis-cli --cluster check:\n%s", out)
		}
	}
	return g
}

// checkShape: shard count, one primary and the given replicas per shard, slots covering
// 0-16383 exactly once across the node groups.
func checkShape(g Group, shards, replicas int) error {
	if len(g.NodeGroups) != shards {
		return fmt.Errorf("%d node groups, want %d", len(g.NodeGroups), shards)
	}
	var all [][]slotRange
	for _, ng := range g.NodeGroups {
		p, r := 0, 0
		for _, n := range ng.Members {
			switch n.Role {
			case RolePrimary:
				p++
			case RoleReplica:
				r++
			}
			if n.Status != StatusAvailable {
				return fmt.Errorf("node %s is %s", n.CacheClusterID, n.Status)
			}
		}
		if p != 1 || r != replicas {
			return fmt.Errorf("node group %s has %d primaries and %d replicas, want 1 and %d", ng.ID, p, r, replicas)
		}
		if g.ClusterMode {
			rs, err := parseRanges(ng.Slots)
			if err != nil {
				return err
			}
			all = append(all, rs)
		}
	}
	if g.ClusterMode {
		return checkCoverage(all)
	}
	return nil
}
