package redisgroup

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// nref is a node as an operation sees it: copied out of the manifest under the lock.
type nref struct {
	ccid  string
	ng    string
	port  int
	bus   int
	id    string // cluster node id
	role  string // planned role
	state string
	num   int
}

// refs copies the nodes that match filter (all when nil).
func (m *Manager) refs(g *groupState, filter func(n *nodeRec) bool) []nref {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []nref
	for _, n := range g.man.Nodes {
		if filter == nil || filter(n) {
			out = append(out, nref{n.CacheClusterID, n.NodeGroupID, n.Port, n.BusPort, n.RedisID, n.Role, n.State, n.Number})
		}
	}
	return out
}

func inState(states ...string) func(n *nodeRec) bool {
	return func(n *nodeRec) bool { return contains(states, n.State) }
}

// views reads CLUSTER NODES from every node given (ccid -> parsed reply).
func (m *Manager) views(ctx context.Context, refs []nref) (map[string][]clusterNode, error) {
	out := make([][]clusterNode, len(refs))
	err := parallel(len(refs), 32, func(i int) error {
		v, err := clusterNodesOf(ctx, m.cl.get(refs[i].port))
		if err != nil {
			return fmt.Errorf("node %s: %w", refs[i].ccid, err)
		}
		out[i] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := make(map[string][]clusterNode, len(refs))
	for i, r := range refs {
		res[r.ccid] = out[i]
	}
	return res, nil
}

// meet introduces nodes to each other with CLUSTER MEET (giving the bus port, which is not
// port+10000). Every node of from meets every node of to; when from is nil the nodes of to meet
// each other: all pairs when there are few, else everyone meets the first (gossip does the rest).
func (m *Manager) meet(ctx context.Context, from, to []nref) error {
	type pair struct{ a, b nref }
	var pairs []pair
	if from == nil {
		if len(to) <= 64 {
			for i := range to {
				for j := i + 1; j < len(to); j++ {
					pairs = append(pairs, pair{to[i], to[j]})
				}
			}
		} else {
			for _, b := range to[1:] {
				pairs = append(pairs, pair{to[0], b})
			}
		}
	} else {
		for _, a := range from {
			for _, b := range to {
				if a.ccid != b.ccid {
					pairs = append(pairs, pair{a, b})
				}
			}
		}
	}
	// Group by sender and pipeline.
	bySender := map[string][]nref{}
	sender := map[string]nref{}
	for _, p := range pairs {
		bySender[p.a.ccid] = append(bySender[p.a.ccid], p.b)
		sender[p.a.ccid] = p.a
	}
	keys := make([]string, 0, len(bySender))
	for k := range bySender {
		keys = append(keys, k)
	}
	return parallel(len(keys), 32, func(i int) error {
		a := sender[keys[i]]
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		pipe := m.cl.get(a.port).Pipeline()
		for _, b := range bySender[keys[i]] {
			pipe.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", b.port, b.bus)
		}
		cmds, _ := pipe.Exec(ctx)
		for _, c := range cmds {
			if err := c.Err(); err != nil {
				return fmt.Errorf("CLUSTER MEET from %s: %w", a.ccid, err)
			}
		}
		return nil
	})
}

// waitConverged waits until every node lists every node (by cluster id) as connected, with no
// handshake, noaddr or fail flag (resources.md B.7-2: acting before this is a silent no-op).
func (m *Manager) waitConverged(ctx context.Context, refs []nref) error {
	timeout := 30*time.Second + 2*m.o.NodeTimeout
	return poll(ctx, timeout, 50*time.Millisecond, "the cluster to see every node", func(ctx context.Context) error {
		views, err := m.views(ctx, refs)
		if err != nil {
			return err
		}
		return converged(views, refs)
	})
}

func converged(views map[string][]clusterNode, refs []nref) error {
	for _, r := range refs {
		byID := map[string]clusterNode{}
		for _, n := range views[r.ccid] {
			if n.Handshake {
				return fmt.Errorf("node %s has a handshake in progress", r.ccid)
			}
			byID[n.ID] = n
		}
		for _, o := range refs {
			n, ok := byID[o.id]
			switch {
			case !ok:
				return fmt.Errorf("node %s does not know node %s yet", r.ccid, o.ccid)
			case n.NoAddr || n.Fail:
				return fmt.Errorf("node %s sees node %s as %v", r.ccid, o.ccid, n.Flags)
			case !n.Connected:
				return fmt.Errorf("node %s is not connected to node %s", r.ccid, o.ccid)
			}
		}
	}
	return nil
}

// replicate makes each replica follow its node group's primary (CLUSTER REPLICATE), unless it
// already does.
func (m *Manager) replicate(ctx context.Context, pairs map[nref]nref) error {
	var reps []nref
	for r := range pairs {
		reps = append(reps, r)
	}
	return parallel(len(reps), 32, func(i int) error {
		r, p := reps[i], pairs[reps[i]]
		cl := m.cl.get(r.port)
		nodes, err := clusterNodesOf(ctx, cl)
		if err != nil {
			return err
		}
		if self, ok := selfOf(nodes); ok && self.MasterID == p.id {
			return nil
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := cl.ClusterReplicate(cctx, p.id).Err(); err != nil {
			return fmt.Errorf("CLUSTER REPLICATE %s on %s: %w", p.ccid, r.ccid, err)
		}
		return nil
	})
}

// waitSynced waits until every replica has its link to its primary up and has caught up with
// the primary's offset as read once the link is up.
func (m *Manager) waitSynced(ctx context.Context, pairs map[nref]nref) error {
	var reps []nref
	for r := range pairs {
		reps = append(reps, r)
	}
	return parallel(len(reps), 32, func(i int) error {
		r, p := reps[i], pairs[reps[i]]
		var target int64 = -1
		return poll(ctx, 2*time.Minute, 25*time.Millisecond, "replica "+r.ccid+" to sync with "+p.ccid, func(ctx context.Context) error {
			f, err := infoOf(ctx, m.cl.get(r.port), "replication")
			if err != nil {
				return err
			}
			if f["role"] != "slave" || f["master_port"] != strconv.Itoa(p.port) {
				return fmt.Errorf("role %s of port %s", f["role"], f["master_port"])
			}
			if f["master_link_status"] != "up" || f["master_sync_in_progress"] != "0" {
				return fmt.Errorf("master_link_status %s, sync in progress %s", f["master_link_status"], f["master_sync_in_progress"])
			}
			if target < 0 {
				pf, err := infoOf(ctx, m.cl.get(p.port), "replication")
				if err != nil {
					return err
				}
				if target, err = strconv.ParseInt(pf["master_repl_offset"], 10, 64); err != nil {
					target = -1
					return fmt.Errorf("primary master_repl_offset %q", pf["master_repl_offset"])
				}
			}
			off, _ := strconv.ParseInt(f["slave_repl_offset"], 10, 64)
			if off < target {
				return fmt.Errorf("offset %d behind primary's %d", off, target)
			}
			// After a full sync the replica rewrites its AOF; until then its copy is not durable
			// (and it refuses to shut down).
			pf, err := infoOf(ctx, m.cl.get(r.port), "persistence")
			if err != nil {
				return err
			}
			if pf["aof_enabled"] == "1" && (pf["aof_rewrite_in_progress"] != "0" || pf["aof_rewrite_scheduled"] != "0") {
				return fmt.Errorf("initial AOF rewrite in progress")
			}
			return nil
		})
	})
}

// waitAgreement waits until every node agrees on slot ownership with no open slot and reports
// cluster_state:ok (resources.md B.7-3).
func (m *Manager) waitAgreement(ctx context.Context, refs []nref) error {
	return m.waitSlotsAgreed(ctx, refs, true)
}

// waitSlotsAgreed is waitAgreement, with cluster_state:ok only when stateOK. (A primary reports
// cluster_state:ok no sooner than 2 s after it started, which a plan does not need to wait for.)
func (m *Manager) waitSlotsAgreed(ctx context.Context, refs []nref, stateOK bool) error {
	timeout := 30*time.Second + 2*m.o.NodeTimeout
	var (
		last   string
		nudged time.Time
	)
	return poll(ctx, timeout, 50*time.Millisecond, "all nodes to agree on the slots", func(ctx context.Context) error {
		if time.Since(nudged) > time.Second {
			m.nudge(ctx, refs)
			nudged = time.Now()
		}
		err := func() error {
			views, err := m.views(ctx, refs)
			if err != nil {
				return err
			}
			if err := agreement(views); err != nil {
				return err
			}
			if !stateOK {
				return nil
			}
			// Done means tidy too: no handshake left (not even one of our nudges).
			for name, v := range views {
				for _, n := range v {
					if n.Handshake {
						return fmt.Errorf("node %s still has a handshake in progress", name)
					}
				}
			}
			return m.clusterStatesOK(ctx, refs)
		}()
		if err != nil && err.Error() != last {
			last = err.Error()
			m.log.Debug("waiting for agreement", "why", last)
		}
		return err
	})
}

// nudge speeds up gossip in small clusters: a CLUSTER MEET from a node to a node it already
// knows makes the receiver process the sender's header at once (its slots and epoch), where
// gossip would take up to cluster-node-timeout/2. The sender's temporary handshake entry is
// dropped as soon as the receiver answers. Every primary nudges every other node; best effort.
func (m *Manager) nudge(ctx context.Context, refs []nref) {
	if len(refs) > 64 {
		return
	}
	views, err := m.views(ctx, refs)
	if err != nil {
		return
	}
	var from []nref
	for _, r := range refs {
		if self, ok := selfOf(views[r.ccid]); ok && self.Master && len(self.Slots) > 0 {
			from = append(from, r)
		}
	}
	_ = m.meet(ctx, from, refs)
}

func (m *Manager) clusterStatesOK(ctx context.Context, refs []nref) error {
	return parallel(len(refs), 32, func(i int) error {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		s, err := m.cl.get(refs[i].port).ClusterInfo(cctx).Result()
		if err != nil {
			return fmt.Errorf("CLUSTER INFO on %s: %w", refs[i].ccid, err)
		}
		if st := infoFields(s)["cluster_state"]; st != "ok" {
			return fmt.Errorf("node %s: cluster_state:%s", refs[i].ccid, st)
		}
		return nil
	})
}

// currentPrimaries maps each node group to the member that is a primary now according to its
// own CLUSTER NODES (preferring one that owns slots, then the planned primary).
func (m *Manager) currentPrimaries(ctx context.Context, g *groupState, refs []nref) (map[string]nref, map[string][]clusterNode, error) {
	views, err := m.views(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]nref{}
	score := map[string]int{}
	for _, r := range refs {
		self, ok := selfOf(views[r.ccid])
		if !ok || !self.Master {
			continue
		}
		s := 1
		if r.role == RolePrimary {
			s = 2
		}
		if len(self.Slots) > 0 {
			s = 3
		}
		if s > score[r.ng] {
			score[r.ng] = s
			r.id = self.ID
			out[r.ng] = r
		}
	}
	return out, views, nil
}

// forget makes every node of on forget every node of gone (CLUSTER FORGET; an unknown node is
// fine). It must reach every node within 60 s, the forget ban.
func (m *Manager) forget(ctx context.Context, on []nref, gone []nref) error {
	return parallel(len(on), 32, func(i int) error {
		cl := m.cl.get(on[i].port)
		for _, x := range gone {
			if x.id == "" {
				continue
			}
			err := retryRedis(ctx, 3, func(ctx context.Context) error {
				err := cl.ClusterForget(ctx, x.id).Err()
				if isErr(err, "Unknown node") {
					return nil
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("CLUSTER FORGET %s on %s: %w", x.ccid, on[i].ccid, err)
			}
		}
		return nil
	})
}

// retryRedis retries fn on errors other than Redis error replies.
func retryRedis(ctx context.Context, attempts int, fn func(ctx context.Context) error) error {
	var err error
	for i := range attempts {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = fn(cctx)
		cancel()
		var rerr redis.Error
		if err == nil || ctx.Err() != nil || (errors.As(err, &rerr) && !isErr(err, "LOADING") && !isErr(err, "TRYAGAIN")) {
			return err
		}
		if i < attempts-1 {
			_ = sleep(ctx, 200*time.Millisecond)
		}
	}
	return err
}
