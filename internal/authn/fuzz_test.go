package authn

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzClassify feeds arbitrary requests to the protocol detection and to the whole
// middleware (with and without principals): nothing may panic, and every refusal is one of
// the statuses the middleware answers with.
func FuzzClassify(f *testing.F) {
	f.Add("POST", "/", "AnyScaleFrontendService.DescribeScalableTargets", "application/x-amz-json-1.1", "", "", []byte(`{}`))
	f.Add("POST", cborPathPrefix+"PutMetricAlarm", "", "application/cbor", "", "", []byte{0xa1, 0x69, 'A', 'l', 'a', 'r', 'm', 'N', 'a', 'm', 'e', 0x61, 'x'})
	f.Add("POST", "/", "GraniteServiceVersion20100801.DeleteAlarms", "application/x-amz-json-1.0", "", "", []byte(`{"AlarmNames":["a",1]}`))
	f.Add("POST", "/?AlarmNames.member.1=x", "", "application/x-www-form-urlencoded", "gzip",
		"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/monitoring/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", []byte("Action=DeleteAlarms"))
	f.Add("POST", "/", "", "application/x-www-form-urlencoded", "",
		"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0", []byte("Action=GetServiceLinkedRoleDeletionStatus&DeletionTaskId=task/"))
	f.Add("GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Ax%3Ay%3Afunction%3Af%3Aq/configuration?Qualifier=1", "", "", "", "", []byte(nil))
	f.Add("POST", "/2015-03-31/functions", "", "application/json", "", "", []byte(`{"FunctionName":["x"]}`))
	f.Add("GET", "/2019-09-30/functions/%zz/provisioned-concurrency?List=ALL", "", "", "", "", []byte(nil))
	f.Add("POST", "/2017-03-31/tags/", "", "", "", "", []byte(nil))
	principals := loadPrincipals(f)
	open := New(Options{}).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	closed := New(Options{Principals: principals, RateLimit: 1e6}).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	f.Fuzz(func(t *testing.T, method, path, target, contentType, encoding, authorization string, body []byte) {
		u, err := url.ParseRequestURI(path)
		if err != nil || !validMethod(method) {
			return
		}
		mk := func() *http.Request {
			r := &http.Request{Method: method, URL: u, Host: "localhost", Header: http.Header{},
				Body: http.NoBody, ContentLength: int64(len(body))}
			if len(body) > 0 {
				r.Body = newBodyReader(body)
			}
			for k, v := range map[string]string{"X-Amz-Target": target, "Content-Type": contentType, "Content-Encoding": encoding, "Authorization": authorization} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			return r
		}
		op := Classify(mk(), body)
		res := op.Resources("111111111111", "us-east-1")
		if len(res) == 0 {
			t.Fatal("no resources")
		}
		if op.Name != "" && op.Action == "" || op.Name == "" && op.Action != "" {
			t.Fatalf("name %q action %q", op.Name, op.Action)
		}
		for _, h := range []http.Handler{open, closed} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, mk())
			switch w.Code {
			case 200, 400, 403, 413, 429:
			default:
				t.Fatalf("status %d", w.Code)
			}
			if w.Code != 200 && !bytes.Contains(w.Body.Bytes(), []byte("essage")) {
				t.Fatalf("refusal without a message: %s", w.Body)
			}
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH":
		return true
	}
	return false
}
