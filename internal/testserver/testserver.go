// Package testserver starts a real autoscaled server on 127.0.0.1:0 for tests, backed by
// SQLite in a temporary directory (or PostgreSQL when asked), and tells tests how to reach
// it.
package testserver

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/api"
	"github.com/autoscaled/autoscaled/internal/server"
)

// Server is a running test server.
type Server struct {
	URL     string
	DataDir string
	srv     *server.Server
}

// Options tune Start.
type Options struct {
	// DataDir reuses a data directory (to restart on the same state); empty makes a new one.
	DataDir string
	// Store is a postgres:// URL; empty means SQLite in DataDir.
	Store string
	Clock api.Clock
	// TimeScale and EmulatedDelay configure the engine (see server.Config).
	TimeScale     float64
	EmulatedDelay time.Duration
	// RealBackends runs the real local backends (Redis replication groups with redis-server)
	// where they are available, as a server does by default. Without it every namespace is
	// emulated and no redis-server is started, so that tests of the API can register any
	// resource.
	RealBackends bool
	// LambdaIdleUtilization: see server.Config.
	LambdaIdleUtilization bool
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	level := slog.LevelWarn
	if os.Getenv("AUTOSCALED_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	cfg := server.Config{DataDir: opts.DataDir, Store: opts.Store, Logger: logger, Clock: opts.Clock,
		TimeScale: opts.TimeScale, EmulatedDelay: opts.EmulatedDelay, LambdaIdleUtilization: opts.LambdaIdleUtilization}
	if !opts.RealBackends {
		cfg.Emulate, cfg.RedisServer = []string{"all"}, "none"
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("start server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with error: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("server did not stop within 15s")
		}
	})
	return &Server{URL: "http://" + ln.Addr().String(), DataDir: opts.DataDir, srv: srv}
}

// Server returns the underlying server (for tests that need the store).
func (s *Server) Server() *server.Server { return s.srv }
