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

type deleteScalingPolicyInput struct {
	PolicyName *string `json:"PolicyName"`
	targetKeyFields
}

func (s *Service) deleteScalingPolicy(ctx context.Context, r *awsjson.Request) (any, error) {
	var in deleteScalingPolicyInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	v.RequiredString("policyName", in.PolicyName, 1, 1600)
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
		policies, err := tx.Policies(scope, key)
		if err != nil {
			return err
		}
		for _, p := range policies {
			if p.Name == *in.PolicyName {
				if err := enginestate.PolicyDeleted(tx, p); err != nil {
					return err
				}
			}
		}
		err = tx.DeletePolicy(scope, key, *in.PolicyName)
		if errors.Is(err, store.ErrNotFound) {
			return autoscaling.Errorf(autoscaling.CodeObjectNotFound,
				"No scaling policy found for service namespace: %s, resource ID: %s, scalable dimension: %s, policy name: %s",
				key.Namespace, key.ResourceID, key.Dimension, *in.PolicyName)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete scaling policy %q: %w", *in.PolicyName, err)
	}
	s.changed(scope, key)
	return emptyOutput{}, nil
}
