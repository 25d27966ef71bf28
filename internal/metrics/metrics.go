// Package metrics is the metric store of autoscaled: CloudWatch-style metrics (namespace, name,
// dimensions, unit) that PutMetricData and the resource collectors write, and the query side
// that alarms, target tracking and the CloudWatch read operations use (statistics per period,
// percentiles, metric math).
package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Dimension is one name/value pair of a metric's identity.
type Dimension struct {
	Name  string
	Value string
}

// Metric identifies a metric. The order of Dimensions does not matter: two metrics with the
// same dimensions in another order are the same metric.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
}

// StatisticSet is a pre-aggregated set of samples (PutMetricData's StatisticValues).
type StatisticSet struct {
	SampleCount float64
	Sum         float64
	Minimum     float64
	Maximum     float64
}

// Datum is one MetricDatum of PutMetricData: exactly one of Value, Values (with optional
// Counts) or Stats is set. The API layer has validated it.
type Datum struct {
	Metric
	// Timestamp is when the value was observed; the zero time means the time of the Put.
	Timestamp time.Time
	Value     *float64
	Values    []float64
	Counts    []float64
	Stats     *StatisticSet
	// Unit is the CloudWatch unit ("" means None).
	Unit string
	// StorageResolution is 1 (high resolution) or 60 (the default, 0 means 60).
	StorageResolution int
}

// MetricStat is a metric, a period and a statistic (GetMetricData's MetricStat).
type MetricStat struct {
	Metric Metric
	Period time.Duration
	// Stat is a standard statistic or a percentile (pNN).
	Stat alarm.Statistic
	// Unit, when not empty, keeps only data put with that unit.
	Unit string
}

// Query is one MetricDataQuery: an Id and exactly one of MetricStat or Expression.
type Query struct {
	ID         string
	MetricStat *MetricStat
	Expression string
	Label      string
	// Period applies to an Expression query whose functions need one (0: the period of the
	// metrics it refers to).
	Period     time.Duration
	ReturnData bool
}

// Result is one returned series of a Query, oldest datapoint first.
type Result struct {
	ID         string
	Label      string
	Timestamps []time.Time
	Values     []float64
	// StatusCode is "Complete" or "PartialData"; Messages explain errors of an expression.
	StatusCode string
	Messages   []string
}

// StatPoint is one period of GetMetricStatistics; statistics that were not asked for are nil.
type StatPoint struct {
	Timestamp   time.Time
	SampleCount *float64
	Average     *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
	Extended    map[string]float64
	Unit        string
}

// ListFilter filters List. Empty fields do not filter; a dimension with an empty Value
// matches any value of that name.
type ListFilter struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension
	// RecentlyActive, when positive, keeps only metrics that received data in that window
	// (CloudWatch's PT3H).
	RecentlyActive time.Duration
}

// Store is the metric store.
type Store interface {
	// Put records data for a scope. It never blocks on I/O.
	Put(ctx context.Context, scope autoscaling.Scope, data []Datum) error
	// Datapoints returns one alarm datapoint per period (aligned to multiples of period since
	// the Unix epoch) that has data in [from, to), oldest first: the fast path of alarm
	// evaluation.
	Datapoints(scope autoscaling.Scope, stat MetricStat, from, to time.Time) []alarm.Datapoint
	// Statistics answers GetMetricStatistics: the requested standard and extended statistics
	// per period in [from, to), oldest first.
	Statistics(scope autoscaling.Scope, m Metric, stats []alarm.Statistic, unit string, period time.Duration, from, to time.Time) []StatPoint
	// Query answers GetMetricData: MetricStat queries and metric math expressions over them,
	// the results of the queries with ReturnData. A malformed expression is an error wrapping
	// ErrInvalidQuery, with a message fit for the caller.
	Query(scope autoscaling.Scope, queries []Query, from, to time.Time) ([]Result, error)
	// List answers ListMetrics, in a stable order (namespace, name, dimensions).
	List(scope autoscaling.Scope, f ListFilter) []Metric
}

// ErrInvalidQuery is wrapped by the errors of Query for queries CloudWatch would reject
// (unknown ids in an expression, syntax errors, cycles, more than one result where one is
// needed).
var ErrInvalidQuery = errors.New("invalid metric data query")
