// Package managedalarms builds the CloudWatch alarms Application Auto Scaling manages for a
// target tracking policy (the AlarmHigh / AlarmLow pair, with AWS's names, descriptions,
// thresholds and datapoint rules per namespace), and maps predefined metric types to the
// CloudWatch metrics behind them. It is pure.
package managedalarms

import (
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// Metric is the metric a target tracking policy tracks: one metric with a statistic, or a
// metric math query set with one returned series.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []metrics.Dimension
	Statistic  string
	Unit       string
	Queries    []metrics.Query
}

// Rules are the datapoint rules of a namespace's managed alarms.
type Rules struct {
	// HighDatapoints is N (= M) of AlarmHigh; LowDatapoints of AlarmLow.
	HighDatapoints, LowDatapoints int32
	// LowFactor places AlarmLow's threshold at LowFactor × TargetValue.
	LowFactor float64
}

// RulesFor returns the managed-alarm rules of a namespace: 3 of 3 one-minute datapoints above
// the target and 15 of 15 below 90 % of it; DynamoDB (and Keyspaces, which follows it)
// 2 datapoints and 80 %; ElastiCache replication groups scale in only below 75 % of the
// target (its evaluation-period count is not published; we keep 15).
func RulesFor(namespace string) Rules {
	switch namespace {
	case "dynamodb", "cassandra":
		return Rules{HighDatapoints: 2, LowDatapoints: 15, LowFactor: 0.8}
	case "elasticache":
		return Rules{HighDatapoints: 3, LowDatapoints: 15, LowFactor: 0.75}
	}
	return Rules{HighDatapoints: 3, LowDatapoints: 15, LowFactor: 0.9}
}

// Period is the period of every managed alarm, in seconds.
const Period = 60

// Build returns the two alarms of a target tracking policy, AlarmHigh first, named as the
// policy's Alarms name them. It returns nil for other policies.
func Build(t *autoscaling.ScalableTarget, p *autoscaling.ScalingPolicy) ([]*cwalarms.MetricAlarm, error) {
	c := p.TargetTracking
	if c == nil || c.TargetValue == nil {
		return nil, nil
	}
	m, err := MetricOf(t.TargetKey, c)
	if err != nil {
		return nil, err
	}
	rules := RulesFor(t.Namespace)
	target := *c.TargetValue
	var out []*cwalarms.MetricAlarm
	for _, a := range p.Alarms {
		high := strings.Contains(a.AlarmName, "-AlarmHigh-")
		action := p.ARN + ":createdBy/" + createdBy(a.AlarmName)
		ma := &cwalarms.MetricAlarm{
			Scope:            t.Scope,
			AlarmName:        a.AlarmName,
			AlarmArn:         a.AlarmARN,
			AlarmDescription: "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy " + action + ".",
			ActionsEnabled:   true,
			AlarmActions:     []string{action},
			Namespace:        m.Namespace,
			MetricName:       m.MetricName,
			Dimensions:       m.Dimensions,
			Statistic:        m.Statistic,
			Unit:             m.Unit,
			Metrics:          m.Queries,
			TreatMissingData: string(alarm.TreatMissing),
		}
		if len(m.Queries) == 0 {
			ma.Period = Period
		}
		if high {
			ma.ComparisonOperator = string(alarm.GreaterThanThreshold)
			ma.Threshold = target
			ma.EvaluationPeriods, ma.DatapointsToAlarm = rules.HighDatapoints, rules.HighDatapoints
		} else {
			ma.ComparisonOperator = string(alarm.LessThanThreshold)
			ma.Threshold = roundThreshold(target * rules.LowFactor)
			ma.EvaluationPeriods, ma.DatapointsToAlarm = rules.LowDatapoints, rules.LowDatapoints
		}
		out = append(out, ma)
	}
	return out, nil
}

// roundThreshold removes the binary noise of target × factor (0.7 × 0.9 = 0.63, not
// 0.6300000000000001), as AWS shows it.
func roundThreshold(v float64) float64 {
	s := fmt.Sprintf("%.10g", v)
	var r float64
	fmt.Sscan(s, &r)
	return r
}

// createdBy is the uuid AWS appends to a managed alarm's action (PolicyARN:createdBy/UUID):
// we reuse the alarm name's own uuid, so it is stable across updates.
func createdBy(alarmName string) string {
	if i := strings.LastIndex(alarmName, "-Alarm"); i >= 0 {
		rest := alarmName[i+len("-Alarm"):]
		if j := strings.IndexByte(rest, '-'); j >= 0 {
			return rest[j+1:]
		}
	}
	return alarmName
}

// PolicyARNOfAction returns the scaling policy ARN an alarm action invokes (see
// cwalarms.PolicyARNOfAction).
func PolicyARNOfAction(action string) (string, bool) { return cwalarms.PolicyARNOfAction(action) }

// MetricOf returns the metric a target tracking configuration tracks on a target.
func MetricOf(k autoscaling.TargetKey, c *autoscaling.TargetTrackingScalingPolicyConfiguration) (Metric, error) {
	if cm := c.CustomizedMetricSpecification; cm != nil {
		return customized(cm), nil
	}
	if c.PredefinedMetricSpecification == nil || c.PredefinedMetricSpecification.PredefinedMetricType == nil {
		return Metric{}, fmt.Errorf("target tracking configuration has no metric")
	}
	label := ""
	if c.PredefinedMetricSpecification.ResourceLabel != nil {
		label = *c.PredefinedMetricSpecification.ResourceLabel
	}
	return Predefined(k, *c.PredefinedMetricSpecification.PredefinedMetricType, label)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func dims(ds []autoscaling.MetricDimension) []metrics.Dimension {
	var out []metrics.Dimension
	for _, d := range ds {
		out = append(out, metrics.Dimension{Name: str(d.Name), Value: str(d.Value)})
	}
	return out
}

func customized(c *autoscaling.CustomizedMetricSpecification) Metric {
	if len(c.Metrics) == 0 {
		return Metric{Namespace: str(c.Namespace), MetricName: str(c.MetricName), Dimensions: dims(c.Dimensions),
			Statistic: str(c.Statistic), Unit: str(c.Unit)}
	}
	var m Metric
	for _, q := range c.Metrics {
		mq := metrics.Query{ID: str(q.ID), Expression: str(q.Expression), Label: str(q.Label),
			ReturnData: q.ReturnData == nil || *q.ReturnData}
		if s := q.MetricStat; s != nil && s.Metric != nil {
			mq.MetricStat = &metrics.MetricStat{
				Metric: metrics.Metric{Namespace: str(s.Metric.Namespace), MetricName: str(s.Metric.MetricName), Dimensions: dims(s.Metric.Dimensions)},
				Period: Period * time.Second, Stat: alarm.Statistic(str(s.Stat)), Unit: str(s.Unit)}
		}
		m.Queries = append(m.Queries, mq)
	}
	// ReturnData defaults to true only when a single query is given; with several, exactly one
	// must say true (the API has validated that).
	if len(m.Queries) > 1 {
		for i, q := range c.Metrics {
			m.Queries[i].ReturnData = q.ReturnData != nil && *q.ReturnData
		}
	}
	return m
}
