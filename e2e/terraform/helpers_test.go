// Package terraform_test drives a real autoscaled server with Terraform and the official AWS
// provider, installed offline from a filesystem mirror: apply, a plan that must show no
// changes (everything round-trips exactly), an update and another clean plan, import into
// a fresh state, and destroy.
package terraform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/testsign"
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
)

const (
	defaultMirror  = "/opt/tf-plugins"
	commandTimeout = 3 * time.Minute
)

// needTerraform returns the provider mirror directory, skipping the test when terraform or
// the mirrored AWS provider is missing (failing instead when CI=true).
func needTerraform(t *testing.T) string {
	t.Helper()
	mirror := os.Getenv("AUTOSCALED_TF_MIRROR")
	if mirror == "" {
		mirror = defaultMirror
	}
	var problems []string
	if _, err := exec.LookPath("terraform"); err != nil {
		problems = append(problems, "terraform is not on PATH")
	}
	providers, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", "*", "*", "terraform-provider-aws_*"))
	if len(providers) == 0 {
		problems = append(problems, "no hashicorp/aws provider in the filesystem mirror "+mirror+" (set AUTOSCALED_TF_MIRROR)")
	}
	if len(problems) > 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("required when CI=true: %s", strings.Join(problems, "; "))
		}
		t.Skip(strings.Join(problems, "; "))
	}
	return mirror
}

// workspace is one Terraform working directory with its own HOME and CLI configuration.
type workspace struct {
	t   *testing.T
	dir string
	env []string
	rec *recorder
}

func newWorkspace(t *testing.T, mirror string, rec *recorder) *workspace {
	t.Helper()
	home := t.TempDir()
	rc := filepath.Join(home, "terraform.rc")
	config := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror)
	if err := os.WriteFile(rc, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	// The caller's Terraform and AWS settings (TF_PLUGIN_CACHE_DIR, TF_LOG, AWS_PROFILE, ...)
	// must not leak in.
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") ||
			strings.HasPrefix(kv, "CHECKPOINT_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"TF_CLI_CONFIG_FILE="+rc,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return &workspace{t: t, dir: t.TempDir(), env: env, rec: rec}
}

func (w *workspace) write(config string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(config), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// run runs terraform with a timeout and returns its exit status and combined output.
func (w *workspace) run(args ...string) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	args = append(args, "-no-color")
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		w.t.Fatalf("terraform %s: timed out after %s\n%s", strings.Join(args, " "), commandTimeout, out.String())
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	case err != nil:
		w.t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
	}
	return 0, out.String()
}

// must runs terraform and fails the test, with terraform's output and the API calls it
// made, unless it exits 0.
func (w *workspace) must(args ...string) string {
	w.t.Helper()
	mark := w.rec.mark()
	code, out := w.run(args...)
	if code != 0 {
		w.t.Fatalf("terraform %s exited %d:\n%s\n\nAPI calls it made:\n%s", strings.Join(args, " "), code, out, w.rec.since(mark))
	}
	return out
}

// planClean asserts `terraform plan -detailed-exitcode` exits 0: the server returned
// exactly what Terraform wrote, so there is nothing to change. On a diff it shows the plan
// and the API calls of the refresh.
func (w *workspace) planClean(after string) {
	w.t.Helper()
	mark := w.rec.mark()
	code, out := w.run("plan", "-detailed-exitcode", "-input=false")
	switch code {
	case 0:
	case 2:
		w.t.Errorf("terraform plan after %s shows changes: the server does not round-trip what Terraform wrote.\n%s\n\nAPI calls of the plan:\n%s",
			after, out, w.rec.since(mark))
	default:
		w.t.Fatalf("terraform plan after %s failed (exit %d):\n%s\n\nAPI calls of the plan:\n%s", after, code, out, w.rec.since(mark))
	}
}

// stateResources parses `terraform show -json` into address -> attribute values.
func (w *workspace) stateResources() map[string]map[string]any {
	w.t.Helper()
	out := w.must("show", "-json")
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &state); err != nil {
		w.t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	m := map[string]map[string]any{}
	for _, r := range state.Values.RootModule.Resources {
		m[r.Address] = r.Values
	}
	return m
}

// recorder is a reverse proxy in front of the server that keeps every AWS JSON exchange,
// so a failure can show exactly what Terraform sent and what it got back.
type recorder struct {
	backend string
	mu      sync.Mutex
	log     []exchange
}

type exchange struct {
	op, request, response string
	status                int
}

func startRecorder(t *testing.T, backend string) (*recorder, string) {
	r := &recorder{backend: backend}
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return r, ts.URL
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, r.backend+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
	op := req.Header.Get("X-Amz-Target")
	op = op[strings.LastIndex(op, ".")+1:]
	r.mu.Lock()
	r.log = append(r.log, exchange{op: op, request: string(body), response: string(rb), status: resp.StatusCode})
	r.mu.Unlock()
}

func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

// since renders the exchanges recorded after mark.
func (r *recorder) since(mark int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.log[mark:] {
		fmt.Fprintf(&b, "> %s %s\n< %d %s\n", e.op, e.request, e.status, e.response)
	}
	if b.Len() == 0 {
		return "(none)\n"
	}
	return b.String()
}

// requests returns the decoded request bodies of one operation recorded after mark.
func (r *recorder) requests(mark int, op string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, e := range r.log[mark:] {
		if e.op != op {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(e.request), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// api calls the server directly (not through the recorder) and decodes the answer; a
// non-200 answer fails the test.
func api(t *testing.T, endpoint, op string, in any) map[string]any {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if err := testsign.AAS(req, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", op, body, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: response is not a JSON object: %q", op, b)
	}
	return m
}

// list returns the objects of a describe answer under key.
func list(t *testing.T, endpoint, op, key string, in any) []map[string]any {
	t.Helper()
	resp := api(t, endpoint, op, in)
	raw, ok := resp[key].([]any)
	if !ok {
		t.Fatalf("%s answered without %s: %v", op, key, resp)
	}
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i], _ = x.(map[string]any)
	}
	return out
}
