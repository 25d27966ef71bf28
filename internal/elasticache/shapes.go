package elasticache

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// The XML shapes of the responses, named and ordered as the botocore model names them.

type xmlEndpoint struct {
	Address string `xml:"Address"`
	Port    int    `xml:"Port"`
}

type xmlSlotMigration struct {
	ProgressPercentage float64 `xml:"ProgressPercentage"`
}

type xmlResharding struct {
	SlotMigration xmlSlotMigration `xml:"SlotMigration"`
}

type xmlPending struct {
	Resharding *xmlResharding `xml:"Resharding,omitempty"`
}

type xmlNodeGroupMember struct {
	CacheClusterID            string       `xml:"CacheClusterId"`
	CacheNodeID               string       `xml:"CacheNodeId"`
	ReadEndpoint              *xmlEndpoint `xml:"ReadEndpoint,omitempty"`
	PreferredAvailabilityZone string       `xml:"PreferredAvailabilityZone"`
	CurrentRole               string       `xml:"CurrentRole,omitempty"`
}

type xmlNodeGroup struct {
	NodeGroupID      string               `xml:"NodeGroupId"`
	Status           string               `xml:"Status"`
	PrimaryEndpoint  *xmlEndpoint         `xml:"PrimaryEndpoint,omitempty"`
	ReaderEndpoint   *xmlEndpoint         `xml:"ReaderEndpoint,omitempty"`
	Slots            string               `xml:"Slots,omitempty"`
	NodeGroupMembers []xmlNodeGroupMember `xml:"NodeGroupMembers>NodeGroupMember"`
}

type xmlReplicationGroup struct {
	ReplicationGroupID         string         `xml:"ReplicationGroupId"`
	Description                string         `xml:"Description"`
	Status                     string         `xml:"Status"`
	PendingModifiedValues      xmlPending     `xml:"PendingModifiedValues"`
	MemberClusters             []string       `xml:"MemberClusters>ClusterId"`
	NodeGroups                 []xmlNodeGroup `xml:"NodeGroups>NodeGroup"`
	AutomaticFailover          string         `xml:"AutomaticFailover"`
	MultiAZ                    string         `xml:"MultiAZ"`
	ConfigurationEndpoint      *xmlEndpoint   `xml:"ConfigurationEndpoint,omitempty"`
	SnapshotRetentionLimit     int            `xml:"SnapshotRetentionLimit"`
	SnapshotWindow             string         `xml:"SnapshotWindow"`
	ClusterEnabled             bool           `xml:"ClusterEnabled"`
	CacheNodeType              string         `xml:"CacheNodeType"`
	AuthTokenEnabled           bool           `xml:"AuthTokenEnabled"`
	TransitEncryptionEnabled   bool           `xml:"TransitEncryptionEnabled"`
	AtRestEncryptionEnabled    bool           `xml:"AtRestEncryptionEnabled"`
	ARN                        string         `xml:"ARN"`
	ReplicationGroupCreateTime string         `xml:"ReplicationGroupCreateTime"`
	DataTiering                string         `xml:"DataTiering"`
	AutoMinorVersionUpgrade    bool           `xml:"AutoMinorVersionUpgrade"`
	NetworkType                string         `xml:"NetworkType"`
	IPDiscovery                string         `xml:"IpDiscovery"`
	ClusterMode                string         `xml:"ClusterMode"`
	Engine                     string         `xml:"Engine"`
}

type xmlCacheNode struct {
	CacheNodeID              string      `xml:"CacheNodeId"`
	CacheNodeStatus          string      `xml:"CacheNodeStatus"`
	CacheNodeCreateTime      string      `xml:"CacheNodeCreateTime"`
	Endpoint                 xmlEndpoint `xml:"Endpoint"`
	ParameterGroupStatus     string      `xml:"ParameterGroupStatus"`
	CustomerAvailabilityZone string      `xml:"CustomerAvailabilityZone"`
}

type xmlParameterGroup struct {
	CacheParameterGroupName string `xml:"CacheParameterGroupName"`
	ParameterApplyStatus    string `xml:"ParameterApplyStatus"`
}

type xmlCacheCluster struct {
	CacheClusterID                     string            `xml:"CacheClusterId"`
	ClientDownloadLandingPage          string            `xml:"ClientDownloadLandingPage"`
	CacheNodeType                      string            `xml:"CacheNodeType"`
	Engine                             string            `xml:"Engine"`
	EngineVersion                      string            `xml:"EngineVersion"`
	CacheClusterStatus                 string            `xml:"CacheClusterStatus"`
	NumCacheNodes                      int               `xml:"NumCacheNodes"`
	PreferredAvailabilityZone          string            `xml:"PreferredAvailabilityZone"`
	CacheClusterCreateTime             string            `xml:"CacheClusterCreateTime"`
	PendingModifiedValues              struct{}          `xml:"PendingModifiedValues"`
	CacheParameterGroup                xmlParameterGroup `xml:"CacheParameterGroup"`
	CacheNodes                         []xmlCacheNode    `xml:"CacheNodes>CacheNode"`
	AutoMinorVersionUpgrade            bool              `xml:"AutoMinorVersionUpgrade"`
	ReplicationGroupID                 string            `xml:"ReplicationGroupId"`
	SnapshotRetentionLimit             int               `xml:"SnapshotRetentionLimit"`
	AuthTokenEnabled                   bool              `xml:"AuthTokenEnabled"`
	TransitEncryptionEnabled           bool              `xml:"TransitEncryptionEnabled"`
	AtRestEncryptionEnabled            bool              `xml:"AtRestEncryptionEnabled"`
	ARN                                string            `xml:"ARN"`
	ReplicationGroupLogDeliveryEnabled bool              `xml:"ReplicationGroupLogDeliveryEnabled"`
	NetworkType                        string            `xml:"NetworkType"`
	IPDiscovery                        string            `xml:"IpDiscovery"`
}

const localhost = "127.0.0.1"

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

// replicationGroupARN is arn:aws:elasticache:REGION:ACCOUNT:replicationgroup:ID.
func (c *call) replicationGroupARN(id string) string {
	return fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", c.region, c.account, id)
}

func (c *call) cacheClusterARN(id string) string {
	return fmt.Sprintf("arn:aws:elasticache:%s:%s:cluster:%s", c.region, c.account, id)
}

// zone is the availability zone a member reports: the region's zones a, b, c in turn.
func (c *call) zone(i int) string { return c.region + string(rune('a'+i%3)) }

// nodeNumber is the CacheNodeId of a member cluster's only node, "0001".
const nodeNumber = "0001"

// toXMLGroup renders a group as DescribeReplicationGroups returns it.
func (c *call) toXMLGroup(g redisgroup.Group) *xmlReplicationGroup {
	x := &xmlReplicationGroup{
		ReplicationGroupID: g.ID, Description: g.Description, Status: string(g.Status),
		AutomaticFailover: enabled(g.ClusterMode || g.Replicas > 0), MultiAZ: "disabled",
		SnapshotWindow: "05:00-06:00", ClusterEnabled: g.ClusterMode, CacheNodeType: g.NodeType,
		ARN: c.replicationGroupARN(g.ID), ReplicationGroupCreateTime: isoTime(g.CreateTime),
		DataTiering: "disabled", AutoMinorVersionUpgrade: true, NetworkType: "ipv4", IPDiscovery: "ipv4",
		ClusterMode: enabled(g.ClusterMode), Engine: "redis",
	}
	if g.Operation != nil && g.Operation.Kind == "reshard" {
		x.PendingModifiedValues.Resharding = &xmlResharding{SlotMigration: xmlSlotMigration{ProgressPercentage: round2(g.Operation.ProgressPercent)}}
	}
	if g.ClusterMode && g.ConfigEndpointPort != 0 {
		x.ConfigurationEndpoint = &xmlEndpoint{Address: localhost, Port: g.ConfigEndpointPort}
	}
	zi := 0
	for _, ng := range g.NodeGroups {
		xg := xmlNodeGroup{NodeGroupID: ng.ID, Status: string(ng.Status)}
		if g.ClusterMode {
			xg.Slots = ng.Slots
		}
		for _, m := range sortedMembers(ng.Members) {
			x.MemberClusters = append(x.MemberClusters, m.CacheClusterID)
			xm := xmlNodeGroupMember{CacheClusterID: m.CacheClusterID, CacheNodeID: nodeNumber, PreferredAvailabilityZone: c.zone(zi)}
			zi++
			if !g.ClusterMode {
				// Cluster mode disabled: members have their own read endpoints and roles, the
				// node group a primary and a reader endpoint.
				xm.ReadEndpoint = &xmlEndpoint{Address: localhost, Port: m.Port}
				xm.CurrentRole = m.Role
				if m.Role == redisgroup.RolePrimary {
					xg.PrimaryEndpoint = &xmlEndpoint{Address: localhost, Port: m.Port}
				} else if xg.ReaderEndpoint == nil {
					xg.ReaderEndpoint = &xmlEndpoint{Address: localhost, Port: m.Port}
				}
			}
			xg.NodeGroupMembers = append(xg.NodeGroupMembers, xm)
		}
		if !g.ClusterMode && xg.ReaderEndpoint == nil {
			xg.ReaderEndpoint = xg.PrimaryEndpoint
		}
		x.NodeGroups = append(x.NodeGroups, xg)
	}
	sort.Strings(x.MemberClusters)
	return x
}

func sortedMembers(ms []redisgroup.Node) []redisgroup.Node {
	out := append([]redisgroup.Node(nil), ms...)
	sort.Slice(out, func(i, j int) bool { return out[i].CacheClusterID < out[j].CacheClusterID })
	return out
}

func round2(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	return v
}

// toXMLCacheClusters renders the members of a group as DescribeCacheClusters returns them.
func (c *call) toXMLCacheClusters(g redisgroup.Group, engineVersion string, showNodes bool) []*xmlCacheCluster {
	var out []*xmlCacheCluster
	pg := "default.redis7"
	if g.ClusterMode {
		pg += ".cluster.on"
	}
	ver := g.EngineVersion
	if ver == "" {
		ver = engineVersion
	}
	zi := 0
	for _, ng := range g.NodeGroups {
		for _, m := range sortedMembers(ng.Members) {
			status := string(m.Status)
			if status == "" {
				status = string(redisgroup.StatusAvailable)
			}
			cc := &xmlCacheCluster{
				CacheClusterID: m.CacheClusterID, ClientDownloadLandingPage: "https://console.aws.amazon.com/elasticache/home#client-download:",
				CacheNodeType: g.NodeType, Engine: "redis", EngineVersion: ver, CacheClusterStatus: status,
				NumCacheNodes: 1, PreferredAvailabilityZone: c.zone(zi), CacheClusterCreateTime: isoTime(m.CreateTime),
				CacheParameterGroup:     xmlParameterGroup{CacheParameterGroupName: pg, ParameterApplyStatus: "in-sync"},
				AutoMinorVersionUpgrade: true, ReplicationGroupID: g.ID, ARN: c.cacheClusterARN(m.CacheClusterID),
				NetworkType: "ipv4", IPDiscovery: "ipv4",
			}
			if showNodes {
				cc.CacheNodes = []xmlCacheNode{{CacheNodeID: nodeNumber, CacheNodeStatus: status,
					CacheNodeCreateTime: isoTime(m.CreateTime), Endpoint: xmlEndpoint{Address: localhost, Port: m.Port},
					ParameterGroupStatus: "in-sync", CustomerAvailabilityZone: c.zone(zi)}}
			}
			zi++
			out = append(out, cc)
		}
	}
	return out
}
