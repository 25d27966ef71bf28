package cloudwatch

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var fuzzOps = []string{"PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics", "PutMetricAlarm",
	"DescribeAlarms", "DeleteAlarms", "SetAlarmState", "DescribeAlarmHistory", "Nope"}

func fuzzService(t testing.TB) *Service {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0).UTC()}
	return New(Options{Metrics: newFakeStore(clock.Now), Alarms: newFakeRegistry(clock.Now), Clock: clock})
}

func checkNot500(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.String())
	}
}

// FuzzCBORRequest feeds arbitrary CBOR bodies to every operation: the service must answer,
// never with a server error.
func FuzzCBORRequest(f *testing.F) {
	now := time.Unix(1_700_000_000, 0).UTC()
	seeds := []map[string]any{
		{"Namespace": "App", "MetricData": []any{map[string]any{"MetricName": "m", "Value": 1.5, "Timestamp": cborTime(now),
			"Dimensions": []any{map[string]any{"Name": "a", "Value": "b"}}}}},
		{"Namespace": "App", "MetricName": "m", "StartTime": cborTime(now.Add(-time.Hour)), "EndTime": cborTime(now), "Period": 60, "Statistics": []any{"Sum"}},
		{"AlarmName": "a", "Namespace": "App", "MetricName": "m", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1.0,
			"ComparisonOperator": "GreaterThanThreshold"},
		{"MetricDataQueries": []any{map[string]any{"Id": "m1", "Expression": "m1"}}, "StartTime": cborTime(now.Add(-time.Hour)), "EndTime": cborTime(now)},
		{"AlarmNames": []any{"a"}, "MaxRecords": 5, "NextToken": "x"},
		{"AlarmName": "a", "StateValue": "OK", "StateReason": "r", "StateReasonData": "{"},
	}
	for i, s := range seeds {
		b, err := cborEnc.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Add(uint8(0), []byte{0xbf, 0x61, 'a', 0xff})
	f.Add(uint8(1), []byte{0xc1, 0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		svc := fuzzService(t) // a fresh store per input keeps every run small
		name := fuzzOps[int(op)%len(fuzzOps)]
		req := httptest.NewRequest(http.MethodPost, CBORPathPrefix+name, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", cborContentType)
		req.Header.Set("smithy-protocol", "rpc-v2-cbor")
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		checkNot500(t, rec, body)
		// The same body as JSON exercises the JSON decoder too.
		req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		req.Header.Set("X-Amz-Target", TargetPrefix+"."+name)
		req.Header.Set("Content-Type", jsonContentType)
		rec = httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		checkNot500(t, rec, body)
	})
}

// FuzzQueryRequest feeds arbitrary form bodies through the query protocol.
func FuzzQueryRequest(f *testing.F) {
	for _, s := range []string{
		"Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1&MetricData.member.1.Dimensions.member.1.Name=a&MetricData.member.1.Dimensions.member.1.Value=b",
		"Action=GetMetricStatistics&Version=2010-08-01&Namespace=App&MetricName=m&StartTime=2023-11-14T21:00:00Z&EndTime=2023-11-14T22:00:00Z&Period=60&Statistics.member.1=Sum",
		"Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a&Namespace=App&MetricName=m&Statistic=Sum&Period=60&EvaluationPeriods=1&Threshold=1&ComparisonOperator=GreaterThanThreshold",
		"Action=DescribeAlarms&Version=2010-08-01&AlarmNames=",
		"Action=GetMetricData&Version=2010-08-01&MetricDataQueries.member.1.Id=m1&MetricDataQueries.member.1.Expression=m1&StartTime=2023-11-14T21:00:00Z&EndTime=2023-11-14T22:00:00Z",
		"Action=SetAlarmState&AlarmName=a&StateValue=OK&StateReason=r",
		"Action=DescribeAlarmHistory&ScanBy=TimestampAscending&MaxRecords=0",
		"Action=ListMetrics&Dimensions.member.1.Name=a",
		"%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		svc := fuzzService(t)
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", formContentType)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20231114/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0")
		if !svc.Owns(req) {
			t.Fatal("a signed monitoring form POST is CloudWatch's")
		}
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		checkNot500(t, rec, []byte(body))
	})
}
