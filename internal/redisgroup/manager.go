package redisgroup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// StatusRebooting is the status of a node whose process died and is being restarted.
const StatusRebooting Status = "rebooting"

// ErrClosed: the manager has been closed.
var ErrClosed = errors.New("replication group manager closed")

// Options configure a Manager.
type Options struct {
	// DataDir is the root; each group lives in DataDir/<group-id>/ (manifest + one directory per
	// node).
	DataDir string
	// RedisServer is the path of redis-server; "" looks it up on PATH.
	RedisServer string
	// Logger receives the manager's logs; nil discards them.
	Logger *slog.Logger
	// MigrateBatch is the number of keys per MIGRATE (0 = 100).
	MigrateBatch int
	// NodeTimeout is every node's cluster-node-timeout (0 = 5s).
	NodeTimeout time.Duration
	// SlotBatch is how many slots the mover opens and moves together between one source and one
	// destination, pipelining the SETSLOT, GETKEYSINSLOT and MIGRATE commands of those slots
	// (0 = 64). 1 moves slot by slot, like redis-cli.
	SlotBatch int
	// PairParallel is how many (source, destination) pairs move slots at the same time (0 = 4).
	PairParallel int
	// RemoveGrace is how long removed nodes (scale-in, fewer replicas) keep running after they
	// left the group (0 = 60s, negative = they are stopped within the operation). Every member
	// has forgotten them, so they cannot come back, but they still answer MOVED: a client whose
	// slot map still points at them is redirected instead of refused (go-redis refreshes its map
	// on a redirect, or once a minute). Close and Delete stop them at once.
	RemoveGrace time.Duration
}

// Available reports whether a redis-server binary can be found: redisServer itself when given,
// else "redis-server" on PATH.
func Available(redisServer string) (path string, ok bool) {
	name := redisServer
	if name == "" {
		name = "redis-server"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", false
	}
	return p, true
}

// Manager runs replication groups. All methods are safe for concurrent use.
type Manager struct {
	o       Options
	log     *slog.Logger
	bin     string
	dataDir string
	lock    *os.File
	cl      clients

	ctx     context.Context // cancelled by Close: operations and supervision stop
	cancel  context.CancelFunc
	wakeCh  chan struct{}
	supDone chan struct{}
	ops     sync.WaitGroup

	// crashAt, set by tests before any operation, is asked at named points of the operations;
	// true makes the operation stop dead there, as if the process had been killed.
	crashAt atomic.Pointer[func(point string) bool]

	mu     sync.Mutex // guards everything below and the groups' in-memory state
	closed bool
	groups map[string]*groupState
	ports  map[int]bool // every port of every node of every group
}

// groupState is one group in memory. Fields marked "m.mu" are guarded by the manager's mutex,
// which is never held during network or disk I/O.
type groupState struct {
	id      string
	dir     string
	man     *manifest          // m.mu
	rt      map[string]*nodeRT // m.mu; by CacheClusterID
	changed chan struct{}      // m.mu; closed and replaced whenever the status changes
	gone    bool               // m.mu; deleted

	saveMu sync.Mutex
	seq    uint64 // m.mu
	saved  uint64 // saveMu
}

// nodeRT is the runtime state of one node.
type nodeRT struct {
	startMu  sync.Mutex // serializes starting/adopting this node
	proc     *proc      // m.mu
	stopping bool       // m.mu: being stopped on purpose; never restart
	live     liveNode   // m.mu
	failures int        // m.mu: restart failures in a row
	nextTry  time.Time  // m.mu
}

// liveNode is what the node last said about itself.
type liveNode struct {
	ok       bool
	role     string
	redisID  string
	masterID string
	slots    []slotRange
	open     bool
	at       time.Time
}

// Open opens (creating it if needed) DataDir and takes over every group found there: live nodes
// are re-adopted, dead ones restarted from their data; an interrupted operation resumes in the
// background. Only one Manager may use a DataDir at a time.
func Open(ctx context.Context, o Options) (*Manager, error) {
	if o.DataDir == "" {
		return nil, fmt.Errorf("redisgroup: Options.DataDir is required")
	}
	bin, ok := Available(o.RedisServer)
	if !ok {
		return nil, fmt.Errorf("redisgroup: redis-server not found (RedisServer=%q)", o.RedisServer)
	}
	if o.MigrateBatch <= 0 {
		o.MigrateBatch = 100
	}
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = 5 * time.Second
	}
	if o.SlotBatch <= 0 {
		o.SlotBatch = 64
	}
	if o.PairParallel <= 0 {
		o.PairParallel = 4
	}
	if o.RemoveGrace == 0 {
		o.RemoveGrace = time.Minute
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("redisgroup: create data dir: %w", err)
	}
	dir, err := filepath.Abs(o.DataDir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("redisgroup: data dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("redisgroup: lock file: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("redisgroup: data dir %s is in use by another manager: %w", dir, err)
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m := &Manager{
		o: o, log: log, bin: bin, dataDir: dir, lock: lock,
		ctx: bctx, cancel: cancel,
		wakeCh:  make(chan struct{}, 1),
		supDone: make(chan struct{}),
		groups:  map[string]*groupState{},
		ports:   map[int]bool{},
	}
	if err := m.recoverAll(ctx); err != nil {
		cancel()
		close(m.supDone)
		m.cl.closeAll()
		lock.Close()
		return nil, err
	}
	go m.supervise()
	return m, nil
}

// Close stops every node gracefully (SHUTDOWN, so the AOF is complete) and stops supervision
// and any operation (its journal stays, so the next Open resumes it). Data stays for the next
// Open. After Close no redis-server started or adopted by this manager is left running.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	<-m.supDone
	m.ops.Wait()

	m.mu.Lock()
	var procs []*proc
	for _, g := range m.groups {
		for _, rt := range g.rt {
			rt.stopping = true
			if rt.proc != nil {
				procs = append(procs, rt.proc)
			}
		}
	}
	m.mu.Unlock()
	err := parallel(len(procs), 32, func(i int) error { return m.stopProc(ctx, procs[i], true) })
	m.cl.closeAll()
	m.mu.Lock()
	for _, g := range m.groups {
		g.notifyLocked()
	}
	m.mu.Unlock()
	syscall.Flock(int(m.lock.Fd()), syscall.LOCK_UN)
	m.lock.Close()
	if err != nil {
		return fmt.Errorf("redisgroup: close: %w", err)
	}
	m.log.Info("replication group manager closed", "nodes_stopped", len(procs))
	return nil
}

// Get returns a snapshot of a group (cheap: no network I/O).
func (m *Manager) Get(id string) (Group, error) {
	id = NormalizeID(id)
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[id]
	if g == nil || g.gone {
		return Group{}, notFound(id)
	}
	return m.snapshotLocked(g), nil
}

// List returns every group, sorted by ID.
func (m *Manager) List() []Group {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Group, 0, len(m.groups))
	for _, g := range m.groups {
		if !g.gone {
			out = append(out, m.snapshotLocked(g))
		}
	}
	slices.SortFunc(out, func(a, b Group) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// Wait blocks until the group is not creating, modifying or deleting, and returns it; a group
// that is deleted meanwhile gives ErrNotFound.
func (m *Manager) Wait(ctx context.Context, id string) (Group, error) {
	id = NormalizeID(id)
	for {
		m.mu.Lock()
		g := m.groups[id]
		if g == nil || g.gone {
			m.mu.Unlock()
			return Group{}, notFound(id)
		}
		if !busy(g.man.Status) {
			s := m.snapshotLocked(g)
			m.mu.Unlock()
			return s, nil
		}
		if m.closed {
			m.mu.Unlock()
			return Group{}, fmt.Errorf("%w: replication group %s is %s", ErrClosed, id, g.man.Status)
		}
		ch := g.changed
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Group{}, ctx.Err()
		}
	}
}

func busy(s Status) bool {
	return s == StatusCreating || s == StatusModifying || s == StatusDeleting
}

func notFound(id string) error {
	return fmt.Errorf("%w: Replication group %s not found.", ErrNotFound, id)
}

func (g *groupState) notifyLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

func newGroupState(dir string, man *manifest) *groupState {
	g := &groupState{id: man.Spec.ID, dir: dir, man: man, rt: map[string]*nodeRT{}, changed: make(chan struct{})}
	for _, n := range man.Nodes {
		g.rt[n.CacheClusterID] = &nodeRT{}
	}
	return g
}

// rtLocked returns the runtime state of a node, creating it.
func (g *groupState) rtLocked(ccid string) *nodeRT {
	rt := g.rt[ccid]
	if rt == nil {
		rt = &nodeRT{}
		g.rt[ccid] = rt
	}
	return rt
}

func (m *Manager) nodeDir(g *groupState, ccid string) string { return filepath.Join(g.dir, ccid) }

// save persists the group's manifest (atomically). Saves of one group are ordered: a newer
// snapshot is never overwritten by an older one. Must not be called with m.mu held.
func (m *Manager) save(g *groupState) error {
	m.mu.Lock()
	if g.gone {
		m.mu.Unlock()
		return nil
	}
	g.seq++
	seq := g.seq
	data, err := json.MarshalIndent(g.man, "", "  ")
	m.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode manifest of %s: %w", g.id, err)
	}
	g.saveMu.Lock()
	defer g.saveMu.Unlock()
	if seq <= g.saved {
		return nil
	}
	if err := writeFileAtomic(filepath.Join(g.dir, manifestFile), data); err != nil {
		return fmt.Errorf("write manifest of %s: %w", g.id, err)
	}
	g.saved = seq
	return nil
}

// update changes the manifest under the lock, notifies waiters when the status changed, and
// persists it.
func (m *Manager) update(g *groupState, fn func(man *manifest)) error {
	m.mu.Lock()
	before := g.man.Status
	fn(g.man)
	if g.man.Status != before {
		g.notifyLocked()
	}
	m.mu.Unlock()
	return m.save(g)
}

// allocPortsLocked reserves n distinct free ports of 127.0.0.1 (the kernel's choice, by binding
// port 0), the first one being prefer when that is free.
func (m *Manager) allocPortsLocked(n, prefer int) ([]int, error) {
	var out []int
	if prefer != 0 && !m.ports[prefer] && portFree(prefer) {
		out = append(out, prefer)
		m.ports[prefer] = true
	}
	for tries := 0; len(out) < n; tries++ {
		if tries > 100*n+100 {
			for _, p := range out {
				delete(m.ports, p)
			}
			return nil, fmt.Errorf("no free port found on 127.0.0.1")
		}
		p, err := freePort()
		if err != nil {
			for _, p := range out {
				delete(m.ports, p)
			}
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		if m.ports[p] {
			continue
		}
		m.ports[p] = true
		out = append(out, p)
	}
	return out, nil
}

// newNodeLocked adds a node record to a node group (ports allocated, state adding).
func (m *Manager) newNodeLocked(g *groupState, ngID, role string, preferPort int) (*nodeRec, error) {
	ports, err := m.allocPortsLocked(2, preferPort)
	if err != nil {
		return nil, err
	}
	man := g.man
	num := man.NextNode[ngID]
	if num == 0 {
		num = 1
	}
	man.NextNode[ngID] = num + 1
	n := &nodeRec{
		CacheClusterID: fmt.Sprintf("%s-%s-%03d", man.Spec.ID, ngID, num),
		NodeGroupID:    ngID,
		Number:         num,
		Port:           ports[0],
		BusPort:        ports[1],
		Role:           role,
		State:          nodeAdding,
		CreateTime:     time.Now().UTC(),
	}
	man.Nodes = append(man.Nodes, n)
	g.rtLocked(n.CacheClusterID)
	return n, nil
}

// dropNodeLocked forgets a node in memory (the caller has stopped it and removed its dir).
func (m *Manager) dropNodeLocked(g *groupState, ccid string) {
	man := g.man
	for i, n := range man.Nodes {
		if n.CacheClusterID == ccid {
			delete(m.ports, n.Port)
			delete(m.ports, n.BusPort)
			man.Nodes = slices.Delete(man.Nodes, i, i+1)
			break
		}
	}
	delete(g.rt, ccid)
}

// stopping marks nodes as being stopped on purpose (never restarted) and returns their
// processes, after any start of them in progress has finished (so none is started behind our
// back).
func (m *Manager) stopping(g *groupState, ccids []string) []*proc {
	m.mu.Lock()
	rts := make([]*nodeRT, len(ccids))
	for i, c := range ccids {
		rts[i] = g.rtLocked(c)
		rts[i].stopping = true
	}
	m.mu.Unlock()
	out := make([]*proc, len(ccids))
	for i, rt := range rts {
		rt.startMu.Lock()
		m.mu.Lock()
		out[i] = rt.proc
		m.mu.Unlock()
		rt.startMu.Unlock()
	}
	return out
}

// wake nudges the supervisor (a child exited).
func (m *Manager) wake() {
	select {
	case m.wakeCh <- struct{}{}:
	default:
	}
}

// startOp runs an operation in the background. The caller has set the status and journal and
// saved them. The function does the whole operation including its final state; when it fails
// (other than by Close) fail cleans up and records the error.
func (m *Manager) startOp(g *groupState, kind string, run func(ctx context.Context, g *groupState) error) {
	m.mu.Lock()
	if m.closed {
		// Closing: the journal is saved, the next Open resumes the operation.
		m.mu.Unlock()
		return
	}
	m.ops.Add(1)
	m.mu.Unlock()
	go func() {
		defer m.ops.Done()
		ctx := m.ctx
		log := m.log.With("group", g.id, "op", kind)
		start := time.Now()
		var err error
		for attempt := 1; ; attempt++ {
			err = run(ctx, g)
			// A delete is retried until it succeeds; other operations a few times.
			if err == nil || ctx.Err() != nil || errors.Is(err, errCrashed) || permanent(err) || (kind != "delete" && attempt >= 4) {
				break
			}
			log.Warn("operation step failed; retrying from the journal", "attempt", attempt, "err", err)
			if sleep(ctx, time.Duration(min(attempt, 10))*time.Second) != nil {
				break
			}
		}
		switch {
		case err == nil:
			log.Info("operation finished", "took", time.Since(start).Round(time.Millisecond))
		case ctx.Err() != nil || errors.Is(err, errCrashed):
			log.Info("operation interrupted by Close; it resumes at the next Open", "err", err)
			return
		default:
			log.Error("operation failed", "err", err)
			m.failOp(context.WithoutCancel(ctx), g, kind, err)
		}
		m.refresh(context.WithoutCancel(ctx), g)
	}()
}

// errCrashed is what an operation returns when a test's crash point stopped it.
var errCrashed = errors.New("stopped at a test crash point")

// crashed asks the test hook whether to die at point.
func (m *Manager) crashed(point string) bool {
	f := m.crashAt.Load()
	return f != nil && (*f)(point)
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p) || errors.Is(err, ErrCapacity) || errors.Is(err, ErrInvalid)
}
