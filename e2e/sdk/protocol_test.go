package sdk_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
	"github.com/autoscaled/autoscaled/internal/testsign"
)

// post sends a raw AWS JSON 1.1 call.
func post(t *testing.T, url, target, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if err := testsign.AAS(req, []byte(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not JSON: %q", b)
	}
	return resp.StatusCode, m, resp.Header
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	const reg = "AnyScaleFrontendService.RegisterScalableTarget"
	cases := []struct {
		name, target, body, code string
	}{
		{"malformed JSON", reg, `{"ServiceNamespace": "lambda"`, "SerializationException"},
		{"not an object", reg, `[1,2]`, "SerializationException"},
		{"unknown member", reg, `{"ServiceNamespace":"lambda","ResourceId":"function:f:a","ScalableDimension":"lambda:function:ProvisionedConcurrency","MinCapacity":0,"MaxCapacity":1,"Bogus":1}`, "SerializationException"},
		{"wrong member type", reg, `{"ServiceNamespace":"lambda","ResourceId":"function:f:a","ScalableDimension":"lambda:function:ProvisionedConcurrency","MinCapacity":"zero","MaxCapacity":1}`, "SerializationException"},
		{"trailing garbage", reg, `{} {}`, "SerializationException"},
		{"unknown operation", "AnyScaleFrontendService.Nope", `{}`, "UnknownOperationException"},
		{"no target header", "", `{}`, "UnknownOperationException"},
		{"missing required members", reg, `{}`, "ValidationException"},
		{"huge capacity", reg, `{"ServiceNamespace":"lambda","ResourceId":"function:f:a","ScalableDimension":"lambda:function:ProvisionedConcurrency","MinCapacity":0,"MaxCapacity":99999999999}`, "SerializationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := post(t, srv.URL, tc.target, tc.body)
			if status != 400 || body["__type"] != tc.code || body["message"] == "" || body["message"] == nil {
				t.Fatalf("status %d body %v, want 400 %s with a message", status, body, tc.code)
			}
			if hdr.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
		})
	}
	_, body, _ := post(t, srv.URL, reg, `{}`)
	if msg := body["message"].(string); !strings.HasPrefix(msg, "3 validation errors detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null") {
		t.Errorf("missing members message = %q", msg)
	}
	// A successful call answers the JSON content type, a request id and only set members.
	status, body, hdr := post(t, srv.URL, "AnyScaleFrontendService.DescribeScalableTargets", `{"ServiceNamespace":"lambda"}`)
	if status != 200 || hdr.Get("Content-Type") != "application/x-amz-json-1.1" || len(body) != 1 {
		t.Fatalf("describe: %d %v %v", status, hdr, body)
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}
