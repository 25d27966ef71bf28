package sigv4

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func TestCanonicalURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path      string
		s3, norm  bool
		canonical string
	}{
		{"", false, false, "/"},
		{"/", false, false, "/"},
		{"/2015-03-31/functions/my-function%3ABLUE/invocations", false, false, "/2015-03-31/functions/my-function%253ABLUE/invocations"},
		{"/2015-03-31/functions/my-function:BLUE/invocations", false, false, "/2015-03-31/functions/my-function%3ABLUE/invocations"},
		{"/f/my-function%3A%24LATEST", false, false, "/f/my-function%253A%2524LATEST"},
		{"/f/$LATEST", false, false, "/f/%24LATEST"},
		{"/a b/~x", false, false, "/a%20b/~x"},
		{"/bucket/key%20name", true, false, "/bucket/key%20name"},
		{"/a/./b//c/../d/", false, true, "/a/b/d/"},
		{"/..", false, true, "/"},
		{"/a/b/..", false, true, "/a"},
	}
	for _, tc := range tests {
		if got := string(appendCanonicalURI(nil, tc.path, tc.s3, tc.norm)); got != tc.canonical {
			t.Errorf("appendCanonicalURI(%q, s3=%v, normalize=%v) = %q, want %q", tc.path, tc.s3, tc.norm, got, tc.canonical)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, canonical string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"flag&empty=", "empty=&flag="},
		{"c=hello+world&d=hello%20world", "c=hello%20world&d=hello%20world"},
		{"s=a%2fb&t=a/b", "s=a%2Fb&t=a%2Fb"},
		{"u=%e2%9c%93&v=*&w=%7E", "u=%E2%9C%93&v=%2A&w=~"},
		{"bad=%zz", "bad=%25zz"},
		{"a-b=1&a%2Fb=2", "a%2Fb=2&a-b=1"}, // sorted after encoding
		{"&&x=1&&", "x=1"},
	}
	for _, tc := range tests {
		if got := string(appendCanonicalQuery(nil, tc.raw, false)); got != tc.canonical {
			t.Errorf("appendCanonicalQuery(%q) = %q, want %q", tc.raw, got, tc.canonical)
		}
	}
	if got := string(appendCanonicalQuery(nil, "X-Amz-Signature=abc&X-Amz-Date=1", true)); got != "X-Amz-Date=1" {
		t.Errorf("presigned query = %q", got)
	}
}

func TestCanonicalHeaderValues(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a":              "a",
		"  a   b  c ":    "a b c",
		"\ta  b\t":       "a b",
		"":               "",
		"x-amz-json-1.1": "x-amz-json-1.1",
	} {
		if got := string(appendTrimmed(nil, in)); got != want {
			t.Errorf("appendTrimmed(%q) = %q, want %q", in, got, want)
		}
	}
	h := http.Header{"X-Amz-Date": {"d"}, "X_odd": {"u"}, "Content-Type": {"a", "b"}}
	for name, want := range map[string]int{"x-amz-date": 1, "X-AMZ-DATE": 1, "content-type": 2, "x_odd": 1, "missing": 0, "bad name": 0} {
		if got := len(headerValues(h, name)); got != want {
			t.Errorf("headerValues(%q) has %d values, want %d", name, got, want)
		}
	}
}

func TestKeyCache(t *testing.T) {
	t.Parallel()
	c := &keyCache{max: 2}
	k1 := c.get("s1", "20261122", "r", "svc")
	if c.get("s1", "20261122", "r", "svc") != k1 {
		t.Error("cache miss for the same inputs")
	}
	if c.get("s2", "20261122", "r", "svc") == k1 {
		t.Error("a different secret found the same key")
	}
	c.get("s3", "20261122", "r", "svc") // evicts
	if len(c.m) > 2 {
		t.Errorf("cache holds %d entries, bound 2", len(c.m))
	}
	if *c.get("s1", "20261122", "r", "svc") != *k1 {
		t.Error("re-derived key differs")
	}
}

func TestPresignedExpiry(t *testing.T) {
	t.Parallel()
	presign := func(expires string) *http.Request {
		req, _ := http.NewRequest("GET", "http://h/?Action=GetCallerIdentity&X-Amz-Expires="+expires, nil)
		creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, sha256Hex(nil), "sts", "us-east-1", testTime)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest("GET", u, nil)
		return serverSide(t, r, nil)
	}
	at := func(d time.Duration) *Verifier { return &Verifier{Now: func() time.Time { return testTime.Add(d) }} }
	if _, err := at(50*time.Minute).Verify(presign("3600"), nil, testSecrets); err != nil {
		t.Errorf("within X-Amz-Expires: %v", err)
	}
	_, err := at(61*time.Minute).Verify(presign("3600"), nil, testSecrets)
	if e, ok := err.(*Error); !ok || e.Message != "Signature expired: 20261122T113000Z is now earlier than 20261122T113100Z (20261122T103000Z + 3600 sec.)" {
		t.Errorf("after X-Amz-Expires: %v", err)
	}
	if _, err := at(0).Verify(presign("604801"), nil, testSecrets); err == nil {
		t.Error("X-Amz-Expires over a week accepted")
	}
}
