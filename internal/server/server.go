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
	"github.com/autoscaled/autoscaled/internal/awsjson"
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
}

// Server is a running autoscaled instance.
type Server struct {
	cfg   Config
	store store.Store
	aas   *api.Service
	log   *slog.Logger
}

// OpenStore opens the store the configuration names.
func OpenStore(ctx context.Context, cfg Config) (store.Store, error) {
	if cfg.Store == "memory" {
		return memstore.New(), nil
	}
	if strings.HasPrefix(cfg.Store, "postgres://") || strings.HasPrefix(cfg.Store, "postgresql://") {
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

// New opens the store and builds the services.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	aas, err := api.New(ctx, st, api.Options{Clock: cfg.Clock, Logger: cfg.Logger, TargetQuota: cfg.TargetQuota})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Server{cfg: cfg, store: st, aas: aas, log: cfg.Logger}, nil
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
		switch target := r.Header.Get("X-Amz-Target"); {
		case aas.Owns(target):
			aas.ServeHTTP(w, r)
		default:
			b, _ := json.Marshal(map[string]string{"__type": "UnknownOperationException",
				"message": fmt.Sprintf("No service on this endpoint handles X-Amz-Target %q", target)})
			w.Header().Set("x-amzn-RequestId", awsjson.NewRequestID())
			w.Header().Set("Content-Type", awsjson.ContentType)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(b)
		}
	})
	return mux
}

// Serve serves on ln until ctx is done, then shuts down gracefully and closes the store.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx)
	case err = <-errc:
	}
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the store of a server that was never served.
func (s *Server) Close() error { return s.store.Close() }

// Store is the server's store (tests use it to seed data the engine would write).
func (s *Server) Store() store.Store { return s.store }
