package policy

import (
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

func TestDefaultCooldowns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		namespace, dimension string
		want                 time.Duration
	}{
		{"elasticache", "elasticache:replication-group:NodeGroups", 600 * time.Second},
		{"elasticache", "elasticache:replication-group:Replicas", 600 * time.Second},
		{"lambda", "lambda:function:ProvisionedConcurrency", 0},
		{"comprehend", "comprehend:document-classifier-endpoint:DesiredInferenceUnits", 0},
		{"dynamodb", "dynamodb:table:ReadCapacityUnits", 0},
		{"cassandra", "cassandra:table:WriteCapacityUnits", 0},
		{"kafka", "kafka:broker-storage:VolumeSize", 0},
		{"ecs", "ecs:service:DesiredCount", 300 * time.Second},
		{"appstream", "appstream:fleet:DesiredCapacity", 300 * time.Second},
		{"rds", "rds:cluster:ReadReplicaCount", 300 * time.Second},
		{"neptune", "neptune:cluster:ReadReplicaCount", 300 * time.Second},
		{"sagemaker", "sagemaker:variant:DesiredInstanceCount", 300 * time.Second},
		{"ec2", "ec2:spot-fleet-request:TargetCapacity", 300 * time.Second},
		{"elasticmapreduce", "elasticmapreduce:instancegroup:InstanceCount", 300 * time.Second},
		{"custom-resource", "custom-resource:ResourceType:Property", 300 * time.Second},
		{"workspaces", "workspaces:workspacespool:DesiredUserSessions", 300 * time.Second},
		{"unknown", "", 300 * time.Second},
	}
	for _, c := range cases {
		out, in := DefaultCooldowns(c.namespace, c.dimension)
		if out != c.want || in != c.want {
			t.Errorf("DefaultCooldowns(%s) = %v, %v; want %v", c.namespace, out, in, c.want)
		}
	}
}

func TestTargetTrackingCooldowns(t *testing.T) {
	t.Parallel()
	cfg := func(out, in *int32) *autoscaling.TargetTrackingScalingPolicyConfiguration {
		return &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: f64(50), ScaleOutCooldown: out, ScaleInCooldown: in}
	}
	cases := []struct {
		name            string
		namespace       string
		cfg             *autoscaling.TargetTrackingScalingPolicyConfiguration
		wantOut, wantIn time.Duration
	}{
		{"both omitted: namespace default", "elasticache", cfg(nil, nil), 600 * time.Second, 600 * time.Second},
		{"both omitted on lambda", "lambda", cfg(nil, nil), 0, 0},
		{"scale-out given", "ecs", cfg(i32(60), nil), 60 * time.Second, 300 * time.Second},
		{"scale-in given", "ecs", cfg(nil, i32(900)), 300 * time.Second, 900 * time.Second},
		{"zero given", "elasticache", cfg(i32(0), i32(0)), 0, 0},
		{"nil configuration", "ecs", nil, 300 * time.Second, 300 * time.Second},
	}
	for _, c := range cases {
		out, in := TargetTrackingCooldowns(c.namespace, "", c.cfg)
		if out != c.wantOut || in != c.wantIn {
			t.Errorf("%s: got %v, %v; want %v, %v", c.name, out, in, c.wantOut, c.wantIn)
		}
	}
}

func TestStepCooldown(t *testing.T) {
	t.Parallel()
	if got := StepCooldown(nil); got != 300*time.Second {
		t.Errorf("nil configuration: %v", got)
	}
	if got := StepCooldown(&autoscaling.StepScalingPolicyConfiguration{}); got != 300*time.Second {
		t.Errorf("omitted Cooldown: %v, want the 300 s default", got)
	}
	if got := StepCooldown(&autoscaling.StepScalingPolicyConfiguration{Cooldown: i32(0)}); got != 0 {
		t.Errorf("Cooldown 0: %v", got)
	}
	if got := StepCooldown(&autoscaling.StepScalingPolicyConfiguration{Cooldown: i32(45)}); got != 45*time.Second {
		t.Errorf("Cooldown 45: %v", got)
	}
}

func TestScaleDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		d    time.Duration
		ts   float64
		want time.Duration
	}{
		{300 * time.Second, 1, 300 * time.Second},
		{300 * time.Second, 10, 30 * time.Second},
		{300 * time.Second, 0.5, 600 * time.Second},
		{300 * time.Second, 0, 300 * time.Second},
		{300 * time.Second, -2, 300 * time.Second},
		{600 * time.Second, 60, 10 * time.Second},
	}
	for _, c := range cases {
		if got := ScaleDuration(c.d, c.ts); got != c.want {
			t.Errorf("ScaleDuration(%v, %v) = %v, want %v", c.d, c.ts, got, c.want)
		}
	}
}

// TestCooldownEdges checks that a cooldown is over exactly at its end.
func TestCooldownEdges(t *testing.T) {
	t.Parallel()
	cd := Cooldowns{LastScaleIn: ago(time.Minute), ScaleInCooldown: time.Minute}
	if active, _ := cd.scaleInCooldown(t0, 1); active {
		t.Error("scale-in cooldown still active at its end")
	}
	if active, _ := cd.scaleInCooldown(t0.Add(-time.Nanosecond), 1); !active {
		t.Error("scale-in cooldown over before its end")
	}
	cd = Cooldowns{LastScaleOut: ago(time.Minute), ScaleOutFrom: 1, ScaleOutCooldown: time.Minute}
	if active, _ := cd.scaleOutCooldown(t0, 1); active {
		t.Error("scale-out cooldown still active at its end")
	}
	if active, _ := (Cooldowns{}).scaleOutCooldown(t0, 1); active {
		t.Error("no scale-out yet, yet a cooldown")
	}
}
