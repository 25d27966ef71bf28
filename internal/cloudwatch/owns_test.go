package cloudwatch

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOwns(t *testing.T) {
	svc := New(Options{})
	sign := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/us-east-1/" + service + "/aws4_request, SignedHeaders=host, Signature=0"
	}
	for _, tc := range []struct {
		name    string
		path    string
		headers map[string]string
		want    bool
	}{
		{"cbor", CBORPathPrefix + "PutMetricData", nil, true},
		{"json", "/", map[string]string{"X-Amz-Target": TargetPrefix + ".DescribeAlarms"}, true},
		{"aas json", "/", map[string]string{"X-Amz-Target": "AnyScaleFrontendService.DescribeScalableTargets"}, false},
		{"signed monitoring form", "/", map[string]string{"Content-Type": formContentType + "; charset=utf-8", "Authorization": sign("monitoring")}, true},
		{"signed iam form", "/", map[string]string{"Content-Type": formContentType, "Authorization": sign("iam")}, false},
		{"unsigned form", "/", map[string]string{"Content-Type": formContentType}, false},
	} {
		r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader("Action=DescribeAlarms"))
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		if got := svc.Owns(r); got != tc.want {
			t.Errorf("%s: Owns = %v, want %v", tc.name, got, tc.want)
		}
		if b := make([]byte, 6); func() bool { n, _ := r.Body.Read(b); return n != 6 }() {
			t.Errorf("%s: Owns consumed the body", tc.name)
		}
	}
}

// TestQueryWire checks the raw query protocol: flattened lists, empty lists, XML results and
// errors, the unknown-action error.
func TestQueryWire(t *testing.T) {
	h := newHarness(t)
	post := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", formContentType)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, sb.String()
	}
	code, body := post("Action=DescribeAlarms&Version=2010-08-01&AlarmNames=")
	if code != 200 || !strings.Contains(body, `<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmsResult><CompositeAlarms></CompositeAlarms><MetricAlarms></MetricAlarms></DescribeAlarmsResult><ResponseMetadata><RequestId>`) {
		t.Fatalf("%d %s", code, body)
	}
	code, body = post("Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=x")
	if code != 404 || !strings.Contains(body, "<Error><Type>Sender</Type><Code>ResourceNotFound</Code><Message>Alarm x not found</Message></Error>") {
		t.Fatalf("%d %s", code, body)
	}
	code, body = post("Action=Frobnicate&Version=2010-08-01")
	if code != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("%d %s", code, body)
	}
	code, body = post("Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1.MetricName=m&MetricData.member.1.Value=abc")
	if code != 400 || !strings.Contains(body, "<Code>InvalidParameterValue</Code>") {
		t.Fatalf("%d %s", code, body)
	}
}
