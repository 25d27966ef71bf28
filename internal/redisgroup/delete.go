package redisgroup

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Delete marks the group deleting and returns; in the background every node process is stopped
// (by pid, waiting for it to exit) and DataDir/<id> is removed, after which the group is gone
// from List. A group that is creating or modifying gives ErrBusy.
func (m *Manager) Delete(ctx context.Context, id string) (Group, error) {
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
	if busy(g.man.Status) || g.man.Op != nil {
		st := g.man.Status
		m.mu.Unlock()
		return Group{}, fmt.Errorf("%w: Replication group %s is not in available state (%s).", ErrBusy, id, st)
	}
	g.man.Status = StatusDeleting
	g.man.Op = &journal{Kind: "delete", Started: time.Now().UTC()}
	g.notifyLocked()
	snap := m.snapshotLocked(g)
	m.mu.Unlock()
	if err := m.save(g); err != nil {
		m.log.Error("cannot persist the delete journal", "group", id, "err", err)
	}
	m.log.Info("deleting replication group", "group", id)
	m.startOp(g, "delete", m.runDelete)
	return snap, nil
}

// runDelete stops every node of the group and removes its directory. Safe to resume.
func (m *Manager) runDelete(ctx context.Context, g *groupState) error {
	type victim struct {
		ccid string
		port int
		pid  int
		p    *proc
	}
	m.mu.Lock()
	var vs []victim
	var ccids []string
	for _, n := range g.man.Nodes {
		vs = append(vs, victim{ccid: n.CacheClusterID, port: n.Port, pid: n.PID})
		ccids = append(ccids, n.CacheClusterID)
	}
	m.mu.Unlock()
	for i, p := range m.stopping(g, ccids) {
		vs[i].p = p
	}
	err := parallel(len(vs), 32, func(i int) error {
		v := vs[i]
		p := v.p
		if !p.aliveNow() {
			// Not supervised (a crash before): look for a process still serving the node.
			ap, err := m.adoptByPort(ctx, v.port, v.pid, m.nodeDir(g, v.ccid))
			if err != nil {
				m.log.Warn("not stopping a process on the node's port", "group", g.id, "node", v.ccid, "err", err)
				return nil
			}
			p = ap
		}
		return m.stopProc(ctx, p, false)
	})
	if err != nil {
		return err
	}
	// Node directories first, the manifest last: a crash in between leaves a manifest that
	// still says deleting, and the next Open finishes the job.
	for _, v := range vs {
		if err := os.RemoveAll(m.nodeDir(g, v.ccid)); err != nil {
			return fmt.Errorf("remove the directory of node %s: %w", v.ccid, err)
		}
	}
	if err := os.RemoveAll(g.dir); err != nil {
		return fmt.Errorf("remove %s: %w", g.dir, err)
	}
	m.mu.Lock()
	for _, n := range g.man.Nodes {
		delete(m.ports, n.Port)
		delete(m.ports, n.BusPort)
		m.cl.drop(n.Port)
	}
	g.gone = true
	delete(m.groups, g.id)
	g.notifyLocked()
	m.mu.Unlock()
	m.log.Info("replication group deleted", "group", g.id)
	return nil
}
