package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// querier runs a query on the read pool or on the writer's connection.
type querier interface {
	query(q string, args ...any) (*sql.Rows, error)
}

// reader queries the read pool.
type reader struct {
	ctx context.Context
	s   *Store
}

func (r reader) query(q string, args ...any) (*sql.Rows, error) {
	st, err := r.s.rstmt(r.ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(r.ctx, args...)
}

// collect scans every row.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (*T, error)) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// one scans the first row, or returns nil.
func one[T any](rows *sql.Rows, err error, scan func(scanner) (*T, error)) (*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	return scan(rows)
}

const keyWhere = `account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?`

func keyArgs(scope autoscaling.Scope, k autoscaling.TargetKey, more ...any) []any {
	return append([]any{scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension}, more...)
}

var (
	sqlGetTarget     = `SELECT ` + targetCols + ` FROM targets WHERE ` + keyWhere
	sqlGetTargetByID = `SELECT ` + targetCols + ` FROM targets WHERE account = ? AND region = ? AND id = ?`
	// "+seq" (an expression, not the column) keeps the planner on the key index: a target
	// has few children, sorting them is cheaper than walking the namespace by seq.
	sqlTxPolicies = `SELECT ` + policyCols + ` FROM policies WHERE ` + keyWhere + ` ORDER BY +seq`
	sqlTxActions  = `SELECT ` + actionCols + ` FROM scheduled_actions WHERE ` + keyWhere + ` ORDER BY +seq`
)

func getTarget(q querier, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	rows, err := q.query(sqlGetTarget, keyArgs(scope, key)...)
	t, err := one(rows, err, scanTarget)
	switch {
	case err != nil:
		return nil, fmt.Errorf("get target %s %s: %w", key.ResourceID, key.Dimension, err)
	case t == nil:
		return nil, fmt.Errorf("target %s %s: %w", key.ResourceID, key.Dimension, store.ErrNotFound)
	}
	return t, nil
}

func getTargetByID(q querier, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	rows, err := q.query(sqlGetTargetByID, scope.Account, scope.Region, id)
	t, err := one(rows, err, scanTarget)
	switch {
	case err != nil:
		return nil, fmt.Errorf("get target id %s: %w", id, err)
	case t == nil:
		return nil, fmt.Errorf("target id %s: %w", id, store.ErrNotFound)
	}
	return t, nil
}

// GetTarget implements store.Store.
func (s *Store) GetTarget(ctx context.Context, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(reader{ctx, s}, scope, key)
}

// GetTargetByID implements store.Store.
func (s *Store) GetTargetByID(ctx context.Context, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(reader{ctx, s}, scope, id)
}

// filter builds the WHERE clause of a list query. The set of distinct query texts stays
// small (list filters are IN (json_each(?)), the limit a parameter), so every one is
// prepared once.
type filter struct {
	conds []string
	args  []any
	// byResource: the query names resource ids, so the key index (account, region,
	// namespace, resource_id, ...) finds the few rows; seq is then written "+seq" so that
	// the planner does not prefer walking the whole namespace in seq order instead.
	byResource bool
}

func scoped(scope autoscaling.Scope) *filter {
	return &filter{conds: []string{"account = ?", "region = ?"}, args: []any{scope.Account, scope.Region}}
}

func (f *filter) add(cond string, arg any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, arg)
}

func (f *filter) eq(col, v string) {
	if v != "" {
		f.add(col+" = ?", v)
	}
}

func (f *filter) in(col string, vs []string) {
	if len(vs) > 0 {
		b, _ := json.Marshal(vs) // []string always encodes
		f.add(col+" IN (SELECT value FROM json_each(?))", string(b))
	}
}

// resource filters on one resource id ("" does not filter).
func (f *filter) resource(v string) {
	if v != "" {
		f.add("resource_id = ?", v)
		f.byResource = true
	}
}

// resources filters on a list of resource ids (empty does not filter).
func (f *filter) resources(vs []string) {
	switch {
	case len(vs) == 1:
		f.add("resource_id = ?", vs[0])
	case len(vs) > 1:
		f.in("resource_id", vs)
	default:
		return
	}
	f.byResource = true
}

// ascending returns the query for rows after seq in ascending seq order, and its
// arguments, the limit last (-1: none).
func (f *filter) ascending(selectFrom string, after int64, limit int) (string, []any) {
	col := "seq"
	if f.byResource {
		col = "+seq"
	}
	f.add(col+" > ?", after)
	return f.sql(selectFrom, col, limit)
}

func (f *filter) sql(selectFrom, order string, limit int) (string, []any) {
	if limit <= 0 {
		limit = -1
	}
	return selectFrom + " WHERE " + strings.Join(f.conds, " AND ") + " ORDER BY " + order + " LIMIT ?", append(f.args, limit)
}

// ListTargets implements store.Store.
func (s *Store) ListTargets(ctx context.Context, scope autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("dimension", q.Dimension)
	f.resources(q.ResourceIDs)
	text, args := f.ascending("SELECT "+targetCols+" FROM targets", q.AfterSeq, q.Limit)
	rows, err := reader{ctx, s}.query(text, args...)
	out, err := collect(rows, err, scanTarget)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	return out, nil
}

// ListPolicies implements store.Store.
func (s *Store) ListPolicies(ctx context.Context, scope autoscaling.Scope, q store.PolicyQuery) ([]*autoscaling.ScalingPolicy, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.resource(q.ResourceID)
	f.eq("dimension", q.Dimension)
	f.in("name", q.PolicyNames)
	text, args := f.ascending("SELECT "+policyCols+" FROM policies", q.AfterSeq, q.Limit)
	rows, err := reader{ctx, s}.query(text, args...)
	out, err := collect(rows, err, scanPolicy)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return out, nil
}

// ListScheduledActions implements store.Store.
func (s *Store) ListScheduledActions(ctx context.Context, scope autoscaling.Scope, q store.ScheduledActionQuery) ([]*autoscaling.ScheduledAction, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.resource(q.ResourceID)
	f.eq("dimension", q.Dimension)
	f.in("name", q.ActionNames)
	text, args := f.ascending("SELECT "+actionCols+" FROM scheduled_actions", q.AfterSeq, q.Limit)
	rows, err := reader{ctx, s}.query(text, args...)
	out, err := collect(rows, err, scanAction)
	if err != nil {
		return nil, fmt.Errorf("list scheduled actions: %w", err)
	}
	return out, nil
}

// ListActivities implements store.Store.
func (s *Store) ListActivities(ctx context.Context, scope autoscaling.Scope, q store.ActivityQuery) ([]*autoscaling.ScalingActivity, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	if !q.IncludeNotScaled {
		f.conds = append(f.conds, "not_scaled_reasons IS NULL")
	}
	if q.BeforeSeq > 0 {
		f.add("seq < ?", q.BeforeSeq)
	}
	text, args := f.sql("SELECT "+activityCols+" FROM activities", "seq DESC", q.Limit)
	rows, err := reader{ctx, s}.query(text, args...)
	out, err := collect(rows, err, scanActivity)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

// Error classification.

func sqliteCode(err error) int {
	var se interface{ Code() int }
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY }
