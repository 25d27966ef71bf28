package postgres_test

import (
	"context"
	"sync/atomic"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// twoNodes alternates calls between two stores on the same database.
type twoNodes struct {
	a, b store.Store
	n    atomic.Int64
}

func (t *twoNodes) pick() store.Store {
	if t.n.Add(1)%2 == 0 {
		return t.a
	}
	return t.b
}

func (t *twoNodes) GetTarget(ctx context.Context, s autoscaling.Scope, k autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return t.pick().GetTarget(ctx, s, k)
}
func (t *twoNodes) GetTargetByID(ctx context.Context, s autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return t.pick().GetTargetByID(ctx, s, id)
}
func (t *twoNodes) ListTargets(ctx context.Context, s autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	return t.pick().ListTargets(ctx, s, q)
}
func (t *twoNodes) ListPolicies(ctx context.Context, s autoscaling.Scope, q store.PolicyQuery) ([]*autoscaling.ScalingPolicy, error) {
	return t.pick().ListPolicies(ctx, s, q)
}
func (t *twoNodes) ListScheduledActions(ctx context.Context, s autoscaling.Scope, q store.ScheduledActionQuery) ([]*autoscaling.ScheduledAction, error) {
	return t.pick().ListScheduledActions(ctx, s, q)
}
func (t *twoNodes) ListActivities(ctx context.Context, s autoscaling.Scope, q store.ActivityQuery) ([]*autoscaling.ScalingActivity, error) {
	return t.pick().ListActivities(ctx, s, q)
}
func (t *twoNodes) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return t.pick().Update(ctx, fn)
}
func (t *twoNodes) Meta(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	return t.pick().Meta(ctx, key, create)
}
func (t *twoNodes) GetRecord(ctx context.Context, key string) ([]byte, error) {
	return t.pick().GetRecord(ctx, key)
}
func (t *twoNodes) ListRecords(ctx context.Context, prefix, after string, limit int) ([]store.Record, error) {
	return t.pick().ListRecords(ctx, prefix, after, limit)
}
func (t *twoNodes) Close() error { return nil }
