package sigv4

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// aasRequest is a signed application-autoscaling request as its server receives it.
func aasRequest(t testing.TB, at time.Time, mutate func(*http.Request)) (*http.Request, []byte) {
	t.Helper()
	body := []byte(`{"ServiceNamespace":"ecs"}`)
	req, _ := http.NewRequest("POST", "http://autoscaling.local:8080/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService.DescribeScalableTargets")
	if mutate != nil {
		mutate(req)
	}
	signGo(t, req, body, "application-autoscaling", "eu-west-1", at)
	return serverSide(t, req, body), body
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	const (
		incomplete = "IncompleteSignatureException"
		invalid    = "InvalidSignatureException"
	)
	signed := func(t *testing.T) (*http.Request, []byte) { return aasRequest(t, testTime, nil) }
	setAuth := func(v string) func(*testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) {
			r, b := signed(t)
			r.Header.Set("Authorization", v)
			return r, b
		}
	}
	goodCred := "Credential=" + testAKID + "/20261122/eu-west-1/application-autoscaling/aws4_request"
	goodSig := "Signature=" + strings.Repeat("0", 64)
	hdrs := "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target"
	tests := []struct {
		name      string
		req       func(*testing.T) (*http.Request, []byte)
		v         *Verifier
		secret    SecretFunc
		code      string
		queryCode string
		status    int
		msg       string // exact, or prefix when it ends in "…"
	}{
		{name: "no auth", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := http.NewRequest("POST", "http://h/", nil)
			return r, nil
		}, code: "MissingAuthenticationTokenException", queryCode: "MissingAuthenticationToken", status: 400, msg: "Missing Authentication Token"},
		{name: "bearer token", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := http.NewRequest("POST", "http://h/", nil)
			r.Header.Set("Authorization", "Bearer eyJhbGciOi")
			return r, nil
		}, code: incomplete, queryCode: "IncompleteSignature", status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=Bearer eyJhbGciOi"},
		{name: "missing signature", req: setAuth("AWS4-HMAC-SHA256 " + goodCred + ", " + hdrs), code: incomplete, status: 400,
			msg: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + goodCred + ", " + hdrs},
		{name: "missing equal sign", req: setAuth("AWS4-HMAC-SHA256 Credential= AKID/20261122/eu-west-1/application-autoscaling/aws4_request, " + hdrs + ", " + goodSig),
			code: incomplete, status: 400,
			msg: "'AKID/20261122/eu-west-1/application-autoscaling/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential= AKID/20261122/eu-west-1/application-autoscaling/aws4_request, " + hdrs + ", " + goodSig + "'."},
		{name: "unsupported algorithm", req: setAuth("AWS4-HMAC-SHA512 " + goodCred + ", " + hdrs + ", " + goodSig), code: incomplete, status: 400,
			msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{name: "bad date", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed(t)
			r.Header.Set("X-Amz-Date", "2026-11-22T10:30:00Z")
			return r, b
		}, code: incomplete, status: 400, msg: "Date must be in ISO-8601 'basic format'. Got '2026-11-22T10:30:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "four credential elements", req: setAuth("AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/aws4_request, " + hdrs + ", " + goodSig),
			code: incomplete, status: 400, msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20261122/eu-west-1/aws4_request'"},
		{name: "wrong region", req: signed, v: &Verifier{Now: fixedVerifier().Now, Region: "us-east-1"}, code: invalid, queryCode: "SignatureDoesNotMatch", status: 403,
			msg: "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{name: "wrong service", req: signed, v: &Verifier{Now: fixedVerifier().Now, Service: "monitoring"}, code: invalid, status: 403,
			msg: "Credential should be scoped to correct service: 'monitoring'. "},
		{name: "bad terminator and date", req: setAuth("AWS4-HMAC-SHA256 Credential=" + testAKID + "/20261121/eu-west-1/application-autoscaling/aws5_request, " + hdrs + ", " + goodSig),
			code: invalid, status: 403,
			msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T103000Z'."},
		{name: "unknown key", req: signed, secret: func(string) (string, bool) { return "", false },
			code: "UnrecognizedClientException", queryCode: "InvalidClientTokenId", status: 403, msg: "The security token included in the request is invalid."},
		{name: "wrong secret", req: signed, secret: func(string) (string, bool) { return "not-the-secret", true }, code: invalid, queryCode: "SignatureDoesNotMatch", status: 403,
			msg: msgMismatch},
		{name: "changed body", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := signed(t)
			return r, []byte(`{"ServiceNamespace":"rds"}`)
		}, code: invalid, status: 403, msg: msgMismatch},
		{name: "malformed signature", req: setAuth("AWS4-HMAC-SHA256 " + goodCred + ", " + hdrs + ", Signature=XYZ"), code: invalid, status: 403, msg: msgMismatch},
		{name: "expired", req: func(t *testing.T) (*http.Request, []byte) { return aasRequest(t, testTime.Add(-15*time.Minute), nil) },
			v: &Verifier{Now: func() time.Time { return testTime.Add(15 * time.Minute) }}, code: invalid, status: 403,
			msg: "Signature expired: 20261122T101500Z is now earlier than 20261122T103000Z (20261122T104500Z - 15 min.)"},
		{name: "not yet current", req: func(t *testing.T) (*http.Request, []byte) { return aasRequest(t, testTime.Add(31*time.Minute), nil) },
			v: &Verifier{Now: func() time.Time { return testTime.Add(15 * time.Minute) }}, code: invalid, status: 403,
			msg: "Signature not yet current: 20261122T110100Z is still later than 20261122T110000Z (20261122T104500Z + 15 min.)"},
		{name: "custom skew", req: func(t *testing.T) (*http.Request, []byte) { return aasRequest(t, testTime.Add(-6*time.Minute), nil) },
			v: &Verifier{Now: fixedVerifier().Now, MaxSkew: 5 * time.Minute}, code: invalid, status: 403,
			msg: "Signature expired: 20261122T102400Z is now earlier than 20261122T102500Z (20261122T103000Z - 5 min.)"},
		{name: "host not signed", req: setAuth("AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=content-type;x-amz-date, " + goodSig), code: invalid, status: 403,
			msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "date not signed", req: setAuth("AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=content-type;host, " + goodSig), code: invalid, status: 403,
			msg: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "header and query auth", req: func(t *testing.T) (*http.Request, []byte) {
			r, b := signed(t)
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			return r, b
		}, code: invalid, status: 403, msg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "incomplete query auth", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := http.NewRequest("GET", "http://h/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261122T103000Z", nil)
			return r, nil
		}, code: incomplete, status: 400,
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{name: "content sha256 mismatch", req: func(t *testing.T) (*http.Request, []byte) {
			return aasRequest(t, testTime, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte("other"))) })
		}, code: invalid, status: 403, msg: "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{name: "explained mismatch", req: func(t *testing.T) (*http.Request, []byte) {
			r, _ := signed(t)
			return r, []byte("{}")
		}, v: &Verifier{Now: fixedVerifier().Now, ExplainMismatch: true}, code: invalid, status: 403,
			msg: msgMismatch + "\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-length:26\n…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, body := tc.req(t)
			v := tc.v
			if v == nil {
				v = fixedVerifier()
			}
			secret := tc.secret
			if secret == nil {
				secret = testSecrets
			}
			_, err := v.Verify(r, body, secret)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify = %v, want *Error", err)
			}
			if e.Code != tc.code || e.Status != tc.status {
				t.Errorf("code, status = %s, %d; want %s, %d", e.Code, e.Status, tc.code, tc.status)
			}
			if p, ok := strings.CutSuffix(tc.msg, "…"); ok {
				if !strings.HasPrefix(e.Message, p) {
					t.Errorf("message = %q\nwant prefix %q", e.Message, p)
				}
			} else if e.Message != tc.msg {
				t.Errorf("message = %q\nwant        %q", e.Message, tc.msg)
			}
			if tc.queryCode != "" {
				q := e.ForQuery()
				if q.Code != tc.queryCode || q.Status != e.Status {
					t.Errorf("ForQuery code = %s (%d), want %s", q.Code, q.Status, tc.queryCode)
				}
				if e.Kind == KindMissing && q.Message != "Request is missing Authentication Token" {
					t.Errorf("ForQuery message = %q", q.Message)
				}
			}
			// Nothing the secret unlocks can make VerifyWellFormed stricter than Verify.
			if _, werr := v.VerifyWellFormed(r, body); werr != nil && errors.As(werr, &e) && e.Kind == KindUnrecognized {
				t.Errorf("VerifyWellFormed reported an unknown key: %v", werr)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestVerifyWellFormedAcceptsAnyKey(t *testing.T) {
	t.Parallel()
	r, body := aasRequest(t, testTime, nil)
	c, err := fixedVerifier().VerifyWellFormed(r, body)
	if err != nil || c.AccessKeyID != testAKID || c.Region != "eu-west-1" {
		t.Fatalf("VerifyWellFormed = %+v, %v", c, err)
	}
	// A wrong secret is not detectable without the secret...
	r, body = aasRequest(t, testTime, nil)
	if _, err := fixedVerifier().VerifyWellFormed(r, body); err != nil {
		t.Fatal(err)
	}
	// ...but a body that does not match x-amz-content-sha256 is.
	r, _ = aasRequest(t, testTime, func(r *http.Request) {
		r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(`{"ServiceNamespace":"ecs"}`)))
	})
	if _, err := fixedVerifier().VerifyWellFormed(r, []byte("tampered")); err == nil {
		t.Fatal("VerifyWellFormed accepted a body that does not match x-amz-content-sha256")
	}
}

func TestVerifyDoesNotReadBody(t *testing.T) {
	t.Parallel()
	r, body := aasRequest(t, testTime, nil)
	before := r.Body
	if _, err := fixedVerifier().Verify(r, body, testSecrets); err != nil {
		t.Fatal(err)
	}
	if r.Body != before {
		t.Fatal("Verify replaced r.Body")
	}
	rest := make([]byte, 64)
	n, _ := r.Body.Read(rest)
	if string(rest[:n]) != string(body) {
		t.Fatalf("body after Verify = %q, want %q", rest[:n], body)
	}
}

func TestVerifyDateHeader(t *testing.T) {
	t.Parallel()
	// A client that signs the Date header (RFC 1123) instead of X-Amz-Date.
	body := []byte("{}")
	r, _ := http.NewRequest("POST", "http://h/", strings.NewReader("{}"))
	r.Header.Set("Date", testTime.Format(http.TimeFormat))
	signGo(t, r, body, "application-autoscaling", "eu-west-1", testTime)
	// The SDK always adds X-Amz-Date; re-sign as a Date-only client would.
	r.Header.Del("X-Amz-Date")
	sr := serverSide(t, r, body)
	p := authParams{date: testTime.Format(http.TimeFormat), dateHeader: "Date", signedHeaders: "content-length;date;host"}
	key := keys.get(testSecret, "20261122", "eu-west-1", "application-autoscaling")
	var hb [64]byte
	payload, _ := payloadHash(sr, body, &hb, true)
	cr := appendCanonicalRequest(nil, sr, &p, "/", false, false, payload)
	sts := appendStringToSign(nil, cr, testTime, "20261122/eu-west-1/application-autoscaling/aws4_request")
	sig := key.mac(sts)
	sr.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20261122/eu-west-1/application-autoscaling/aws4_request, SignedHeaders=content-length;date;host, Signature="+hexString(sig[:]))
	if _, err := fixedVerifier().Verify(sr, body, testSecrets); err != nil {
		t.Fatalf("Date-header request: %v", err)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
