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

type deleteScheduledActionInput struct {
	targetKeyFields
	ScheduledActionName *string `json:"ScheduledActionName"`
}

func (s *Service) deleteScheduledAction(ctx context.Context, r *awsjson.Request) (any, error) {
	var in deleteScheduledActionInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	in.validate(&v)
	v.RequiredString("scheduledActionName", in.ScheduledActionName, 1, 1600)
	if err := v.Err(); err != nil {
		return nil, err
	}
	key := in.key()
	if err := autoscaling.CheckTargetKey(key); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	err := s.update(ctx, func(tx store.Tx) error {
		actions, err := tx.ScheduledActions(scope, key)
		if err != nil {
			return err
		}
		for _, a := range actions {
			if a.Name == *in.ScheduledActionName {
				if err := enginestate.ScheduledActionDeleted(tx, a); err != nil {
					return err
				}
			}
		}
		err = tx.DeleteScheduledAction(scope, key, *in.ScheduledActionName)
		if errors.Is(err, store.ErrNotFound) {
			return autoscaling.Errorf(autoscaling.CodeObjectNotFound,
				"No scheduled action found for service namespace: %s, resource ID: %s, scalable dimension: %s, scheduled action name: %s",
				key.Namespace, key.ResourceID, key.Dimension, *in.ScheduledActionName)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete scheduled action %q: %w", *in.ScheduledActionName, err)
	}
	s.changed(scope, key)
	return emptyOutput{}, nil
}
