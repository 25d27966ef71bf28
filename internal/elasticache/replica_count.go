package elasticache

import (
	"context"
	"strings"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// replicaTargets reads NewReplicaCount or ReplicaConfiguration into a per-node-group count,
// checking each change goes the operation's way (up for Increase, down for Decrease).
func (s *Service) replicaTargets(c *call, p params, increase bool) (string, map[string]int, error) {
	id, err := p.required("ReplicationGroupId")
	if err != nil {
		return "", nil, err
	}
	id = strings.ToLower(id)
	if err := applyImmediately(p); err != nil {
		return "", nil, err
	}
	if len(p.List("ReplicasToRemove", "member")) > 0 {
		return "", nil, errf(CodeInvalidParameterValue, "ReplicasToRemove is not supported by this server: give NewReplicaCount or ReplicaConfiguration")
	}
	n, err := p.integer("NewReplicaCount")
	if err != nil {
		return "", nil, err
	}
	confs := p.structs("ReplicaConfiguration", "ConfigureShard")
	if n != nil && len(confs) > 0 {
		return "", nil, errf(CodeInvalidParameterCombination, "Only one of NewReplicaCount and ReplicaConfiguration may be given")
	}
	if n == nil && len(confs) == 0 {
		return "", nil, errf(CodeInvalidParameterValue, "Either NewReplicaCount or ReplicaConfiguration must be given")
	}
	g, err := s.get(c, id)
	if err != nil {
		return "", nil, err
	}
	current := map[string]int{}
	for _, ng := range g.NodeGroups {
		r := 0
		for _, m := range ng.Members {
			if m.Role == redisgroup.RoleReplica {
				r++
			}
		}
		current[ng.ID] = r
	}
	want := map[string]int{}
	if n != nil {
		for ng := range current {
			want[ng] = *n
		}
	}
	for _, cs := range confs {
		ng := cs.Get("NodeGroupId")
		if ng == "" {
			return "", nil, errf(CodeMissingParameter, "The request must contain the parameter ReplicaConfiguration.ConfigureShard.N.NodeGroupId")
		}
		if _, ok := current[ng]; !ok {
			return "", nil, errf(CodeInvalidParameterValue, "Node group %s does not exist in replication group %s", ng, id)
		}
		n, err := cs.integer("NewReplicaCount")
		if err != nil {
			return "", nil, err
		}
		if n == nil {
			return "", nil, errf(CodeMissingParameter, "The request must contain the parameter ReplicaConfiguration.ConfigureShard.N.NewReplicaCount")
		}
		want[ng] = *n
	}
	for ng, r := range want {
		if r < 0 || r > 5 {
			return "", nil, errf(CodeInvalidParameterValue, "The new replica count %d of node group %s is not between 0 and 5", r, ng)
		}
		if increase && r < current[ng] {
			return "", nil, errf(CodeInvalidParameterValue, "The new replica count %d of node group %s is lower than its current %d: use DecreaseReplicaCount", r, ng, current[ng])
		}
		if !increase && r > current[ng] {
			return "", nil, errf(CodeInvalidParameterValue, "The new replica count %d of node group %s is higher than its current %d: use IncreaseReplicaCount", r, ng, current[ng])
		}
	}
	return id, want, nil
}

func (s *Service) changeReplicas(ctx context.Context, c *call, p params, increase bool) (any, error) {
	id, want, err := s.replicaTargets(c, p, increase)
	if err != nil {
		return nil, err
	}
	g, err := s.opts.Backend.SetReplicas(ctx, id, want)
	if err != nil {
		return nil, backendError(err, id)
	}
	return &replicationGroupResult{ReplicationGroup: c.toXMLGroup(g)}, nil
}

// increaseReplicaCount adds replicas online, to every node group (NewReplicaCount) or to the
// ones named (ReplicaConfiguration); the group is "modifying" until every new replica is in
// sync with its primary.
func (s *Service) increaseReplicaCount(ctx context.Context, c *call, p params) (any, error) {
	return s.changeReplicas(ctx, c, p, true)
}

// decreaseReplicaCount removes replicas online (never a primary).
func (s *Service) decreaseReplicaCount(ctx context.Context, c *call, p params) (any, error) {
	return s.changeReplicas(ctx, c, p, false)
}
