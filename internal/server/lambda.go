package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/autoscaled/autoscaled/internal/api"
	lambdaapi "github.com/autoscaled/autoscaled/internal/lambda/api"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store"
)

// openLambda starts the function workers (their Runtime API and metrics) and the Lambda API
// over them, with code and logs in DataDir/lambda (a temporary directory without a data dir).
func openLambda(ctx context.Context, cfg Config, st store.Store, ms *metrics.Memory, clock api.Clock) (*workers.Pool, *lambdaapi.Service, error) {
	dir, err := backendDir(cfg, "lambda")
	if err != nil {
		return nil, nil, err
	}
	pool, err := workers.New(workers.Options{Logger: cfg.Logger, LogDir: filepath.Join(dir, "logs"), Metrics: ms, Clock: clock.Now,
		MetricsPeriod: metricsPeriod(cfg), EmitIdleUtilization: cfg.LambdaIdleUtilization})
	if err == nil {
		err = pool.Start(ctx)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("start lambda workers: %w", err)
	}
	svc, err := lambdaapi.New(ctx, lambdaapi.Options{Store: st, Pool: pool, DataDir: filepath.Join(dir, "functions"), Logger: cfg.Logger, Clock: clock.Now})
	if err != nil {
		_ = pool.Close(context.Background())
		return nil, nil, fmt.Errorf("open lambda functions: %w", err)
	}
	return pool, svc, nil
}
