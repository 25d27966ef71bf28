package redisgroup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// manifestFile is the name of a group's manifest inside DataDir/<group-id>/.
const manifestFile = "group.json"

// manifestVersion is the format version written in every manifest.
const manifestVersion = 1

// Node states in the manifest.
const (
	// nodeAdding: planned or started by an operation that has not finished joining it.
	nodeAdding = "adding"
	// nodeActive: a member of the group.
	nodeActive = "active"
	// nodeRemoving: being removed (guarded, forgotten by the other nodes).
	nodeRemoving = "removing"
	// nodeRetired: removed from the group (forgotten by every member) but still running, so
	// that it redirects clients with a stale slot map, until RetireAt; then it is stopped and
	// its directory deleted.
	nodeRetired = "retired"
)

// manifest is what a group persists in DataDir/<id>/group.json: enough to re-adopt or restart
// every node and to resume the operation in progress after a crash at any point.
type manifest struct {
	Version    int       `json:"version"`
	Spec       Spec      `json:"spec"`
	Status     Status    `json:"status"`
	CreateTime time.Time `json:"createTime"`
	LastError  string    `json:"lastError,omitempty"`
	// NextNodeGroup is the number the next new node group gets; numbers are never reused.
	NextNodeGroup int `json:"nextNodeGroup"`
	// NextNode is, per node group, the number its next node gets; never reused either, so a
	// data directory never serves two nodes.
	NextNode map[string]int `json:"nextNode"`
	Nodes    []*nodeRec     `json:"nodes"`
	Op       *journal       `json:"op,omitempty"`
}

// nodeRec is one node as planned and last seen.
type nodeRec struct {
	CacheClusterID string `json:"cacheClusterId"`
	NodeGroupID    string `json:"nodeGroupId"`
	Number         int    `json:"number"`
	Port           int    `json:"port"`
	BusPort        int    `json:"busPort"`
	// PID is the last process id seen serving this node (0 = never started).
	PID int `json:"pid,omitempty"`
	// RedisID is CLUSTER MYID (cluster mode), stable for the node's life.
	RedisID string `json:"redisId,omitempty"`
	// Role is the planned role (RolePrimary / RoleReplica); Redis has the last word.
	Role       string    `json:"role"`
	State      string    `json:"state"`
	CreateTime time.Time `json:"createTime"`
	// RetireAt is when a retired node is stopped.
	RetireAt time.Time `json:"retireAt,omitzero"`
}

// journal is the operation in progress.
type journal struct {
	Kind           string    `json:"kind"` // "create", "reshard", "replicas", "delete"
	Started        time.Time `json:"started"`
	TargetShards   int       `json:"targetShards,omitempty"`
	TargetReplicas int       `json:"targetReplicas,omitempty"`
	// Reshard: node groups being added / drained and removed.
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// Reshard progress: SlotsPlanned is fixed when the plan is first computed; SlotsMoved
	// grows as slots move (recomputed from Redis's ownership on resume).
	SlotsPlanned int `json:"slotsPlanned,omitempty"`
	SlotsMoved   int `json:"slotsMoved,omitempty"`
	// Replicas: node group id -> replica count wanted.
	PerShard map[string]int `json:"perShard,omitempty"`
	// Phase is informational ("nodes", "migrate", "remove", ...).
	Phase string `json:"phase,omitempty"`
}

func (j *journal) progress() float64 {
	if j == nil || j.SlotsPlanned <= 0 {
		return 0
	}
	return min(100, 100*float64(j.SlotsMoved)/float64(j.SlotsPlanned))
}

func (m *manifest) node(ccid string) *nodeRec {
	for _, n := range m.Nodes {
		if n.CacheClusterID == ccid {
			return n
		}
	}
	return nil
}

// nodeGroupIDs lists the node groups that have a node in one of the given states (all states
// when none given), ascending.
func (m *manifest) nodeGroupIDs(states ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range m.Nodes {
		if len(states) > 0 && !contains(states, n.State) {
			continue
		}
		if !seen[n.NodeGroupID] {
			seen[n.NodeGroupID] = true
			out = append(out, n.NodeGroupID)
		}
	}
	sortStrings(out)
	return out
}

// memberCount is the number of nodes that are (or are becoming, or are leaving as) members:
// every node but the retired ones.
func (m *manifest) memberCount() int {
	n := 0
	for _, x := range m.Nodes {
		if x.State != nodeRetired {
			n++
		}
	}
	return n
}

func (m *manifest) members(ngID string) []*nodeRec {
	var out []*nodeRec
	for _, n := range m.Nodes {
		if n.NodeGroupID == ngID {
			out = append(out, n)
		}
	}
	return out
}

func (m *manifest) clone() *manifest {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var c manifest
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

// writeFileAtomic writes data to path through a temporary file: write, fsync, rename, fsync
// the directory. After a crash the file is either the old or the new one, never a mix.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func readManifest(path string) (*manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("manifest %s: version %d, want %d", path, m.Version, manifestVersion)
	}
	if m.NextNode == nil {
		m.NextNode = map[string]int{}
	}
	return &m, nil
}

// removeTempFiles deletes the leftovers of interrupted atomic writes in dir.
func removeTempFiles(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, "."+manifestFile+".tmp*"))
	for _, p := range matches {
		os.Remove(p)
	}
}
