package lambdaapi_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

func TestInvoke(t *testing.T) {
	var mu sync.Mutex
	var async []string
	e := apitest.New(t, apitest.Options{Pool: workers.Options{OnAsyncResult: func(req workers.InvokeRequest, res *workers.InvokeResult, err error, attempts int) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil && res != nil {
			async = append(async, string(res.Payload))
		}
	}}})
	e.CreateFunction(t, "inv", nil, true)

	// RequestResponse with the log tail.
	out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Payload: []byte(`{"op":"echo","log":"hello log"}`), LogType: types.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	if out.StatusCode != 200 || string(out.Payload) != `{"op":"echo","log":"hello log"}` || aws.ToString(out.ExecutedVersion) != "$LATEST" || out.FunctionError != nil {
		t.Fatalf("invoke: %d %s %s", out.StatusCode, out.Payload, aws.ToString(out.ExecutedVersion))
	}
	logs, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || !strings.Contains(string(logs), "hello log") || !strings.Contains(string(logs), "REPORT RequestId:") {
		t.Fatalf("log tail %q: %v", logs, err)
	}
	// Empty payload: the function gets {}.
	out, err = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv")})
	if err != nil || string(out.Payload) != `{}` {
		t.Fatalf("empty payload: %s %v", out.Payload, err)
	}
	// A function error is a 200 with X-Amz-Function-Error.
	out, err = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Payload: []byte(`{"op":"error","msg":"boom"}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "boom") {
		t.Fatalf("function error: %v %s %v", out.FunctionError, out.Payload, err)
	}
	// Client context reaches the function.
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	out, err = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Qualifier: aws.String("1"), ClientContext: aws.String(cc), Payload: []byte(`{"op":"env"}`)})
	if err != nil || !strings.Contains(string(out.Payload), `"clientContext":{"k":"v"}`) || aws.ToString(out.ExecutedVersion) != "1" {
		t.Fatalf("client context: %s %v", out.Payload, err)
	}
	// DryRun: 204, nothing runs.
	out, err = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Fatalf("dry run: %+v %v", out, err)
	}
	// Event: 202, runs in the background.
	out, err = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"op":"echo","n":42}`)})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("event: %+v %v", out, err)
	}
	apitest.WaitFor(t, 10*time.Second, "the event ran", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(async) == 1 && strings.Contains(async[0], `"n":42`)
	})
	// Errors.
	var nf *types.ResourceNotFoundException
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")}); !errors.As(err, &nf) {
		t.Fatalf("missing function: %v", err)
	}
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Qualifier: aws.String("7")}); !errors.As(err, &nf) {
		t.Fatalf("missing version: %v", err)
	}
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Qualifier: aws.String("nope")}); !errors.As(err, &nf) || !strings.Contains(err.Error(), "Cannot find alias arn") {
		t.Fatalf("missing alias: %v", err)
	}
	var bad *types.InvalidRequestContentException
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Payload: []byte(`{not json`)}); !errors.As(err, &bad) {
		t.Fatalf("bad payload: %v", err)
	}
	var large *types.RequestTooLargeException
	big := bytes.Repeat([]byte("x"), 6*1024*1024+10)
	big[0], big[len(big)-1] = '"', '"'
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), Payload: big}); !errors.As(err, &large) || !strings.Contains(err.Error(), "Request must be smaller than 6291456 bytes for the Invoke operation") {
		t.Fatalf("6 MB payload: %v", err)
	}
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("inv"), InvocationType: types.InvocationTypeEvent, Payload: big[:2*1024*1024]}); !errors.As(err, &large) {
		t.Fatalf("2 MB event: %v", err)
	}
	// A raw call shows the headers and status of the wire.
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/2015-03-31/functions/inv/invocations?Qualifier=nope", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" || !strings.Contains(string(body), `"Type":"User"`) ||
		resp.Header.Get("x-amzn-RequestId") == "" ||
		!strings.Contains(string(body), `"Message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:inv"`) {
		t.Fatalf("raw error: %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

func TestInvokeThrottles(t *testing.T) {
	e := apitest.New(t, apitest.Options{Pool: workers.Options{AccountLimit: 103}})
	e.CreateFunction(t, "slow", nil, false)
	e.CreateFunction(t, "other", nil, false)
	// Reserved concurrency 1: a second concurrent invocation is throttled.
	if _, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("slow"), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("slow"), Payload: []byte(`{"op":"sleep","ms":1500}`)})
		done <- err
	}()
	apitest.WaitFor(t, 5*time.Second, "the first invocation running", func() bool {
		_, by := e.Pool.Concurrency(apitest.Scope)
		return by["slow"] == 1
	})
	_, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("slow")})
	var tm *types.TooManyRequestsException
	if !errors.As(err, &tm) || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || aws.ToString(tm.Message) != "Rate Exceeded." {
		t.Fatalf("reserved throttle: %v", err)
	}
	// Reserved concurrency 0 throttles everything.
	if _, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("other"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("other")}); !errors.As(err, &tm) {
		t.Fatalf("reserved 0: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("other")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}
	// The account limit (103, here): 103 sleeping invocations, the 104th is throttled.
	var wg sync.WaitGroup
	errs := make(chan error, 103)
	for range 103 {
		wg.Go(func() {
			_, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("other"), Payload: []byte(`{"op":"sleep","ms":3000}`)})
			errs <- err
		})
	}
	apitest.WaitFor(t, 20*time.Second, "103 invocations running", func() bool {
		n, _ := e.Pool.Concurrency(apitest.Scope)
		return n == 103
	})
	_, err = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("slow")})
	if !errors.As(err, &tm) || tm.Reason != types.ThrottleReasonConcurrentInvocationLimitExceeded {
		t.Fatalf("account throttle: %v", err)
	}
	if u := e.Pool.Usage(apitest.Scope); u.Committed > u.Limit {
		t.Fatalf("committed %d above the limit %d", u.Committed, u.Limit)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
