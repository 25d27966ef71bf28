package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store/postgres"
	"github.com/autoscaled/autoscaled/internal/store/postgres/pgtest"

	"github.com/autoscaled/autoscaled/internal/store"
)

func benchStore(b *testing.B) *postgres.Store {
	st, err := postgres.Open(context.Background(), pgtest.FreshSchema(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func benchTarget(i int64) *autoscaling.ScalableTarget {
	scope := autoscaling.Scope{Account: "000000000000", Region: "us-east-1"}
	key := autoscaling.TargetKey{Namespace: "lambda", ResourceID: fmt.Sprintf("function:b%d:live", i), Dimension: "lambda:function:ProvisionedConcurrency"}
	return &autoscaling.ScalableTarget{Scope: scope, TargetKey: key, ID: autoscaling.NewTargetID("lambda"), ResourceUUID: autoscaling.NewUUID(),
		MaxCapacity: 10, CreationTime: time.Now().UTC().Truncate(time.Millisecond)}
}

// BenchmarkUpdateParallel: 16 concurrent callers, each a locking lookup and an insert (one
// transaction, one commit each).
func BenchmarkUpdateParallel(b *testing.B) {
	st := benchStore(b)
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tg := benchTarget(n.Add(1))
			err := st.Update(context.Background(), func(tx store.Tx) error {
				if _, err := tx.GetTarget(tg.Scope, tg.TargetKey); !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("lookup: %v", err)
				}
				return tx.InsertTarget(tg)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// BenchmarkGetTarget: point reads by 16 concurrent callers.
func BenchmarkGetTarget(b *testing.B) {
	st := benchStore(b)
	const size = 2000
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for i := range int64(size) {
			if err := tx.InsertTarget(benchTarget(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tg := benchTarget(n.Add(1) % size)
			if _, err := st.GetTarget(context.Background(), tg.Scope, tg.TargetKey); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}
