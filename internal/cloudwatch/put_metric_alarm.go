package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

type putMetricAlarmInput struct {
	AlarmName                        *string
	AlarmDescription                 *string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       *string
	Namespace                        *string
	Statistic                        *string
	ExtendedStatistic                *string
	Dimensions                       []wireDimension
	Period                           *int32
	Unit                             *string
	EvaluationPeriods                *int32
	DatapointsToAlarm                *int32
	Threshold                        *float64
	ComparisonOperator               *string
	TreatMissingData                 *string
	EvaluateLowSampleCountPercentile *string
	Metrics                          []wireMetricDataQuery
	Tags                             []wireTag
	ThresholdMetricId                *string
	EvaluationCriteria               *struct {
		PromQLCriteria *struct {
			Query          *string
			PendingPeriod  *int32
			RecoveryPeriod *int32
		}
	}
	EvaluationInterval *int32
}

type wireTag struct {
	Key   *string
	Value *string
}

// CloudWatch's limits on alarms.
const (
	maxActions      = 5
	maxAlarmMetrics = 10
	maxTags         = 50
)

// AlarmARN is the ARN of a metric alarm.
func AlarmARN(scope autoscaling.Scope, name string) string {
	return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", scope.Region, scope.Account, name)
}

func (s *Service) putMetricAlarm(ctx context.Context, c *call, in *putMetricAlarmInput) (*noOutput, error) {
	a, err := alarmFromInput(c.scope, in)
	if err != nil {
		return nil, err
	}
	if err := s.alarms.PutAlarm(ctx, a); err != nil {
		return nil, fmt.Errorf("put alarm: %w", err)
	}
	s.changed(c.scope, a.AlarmName)
	return &noOutput{}, nil
}

func (s *Service) changed(scope autoscaling.Scope, name string) {
	if s.onChange != nil {
		s.onChange(scope, name)
	}
}

// alarmFromInput validates a PutMetricAlarm request as CloudWatch does and builds the alarm.
func alarmFromInput(scope autoscaling.Scope, in *putMetricAlarmInput) (*cwalarms.MetricAlarm, error) {
	if in.AlarmName == nil {
		return nil, missing("AlarmName")
	}
	if err := checkLen("AlarmName", in.AlarmName, 1, 255); err != nil {
		return nil, err
	}
	// Control characters are not allowed in alarm names (the stored history keys rely on it).
	if strings.ContainsFunc(*in.AlarmName, unicode.IsControl) {
		return nil, invalidValue("AlarmName", *in.AlarmName)
	}
	if err := checkLen("AlarmDescription", in.AlarmDescription, 0, 1024); err != nil {
		return nil, err
	}
	if in.EvaluationCriteria != nil || in.EvaluationInterval != nil {
		return nil, errf(CodeInvalidParameterValue, "PromQL alarms (EvaluationCriteria, EvaluationInterval) are not supported.")
	}
	if in.ThresholdMetricId != nil {
		return nil, errf(CodeInvalidParameterValue, "Anomaly detection alarms (ThresholdMetricId) are not supported.")
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"OKActions", in.OKActions}, {"AlarmActions", in.AlarmActions}, {"InsufficientDataActions", in.InsufficientDataActions}} {
		if len(l.v) > maxActions {
			return nil, errf(CodeInvalidParameterValue, "The collection %s must not have a size greater than %d.", l.name, maxActions)
		}
		for i, arn := range l.v {
			if arn == "" || len(arn) > 1024 {
				return nil, invalidValue(fmt.Sprintf("%s.member.%d", l.name, i+1), arn)
			}
		}
	}
	if in.EvaluationPeriods == nil {
		return nil, missing("EvaluationPeriods")
	}
	if in.ComparisonOperator == nil {
		return nil, missing("ComparisonOperator")
	}
	if in.Threshold == nil {
		return nil, missing("Threshold")
	}
	if *in.EvaluationPeriods < 1 {
		return nil, invalidValue("EvaluationPeriods", *in.EvaluationPeriods)
	}
	if in.DatapointsToAlarm != nil && (*in.DatapointsToAlarm < 1 || *in.DatapointsToAlarm > *in.EvaluationPeriods) {
		return nil, errf(CodeInvalidParameterValue, "DatapointsToAlarm must be between 1 and EvaluationPeriods (%d), not %d.", *in.EvaluationPeriods, *in.DatapointsToAlarm)
	}
	if v := in.EvaluateLowSampleCountPercentile; v != nil && *v != "evaluate" && *v != "ignore" {
		return nil, invalidValue("EvaluateLowSampleCountPercentile", *v)
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return nil, err
	}
	tags := map[string]string{}
	if len(in.Tags) > maxTags {
		return nil, errf(CodeInvalidParameterValue, "The collection Tags must not have a size greater than %d.", maxTags)
	}
	for i, t := range in.Tags {
		p := fmt.Sprintf("Tags.member.%d", i+1)
		if t.Key == nil {
			return nil, missing(p + ".Key")
		}
		if t.Value == nil {
			return nil, missing(p + ".Value")
		}
		if err := checkLen(p+".Key", t.Key, 1, 128); err != nil {
			return nil, err
		}
		if err := checkLen(p+".Value", t.Value, 0, 256); err != nil {
			return nil, err
		}
		tags[*t.Key] = *t.Value
	}

	a := &cwalarms.MetricAlarm{
		Scope:                            scope,
		AlarmName:                        *in.AlarmName,
		AlarmArn:                         AlarmARN(scope, *in.AlarmName),
		AlarmDescription:                 valueOf(in.AlarmDescription),
		ActionsEnabled:                   in.ActionsEnabled == nil || *in.ActionsEnabled,
		OKActions:                        in.OKActions,
		AlarmActions:                     in.AlarmActions,
		InsufficientDataActions:          in.InsufficientDataActions,
		EvaluationPeriods:                *in.EvaluationPeriods,
		DatapointsToAlarm:                valueOf(in.DatapointsToAlarm),
		Threshold:                        *in.Threshold,
		ComparisonOperator:               *in.ComparisonOperator,
		TreatMissingData:                 valueOf(in.TreatMissingData),
		EvaluateLowSampleCountPercentile: valueOf(in.EvaluateLowSampleCountPercentile),
		Unit:                             valueOf(in.Unit),
	}
	if len(tags) > 0 {
		a.Tags = tags
	}
	var stat alarm.Statistic
	if len(in.Metrics) > 0 {
		// The metric math form: the single-metric parameters must not be given.
		for _, p := range []struct {
			name string
			set  bool
		}{{"MetricName", in.MetricName != nil}, {"Namespace", in.Namespace != nil}, {"Statistic", in.Statistic != nil},
			{"ExtendedStatistic", in.ExtendedStatistic != nil}, {"Dimensions", in.Dimensions != nil}, {"Period", in.Period != nil}} {
			if p.set {
				return nil, exclusive("Metrics", p.name)
			}
		}
		if len(in.Metrics) > maxAlarmMetrics {
			return nil, errf(CodeInvalidParameterValue, "The collection Metrics must not have a size greater than %d.", maxAlarmMetrics)
		}
		qs, err := queries("Metrics", in.Metrics)
		if err != nil {
			return nil, err
		}
		var ret []metrics.Query
		for _, q := range qs {
			if q.ReturnData {
				ret = append(ret, q)
			}
		}
		if len(ret) != 1 {
			return nil, errf(CodeInvalidParameterValue, "Exactly one element of the Metrics list must return data.")
		}
		r := ret[0]
		switch {
		case r.MetricStat != nil:
			a.Period = int32(r.MetricStat.Period / time.Second)
			stat = r.MetricStat.Stat
		case r.Period > 0:
			a.Period = int32(r.Period / time.Second)
		default:
			// An expression's period is that of the metrics it uses.
			for _, q := range qs {
				if q.MetricStat != nil {
					a.Period = int32(q.MetricStat.Period / time.Second)
					break
				}
			}
		}
		if a.Period == 0 {
			return nil, errf(CodeInvalidParameterValue, "The Period of the metric that returns data could not be determined: set Period on the expression.")
		}
		a.Metrics = qs
	} else {
		switch {
		case in.MetricName == nil:
			return nil, errf(CodeInvalidParameterCombination, "One of the parameters MetricName and Metrics must be specified.")
		case in.Namespace == nil:
			return nil, missing("Namespace")
		case in.Statistic != nil && in.ExtendedStatistic != nil:
			return nil, exclusive("Statistic", "ExtendedStatistic")
		case in.Statistic == nil && in.ExtendedStatistic == nil:
			return nil, errf(CodeInvalidParameterCombination, "One of the parameters Statistic and ExtendedStatistic must be specified.")
		case in.Period == nil:
			return nil, missing("Period")
		}
		if err := checkNamespace("Namespace", in.Namespace); err != nil {
			return nil, err
		}
		if err := checkLen("MetricName", in.MetricName, 1, 255); err != nil {
			return nil, err
		}
		dims, err := dimensions("Dimensions", in.Dimensions, maxDimensions, false)
		if err != nil {
			return nil, err
		}
		if in.Statistic != nil {
			if !slices.Contains(standardStatistics, *in.Statistic) {
				return nil, invalidValue("Statistic", *in.Statistic)
			}
			stat = alarm.Statistic(*in.Statistic)
			a.Statistic = *in.Statistic
		} else {
			if _, ok := alarm.Statistic(*in.ExtendedStatistic).Percentile(); !ok {
				return nil, invalidValue("ExtendedStatistic", *in.ExtendedStatistic)
			}
			stat = alarm.Statistic(*in.ExtendedStatistic)
			a.ExtendedStatistic = *in.ExtendedStatistic
		}
		a.Namespace, a.MetricName, a.Dimensions, a.Period = *in.Namespace, *in.MetricName, dims, *in.Period
	}
	if in.Period != nil && *in.Period < 1 {
		return nil, invalidValue("Period", *in.Period)
	}
	cfg := alarm.Config{
		Period:            time.Duration(a.Period) * time.Second,
		EvaluationPeriods: int(a.EvaluationPeriods),
		DatapointsToAlarm: int(a.DatapointsToAlarm),
		Threshold:         a.Threshold,
		Comparison:        alarm.ComparisonOperator(a.ComparisonOperator),
		TreatMissingData:  alarm.TreatMissingData(a.TreatMissingData),
		Statistic:         stat,
	}
	if err := cfg.Validate(); err != nil {
		return nil, errf(CodeInvalidParameterValue, "%s", configMessage(err))
	}
	return a, nil
}

// configMessage turns the joined errors of alarm.Config.Validate into one message.
func configMessage(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		for _, base := range []error{alarm.ErrInvalidConfig, alarm.ErrUnsupported} {
			line = strings.TrimPrefix(line, base.Error()+": ")
		}
		if line != "" {
			parts = append(parts, strings.TrimSuffix(line, ".")+".")
		}
	}
	if len(parts) == 0 {
		return errors.Unwrap(err).Error()
	}
	return strings.Join(parts, " ")
}
