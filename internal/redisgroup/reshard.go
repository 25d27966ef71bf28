package redisgroup

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ModifyShards reshards a cluster-mode group online to count node groups and returns at once
// with Status modifying; slots move in the background while clients keep working.
//
// Scale-out: the new node groups get the next never-used ids and as many replicas as the
// smallest existing node group. Scale-in: remove (node groups to drain and delete) or retain
// (node groups to keep) may be given, not both; when neither is, the node groups with the
// highest ids are removed. Before a scale-in, the kept primaries must have free memory
// (maxmemory - used_memory) of at least 1.5x what the removed primaries use (ErrCapacity).
func (m *Manager) ModifyShards(ctx context.Context, id string, count int, remove, retain []string) (Group, error) {
	id = NormalizeID(id)
	plan, err := m.planReshard(id, count, remove, retain)
	if err != nil {
		return Group{}, err
	}
	g := plan.g
	if len(plan.remove) > 0 {
		if err := m.checkScaleInMemory(ctx, g, plan.remove); err != nil {
			return Group{}, err
		}
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return Group{}, ErrClosed
	}
	if g.gone || g.man.Status != StatusAvailable || g.man.Op != nil {
		st := g.man.Status
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s is not in available state (%s).", ErrBusy, id, st)
	}
	if !slices.Equal(g.man.nodeGroupIDs(nodeActive), plan.current) {
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s changed meanwhile; try again.", ErrBusy, id)
	}
	now := time.Now().UTC()
	j := &journal{Kind: "reshard", Started: now, TargetShards: count, TargetReplicas: plan.replicas, Remove: plan.remove, Phase: "nodes"}
	var added []*nodeRec
	for range count - len(plan.current) {
		ng := fmt.Sprintf("%04d", g.man.NextNodeGroup)
		g.man.NextNodeGroup++
		j.Add = append(j.Add, ng)
		for k := 0; k <= plan.replicas; k++ {
			role := RoleReplica
			if k == 0 {
				role = RolePrimary
			}
			n, err := m.newNodeLocked(g, ng, role, 0)
			if err != nil {
				for _, a := range added {
					m.dropNodeLocked(g, a.CacheClusterID)
				}
				m.mu.Unlock()
				return Group{}, fmt.Errorf("reshard %s: %w", id, err)
			}
			added = append(added, n)
		}
	}
	g.man.Status = StatusModifying
	g.man.Op = j
	g.man.LastError = ""
	g.notifyLocked()
	m.mu.Unlock()
	if err := m.save(g); err != nil {
		m.log.Error("cannot persist the reshard journal", "group", id, "err", err)
	}
	m.log.Info("resharding", "group", id, "from", len(plan.current), "to", count, "add", j.Add, "remove", j.Remove)
	m.startOp(g, "reshard", m.runReshard)
	return m.Get(id)
}

type reshardPlan struct {
	g        *groupState
	current  []string
	remove   []string
	replicas int
}

// planReshard validates a ModifyShards request against the group (no I/O).
func (m *Manager) planReshard(id string, count int, remove, retain []string) (reshardPlan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[id]
	if g == nil || g.gone {
		return reshardPlan{}, notFound(id)
	}
	man := g.man
	if !man.Spec.ClusterMode {
		return reshardPlan{}, fmt.Errorf("%w: Replication group %s has cluster mode disabled; its node groups cannot be changed.", ErrInvalid, id)
	}
	if man.Status != StatusAvailable || man.Op != nil {
		return reshardPlan{}, fmt.Errorf("%w: Replication group %s is not in available state (%s).", ErrBusy, id, man.Status)
	}
	cur := man.nodeGroupIDs(nodeActive)
	p := reshardPlan{g: g, current: cur}
	switch {
	case count < 1 || count > MaxShards:
		return p, fmt.Errorf("%w: NodeGroupCount must be between 1 and %d (got %d).", ErrInvalid, MaxShards, count)
	case count == len(cur):
		return p, fmt.Errorf("%w: NodeGroupCount %d is the current number of node groups of %s.", ErrInvalid, count, id)
	}
	p.replicas = MaxReplicas
	for _, ng := range cur {
		n := 0
		for _, r := range man.members(ng) {
			if r.State == nodeActive {
				n++
			}
		}
		p.replicas = min(p.replicas, n-1)
	}
	if count > len(cur) {
		if len(remove) > 0 || len(retain) > 0 {
			return p, fmt.Errorf("%w: NodeGroupsToRemove and NodeGroupsToRetain are only allowed when reducing the number of node groups.", ErrInvalid)
		}
		total := man.memberCount() + (count-len(cur))*(1+p.replicas)
		if total > MaxNodes {
			return p, fmt.Errorf("%w: %d node groups would need %d nodes; a replication group can have at most %d.", ErrInvalid, count, total, MaxNodes)
		}
		return p, nil
	}
	k := len(cur) - count
	known := setOf(cur)
	check := func(name string, ids []string) error {
		seen := map[string]bool{}
		for _, x := range ids {
			if !known[x] {
				return fmt.Errorf("%w: %s: node group %q does not exist in replication group %s (it has %s).", ErrInvalid, name, x, id, strings.Join(cur, ", "))
			}
			if seen[x] {
				return fmt.Errorf("%w: %s lists node group %s twice.", ErrInvalid, name, x)
			}
			seen[x] = true
		}
		return nil
	}
	switch {
	case len(remove) > 0 && len(retain) > 0:
		return p, fmt.Errorf("%w: Either NodeGroupsToRemove or NodeGroupsToRetain may be given, not both.", ErrInvalid)
	case len(remove) > 0:
		if err := check("NodeGroupsToRemove", remove); err != nil {
			return p, err
		}
		if len(remove) != k {
			return p, fmt.Errorf("%w: Reducing %s from %d to %d node groups removes %d, but NodeGroupsToRemove lists %d.", ErrInvalid, id, len(cur), count, k, len(remove))
		}
		p.remove = slices.Sorted(slices.Values(remove))
	case len(retain) > 0:
		if err := check("NodeGroupsToRetain", retain); err != nil {
			return p, err
		}
		if len(retain) != count {
			return p, fmt.Errorf("%w: NodeGroupsToRetain lists %d node groups, but NodeGroupCount is %d.", ErrInvalid, len(retain), count)
		}
		keep := setOf(retain)
		for _, ng := range cur {
			if !keep[ng] {
				p.remove = append(p.remove, ng)
			}
		}
	default:
		// Our default when the caller names none: remove the highest node group ids.
		p.remove = slices.Clone(cur[count:])
	}
	return p, nil
}

// checkScaleInMemory refuses a scale-in when the kept primaries' free memory (maxmemory -
// used_memory) is less than 1.5x the memory the removed primaries use (resources.md A.3).
func (m *Manager) checkScaleInMemory(ctx context.Context, g *groupState, remove []string) error {
	refs := m.refs(g, inState(nodeActive))
	prim, _, err := m.currentPrimaries(ctx, g, refs)
	if err != nil {
		return fmt.Errorf("check memory before scale-in of %s: %w", g.id, err)
	}
	removed := setOf(remove)
	var used, free int64
	for ng, p := range prim {
		f, err := infoOf(ctx, m.cl.get(p.port), "memory")
		if err != nil {
			return fmt.Errorf("check memory before scale-in of %s: %w", g.id, err)
		}
		u, _ := strconv.ParseInt(f["used_memory"], 10, 64)
		mx, _ := strconv.ParseInt(f["maxmemory"], 10, 64)
		if removed[ng] {
			used += u
		} else if mx > 0 {
			free += max(0, mx-u)
		} else {
			free += 1 << 62
		}
	}
	if need := used + used/2; free < need {
		return fmt.Errorf("%w: The node groups kept in %s have %s of free memory, but %s is needed (1.5 x the %s used by the node groups to remove).",
			ErrCapacity, g.id, formatBytes(free), formatBytes(need), formatBytes(used))
	}
	return nil
}

// runReshard performs (or resumes) a reshard; see resources.md B.4, B.5 and E.1. Every phase
// starts from what Redis says, so running it again after a crash at any point is safe.
func (m *Manager) runReshard(ctx context.Context, g *groupState) error {
	// 1. Every node of the group runs, and new node groups are joined.
	if err := m.ensureNodes(ctx, g, m.refs(g, inState(nodeActive, nodeAdding))); err != nil {
		return err
	}
	if err := m.joinAddingNodes(ctx, g); err != nil {
		return err
	}
	if m.crashed("reshard:joined") {
		return errCrashed
	}

	// 2. Close slots a previous attempt left open, and wait until all nodes agree.
	m.setPhase(g, "migrate")
	active := m.refs(g, inState(nodeActive))
	if err := m.closeOpenSlots(ctx, g, active); err != nil {
		return err
	}
	// cluster_state:ok everywhere too: a destination whose state is still fail (a new primary
	// reports ok no sooner than 2 s after it started) answers MIGRATE's RESTORE with CLUSTERDOWN.
	if err := m.waitAgreement(ctx, active); err != nil {
		return err
	}

	// 3. Plan from the actual ownership and move.
	m.mu.Lock()
	remove := slices.Clone(g.man.Op.Remove)
	m.mu.Unlock()
	prim, views, err := m.currentPrimaries(ctx, g, active)
	if err != nil {
		return err
	}
	owned, err := ownedByNodeGroup(views, active)
	if err != nil {
		return err
	}
	var targets []string
	for ng := range prim {
		if !contains(remove, ng) {
			targets = append(targets, ng)
		}
	}
	slices.Sort(targets)
	plan, err := planMoves(owned, targets)
	if err != nil {
		return &permanentError{err}
	}
	remaining := countMoves(plan)
	m.mu.Lock()
	j := g.man.Op
	if j.SlotsPlanned == 0 || j.SlotsPlanned < j.SlotsMoved+remaining {
		j.SlotsPlanned = j.SlotsMoved + remaining
	}
	j.SlotsMoved = j.SlotsPlanned - remaining
	m.mu.Unlock()
	if err := m.save(g); err != nil {
		return err
	}
	if err := m.executePlan(ctx, g, prim, plan); err != nil {
		return err
	}
	if m.crashed("reshard:moved") {
		return errCrashed
	}
	if err := m.waitAgreement(ctx, active); err != nil {
		return err
	}

	// 4. Remove the drained node groups.
	if len(remove) > 0 {
		m.setPhase(g, "remove")
		var gone []string
		for _, r := range m.refs(g, inState(nodeActive, nodeRemoving)) {
			if contains(remove, r.ng) {
				gone = append(gone, r.ccid)
			}
		}
		if err := m.removeNodes(ctx, g, gone); err != nil {
			return err
		}
	}

	if err := m.update(g, func(man *manifest) {
		man.Spec.Shards = len(man.nodeGroupIDs(nodeActive))
		man.Spec.Replicas = minReplicas(man)
		man.Spec.Slots = nil
		man.Status = StatusAvailable
		man.Op = nil
	}); err != nil {
		return err
	}
	m.refresh(ctx, g)
	return nil
}

func minReplicas(man *manifest) int {
	r := -1
	for _, ng := range man.nodeGroupIDs(nodeActive) {
		n := 0
		for _, x := range man.members(ng) {
			if x.State == nodeActive {
				n++
			}
		}
		if r < 0 || n-1 < r {
			r = n - 1
		}
	}
	return max(r, 0)
}

// ownedByNodeGroup reads, from the agreed views, which node group owns which slots.
func ownedByNodeGroup(views map[string][]clusterNode, refs []nref) (map[string][]int, error) {
	var any []clusterNode
	for _, r := range refs {
		if v, ok := views[r.ccid]; ok {
			any = v
			break
		}
	}
	ngOf := map[string]string{}
	for _, r := range refs {
		if self, ok := selfOf(views[r.ccid]); ok {
			ngOf[self.ID] = r.ng
		}
	}
	owners := ownersOf(any)
	out := map[string][]int{}
	for s, id := range owners {
		ng, ok := ngOf[id]
		if !ok {
			return nil, fmt.Errorf("slot %d is owned by node %.8s, which is not a member of the group", s, id)
		}
		out[ng] = append(out[ng], s)
	}
	return out, nil
}

// joinAddingNodes starts the nodes of the group in state adding, meets them with every node,
// waits for convergence, makes the replicas follow their node group's primary, waits for them
// to sync, and marks them active.
func (m *Manager) joinAddingNodes(ctx context.Context, g *groupState) error {
	adding := m.refs(g, inState(nodeAdding))
	if len(adding) == 0 {
		return nil
	}
	if err := m.ensureNodes(ctx, g, adding); err != nil {
		return err
	}
	adding = m.refs(g, inState(nodeAdding))
	active := m.refs(g, inState(nodeActive))
	all := append(slices.Clone(active), adding...)
	m.mu.Lock()
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()

	// Which primary does each new replica follow: the current primary of its node group (an
	// existing one, or the new primary of a new node group).
	var prim map[string]nref
	if cluster {
		if err := m.meet(ctx, adding, active); err != nil {
			return err
		}
		if err := m.meet(ctx, nil, adding); err != nil {
			return err
		}
		if err := m.waitConverged(ctx, all); err != nil {
			return err
		}
		var err error
		if prim, _, err = m.currentPrimaries(ctx, g, all); err != nil {
			return err
		}
	} else {
		prim = map[string]nref{}
		for _, r := range all {
			if r.role == RolePrimary {
				prim[r.ng] = r
			}
		}
	}
	pairs := map[nref]nref{}
	for _, r := range adding {
		p, ok := prim[r.ng]
		if !ok {
			return fmt.Errorf("node group %s has no primary for the new replica %s", r.ng, r.ccid)
		}
		if p.ccid != r.ccid {
			pairs[r] = p
		}
	}
	if cluster {
		if err := m.replicate(ctx, pairs); err != nil {
			return err
		}
	}
	if err := m.waitSynced(ctx, pairs); err != nil {
		return err
	}
	return m.update(g, func(man *manifest) {
		for _, r := range adding {
			if n := man.node(r.ccid); n != nil && n.State == nodeAdding {
				n.State = nodeActive
			}
		}
	})
}

// executePlan moves the planned slots, up to PairParallel (source, destination) pairs at a
// time, updating the progress and persisting it about every 100 slots (or every second).
func (m *Manager) executePlan(ctx context.Context, g *groupState, prim map[string]nref, plan []pairMoves) error {
	if len(plan) == 0 {
		return nil
	}
	var masters []mnode
	byNG := map[string]mnode{}
	for ng, p := range prim {
		mn := mnode{ccid: p.ccid, id: p.id, port: p.port, cl: m.cl.get(p.port)}
		byNG[ng] = mn
		masters = append(masters, mn)
	}
	var (
		lastSave = time.Now()
		unsaved  int
	)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	mv := &mover{
		m: m, log: m.log.With("group", g.id), batch: m.o.MigrateBatch, chunk: m.o.SlotBatch, others: masters,
	}
	mv.onMoved = func(n int) {
		m.mu.Lock()
		if j := g.man.Op; j != nil {
			j.SlotsMoved = min(j.SlotsMoved+n, j.SlotsPlanned)
		}
		unsaved += n
		doSave := unsaved >= 100 || time.Since(lastSave) > time.Second
		if doSave {
			unsaved = 0
			lastSave = time.Now()
		}
		m.mu.Unlock()
		if doSave {
			if err := m.save(g); err != nil {
				m.log.Warn("cannot persist reshard progress", "group", g.id, "err", err)
			}
		}
		if m.crashed("reshard:migrating") {
			cancel(errCrashed) // the whole operation dies where it is
		}
	}
	err := parallel(len(plan), m.o.PairParallel, func(i int) error {
		p := plan[i]
		src, ok1 := byNG[p.From]
		dst, ok2 := byNG[p.To]
		if !ok1 || !ok2 {
			return fmt.Errorf("no primary for node group %s or %s", p.From, p.To)
		}
		m.log.Debug("moving slots", "group", g.id, "from", p.From, "to", p.To, "slots", formatSlots(p.Slots))
		return mv.movePair(ctx, src, dst, p.Slots)
	})
	if context.Cause(ctx) == errCrashed {
		return errCrashed
	}
	if serr := m.save(g); err == nil {
		err = serr
	}
	return err
}

// closeOpenSlots finishes the migrations a crash left half-done: every slot marked migrating on
// its source or importing on its destination is rolled forward (remaining keys moved, then
// SETSLOT NODE), with the same idempotent steps as a normal move.
func (m *Manager) closeOpenSlots(ctx context.Context, g *groupState, refs []nref) error {
	views, err := m.views(ctx, refs)
	if err != nil {
		return err
	}
	type pair struct{ src, dst string }
	open := map[pair][]int{}
	seen := map[int]bool{}
	byID := map[string]mnode{}
	var masters []mnode
	for _, r := range refs {
		self, ok := selfOf(views[r.ccid])
		if !ok {
			continue
		}
		mn := mnode{ccid: r.ccid, id: self.ID, port: r.port, cl: m.cl.get(r.port)}
		byID[self.ID] = mn
		if self.Master {
			masters = append(masters, mn)
		}
	}
	for _, r := range refs {
		self, _ := selfOf(views[r.ccid])
		for _, s := range keysOf(self.Migrating) {
			open[pair{self.ID, self.Migrating[s]}] = append(open[pair{self.ID, self.Migrating[s]}], s)
			seen[s] = true
		}
	}
	for _, r := range refs {
		self, _ := selfOf(views[r.ccid])
		for _, s := range keysOf(self.Importing) {
			if !seen[s] {
				open[pair{self.Importing[s], self.ID}] = append(open[pair{self.Importing[s], self.ID}], s)
			}
		}
	}
	if len(open) == 0 {
		return nil
	}
	mv := &mover{m: m, log: m.log.With("group", g.id), batch: m.o.MigrateBatch, chunk: m.o.SlotBatch, others: masters}
	for p, slots := range open {
		slices.Sort(slots)
		src, ok1 := byID[p.src]
		dst, ok2 := byID[p.dst]
		m.log.Info("closing slots left open", "group", g.id, "slots", formatSlots(slots), "src", src.ccid, "dst", dst.ccid)
		switch {
		case ok1 && ok2:
			if err := mv.movePair(ctx, src, dst, slots); err != nil {
				return fmt.Errorf("close open slots %s: %w", formatSlots(slots), err)
			}
		case ok1: // destination unknown: nothing could have moved there that we can reach
			if err := setStable(ctx, src, slots); err != nil {
				return err
			}
		case ok2:
			if err := setStable(ctx, dst, slots); err != nil {
				return err
			}
		}
	}
	return nil
}

func setStable(ctx context.Context, n mnode, slots []int) error {
	cmds, err := pipeline(ctx, n.cl, slots, func(p redis.Pipeliner, s int) *redis.Cmd {
		return p.Do(ctx, "CLUSTER", "SETSLOT", s, "STABLE")
	})
	if err != nil {
		return err
	}
	for i, c := range cmds {
		if err := c.Err(); err != nil {
			return fmt.Errorf("CLUSTER SETSLOT %d STABLE on %s: %w", slots[i], n.ccid, err)
		}
	}
	return nil
}
