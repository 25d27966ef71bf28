package redisgroup

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// clusterNode is one line of CLUSTER NODES:
//
//	<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> ...
//
// Open slots appear on the "myself" line only, as [slot->-dst-id] (migrating) and
// [slot-<-src-id] (importing).
type clusterNode struct {
	ID        string
	Host      string
	Port      int
	BusPort   int
	Flags     []string
	Myself    bool
	Master    bool
	Replica   bool
	Fail      bool // fail or fail?
	Handshake bool
	NoAddr    bool
	MasterID  string // "" when none
	Epoch     int64
	Connected bool
	Slots     []slotRange
	Migrating map[int]string // slot -> destination id
	Importing map[int]string // slot -> source id
}

func (n clusterNode) hasOpenSlots() bool { return len(n.Migrating)+len(n.Importing) > 0 }

// parseClusterNodes parses the reply of CLUSTER NODES.
func parseClusterNodes(text string) ([]clusterNode, error) {
	var out []clusterNode
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 8 {
			return nil, fmt.Errorf("CLUSTER NODES line %q: %d fields, want at least 8", line, len(f))
		}
		n := clusterNode{ID: f[0], MasterID: f[3], Connected: f[7] == "connected"}
		if n.MasterID == "-" {
			n.MasterID = ""
		}
		addr, _, _ := strings.Cut(f[1], ",") // drop ",hostname"
		hostport, bus, _ := strings.Cut(addr, "@")
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			n.Host = hostport[:i]
			n.Port, _ = strconv.Atoi(hostport[i+1:])
		}
		n.BusPort, _ = strconv.Atoi(bus)
		n.Flags = strings.Split(f[2], ",")
		for _, fl := range n.Flags {
			switch fl {
			case "myself":
				n.Myself = true
			case "master":
				n.Master = true
			case "slave":
				n.Replica = true
			case "fail", "fail?":
				n.Fail = true
			case "handshake":
				n.Handshake = true
			case "noaddr":
				n.NoAddr = true
			}
		}
		n.Epoch, _ = strconv.ParseInt(f[6], 10, 64)
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") {
				body := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
				if slot, id, ok := strings.Cut(body, "->-"); ok {
					v, err := strconv.Atoi(slot)
					if err != nil {
						return nil, fmt.Errorf("CLUSTER NODES: bad open slot %q", s)
					}
					if n.Migrating == nil {
						n.Migrating = map[int]string{}
					}
					n.Migrating[v] = id
					continue
				}
				if slot, id, ok := strings.Cut(body, "-<-"); ok {
					v, err := strconv.Atoi(slot)
					if err != nil {
						return nil, fmt.Errorf("CLUSTER NODES: bad open slot %q", s)
					}
					if n.Importing == nil {
						n.Importing = map[int]string{}
					}
					n.Importing[v] = id
					continue
				}
				return nil, fmt.Errorf("CLUSTER NODES: bad open slot %q", s)
			}
			rs, err := parseRanges(s)
			if err != nil {
				return nil, fmt.Errorf("CLUSTER NODES: %w", err)
			}
			n.Slots = append(n.Slots, rs...)
		}
		n.Slots = mergeRanges(n.Slots)
		out = append(out, n)
	}
	return out, nil
}

// selfOf returns the "myself" line of a CLUSTER NODES reply.
func selfOf(nodes []clusterNode) (clusterNode, bool) {
	for _, n := range nodes {
		if n.Myself {
			return n, true
		}
	}
	return clusterNode{}, false
}

// ownerTable is the slot -> owner id map one node believes in ("" = unowned).
type ownerTable [NumSlots]string

func ownersOf(nodes []clusterNode) *ownerTable {
	var t ownerTable
	for _, n := range nodes {
		if !n.Master {
			continue
		}
		for _, r := range n.Slots {
			for s := r.Lo; s <= r.Hi; s++ {
				t[s] = n.ID
			}
		}
	}
	return &t
}

// agreement checks that several nodes' CLUSTER NODES views agree: every slot owned, the same
// owner everywhere, no open slot anywhere. (Handshakes are not checked: the convergence wait
// after a MEET does, and our own nudges create short harmless ones.) views maps an arbitrary node name to its parsed reply. It returns nil or
// a description of the first disagreement.
func agreement(views map[string][]clusterNode) error {
	names := make([]string, 0, len(views))
	for k := range views {
		names = append(names, k)
	}
	slices.Sort(names)
	var ref *ownerTable
	var refName string
	for _, name := range names {
		v := views[name]
		self, ok := selfOf(v)
		if !ok {
			return fmt.Errorf("node %s: no myself line in CLUSTER NODES", name)
		}
		if self.hasOpenSlots() {
			return fmt.Errorf("node %s has open slots (migrating %v, importing %v)", name, keysOf(self.Migrating), keysOf(self.Importing))
		}
		t := ownersOf(v)
		for s := range t {
			if t[s] == "" {
				return fmt.Errorf("node %s sees slot %d unowned", name, s)
			}
		}
		if ref == nil {
			ref, refName = t, name
			continue
		}
		if *t != *ref {
			for s := range t {
				if t[s] != ref[s] {
					return fmt.Errorf("nodes %s and %s disagree on the owner of slot %d (%.8s vs %.8s)", refName, name, s, ref[s], t[s])
				}
			}
		}
	}
	return nil
}

func keysOf[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
