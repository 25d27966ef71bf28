package iam

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"
)

// awsCLI runs the aws CLI against the harness as account1 and decodes its JSON output.
func awsCLI(t *testing.T, h *harness, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append(args, "--endpoint-url", h.url, "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+account1, "AWS_SECRET_ACCESS_KEY=any-secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	b, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, b)
	}
}

// TestAWSCLI reads a service-linked role with the aws CLI (botocore decodes the
// URL-encoded trust policy into a document), lists it, and deletes it.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the aws CLI is required in CI: pip install awscli")
		}
		t.Skip("no aws CLI")
	}
	t.Parallel()
	h := newHarness(t)
	if err := h.svc.EnsureServiceLinkedRole(context.Background(), account1, "lambda"); err != nil {
		t.Fatal(err)
	}
	const name = "AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"
	var got struct {
		Role struct {
			RoleName, Arn, Path, RoleId string
			AssumeRolePolicyDocument    struct {
				Statement []struct {
					Principal struct{ Service string }
					Action    string
				}
			}
		}
	}
	awsCLI(t, h, &got, "iam", "get-role", "--role-name", name)
	if got.Role.RoleName != name || got.Role.Path != "/aws-service-role/lambda.application-autoscaling.amazonaws.com/" ||
		len(got.Role.AssumeRolePolicyDocument.Statement) != 1 ||
		got.Role.AssumeRolePolicyDocument.Statement[0].Principal.Service != "lambda.application-autoscaling.amazonaws.com" {
		t.Fatalf("get-role: %+v", got)
	}
	var list struct{ Roles []struct{ RoleName string } }
	awsCLI(t, h, &list, "iam", "list-roles", "--path-prefix", "/aws-service-role/")
	if len(list.Roles) != 1 || list.Roles[0].RoleName != name {
		t.Fatalf("list-roles: %+v", list)
	}
	var del struct{ DeletionTaskId string }
	awsCLI(t, h, &del, "iam", "delete-service-linked-role", "--role-name", name)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st struct{ Status string }
		awsCLI(t, h, &st, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", del.DeletionTaskId)
		if st.Status == StatusSucceeded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deletion status %s", st.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
