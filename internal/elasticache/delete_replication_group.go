package elasticache

import (
	"context"
	"strings"
)

// deleteReplicationGroup stops every node of a group and removes its data; the group answers
// "deleting" until it is gone.
func (s *Service) deleteReplicationGroup(ctx context.Context, c *call, p params) (any, error) {
	id, err := p.required("ReplicationGroupId")
	if err != nil {
		return nil, err
	}
	retain, err := p.boolean("RetainPrimaryCluster")
	if err != nil {
		return nil, err
	}
	if retain != nil && *retain {
		return nil, errf(CodeInvalidParameterValue, "RetainPrimaryCluster is not supported by this server")
	}
	if p.Get("FinalSnapshotIdentifier") != "" {
		return nil, errf(CodeInvalidParameterValue, "FinalSnapshotIdentifier is not supported by this server: it keeps no snapshots")
	}
	id = strings.ToLower(id)
	if _, err := s.get(c, id); err != nil {
		return nil, err
	}
	g, err := s.opts.Backend.Delete(ctx, id)
	if err != nil {
		return nil, backendError(err, id)
	}
	return &replicationGroupResult{ReplicationGroup: c.toXMLGroup(g)}, nil
}
