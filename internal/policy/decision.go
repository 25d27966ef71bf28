package policy

import (
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Target is the state of the scalable target at decision time.
type Target struct {
	// Namespace and Dimension select the namespace's rules, e.g. "elasticache" and
	// "elasticache:replication-group:NodeGroups".
	Namespace string
	Dimension string
	// Min and Max are the target's MinCapacity and MaxCapacity.
	Min, Max int32
	// Current is the current desired capacity as the driver reports it.
	Current int32
	// Suspended holds the target's suspension flags.
	Suspended autoscaling.SuspendedState
}

// Cooldowns is what the controller remembers about the latest policy-driven activities of the
// target. Durations are as AWS defines them (not divided by the time scale); take them from
// [Decision.Cooldown] of the decision that started the activity.
type Cooldowns struct {
	// LastScaleOut is the start of the latest policy-driven scale-out; zero if none.
	LastScaleOut time.Time
	// ScaleOutFrom is the capacity before that scale-out.
	ScaleOutFrom int32
	// ScaleOutCooldown is the cooldown that applied to that scale-out.
	ScaleOutCooldown time.Duration
	// LastScaleIn is the start of the latest policy-driven scale-in; zero if none.
	LastScaleIn time.Time
	// ScaleInCooldown is the cooldown that applied to that scale-in.
	ScaleInCooldown time.Duration
}

// Direction is the way a decision moves capacity.
type Direction int

// Directions.
const (
	// None: capacity does not move.
	None Direction = iota
	// Out: capacity grows.
	Out
	// In: capacity shrinks.
	In
)

// String returns "none", "out" or "in".
func (d Direction) String() string {
	switch d {
	case Out:
		return "out"
	case In:
		return "in"
	}
	return "none"
}

// Decision is the outcome of one policy invocation.
type Decision struct {
	// Scale tells whether capacity changes.
	Scale bool
	// Desired is the new capacity when Scale, and the current capacity otherwise.
	Desired int32
	// Direction is Out or In when Scale; when not scaled it is the direction the policy wanted,
	// or None when it wanted nothing.
	Direction Direction
	// NotScaled holds AWS's reason codes (AlreadyAtMaxCapacity, AlreadyAtMinCapacity,
	// AlreadyAtDesiredCapacity, AutoScalingAnticipatedFlapping) when the decision is not to
	// scale and such a code applies; it is empty when the reason has no AWS code (cooldown,
	// suspension, another policy blocking scale-in, insufficient data, no matching step).
	NotScaled []autoscaling.NotScaledReason
	// Why explains the decision in a sentence, for logs and the activity's Details. It is always
	// set.
	Why string
	// Policy is the name of the target tracking policy whose proposal decided (the largest
	// one); empty for step scaling.
	Policy string
	// Cooldown is, when Scale, the cooldown the new activity starts, as AWS defines it (not
	// divided by the time scale): the controller records it as Cooldowns.ScaleOutCooldown or
	// ScaleInCooldown. Zero for a move into [min, max].
	Cooldown time.Duration
	// BlockedUntil is, when a cooldown stopped the decision, the instant (on the caller's
	// clock, time scale applied) at which it ends.
	BlockedUntil time.Time
}

// keep returns a decision not to scale with prose only.
func keep(t Target, dir Direction, format string, args ...any) Decision {
	return Decision{Desired: t.Current, Direction: dir, Why: fmt.Sprintf(format, args...)}
}

// keepCode returns a decision not to scale with an AWS reason code.
func keepCode(t Target, dir Direction, r autoscaling.NotScaledReason, format string, args ...any) Decision {
	d := keep(t, dir, format, args...)
	d.NotScaled = []autoscaling.NotScaledReason{r}
	return d
}

func atMax(t Target) Decision {
	return keepCode(t, Out, autoscaling.NotScaledReason{Code: CodeAlreadyAtMaxCapacity, MaxCapacity: ptr(t.Max)},
		"capacity %d is already at the maximum capacity %d", t.Current, t.Max)
}

func atMin(t Target) Decision {
	return keepCode(t, In, autoscaling.NotScaledReason{Code: CodeAlreadyAtMinCapacity, MinCapacity: ptr(t.Min)},
		"capacity %d is already at the minimum capacity %d", t.Current, t.Min)
}

func atDesired(t Target, dir Direction, format string, args ...any) Decision {
	return keepCode(t, dir, autoscaling.NotScaledReason{Code: CodeAlreadyAtDesiredCapacity, CurrentCapacity: ptr(t.Current)}, format, args...)
}

func flappingKeep(t Target, format string, args ...any) Decision {
	return keepCode(t, In, autoscaling.NotScaledReason{Code: CodeAutoScalingAnticipatedFlapping, CurrentCapacity: ptr(t.Current)}, format, args...)
}

// NotScaledReason codes (API Reference, NotScaledReason).
const (
	CodeAutoScalingAnticipatedFlapping       = "AutoScalingAnticipatedFlapping"
	CodeTargetServicePutResourceAsUnscalable = "TargetServicePutResourceAsUnscalable"
	CodeAlreadyAtMaxCapacity                 = "AlreadyAtMaxCapacity"
	CodeAlreadyAtMinCapacity                 = "AlreadyAtMinCapacity"
	CodeAlreadyAtDesiredCapacity             = "AlreadyAtDesiredCapacity"
)

func ptr[T any](v T) *T { return &v }

// normalizeTimeScale maps a time scale of zero or less (or NaN) to 1.
func normalizeTimeScale(ts float64) float64 {
	if !(ts > 0) {
		return 1
	}
	return ts
}
