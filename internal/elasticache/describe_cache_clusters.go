package elasticache

import (
	"context"
	"encoding/xml"
	"strings"
)

type describeCacheClustersResult struct {
	XMLName       xml.Name           `xml:"DescribeCacheClustersResult"`
	Marker        string             `xml:"Marker,omitempty"`
	CacheClusters []*xmlCacheCluster `xml:"CacheClusters>CacheCluster"`
}

// describeCacheClusters describes the member clusters (one node each) of every group, or one
// of them; with ShowCacheNodeInfo each carries its node's 127.0.0.1 endpoint.
func (s *Service) describeCacheClusters(ctx context.Context, c *call, p params) (any, error) {
	limit, err := pageSize(p)
	if err != nil {
		return nil, err
	}
	show, err := p.boolean("ShowCacheNodeInfo")
	if err != nil {
		return nil, err
	}
	notInRG, err := p.boolean("ShowCacheClustersNotInReplicationGroups")
	if err != nil {
		return nil, err
	}
	want := strings.ToLower(p.Get("CacheClusterId"))
	out := &describeCacheClustersResult{}
	if notInRG != nil && *notInRG && want == "" {
		// Every cache cluster here is a member of a replication group.
		return out, nil
	}
	marker := p.Get("Marker")
	found := false
	for _, g := range s.opts.Backend.List() {
		if !c.visible(g) {
			continue
		}
		for _, cc := range c.toXMLCacheClusters(g, s.opts.EngineVersion, show != nil && *show) {
			if want != "" && cc.CacheClusterID != want {
				continue
			}
			found = true
			if marker != "" && cc.CacheClusterID <= marker {
				continue
			}
			if len(out.CacheClusters) == limit {
				out.Marker = out.CacheClusters[limit-1].CacheClusterID
				return out, nil
			}
			out.CacheClusters = append(out.CacheClusters, cc)
		}
	}
	if want != "" && !found {
		return nil, errf(CodeCacheClusterNotFound, "CacheCluster not found: %s", p.Get("CacheClusterId"))
	}
	return out, nil
}
