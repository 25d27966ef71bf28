package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/store"
)

type registerScalableTargetInput struct {
	targetKeyFields
	MinCapacity    *int32              `json:"MinCapacity"`
	MaxCapacity    *int32              `json:"MaxCapacity"`
	RoleARN        *string             `json:"RoleARN"`
	SuspendedState *wireSuspendedState `json:"SuspendedState"`
	Tags           map[string]string   `json:"Tags"`
}

type registerScalableTargetOutput struct {
	ScalableTargetARN string `json:"ScalableTargetARN"`
}

// maxTagsPerTarget is the per-target tag limit (AWS's usual 50; unpublished for AAS).
const maxTagsPerTarget = 50

func (s *Service) registerScalableTarget(ctx context.Context, r *awsjson.Request) (any, error) {
	var in registerScalableTargetInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	in.validate(&v)
	v.String("roleARN", in.RoleARN, 1, 1600)
	validateTagMap(&v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	key := in.key()
	if err := autoscaling.CheckTargetKey(key); err != nil {
		return nil, err
	}
	if err := checkTagKeys(in.Tags); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	now := s.now()
	if s.roles != nil {
		if err := s.roles.EnsureServiceLinkedRole(ctx, scope.Account, key.Namespace); err != nil {
			return nil, fmt.Errorf("create the service-linked role of %s: %w", key.Namespace, err)
		}
	}
	if err := s.attach(ctx, scope, key, &in); err != nil {
		return nil, err
	}
	var arn string
	err := s.update(ctx, func(tx store.Tx) error {
		t, err := tx.GetTarget(scope, key)
		switch {
		case err == nil:
			if err := updateTarget(t, &in); err != nil {
				return err
			}
			arn = t.ARN()
			return tx.UpdateTarget(t)
		case errors.Is(err, store.ErrNotFound):
			t, err := s.newTarget(tx, scope, key, &in, now)
			if err != nil {
				return err
			}
			arn = t.ARN()
			if err := tx.InsertTarget(t); errors.Is(err, store.ErrExists) {
				return fmt.Errorf("insert target: %w", store.ErrConflict)
			} else if err != nil {
				return err
			}
			return enginestate.TargetCreated(tx, t)
		default:
			return err
		}
	})
	if err != nil {
		return nil, fmt.Errorf("register scalable target %s: %w", key.ResourceID, err)
	}
	s.changed(scope, key)
	return registerScalableTargetOutput{ScalableTargetARN: arn}, nil
}

// attach asks the engine to check (or create) the resource of a target that is not registered
// yet.
func (s *Service) attach(ctx context.Context, scope autoscaling.Scope, key autoscaling.TargetKey, in *registerScalableTargetInput) error {
	if s.engine == nil || in.MinCapacity == nil || in.MaxCapacity == nil {
		return nil
	}
	if _, err := s.store.GetTarget(ctx, scope, key); !errors.Is(err, store.ErrNotFound) {
		return nil // registered already (or the store will answer the error in the transaction)
	}
	t := &autoscaling.ScalableTarget{Scope: scope, TargetKey: key, MinCapacity: *in.MinCapacity, MaxCapacity: *in.MaxCapacity}
	if err := s.engine.Attach(ctx, t); err != nil {
		return fmt.Errorf("register scalable target %s: %w", key.ResourceID, err)
	}
	return nil
}

// newTarget builds a target for a first registration.
func (s *Service) newTarget(tx store.Tx, scope autoscaling.Scope, key autoscaling.TargetKey, in *registerScalableTargetInput, now time.Time) (*autoscaling.ScalableTarget, error) {
	if in.MinCapacity == nil || in.MaxCapacity == nil {
		return nil, autoscaling.Errorf(autoscaling.CodeValidation,
			"MinCapacity and MaxCapacity are required when registering a new scalable target")
	}
	if err := checkCapacityRange(key, *in.MinCapacity, *in.MaxCapacity); err != nil {
		return nil, err
	}
	ns, _ := autoscaling.Namespace(key.Namespace)
	dim, _ := autoscaling.Dimension(key.Dimension)
	n, err := tx.CountTargets(scope, key.Namespace, dim.ResourceType)
	if err != nil {
		return nil, err
	}
	quota := ns.TargetQuota
	if s.targetQuota > 0 {
		quota = s.targetQuota
	}
	if n >= quota {
		return nil, autoscaling.Errorf(autoscaling.CodeLimitExceeded,
			"Maximum number of scalable targets (%d) reached for service namespace %s and resource type %s in this account and region",
			quota, key.Namespace, resourceTypeName(dim.ResourceType))
	}
	role := autoscaling.ServiceLinkedRoleARN(scope.Account, key.Namespace)
	if role == "" { // elasticmapreduce: no service-linked role, the caller's role is used
		if in.RoleARN == nil {
			return nil, autoscaling.Errorf(autoscaling.CodeValidation,
				"RoleARN is required when registering a scalable target in service namespace %s", key.Namespace)
		}
		role = *in.RoleARN
	}
	t := &autoscaling.ScalableTarget{
		Scope:        scope,
		TargetKey:    key,
		ID:           autoscaling.NewTargetID(key.Namespace),
		ResourceUUID: autoscaling.NewUUID(),
		MinCapacity:  *in.MinCapacity,
		MaxCapacity:  *in.MaxCapacity,
		RoleARN:      role,
		CreationTime: now,
		Tags:         in.Tags,
	}
	mergeSuspended(&t.Suspended, in.SuspendedState)
	return t, nil
}

// updateTarget applies a re-registration: only the supplied members change.
func updateTarget(t *autoscaling.ScalableTarget, in *registerScalableTargetInput) error {
	if len(in.Tags) > 0 {
		return autoscaling.Errorf(autoscaling.CodeValidation,
			"The scalable target that you tried to tag already exists. To update tags on an existing scalable target, use the TagResource API.")
	}
	lo, hi := t.MinCapacity, t.MaxCapacity
	if in.MinCapacity != nil {
		lo = *in.MinCapacity
	}
	if in.MaxCapacity != nil {
		hi = *in.MaxCapacity
	}
	if err := checkCapacityRange(t.TargetKey, lo, hi); err != nil {
		return err
	}
	t.MinCapacity, t.MaxCapacity = lo, hi
	if in.RoleARN != nil && autoscaling.ServiceLinkedRoleARN(t.Account, t.Namespace) == "" {
		t.RoleARN = *in.RoleARN
	}
	mergeSuspended(&t.Suspended, in.SuspendedState)
	return nil
}

// checkCapacityRange checks min <= max and the resource's bounds.
func checkCapacityRange(key autoscaling.TargetKey, lo, hi int32) error {
	dim, _ := autoscaling.Dimension(key.Dimension)
	switch {
	case lo < dim.MinFloor:
		return autoscaling.Errorf(autoscaling.CodeValidation,
			"Minimum capacity cannot be less than %d for scalable dimension %s", dim.MinFloor, key.Dimension)
	case hi < 0:
		return autoscaling.Errorf(autoscaling.CodeValidation, "Maximum capacity cannot be less than 0")
	case dim.MaxCeiling > 0 && hi > dim.MaxCeiling:
		return autoscaling.Errorf(autoscaling.CodeValidation,
			"Maximum capacity cannot be greater than %d for scalable dimension %s", dim.MaxCeiling, key.Dimension)
	case lo > hi:
		return autoscaling.Errorf(autoscaling.CodeValidation,
			"Minimum capacity cannot be greater than maximum capacity (min %d, max %d)", lo, hi)
	}
	return nil
}

// mergeSuspended applies the supplied flags only (AWS's examples send a single flag to
// change one; omitted flags keep their value).
func mergeSuspended(dst *autoscaling.SuspendedState, in *wireSuspendedState) {
	if in == nil {
		return
	}
	if in.DynamicScalingInSuspended != nil {
		dst.DynamicScalingInSuspended = *in.DynamicScalingInSuspended
	}
	if in.DynamicScalingOutSuspended != nil {
		dst.DynamicScalingOutSuspended = *in.DynamicScalingOutSuspended
	}
	if in.ScheduledScalingSuspended != nil {
		dst.ScheduledScalingSuspended = *in.ScheduledScalingSuspended
	}
}

func resourceTypeName(t string) string {
	if t == "" {
		return "(any)"
	}
	return t
}

// validateTagMap records the model constraints of a TagMap.
func validateTagMap(v *autoscaling.Validator, tags map[string]string) {
	for k, val := range tags {
		v.String("tags.key", &k, 1, 128)
		v.String("tags.value", &val, 0, 256)
	}
}

// checkTagKeys rejects the reserved aws: prefix.
func checkTagKeys(tags map[string]string) error {
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return autoscaling.Errorf(autoscaling.CodeValidation, "Tag keys starting with 'aws:' are reserved for AWS use: %s", k)
		}
	}
	if len(tags) > maxTagsPerTarget {
		return autoscaling.Errorf(autoscaling.CodeValidation, "A scalable target can have at most %d tags", maxTagsPerTarget)
	}
	return nil
}
