// Package cli_test runs the real aws CLI (v1) as a subprocess against a real autoscaled
// server (SQLite in a temporary directory): the seed documents' commands exactly as users
// copy them, plus --endpoint-url, and the rest of what a CLI user does with Application Auto
// Scaling. Assertions are on the parsed JSON the CLI prints and, for errors, on its stderr
// and exit status.
package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/autoscaled/autoscaled/internal/testsign"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	defaultAccessKey = "AKIAEXAMPLE"
	defaultAccount   = "000000000000"
	cliTimeout       = 60 * time.Second

	lambdaNS      = "lambda"
	lambdaDim     = "lambda:function:ProvisionedConcurrency"
	lambdaRID     = "function:my-function:BLUE"
	cacheNS       = "elasticache"
	cacheNodeDim  = "elasticache:replication-group:NodeGroups"
	cacheReplDim  = "elasticache:replication-group:Replicas"
	cacheRID      = "replication-group/mycluster"
	lambdaRoleARN = "arn:aws:iam::000000000000:role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"
	cacheRoleARN  = "arn:aws:iam::000000000000:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG"
)

// targetARNRe is the ScalableTargetARN of a target registered in us-east-1 by the default
// (non-numeric) access key.
var targetARNRe = regexp.MustCompile(`^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/[a-z0-9]{36}$`)

// The three register-scalable-target commands of the seed documents, argument for argument.
var (
	seedLambda = []string{"application-autoscaling", "register-scalable-target",
		"--service-namespace", "lambda",
		"--scalable-dimension", "lambda:function:ProvisionedConcurrency",
		"--resource-id", "function:my-function:BLUE",
		"--min-capacity", "0",
		"--max-capacity", "100"}
	seedNodeGroups = []string{"application-autoscaling", "register-scalable-target",
		"--service-namespace", "elasticache",
		"--scalable-dimension", "elasticache:replication-group:NodeGroups",
		"--resource-id", "replication-group/mycluster",
		"--min-capacity", "1",
		"--max-capacity", "5"}
	seedReplicas = []string{"application-autoscaling", "register-scalable-target",
		"--service-namespace", "elasticache",
		"--scalable-dimension", "elasticache:replication-group:Replicas",
		"--resource-id", "replication-group/mycluster",
		"--min-capacity", "1",
		"--max-capacity", "5"}
)

// needAWS skips the test when the aws CLI is missing, except under CI where it must exist.
func needAWS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the aws CLI is required when CI=true: %v", err)
		}
		t.Skip("aws CLI not on PATH")
	}
}

// cliEnv is the process environment without any AWS_* variable of the caller (profiles,
// regions, credentials), plus fixed fake credentials and no config files.
func cliEnv(accessKey string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+accessKey,
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	)
}

// cli runs aws commands against one endpoint as one access key.
type cli struct {
	t         *testing.T
	endpoint  string
	accessKey string
}

func newCLI(t *testing.T, endpoint string) *cli {
	return &cli{t: t, endpoint: endpoint, accessKey: defaultAccessKey}
}

// as returns a CLI that signs with another access key.
func (c *cli) as(accessKey string) *cli {
	return &cli{t: c.t, endpoint: c.endpoint, accessKey: accessKey}
}

type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return "aws " + strings.Join(r.args, " ") + "\nexit " + itoa(r.code) + "\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// run runs `aws ARGS --endpoint-url URL --output json` with a 60 s timeout.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	full := append(append([]string{}, args...), "--endpoint-url", c.endpoint, "--output", "json")
	cmd := exec.CommandContext(ctx, "aws", full...)
	cmd.Env = cliEnv(c.accessKey)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{args: full, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		c.t.Fatalf("aws %s: timed out after %s\n%s", strings.Join(full, " "), cliTimeout, r)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		c.t.Fatalf("run aws: %v", err)
	}
	return r
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("command failed:\n%s", r)
	}
	return r.stdout
}

// quiet runs a command that must succeed and print nothing (Deregister, Delete*,
// PutScheduledAction, TagResource, UntagResource answer {}).
func (c *cli) quiet(args ...string) {
	c.t.Helper()
	if out := c.ok(args...); strings.TrimSpace(out) != "" {
		c.t.Errorf("aws %s printed %q, want nothing", strings.Join(args, " "), out)
	}
}

// json runs a command that must succeed and decodes its output into v.
func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(args...)
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(v); err != nil {
		c.t.Fatalf("aws %s printed non-JSON output (%v):\n%s", strings.Join(args, " "), err, out)
	}
	if _, err := dec.Token(); err != io.EOF {
		c.t.Fatalf("aws %s printed more than one JSON document:\n%s", strings.Join(args, " "), out)
	}
}

// fails runs a command that must fail the way the CLI reports a service error: exit status
// 255 and `An error occurred (CODE) when calling the OP operation: MESSAGE` on stderr. It
// returns the message.
func (c *cli) fails(code, op string, args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 255 {
		c.t.Errorf("want exit status 255 (a %s), got:\n%s", code, r)
		return ""
	}
	if strings.TrimSpace(r.stdout) != "" {
		c.t.Errorf("a failing command printed to stdout:\n%s", r)
	}
	prefix := "An error occurred (" + code + ") when calling the " + op + " operation: "
	msg := strings.TrimSpace(r.stderr)
	if !strings.HasPrefix(msg, prefix) {
		c.t.Errorf("stderr does not start with %q:\n%s", prefix, r)
		return ""
	}
	return strings.TrimPrefix(msg, prefix)
}

// scalableTarget is a ScalableTarget as the CLI prints it.
type scalableTarget struct {
	ServiceNamespace  string
	ResourceId        string
	ScalableDimension string
	MinCapacity       int
	MaxCapacity       int
	RoleARN           string
	CreationTime      float64
	SuspendedState    map[string]any
	ScalableTargetARN string
}

type describeTargetsOutput struct {
	ScalableTargets []scalableTarget
	NextToken       string
}

// describeTargets runs describe-scalable-targets with extra arguments.
func (c *cli) describeTargets(ns string, extra ...string) describeTargetsOutput {
	c.t.Helper()
	var out describeTargetsOutput
	c.json(&out, append([]string{"application-autoscaling", "describe-scalable-targets", "--service-namespace", ns}, extra...)...)
	return out
}

// registerARN runs a register-scalable-target command and checks that it prints exactly
// {"ScalableTargetARN": "..."} in the CLI's 4-space indented form.
func (c *cli) registerARN(args ...string) string {
	c.t.Helper()
	out := c.ok(args...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		c.t.Fatalf("register-scalable-target printed non-JSON %q", out)
	}
	arn, _ := m["ScalableTargetARN"].(string)
	if len(m) != 1 || arn == "" {
		c.t.Fatalf("register-scalable-target printed %s, want exactly {\"ScalableTargetARN\": \"...\"}", out)
	}
	if want := "{\n    \"ScalableTargetARN\": \"" + arn + "\"\n}\n"; out != want {
		c.t.Errorf("register-scalable-target printed %q, want %q", out, want)
	}
	return arn
}

// apiCall POSTs one AWS JSON 1.1 request straight to the server (much faster than a CLI
// process) signed for AKIAEXAMPLE in us-east-1, and returns
// the decoded response; a non-200 answer fails the test.
func apiCall(t *testing.T, endpoint, op, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if err := testsign.AAS(req, []byte(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read body: %v", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", op, body, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: response is not a JSON object: %q", op, b)
	}
	return m
}

func itoa(i int) string { return strconv.Itoa(i) }

// runScript runs one of this directory's scripts against endpoint with the tests' fake
// credentials, within limit, and returns its standard output; a failure fails the test with
// both outputs.
func runScript(t *testing.T, name, endpoint string, limit time.Duration) string {
	t.Helper()
	script, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, endpoint)
	cmd.Env = cliEnv(defaultAccessKey)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, endpoint, err, out.String(), errb.String())
	}
	return out.String()
}
