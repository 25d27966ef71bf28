package redisgroup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// SetReplicas changes the number of replicas of node groups (node group id -> new count) and
// returns at once with Status modifying. New replicas are started, joined and synced (offset
// caught up) before the operation ends; removed replicas are chosen among the current replicas
// (never a primary), highest node numbers first, then forgotten and stopped. It works with
// cluster mode disabled as well (REPLICAOF). All counts unchanged: ErrNoOp.
func (m *Manager) SetReplicas(ctx context.Context, id string, perShard map[string]int) (Group, error) {
	id = NormalizeID(id)
	m.mu.Lock()
	g := m.groups[id]
	if g == nil || g.gone {
		m.mu.Unlock()
		return Group{}, notFound(id)
	}
	if m.closed {
		m.mu.Unlock()
		return Group{}, ErrClosed
	}
	man := g.man
	if man.Status != StatusAvailable || man.Op != nil {
		st := man.Status
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s is not in available state (%s).", ErrBusy, id, st)
	}
	if len(perShard) == 0 {
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: No node group given for replication group %s.", ErrInvalid, id)
	}
	cur := map[string]int{}
	for _, ng := range man.nodeGroupIDs(nodeActive) {
		n := 0
		for _, x := range man.members(ng) {
			if x.State == nodeActive {
				n++
			}
		}
		cur[ng] = n - 1
	}
	total := man.memberCount()
	changed := false
	for _, ng := range slices.Sorted(maps.Keys(perShard)) {
		want := perShard[ng]
		have, ok := cur[ng]
		if !ok {
			m.mu.Unlock()
			return Group{}, fmt.Errorf("%w: Node group %s does not exist in replication group %s (it has %s).", ErrInvalid, ng, id, strings.Join(slices.Sorted(maps.Keys(cur)), ", "))
		}
		if want < 0 || want > MaxReplicas {
			m.mu.Unlock()
			return Group{}, fmt.Errorf("%w: The replica count of node group %s must be between 0 and %d (got %d).", ErrInvalid, ng, MaxReplicas, want)
		}
		if want != have {
			changed = true
		}
		total += want - have
	}
	if !changed {
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s already has the requested number of replicas.", ErrNoOp, id)
	}
	if total > MaxNodes {
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: The requested replicas need %d nodes; a replication group can have at most %d.", ErrInvalid, total, MaxNodes)
	}
	target := maps.Clone(perShard)
	tr := -1
	for ng := range cur {
		if _, ok := target[ng]; !ok {
			target[ng] = cur[ng]
		}
		if tr < 0 || target[ng] < tr {
			tr = target[ng]
		}
	}
	now := time.Now().UTC()
	j := &journal{Kind: "replicas", Started: now, TargetShards: len(cur), TargetReplicas: tr, PerShard: target, Phase: "add"}
	var added []string
	for _, ng := range slices.Sorted(maps.Keys(target)) {
		for range target[ng] - cur[ng] {
			n, err := m.newNodeLocked(g, ng, RoleReplica, 0)
			if err != nil {
				for _, a := range added {
					m.dropNodeLocked(g, a)
				}
				m.mu.Unlock()
				return Group{}, fmt.Errorf("set replicas of %s: %w", id, err)
			}
			added = append(added, n.CacheClusterID)
		}
	}
	man.Status = StatusModifying
	man.Op = j
	man.LastError = ""
	g.notifyLocked()
	m.mu.Unlock()
	if err := m.save(g); err != nil {
		m.log.Error("cannot persist the replicas journal", "group", id, "err", err)
	}
	m.log.Info("changing replicas", "group", id, "target", target, "adding", added)
	m.startOp(g, "replicas", m.runReplicas)
	return m.Get(id)
}

// runReplicas performs (or resumes) a replica change: joins the nodes being added, then picks
// and removes surplus replicas per node group.
func (m *Manager) runReplicas(ctx context.Context, g *groupState) error {
	if err := m.ensureNodes(ctx, g, m.refs(g, inState(nodeActive))); err != nil {
		return err
	}
	if err := m.joinAddingNodes(ctx, g); err != nil {
		return err
	}
	if m.crashed("replicas:joined") {
		return errCrashed
	}
	m.setPhase(g, "remove")
	victims, err := m.surplusReplicas(ctx, g)
	if err != nil {
		return err
	}
	if err := m.removeNodes(ctx, g, victims); err != nil {
		return err
	}
	m.mu.Lock()
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()
	if cluster {
		// New replicas learn the slot owners by gossip; done means every node agrees.
		if err := m.waitAgreement(ctx, m.refs(g, inState(nodeActive))); err != nil {
			return err
		}
	}
	if err := m.update(g, func(man *manifest) {
		man.Spec.Replicas = minReplicas(man)
		man.Status = StatusAvailable
		man.Op = nil
	}); err != nil {
		return err
	}
	m.refresh(ctx, g)
	return nil
}

// surplusReplicas lists the nodes to remove: those already marked removing, plus, per node group
// above its target, current replicas (as Redis says now), highest node number first.
func (m *Manager) surplusReplicas(ctx context.Context, g *groupState) ([]string, error) {
	m.mu.Lock()
	target := maps.Clone(g.man.Op.PerShard)
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()
	var victims []string
	for _, r := range m.refs(g, inState(nodeRemoving)) {
		victims = append(victims, r.ccid)
	}
	active := m.refs(g, inState(nodeActive))
	role := map[string]string{}
	if cluster {
		views, err := m.views(ctx, active)
		if err != nil {
			return nil, err
		}
		for _, r := range active {
			if self, ok := selfOf(views[r.ccid]); ok && self.Replica {
				role[r.ccid] = RoleReplica
			} else {
				role[r.ccid] = RolePrimary
			}
		}
	} else {
		for _, r := range active {
			role[r.ccid] = r.role
		}
	}
	byNG := map[string][]nref{}
	for _, r := range active {
		byNG[r.ng] = append(byNG[r.ng], r)
	}
	for ng, members := range byNG {
		want, ok := target[ng]
		if !ok {
			continue
		}
		extra := len(members) - 1 - want
		if extra <= 0 {
			continue
		}
		var reps []nref
		for _, r := range members {
			if role[r.ccid] == RoleReplica {
				reps = append(reps, r)
			}
		}
		slices.SortFunc(reps, func(a, b nref) int { return b.num - a.num })
		if len(reps) < extra {
			return nil, fmt.Errorf("node group %s has %d replicas, cannot remove %d", ng, len(reps), extra)
		}
		for _, r := range reps[:extra] {
			victims = append(victims, r.ccid)
		}
	}
	slices.Sort(victims)
	return victims, nil
}
