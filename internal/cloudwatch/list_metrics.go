package cloudwatch

import (
	"context"
	"time"

	"github.com/autoscaled/autoscaled/internal/metrics"
)

type listMetricsInput struct {
	Namespace             *string
	MetricName            *string
	Dimensions            []wireDimension
	NextToken             *string
	RecentlyActive        *string
	IncludeLinkedAccounts *bool
	OwningAccount         *string
}

type listMetricsOutput struct {
	Metrics        []wireMetric
	NextToken      *string
	OwningAccounts []string
}

// listMetricsPage is the page size of ListMetrics (CloudWatch returns up to 500 metrics).
const listMetricsPage = 500

func (s *Service) listMetrics(ctx context.Context, c *call, in *listMetricsInput) (*listMetricsOutput, error) {
	if err := checkNamespace("Namespace", in.Namespace); err != nil {
		return nil, err
	}
	if err := checkLen("MetricName", in.MetricName, 1, 255); err != nil {
		return nil, err
	}
	dims, err := dimensions("Dimensions", in.Dimensions, 10, true)
	if err != nil {
		return nil, err
	}
	f := metrics.ListFilter{Namespace: valueOf(in.Namespace), MetricName: valueOf(in.MetricName), Dimensions: dims}
	if in.RecentlyActive != nil {
		if *in.RecentlyActive != "PT3H" {
			return nil, invalidValue("RecentlyActive", *in.RecentlyActive)
		}
		f.RecentlyActive = 3 * time.Hour
	}
	tok, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	all := s.metrics.List(c.scope, f)
	out := &listMetricsOutput{Metrics: []wireMetric{}}
	start := min(tok.Offset, len(all))
	end := min(start+listMetricsPage, len(all))
	for _, m := range all[start:end] {
		out.Metrics = append(out.Metrics, *wireMetricOf(m))
	}
	if end < len(all) {
		out.NextToken = encodeToken(pageToken{Offset: end})
	}
	if valueOf(in.IncludeLinkedAccounts) {
		out.OwningAccounts = make([]string, len(out.Metrics))
		for i := range out.OwningAccounts {
			out.OwningAccounts[i] = c.scope.Account
		}
	}
	return out, nil
}
