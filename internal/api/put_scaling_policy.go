package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/store"
)

type putScalingPolicyInput struct {
	PolicyName *string `json:"PolicyName"`
	targetKeyFields
	PolicyType                               *string                                               `json:"PolicyType"`
	StepScalingPolicyConfiguration           *autoscaling.StepScalingPolicyConfiguration           `json:"StepScalingPolicyConfiguration"`
	TargetTrackingScalingPolicyConfiguration *autoscaling.TargetTrackingScalingPolicyConfiguration `json:"TargetTrackingScalingPolicyConfiguration"`
	// The predictive configuration is accepted on the wire (so a request decodes) and
	// rejected as not supported yet.
	PredictiveScalingPolicyConfiguration json.RawMessage `json:"PredictiveScalingPolicyConfiguration"`
}

type putScalingPolicyOutput struct {
	PolicyARN string              `json:"PolicyARN"`
	Alarms    []autoscaling.Alarm `json:"Alarms,omitempty"`
}

func (s *Service) putScalingPolicy(ctx context.Context, r *awsjson.Request) (any, error) {
	var in putScalingPolicyInput
	if err := r.Decode(&in); err != nil {
		return nil, err
	}
	var v autoscaling.Validator
	v.RequiredString("policyName", in.PolicyName, 1, 256)
	if in.PolicyName != nil && len(*in.PolicyName) <= 256 {
		v.Pattern("policyName", in.PolicyName, autoscaling.PrintableASCII(*in.PolicyName), `\p{Print}+`)
	}
	in.validate(&v)
	v.Enum("policyType", in.PolicyType, autoscaling.PolicyTypes)
	validateStepConfig(&v, in.StepScalingPolicyConfiguration)
	validateTargetTrackingConfig(&v, in.TargetTrackingScalingPolicyConfiguration)
	if err := v.Err(); err != nil {
		return nil, err
	}
	key := in.key()
	if err := autoscaling.CheckTargetKey(key); err != nil {
		return nil, err
	}
	if len(in.PredictiveScalingPolicyConfiguration) > 0 && string(in.PredictiveScalingPolicyConfiguration) != "null" {
		return nil, autoscaling.CheckPolicyType(key.Namespace, autoscaling.PolicyTypePredictiveScaling)
	}
	scope := ScopeOf(r.HTTP)
	name := *in.PolicyName
	now := s.now()
	var out putScalingPolicyOutput
	err := s.update(ctx, func(tx store.Tx) error {
		t, err := tx.GetTarget(scope, key)
		if errors.Is(err, store.ErrNotFound) {
			return autoscaling.ErrNoTarget(key)
		} else if err != nil {
			return err
		}
		policies, err := tx.Policies(scope, key)
		if err != nil {
			return err
		}
		var existing *autoscaling.ScalingPolicy
		for _, p := range policies {
			if p.Name == name {
				existing = p
			}
		}
		p, err := buildPolicy(t, existing, &in, name, now)
		if err != nil {
			return err
		}
		if err := checkPolicySet(p, policies); err != nil {
			return err
		}
		if err := tx.PutPolicy(p); err != nil {
			return err
		}
		if err := enginestate.PolicyPut(tx, t, p, existing, now); err != nil {
			return err
		}
		out = putScalingPolicyOutput{PolicyARN: p.ARN, Alarms: p.Alarms}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("put scaling policy %q: %w", name, err)
	}
	s.changed(scope, key)
	return out, nil
}

// buildPolicy makes the policy to store: a new one, or the existing one with the request's
// type and configuration (a put replaces the configuration; name, ARN, creation time and
// alarm names stay).
func buildPolicy(t *autoscaling.ScalableTarget, existing *autoscaling.ScalingPolicy, in *putScalingPolicyInput, name string, now time.Time) (*autoscaling.ScalingPolicy, error) {
	p := existing
	if p == nil {
		if in.PolicyType == nil {
			return nil, autoscaling.Errorf(autoscaling.CodeValidation, "PolicyType is required when creating a scaling policy")
		}
		p = &autoscaling.ScalingPolicy{
			Scope: t.Scope, TargetKey: t.TargetKey, Name: name,
			ARN:          autoscaling.PolicyARN(t.Scope, t.ResourceUUID, t.TargetKey, name),
			CreationTime: now,
		}
	} else {
		cp := *existing
		p = &cp
	}
	if in.PolicyType != nil {
		p.Type = *in.PolicyType
	} else if p.Type == "" {
		p.Type = autoscaling.PolicyTypeStepScaling
	}
	if err := autoscaling.CheckPolicyType(t.Namespace, p.Type); err != nil {
		return nil, err
	}
	p.StepScaling, p.TargetTracking = nil, nil
	switch p.Type {
	case autoscaling.PolicyTypeStepScaling:
		if in.TargetTrackingScalingPolicyConfiguration != nil {
			return nil, autoscaling.Errorf(autoscaling.CodeValidation, "TargetTrackingScalingPolicyConfiguration cannot be used with the StepScaling policy type")
		}
		if in.StepScalingPolicyConfiguration == nil {
			return nil, autoscaling.Errorf(autoscaling.CodeValidation, "StepScalingPolicyConfiguration is required for the StepScaling policy type")
		}
		if err := autoscaling.ValidateStepScaling(in.StepScalingPolicyConfiguration); err != nil {
			return nil, err
		}
		p.StepScaling = in.StepScalingPolicyConfiguration
		p.Alarms = nil // step policies list the user's alarms that point at them
	case autoscaling.PolicyTypeTargetTracking:
		if in.StepScalingPolicyConfiguration != nil {
			return nil, autoscaling.Errorf(autoscaling.CodeValidation, "StepScalingPolicyConfiguration cannot be used with the TargetTrackingScaling policy type")
		}
		if in.TargetTrackingScalingPolicyConfiguration == nil {
			return nil, autoscaling.Errorf(autoscaling.CodeValidation, "TargetTrackingScalingPolicyConfiguration is required for the TargetTrackingScaling policy type")
		}
		if err := autoscaling.ValidateTargetTracking(t.TargetKey, in.TargetTrackingScalingPolicyConfiguration); err != nil {
			return nil, err
		}
		p.TargetTracking = in.TargetTrackingScalingPolicyConfiguration
		if len(p.Alarms) == 0 {
			p.Alarms = targetTrackingAlarms(t)
		}
	}
	return p, nil
}

// targetTrackingAlarms names the AlarmHigh/AlarmLow pair AWS creates for a target tracking
// policy: TargetTracking-<ResourceId>-AlarmHigh-<uuid> and ...-AlarmLow-<uuid>.
func targetTrackingAlarms(t *autoscaling.ScalableTarget) []autoscaling.Alarm {
	var out []autoscaling.Alarm
	for _, kind := range []string{"AlarmHigh", "AlarmLow"} {
		n := "TargetTracking-" + t.ResourceID + "-" + kind + "-" + autoscaling.NewUUID()
		out = append(out, autoscaling.Alarm{AlarmName: n, AlarmARN: autoscaling.AlarmARN(t.Scope, n)})
	}
	return out
}

// checkPolicySet enforces the per-target rules: at most 50 policies, one target tracking
// policy per metric specification.
func checkPolicySet(p *autoscaling.ScalingPolicy, others []*autoscaling.ScalingPolicy) error {
	count := 1
	for _, o := range others {
		if o.Name == p.Name {
			continue
		}
		count++
		if p.TargetTracking != nil && o.TargetTracking != nil &&
			autoscaling.MetricSpecKey(o.TargetTracking) == autoscaling.MetricSpecKey(p.TargetTracking) {
			return autoscaling.Errorf(autoscaling.CodeValidation, "Only one TargetTrackingScaling policy for a given metric specification is allowed.")
		}
	}
	if count > autoscaling.MaxPoliciesPerTarget {
		return autoscaling.Errorf(autoscaling.CodeLimitExceeded,
			"Maximum number of scaling policies (%d) reached for scalable target %s", autoscaling.MaxPoliciesPerTarget, p.ResourceID)
	}
	return nil
}

// validateStepConfig records the model constraints of a step configuration.
func validateStepConfig(v *autoscaling.Validator, c *autoscaling.StepScalingPolicyConfiguration) {
	if c == nil {
		return
	}
	const f = "stepScalingPolicyConfiguration"
	v.Enum(f+".adjustmentType", c.AdjustmentType, autoscaling.AdjustmentTypes)
	v.Enum(f+".metricAggregationType", c.MetricAggregationType, autoscaling.MetricAggregationTypes)
	for i, s := range c.StepAdjustments {
		v.Required(fmt.Sprintf("%s.stepAdjustments.%d.member.scalingAdjustment", f, i+1), s.ScalingAdjustment != nil)
	}
}

// validateTargetTrackingConfig records the model constraints of a target tracking
// configuration.
func validateTargetTrackingConfig(v *autoscaling.Validator, c *autoscaling.TargetTrackingScalingPolicyConfiguration) {
	if c == nil {
		return
	}
	const f = "targetTrackingScalingPolicyConfiguration"
	v.Required(f+".targetValue", c.TargetValue != nil)
	if p := c.PredefinedMetricSpecification; p != nil {
		v.RequiredEnum(f+".predefinedMetricSpecification.predefinedMetricType", p.PredefinedMetricType, autoscaling.MetricTypes)
		v.String(f+".predefinedMetricSpecification.resourceLabel", p.ResourceLabel, 1, 1023)
	}
	if c := c.CustomizedMetricSpecification; c != nil {
		cf := f + ".customizedMetricSpecification"
		v.Enum(cf+".statistic", c.Statistic, autoscaling.MetricStatistics)
		validateDims(v, cf+".dimensions", c.Dimensions, 0, 0)
		for i, q := range c.Metrics {
			qf := fmt.Sprintf("%s.metrics.%d.member", cf, i+1)
			v.RequiredString(qf+".id", q.ID, 1, 255)
			v.String(qf+".expression", q.Expression, 1, 2048)
			if ms := q.MetricStat; ms != nil {
				v.Required(qf+".metricStat.metric", ms.Metric != nil)
				v.Required(qf+".metricStat.stat", ms.Stat != nil)
				v.String(qf+".metricStat.unit", ms.Unit, 1, 1023)
				if m := ms.Metric; m != nil {
					v.String(qf+".metricStat.metric.metricName", m.MetricName, 1, 255)
					v.String(qf+".metricStat.metric.namespace", m.Namespace, 1, 255)
					validateDims(v, qf+".metricStat.metric.dimensions", m.Dimensions, 255, 1024)
				}
			}
		}
	}
}

func validateDims(v *autoscaling.Validator, field string, ds []autoscaling.MetricDimension, maxName, maxValue int) {
	for i, d := range ds {
		df := fmt.Sprintf("%s.%d.member", field, i+1)
		v.RequiredString(df+".name", d.Name, 1, maxName)
		v.RequiredString(df+".value", d.Value, 1, maxValue)
	}
}
