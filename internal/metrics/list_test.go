package metrics

import (
	"reflect"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

func TestList(t *testing.T) {
	m, c := newTestStore(t0)
	ms := []Metric{
		{Namespace: "NS", MetricName: "B", Dimensions: []Dimension{{"host", "h2"}}},
		{Namespace: "NS", MetricName: "B", Dimensions: []Dimension{{"zone", "z"}, {"host", "h1"}}},
		{Namespace: "NS", MetricName: "A"},
		{Namespace: "AA", MetricName: "Z", Dimensions: []Dimension{{"host", "h1"}}},
	}
	for _, mt := range ms {
		mustPut(t, m, val(mt, t0, 1))
	}
	c.set(t0.Add(4 * time.Hour))
	recent := Metric{Namespace: "NS", MetricName: "Recent"}
	mustPut(t, m, val(recent, t0, 1)) // an old timestamp, put recently
	if err := m.Put(t.Context(), autoscaling.Scope{Account: "other", Region: "us-east-1"}, []Datum{val(ms[0], t0, 1)}); err != nil {
		t.Fatal(err)
	}
	sorted := Metric{Namespace: "NS", MetricName: "B", Dimensions: []Dimension{{"host", "h1"}, {"zone", "z"}}}
	tests := []struct {
		name string
		f    ListFilter
		want []Metric
	}{
		{"all", ListFilter{}, []Metric{ms[3], ms[2], sorted, ms[0], recent}},
		{"namespace", ListFilter{Namespace: "AA"}, []Metric{ms[3]}},
		{"name", ListFilter{Namespace: "NS", MetricName: "B"}, []Metric{sorted, ms[0]}},
		{"dimension value", ListFilter{Dimensions: []Dimension{{"host", "h1"}}}, []Metric{ms[3], sorted}},
		{"dimension any value", ListFilter{Dimensions: []Dimension{{"host", ""}}}, []Metric{ms[3], sorted, ms[0]}},
		{"two dimensions", ListFilter{Dimensions: []Dimension{{"host", ""}, {"zone", "z"}}}, []Metric{sorted}},
		{"no match", ListFilter{Dimensions: []Dimension{{"nope", ""}}}, nil},
		{"recently active", ListFilter{RecentlyActive: 3 * time.Hour}, []Metric{recent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.List(testScope, tt.f)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
	// The result is a copy.
	got := m.List(testScope, ListFilter{Namespace: "AA"})
	got[0].Dimensions[0].Value = "changed"
	if again := m.List(testScope, ListFilter{Namespace: "AA"}); again[0].Dimensions[0].Value != "h1" {
		t.Error("List hands out the store's dimensions")
	}
}
