package cloudwatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/autoscaled/autoscaled/internal/cwalarms"
)

type describeAlarmsInput struct {
	AlarmNames          []string
	AlarmNamePrefix     *string
	AlarmTypes          []string
	ChildrenOfAlarmName *string
	ParentsOfAlarmName  *string
	StateValue          *string
	ActionPrefix        *string
	MaxRecords          *int32
	NextToken           *string
}

type describeAlarmsOutput struct {
	CompositeAlarms []struct{}
	MetricAlarms    []wireMetricAlarm
	NextToken       *string
}

type wireMetricAlarm struct {
	AlarmName                          *string
	AlarmArn                           *string
	AlarmDescription                   *string
	AlarmConfigurationUpdatedTimestamp *time.Time
	ActionsEnabled                     *bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         *string
	StateReason                        *string
	StateReasonData                    *string
	StateUpdatedTimestamp              *time.Time
	MetricName                         *string
	Namespace                          *string
	Statistic                          *string
	ExtendedStatistic                  *string
	Dimensions                         []wireDimension
	Period                             *int32
	Unit                               *string
	EvaluationPeriods                  *int32
	DatapointsToAlarm                  *int32
	Threshold                          *float64
	ComparisonOperator                 *string
	TreatMissingData                   *string
	EvaluateLowSampleCountPercentile   *string
	Metrics                            []wireMetricDataQuery
	StateTransitionedTimestamp         *time.Time
}

var stateValues = []string{"OK", "ALARM", "INSUFFICIENT_DATA"}

const defaultAlarmRecords = 50

func (s *Service) describeAlarms(ctx context.Context, c *call, in *describeAlarmsInput) (*describeAlarmsOutput, error) {
	if len(in.AlarmNames) > 100 {
		return nil, errf(CodeInvalidParameterValue, "The collection AlarmNames must not have a size greater than 100.")
	}
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != nil {
		return nil, exclusive("AlarmNames", "AlarmNamePrefix")
	}
	if err := checkLen("AlarmNamePrefix", in.AlarmNamePrefix, 1, 255); err != nil {
		return nil, err
	}
	if err := checkLen("ActionPrefix", in.ActionPrefix, 1, 1024); err != nil {
		return nil, err
	}
	if v := in.StateValue; v != nil && !slices.Contains(stateValues, *v) {
		return nil, invalidValue("StateValue", *v)
	}
	for i, t := range in.AlarmTypes {
		if t != "MetricAlarm" && t != "CompositeAlarm" {
			return nil, invalidValue(fmt.Sprintf("AlarmTypes.member.%d", i+1), t)
		}
	}
	limit, err := maxRecords(in.MaxRecords, defaultAlarmRecords)
	if err != nil {
		return nil, err
	}
	tok, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &describeAlarmsOutput{CompositeAlarms: []struct{}{}, MetricAlarms: []wireMetricAlarm{}}
	// Composite alarms do not exist here, so neither do their children or parents.
	if (len(in.AlarmTypes) > 0 && !slices.Contains(in.AlarmTypes, "MetricAlarm")) || in.ChildrenOfAlarmName != nil || in.ParentsOfAlarmName != nil {
		return out, nil
	}
	as, err := s.alarms.ListAlarms(ctx, c.scope, cwalarms.ListQuery{
		Names: in.AlarmNames, NamePrefix: valueOf(in.AlarmNamePrefix), State: valueOf(in.StateValue),
		ActionPrefix: valueOf(in.ActionPrefix), After: tok.After, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("list alarms: %w", err)
	}
	if len(as) > limit {
		as = as[:limit]
		out.NextToken = encodeToken(pageToken{After: as[limit-1].AlarmName})
	}
	for _, a := range as {
		out.MetricAlarms = append(out.MetricAlarms, wireAlarm(a))
	}
	return out, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// wireAlarm is the MetricAlarm shape of an alarm.
func wireAlarm(a *cwalarms.MetricAlarm) wireMetricAlarm {
	w := wireMetricAlarm{
		AlarmName:                          ptrTo(a.AlarmName),
		AlarmArn:                           ptrTo(a.AlarmArn),
		AlarmDescription:                   nonEmpty(a.AlarmDescription),
		AlarmConfigurationUpdatedTimestamp: timePtr(a.AlarmConfigurationUpdatedTimestamp),
		ActionsEnabled:                     ptrTo(a.ActionsEnabled),
		OKActions:                          orEmpty(a.OKActions),
		AlarmActions:                       orEmpty(a.AlarmActions),
		InsufficientDataActions:            orEmpty(a.InsufficientDataActions),
		StateValue:                         ptrTo(a.StateValue),
		StateReason:                        ptrTo(a.StateReason),
		StateReasonData:                    nonEmpty(a.StateReasonData),
		StateUpdatedTimestamp:              timePtr(a.StateUpdatedTimestamp),
		MetricName:                         nonEmpty(a.MetricName),
		Namespace:                          nonEmpty(a.Namespace),
		Statistic:                          nonEmpty(a.Statistic),
		ExtendedStatistic:                  nonEmpty(a.ExtendedStatistic),
		Dimensions:                         wireDimensions(a.Dimensions),
		Period:                             nonZero(a.Period),
		Unit:                               nonEmpty(a.Unit),
		EvaluationPeriods:                  ptrTo(a.EvaluationPeriods),
		DatapointsToAlarm:                  nonZero(a.DatapointsToAlarm),
		Threshold:                          ptrTo(a.Threshold),
		ComparisonOperator:                 ptrTo(a.ComparisonOperator),
		TreatMissingData:                   nonEmpty(a.TreatMissingData),
		EvaluateLowSampleCountPercentile:   nonEmpty(a.EvaluateLowSampleCountPercentile),
		StateTransitionedTimestamp:         timePtr(a.StateTransitionedTimestamp),
	}
	if a.AlarmArn == "" {
		w.AlarmArn = ptrTo(AlarmARN(a.Scope, a.AlarmName))
	}
	if len(a.Metrics) > 0 {
		w.Metrics = wireQueries(a.Metrics)
	}
	return w
}
