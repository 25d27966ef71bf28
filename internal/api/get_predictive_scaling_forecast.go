package api

import (
	"context"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
)

type getPredictiveScalingForecastInput struct {
	targetKeyFields
	PolicyName *string            `json:"PolicyName"`
	StartTime  *awsjson.Timestamp `json:"StartTime"`
	EndTime    *awsjson.Timestamp `json:"EndTime"`
}

// getPredictiveScalingForecast validates the request and answers that predictive scaling is
// not supported yet: no forecast is made up.
func (s *Service) getPredictiveScalingForecast(_ context.Context, r *awsjson.Request) (any, error) {
	var in getPredictiveScalingForecastInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	in.validate(&v)
	v.RequiredString("policyName", in.PolicyName, 1, 256)
	v.Required("startTime", in.StartTime != nil)
	v.Required("endTime", in.EndTime != nil)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := autoscaling.CheckTargetKey(in.key()); err != nil {
		return nil, err
	}
	return nil, autoscaling.Errorf(autoscaling.CodeValidation,
		"Predictive scaling forecasts are not supported yet by this service: no PredictiveScaling policy can exist, so there is no forecast for policy %s", *in.PolicyName)
}
