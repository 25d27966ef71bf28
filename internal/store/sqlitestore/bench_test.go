package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

func benchTarget(i int64) *autoscaling.ScalableTarget {
	return &autoscaling.ScalableTarget{Scope: autoscaling.Scope{Account: "000000000000", Region: "us-east-1"},
		TargetKey: autoscaling.TargetKey{Namespace: "lambda", ResourceID: fmt.Sprintf("function:b%d:live", i), Dimension: "lambda:function:ProvisionedConcurrency"},
		ID:        autoscaling.NewTargetID("lambda"), ResourceUUID: autoscaling.NewUUID(), MinCapacity: 0, MaxCapacity: 10, CreationTime: time.Now()}
}

// BenchmarkRegisterParallel does what RegisterScalableTarget does in its transaction (look
// up, count, insert) from 16 goroutines: durable, group-committed inserts per second.
func BenchmarkRegisterParallel(b *testing.B) {
	st := openAt(b, filepath.Join(b.TempDir(), "db"))
	var n atomic.Int64
	b.SetParallelism(8) // 16 goroutines on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tg := benchTarget(n.Add(1))
			err := st.Update(context.Background(), func(tx store.Tx) error {
				if _, err := tx.GetTarget(tg.Scope, tg.TargetKey); !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("lookup: %v", err)
				}
				if _, err := tx.CountTargets(tg.Scope, "lambda", "function"); err != nil {
					return err
				}
				return tx.InsertTarget(tg)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// BenchmarkGetTargetParallel measures point reads from the read pool.
func BenchmarkGetTargetParallel(b *testing.B) {
	st := openAt(b, filepath.Join(b.TempDir(), "db"))
	const size = 10000
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
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tg := benchTarget(n.Add(1) % size)
			if _, err := st.GetTarget(context.Background(), tg.Scope, tg.TargetKey); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}
