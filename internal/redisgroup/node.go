package redisgroup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// nodeArgs is the command line of a node (resources.md B.1).
func (m *Manager) nodeArgs(man *manifest, n *nodeRec, dir string) []string {
	args := []string{
		"--port", strconv.Itoa(n.Port),
		"--bind", "127.0.0.1",
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
		"--appendonly", "yes",
		"--save", "",
		"--maxmemory", strconv.FormatInt(man.Spec.MaxMemory, 10),
		"--maxmemory-policy", "noeviction",
		"--repl-diskless-sync-delay", "0",
	}
	if man.Spec.ClusterMode {
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(n.BusPort),
			"--cluster-node-timeout", strconv.FormatInt(m.o.NodeTimeout.Milliseconds(), 10),
			"--cluster-allow-replica-migration", "no",
		)
	} else if n.Role == RoleReplica {
		// Cluster mode disabled: the role is fixed (no automatic failover), and giving it on the
		// command line keeps a restarted replica a replica instead of a stale primary.
		if p := primaryOf(man, n.NodeGroupID); p != nil {
			args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(p.Port))
		}
	}
	return args
}

// primaryOf is the planned primary of a node group.
func primaryOf(man *manifest, ngID string) *nodeRec {
	for _, n := range man.Nodes {
		if n.NodeGroupID == ngID && n.Role == RolePrimary && n.State != nodeRemoving {
			return n
		}
	}
	return nil
}

// hasData reports whether a node directory holds anything Redis wrote.
func hasData(dir string) bool {
	for _, name := range []string{"nodes.conf", "appendonlydir", "dump.rdb"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// ensureNode makes sure the node's process runs: it is already supervised, or a live process
// serving the node's directory on its port is adopted, or a new one is started from the node's
// data directory with the node's ports. It records the pid and the cluster node id in the
// manifest (the caller saves).
func (m *Manager) ensureNode(ctx context.Context, g *groupState, ccid string) error {
	m.mu.Lock()
	if g.gone {
		m.mu.Unlock()
		return fmt.Errorf("replication group %s is gone", g.id)
	}
	rt := g.rtLocked(ccid)
	m.mu.Unlock()

	rt.startMu.Lock()
	defer rt.startMu.Unlock()

	m.mu.Lock()
	rec := g.man.node(ccid)
	if rec == nil {
		m.mu.Unlock()
		return fmt.Errorf("node %s is not in the manifest", ccid)
	}
	n := *rec
	cur, stopping := rt.proc, rt.stopping
	man := g.man.clone()
	m.mu.Unlock()
	if stopping {
		return fmt.Errorf("node %s is being stopped", ccid)
	}
	dir := m.nodeDir(g, ccid)
	if !cur.aliveNow() {
		p, err := m.adoptByPort(ctx, n.Port, n.PID, dir)
		if err != nil {
			return fmt.Errorf("node %s: %w", ccid, err)
		}
		if p != nil {
			m.log.Info("adopted running node", "group", g.id, "node", ccid, "pid", p.pid, "port", n.Port)
			if err := m.waitReady(ctx, p, dir, 2*time.Minute); err != nil {
				return fmt.Errorf("node %s: %w", ccid, err)
			}
		} else {
			if p, err = m.startFresh(ctx, g, man, &n, dir); err != nil {
				return err
			}
		}
		cur = p
	}
	var redisID string
	if man.Spec.ClusterMode {
		ictx, cancel := context.WithTimeout(ctx, 3*time.Second)
		id, err := m.cl.get(n.Port).ClusterMyID(ictx).Result()
		cancel()
		if err != nil {
			return fmt.Errorf("node %s: CLUSTER MYID: %w", ccid, err)
		}
		redisID = id
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rt.proc = cur
	rt.failures = 0
	if rec := g.man.node(ccid); rec != nil {
		rec.PID = cur.pid
		rec.Port, rec.BusPort = n.Port, n.BusPort
		if redisID != "" && rec.RedisID != redisID {
			if rec.RedisID != "" {
				m.log.Warn("node has a new cluster id (nodes.conf was lost?)", "group", g.id, "node", ccid, "old", rec.RedisID, "new", redisID)
			}
			rec.RedisID = redisID
		}
	}
	return nil
}

// startFresh starts the node's process. A node that has never run (no pid, no data) whose start
// fails gets new ports and another try (a port taken between allocation and start).
func (m *Manager) startFresh(ctx context.Context, g *groupState, man *manifest, n *nodeRec, dir string) (*proc, error) {
	neverRan := n.PID == 0 && !hasData(dir)
	for attempt := 1; ; attempt++ {
		if !neverRan {
			m.log.Info("starting node from its data", "group", g.id, "node", n.CacheClusterID, "port", n.Port)
		}
		p, err := m.spawn(dir, m.nodeArgs(man, n, dir), n.Port)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.CacheClusterID, err)
		}
		err = m.waitReady(ctx, p, dir, 2*time.Minute)
		if err == nil {
			return p, nil
		}
		_ = m.stopProc(ctx, p, false)
		if !neverRan || attempt >= 3 || ctx.Err() != nil {
			return nil, fmt.Errorf("node %s: %w", n.CacheClusterID, err)
		}
		m.log.Warn("new node failed to start; trying other ports", "group", g.id, "node", n.CacheClusterID, "err", err)
		m.mu.Lock()
		ports, perr := m.allocPortsLocked(2, 0)
		if perr == nil {
			delete(m.ports, n.Port)
			delete(m.ports, n.BusPort)
			n.Port, n.BusPort = ports[0], ports[1]
			if rec := g.man.node(n.CacheClusterID); rec != nil {
				rec.Port, rec.BusPort = n.Port, n.BusPort
			}
		}
		m.mu.Unlock()
		if perr != nil {
			return nil, fmt.Errorf("node %s: %w", n.CacheClusterID, perr)
		}
		m.cl.drop(p.port)
		os.Remove(filepath.Join(dir, "nodes.conf"))
	}
}
