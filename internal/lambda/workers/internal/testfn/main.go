// Command testfn is the Lambda function the workers tests run: a custom-runtime bootstrap
// built with aws-lambda-go. The event selects what the handler does; environment variables
// select what init does.
//
// Events (JSON): {"op":"echo", ...} returns the event; {"op":"sleep","ms":N}; {"op":"error",
// "msg":...} returns an error; {"op":"panic"}; {"op":"exit","code":N} exits mid-invocation;
// {"op":"env","keys":[...]} returns those variables, the pid and the invocation context;
// {"op":"big","n":N} returns N bytes; "log" (any op) prints a line first.
//
// Init: TESTFN_INIT=fail posts /init/error and exits, =exit exits 3, =hang never polls;
// TESTFN_INIT_SLEEP_MS sleeps first; TESTFN_INIT_FAIL_FILE: fail (as =fail) while that file
// exists; TESTFN_IGNORE_TERM ignores SIGTERM.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Op   string   `json:"op"`
	Ms   int      `json:"ms"`
	Msg  string   `json:"msg"`
	Code int      `json:"code"`
	Keys []string `json:"keys"`
	N    int      `json:"n"`
	Log  string   `json:"log"`
}

func initError(msg string) {
	fmt.Fprintln(os.Stderr, "init failed:", msg)
	body, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": "TestInitError"})
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "TestInitError")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	os.Exit(1)
}

func main() {
	if os.Getenv("TESTFN_IGNORE_TERM") != "" {
		signal.Ignore(syscall.SIGTERM)
	}
	if ms, _ := strconv.Atoi(os.Getenv("TESTFN_INIT_SLEEP_MS")); ms > 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	if f := os.Getenv("TESTFN_INIT_FAIL_FILE"); f != "" {
		if _, err := os.Stat(f); err == nil {
			initError("fail file present")
		}
	}
	switch os.Getenv("TESTFN_INIT") {
	case "fail":
		initError("configured to fail")
	case "exit":
		fmt.Fprintln(os.Stderr, "exiting during init")
		os.Exit(3)
	case "hang":
		time.Sleep(time.Hour)
	}
	fmt.Println("init done pid", os.Getpid())
	lambda.Start(handle)
}

func handle(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var ev event
	_ = json.Unmarshal(raw, &ev)
	if ev.Log != "" {
		fmt.Println(ev.Log)
	}
	switch ev.Op {
	case "", "echo":
		return raw, nil
	case "sleep":
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		return json.RawMessage(`{"slept":` + strconv.Itoa(ev.Ms) + `,"pid":` + strconv.Itoa(os.Getpid()) + `}`), nil
	case "error":
		return nil, errors.New(ev.Msg)
	case "panic":
		panic(ev.Msg)
	case "exit":
		os.Exit(ev.Code)
	case "big":
		return json.Marshal(strings.Repeat("x", ev.N))
	case "env":
		out := map[string]any{"pid": os.Getpid()}
		vars := map[string]string{}
		for _, k := range ev.Keys {
			vars[k] = os.Getenv(k)
		}
		out["env"] = vars
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			out["requestId"] = lc.AwsRequestID
			out["arn"] = lc.InvokedFunctionArn
			out["clientContext"] = lc.ClientContext.Custom
		}
		if dl, ok := ctx.Deadline(); ok {
			out["deadlineMs"] = dl.UnixMilli()
		}
		out["cwd"], _ = os.Getwd()
		return json.Marshal(out)
	}
	return nil, fmt.Errorf("unknown op %q", ev.Op)
}
