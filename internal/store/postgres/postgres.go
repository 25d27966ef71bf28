// Package postgres is the store for several autoscaled nodes sharing one PostgreSQL
// database (pgx, pgxpool). The layout is the SQLite store's (see schema.go): a column per
// field, JSON text for policy configurations, alarms, tags and not-scaled reasons, times as
// unix microseconds.
//
// Each Update is one READ COMMITTED transaction. Tx.GetTarget and Tx.GetTargetByID take the
// target's row lock (SELECT ... FOR UPDATE) and Tx.CountTargets the lock of the count it
// reads, so read-modify-write of a target (and of its policies and scheduled actions, which
// the API always reaches through their target) and the quota check are serialized across
// nodes. A racing insert of a taken key waits for the other transaction and then reports
// store.ErrExists; serialization failures and deadlocks are reported as store.ErrConflict.
// Record reads and writes inside Update lock their key (see records.go), so read-modify-write
// and check-then-create of a record are serialized across nodes too.
//
// A statement error other than a taken key or a missing row aborts the PostgreSQL
// transaction: the Update function should return the error, as Update then fails anyway.
//
// The schema is the first one of the connection's search_path: add search_path=<schema> to
// the DSN to use another than public (it must exist). Nodes starting together migrate one
// at a time (pg_advisory_xact_lock).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// minConns is the pool size unless the DSN sets pool_max_conns: enough for 16 concurrent
// Updates plus reads.
const minConns = 20

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// Open connects to dsn (a postgres:// URL or key=value string; search_path selects the
// schema, pool_max_conns the pool size) and creates or migrates the schema. logger may be
// nil.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres store: parse dsn: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, minConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: connect: %w", err)
	}
	s := &Store{pool: pool, log: logger}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: schema: %w", err)
	}
	return s, nil
}

// Close closes the pool, waiting for the connections in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// mapErr translates PostgreSQL errors to the store's sentinels.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%s: %w", what, store.ErrExists)
		case "23503": // foreign_key_violation: the target is gone
			return fmt.Errorf("%s: the target does not exist: %w", what, store.ErrNotFound)
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return fmt.Errorf("%s: %w (%s)", what, store.ErrConflict, pe.Message)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Update implements store.Store. A caller whose ctx is done before the transaction began
// gets ctx.Err() and fn does not run. Statements inside fn observe ctx; COMMIT does not (a
// commit is never abandoned halfway by the caller).
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return mapErr(err, "postgres store: begin")
	}
	t := &tx{ctx: ctx, tx: ptx}
	defer func() {
		t.finished.Store(true)
		if p := recover(); p != nil {
			s.log.Error("postgres store: Update function panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("postgres store: Update function panicked: %v", p)
		}
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = ptx.Rollback(rctx)
		}
	}()
	if err = fn(t); err != nil {
		return err
	}
	return mapErr(ptx.Commit(context.WithoutCancel(ctx)), "postgres store: commit")
}

// Meta implements store.Store: INSERT ... ON CONFLICT DO NOTHING, then read back, so that
// nodes racing on a first call all return the one value stored. create may run on several
// of them; only one result is kept.
func (s *Store) Meta(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	const get = `SELECT value FROM meta WHERE owner = $1 AND key = $2`
	var v []byte
	err := s.pool.QueryRow(ctx, get, metaApp, key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, mapErr(err, "postgres store: meta "+key)
	}
	nv, err := create()
	if err != nil {
		return nil, fmt.Errorf("postgres store: meta %s: %w", key, err)
	}
	if nv == nil {
		nv = []byte{}
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO meta (owner, key, value) VALUES ($1, $2, $3) ON CONFLICT (owner, key) DO NOTHING`, metaApp, key, nv); err != nil {
		return nil, mapErr(err, "postgres store: meta "+key)
	}
	err = s.pool.QueryRow(ctx, get, metaApp, key).Scan(&v)
	return v, mapErr(err, "postgres store: meta "+key)
}

// querier is the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func list[T any](ctx context.Context, q querier, scan pgx.RowToFunc[*T], sql string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scan)
	if len(out) == 0 {
		out = nil
	}
	return out, err
}

const keyWhere = `account = $1 AND region = $2 AND namespace = $3 AND resource_id = $4 AND dimension = $5`

func keyArgs(scope autoscaling.Scope, k autoscaling.TargetKey, more ...any) []any {
	return append([]any{scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension}, more...)
}

func getTarget(ctx context.Context, q querier, scope autoscaling.Scope, key autoscaling.TargetKey, lock string) (*autoscaling.ScalableTarget, error) {
	ts, err := list(ctx, q, scanTarget, `SELECT `+targetCols+` FROM targets WHERE `+keyWhere+lock, keyArgs(scope, key)...)
	if err != nil {
		return nil, mapErr(err, "get target "+key.ResourceID+" "+key.Dimension)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("target %s %s: %w", key.ResourceID, key.Dimension, store.ErrNotFound)
	}
	return ts[0], nil
}

func getTargetByID(ctx context.Context, q querier, scope autoscaling.Scope, id, lock string) (*autoscaling.ScalableTarget, error) {
	ts, err := list(ctx, q, scanTarget, `SELECT `+targetCols+` FROM targets WHERE account = $1 AND region = $2 AND id = $3`+lock, scope.Account, scope.Region, id)
	if err != nil {
		return nil, mapErr(err, "get target id "+id)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("target id %s: %w", id, store.ErrNotFound)
	}
	return ts[0], nil
}

// GetTarget implements store.Store.
func (s *Store) GetTarget(ctx context.Context, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(ctx, s.pool, scope, key, "")
}

// GetTargetByID implements store.Store.
func (s *Store) GetTargetByID(ctx context.Context, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(ctx, s.pool, scope, id, "")
}

// filter builds a WHERE clause with numbered parameters.
type filter struct {
	where []string
	args  []any
}

func scoped(scope autoscaling.Scope) *filter {
	return &filter{where: []string{"account = $1", "region = $2"}, args: []any{scope.Account, scope.Region}}
}

func (f *filter) add(cond string, v any) {
	f.args = append(f.args, v)
	f.where = append(f.where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(f.args))))
}

func (f *filter) eq(col, v string) {
	if v != "" {
		f.add(col+" = ?", v)
	}
}

func (f *filter) in(col string, vs []string) {
	if len(vs) > 0 {
		f.add(col+" = ANY(?)", vs)
	}
}

func (f *filter) sql(selectFrom, order string, limit int) (string, []any) {
	q := selectFrom + " WHERE " + strings.Join(f.where, " AND ") + " ORDER BY " + order
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return q, f.args
}

// ListTargets implements store.Store.
func (s *Store) ListTargets(ctx context.Context, scope autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("dimension", q.Dimension)
	f.in("resource_id", q.ResourceIDs)
	f.add("seq > ?", q.AfterSeq)
	text, args := f.sql("SELECT "+targetCols+" FROM targets", "seq", q.Limit)
	out, err := list(ctx, s.pool, scanTarget, text, args...)
	return out, mapErr(err, "list targets")
}

// ListPolicies implements store.Store.
func (s *Store) ListPolicies(ctx context.Context, scope autoscaling.Scope, q store.PolicyQuery) ([]*autoscaling.ScalingPolicy, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	f.in("name", q.PolicyNames)
	f.add("seq > ?", q.AfterSeq)
	text, args := f.sql("SELECT "+policyCols+" FROM policies", "seq", q.Limit)
	out, err := list(ctx, s.pool, scanPolicy, text, args...)
	return out, mapErr(err, "list policies")
}

// ListScheduledActions implements store.Store.
func (s *Store) ListScheduledActions(ctx context.Context, scope autoscaling.Scope, q store.ScheduledActionQuery) ([]*autoscaling.ScheduledAction, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	f.in("name", q.ActionNames)
	f.add("seq > ?", q.AfterSeq)
	text, args := f.sql("SELECT "+actionCols+" FROM scheduled_actions", "seq", q.Limit)
	out, err := list(ctx, s.pool, scanAction, text, args...)
	return out, mapErr(err, "list scheduled actions")
}

// ListActivities implements store.Store.
func (s *Store) ListActivities(ctx context.Context, scope autoscaling.Scope, q store.ActivityQuery) ([]*autoscaling.ScalingActivity, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	if !q.IncludeNotScaled {
		f.where = append(f.where, "not_scaled_reasons IS NULL")
	}
	if q.BeforeSeq > 0 {
		f.add("seq < ?", q.BeforeSeq)
	}
	text, args := f.sql("SELECT "+activityCols+" FROM activities", "seq DESC", q.Limit)
	out, err := list(ctx, s.pool, scanActivity, text, args...)
	return out, mapErr(err, "list activities")
}

// errTxDone is returned by a Tx used after its Update function returned.
var errTxDone = errors.New("postgres store: Tx used after its Update function returned")

// tx is the store.Tx of one Update.
type tx struct {
	ctx      context.Context
	tx       pgx.Tx
	finished atomic.Bool
	locked   map[[2]int32]bool // record key locks taken (see records.go)
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.finished.Load() {
		return nil, errTxDone
	}
	return t.tx.Query(ctx, sql, args...)
}

func (t *tx) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	if t.finished.Load() {
		return pgconn.CommandTag{}, errTxDone
	}
	return t.tx.Exec(t.ctx, sql, args...)
}

// insert runs an INSERT ... RETURNING seq; ok is false if it inserted nothing (ON CONFLICT
// DO NOTHING).
func (t *tx) insert(sql string, args ...any) (seq int64, ok bool, err error) {
	if t.finished.Load() {
		return 0, false, errTxDone
	}
	err = t.tx.QueryRow(t.ctx, sql, args...).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return seq, err == nil, err
}

func (t *tx) GetTarget(scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(t.ctx, t, scope, key, " FOR UPDATE")
}

func (t *tx) GetTargetByID(scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(t.ctx, t, scope, id, " FOR UPDATE")
}

// CountTargets locks the count rows it reads (creating the one of the resource type if
// needed), so that concurrent registrations of one resource type in one account and region
// are serialized and the quota holds across nodes.
func (t *tx) CountTargets(scope autoscaling.Scope, namespace, resourceType string) (int, error) {
	if _, err := t.exec(`INSERT INTO target_counts (account, region, namespace, resource_type, n) VALUES ($1, $2, $3, $4, 0)
		ON CONFLICT DO NOTHING`, scope.Account, scope.Region, namespace, resourceType); err != nil {
		return 0, mapErr(err, "count targets")
	}
	q := `SELECT n FROM target_counts WHERE account = $1 AND region = $2 AND namespace = $3`
	args := []any{scope.Account, scope.Region, namespace}
	if resourceType != "" {
		q += ` AND resource_type = $4`
		args = append(args, resourceType)
	}
	rows, err := t.Query(t.ctx, q+` ORDER BY resource_type FOR UPDATE`, args...)
	if err != nil {
		return 0, mapErr(err, "count targets")
	}
	ns, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, mapErr(err, "count targets")
	}
	var total int64
	for _, n := range ns {
		total += n
	}
	return int(total), nil
}

const sqlAddCount = `INSERT INTO target_counts (account, region, namespace, resource_type, n) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (account, region, namespace, resource_type) DO UPDATE SET n = target_counts.n + excluded.n`

func (t *tx) InsertTarget(tg *autoscaling.ScalableTarget) error {
	what := "insert target " + tg.ResourceID + " " + tg.Dimension
	args, err := insertTargetArgs(tg)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	seq, ok, err := t.insert(sqlInsertTarget, args...)
	switch {
	case err != nil:
		return mapErr(err, what)
	case !ok:
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	}
	if _, err := t.exec(sqlAddCount, tg.Account, tg.Region, tg.Namespace, resourceType(tg.TargetKey), 1); err != nil {
		return mapErr(err, what+": count")
	}
	tg.Seq = seq
	return nil
}

func affected(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return mapErr(err, what)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

func (t *tx) UpdateTarget(tg *autoscaling.ScalableTarget) error {
	what := "update target " + tg.ResourceID + " " + tg.Dimension
	args, err := updateTargetArgs(tg)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	tag, err := t.exec(sqlUpdateTarget, args...)
	return affected(tag, err, what)
}

// DeleteTarget deletes the target; the foreign keys (ON DELETE CASCADE) delete its policies
// and scheduled actions.
func (t *tx) DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error {
	what := "delete target " + key.ResourceID + " " + key.Dimension
	rows, err := t.Query(t.ctx, `DELETE FROM targets WHERE `+keyWhere+` RETURNING resource_type`, keyArgs(scope, key)...)
	if err != nil {
		return mapErr(err, what)
	}
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return mapErr(err, what)
	}
	if len(types) == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if _, err := t.exec(sqlAddCount, scope.Account, scope.Region, key.Namespace, types[0], -1); err != nil {
		return mapErr(err, what+": count")
	}
	return nil
}

func (t *tx) Policies(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScalingPolicy, error) {
	out, err := list(t.ctx, t, scanPolicy, `SELECT `+policyCols+` FROM policies WHERE `+keyWhere+` ORDER BY seq`, keyArgs(scope, key)...)
	return out, mapErr(err, "policies of "+key.ResourceID)
}

// PutPolicy inserts (Seq == 0) or replaces the policy of the same target and name. The
// target must exist (else ErrNotFound, and the transaction is aborted).
func (t *tx) PutPolicy(p *autoscaling.ScalingPolicy) error {
	if p.Seq != 0 {
		what := "replace policy " + p.Name
		args, err := updatePolicyArgs(p)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		tag, err := t.exec(sqlUpdatePolicy, args...)
		return affected(tag, err, what)
	}
	what := "insert policy " + p.Name
	args, err := insertPolicyArgs(p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	seq, ok, err := t.insert(sqlInsertPolicy, args...)
	switch {
	case err != nil:
		return mapErr(err, what)
	case !ok:
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	}
	p.Seq = seq
	return nil
}

func (t *tx) DeletePolicy(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	tag, err := t.exec(`DELETE FROM policies WHERE `+keyWhere+` AND name = $6`, keyArgs(scope, key, name)...)
	return affected(tag, err, "delete policy "+name)
}

func (t *tx) ScheduledActions(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScheduledAction, error) {
	out, err := list(t.ctx, t, scanAction, `SELECT `+actionCols+` FROM scheduled_actions WHERE `+keyWhere+` ORDER BY seq`, keyArgs(scope, key)...)
	return out, mapErr(err, "scheduled actions of "+key.ResourceID)
}

// PutScheduledAction inserts (Seq == 0) or replaces the scheduled action of the same target
// and name. The target must exist (else ErrNotFound, and the transaction is aborted).
func (t *tx) PutScheduledAction(a *autoscaling.ScheduledAction) error {
	if a.Seq != 0 {
		tag, err := t.exec(sqlUpdateAction, updateActionArgs(a)...)
		return affected(tag, err, "replace scheduled action "+a.Name)
	}
	what := "insert scheduled action " + a.Name
	seq, ok, err := t.insert(sqlInsertAction, insertActionArgs(a)...)
	switch {
	case err != nil:
		return mapErr(err, what)
	case !ok:
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	}
	a.Seq = seq
	return nil
}

func (t *tx) DeleteScheduledAction(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	tag, err := t.exec(`DELETE FROM scheduled_actions WHERE `+keyWhere+` AND name = $6`, keyArgs(scope, key, name)...)
	return affected(tag, err, "delete scheduled action "+name)
}

// PutActivity inserts (Seq == 0) or replaces the activity with the same Seq, scope and
// ActivityID.
func (t *tx) PutActivity(a *autoscaling.ScalingActivity) error {
	if a.Seq != 0 {
		what := "replace activity " + a.ActivityID
		args, err := updateActivityArgs(a)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		tag, err := t.exec(sqlUpdateActivity, args...)
		return affected(tag, err, what)
	}
	what := "insert activity " + a.ActivityID
	args, err := insertActivityArgs(a)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	seq, _, err := t.insert(sqlInsertActivity, args...)
	if err != nil {
		return mapErr(err, what)
	}
	a.Seq = seq
	return nil
}

func (t *tx) DeleteActivitiesBefore(before time.Time) (int, error) {
	tag, err := t.exec(`DELETE FROM activities WHERE start_time < $1`, micros(before))
	if err != nil {
		return 0, mapErr(err, "delete activities before "+before.String())
	}
	return int(tag.RowsAffected()), nil
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Tx    = (*tx)(nil)
)
