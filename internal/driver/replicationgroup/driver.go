// Package replicationgroup is the driver of the elasticache namespace when real Redis
// replication groups run on this machine: a target replication-group/NAME scales its shards
// (elasticache:replication-group:NodeGroups) by online resharding and its replicas per shard
// (elasticache:replication-group:Replicas) by adding or removing replicas in every shard,
// through the same operations the ElastiCache API serves. Other elasticache resources
// (Memcached cache clusters) go to a fallback driver.
package replicationgroup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// Dimensions of a replication group.
const (
	DimNodeGroups = "elasticache:replication-group:NodeGroups"
	DimReplicas   = "elasticache:replication-group:Replicas"
)

// Limits of a replication group (ElastiCache's engine limits).
const (
	MaxShards   = 500
	MaxReplicas = 5
)

// Groups is what the driver needs of the replication groups (redisgroup.Manager).
type Groups interface {
	Get(id string) (redisgroup.Group, error)
	ModifyShards(ctx context.Context, id string, count int, remove, retain []string) (redisgroup.Group, error)
	SetReplicas(ctx context.Context, id string, perShard map[string]int) (redisgroup.Group, error)
}

// Driver scales replication groups.
type Driver struct {
	groups   Groups
	fallback driver.Driver

	mu sync.Mutex
	// asked is the capacity the driver last asked of a target's group, until the group
	// reaches it or fails: a group that ends its operation elsewhere reports Failed.
	asked map[string]int32
}

// New returns a driver over groups; fallback serves the resources that are not replication
// groups.
func New(groups Groups, fallback driver.Driver) *Driver {
	return &Driver{groups: groups, fallback: fallback, asked: map[string]int32{}}
}

// Name implements driver.Driver.
func (d *Driver) Name() string { return "redis" }

func isGroup(t *autoscaling.ScalableTarget) bool {
	return strings.HasPrefix(t.ResourceID, "replication-group/")
}

func groupID(t *autoscaling.ScalableTarget) string {
	return strings.ToLower(strings.TrimPrefix(t.ResourceID, "replication-group/"))
}

func askedKey(t *autoscaling.ScalableTarget) string {
	return t.Account + "/" + t.Region + "/" + t.ResourceID + "/" + t.Dimension
}

// get reads the target's group, checking it can be scaled on the target's dimension.
func (d *Driver) get(t *autoscaling.ScalableTarget) (redisgroup.Group, error) {
	g, err := d.groups.Get(groupID(t))
	if err == nil && g.Account != "" && (g.Account != t.Account || g.Region != t.Region) {
		err = redisgroup.ErrNotFound // another account's group does not exist for this one
	}
	if errors.Is(err, redisgroup.ErrNotFound) {
		return g, fmt.Errorf("replication group %s does not exist: %w", groupID(t), driver.ErrNotFound)
	} else if err != nil {
		return g, fmt.Errorf("read replication group %s: %w", groupID(t), err)
	}
	if !g.ClusterMode {
		return g, fmt.Errorf("replication group %s has cluster mode disabled; Application Auto Scaling scales only groups with cluster mode enabled: %w", g.ID, driver.ErrUnscalable)
	}
	if t.Dimension != DimNodeGroups && t.Dimension != DimReplicas {
		return g, fmt.Errorf("dimension %s does not apply to a replication group: %w", t.Dimension, driver.ErrUnscalable)
	}
	return g, nil
}

// Attach checks that the group exists and runs in cluster mode.
func (d *Driver) Attach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	if !isGroup(t) {
		return d.fallback.Attach(ctx, t)
	}
	_, err := d.get(t)
	return err
}

// Detach leaves the group as it is.
func (d *Driver) Detach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	if !isGroup(t) {
		return d.fallback.Detach(ctx, t)
	}
	d.mu.Lock()
	delete(d.asked, askedKey(t))
	d.mu.Unlock()
	return nil
}

// shape is a group's capacity on each dimension: its shard count and its smallest replica
// count per shard.
func shape(g redisgroup.Group) (shards, replicas int32) {
	replicas = -1
	for _, ng := range g.NodeGroups {
		var r int32
		for _, m := range ng.Members {
			if m.Role == redisgroup.RoleReplica {
				r++
			}
		}
		if replicas < 0 || r < replicas {
			replicas = r
		}
	}
	if replicas < 0 {
		replicas = 0
	}
	return int32(len(g.NodeGroups)), replicas
}

// Capacity reports the group's capacity on the target's dimension: Scaling while the group is
// not available, Failed when the change the driver asked for ended without reaching it.
func (d *Driver) Capacity(ctx context.Context, t *autoscaling.ScalableTarget) (driver.Capacity, error) {
	if !isGroup(t) {
		return d.fallback.Capacity(ctx, t)
	}
	g, err := d.get(t)
	if err != nil {
		return driver.Capacity{}, err
	}
	shards, replicas := shape(g)
	actual := shards
	if t.Dimension == DimReplicas {
		actual = replicas
	}
	c := driver.Capacity{Desired: actual, Actual: actual, Status: driver.StatusReady}
	key := askedKey(t)
	d.mu.Lock()
	defer d.mu.Unlock()
	asked, pending := d.asked[key]
	if g.Status != redisgroup.StatusAvailable {
		c.Status = driver.StatusScaling
		if op := g.Operation; op != nil {
			switch {
			case t.Dimension == DimNodeGroups && op.Kind == "reshard":
				c.Desired = int32(op.TargetShards)
				// Shards being added or drained are not capacity yet (or any more).
				c.Actual = min(shards, int32(op.TargetShards))
				if op.TargetShards < int(shards) {
					c.Actual = shards
				}
				c.Message = fmt.Sprintf("resharding: %.0f%% of the slots moved", op.ProgressPercent)
			case t.Dimension == DimReplicas && op.Kind == "replicas":
				c.Desired = int32(op.TargetReplicas)
			}
		}
		if pending {
			c.Desired = asked
		}
		return c, nil
	}
	if pending {
		delete(d.asked, key)
		if actual != asked {
			c.Desired = asked
			c.Status = driver.StatusFailed
			c.Message = g.LastError
			if c.Message == "" {
				c.Message = fmt.Sprintf("the group ended its change at %d", actual)
			}
		}
	}
	return c, nil
}

// SetDesired starts an online change of the group toward n shards or n replicas per shard.
func (d *Driver) SetDesired(ctx context.Context, t *autoscaling.ScalableTarget, n int32) error {
	if !isGroup(t) {
		return d.fallback.SetDesired(ctx, t, n)
	}
	g, err := d.get(t)
	if err != nil {
		return err
	}
	shards, replicas := shape(g)
	switch t.Dimension {
	case DimNodeGroups:
		if n < 1 || n > MaxShards {
			return fmt.Errorf("set %s to %d shards (1..%d): %w", g.ID, n, MaxShards, driver.ErrInvalidCapacity)
		}
		if n == shards && g.Status == redisgroup.StatusAvailable {
			return nil
		}
		_, err = d.groups.ModifyShards(ctx, g.ID, int(n), nil, nil)
	case DimReplicas:
		if n < 0 || n > MaxReplicas {
			return fmt.Errorf("set %s to %d replicas per shard (0..%d): %w", g.ID, n, MaxReplicas, driver.ErrInvalidCapacity)
		}
		per := map[string]int{}
		for _, ng := range g.NodeGroups {
			per[ng.ID] = int(n)
		}
		if n == replicas && uniform(g) && g.Status == redisgroup.StatusAvailable {
			return nil
		}
		_, err = d.groups.SetReplicas(ctx, g.ID, per)
	}
	switch {
	case err == nil, errors.Is(err, redisgroup.ErrNoOp):
	case errors.Is(err, redisgroup.ErrBusy), errors.Is(err, redisgroup.ErrCapacity):
		return fmt.Errorf("%v: %w", err, driver.ErrUnscalable)
	case errors.Is(err, redisgroup.ErrInvalid):
		return fmt.Errorf("%v: %w", err, driver.ErrInvalidCapacity)
	case errors.Is(err, redisgroup.ErrNotFound):
		return fmt.Errorf("%v: %w", err, driver.ErrNotFound)
	default:
		return fmt.Errorf("scale replication group %s: %w", g.ID, err)
	}
	d.mu.Lock()
	d.asked[askedKey(t)] = n
	d.mu.Unlock()
	return nil
}

// uniform reports whether every shard has the same number of replicas.
func uniform(g redisgroup.Group) bool {
	first := -1
	for _, ng := range g.NodeGroups {
		r := 0
		for _, m := range ng.Members {
			if m.Role == redisgroup.RoleReplica {
				r++
			}
		}
		if first >= 0 && r != first {
			return false
		}
		first = r
	}
	return true
}
