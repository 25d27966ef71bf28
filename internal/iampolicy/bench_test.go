package iampolicy

import "testing"

// tenStatements is a realistic 10-statement policy; the evaluated request matches only
// the eighth statement, and a Deny (the last) is checked too.
const tenStatements = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "S1", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData", "cloudwatch:GetMetricData"], "Resource": "*"},
    {"Sid": "S2", "Effect": "Allow", "Action": "cloudwatch:Describe*", "Resource": "arn:aws:cloudwatch:*:111111111111:alarm:*"},
    {"Sid": "S3", "Effect": "Allow", "Action": ["elasticache:Describe*", "elasticache:ModifyReplicationGroup*"], "Resource": "arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:*"},
    {"Sid": "S4", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:eu-west-1:111111111111:function:scaler-*"},
    {"Sid": "S5", "Effect": "Allow", "Action": "iam:Get*", "Resource": "arn:aws:iam::111111111111:role/*"},
    {"Sid": "S6", "Effect": "Allow", "Action": "application-autoscaling:Describe*", "Resource": "*"},
    {"Sid": "S7", "Effect": "Allow", "Action": "application-autoscaling:*ScheduledAction", "Resource": "arn:aws:application-autoscaling:eu-west-1:111111111111:scalable-target/*"},
    {"Sid": "S8", "Effect": "Allow", "Action": ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:PutScalingPolicy"], "Resource": "arn:aws:application-autoscaling:eu-west-?:111111111111:scalable-target/*"},
    {"Sid": "S9", "Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::logs-bucket/*"},
    {"Sid": "S10", "Effect": "Deny", "Action": "application-autoscaling:Deregister*", "Resource": "*"}
  ]
}`

func BenchmarkAllowed(b *testing.B) {
	p := mustParse(b, tenStatements)
	const action = "application-autoscaling:PutScalingPolicy"
	if d := p.Allowed(action, aasTarget); d != Allow {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Allowed(action, aasTarget)
	}
}

func BenchmarkAllowedImplicitDeny(b *testing.B) {
	p := mustParse(b, tenStatements)
	b.ReportAllocs()
	for b.Loop() {
		p.Allowed("application-autoscaling:DeleteScalingPolicy", aasPolicy)
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse([]byte(tenStatements)); err != nil {
			b.Fatal(err)
		}
	}
}
