package redisgroup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Create validates spec, persists the new group and returns at once with Status creating; the
// nodes are started and joined in the background, after which the group is available (or
// create-failed, with LastError).
func (m *Manager) Create(ctx context.Context, spec Spec) (Group, error) {
	spec, _, err := normalizeSpec(spec)
	if err != nil {
		return Group{}, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return Group{}, ErrClosed
	}
	if _, ok := m.groups[spec.ID]; ok {
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s already exists.", ErrExists, spec.ID)
	}
	dir := filepath.Join(m.dataDir, spec.ID)
	if _, err := os.Stat(dir); err == nil {
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s already exists (its directory %s is in the way).", ErrExists, spec.ID, dir)
	}
	now := time.Now().UTC()
	man := &manifest{
		Version:       manifestVersion,
		Spec:          spec,
		Status:        StatusCreating,
		CreateTime:    now,
		NextNodeGroup: spec.Shards + 1,
		NextNode:      map[string]int{},
		Op: &journal{Kind: "create", Started: now, TargetShards: spec.Shards, TargetReplicas: spec.Replicas,
			Phase: "nodes"},
	}
	g := newGroupState(dir, man)
	prefer := spec.Port
	for i := 1; i <= spec.Shards; i++ {
		ng := fmt.Sprintf("%04d", i)
		for k := 0; k <= spec.Replicas; k++ {
			role := RoleReplica
			if k == 0 {
				role = RolePrimary
			}
			if _, err := m.newNodeLocked(g, ng, role, prefer); err != nil {
				for _, n := range man.Nodes {
					delete(m.ports, n.Port)
					delete(m.ports, n.BusPort)
				}
				m.mu.Unlock()
				return Group{}, fmt.Errorf("create replication group %s: %w", spec.ID, err)
			}
			prefer = 0
		}
	}
	m.groups[spec.ID] = g
	m.mu.Unlock()

	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = m.save(g)
	} else {
		err = fmt.Errorf("create %s: %w", dir, err)
	}
	if err != nil {
		m.mu.Lock()
		delete(m.groups, spec.ID)
		for _, n := range man.Nodes {
			delete(m.ports, n.Port)
			delete(m.ports, n.BusPort)
		}
		m.mu.Unlock()
		os.RemoveAll(dir)
		return Group{}, fmt.Errorf("create replication group %s: %w", spec.ID, err)
	}
	m.log.Info("creating replication group", "group", spec.ID, "shards", spec.Shards, "replicas", spec.Replicas, "cluster_mode", spec.ClusterMode)
	m.startOp(g, "create", m.runCreate)
	return m.Get(spec.ID)
}

// runCreate builds the group (resources.md B.2); every step is idempotent, so it is also how an
// interrupted create resumes.
func (m *Manager) runCreate(ctx context.Context, g *groupState) error {
	all := m.refs(g, nil)
	if err := m.ensureNodes(ctx, g, all); err != nil {
		return err
	}
	if m.crashed("create:started") {
		return errCrashed
	}
	all = m.refs(g, nil) // with cluster ids and final ports
	m.mu.Lock()
	spec := g.man.Spec
	m.mu.Unlock()

	pairs := map[nref]nref{}
	prim := map[string]nref{}
	for _, r := range all {
		if r.role == RolePrimary {
			prim[r.ng] = r
		}
	}
	for _, r := range all {
		if r.role == RoleReplica {
			pairs[r] = prim[r.ng]
		}
	}

	if spec.ClusterMode {
		_, slots, err := normalizeSpec(spec)
		if err != nil {
			return &permanentError{err}
		}
		m.setPhase(g, "slots")
		for i := range spec.Shards {
			p, ok := prim[fmt.Sprintf("%04d", i+1)]
			if !ok {
				return &permanentError{fmt.Errorf("node group %04d has no primary", i+1)}
			}
			if err := m.addSlots(ctx, p, slots[i]); err != nil {
				return err
			}
		}
		if m.crashed("create:slots") {
			return errCrashed
		}
		m.setPhase(g, "meet")
		if err := m.meet(ctx, nil, all); err != nil {
			return err
		}
		if err := m.waitConverged(ctx, all); err != nil {
			return err
		}
		m.setPhase(g, "replicate")
		if err := m.replicate(ctx, pairs); err != nil {
			return err
		}
	}
	m.setPhase(g, "sync")
	if err := m.waitSynced(ctx, pairs); err != nil {
		return err
	}
	m.setPhase(g, "agree")
	if spec.ClusterMode {
		if err := m.waitAgreement(ctx, all); err != nil {
			return err
		}
	}
	if err := m.update(g, func(man *manifest) {
		for _, n := range man.Nodes {
			n.State = nodeActive
		}
		man.Status = StatusAvailable
		man.Op = nil
		man.LastError = ""
	}); err != nil {
		return err
	}
	m.refresh(ctx, g)
	return nil
}

// addSlots assigns ranges to a fresh primary with CLUSTER ADDSLOTSRANGE, unless it already owns
// slots (a resumed create: ADDSLOTSRANGE is all or nothing).
func (m *Manager) addSlots(ctx context.Context, p nref, rs []slotRange) error {
	cl := m.cl.get(p.port)
	nodes, err := clusterNodesOf(ctx, cl)
	if err != nil {
		return err
	}
	if self, ok := selfOf(nodes); ok && len(self.Slots) > 0 {
		return nil
	}
	args := []any{"CLUSTER", "ADDSLOTSRANGE"}
	for _, r := range rs {
		args = append(args, r.Lo, r.Hi)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := cl.Do(cctx, args...).Err(); err != nil {
		return fmt.Errorf("CLUSTER ADDSLOTSRANGE %s on %s: %w", formatRanges(rs), p.ccid, err)
	}
	return nil
}

// ensureNodes starts or adopts the given nodes in parallel and saves their pids and ids.
func (m *Manager) ensureNodes(ctx context.Context, g *groupState, refs []nref) error {
	err := parallel(len(refs), 16, func(i int) error { return m.ensureNode(ctx, g, refs[i].ccid) })
	if serr := m.save(g); err == nil {
		err = serr
	}
	return err
}

func (m *Manager) setPhase(g *groupState, phase string) {
	m.log.Debug("phase", "group", g.id, "phase", phase)
	m.mu.Lock()
	if g.man.Op != nil {
		g.man.Op.Phase = phase
	}
	m.mu.Unlock()
}
