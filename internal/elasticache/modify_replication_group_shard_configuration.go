package elasticache

import (
	"context"
	"encoding/xml"
	"strings"
)

type replicationGroupResult struct {
	XMLName          xml.Name
	ReplicationGroup *xmlReplicationGroup
}

// applyImmediately checks ApplyImmediately, which these operations require to be true.
func applyImmediately(p params) error {
	b, err := p.boolean("ApplyImmediately")
	if err != nil {
		return err
	}
	if b == nil {
		return errf(CodeMissingParameter, "The request must contain the parameter ApplyImmediately")
	}
	if !*b {
		return errf(CodeInvalidParameterValue, "ApplyImmediately must be true: online changes are applied immediately")
	}
	return nil
}

// modifyReplicationGroupShardConfiguration reshards a cluster-mode group online to
// NodeGroupCount shards. Scaling in removes NodeGroupsToRemove, keeps NodeGroupsToRetain, or,
// when neither is given, removes the highest-numbered shards (AWS requires one of the two; we
// choose for the caller).
func (s *Service) modifyReplicationGroupShardConfiguration(ctx context.Context, c *call, p params) (any, error) {
	id, err := p.required("ReplicationGroupId")
	if err != nil {
		return nil, err
	}
	count, err := p.integer("NodeGroupCount")
	if err != nil {
		return nil, err
	}
	if count == nil {
		return nil, errf(CodeMissingParameter, "The request must contain the parameter NodeGroupCount")
	}
	if err := applyImmediately(p); err != nil {
		return nil, err
	}
	remove := p.List("NodeGroupsToRemove", "NodeGroupToRemove")
	retain := p.List("NodeGroupsToRetain", "NodeGroupToRetain")
	if len(remove) > 0 && len(retain) > 0 {
		return nil, errf(CodeInvalidParameterCombination, "Only one of NodeGroupsToRemove and NodeGroupsToRetain may be given")
	}
	if *count < 1 || *count > 500 {
		return nil, errf(CodeInvalidParameterValue, "NodeGroupCount must be between 1 and 500")
	}
	id = strings.ToLower(id)
	if _, err := s.get(c, id); err != nil {
		return nil, err
	}
	g, err := s.opts.Backend.ModifyShards(ctx, id, *count, remove, retain)
	if err != nil {
		return nil, backendError(err, id)
	}
	return &replicationGroupResult{ReplicationGroup: c.toXMLGroup(g)}, nil
}
