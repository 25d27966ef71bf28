package api

import (
	"errors"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// Only scalable targets are taggable, by their ARN.

// validateResourceARN records the model constraints of ResourceARN.
func validateResourceARN(v *autoscaling.Validator, arn *string) {
	v.RequiredString("resourceARN", arn, 1, 1011)
	if arn != nil && len(*arn) <= 1011 {
		_, ok := autoscaling.ParseTargetARN(*arn)
		v.Pattern("resourceARN", arn, ok, `^arn:.+:application-autoscaling:.+:[0-9]+:scalable-target\/[a-zA-Z0-9-]+$`)
	}
}

// targetByARN finds the caller's target named by a well-formed ARN. A target of another
// account or region does not exist for the caller.
func targetByARN(tx store.Tx, scope autoscaling.Scope, arn string) (*autoscaling.ScalableTarget, error) {
	id, _ := autoscaling.ParseTargetARN(arn)
	if as, ok := autoscaling.ParseTargetARNScope(arn); ok && as == scope {
		t, err := tx.GetTargetByID(scope, id)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, errNoResource(arn)
}

func errNoResource(arn string) error {
	e := autoscaling.Errorf(autoscaling.CodeResourceNotFound, "No scalable target found for ARN: %s", arn)
	e.ResourceName = arn
	return e
}
