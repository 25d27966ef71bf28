package elasticache

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

type createReplicationGroupResult struct {
	XMLName          xml.Name `xml:"CreateReplicationGroupResult"`
	ReplicationGroup *xmlReplicationGroup
}

// createReplicationGroup creates a group of real redis-server nodes. Cluster mode is enabled
// when NumNodeGroups or NodeGroupConfiguration is given, ClusterMode is enabled (or
// compatible), or the parameter group is a cluster.on one; otherwise the group is one primary
// with NumCacheClusters-1 replicas. The group answers "creating" and becomes "available" when
// every node runs and the cluster agrees.
func (s *Service) createReplicationGroup(ctx context.Context, c *call, p params) (any, error) {
	id, err := p.required("ReplicationGroupId")
	if err != nil {
		return nil, err
	}
	desc, err := p.required("ReplicationGroupDescription")
	if err != nil {
		return nil, err
	}
	for _, unsupported := range []string{"GlobalReplicationGroupId", "PrimaryClusterId", "SnapshotName", "SnapshotArns.SnapshotArn.1", "ServerlessCacheSnapshotName"} {
		if p.Get(unsupported) != "" {
			return nil, errf(CodeInvalidParameterValue, "%s is not supported by this server: replication groups are created empty", strings.SplitN(unsupported, ".", 2)[0])
		}
	}
	for _, unsupported := range []string{"TransitEncryptionEnabled", "DataTieringEnabled"} {
		if b, err := p.boolean(unsupported); err != nil {
			return nil, err
		} else if b != nil && *b {
			return nil, errf(CodeInvalidParameterCombination, "%s is not supported by this server (nodes listen on 127.0.0.1 without TLS)", unsupported)
		}
	}
	if p.Get("AuthToken") != "" {
		return nil, errf(CodeInvalidParameterCombination, "AuthToken is not supported by this server (nodes listen on 127.0.0.1 without AUTH)")
	}
	engine := strings.ToLower(orDefault(p.Get("Engine"), "redis"))
	if engine != "redis" {
		return nil, errf(CodeInvalidParameterValue, "Engine %s is not supported by this server: it runs redis-server replication groups (Engine redis)", p.Get("Engine"))
	}
	nodeType := orDefault(p.Get("CacheNodeType"), DefaultNodeType)
	maxMemory, ok := maxMemoryOf(nodeType)
	if !ok {
		return nil, errf(CodeInvalidParameterValue, "Invalid CacheNodeType: %s", nodeType)
	}
	numNodeGroups, err := p.integer("NumNodeGroups")
	if err != nil {
		return nil, err
	}
	replicasPer, err := p.integer("ReplicasPerNodeGroup")
	if err != nil {
		return nil, err
	}
	numCacheClusters, err := p.integer("NumCacheClusters")
	if err != nil {
		return nil, err
	}
	port, err := p.integer("Port")
	if err != nil {
		return nil, err
	}
	if port != nil && (*port < 1024 || *port > 65535) {
		return nil, errf(CodeInvalidParameterValue, "Invalid port %d: it must be between 1024 and 65535", *port)
	}
	ngc := p.structs("NodeGroupConfiguration", "NodeGroupConfiguration")
	mode := strings.ToLower(p.Get("ClusterMode"))
	switch mode {
	case "", "enabled", "disabled", "compatible":
	default:
		return nil, errf(CodeInvalidParameterValue, "Invalid value for ClusterMode: %s (enabled, disabled or compatible)", p.Get("ClusterMode"))
	}
	clusterOn := mode == "enabled" || mode == "compatible" || numNodeGroups != nil || len(ngc) > 0 ||
		strings.Contains(strings.ToLower(p.Get("CacheParameterGroupName")), "cluster.on")
	if mode == "disabled" && (len(ngc) > 1 || (numNodeGroups != nil && *numNodeGroups > 1)) {
		return nil, errf(CodeInvalidParameterCombination, "A replication group with ClusterMode disabled has exactly one node group")
	}
	if mode == "disabled" {
		clusterOn = false
	}
	if numCacheClusters != nil && (numNodeGroups != nil || replicasPer != nil || len(ngc) > 0) {
		return nil, errf(CodeInvalidParameterCombination, "NumCacheClusters cannot be combined with NumNodeGroups, ReplicasPerNodeGroup or NodeGroupConfiguration")
	}
	spec := redisgroup.Spec{ID: id, Account: c.account, Region: c.region, Description: desc, ClusterMode: clusterOn, Shards: 1, MaxMemory: maxMemory,
		NodeType: nodeType, EngineVersion: p.Get("EngineVersion")}
	if port != nil {
		spec.Port = *port
	}
	switch {
	case numNodeGroups != nil:
		spec.Shards = *numNodeGroups
	case len(ngc) > 0:
		spec.Shards = len(ngc)
	}
	if len(ngc) > 0 && spec.Shards != len(ngc) {
		return nil, errf(CodeInvalidParameterValue, "NumNodeGroups (%d) does not match the number of NodeGroupConfiguration entries (%d)", spec.Shards, len(ngc))
	}
	if replicasPer != nil {
		spec.Replicas = *replicasPer
	}
	if numCacheClusters != nil {
		if *numCacheClusters < 1 || *numCacheClusters > 6 {
			return nil, errf(CodeInvalidParameterValue, "NumCacheClusters must be between 1 and 6")
		}
		spec.Replicas = *numCacheClusters - 1
	}
	var slots []string
	for i, g := range ngc {
		rc, err := g.integer("ReplicaCount")
		if err != nil {
			return nil, err
		}
		if rc != nil {
			if replicasPer == nil && i == 0 {
				spec.Replicas = *rc
			} else if *rc != spec.Replicas {
				return nil, errf(CodeInvalidParameterValue, "Every node group must have the same ReplicaCount on this server (got %d and %d)", spec.Replicas, *rc)
			}
		}
		if sl := g.Get("Slots"); sl != "" {
			slots = append(slots, sl)
		}
	}
	if len(slots) > 0 {
		if len(slots) != len(ngc) {
			return nil, errf(CodeInvalidParameterValue, "Slots must be given for every node group or for none")
		}
		spec.Slots = slots
	}
	if spec.Shards < 1 || spec.Shards > 500 {
		return nil, errf(CodeInvalidParameterValue, "NumNodeGroups must be between 1 and 500")
	}
	if spec.Replicas < 0 || spec.Replicas > 5 {
		return nil, errf(CodeInvalidParameterValue, "The number of replicas per node group must be between 0 and 5")
	}
	if n := spec.Shards * (1 + spec.Replicas); n > 500 {
		return nil, errf(CodeNodeQuotaForCluster, "The replication group would have %d nodes; the limit is 500", n)
	}
	g, err := s.opts.Backend.Create(ctx, spec)
	if err != nil {
		return nil, backendError(err, strings.ToLower(id))
	}
	return &createReplicationGroupResult{ReplicationGroup: c.toXMLGroup(g)}, nil
}
