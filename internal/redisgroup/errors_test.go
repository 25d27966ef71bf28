package redisgroup

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Test 4: every error sentinel, from validation to the live checks.
func TestErrors(t *testing.T) {
	requireRedis(t)
	ctx := context.Background()
	m := openManager(t, t.TempDir(), Options{})

	// A cluster group with tiny nodes (for ErrCapacity), and a cluster-mode-disabled group.
	small := createGroup(t, m, Spec{ID: "small", ClusterMode: true, Shards: 2, Replicas: 0, MaxMemory: 4 << 20})
	cc := clusterClient(small)
	defer cc.Close()
	loadKeys(t, cc, 15000)
	createGroup(t, m, Spec{ID: "plain", ClusterMode: false, Replicas: 1, MaxMemory: 32 << 20})

	tests := []struct {
		name string
		do   func() error
		want error
		text string // part of the message
	}{
		{"get unknown", func() error { _, err := m.Get("nope"); return err }, ErrNotFound, "Replication group nope not found"},
		{"delete unknown", func() error { _, err := m.Delete(ctx, "nope"); return err }, ErrNotFound, ""},
		{"wait unknown", func() error { _, err := m.Wait(ctx, "nope"); return err }, ErrNotFound, ""},
		{"stats unknown", func() error { _, err := m.Stats(ctx, "nope"); return err }, ErrNotFound, ""},
		{"reshard unknown", func() error { _, err := m.ModifyShards(ctx, "nope", 2, nil, nil); return err }, ErrNotFound, ""},
		{"replicas unknown", func() error { _, err := m.SetReplicas(ctx, "nope", map[string]int{"0001": 1}); return err }, ErrNotFound, ""},

		{"exists", func() error { _, err := m.Create(ctx, Spec{ID: "SMALL", ClusterMode: true, Shards: 1}); return err }, ErrExists, "already exists"},

		{"id empty", createErr(m, Spec{ID: ""}), ErrInvalid, "must be provided"},
		{"id digit first", createErr(m, Spec{ID: "1abc"}), ErrInvalid, "begin with a letter"},
		{"id double hyphen", createErr(m, Spec{ID: "a--b"}), ErrInvalid, "consecutive hyphens"},
		{"id trailing hyphen", createErr(m, Spec{ID: "ab-"}), ErrInvalid, "end with a hyphen"},
		{"id underscore", createErr(m, Spec{ID: "a_b"}), ErrInvalid, "letters, digits and hyphens"},
		{"id too long", createErr(m, Spec{ID: "a" + strings.Repeat("b", 40)}), ErrInvalid, "at most 40"},
		{"shards 501", createErr(m, Spec{ID: "x", ClusterMode: true, Shards: 501}), ErrInvalid, "NumNodeGroups"},
		{"replicas 6", createErr(m, Spec{ID: "x", ClusterMode: true, Shards: 1, Replicas: 6}), ErrInvalid, "ReplicasPerNodeGroup"},
		{"too many nodes", createErr(m, Spec{ID: "x", ClusterMode: true, Shards: 300, Replicas: 1}), ErrInvalid, "at most 500"},
		{"shards without cluster mode", createErr(m, Spec{ID: "x", Shards: 2}), ErrInvalid, "cluster mode is disabled"},
		{"slots overlap", createErr(m, Spec{ID: "x", ClusterMode: true, Shards: 2, Slots: []string{"0-9000", "9000-16383"}}), ErrInvalid, "exactly once"},
		{"slots gap", createErr(m, Spec{ID: "x", ClusterMode: true, Shards: 2, Slots: []string{"0-8000", "8002-16383"}}), ErrInvalid, "exactly once"},
		{"slots count", createErr(m, Spec{ID: "x", ClusterMode: true, Shards: 2, Slots: []string{"0-16383"}}), ErrInvalid, "slot ranges given"},

		{"reshard same count", reshardErr(m, "small", 2, nil, nil), ErrInvalid, "current number"},
		{"reshard zero", reshardErr(m, "small", 0, nil, nil), ErrInvalid, "between 1 and 500"},
		{"reshard 501", reshardErr(m, "small", 501, nil, nil), ErrInvalid, "between 1 and 500"},
		{"scale-out with remove", reshardErr(m, "small", 3, []string{"0001"}, nil), ErrInvalid, "only allowed when reducing"},
		{"remove and retain", reshardErr(m, "small", 1, []string{"0001"}, []string{"0002"}), ErrInvalid, "not both"},
		{"remove unknown", reshardErr(m, "small", 1, []string{"0009"}, nil), ErrInvalid, "does not exist"},
		{"remove too many", reshardErr(m, "small", 1, []string{"0001", "0002"}, nil), ErrInvalid, "removes 1"},
		{"retain wrong count", reshardErr(m, "small", 1, nil, []string{"0001", "0002"}), ErrInvalid, "NodeGroupCount is 1"},
		{"retain unknown", reshardErr(m, "small", 1, nil, []string{"0007"}), ErrInvalid, "does not exist"},
		{"reshard cluster mode disabled", reshardErr(m, "plain", 2, nil, nil), ErrInvalid, "cluster mode disabled"},
		{"replicas unknown node group", replicasErr(m, "small", map[string]int{"0005": 1}), ErrInvalid, "does not exist"},
		{"replicas 6", replicasErr(m, "small", map[string]int{"0001": 6}), ErrInvalid, "between 0 and 5"},
		{"replicas none given", replicasErr(m, "small", map[string]int{}), ErrInvalid, "No node group"},

		{"replicas unchanged", replicasErr(m, "small", map[string]int{"0001": 0, "0002": 0}), ErrNoOp, "already has"},

		{"capacity", reshardErr(m, "small", 1, nil, nil), ErrCapacity, "1.5 x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %q does not say %q", err, tc.text)
			}
		})
	}

	// ErrBusy: one operation at a time.
	if _, err := m.SetReplicas(ctx, "small", map[string]int{"0002": 1}); err != nil {
		t.Fatalf("SetReplicas on small: %v", err)
	}
	for name, f := range map[string]func() error{
		"reshard":  reshardErr(m, "small", 3, nil, nil),
		"replicas": replicasErr(m, "small", map[string]int{"0001": 1}),
		"delete":   func() error { _, err := m.Delete(ctx, "small"); return err },
	} {
		if err := f(); !errors.Is(err, ErrBusy) {
			t.Errorf("%s while modifying: %v, want ErrBusy", name, err)
		}
	}
	waitGroup(t, m, "small", time.Minute)

	// Cluster mode disabled: replicas change with REPLICAOF, shards cannot.
	if _, err := m.SetReplicas(ctx, "plain", map[string]int{"0001": 2}); err != nil {
		t.Fatalf("SetReplicas on plain: %v", err)
	}
	waitGroup(t, m, "plain", time.Minute)
	checkPlain(t, m, 2)
	if _, err := m.SetReplicas(ctx, "plain", map[string]int{"0001": 0}); err != nil {
		t.Fatalf("SetReplicas on plain: %v", err)
	}
	waitGroup(t, m, "plain", time.Minute)
	checkPlain(t, m, 0)

	if g, _ := m.Get("small"); len(g.NodeGroups) != 2 || len(g.NodeGroups[1].Members) != 2 || len(g.NodeGroups[0].Members) != 1 {
		t.Errorf("small after adding a replica to 0002: %+v", g.NodeGroups)
	}

	// Delete while creating is refused too.
	if _, err := m.Create(ctx, Spec{ID: "young", ClusterMode: true, Shards: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Delete(ctx, "young"); !errors.Is(err, ErrBusy) {
		t.Errorf("Delete while creating: %v, want ErrBusy", err)
	}
	waitGroup(t, m, "young", time.Minute)
	for _, id := range []string{"young", "plain", "small"} {
		deleteGroup(t, m, id)
	}
}

// TestCustomSlotsAndPort: Spec.Slots and Spec.Port are honoured.
func TestCustomSlotsAndPort(t *testing.T) {
	requireRedis(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	m := openManager(t, t.TempDir(), Options{})
	g := createGroup(t, m, Spec{ID: "custom", ClusterMode: true, Shards: 2, Port: port,
		Slots: []string{"0-99,200-16383", "100-199"}})
	if g.NodeGroups[0].Slots != "0-99,200-16383" || g.NodeGroups[1].Slots != "100-199" {
		t.Errorf("slots %q %q", g.NodeGroups[0].Slots, g.NodeGroups[1].Slots)
	}
	if g.NodeGroups[0].Members[0].Port != port || g.ConfigEndpointPort != port {
		t.Errorf("first node on port %d, want %d", g.NodeGroups[0].Members[0].Port, port)
	}
	checkInvariants(t, m, "custom", 2, 0)
	deleteGroup(t, m, "custom")
}

func checkPlain(t *testing.T, m *Manager, replicas int) {
	t.Helper()
	g, err := m.Get("plain")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkShape(g, 1, replicas); err != nil {
		t.Fatalf("plain: %v", err)
	}
	st, err := m.Stats(context.Background(), "plain")
	if err != nil || len(st) != 1+replicas {
		t.Fatalf("Stats: %d nodes, %v", len(st), err)
	}
	for _, s := range st {
		if s.Role == RoleReplica && s.ReplicationLag < 0 {
			t.Errorf("lag %d", s.ReplicationLag)
		}
	}
}

func createErr(m *Manager, s Spec) func() error {
	return func() error { _, err := m.Create(context.Background(), s); return err }
}

func reshardErr(m *Manager, id string, n int, remove, retain []string) func() error {
	return func() error { _, err := m.ModifyShards(context.Background(), id, n, remove, retain); return err }
}

func replicasErr(m *Manager, id string, per map[string]int) func() error {
	return func() error { _, err := m.SetReplicas(context.Background(), id, per); return err }
}
