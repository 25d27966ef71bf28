package redisgroup

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Test 5: the pure logic.

func TestFormatAndParseSlots(t *testing.T) {
	tests := []struct {
		slots []int
		want  string
	}{
		{nil, ""},
		{[]int{5}, "5"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{3, 1, 2, 0, 2}, "0-3"},
		{[]int{0, 1, 5, 7, 8, 16383}, "0-1,5,7-8,16383"},
	}
	for _, tc := range tests {
		if got := formatSlots(tc.slots); got != tc.want {
			t.Errorf("formatSlots(%v) = %q, want %q", tc.slots, got, tc.want)
		}
		rs, err := parseRanges(tc.want)
		if err != nil {
			t.Fatalf("parseRanges(%q): %v", tc.want, err)
		}
		if got := formatRanges(rs); got != tc.want {
			t.Errorf("round trip %q -> %q", tc.want, got)
		}
	}
	if got := formatRanges([]slotRange{{10, 20}, {0, 9}, {15, 30}, {40, 40}}); got != "0-30,40" {
		t.Errorf("merge: %q", got)
	}
	for _, bad := range []string{"a", "1-", "5-3", "16384", "-1", "0-16384", "1,,2"} {
		if _, err := parseRanges(bad); err == nil {
			t.Errorf("parseRanges(%q) accepted", bad)
		}
	}
}

func TestEvenSplit(t *testing.T) {
	tests := map[int]string{
		1: "0-16383",
		2: "0-8191 8192-16383",
		3: "0-5460 5461-10922 10923-16383",
		4: "0-4095 4096-8191 8192-12287 12288-16383",
	}
	for n, want := range tests {
		var parts []string
		for _, rs := range evenSplit(n) {
			parts = append(parts, formatRanges(rs))
		}
		if got := strings.Join(parts, " "); got != want {
			t.Errorf("evenSplit(%d) = %q, want %q", n, got, want)
		}
	}
	for _, n := range []int{5, 7, 100, 500} {
		if err := checkCoverage(evenSplit(n)); err != nil {
			t.Errorf("evenSplit(%d): %v", n, err)
		}
	}
}

func ownedFrom(m map[string]string) map[string][]int {
	out := map[string][]int{}
	for ng, s := range m {
		rs, err := parseRanges(s)
		if err != nil {
			panic(err)
		}
		out[ng] = slotsOf(rs)
	}
	return out
}

// applyPlan returns the ownership after the plan, and checks each move's source owns the slot.
func applyPlan(t *testing.T, owned map[string][]int, plan []pairMoves) map[string]int {
	t.Helper()
	owner := map[int]string{}
	for ng, ss := range owned {
		for _, s := range ss {
			owner[s] = ng
		}
	}
	for _, p := range plan {
		for _, s := range p.Slots {
			if owner[s] != p.From {
				t.Fatalf("plan moves slot %d from %s, but %s owns it", s, p.From, owner[s])
			}
			owner[s] = p.To
		}
	}
	counts := map[string]int{}
	for s := range NumSlots {
		counts[owner[s]]++
	}
	return counts
}

func TestPlanMoves(t *testing.T) {
	tests := []struct {
		name    string
		owned   map[string]string
		targets []string
		want    string // "from>to:slots" per pair, in plan order
		counts  map[string]int
	}{
		{
			name:    "3 to 4",
			owned:   map[string]string{"0001": "0-5460", "0002": "5461-10922", "0003": "10923-16383"},
			targets: []string{"0001", "0002", "0003", "0004"},
			want:    "0001>0004:4096-5460 0002>0004:9557-10922 0003>0004:15019-16383",
			counts:  map[string]int{"0001": 4096, "0002": 4096, "0003": 4096, "0004": 4096},
		},
		{
			name:    "4 to 2 removing 0002 and 0004",
			owned:   map[string]string{"0001": "0-4095", "0002": "4096-8191", "0003": "8192-12287", "0004": "12288-16383"},
			targets: []string{"0001", "0003"},
			want:    "0002>0001:4096-8191 0004>0003:12288-16383",
			counts:  map[string]int{"0001": 8192, "0003": 8192},
		},
		{
			name:    "3 to 5",
			owned:   map[string]string{"0001": "0-5460", "0002": "5461-10922", "0003": "10923-16383"},
			targets: []string{"0001", "0002", "0003", "0004", "0005"},
			// 16384/5 = 3276 rest 4: the 4 biggest now (0003 owns 5461 like 0002... ties by id) get 3277.
			counts: map[string]int{"0001": 3277, "0002": 3277, "0003": 3277, "0004": 3277, "0005": 3276},
		},
		{
			name:    "already balanced",
			owned:   map[string]string{"0001": "0-8191", "0002": "8192-16383"},
			targets: []string{"0001", "0002"},
			want:    "",
		},
		{
			name:    "unbalanced custom slots get rebalanced",
			owned:   map[string]string{"0001": "0-99,200-16383", "0002": "100-199"},
			targets: []string{"0001", "0002"},
			want:    "0001>0002:8292-16383",
			counts:  map[string]int{"0001": 8192, "0002": 8192},
		},
		{
			name:    "1 to 2",
			owned:   map[string]string{"0001": "0-16383"},
			targets: []string{"0001", "0007"},
			want:    "0001>0007:8192-16383",
		},
		{
			name:    "2 to 1",
			owned:   map[string]string{"0001": "0-8191", "0002": "8192-16383"},
			targets: []string{"0002"},
			want:    "0001>0002:0-8191",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			owned := ownedFrom(tc.owned)
			plan, err := planMoves(owned, tc.targets)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := planMoves(ownedFrom(tc.owned), tc.targets)
			if !reflect.DeepEqual(plan, again) {
				t.Fatal("plan is not deterministic")
			}
			var parts []string
			for _, p := range plan {
				parts = append(parts, fmt.Sprintf("%s>%s:%s", p.From, p.To, formatSlots(p.Slots)))
			}
			if got := strings.Join(parts, " "); tc.want != "" || len(plan) == 0 {
				if got != tc.want {
					t.Errorf("plan %q, want %q", got, tc.want)
				}
			}
			counts := applyPlan(t, owned, plan)
			for _, ng := range tc.targets {
				if c := counts[ng]; c < NumSlots/len(tc.targets) || c > NumSlots/len(tc.targets)+1 {
					t.Errorf("%s ends with %d slots", ng, c)
				}
			}
			for ng, want := range tc.counts {
				if counts[ng] != want {
					t.Errorf("%s ends with %d slots, want %d", ng, counts[ng], want)
				}
			}
			for ng, c := range counts {
				if !contains(tc.targets, ng) {
					t.Errorf("non-target %s ends with %d slots", ng, c)
				}
			}
		})
	}
	if _, err := planMoves(ownedFrom(map[string]string{"0001": "0-16383"}), nil); err == nil {
		t.Error("no targets accepted")
	}
}

const sampleNodes = `07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,hostname4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005 slave 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:30006@31006 slave,fail? 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1426238317741 6 disconnected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-92 94-5460 [93->-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f] [77-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2 :0@0 handshake,noaddr - 0 0 0 disconnected
`

func TestParseClusterNodes(t *testing.T) {
	nodes, err := parseClusterNodes(sampleNodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 7 {
		t.Fatalf("%d nodes", len(nodes))
	}
	self, ok := selfOf(nodes)
	if !ok {
		t.Fatal("no myself")
	}
	if self.ID != "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" || self.Port != 30001 || self.BusPort != 31001 || !self.Master || self.Replica {
		t.Errorf("self %+v", self)
	}
	if got := formatRanges(self.Slots); got != "0-92,94-5460" {
		t.Errorf("self slots %q", got)
	}
	if self.Migrating[93] != "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f" || self.Importing[77] != "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1" || !self.hasOpenSlots() {
		t.Errorf("open slots: migrating %v importing %v", self.Migrating, self.Importing)
	}
	r := nodes[0]
	if !r.Replica || r.MasterID != "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca" || r.Host != "127.0.0.1" || r.Port != 30004 || r.Epoch != 4 || !r.Connected {
		t.Errorf("replica %+v", r)
	}
	if f := nodes[4]; !f.Fail || f.Connected {
		t.Errorf("failing replica %+v", f)
	}
	if h := nodes[6]; !h.Handshake || !h.NoAddr || h.Port != 0 {
		t.Errorf("handshake %+v", h)
	}
	owners := ownersOf(nodes)
	if owners[0] != self.ID || owners[93] != "" || owners[5461] != "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1" || owners[16383] != "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f" {
		t.Errorf("owners wrong")
	}
	for _, bad := range []string{"abc 127.0.0.1:1@2 master", "x 127.0.0.1:1@2 master - 0 0 1 connected [5->]"} {
		if _, err := parseClusterNodes(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestAgreement(t *testing.T) {
	a := "aaaa 127.0.0.1:1@2 myself,master - 0 0 1 connected 0-8191\nbbbb 127.0.0.1:3@4 master - 0 0 2 connected 8192-16383\n"
	b := "aaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-8191\nbbbb 127.0.0.1:3@4 myself,master - 0 0 2 connected 8192-16383\n"
	bStale := "aaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-8190\nbbbb 127.0.0.1:3@4 myself,master - 0 0 2 connected 8191-16383\n"
	bOpen := "aaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-8191\nbbbb 127.0.0.1:3@4 myself,master - 0 0 2 connected 8192-16383 [8192->-aaaa]\n"
	bGap := "aaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-8190\nbbbb 127.0.0.1:3@4 myself,master - 0 0 2 connected 8192-16383\n"
	parse := func(s string) []clusterNode { n, _ := parseClusterNodes(s); return n }
	tests := []struct {
		b    string
		want string
	}{
		{b, ""},
		{bStale, "disagree on the owner of slot 8191"},
		{bOpen, "open slots"},
		{bGap, "slot 8191 unowned"},
	}
	for _, tc := range tests {
		err := agreement(map[string][]clusterNode{"a": parse(a), "b": parse(tc.b)})
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("agreement: %v, want %q", err, tc.want)
		}
	}
}

func TestCheckSafeToStop(t *testing.T) {
	parse := func(s string) []clusterNode { n, _ := parseClusterNodes(s); return n }
	const (
		empty     = "dddd 127.0.0.1:7@8 myself,master - 0 0 3 connected\naaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-16383\n"
		owns      = "dddd 127.0.0.1:7@8 myself,master - 0 0 3 connected 5\naaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-4 6-16383\n"
		open      = "dddd 127.0.0.1:7@8 myself,master - 0 0 3 connected [5->-aaaa]\naaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-16383\n"
		withRep   = "dddd 127.0.0.1:7@8 myself,master - 0 0 3 connected\neeee 127.0.0.1:9@10 slave dddd 0 0 3 connected\naaaa 127.0.0.1:1@2 master - 0 0 1 connected 0-16383\n"
		otherView = "aaaa 127.0.0.1:1@2 myself,master - 0 0 1 connected 0-16383 [7-<-dddd]\ndddd 127.0.0.1:7@8 master - 0 0 3 connected\n"
	)
	tests := []struct {
		name  string
		views map[string][]clusterNode
		gone  map[string]bool
		want  string
	}{
		{"empty primary", map[string][]clusterNode{"d": parse(empty)}, nil, ""},
		{"owns a slot", map[string][]clusterNode{"d": parse(owns)}, nil, "owns slots 5"},
		{"open slot", map[string][]clusterNode{"d": parse(open)}, nil, "open slots"},
		{"replica follows", map[string][]clusterNode{"d": parse(withRep)}, nil, "still follows"},
		{"replica gone", map[string][]clusterNode{"d": parse(withRep)}, map[string]bool{"eeee": true}, ""},
		{"importing elsewhere", map[string][]clusterNode{"d": parse(empty), "a": parse(otherView)}, nil, "importing from"},
		{"own view missing", map[string][]clusterNode{"a": parse(empty[strings.Index(empty, "\n")+1:])}, nil, "own view is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSafeToStop("dddd", tc.views, tc.gone)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("checkSafeToStop: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseNodeStats(t *testing.T) {
	info := "# Server\r\nredis_version:7.0.15\r\nprocess_id:4242\r\nrun_id:abc123\r\ntcp_port:7000\r\nuptime_in_seconds:99\r\n" +
		"# Clients\r\nconnected_clients:7\r\n" +
		"# Memory\r\nused_memory:1048576\r\nmaxmemory:4194304\r\nmem_not_counted_for_evict:512\r\n" +
		"# Stats\r\ntotal_connections_received:30\r\ntotal_commands_processed:1000\r\ntotal_net_input_bytes:111\r\ntotal_net_output_bytes:222\r\nevicted_keys:3\r\nkeyspace_hits:40\r\nkeyspace_misses:2\r\n" +
		"# Replication\r\nrole:slave\r\nmaster_port:7001\r\nslave_repl_offset:500\r\n" +
		"# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:2.25\r\nused_cpu_sys_main_thread:0.5\r\nused_cpu_user_main_thread:1.25\r\n" +
		"# Keyspace\r\ndb0:keys=12,expires=1,avg_ttl=0\r\ndb3:keys=5,expires=0,avg_ttl=0\r\n"
	at := time.Unix(1700000000, 0)
	got := parseNodeStats(infoFields(info), at)
	want := NodeStats{
		Role: RoleReplica, RunID: "abc123", ProcessID: 4242, UptimeSecs: 99,
		CPUMainThread: 1.75, CPU: 3.75, UsedMemory: 1 << 20, MaxMemory: 4 << 20, MemNotCountedForEvict: 512,
		ConnectedClients: 7, TotalConnections: 30, TotalCommands: 1000, Keys: 17, Evictions: 3,
		KeyspaceHits: 40, KeyspaceMisses: 2, NetInputBytes: 111, NetOutputBytes: 222, At: at,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseNodeStats:\n got %+v\nwant %+v", got, want)
	}
	if f := infoFields(info); f["redis_version"] != "7.0.15" || f["master_port"] != "7001" {
		t.Errorf("infoFields: %v", f)
	}
}

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"a", "my-group", "A1-b2", "a" + strings.Repeat("b", 39)} {
		if err := ValidateID(ok); err != nil {
			t.Errorf("ValidateID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1a", "-a", "a-", "a--b", "a_b", "a.b", "a b", "a" + strings.Repeat("b", 40)} {
		if err := ValidateID(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateID(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if NormalizeID(" MyGroup ") != "mygroup" {
		t.Error("NormalizeID")
	}
}

func TestCmdlineIsRedis(t *testing.T) {
	tests := []struct {
		cmdline string
		port    int
		want    bool
	}{
		{"/usr/bin/redis-server 127.0.0.1:7000 [cluster]\x00\x00\x00", 7000, true},
		{"/usr/bin/redis-server 127.0.0.1:7000 [cluster]", 700, false},
		{"/usr/bin/redis-server\x00--port\x007000\x00--bind\x00127.0.0.1", 7000, true},
		{"/usr/bin/sleep\x00127.0.0.1:7000", 7000, false},
	}
	for _, tc := range tests {
		if got := cmdlineIsRedis(tc.cmdline, tc.port); got != tc.want {
			t.Errorf("cmdlineIsRedis(%q, %d) = %v", tc.cmdline, tc.port, got)
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	man := &manifest{Version: manifestVersion, Spec: Spec{ID: "g", ClusterMode: true, Shards: 1}, Status: StatusModifying,
		NextNodeGroup: 2, NextNode: map[string]int{"0001": 2},
		Nodes: []*nodeRec{{CacheClusterID: "g-0001-001", NodeGroupID: "0001", Number: 1, Port: 1, BusPort: 2, Role: RolePrimary, State: nodeActive}},
		Op:    &journal{Kind: "reshard", SlotsPlanned: 200, SlotsMoved: 50, Remove: []string{"0002"}}}
	p := dir + "/" + manifestFile
	if err := writeFileAtomic(p, []byte(mustJSON(man))); err != nil {
		t.Fatal(err)
	}
	got, err := readManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, man) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, man)
	}
	if got.Op.progress() != 25 {
		t.Errorf("progress %v", got.Op.progress())
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
