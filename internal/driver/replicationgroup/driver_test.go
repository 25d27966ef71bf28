package replicationgroup

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// fakeGroups is a replication group whose operations finish when the test says so; the real
// groups are driven end to end in redisgroup's and the server's tests.
type fakeGroups struct {
	g     redisgroup.Group
	err   error
	calls []string
}

func (f *fakeGroups) Get(id string) (redisgroup.Group, error) {
	if id != f.g.ID {
		return redisgroup.Group{}, redisgroup.ErrNotFound
	}
	return f.g, nil
}

func (f *fakeGroups) ModifyShards(_ context.Context, id string, count int, remove, retain []string) (redisgroup.Group, error) {
	f.calls = append(f.calls, fmt.Sprintf("shards %s %d", id, count))
	if f.err != nil {
		return f.g, f.err
	}
	f.g.Status = redisgroup.StatusModifying
	f.g.Operation = &redisgroup.Operation{Kind: "reshard", TargetShards: count}
	return f.g, nil
}

func (f *fakeGroups) SetReplicas(_ context.Context, id string, per map[string]int) (redisgroup.Group, error) {
	f.calls = append(f.calls, fmt.Sprintf("replicas %s %v", id, per))
	if f.err != nil {
		return f.g, f.err
	}
	f.g.Status = redisgroup.StatusModifying
	f.g.Operation = &redisgroup.Operation{Kind: "replicas", TargetReplicas: per["0001"]}
	return f.g, nil
}

func group(shards, replicas int) redisgroup.Group {
	g := redisgroup.Group{Spec: redisgroup.Spec{ID: "rg", ClusterMode: true, Account: "123456789012", Region: "us-east-1"}, Status: redisgroup.StatusAvailable}
	for i := range shards {
		ng := redisgroup.NodeGroup{ID: fmt.Sprintf("%04d", i+1)}
		ng.Members = append(ng.Members, redisgroup.Node{Role: redisgroup.RolePrimary})
		for range replicas {
			ng.Members = append(ng.Members, redisgroup.Node{Role: redisgroup.RoleReplica})
		}
		g.NodeGroups = append(g.NodeGroups, ng)
	}
	return g
}

func target(dim string) *autoscaling.ScalableTarget {
	t := &autoscaling.ScalableTarget{TargetKey: autoscaling.TargetKey{Namespace: "elasticache", ResourceID: "replication-group/RG", Dimension: dim}}
	t.Account, t.Region = "123456789012", "us-east-1"
	return t
}

func TestShardChangeIsScalingUntilTheGroupIsAvailable(t *testing.T) {
	ctx := context.Background()
	f := &fakeGroups{g: group(3, 1)}
	d := New(f, nil)
	tg := target(DimNodeGroups)
	if err := d.Attach(ctx, tg); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.Capacity(ctx, tg); c != (driver.Capacity{Desired: 3, Actual: 3, Status: driver.StatusReady}) {
		t.Fatalf("settled capacity %+v", c)
	}
	if err := d.SetDesired(ctx, tg, 4); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.Capacity(ctx, tg); c.Status != driver.StatusScaling || c.Desired != 4 {
		t.Fatalf("during the reshard %+v", c)
	}
	// The manager finishes: four shards, available.
	f.g = group(4, 1)
	if c, _ := d.Capacity(ctx, tg); c != (driver.Capacity{Desired: 4, Actual: 4, Status: driver.StatusReady}) {
		t.Fatalf("after the reshard %+v", c)
	}
	// A reshard that ends elsewhere (refused for memory mid-way, say) fails the activity.
	if err := d.SetDesired(ctx, tg, 2); err != nil {
		t.Fatal(err)
	}
	f.g = group(4, 1)
	f.g.LastError = "the kept shards cannot hold the data"
	c, _ := d.Capacity(ctx, tg)
	if c.Status != driver.StatusFailed || c.Desired != 2 || c.Message != f.g.LastError {
		t.Fatalf("failed reshard %+v", c)
	}
	if c, _ := d.Capacity(ctx, tg); c.Status != driver.StatusReady {
		t.Fatalf("the failure is reported once, then %+v", c)
	}
	if got := f.calls; len(got) != 2 || got[0] != "shards rg 4" || got[1] != "shards rg 2" {
		t.Fatalf("calls %v", got)
	}
}

func TestReplicasChangeEveryShard(t *testing.T) {
	ctx := context.Background()
	f := &fakeGroups{g: group(3, 1)}
	d := New(f, nil)
	tg := target(DimReplicas)
	if c, _ := d.Capacity(ctx, tg); c.Actual != 1 {
		t.Fatalf("replicas %+v", c)
	}
	if err := d.SetDesired(ctx, tg, 2); err != nil {
		t.Fatal(err)
	}
	if f.calls[0] != "replicas rg map[0001:2 0002:2 0003:2]" {
		t.Fatalf("calls %v", f.calls)
	}
	if c, _ := d.Capacity(ctx, tg); c.Status != driver.StatusScaling || c.Desired != 2 {
		t.Fatalf("during %+v", c)
	}
	// Setting the capacity the group already has does nothing.
	f.g = group(3, 2)
	if err := d.SetDesired(ctx, tg, 2); err != nil || len(f.calls) != 1 {
		t.Fatalf("no-op set: %v, calls %v", err, f.calls)
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	f := &fakeGroups{g: group(2, 0)}
	d := New(f, nil)
	missing := target(DimNodeGroups)
	missing.ResourceID = "replication-group/other"
	if err := d.Attach(ctx, missing); !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("missing group: %v", err)
	}
	foreign := target(DimNodeGroups)
	foreign.Account = "999999999999"
	if err := d.Attach(ctx, foreign); !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("another account's group: %v", err)
	}
	f.g.ClusterMode = false
	if err := d.Attach(ctx, target(DimReplicas)); !errors.Is(err, driver.ErrUnscalable) {
		t.Fatalf("cluster mode disabled: %v", err)
	}
	f.g.ClusterMode = true
	for _, c := range []struct {
		dim string
		n   int32
	}{{DimNodeGroups, 0}, {DimNodeGroups, 501}, {DimReplicas, -1}, {DimReplicas, 6}} {
		if err := d.SetDesired(ctx, target(c.dim), c.n); !errors.Is(err, driver.ErrInvalidCapacity) {
			t.Errorf("%s to %d: %v", c.dim, c.n, err)
		}
	}
	f.err = fmt.Errorf("%w: busy", redisgroup.ErrBusy)
	if err := d.SetDesired(ctx, target(DimNodeGroups), 3); !errors.Is(err, driver.ErrUnscalable) {
		t.Fatalf("busy group: %v", err)
	}
}
