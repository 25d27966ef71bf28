// Package cwalarms holds the CloudWatch metric alarms of autoscaled: their definitions as
// PutMetricAlarm takes them, their state, and their history. Users create alarms through the
// CloudWatch API; Application Auto Scaling creates the target-tracking alarms of its policies.
// The Registry interface is what the CloudWatch API works against; the engine evaluates the
// alarms and writes their state back through it.
package cwalarms

import (
	"context"
	"errors"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// MetricAlarm is a CloudWatch metric alarm. Field names follow the CloudWatch API's
// MetricAlarm shape. Either the single-metric fields (Namespace, MetricName, Dimensions,
// Statistic or ExtendedStatistic, Period, Unit) or Metrics is set.
type MetricAlarm struct {
	Scope            autoscaling.Scope `json:"-"`
	AlarmName        string
	AlarmArn         string
	AlarmDescription string `json:",omitempty"`

	ActionsEnabled          bool
	OKActions               []string `json:",omitempty"`
	AlarmActions            []string `json:",omitempty"`
	InsufficientDataActions []string `json:",omitempty"`

	Namespace         string              `json:",omitempty"`
	MetricName        string              `json:",omitempty"`
	Dimensions        []metrics.Dimension `json:",omitempty"`
	Statistic         string              `json:",omitempty"`
	ExtendedStatistic string              `json:",omitempty"`
	Unit              string              `json:",omitempty"`
	// Period in seconds (of the single metric; for Metrics, of the returned query).
	Period int32 `json:",omitempty"`
	// Metrics is the metric-math form: each query's MetricStat period is in the query.
	Metrics []metrics.Query `json:",omitempty"`

	EvaluationPeriods                int32
	DatapointsToAlarm                int32 `json:",omitempty"`
	Threshold                        float64
	ComparisonOperator               string
	TreatMissingData                 string `json:",omitempty"`
	EvaluateLowSampleCountPercentile string `json:",omitempty"`

	Tags map[string]string `json:",omitempty"`

	StateValue                 string
	StateReason                string
	StateReasonData            string `json:",omitempty"`
	StateUpdatedTimestamp      time.Time
	StateTransitionedTimestamp time.Time
	// AlarmConfigurationUpdatedTimestamp is set by PutAlarm.
	AlarmConfigurationUpdatedTimestamp time.Time
}

// History item types.
const (
	HistoryConfigurationUpdate = "ConfigurationUpdate"
	HistoryStateUpdate         = "StateUpdate"
	HistoryAction              = "Action"
)

// HistoryItem is one entry of DescribeAlarmHistory.
type HistoryItem struct {
	AlarmName       string
	AlarmType       string // "MetricAlarm"
	Timestamp       time.Time
	HistoryItemType string
	HistorySummary  string
	HistoryData     string
}

// ListQuery filters ListAlarms. Empty fields do not filter. Alarms come in name order,
// starting after After, at most Limit of them (0: no limit).
type ListQuery struct {
	Names        []string
	NamePrefix   string
	State        string
	ActionPrefix string
	After        string
	Limit        int
}

// HistoryQuery filters History. Items come newest first.
type HistoryQuery struct {
	AlarmName string
	Type      string
	From, To  time.Time
	// Skip items already returned (pagination) and return at most Limit (0: no limit).
	Skip  int
	Limit int
}

// ErrNotFound is returned for an alarm that does not exist.
var ErrNotFound = errors.New("alarm not found")

// Registry stores alarms. Every method is durable when it returns nil.
type Registry interface {
	// PutAlarm creates an alarm (in state INSUFFICIENT_DATA) or replaces the definition of an
	// existing one, keeping its state, and records a ConfigurationUpdate history item. It sets
	// AlarmConfigurationUpdatedTimestamp (and, on create, the state fields).
	PutAlarm(ctx context.Context, a *MetricAlarm) error
	// ListAlarms lists the alarms of a scope.
	ListAlarms(ctx context.Context, scope autoscaling.Scope, q ListQuery) ([]*MetricAlarm, error)
	// DeleteAlarms deletes alarms by name; if any does not exist nothing is deleted and the
	// error wraps ErrNotFound naming it.
	DeleteAlarms(ctx context.Context, scope autoscaling.Scope, names []string) error
	// SetAlarmState sets an alarm's state and reason (SetAlarmState: the next evaluation may
	// change it again) and records a StateUpdate history item. ErrNotFound if absent.
	SetAlarmState(ctx context.Context, scope autoscaling.Scope, name, state, reason, reasonData string) error
	// History lists history items.
	History(ctx context.Context, scope autoscaling.Scope, q HistoryQuery) ([]HistoryItem, error)
}
