package metrics

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
)

// TestConcurrentPutAndRead runs writers, readers and Prune at once; run it with -race.
func TestConcurrentPutAndRead(t *testing.T) {
	m, c := newTestStore(t0)
	const writers, readers, perWriter, seriesN = 4, 4, 300, 20
	metric := func(i int) Metric {
		return Metric{Namespace: "NS", MetricName: "M", Dimensions: []Dimension{{"id", fmt.Sprint(i % seriesN)}}}
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				mustPut(t, m, val(metric(i), t0.Add(time.Duration(i%60)*time.Second), float64(w)))
			}
		})
	}
	stop := make(chan struct{})
	var rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mt := metric(i + r)
				m.Datapoints(testScope, MetricStat{Metric: mt, Period: time.Second, Stat: "p90"}, t0, t0.Add(time.Minute))
				m.Statistics(testScope, mt, []alarm.Statistic{alarm.Sum, "p50"}, "", time.Minute, t0, t0.Add(time.Minute))
				if i%50 == 0 {
					m.List(testScope, ListFilter{})
					m.Prune()
					c.set(t0.Add(time.Duration(i%3) * time.Second))
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	total := 0.0
	for i := range seriesN {
		for _, d := range m.Datapoints(testScope, MetricStat{Metric: metric(i), Period: time.Minute, Stat: alarm.SampleCount}, t0, t0.Add(time.Minute)) {
			total += d.Value
		}
	}
	if total != writers*perWriter {
		t.Errorf("%v samples stored, want %d", total, writers*perWriter)
	}
}
