// Package store is the persistence contract of autoscaled: the Store interface over the domain
// types of package autoscaling, the sentinel errors every backend maps its own errors to, and
// the query types. Backends live in store/sqlite (the embedded default) and store/postgres
// (several nodes); store/storetest is the conformance kit both must pass.
//
// Reads happen outside transactions. Every mutation happens inside Update, whose function
// runs in one serializable unit: what it reads through Tx is what it writes against, so
// check-then-write logic (limits, uniqueness, create-or-update) is race free. When Update
// returns nil the change is durable (it survives kill -9 of the process). A backend may run
// several Update functions in one database transaction (group commit) as long as each
// function's changes are applied all or nothing and a failing function does not affect the
// others.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Sentinel errors. Backends wrap them; callers match with errors.Is.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: an insert collided with an existing object.
	ErrExists = errors.New("already exists")
	// ErrConflict: a concurrent writer changed the data this transaction depended on; the
	// caller may retry the whole operation. The API answers ConcurrentUpdateException.
	ErrConflict = errors.New("concurrent update")
)

// Store is the persistence contract.
type Store interface {
	// GetTarget returns one target or ErrNotFound.
	GetTarget(ctx context.Context, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error)
	// GetTargetByID returns the target whose ARN id is id, or ErrNotFound.
	GetTargetByID(ctx context.Context, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error)
	// ListTargets returns targets matching q in ascending Seq order, starting after q.AfterSeq,
	// at most q.Limit of them (0 = no limit).
	ListTargets(ctx context.Context, scope autoscaling.Scope, q TargetQuery) ([]*autoscaling.ScalableTarget, error)
	// ListPolicies returns policies matching q in ascending Seq order after q.AfterSeq.
	ListPolicies(ctx context.Context, scope autoscaling.Scope, q PolicyQuery) ([]*autoscaling.ScalingPolicy, error)
	// ListScheduledActions returns scheduled actions matching q in ascending Seq order after
	// q.AfterSeq.
	ListScheduledActions(ctx context.Context, scope autoscaling.Scope, q ScheduledActionQuery) ([]*autoscaling.ScheduledAction, error)
	// ListActivities returns activities matching q newest first (descending Seq), starting
	// before q.BeforeSeq when it is non-zero.
	ListActivities(ctx context.Context, scope autoscaling.Scope, q ActivityQuery) ([]*autoscaling.ScalingActivity, error)

	// Update runs fn as one atomic, durable unit of change. If fn returns an error nothing it
	// wrote is kept and Update returns that error (unwrapped sentinels stay matchable). If the
	// backend detects a conflicting concurrent change it returns an error wrapping
	// ErrConflict.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// Meta returns a value of the store's small key/value table (for example the key that
	// signs pagination tokens), creating it with create() the first time, atomically across
	// all nodes sharing the store.
	Meta(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error)

	// GetRecord returns the value of one record, or ErrNotFound.
	GetRecord(ctx context.Context, key string) ([]byte, error)
	// ListRecords returns the records whose key starts with prefix and sorts after after
	// (byte-wise), in ascending key order, at most limit of them (0 = no limit).
	ListRecords(ctx context.Context, prefix, after string, limit int) ([]Record, error)

	Close() error
}

// Tx is the view of the store inside Update. Reads see the transaction's own writes.
type Tx interface {
	GetTarget(scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error)
	GetTargetByID(scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error)
	// CountTargets counts the targets of one namespace and resource type (the
	// autoscaling.DimensionInfo.ResourceType of their dimension, which is also the prefix of
	// their resource ids); resourceType "" counts the whole namespace. For the
	// per-resource-type quota.
	CountTargets(scope autoscaling.Scope, namespace, resourceType string) (int, error)
	// InsertTarget stores a new target (ErrExists if the key is taken) and sets t.Seq.
	InsertTarget(t *autoscaling.ScalableTarget) error
	// UpdateTarget replaces the stored target with the same key (ErrNotFound if absent).
	UpdateTarget(t *autoscaling.ScalableTarget) error
	// DeleteTarget removes the target and, with it, its policies and scheduled actions
	// (activities are history and stay). ErrNotFound if absent.
	DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error

	// Policies returns every policy of one target, in Seq order.
	Policies(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScalingPolicy, error)
	// PutPolicy inserts (Seq == 0; ErrExists if the name is taken) or replaces (Seq != 0) a
	// policy, and sets p.Seq on insert.
	PutPolicy(p *autoscaling.ScalingPolicy) error
	// DeletePolicy removes one policy; ErrNotFound if absent.
	DeletePolicy(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error

	// ScheduledActions returns every scheduled action of one target, in Seq order.
	ScheduledActions(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScheduledAction, error)
	// PutScheduledAction inserts (Seq == 0; ErrExists if the name is taken) or replaces
	// (Seq != 0) a scheduled action, and sets a.Seq on insert.
	PutScheduledAction(a *autoscaling.ScheduledAction) error
	// DeleteScheduledAction removes one scheduled action; ErrNotFound if absent.
	DeleteScheduledAction(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error

	// PutActivity inserts (Seq == 0) or replaces (Seq != 0, same ActivityID) an activity and
	// sets a.Seq on insert.
	PutActivity(a *autoscaling.ScalingActivity) error
	// DeleteActivitiesBefore removes activities whose StartTime is before t (retention) and
	// returns how many it removed.
	DeleteActivitiesBefore(t time.Time) (int, error)

	// Records are an ordered key/value table for the state of the engine and of the other
	// services (CloudWatch alarms and their history, cooldowns, fired schedule occurrences,
	// emulated resources). Keys are at most 1024 bytes and sort byte-wise.

	// GetRecord returns the value of one record, or ErrNotFound.
	GetRecord(key string) ([]byte, error)
	// PutRecord creates or replaces a record.
	PutRecord(key string, value []byte) error
	// DeleteRecord removes one record; ErrNotFound if absent.
	DeleteRecord(key string) error
	// DeleteRecords removes every record whose key starts with prefix (which must not be
	// empty) and returns how many it removed.
	DeleteRecords(prefix string) (int, error)
}

// Record is one entry of the record table.
type Record struct {
	Key   string
	Value []byte
}

// TargetQuery filters ListTargets. Empty fields do not filter.
type TargetQuery struct {
	Namespace   string
	ResourceIDs []string
	Dimension   string
	AfterSeq    int64
	Limit       int
}

// PolicyQuery filters ListPolicies. Empty fields do not filter.
type PolicyQuery struct {
	Namespace   string
	ResourceID  string
	Dimension   string
	PolicyNames []string
	AfterSeq    int64
	Limit       int
}

// ScheduledActionQuery filters ListScheduledActions. Empty fields do not filter.
type ScheduledActionQuery struct {
	Namespace   string
	ResourceID  string
	Dimension   string
	ActionNames []string
	AfterSeq    int64
	Limit       int
}

// ActivityQuery filters ListActivities. Empty fields do not filter. IncludeNotScaled false
// leaves out activities that carry NotScaledReasons.
type ActivityQuery struct {
	Namespace        string
	ResourceID       string
	Dimension        string
	IncludeNotScaled bool
	BeforeSeq        int64
	Limit            int
}
