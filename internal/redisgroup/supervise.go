package redisgroup

import (
	"context"
	"time"
)

// supervise polls every node every second (and at once when an own child exits): a node that
// died unexpectedly is restarted from its data directory with the same ports; then the cached
// snapshot (roles, slots) is refreshed.
func (m *Manager) supervise() {
	defer close(m.supDone)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-tick.C:
		case <-m.wakeCh:
		}
		m.mu.Lock()
		groups := make([]*groupState, 0, len(m.groups))
		for _, g := range m.groups {
			groups = append(groups, g)
		}
		m.mu.Unlock()
		for _, g := range groups {
			if m.ctx.Err() != nil {
				return
			}
			m.superviseGroup(m.ctx, g)
		}
	}
}

func (m *Manager) superviseGroup(ctx context.Context, g *groupState) {
	type dead struct {
		ccid string
		pid  int
		err  error
	}
	var deads []dead
	now := time.Now()
	m.mu.Lock()
	if g.gone || g.man.Status == StatusDeleting || g.man.Status == StatusCreateFailed {
		m.mu.Unlock()
		return
	}
	for _, n := range g.man.Nodes {
		rt := g.rt[n.CacheClusterID]
		if rt == nil || n.State != nodeActive || n.PID == 0 || rt.stopping || now.Before(rt.nextTry) {
			continue
		}
		if rt.proc == nil || !rt.proc.alive() {
			d := dead{ccid: n.CacheClusterID, pid: n.PID}
			if rt.proc != nil && rt.proc.cmd != nil {
				d.err = rt.proc.waitErr
			}
			deads = append(deads, d)
		}
	}
	m.mu.Unlock()
	for _, d := range deads {
		m.log.Warn("node died unexpectedly; restarting it from its data", "group", g.id, "node", d.ccid, "pid", d.pid, "exit", d.err)
		if err := m.ensureNode(ctx, g, d.ccid); err != nil {
			m.mu.Lock()
			if rt := g.rt[d.ccid]; rt != nil {
				rt.failures++
				rt.nextTry = time.Now().Add(min(time.Duration(rt.failures)*2*time.Second, 30*time.Second))
			}
			m.mu.Unlock()
			m.log.Error("cannot restart node", "group", g.id, "node", d.ccid, "err", err)
			continue
		}
	}
	if len(deads) > 0 {
		if err := m.save(g); err != nil {
			m.log.Error("cannot persist the manifest", "group", g.id, "err", err)
		}
	}
	if err := m.stopRetired(ctx, g, false); err != nil && ctx.Err() == nil {
		m.log.Error("cannot stop retired nodes; will retry", "group", g.id, "err", err)
	}
	m.refresh(ctx, g)
}
