package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/enginestate"
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
		t, err := tx.GetTarget(scope, key)
		if errors.Is(err, store.ErrNotFound) {
			return autoscaling.ErrTargetNotFound(key)
		} else if err != nil {
			return err
		}
		policies, err := tx.Policies(scope, key)
		if err != nil {
			return err
		}
		actions, err := tx.ScheduledActions(scope, key)
		if err != nil {
			return err
		}
		// The store cascades to the target's policies and scheduled actions; the engine's
		// records (managed alarms, schedule baselines, cooldowns) go in the same transaction.
		if err := tx.DeleteTarget(scope, key); err != nil {
			return err
		}
		return enginestate.TargetDeleted(tx, t, policies, actions)
	})
	if err != nil {
		return nil, fmt.Errorf("deregister scalable target %s: %w", key.ResourceID, err)
	}
	s.changed(scope, key)
	return emptyOutput{}, nil
}
