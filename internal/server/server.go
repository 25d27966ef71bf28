// Package server assembles autoscaled: it opens the store, builds the API services and serves
// them over HTTP on one endpoint, routing by protocol (X-Amz-Target for AWS JSON 1.1).
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/api"
	"github.com/autoscaled/autoscaled/internal/auth"
	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/cloudwatch"
	"github.com/autoscaled/autoscaled/internal/controller"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/driver/emulated"
	"github.com/autoscaled/autoscaled/internal/driver/provisionedconcurrency"
	"github.com/autoscaled/autoscaled/internal/driver/replicationgroup"
	"github.com/autoscaled/autoscaled/internal/elasticache"
	"github.com/autoscaled/autoscaled/internal/iam"
	lambdaapi "github.com/autoscaled/autoscaled/internal/lambda/api"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
	"github.com/autoscaled/autoscaled/internal/redismetrics"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/autoscaled/autoscaled/internal/store/postgres"
	"github.com/autoscaled/autoscaled/internal/store/readcache"
	"github.com/autoscaled/autoscaled/internal/store/sqlite"
)

// Config is the parsed configuration of a server.
type Config struct {
	// DataDir holds the embedded SQLite database (autoscaled.db) when Store is empty.
	DataDir string
	// Store is a postgres:// or postgresql:// URL selecting PostgreSQL, or "memory" for a
	// store that keeps nothing across restarts (for infrastructure-code tests); empty selects
	// SQLite in DataDir.
	Store  string
	Logger *slog.Logger
	Clock  api.Clock
	// TargetQuota overrides the per-resource-type scalable target quota (0: AWS's defaults).
	TargetQuota int
	// TimeScale divides every AWS-defined period, datapoint interval and default cooldown
	// (0 or 1: AWS's timings).
	TimeScale float64
	// Emulate lists the namespaces that stay emulated even when a real local backend exists
	// ("all" for every one).
	Emulate []string
	// EmulatedDelay is how long an emulated resource takes to apply a capacity change
	// (0: DefaultEmulatedDelay).
	EmulatedDelay time.Duration
	// MetricRetention is how long metric data is kept (0: 15 days).
	MetricRetention time.Duration
	// NoEngine serves the APIs without running the scaling engine (for API benchmarks).
	NoEngine bool
	// Principals are the callers of an --auth-file (nil: any well-formed signature is
	// accepted, the account being the access key id when it is 12 digits).
	Principals *auth.Store
	// RateLimit is the requests per second allowed per account (0: unlimited).
	RateLimit float64
	// TLSCert and TLSKey, when set, make Serve speak HTTPS.
	TLSCert, TLSKey string
	// LambdaIdleUtilization makes a function with provisioned concurrency and no invocation
	// in a period report ProvisionedConcurrencyUtilization 0 (AWS reports nothing, so an idle
	// function never scales in).
	LambdaIdleUtilization bool
	// RedisServer is the redis-server binary of real ElastiCache replication groups ("":
	// found on PATH; "none" disables them).
	RedisServer string
}

// DefaultEmulatedDelay is how long an emulated resource takes to apply a change.
const DefaultEmulatedDelay = 2 * time.Second

// Server is a running autoscaled instance.
type Server struct {
	cfg     Config
	store   store.Store
	aas     *api.Service
	cw      *cloudwatch.Service
	metrics *metrics.Memory
	engine  *controller.Controller
	log     *slog.Logger
	ec      *elasticache.Service
	iam     *iam.Service
	lambda  *lambdaapi.Service
	pool    *workers.Pool
	authn   *authn.Middleware
	groups  *redisgroup.Manager
	ecStats *redismetrics.Collector
}

// OpenStore opens the store the configuration names.
func OpenStore(ctx context.Context, cfg Config) (store.Store, error) {
	if cfg.Store == "memory" {
		return memstore.New(), nil
	}
	if isPostgres(cfg.Store) {
		st, err := postgres.Open(ctx, cfg.Store, cfg.Logger)
		if err != nil {
			return nil, fmt.Errorf("open postgres store: %w", err)
		}
		return st, nil
	}
	if cfg.Store != "" {
		return nil, fmt.Errorf("unsupported --store %q: give a postgres:// URL, or leave it empty for SQLite in --data-dir", cfg.Store)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "autoscaled.db"), cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	// Only this process writes the SQLite file, so reads can be served from memory.
	return readcache.New(st), nil
}

func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// New opens the store and builds the services.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var clock api.Clock = wallClock{}
	if cfg.Clock != nil {
		clock = cfg.Clock
	}
	if cfg.TimeScale <= 0 {
		cfg.TimeScale = 1
	}
	if cfg.EmulatedDelay <= 0 {
		cfg.EmulatedDelay = DefaultEmulatedDelay
	}
	ms := metrics.New(metrics.Options{Retention: cfg.MetricRetention, Clock: clock})
	emu := emulated.New(st, clock, cfg.EmulatedDelay)
	drivers := driver.NewSet(emu)
	groups, ecOpts, err := openGroups(ctx, cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	pool, lsvc, err := openLambda(ctx, cfg, st, ms, clock)
	if err != nil {
		if groups != nil {
			_ = groups.Close(context.Background())
		}
		st.Close()
		return nil, err
	}
	if !emulates(cfg.Emulate, "lambda") {
		drivers.Use("lambda", provisionedconcurrency.New(lsvc, emu))
	} else {
		cfg.Logger.Info("lambda: --emulate keeps the lambda namespace emulated; the Lambda API still runs real functions")
	}
	var ecStats *redismetrics.Collector
	if groups != nil {
		if !emulates(cfg.Emulate, "elasticache") {
			drivers.Use("elasticache", replicationgroup.New(groups, emu))
		}
		ecStats = redismetrics.New(redismetrics.Options{Groups: groups, Sink: ms, Logger: cfg.Logger,
			Scope:    autoscaling.Scope{Account: cloudwatch.DefaultAccount, Region: cloudwatch.DefaultRegion},
			Interval: metricsPeriod(cfg)})
	}
	var resync time.Duration
	if isPostgres(cfg.Store) {
		// Other nodes change the shared store; the engine lease holder reloads its index.
		resync = 30 * time.Second
	}
	host, _ := os.Hostname()
	engine := controller.New(controller.Options{Store: st, Metrics: ms, Drivers: drivers, Clock: clock,
		Logger: cfg.Logger, TimeScale: cfg.TimeScale, Resync: resync,
		NodeID: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), autoscaling.NewUUID()[:8])})
	roles := iam.New(iam.Options{Store: st, Logger: cfg.Logger, InUse: targetsInUse(st)})
	aasOpts := api.Options{Clock: cfg.Clock, Logger: cfg.Logger, TargetQuota: cfg.TargetQuota, Roles: roles}
	if !cfg.NoEngine {
		aasOpts.Engine = engine
	}
	aas, err := api.New(ctx, st, aasOpts)
	if err != nil {
		if groups != nil {
			_ = groups.Close(context.Background())
		}
		_ = pool.Close(context.Background())
		st.Close()
		return nil, err
	}
	alarms := &cwalarms.Stored{Store: st, Clock: clock, OnChange: engine.AlarmChanged}
	cw := cloudwatch.New(cloudwatch.Options{Metrics: ms, Alarms: alarms, Clock: clock, Logger: cfg.Logger})
	ecOpts.Logger = cfg.Logger
	s := &Server{cfg: cfg, store: st, aas: aas, cw: cw, metrics: ms, engine: engine, log: cfg.Logger,
		ec: elasticache.New(ecOpts), groups: groups, ecStats: ecStats, iam: roles, lambda: lsvc, pool: pool,
		// The wall clock, not cfg.Clock: a fake clock would make every signature look stale.
		authn: authn.New(authn.Options{Principals: cfg.Principals, RateLimit: cfg.RateLimit, Logger: cfg.Logger,
			// CreateFunction carries up to 50 MB of zip, base64-encoded in JSON.
			MaxBodyBytes: 72 << 20})}
	s.logBackends(drivers)
	if groups == nil {
		s.log.Warn("elasticache: replication groups are not available; the elasticache namespace stays emulated", "reason", ecOpts.Unavailable)
	} else if emulates(cfg.Emulate, "elasticache") {
		s.log.Info("elasticache: --emulate keeps the elasticache namespace emulated; the ElastiCache API still runs real replication groups")
	}
	return s, nil
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// logBackends says at start which backend serves each namespace.
func (s *Server) logBackends(drivers *driver.Set) {
	var parts []string
	for _, ns := range autoscaling.Namespaces {
		parts = append(parts, ns+"="+drivers.For(ns).Name())
	}
	s.log.Info("scaling backends", "namespaces", strings.Join(parts, " "), "time_scale", s.cfg.TimeScale,
		"engine", !s.cfg.NoEngine)
}

// Handler routes every request of the endpoint.
func (s *Server) Handler() http.Handler {
	aas := s.aas.Handler()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The front door has verified the request and named its service.
		c, _ := authn.FromContext(r.Context())
		switch target := r.Header.Get("X-Amz-Target"); {
		case c.Service == authn.ServiceAutoScaling && aas.Owns(target):
			aas.ServeHTTP(w, r)
		case c.Service == authn.ServiceCloudWatch:
			s.cw.ServeHTTP(w, r)
		case c.Service == authn.ServiceElastiCache:
			s.ec.ServeHTTP(w, r)
		case c.Service == authn.ServiceIAM:
			s.iam.ServeHTTP(w, r)
		case c.Service == authn.ServiceLambda:
			s.lambda.ServeHTTP(w, r)
		default:
			b, _ := json.Marshal(map[string]string{"__type": "UnknownOperationException",
				"message": fmt.Sprintf("No service on this endpoint handles X-Amz-Target %q", target)})
			w.Header().Set("x-amzn-RequestId", awsjson.NewRequestID())
			w.Header().Set("Content-Type", awsjson.ContentType)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(b)
		}
	})
	return s.authn.Wrap(mux)
}

// Serve serves on ln until ctx is done, then shuts down gracefully and closes the store.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	ectx, stopEngine := context.WithCancel(ctx)
	engineDone := make(chan struct{})
	go func() {
		defer close(engineDone)
		if !s.cfg.NoEngine {
			_ = s.engine.Run(ectx)
		}
	}()
	// Expired metric data goes also from series that stopped receiving any.
	go s.metrics.Run(ectx, 10*time.Minute)
	if s.ecStats != nil {
		go func() { _ = s.ecStats.Run(ectx) }()
	}
	defer func() { stopEngine(); <-engineDone }()
	var err error
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx)
	case err = <-errc:
	}
	stopEngine()
	<-engineDone
	if s.groups != nil {
		// Orderly shutdown stops every redis-server (their AOF complete); the next start
		// restarts them from their data.
		gctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if cerr := s.groups.Close(gctx); cerr != nil && err == nil {
			err = cerr
		}
		cancel()
	}
	pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if cerr := s.pool.Close(pctx); cerr != nil && err == nil {
		err = cerr
	}
	cancel()
	s.iam.Close()
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the store (and stops the replication groups' nodes) of a server that was
// never served.
func (s *Server) Close() error {
	if s.groups != nil {
		_ = s.groups.Close(context.Background())
	}
	_ = s.pool.Close(context.Background())
	s.iam.Close()
	return s.store.Close()
}

// Groups is the server's replication groups (nil without redis-server).
func (s *Server) Groups() *redisgroup.Manager { return s.groups }

// Engine is the server's scaling engine (tests drive rounds with it).
func (s *Server) Engine() *controller.Controller { return s.engine }

// Metrics is the server's metric store.
func (s *Server) Metrics() *metrics.Memory { return s.metrics }

// Store is the server's store (tests use it to seed data the engine would write).
func (s *Server) Store() store.Store { return s.store }
