package sigv4

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"testing"
)

// botocoreSigner signs requests with botocore.auth.SigV4Auth (or SigV4QueryAuth when
// "presign" is set) at a fixed time and prints the signed URL and headers as JSON.
const botocoreSigner = `
import base64, datetime, json, sys
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

job = json.load(sys.stdin)
fixed = datetime.datetime.strptime(job["time"], "%Y%m%dT%H%M%SZ")
botocore.auth.get_current_datetime = lambda *a, **k: fixed
creds = Credentials(job["akid"], job["secret"])
out = []
for r in job["requests"]:
    req = AWSRequest(method=r["method"], url=r["url"], headers=r["headers"], data=base64.b64decode(r["body"]))
    if r.get("presign"):
        botocore.auth.SigV4QueryAuth(creds, r["service"], r["region"], expires=300).add_auth(req)
    else:
        botocore.auth.SigV4Auth(creds, r["service"], r["region"]).add_auth(req)
    out.append({"url": req.url, "headers": dict(req.headers.items())})
json.dump(out, sys.stdout)
`

type botoRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Service string            `json:"service"`
	Region  string            `json:"region"`
	Presign bool              `json:"presign,omitempty"`
}

type botoSigned struct {
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// signBotocore signs reqs with botocore; it skips the test when python3 or botocore is
// missing, unless CI=true.
func signBotocore(t *testing.T, reqs []botoRequest) []botoSigned {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		skip("python3 not found: %v", err)
	}
	if err := exec.Command(py, "-c", "import botocore.auth").Run(); err != nil {
		skip("botocore not importable: %v", err)
	}
	job, _ := json.Marshal(map[string]any{"time": testTime.Format(amzDateFormat), "akid": testAKID, "secret": testSecret, "requests": reqs})
	cmd := exec.Command(py, "-c", botocoreSigner)
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore signer: %v\n%s", err, stderr.String())
	}
	var signed []botoSigned
	if err := json.Unmarshal(out, &signed); err != nil || len(signed) != len(reqs) {
		t.Fatalf("botocore output (%v): %s", err, out)
	}
	return signed
}

func TestVerifyBotocoreSigned(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, fixedVerifier())
	cases := signedCases()
	var reqs []botoRequest
	for _, c := range cases {
		h := map[string]string{}
		for k, vs := range c.header {
			h[k] = vs[0] // botocore's AWSRequest takes one value per header
		}
		reqs = append(reqs, botoRequest{Method: c.method, URL: rec.srv.URL + c.target, Headers: h,
			Body: base64.StdEncoding.EncodeToString([]byte(c.body)), Service: c.service, Region: c.region})
	}
	extra := []botoRequest{
		// botocore removes empty and dot segments from the path it signs.
		{Method: "GET", URL: rec.srv.URL + "/2015-03-31/functions/./f//configuration", Headers: map[string]string{}, Service: "lambda", Region: "eu-west-1"},
		{Method: "GET", URL: rec.srv.URL + "/2015-03-31/functions/my-function%3ABLUE/configuration?Qualifier=BLUE", Headers: map[string]string{},
			Service: "lambda", Region: "eu-west-1", Presign: true},
		{Method: "GET", URL: rec.srv.URL + "/?Action=ListUsers&Version=2010-05-08&Marker=a%2Bb%20c", Headers: map[string]string{},
			Service: "iam", Region: "us-east-1", Presign: true},
	}
	reqs = append(reqs, extra...)
	signed := signBotocore(t, reqs)
	for i, s := range signed {
		name := reqs[i].Method + " " + reqs[i].URL
		if i < len(cases) {
			name = cases[i].name
		}
		t.Run(name, func(t *testing.T) {
			body, _ := base64.StdEncoding.DecodeString(reqs[i].Body)
			req, err := http.NewRequest(reqs[i].Method, s.URL, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range s.Headers {
				req.Header.Set(k, v)
			}
			rec.send(t, req)
			cred, err := rec.last(t)
			if err != nil {
				t.Fatalf("botocore-signed request rejected: %v\nheaders: %v", err, s.Headers)
			}
			if cred.Service != reqs[i].Service || cred.Region != reqs[i].Region {
				t.Errorf("credential = %+v", cred)
			}
		})
	}
}
