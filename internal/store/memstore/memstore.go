// Package memstore is an in-memory store.Store: state lives only as long as the process. It
// serves unit tests of the layers above the store and passes the same conformance kit as the
// durable backends (except persistence across reopen).
package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

type targetKey struct {
	scope autoscaling.Scope
	key   autoscaling.TargetKey
}

type data struct {
	seq        int64
	targets    map[targetKey]*autoscaling.ScalableTarget
	policies   map[targetKey][]*autoscaling.ScalingPolicy
	actions    map[targetKey][]*autoscaling.ScheduledAction
	activities []*autoscaling.ScalingActivity
	meta       map[string][]byte
}

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	mu   sync.RWMutex
	d    data
	recs records // see records.go
}

// New returns an empty store.
func New() *Store {
	return &Store{d: data{
		targets:  map[targetKey]*autoscaling.ScalableTarget{},
		policies: map[targetKey][]*autoscaling.ScalingPolicy{},
		actions:  map[targetKey][]*autoscaling.ScheduledAction{},
		meta:     map[string][]byte{},
	}}
}

func cloneTarget(t *autoscaling.ScalableTarget) *autoscaling.ScalableTarget {
	c := *t
	c.Tags = maps.Clone(t.Tags)
	return &c
}

func clonePolicy(p *autoscaling.ScalingPolicy) *autoscaling.ScalingPolicy {
	c := *p
	c.Alarms = slices.Clone(p.Alarms)
	return &c
}

func cloneAction(a *autoscaling.ScheduledAction) *autoscaling.ScheduledAction { c := *a; return &c }

func cloneActivity(a *autoscaling.ScalingActivity) *autoscaling.ScalingActivity {
	c := *a
	c.NotScaledReasons = slices.Clone(a.NotScaledReasons)
	return &c
}

// clone deep-copies the whole state (for transaction rollback).
func (d *data) clone() data {
	c := data{seq: d.seq, targets: map[targetKey]*autoscaling.ScalableTarget{}, policies: map[targetKey][]*autoscaling.ScalingPolicy{},
		actions: map[targetKey][]*autoscaling.ScheduledAction{}, meta: maps.Clone(d.meta)}
	for k, t := range d.targets {
		c.targets[k] = cloneTarget(t)
	}
	for k, ps := range d.policies {
		for _, p := range ps {
			c.policies[k] = append(c.policies[k], clonePolicy(p))
		}
	}
	for k, as := range d.actions {
		for _, a := range as {
			c.actions[k] = append(c.actions[k], cloneAction(a))
		}
	}
	for _, a := range d.activities {
		c.activities = append(c.activities, cloneActivity(a))
	}
	return c
}

// GetTarget implements store.Store.
func (s *Store) GetTarget(_ context.Context, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return (&tx{d: &s.d}).GetTarget(scope, key)
}

// GetTargetByID implements store.Store.
func (s *Store) GetTargetByID(_ context.Context, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return (&tx{d: &s.d}).GetTargetByID(scope, id)
}

func matches(filter, v string) bool { return filter == "" || filter == v }

func page[T any](items []T, seq func(T) int64, after int64, limit int) []T {
	slices.SortFunc(items, func(a, b T) int { return int(seq(a) - seq(b)) })
	out := items[:0:0]
	for _, it := range items {
		if seq(it) > after {
			out = append(out, it)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

// ListTargets implements store.Store.
func (s *Store) ListTargets(_ context.Context, scope autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*autoscaling.ScalableTarget
	for k, t := range s.d.targets {
		if k.scope == scope && matches(q.Namespace, t.Namespace) && matches(q.Dimension, t.Dimension) &&
			(len(q.ResourceIDs) == 0 || slices.Contains(q.ResourceIDs, t.ResourceID)) {
			out = append(out, cloneTarget(t))
		}
	}
	return page(out, func(t *autoscaling.ScalableTarget) int64 { return t.Seq }, q.AfterSeq, q.Limit), nil
}

// ListPolicies implements store.Store.
func (s *Store) ListPolicies(_ context.Context, scope autoscaling.Scope, q store.PolicyQuery) ([]*autoscaling.ScalingPolicy, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*autoscaling.ScalingPolicy
	for k, ps := range s.d.policies {
		for _, p := range ps {
			if k.scope == scope && matches(q.Namespace, p.Namespace) && matches(q.ResourceID, p.ResourceID) && matches(q.Dimension, p.Dimension) &&
				(len(q.PolicyNames) == 0 || slices.Contains(q.PolicyNames, p.Name)) {
				out = append(out, clonePolicy(p))
			}
		}
	}
	return page(out, func(p *autoscaling.ScalingPolicy) int64 { return p.Seq }, q.AfterSeq, q.Limit), nil
}

// ListScheduledActions implements store.Store.
func (s *Store) ListScheduledActions(_ context.Context, scope autoscaling.Scope, q store.ScheduledActionQuery) ([]*autoscaling.ScheduledAction, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*autoscaling.ScheduledAction
	for k, as := range s.d.actions {
		for _, a := range as {
			if k.scope == scope && matches(q.Namespace, a.Namespace) && matches(q.ResourceID, a.ResourceID) && matches(q.Dimension, a.Dimension) &&
				(len(q.ActionNames) == 0 || slices.Contains(q.ActionNames, a.Name)) {
				out = append(out, cloneAction(a))
			}
		}
	}
	return page(out, func(a *autoscaling.ScheduledAction) int64 { return a.Seq }, q.AfterSeq, q.Limit), nil
}

// ListActivities implements store.Store.
func (s *Store) ListActivities(_ context.Context, scope autoscaling.Scope, q store.ActivityQuery) ([]*autoscaling.ScalingActivity, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*autoscaling.ScalingActivity
	for i := len(s.d.activities) - 1; i >= 0; i-- {
		a := s.d.activities[i]
		if a.Scope != scope || !matches(q.Namespace, a.Namespace) || !matches(q.ResourceID, a.ResourceID) || !matches(q.Dimension, a.Dimension) ||
			(!q.IncludeNotScaled && len(a.NotScaledReasons) > 0) || (q.BeforeSeq != 0 && a.Seq >= q.BeforeSeq) {
			continue
		}
		out = append(out, cloneActivity(a))
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// Update implements store.Store: fn runs under the store's lock on a copy of the state,
// which replaces the state only if fn succeeds. The record table is changed in place and,
// if fn fails, restored from an undo log.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	work := s.d.clone()
	var log []undo
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("update panicked: %v", p)
		}
		if err != nil {
			s.recs.rollback(log)
		}
	}()
	if err := fn(&tx{d: &work, r: &s.recs, undo: &log}); err != nil {
		return err
	}
	s.d = work
	return nil
}

// Meta implements store.Store.
func (s *Store) Meta(_ context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.d.meta[key]; ok {
		return slices.Clone(v), nil
	}
	v, err := create()
	if err != nil {
		return nil, err
	}
	s.d.meta[key] = slices.Clone(v)
	return v, nil
}

// Close implements store.Store.
func (s *Store) Close() error { return nil }

type tx struct {
	d    *data
	r    *records
	undo *[]undo
}

func (t *tx) GetTarget(scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	if v, ok := t.d.targets[targetKey{scope, key}]; ok {
		return cloneTarget(v), nil
	}
	return nil, fmt.Errorf("target %s: %w", key.ResourceID, store.ErrNotFound)
}

func (t *tx) GetTargetByID(scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	for k, v := range t.d.targets {
		if k.scope == scope && v.ID == id {
			return cloneTarget(v), nil
		}
	}
	return nil, fmt.Errorf("target id %s: %w", id, store.ErrNotFound)
}

func (t *tx) CountTargets(scope autoscaling.Scope, namespace, prefix string) (int, error) {
	n := 0
	for k := range t.d.targets {
		if k.scope == scope && k.key.Namespace == namespace && strings.HasPrefix(k.key.ResourceID, prefix) {
			n++
		}
	}
	return n, nil
}

func (t *tx) InsertTarget(v *autoscaling.ScalableTarget) error {
	k := targetKey{v.Scope, v.TargetKey}
	if _, ok := t.d.targets[k]; ok {
		return fmt.Errorf("target %s: %w", v.ResourceID, store.ErrExists)
	}
	t.d.seq++
	v.Seq = t.d.seq
	t.d.targets[k] = cloneTarget(v)
	return nil
}

func (t *tx) UpdateTarget(v *autoscaling.ScalableTarget) error {
	k := targetKey{v.Scope, v.TargetKey}
	old, ok := t.d.targets[k]
	if !ok {
		return fmt.Errorf("target %s: %w", v.ResourceID, store.ErrNotFound)
	}
	c := cloneTarget(v)
	c.Seq = old.Seq
	t.d.targets[k] = c
	return nil
}

func (t *tx) DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error {
	k := targetKey{scope, key}
	if _, ok := t.d.targets[k]; !ok {
		return fmt.Errorf("target %s: %w", key.ResourceID, store.ErrNotFound)
	}
	delete(t.d.targets, k)
	delete(t.d.policies, k)
	delete(t.d.actions, k)
	return nil
}

func (t *tx) Policies(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScalingPolicy, error) {
	var out []*autoscaling.ScalingPolicy
	for _, p := range t.d.policies[targetKey{scope, key}] {
		out = append(out, clonePolicy(p))
	}
	return out, nil
}

func (t *tx) PutPolicy(p *autoscaling.ScalingPolicy) error {
	k := targetKey{p.Scope, p.TargetKey}
	list := t.d.policies[k]
	i := slices.IndexFunc(list, func(x *autoscaling.ScalingPolicy) bool { return x.Name == p.Name })
	switch {
	case p.Seq == 0 && i >= 0:
		return fmt.Errorf("policy %s: %w", p.Name, store.ErrExists)
	case p.Seq == 0:
		t.d.seq++
		p.Seq = t.d.seq
		t.d.policies[k] = append(list, clonePolicy(p))
	case i < 0:
		return fmt.Errorf("policy %s: %w", p.Name, store.ErrNotFound)
	default:
		list[i] = clonePolicy(p)
	}
	return nil
}

func (t *tx) DeletePolicy(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	k := targetKey{scope, key}
	list := t.d.policies[k]
	i := slices.IndexFunc(list, func(x *autoscaling.ScalingPolicy) bool { return x.Name == name })
	if i < 0 {
		return fmt.Errorf("policy %s: %w", name, store.ErrNotFound)
	}
	t.d.policies[k] = slices.Delete(list, i, i+1)
	return nil
}

func (t *tx) ScheduledActions(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScheduledAction, error) {
	var out []*autoscaling.ScheduledAction
	for _, a := range t.d.actions[targetKey{scope, key}] {
		out = append(out, cloneAction(a))
	}
	return out, nil
}

func (t *tx) PutScheduledAction(a *autoscaling.ScheduledAction) error {
	k := targetKey{a.Scope, a.TargetKey}
	list := t.d.actions[k]
	i := slices.IndexFunc(list, func(x *autoscaling.ScheduledAction) bool { return x.Name == a.Name })
	switch {
	case a.Seq == 0 && i >= 0:
		return fmt.Errorf("scheduled action %s: %w", a.Name, store.ErrExists)
	case a.Seq == 0:
		t.d.seq++
		a.Seq = t.d.seq
		t.d.actions[k] = append(list, cloneAction(a))
	case i < 0:
		return fmt.Errorf("scheduled action %s: %w", a.Name, store.ErrNotFound)
	default:
		list[i] = cloneAction(a)
	}
	return nil
}

func (t *tx) DeleteScheduledAction(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	k := targetKey{scope, key}
	list := t.d.actions[k]
	i := slices.IndexFunc(list, func(x *autoscaling.ScheduledAction) bool { return x.Name == name })
	if i < 0 {
		return fmt.Errorf("scheduled action %s: %w", name, store.ErrNotFound)
	}
	t.d.actions[k] = slices.Delete(list, i, i+1)
	return nil
}

func (t *tx) PutActivity(a *autoscaling.ScalingActivity) error {
	if a.Seq == 0 {
		t.d.seq++
		a.Seq = t.d.seq
		t.d.activities = append(t.d.activities, cloneActivity(a))
		return nil
	}
	i := slices.IndexFunc(t.d.activities, func(x *autoscaling.ScalingActivity) bool { return x.Seq == a.Seq })
	if i < 0 {
		return fmt.Errorf("activity %s: %w", a.ActivityID, store.ErrNotFound)
	}
	t.d.activities[i] = cloneActivity(a)
	return nil
}

func (t *tx) DeleteActivitiesBefore(before time.Time) (int, error) {
	n := len(t.d.activities)
	t.d.activities = slices.DeleteFunc(t.d.activities, func(a *autoscaling.ScalingActivity) bool { return a.StartTime.Before(before) })
	return n - len(t.d.activities), nil
}

var _ store.Store = (*Store)(nil)
