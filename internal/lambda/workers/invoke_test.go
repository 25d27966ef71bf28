package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestInvokeEchoEnvAndLogs(t *testing.T) {
	logDir := t.TempDir()
	p := newPool(t, Options{LogDir: logDir})
	f := testFunction("echo", "$LATEST", map[string]string{"GREETING": "hello", "AWS_REGION": "overridden?"})

	ev := map[string]any{"op": "echo", "x": 1, "log": "line-from-handler"}
	r1 := invoke(t, p, f, "", ev)
	if !bytes.Equal(r1.Payload, mustJSON(ev)) {
		t.Fatalf("payload %s", r1.Payload)
	}
	if r1.FunctionError != "" || !r1.ColdStart || r1.Provisioned || r1.ExecutedVersion != "$LATEST" {
		t.Fatalf("result %+v", r1)
	}
	if r1.InitDuration <= 0 {
		t.Errorf("cold start without InitDuration")
	}
	tail := string(r1.LogTail)
	for _, want := range []string{"START RequestId: " + r1.RequestID + " Version: $LATEST", "line-from-handler",
		"END RequestId: " + r1.RequestID, "REPORT RequestId: " + r1.RequestID, "Init Duration:", "Memory Size: 256 MB"} {
		if !strings.Contains(tail, want) {
			t.Errorf("log tail lacks %q:\n%s", want, tail)
		}
	}

	keys := []string{"GREETING", "AWS_LAMBDA_RUNTIME_API", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
		"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "PATH", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
	before := time.Now()
	ctx := context.Background()
	res, err := p.Invoke(ctx, InvokeRequest{Function: f, Resource: "echo:live", ClientContext: `{"custom":{"k":"v"}}`,
		Payload: mustJSON(map[string]any{"op": "env", "keys": keys})})
	if err != nil {
		t.Fatal(err)
	}
	if res.ColdStart {
		t.Errorf("second invocation was a cold start: the idle on-demand worker should be reused")
	}
	out := decode(t, res.Payload)
	env := out["env"].(map[string]any)
	want := map[string]string{
		"GREETING": "hello", "_HANDLER": "bootstrap", "AWS_LAMBDA_FUNCTION_NAME": "echo",
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/echo", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		"LAMBDA_TASK_ROOT": codeDir, "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "TZ": ":UTC",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"PATH", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if env[k] == "" {
			t.Errorf("%s is empty", k)
		}
	}
	api := env["AWS_LAMBDA_RUNTIME_API"].(string)
	if host, port, err := net.SplitHostPort(api); err != nil || host != "127.0.0.1" || port == "" {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want 127.0.0.1:<port>", api)
	}
	stream := env["AWS_LAMBDA_LOG_STREAM_NAME"].(string)
	if !regexp.MustCompile(`^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$`).MatchString(stream) {
		t.Errorf("log stream %q", stream)
	}
	if out["cwd"] != codeDir {
		t.Errorf("cwd %v, want %s", out["cwd"], codeDir)
	}
	if out["requestId"] != res.RequestID || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(res.RequestID) {
		t.Errorf("request id %v / %s", out["requestId"], res.RequestID)
	}
	if out["arn"] != "arn:aws:lambda:us-east-1:123456789012:function:echo:live" {
		t.Errorf("arn %v", out["arn"])
	}
	if cc, _ := out["clientContext"].(map[string]any); cc["k"] != "v" {
		t.Errorf("client context %v", out["clientContext"])
	}
	dl := time.UnixMilli(int64(out["deadlineMs"].(float64)))
	if d := dl.Sub(before); d < 9*time.Second || d > 11*time.Second {
		t.Errorf("deadline in %v, want about the 10 s timeout", d)
	}

	// The log file of the worker.
	id := stream[strings.IndexByte(stream, ']')+1:]
	b, err := os.ReadFile(filepath.Join(logDir, "echo", "$LATEST", id+".log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "init done pid") || !strings.Contains(string(b), "line-from-handler") ||
		strings.Count(string(b), "REPORT RequestId") != 2 {
		t.Errorf("log file:\n%s", b)
	}
	if wc := p.Workers(f.Key()); wc.OnDemandIdle != 1 || wc.Total() != 1 {
		t.Errorf("workers %+v", wc)
	}
}

func TestSharedRuntimeAPI(t *testing.T) {
	p := newPool(t, Options{SharedRuntimeAPI: true, ExtraEnv: func(f *Function) map[string]string {
		return map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:8686", "AWS_ACCESS_KEY_ID": "AKIDREAL"}
	}})
	f := testFunction("shared", "1", nil)
	res := invoke(t, p, f, "", map[string]any{"op": "env", "keys": []string{"AWS_LAMBDA_RUNTIME_API", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID"}})
	env := decode(t, res.Payload)["env"].(map[string]any)
	if env["AWS_ENDPOINT_URL"] != "http://127.0.0.1:8686" || env["AWS_ACCESS_KEY_ID"] != "AKIDREAL" {
		t.Errorf("ExtraEnv not applied: %v", env)
	}
	api := env["AWS_LAMBDA_RUNTIME_API"].(string)
	if !strings.HasPrefix(api, p.RuntimeAPIAddr()+"/w/") {
		t.Fatalf("AWS_LAMBDA_RUNTIME_API = %q, want %s/w/<id>", api, p.RuntimeAPIAddr())
	}
	for range 3 {
		if r := invoke(t, p, f, "", map[string]any{"op": "echo"}); r.FunctionError != "" || r.ColdStart {
			t.Fatalf("result %+v", r)
		}
	}
}

func TestFunctionErrors(t *testing.T) {
	p := newPool(t, Options{})
	f := testFunction("errs", "$LATEST", nil)

	res := invoke(t, p, f, "", map[string]any{"op": "error", "msg": "boom"})
	m := decode(t, res.Payload)
	if res.FunctionError != "Unhandled" || m["errorMessage"] != "boom" || m["errorType"] == "" {
		t.Fatalf("error result %+v %s", res, res.Payload)
	}
	pid := p.Workers(f.Key()).PIDs[0]
	// The environment survives a handled error.
	if r := invoke(t, p, f, "", map[string]any{"op": "echo"}); r.ColdStart || r.FunctionError != "" {
		t.Fatalf("after error: %+v", r)
	}

	// A panic is reported by the runtime, which then exits.
	res = invoke(t, p, f, "", map[string]any{"op": "panic", "msg": "kaboom"})
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "kaboom") {
		t.Fatalf("panic result %+v %s", res, res.Payload)
	}
	waitFor(t, 5*time.Second, "the panicked worker to exit", func() bool { return !pidAlive(pid) })

	// A crash mid-invocation.
	res = invoke(t, p, f, "", map[string]any{"op": "exit", "code": 7})
	m = decode(t, res.Payload)
	if res.FunctionError != "Unhandled" || m["errorType"] != "Runtime.ExitError" ||
		!strings.Contains(m["errorMessage"].(string), "exit status 7") {
		t.Fatalf("exit result %+v %s", res, res.Payload)
	}

	// A response above 6 MB.
	res = invoke(t, p, f, "", map[string]any{"op": "big", "n": MaxResponseSize + 10})
	m = decode(t, res.Payload)
	if res.FunctionError != "Unhandled" || m["errorType"] != "Function.ResponseSizeTooLarge" {
		t.Fatalf("big result %+v %.200s", res, res.Payload)
	}
	// Just under the limit works.
	res = invoke(t, p, f, "", map[string]any{"op": "big", "n": 5 << 20})
	if res.FunctionError != "" || len(res.Payload) != 5<<20+2 {
		t.Fatalf("5 MB result: %q, %d bytes", res.FunctionError, len(res.Payload))
	}
}

func TestTimeoutKillsAndReplaces(t *testing.T) {
	p := newPool(t, Options{})
	f := testFunction("slow", "1", nil)
	f.Timeout = 300 * time.Millisecond

	// On demand.
	first := invoke(t, p, f, "", map[string]any{"op": "sleep", "ms": 1})
	pid := p.Workers(f.Key()).PIDs[0]
	start := time.Now()
	res := invoke(t, p, f, "slow:1", map[string]any{"op": "sleep", "ms": 5000})
	took := time.Since(start)
	if first.FunctionError != "" || res.FunctionError != "Unhandled" {
		t.Fatalf("results %+v %+v", first, res)
	}
	msg := decode(t, res.Payload)["errorMessage"].(string)
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ` + res.RequestID + ` Task timed out after 0\.30 seconds$`)
	if !re.MatchString(msg) {
		t.Errorf("timeout message %q", msg)
	}
	if took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("timed out after %v", took)
	}
	if res.Duration < 290*time.Millisecond || res.Duration > 2*time.Second {
		t.Errorf("duration %v", res.Duration)
	}
	if !strings.Contains(string(res.LogTail), "Task timed out after 0.30 seconds") {
		t.Errorf("log tail %s", res.LogTail)
	}
	waitFor(t, 5*time.Second, "the timed-out worker to die", func() bool { return !pidAlive(pid) })

	// Provisioned: the environment is replaced.
	st := p.SetProvisioned(f, "slow:1", 1)
	if st.Status != StatusInProgress || st.Requested != 1 {
		t.Fatalf("Put: %+v", st)
	}
	waitReady(t, p, f, 10*time.Second)
	ppid := p.Workers(f.Key()).PIDs[0]
	res = invoke(t, p, f, "slow:1", map[string]any{"op": "sleep", "ms": 5000})
	if !res.Provisioned || res.FunctionError != "Unhandled" {
		t.Fatalf("provisioned timeout %+v", res)
	}
	waitFor(t, 10*time.Second, "a replacement provisioned worker", func() bool {
		wc := p.Workers(f.Key())
		st, _ := p.ProvisionedStatus(f.Key())
		return !pidAlive(ppid) && wc.ProvisionedIdle == 1 && st.Allocated == 1 && wc.Total() == 1
	})
	if r := invoke(t, p, f, "slow:1", map[string]any{"op": "echo"}); !r.Provisioned || r.ColdStart {
		t.Fatalf("after replacement %+v", r)
	}
}

func TestInitFailures(t *testing.T) {
	p := newPool(t, Options{InitTimeout: 400 * time.Millisecond, InitRetries: 3})

	// On demand: the invocation reports the init error.
	f := testFunction("initfail", "1", map[string]string{"TESTFN_INIT": "fail"})
	res := invoke(t, p, f, "", map[string]any{"op": "echo"})
	m := decode(t, res.Payload)
	if res.FunctionError != "Unhandled" || m["errorType"] != "TestInitError" || !res.ColdStart {
		t.Fatalf("init/error result %+v %s", res, res.Payload)
	}
	if !strings.Contains(string(res.LogTail), "init failed: configured to fail") {
		t.Errorf("init failure log tail %q", res.LogTail)
	}
	// No bootstrap at all.
	fn := testFunction("noboot", "1", nil)
	fn.CodeDir = t.TempDir()
	res = invoke(t, p, fn, "", map[string]any{"op": "echo"})
	if m := decode(t, res.Payload); res.FunctionError != "Unhandled" || m["errorType"] != "Runtime.InvalidEntrypoint" {
		t.Fatalf("missing bootstrap %+v %s", res, res.Payload)
	}
	p.SetProvisioned(fn, "noboot:1", 1)
	waitFor(t, 10*time.Second, "FAILED (no bootstrap)", func() bool {
		st, _ := p.ProvisionedStatus(fn.Key())
		return st.Status == StatusFailed && strings.Contains(st.InitError, "Runtime.InvalidEntrypoint")
	})
	fx := testFunction("initexit", "1", map[string]string{"TESTFN_INIT": "exit"})
	res = invoke(t, p, fx, "", map[string]any{"op": "echo"})
	if m := decode(t, res.Payload); res.FunctionError != "Unhandled" || m["errorType"] != "Runtime.ExitError" {
		t.Fatalf("init exit result %+v %s", res, res.Payload)
	}
	fh := testFunction("inithang", "1", map[string]string{"TESTFN_INIT": "hang"})
	start := time.Now()
	res = invoke(t, p, fh, "", map[string]any{"op": "echo"})
	if m := decode(t, res.Payload); res.FunctionError != "Unhandled" || m["errorType"] != "Sandbox.Timedout" {
		t.Fatalf("init timeout result %+v %s", res, res.Payload)
	}
	if d := time.Since(start); d < 400*time.Millisecond || d > 5*time.Second {
		t.Errorf("init timeout after %v", d)
	}

	// Provisioned: FAILED after InitRetries failed inits.
	st := p.SetProvisioned(f, "initfail:1", 2)
	if st.Status != StatusInProgress {
		t.Fatalf("Put: %+v", st)
	}
	waitFor(t, 10*time.Second, "FAILED", func() bool {
		st, _ = p.ProvisionedStatus(f.Key())
		if st.Allocated != 0 || st.Available != 0 {
			t.Fatalf("allocated with a failing init: %+v", st)
		}
		return st.Status == StatusFailed
	})
	if st.StatusReason != ReasonInitFailure || !strings.Contains(st.InitError, "TestInitError") {
		t.Errorf("status %+v", st)
	}
	waitFor(t, 5*time.Second, "no process left", func() bool { return p.Workers(f.Key()).Total() == 0 })
	// FAILED stays: no more attempts.
	time.Sleep(100 * time.Millisecond)
	if wc := p.Workers(f.Key()); wc.Total() != 0 {
		t.Errorf("workers after FAILED: %+v", wc)
	}

	// A hanging init fails through InitTimeout.
	st = p.SetProvisioned(fh, "inithang:1", 1)
	waitFor(t, 10*time.Second, "FAILED (timeout)", func() bool {
		st, _ = p.ProvisionedStatus(fh.Key())
		return st.Status == StatusFailed
	})
	if !strings.Contains(st.InitError, "Sandbox.Timedout") {
		t.Errorf("status %+v", st)
	}

	// A later init that succeeds (the failure was transient) reaches READY.
	flag := filepath.Join(t.TempDir(), "fail")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ft := testFunction("transient", "1", map[string]string{"TESTFN_INIT_FAIL_FILE": flag})
	p.SetProvisioned(ft, "transient:1", 1)
	waitFor(t, 5*time.Second, "a failed init", func() bool {
		st, _ := p.ProvisionedStatus(ft.Key())
		return st.InitError != ""
	})
	os.Remove(flag)
	st = waitReady(t, p, ft, 10*time.Second)
	if st.Allocated != 1 {
		t.Errorf("status %+v", st)
	}
}

func TestCodeChangeRetiresWorkers(t *testing.T) {
	p := newPool(t, Options{})
	f := testFunction("code", "$LATEST", nil)
	invoke(t, p, f, "", map[string]any{"op": "echo"})
	old := p.Workers(f.Key()).PIDs
	f2 := *f
	f2.CodeSHA256 = "sha-v2"
	res := invoke(t, p, &f2, "", map[string]any{"op": "echo"})
	if !res.ColdStart {
		t.Errorf("new code ran on an old environment")
	}
	waitFor(t, 5*time.Second, "old worker gone", func() bool { return alivePIDs(old) == 0 })
	if wc := p.Workers(f.Key()); wc.Total() != 1 {
		t.Errorf("workers %+v", wc)
	}
	// An environment change (new variables) also retires them.
	f3 := f2
	f3.Env = map[string]string{"X": "1"}
	if res := invoke(t, p, &f3, "", map[string]any{"op": "echo"}); !res.ColdStart {
		t.Errorf("new environment ran on an old worker")
	}
}

func TestOnDemandIdleStopped(t *testing.T) {
	p := newPool(t, Options{OnDemandIdle: 150 * time.Millisecond, MetricsPeriod: time.Second})
	f := testFunction("idle", "$LATEST", nil)
	invoke(t, p, f, "", map[string]any{"op": "echo"})
	pids := p.Workers(f.Key()).PIDs
	waitFor(t, 5*time.Second, "idle worker stopped", func() bool {
		return p.Workers(f.Key()).Total() == 0 && alivePIDs(pids) == 0
	})
}

func TestInvokeContextCanceled(t *testing.T) {
	p := newPool(t, Options{})
	f := testFunction("cancel", "$LATEST", map[string]string{"TESTFN_INIT_SLEEP_MS": "300"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Invoke(ctx, InvokeRequest{Function: f, Payload: []byte(`{}`)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if a, _ := p.Concurrency(testScope); a != 0 {
		t.Errorf("concurrency %d after an abandoned cold start", a)
	}
	// The worker finishes its init and serves the next invocation warm.
	waitFor(t, 5*time.Second, "idle worker", func() bool { return p.Workers(f.Key()).OnDemandIdle == 1 })
	if r := invoke(t, p, f, "", map[string]any{"op": "echo"}); r.ColdStart {
		t.Errorf("not reused: %+v", r)
	}
}

func TestAsyncRetries(t *testing.T) {
	type outcome struct {
		res      *InvokeResult
		err      error
		attempts int
	}
	done := make(chan outcome, 4)
	p := newPool(t, Options{AsyncRetryDelay: 20 * time.Millisecond, OnAsyncResult: func(_ InvokeRequest, res *InvokeResult, err error, attempts int) {
		done <- outcome{res, err, attempts}
	}})
	f := testFunction("async", "$LATEST", nil)
	if err := p.InvokeAsync(InvokeRequest{Function: f, Payload: mustJSON(map[string]any{"op": "error", "msg": "x"})}); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-done:
		if o.err != nil || o.attempts != 3 || o.res.FunctionError != "Unhandled" {
			t.Fatalf("failing event: %+v", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no async result")
	}
	if err := p.InvokeAsync(InvokeRequest{Function: f, Payload: mustJSON(map[string]any{"op": "echo"})}); err != nil {
		t.Fatal(err)
	}
	select {
	case o := <-done:
		if o.err != nil || o.attempts != 1 || o.res.FunctionError != "" {
			t.Fatalf("event: %+v", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no async result")
	}
}

func TestRuntimeAPIErrors(t *testing.T) {
	p := newPool(t, Options{SharedRuntimeAPI: false})
	f := testFunction("api", "$LATEST", nil)
	res := invoke(t, p, f, "", map[string]any{"op": "env", "keys": []string{"AWS_LAMBDA_RUNTIME_API"}})
	api := decode(t, res.Payload)["env"].(map[string]any)["AWS_LAMBDA_RUNTIME_API"].(string)
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post("http://"+api+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code, m := post("/2018-06-01/runtime/invocation/not-a-request/response", `{}`)
	if code != http.StatusBadRequest || m["errorType"] != "InvalidRequestID" || m["errorMessage"] == "" {
		t.Errorf("unknown request id: %d %v", code, m)
	}
	// The request id of a finished invocation is unknown too.
	code, m = post("/2018-06-01/runtime/invocation/"+res.RequestID+"/error", `{}`)
	if code != http.StatusBadRequest || m["errorType"] != "InvalidRequestID" {
		t.Errorf("finished request id: %d %v", code, m)
	}
	code, m = post("/2018-06-01/runtime/init/error", `{"errorMessage":"late","errorType":"X"}`)
	if code != http.StatusForbidden || m["errorType"] != "InvalidStateTransition" {
		t.Errorf("init error after init: %d %v", code, m)
	}
	if code, _ = post("/2018-06-01/nothing", ``); code != http.StatusNotFound {
		t.Errorf("unknown path: %d", code)
	}
	// The worker still works.
	if r := invoke(t, p, f, "", map[string]any{"op": "echo"}); r.FunctionError != "" || r.ColdStart {
		t.Errorf("after bad requests: %+v", r)
	}

	// Shared listener: an unknown worker is refused.
	resp, err := http.Get("http://" + p.RuntimeAPIAddr() + "/w/0123/2018-06-01/runtime/invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unknown worker: %d", resp.StatusCode)
	}
}

// TestReplacementBackoff: once READY, a replacement whose init fails keeps the status READY
// and is retried with backoff until an init succeeds.
func TestReplacementBackoff(t *testing.T) {
	p := newPool(t, Options{InitRetries: 1})
	flag := filepath.Join(t.TempDir(), "fail")
	f := testFunction("backoff", "1", map[string]string{"TESTFN_INIT_FAIL_FILE": flag})
	p.SetProvisioned(f, "backoff:1", 1)
	waitReady(t, p, f, 10*time.Second)
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := invoke(t, p, f, "backoff:1", map[string]any{"op": "exit", "code": 1}); !r.Provisioned {
		t.Fatalf("%+v", r)
	}
	waitFor(t, 5*time.Second, "a failed replacement", func() bool {
		st, _ := p.ProvisionedStatus(f.Key())
		return st.InitError != ""
	})
	st, _ := p.ProvisionedStatus(f.Key())
	if st.Status != StatusReady || st.Allocated != 0 {
		t.Fatalf("after a failed replacement: %+v", st)
	}
	os.Remove(flag)
	waitFor(t, 10*time.Second, "the replacement", func() bool {
		st, _ := p.ProvisionedStatus(f.Key())
		return st.Allocated == 1 && st.Status == StatusReady
	})
}
