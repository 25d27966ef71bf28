package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Encoding of field values in columns (the same as the SQLite store's).

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	us := t.UnixMicro()
	return &us
}

func timePtr(us *int64) *time.Time {
	if us == nil {
		return nil
	}
	t := fromMicros(*us)
	return &t
}

// jsonOf encodes v as JSON text, or NULL when empty is true.
func jsonOf(v any, empty bool) (*string, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	s := string(b)
	return &s, nil
}

// fromJSON decodes a JSON column into *dst; NULL leaves it alone.
func fromJSON[T any](col string, v *string, dst *T) error {
	if v == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(*v), dst); err != nil {
		return fmt.Errorf("decode column %s: %w", col, err)
	}
	return nil
}

// resourceType is the quota bucket of a target (see store.Tx.CountTargets).
func resourceType(k autoscaling.TargetKey) string {
	d, _ := autoscaling.Dimension(k.Dimension)
	return d.ResourceType
}

// Targets.

const targetCols = `seq, account, region, namespace, resource_id, dimension, id, resource_uuid,
	min_capacity, max_capacity, role_arn, scale_in_suspended, scale_out_suspended,
	scheduled_suspended, creation_time, tags`

func scanTarget(row pgx.CollectableRow) (*autoscaling.ScalableTarget, error) {
	t := new(autoscaling.ScalableTarget)
	var created int64
	var tags *string
	err := row.Scan(&t.Seq, &t.Account, &t.Region, &t.Namespace, &t.ResourceID, &t.Dimension, &t.ID, &t.ResourceUUID,
		&t.MinCapacity, &t.MaxCapacity, &t.RoleARN, &t.Suspended.DynamicScalingInSuspended, &t.Suspended.DynamicScalingOutSuspended,
		&t.Suspended.ScheduledScalingSuspended, &created, &tags)
	if err != nil {
		return nil, err
	}
	t.CreationTime = fromMicros(created)
	return t, fromJSON("tags", tags, &t.Tags)
}

const targetInsertCols = `account, region, namespace, resource_id, dimension, id, resource_uuid, resource_type,
	min_capacity, max_capacity, role_arn, scale_in_suspended, scale_out_suspended, scheduled_suspended,
	creation_time, tags`

// sqlInsertTarget returns no row if the key is taken.
const sqlInsertTarget = `INSERT INTO targets (` + targetInsertCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
	ON CONFLICT (account, region, namespace, resource_id, dimension) DO NOTHING
	RETURNING seq`

// sqlImportTarget takes the seq first.
const sqlImportTarget = `INSERT INTO targets (seq, ` + targetInsertCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`

const sqlUpdateTarget = `UPDATE targets SET id = $1, resource_uuid = $2, min_capacity = $3, max_capacity = $4,
	role_arn = $5, scale_in_suspended = $6, scale_out_suspended = $7, scheduled_suspended = $8,
	creation_time = $9, tags = $10
	WHERE account = $11 AND region = $12 AND namespace = $13 AND resource_id = $14 AND dimension = $15`

func insertTargetArgs(t *autoscaling.ScalableTarget) ([]any, error) {
	tags, err := jsonOf(t.Tags, len(t.Tags) == 0)
	if err != nil {
		return nil, err
	}
	return []any{t.Account, t.Region, t.Namespace, t.ResourceID, t.Dimension, t.ID, t.ResourceUUID,
		resourceType(t.TargetKey), t.MinCapacity, t.MaxCapacity, t.RoleARN,
		t.Suspended.DynamicScalingInSuspended, t.Suspended.DynamicScalingOutSuspended,
		t.Suspended.ScheduledScalingSuspended, micros(t.CreationTime), tags}, nil
}

func updateTargetArgs(t *autoscaling.ScalableTarget) ([]any, error) {
	tags, err := jsonOf(t.Tags, len(t.Tags) == 0)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.ResourceUUID, t.MinCapacity, t.MaxCapacity, t.RoleARN,
		t.Suspended.DynamicScalingInSuspended, t.Suspended.DynamicScalingOutSuspended,
		t.Suspended.ScheduledScalingSuspended, micros(t.CreationTime), tags,
		t.Account, t.Region, t.Namespace, t.ResourceID, t.Dimension}, nil
}

// Policies.

const policyCols = `seq, account, region, namespace, resource_id, dimension, name, arn, policy_type,
	step_scaling, target_tracking, alarms, creation_time`

func scanPolicy(row pgx.CollectableRow) (*autoscaling.ScalingPolicy, error) {
	p := new(autoscaling.ScalingPolicy)
	var step, tt, alarms *string
	var created int64
	err := row.Scan(&p.Seq, &p.Account, &p.Region, &p.Namespace, &p.ResourceID, &p.Dimension, &p.Name, &p.ARN, &p.Type,
		&step, &tt, &alarms, &created)
	if err != nil {
		return nil, err
	}
	p.CreationTime = fromMicros(created)
	if step != nil {
		p.StepScaling = new(autoscaling.StepScalingPolicyConfiguration)
	}
	if tt != nil {
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

const policyInsertCols = `account, region, namespace, resource_id, dimension, name, arn, policy_type,
	step_scaling, target_tracking, alarms, creation_time`

// sqlInsertPolicy returns no row if the name is taken.
const sqlInsertPolicy = `INSERT INTO policies (` + policyInsertCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
	ON CONFLICT (account, region, namespace, resource_id, dimension, name) DO NOTHING
	RETURNING seq`

// sqlImportPolicy takes the seq first, and skips a policy whose target is gone.
const sqlImportPolicy = `INSERT INTO policies (seq, ` + policyInsertCols + `)
	SELECT $1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
		$10::text, $11::text, $12::text, $13::bigint
	WHERE EXISTS (SELECT 1 FROM targets WHERE account = $2 AND region = $3 AND namespace = $4 AND resource_id = $5 AND dimension = $6)`

const sqlUpdatePolicy = `UPDATE policies SET arn = $1, policy_type = $2, step_scaling = $3, target_tracking = $4,
	alarms = $5, creation_time = $6
	WHERE account = $7 AND region = $8 AND namespace = $9 AND resource_id = $10 AND dimension = $11 AND name = $12`

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

func insertPolicyArgs(p *autoscaling.ScalingPolicy) ([]any, error) {
	vals, err := policyValues(p)
	if err != nil {
		return nil, err
	}
	return append([]any{p.Account, p.Region, p.Namespace, p.ResourceID, p.Dimension, p.Name}, vals...), nil
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

func scanAction(row pgx.CollectableRow) (*autoscaling.ScheduledAction, error) {
	a := new(autoscaling.ScheduledAction)
	var start, end *int64
	var created int64
	err := row.Scan(&a.Seq, &a.Account, &a.Region, &a.Namespace, &a.ResourceID, &a.Dimension, &a.Name, &a.ARN, &a.Schedule,
		&a.Timezone, &start, &end, &a.MinCapacity, &a.MaxCapacity, &created)
	if err != nil {
		return nil, err
	}
	a.StartTime, a.EndTime, a.CreationTime = timePtr(start), timePtr(end), fromMicros(created)
	return a, nil
}

const actionInsertCols = `account, region, namespace, resource_id, dimension, name, arn, schedule,
	timezone, start_time, end_time, min_capacity, max_capacity, creation_time`

// sqlInsertAction returns no row if the name is taken.
const sqlInsertAction = `INSERT INTO scheduled_actions (` + actionInsertCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	ON CONFLICT (account, region, namespace, resource_id, dimension, name) DO NOTHING
	RETURNING seq`

// sqlImportAction takes the seq first, and skips an action whose target is gone.
const sqlImportAction = `INSERT INTO scheduled_actions (seq, ` + actionInsertCols + `)
	SELECT $1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
		$10::text, $11::bigint, $12::bigint, $13::integer, $14::integer, $15::bigint
	WHERE EXISTS (SELECT 1 FROM targets WHERE account = $2 AND region = $3 AND namespace = $4 AND resource_id = $5 AND dimension = $6)`

const sqlUpdateAction = `UPDATE scheduled_actions SET arn = $1, schedule = $2, timezone = $3, start_time = $4,
	end_time = $5, min_capacity = $6, max_capacity = $7, creation_time = $8
	WHERE account = $9 AND region = $10 AND namespace = $11 AND resource_id = $12 AND dimension = $13 AND name = $14`

func actionValues(a *autoscaling.ScheduledAction) []any {
	return []any{a.ARN, a.Schedule, a.Timezone, nullMicros(a.StartTime), nullMicros(a.EndTime),
		a.MinCapacity, a.MaxCapacity, micros(a.CreationTime)}
}

func insertActionArgs(a *autoscaling.ScheduledAction) []any {
	return append([]any{a.Account, a.Region, a.Namespace, a.ResourceID, a.Dimension, a.Name}, actionValues(a)...)
}

func updateActionArgs(a *autoscaling.ScheduledAction) []any {
	return append(actionValues(a), a.Account, a.Region, a.Namespace, a.ResourceID, a.Dimension, a.Name)
}

// Activities.

const activityCols = `seq, account, region, namespace, resource_id, dimension, activity_id, description,
	cause, start_time, end_time, status_code, status_message, details, not_scaled_reasons`

func scanActivity(row pgx.CollectableRow) (*autoscaling.ScalingActivity, error) {
	a := new(autoscaling.ScalingActivity)
	var start int64
	var end *int64
	var reasons *string
	err := row.Scan(&a.Seq, &a.Account, &a.Region, &a.Namespace, &a.ResourceID, &a.Dimension, &a.ActivityID, &a.Description,
		&a.Cause, &start, &end, &a.StatusCode, &a.StatusMessage, &a.Details, &reasons)
	if err != nil {
		return nil, err
	}
	a.StartTime, a.EndTime = fromMicros(start), timePtr(end)
	return a, fromJSON("not_scaled_reasons", reasons, &a.NotScaledReasons)
}

const activityInsertCols = `account, region, namespace, resource_id, dimension, activity_id, description,
	cause, start_time, end_time, status_code, status_message, details, not_scaled_reasons`

const sqlInsertActivity = `INSERT INTO activities (` + activityInsertCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	RETURNING seq`

// sqlImportActivity takes the seq first.
const sqlImportActivity = `INSERT INTO activities (seq, ` + activityInsertCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

// The replaced activity is the one with the same seq, scope and activity id.
const sqlUpdateActivity = `UPDATE activities SET namespace = $1, resource_id = $2, dimension = $3, description = $4,
	cause = $5, start_time = $6, end_time = $7, status_code = $8, status_message = $9, details = $10,
	not_scaled_reasons = $11
	WHERE seq = $12 AND account = $13 AND region = $14 AND activity_id = $15`

func activityValues(a *autoscaling.ScalingActivity) ([]any, error) {
	reasons, err := jsonOf(a.NotScaledReasons, len(a.NotScaledReasons) == 0)
	if err != nil {
		return nil, err
	}
	return []any{a.Description, a.Cause, micros(a.StartTime), nullMicros(a.EndTime), a.StatusCode, a.StatusMessage,
		a.Details, reasons}, nil
}

func insertActivityArgs(a *autoscaling.ScalingActivity) ([]any, error) {
	vals, err := activityValues(a)
	if err != nil {
		return nil, err
	}
	return append([]any{a.Account, a.Region, a.Namespace, a.ResourceID, a.Dimension, a.ActivityID}, vals...), nil
}

func updateActivityArgs(a *autoscaling.ScalingActivity) ([]any, error) {
	vals, err := activityValues(a)
	if err != nil {
		return nil, err
	}
	args := append([]any{a.Namespace, a.ResourceID, a.Dimension}, vals...)
	return append(args, a.Seq, a.Account, a.Region, a.ActivityID), nil
}
