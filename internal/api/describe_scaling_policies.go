package api

import (
	"context"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/store"
)

type describeScalingPoliciesInput struct {
	PolicyNames []string `json:"PolicyNames"`
	describeFilter
}

type describeScalingPoliciesOutput struct {
	ScalingPolicies []wireScalingPolicy `json:"ScalingPolicies"`
	NextToken       *string             `json:"NextToken,omitempty"`
}

// DescribeScalingPolicies pages at most 10 policies (AWS's documented range 1-10, default 10).
const maxPoliciesPage = 10

func (s *Service) describeScalingPolicies(ctx context.Context, r *awsjson.Request) (any, error) {
	var in describeScalingPoliciesInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	v.ListMax("policyNames", len(in.PolicyNames), 50)
	for i := range in.PolicyNames {
		v.String(fmt.Sprintf("policyNames.%d.member", i+1), &in.PolicyNames[i], 1, 1600)
	}
	in.validate(&v, maxPoliciesPage)
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	filters := append(filterKey(in.ServiceNamespace, in.ResourceID, in.ScalableDimension), listKey(in.PolicyNames))
	after, err := s.tokens.decode(r.Op, scope, filters, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.limit(maxPoliciesPage)
	policies, err := s.store.ListPolicies(ctx, scope, store.PolicyQuery{
		Namespace: *in.ServiceNamespace, ResourceID: deref(in.ResourceID), Dimension: deref(in.ScalableDimension),
		PolicyNames: in.PolicyNames, AfterSeq: after, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("describe scaling policies: %w", err)
	}
	out := describeScalingPoliciesOutput{ScalingPolicies: make([]wireScalingPolicy, 0, min(len(policies), limit))}
	for i, p := range policies {
		if i == limit {
			out.NextToken = ptr(s.tokens.encode(r.Op, scope, filters, policies[i-1].Seq))
			break
		}
		if p.StepScaling != nil {
			// A step policy's alarms are the user's alarms whose actions invoke it.
			if p.Alarms, err = cwalarms.AlarmsOfPolicy(ctx, s.store, scope, p.ARN); err != nil {
				return nil, fmt.Errorf("describe scaling policies: %w", err)
			}
		}
		out.ScalingPolicies = append(out.ScalingPolicies, toWirePolicy(p))
	}
	return out, nil
}
