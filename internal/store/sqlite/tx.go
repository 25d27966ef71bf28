package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// errTxDone is returned by a Tx used after its Update function returned.
var errTxDone = errors.New("sqlite store: Tx used after its Update function returned")

// tx is the store.Tx of one Update function. It runs on the writer goroutine, on the write
// connection, inside the function's savepoint.
type tx struct {
	s        *Store
	finished atomic.Bool
}

func (t *tx) check() error {
	if t.finished.Load() {
		return errTxDone
	}
	if t.s.txErr != nil {
		return fmt.Errorf("sqlite store: the transaction failed: %w", t.s.txErr)
	}
	return nil
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	st, err := t.s.wstmt(q)
	if err != nil {
		return nil, err
	}
	rows, err := st.Query(args...)
	t.s.noteErr(err)
	return rows, err
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.s.exec(q, args...)
}

// affected turns "no row changed" into ErrNotFound.
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

func (t *tx) GetTarget(scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	return getTarget(t, scope, key)
}

func (t *tx) GetTargetByID(scope autoscaling.Scope, id string) (*autoscaling.ScalableTarget, error) {
	return getTargetByID(t, scope, id)
}

const (
	sqlCountType = `SELECT n FROM target_counts WHERE account = ? AND region = ? AND namespace = ? AND resource_type = ?`
	sqlCountNS   = `SELECT COALESCE(SUM(n), 0) FROM target_counts WHERE account = ? AND region = ? AND namespace = ?`
	sqlAddCount  = `INSERT INTO target_counts (account, region, namespace, resource_type, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, region, namespace, resource_type) DO UPDATE SET n = n + excluded.n`
	sqlDeleteTarget = `DELETE FROM targets WHERE ` + keyWhere + ` RETURNING resource_type`
)

func (t *tx) CountTargets(scope autoscaling.Scope, namespace, resourceType string) (int, error) {
	q, args := sqlCountType, []any{scope.Account, scope.Region, namespace, resourceType}
	if resourceType == "" {
		q, args = sqlCountNS, args[:3]
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return 0, fmt.Errorf("count targets: %w", err)
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("count targets: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count targets: %w", err)
	}
	return int(n), nil
}

func (t *tx) InsertTarget(tg *autoscaling.ScalableTarget) error {
	what := "insert target " + tg.ResourceID + " " + tg.Dimension
	args, err := insertTargetArgs(nil, tg)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	res, err := t.exec(sqlInsertTarget, args...)
	if isUnique(err) {
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	} else if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if _, err := t.exec(sqlAddCount, tg.Account, tg.Region, tg.Namespace, resourceType(tg.TargetKey), 1); err != nil {
		return fmt.Errorf("%s: count: %w", what, err)
	}
	tg.Seq = seq
	return nil
}

func (t *tx) UpdateTarget(tg *autoscaling.ScalableTarget) error {
	what := "update target " + tg.ResourceID + " " + tg.Dimension
	args, err := updateTargetArgs(tg)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	res, err := t.exec(sqlUpdateTarget, args...)
	return affected(res, err, what)
}

// DeleteTarget deletes the target; the foreign keys (ON DELETE CASCADE) delete its policies
// and scheduled actions.
func (t *tx) DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error {
	what := "delete target " + key.ResourceID + " " + key.Dimension
	rows, err := t.query(sqlDeleteTarget, keyArgs(scope, key)...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var rtype string
	found := rows.Next()
	if found {
		err = rows.Scan(&rtype)
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !found {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if _, err := t.exec(sqlAddCount, scope.Account, scope.Region, key.Namespace, rtype, -1); err != nil {
		return fmt.Errorf("%s: count: %w", what, err)
	}
	return nil
}

func (t *tx) Policies(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScalingPolicy, error) {
	rows, err := t.query(sqlTxPolicies, keyArgs(scope, key)...)
	out, err := collect(rows, err, scanPolicy)
	if err != nil {
		return nil, fmt.Errorf("policies of %s: %w", key.ResourceID, err)
	}
	return out, nil
}

// insertErr maps the constraint errors of a child insert.
func insertErr(err error, what string, k autoscaling.TargetKey) error {
	switch {
	case isUnique(err):
		return fmt.Errorf("%s: %w", what, store.ErrExists)
	case isForeignKey(err):
		return fmt.Errorf("%s: target %s %s: %w", what, k.ResourceID, k.Dimension, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// PutPolicy inserts (Seq == 0) or replaces the policy of the same target and name. The
// target must exist (else ErrNotFound).
func (t *tx) PutPolicy(p *autoscaling.ScalingPolicy) error {
	if p.Seq != 0 {
		what := "replace policy " + p.Name
		args, err := updatePolicyArgs(p)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		res, err := t.exec(sqlUpdatePolicy, args...)
		return affected(res, err, what)
	}
	what := "insert policy " + p.Name
	args, err := insertPolicyArgs(nil, p)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	res, err := t.exec(sqlInsertPolicy, args...)
	if err != nil {
		return insertErr(err, what, p.TargetKey)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	p.Seq = seq
	return nil
}

func (t *tx) DeletePolicy(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	res, err := t.exec(`DELETE FROM policies WHERE `+keyWhere+` AND name = ?`, keyArgs(scope, key, name)...)
	return affected(res, err, "delete policy "+name)
}

func (t *tx) ScheduledActions(scope autoscaling.Scope, key autoscaling.TargetKey) ([]*autoscaling.ScheduledAction, error) {
	rows, err := t.query(sqlTxActions, keyArgs(scope, key)...)
	out, err := collect(rows, err, scanAction)
	if err != nil {
		return nil, fmt.Errorf("scheduled actions of %s: %w", key.ResourceID, err)
	}
	return out, nil
}

// PutScheduledAction inserts (Seq == 0) or replaces the scheduled action of the same target
// and name. The target must exist (else ErrNotFound).
func (t *tx) PutScheduledAction(a *autoscaling.ScheduledAction) error {
	if a.Seq != 0 {
		res, err := t.exec(sqlUpdateAction, updateActionArgs(a)...)
		return affected(res, err, "replace scheduled action "+a.Name)
	}
	what := "insert scheduled action " + a.Name
	res, err := t.exec(sqlInsertAction, insertActionArgs(nil, a)...)
	if err != nil {
		return insertErr(err, what, a.TargetKey)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	a.Seq = seq
	return nil
}

func (t *tx) DeleteScheduledAction(scope autoscaling.Scope, key autoscaling.TargetKey, name string) error {
	res, err := t.exec(`DELETE FROM scheduled_actions WHERE `+keyWhere+` AND name = ?`, keyArgs(scope, key, name)...)
	return affected(res, err, "delete scheduled action "+name)
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
		res, err := t.exec(sqlUpdateActivity, args...)
		return affected(res, err, what)
	}
	what := "insert activity " + a.ActivityID
	args, err := insertActivityArgs(nil, a)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	res, err := t.exec(sqlInsertActivity, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	a.Seq = seq
	return nil
}

func (t *tx) DeleteActivitiesBefore(before time.Time) (int, error) {
	res, err := t.exec(`DELETE FROM activities WHERE start_time < ?`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("delete activities before %s: %w", before, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

var _ store.Tx = (*tx)(nil)
