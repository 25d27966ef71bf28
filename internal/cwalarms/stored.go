package cwalarms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// Record keys: alarms under cw/alarm/ACCOUNT/REGION/NAME, history under
// cw/hist/ACCOUNT/REGION/NAME\x01TIMESTAMP-SEQ. Alarm names never hold control characters
// (the API rejects them), so \x01 ends a name unambiguously.
const (
	alarmPrefix   = "cw/alarm/"
	historyPrefix = "cw/hist/"
	// actionPrefix indexes alarms by the scaling policies their actions invoke:
	// cw/act/ACCOUNT/REGION/POLICYARN\x01ALARMNAME -> alarm ARN.
	actionPrefix = "cw/act/"
)

// PolicyARNOfAction returns the scaling policy ARN an alarm action invokes (a bare policy ARN
// or one with a :createdBy/UUID suffix), and false for actions that are not scaling policies.
func PolicyARNOfAction(action string) (string, bool) {
	if !strings.HasPrefix(action, "arn:") || !strings.Contains(action, ":autoscaling:") || !strings.Contains(action, ":scalingPolicy:") {
		return "", false
	}
	if i := strings.LastIndex(action, ":createdBy/"); i >= 0 {
		action = action[:i]
	}
	return action, true
}

func policyActions(a *MetricAlarm) []string {
	var out []string
	for _, list := range [][]string{a.AlarmActions, a.OKActions, a.InsufficientDataActions} {
		for _, act := range list {
			if arn, ok := PolicyARNOfAction(act); ok && !slices.Contains(out, arn) {
				out = append(out, arn)
			}
		}
	}
	return out
}

func actionIndexPrefix(scope autoscaling.Scope, policyARN string) string {
	return actionPrefix + scope.Account + "/" + scope.Region + "/" + policyARN + "\x01"
}

// reindex moves the action index of an alarm from old's policies to a's (either may be nil).
func reindex(tx store.Tx, scope autoscaling.Scope, name string, old, a *MetricAlarm) error {
	if old != nil {
		for _, arn := range policyActions(old) {
			if err := tx.DeleteRecord(actionIndexPrefix(scope, arn) + name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	if a != nil {
		for _, arn := range policyActions(a) {
			if err := tx.PutRecord(actionIndexPrefix(scope, arn)+name, []byte(a.AlarmArn)); err != nil {
				return err
			}
		}
	}
	return nil
}

// AlarmsOfPolicy lists, in name order, the alarms whose actions invoke a scaling policy
// (DescribeScalingPolicies shows them for step policies).
func AlarmsOfPolicy(ctx context.Context, st store.Store, scope autoscaling.Scope, policyARN string) ([]autoscaling.Alarm, error) {
	prefix := actionIndexPrefix(scope, policyARN)
	recs, err := st.ListRecords(ctx, prefix, "", 0)
	if err != nil {
		return nil, fmt.Errorf("alarms of policy: %w", err)
	}
	var out []autoscaling.Alarm
	for _, r := range recs {
		out = append(out, autoscaling.Alarm{AlarmName: strings.TrimPrefix(r.Key, prefix), AlarmARN: string(r.Value)})
	}
	return out, nil
}

// HistoryRetention is how long alarm history is kept (CloudWatch keeps 30 days).
const HistoryRetention = 30 * 24 * time.Hour

// AlarmKey is the record key of an alarm.
func AlarmKey(scope autoscaling.Scope, name string) string {
	return alarmPrefix + scope.Account + "/" + scope.Region + "/" + name
}

func scopePrefix(scope autoscaling.Scope) string {
	return alarmPrefix + scope.Account + "/" + scope.Region + "/"
}

func historyAlarmPrefix(scope autoscaling.Scope, name string) string {
	return historyPrefix + scope.Account + "/" + scope.Region + "/" + name + "\x01"
}

// ParseAlarmKey splits an alarm record key into its scope and name.
func ParseAlarmKey(key string) (autoscaling.Scope, string, bool) {
	rest, ok := strings.CutPrefix(key, alarmPrefix)
	if !ok {
		return autoscaling.Scope{}, "", false
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) != 3 {
		return autoscaling.Scope{}, "", false
	}
	return autoscaling.Scope{Account: parts[0], Region: parts[1]}, parts[2], true
}

// Decode decodes a stored alarm.
func Decode(scope autoscaling.Scope, b []byte) (*MetricAlarm, error) {
	var a MetricAlarm
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode alarm: %w", err)
	}
	a.Scope = scope
	return &a, nil
}

// Get reads an alarm inside a transaction; ErrNotFound if absent.
func Get(tx store.Tx, scope autoscaling.Scope, name string) (*MetricAlarm, error) {
	b, err := tx.GetRecord(AlarmKey(scope, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("alarm %q: %w", name, ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	return Decode(scope, b)
}

// Put creates or replaces an alarm's definition inside a transaction, keeping the state of an
// existing alarm, and records a ConfigurationUpdate history item.
func Put(tx store.Tx, a *MetricAlarm, now time.Time) error {
	old, err := Get(tx, a.Scope, a.AlarmName)
	summary := "Alarm \"" + a.AlarmName + "\" updated"
	switch {
	case errors.Is(err, ErrNotFound):
		summary = "Alarm \"" + a.AlarmName + "\" created"
		a.StateValue = "INSUFFICIENT_DATA"
		a.StateReason = "Unchecked: Initial alarm creation"
		a.StateReasonData = ""
		a.StateUpdatedTimestamp = now
		a.StateTransitionedTimestamp = now
	case err != nil:
		return err
	default:
		a.StateValue, a.StateReason, a.StateReasonData = old.StateValue, old.StateReason, old.StateReasonData
		a.StateUpdatedTimestamp, a.StateTransitionedTimestamp = old.StateUpdatedTimestamp, old.StateTransitionedTimestamp
	}
	a.AlarmConfigurationUpdatedTimestamp = now
	if err := write(tx, a); err != nil {
		return err
	}
	if err := reindex(tx, a.Scope, a.AlarmName, old, a); err != nil {
		return err
	}
	data, _ := json.Marshal(map[string]any{"type": "Create", "version": "1.0", "createdAlarm": a})
	if old != nil {
		data, _ = json.Marshal(map[string]any{"type": "Update", "version": "1.0", "originalAlarm": old, "updatedAlarm": a})
	}
	return AddHistory(tx, a.Scope, HistoryItem{AlarmName: a.AlarmName, AlarmType: "MetricAlarm", Timestamp: now,
		HistoryItemType: HistoryConfigurationUpdate, HistorySummary: summary, HistoryData: string(data)})
}

func write(tx store.Tx, a *MetricAlarm) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alarm: %w", err)
	}
	return tx.PutRecord(AlarmKey(a.Scope, a.AlarmName), b)
}

// Delete removes an alarm and its history inside a transaction; ErrNotFound if absent.
func Delete(tx store.Tx, scope autoscaling.Scope, name string) error {
	old, err := Get(tx, scope, name)
	if err != nil {
		return err
	}
	if err := tx.DeleteRecord(AlarmKey(scope, name)); err != nil {
		return err
	}
	if err := reindex(tx, scope, name, old, nil); err != nil {
		return err
	}
	_, err = tx.DeleteRecords(historyAlarmPrefix(scope, name))
	return err
}

// SetState moves an alarm to state inside a transaction and records a StateUpdate history
// item. It returns the alarm as stored.
func SetState(tx store.Tx, scope autoscaling.Scope, name, state, reason, reasonData string, now time.Time) (*MetricAlarm, error) {
	a, err := Get(tx, scope, name)
	if err != nil {
		return nil, err
	}
	old := a.StateValue
	a.StateValue, a.StateReason, a.StateReasonData = state, reason, reasonData
	a.StateUpdatedTimestamp = now
	if old != state {
		a.StateTransitionedTimestamp = now
	}
	if err := write(tx, a); err != nil {
		return nil, err
	}
	data, _ := json.Marshal(map[string]any{"version": "1.0",
		"oldState": map[string]any{"stateValue": old},
		"newState": map[string]any{"stateValue": state, "stateReason": reason}})
	err = AddHistory(tx, scope, HistoryItem{AlarmName: name, AlarmType: "MetricAlarm", Timestamp: now,
		HistoryItemType: HistoryStateUpdate, HistorySummary: fmt.Sprintf("Alarm updated from %s to %s", old, state),
		HistoryData: string(data)})
	return a, err
}

// AddHistory appends a history item inside a transaction.
func AddHistory(tx store.Tx, scope autoscaling.Scope, h HistoryItem) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	// Nanoseconds, zero-padded, keep one alarm's items in time order; a random suffix keeps two
	// items of the same instant apart.
	key := fmt.Sprintf("%s%020d-%s", historyAlarmPrefix(scope, h.AlarmName), h.Timestamp.UnixNano(), autoscaling.NewUUID()[:8])
	return tx.PutRecord(key, b)
}

// Stored is the Registry over the store's record table.
type Stored struct {
	Store store.Store
	Clock interface{ Now() time.Time }
	// OnChange, when set, is called after a change to an alarm is committed.
	OnChange func(scope autoscaling.Scope, name string)
}

var _ Registry = (*Stored)(nil)

func (s *Stored) changed(scope autoscaling.Scope, names ...string) {
	if s.OnChange != nil {
		for _, n := range names {
			s.OnChange(scope, n)
		}
	}
}

// PutAlarm implements Registry.
func (s *Stored) PutAlarm(ctx context.Context, a *MetricAlarm) error {
	now := s.Clock.Now()
	if err := s.Store.Update(ctx, func(tx store.Tx) error { return Put(tx, a, now) }); err != nil {
		return fmt.Errorf("put alarm %q: %w", a.AlarmName, err)
	}
	s.changed(a.Scope, a.AlarmName)
	return nil
}

// ListAlarms implements Registry.
func (s *Stored) ListAlarms(ctx context.Context, scope autoscaling.Scope, q ListQuery) ([]*MetricAlarm, error) {
	var out []*MetricAlarm
	keep := func(a *MetricAlarm) bool {
		if q.State != "" && a.StateValue != q.State {
			return false
		}
		if q.ActionPrefix != "" {
			found := false
			for _, list := range [][]string{a.AlarmActions, a.OKActions, a.InsufficientDataActions} {
				for _, act := range list {
					found = found || strings.HasPrefix(act, q.ActionPrefix)
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	if len(q.Names) > 0 {
		names := append([]string(nil), q.Names...)
		sort.Strings(names)
		for i, n := range names {
			if (i > 0 && names[i-1] == n) || n <= q.After {
				continue
			}
			b, err := s.Store.GetRecord(ctx, AlarmKey(scope, n))
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("list alarms: %w", err)
			}
			a, err := Decode(scope, b)
			if err != nil {
				return nil, err
			}
			if keep(a) {
				out = append(out, a)
				if q.Limit > 0 && len(out) == q.Limit {
					break
				}
			}
		}
		return out, nil
	}
	prefix := scopePrefix(scope)
	after := ""
	if q.After != "" {
		after = prefix + q.After
	}
	for {
		recs, err := s.Store.ListRecords(ctx, prefix+q.NamePrefix, after, 500)
		if err != nil {
			return nil, fmt.Errorf("list alarms: %w", err)
		}
		for _, r := range recs {
			a, err := Decode(scope, r.Value)
			if err != nil {
				return nil, err
			}
			if keep(a) {
				out = append(out, a)
				if q.Limit > 0 && len(out) == q.Limit {
					return out, nil
				}
			}
		}
		if len(recs) < 500 {
			return out, nil
		}
		after = recs[len(recs)-1].Key
	}
}

// DeleteAlarms implements Registry.
func (s *Stored) DeleteAlarms(ctx context.Context, scope autoscaling.Scope, names []string) error {
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			if err := Delete(tx, scope, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete alarms: %w", err)
	}
	s.changed(scope, names...)
	return nil
}

// SetAlarmState implements Registry.
func (s *Stored) SetAlarmState(ctx context.Context, scope autoscaling.Scope, name, state, reason, reasonData string) error {
	now := s.Clock.Now()
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		_, err := SetState(tx, scope, name, state, reason, reasonData, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("set alarm state %q: %w", name, err)
	}
	s.changed(scope, name)
	return nil
}

// History implements Registry.
func (s *Stored) History(ctx context.Context, scope autoscaling.Scope, q HistoryQuery) ([]HistoryItem, error) {
	prefix := historyPrefix + scope.Account + "/" + scope.Region + "/"
	if q.AlarmName != "" {
		prefix = historyAlarmPrefix(scope, q.AlarmName)
	}
	var items []HistoryItem
	after := ""
	for {
		recs, err := s.Store.ListRecords(ctx, prefix, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("alarm history: %w", err)
		}
		for _, r := range recs {
			var h HistoryItem
			if err := json.Unmarshal(r.Value, &h); err != nil {
				return nil, fmt.Errorf("decode alarm history: %w", err)
			}
			if q.Type != "" && h.HistoryItemType != q.Type {
				continue
			}
			if (!q.From.IsZero() && h.Timestamp.Before(q.From)) || (!q.To.IsZero() && h.Timestamp.After(q.To)) {
				continue
			}
			items = append(items, h)
		}
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].Key
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Timestamp.After(items[j].Timestamp) })
	if q.Skip >= len(items) {
		return nil, nil
	}
	items = items[q.Skip:]
	if q.Limit > 0 && len(items) > q.Limit {
		items = items[:q.Limit]
	}
	return items, nil
}

// All calls fn for every stored alarm of every scope, in key order (the engine's loading
// pass).
func All(ctx context.Context, st store.Store, fn func(*MetricAlarm) error) error {
	after := ""
	for {
		recs, err := st.ListRecords(ctx, alarmPrefix, after, 1000)
		if err != nil {
			return fmt.Errorf("load alarms: %w", err)
		}
		for _, r := range recs {
			scope, _, ok := ParseAlarmKey(r.Key)
			if !ok {
				continue
			}
			a, err := Decode(scope, r.Value)
			if err != nil {
				return err
			}
			if err := fn(a); err != nil {
				return err
			}
		}
		if len(recs) < 1000 {
			return nil
		}
		after = recs[len(recs)-1].Key
	}
}
