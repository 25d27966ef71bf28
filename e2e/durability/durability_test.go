// Package durability_test runs the real autoscaled binary, kills it with SIGKILL in the middle
// of a write load, restarts it on the same state, and checks that every acknowledged write
// survived; and runs two nodes on one PostgreSQL database.
package durability_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/smithy-go"

	"github.com/autoscaled/autoscaled/internal/store/postgres/pgtest"
	"github.com/autoscaled/autoscaled/internal/testserver"
)

var binary string

func TestMain(m *testing.M) {
	bin, remove, err := testserver.BuildBinary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	remove()
	os.Exit(code)
}

// proc is a running autoscaled process.
type proc struct {
	cmd      *exec.Cmd
	endpoint string
}

func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--listen", "127.0.0.1:0", "--target-quota", "100000", "--emulate", "all", "--redis-server", "none"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
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
	}()
	select {
	case ep := <-found:
		waitHealthy(t, ep)
		return &proc{cmd: cmd, endpoint: ep}
	case <-time.After(30 * time.Second):
		t.Fatal("autoscaled did not report its endpoint within 30s")
		return nil
	}
}

func waitHealthy(t *testing.T, endpoint string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(endpoint + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatal("/healthz never answered 200")
}

func client(endpoint string) *aas.Client {
	return aas.New(aas.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")})
}

func rid(worker, i int) string { return fmt.Sprintf("function:w%d-n%d:live", worker, i) }

// loadUntilKilled registers targets from several workers until the process dies, and returns
// the resource ids whose registration was acknowledged.
func loadUntilKilled(t *testing.T, p *proc, killAfter int) []string {
	t.Helper()
	c := client(p.endpoint)
	var mu sync.Mutex
	var acked []string
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	killed := make(chan struct{})
	var once sync.Once
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000 && ctx.Err() == nil; i++ {
				_, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: types.ServiceNamespaceLambda,
					ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String(rid(w, i)),
					MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(int32(i))})
				if err != nil {
					var ae smithy.APIError
					if errors.As(err, &ae) {
						t.Errorf("registration refused before the kill: %v", err)
					}
					return // the process is gone
				}
				mu.Lock()
				acked = append(acked, rid(w, i))
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					once.Do(func() {
						_ = p.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}()
	}
	select {
	case <-killed:
	case <-ctx.Done():
		t.Fatal("load did not reach the kill point in time")
	}
	wg.Wait()
	_ = p.cmd.Wait()
	return acked
}

// checkAllPresent asserts every acknowledged target is there.
func checkAllPresent(t *testing.T, endpoint string, acked []string) {
	t.Helper()
	c := client(endpoint)
	have := map[string]bool{}
	pg := aas.NewDescribeScalableTargetsPaginator(c, &aas.DescribeScalableTargetsInput{ServiceNamespace: types.ServiceNamespaceLambda})
	for pg.HasMorePages() {
		out, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range out.ScalableTargets {
			have[aws.ToString(st.ResourceId)] = true
		}
	}
	missing := 0
	for _, r := range acked {
		if !have[r] {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged target %s lost", r)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged targets lost after kill -9", missing, len(acked))
	}
	t.Logf("all %d acknowledged targets survived kill -9 (%d present)", len(acked), len(have))
}

func TestKill9LosesNoAcknowledgedWriteSQLite(t *testing.T) {
	dir := t.TempDir()
	p := startProc(t, "--data-dir", dir)
	acked := loadUntilKilled(t, p, 300+rand.IntN(300))
	p2 := startProc(t, "--data-dir", dir)
	checkAllPresent(t, p2.endpoint, acked)
}

func postgresDSN(t *testing.T) string { return pgtest.FreshSchema(t) }

func TestKill9LosesNoAcknowledgedWritePostgres(t *testing.T) {
	dsn := postgresDSN(t)
	p := startProc(t, "--store", dsn)
	acked := loadUntilKilled(t, p, 200+rand.IntN(200))
	p2 := startProc(t, "--store", dsn)
	checkAllPresent(t, p2.endpoint, acked)
}

// TestTwoNodesShareOnePostgres runs two servers on one database: each sees the other's
// writes, pagination tokens of one work on the other, and concurrent conflicting writes
// either succeed or answer ConcurrentUpdateException, never losing an update.
func TestTwoNodesShareOnePostgres(t *testing.T) {
	dsn := postgresDSN(t)
	a := client(testserver.Start(t, testserver.Options{Store: dsn}).URL)
	b := client(testserver.Start(t, testserver.Options{Store: dsn}).URL)
	ctx := context.Background()
	for i := range 60 {
		c := a
		if i%2 == 1 {
			c = b
		}
		if _, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: types.ServiceNamespaceLambda,
			ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String(rid(0, i)),
			MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(10)}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := a.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: types.ServiceNamespaceLambda, MaxResults: aws.Int32(25)})
	if err != nil || len(first.ScalableTargets) != 25 || first.NextToken == nil {
		t.Fatalf("page 1 on node a: %v", err)
	}
	second, err := b.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: types.ServiceNamespaceLambda, MaxResults: aws.Int32(50), NextToken: first.NextToken})
	if err != nil || len(second.ScalableTargets) != 35 {
		t.Fatalf("page 2 on node b with node a's token: %d targets, %v", len(second.ScalableTargets), err)
	}

	// Racing registrations of the same new keys from both nodes.
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := range 40 {
		for _, c := range []*aas.Client{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: types.ServiceNamespaceLambda,
					ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String(rid(1, i)),
					MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(10)})
				code := "ok"
				var ae smithy.APIError
				if errors.As(err, &ae) {
					code = ae.ErrorCode()
				} else if err != nil {
					code = err.Error()
				}
				mu.Lock()
				outcomes[code]++
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for code := range outcomes {
		if code != "ok" && code != "ConcurrentUpdateException" {
			t.Errorf("racing registration answered %s", code)
		}
	}
	t.Logf("racing registrations: %v", outcomes)
	out, err := a.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: types.ServiceNamespaceLambda, MaxResults: aws.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	total := len(out.ScalableTargets)
	for out.NextToken != nil {
		if out, err = b.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: types.ServiceNamespaceLambda, MaxResults: aws.Int32(50), NextToken: out.NextToken}); err != nil {
			t.Fatal(err)
		}
		total += len(out.ScalableTargets)
	}
	if total != 100 {
		t.Fatalf("%d targets after the race, want 100 (each racing key exactly once)", total)
	}
}
