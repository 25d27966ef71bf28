package elasticache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/aws/smithy-go"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// fakeBackend records the calls of the wire layer; the real backend is tested in redisgroup
// and end to end with real nodes.
type fakeBackend struct {
	mu     sync.Mutex
	groups map[string]redisgroup.Group
	calls  []string
	err    error
}

func (f *fakeBackend) record(format string, args ...any) error {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	return f.err
}

func (f *fakeBackend) Create(_ context.Context, s redisgroup.Spec) (redisgroup.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("create %s cluster=%v shards=%d replicas=%d maxmemory=%d port=%d slots=%v", s.ID, s.ClusterMode, s.Shards, s.Replicas, s.MaxMemory, s.Port, s.Slots); err != nil {
		return redisgroup.Group{}, err
	}
	if _, ok := f.groups[s.ID]; ok {
		return redisgroup.Group{}, fmt.Errorf("%w: %s", redisgroup.ErrExists, s.ID)
	}
	g := redisgroup.Group{Spec: s, Status: redisgroup.StatusCreating, CreateTime: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	port := 30000
	for i := range s.Shards {
		ng := redisgroup.NodeGroup{ID: fmt.Sprintf("%04d", i+1), Status: redisgroup.StatusCreating, Slots: fmt.Sprintf("%d-%d", i*100, i*100+99)}
		for r := range s.Replicas + 1 {
			role := redisgroup.RoleReplica
			if r == 0 {
				role = redisgroup.RolePrimary
			}
			port++
			ng.Members = append(ng.Members, redisgroup.Node{CacheClusterID: fmt.Sprintf("%s-%s-%03d", s.ID, ng.ID, r+1), NodeGroupID: ng.ID, Role: role, Port: port, CreateTime: g.CreateTime})
		}
		g.NodeGroups = append(g.NodeGroups, ng)
	}
	g.ConfigEndpointPort = 30001
	f.groups[s.ID] = g
	return g, nil
}

func (f *fakeBackend) Get(id string) (redisgroup.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[id]
	if !ok {
		return g, fmt.Errorf("%w: Replication group %s not found", redisgroup.ErrNotFound, id)
	}
	return g, nil
}

func (f *fakeBackend) List() []redisgroup.Group {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []redisgroup.Group
	for _, g := range f.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (f *fakeBackend) Delete(_ context.Context, id string) (redisgroup.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("delete %s", id); err != nil {
		return redisgroup.Group{}, err
	}
	g, ok := f.groups[id]
	if !ok {
		return g, redisgroup.ErrNotFound
	}
	g.Status = redisgroup.StatusDeleting
	return g, nil
}

func (f *fakeBackend) ModifyShards(_ context.Context, id string, count int, remove, retain []string) (redisgroup.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("shards %s %d remove=%v retain=%v", id, count, remove, retain); err != nil {
		return redisgroup.Group{}, err
	}
	g, ok := f.groups[id]
	if !ok {
		return g, redisgroup.ErrNotFound
	}
	g.Status = redisgroup.StatusModifying
	g.Operation = &redisgroup.Operation{Kind: "reshard", ProgressPercent: 12.3456, TargetShards: count}
	f.groups[id] = g
	return g, nil
}

func (f *fakeBackend) SetReplicas(_ context.Context, id string, per map[string]int) (redisgroup.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, fmt.Sprintf("%s=%d", k, per[k]))
	}
	sort.Strings(keys)
	if err := f.record("replicas %s %v", id, keys); err != nil {
		return redisgroup.Group{}, err
	}
	g, ok := f.groups[id]
	if !ok {
		return g, redisgroup.ErrNotFound
	}
	g.Status = redisgroup.StatusModifying
	return g, nil
}

func (f *fakeBackend) lastCall() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

func newClient(t *testing.T, b Backend) *ec.Client {
	t.Helper()
	svc := New(Options{Backend: b, EngineVersion: "7.0.15"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !svc.Owns(r) {
			http.Error(w, "not elasticache", http.StatusTeapot)
			return
		}
		svc.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return ec.New(ec.Options{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("123456789012", "s", ""),
		BaseEndpoint: aws.String(srv.URL)})
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

func TestCreateParsesEveryShapeOfRequest(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBackend{groups: map[string]redisgroup.Group{}}
	c := newClient(t, fb)
	cases := []struct {
		name string
		in   *ec.CreateReplicationGroupInput
		want string
	}{
		{"seed: shards and replicas", &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("a1"), ReplicationGroupDescription: aws.String("d"),
			NumNodeGroups: aws.Int32(3), ReplicasPerNodeGroup: aws.Int32(1), CacheNodeType: aws.String("cache.r6g.large"), Engine: aws.String("redis")},
			"create a1 cluster=true shards=3 replicas=1 maxmemory=10532601987 port=0 slots=[]"},
		{"cluster.on parameter group", &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("a2"), ReplicationGroupDescription: aws.String("d"),
			CacheParameterGroupName: aws.String("default.redis7.cluster.on"), CacheNodeType: aws.String("cache.m6g.large")},
			"create a2 cluster=true shards=1 replicas=0 maxmemory=5137854627 port=0 slots=[]"},
		{"ClusterMode enabled with a port", &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("a3"), ReplicationGroupDescription: aws.String("d"),
			ClusterMode: types.ClusterModeEnabled, Port: aws.Int32(7400), CacheNodeType: aws.String("cache.t3.micro")},
			"create a3 cluster=true shards=1 replicas=0 maxmemory=402653184 port=7400 slots=[]"},
		{"node group configuration", &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("a4"), ReplicationGroupDescription: aws.String("d"),
			NodeGroupConfiguration: []types.NodeGroupConfiguration{{Slots: aws.String("0-8000"), ReplicaCount: aws.Int32(2)}, {Slots: aws.String("8001-16383"), ReplicaCount: aws.Int32(2)}}},
			"create a4 cluster=true shards=2 replicas=2 maxmemory=10532601987 port=0 slots=[0-8000 8001-16383]"},
		{"cluster mode disabled", &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("a5"), ReplicationGroupDescription: aws.String("d"),
			NumCacheClusters: aws.Int32(3)},
			"create a5 cluster=false shards=1 replicas=2 maxmemory=10532601987 port=0 slots=[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.CreateReplicationGroup(ctx, tc.in)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if got := fb.lastCall(); got != tc.want {
				t.Fatalf("backend got %q\nwant %q", got, tc.want)
			}
			if aws.ToString(out.ReplicationGroup.Status) != "creating" || aws.ToString(out.ReplicationGroup.ReplicationGroupId) != *tc.in.ReplicationGroupId {
				t.Fatalf("answer %+v", out.ReplicationGroup)
			}
		})
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBackend{groups: map[string]redisgroup.Group{}}
	c := newClient(t, fb)
	base := func(mod func(*ec.CreateReplicationGroupInput)) *ec.CreateReplicationGroupInput {
		in := &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("bad"), ReplicationGroupDescription: aws.String("d"), NumNodeGroups: aws.Int32(2)}
		mod(in)
		return in
	}
	cases := []struct {
		name string
		in   *ec.CreateReplicationGroupInput
		code string
	}{
		{"unknown node type", base(func(in *ec.CreateReplicationGroupInput) { in.CacheNodeType = aws.String("cache.huge") }), CodeInvalidParameterValue},
		{"memcached", base(func(in *ec.CreateReplicationGroupInput) { in.Engine = aws.String("memcached") }), CodeInvalidParameterValue},
		{"too many replicas", base(func(in *ec.CreateReplicationGroupInput) { in.ReplicasPerNodeGroup = aws.Int32(6) }), CodeInvalidParameterValue},
		{"too many nodes", base(func(in *ec.CreateReplicationGroupInput) {
			in.NumNodeGroups = aws.Int32(200)
			in.ReplicasPerNodeGroup = aws.Int32(5)
		}), CodeNodeQuotaForCluster},
		{"NumCacheClusters with NumNodeGroups", base(func(in *ec.CreateReplicationGroupInput) { in.NumCacheClusters = aws.Int32(2) }), CodeInvalidParameterCombination},
		{"disabled with two shards", base(func(in *ec.CreateReplicationGroupInput) { in.ClusterMode = types.ClusterModeDisabled }), CodeInvalidParameterCombination},
		{"TLS", base(func(in *ec.CreateReplicationGroupInput) { in.TransitEncryptionEnabled = aws.Bool(true) }), CodeInvalidParameterCombination},
		{"port", base(func(in *ec.CreateReplicationGroupInput) { in.Port = aws.Int32(80) }), CodeInvalidParameterValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := len(fb.calls)
			_, err := c.CreateReplicationGroup(ctx, tc.in)
			if code(err) != tc.code {
				t.Fatalf("error %v, want %s", err, tc.code)
			}
			if len(fb.calls) != n {
				t.Fatalf("a refused request reached the backend: %v", fb.calls[n:])
			}
		})
	}
	// The backend's own faults.
	if _, err := c.CreateReplicationGroup(ctx, base(func(*ec.CreateReplicationGroupInput) {})); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateReplicationGroup(ctx, base(func(*ec.CreateReplicationGroupInput) {}))
	var exists *types.ReplicationGroupAlreadyExistsFault
	if !errors.As(err, &exists) {
		t.Fatalf("second create: %v, want ReplicationGroupAlreadyExistsFault", err)
	}
}

func TestDescribeShapes(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBackend{groups: map[string]redisgroup.Group{}}
	c := newClient(t, fb)
	if _, err := c.CreateReplicationGroup(ctx, &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("shapes"), ReplicationGroupDescription: aws.String("d"),
		NumNodeGroups: aws.Int32(2), ReplicasPerNodeGroup: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("shapes")})
	if err != nil {
		t.Fatal(err)
	}
	g := out.ReplicationGroups[0]
	if *g.ClusterEnabled != true || g.ClusterMode != types.ClusterModeEnabled || aws.ToString(g.ConfigurationEndpoint.Address) != "127.0.0.1" ||
		aws.ToInt32(g.ConfigurationEndpoint.Port) != 30001 || len(g.NodeGroups) != 2 || len(g.MemberClusters) != 4 ||
		aws.ToString(g.ARN) != "arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:shapes" {
		t.Fatalf("group %+v", g)
	}
	ng := g.NodeGroups[1]
	if aws.ToString(ng.NodeGroupId) != "0002" || aws.ToString(ng.Slots) != "100-199" || len(ng.NodeGroupMembers) != 2 ||
		aws.ToString(ng.NodeGroupMembers[1].CacheClusterId) != "shapes-0002-002" || ng.NodeGroupMembers[0].ReadEndpoint != nil {
		t.Fatalf("node group %+v", ng)
	}
	// Resharding progress shows while modifying.
	if _, err := c.ModifyReplicationGroupShardConfiguration(ctx, &ec.ModifyReplicationGroupShardConfigurationInput{ReplicationGroupId: aws.String("shapes"),
		NodeGroupCount: aws.Int32(3), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	out, err = c.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	g = out.ReplicationGroups[0]
	if aws.ToString(g.Status) != "modifying" || g.PendingModifiedValues.Resharding.SlotMigration.ProgressPercentage == nil ||
		*g.PendingModifiedValues.Resharding.SlotMigration.ProgressPercentage != 12.35 {
		t.Fatalf("modifying group %+v", g.PendingModifiedValues)
	}
	cc, err := c.DescribeCacheClusters(ctx, &ec.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(cc.CacheClusters) != 4 || len(cc.CacheClusters[0].CacheNodes) != 1 || aws.ToInt32(cc.CacheClusters[3].CacheNodes[0].Endpoint.Port) != 30004 ||
		aws.ToString(cc.CacheClusters[0].ReplicationGroupId) != "shapes" {
		t.Fatalf("cache clusters %+v", cc.CacheClusters)
	}
	one, err := c.DescribeCacheClusters(ctx, &ec.DescribeCacheClustersInput{CacheClusterId: aws.String("shapes-0001-002")})
	if err != nil || len(one.CacheClusters) != 1 || len(one.CacheClusters[0].CacheNodes) != 0 {
		t.Fatalf("one cache cluster: %+v, %v", one, err)
	}
	_, err = c.DescribeCacheClusters(ctx, &ec.DescribeCacheClustersInput{CacheClusterId: aws.String("nope")})
	var ccnf *types.CacheClusterNotFoundFault
	if !errors.As(err, &ccnf) {
		t.Fatalf("missing cache cluster: %v", err)
	}
	_, err = c.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("nope")})
	var rgnf *types.ReplicationGroupNotFoundFault
	if !errors.As(err, &rgnf) || rgnf.ErrorMessage() != "ReplicationGroup nope not found." {
		t.Fatalf("missing group: %v", err)
	}
}

func TestModifyOperationsParse(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBackend{groups: map[string]redisgroup.Group{}}
	c := newClient(t, fb)
	if _, err := c.CreateReplicationGroup(ctx, &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("m"), ReplicationGroupDescription: aws.String("d"),
		NumNodeGroups: aws.Int32(3), ReplicasPerNodeGroup: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyReplicationGroupShardConfiguration(ctx, &ec.ModifyReplicationGroupShardConfigurationInput{ReplicationGroupId: aws.String("M"),
		NodeGroupCount: aws.Int32(2), ApplyImmediately: aws.Bool(true), NodeGroupsToRemove: []string{"0003"}}); err != nil {
		t.Fatal(err)
	}
	if got := fb.lastCall(); got != "shards m 2 remove=[0003] retain=[]" {
		t.Fatalf("backend got %q", got)
	}
	_, err := c.ModifyReplicationGroupShardConfiguration(ctx, &ec.ModifyReplicationGroupShardConfigurationInput{ReplicationGroupId: aws.String("m"),
		NodeGroupCount: aws.Int32(2), ApplyImmediately: aws.Bool(false)})
	if code(err) != CodeInvalidParameterValue {
		t.Fatalf("ApplyImmediately false: %v", err)
	}
	_, err = c.ModifyReplicationGroupShardConfiguration(ctx, &ec.ModifyReplicationGroupShardConfigurationInput{ReplicationGroupId: aws.String("m"),
		NodeGroupCount: aws.Int32(1), ApplyImmediately: aws.Bool(true), NodeGroupsToRemove: []string{"0003"}, NodeGroupsToRetain: []string{"0001"}})
	if code(err) != CodeInvalidParameterCombination {
		t.Fatalf("remove and retain: %v", err)
	}
	fb.groups["m"] = func() redisgroup.Group { g := fb.groups["m"]; g.Status = redisgroup.StatusAvailable; return g }()
	if _, err := c.IncreaseReplicaCount(ctx, &ec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("m"), NewReplicaCount: aws.Int32(2), ApplyImmediately: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if got := fb.lastCall(); got != "replicas m [0001=2 0002=2 0003=2]" {
		t.Fatalf("backend got %q", got)
	}
	if _, err := c.DecreaseReplicaCount(ctx, &ec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("m"), ApplyImmediately: aws.Bool(true),
		ReplicaConfiguration: []types.ConfigureShard{{NodeGroupId: aws.String("0002"), NewReplicaCount: aws.Int32(0)}}}); err != nil {
		t.Fatal(err)
	}
	if got := fb.lastCall(); got != "replicas m [0002=0]" {
		t.Fatalf("backend got %q", got)
	}
	for name, call := range map[string]func() error{
		"increase to fewer": func() error {
			_, err := c.IncreaseReplicaCount(ctx, &ec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("m"), NewReplicaCount: aws.Int32(0), ApplyImmediately: aws.Bool(true)})
			return err
		},
		"decrease to more": func() error {
			_, err := c.DecreaseReplicaCount(ctx, &ec.DecreaseReplicaCountInput{ReplicationGroupId: aws.String("m"), NewReplicaCount: aws.Int32(3), ApplyImmediately: aws.Bool(true)})
			return err
		},
		"six replicas": func() error {
			_, err := c.IncreaseReplicaCount(ctx, &ec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("m"), NewReplicaCount: aws.Int32(6), ApplyImmediately: aws.Bool(true)})
			return err
		},
		"unknown node group": func() error {
			_, err := c.IncreaseReplicaCount(ctx, &ec.IncreaseReplicaCountInput{ReplicationGroupId: aws.String("m"), ApplyImmediately: aws.Bool(true),
				ReplicaConfiguration: []types.ConfigureShard{{NodeGroupId: aws.String("0009"), NewReplicaCount: aws.Int32(2)}}})
			return err
		},
	} {
		if err := call(); code(err) != CodeInvalidParameterValue {
			t.Errorf("%s: %v, want InvalidParameterValue", name, err)
		}
	}
	// A busy backend answers InvalidReplicationGroupState with its own message.
	fb.err = fmt.Errorf("%w: Replication group m is not in available state", redisgroup.ErrBusy)
	_, err = c.DeleteReplicationGroup(ctx, &ec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("m")})
	var st *types.InvalidReplicationGroupStateFault
	if !errors.As(err, &st) || st.ErrorMessage() != "Replication group m is not in available state" {
		t.Fatalf("busy delete: %v", err)
	}
}

func TestUnavailableBackendExplains(t *testing.T) {
	svc := New(Options{Unavailable: "redis-server was not found on PATH"})
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	c := ec.New(ec.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "s", ""), BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	_, err := c.DescribeReplicationGroups(context.Background(), &ec.DescribeReplicationGroupsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != CodeServiceUnavailable {
		t.Fatalf("no backend: %v", err)
	}
}

func TestAccountsSeeOnlyTheirGroups(t *testing.T) {
	ctx := context.Background()
	fb := &fakeBackend{groups: map[string]redisgroup.Group{}}
	svc := New(Options{Backend: fb})
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	client := func(akid, region string) *ec.Client {
		return ec.New(ec.Options{Region: region, Credentials: credentials.NewStaticCredentialsProvider(akid, "s", ""), BaseEndpoint: aws.String(srv.URL)})
	}
	alice, bob, aliceEU := client("111111111111", "us-east-1"), client("222222222222", "us-east-1"), client("111111111111", "eu-west-1")
	if _, err := alice.CreateReplicationGroup(ctx, &ec.CreateReplicationGroupInput{ReplicationGroupId: aws.String("mine"), ReplicationGroupDescription: aws.String("d"), NumNodeGroups: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*ec.Client{"other account": bob, "other region": aliceEU} {
		out, err := c.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{})
		if err != nil || len(out.ReplicationGroups) != 0 {
			t.Fatalf("%s lists %d groups, %v", name, len(out.ReplicationGroups), err)
		}
		var nf *types.ReplicationGroupNotFoundFault
		if _, err := c.DeleteReplicationGroup(ctx, &ec.DeleteReplicationGroupInput{ReplicationGroupId: aws.String("mine")}); !errors.As(err, &nf) {
			t.Fatalf("%s deletes another's group: %v", name, err)
		}
		cc, err := c.DescribeCacheClusters(ctx, &ec.DescribeCacheClustersInput{})
		if err != nil || len(cc.CacheClusters) != 0 {
			t.Fatalf("%s sees %d cache clusters, %v", name, len(cc.CacheClusters), err)
		}
	}
	out, err := alice.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{})
	if err != nil || len(out.ReplicationGroups) != 1 {
		t.Fatalf("owner lists %v, %v", out, err)
	}
}
