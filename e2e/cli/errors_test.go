package cli_test

import (
	"strings"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// TestErrors checks how service errors reach a CLI user: exit status 255 and
// `An error occurred (CODE) when calling the OP operation: MESSAGE` on stderr.
func TestErrors(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	c := newCLI(t, srv.URL)
	c.registerARN(seedLambda...) // scheduled-action errors need an existing target

	const enumPrefix = "1 validation error detected: Value 'foo' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: ["
	putScheduled := func(schedule string, extra ...string) []string {
		return append([]string{"application-autoscaling", "put-scheduled-action", "--service-namespace", lambdaNS,
			"--scalable-dimension", lambdaDim, "--resource-id", lambdaRID, "--scheduled-action-name", "bad",
			"--schedule", schedule, "--scalable-target-action", "MinCapacity=2"}, extra...)
	}
	cases := []struct {
		name      string
		args      []string
		code, op  string
		message   string // exact, when set
		prefix    string // otherwise the message starts with this
		contains  []string
		checkEnum bool
	}{
		{
			name: "lambda $LATEST",
			args: []string{"application-autoscaling", "register-scalable-target", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:f:$LATEST",
				"--min-capacity", "0", "--max-capacity", "100"},
			code: "ValidationException", op: "RegisterScalableTarget",
			message: "Unsupported service namespace, resource type or scalable dimension",
		},
		{
			name: "elasticache resource id under the lambda namespace",
			args: []string{"application-autoscaling", "register-scalable-target", "--service-namespace", "lambda",
				"--scalable-dimension", "elasticache:replication-group:NodeGroups", "--resource-id", "replication-group/mycluster",
				"--min-capacity", "1", "--max-capacity", "5"},
			code: "ValidationException", op: "RegisterScalableTarget",
			message: "Unsupported service namespace, resource type or scalable dimension",
		},
		{
			name: "policy on an unregistered target",
			args: []string{"application-autoscaling", "put-scaling-policy", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:nope:BLUE",
				"--policy-name", "p", "--policy-type", "TargetTrackingScaling",
				"--target-tracking-scaling-policy-configuration",
				`{"TargetValue": 0.7, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}}`},
			code: "ObjectNotFoundException", op: "PutScalingPolicy",
			message: "No scalable target registered for service namespace: lambda, resource ID: function:nope:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency",
		},
		{
			name: "scheduled action on an unregistered target",
			args: []string{"application-autoscaling", "put-scheduled-action", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:nope:BLUE",
				"--scheduled-action-name", "s", "--schedule", "rate(1 hour)", "--scalable-target-action", "MinCapacity=1"},
			code: "ObjectNotFoundException", op: "PutScheduledAction",
			message: "No scalable target registered for service namespace: lambda, resource ID: function:nope:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency",
		},
		{
			name: "cron with five fields",
			args: putScheduled("cron(0 18 ? * MON-FRI)"),
			code: "ValidationException", op: "PutScheduledAction",
			prefix: "Invalid schedule expression", contains: []string{"cron(0 18 ? * MON-FRI)"},
		},
		{
			name: "cron with day-of-month and day-of-week",
			args: putScheduled("cron(0 18 1 * MON *)"),
			code: "ValidationException", op: "PutScheduledAction",
			prefix: "Invalid schedule expression",
		},
		{
			name: "cron with hour 25",
			args: putScheduled("cron(0 25 * * ? *)"),
			code: "ValidationException", op: "PutScheduledAction",
			prefix: "Invalid schedule expression",
		},
		{
			name: "bare cron string",
			args: putScheduled("0 18 ? * MON-FRI *"),
			code: "ValidationException", op: "PutScheduledAction",
			prefix: "Invalid schedule expression",
		},
		{
			name: "unknown time zone",
			args: putScheduled("cron(0 18 ? * MON-FRI *)", "--timezone", "Mars/Olympus_Mons"),
			code: "ValidationException", op: "PutScheduledAction",
			contains: []string{"Mars/Olympus_Mons"},
		},
		{
			name: "end before start",
			args: putScheduled("rate(1 hour)", "--start-time", "2030-02-01T00:00:00Z", "--end-time", "2030-01-01T00:00:00Z"),
			code: "ValidationException", op: "PutScheduledAction",
		},
		{
			name: "describe in namespace foo",
			args: []string{"application-autoscaling", "describe-scalable-targets", "--service-namespace", "foo"},
			code: "ValidationException", op: "DescribeScalableTargets",
			prefix: enumPrefix, checkEnum: true,
		},
		{
			name: "register in namespace foo",
			args: []string{"application-autoscaling", "register-scalable-target", "--service-namespace", "foo",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:f:live",
				"--min-capacity", "0", "--max-capacity", "1"},
			code: "ValidationException", op: "RegisterScalableTarget",
			prefix: enumPrefix, checkEnum: true,
		},
		{
			name: "deregister an unknown target",
			args: []string{"application-autoscaling", "deregister-scalable-target", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:nope:BLUE"},
			code: "ObjectNotFoundException", op: "DeregisterScalableTarget",
			message: "No scalable target found for service namespace: lambda, resource ID: function:nope:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency",
		},
		{
			name: "step scaling on lambda",
			args: []string{"application-autoscaling", "put-scaling-policy", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:my-function:BLUE",
				"--policy-name", "step", "--policy-type", "StepScaling", "--step-scaling-policy-configuration",
				`{"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}`},
			code: "ValidationException", op: "PutScalingPolicy",
		},
		{
			name: "elasticache metric on a lambda target",
			args: []string{"application-autoscaling", "put-scaling-policy", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:my-function:BLUE",
				"--policy-name", "wrong-metric", "--policy-type", "TargetTrackingScaling",
				"--target-tracking-scaling-policy-configuration",
				`{"TargetValue": 60, "PredefinedMetricSpecification": {"PredefinedMetricType": "ElastiCachePrimaryEngineCPUUtilization"}}`},
			code: "ValidationException", op: "PutScalingPolicy",
		},
		{
			name: "min above max",
			args: []string{"application-autoscaling", "register-scalable-target", "--service-namespace", "lambda",
				"--scalable-dimension", "lambda:function:ProvisionedConcurrency", "--resource-id", "function:g:live",
				"--min-capacity", "10", "--max-capacity", "5"},
			code: "ValidationException", op: "RegisterScalableTarget",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := newCLI(t, srv.URL).fails(tc.code, tc.op, tc.args...)
			t.Logf("(%s) %s", tc.code, msg)
			if msg == "" {
				if !t.Failed() {
					t.Errorf("empty error message")
				}
				return
			}
			switch {
			case tc.message != "" && msg != tc.message:
				t.Errorf("message %q, want %q", msg, tc.message)
			case tc.prefix != "" && !strings.HasPrefix(msg, tc.prefix):
				t.Errorf("message %q, want it to start with %q", msg, tc.prefix)
			}
			for _, s := range tc.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not mention %q", msg, s)
				}
			}
			if tc.checkEnum {
				set := strings.TrimPrefix(msg, enumPrefix)
				if !strings.HasSuffix(set, "]") {
					t.Fatalf("enum set %q does not end with ]", set)
				}
				members := map[string]bool{}
				for _, m := range strings.Split(strings.TrimSuffix(set, "]"), ", ") {
					members[m] = true
				}
				for _, ns := range []string{"ecs", "elasticmapreduce", "ec2", "appstream", "dynamodb", "rds", "sagemaker",
					"custom-resource", "comprehend", "lambda", "cassandra", "kafka", "elasticache", "neptune", "workspaces"} {
					if !members[ns] {
						t.Errorf("enum value set %q lacks %s", set, ns)
					}
				}
			}
		})
	}

	// None of the failed calls left anything behind.
	if got := c.describeTargets(lambdaNS); len(got.ScalableTargets) != 1 {
		t.Errorf("lambda targets after the failed calls: %+v, want only the seed target", got.ScalableTargets)
	}
	var sched struct{ ScheduledActions []map[string]any }
	c.json(&sched, "application-autoscaling", "describe-scheduled-actions", "--service-namespace", lambdaNS)
	if len(sched.ScheduledActions) != 0 {
		t.Errorf("scheduled actions after the failed puts: %+v", sched.ScheduledActions)
	}
}
