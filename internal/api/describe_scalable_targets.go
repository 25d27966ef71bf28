package api

import (
	"context"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type describeScalableTargetsInput struct {
	ServiceNamespace  *string  `json:"ServiceNamespace"`
	ResourceIDs       []string `json:"ResourceIds"`
	ScalableDimension *string  `json:"ScalableDimension"`
	MaxResults        *int32   `json:"MaxResults"`
	NextToken         *string  `json:"NextToken"`
}

type describeScalableTargetsOutput struct {
	ScalableTargets []wireScalableTarget `json:"ScalableTargets"`
	NextToken       *string              `json:"NextToken,omitempty"`
}

func (s *Service) describeScalableTargets(ctx context.Context, r *awsjson.Request) (any, error) {
	var in describeScalableTargetsInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	v.RequiredEnum("serviceNamespace", in.ServiceNamespace, autoscaling.Namespaces)
	v.ListMax("resourceIds", len(in.ResourceIDs), 50)
	for i := range in.ResourceIDs {
		v.String(fmt.Sprintf("resourceIds.%d.member", i+1), &in.ResourceIDs[i], 1, 1600)
	}
	v.Enum("scalableDimension", in.ScalableDimension, autoscaling.Dimensions)
	v.IntRange("maxResults", in.MaxResults, 1, 50)
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	filters := append(filterKey(in.ServiceNamespace, in.ScalableDimension), listKey(in.ResourceIDs))
	after, err := s.tokens.decode(r.Op, scope, filters, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	targets, err := s.store.ListTargets(ctx, scope, store.TargetQuery{
		Namespace: *in.ServiceNamespace, ResourceIDs: in.ResourceIDs, Dimension: deref(in.ScalableDimension),
		AfterSeq: after, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("describe scalable targets: %w", err)
	}
	out := describeScalableTargetsOutput{ScalableTargets: make([]wireScalableTarget, 0, min(len(targets), limit))}
	for i, t := range targets {
		if i == limit {
			out.NextToken = ptr(s.tokens.encode(r.Op, scope, filters, targets[i-1].Seq))
			break
		}
		out.ScalableTargets = append(out.ScalableTargets, toWireTarget(t))
	}
	return out, nil
}
