package cli_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

type alarm struct{ AlarmName, AlarmARN string }

type scalingPolicy struct {
	PolicyARN                                string
	PolicyName                               string
	ServiceNamespace                         string
	ResourceId                               string
	ScalableDimension                        string
	PolicyType                               string
	TargetTrackingScalingPolicyConfiguration map[string]any
	StepScalingPolicyConfiguration           map[string]any
	Alarms                                   []alarm
	CreationTime                             float64
}

// TestTargetTrackingPolicy puts the Lambda provisioned-concurrency target tracking policy
// with the CLI and checks the printed PolicyARN and alarms, and that describe echoes the
// configuration exactly as supplied.
func TestTargetTrackingPolicy(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	c := newCLI(t, srv.URL)
	c.registerARN(seedLambda...)

	put := func(name, config string) (out struct {
		PolicyARN string
		Alarms    []alarm
	}) {
		t.Helper()
		c.json(&out, "application-autoscaling", "put-scaling-policy",
			"--service-namespace", lambdaNS, "--scalable-dimension", lambdaDim, "--resource-id", lambdaRID,
			"--policy-name", name, "--policy-type", "TargetTrackingScaling",
			"--target-tracking-scaling-policy-configuration", config)
		return out
	}
	const config = `{"TargetValue": 0.7, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}}`
	created := put("my-policy", config)

	policyARN := regexp.MustCompile(`^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:resource/lambda/function:my-function:BLUE:policyName/my-policy$`)
	if !policyARN.MatchString(created.PolicyARN) {
		t.Errorf("PolicyARN %q does not match %s", created.PolicyARN, policyARN)
	}
	if len(created.Alarms) != 2 {
		t.Fatalf("put-scaling-policy printed %d alarms, want AlarmHigh and AlarmLow: %+v", len(created.Alarms), created.Alarms)
	}
	for i, kind := range []string{"AlarmHigh", "AlarmLow"} {
		re := regexp.MustCompile(`^TargetTracking-function:my-function:BLUE-` + kind + `-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
		a := created.Alarms[i]
		if !re.MatchString(a.AlarmName) {
			t.Errorf("alarm %d name %q does not match %s", i, a.AlarmName, re)
		}
		if want := "arn:aws:cloudwatch:us-east-1:000000000000:alarm:" + a.AlarmName; a.AlarmARN != want {
			t.Errorf("alarm %d ARN %q, want %q", i, a.AlarmARN, want)
		}
	}

	describe := func(extra ...string) []scalingPolicy {
		t.Helper()
		var out struct{ ScalingPolicies []scalingPolicy }
		c.json(&out, append([]string{"application-autoscaling", "describe-scaling-policies", "--service-namespace", lambdaNS}, extra...)...)
		return out.ScalingPolicies
	}
	var supplied map[string]any
	if err := json.Unmarshal([]byte(config), &supplied); err != nil {
		t.Fatal(err)
	}
	policies := describe()
	if len(policies) != 1 {
		t.Fatalf("describe-scaling-policies: %d policies, want 1: %+v", len(policies), policies)
	}
	p := policies[0]
	if !reflect.DeepEqual(p.TargetTrackingScalingPolicyConfiguration, supplied) {
		t.Errorf("described configuration %v, want exactly the supplied %v (no defaults added)", p.TargetTrackingScalingPolicyConfiguration, supplied)
	}
	if p.PolicyARN != created.PolicyARN || p.PolicyName != "my-policy" || p.PolicyType != "TargetTrackingScaling" ||
		p.ServiceNamespace != lambdaNS || p.ResourceId != lambdaRID || p.ScalableDimension != lambdaDim ||
		p.StepScalingPolicyConfiguration != nil || !reflect.DeepEqual(p.Alarms, created.Alarms) || p.CreationTime < 1.7e9 {
		t.Errorf("described policy %+v, want the one put (ARN %s, alarms %+v)", p, created.PolicyARN, created.Alarms)
	}

	// Updating in place: same ARN, new configuration echoed as supplied, cooldowns included
	// only because they were supplied.
	const config2 = `{"TargetValue": 0.5, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}, "ScaleInCooldown": 120, "DisableScaleIn": false}`
	updated := put("my-policy", config2)
	if updated.PolicyARN != created.PolicyARN {
		t.Errorf("updating the policy changed its ARN from %s to %s", created.PolicyARN, updated.PolicyARN)
	}
	var supplied2 map[string]any
	if err := json.Unmarshal([]byte(config2), &supplied2); err != nil {
		t.Fatal(err)
	}
	policies = describe("--policy-names", "my-policy", "--resource-id", lambdaRID, "--scalable-dimension", lambdaDim)
	if len(policies) != 1 || !reflect.DeepEqual(policies[0].TargetTrackingScalingPolicyConfiguration, supplied2) ||
		policies[0].CreationTime != p.CreationTime {
		t.Errorf("after update describe shows %+v, want configuration %v and the original CreationTime %v", policies, supplied2, p.CreationTime)
	}

	// Delete: prints nothing, describe is empty, a second delete is ObjectNotFoundException.
	del := []string{"application-autoscaling", "delete-scaling-policy", "--service-namespace", lambdaNS,
		"--scalable-dimension", lambdaDim, "--resource-id", lambdaRID, "--policy-name", "my-policy"}
	c.quiet(del...)
	if policies := describe(); len(policies) != 0 {
		t.Errorf("policies after delete-scaling-policy: %+v", policies)
	}
	c.fails("ObjectNotFoundException", "DeleteScalingPolicy", del...)
}
