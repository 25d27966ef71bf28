package cli_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// needRedis skips a test without redis-server, redis-cli and redis-benchmark, except under
// CI=true, where they are required.
func needRedis(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli", "redis-benchmark"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required when CI=true: %v", bin, err)
			}
			t.Skipf("%s not on PATH: install redis-server and redis-tools to run this test", bin)
		}
	}
}

// TestElastiCacheWalkthroughScript runs the ElastiCache seed walkthrough against real
// redis-server nodes at --time-scale 60: the shards grow under redis-benchmark load and
// shrink back without losing a key, and a scheduled action adds a replica to every shard.
func TestElastiCacheWalkthroughScript(t *testing.T) {
	needAWS(t)
	needRedis(t)
	srv := testserver.Start(t, testserver.Options{TimeScale: 60, RealBackends: true})
	text := runScript(t, "elasticache-walkthrough.sh", srv.URL, 10*time.Minute)
	t.Logf("walkthrough output:\n%s", text)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^mycluster\tcreating$`),
		regexp.MustCompile(`(?m)^TargetTracking-replication-group/mycluster-AlarmHigh-\S+\tTargetTracking-replication-group/mycluster-AlarmLow-\S+$`),
		regexp.MustCompile(`(?m)^Successful\tSetting node group count to [2-5]\.\tmonitor alarm TargetTracking-replication-group/mycluster-AlarmHigh-\S+ in state ALARM triggered policy cpu$`),
		regexp.MustCompile(`(?m)^Successful\tSetting node group count to 1\.\tmonitor alarm TargetTracking-replication-group/mycluster-AlarmLow-\S+ in state ALARM triggered policy cpu$`),
		regexp.MustCompile(`(?m)^shards: available\t1\t0001:2$`),
		regexp.MustCompile(`(?m)^marker: kept$`),
		regexp.MustCompile(`(?m)^available\t1\t0001:3$`),
		regexp.MustCompile(`(?m)^Successful\tSetting replica count to 2\.\tminimum capacity was set to 2$`),
		regexp.MustCompile(`(?m)^deleting$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("the walkthrough's output lacks %s", want)
		}
	}
	counts := regexp.MustCompile(`(?m)^keys: ([0-9]+)$`).FindAllStringSubmatch(text, -1)
	if len(counts) != 3 {
		t.Fatalf("key counts %v, want before, after the load and after scale-in", counts)
	}
	before, _ := strconv.Atoi(counts[0][1])
	during, _ := strconv.Atoi(counts[1][1])
	after, _ := strconv.Atoi(counts[2][1])
	if before < 1000 || during < before || after != during {
		t.Errorf("keys before %d, after the scale-out %d, after the scale-in %d: a key was lost", before, during, after)
	}
}
