package api

import (
	"context"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type describeScheduledActionsInput struct {
	ScheduledActionNames []string `json:"ScheduledActionNames"`
	describeFilter
}

type describeScheduledActionsOutput struct {
	ScheduledActions []wireScheduledAction `json:"ScheduledActions"`
	NextToken        *string               `json:"NextToken,omitempty"`
}

func (s *Service) describeScheduledActions(ctx context.Context, r *awsjson.Request) (any, error) {
	var in describeScheduledActionsInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	v.ListMax("scheduledActionNames", len(in.ScheduledActionNames), 50)
	for i := range in.ScheduledActionNames {
		v.String(fmt.Sprintf("scheduledActionNames.%d.member", i+1), &in.ScheduledActionNames[i], 1, 1600)
	}
	in.validate(&v, 50)
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	filters := append(filterKey(in.ServiceNamespace, in.ResourceID, in.ScalableDimension), listKey(in.ScheduledActionNames))
	after, err := s.tokens.decode(r.Op, scope, filters, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.limit(50)
	actions, err := s.store.ListScheduledActions(ctx, scope, store.ScheduledActionQuery{
		Namespace: *in.ServiceNamespace, ResourceID: deref(in.ResourceID), Dimension: deref(in.ScalableDimension),
		ActionNames: in.ScheduledActionNames, AfterSeq: after, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("describe scheduled actions: %w", err)
	}
	out := describeScheduledActionsOutput{ScheduledActions: make([]wireScheduledAction, 0, min(len(actions), limit))}
	for i, a := range actions {
		if i == limit {
			out.NextToken = ptr(s.tokens.encode(r.Op, scope, filters, actions[i-1].Seq))
			break
		}
		out.ScheduledActions = append(out.ScheduledActions, toWireScheduledAction(a))
	}
	return out, nil
}
