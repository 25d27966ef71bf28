package cli_test

import (
	"reflect"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// TestTagsAndDeregister: tag-resource / list-tags-for-resource / untag-resource on the
// target's ARN, then deregister-scalable-target removes the target with its policies,
// scheduled actions and tags, and a second deregister is ObjectNotFoundException.
func TestTagsAndDeregister(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	c := newCLI(t, srv.URL)
	arn := c.registerARN(append(seedLambda, "--tags", "team=x")...)

	listTags := func() map[string]string {
		t.Helper()
		var out struct{ Tags map[string]string }
		c.json(&out, "application-autoscaling", "list-tags-for-resource", "--resource-arn", arn)
		return out.Tags
	}
	steps := []struct {
		name string
		args []string // a command that prints nothing; nil = just list
		want map[string]string
	}{
		{"tags from register", nil, map[string]string{"team": "x"}},
		{"tag-resource adds and overwrites",
			[]string{"tag-resource", "--resource-arn", arn, "--tags", "env=prod,team=y"},
			map[string]string{"env": "prod", "team": "y"}},
		{"tag-resource with JSON and an empty value",
			[]string{"tag-resource", "--resource-arn", arn, "--tags", `{"cost-center": "", "owner": "ops@example.com"}`},
			map[string]string{"env": "prod", "team": "y", "cost-center": "", "owner": "ops@example.com"}},
		{"untag-resource removes keys, ignores unknown ones",
			[]string{"untag-resource", "--resource-arn", arn, "--tag-keys", "env", "owner", "no-such-key"},
			map[string]string{"team": "y", "cost-center": ""}},
	}
	for _, st := range steps {
		if st.args != nil {
			c.quiet(append([]string{"application-autoscaling"}, st.args...)...)
		}
		if got := listTags(); !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: tags %v, want %v", st.name, got, st.want)
		}
	}

	// Re-registering with --tags is refused (tags change through TagResource only).
	msg := c.fails("ValidationException", "RegisterScalableTarget", append(seedLambda, "--tags", "team=z")...)
	if want := "The scalable target that you tried to tag already exists. To update tags on an existing scalable target, use the TagResource API."; msg != want {
		t.Errorf("re-register with tags: %q, want %q", msg, want)
	}

	// A policy and a scheduled action that deregistration must take along.
	c.ok("application-autoscaling", "put-scaling-policy", "--service-namespace", lambdaNS, "--scalable-dimension", lambdaDim,
		"--resource-id", lambdaRID, "--policy-name", "pc", "--policy-type", "TargetTrackingScaling",
		"--target-tracking-scaling-policy-configuration",
		`{"TargetValue": 0.7, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}}`)
	c.quiet("application-autoscaling", "put-scheduled-action", "--service-namespace", lambdaNS, "--scalable-dimension", lambdaDim,
		"--resource-id", lambdaRID, "--scheduled-action-name", "nightly", "--schedule", "cron(0 22 * * ? *)",
		"--scalable-target-action", "MinCapacity=0,MaxCapacity=0")

	dereg := []string{"application-autoscaling", "deregister-scalable-target", "--service-namespace", lambdaNS,
		"--scalable-dimension", lambdaDim, "--resource-id", lambdaRID}
	c.quiet(dereg...)

	if got := c.describeTargets(lambdaNS); len(got.ScalableTargets) != 0 {
		t.Errorf("describe-scalable-targets after deregister: %+v", got.ScalableTargets)
	}
	var policies struct{ ScalingPolicies []map[string]any }
	c.json(&policies, "application-autoscaling", "describe-scaling-policies", "--service-namespace", lambdaNS)
	if len(policies.ScalingPolicies) != 0 {
		t.Errorf("policies survive deregistration: %v", policies.ScalingPolicies)
	}
	var actions struct{ ScheduledActions []map[string]any }
	c.json(&actions, "application-autoscaling", "describe-scheduled-actions", "--service-namespace", lambdaNS)
	if len(actions.ScheduledActions) != 0 {
		t.Errorf("scheduled actions survive deregistration: %v", actions.ScheduledActions)
	}
	msg = c.fails("ResourceNotFoundException", "ListTagsForResource", "application-autoscaling", "list-tags-for-resource", "--resource-arn", arn)
	if want := "No scalable target found for ARN: " + arn; msg != want {
		t.Errorf("list-tags-for-resource after deregister: %q, want %q", msg, want)
	}

	msg = c.fails("ObjectNotFoundException", "DeregisterScalableTarget", dereg...)
	if want := "No scalable target found for service namespace: lambda, resource ID: function:my-function:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency"; msg != want {
		t.Errorf("second deregister: %q, want %q", msg, want)
	}

	// Registering again makes a new target: new ARN, no tags.
	again := c.registerARN(seedLambda...)
	if again == arn {
		t.Errorf("a target registered after deregistration reuses the old ARN %s", arn)
	}
	arn = again
	if got := listTags(); len(got) != 0 {
		t.Errorf("tags of the re-registered target: %v, want none", got)
	}
}
