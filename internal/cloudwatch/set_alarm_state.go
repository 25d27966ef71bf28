package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/autoscaled/autoscaled/internal/cwalarms"
)

type setAlarmStateInput struct {
	AlarmName       *string
	StateValue      *string
	StateReason     *string
	StateReasonData *string
}

func (s *Service) setAlarmState(ctx context.Context, c *call, in *setAlarmStateInput) (*noOutput, error) {
	switch {
	case in.AlarmName == nil:
		return nil, missing("AlarmName")
	case in.StateValue == nil:
		return nil, missing("StateValue")
	case in.StateReason == nil:
		return nil, missing("StateReason")
	}
	if err := checkLen("AlarmName", in.AlarmName, 1, 255); err != nil {
		return nil, err
	}
	if !slices.Contains(stateValues, *in.StateValue) {
		return nil, invalidValue("StateValue", *in.StateValue)
	}
	if err := checkLen("StateReason", in.StateReason, 0, 1023); err != nil {
		return nil, err
	}
	if err := checkLen("StateReasonData", in.StateReasonData, 0, 4000); err != nil {
		return nil, err
	}
	if d := in.StateReasonData; d != nil && *d != "" && !json.Valid([]byte(*d)) {
		return nil, errf(CodeInvalidFormat, "The value of StateReasonData is not valid JSON.")
	}
	err := s.alarms.SetAlarmState(ctx, c.scope, *in.AlarmName, *in.StateValue, *in.StateReason, valueOf(in.StateReasonData))
	if errors.Is(err, cwalarms.ErrNotFound) {
		return nil, errf(CodeResourceNotFound, "Alarm %s not found", *in.AlarmName)
	}
	if err != nil {
		return nil, fmt.Errorf("set alarm state: %w", err)
	}
	s.changed(c.scope, *in.AlarmName)
	return &noOutput{}, nil
}
