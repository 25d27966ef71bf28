package redisgroup

import (
	"context"
	"time"
)

// snapshotLocked builds the Group the API sees from the manifest (membership, ports, pids) and
// what the nodes last said about themselves (roles, slots). No I/O.
func (m *Manager) snapshotLocked(g *groupState) Group {
	man := g.man
	out := Group{
		Spec:       man.Spec,
		Status:     man.Status,
		CreateTime: man.CreateTime,
		LastError:  man.LastError,
	}
	out.Spec.Slots = append([]string(nil), man.Spec.Slots...)
	if j := man.Op; j != nil {
		out.Operation = &Operation{
			Kind:            j.Kind,
			ProgressPercent: j.progress(),
			TargetShards:    j.TargetShards,
			TargetReplicas:  j.TargetReplicas,
			Started:         j.Started,
		}
	}
	var adding, removing map[string]bool
	if j := man.Op; j != nil && j.Kind == "reshard" {
		adding, removing = setOf(j.Add), setOf(j.Remove)
	}
	for _, ngID := range man.nodeGroupIDs(nodeAdding, nodeActive, nodeRemoving) {
		ng := NodeGroup{ID: ngID, Status: StatusAvailable}
		var slots []slotRange
		for _, n := range man.members(ngID) {
			if n.State == nodeRetired {
				continue
			}
			rt := g.rt[n.CacheClusterID]
			node := Node{
				CacheClusterID: n.CacheClusterID,
				NodeGroupID:    n.NodeGroupID,
				Role:           n.Role,
				Port:           n.Port,
				PID:            n.PID,
				RedisID:        n.RedisID,
				Status:         StatusAvailable,
				CreateTime:     n.CreateTime,
			}
			if rt != nil && rt.live.ok {
				node.Role = rt.live.role
				if node.Role == RolePrimary {
					slots = append(slots, rt.live.slots...)
				}
			}
			if rt != nil && rt.proc != nil {
				node.PID = rt.proc.pid
			}
			switch {
			case n.State == nodeAdding:
				node.Status = StatusCreating
				ng.Status = StatusModifying
			case n.State == nodeRemoving:
				node.Status = StatusDeleting
				ng.Status = StatusModifying
			case man.Status == StatusDeleting:
				node.Status = StatusDeleting
			case man.Status == StatusCreateFailed:
				node.Status = StatusCreateFailed
			case rt == nil || rt.proc == nil || !rt.proc.alive():
				node.Status = StatusRebooting
			}
			ng.Members = append(ng.Members, node)
		}
		switch {
		case man.Status == StatusCreating || adding[ngID]:
			ng.Status = StatusCreating
		case man.Status == StatusDeleting || removing[ngID]:
			ng.Status = StatusDeleting
		case man.Status == StatusCreateFailed:
			ng.Status = StatusCreateFailed
		}
		if man.Spec.ClusterMode {
			ng.Slots = formatRanges(slots)
		}
		if out.ConfigEndpointPort == 0 {
			for _, n := range ng.Members {
				if n.Role == RolePrimary && n.Status != StatusRebooting {
					out.ConfigEndpointPort = n.Port
					break
				}
			}
		}
		out.NodeGroups = append(out.NodeGroups, ng)
	}
	return out
}

func setOf(s []string) map[string]bool {
	out := make(map[string]bool, len(s))
	for _, v := range s {
		out[v] = true
	}
	return out
}

// refresh asks every node of the group about itself (role, slots) and updates the cached
// snapshot. Network I/O happens without the lock.
func (m *Manager) refresh(ctx context.Context, g *groupState) {
	type item struct {
		ccid string
		port int
	}
	m.mu.Lock()
	if g.gone {
		m.mu.Unlock()
		return
	}
	cluster := g.man.Spec.ClusterMode
	var items []item
	for _, n := range g.man.Nodes {
		if rt := g.rt[n.CacheClusterID]; rt != nil && n.State != nodeRetired && rt.proc != nil && rt.proc.alive() {
			items = append(items, item{n.CacheClusterID, n.Port})
		}
	}
	m.mu.Unlock()
	lives := make([]liveNode, len(items))
	_ = parallel(len(items), 32, func(i int) error {
		cl := m.cl.get(items[i].port)
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if cluster {
			nodes, err := clusterNodesOf(ctx, cl)
			if err != nil {
				return nil
			}
			self, ok := selfOf(nodes)
			if !ok {
				return nil
			}
			l := liveNode{ok: true, redisID: self.ID, masterID: self.MasterID, slots: self.Slots, open: self.hasOpenSlots(), at: time.Now()}
			l.role = RolePrimary
			if self.Replica {
				l.role = RoleReplica
			}
			lives[i] = l
			return nil
		}
		f, err := infoOf(ctx, cl, "replication")
		if err != nil {
			return nil
		}
		l := liveNode{ok: true, role: RolePrimary, at: time.Now()}
		if f["role"] == "slave" {
			l.role = RoleReplica
		}
		lives[i] = l
		return nil
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, it := range items {
		if rt := g.rt[it.ccid]; rt != nil && lives[i].ok {
			rt.live = lives[i]
		}
	}
}
