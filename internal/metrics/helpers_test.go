package metrics

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

var testScope = autoscaling.Scope{Account: "123456789012", Region: "us-east-1"}

// t0 is a whole hour, so that minute and five-minute periods start on it.
var t0 = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func newTestStore(now time.Time) (*Memory, *fakeClock) {
	c := &fakeClock{now: now}
	return New(Options{Clock: c}), c
}

func ptr(v float64) *float64 { return &v }

var cpu = Metric{Namespace: "AWS/EC2", MetricName: "CPUUtilization",
	Dimensions: []Dimension{{"AutoScalingGroupName", "asg"}}}

func val(mt Metric, at time.Time, v float64) Datum {
	return Datum{Metric: mt, Timestamp: at, Value: ptr(v)}
}

func mustPut(t testing.TB, m *Memory, data ...Datum) {
	t.Helper()
	if err := m.Put(context.Background(), testScope, data); err != nil {
		t.Fatal(err)
	}
}
