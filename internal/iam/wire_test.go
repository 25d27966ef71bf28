package iam

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// post calls the service directly as account1 (what the middleware would have verified).
func post(t *testing.T, s *Service, method, body string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(method, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = r.WithContext(authn.WithCaller(r.Context(), authn.Caller{AccountID: account1, Region: "us-east-1", Service: SigningName}))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestWireErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct {
		name, method, body string
		status             int
		code, message      string
	}{
		{"unknown action", "POST", "Action=CreateUser&Version=2010-05-08", 400, "InvalidAction", "Could not find operation CreateUser for version 2010-05-08"},
		{"other version", "POST", "Action=GetRole&Version=2099-01-01&RoleName=x", 400, "InvalidAction", "Could not find operation GetRole for version 2099-01-01"},
		{"no action", "POST", "Version=2010-05-08", 400, "MissingAction", "The request must contain the parameter Action."},
		{"missing role name", "POST", "Action=GetRole&Version=2010-05-08", 400, "ValidationError",
			"1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"},
		{"bad role name", "POST", "Action=GetRole&RoleName=a%2Fb", 400, "ValidationError",
			`1 validation error detected: Value 'a/b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`},
		{"long role name", "POST", "Action=GetRole&RoleName=" + strings.Repeat("a", 65), 400, "ValidationError",
			"1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"no such role", "POST", "Action=GetRole&RoleName=x", 404, "NoSuchEntity", "The role with name x cannot be found."},
		{"malformed form", "POST", "Action=GetRole&RoleName=%zz", 400, "MalformedQueryString", "The request body is not a valid form encoding."},
		{"GET", "GET", "", 405, "UnsupportedHttpVerb", "The HTTP verb GET is not supported here; use POST."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, h.svc, tc.method, tc.body)
			var e struct {
				XMLName xml.Name
				Error   struct{ Type, Code, Message string }
				ReqID   string `xml:"RequestId"`
			}
			if err := xml.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if status != tc.status || e.XMLName.Space != XMLNamespace || e.Error.Code != tc.code || e.Error.Message != tc.message || e.ReqID == "" {
				t.Errorf("%d %s", status, body)
			}
		})
	}
}

func TestGetRoleXML(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if err := h.svc.EnsureServiceLinkedRole(context.Background(), account1, "kafka"); err != nil {
		t.Fatal(err)
	}
	status, body := post(t, h.svc, "POST", "Action=GetRole&Version=2010-05-08&RoleName=AWSServiceRoleForApplicationAutoScaling_KafkaCluster")
	for _, want := range []string{
		`<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/aws-service-role/kafka.application-autoscaling.amazonaws.com/</Path>`,
		`<AssumeRolePolicyDocument>%7B%22Statement%22%3A%5B%7B%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22kafka.application-autoscaling.amazonaws.com%22%7D%7D%5D%2C%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>`,
		`<MaxSessionDuration>3600</MaxSessionDuration>`, `<RoleLastUsed></RoleLastUsed>`,
		`<Arn>arn:aws:iam::111111111111:role/aws-service-role/kafka.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_KafkaCluster</Arn>`,
		`<CreateDate>2026-03-04T05:06:07Z</CreateDate>`, `</GetRoleResult><ResponseMetadata><RequestId>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("%d: body lacks %s:\n%s", status, want, body)
		}
	}
}

// TestDeletionResumesAfterRestart leaves a task unfinished in the store, as a process that
// stopped would, and checks that a new service finishes it when asked for its status.
func TestDeletionResumesAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "neptune"); err != nil {
		t.Fatal(err)
	}
	l, _ := linkedFor("neptune")
	task := &deletionTask{UUID: "0b9e2c1e-4d4f-4a51-9f8e-2a1b3c4d5e6f", Account: account1, RoleName: l.RoleName, Namespace: "neptune",
		Principal: l.Principal, Status: StatusInProgress, CreateDate: time.Now()}
	if err := h.store.Update(ctx, func(tx store.Tx) error { return putTask(tx, task) }); err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, h.client(account1), task.ID()); st.Status != types.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("status %s", st.Status)
	}
	if _, err := h.client(account1).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(l.RoleName)}); err == nil {
		t.Fatal("role not deleted")
	}
}

func TestOwns(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	form := func(auth string) *http.Request {
		r := httptest.NewRequest("POST", "/", io.NopCloser(bytes.NewReader(nil)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if auth != "" {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/"+auth+"/aws4_request, SignedHeaders=host, Signature=0")
		}
		return r
	}
	if !s.Owns(form("iam")) || s.Owns(form("elasticache")) || s.Owns(form("")) {
		t.Error("Owns by credential scope")
	}
	r := form("")
	if !s.Owns(r.WithContext(authn.WithCaller(r.Context(), authn.Caller{Service: "iam"}))) {
		t.Error("Owns by caller")
	}
	if s.Owns(form("iam").WithContext(authn.WithCaller(context.Background(), authn.Caller{Service: "monitoring"}))) {
		t.Error("the caller's classification wins")
	}
}
