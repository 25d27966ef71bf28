package cloudwatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/autoscaled/autoscaled/internal/cwalarms"
)

type describeAlarmHistoryInput struct {
	AlarmName          *string
	AlarmContributorId *string
	AlarmTypes         []string
	HistoryItemType    *string
	StartDate          *time.Time
	EndDate            *time.Time
	MaxRecords         *int32
	NextToken          *string
	ScanBy             *string
}

type describeAlarmHistoryOutput struct {
	AlarmHistoryItems []wireAlarmHistoryItem
	NextToken         *string
}

type wireAlarmHistoryItem struct {
	AlarmName       *string
	AlarmType       *string
	Timestamp       *time.Time
	HistoryItemType *string
	HistorySummary  *string
	HistoryData     *string
}

var historyItemTypes = []string{cwalarms.HistoryConfigurationUpdate, cwalarms.HistoryStateUpdate, cwalarms.HistoryAction,
	"AlarmContributorStateUpdate", "AlarmContributorAction"}

const defaultHistoryRecords = 100

func (s *Service) describeAlarmHistory(ctx context.Context, c *call, in *describeAlarmHistoryInput) (*describeAlarmHistoryOutput, error) {
	if err := checkLen("AlarmName", in.AlarmName, 1, 255); err != nil {
		return nil, err
	}
	if t := in.HistoryItemType; t != nil && !slices.Contains(historyItemTypes, *t) {
		return nil, invalidValue("HistoryItemType", *t)
	}
	for i, t := range in.AlarmTypes {
		if t != "MetricAlarm" && t != "CompositeAlarm" {
			return nil, invalidValue(fmt.Sprintf("AlarmTypes.member.%d", i+1), t)
		}
	}
	scan := scanDescending
	if in.ScanBy != nil {
		if *in.ScanBy != scanDescending && *in.ScanBy != scanAscending {
			return nil, invalidValue("ScanBy", *in.ScanBy)
		}
		scan = *in.ScanBy
	}
	limit, err := maxRecords(in.MaxRecords, defaultHistoryRecords)
	if err != nil {
		return nil, err
	}
	tok, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	q := cwalarms.HistoryQuery{AlarmName: valueOf(in.AlarmName), Type: valueOf(in.HistoryItemType)}
	if in.StartDate != nil {
		q.From = in.StartDate.UTC()
	}
	if in.EndDate != nil {
		q.To = in.EndDate.UTC()
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, errf(CodeInvalidParameterValue, "The parameter StartDate must be less than the parameter EndDate.")
	}
	out := &describeAlarmHistoryOutput{AlarmHistoryItems: []wireAlarmHistoryItem{}}
	if len(in.AlarmTypes) > 0 && !slices.Contains(in.AlarmTypes, "MetricAlarm") || in.AlarmContributorId != nil {
		return out, nil
	}
	var items []cwalarms.HistoryItem
	if scan == scanDescending {
		q.Skip, q.Limit = tok.Offset, limit+1
		items, err = s.alarms.History(ctx, c.scope, q)
	} else {
		// The registry lists newest first: read everything and page from the oldest.
		items, err = s.alarms.History(ctx, c.scope, q)
		slices.Reverse(items)
		items = items[min(tok.Offset, len(items)):]
	}
	if err != nil {
		return nil, fmt.Errorf("alarm history: %w", err)
	}
	if len(items) > limit {
		items = items[:limit]
		out.NextToken = encodeToken(pageToken{Offset: tok.Offset + limit})
	}
	for _, h := range items {
		typ := h.AlarmType
		if typ == "" {
			typ = "MetricAlarm"
		}
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, wireAlarmHistoryItem{
			AlarmName: ptrTo(h.AlarmName), AlarmType: ptrTo(typ), Timestamp: ptrTo(h.Timestamp.UTC()),
			HistoryItemType: ptrTo(h.HistoryItemType), HistorySummary: nonEmpty(h.HistorySummary), HistoryData: nonEmpty(h.HistoryData),
		})
	}
	return out, nil
}
