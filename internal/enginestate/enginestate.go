// Package enginestate is the state the scaling engine keeps in the store's record table,
// beside the targets, policies and scheduled actions it belongs to: the scopes that hold
// targets, the baseline of each scheduled action (the last occurrence handled), each target's
// cooldowns, and the managed alarms of target tracking policies. The API writes and removes
// these records in the same transaction as the objects they belong to, so they never drift.
package enginestate

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/managedalarms"
	"github.com/autoscaled/autoscaled/internal/store"
)

const (
	scopePrefix    = "scope/"
	schedulePrefix = "sched/"
	cooldownPrefix = "cool/"
)

// ScopePrefix is the prefix of the records that list the scopes holding targets.
const ScopePrefix = scopePrefix

// ScopeKey is the record that says scope holds (or held) targets.
func ScopeKey(s autoscaling.Scope) string { return scopePrefix + s.Account + "/" + s.Region }

// ParseScopeKey reverses ScopeKey.
func ParseScopeKey(key string) (autoscaling.Scope, bool) {
	rest, ok := strings.CutPrefix(key, scopePrefix)
	if !ok {
		return autoscaling.Scope{}, false
	}
	a, r, ok := strings.Cut(rest, "/")
	return autoscaling.Scope{Account: a, Region: r}, ok
}

// ScheduleKey is the record of a scheduled action's baseline.
func ScheduleKey(actionARN string) string { return schedulePrefix + actionARN }

// CooldownKey is the record of a target's cooldowns.
func CooldownKey(targetID string) string { return cooldownPrefix + targetID }

// Baseline is a scheduled action's progress: occurrences at or before At are handled.
type Baseline struct {
	At time.Time `json:"at"`
}

// Cooldowns is what the engine remembers of a target's last policy-driven scalings.
type Cooldowns struct {
	LastScaleOut     time.Time     `json:"lastScaleOut,omitzero"`
	ScaleOutFrom     int32         `json:"scaleOutFrom,omitempty"`
	ScaleOutCooldown time.Duration `json:"scaleOutCooldown,omitempty"`
	LastScaleIn      time.Time     `json:"lastScaleIn,omitzero"`
	ScaleInCooldown  time.Duration `json:"scaleInCooldown,omitempty"`
}

// GetJSON reads a JSON record inside a transaction; found is false when it is absent.
func GetJSON(tx store.Tx, key string, v any) (found bool, err error) {
	b, err := tx.GetRecord(key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode record %s: %w", key, err)
	}
	return true, nil
}

// PutJSON writes a JSON record inside a transaction.
func PutJSON(tx store.Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record %s: %w", key, err)
	}
	return tx.PutRecord(key, b)
}

func deleteIfPresent(tx store.Tx, key string) error {
	if err := tx.DeleteRecord(key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// TargetCreated records, in the transaction that inserts t, that its scope holds targets.
func TargetCreated(tx store.Tx, t *autoscaling.ScalableTarget) error {
	return tx.PutRecord(ScopeKey(t.Scope), []byte("{}"))
}

// TargetDeleted removes, in the transaction that deletes t, the records of t, its policies
// (given) and its scheduled actions.
func TargetDeleted(tx store.Tx, t *autoscaling.ScalableTarget, policies []*autoscaling.ScalingPolicy, actions []*autoscaling.ScheduledAction) error {
	for _, p := range policies {
		if err := PolicyDeleted(tx, p); err != nil {
			return err
		}
	}
	for _, a := range actions {
		if err := deleteIfPresent(tx, ScheduleKey(a.ARN)); err != nil {
			return err
		}
	}
	return deleteIfPresent(tx, CooldownKey(t.ID))
}

// PolicyPut writes, in the transaction that stores p (replacing old, nil on create), the
// managed alarms of a target tracking policy, and removes those of a policy that stopped
// being one.
func PolicyPut(tx store.Tx, t *autoscaling.ScalableTarget, p, old *autoscaling.ScalingPolicy, now time.Time) error {
	if old != nil {
		keep := map[string]bool{}
		for _, a := range p.Alarms {
			keep[a.AlarmName] = p.TargetTracking != nil
		}
		for _, a := range old.Alarms {
			if !keep[a.AlarmName] {
				if err := cwalarms.Delete(tx, p.Scope, a.AlarmName); err != nil && !errors.Is(err, cwalarms.ErrNotFound) {
					return err
				}
			}
		}
	}
	alarms, err := managedalarms.Build(t, p)
	if err != nil {
		return autoscaling.Errorf(autoscaling.CodeValidation, "%s", err.Error())
	}
	for _, a := range alarms {
		if err := cwalarms.Put(tx, a, now); err != nil {
			return err
		}
	}
	return nil
}

// PolicyDeleted removes, in the transaction that deletes p, its managed alarms.
func PolicyDeleted(tx store.Tx, p *autoscaling.ScalingPolicy) error {
	if p.TargetTracking == nil {
		return nil
	}
	for _, a := range p.Alarms {
		if err := cwalarms.Delete(tx, p.Scope, a.AlarmName); err != nil && !errors.Is(err, cwalarms.ErrNotFound) {
			return err
		}
	}
	return nil
}

// ScheduledActionPut resets, in the transaction that stores a, the action's baseline to now:
// occurrences from now on are the ones to run.
func ScheduledActionPut(tx store.Tx, a *autoscaling.ScheduledAction, now time.Time) error {
	return PutJSON(tx, ScheduleKey(a.ARN), Baseline{At: now})
}

// ScheduledActionDeleted removes, in the transaction that deletes a, its baseline.
func ScheduledActionDeleted(tx store.Tx, a *autoscaling.ScheduledAction) error {
	return deleteIfPresent(tx, ScheduleKey(a.ARN))
}
