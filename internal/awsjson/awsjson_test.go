package awsjson

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTimestampWire(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   time.Time
		want string
	}{
		{time.Unix(1558125758, 957_000_000), "1558125758.957"},
		{time.Unix(1558125758, 0), "1558125758.000"},
		{time.Unix(1558125758, 5_000_000), "1558125758.005"},
	}
	for _, tc := range cases {
		b, _ := json.Marshal(Timestamp(tc.in))
		if string(b) != tc.want {
			t.Errorf("marshal %v = %s, want %s", tc.in, b, tc.want)
		}
	}
	for in, want := range map[string]time.Time{
		"1612008000":     time.Unix(1612008000, 0),
		"1612008000.5":   time.Unix(1612008000, 500_000_000),
		"1612008000.123": time.Unix(1612008000, 123_000_000),
	} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err != nil || !time.Time(ts).Equal(want) {
			t.Errorf("unmarshal %s = %v, %v; want %v", in, time.Time(ts), err, want)
		}
	}
	var ts Timestamp
	if err := json.Unmarshal([]byte(`"2020-01-01"`), &ts); err == nil {
		t.Error("a string timestamp decoded")
	}
}

func TestServiceAnswersEveryFailureInAWSShape(t *testing.T) {
	t.Parallel()
	s := &Service{TargetPrefix: "Svc", InternalErrorCode: "InternalServiceException"}
	s.Handle("Echo", func(_ context.Context, r *Request) (any, error) {
		var in struct{ A *int }
		if err := r.Decode(&in); err != nil {
			return nil, err
		}
		return map[string]any{"A": in.A}, nil
	})
	s.Handle("Panic", func(_ context.Context, r *Request) (any, error) { panic("boom") })
	s.Handle("Typed", func(_ context.Context, r *Request) (any, error) {
		return nil, &Error{Code: "ResourceNotFoundException", Message: "nope", Extra: map[string]string{"ResourceName": "arn:x"}}
	})
	cases := []struct {
		op, body, code string
		status         int
	}{
		{"Echo", `{"A":1}`, "", 200},
		{"Echo", ``, "", 200},
		{"Echo", `{"A":"x"}`, "SerializationException", 400},
		{"Echo", `{"B":1}`, "SerializationException", 400},
		{"Echo", `{`, "SerializationException", 400},
		{"Panic", `{}`, "InternalServiceException", 500},
		{"Typed", `{}`, "ResourceNotFoundException", 400},
		{"Missing", `{}`, "UnknownOperationException", 400},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
		req.Header.Set("X-Amz-Target", "Svc."+tc.op)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", tc.op, tc.body, w.Body.String())
		}
		if w.Code != tc.status || (tc.code != "" && body["__type"] != tc.code) || w.Header().Get("x-amzn-RequestId") == "" {
			t.Errorf("%s %s: %d %v, want %d %s", tc.op, tc.body, w.Code, body, tc.status, tc.code)
		}
		if tc.op == "Typed" && body["ResourceName"] != "arn:x" {
			t.Errorf("extra member lost: %v", body)
		}
	}
}
