package redisgroup

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// infoSections are the INFO sections Stats reads (not "all": commandstats and latencystats are
// large and unused).
var infoSections = []string{"server", "clients", "memory", "stats", "cpu", "replication", "keyspace"}

// Stats reads one INFO from every live node of the group, in parallel, and returns them parsed
// (nodes that do not answer are left out). ReplicationLag of a replica is its primary's
// master_repl_offset minus its own slave_repl_offset, both from this same round.
func (m *Manager) Stats(ctx context.Context, id string) ([]NodeStats, error) {
	id = NormalizeID(id)
	m.mu.Lock()
	g := m.groups[id]
	if g == nil || g.gone {
		m.mu.Unlock()
		return nil, notFound(id)
	}
	type item struct {
		ccid, ng string
		port     int
	}
	var items []item
	for _, n := range g.man.Nodes {
		if rt := g.rt[n.CacheClusterID]; rt != nil && n.State != nodeRetired && rt.proc.alive() {
			items = append(items, item{n.CacheClusterID, n.NodeGroupID, n.Port})
		}
	}
	m.mu.Unlock()

	stats := make([]NodeStats, len(items))
	fields := make([]map[string]string, len(items))
	_ = parallel(len(items), 32, func(i int) error {
		f, err := infoOf(ctx, m.cl.get(items[i].port), infoSections...)
		if err != nil {
			return nil
		}
		fields[i] = f
		stats[i] = parseNodeStats(f, time.Now())
		stats[i].CacheClusterID = items[i].ccid
		stats[i].NodeGroupID = items[i].ng
		return nil
	})
	// Primary offsets by port, for the replicas' lag.
	offsetByPort := map[string]int64{}
	for i, f := range fields {
		if f != nil && f["role"] == "master" {
			offsetByPort[strconv.Itoa(items[i].port)] = atoi64(f["master_repl_offset"])
		}
	}
	out := make([]NodeStats, 0, len(items))
	for i, f := range fields {
		if f == nil {
			continue
		}
		if f["role"] == "slave" {
			if po, ok := offsetByPort[f["master_port"]]; ok {
				stats[i].ReplicationLag = max(0, po-atoi64(f["slave_repl_offset"]))
			}
		}
		out = append(out, stats[i])
	}
	return out, nil
}

// parseNodeStats turns INFO fields into NodeStats (without the node's ids).
func parseNodeStats(f map[string]string, at time.Time) NodeStats {
	s := NodeStats{
		RunID:                 f["run_id"],
		ProcessID:             int(atoi64(f["process_id"])),
		UptimeSecs:            atoi64(f["uptime_in_seconds"]),
		CPUMainThread:         atof(f["used_cpu_sys_main_thread"]) + atof(f["used_cpu_user_main_thread"]),
		CPU:                   atof(f["used_cpu_sys"]) + atof(f["used_cpu_user"]),
		UsedMemory:            atoi64(f["used_memory"]),
		MaxMemory:             atoi64(f["maxmemory"]),
		MemNotCountedForEvict: atoi64(f["mem_not_counted_for_evict"]),
		ConnectedClients:      atoi64(f["connected_clients"]),
		TotalConnections:      atoi64(f["total_connections_received"]),
		TotalCommands:         atoi64(f["total_commands_processed"]),
		Evictions:             atoi64(f["evicted_keys"]),
		KeyspaceHits:          atoi64(f["keyspace_hits"]),
		KeyspaceMisses:        atoi64(f["keyspace_misses"]),
		NetInputBytes:         atoi64(f["total_net_input_bytes"]),
		NetOutputBytes:        atoi64(f["total_net_output_bytes"]),
		At:                    at,
	}
	switch f["role"] {
	case "master":
		s.Role = RolePrimary
	case "slave":
		s.Role = RoleReplica
	}
	for k, v := range f {
		// Keyspace lines: "db0:keys=12,expires=0,avg_ttl=0".
		if !strings.HasPrefix(k, "db") {
			continue
		}
		if _, err := strconv.Atoi(k[2:]); err != nil {
			continue
		}
		for kv := range strings.SplitSeq(v, ",") {
			if n, ok := strings.CutPrefix(kv, "keys="); ok {
				s.Keys += atoi64(n)
			}
		}
	}
	return s
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f
}
