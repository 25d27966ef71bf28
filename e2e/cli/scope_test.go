package cli_test

import (
	"regexp"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// TestAccountAndRegionScopes: a 12-digit access key id is the account, the region of the
// request's credential scope is the region, and each (account, region) sees only its own
// targets.
func TestAccountAndRegionScopes(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	c := newCLI(t, srv.URL)
	acct := c.as("111122223333")

	// Account 111122223333 in us-east-1.
	arn := acct.registerARN(seedLambda...)
	if !regexp.MustCompile(`^arn:aws:application-autoscaling:us-east-1:111122223333:scalable-target/[a-z0-9]{36}$`).MatchString(arn) {
		t.Errorf("ARN for access key 111122223333 = %q, want account 111122223333 in us-east-1", arn)
	}
	// Account 000000000000 (the default for a non-numeric key) in eu-west-1.
	euArn := c.registerARN(append(seedLambda, "--region", "eu-west-1")...)
	if !regexp.MustCompile(`^arn:aws:application-autoscaling:eu-west-1:000000000000:scalable-target/[a-z0-9]{36}$`).MatchString(euArn) {
		t.Errorf("ARN with --region eu-west-1 = %q, want region eu-west-1, account 000000000000", euArn)
	}

	for _, tc := range []struct {
		name    string
		key     string
		region  []string
		wantARN string // "" = sees nothing
		role    string
	}{
		{"account 111122223333 us-east-1", "111122223333", nil, arn,
			"arn:aws:iam::111122223333:role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"},
		{"account 111122223333 eu-west-1", "111122223333", []string{"--region", "eu-west-1"}, "", ""},
		{"default account us-east-1", defaultAccessKey, nil, "", ""},
		{"default account eu-west-1", defaultAccessKey, []string{"--region", "eu-west-1"}, euArn, lambdaRoleARN},
		{"account 444455556666 us-east-1", "444455556666", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newCLI(t, srv.URL).as(tc.key).describeTargets(lambdaNS, tc.region...)
			if tc.wantARN == "" {
				if len(got.ScalableTargets) != 0 {
					t.Errorf("sees targets of another scope: %+v", got.ScalableTargets)
				}
				return
			}
			if len(got.ScalableTargets) != 1 {
				t.Fatalf("sees %d targets, want 1: %+v", len(got.ScalableTargets), got.ScalableTargets)
			}
			if st := got.ScalableTargets[0]; st.ScalableTargetARN != tc.wantARN || st.RoleARN != tc.role || st.ResourceId != lambdaRID {
				t.Errorf("target %+v, want ARN %s and RoleARN %s", st, tc.wantARN, tc.role)
			}
		})
	}

	// The same triple in another scope is a different target: tagging it through the other
	// scope's ARN is not possible.
	c.fails("ResourceNotFoundException", "ListTagsForResource",
		"application-autoscaling", "list-tags-for-resource", "--resource-arn", arn)
}
