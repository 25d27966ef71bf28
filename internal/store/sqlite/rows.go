package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Encoding of field values in columns.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func stringPtr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

func nullInt32(p *int32) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func int32Ptr(v sql.NullInt64) *int32 {
	if !v.Valid {
		return nil
	}
	n := int32(v.Int64)
	return &n
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// jsonOf encodes v as JSON text, or NULL when empty is true.
func jsonOf(v any, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b), nil
}

// fromJSON decodes a JSON column into *dst; NULL leaves it alone.
func fromJSON[T any](col string, v sql.NullString, dst *T) error {
	if !v.Valid {
		return nil
	}
	if err := json.Unmarshal([]byte(v.String), dst); err != nil {
		return fmt.Errorf("decode column %s: %w", col, err)
	}
	return nil
}

// resourceType is the quota bucket of a target (see store.Tx.CountTargets).
func resourceType(k autoscaling.TargetKey) string {
	d, _ := autoscaling.Dimension(k.Dimension)
	return d.ResourceType
}

type scanner interface{ Scan(dest ...any) error }

// Targets.

const targetCols = `seq, account, region, namespace, resource_id, dimension, id, resource_uuid,
	min_capacity, max_capacity, role_arn, scale_in_suspended, scale_out_suspended,
	scheduled_suspended, creation_time, tags`

func scanTarget(sc scanner) (*autoscaling.ScalableTarget, error) {
	t := new(autoscaling.ScalableTarget)
	var minCap, maxCap, created int64
	var tags sql.NullString
	err := sc.Scan(&t.Seq, &t.Account, &t.Region, &t.Namespace, &t.ResourceID, &t.Dimension, &t.ID, &t.ResourceUUID,
		&minCap, &maxCap, &t.RoleARN, &t.Suspended.DynamicScalingInSuspended, &t.Suspended.DynamicScalingOutSuspended,
		&t.Suspended.ScheduledScalingSuspended, &created, &tags)
	if err != nil {
		return nil, err
	}
	t.MinCapacity, t.MaxCapacity, t.CreationTime = int32(minCap), int32(maxCap), fromMicros(created)
	return t, fromJSON("tags", tags, &t.Tags)
}

// sqlInsertTarget takes seq (NULL: assign) and the columns of targetArgs.
const sqlInsertTarget = `INSERT INTO targets (seq, account, region, namespace, resource_id, dimension, id,
	resource_uuid, resource_type, min_capacity, max_capacity, role_arn, scale_in_suspended,
	scale_out_suspended, scheduled_suspended, creation_time, tags)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const sqlUpdateTarget = `UPDATE targets SET id = ?, resource_uuid = ?, min_capacity = ?, max_capacity = ?,
	role_arn = ?, scale_in_suspended = ?, scale_out_suspended = ?, scheduled_suspended = ?,
	creation_time = ?, tags = ?
	WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?`

func insertTargetArgs(seq any, t *autoscaling.ScalableTarget) ([]any, error) {
	tags, err := jsonOf(t.Tags, len(t.Tags) == 0)
	if err != nil {
		return nil, err
	}
	return []any{seq, t.Account, t.Region, t.Namespace, t.ResourceID, t.Dimension, t.ID, t.ResourceUUID,
		resourceType(t.TargetKey), int64(t.MinCapacity), int64(t.MaxCapacity), t.RoleARN,
		b2i(t.Suspended.DynamicScalingInSuspended), b2i(t.Suspended.DynamicScalingOutSuspended),
		b2i(t.Suspended.ScheduledScalingSuspended), micros(t.CreationTime), tags}, nil
}

func updateTargetArgs(t *autoscaling.ScalableTarget) ([]any, error) {
	tags, err := jsonOf(t.Tags, len(t.Tags) == 0)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.ResourceUUID, int64(t.MinCapacity), int64(t.MaxCapacity), t.RoleARN,
		b2i(t.Suspended.DynamicScalingInSuspended), b2i(t.Suspended.DynamicScalingOutSuspended),
		b2i(t.Suspended.ScheduledScalingSuspended), micros(t.CreationTime), tags,
		t.Account, t.Region, t.Namespace, t.ResourceID, t.Dimension}, nil
}

// Policies.

const policyCols = `seq, account, region, namespace, resource_id, dimension, name, arn, policy_type,
	step_scaling, target_tracking, alarms, creation_time`

func scanPolicy(sc scanner) (*autoscaling.ScalingPolicy, error) {
	p := new(autoscaling.ScalingPolicy)
	var step, tt, alarms sql.NullString
	var created int64
	err := sc.Scan(&p.Seq, &p.Account, &p.Region, &p.Namespace, &p.ResourceID, &p.Dimension, &p.Name, &p.ARN, &p.Type,
		&step, &tt, &alarms, &created)
	if err != nil {
		return nil, err
	}
	p.CreationTime = fromMicros(created)
	if step.Valid {
		p.StepScaling = new(autoscaling.StepScalingPolicyConfiguration)
	}
	if tt.Valid {
		p.TargetTracking = new(autoscaling.TargetTrackingScalingPolicyConfiguration)
	}
	if err := fromJSON("step_scaling", step, p.StepScaling); err != nil {
		return nil, err
	}
	if err := fromJSON("target_tracking", tt, p.TargetTracking); err != nil {
		return nil, err
	}
	return p, fromJSON("alarms", alarms, &p.Alarms)
}

const sqlInsertPolicy = `INSERT INTO policies (seq, account, region, namespace, resource_id, dimension, name,
	arn, policy_type, step_scaling, target_tracking, alarms, creation_time)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const sqlUpdatePolicy = `UPDATE policies SET arn = ?, policy_type = ?, step_scaling = ?, target_tracking = ?,
	alarms = ?, creation_time = ?
	WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ? AND name = ?`

// policyValues are the non-key columns, in the order both statements above take them.
func policyValues(p *autoscaling.ScalingPolicy) ([]any, error) {
	step, err := jsonOf(p.StepScaling, p.StepScaling == nil)
	if err != nil {
		return nil, err
	}
	tt, err := jsonOf(p.TargetTracking, p.TargetTracking == nil)
	if err != nil {
		return nil, err
	}
	alarms, err := jsonOf(p.Alarms, len(p.Alarms) == 0)
	if err != nil {
		return nil, err
	}
	return []any{p.ARN, p.Type, step, tt, alarms, micros(p.CreationTime)}, nil
}

func insertPolicyArgs(seq any, p *autoscaling.ScalingPolicy) ([]any, error) {
	vals, err := policyValues(p)
	if err != nil {
		return nil, err
	}
	return append([]any{seq, p.Account, p.Region, p.Namespace, p.ResourceID, p.Dimension, p.Name}, vals...), nil
}

func updatePolicyArgs(p *autoscaling.ScalingPolicy) ([]any, error) {
	vals, err := policyValues(p)
	if err != nil {
		return nil, err
	}
	return append(vals, p.Account, p.Region, p.Namespace, p.ResourceID, p.Dimension, p.Name), nil
}

// Scheduled actions.

const actionCols = `seq, account, region, namespace, resource_id, dimension, name, arn, schedule, timezone,
	start_time, end_time, min_capacity, max_capacity, creation_time`

func scanAction(sc scanner) (*autoscaling.ScheduledAction, error) {
	a := new(autoscaling.ScheduledAction)
	var tz sql.NullString
	var start, end, minCap, maxCap sql.NullInt64
	var created int64
	err := sc.Scan(&a.Seq, &a.Account, &a.Region, &a.Namespace, &a.ResourceID, &a.Dimension, &a.Name, &a.ARN, &a.Schedule,
		&tz, &start, &end, &minCap, &maxCap, &created)
	if err != nil {
		return nil, err
	}
	a.Timezone, a.StartTime, a.EndTime = stringPtr(tz), timePtr(start), timePtr(end)
	a.MinCapacity, a.MaxCapacity, a.CreationTime = int32Ptr(minCap), int32Ptr(maxCap), fromMicros(created)
	return a, nil
}

const sqlInsertAction = `INSERT INTO scheduled_actions (seq, account, region, namespace, resource_id, dimension,
	name, arn, schedule, timezone, start_time, end_time, min_capacity, max_capacity, creation_time)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const sqlUpdateAction = `UPDATE scheduled_actions SET arn = ?, schedule = ?, timezone = ?, start_time = ?,
	end_time = ?, min_capacity = ?, max_capacity = ?, creation_time = ?
	WHERE account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ? AND name = ?`

func actionValues(a *autoscaling.ScheduledAction) []any {
	return []any{a.ARN, a.Schedule, nullString(a.Timezone), nullMicros(a.StartTime), nullMicros(a.EndTime),
		nullInt32(a.MinCapacity), nullInt32(a.MaxCapacity), micros(a.CreationTime)}
}

func insertActionArgs(seq any, a *autoscaling.ScheduledAction) []any {
	return append([]any{seq, a.Account, a.Region, a.Namespace, a.ResourceID, a.Dimension, a.Name}, actionValues(a)...)
}

func updateActionArgs(a *autoscaling.ScheduledAction) []any {
	return append(actionValues(a), a.Account, a.Region, a.Namespace, a.ResourceID, a.Dimension, a.Name)
}

// Activities.

const activityCols = `seq, account, region, namespace, resource_id, dimension, activity_id, description,
	cause, start_time, end_time, status_code, status_message, details, not_scaled_reasons`

func scanActivity(sc scanner) (*autoscaling.ScalingActivity, error) {
	a := new(autoscaling.ScalingActivity)
	var start int64
	var end sql.NullInt64
	var reasons sql.NullString
	err := sc.Scan(&a.Seq, &a.Account, &a.Region, &a.Namespace, &a.ResourceID, &a.Dimension, &a.ActivityID, &a.Description,
		&a.Cause, &start, &end, &a.StatusCode, &a.StatusMessage, &a.Details, &reasons)
	if err != nil {
		return nil, err
	}
	a.StartTime, a.EndTime = fromMicros(start), timePtr(end)
	return a, fromJSON("not_scaled_reasons", reasons, &a.NotScaledReasons)
}

const sqlInsertActivity = `INSERT INTO activities (seq, account, region, namespace, resource_id, dimension,
	activity_id, description, cause, start_time, end_time, status_code, status_message, details,
	not_scaled_reasons)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// The replaced activity is the one with the same seq, scope and activity id.
const sqlUpdateActivity = `UPDATE activities SET namespace = ?, resource_id = ?, dimension = ?, description = ?,
	cause = ?, start_time = ?, end_time = ?, status_code = ?, status_message = ?, details = ?,
	not_scaled_reasons = ?
	WHERE seq = ? AND account = ? AND region = ? AND activity_id = ?`

func activityValues(a *autoscaling.ScalingActivity) ([]any, error) {
	reasons, err := jsonOf(a.NotScaledReasons, len(a.NotScaledReasons) == 0)
	if err != nil {
		return nil, err
	}
	return []any{a.Description, a.Cause, micros(a.StartTime), nullMicros(a.EndTime), a.StatusCode, a.StatusMessage,
		a.Details, reasons}, nil
}

func insertActivityArgs(seq any, a *autoscaling.ScalingActivity) ([]any, error) {
	vals, err := activityValues(a)
	if err != nil {
		return nil, err
	}
	return append([]any{seq, a.Account, a.Region, a.Namespace, a.ResourceID, a.Dimension, a.ActivityID}, vals...), nil
}

func updateActivityArgs(a *autoscaling.ScalingActivity) ([]any, error) {
	vals, err := activityValues(a)
	if err != nil {
		return nil, err
	}
	args := append([]any{a.Namespace, a.ResourceID, a.Dimension}, vals...)
	return append(args, a.Seq, a.Account, a.Region, a.ActivityID), nil
}
