package api

import (
	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
)

// Wire shapes. Request members are pointers so that "absent" and "zero" differ; response
// members use omitempty so that absent members are left out, as AWS does.

type wireScalableTarget struct {
	ServiceNamespace  string                      `json:"ServiceNamespace"`
	ResourceID        string                      `json:"ResourceId"`
	ScalableDimension string                      `json:"ScalableDimension"`
	MinCapacity       int32                       `json:"MinCapacity"`
	MaxCapacity       int32                       `json:"MaxCapacity"`
	RoleARN           string                      `json:"RoleARN"`
	CreationTime      awsjson.Timestamp           `json:"CreationTime"`
	SuspendedState    *autoscaling.SuspendedState `json:"SuspendedState,omitempty"`
	ScalableTargetARN string                      `json:"ScalableTargetARN,omitempty"`
}

func toWireTarget(t *autoscaling.ScalableTarget) wireScalableTarget {
	ss := t.Suspended
	return wireScalableTarget{
		ServiceNamespace:  t.Namespace,
		ResourceID:        t.ResourceID,
		ScalableDimension: t.Dimension,
		MinCapacity:       t.MinCapacity,
		MaxCapacity:       t.MaxCapacity,
		RoleARN:           t.RoleARN,
		CreationTime:      awsjson.Timestamp(t.CreationTime),
		SuspendedState:    &ss,
		ScalableTargetARN: t.ARN(),
	}
}

type wireSuspendedState struct {
	DynamicScalingInSuspended  *bool `json:"DynamicScalingInSuspended"`
	DynamicScalingOutSuspended *bool `json:"DynamicScalingOutSuspended"`
	ScheduledScalingSuspended  *bool `json:"ScheduledScalingSuspended"`
}

type wireScalingPolicy struct {
	PolicyARN                                string                                                `json:"PolicyARN"`
	PolicyName                               string                                                `json:"PolicyName"`
	ServiceNamespace                         string                                                `json:"ServiceNamespace"`
	ResourceID                               string                                                `json:"ResourceId"`
	ScalableDimension                        string                                                `json:"ScalableDimension"`
	PolicyType                               string                                                `json:"PolicyType"`
	StepScalingPolicyConfiguration           *autoscaling.StepScalingPolicyConfiguration           `json:"StepScalingPolicyConfiguration,omitempty"`
	TargetTrackingScalingPolicyConfiguration *autoscaling.TargetTrackingScalingPolicyConfiguration `json:"TargetTrackingScalingPolicyConfiguration,omitempty"`
	Alarms                                   []autoscaling.Alarm                                   `json:"Alarms,omitempty"`
	CreationTime                             awsjson.Timestamp                                     `json:"CreationTime"`
}

func toWirePolicy(p *autoscaling.ScalingPolicy) wireScalingPolicy {
	return wireScalingPolicy{
		PolicyARN:                                p.ARN,
		PolicyName:                               p.Name,
		ServiceNamespace:                         p.Namespace,
		ResourceID:                               p.ResourceID,
		ScalableDimension:                        p.Dimension,
		PolicyType:                               p.Type,
		StepScalingPolicyConfiguration:           p.StepScaling,
		TargetTrackingScalingPolicyConfiguration: p.TargetTracking,
		Alarms:                                   p.Alarms,
		CreationTime:                             awsjson.Timestamp(p.CreationTime),
	}
}

type wireScalableTargetAction struct {
	MinCapacity *int32 `json:"MinCapacity,omitempty"`
	MaxCapacity *int32 `json:"MaxCapacity,omitempty"`
}

type wireScheduledAction struct {
	ScheduledActionName  string                    `json:"ScheduledActionName"`
	ScheduledActionARN   string                    `json:"ScheduledActionARN"`
	ServiceNamespace     string                    `json:"ServiceNamespace"`
	Schedule             string                    `json:"Schedule"`
	Timezone             *string                   `json:"Timezone,omitempty"`
	ResourceID           string                    `json:"ResourceId"`
	ScalableDimension    string                    `json:"ScalableDimension"`
	StartTime            *awsjson.Timestamp        `json:"StartTime,omitempty"`
	EndTime              *awsjson.Timestamp        `json:"EndTime,omitempty"`
	ScalableTargetAction *wireScalableTargetAction `json:"ScalableTargetAction,omitempty"`
	CreationTime         awsjson.Timestamp         `json:"CreationTime"`
}

func toWireScheduledAction(a *autoscaling.ScheduledAction) wireScheduledAction {
	w := wireScheduledAction{
		ScheduledActionName: a.Name,
		ScheduledActionARN:  a.ARN,
		ServiceNamespace:    a.Namespace,
		Schedule:            a.Schedule,
		Timezone:            a.Timezone,
		ResourceID:          a.ResourceID,
		ScalableDimension:   a.Dimension,
		StartTime:           awsjson.TimestampPtr(a.StartTime),
		EndTime:             awsjson.TimestampPtr(a.EndTime),
		CreationTime:        awsjson.Timestamp(a.CreationTime),
	}
	if a.MinCapacity != nil || a.MaxCapacity != nil {
		w.ScalableTargetAction = &wireScalableTargetAction{MinCapacity: a.MinCapacity, MaxCapacity: a.MaxCapacity}
	}
	return w
}

type wireScalingActivity struct {
	ActivityID        string                        `json:"ActivityId"`
	ServiceNamespace  string                        `json:"ServiceNamespace"`
	ResourceID        string                        `json:"ResourceId"`
	ScalableDimension string                        `json:"ScalableDimension"`
	Description       string                        `json:"Description"`
	Cause             string                        `json:"Cause"`
	StartTime         awsjson.Timestamp             `json:"StartTime"`
	EndTime           *awsjson.Timestamp            `json:"EndTime,omitempty"`
	StatusCode        string                        `json:"StatusCode"`
	StatusMessage     string                        `json:"StatusMessage,omitempty"`
	Details           string                        `json:"Details,omitempty"`
	NotScaledReasons  []autoscaling.NotScaledReason `json:"NotScaledReasons,omitempty"`
}

func toWireActivity(a *autoscaling.ScalingActivity) wireScalingActivity {
	return wireScalingActivity{
		ActivityID:        a.ActivityID,
		ServiceNamespace:  a.Namespace,
		ResourceID:        a.ResourceID,
		ScalableDimension: a.Dimension,
		Description:       a.Description,
		Cause:             a.Cause,
		StartTime:         awsjson.Timestamp(a.StartTime),
		EndTime:           awsjson.TimestampPtr(a.EndTime),
		StatusCode:        a.StatusCode,
		StatusMessage:     a.StatusMessage,
		Details:           a.Details,
		NotScaledReasons:  a.NotScaledReasons,
	}
}

// targetKeyFields are the three members that name a target in most requests.
type targetKeyFields struct {
	ServiceNamespace  *string `json:"ServiceNamespace"`
	ResourceID        *string `json:"ResourceId"`
	ScalableDimension *string `json:"ScalableDimension"`
}

// validate records the model constraints of the three members (all required).
func (f *targetKeyFields) validate(v *autoscaling.Validator) {
	v.RequiredEnum("serviceNamespace", f.ServiceNamespace, autoscaling.Namespaces)
	v.RequiredString("resourceId", f.ResourceID, 1, 1600)
	v.RequiredEnum("scalableDimension", f.ScalableDimension, autoscaling.Dimensions)
}

func (f *targetKeyFields) key() autoscaling.TargetKey {
	return autoscaling.TargetKey{Namespace: deref(f.ServiceNamespace), ResourceID: deref(f.ResourceID), Dimension: deref(f.ScalableDimension)}
}

// describeFilter is the filter part of the describe requests other than targets.
type describeFilter struct {
	ServiceNamespace  *string `json:"ServiceNamespace"`
	ResourceID        *string `json:"ResourceId"`
	ScalableDimension *string `json:"ScalableDimension"`
	MaxResults        *int32  `json:"MaxResults"`
	NextToken         *string `json:"NextToken"`
}

func (f *describeFilter) validate(v *autoscaling.Validator, maxResults int32) {
	v.RequiredEnum("serviceNamespace", f.ServiceNamespace, autoscaling.Namespaces)
	v.String("resourceId", f.ResourceID, 1, 1600)
	v.Enum("scalableDimension", f.ScalableDimension, autoscaling.Dimensions)
	v.IntRange("maxResults", f.MaxResults, 1, maxResults)
	v.String("nextToken", f.NextToken, 0, 0)
}

func (f *describeFilter) limit(def int32) int {
	if f.MaxResults == nil {
		return int(def)
	}
	return int(*f.MaxResults)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
