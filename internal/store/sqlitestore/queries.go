package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// querier is what both the read pool and the writer's connection offer.
type querier interface {
	query(q string, args ...any) (*sql.Rows, error)
}

type readQ struct{ s *Store }

func (r readQ) query(q string, args ...any) (*sql.Rows, error) {
	st, err := r.s.rstmt(q)
	if err != nil {
		return nil, err
	}
	return st.Query(args...)
}

type writeQ struct{ s *Store }

func (w writeQ) query(q string, args ...any) (*sql.Rows, error) {
	st, err := w.s.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.Query(args...)
}

// list runs q and decodes each row's (seq, data).
func list[T any](qr querier, setSeq func(*T, int64), q string, args ...any) ([]*T, error) {
	rows, err := qr.query(q, args...)
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
		v, err := decode[T](data)
		if err != nil {
			return nil, err
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

// filter builds "AND col = ?" / "AND col IN (...)" clauses.
type filter struct {
	where []string
	args  []any
}

func (f *filter) eq(col, v string) {
	if v != "" {
		f.where = append(f.where, col+" = ?")
		f.args = append(f.args, v)
	}
}

func (f *filter) in(col string, vs []string) {
	if len(vs) == 0 {
		return
	}
	f.where = append(f.where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vs)), ",")+")")
	for _, v := range vs {
		f.args = append(f.args, v)
	}
}

func (f *filter) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return " AND " + strings.Join(f.where, " AND ")
}

func scoped(scope autoscaling.Scope) *filter {
	return &filter{where: []string{"account = ?", "region = ?"}, args: []any{scope.Account, scope.Region}}
}

func (f *filter) clause() string { return strings.Join(f.where, " AND ") }

// sortBySeq orders a few rows by seq (queries on a target's key leave ordering to Go, so
// that SQLite uses the key index).
func sortBySeq[T any](v []*T, seq func(*T) int64) []*T {
	slices.SortFunc(v, func(a, b *T) int { return cmp.Compare(seq(a), seq(b)) })
	return v
}

func limit[T any](v []T, n int) []T {
	if n > 0 && len(v) > n {
		return v[:n]
	}
	return v
}

func limitSQL(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" LIMIT %d", n)
}

func getTarget(qr querier, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	ts, err := list(qr, setTargetSeq, `SELECT seq, data FROM targets WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?`,
		scope.Account, scope.Region, key.Namespace, key.ResourceID, key.Dimension)
	if err != nil {
		return nil, fmt.Errorf("get target %s: %w", key.ResourceID, err)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("target %s %s: %w", key.ResourceID, key.Dimension, store.ErrNotFound)
	}
	return ts[0], nil
}

func getTargetByID(qr querier, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	ts, err := list(qr, setTargetSeq, `SELECT seq, data FROM targets WHERE account = ? AND region = ? AND id = ?`, scope.Account, scope.Region, id)
	if err != nil {
		return nil, fmt.Errorf("get target %s: %w", id, err)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("target id %s: %w", id, store.ErrNotFound)
	}
	return ts[0], nil
}

// GetTarget implements store.Store.
func (s *Store) GetTarget(_ context.Context, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(readQ{s}, scope, key)
}

// GetTargetByID implements store.Store.
func (s *Store) GetTargetByID(_ context.Context, scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(readQ{s}, scope, id)
}

// ListTargets implements store.Store.
func (s *Store) ListTargets(_ context.Context, scope autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("dimension", q.Dimension)
	f.in("resource_id", q.ResourceIDs)
	if len(q.ResourceIDs) > 0 {
		// A handful of rows: let SQLite use the key index, then order and page here (given
		// ORDER BY seq or seq > ?, it prefers walking the namespace index over every target).
		out, err := list(readQ{s}, setTargetSeq, "SELECT seq, data FROM targets WHERE "+f.clause(), f.args...)
		if err != nil {
			return nil, fmt.Errorf("list targets: %w", err)
		}
		out = slices.DeleteFunc(out, func(t *autoscaling.ScalableTarget) bool { return t.Seq <= q.AfterSeq })
		return limit(sortBySeq(out, func(t *autoscaling.ScalableTarget) int64 { return t.Seq }), q.Limit), nil
	}
	f.where = append(f.where, "seq > ?")
	f.args = append(f.args, q.AfterSeq)
	out, err := list(readQ{s}, setTargetSeq, "SELECT seq, data FROM targets WHERE "+f.clause()+" ORDER BY seq"+limitSQL(q.Limit), f.args...)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	return out, nil
}

// ListPolicies implements store.Store.
func (s *Store) ListPolicies(_ context.Context, scope autoscaling.Scope, q store.PolicyQuery) ([]*autoscaling.ScalingPolicy, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	f.in("name", q.PolicyNames)
	f.where = append(f.where, "seq > ?")
	f.args = append(f.args, q.AfterSeq)
	out, err := list(readQ{s}, setPolicySeq, "SELECT seq, data FROM policies WHERE "+f.clause()+" ORDER BY seq"+limitSQL(q.Limit), f.args...)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return out, nil
}

// ListScheduledActions implements store.Store.
func (s *Store) ListScheduledActions(_ context.Context, scope autoscaling.Scope, q store.ScheduledActionQuery) ([]*autoscaling.ScheduledAction, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	f.in("name", q.ActionNames)
	f.where = append(f.where, "seq > ?")
	f.args = append(f.args, q.AfterSeq)
	out, err := list(readQ{s}, setActionSeq, "SELECT seq, data FROM scheduled_actions WHERE "+f.clause()+" ORDER BY seq"+limitSQL(q.Limit), f.args...)
	if err != nil {
		return nil, fmt.Errorf("list scheduled actions: %w", err)
	}
	return out, nil
}

// ListActivities implements store.Store.
func (s *Store) ListActivities(_ context.Context, scope autoscaling.Scope, q store.ActivityQuery) ([]*autoscaling.ScalingActivity, error) {
	f := scoped(scope)
	f.eq("namespace", q.Namespace)
	f.eq("resource_id", q.ResourceID)
	f.eq("dimension", q.Dimension)
	if !q.IncludeNotScaled {
		f.where = append(f.where, "not_scaled = 0")
	}
	if q.BeforeSeq > 0 {
		f.where = append(f.where, "seq < ?")
		f.args = append(f.args, q.BeforeSeq)
	}
	out, err := list(readQ{s}, setActivitySeq, "SELECT seq, data FROM activities WHERE "+f.clause()+" ORDER BY seq DESC"+limitSQL(q.Limit), f.args...)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

// tx is the store.Tx of one job, on the writer's connection.
type tx struct{ s *Store }

func (t *tx) GetTarget(scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(writeQ{t.s}, scope, key)
}

func (t *tx) GetTargetByID(scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(writeQ{t.s}, scope, id)
}

// rtype is the resource type a target counts against (see CountTargets).
func rtype(t autoscaling.TargetKey) string {
	d, _ := autoscaling.Dimension(t.Dimension)
	return d.ResourceType
}

func (t *tx) CountTargets(scope autoscaling.Scope, namespace, prefix string) (int, error) {
	q := `SELECT COALESCE(SUM(n), 0) FROM target_counts WHERE account = ? AND region = ? AND namespace = ? AND rtype = ?`
	args := []any{scope.Account, scope.Region, namespace, prefix}
	if prefix == "" { // the whole namespace
		q, args = `SELECT COALESCE(SUM(n), 0) FROM target_counts WHERE account = ? AND region = ? AND namespace = ?`, args[:3]
	}
	rows, err := writeQ{t.s}.query(q, args...)
	if err != nil {
		return 0, fmt.Errorf("count targets: %w", err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

func (t *tx) count(tg autoscaling.ScalableTarget, delta int) error {
	_, err := t.s.exec(`INSERT INTO target_counts (account, region, namespace, rtype, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, region, namespace, rtype) DO UPDATE SET n = n + excluded.n`,
		tg.Account, tg.Region, tg.Namespace, rtype(tg.TargetKey), delta)
	return err
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (t *tx) InsertTarget(tg *autoscaling.ScalableTarget) error {
	data, err := encode(tg)
	if err != nil {
		return err
	}
	res, err := t.s.exec(`INSERT INTO targets (account, region, namespace, resource_id, dimension, id, rtype, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		tg.Account, tg.Region, tg.Namespace, tg.ResourceID, tg.Dimension, tg.ID, rtype(tg.TargetKey), data)
	if isUnique(err) {
		return fmt.Errorf("insert target %s: %w", tg.ResourceID, store.ErrExists)
	} else if err != nil {
		return fmt.Errorf("insert target %s: %w", tg.ResourceID, err)
	}
	if tg.Seq, err = res.LastInsertId(); err != nil {
		return err
	}
	return t.count(*tg, 1)
}

func (t *tx) UpdateTarget(tg *autoscaling.ScalableTarget) error {
	data, err := encode(tg)
	if err != nil {
		return err
	}
	res, err := t.s.exec(`UPDATE targets SET data = ? WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?`,
		data, tg.Account, tg.Region, tg.Namespace, tg.ResourceID, tg.Dimension)
	return affected(res, err, "update target "+tg.ResourceID)
}

func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

const keyWhere = `account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?`

func keyArgs(scope autoscaling.Scope, k autoscaling.TargetKey, more ...any) []any {
	return append([]any{scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension}, more...)
}

func (t *tx) DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error {
	res, err := t.s.exec(`DELETE FROM targets WHERE `+keyWhere, keyArgs(scope, key)...)
	if err := affected(res, err, "delete target "+key.ResourceID); err != nil {
		return err
	}
	if _, err := t.s.exec(`DELETE FROM policies WHERE `+keyWhere, keyArgs(scope, key)...); err != nil {
		return fmt.Errorf("delete policies of %s: %w", key.ResourceID, err)
	}
	if _, err := t.s.exec(`DELETE FROM scheduled_actions WHERE `+keyWhere, keyArgs(scope, key)...); err != nil {
		return fmt.Errorf("delete scheduled actions of %s: %w", key.ResourceID, err)
	}
	return t.count(autoscaling.ScalableTarget{Scope: scope, TargetKey: key}, -1)
}

func (t *tx) Policies(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScalingPolicy, error) {
	out, err := list(writeQ{t.s}, setPolicySeq, `SELECT seq, data FROM policies WHERE `+keyWhere, keyArgs(scope, key)...)
	return sortBySeq(out, func(p *autoscaling.ScalingPolicy) int64 { return p.Seq }), err
}

func (t *tx) PutPolicy(p *autoscaling.ScalingPolicy) error {
	data, err := encode(p)
	if err != nil {
		return err
	}
	if p.Seq != 0 {
		res, err := t.s.exec(`UPDATE policies SET data = ? WHERE seq = ?`, data, p.Seq)
		return affected(res, err, "update policy "+p.Name)
	}
	res, err := t.s.exec(`INSERT INTO policies (account, region, namespace, resource_id, dimension, name, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		keyArgs(p.Scope, p.TargetKey, p.Name, data)...)
	if isUnique(err) {
		return fmt.Errorf("insert policy %s: %w", p.Name, store.ErrExists)
	} else if err != nil {
		return fmt.Errorf("insert policy %s: %w", p.Name, err)
	}
	p.Seq, err = res.LastInsertId()
	return err
}

func (t *tx) DeletePolicy(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	res, err := t.s.exec(`DELETE FROM policies WHERE `+keyWhere+` AND name = ?`, keyArgs(scope, key, name)...)
	return affected(res, err, "delete policy "+name)
}

func (t *tx) ScheduledActions(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScheduledAction, error) {
	out, err := list(writeQ{t.s}, setActionSeq, `SELECT seq, data FROM scheduled_actions WHERE `+keyWhere, keyArgs(scope, key)...)
	return sortBySeq(out, func(a *autoscaling.ScheduledAction) int64 { return a.Seq }), err
}

func (t *tx) PutScheduledAction(a *autoscaling.ScheduledAction) error {
	data, err := encode(a)
	if err != nil {
		return err
	}
	if a.Seq != 0 {
		res, err := t.s.exec(`UPDATE scheduled_actions SET data = ? WHERE seq = ?`, data, a.Seq)
		return affected(res, err, "update scheduled action "+a.Name)
	}
	res, err := t.s.exec(`INSERT INTO scheduled_actions (account, region, namespace, resource_id, dimension, name, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		keyArgs(a.Scope, a.TargetKey, a.Name, data)...)
	if isUnique(err) {
		return fmt.Errorf("insert scheduled action %s: %w", a.Name, store.ErrExists)
	} else if err != nil {
		return fmt.Errorf("insert scheduled action %s: %w", a.Name, err)
	}
	a.Seq, err = res.LastInsertId()
	return err
}

func (t *tx) DeleteScheduledAction(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	res, err := t.s.exec(`DELETE FROM scheduled_actions WHERE `+keyWhere+` AND name = ?`, keyArgs(scope, key, name)...)
	return affected(res, err, "delete scheduled action "+name)
}

func (t *tx) PutActivity(a *autoscaling.ScalingActivity) error {
	data, err := encode(a)
	if err != nil {
		return err
	}
	notScaled := 0
	if len(a.NotScaledReasons) > 0 {
		notScaled = 1
	}
	if a.Seq != 0 {
		res, err := t.s.exec(`UPDATE activities SET data = ?, not_scaled = ?, start_us = ? WHERE seq = ?`, data, notScaled, a.StartTime.UnixMicro(), a.Seq)
		return affected(res, err, "update activity "+a.ActivityID)
	}
	res, err := t.s.exec(`INSERT INTO activities (account, region, namespace, resource_id, dimension, not_scaled, start_us, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		keyArgs(a.Scope, a.TargetKey, notScaled, a.StartTime.UnixMicro(), data)...)
	if err != nil {
		return fmt.Errorf("insert activity: %w", err)
	}
	a.Seq, err = res.LastInsertId()
	return err
}

func (t *tx) DeleteActivitiesBefore(before time.Time) (int, error) {
	res, err := t.s.exec(`DELETE FROM activities WHERE start_us < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("delete old activities: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
