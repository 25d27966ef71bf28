package cloudwatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

type getMetricStatisticsInput struct {
	Namespace          *string
	MetricName         *string
	Dimensions         []wireDimension
	StartTime          *time.Time
	EndTime            *time.Time
	Period             *int32
	Statistics         []string
	ExtendedStatistics []string
	Unit               *string
}

type getMetricStatisticsOutput struct {
	Label      *string
	Datapoints []wireDatapoint
}

type wireDatapoint struct {
	Timestamp          *time.Time
	SampleCount        *float64
	Average            *float64
	Sum                *float64
	Minimum            *float64
	Maximum            *float64
	Unit               *string
	ExtendedStatistics map[string]float64
}

var standardStatistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

// maxStatisticsDatapoints is CloudWatch's limit on the datapoints of one GetMetricStatistics.
const maxStatisticsDatapoints = 1440

func (s *Service) getMetricStatistics(ctx context.Context, c *call, in *getMetricStatisticsInput) (*getMetricStatisticsOutput, error) {
	switch {
	case in.Namespace == nil:
		return nil, missing("Namespace")
	case in.MetricName == nil:
		return nil, missing("MetricName")
	case in.StartTime == nil:
		return nil, missing("StartTime")
	case in.EndTime == nil:
		return nil, missing("EndTime")
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
	if len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0 {
		return nil, errf(CodeInvalidParameterCombination, "At least one of the parameters Statistics and ExtendedStatistics must be specified.")
	}
	if len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0 {
		return nil, exclusive("Statistics", "ExtendedStatistics")
	}
	if len(in.Statistics) > 5 {
		return nil, errf(CodeInvalidParameterValue, "The collection Statistics must not have a size greater than 5.")
	}
	if len(in.ExtendedStatistics) > 10 {
		return nil, errf(CodeInvalidParameterValue, "The collection ExtendedStatistics must not have a size greater than 10.")
	}
	var stats []alarm.Statistic
	for i, st := range in.Statistics {
		if !slices.Contains(standardStatistics, st) {
			return nil, invalidValue(fmt.Sprintf("Statistics.member.%d", i+1), st)
		}
		stats = append(stats, alarm.Statistic(st))
	}
	for i, st := range in.ExtendedStatistics {
		if _, ok := alarm.Statistic(st).Percentile(); !ok {
			return nil, invalidValue(fmt.Sprintf("ExtendedStatistics.member.%d", i+1), st)
		}
		stats = append(stats, alarm.Statistic(st))
	}
	if !validPeriod(*in.Period) {
		return nil, errf(CodeInvalidParameterValue, "The parameter Period must be a multiple of 60.")
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return nil, err
	}
	from, to := in.StartTime.UTC(), in.EndTime.UTC()
	if !from.Before(to) {
		return nil, errf(CodeInvalidParameterValue, "The parameter StartTime must be less than the parameter EndTime.")
	}
	period := time.Duration(*in.Period) * time.Second
	span := to.Sub(from) // saturates for ranges beyond ~292 years, which the limit rejects anyway
	n := span / period
	if span%period != 0 {
		n++
	}
	if n > maxStatisticsDatapoints {
		return nil, errf(CodeInvalidParameterCombination, "You have requested up to %s datapoints, which exceeds the limit of %s. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
			thousands(int64(n)), thousands(maxStatisticsDatapoints))
	}
	m := metrics.Metric{Namespace: *in.Namespace, MetricName: *in.MetricName, Dimensions: dims}
	points := s.metrics.Statistics(c.scope, m, stats, unitOf(in.Unit), period, from, to)
	out := &getMetricStatisticsOutput{Label: in.MetricName, Datapoints: make([]wireDatapoint, 0, len(points))}
	for _, p := range points {
		unit := p.Unit
		if unit == "" {
			unit = "None"
		}
		dp := wireDatapoint{Timestamp: ptrTo(p.Timestamp.UTC()), SampleCount: p.SampleCount, Average: p.Average, Sum: p.Sum,
			Minimum: p.Minimum, Maximum: p.Maximum, Unit: ptrTo(unit)}
		if len(p.Extended) > 0 {
			dp.ExtendedStatistics = p.Extended
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}

// thousands formats n with comma separators, as CloudWatch's messages do (1,441).
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
