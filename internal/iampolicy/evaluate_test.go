package iampolicy

import "testing"

const (
	aasTarget = "arn:aws:application-autoscaling:eu-west-1:111111111111:scalable-target/0ec5a3b1c2d34e5f"
	aasPolicy = "arn:aws:autoscaling:eu-west-1:111111111111:scalingPolicy:0ec5:resource/ecs/service/default/web:policyName/cpu"
)

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy string
		req    Request
		want   Decision
	}{
		{"allow all", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			Request{Action: "application-autoscaling:RegisterScalableTarget", Resource: aasTarget}, Allow},
		{"default deny", `{"Statement":{"Effect":"Allow","Action":"cloudwatch:*","Resource":"*"}}`,
			Request{Action: "application-autoscaling:RegisterScalableTarget", Resource: aasTarget}, ImplicitDeny},
		{"action case-insensitive", `{"Statement":{"Effect":"Allow","Action":"Application-AutoScaling:describe*","Resource":"*"}}`,
			Request{Action: "application-autoscaling:DescribeScalableTargets", Resource: "*"}, Allow},
		{"action ? wildcard", `{"Statement":{"Effect":"Allow","Action":"cloudwatch:?utMetricData","Resource":"*"}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*"}, Allow},
		{"action ? needs one char", `{"Statement":{"Effect":"Allow","Action":"cloudwatch:?PutMetricData","Resource":"*"}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*"}, ImplicitDeny},
		{"action infix wildcard", `{"Statement":{"Effect":"Allow","Action":"application-autoscaling:*Scal*Target*","Resource":"*"}}`,
			Request{Action: "application-autoscaling:DeregisterScalableTarget", Resource: "*"}, Allow},
		{"action prefix only", `{"Statement":{"Effect":"Allow","Action":"application-autoscaling:Describe*","Resource":"*"}}`,
			Request{Action: "application-autoscaling:PutScalingPolicy", Resource: "*"}, ImplicitDeny},
		{"action not a prefix of vendor", `{"Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`,
			Request{Action: "ec2messages:GetMessages", Resource: "*"}, ImplicitDeny},
		{"Kelvin sign does not fold", `{"Statement":{"Effect":"Allow","Action":"k:k","Resource":"*"}}`,
			Request{Action: "\u212a:k", Resource: "*"}, ImplicitDeny},
		{"resource case-sensitive", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:application-autoscaling:eu-west-1:111111111111:scalable-target/0EC5*"}}`,
			Request{Action: "application-autoscaling:DeleteScheduledAction", Resource: aasTarget}, ImplicitDeny},
		{"resource wildcard", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:application-autoscaling:*:111111111111:scalable-target/*"}}`,
			Request{Action: "application-autoscaling:DeleteScheduledAction", Resource: aasTarget}, Allow},
		{"resource other account", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:application-autoscaling:*:222222222222:*"}}`,
			Request{Action: "application-autoscaling:DeleteScheduledAction", Resource: aasTarget}, ImplicitDeny},
		{"resource ? and *", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:autoscaling:eu-west-?:*:scalingPolicy:*:policyName/cpu"}}`,
			Request{Action: "application-autoscaling:PutScalingPolicy", Resource: aasPolicy}, Allow},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"application-autoscaling:Delete*","Resource":"*"}]}`,
			Request{Action: "application-autoscaling:DeleteScalingPolicy", Resource: aasPolicy}, ExplicitDeny},
		{"deny before allow", `{"Statement":[{"Effect":"Deny","Action":"application-autoscaling:Delete*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			Request{Action: "application-autoscaling:DeleteScalingPolicy", Resource: aasPolicy}, ExplicitDeny},
		{"deny elsewhere", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"application-autoscaling:Delete*","Resource":"*"}]}`,
			Request{Action: "application-autoscaling:PutScalingPolicy", Resource: aasPolicy}, Allow},
		{"not action", `{"Statement":{"Effect":"Allow","NotAction":["iam:*","application-autoscaling:Delete*"],"Resource":"*"}}`,
			Request{Action: "application-autoscaling:PutScalingPolicy", Resource: aasPolicy}, Allow},
		{"not action excluded", `{"Statement":{"Effect":"Allow","NotAction":["iam:*","application-autoscaling:Delete*"],"Resource":"*"}}`,
			Request{Action: "iam:CreateUser", Resource: "*"}, ImplicitDeny},
		{"not resource deny", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:*:*:111111111111:*"}]}`,
			Request{Action: "cloudwatch:DeleteAlarms", Resource: "arn:aws:cloudwatch:eu-west-1:222222222222:alarm:x"}, ExplicitDeny},
		{"not resource deny own account", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:*:*:111111111111:*"}]}`,
			Request{Action: "cloudwatch:DeleteAlarms", Resource: "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:x"}, Allow},
		{"allow with unknown condition never applies", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-west-1"}, ImplicitDeny},
		{"deny with unknown condition applies", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
			Request{Action: "iam:CreateUser", Resource: "*", Region: "eu-west-1"}, ExplicitDeny},
		{"region condition holds", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-central-1"}, Allow},
		{"region condition key case-insensitive", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"AWS:requestedregion":"eu-west-1"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-west-1"}, Allow},
		{"region condition fails", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "us-east-1"}, ImplicitDeny},
		{"region unknown does not grant", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*"}, ImplicitDeny},
		{"region like", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-north-1"}, Allow},
		{"region equals is literal", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-*"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-north-1"}, ImplicitDeny},
		{"region ignore case", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:RequestedRegion":"EU-WEST-1"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-west-1"}, Allow},
		{"deny outside regions", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "us-east-1"}, ExplicitDeny},
		{"deny outside regions, inside", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-west-1"}, Allow},
		{"deny outside regions, region unknown", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:RequestedRegion":["eu-*"]}}}]}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*"}, ExplicitDeny},
		{"conditions are ANDed", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"},"StringNotEquals":{"aws:RequestedRegion":"eu-west-2"}}}}`,
			Request{Action: "cloudwatch:PutMetricData", Resource: "*", Region: "eu-west-2"}, ImplicitDeny},
		{"empty action never matches", `{"Statement":{"Effect":"Allow","Action":"a:*","Resource":"*"}}`,
			Request{Action: "", Resource: "*"}, ImplicitDeny},
	}
	for _, tc := range tests {
		p := mustParse(t, tc.policy)
		if got := p.Evaluate(tc.req); got != tc.want {
			t.Errorf("%s: Evaluate(%+v) = %v, want %v", tc.name, tc.req, got, tc.want)
		}
		if tc.req.Region == "" {
			if got := p.Allowed(tc.req.Action, tc.req.Resource); got != tc.want {
				t.Errorf("%s: Allowed = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestNilPolicyDenies(t *testing.T) {
	t.Parallel()
	var p *Policy
	if d := p.Allowed("a:b", "*"); d != ImplicitDeny {
		t.Fatalf("nil policy: %v", d)
	}
	var zero Decision
	if zero != ImplicitDeny || zero.String() != "ImplicitDeny" || Allow.String() != "Allow" || ExplicitDeny.String() != "ExplicitDeny" {
		t.Fatal("Decision zero value or names")
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"a*", "a", true}, {"*a", "ba", true}, {"*a", "ab", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{"**", "x", true}, {"*?*", "", false}, {"*?*", "x", true}, {"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tc := range tests {
		if got := glob(tc.pat, tc.s, false); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
		if got := compile(tc.pat, false).match(tc.s); got != tc.want {
			t.Errorf("compile(%q).match(%q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
}
