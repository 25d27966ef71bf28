package cloudwatch

import (
	"context"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/metrics"
)

type putMetricDataInput struct {
	Namespace              *string
	MetricData             []wireMetricDatum
	EntityMetricData       []wireEntityMetricData
	StrictEntityValidation *bool
}

type wireMetricDatum struct {
	MetricName        *string
	Dimensions        []wireDimension
	Timestamp         *time.Time
	Value             *float64
	StatisticValues   *wireStatisticSet
	Values            []float64
	Counts            []float64
	Unit              *string
	StorageResolution *int32
}

type wireStatisticSet struct {
	SampleCount *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
}

type wireEntityMetricData struct {
	Entity     *wireEntity
	MetricData []wireMetricDatum
}

// wireEntity is accepted and ignored: autoscaled does not relate metrics to entities.
type wireEntity struct {
	KeyAttributes map[string]string
	Attributes    map[string]string
}

// CloudWatch's limits on PutMetricData.
const (
	maxMetricData   = 1000
	maxValues       = 150
	maxPastDatum    = 14 * 24 * time.Hour
	maxFutureDatum  = 2 * time.Hour
	maxDimensions   = 30
	maxEntityPerPut = 500
)

func (s *Service) putMetricData(ctx context.Context, c *call, in *putMetricDataInput) (*noOutput, error) {
	if in.Namespace == nil {
		return nil, missing("Namespace")
	}
	if err := checkNamespace("Namespace", in.Namespace); err != nil {
		return nil, err
	}
	if len(in.MetricData) == 0 && len(in.EntityMetricData) == 0 {
		return nil, missing("MetricData")
	}
	if len(in.MetricData) > maxMetricData {
		return nil, errf(CodeInvalidParameterValue, "The collection MetricData must not have a size greater than %d.", maxMetricData)
	}
	if len(in.EntityMetricData) > maxEntityPerPut {
		return nil, errf(CodeInvalidParameterValue, "The collection EntityMetricData must not have a size greater than %d.", maxEntityPerPut)
	}
	data := make([]metrics.Datum, 0, len(in.MetricData))
	add := func(param string, list []wireMetricDatum) error {
		for i := range list {
			d, err := datum(fmt.Sprintf("%s.member.%d", param, i+1), *in.Namespace, &list[i], c.now)
			if err != nil {
				return err
			}
			data = append(data, d)
		}
		return nil
	}
	if err := add("MetricData", in.MetricData); err != nil {
		return nil, err
	}
	for i, e := range in.EntityMetricData {
		if err := add(fmt.Sprintf("EntityMetricData.member.%d.MetricData", i+1), e.MetricData); err != nil {
			return nil, err
		}
	}
	if len(data) > maxMetricData {
		return nil, errf(CodeInvalidParameterValue, "The request must not contain more than %d metric data.", maxMetricData)
	}
	if err := s.metrics.Put(ctx, c.scope, data); err != nil {
		return nil, fmt.Errorf("put metric data: %w", err)
	}
	return &noOutput{}, nil
}

// datum validates one MetricDatum as CloudWatch does.
func datum(p, namespace string, in *wireMetricDatum, now time.Time) (metrics.Datum, error) {
	var d metrics.Datum
	if in.MetricName == nil {
		return d, missing(p + ".MetricName")
	}
	if err := checkLen(p+".MetricName", in.MetricName, 1, 255); err != nil {
		return d, err
	}
	dims, err := dimensions(p+".Dimensions", in.Dimensions, maxDimensions, false)
	if err != nil {
		return d, err
	}
	d.Metric = metrics.Metric{Namespace: namespace, MetricName: *in.MetricName, Dimensions: dims}
	if in.Timestamp != nil {
		ts := in.Timestamp.UTC()
		if ts.Before(now.Add(-maxPastDatum)) {
			return d, errf(CodeInvalidParameterValue, "The parameter %s.Timestamp must specify a time no more than two weeks in the past.", p)
		}
		if ts.After(now.Add(maxFutureDatum)) {
			return d, errf(CodeInvalidParameterValue, "The parameter %s.Timestamp must specify a time no more than two hours in the future.", p)
		}
		d.Timestamp = ts
	}
	if err := checkUnit(p+".Unit", in.Unit); err != nil {
		return d, err
	}
	d.Unit = unitOf(in.Unit)
	if r := in.StorageResolution; r != nil {
		if *r != 1 && *r != 60 {
			return d, invalidValue(p+".StorageResolution", *r)
		}
		d.StorageResolution = int(*r)
	}

	given := 0
	for _, set := range []bool{in.Value != nil, in.StatisticValues != nil, in.Values != nil} {
		if set {
			given++
		}
	}
	switch {
	case in.Value != nil && in.StatisticValues != nil:
		return d, exclusive(p+".Value", p+".StatisticValues")
	case in.Value != nil && in.Values != nil:
		return d, exclusive(p+".Value", p+".Values")
	case in.StatisticValues != nil && in.Values != nil:
		return d, exclusive(p+".StatisticValues", p+".Values")
	case given == 0:
		return d, errf(CodeMissingParameter, "One of the parameters %s.Value, %s.StatisticValues or %s.Values must be specified.", p, p, p)
	}
	if in.Counts != nil && in.Values == nil {
		return d, errf(CodeInvalidParameterCombination, "The parameter %s.Counts may only be specified with %s.Values.", p, p)
	}
	switch {
	case in.Value != nil:
		if !finite(*in.Value) {
			return d, invalidValue(p+".Value", *in.Value)
		}
		d.Value = in.Value
	case in.StatisticValues != nil:
		sv := in.StatisticValues
		for _, m := range []struct {
			name string
			v    *float64
		}{{"SampleCount", sv.SampleCount}, {"Sum", sv.Sum}, {"Minimum", sv.Minimum}, {"Maximum", sv.Maximum}} {
			if m.v == nil {
				return d, missing(p + ".StatisticValues." + m.name)
			}
			if !finite(*m.v) {
				return d, invalidValue(p+".StatisticValues."+m.name, *m.v)
			}
		}
		if *sv.SampleCount <= 0 {
			return d, invalidValue(p+".StatisticValues.SampleCount", *sv.SampleCount)
		}
		if *sv.Minimum > *sv.Maximum {
			return d, errf(CodeInvalidParameterValue, "The parameter %s.StatisticValues.Minimum must not be greater than %s.StatisticValues.Maximum.", p, p)
		}
		d.Stats = &metrics.StatisticSet{SampleCount: *sv.SampleCount, Sum: *sv.Sum, Minimum: *sv.Minimum, Maximum: *sv.Maximum}
	default:
		if len(in.Values) == 0 {
			return d, missing(p + ".Values")
		}
		if len(in.Values) > maxValues {
			return d, errf(CodeInvalidParameterValue, "The collection %s.Values must not have a size greater than %d.", p, maxValues)
		}
		if in.Counts != nil && len(in.Counts) != len(in.Values) {
			return d, errf(CodeInvalidParameterValue, "The parameters %s.Values and %s.Counts must be of the same size.", p, p)
		}
		for i, v := range in.Values {
			if !finite(v) {
				return d, invalidValue(fmt.Sprintf("%s.Values.member.%d", p, i+1), v)
			}
		}
		for i, v := range in.Counts {
			if !finite(v) || v < 0 {
				return d, invalidValue(fmt.Sprintf("%s.Counts.member.%d", p, i+1), v)
			}
		}
		d.Values, d.Counts = in.Values, in.Counts
	}
	return d, nil
}
