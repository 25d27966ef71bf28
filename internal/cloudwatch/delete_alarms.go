package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/autoscaled/autoscaled/internal/cwalarms"
)

type deleteAlarmsInput struct {
	AlarmNames []string
}

func (s *Service) deleteAlarms(ctx context.Context, c *call, in *deleteAlarmsInput) (*noOutput, error) {
	if in.AlarmNames == nil {
		return nil, missing("AlarmNames")
	}
	if len(in.AlarmNames) > 100 {
		return nil, errf(CodeInvalidParameterValue, "The collection AlarmNames must not have a size greater than 100.")
	}
	for i, n := range in.AlarmNames {
		if n == "" || len(n) > 255 {
			return nil, invalidValue(fmt.Sprintf("AlarmNames.member.%d", i+1), n)
		}
	}
	if len(in.AlarmNames) == 0 {
		return &noOutput{}, nil
	}
	if err := s.alarms.DeleteAlarms(ctx, c.scope, in.AlarmNames); err != nil {
		if errors.Is(err, cwalarms.ErrNotFound) {
			return nil, errf(CodeResourceNotFound, "%s", s.notFoundMessage(ctx, c, in.AlarmNames))
		}
		return nil, fmt.Errorf("delete alarms: %w", err)
	}
	for _, n := range in.AlarmNames {
		s.changed(c.scope, n)
	}
	return &noOutput{}, nil
}

// notFoundMessage names the alarms of names that do not exist.
func (s *Service) notFoundMessage(ctx context.Context, c *call, names []string) string {
	var absent []string
	if as, err := s.alarms.ListAlarms(ctx, c.scope, cwalarms.ListQuery{Names: names}); err == nil {
		for _, n := range names {
			if !slices.ContainsFunc(as, func(a *cwalarms.MetricAlarm) bool { return a.AlarmName == n }) && !slices.Contains(absent, n) {
				absent = append(absent, n)
			}
		}
	}
	if len(absent) == 0 {
		absent = names
	}
	if len(absent) == 1 {
		return "Alarm " + absent[0] + " not found"
	}
	return "Alarms " + strings.Join(absent, ", ") + " not found"
}
