package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// testTime is the signing time of deterministic tests.
var testTime = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

func testSecrets(akid string) (string, bool) {
	if akid == testAKID {
		return testSecret, true
	}
	return "", false
}

func fixedVerifier() *Verifier {
	return &Verifier{Now: func() time.Time { return testTime }}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signGo signs req (client side) with aws-sdk-go-v2's signer.
func signGo(t testing.TB, req *http.Request, body []byte, service, region string, at time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(body), service, region, at); err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
}

// serverSide turns a client request into the request a Go HTTP server would hand its
// handler, by writing it to the wire format and reading it back.
func serverSide(t testing.TB, req *http.Request, body []byte) *http.Request {
	t.Helper()
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatalf("write request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, wire.String())
	}
	return sr
}

// recorder is an HTTP server that verifies every request it receives.
type recorder struct {
	srv *httptest.Server
	v   *Verifier

	mu   sync.Mutex
	errs []error
	cred []Credential
}

func newRecorder(t *testing.T, v *Verifier) *recorder {
	rec := &recorder{v: v}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c, verr := rec.v.Verify(r, body, testSecrets)
		rec.mu.Lock()
		rec.errs = append(rec.errs, verr)
		rec.cred = append(rec.cred, c)
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

// last returns the verification result of the last request received.
func (rec *recorder) last(t *testing.T) (Credential, error) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errs) == 0 {
		t.Fatal("server received no request")
	}
	return rec.cred[len(rec.cred)-1], rec.errs[len(rec.errs)-1]
}

func (rec *recorder) send(t *testing.T, req *http.Request) {
	t.Helper()
	resp, err := rec.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
