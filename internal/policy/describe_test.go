package policy

import "testing"

func TestDescription(t *testing.T) {
	t.Parallel()
	cases := []struct {
		namespace, dimension string
		n                    int32
		description, done    string
	}{
		{"lambda", "lambda:function:ProvisionedConcurrency", 5,
			"Setting desired concurrency to 5.", "Successfully set desired concurrency to 5. Change successfully fulfilled by lambda."},
		{"ecs", "ecs:service:DesiredCount", 1,
			"Setting desired count to 1.", "Successfully set desired count to 1. Change successfully fulfilled by ecs."},
		{"dynamodb", "dynamodb:table:WriteCapacityUnits", 10,
			"Setting write capacity units to 10.", "Successfully set write capacity units to 10. Change successfully fulfilled by dynamodb."},
		{"dynamodb", "dynamodb:index:ReadCapacityUnits", 15,
			"Setting read capacity units to 15.", "Successfully set read capacity units to 15. Change successfully fulfilled by dynamodb."},
		{"elasticache", "elasticache:replication-group:NodeGroups", 65,
			"Setting node group count to 65.", "Successfully set node group count to 65. Change successfully fulfilled by elasticache."},
		{"elasticache", "elasticache:replication-group:Replicas", 2,
			"Setting replica count to 2.", "Successfully set replica count to 2. Change successfully fulfilled by elasticache."},
		{"custom-resource", "custom-resource:ResourceType:Property", 3,
			"Setting desired capacity to 3.", "Successfully set desired capacity to 3. Change successfully fulfilled by custom-resource."},
	}
	for _, c := range cases {
		if got := Description(c.namespace, c.dimension, c.n); got != c.description {
			t.Errorf("Description(%s) = %q, want %q", c.dimension, got, c.description)
		}
		if got := Fulfilled(c.namespace, c.dimension, c.n); got != c.done {
			t.Errorf("Fulfilled(%s) = %q, want %q", c.dimension, got, c.done)
		}
	}
}

func TestActivityTexts(t *testing.T) {
	t.Parallel()
	cases := []struct{ got, want string }{
		{AlarmCause("web-app-cpu-lt-25", "web-app-cpu-lt-25"), "monitor alarm web-app-cpu-lt-25 in state ALARM triggered policy web-app-cpu-lt-25"},
		{ScheduledCause("my-second-scheduled-action"), "scheduled action name my-second-scheduled-action was triggered"},
		{RangeCause(15, 20, 10, 15), "minimum capacity was set to 15"},
		{RangeCause(1, 10, 12, 10), "maximum capacity was set to 10"},
		{RangeDescription(i32(5), i32(10)), "Setting min capacity to 5 and max capacity to 10"},
		{RangeFulfilled(i32(5), i32(10)), "Successfully set min capacity to 5 and max capacity to 10"},
		{RangeDescription(nil, i32(10)), "Setting max capacity to 10"},
		{RangeDescription(i32(0), nil), "Setting min capacity to 0"},
		{NotScaledDescription, "Attempting to scale due to alarm triggered"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
