package redisgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// recoverAll loads every group of DataDir, adopts its live nodes and restarts the dead ones
// (synchronously), then resumes interrupted operations in the background. Groups whose nodes
// had to be restarted (after a Close, or a crash of the machine) are waited for until their
// cluster is healthy again, at most 30 s, so that Open returns serving groups.
func (m *Manager) recoverAll(ctx context.Context) error {
	entries, err := os.ReadDir(m.dataDir)
	if err != nil {
		return fmt.Errorf("redisgroup: read data dir: %w", err)
	}
	var groups []*groupState
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(m.dataDir, e.Name())
		man, err := readManifest(filepath.Join(dir, manifestFile))
		if errors.Is(err, os.ErrNotExist) {
			// The leftover of a delete interrupted after its manifest went: nothing but
			// temporary manifest files may be in it.
			removeTempFiles(dir)
			if rest, _ := os.ReadDir(dir); len(rest) == 0 {
				os.Remove(dir)
			}
			continue
		}
		if err != nil {
			m.log.Error("skipping a group directory with an unreadable manifest", "dir", dir, "err", err)
			continue
		}
		removeTempFiles(dir)
		if man.Spec.ID != e.Name() {
			m.log.Error("skipping a group directory whose manifest names another group", "dir", dir, "id", man.Spec.ID)
			continue
		}
		g := newGroupState(dir, man)
		m.groups[man.Spec.ID] = g
		for _, n := range man.Nodes {
			m.ports[n.Port] = true
			m.ports[n.BusPort] = true
		}
		groups = append(groups, g)
	}

	restarted := make([]bool, len(groups))
	_ = parallel(len(groups), 8, func(i int) error {
		restarted[i] = m.recoverNodes(ctx, groups[i])
		return nil
	})

	var settle []*groupState
	for i, g := range groups {
		m.mu.Lock()
		var kind string
		if g.man.Op != nil {
			kind = g.man.Op.Kind
		}
		status := g.man.Status
		m.mu.Unlock()
		m.refresh(ctx, g)
		switch {
		case kind != "":
			m.log.Info("resuming interrupted operation", "group", g.id, "op", kind)
			m.startOp(g, kind, m.runnerOf(kind))
		case restarted[i] && status == StatusAvailable:
			settle = append(settle, g)
		}
	}
	_ = parallel(len(settle), 8, func(i int) error {
		g := settle[i]
		refs := m.refs(g, inState(nodeActive))
		m.mu.Lock()
		cluster := g.man.Spec.ClusterMode
		m.mu.Unlock()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second+2*m.o.NodeTimeout)
		defer cancel()
		var err error
		if cluster {
			err = m.waitAgreement(wctx, refs)
		} else {
			err = m.waitSynced(wctx, nonClusterPairs(refs))
		}
		if err != nil {
			m.log.Warn("group not healthy yet after restarting its nodes", "group", g.id, "err", err)
		}
		m.refresh(ctx, g)
		return nil
	})
	return nil
}

func nonClusterPairs(refs []nref) map[nref]nref {
	prim := map[string]nref{}
	for _, r := range refs {
		if r.role == RolePrimary {
			prim[r.ng] = r
		}
	}
	out := map[nref]nref{}
	for _, r := range refs {
		if p, ok := prim[r.ng]; ok && r.role == RoleReplica {
			out[r] = p
		}
	}
	return out
}

func (m *Manager) runnerOf(kind string) func(ctx context.Context, g *groupState) error {
	switch kind {
	case "create":
		return m.runCreate
	case "reshard":
		return m.runReshard
	case "replicas":
		return m.runReplicas
	case "delete":
		return m.runDelete
	}
	return func(context.Context, *groupState) error {
		return &permanentError{fmt.Errorf("unknown operation %q in the journal", kind)}
	}
}

// recoverNodes adopts or restarts a group's nodes as its state asks, and reports whether a node
// had to be started.
//   - deleting, create-failed: adopt live processes only (the delete stops them; a
//     create-failed group's are stopped here).
//   - otherwise: active nodes, and adding nodes that ran before, are adopted or restarted;
//     removing and retired nodes are only adopted (the resumed operation or the supervisor
//     stops them).
func (m *Manager) recoverNodes(ctx context.Context, g *groupState) bool {
	m.mu.Lock()
	status := g.man.Status
	type item struct {
		ccid, state string
		port, pid   int
	}
	var items []item
	for _, n := range g.man.Nodes {
		items = append(items, item{n.CacheClusterID, n.State, n.Port, n.PID})
	}
	m.mu.Unlock()
	started := make([]bool, len(items))
	_ = parallel(len(items), 16, func(i int) error {
		it := items[i]
		start := status != StatusDeleting && status != StatusCreateFailed &&
			(it.state == nodeActive || (it.state == nodeAdding && it.pid != 0))
		if start {
			m.mu.Lock()
			before := g.rtLocked(it.ccid).proc
			m.mu.Unlock()
			if err := m.ensureNode(ctx, g, it.ccid); err != nil {
				m.log.Error("cannot start node; supervision will retry", "group", g.id, "node", it.ccid, "err", err)
				return nil
			}
			m.mu.Lock()
			p := g.rt[it.ccid].proc
			m.mu.Unlock()
			started[i] = p != before && p != nil && !p.adopted()
			return nil
		}
		p, err := m.adoptByPort(ctx, it.port, it.pid, m.nodeDir(g, it.ccid))
		if err != nil || p == nil {
			return nil
		}
		if status == StatusCreateFailed {
			_ = m.stopProc(ctx, p, false)
			return nil
		}
		m.mu.Lock()
		g.rtLocked(it.ccid).proc = p
		m.mu.Unlock()
		return nil
	})
	if err := m.save(g); err != nil {
		m.log.Error("cannot persist the manifest", "group", g.id, "err", err)
	}
	for _, s := range started {
		if s {
			return true
		}
	}
	return false
}

// failOp records a failed operation and leaves the group consistent and usable:
//   - create: every node is stopped, the group is create-failed (Delete removes it);
//   - reshard, replicas: open slots are closed; new node groups that received slots stay, other
//     nodes being added are removed; nodes being removed are removed if the guard allows, else
//     kept; the group is available again with LastError set.
func (m *Manager) failOp(ctx context.Context, g *groupState, kind string, opErr error) {
	msg := opErr.Error()
	switch kind {
	case "create":
		m.mu.Lock()
		var ccids []string
		for c := range g.rt {
			ccids = append(ccids, c)
		}
		m.mu.Unlock()
		procs := m.stopping(g, ccids)
		_ = parallel(len(procs), 16, func(i int) error { return m.stopProc(ctx, procs[i], false) })
		_ = m.update(g, func(man *manifest) {
			man.Status = StatusCreateFailed
			man.LastError = msg
			man.Op = nil
		})
		return
	case "delete":
		_ = m.update(g, func(man *manifest) { man.LastError = msg })
		return
	}
	if err := m.settle(ctx, g); err != nil {
		m.log.Error("could not tidy up after the failed operation", "group", g.id, "err", err)
		msg += "; tidying up: " + err.Error()
	}
	_ = m.update(g, func(man *manifest) {
		for _, n := range man.Nodes {
			if n.State == nodeAdding || n.State == nodeRemoving {
				n.State = nodeActive // whatever is left is a member
			}
		}
		man.Spec.Shards = len(man.nodeGroupIDs(nodeActive))
		man.Spec.Replicas = minReplicas(man)
		man.Status = StatusAvailable
		man.LastError = msg
		man.Op = nil
	})
	m.mu.Lock()
	for _, n := range g.man.Nodes {
		if rt := g.rt[n.CacheClusterID]; rt != nil && n.State == nodeActive {
			rt.stopping = false
		}
	}
	m.mu.Unlock()
}

// settle is failOp's best-effort tidy-up of a failed reshard or replica change.
func (m *Manager) settle(ctx context.Context, g *groupState) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	m.mu.Lock()
	cluster := g.man.Spec.ClusterMode
	m.mu.Unlock()
	var errs []error
	if cluster {
		live := m.liveRefs(g, m.refs(g, inState(nodeActive, nodeAdding)))
		if err := m.closeOpenSlots(ctx, g, live); err != nil {
			errs = append(errs, err)
		}
		// New node groups whose primary owns slots are members now.
		views, err := m.views(ctx, live)
		if err == nil {
			keep := map[string]bool{}
			for _, r := range live {
				if self, ok := selfOf(views[r.ccid]); ok && len(self.Slots) > 0 {
					keep[r.ng] = true
				}
			}
			_ = m.update(g, func(man *manifest) {
				for _, n := range man.Nodes {
					if n.State == nodeAdding && keep[n.NodeGroupID] {
						n.State = nodeActive
					}
				}
			})
		} else {
			errs = append(errs, err)
		}
	}
	var drop []string
	for _, r := range m.refs(g, inState(nodeAdding, nodeRemoving)) {
		drop = append(drop, r.ccid)
	}
	if err := m.removeNodes(ctx, g, drop); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
