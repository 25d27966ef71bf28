package redisgroup

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"
)

// removeNodes takes nodes out of the group for good: guard (never a primary that owns slots,
// has open slots or replicas that stay), mark removing (persisted), CLUSTER FORGET them on every
// remaining node (replicas first, then primaries). Then, with Options.RemoveGrace > 0, the nodes
// are retired: no longer members, but still running and answering MOVED, so that a client whose
// slot map still points at them is redirected instead of refused (go-redis, for one, refreshes
// its map only on a redirect or once a minute); the supervisor stops them when the grace is over
// (stopRemoved). Without a grace they are stopped at once.
//
// Resuming it after a crash at any point is safe: forgetting an unknown node, stopping a dead
// process and removing a missing directory are no-ops.
func (m *Manager) removeNodes(ctx context.Context, g *groupState, ccids []string) error {
	if len(ccids) == 0 {
		return nil
	}
	set := setOf(ccids)
	victims := m.refs(g, func(n *nodeRec) bool { return set[n.CacheClusterID] })
	remaining := m.refs(g, func(n *nodeRec) bool {
		return !set[n.CacheClusterID] && (n.State == nodeActive || n.State == nodeAdding)
	})
	m.mu.Lock()
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()

	liveVictims := m.liveRefs(g, victims)
	if cluster {
		views, err := m.views(ctx, append(slices.Clone(remaining), liveVictims...))
		if err != nil {
			return err
		}
		gone := map[string]bool{}
		for _, v := range victims {
			gone[v.id] = true // replicas among the victims go with their primary
		}
		for _, v := range liveVictims {
			if self, _ := selfOf(views[v.ccid]); self.Master {
				if err := checkSafeToStop(v.id, views, gone); err != nil {
					return fmt.Errorf("refusing to remove node %s: %w", v.ccid, err)
				}
			}
		}
	} else {
		for _, v := range liveVictims {
			f, err := infoOf(ctx, m.cl.get(v.port), "replication")
			if err != nil {
				return err
			}
			if f["role"] != "slave" {
				return fmt.Errorf("refusing to remove node %s: it is the primary", v.ccid)
			}
		}
	}
	victims, isReplica := m.replicasFirst(ctx, g, victims)

	if err := m.update(g, func(man *manifest) {
		for _, v := range victims {
			if n := man.node(v.ccid); n != nil {
				n.State = nodeRemoving
			}
		}
	}); err != nil {
		return err
	}
	var vccids []string
	for _, v := range victims {
		vccids = append(vccids, v.ccid)
	}
	m.stopping(g, vccids)
	if m.crashed("remove:marked") {
		return errCrashed
	}

	if cluster {
		liveRemaining := m.liveRefs(g, remaining)
		if len(liveRemaining) != len(remaining) {
			return fmt.Errorf("%d of %d remaining nodes are down; every one must forget the removed nodes", len(remaining)-len(liveRemaining), len(remaining))
		}
		for _, v := range victims { // replicas first, then primaries
			if err := m.forget(ctx, remaining, []nref{v}); err != nil {
				return err
			}
		}
	}
	if m.crashed("remove:forgotten") {
		return errCrashed
	}
	if m.o.RemoveGrace > 0 && len(m.liveRefs(g, victims)) > 0 {
		at := time.Now().Add(m.o.RemoveGrace).UTC()
		m.log.Info("removed nodes retired; they keep redirecting clients until they stop", "group", g.id, "nodes", vccids, "stop_at", at)
		return m.update(g, func(man *manifest) {
			for _, v := range victims {
				if n := man.node(v.ccid); n != nil {
					n.State = nodeRetired
					n.RetireAt = at
				}
			}
		})
	}
	return m.stopRemoved(ctx, g, victims, isReplica)
}

// replicasFirst orders nodes replicas first (as Redis says now, else as planned) and tells
// which are replicas.
func (m *Manager) replicasFirst(ctx context.Context, g *groupState, nodes []nref) ([]nref, map[string]bool) {
	m.mu.Lock()
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()
	isReplica := map[string]bool{}
	for _, v := range nodes {
		isReplica[v.ccid] = v.role == RoleReplica
	}
	if cluster {
		live := m.liveRefs(g, nodes)
		if views, err := m.views(ctx, live); err == nil {
			for _, v := range live {
				if self, ok := selfOf(views[v.ccid]); ok {
					isReplica[v.ccid] = self.Replica
				}
			}
		}
	}
	out := slices.Clone(nodes)
	slices.SortStableFunc(out, func(a, b nref) int {
		ra, rb := isReplica[a.ccid], isReplica[b.ccid]
		switch {
		case ra == rb:
			return 0
		case ra:
			return -1
		default:
			return 1
		}
	})
	return out, isReplica
}

// stopRemoved stops nodes that have left the group (replicas first; the guard is checked
// against the primary's own view right before it stops), forgets them once more on the
// remaining nodes, deletes their directories and drops them from the manifest.
func (m *Manager) stopRemoved(ctx context.Context, g *groupState, victims []nref, isReplica map[string]bool) error {
	set := map[string]bool{}
	var vccids []string
	for _, v := range victims {
		set[v.ccid] = true
		vccids = append(vccids, v.ccid)
	}
	remaining := m.refs(g, func(n *nodeRec) bool {
		return !set[n.CacheClusterID] && (n.State == nodeActive || n.State == nodeAdding)
	})
	m.mu.Lock()
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()
	procs := m.stopping(g, vccids)

	stopped := map[string]bool{}
	for i, v := range victims {
		if i == 1 && m.crashed("remove:stopped-one") {
			return errCrashed
		}
		p := procs[i]
		if p == nil || !p.aliveNow() {
			// Not supervised: a process of a previous run may still serve the node.
			if ap, err := m.adoptByPort(ctx, v.port, 0, m.nodeDir(g, v.ccid)); err == nil && ap != nil {
				p = ap
			}
		}
		if p.aliveNow() && cluster && !isReplica[v.ccid] {
			own, err := clusterNodesOf(ctx, m.cl.get(v.port))
			if err != nil {
				return fmt.Errorf("refusing to stop node %s: %w", v.ccid, err)
			}
			if err := checkSafeToStop(v.id, map[string][]clusterNode{v.ccid: own}, stopped); err != nil {
				return fmt.Errorf("refusing to stop node %s: %w", v.ccid, err)
			}
		}
		if err := m.stopProc(ctx, p, false); err != nil {
			return err
		}
		stopped[v.id] = true
		m.log.Info("removed node stopped", "group", g.id, "node", v.ccid, "port", v.port)
	}
	if cluster {
		// Once more, now that they are down (a no-op unless a remaining node was restarted from
		// an older nodes.conf meanwhile).
		if err := m.forget(ctx, m.liveRefs(g, remaining), victims); err != nil {
			return err
		}
	}
	if m.crashed("remove:stopped") {
		return errCrashed
	}
	for _, v := range victims {
		if err := os.RemoveAll(m.nodeDir(g, v.ccid)); err != nil {
			return fmt.Errorf("remove directory of node %s: %w", v.ccid, err)
		}
		m.cl.drop(v.port)
	}
	return m.update(g, func(man *manifest) {
		for _, v := range victims {
			m.dropNodeLocked(g, v.ccid)
		}
	})
}

// stopRetired stops the retired nodes whose grace is over (all of them when force).
func (m *Manager) stopRetired(ctx context.Context, g *groupState, force bool) error {
	now := time.Now()
	due := m.refs(g, func(n *nodeRec) bool {
		return n.State == nodeRetired && (force || !now.Before(n.RetireAt))
	})
	if len(due) == 0 {
		return nil
	}
	due, isReplica := m.replicasFirst(ctx, g, due)
	return m.stopRemoved(ctx, g, due, isReplica)
}

// liveRefs keeps the nodes whose process runs.
func (m *Manager) liveRefs(g *groupState, refs []nref) []nref {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []nref
	for _, r := range refs {
		if rt := g.rt[r.ccid]; rt != nil && rt.proc.alive() {
			out = append(out, r)
		}
	}
	return out
}
