package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261122/eu-west-1/application-autoscaling/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", true)
	f.Add("AWS4-HMAC-SHA256 Credential= AKID/20261122/r/s/aws4_request,SignedHeaders=host,Signature=00", false)
	f.Add("AWS4-HMAC-SHA512 Credential=a", true)
	f.Add("Bearer x.y.z", false)
	f.Add("AWS4-HMAC-SHA256\tCredential=a,,,Signature==,SignedHeaders=;", true)
	f.Fuzz(func(t *testing.T, h string, haveDate bool) {
		p, err := parseAuthorization(h, haveDate)
		_, _ = ParseCredential(h)
		if err != nil {
			if err.Kind != KindIncomplete || err.Status != http.StatusBadRequest || err.Message == "" {
				t.Fatalf("parseAuthorization(%q) error %+v", h, err)
			}
			return
		}
		if !haveDate {
			t.Fatalf("accepted %q without a date header", h)
		}
		for _, v := range []string{p.credential, p.signedHeaders, p.signature} {
			if v == "" || strings.ContainsAny(v, ", \t") {
				t.Fatalf("parseAuthorization(%q) = %+v: bad parameter %q", h, p, v)
			}
		}
		again, err := parseAuthorization(algorithm+" Credential="+p.credential+", SignedHeaders="+p.signedHeaders+", Signature="+p.signature, true)
		if err != nil || again != p {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", h, again, err, p)
		}
	})
}

// fuzzRequest builds a request from fuzzed parts; headers is "Name: value" lines.
func fuzzRequest(method, target, host, headers string) *http.Request {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		u = &url.URL{Path: target}
	}
	r := &http.Request{Method: method, URL: u, Host: host, Header: http.Header{}, ContentLength: -1}
	for line := range strings.SplitSeq(headers, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			r.Header.Add(k, strings.TrimSpace(v))
		}
	}
	return r
}

func FuzzVerify(f *testing.F) {
	for _, c := range signedCases() {
		req := c.clientRequest(f, "http://autoscaling.example.com:8080")
		signGo(f, req, []byte(c.body), c.service, c.region, testTime)
		var hdr strings.Builder
		for k, vs := range req.Header {
			for _, v := range vs {
				hdr.WriteString(k + ": " + v + "\n")
			}
		}
		if req.ContentLength > 0 {
			hdr.WriteString("Content-Length: " + itoa(int(req.ContentLength)) + "\n")
		}
		f.Add(req.Method, req.URL.RequestURI(), req.Host, hdr.String(), []byte(c.body))
	}
	f.Add("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261122%2Fr%2Fs%2Faws4_request"+
		"&X-Amz-Date=20261122T103000Z&X-Amz-Expires=30&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "h", "", []byte(nil))
	f.Add("POST", "/a/./b//c/../d", "h", "Authorization: AWS4-HMAC-SHA256 Credential=x\nDate: Sun, 22 Nov 2026 10:30:00 GMT", []byte("x"))
	f.Fuzz(func(t *testing.T, method, target, host, headers string, body []byte) {
		r := fuzzRequest(method, target, host, headers)
		v := fixedVerifier()
		c, err := v.Verify(r, body, testSecrets)
		_, wfErr := v.VerifyWellFormed(r, body)
		if err == nil {
			if c.AccessKeyID != testAKID {
				t.Fatalf("accepted key %q", c.AccessKeyID)
			}
			if wfErr != nil {
				t.Fatalf("Verify accepted what VerifyWellFormed rejects: %v", wfErr)
			}
		} else if e, ok := err.(*Error); !ok || e.Code == "" || e.Status == 0 {
			t.Fatalf("Verify error %#v", err)
		}
		_, _ = CredentialFromRequest(r)
	})
}
