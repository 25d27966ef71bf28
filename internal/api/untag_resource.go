package api

import (
	"context"
	"fmt"
	"maps"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type untagResourceInput struct {
	ResourceARN *string  `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

func (s *Service) untagResource(ctx context.Context, r *awsjson.Request) (any, error) {
	var in untagResourceInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	validateResourceARN(&v, in.ResourceARN)
	v.Required("tagKeys", in.TagKeys != nil)
	v.ListMax("tagKeys", len(in.TagKeys), 200)
	for i := range in.TagKeys {
		v.String(fmt.Sprintf("tagKeys.%d.member", i+1), &in.TagKeys[i], 1, 128)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	err := s.update(ctx, func(tx store.Tx) error {
		t, err := targetByARN(tx, scope, *in.ResourceARN)
		if err != nil {
			return err
		}
		t.Tags = maps.Clone(t.Tags)
		for _, k := range in.TagKeys { // unknown keys are ignored
			delete(t.Tags, k)
		}
		return tx.UpdateTarget(t)
	})
	if err != nil {
		return nil, fmt.Errorf("untag resource: %w", err)
	}
	return emptyOutput{}, nil
}
