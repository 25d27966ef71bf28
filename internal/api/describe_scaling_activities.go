package api

import (
	"context"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type describeScalingActivitiesInput struct {
	describeFilter
	IncludeNotScaledActivities *bool `json:"IncludeNotScaledActivities"`
}

type describeScalingActivitiesOutput struct {
	ScalingActivities []wireScalingActivity `json:"ScalingActivities"`
	NextToken         *string               `json:"NextToken,omitempty"`
}

func (s *Service) describeScalingActivities(ctx context.Context, r *awsjson.Request) (any, error) {
	var in describeScalingActivitiesInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	in.validate(&v, 50)
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	include := deref(in.IncludeNotScaledActivities)
	filters := append(filterKey(in.ServiceNamespace, in.ResourceID, in.ScalableDimension), fmt.Sprint(include))
	before, err := s.tokens.decode(r.Op, scope, filters, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.limit(50)
	acts, err := s.store.ListActivities(ctx, scope, store.ActivityQuery{
		Namespace: *in.ServiceNamespace, ResourceID: deref(in.ResourceID), Dimension: deref(in.ScalableDimension),
		IncludeNotScaled: include, BeforeSeq: before, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("describe scaling activities: %w", err)
	}
	out := describeScalingActivitiesOutput{ScalingActivities: make([]wireScalingActivity, 0, min(len(acts), limit))}
	for i, a := range acts {
		if i == limit {
			out.NextToken = ptr(s.tokens.encode(r.Op, scope, filters, acts[i-1].Seq))
			break
		}
		out.ScalingActivities = append(out.ScalingActivities, toWireActivity(a))
	}
	return out, nil
}
