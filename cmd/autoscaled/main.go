// Command autoscaled is a self-hostable AWS Application Auto Scaling service.
//
//	autoscaled serve [--listen 127.0.0.1:8686] [--data-dir DIR] [--store postgres://...]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with --debug-addr
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"

	"github.com/autoscaled/autoscaled/internal/server"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "autoscaled:", err)
		os.Exit(1)
	}
}

const usage = `usage: autoscaled serve [flags]

Serves the AWS Application Auto Scaling API on one HTTP endpoint.
Flags of serve:
`

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprint(stderr, usage)
		fs, _ := serveFlags(stderr)
		fs.PrintDefaults()
		return errors.New("unknown or missing command")
	}
	fs, opts := serveFlags(stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return serve(*opts, stderr)
}

type serveOptions struct {
	listen, dataDir, store, logLevel string
	targetQuota                      int
	debugAddr                        string
	timeScale                        float64
	emulate, redisServer             string
	authFile, tlsCert, tlsKey        string
	rateLimit                        float64
	lambdaIdleUtilization            bool
	emulatedDelay, metricRetention   time.Duration
}

func serveFlags(out io.Writer) (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8686", "address to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&o.dataDir, "data-dir", defaultDataDir(), "directory of the embedded SQLite database")
	fs.StringVar(&o.store, "store", "", "postgres://user@host/db URL to keep state in PostgreSQL instead of SQLite")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.debugAddr, "debug-addr", "", "serve Go's net/http/pprof profiles on this address (e.g. 127.0.0.1:6060); off by default")
	fs.IntVar(&o.targetQuota, "target-quota", 0, "scalable targets allowed per resource type, account and region (0: AWS's defaults, 500 for most types)")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "divide every AWS-defined period, datapoint interval and default cooldown by N (60: a one-minute alarm period lasts one second); wall-clock schedules stay wall-clock")
	fs.StringVar(&o.emulate, "emulate", "", `namespaces that stay emulated even where a real local backend exists: "all" or a comma-separated list (ecs,lambda,...)`)
	fs.DurationVar(&o.emulatedDelay, "emulated-delay", 2*time.Second, "how long an emulated resource takes to apply a capacity change")
	fs.DurationVar(&o.metricRetention, "metric-retention", 15*24*time.Hour, "how long metric data is kept")
	fs.StringVar(&o.authFile, "auth-file", "", `JSON file of principals ({"principals": [{"name", "accessKeyId", "secretAccessKey", "accountId", "policy"}]}); reloaded on SIGHUP. Without it any well-formed signature is accepted, on a loopback address only`)
	fs.Float64Var(&o.rateLimit, "rate-limit", 0, "requests per second allowed per account, burst twice that (0: unlimited); beyond it ThrottlingException")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate: serve HTTPS (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&o.lambdaIdleUtilization, "lambda-idle-utilization", false, "a function with provisioned concurrency and no invocation in a period reports ProvisionedConcurrencyUtilization 0 (AWS reports nothing, so an idle function never scales in)")
	fs.StringVar(&o.redisServer, "redis-server", "", `redis-server binary that runs ElastiCache replication groups ("": found on PATH; "none": no real groups, the elasticache namespace stays emulated)`)
	return fs, o
}

// parseEmulate reads --emulate: "all" or a comma-separated list of namespaces.
func parseEmulate(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	if v == "all" {
		return []string{"all"}, nil
	}
	var out []string
	for _, ns := range strings.Split(v, ",") {
		ns = strings.TrimSpace(ns)
		if _, ok := autoscaling.Namespace(ns); !ok {
			return nil, fmt.Errorf("--emulate: unknown namespace %q (use all or a comma-separated list of %s)", ns, strings.Join(autoscaling.Namespaces, ", "))
		}
		out = append(out, ns)
	}
	return out, nil
}

func defaultDataDir() string {
	if d, err := os.UserHomeDir(); err == nil {
		return filepath.Join(d, ".autoscaled")
	}
	return ".autoscaled"
}

// tuneGC trades memory for CPU: the API and the metric store allocate many short-lived
// objects, and on a small machine the collector's share of the CPU decides throughput. GOGC
// and GOMEMLIMIT in the environment win over these defaults. The soft memory limit, which keeps
// the larger GOGC from letting the heap grow without bound, is three quarters of the cgroup's
// memory limit when there is one; a fixed small limit made the collector run continuously
// once the live heap (100,000 targets, their alarms and metrics) approached it.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit := cgroupMemoryLimit(); limit > 0 {
			debug.SetMemoryLimit(limit / 4 * 3)
		}
	}
}

// cgroupMemoryLimit reads the cgroup v2 memory limit (0 when there is none).
func cgroupMemoryLimit() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0 // "max": no limit
	}
	return v
}

func serve(o serveOptions, stderr io.Writer) error {
	tuneGC()
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.timeScale < 1 {
		return fmt.Errorf("--time-scale must be at least 1, got %v", o.timeScale)
	}
	emulate, err := parseEmulate(o.emulate)
	if err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	principals, err := loadPrincipals(ctx, o, logger)
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Config{DataDir: o.dataDir, Store: o.store, Logger: logger, TargetQuota: o.targetQuota,
		TimeScale: o.timeScale, Emulate: emulate, RedisServer: o.redisServer, EmulatedDelay: o.emulatedDelay, MetricRetention: o.metricRetention,
		Principals: principals, RateLimit: o.rateLimit, LambdaIdleUtilization: o.lambdaIdleUtilization, TLSCert: o.tlsCert, TLSKey: o.tlsKey})
	if err != nil {
		return err
	}
	if o.debugAddr != "" {
		go func() {
			// http.DefaultServeMux carries the net/http/pprof handlers.
			if err := http.ListenAndServe(o.debugAddr, nil); err != nil {
				logger.Error("debug server stopped", "err", err)
			}
		}()
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listen: %w", err)
	}
	where := "sqlite in " + o.dataDir
	if o.store != "" {
		where = "postgres"
	}
	scheme := "http://"
	if o.tlsCert != "" {
		scheme = "https://"
	}
	logger.Info("autoscaled ready", "endpoint", scheme+ln.Addr().String(), "store", where, "auth_file", o.authFile != "")
	return srv.Serve(ctx, ln)
}
