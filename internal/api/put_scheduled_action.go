package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/schedule"
	"github.com/autoscaled/autoscaled/internal/store"
)

type putScheduledActionInput struct {
	targetKeyFields
	Schedule             *string                   `json:"Schedule"`
	Timezone             *string                   `json:"Timezone"`
	ScheduledActionName  *string                   `json:"ScheduledActionName"`
	StartTime            *awsjson.Timestamp        `json:"StartTime"`
	EndTime              *awsjson.Timestamp        `json:"EndTime"`
	ScalableTargetAction *wireScalableTargetAction `json:"ScalableTargetAction"`
}

func (s *Service) putScheduledAction(ctx context.Context, r *awsjson.Request) (any, error) {
	var in putScheduledActionInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	in.validate(&v)
	v.String("schedule", in.Schedule, 1, 1600)
	v.String("timezone", in.Timezone, 1, 1600)
	v.RequiredString("scheduledActionName", in.ScheduledActionName, 1, 256)
	if in.ScheduledActionName != nil && len(*in.ScheduledActionName) <= 256 {
		v.Pattern("scheduledActionName", in.ScheduledActionName,
			autoscaling.ValidScheduledActionName(*in.ScheduledActionName), autoscaling.ScheduledActionNamePattern)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	key := in.key()
	if err := autoscaling.CheckTargetKey(key); err != nil {
		return nil, err
	}
	if ns, _ := autoscaling.Namespace(key.Namespace); !ns.Scheduled {
		return nil, autoscaling.Errorf(autoscaling.CodeValidation, "Scheduled scaling is not supported for service namespace %s", key.Namespace)
	}
	if err := validateScheduleFields(&in); err != nil {
		return nil, err
	}
	scope := ScopeOf(r.HTTP)
	name := *in.ScheduledActionName
	now := s.now()
	err := s.update(ctx, func(tx store.Tx) error {
		t, err := tx.GetTarget(scope, key)
		if errors.Is(err, store.ErrNotFound) {
			return autoscaling.ErrNoTarget(key)
		} else if err != nil {
			return err
		}
		actions, err := tx.ScheduledActions(scope, key)
		if err != nil {
			return err
		}
		var a *autoscaling.ScheduledAction
		for _, x := range actions {
			if x.Name == name {
				a = x
			}
		}
		if a == nil {
			if len(actions) >= autoscaling.MaxScheduledActionsPerTarget {
				return autoscaling.Errorf(autoscaling.CodeLimitExceeded,
					"Maximum number of scheduled actions (%d) reached for scalable target %s", autoscaling.MaxScheduledActionsPerTarget, key.ResourceID)
			}
			if in.Schedule == nil {
				return autoscaling.Errorf(autoscaling.CodeValidation, "Schedule is required when creating a scheduled action")
			}
			if in.ScalableTargetAction == nil {
				return errNoCapacity
			}
			a = &autoscaling.ScheduledAction{
				Scope: scope, TargetKey: key, Name: name, CreationTime: now,
				ARN: autoscaling.ScheduledActionARN(scope, t.ResourceUUID, key, name),
			}
		}
		applyScheduledActionUpdate(a, &in)
		if err := tx.PutScheduledAction(a); err != nil {
			return err
		}
		return enginestate.ScheduledActionPut(tx, a, now)
	})
	if err != nil {
		return nil, fmt.Errorf("put scheduled action %q: %w", name, err)
	}
	s.changed(scope, key)
	return emptyOutput{}, nil
}

var errNoCapacity = autoscaling.Errorf(autoscaling.CodeValidation, "At least one of minimum capacity and maximum capacity should be provided")

// validateScheduleFields parses the schedule and time zone and checks the time window and
// capacities; everything a scheduled action needs to run is rejected here, not when it fires.
func validateScheduleFields(in *putScheduledActionInput) error {
	if in.Schedule != nil {
		if _, err := schedule.Parse(*in.Schedule); err != nil {
			return autoscaling.Errorf(autoscaling.CodeValidation, "%s", err.Error())
		}
	}
	if in.Timezone != nil {
		if _, err := schedule.LoadLocation(*in.Timezone); err != nil {
			return autoscaling.Errorf(autoscaling.CodeValidation, "%s", err.Error())
		}
	}
	if in.StartTime != nil && in.EndTime != nil && !time.Time(*in.EndTime).After(time.Time(*in.StartTime)) {
		return autoscaling.Errorf(autoscaling.CodeValidation, "EndTime must be after StartTime")
	}
	if a := in.ScalableTargetAction; a != nil {
		if a.MinCapacity == nil && a.MaxCapacity == nil {
			return errNoCapacity
		}
		if a.MinCapacity != nil && *a.MinCapacity < 0 || a.MaxCapacity != nil && *a.MaxCapacity < 0 {
			return autoscaling.Errorf(autoscaling.CodeValidation, "Capacity values of a scheduled action cannot be negative")
		}
		if a.MinCapacity != nil && a.MaxCapacity != nil && *a.MinCapacity > *a.MaxCapacity {
			return autoscaling.Errorf(autoscaling.CodeValidation,
				"Minimum capacity cannot be greater than maximum capacity (min %d, max %d)", *a.MinCapacity, *a.MaxCapacity)
		}
	}
	return nil
}

// applyScheduledActionUpdate applies a put: Schedule, Timezone and ScalableTargetAction
// change only when supplied; StartTime and EndTime are replaced on every put (AWS: "If you
// don't specify start and end times, the old values are deleted").
func applyScheduledActionUpdate(a *autoscaling.ScheduledAction, in *putScheduledActionInput) {
	if in.Schedule != nil {
		a.Schedule = *in.Schedule
	}
	if in.Timezone != nil {
		a.Timezone = in.Timezone
	}
	if in.ScalableTargetAction != nil {
		a.MinCapacity, a.MaxCapacity = in.ScalableTargetAction.MinCapacity, in.ScalableTargetAction.MaxCapacity
	}
	a.StartTime, a.EndTime = in.StartTime.TimePtr(), in.EndTime.TimePtr()
}
