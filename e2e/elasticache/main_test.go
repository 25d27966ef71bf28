// Package elasticache_test runs the real autoscaled binary with real redis-server replication
// groups and drives them through the ElastiCache API with the Go SDK, while a cluster-aware
// client (go-redis ClusterClient) writes and reads throughout: online resharding and replica
// changes, a kill -9 of autoscaled in the middle of a reshard, deletion and shutdown. Every
// acknowledged write must be read back and no redis-server may be left behind.
package elasticache_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/testserver"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/redis/go-redis/v9"
)

var binary string

func TestMain(m *testing.M) {
	bin, remove, err := testserver.BuildBinary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	redis.SetLogger(quietLogger{}) // the cluster client logs every refused dial of a removed node
	code := m.Run()
	remove()
	os.Exit(code)
}

// needRedis skips without redis-server, except under CI=true where it is required.
func needRedis(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is required when CI=true: %v", err)
		}
		t.Skip("redis-server not on PATH: install redis-server to run this test")
	}
}

// proc is a running autoscaled process.
type proc struct {
	cmd      *exec.Cmd
	endpoint string
	exited   chan struct{}
}

func startProc(t *testing.T, dataDir string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`endpoint=(http://[0-9.:]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			} else if os.Getenv("AUTOSCALED_TEST_DEBUG") != "" {
				fmt.Fprintln(os.Stderr, "server:", sc.Text())
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case p.endpoint = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("autoscaled did not report its endpoint within 30s")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(p.endpoint + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/healthz never answered 200")
		}
	}
	return p
}

// stop stops the process gracefully (SIGTERM) and waits for it.
func (p *proc) stop(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(45 * time.Second):
		t.Errorf("autoscaled did not stop within 45s of SIGINT")
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// kill kills the process with SIGKILL.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *proc) client() *ec.Client {
	return ec.New(ec.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")})
}

// waitGroup polls a group until ok says so, failing after limit.
func waitGroup(ctx context.Context, t *testing.T, c *ec.Client, id string, limit time.Duration, ok func(g *types.ReplicationGroup) bool) types.ReplicationGroup {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last types.ReplicationGroup
	for time.Now().Before(deadline) {
		out, err := c.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
		if err == nil && len(out.ReplicationGroups) == 1 {
			last = out.ReplicationGroups[0]
			if ok(&last) {
				return last
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("group %s did not reach the expected state within %s; last %s with %d node groups", id, limit, aws.ToString(last.Status), len(last.NodeGroups))
	return last
}

func available(shards int) func(g *types.ReplicationGroup) bool {
	return func(g *types.ReplicationGroup) bool {
		return aws.ToString(g.Status) == "available" && len(g.NodeGroups) == shards
	}
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...interface{}) {}

func asNotFound(err error, target **types.ReplicationGroupNotFoundFault) bool {
	return err != nil && errors.As(err, target)
}
