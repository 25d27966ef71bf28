// Package awscli_test runs the real aws CLI against the real server: the seed documents'
// commands exactly as users copy them, plus --endpoint-url.
package awscli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

func needAWS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the aws CLI is required under CI")
		}
		t.Skip("aws CLI not on PATH")
	}
}

// awsCLI runs one aws command and returns stdout, stderr and the exit code.
func awsCLI(t *testing.T, endpoint, accessKey string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append(args, "--endpoint-url", endpoint, "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run aws: %v", err)
	}
	return out.String(), errb.String(), code
}

var targetARN = regexp.MustCompile(`^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/[a-z0-9]{36}$`)

// The three register-scalable-target commands of the seed documents, verbatim.
var seedCommands = [][]string{
	{"application-autoscaling", "register-scalable-target", "--service-namespace", "lambda", "--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:my-function:BLUE", "--min-capacity", "0", "--max-capacity", "100"},
	{"application-autoscaling", "register-scalable-target", "--service-namespace", "elasticache", "--scalable-dimension", "elasticache:replication-group:NodeGroups",
		"--resource-id", "replication-group/mycluster", "--min-capacity", "1", "--max-capacity", "5"},
	{"application-autoscaling", "register-scalable-target", "--service-namespace", "elasticache", "--scalable-dimension", "elasticache:replication-group:Replicas",
		"--resource-id", "replication-group/mycluster", "--min-capacity", "1", "--max-capacity", "5"},
}

func TestSeedDocumentCommands(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	for _, args := range seedCommands {
		out, errOut, code := awsCLI(t, srv.URL, "AKIAEXAMPLE", args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		var resp map[string]string
		if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp) != 1 || !targetARN.MatchString(resp["ScalableTargetARN"]) {
			t.Fatalf("%s printed %q, want {\"ScalableTargetARN\": \"arn:aws:application-autoscaling:...\"}", args[5], out)
		}
	}
	out, errOut, code := awsCLI(t, srv.URL, "AKIAEXAMPLE", "application-autoscaling", "describe-scalable-targets", "--service-namespace", "elasticache")
	if code != 0 {
		t.Fatalf("describe: %s", errOut)
	}
	var desc struct {
		ScalableTargets []struct {
			ScalableDimension, RoleARN string
			MinCapacity, MaxCapacity   int
			SuspendedState             map[string]bool
			CreationTime               float64
		}
	}
	if err := json.Unmarshal([]byte(out), &desc); err != nil || len(desc.ScalableTargets) != 2 {
		t.Fatalf("describe printed %s", out)
	}
	for _, st := range desc.ScalableTargets {
		if st.RoleARN != "arn:aws:iam::000000000000:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG" ||
			st.MinCapacity != 1 || st.MaxCapacity != 5 || len(st.SuspendedState) != 3 || st.CreationTime < 1.7e9 {
			t.Errorf("target %+v", st)
		}
	}
	// The seed walkthrough script does the same and exits 0.
	cmd := exec.Command("bash", "seed-walkthrough.sh", srv.URL)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("seed-walkthrough.sh: %v\n%s", err, b)
	}
}

func TestCLIErrorsAndPolicies(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	run := func(args ...string) (string, string, int) {
		return awsCLI(t, srv.URL, "AKIAEXAMPLE", append([]string{"application-autoscaling"}, args...)...)
	}
	_, errOut, code := run("register-scalable-target", "--service-namespace", "lambda", "--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:f:$LATEST", "--min-capacity", "0", "--max-capacity", "1")
	if code != 255 || !strings.Contains(errOut, "An error occurred (ValidationException) when calling the RegisterScalableTarget operation: Unsupported service namespace, resource type or scalable dimension") {
		t.Errorf("$LATEST: exit %d, %s", code, errOut)
	}
	_, errOut, code = run("put-scaling-policy", "--service-namespace", "lambda", "--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:nope:BLUE", "--policy-name", "p", "--policy-type", "TargetTrackingScaling",
		"--target-tracking-scaling-policy-configuration", `{"TargetValue": 0.7, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}}`)
	if code != 255 || !strings.Contains(errOut, "(ObjectNotFoundException) when calling the PutScalingPolicy operation: No scalable target registered for service namespace: lambda, resource ID: function:nope:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency") {
		t.Errorf("no target: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(seedCommands[0][1:]...); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := run("put-scaling-policy", "--service-namespace", "lambda", "--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:my-function:BLUE", "--policy-name", "my-policy", "--policy-type", "TargetTrackingScaling",
		"--target-tracking-scaling-policy-configuration", `{"TargetValue": 0.7, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}}`)
	if code != 0 {
		t.Fatal(errOut)
	}
	var put struct {
		PolicyARN string
		Alarms    []struct{ AlarmName, AlarmARN string }
	}
	if err := json.Unmarshal([]byte(out), &put); err != nil || len(put.Alarms) != 2 ||
		!regexp.MustCompile(`^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource/lambda/function:my-function:BLUE:policyName/my-policy$`).MatchString(put.PolicyARN) ||
		!strings.HasPrefix(put.Alarms[0].AlarmName, "TargetTracking-function:my-function:BLUE-AlarmHigh-") {
		t.Errorf("put-scaling-policy printed %s", out)
	}
	out, _, _ = run("describe-scaling-policies", "--service-namespace", "lambda")
	if !strings.Contains(out, `"TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 0.7,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"
                }
            }`) {
		t.Errorf("configuration not echoed exactly as supplied:\n%s", out)
	}
	if _, errOut, code := run("put-scheduled-action", "--service-namespace", "lambda", "--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:my-function:BLUE", "--scheduled-action-name", "weekday-evening", "--schedule", "cron(0 18 ? * MON-FRI *)",
		"--timezone", "America/New_York", "--start-time", "2030-01-01T00:00:00Z", "--scalable-target-action", "MinCapacity=2,MaxCapacity=10"); code != 0 {
		t.Fatal(errOut)
	}
	out, _, _ = run("describe-scheduled-actions", "--service-namespace", "lambda")
	var sched struct {
		ScheduledActions []struct {
			Schedule, Timezone   string
			StartTime            float64
			ScalableTargetAction map[string]int
		}
	}
	if err := json.Unmarshal([]byte(out), &sched); err != nil || len(sched.ScheduledActions) != 1 {
		t.Fatalf("describe-scheduled-actions printed %s", out)
	}
	if a := sched.ScheduledActions[0]; a.Timezone != "America/New_York" || a.StartTime != 1893456000 || a.ScalableTargetAction["MaxCapacity"] != 10 {
		t.Errorf("scheduled action %+v", a)
	}
	_, errOut, code = run("put-scheduled-action", "--service-namespace", "lambda", "--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:my-function:BLUE", "--scheduled-action-name", "bad", "--schedule", "cron(0 18 ? * MON-FRI)",
		"--scalable-target-action", "MinCapacity=2")
	if code != 255 || !strings.Contains(errOut, "(ValidationException)") || !strings.Contains(errOut, "Invalid schedule expression") {
		t.Errorf("bad cron: exit %d, %s", code, errOut)
	}
	_, errOut, code = run("describe-scalable-targets", "--service-namespace", "foo")
	if code != 255 || !strings.Contains(errOut, "1 validation error detected: Value 'foo' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [") {
		t.Errorf("bad namespace: exit %d, %s", code, errOut)
	}
}

// TestCLIPaginatesAndScopes registers many targets and lets the CLI auto-paginate; a
// 12-digit access key and another region are other scopes.
func TestCLIPaginatesAndScopes(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	for i := range 120 {
		body := `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:f` +
			strings.Repeat("x", i%3) + itoa(i) + `:live","MinCapacity":0,"MaxCapacity":1}`
		postJSON(t, srv.URL, "AnyScaleFrontendService.RegisterScalableTarget", body)
	}
	out, errOut, code := awsCLI(t, srv.URL, "AKIAEXAMPLE", "application-autoscaling", "describe-scalable-targets", "--service-namespace", "lambda")
	if code != 0 {
		t.Fatal(errOut)
	}
	var desc struct{ ScalableTargets []struct{ ResourceId string } }
	_ = json.Unmarshal([]byte(out), &desc)
	seen := map[string]bool{}
	for _, st := range desc.ScalableTargets {
		seen[st.ResourceId] = true
	}
	if len(desc.ScalableTargets) != 120 || len(seen) != 120 {
		t.Fatalf("auto-paginated %d targets (%d distinct), want 120", len(desc.ScalableTargets), len(seen))
	}
	out, _, _ = awsCLI(t, srv.URL, "AKIAEXAMPLE", "application-autoscaling", "describe-scalable-targets", "--service-namespace", "lambda", "--max-items", "30")
	var page struct {
		ScalableTargets []struct{ ResourceId string }
		NextToken       string
	}
	_ = json.Unmarshal([]byte(out), &page)
	if len(page.ScalableTargets) != 30 || page.NextToken == "" {
		t.Fatalf("--max-items 30: %d targets, token %q", len(page.ScalableTargets), page.NextToken)
	}
	out, _, _ = awsCLI(t, srv.URL, "AKIAEXAMPLE", "application-autoscaling", "describe-scalable-targets", "--service-namespace", "lambda", "--starting-token", page.NextToken)
	var rest struct{ ScalableTargets []struct{ ResourceId string } }
	_ = json.Unmarshal([]byte(out), &rest)
	if len(rest.ScalableTargets) != 90 || rest.ScalableTargets[0].ResourceId == page.ScalableTargets[29].ResourceId {
		t.Fatalf("--starting-token continued with %d targets", len(rest.ScalableTargets))
	}

	out, errOut, code = awsCLI(t, srv.URL, "111122223333", append(seedCommands[0], "--region", "eu-west-1")...)
	if code != 0 || !strings.Contains(out, `"arn:aws:application-autoscaling:eu-west-1:111122223333:scalable-target/`) {
		t.Fatalf("12-digit access key in eu-west-1: %s %s", out, errOut)
	}
	out, _, _ = awsCLI(t, srv.URL, "111122223333", "application-autoscaling", "describe-scalable-targets", "--service-namespace", "lambda")
	if !strings.Contains(out, `"ScalableTargets": []`) {
		t.Errorf("account 111122223333 in us-east-1 sees targets: %s", out)
	}
}
