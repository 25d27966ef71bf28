package lambdaapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
)

const tfMirror = "/opt/tf-plugins"

// tfRecorder proxies to the Lambda API and keeps every exchange, to show what Terraform did
// when it fails.
type tfRecorder struct {
	backend string
	mu      sync.Mutex
	log     []string
}

func (r *tfRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	out, _ := http.NewRequestWithContext(req.Context(), req.Method, r.backend+req.URL.RequestURI(), bytes.NewReader(body))
	out.Header = req.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
	reqBody := string(body)
	if len(reqBody) > 300 {
		reqBody = reqBody[:300] + "..."
	}
	respBody := string(rb)
	if len(respBody) > 600 {
		respBody = respBody[:600] + "..."
	}
	r.mu.Lock()
	r.log = append(r.log, fmt.Sprintf("%s > %s %s %s\n< %d %s", time.Now().Format("15:04:05.000"), req.Method, req.URL.RequestURI(), reqBody, resp.StatusCode, respBody))
	r.mu.Unlock()
}

func (r *tfRecorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, "\n")
}

const tfConfig = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "123456789012"
  secret_key                  = "secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    lambda = "%s"
  }
}

resource "aws_lambda_function" "f" {
  function_name                  = "tf-fn"
  filename                       = "%s"
  source_code_hash               = filebase64sha256("%s")
  role                           = "arn:aws:iam::123456789012:role/lambda-role"
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  memory_size                    = %d
  timeout                        = 10
  publish                        = true
  reserved_concurrent_executions = 20

  environment {
    variables = {
      GREETING = "hello"
    }
  }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.f.function_name
  function_version = aws_lambda_function.f.version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  function_name                     = aws_lambda_alias.live.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = %d
}
`

// TestTerraform applies a function, an alias and a provisioned concurrency configuration
// with Terraform and the official AWS provider (from the filesystem mirror the e2e tests
// use), checks that a plan is clean, updates, and destroys.
func TestTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("Terraform runs for more than a minute")
	}
	mirror := os.Getenv("AUTOSCALED_TF_MIRROR")
	if mirror == "" {
		mirror = tfMirror
	}
	providers, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", "*", "*", "terraform-provider-aws_*"))
	if _, err := exec.LookPath("terraform"); err != nil || len(providers) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("terraform and the mirrored AWS provider are required when CI=true")
		}
		t.Skip("terraform or the AWS provider mirror is missing")
	}
	e := apitest.New(t, apitest.Options{})
	rec := &tfRecorder{backend: e.Server.URL}
	proxy := httptest.NewServer(rec)
	defer proxy.Close()

	home := t.TempDir()
	rc := filepath.Join(home, "terraform.rc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, `provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home, "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "AWS_EC2_METADATA_DISABLED=true")
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "function.zip")
	if err := os.WriteFile(zipPath, apitest.Zip(t), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(memory, pc int) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, tfConfig, proxy.URL, zipPath, zipPath, memory, pc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "terraform", append(args, "-no-color")...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return 0, string(out)
	}
	must := func(args ...string) {
		t.Helper()
		t0 := time.Now()
		defer func() { t.Logf("terraform %s: %s", args[0], time.Since(t0).Round(time.Millisecond)) }()
		if code, out := run(args...); code != 0 {
			t.Fatalf("terraform %s exited %d:\n%s\n\nAPI calls:\n%s", strings.Join(args, " "), code, out, rec.dump())
		}
	}
	planClean := func(after string) {
		t.Helper()
		if code, out := run("plan", "-detailed-exitcode", "-input=false"); code != 0 {
			t.Fatalf("plan after %s exited %d:\n%s\n\nAPI calls:\n%s", after, code, out, rec.dump())
		}
	}

	write(128, 2)
	must("init", "-input=false")
	must("apply", "-auto-approve", "-input=false")
	planClean("apply")
	g := e.WaitReady(t, "tf-fn", "live", 20*time.Second)
	if aws.ToInt32(g.AllocatedProvisionedConcurrentExecutions) != 2 {
		t.Fatalf("provisioned: %+v", g)
	}
	if c, err := e.Client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("tf-fn")}); err != nil || aws.ToInt32(c.ReservedConcurrentExecutions) != 20 {
		t.Fatalf("reserved: %v", err)
	}
	// Update: more memory publishes version 2, the alias follows, and the configuration with it.
	write(256, 3)
	must("apply", "-auto-approve", "-input=false")
	planClean("update")
	a, err := e.Client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("tf-fn"), Name: aws.String("live")})
	if err != nil || aws.ToString(a.FunctionVersion) != "2" {
		t.Fatalf("alias after update: %+v %v", a, err)
	}
	e.WaitReady(t, "tf-fn", "live", 20*time.Second)
	must("destroy", "-auto-approve", "-input=false")
	if os.Getenv("AUTOSCALED_TF_DUMP") != "" {
		t.Log(rec.dump())
	}
	if _, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("tf-fn")}); apitest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("after destroy: %v", err)
	}
	apitest.WaitFor(t, 10*time.Second, "no worker left", func() bool { return len(e.WorkerPIDs()) == 0 })
}
