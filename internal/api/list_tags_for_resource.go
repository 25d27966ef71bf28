package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type listTagsForResourceInput struct {
	ResourceARN *string `json:"ResourceARN"`
}

type listTagsForResourceOutput struct {
	Tags map[string]string `json:"Tags"`
}

func (s *Service) listTagsForResource(ctx context.Context, r *awsjson.Request) (any, error) {
	var in listTagsForResourceInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	validateResourceARN(&v, in.ResourceARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	arn := *in.ResourceARN
	id, _ := autoscaling.ParseTargetARN(arn)
	if as, _ := autoscaling.ParseTargetARNScope(arn); as != scope {
		return nil, errNoResource(arn)
	}
	t, err := s.store.GetTargetByID(ctx, scope, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoResource(arn)
	} else if err != nil {
		return nil, fmt.Errorf("list tags for resource: %w", err)
	}
	out := listTagsForResourceOutput{Tags: t.Tags}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	return out, nil
}
