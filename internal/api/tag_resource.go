package api

import (
	"context"
	"fmt"
	"maps"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type tagResourceInput struct {
	ResourceARN *string           `json:"ResourceARN"`
	Tags        map[string]string `json:"Tags"`
}

func (s *Service) tagResource(ctx context.Context, r *awsjson.Request) (any, error) {
	var in tagResourceInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	validateResourceARN(&v, in.ResourceARN)
	v.Required("tags", in.Tags != nil)
	validateTagMap(&v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	for k := range in.Tags {
		if err := checkTagKeys(map[string]string{k: ""}); err != nil {
			return nil, err
		}
	}
	scope := ScopeOf(r.HTTP)
	err := s.update(ctx, func(tx store.Tx) error {
		t, err := targetByARN(tx, scope, *in.ResourceARN)
		if err != nil {
			return err
		}
		merged := maps.Clone(t.Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, in.Tags)
		if len(merged) > maxTagsPerTarget {
			e := autoscaling.Errorf(autoscaling.CodeTooManyTags,
				"The scalable target would have %d tags; at most %d are allowed", len(merged), maxTagsPerTarget)
			e.ResourceName = *in.ResourceARN
			return e
		}
		t.Tags = merged
		return tx.UpdateTarget(t)
	})
	if err != nil {
		return nil, fmt.Errorf("tag resource: %w", err)
	}
	return emptyOutput{}, nil
}
