package policy

import (
	"fmt"
	"strings"
)

// What an activity sets, by scalable dimension, in AWS's words where they are known (User
// Guide, "Scaling activities"; Lambda from a real activity). The ElastiCache wordings are ours.
var capacityNames = map[string]string{
	"lambda:function:ProvisionedConcurrency":   "desired concurrency",
	"ecs:service:DesiredCount":                 "desired count",
	"dynamodb:table:ReadCapacityUnits":         "read capacity units",
	"dynamodb:table:WriteCapacityUnits":        "write capacity units",
	"dynamodb:index:ReadCapacityUnits":         "read capacity units",
	"dynamodb:index:WriteCapacityUnits":        "write capacity units",
	"cassandra:table:ReadCapacityUnits":        "read capacity units",
	"cassandra:table:WriteCapacityUnits":       "write capacity units",
	"elasticache:replication-group:NodeGroups": "node group count",
	"elasticache:replication-group:Replicas":   "replica count",
	"elasticache:cache-cluster:Nodes":          "node count",
}

// CapacityName returns what a dimension's capacity is called in activity texts ("desired
// concurrency", "desired count", "write capacity units", ...; "desired capacity" for the
// dimensions AWS's wording is not known for).
func CapacityName(namespace, dimension string) string {
	if n, ok := capacityNames[dimension]; ok {
		return n
	}
	return "desired capacity"
}

// Description is the Description of an activity that sets capacity to n, e.g. "Setting desired
// concurrency to 5." for Lambda or "Setting write capacity units to 10." for DynamoDB.
func Description(namespace, dimension string, n int32) string {
	return fmt.Sprintf("Setting %s to %d.", CapacityName(namespace, dimension), n)
}

// Fulfilled is the StatusMessage of a successful activity that set capacity to n, e.g.
// "Successfully set desired concurrency to 5. Change successfully fulfilled by lambda."
func Fulfilled(namespace, dimension string, n int32) string {
	return fmt.Sprintf("Successfully set %s to %d. Change successfully fulfilled by %s.", CapacityName(namespace, dimension), n, namespace)
}

// NotScaledDescription is the Description of a not scaled activity triggered by an alarm.
const NotScaledDescription = "Attempting to scale due to alarm triggered"

// AlarmCause is the Cause of an activity triggered by a policy's alarm: "monitor alarm <alarm>
// in state ALARM triggered policy <policy>".
func AlarmCause(alarm, policy string) string {
	return fmt.Sprintf("monitor alarm %s in state ALARM triggered policy %s", alarm, policy)
}

// ScheduledCause is the Cause of an activity started by a scheduled action: "scheduled action
// name <name> was triggered".
func ScheduledCause(name string) string {
	return fmt.Sprintf("scheduled action name %s was triggered", name)
}

// RangeCause is the Cause of a capacity change forced by a new range: "minimum capacity was set
// to N" when the capacity moved up to a new minimum, "maximum capacity was set to N" when it
// moved down to a new maximum.
func RangeCause(min, max, from, to int32) string {
	if to > from {
		return fmt.Sprintf("minimum capacity was set to %d", min)
	}
	return fmt.Sprintf("maximum capacity was set to %d", max)
}

// RangeDescription is the Description of a scheduled action's range change, "Setting min
// capacity to 5 and max capacity to 10", for the bounds it sets (nil: not set).
func RangeDescription(min, max *int32) string {
	return "Setting " + rangeText(min, max)
}

// RangeFulfilled is the StatusMessage of a successful range change, "Successfully set min
// capacity to 5 and max capacity to 10".
func RangeFulfilled(min, max *int32) string {
	return "Successfully set " + rangeText(min, max)
}

func rangeText(min, max *int32) string {
	var parts []string
	if min != nil {
		parts = append(parts, fmt.Sprintf("min capacity to %d", *min))
	}
	if max != nil {
		parts = append(parts, fmt.Sprintf("max capacity to %d", *max))
	}
	return strings.Join(parts, " and ")
}
