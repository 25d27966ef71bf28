// Package postgres is the store for several autoscaled nodes sharing one PostgreSQL
// database. Each Update is one READ COMMITTED transaction; reads of a target inside it take
// the row lock (SELECT ... FOR UPDATE), so read-modify-write of a target and its policies and
// scheduled actions is serialized across nodes. Racing inserts of one key end in a unique
// violation (store.ErrExists), serialization failures and deadlocks in store.ErrConflict.
//
// Tables keep the key columns they are queried by and the object itself as JSON text, the
// same layout as the SQLite store.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS targets (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, id TEXT NOT NULL, rtype TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension)
);
CREATE INDEX IF NOT EXISTS targets_by_id ON targets (account, region, id);
CREATE INDEX IF NOT EXISTS targets_by_ns ON targets (account, region, namespace, seq);
CREATE TABLE IF NOT EXISTS target_counts (
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, rtype TEXT NOT NULL,
	n BIGINT NOT NULL, PRIMARY KEY (account, region, namespace, rtype)
);
CREATE TABLE IF NOT EXISTS policies (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name)
);
CREATE INDEX IF NOT EXISTS policies_by_ns ON policies (account, region, namespace, seq);
CREATE TABLE IF NOT EXISTS scheduled_actions (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name)
);
CREATE INDEX IF NOT EXISTS scheduled_actions_by_ns ON scheduled_actions (account, region, namespace, seq);
CREATE TABLE IF NOT EXISTS activities (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, not_scaled BOOLEAN NOT NULL,
	start_us BIGINT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_by_ns ON activities (account, region, namespace, seq);
CREATE INDEX IF NOT EXISTS activities_by_start ON activities (start_us);
`

// Store is the PostgreSQL store.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// Open connects to dsn (a postgres:// URL; a search_path parameter selects a schema) and
// creates the tables if needed.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres dsn: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	s := &Store{pool: pool, log: logger}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Nodes starting together create the schema one at a time.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7425110001)"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, schema)
		return err
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("create postgres schema: %w", err)
	}
	return s, nil
}

// Close closes the pool.
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
		case "23505":
			return fmt.Errorf("%s: %w", what, store.ErrExists)
		case "40001", "40P01":
			return fmt.Errorf("%s: %w (%s)", what, store.ErrConflict, pe.Message)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return mapErr(err, "begin")
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("postgres store: update panicked: %v", p)
		}
		if err != nil {
			_ = ptx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(&tx{ctx: ctx, tx: ptx}); err != nil {
		return err
	}
	return mapErr(ptx.Commit(ctx), "commit")
}

// Meta implements store.Store.
func (s *Store) Meta(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, mapErr(err, "read meta "+key)
	}
	nv, err := create()
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", key, nv); err != nil {
		return nil, mapErr(err, "write meta "+key)
	}
	err = s.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	return v, mapErr(err, "read meta "+key)
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func list[T any](ctx context.Context, q querier, setSeq func(*T, int64), sql string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var seq int64
		var data string
		if err := rows.Scan(&seq, &data); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal([]byte(data), v); err != nil {
			return nil, fmt.Errorf("decode stored %T: %w", v, err)
		}
		setSeq(v, seq)
		out = append(out, v)
	}
	return out, rows.Err()
}

func setTargetSeq(t *autoscaling.ScalableTarget, seq int64)    { t.Seq = seq }
func setPolicySeq(p *autoscaling.ScalingPolicy, seq int64)     { p.Seq = seq }
func setActionSeq(a *autoscaling.ScheduledAction, seq int64)   { a.Seq = seq }
func setActivitySeq(a *autoscaling.ScalingActivity, seq int64) { a.Seq = seq }

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

func (f *filter) sql() string { return strings.Join(f.where, " AND ") }

func limitSQL(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b), nil
}

const keyWhere = `account = $1 AND region = $2 AND namespace = $3 AND resource_id = $4 AND dimension = $5`

func keyArgs(scope autoscaling.Scope, k autoscaling.TargetKey, more ...any) []any {
	return append([]any{scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension}, more...)
}

func getTarget(ctx context.Context, q querier, scope autoscaling.Scope, key autoscaling.TargetKey, lock string) (*autoscaling.ScalableTarget, error) {
	ts, err := list(ctx, q, setTargetSeq, `SELECT seq, data FROM targets WHERE `+keyWhere+lock, keyArgs(scope, key)...)
	if err != nil {
		return nil, mapErr(err, "get target "+key.ResourceID)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("target %s %s: %w", key.ResourceID, key.Dimension, store.ErrNotFound)
	}
	return ts[0], nil
}

func getTargetByID(ctx context.Context, q querier, scope autoscaling.Scope, id, lock string) (*autoscaling.ScalableTarget, error) {
	ts, err := list(ctx, q, setTargetSeq, `SELECT seq, data FROM targets WHERE account = $1 AND region = $2 AND id = $3`+lock, scope.Account, scope.Region, id)
	if err != nil {
		return nil, mapErr(err, "get target "+id)
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

// ListTargets implements store.Store.
func (s *Store) ListTargets(ctx context.Context, scope autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("dimension", q.Dimension)
	f.in("resource_id", q.ResourceIDs)
	f.add("seq > ?", q.AfterSeq)
	out, err := list(ctx, s.pool, setTargetSeq, "SELECT seq, data FROM targets WHERE "+f.sql()+" ORDER BY seq"+limitSQL(q.Limit), f.args...)
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
	out, err := list(ctx, s.pool, setPolicySeq, "SELECT seq, data FROM policies WHERE "+f.sql()+" ORDER BY seq"+limitSQL(q.Limit), f.args...)
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
	out, err := list(ctx, s.pool, setActionSeq, "SELECT seq, data FROM scheduled_actions WHERE "+f.sql()+" ORDER BY seq"+limitSQL(q.Limit), f.args...)
	return out, mapErr(err, "list scheduled actions")
}

// ListActivities implements store.Store.
func (s *Store) ListActivities(ctx context.Context, scope autoscaling.Scope, q store.ActivityQuery) ([]*autoscaling.ScalingActivity, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	if !q.IncludeNotScaled {
		f.where = append(f.where, "NOT not_scaled")
	}
	if q.BeforeSeq > 0 {
		f.add("seq < ?", q.BeforeSeq)
	}
	out, err := list(ctx, s.pool, setActivitySeq, "SELECT seq, data FROM activities WHERE "+f.sql()+" ORDER BY seq DESC"+limitSQL(q.Limit), f.args...)
	return out, mapErr(err, "list activities")
}

// tx is the store.Tx of one Update.
type tx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t *tx) GetTarget(scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(t.ctx, t.tx, scope, key, " FOR UPDATE")
}

func (t *tx) GetTargetByID(scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(t.ctx, t.tx, scope, id, " FOR UPDATE")
}

func rtype(k autoscaling.TargetKey) string {
	d, _ := autoscaling.Dimension(k.Dimension)
	return d.ResourceType
}

// CountTargets locks the counter rows it reads, so concurrent registrations of one resource
// type in one account are serialized and the quota holds across nodes.
func (t *tx) CountTargets(scope autoscaling.Scope, namespace, resourceType string) (int, error) {
	if resourceType != "" {
		if _, err := t.tx.Exec(t.ctx, `INSERT INTO target_counts (account, region, namespace, rtype, n) VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING`,
			scope.Account, scope.Region, namespace, resourceType); err != nil {
			return 0, mapErr(err, "count targets")
		}
	}
	q := `SELECT n FROM target_counts WHERE account = $1 AND region = $2 AND namespace = $3`
	args := []any{scope.Account, scope.Region, namespace}
	if resourceType != "" {
		q += ` AND rtype = $4`
		args = append(args, resourceType)
	}
	rows, err := t.tx.Query(t.ctx, q+` FOR UPDATE`, args...)
	if err != nil {
		return 0, mapErr(err, "count targets")
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, mapErr(rows.Err(), "count targets")
}

func (t *tx) count(scope autoscaling.Scope, k autoscaling.TargetKey, delta int) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO target_counts (account, region, namespace, rtype, n) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account, region, namespace, rtype) DO UPDATE SET n = target_counts.n + excluded.n`,
		scope.Account, scope.Region, k.Namespace, rtype(k), delta)
	return mapErr(err, "count targets")
}

func (t *tx) InsertTarget(tg *autoscaling.ScalableTarget) error {
	data, err := encode(tg)
	if err != nil {
		return err
	}
	// A savepoint keeps the transaction usable after a unique violation.
	err = pgx.BeginFunc(t.ctx, t.tx, func(sp pgx.Tx) error {
		return sp.QueryRow(t.ctx, `INSERT INTO targets (account, region, namespace, resource_id, dimension, id, rtype, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
			keyArgs(tg.Scope, tg.TargetKey, tg.ID, rtype(tg.TargetKey), data)...).Scan(&tg.Seq)
	})
	if err != nil {
		return mapErr(err, "insert target "+tg.ResourceID)
	}
	return t.count(tg.Scope, tg.TargetKey, 1)
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
	data, err := encode(tg)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(t.ctx, `UPDATE targets SET data = $6 WHERE `+keyWhere, keyArgs(tg.Scope, tg.TargetKey, data)...)
	return affected(tag, err, "update target "+tg.ResourceID)
}

func (t *tx) DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM targets WHERE `+keyWhere, keyArgs(scope, key)...)
	if err := affected(tag, err, "delete target "+key.ResourceID); err != nil {
		return err
	}
	for _, table := range []string{"policies", "scheduled_actions"} {
		if _, err := t.tx.Exec(t.ctx, `DELETE FROM `+table+` WHERE `+keyWhere, keyArgs(scope, key)...); err != nil {
			return mapErr(err, "delete "+table+" of "+key.ResourceID)
		}
	}
	return t.count(scope, key, -1)
}

func sortBySeq[T any](v []*T, seq func(*T) int64) []*T {
	slices.SortFunc(v, func(a, b *T) int { return int(seq(a) - seq(b)) })
	return v
}

func (t *tx) Policies(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScalingPolicy, error) {
	out, err := list(t.ctx, t.tx, setPolicySeq, `SELECT seq, data FROM policies WHERE `+keyWhere, keyArgs(scope, key)...)
	return sortBySeq(out, func(p *autoscaling.ScalingPolicy) int64 { return p.Seq }), mapErr(err, "policies of "+key.ResourceID)
}

// putChild inserts or replaces a row of policies or scheduled_actions.
func (t *tx) putChild(table string, scope autoscaling.Scope, k autoscaling.TargetKey, name string, seq *int64, v any) error {
	data, err := encode(v)
	if err != nil {
		return err
	}
	if *seq != 0 {
		tag, err := t.tx.Exec(t.ctx, `UPDATE `+table+` SET data = $1 WHERE seq = $2`, data, *seq)
		return affected(tag, err, "update "+table+" "+name)
	}
	err = pgx.BeginFunc(t.ctx, t.tx, func(sp pgx.Tx) error {
		return sp.QueryRow(t.ctx, `INSERT INTO `+table+` (account, region, namespace, resource_id, dimension, name, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`, keyArgs(scope, k, name, data)...).Scan(seq)
	})
	return mapErr(err, "insert "+table+" "+name)
}

func (t *tx) PutPolicy(p *autoscaling.ScalingPolicy) error {
	return t.putChild("policies", p.Scope, p.TargetKey, p.Name, &p.Seq, p)
}

func (t *tx) DeletePolicy(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM policies WHERE `+keyWhere+` AND name = $6`, keyArgs(scope, key, name)...)
	return affected(tag, err, "delete policy "+name)
}

func (t *tx) ScheduledActions(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScheduledAction, error) {
	out, err := list(t.ctx, t.tx, setActionSeq, `SELECT seq, data FROM scheduled_actions WHERE `+keyWhere, keyArgs(scope, key)...)
	return sortBySeq(out, func(a *autoscaling.ScheduledAction) int64 { return a.Seq }), mapErr(err, "scheduled actions of "+key.ResourceID)
}

func (t *tx) PutScheduledAction(a *autoscaling.ScheduledAction) error {
	return t.putChild("scheduled_actions", a.Scope, a.TargetKey, a.Name, &a.Seq, a)
}

func (t *tx) DeleteScheduledAction(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM scheduled_actions WHERE `+keyWhere+` AND name = $6`, keyArgs(scope, key, name)...)
	return affected(tag, err, "delete scheduled action "+name)
}

func (t *tx) PutActivity(a *autoscaling.ScalingActivity) error {
	data, err := encode(a)
	if err != nil {
		return err
	}
	notScaled := len(a.NotScaledReasons) > 0
	if a.Seq != 0 {
		tag, err := t.tx.Exec(t.ctx, `UPDATE activities SET data = $1, not_scaled = $2, start_us = $3 WHERE seq = $4`, data, notScaled, a.StartTime.UnixMicro(), a.Seq)
		return affected(tag, err, "update activity "+a.ActivityID)
	}
	err = t.tx.QueryRow(t.ctx, `INSERT INTO activities (account, region, namespace, resource_id, dimension, not_scaled, start_us, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`, keyArgs(a.Scope, a.TargetKey, notScaled, a.StartTime.UnixMicro(), data)...).Scan(&a.Seq)
	return mapErr(err, "insert activity")
}

func (t *tx) DeleteActivitiesBefore(before time.Time) (int, error) {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM activities WHERE start_us < $1`, before.UnixMicro())
	if err != nil {
		return 0, mapErr(err, "delete old activities")
	}
	return int(tag.RowsAffected()), nil
}

var _ store.Store = (*Store)(nil)
