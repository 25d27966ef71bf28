package elasticache_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/redis/go-redis/v9"
)

// writer writes and reads its own keys from several goroutines through a cluster client
// and remembers the last acknowledged value of each; any error is a failure.
type writer struct {
	c    *redis.ClusterClient
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	last map[string]string
	errs []string
	ops  int
}

func startWriter(c *redis.ClusterClient, workers int) *writer {
	w := &writer{c: c, stop: make(chan struct{}), last: map[string]string{}}
	for g := range workers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-w.stop:
					return
				default:
				}
				key, val := fmt.Sprintf("w%d:%d", g, i%3000), strconv.Itoa(i)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := c.Set(ctx, key, val, 0).Err()
				if err == nil {
					var got string
					got, err = c.Get(ctx, key).Result()
					if err == nil && got != val {
						err = fmt.Errorf("GET %s = %q right after SET %q", key, got, val)
					}
				}
				cancel()
				w.mu.Lock()
				if err != nil {
					w.errs = append(w.errs, err.Error())
				} else {
					w.last[key] = val
					w.ops++
				}
				w.mu.Unlock()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	return w
}

// finish stops the writer and returns its acknowledged values and errors.
func (w *writer) finish() (map[string]string, []string, int) {
	close(w.stop)
	w.wg.Wait()
	return w.last, w.errs, w.ops
}

func (w *writer) errors() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.errs...)
}

func clusterClient(port int32) *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{fmt.Sprintf("127.0.0.1:%d", port)},
		MaxRedirects: 16, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, MaxRetries: 5})
}

// load writes n keys k:0..n-1 with 100-byte values and returns them.
func load(ctx context.Context, t *testing.T, c *redis.ClusterClient, n int) map[string]string {
	t.Helper()
	want := make(map[string]string, n)
	for lo := 0; lo < n; lo += 1000 {
		pipe := c.Pipeline()
		for i := lo; i < min(n, lo+1000); i++ {
			k, v := fmt.Sprintf("k:%d", i), fmt.Sprintf("%-100d", i)
			want[k] = v
			pipe.Set(ctx, k, v, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("load: %v", err)
		}
	}
	return want
}

// verify reads every expected key back and checks the key count over the primaries, the slot
// coverage and that no slot is left open.
func verify(ctx context.Context, t *testing.T, c *redis.ClusterClient, want map[string]string, shards int) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	missing, wrong := 0, 0
	for lo := 0; lo < len(keys); lo += 1000 {
		pipe := c.Pipeline()
		cmds := make([]*redis.StringCmd, 0, 1000)
		for _, k := range keys[lo:min(len(keys), lo+1000)] {
			cmds = append(cmds, pipe.Get(ctx, k))
		}
		_, _ = pipe.Exec(ctx)
		for i, cmd := range cmds {
			v, err := cmd.Result()
			switch {
			case err == redis.Nil:
				missing++
			case err != nil:
				t.Fatalf("read %s: %v", keys[lo+i], err)
			case v != want[keys[lo+i]]:
				wrong++
			}
		}
	}
	if missing != 0 || wrong != 0 {
		t.Fatalf("%d keys missing and %d with a wrong value out of %d", missing, wrong, len(want))
	}
	var mu sync.Mutex
	total, masters := int64(0), 0
	covered := 0
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		nodes, err := m.ClusterNodes(ctx).Result()
		if err != nil {
			return err
		}
		if strings.Contains(nodes, "->-") || strings.Contains(nodes, "-<-") {
			return fmt.Errorf("%s has an open slot:\n%s", m.Options().Addr, nodes)
		}
		mu.Lock()
		total += n
		masters++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]bool{}
	for _, s := range slots {
		covered += int(s.End - s.Start + 1)
		owners[s.Nodes[0].Addr] = true
	}
	if total != int64(len(want)) || covered != 16384 || len(owners) != shards {
		t.Fatalf("primaries hold %d keys (want %d), slots cover %d of 16384, %d primaries own slots (want %d)", total, len(want), covered, len(owners), shards)
	}
}

// nodePorts lists the ports of a group's nodes.
func nodePorts(ctx context.Context, t *testing.T, c *ec.Client, id string) []int32 {
	t.Helper()
	out, err := c.DescribeCacheClusters(ctx, &ec.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var ports []int32
	for _, cc := range out.CacheClusters {
		if aws.ToString(cc.ReplicationGroupId) == id {
			ports = append(ports, aws.ToInt32(cc.CacheNodes[0].Endpoint.Port))
		}
	}
	return ports
}

// waitClosed waits until nothing listens on any of the ports.
func waitClosed(t *testing.T, ports []int32) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range ports {
		for {
			conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), 200*time.Millisecond)
			if err != nil {
				break
			}
			conn.Close()
			if time.Now().After(deadline) {
				t.Fatalf("a redis-server still listens on port %d", p)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func TestReshardSurvivesKillOfAutoscaled(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	dataDir := t.TempDir()
	p := startProc(t, dataDir)
	c := p.client()
	if _, err := c.CreateReplicationGroup(ctx, &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("kill"),
		ReplicationGroupDescription: aws.String("kill -9 mid-reshard"), NumNodeGroups: aws.Int32(2), ReplicasPerNodeGroup: aws.Int32(1),
		CacheNodeType: aws.String("cache.m6g.large")}); err != nil {
		t.Fatal(err)
	}
	g := waitGroup(ctx, t, c, "kill", time.Minute, available(2))
	rc := clusterClient(aws.ToInt32(g.ConfigurationEndpoint.Port))
	defer rc.Close()
	want := load(ctx, t, rc, 60000)
	w := startWriter(rc, 4)

	if _, err := c.ModifyReplicationGroupShardConfiguration(ctx, &ec.ModifyReplicationGroupShardConfigurationInput{ReplicationGroupId: aws.String("kill"),
		NodeGroupCount: aws.Int32(4), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// Kill autoscaled while slots move.
	waitGroup(ctx, t, c, "kill", 2*time.Minute, func(g *types.ReplicationGroup) bool {
		pmv := g.PendingModifiedValues
		if pmv == nil || pmv.Resharding == nil || pmv.Resharding.SlotMigration == nil {
			return false
		}
		pct := aws.ToFloat64(pmv.Resharding.SlotMigration.ProgressPercentage)
		return pct >= 10 && pct <= 80
	})
	p.kill()
	t.Log("killed autoscaled mid-reshard")
	time.Sleep(2 * time.Second) // the nodes keep serving the writer meanwhile
	if errs := w.errors(); len(errs) > 0 {
		t.Fatalf("the client saw %d errors while autoscaled was down, first: %s", len(errs), errs[0])
	}
	p = startProc(t, dataDir)
	c = p.client()
	waitGroup(ctx, t, c, "kill", 3*time.Minute, available(4))
	last, errs, ops := w.finish()
	if len(errs) > 0 {
		t.Fatalf("the client saw %d errors in %d operations, first: %s", len(errs), ops, errs[0])
	}
	t.Logf("the writer did %d SET+GET with no error across the kill", ops)
	for k, v := range last {
		want[k] = v
	}
	verify(ctx, t, rc, want, 4)

	// Back to two shards and through replica changes, with the writer running again.
	w = startWriter(rc, 4)
	if _, err := c.ModifyReplicationGroupShardConfiguration(ctx, &ec.ModifyReplicationGroupShardConfigurationInput{ReplicationGroupId: aws.String("kill"),
		NodeGroupCount: aws.Int32(2), ApplyImmediately: aws.Bool(true), NodeGroupsToRemove: []string{"0001", "0003"}}); err != nil {
		t.Fatal(err)
	}
	g = waitGroup(ctx, t, c, "kill", 3*time.Minute, available(2))
	if ids := []string{aws.ToString(g.NodeGroups[0].NodeGroupId), aws.ToString(g.NodeGroups[1].NodeGroupId)}; ids[0] != "0002" || ids[1] != "0004" {
		t.Fatalf("kept node groups %v, want 0002 and 0004", ids)
	}
	if _, err := c.IncreaseReplicaCount(ctx, &ec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("kill"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	waitGroup(ctx, t, c, "kill", 2*time.Minute, func(g *types.ReplicationGroup) bool {
		return aws.ToString(g.Status) == "available" && len(g.NodeGroups[0].NodeGroupMembers) == 3 && len(g.NodeGroups[1].NodeGroupMembers) == 3
	})
	if _, err := c.DecreaseReplicaCount(ctx, &ec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("kill"), NewReplicaCount: aws.Int32(0), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	waitGroup(ctx, t, c, "kill", 2*time.Minute, func(g *types.ReplicationGroup) bool {
		return aws.ToString(g.Status) == "available" && len(g.NodeGroups[0].NodeGroupMembers) == 1 && len(g.NodeGroups[1].NodeGroupMembers) == 1
	})
	last, errs, ops = w.finish()
	if len(errs) > 0 {
		t.Fatalf("the client saw %d errors in %d operations, first: %s", len(errs), ops, errs[0])
	}
	for k, v := range last {
		want[k] = v
	}
	verify(ctx, t, rc, want, 2)

	// Deleting the group stops every node and removes its data.
	ports := nodePorts(ctx, t, c, "kill")
	if _, err := c.DeleteReplicationGroup(ctx, &ec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("kill")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := c.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("kill")})
		var nf *types.ReplicationGroupNotFoundFault
		if asNotFound(err, &nf) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the group is still listed a minute after its deletion (%v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitClosed(t, ports)
	if _, err := os.Stat(filepath.Join(dataDir, "elasticache", "kill")); !os.IsNotExist(err) {
		t.Fatalf("the group's data is still on disk: %v", err)
	}
}

func TestShutdownStopsNodesAndRestartKeepsData(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	dataDir := t.TempDir()
	p := startProc(t, dataDir)
	c := p.client()
	if _, err := c.CreateReplicationGroup(ctx, &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("restart"),
		ReplicationGroupDescription: aws.String("d"), NumNodeGroups: aws.Int32(3), ReplicasPerNodeGroup: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	g := waitGroup(ctx, t, c, "restart", time.Minute, available(3))
	rc := clusterClient(aws.ToInt32(g.ConfigurationEndpoint.Port))
	want := load(ctx, t, rc, 20000)
	rc.Close()
	ports := nodePorts(ctx, t, c, "restart")
	p.stop(t)
	waitClosed(t, ports)

	p = startProc(t, dataDir)
	c = p.client()
	g = waitGroup(ctx, t, c, "restart", time.Minute, available(3))
	rc = clusterClient(aws.ToInt32(g.ConfigurationEndpoint.Port))
	defer rc.Close()
	verify(ctx, t, rc, want, 3)
	ports = nodePorts(ctx, t, c, "restart")
	if _, err := c.DeleteReplicationGroup(ctx, &ec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("restart")}); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, ports)
}
