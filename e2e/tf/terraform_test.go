// Package tf_test drives the real server with Terraform and the official AWS provider
// (offline, from a filesystem mirror): apply, a plan that must show no changes, an update,
// import, and destroy.
package tf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

const defaultMirror = "/opt/tf-plugins"

func setup(t *testing.T) (mirror string) {
	t.Helper()
	mirror = os.Getenv("AUTOSCALED_TF_MIRROR")
	if mirror == "" {
		mirror = defaultMirror
	}
	_, errTF := exec.LookPath("terraform")
	matches, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*"))
	if errTF != nil || len(matches) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("terraform (%v) and the AWS provider mirror in %s are required under CI", errTF, mirror)
		}
		t.Skipf("terraform or the AWS provider mirror (%s) is missing", mirror)
	}
	return mirror
}

type tf struct {
	t   *testing.T
	dir string
	env []string
}

func newTF(t *testing.T, mirror string) *tf {
	home := t.TempDir()
	cfg := filepath.Join(home, "terraformrc")
	rc := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror)
	if err := os.WriteFile(cfg, []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TF_CLI_CONFIG_FILE=" + cfg, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"AWS_EC2_METADATA_DISABLED=true"}
	return &tf{t: t, dir: t.TempDir(), env: env}
}

// run runs terraform and returns its exit code; output is shown on unexpected failure.
func (x *tf) run(wantOK bool, args ...string) (int, string) {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "terraform", append(args, "-no-color")...)
	cmd.Dir, cmd.Env = x.dir, x.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		x.t.Fatalf("terraform %v: %v", args, err)
	}
	if wantOK && code != 0 {
		x.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out.String())
	}
	return code, out.String()
}

func (x *tf) write(config string) {
	x.t.Helper()
	if err := os.WriteFile(filepath.Join(x.dir, "main.tf"), []byte(config), 0o644); err != nil {
		x.t.Fatal(err)
	}
}

// planClean asserts that a plan shows no changes (exit code 0 with -detailed-exitcode).
func (x *tf) planClean(when string) {
	x.t.Helper()
	if code, out := x.run(false, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		x.t.Fatalf("plan after %s is not clean (exit %d): the server does not round-trip what Terraform wrote:\n%s", when, code, out)
	}
}

const provider = `
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAEXAMPLE"
  secret_key                  = "secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    applicationautoscaling = %q
  }
}
`

const resources = `
resource "aws_appautoscaling_target" "lambda" {
  service_namespace  = "lambda"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  resource_id        = "function:my-function:BLUE"
  min_capacity       = 0
  max_capacity       = %d
  tags               = { team = %q }
}

resource "aws_appautoscaling_target" "shards" {
  service_namespace  = "elasticache"
  scalable_dimension = "elasticache:replication-group:NodeGroups"
  resource_id        = "replication-group/mycluster"
  min_capacity       = 1
  max_capacity       = 5
}

resource "aws_appautoscaling_policy" "lambda" {
  name               = "pc-utilization"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.lambda.service_namespace
  resource_id        = aws_appautoscaling_target.lambda.resource_id
  scalable_dimension = aws_appautoscaling_target.lambda.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value      = 0.7
    scale_in_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "LambdaProvisionedConcurrencyUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "shards" {
  name               = "cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.shards.service_namespace
  resource_id        = aws_appautoscaling_target.shards.resource_id
  scalable_dimension = aws_appautoscaling_target.shards.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value = 60
    predefined_metric_specification {
      predefined_metric_type = "ElastiCachePrimaryEngineCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_scheduled_action" "morning" {
  name               = "morning"
  service_namespace  = aws_appautoscaling_target.lambda.service_namespace
  resource_id        = aws_appautoscaling_target.lambda.resource_id
  scalable_dimension = aws_appautoscaling_target.lambda.scalable_dimension
  schedule           = %q
  timezone           = "Europe/Berlin"
  scalable_target_action {
    min_capacity = 5
    max_capacity = 50
  }
}

resource "aws_appautoscaling_scheduled_action" "once" {
  name               = "once"
  service_namespace  = aws_appautoscaling_target.lambda.service_namespace
  resource_id        = aws_appautoscaling_target.lambda.resource_id
  scalable_dimension = aws_appautoscaling_target.lambda.scalable_dimension
  schedule           = "at(2030-01-01T00:00:00)"
  start_time         = "2029-12-31T00:00:00Z"
  end_time           = "2030-01-02T00:00:00Z"
  scalable_target_action {
    max_capacity = 20
  }
}
`

// describe calls an operation over plain HTTP and decodes the answer.
func describe(t *testing.T, endpoint, op, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/application-autoscaling/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func count(t *testing.T, endpoint, op, ns, key string) int {
	return len(describe(t, endpoint, op, fmt.Sprintf(`{"ServiceNamespace":%q}`, ns))[key].([]any))
}

func TestTerraformLifecycle(t *testing.T) {
	mirror := setup(t)
	srv := testserver.Start(t, testserver.Options{})
	x := newTF(t, mirror)
	x.write(fmt.Sprintf(provider, srv.URL) + fmt.Sprintf(resources, 100, "x", "cron(0 8 * * ? *)"))
	x.run(true, "init", "-input=false")
	x.run(true, "apply", "-auto-approve", "-input=false")
	if n := count(t, srv.URL, "DescribeScalableTargets", "lambda", "ScalableTargets"); n != 1 {
		t.Fatalf("%d lambda targets after apply", n)
	}
	if n := count(t, srv.URL, "DescribeScalingPolicies", "elasticache", "ScalingPolicies"); n != 1 {
		t.Fatalf("%d elasticache policies after apply", n)
	}
	if n := count(t, srv.URL, "DescribeScheduledActions", "lambda", "ScheduledActions"); n != 2 {
		t.Fatalf("%d scheduled actions after apply", n)
	}
	x.planClean("the first apply")

	// Change capacity, tags and the schedule: apply, then the plan is clean again.
	x.write(fmt.Sprintf(provider, srv.URL) + fmt.Sprintf(resources, 200, "y", "cron(30 7 ? * MON-FRI *)"))
	x.run(true, "apply", "-auto-approve", "-input=false")
	got := describe(t, srv.URL, "DescribeScalableTargets", `{"ServiceNamespace":"lambda"}`)["ScalableTargets"].([]any)[0].(map[string]any)
	if got["MaxCapacity"].(float64) != 200 {
		t.Errorf("MaxCapacity after update = %v", got["MaxCapacity"])
	}
	x.planClean("the update")

	// Import the lambda target into a fresh state.
	y := newTF(t, mirror)
	y.write(fmt.Sprintf(provider, srv.URL) + `
resource "aws_appautoscaling_target" "imported" {
  service_namespace  = "lambda"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  resource_id        = "function:my-function:BLUE"
  min_capacity       = 0
  max_capacity       = 200
  tags               = { team = "y" }
}
`)
	y.run(true, "init", "-input=false")
	y.run(true, "import", "-input=false", "aws_appautoscaling_target.imported", "lambda/function:my-function:BLUE/lambda:function:ProvisionedConcurrency")
	y.planClean("import")

	x.run(true, "destroy", "-auto-approve", "-input=false")
	for _, c := range []struct{ op, ns, key string }{
		{"DescribeScalableTargets", "lambda", "ScalableTargets"}, {"DescribeScalableTargets", "elasticache", "ScalableTargets"},
		{"DescribeScalingPolicies", "lambda", "ScalingPolicies"}, {"DescribeScheduledActions", "lambda", "ScheduledActions"},
	} {
		if n := count(t, srv.URL, c.op, c.ns, c.key); n != 0 {
			t.Errorf("%s %s: %d left after destroy", c.op, c.ns, n)
		}
	}
}
