// Package redisgroup runs Redis replication groups as real, supervised redis-server processes
// on this machine, in the shape of ElastiCache for Redis: a group is node groups (shards) of
// one primary and R replicas each. It creates groups, reshards them online (slots move with
// MIGRATE while clients keep reading and writing), adds and removes replicas, survives a
// crash of its own process (live nodes are re-adopted, dead ones restarted from their AOF, an
// interrupted operation resumes), and deletes groups without leaving a process or a file.
//
// It knows nothing of the ElastiCache API or of autoscaling: the elasticache package speaks
// the wire protocol over a Manager, and the redis driver scales through it.
//
// # Design
//
// Processes. Every node is a child redis-server (no --daemonize) in its own process group and
// without a parent-death signal, so the nodes outlive a kill -9 of this process and clients keep
// working meanwhile. Own children are waited for; after a crash the next Open adopts a live node
// by its port (the process answering there must report the node's data directory with CONFIG GET
// dir, its pid must be a redis-server of that port in /proc) and polls it. A node that dies
// unexpectedly is restarted from its directory on its ports. Close shuts every node down
// (SHUTDOWN: the AOF is complete) and the next Open restarts them from their data.
//
// Manifest. DataDir/<id>/group.json holds the spec, every node (ports, pid, cluster id, planned
// role, state: adding, active, removing, retired) and the journal of the operation in progress.
// It is written atomically before each step that depends on it. Operations are sequences of
// idempotent steps that start from what Redis says (CLUSTER NODES of every node), so resuming
// one after a crash anywhere is running it again: start/adopt the nodes, join the new ones,
// roll forward the slots left open (migrating/importing), recompute the slot plan from the
// actual ownership, move, wait until every node agrees, remove.
//
// Slot moves follow resources.md B.3 (IMPORTING, MIGRATING, GETKEYSINSLOT+MIGRATE, SETSLOT
// NODE on destination, source, other primaries), pipelined over Options.SlotBatch slots at a
// time per (source, destination) pair and over several pairs at once; see mover.
//
// Removal. A node leaves only when it owns no slot, has no open slot and no remaining replica
// follows it (checkSafeToStop). It is forgotten by every member (CLUSTER FORGET), then retired:
// it keeps running for Options.RemoveGrace, redirecting clients whose slot map is stale, and is
// then stopped and its directory deleted. Close and Delete stop retired nodes at once.
package redisgroup

import (
	"errors"
	"time"
)

// Status is the status of a group, a node group or a node, with ElastiCache's values.
type Status string

// Statuses.
const (
	StatusCreating     Status = "creating"
	StatusAvailable    Status = "available"
	StatusModifying    Status = "modifying"
	StatusDeleting     Status = "deleting"
	StatusCreateFailed Status = "create-failed"
)

// Roles of a node.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
)

// Spec is what CreateReplicationGroup asks for.
type Spec struct {
	ID string
	// Account and Region are the AWS account and region of the caller that created the
	// group: the group is visible to them only, and its metrics go to their scope.
	Account     string
	Region      string
	Description string
	// ClusterMode: true runs cluster-enabled nodes with the 16384 slots spread over Shards
	// node groups; false runs one node group whose replicas follow the primary with REPLICAOF.
	ClusterMode bool
	// Shards is the number of node groups (1 when !ClusterMode).
	Shards int
	// Replicas is the number of replicas of every node group (0..5).
	Replicas int
	// MaxMemory is every node's maxmemory in bytes (CacheNodeType mapped by the caller).
	MaxMemory     int64
	NodeType      string
	EngineVersion string
	// Port, when not zero, is the port of the group's first node if it is free; other nodes
	// get free ports of the machine.
	Port int
	// Slots optionally gives each node group's slot ranges ("0-5460"), in order; empty
	// spreads the slots evenly.
	Slots []string
}

// Group is a snapshot of a replication group.
type Group struct {
	Spec
	Status     Status
	CreateTime time.Time
	NodeGroups []NodeGroup
	// Operation is the change in progress (nil when none).
	Operation *Operation
	// LastError says why the last operation failed ("" when it did not).
	LastError string
	// ConfigEndpoint is a live node's port on 127.0.0.1 (cluster mode: any primary; else the
	// primary).
	ConfigEndpointPort int
}

// NodeGroup is one shard.
type NodeGroup struct {
	// ID is "0001", "0002", ...
	ID     string
	Status Status
	// Slots is the shard's slot ranges as ElastiCache prints them ("0-5460,10923-10925"),
	// read from the cluster.
	Slots   string
	Members []Node
}

// Node is one redis-server process.
type Node struct {
	// CacheClusterID is ElastiCache's member cluster id: "<group>-<nodegroup>-<nnn>".
	CacheClusterID string
	NodeGroupID    string
	// Role is RolePrimary or RoleReplica, as Redis reports it now.
	Role       string
	Port       int
	PID        int
	RedisID    string
	Status     Status
	CreateTime time.Time
}

// Operation is a change in progress on a group.
type Operation struct {
	// Kind is "create", "reshard", "replicas" or "delete".
	Kind string
	// ProgressPercent is the share of the planned slots already moved (reshard).
	ProgressPercent float64
	// TargetShards / TargetReplicas are the shape the operation leads to.
	TargetShards   int
	TargetReplicas int
	Started        time.Time
}

// NodeStats is what one INFO of a node says, for the metrics collector.
type NodeStats struct {
	CacheClusterID string
	NodeGroupID    string
	// Role is RolePrimary or RoleReplica, read in the same INFO as the values.
	Role       string
	RunID      string
	ProcessID  int
	UptimeSecs int64
	// CPUMainThread is used_cpu_sys_main_thread + used_cpu_user_main_thread, in seconds.
	CPUMainThread float64
	// CPU is used_cpu_sys + used_cpu_user, in seconds.
	CPU                   float64
	UsedMemory            int64
	MaxMemory             int64
	MemNotCountedForEvict int64
	ConnectedClients      int64
	TotalConnections      int64
	TotalCommands         int64
	Keys                  int64
	Evictions             int64
	KeyspaceHits          int64
	KeyspaceMisses        int64
	NetInputBytes         int64
	NetOutputBytes        int64
	// ReplicationLag is the primary's offset minus this replica's, in bytes (replicas only).
	ReplicationLag int64
	// At is when the INFO was read.
	At time.Time
}

// Errors; the manager wraps them with a message fit for an API caller.
var (
	ErrNotFound = errors.New("replication group not found")
	ErrExists   = errors.New("replication group already exists")
	// ErrBusy: the group is not available (creating, modifying, deleting).
	ErrBusy = errors.New("replication group is not in available state")
	// ErrInvalid: the request is not valid for this group (wrong count, unknown node group,
	// cluster mode disabled...).
	ErrInvalid = errors.New("invalid request")
	// ErrNoOp: the request would change nothing.
	ErrNoOp = errors.New("no operation")
	// ErrCapacity: the kept shards cannot hold the data of the removed ones.
	ErrCapacity = errors.New("insufficient capacity")
)
