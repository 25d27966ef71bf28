package elasticache

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// FuzzQueryRequest sends arbitrary form bodies to every operation: no input may panic or
// answer anything but a result or a client fault (never an internal error).
func FuzzQueryRequest(f *testing.F) {
	for _, seed := range []string{
		"Action=CreateReplicationGroup&Version=2015-02-02&ReplicationGroupId=a&ReplicationGroupDescription=d&NumNodeGroups=2&ReplicasPerNodeGroup=1",
		"Action=CreateReplicationGroup&ReplicationGroupId=a&ReplicationGroupDescription=d&NodeGroupConfiguration.NodeGroupConfiguration.1.Slots=0-100&NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaCount=9",
		"Action=DescribeReplicationGroups&MaxRecords=20&Marker=zz",
		"Action=DescribeCacheClusters&ShowCacheNodeInfo=true&CacheClusterId=a-0001-001",
		"Action=ModifyReplicationGroupShardConfiguration&ReplicationGroupId=a&NodeGroupCount=1&ApplyImmediately=true&NodeGroupsToRemove.NodeGroupToRemove.1=0002",
		"Action=IncreaseReplicaCount&ReplicationGroupId=a&ApplyImmediately=true&ReplicaConfiguration.ConfigureShard.1.NodeGroupId=0001&ReplicaConfiguration.ConfigureShard.1.NewReplicaCount=3",
		"Action=DecreaseReplicaCount&ReplicationGroupId=a&ApplyImmediately=true&NewReplicaCount=0",
		"Action=DeleteReplicationGroup&ReplicationGroupId=a",
		"Action=Nope", "%zz", "",
	} {
		f.Add(seed)
	}
	fb := &fakeBackend{groups: map[string]redisgroup.Group{}}
	svc := New(Options{Backend: fb})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("body %q answered %d: %s", body, w.Code, w.Body.String())
		}
		if !strings.HasPrefix(w.Body.String(), "<") {
			t.Fatalf("body %q answered a non-XML body %q", body, w.Body.String())
		}
	})
}
