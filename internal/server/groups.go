package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/autoscaled/autoscaled/internal/elasticache"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// backendDir is where a real backend keeps its files: DataDir/name, or without a data dir (a
// memory store) a temporary directory for the life of this process.
func backendDir(cfg Config, name string) (string, error) {
	if cfg.DataDir != "" {
		return filepath.Join(cfg.DataDir, name), nil
	}
	d, err := os.MkdirTemp("", "autoscaled-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("create a directory for %s: %w", name, err)
	}
	return d, nil
}

// metricsPeriod is how often the real backends publish their metrics: CloudWatch's basic
// one-minute period, divided by the time scale (at least a second).
func metricsPeriod(cfg Config) time.Duration {
	return max(time.Second, time.Duration(float64(time.Minute)/cfg.TimeScale))
}

// emulates reports whether --emulate keeps a namespace emulated.
func emulates(list []string, namespace string) bool {
	return slices.Contains(list, "all") || slices.Contains(list, namespace)
}

var redisVersion = regexp.MustCompile(`v=([0-9][0-9.]*)`)

// openGroups opens the real Redis replication groups in DataDir/elasticache when a
// redis-server binary is available; otherwise it returns no manager and the ElastiCache
// options that say why.
func openGroups(ctx context.Context, cfg Config) (*redisgroup.Manager, elasticache.Options, error) {
	if cfg.RedisServer == "none" {
		return nil, elasticache.Options{Unavailable: "real replication groups are disabled (--redis-server none)"}, nil
	}
	path, ok := redisgroup.Available(cfg.RedisServer)
	if !ok {
		want := cfg.RedisServer
		if want == "" {
			want = "redis-server on PATH"
		}
		return nil, elasticache.Options{Unavailable: fmt.Sprintf("%s was not found; install Redis (apt-get install redis-server) or give --redis-server", want)}, nil
	}
	version := ""
	if out, err := exec.CommandContext(ctx, path, "--version").Output(); err == nil {
		if m := redisVersion.FindSubmatch(out); m != nil {
			version = string(m[1])
		}
	}
	dir, err := backendDir(cfg, "elasticache")
	if err != nil {
		return nil, elasticache.Options{}, err
	}
	m, err := redisgroup.Open(ctx, redisgroup.Options{DataDir: dir, RedisServer: path, Logger: cfg.Logger})
	if err != nil {
		return nil, elasticache.Options{}, fmt.Errorf("open replication groups in %s: %w", dir, err)
	}
	return m, elasticache.Options{Backend: m, EngineVersion: version}, nil
}
