package lambdaapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
)

// TestAWSCLI drives the API with the aws CLI (v1 or v2), as a user would.
func TestAWSCLI(t *testing.T) {
	awsBin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the aws CLI is required when CI=true")
		}
		t.Skip("aws CLI not on PATH")
	}
	e := apitest.New(t, apitest.Options{})
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "function.zip")
	if err := os.WriteFile(zipPath, apitest.Zip(t), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(wantOK bool, args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(awsBin, append([]string{"lambda", "--endpoint-url", e.Server.URL, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+apitest.Account, "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		cmd.Dir = dir
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if wantOK && err != nil {
			t.Fatalf("aws lambda %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		if !wantOK && err == nil {
			t.Fatalf("aws lambda %s succeeded: %s", strings.Join(args, " "), stdout.String())
		}
		return stdout.String(), stderr.String()
	}
	field := func(out, key string) any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		return m[key]
	}

	out, _ := run(true, "create-function", "--function-name", "cli", "--runtime", "provided.al2023", "--role", apitest.Role,
		"--handler", "bootstrap", "--zip-file", "fileb://"+zipPath, "--publish", "--environment", "Variables={GREETING=hi}")
	if field(out, "Version") != "1" || field(out, "State") != "Active" {
		t.Fatalf("create-function: %s", out)
	}
	out, _ = run(true, "invoke", "--function-name", "cli", "--payload", `{"op":"echo","x":1}`, "--log-type", "Tail", filepath.Join(dir, "out.json"))
	if field(out, "StatusCode") != float64(200) || field(out, "ExecutedVersion") != "$LATEST" || field(out, "LogResult") == nil {
		t.Fatalf("invoke: %s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out.json")); string(b) != `{"op":"echo","x":1}` {
		t.Fatalf("invoke payload: %s", b)
	}
	out, _ = run(true, "invoke", "--function-name", "cli", "--invocation-type", "Event", "--payload", `{}`, filepath.Join(dir, "ev.json"))
	if field(out, "StatusCode") != float64(202) {
		t.Fatalf("invoke Event: %s", out)
	}
	run(true, "create-alias", "--function-name", "cli", "--name", "live", "--function-version", "1")
	out, _ = run(true, "get-alias", "--function-name", "cli", "--name", "live")
	if field(out, "AliasArn") != "arn:aws:lambda:us-east-1:123456789012:function:cli:live" {
		t.Fatalf("get-alias: %s", out)
	}
	out, _ = run(true, "put-provisioned-concurrency-config", "--function-name", "cli", "--qualifier", "live", "--provisioned-concurrent-executions", "2")
	if field(out, "Status") != "IN_PROGRESS" || field(out, "RequestedProvisionedConcurrentExecutions") != float64(2) {
		t.Fatalf("put-provisioned-concurrency-config: %s", out)
	}
	e.WaitReady(t, "cli", "live", 20*time.Second)
	out, _ = run(true, "get-provisioned-concurrency-config", "--function-name", "cli", "--qualifier", "live")
	if field(out, "Status") != "READY" || field(out, "AllocatedProvisionedConcurrentExecutions") != float64(2) {
		t.Fatalf("get-provisioned-concurrency-config: %s", out)
	}
	out, _ = run(true, "list-provisioned-concurrency-configs", "--function-name", "cli")
	if cfgs := field(out, "ProvisionedConcurrencyConfigs").([]any); len(cfgs) != 1 {
		t.Fatalf("list-provisioned-concurrency-configs: %s", out)
	}
	_, stderr := run(false, "put-provisioned-concurrency-config", "--function-name", "cli", "--qualifier", "$LATEST", "--provisioned-concurrent-executions", "1")
	if !strings.Contains(stderr, "(InvalidParameterValueException) when calling the PutProvisionedConcurrencyConfig operation: Provisioned Concurrency Configs cannot be applied to unpublished function versions.") {
		t.Fatalf("$LATEST: %s", stderr)
	}
	out, _ = run(true, "list-versions-by-function", "--function-name", "cli")
	if vs := field(out, "Versions").([]any); len(vs) != 2 {
		t.Fatalf("list-versions-by-function: %s", out)
	}
	out, _ = run(true, "put-function-concurrency", "--function-name", "cli", "--reserved-concurrent-executions", "10")
	if field(out, "ReservedConcurrentExecutions") != float64(10) {
		t.Fatalf("put-function-concurrency: %s", out)
	}
	out, _ = run(true, "get-account-settings")
	limit := field(out, "AccountLimit").(map[string]any)
	if limit["ConcurrentExecutions"] != float64(1000) || limit["UnreservedConcurrentExecutions"] != float64(990) {
		t.Fatalf("get-account-settings: %s", out)
	}
	out, _ = run(true, "get-function", "--function-name", "cli")
	if field(out, "Concurrency").(map[string]any)["ReservedConcurrentExecutions"] != float64(10) {
		t.Fatalf("get-function: %s", out)
	}
	_, stderr = run(false, "get-function", "--function-name", "nope")
	if !strings.Contains(stderr, "An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope") {
		t.Fatalf("get-function nope: %s", stderr)
	}
	run(true, "delete-provisioned-concurrency-config", "--function-name", "cli", "--qualifier", "live")
	run(true, "delete-function", "--function-name", "cli")
	apitest.WaitFor(t, 5*time.Second, "no worker left", func() bool { return len(e.FunctionPIDs("cli")) == 0 })
}
