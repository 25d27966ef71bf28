package elasticache

import (
	"context"
	"encoding/xml"
	"strings"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

type describeReplicationGroupsResult struct {
	XMLName           xml.Name               `xml:"DescribeReplicationGroupsResult"`
	Marker            string                 `xml:"Marker,omitempty"`
	ReplicationGroups []*xmlReplicationGroup `xml:"ReplicationGroups>ReplicationGroup"`
}

// pageSize reads MaxRecords (20..100, default 100).
func pageSize(p params) (int, error) {
	n, err := p.integer("MaxRecords")
	if err != nil {
		return 0, err
	}
	if n == nil {
		return 100, nil
	}
	if *n < 20 || *n > 100 {
		return 0, errf(CodeInvalidParameterValue, "MaxRecords must be between 20 and 100")
	}
	return *n, nil
}

// describeReplicationGroups describes one group or, in pages, all of them.
func (s *Service) describeReplicationGroups(ctx context.Context, c *call, p params) (any, error) {
	limit, err := pageSize(p)
	if err != nil {
		return nil, err
	}
	var groups []redisgroup.Group
	if id := p.Get("ReplicationGroupId"); id != "" {
		g, err := s.get(c, strings.ToLower(id))
		if err != nil {
			return nil, err
		}
		groups = []redisgroup.Group{g}
	} else {
		groups = s.opts.Backend.List()
	}
	out := &describeReplicationGroupsResult{}
	marker := p.Get("Marker")
	for _, g := range groups {
		if !c.visible(g) || (marker != "" && g.ID <= marker) {
			continue
		}
		if len(out.ReplicationGroups) == limit {
			out.Marker = out.ReplicationGroups[limit-1].ReplicationGroupID
			break
		}
		out.ReplicationGroups = append(out.ReplicationGroups, c.toXMLGroup(g))
	}
	return out, nil
}
