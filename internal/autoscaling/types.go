// Package autoscaling is the domain leaf of autoscaled: scalable targets, scaling policies,
// scheduled actions and scaling activities; the namespace, dimension and resource-id rules of
// Application Auto Scaling; ARNs; request validation; and the error type that carries an AWS
// exception code. It imports nothing of the rest of the project.
package autoscaling

import "time"

// Scope is the (account, region) pair every resource lives in. Resources in different scopes
// never see each other.
type Scope struct {
	Account string
	Region  string
}

// TargetKey identifies a scalable target inside a scope.
type TargetKey struct {
	Namespace  string
	ResourceID string
	Dimension  string
}

// SuspendedState holds the three suspension flags of a scalable target.
type SuspendedState struct {
	DynamicScalingInSuspended  bool `json:"DynamicScalingInSuspended"`
	DynamicScalingOutSuspended bool `json:"DynamicScalingOutSuspended"`
	ScheduledScalingSuspended  bool `json:"ScheduledScalingSuspended"`
}

// ScalableTarget is a registered scalable target.
type ScalableTarget struct {
	Scope
	TargetKey
	// ID is the 36-character identifier at the end of the target's ARN.
	ID string
	// ResourceUUID is the per-target uuid that appears in the ARNs of its policies and
	// scheduled actions.
	ResourceUUID string
	MinCapacity  int32
	MaxCapacity  int32
	RoleARN      string
	Suspended    SuspendedState
	CreationTime time.Time
	Tags         map[string]string
	// Seq is the store-assigned creation sequence number; it orders Describe results and is
	// the position a pagination token points at. Zero until stored.
	Seq int64
}

// ARN is the scalable target's ARN.
func (t *ScalableTarget) ARN() string { return TargetARN(t.Scope, t.ID) }

// PolicyType values.
const (
	PolicyTypeStepScaling       = "StepScaling"
	PolicyTypeTargetTracking    = "TargetTrackingScaling"
	PolicyTypePredictiveScaling = "PredictiveScaling"
)

// ScalingPolicy is a scaling policy attached to a scalable target. Configurations are kept
// exactly as the caller supplied them (no defaults filled in), because AWS echoes them so.
type ScalingPolicy struct {
	Scope
	TargetKey
	Name           string
	ARN            string
	Type           string
	StepScaling    *StepScalingPolicyConfiguration
	TargetTracking *TargetTrackingScalingPolicyConfiguration
	Alarms         []Alarm
	CreationTime   time.Time
	Seq            int64
}

// Alarm names a CloudWatch alarm associated with a policy.
type Alarm struct {
	AlarmName string `json:"AlarmName"`
	AlarmARN  string `json:"AlarmARN"`
}

// ScheduledAction is a scheduled action attached to a scalable target.
type ScheduledAction struct {
	Scope
	TargetKey
	Name         string
	ARN          string
	Schedule     string
	Timezone     *string
	StartTime    *time.Time
	EndTime      *time.Time
	MinCapacity  *int32
	MaxCapacity  *int32
	CreationTime time.Time
	Seq          int64
}

// Scaling activity status codes.
const (
	StatusPending     = "Pending"
	StatusInProgress  = "InProgress"
	StatusSuccessful  = "Successful"
	StatusOverridden  = "Overridden"
	StatusUnfulfilled = "Unfulfilled"
	StatusFailed      = "Failed"
)

// ScalingActivity is one recorded scaling activity (or, with NotScaledReasons, a decision not
// to scale).
type ScalingActivity struct {
	Scope
	TargetKey
	ActivityID       string
	Description      string
	Cause            string
	StartTime        time.Time
	EndTime          *time.Time
	StatusCode       string
	StatusMessage    string
	Details          string
	NotScaledReasons []NotScaledReason
	Seq              int64
}

// NotScaledReason explains why a scaling activity did not scale.
type NotScaledReason struct {
	Code            string `json:"Code"`
	MaxCapacity     *int32 `json:"MaxCapacity,omitempty"`
	MinCapacity     *int32 `json:"MinCapacity,omitempty"`
	CurrentCapacity *int32 `json:"CurrentCapacity,omitempty"`
}
