// Command autoscaled-bench measures the autoscaled API through the real aws-sdk-go-v2 client.
//
// It starts the autoscaled binary as a child process (fresh data directory, 127.0.0.1:0) and
// drives it at several concurrencies, printing requests/s and p50/p99 latency per operation;
// with -memory it registers N targets with one target tracking policy each and prints the
// server's resident memory.
//
//	go build -o /tmp/autoscaled ./cmd/autoscaled
//	go run ./cmd/autoscaled-bench -server /tmp/autoscaled
//	go run ./cmd/autoscaled-bench -server /tmp/autoscaled -memory -targets 100000
//	go run ./cmd/autoscaled-bench -server /tmp/autoscaled -cloudwatch-ingest
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/testsign"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "autoscaled-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	server      string
	endpoint    string
	store       string
	duration    time.Duration
	concurrency []int
	memory      bool
	targets     int
	ops         string
	// -cloudwatch-ingest (cloudwatch_ingest.go)
	cwIngest       bool
	series, datums int
}

func run() error {
	var c config
	var conc string
	flag.StringVar(&c.server, "server", "", "path of the autoscaled binary to start (default: build-free lookup of 'autoscaled' on PATH)")
	flag.StringVar(&c.endpoint, "endpoint", "", "benchmark an already running server instead of starting one")
	flag.StringVar(&c.store, "store", "", "pass --store to the started server (e.g. a postgres:// URL)")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "how long each (operation, concurrency) cell runs")
	flag.StringVar(&conc, "concurrency", "1,4,16", "comma-separated client concurrencies")
	flag.StringVar(&c.ops, "ops", "", "comma-separated operation name prefixes to run (default: all)")
	flag.BoolVar(&c.memory, "memory", false, "measure memory: register -targets targets with one policy each, then read the server's RSS")
	flag.IntVar(&c.targets, "targets", 100000, "targets for -memory")
	flag.BoolVar(&c.cwIngest, "cloudwatch-ingest", false, "measure PutMetricData ingest (datapoints/s) through the CloudWatch API instead")
	flag.IntVar(&c.series, "series", 100000, "distinct series for -cloudwatch-ingest")
	flag.IntVar(&c.datums, "datums", 1000, "datums per PutMetricData request for -cloudwatch-ingest")
	logPath := flag.String("server-log", "", "append the started server's log to this file")
	flag.Parse()
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		serverLog = f
	}
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -concurrency %q", conc)
		}
		c.concurrency = append(c.concurrency, n)
	}
	ctx := context.Background()
	endpoint, pid, stop := c.endpoint, 0, func() {}
	if endpoint == "" {
		var err error
		endpoint, pid, stop, err = startServer(c.server, c.store)
		if err != nil {
			return err
		}
	}
	defer stop()
	if c.cwIngest {
		return ingest(ctx, endpoint, pid, c)
	}
	client := newClient(endpoint)
	if c.memory {
		return memory(ctx, client, pid, c.targets)
	}
	return throughput(ctx, client, endpoint, c, pid)
}

func newClient(endpoint string) *aas.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	return aas.New(aas.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIABENCH", "secret", ""),
		HTTPClient:   &http.Client{Transport: tr},
		// The default retryer stays: like any SDK user's client it retries net.ErrClosed,
		// which the Go SDK can hit on kept-alive connections (aws-sdk-go-v2#2737).
	})
}

// startServer runs the binary with a fresh data directory and waits for its endpoint line.
// serverLog receives the started server's log after its ready line.
var serverLog io.Writer = io.Discard

func startServer(bin, store string) (endpoint string, pid int, stop func(), err error) {
	if bin == "" {
		if bin, err = exec.LookPath("autoscaled"); err != nil {
			return "", 0, nil, errors.New("give -server PATH (go build -o /tmp/autoscaled ./cmd/autoscaled) or -endpoint URL")
		}
	}
	dir, err := os.MkdirTemp("", "autoscaled-bench-")
	if err != nil {
		return "", 0, nil, err
	}
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "info", "--target-quota", "10000000", "--emulate", "all", "--redis-server", "none"}
	if store != "" {
		args = append(args, "--store", store)
	}
	cmd := exec.Command(bin, args...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return "", 0, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`endpoint=(http://[0-9.:]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(serverLog, stderr)
	}()
	select {
	case ep := <-found:
		return ep, cmd.Process.Pid, stop, nil
	case <-time.After(30 * time.Second):
		stop()
		return "", 0, nil, errors.New("server did not report its endpoint within 30s (run with --log-level info)")
	}
}

type op struct {
	name string
	// prepare runs once before a cell; call runs per request with a worker-unique sequence.
	prepare func(ctx context.Context) error
	call    func(ctx context.Context, seq int64) error
}

func throughput(ctx context.Context, c *aas.Client, endpoint string, cfg config, pid int) error {
	var regSeq atomic.Int64
	ops := []op{
		{name: "RegisterScalableTarget", call: func(ctx context.Context, _ int64) error {
			n := regSeq.Add(1)
			_, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{
				ServiceNamespace: types.ServiceNamespaceLambda, ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
				ResourceId: aws.String(fmt.Sprintf("function:bench%d:live", n)), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(10),
			})
			return err
		}},
		{name: "DescribeScalableTargets(1 id)", call: func(ctx context.Context, seq int64) error {
			n := seq%max(regSeq.Load(), 1) + 1
			out, err := c.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
				ServiceNamespace: types.ServiceNamespaceLambda, ResourceIds: []string{fmt.Sprintf("function:bench%d:live", n)},
				ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
			})
			if err == nil && len(out.ScalableTargets) != 1 {
				err = fmt.Errorf("describe found %d targets", len(out.ScalableTargets))
			}
			return err
		}},
		// The same call without the SDK: a plain HTTP client posting a prebuilt request. It
		// shows what the server sustains when the client costs little CPU (the SDK client
		// needs about as much CPU per call as the server on this kind of machine).
		{name: "DescribeScalableTargets(raw)", call: func(ctx context.Context, seq int64) error {
			n := seq%max(regSeq.Load(), 1) + 1
			return rawCall(ctx, endpoint, "DescribeScalableTargets", fmt.Sprintf(
				`{"ServiceNamespace":"lambda","ResourceIds":["function:bench%d:live"],"ScalableDimension":"lambda:function:ProvisionedConcurrency"}`, n))
		}},
		{name: "PutScalingPolicy(update)", call: func(ctx context.Context, seq int64) error {
			n := seq%max(regSeq.Load(), 1) + 1
			_, err := c.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{
				PolicyName: aws.String("tt"), ServiceNamespace: types.ServiceNamespaceLambda,
				ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
				ResourceId:        aws.String(fmt.Sprintf("function:bench%d:live", n)), PolicyType: types.PolicyTypeTargetTrackingScaling,
				TargetTrackingScalingPolicyConfiguration: &types.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(0.7),
					PredefinedMetricSpecification: &types.PredefinedMetricSpecification{PredefinedMetricType: types.MetricTypeLambdaProvisionedConcurrencyUtilization}},
			})
			return err
		}},
	}
	fmt.Printf("%-30s %5s %10s %9s %9s %7s %18s %18s\n", "operation", "conc", "req/s", "p50 ms", "p99 ms", "errors", "server µs CPU/req", "client µs CPU/req")
	for _, o := range ops {
		if !selected(cfg.ops, o.name) {
			continue
		}
		if regSeq.Load() == 0 && o.name != ops[0].name { // later operations work on registered targets
			for range 1000 {
				if err := ops[0].call(ctx, 0); err != nil {
					return fmt.Errorf("seed targets: %w", err)
				}
			}
		}
		for _, n := range cfg.concurrency {
			cpu0, self0 := cpuTime(pid), cpuTime(os.Getpid())
			r := cell(ctx, o, n, cfg.duration)
			perReq, selfPerReq := "-", "-"
			if r.count > 0 {
				selfPerReq = fmt.Sprintf("%.0f", float64((cpuTime(os.Getpid())-self0).Microseconds())/float64(r.count))
				if pid != 0 {
					perReq = fmt.Sprintf("%.0f", float64((cpuTime(pid)-cpu0).Microseconds())/float64(r.count))
				}
			}
			fmt.Printf("%-30s %5d %10.0f %9.2f %9.2f %7d %18s %18s\n", o.name, n, r.rate, ms(r.p50), ms(r.p99), r.errors, perReq, selfPerReq)
			if r.firstErr != nil {
				fmt.Printf("    first error: %v\n", r.firstErr)
			}
		}
	}
	return nil
}

var rawClient = &http.Client{Transport: func() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	return tr
}()}

// signedHeaders caches the signature of each request body: the server verifies every request,
// the client signs each distinct body once per minute, so that the light client stays light.
var (
	signedMu      sync.Mutex
	signedHeaders = map[string]signedEntry{}
)

type signedEntry struct {
	at                  time.Time
	date, auth, payload string
}

func signed(req *http.Request, body string) {
	signedMu.Lock()
	e, ok := signedHeaders[body]
	signedMu.Unlock()
	if !ok || time.Since(e.at) > time.Minute {
		if err := testsign.Sign(req, []byte(body), "AKIABENCH", "secret", "us-east-1", "application-autoscaling"); err != nil {
			panic(err)
		}
		e = signedEntry{at: time.Now(), date: req.Header.Get("X-Amz-Date"), auth: req.Header.Get("Authorization"), payload: req.Header.Get("X-Amz-Content-Sha256")}
		signedMu.Lock()
		signedHeaders[body] = e
		signedMu.Unlock()
		return
	}
	req.Header.Set("X-Amz-Date", e.date)
	req.Header.Set("Authorization", e.auth)
	if e.payload != "" {
		req.Header.Set("X-Amz-Content-Sha256", e.payload)
	}
}

// rawCall posts one SigV4-signed AWS JSON 1.1 call and checks for a 200.
func rawCall(ctx context.Context, endpoint, op, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	signed(req, body)
	resp, err := rawClient.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ScalableTargetARN"`) {
		return fmt.Errorf("%s: %d %s", op, resp.StatusCode, b)
	}
	return nil
}

func selected(filter, name string) bool {
	if filter == "" {
		return true
	}
	for _, f := range strings.Split(filter, ",") {
		if f = strings.TrimSpace(f); f != "" && strings.HasPrefix(name, f) {
			return true
		}
	}
	return false
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type result struct {
	count    int
	rate     float64
	p50, p99 time.Duration
	errors   int
	firstErr error
}

// cell runs o with n workers for d and summarises the latencies.
func cell(ctx context.Context, o op, n int, d time.Duration) result {
	var (
		mu       sync.Mutex
		lat      []time.Duration
		errs     int
		firstErr error
		seq      atomic.Int64
	)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := o.call(ctx, seq.Add(1))
				local = append(local, time.Since(t0))
				if err != nil {
					mu.Lock()
					errs++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return result{count: len(lat), rate: float64(len(lat)) / el.Seconds(), p50: q(0.50), p99: q(0.99), errors: errs, firstErr: firstErr}
}

// memory registers targets with one policy each at concurrency 16, then reports RSS.
func memory(ctx context.Context, c *aas.Client, pid, targets int) error {
	if pid == 0 {
		return errors.New("-memory needs a server started by the bench (no -endpoint)")
	}
	fmt.Printf("server RSS before: %s\n", rss(pid))
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(targets) {
					return
				}
				rid := aws.String(fmt.Sprintf("function:mem%d:live", n))
				if _, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: types.ServiceNamespaceLambda,
					ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: rid, MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(10)}); err != nil {
					errc <- err
					return
				}
				if _, err := c.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("tt"), ServiceNamespace: types.ServiceNamespaceLambda,
					ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: rid, PolicyType: types.PolicyTypeTargetTrackingScaling,
					TargetTrackingScalingPolicyConfiguration: &types.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(0.7),
						PredefinedMetricSpecification: &types.PredefinedMetricSpecification{PredefinedMetricType: types.MetricTypeLambdaProvisionedConcurrencyUtilization}}}); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	fmt.Printf("registered %d targets with one policy each in %s\n", targets, time.Since(start).Round(time.Millisecond))
	fmt.Printf("server RSS after registering: %s\n", rss(pid))
	// Describe every target once, so that the read cache holds all of them.
	next.Store(0)
	errc = make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := next.Add(1); n <= int64(targets); n = next.Add(1) {
				out, err := c.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: types.ServiceNamespaceLambda,
					ResourceIds: []string{fmt.Sprintf("function:mem%d:live", n)}})
				if err == nil && len(out.ScalableTargets) != 1 {
					err = fmt.Errorf("target %d: found %d", n, len(out.ScalableTargets))
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	fmt.Printf("server RSS after describing every target: %s\n", rss(pid))
	return nil
}

// cpuTime is the user+system CPU time a process has used (0 when unknown).
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields after "(comm) "
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}
