package autoscaling

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// Partition is the ARN partition of every ARN autoscaled makes.
const Partition = "aws"

// TargetARN is arn:aws:application-autoscaling:REGION:ACCOUNT:scalable-target/ID.
func TargetARN(s Scope, id string) string {
	return fmt.Sprintf("arn:%s:application-autoscaling:%s:%s:scalable-target/%s", Partition, s.Region, s.Account, id)
}

// PolicyARN is arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:UUID:resource/NS/RID:policyName/NAME.
func PolicyARN(s Scope, resourceUUID string, k TargetKey, name string) string {
	return fmt.Sprintf("arn:%s:autoscaling:%s:%s:scalingPolicy:%s:resource/%s/%s:policyName/%s",
		Partition, s.Region, s.Account, resourceUUID, k.Namespace, k.ResourceID, name)
}

// ScheduledActionARN is
// arn:aws:autoscaling:REGION:ACCOUNT:scheduledAction:UUID:resource/NS/RID:scheduledActionName/NAME.
func ScheduledActionARN(s Scope, resourceUUID string, k TargetKey, name string) string {
	return fmt.Sprintf("arn:%s:autoscaling:%s:%s:scheduledAction:%s:resource/%s/%s:scheduledActionName/%s",
		Partition, s.Region, s.Account, resourceUUID, k.Namespace, k.ResourceID, name)
}

// AlarmARN is arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME.
func AlarmARN(s Scope, name string) string {
	return fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", Partition, s.Region, s.Account, name)
}

// targetIDPrefix is the 4-character prefix of scalable-target ids per namespace. AWS's codes
// for ecs (0ec5), lambda (07md) and sagemaker (056m) are observed; the others are ours
// (AWS's are unconfirmed), built the same way: "0" and three characters.
var targetIDPrefix = map[string]string{
	"ecs": "0ec5", "lambda": "07md", "sagemaker": "056m", "elasticache": "0ecc",
	"elasticmapreduce": "0emr", "ec2": "0ec2", "appstream": "0aps", "dynamodb": "0ddb",
	"rds": "0rds", "custom-resource": "0cus", "comprehend": "0cmp", "cassandra": "0cas",
	"kafka": "0kfk", "neptune": "0npt", "workspaces": "0wks",
}

// NewTargetID returns a fresh 36-character scalable-target id: a namespace prefix and 32
// lowercase hex digits.
func NewTargetID(namespace string) string {
	p, ok := targetIDPrefix[namespace]
	if !ok {
		p = "0xxx"
	}
	return p + randomHex(16)
}

// NewUUID returns a random (version 4) uuid in its canonical text form.
func NewUUID() string { return uuid.NewString() }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

// targetARNPattern is the model's AmazonResourceName pattern.
var targetARNPattern = regexp.MustCompile(`^arn:.+:application-autoscaling:.+:[0-9]+:scalable-target\/[a-zA-Z0-9-]+$`)

// ParseTargetARN checks an ARN against the model's pattern and returns its id (the part
// after "scalable-target/").
func ParseTargetARN(arn string) (id string, ok bool) {
	if !targetARNPattern.MatchString(arn) {
		return "", false
	}
	i := strings.LastIndex(arn, "scalable-target/")
	return arn[i+len("scalable-target/"):], true
}

// ParseTargetARNScope returns the region and account of a well-formed scalable target ARN.
func ParseTargetARNScope(arn string) (Scope, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return Scope{}, false
	}
	return Scope{Region: parts[3], Account: parts[4]}, true
}
