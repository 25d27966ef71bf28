package redisgroup

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSlotMigration compares our slot mover with redis-cli --cluster reshard on one
// cluster of 2 shards x 0 replicas (AOF on) holding N keys of ~100 bytes (default 100000;
// REDISGROUP_BENCH_KEYS overrides): (a) our mover moves 2048 slots from shard 1 to shard 2,
// (b) redis-cli moves 2048 slots back with --cluster-pipeline 100. REDISGROUP_BENCH_SLOTBATCH
// sets Options.SlotBatch (slots moved per pipelined round; 1 = slot by slot).
func BenchmarkSlotMigration(b *testing.B) {
	requireRedis(b)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		b.Skip("redis-cli not found on PATH")
	}
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("REDISGROUP_BENCH_KEYS")); err == nil && v > 0 {
		n = v
	}
	const moveSlots = 2048
	ctx := context.Background()
	o := Options{}
	if v, err := strconv.Atoi(os.Getenv("REDISGROUP_BENCH_SLOTBATCH")); err == nil {
		o.SlotBatch = v // 1 = slot by slot, like redis-cli
	}
	m := openManager(b, b.TempDir(), o)
	g := createGroup(b, m, Spec{ID: "bench", ClusterMode: true, Shards: 2, Replicas: 0, MaxMemory: 1 << 30})
	cc := clusterClient(g)
	defer cc.Close()
	loadKeys(b, cc, n)
	m.mu.Lock()
	gs := m.groups["bench"]
	m.mu.Unlock()

	var oursSlots, oursKeys, cliSlots, cliKeys float64
	var oursDur, cliDur time.Duration
	b.ResetTimer()
	for range b.N {
		active := m.refs(gs, inState(nodeActive))
		prim, views, err := m.currentPrimaries(ctx, gs, active)
		if err != nil {
			b.Fatal(err)
		}
		owned, err := ownedByNodeGroup(views, active)
		if err != nil {
			b.Fatal(err)
		}
		slots := owned["0001"][:moveSlots]
		keys := countKeysInSlots(b, prim["0001"].port, slots)

		// (a) ours.
		start := time.Now()
		if err := m.executePlan(ctx, gs, prim, []pairMoves{{From: "0001", To: "0002", Slots: slots}}); err != nil {
			b.Fatalf("our mover: %v", err)
		}
		oursDur = time.Since(start)
		oursSlots, oursKeys = moveSlots/oursDur.Seconds(), float64(keys)/oursDur.Seconds()
		if err := m.waitAgreement(ctx, active); err != nil {
			b.Fatal(err)
		}

		// (b) redis-cli, moving as many slots back.
		before := dbsize(b, prim["0001"].port)
		start = time.Now()
		out, err := exec.Command(cli, "--cluster", "reshard", "127.0.0.1:"+strconv.Itoa(prim["0001"].port),
			"--cluster-from", prim["0002"].id, "--cluster-to", prim["0001"].id,
			"--cluster-slots", strconv.Itoa(moveSlots), "--cluster-yes", "--cluster-pipeline", "100").CombinedOutput()
		cliDur = time.Since(start)
		if err != nil {
			b.Fatalf("redis-cli --cluster reshard: %v\n%s", err, tail(out))
		}
		moved := dbsize(b, prim["0001"].port) - before
		cliSlots, cliKeys = moveSlots/cliDur.Seconds(), float64(moved)/cliDur.Seconds()
		if err := m.waitAgreement(ctx, active); err != nil {
			b.Fatal(err)
		}
		b.Logf("%d keys in the cluster; ours: %d slots, %d keys in %s; redis-cli: %d slots, %d keys in %s",
			n, moveSlots, keys, oursDur.Round(time.Millisecond), moveSlots, moved, cliDur.Round(time.Millisecond))
	}
	b.StopTimer()
	b.ReportMetric(oursSlots, "ours_slots/s")
	b.ReportMetric(oursKeys, "ours_keys/s")
	b.ReportMetric(cliSlots, "rediscli_slots/s")
	b.ReportMetric(cliKeys, "rediscli_keys/s")
	if _, size := digest(b, cc, g, n); size != int64(n) {
		b.Fatalf("DBSIZE sum %d after the moves, want %d", size, n)
	}
	if oursDur > cliDur {
		b.Logf("NOTE: our mover (%s) was slower than redis-cli (%s)", oursDur, cliDur)
	}
}

func countKeysInSlots(t testing.TB, port int, slots []int) int64 {
	cl := adminClient(port)
	defer cl.Close()
	ctx := context.Background()
	pipe := cl.Pipeline()
	for _, s := range slots {
		pipe.ClusterCountKeysInSlot(ctx, s)
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range cmds {
		n += c.(interface{ Val() int64 }).Val()
	}
	return n
}

func dbsize(t testing.TB, port int) int64 {
	cl := adminClient(port)
	defer cl.Close()
	n, err := cl.DBSize(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func tail(b []byte) string {
	if len(b) > 3000 {
		return "..." + string(b[len(b)-3000:])
	}
	return string(b)
}
