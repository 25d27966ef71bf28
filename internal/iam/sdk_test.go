package iam

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

func apiCode(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestEnsuredRoleAsGetRoleShowsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	cl := h.client(account1)
	const name = "AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"

	_, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorMessage() != "The role with name "+name+" cannot be found." {
		t.Fatalf("before: %v", err)
	}
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "lambda"); err != nil {
		t.Fatal(err)
	}
	out, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	wantARN := autoscaling.ServiceLinkedRoleARN(account1, "lambda")
	if aws.ToString(r.Arn) != wantARN || aws.ToString(r.RoleName) != name ||
		aws.ToString(r.Path) != "/aws-service-role/lambda.application-autoscaling.amazonaws.com/" ||
		aws.ToInt32(r.MaxSessionDuration) != 3600 || !r.CreateDate.Equal(h.clock.now()) || r.RoleLastUsed == nil ||
		!strings.Contains(aws.ToString(r.Description), "lambda") {
		t.Fatalf("role = %+v", r)
	}
	if !regexp.MustCompile(`^AROA[A-Z0-9]{17}$`).MatchString(aws.ToString(r.RoleId)) {
		t.Errorf("RoleId = %s", aws.ToString(r.RoleId))
	}
	doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Version   string
		Statement []struct {
			Effect    string
			Principal struct{ Service string }
			Action    string
		}
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	if policy.Version != "2012-10-17" || len(policy.Statement) != 1 || policy.Statement[0].Effect != "Allow" ||
		policy.Statement[0].Principal.Service != "lambda.application-autoscaling.amazonaws.com" || policy.Statement[0].Action != "sts:AssumeRole" {
		t.Errorf("trust policy %s", doc)
	}
	// Idempotent: the same role.
	h.clock.advance(2 * time.Minute)
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "lambda"); err != nil {
		t.Fatal(err)
	}
	again, _ := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if aws.ToString(again.Role.RoleId) != aws.ToString(r.RoleId) || !again.Role.CreateDate.Equal(*r.CreateDate) {
		t.Errorf("second ensure changed the role: %+v", again.Role)
	}
	// Another account has no such role.
	_, err = h.client(account2).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if code, _ := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("other account: %s", code)
	}
}

func TestEnsureIsCheapWhenTheRoleExists(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "ecs"); err != nil {
		t.Fatal(err)
	}
	base := h.store.readCount()
	for range 100 {
		if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "ecs"); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.store.readCount() - base; n != 0 {
		t.Errorf("%d reads for cached ensures", n)
	}
	h.clock.advance(cacheTTL + time.Second)
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "ecs"); err != nil {
		t.Fatal(err)
	}
	if n := h.store.readCount() - base; n != 1 {
		t.Errorf("%d reads after the cache expired, want 1", n)
	}
	// A fresh service (another node) reads once.
	other := New(Options{Store: h.store, Clock: h.clock.now})
	before := h.store.readCount()
	if err := other.EnsureServiceLinkedRole(ctx, account1, "ecs"); err != nil {
		t.Fatal(err)
	}
	if n := h.store.readCount() - before; n != 1 {
		t.Errorf("%d reads on another node, want 1", n)
	}
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "elasticmapreduce"); err != nil {
		t.Errorf("namespace without a role: %v", err)
	}
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "nope"); err == nil {
		t.Error("unknown namespace accepted")
	}
}

func TestListRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	namespaces := []string{"lambda", "elasticache", "ecs", "dynamodb", "rds"}
	for _, ns := range namespaces {
		if err := h.svc.EnsureServiceLinkedRole(ctx, account1, ns); err != nil {
			t.Fatal(err)
		}
	}
	_ = h.svc.EnsureServiceLinkedRole(ctx, account2, "kafka")
	cl := h.client(account1)
	var names []string
	pages := 0
	p := iam.NewListRolesPaginator(cl, &iam.ListRolesInput{PathPrefix: aws.String("/aws-service-role/"), MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Roles) > 2 || out.IsTruncated != (out.Marker != nil) {
			t.Fatalf("page %d: %d roles, truncated %v, marker %v", pages, len(out.Roles), out.IsTruncated, out.Marker)
		}
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
			if r.RoleLastUsed != nil {
				t.Error("ListRoles returned RoleLastUsed")
			}
		}
	}
	var want []string
	for _, ns := range namespaces {
		l, _ := linkedFor(ns)
		want = append(want, l.RoleName)
	}
	slices.Sort(want)
	if !slices.Equal(names, want) || pages != 3 {
		t.Fatalf("roles %v in %d pages, want %v", names, pages, want)
	}
	for prefix, n := range map[string]int{"/": 5, "/aws-service-role/ecs.application-autoscaling.amazonaws.com/": 1, "/other/": 0} {
		out, err := cl.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Roles) != n || out.IsTruncated {
			t.Errorf("prefix %s: %d roles", prefix, len(out.Roles))
		}
	}
	for _, in := range []*iam.ListRolesInput{{MaxItems: aws.Int32(0)}, {MaxItems: aws.Int32(1001)}, {PathPrefix: aws.String("x")}} {
		_, err := cl.ListRoles(ctx, in)
		if code, msg := apiCode(t, err); code != "ValidationError" || !strings.HasPrefix(msg, "1 validation error detected: ") {
			t.Errorf("%+v: %s %s", in, code, msg)
		}
	}
	if _, err := cl.ListRoles(ctx, &iam.ListRolesInput{Marker: aws.String("!!")}); err == nil {
		t.Error("bad marker accepted")
	}
}

func TestDeleteServiceLinkedRole(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	cl := h.client(account1)
	const name = "AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG"
	_, err := cl.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(name)})
	if code, msg := apiCode(t, err); code != "NoSuchEntity" || msg != "The role with name "+name+" cannot be found." {
		t.Fatalf("missing role: %s %s", code, msg)
	}
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "elasticache"); err != nil {
		t.Fatal(err)
	}
	before, _ := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	used := []ResourceUsage{{Region: "eu-west-1", Resources: []string{"arn:aws:application-autoscaling:eu-west-1:111111111111:scalable-target/0e5c1", "arn:aws:application-autoscaling:eu-west-1:111111111111:scalable-target/0e5c2"}},
		{Region: "us-east-1", Resources: nil}}
	h.usage.set(account1, "elasticache", used)

	out, err := cl.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.DeletionTaskId)
	if !regexp.MustCompile(`^task/aws-service-role/elasticache\.application-autoscaling\.amazonaws\.com/` + name + `/[0-9a-f-]{36}$`).MatchString(id) {
		t.Fatalf("DeletionTaskId %s", id)
	}
	st := waitDone(t, cl, id)
	if st.Status != types.DeletionTaskStatusTypeFailed || st.Reason == nil || !strings.Contains(aws.ToString(st.Reason.Reason), "still use it") {
		t.Fatalf("status %s, reason %+v", st.Status, st.Reason)
	}
	if len(st.Reason.RoleUsageList) != 1 || aws.ToString(st.Reason.RoleUsageList[0].Region) != "eu-west-1" || !slices.Equal(st.Reason.RoleUsageList[0].Resources, used[0].Resources) {
		t.Fatalf("usage %+v", st.Reason.RoleUsageList)
	}
	if _, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); err != nil {
		t.Fatalf("a failed deletion removed the role: %v", err)
	}
	// Another account cannot see the task.
	_, err = h.client(account2).GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(id)})
	if code, _ := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("other account's task: %s", code)
	}

	h.usage.set(account1, "elasticache", nil)
	out, err = cl.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, cl, aws.ToString(out.DeletionTaskId)); st.Status != types.DeletionTaskStatusTypeSucceeded || st.Reason != nil {
		t.Fatalf("status %s %+v", st.Status, st.Reason)
	}
	if _, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); err == nil {
		t.Fatal("role still there")
	}
	// The next registration creates it again (the cache forgot it), with a new id.
	h.clock.advance(time.Second)
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "elasticache"); err != nil {
		t.Fatal(err)
	}
	after, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil || aws.ToString(after.Role.RoleId) == aws.ToString(before.Role.RoleId) {
		t.Fatalf("recreated role %+v, %v", after, err)
	}
}

func TestDeletionStatusErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cl := h.client(account1)
	for id, want := range map[string]string{
		"nonsense": "InvalidInput",
		"task/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService/00000000-0000-0000-0000-000000000000": "NoSuchEntity",
	} {
		_, err := cl.GetServiceLinkedRoleDeletionStatus(context.Background(), &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(id)})
		if code, _ := apiCode(t, err); code != want {
			t.Errorf("%s: %s, want %s", id, code, want)
		}
	}
}

func TestDeletionResumesAfterAnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	cl := h.client(account1)
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "dynamodb"); err != nil {
		t.Fatal(err)
	}
	h.usage.fail(errBoom)
	out, err := cl.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForApplicationAutoScaling_DynamoDBTable")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.DeletionTaskId)
	// The task cannot finish while InUse fails.
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		st, err := cl.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != types.DeletionTaskStatusTypeNotStarted && st.Status != types.DeletionTaskStatusTypeInProgress {
			t.Fatalf("status %s while InUse fails", st.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.usage.fail(nil)
	if st := waitDone(t, cl, id); st.Status != types.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("status %s", st.Status)
	}
}

func TestCreateServiceLinkedRole(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	cl := h.client(account1)
	out, err := cl.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("dynamodb.application-autoscaling.amazonaws.com"), Description: aws.String("mine")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Role.Arn) != autoscaling.ServiceLinkedRoleARN(account1, "dynamodb") || aws.ToString(out.Role.Description) != "mine" {
		t.Fatalf("role %+v", out.Role)
	}
	// Registration finds it: no second role, the same id.
	if err := h.svc.EnsureServiceLinkedRole(ctx, account1, "dynamodb"); err != nil {
		t.Fatal(err)
	}
	got, _ := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: out.Role.RoleName})
	if aws.ToString(got.Role.RoleId) != aws.ToString(out.Role.RoleId) {
		t.Error("ensure replaced the created role")
	}
	for _, in := range []*iam.CreateServiceLinkedRoleInput{
		{AWSServiceName: aws.String("dynamodb.application-autoscaling.amazonaws.com")},
		{AWSServiceName: aws.String("elasticmapreduce.application-autoscaling.amazonaws.com")},
		{AWSServiceName: aws.String("ecs.amazonaws.com")},
		{AWSServiceName: aws.String("ecs.application-autoscaling.amazonaws.com"), CustomSuffix: aws.String("x")},
	} {
		_, err := cl.CreateServiceLinkedRole(ctx, in)
		var ii *types.InvalidInputException
		if !errors.As(err, &ii) {
			t.Errorf("%s: %v", aws.ToString(in.AWSServiceName), err)
		}
	}
	_, err = cl.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("dynamodb.application-autoscaling.amazonaws.com")})
	if _, msg := apiCode(t, err); msg != "Service role name AWSServiceRoleForApplicationAutoScaling_DynamoDBTable has been taken in this account, please try a different suffix." {
		t.Errorf("taken: %s", msg)
	}
}
