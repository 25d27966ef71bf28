package iam

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
)

// FuzzQueryDecoder feeds arbitrary form bodies to the decoder and to every operation: no
// input may panic or be answered as an internal error.
func FuzzQueryDecoder(f *testing.F) {
	for _, seed := range []string{
		"Action=GetRole&Version=2010-05-08&RoleName=AWSServiceRoleForApplicationAutoScaling_ECSService",
		"Action=ListRoles&PathPrefix=%2Faws-service-role%2F&MaxItems=1&Marker=QVdT",
		"Action=CreateServiceLinkedRole&AWSServiceName=ecs.application-autoscaling.amazonaws.com&Description=x",
		"Action=DeleteServiceLinkedRole&RoleName=AWSServiceRoleForApplicationAutoScaling_ECSService",
		"Action=GetServiceLinkedRoleDeletionStatus&DeletionTaskId=task%2Faws-service-role%2Fa%2Fb%2Fc",
		"Action=ListRoles&MaxItems=-1", "Action=GetRole&RoleName=%ff%fe", "Action", "=&=&&", "",
	} {
		f.Add("POST", []byte(seed))
	}
	svc := New(Options{Store: memstore.New(), Clock: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	_ = svc.EnsureServiceLinkedRole(context.Background(), "111111111111", "ecs")
	f.Cleanup(svc.Close)
	f.Fuzz(func(t *testing.T, method string, body []byte) {
		if method != "POST" && method != "GET" {
			method = "POST"
		}
		action, p, err := decodeRequest(method, body)
		if err == nil && action == "" {
			t.Fatal("decoded a request without an action")
		}
		_ = p
		r := httptest.NewRequest(method, "/", strings.NewReader(string(body)))
		r = r.WithContext(authn.WithCaller(r.Context(), authn.Caller{AccountID: "111111111111", Service: SigningName}))
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%d for %q: %s", w.Code, body, w.Body)
		}
	})
}
