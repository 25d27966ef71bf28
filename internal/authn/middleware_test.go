package authn

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func TestPublicPathsPassUnauthenticated(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{Principals: loadPrincipals(t)})
	for _, tc := range []struct {
		method, path string
		public       bool
	}{
		{"GET", "/healthz", true}, {"HEAD", "/healthz", true}, {"GET", "/metrics", true},
		{"POST", "/healthz", false}, {"GET", "/healthz/x", false}, {"POST", "/metrics", false},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// echo answers 404 for requests of no API (and reports no caller for public ones).
		refused := resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusForbidden
		if refused == tc.public {
			t.Errorf("%s %s: status %d", tc.method, tc.path, resp.StatusCode)
		}
	}
}

// rawCall sends a request and returns its status, headers and body.
func rawCall(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestRefusalWireForms checks each protocol's error body for the protocols the SDK tests
// do not cover (CloudWatch AWS JSON 1.0 and query, requests of no known API) and the
// headers every protocol sets.
func TestRefusalWireForms(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(New(Options{Principals: loadPrincipals(t)}).Wrap(echo(t)))
	defer srv.Close()
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

	t.Run("cloudwatch json", func(t *testing.T) {
		req := signedRequest(t, "POST", srv.URL+"/", []byte(`{}`), "monitoring", "AKIAREADER")
		req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.ListMetrics")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		status, h, body := rawCall(t, req)
		if status != http.StatusBadRequest && status != http.StatusForbidden {
			t.Fatalf("status %d", status)
		}
		// Headers set after signing are not signed: the signature still covers host and date.
		var m map[string]string
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if m["__type"] != "AccessDeniedException" || !strings.HasPrefix(m["message"], "User: arn:aws:iam::111111111111:user/reader is not authorized to perform: cloudwatch:ListMetrics on resource: *") {
			t.Errorf("body %s", body)
		}
		if h.Get("x-amzn-query-error") != "AccessDenied;Sender" || h.Get("Content-Type") != "application/x-amz-json-1.0" || h.Get("x-amzn-RequestId") == "" {
			t.Errorf("headers %v", h)
		}
	})
	t.Run("cloudwatch query", func(t *testing.T) {
		req := signedRequest(t, "POST", srv.URL+"/", []byte("Action=ListMetrics&Version=2010-08-01"), "monitoring", "AKIAUNKNOWN")
		req.Header.Set("Content-Type", form["Content-Type"])
		status, _, body := rawCall(t, req)
		var e struct {
			XMLName xml.Name
			Error   struct{ Type, Code, Message string }
			ReqID   string `xml:"RequestId"`
		}
		if err := xml.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if status != http.StatusForbidden || e.XMLName.Space != "http://monitoring.amazonaws.com/doc/2010-08-01/" || e.XMLName.Local != "ErrorResponse" ||
			e.Error.Type != "Sender" || e.Error.Code != "InvalidClientTokenId" || e.Error.Message != "The security token included in the request is invalid." || e.ReqID == "" {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("unsigned form", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader("Action=GetRole&RoleName=x"))
		req.Header.Set("Content-Type", form["Content-Type"])
		status, _, body := rawCall(t, req)
		if status != http.StatusBadRequest || !bytes.Contains(body, []byte("<Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message>")) {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("cbor", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL+cborPathPrefix+"ListMetrics", bytes.NewReader([]byte{0xa0}))
		req.Header.Set("Content-Type", "application/cbor")
		status, h, body := rawCall(t, req)
		var m map[string]string
		if err := cbor.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if status != http.StatusBadRequest || m["__type"] != "MissingAuthenticationTokenException" || m["message"] != "Missing Authentication Token" ||
			h.Get("smithy-protocol") != "rpc-v2-cbor" || h.Get("x-amzn-query-error") != "MissingAuthenticationToken;Sender" {
			t.Errorf("%d %v %v", status, h, m)
		}
	})
	t.Run("unknown api", func(t *testing.T) {
		req := signedRequest(t, "POST", srv.URL+"/nothing", []byte(`{}`), "sts", "AKIAREADER")
		status, h, body := rawCall(t, req)
		if status != http.StatusForbidden || h.Get("X-Amzn-ErrorType") != "AccessDeniedException" ||
			!bytes.Contains(body, []byte(`is not authorized to perform: * on resource: *`)) {
			t.Errorf("%d %v %s", status, h, body)
		}
	})
	t.Run("unknown lambda route needs lambda:*", func(t *testing.T) {
		req := signedRequest(t, "GET", srv.URL+"/2018-10-31/layers", nil, "lambda", "AKIAWILD")
		status, _, body := rawCall(t, req)
		if status != http.StatusForbidden || !bytes.Contains(body, []byte(`not authorized to perform: lambda:* on resource: *`)) {
			t.Errorf("%d %s", status, body)
		}
		req = signedRequest(t, "GET", srv.URL+"/2018-10-31/layers", nil, "lambda", "AKIAALICE")
		if status, _, body := rawCall(t, req); status != http.StatusOK {
			t.Errorf("admin: %d %s", status, body)
		}
	})
	t.Run("wrong signing name", func(t *testing.T) {
		req := signedRequest(t, "POST", srv.URL+"/", []byte(`{}`), "monitoring", "AKIAALICE")
		req.Header.Set("X-Amz-Target", "AnyScaleFrontendService.DescribeScalableTargets")
		status, _, body := rawCall(t, req)
		if status != http.StatusForbidden || !bytes.Contains(body, []byte(`Credential should be scoped to correct service: 'application-autoscaling'.`)) {
			t.Errorf("%d %s", status, body)
		}
	})
}

func TestBodyLimitAndRestore(t *testing.T) {
	t.Parallel()
	var got []byte
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = io.ReadAll(r.Body) })
	h := New(Options{MaxBodyBytes: 64}).Wrap(inner)
	body := bytes.Repeat([]byte("x"), 64)
	req := signedRequest(t, "POST", "http://localhost/2015-03-31/functions/fn/invocations", body, "lambda", "123456789012")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !bytes.Equal(got, body) {
		t.Fatalf("at the limit: %d, handler read %d bytes", rec.Code, len(got))
	}
	for _, chunked := range []bool{false, true} {
		big := append(body, 'y')
		req = signedRequest(t, "POST", "http://localhost/2015-03-31/functions/fn/invocations", big, "lambda", "123456789012")
		if chunked {
			req.ContentLength = -1
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("X-Amzn-ErrorType") != "RequestTooLargeException" {
			t.Fatalf("over the limit (chunked %v): %d %v", chunked, rec.Code, rec.Header())
		}
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestLogsHoldNoSecret(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newServer(t, Options{Principals: loadPrincipals(t), Logger: log, RateLimit: 1})
	ctx := context.Background()
	for _, akid := range []string{"AKIAALICE", "AKIAREADER", "AKIAUNKNOWN", "AKIAALICE", "AKIAALICE", "AKIAALICE"} {
		for _, a := range apis {
			_, _ = a.call(ctx, clientConfig{endpoint: srv.URL, creds: static(akid), region: "us-east-1", maxAttempts: 1})
		}
	}
	_, _ = apis[0].call(ctx, clientConfig{endpoint: srv.URL, creds: keyPair("AKIAALICE", "wrong"), region: "us-east-1", maxAttempts: 1})
	out := logs.String()
	for _, bad := range []string{secret, "Signature=", "Credential=", "AWS4-HMAC-SHA256", "AKIAUNKNOWN"} {
		if strings.Contains(out, bad) {
			t.Errorf("logs contain %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"code=AccessDeniedException", "access_key_id=AKIAREADER", "code=UnrecognizedClientException", "code=ThrottlingException", "code=InvalidSignatureException"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
}

func TestCallerOf(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/", nil)
	if c := CallerOf(r); c.AccountID != DefaultAccount || c.Region != DefaultRegion {
		t.Errorf("unsigned: %+v", c)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20240101/ap-south-1/monitoring/aws4_request, SignedHeaders=host, Signature=0")
	if c := CallerOf(r); c.AccountID != "123456789012" || c.Region != "ap-south-1" || c.Service != "monitoring" {
		t.Errorf("signed: %+v", c)
	}
	r2 := httptest.NewRequest("GET", "/?X-Amz-Credential=AKIA%2F20240101%2Feu-west-3%2Flambda%2Faws4_request", nil)
	if c := CallerOf(r2); c.AccountID != DefaultAccount || c.Region != "eu-west-3" || c.AccessKeyID != "AKIA" {
		t.Errorf("presigned: %+v", c)
	}
	want := Caller{AccountID: "999999999999", Region: "us-east-2"}
	if c := CallerOf(r.WithContext(WithCaller(r.Context(), want))); c != want {
		t.Errorf("from context: %+v", c)
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "127.9.9.9:1": true, "[::1]:8080": true, "localhost:80": true, "LOCALHOST:80": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "10.0.0.1:80": false, "example.com:80": false, "nonsense": false,
	} {
		if err := LoopbackOnly(addr); (err == nil) != ok {
			t.Errorf("LoopbackOnly(%q) = %v", addr, err)
		}
	}
}
