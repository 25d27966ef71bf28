package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

type emptyOutput struct{}

func (s *Service) deregisterScalableTarget(ctx context.Context, r *awsjson.Request) (any, error) {
	var in targetKeyFields
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	in.validate(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	key := in.key()
	if err := autoscaling.CheckTargetKey(key); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	err := s.update(ctx, func(tx store.Tx) error {
		// The store cascades to the target's policies and scheduled actions.
		if err := tx.DeleteTarget(scope, key); errors.Is(err, store.ErrNotFound) {
			return autoscaling.ErrTargetNotFound(key)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deregister scalable target %s: %w", key.ResourceID, err)
	}
	return emptyOutput{}, nil
}
