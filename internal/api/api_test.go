package api

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
)

var update = flag.Bool("update", false, "rewrite golden files")

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func newTestService(t testing.TB) (*Service, http.Handler) {
	t.Helper()
	s, err := New(context.Background(), memstore.New(), Options{Clock: fixedClock{time.Date(2026, 11, 22, 12, 0, 0, 123_000_000, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Handler()
}

func call(h http.Handler, op, body string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", TargetPrefix+"."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=123456789012/20261122/eu-west-1/application-autoscaling/aws4_request, SignedHeaders=host, Signature=00")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

func TestEveryExceptionHasAStatus(t *testing.T) {
	t.Parallel()
	for code, want := range statusCodes {
		we := mapError(autoscaling.Errorf(code, "x"))
		if we == nil || we.Status != want || we.Code != code {
			t.Errorf("%s maps to %+v, want status %d", code, we, want)
		}
	}
	if we := mapError(fmt.Errorf("wrapped: %w", store.ErrConflict)); we == nil || we.Code != autoscaling.CodeConcurrentUpdate {
		t.Errorf("ErrConflict maps to %+v", we)
	}
	if we := mapError(fmt.Errorf("put: %w", autoscaling.ErrNoTarget(autoscaling.TargetKey{}))); we == nil || we.Code != autoscaling.CodeObjectNotFound {
		t.Errorf("a wrapped domain error maps to %+v", we)
	}
}

// normalize replaces the random parts of a response (ids, uuids) with placeholders.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`scalable-target/[a-z0-9]{36}`), "scalable-target/<target-id>"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`"NextToken":"[A-Za-z0-9_-]+"`), `"NextToken":"<token>"`},
}

// TestGoldenWire replays a conversation and compares every response, byte for byte after
// normalisation, with testdata/wire.golden. Refresh with: go test ./internal/api -run Golden -update
func TestGoldenWire(t *testing.T) {
	t.Parallel()
	_, h := newTestService(t)
	steps := []struct{ op, body string }{
		{"RegisterScalableTarget", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:my-function:BLUE","MinCapacity":0,"MaxCapacity":100}`},
		{"RegisterScalableTarget", `{"ServiceNamespace":"elasticache","ScalableDimension":"elasticache:replication-group:NodeGroups","ResourceId":"replication-group/mycluster","MinCapacity":1,"MaxCapacity":5,"Tags":{"team":"cache"}}`},
		{"RegisterScalableTarget", `{"ServiceNamespace":"elasticache","ScalableDimension":"elasticache:replication-group:Replicas","ResourceId":"replication-group/mycluster","MinCapacity":1,"MaxCapacity":5}`},
		{"DescribeScalableTargets", `{"ServiceNamespace":"elasticache","MaxResults":1}`},
		{"DescribeScalableTargets", `{"ServiceNamespace":"lambda","ResourceIds":["function:my-function:BLUE"],"ScalableDimension":"lambda:function:ProvisionedConcurrency"}`},
		{"RegisterScalableTarget", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:my-function:$LATEST","MinCapacity":0,"MaxCapacity":100}`},
		{"RegisterScalableTarget", `{"ServiceNamespace":"foo","ScalableDimension":"bar","ResourceId":""}`},
		{"PutScalingPolicy", `{"PolicyName":"cpu40","ServiceNamespace":"elasticache","ResourceId":"replication-group/mycluster","ScalableDimension":"elasticache:replication-group:NodeGroups","PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":40,"PredefinedMetricSpecification":{"PredefinedMetricType":"ElastiCachePrimaryEngineCPUUtilization"}}}`},
		{"DescribeScalingPolicies", `{"ServiceNamespace":"elasticache"}`},
		{"PutScalingPolicy", `{"PolicyName":"p","ServiceNamespace":"lambda","ResourceId":"function:other:BLUE","ScalableDimension":"lambda:function:ProvisionedConcurrency","PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":0.7,"PredefinedMetricSpecification":{"PredefinedMetricType":"LambdaProvisionedConcurrencyUtilization"}}}`},
		{"PutScheduledAction", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:my-function:BLUE","ScheduledActionName":"morning","Schedule":"cron(0 8 ? * MON-FRI *)","Timezone":"Europe/Berlin","StartTime":1893456000,"ScalableTargetAction":{"MinCapacity":5,"MaxCapacity":50}}`},
		{"DescribeScheduledActions", `{"ServiceNamespace":"lambda"}`},
		{"PutScheduledAction", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:my-function:BLUE","ScheduledActionName":"bad","Schedule":"0 8 * * ? *","ScalableTargetAction":{"MinCapacity":5}}`},
		{"DescribeScalingActivities", `{"ServiceNamespace":"lambda"}`},
		{"ListTagsForResource", `{"ResourceARN":"arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0ecc00000000000000000000000000000000"}`},
		{"GetPredictiveScalingForecast", `{"ServiceNamespace":"ecs","ResourceId":"service/c/s","ScalableDimension":"ecs:service:DesiredCount","PolicyName":"p","StartTime":1,"EndTime":2}`},
		{"DeregisterScalableTarget", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:my-function:BLUE"}`},
		{"DeregisterScalableTarget", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:my-function:BLUE"}`},
	}
	var b strings.Builder
	for _, st := range steps {
		status, body := call(h, st.op, st.body)
		for _, n := range normalizers {
			body = n.re.ReplaceAllString(body, n.with)
		}
		fmt.Fprintf(&b, "> %s %s\n< %d %s\n\n", st.op, st.body, status, body)
	}
	path := "testdata/wire.golden"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("wire transcript differs from %s (run with -update and review the diff):\n%s", path, b.String())
	}
}

// FuzzOperations sends arbitrary bodies to every operation: the answer is always a JSON
// object with a body and never a 5xx.
func FuzzOperations(f *testing.F) {
	ops := []string{"RegisterScalableTarget", "DeregisterScalableTarget", "DescribeScalableTargets", "PutScalingPolicy",
		"DescribeScalingPolicies", "DeleteScalingPolicy", "PutScheduledAction", "DescribeScheduledActions", "DeleteScheduledAction",
		"DescribeScalingActivities", "TagResource", "UntagResource", "ListTagsForResource", "GetPredictiveScalingForecast"}
	f.Add(uint8(0), `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:f:a","MinCapacity":0,"MaxCapacity":1}`)
	f.Add(uint8(3), `{"PolicyName":"p","ServiceNamespace":"lambda","ResourceId":"function:f:a","ScalableDimension":"lambda:function:ProvisionedConcurrency","PolicyType":"TargetTrackingScaling","TargetTrackingScalingPolicyConfiguration":{"TargetValue":0.7,"CustomizedMetricSpecification":{"Metrics":[{"Id":"m","Expression":"1"}]}}}`)
	f.Add(uint8(3), `{"PolicyName":"s","ServiceNamespace":"ecs","ResourceId":"service/a/b","ScalableDimension":"ecs:service:DesiredCount","PolicyType":"StepScaling","StepScalingPolicyConfiguration":{"AdjustmentType":"ChangeInCapacity","StepAdjustments":[{"MetricIntervalLowerBound":0,"ScalingAdjustment":1}]}}`)
	f.Add(uint8(6), `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:f:a","ScheduledActionName":"x","Schedule":"cron(0 8 L * ? *)","ScalableTargetAction":{"MinCapacity":1}}`)
	f.Add(uint8(2), `{"ServiceNamespace":"lambda","NextToken":"AAAA","MaxResults":3}`)
	f.Add(uint8(10), `{"ResourceARN":"arn:aws:application-autoscaling:us-east-1:1:scalable-target/x","Tags":{"a":"b"}}`)
	_, h := newTestService(f)
	// One registered target so that the fuzzer reaches the paths behind it.
	call(h, "RegisterScalableTarget", `{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":"function:f:a","MinCapacity":0,"MaxCapacity":10}`)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		status, resp := call(h, ops[int(op)%len(ops)], body)
		if status >= 500 {
			t.Fatalf("%s %q answered %d %s", ops[int(op)%len(ops)], body, status, resp)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(resp), &m); err != nil {
			t.Fatalf("response %q is not a JSON object", resp)
		}
		if status != 200 && (m["__type"] == nil || m["message"] == nil) {
			t.Fatalf("error response without __type/message: %s", resp)
		}
	})
}
