package redisgroup

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// Test 1: create 3 shards x 1 replica, check the shape and the cluster, delete.
func TestCreateGetDelete(t *testing.T) {
	requireRedis(t)
	m := openManager(t, t.TempDir(), Options{})
	g := createGroup(t, m, Spec{ID: "MyGroup", ClusterMode: true, Shards: 3, Replicas: 1, MaxMemory: 64 << 20})
	if g.ID != "mygroup" {
		t.Fatalf("id %q, want it lower-cased", g.ID)
	}
	g = checkInvariants(t, m, "mygroup", 3, 1)
	wantSlots := []string{"0-5460", "5461-10922", "10923-16383"}
	for i, ng := range g.NodeGroups {
		if want := "000" + strconv.Itoa(i+1); ng.ID != want {
			t.Errorf("node group %d id %q, want %q", i, ng.ID, want)
		}
		if ng.Slots != wantSlots[i] {
			t.Errorf("node group %s slots %q, want %q", ng.ID, ng.Slots, wantSlots[i])
		}
		for k, n := range ng.Members {
			if want := "mygroup-" + ng.ID + "-00" + strconv.Itoa(k+1); n.CacheClusterID != want {
				t.Errorf("member %q, want %q", n.CacheClusterID, want)
			}
			if n.PID <= 0 || n.Port <= 0 || len(n.RedisID) != 40 {
				t.Errorf("member %+v lacks pid, port or redis id", n)
			}
		}
	}
	if g.ConfigEndpointPort == 0 {
		t.Error("no config endpoint")
	}
	if l := m.List(); len(l) != 1 || l[0].ID != "mygroup" {
		t.Errorf("List = %+v", l)
	}
	st, err := m.Stats(context.Background(), "mygroup")
	if err != nil || len(st) != 6 {
		t.Fatalf("Stats: %d, %v", len(st), err)
	}
	for _, s := range st {
		if s.ProcessID <= 0 || s.MaxMemory != 64<<20 || s.UsedMemory <= 0 || s.Role == "" || s.NodeGroupID == "" || s.At.IsZero() {
			t.Errorf("stats %+v", s)
		}
	}
	deleteGroup(t, m, "mygroup")
	_ = time.Second
}
