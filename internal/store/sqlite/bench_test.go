package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// clients is the number of concurrent callers the benchmarks simulate.
const clients = 16

// parallel makes b.RunParallel run about clients goroutines whatever GOMAXPROCS is.
func parallel(b *testing.B) {
	b.SetParallelism(max(1, (clients+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0)))
}

var benchScope = autoscaling.Scope{Account: "000000000000", Region: "us-east-1"}

func benchTarget(i int64) *autoscaling.ScalableTarget {
	key := autoscaling.TargetKey{Namespace: "lambda", ResourceID: fmt.Sprintf("function:b%d:live", i), Dimension: "lambda:function:ProvisionedConcurrency"}
	return &autoscaling.ScalableTarget{Scope: benchScope, TargetKey: key, ID: autoscaling.NewTargetID("lambda"),
		ResourceUUID: autoscaling.NewUUID(), MinCapacity: 0, MaxCapacity: 10, RoleARN: autoscaling.ServiceLinkedRoleARN(benchScope.Account, "lambda"),
		CreationTime: time.Now().UTC().Truncate(time.Millisecond), Tags: map[string]string{"bench": "yes"}}
}

// BenchmarkUpdateParallel: durable (fsynced, group-committed) inserts from 16 concurrent
// callers, each a lookup then an insert, as RegisterScalableTarget does.
func BenchmarkUpdateParallel(b *testing.B) {
	st := openAt(b, filepath.Join(b.TempDir(), "db"))
	var n atomic.Int64
	parallel(b)
	b.ReportAllocs()
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

// BenchmarkRegisterParallel adds the quota count RegisterScalableTarget does before its
// insert.
func BenchmarkRegisterParallel(b *testing.B) {
	st := openAt(b, filepath.Join(b.TempDir(), "db"))
	var n atomic.Int64
	parallel(b)
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
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// BenchmarkGetTarget: point reads from the read pool by 16 concurrent callers, over 10,000
// targets.
func BenchmarkGetTarget(b *testing.B) {
	st := openAt(b, filepath.Join(b.TempDir(), "db"))
	const size = 10_000
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
	parallel(b)
	b.ReportAllocs()
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

// BenchmarkUpdateSerial: one caller at a time, so every insert pays its own commit (and
// fsync): the latency of a lone durable write.
func BenchmarkUpdateSerial(b *testing.B) {
	st := openAt(b, filepath.Join(b.TempDir(), "db"))
	b.ResetTimer()
	for i := range int64(b.N) {
		tg := benchTarget(i)
		if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.InsertTarget(tg) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}
