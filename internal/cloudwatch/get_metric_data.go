package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/autoscaled/autoscaled/internal/metrics"
)

type getMetricDataInput struct {
	MetricDataQueries []wireMetricDataQuery
	StartTime         *time.Time
	EndTime           *time.Time
	NextToken         *string
	ScanBy            *string
	MaxDatapoints     *int32
	LabelOptions      *struct{ Timezone *string }
}

type getMetricDataOutput struct {
	MetricDataResults []wireMetricDataResult
	NextToken         *string
	Messages          []wireMessageData
}

type wireMetricDataResult struct {
	Id         *string
	Label      *string
	Timestamps []time.Time
	Values     []float64
	StatusCode *string
	Messages   []wireMessageData
}

type wireMessageData struct {
	Code  *string
	Value *string
}

const (
	scanDescending = "TimestampDescending"
	scanAscending  = "TimestampAscending"
	// defaultMaxDatapoints is CloudWatch's limit on the datapoints of one GetMetricData page.
	defaultMaxDatapoints = 100800
)

func (s *Service) getMetricData(ctx context.Context, c *call, in *getMetricDataInput) (*getMetricDataOutput, error) {
	qs, err := queries("MetricDataQueries", in.MetricDataQueries)
	if err != nil {
		return nil, err
	}
	if in.StartTime == nil {
		return nil, missing("StartTime")
	}
	if in.EndTime == nil {
		return nil, missing("EndTime")
	}
	from, to := in.StartTime.UTC(), in.EndTime.UTC()
	if !from.Before(to) {
		return nil, errf(CodeInvalidParameterValue, "The parameter StartTime must be less than the parameter EndTime.")
	}
	scan := scanDescending
	if in.ScanBy != nil {
		if *in.ScanBy != scanDescending && *in.ScanBy != scanAscending {
			return nil, invalidValue("ScanBy", *in.ScanBy)
		}
		scan = *in.ScanBy
	}
	limit := defaultMaxDatapoints
	if in.MaxDatapoints != nil {
		if *in.MaxDatapoints < 1 {
			return nil, invalidValue("MaxDatapoints", *in.MaxDatapoints)
		}
		limit = int(*in.MaxDatapoints)
	}
	tok, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	results, err := s.metrics.Query(c.scope, qs, from, to)
	if err != nil {
		if errors.Is(err, metrics.ErrInvalidQuery) {
			return nil, errf(CodeInvalidParameterValue, "%s", err.Error())
		}
		return nil, fmt.Errorf("query metric data: %w", err)
	}
	// Pages cut the concatenation of every result's datapoints, in result order, after limit
	// datapoints; the token is the number of datapoints already returned.
	out := &getMetricDataOutput{MetricDataResults: make([]wireMetricDataResult, 0, len(results)), Messages: []wireMessageData{}}
	skip, budget, more := tok.Offset, limit, false
	for _, r := range results {
		ts, vs := finitePoints(r)
		if scan == scanDescending {
			slices.Reverse(ts)
			slices.Reverse(vs)
		}
		n := min(skip, len(ts))
		ts, vs = ts[n:], vs[n:]
		skip -= n
		if len(ts) > budget {
			ts, vs, more = ts[:budget], vs[:budget], true
		}
		budget -= len(ts)
		status := r.StatusCode
		if status == "" {
			status = "Complete"
		}
		if more {
			status = "PartialData"
		}
		wr := wireMetricDataResult{Id: ptrTo(r.ID), Label: ptrTo(r.Label), Timestamps: ts, Values: vs, StatusCode: ptrTo(status)}
		for _, m := range r.Messages {
			wr.Messages = append(wr.Messages, wireMessageData{Code: ptrTo("Error"), Value: ptrTo(m)})
		}
		out.MetricDataResults = append(out.MetricDataResults, wr)
	}
	if more {
		out.NextToken = encodeToken(pageToken{Offset: tok.Offset + limit})
	}
	return out, nil
}

// finitePoints copies a result's datapoints without the non-finite values that metric math
// can produce (CloudWatch does not return them).
func finitePoints(r metrics.Result) ([]time.Time, []float64) {
	ts := make([]time.Time, 0, len(r.Timestamps))
	vs := make([]float64, 0, len(r.Values))
	for i, t := range r.Timestamps {
		if i >= len(r.Values) {
			break
		}
		if v := r.Values[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			ts, vs = append(ts, t.UTC()), append(vs, v)
		}
	}
	return ts, vs
}
