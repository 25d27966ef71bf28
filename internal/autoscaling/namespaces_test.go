package autoscaling

import (
	"strings"
	"testing"
)

func TestCheckTargetKey(t *testing.T) {
	t.Parallel()
	ok := []TargetKey{
		{"lambda", "function:my-function:BLUE", "lambda:function:ProvisionedConcurrency"},
		{"lambda", "function:my-function:1", "lambda:function:ProvisionedConcurrency"},
		{"elasticache", "replication-group/mycluster", "elasticache:replication-group:NodeGroups"},
		{"elasticache", "replication-group/mycluster", "elasticache:replication-group:Replicas"},
		{"elasticache", "cache-cluster/mc-1", "elasticache:cache-cluster:Nodes"},
		{"ecs", "service/default/web-app", "ecs:service:DesiredCount"},
		{"ec2", "spot-fleet-request/sfr-73fbd2ce-aa30-494c-8788-1cee4EXAMPLE", "ec2:spot-fleet-request:TargetCapacity"},
		{"elasticmapreduce", "instancegroup/j-2EEZNYKUA1NTV/ig-1791Y4E1L8YI0", "elasticmapreduce:instancegroup:InstanceCount"},
		{"appstream", "fleet/sample-fleet", "appstream:fleet:DesiredCapacity"},
		{"dynamodb", "table/my-table", "dynamodb:table:ReadCapacityUnits"},
		{"dynamodb", "table/my-table/index/my-index", "dynamodb:index:WriteCapacityUnits"},
		{"rds", "cluster:my-db-cluster", "rds:cluster:ReadReplicaCount"},
		{"sagemaker", "endpoint/my-end-point/variant/my-variant", "sagemaker:variant:DesiredInstanceCount"},
		{"sagemaker", "endpoint/my-end-point/variant/my-variant", "sagemaker:variant:DesiredProvisionedConcurrency"},
		{"sagemaker", "inference-component/my-inference-component", "sagemaker:inference-component:DesiredCopyCount"},
		{"custom-resource", "https://test-endpoint.execute-api.us-west-2.amazonaws.com/prod/scalableTargetDimensions/1-23456789", "custom-resource:ResourceType:Property"},
		{"comprehend", "arn:aws:comprehend:us-west-2:123456789012:document-classifier-endpoint/EXAMPLE", "comprehend:document-classifier-endpoint:DesiredInferenceUnits"},
		{"comprehend", "arn:aws:comprehend:us-west-2:123456789012:entity-recognizer-endpoint/EXAMPLE", "comprehend:entity-recognizer-endpoint:DesiredInferenceUnits"},
		{"cassandra", "keyspace/mykeyspace/table/mytable", "cassandra:table:ReadCapacityUnits"},
		{"kafka", "arn:aws:kafka:us-east-1:123456789012:cluster/demo-cluster-1/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5", "kafka:broker-storage:VolumeSize"},
		{"neptune", "cluster:mycluster", "neptune:cluster:ReadReplicaCount"},
		{"workspaces", "workspacespool/wspool-123456", "workspaces:workspacespool:DesiredUserSessions"},
	}
	for _, k := range ok {
		if err := CheckTargetKey(k); err != nil {
			t.Errorf("%v: %v", k, err)
		}
	}
	bad := []TargetKey{
		{"lambda", "function:my-function:$LATEST", "lambda:function:ProvisionedConcurrency"},
		{"lambda", "function:my-function", "lambda:function:ProvisionedConcurrency"},
		{"lambda", "my-function:BLUE", "lambda:function:ProvisionedConcurrency"},
		{"ecs", "function:f:BLUE", "lambda:function:ProvisionedConcurrency"},
		{"elasticache", "replication-group/1starts-with-digit", "elasticache:replication-group:NodeGroups"},
		{"elasticache", "cache-cluster/mc", "elasticache:replication-group:NodeGroups"},
		{"dynamodb", "dynamo/my-table", "dynamodb:table:ReadCapacityUnits"},
		{"dynamodb", "table/my-table", "dynamodb:index:ReadCapacityUnits"},
		{"ecs", "service/only-cluster", "ecs:service:DesiredCount"},
		{"custom-resource", "has space", "custom-resource:ResourceType:Property"},
		{"lambda", "function:f:a", "nope:nope:nope"},
	}
	for _, k := range bad {
		err := CheckTargetKey(k)
		if e, ok := AsError(err); !ok || e.Code != CodeValidation || e.Message != MsgUnsupported {
			t.Errorf("%v: got %v, want %s", k, err, MsgUnsupported)
		}
	}
}

func TestEveryDimensionAndNamespaceIsDescribed(t *testing.T) {
	t.Parallel()
	if len(Namespaces) != 15 || len(Dimensions) != 24 {
		t.Fatalf("%d namespaces, %d dimensions; the model has 15 and 24", len(Namespaces), len(Dimensions))
	}
	for _, ns := range Namespaces {
		if _, ok := Namespace(ns); !ok {
			t.Errorf("namespace %s has no NamespaceInfo", ns)
		}
		if got := ServiceLinkedRoleARN("123456789012", ns); ns != "elasticmapreduce" && !strings.HasPrefix(got, "arn:aws:iam::123456789012:role/aws-service-role/"+ns+".application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_") {
			t.Errorf("SLR of %s = %q", ns, got)
		}
	}
	for _, d := range Dimensions {
		info, ok := Dimension(d)
		if !ok {
			t.Errorf("dimension %s has no DimensionInfo", d)
			continue
		}
		if !strings.HasPrefix(d, info.Namespace+":") {
			t.Errorf("dimension %s claims namespace %s", d, info.Namespace)
		}
		for _, mt := range info.MetricTypes {
			found := false
			for _, m := range MetricTypes {
				found = found || m == mt
			}
			if !found {
				t.Errorf("dimension %s lists unknown metric type %s", d, mt)
			}
		}
	}
	if got := ServiceLinkedRoleARN("000000000000", "elasticache"); got != "arn:aws:iam::000000000000:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG" {
		t.Errorf("elasticache SLR = %s", got)
	}
}

func TestValidatorMessages(t *testing.T) {
	t.Parallel()
	foo, long := "foo", strings.Repeat("x", 1601)
	var v Validator
	if v.Err() != nil {
		t.Fatal("empty validator reports an error")
	}
	v.RequiredEnum("serviceNamespace", &foo, []string{"a", "b"})
	if got, want := v.Err().Error(), "ValidationException: 1 validation error detected: Value 'foo' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [a, b]"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	v.RequiredString("resourceId", &long, 1, 1600)
	v.Required("scalableDimension", false)
	got := v.Err().Error()
	for _, want := range []string{"3 validation errors detected: ", "; Value '" + long + "' at 'resourceId' failed to satisfy constraint: Member must have length less than or equal to 1600",
		"; Value null at 'scalableDimension' failed to satisfy constraint: Member must not be null"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

func TestNamePatterns(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"my-policy": true, "with space": true, "tab\there": false, "ünïcode": false, "": false} {
		if PrintableASCII(s) != want {
			t.Errorf("PrintableASCII(%q) != %v", s, want)
		}
	}
	for s, want := range map[string]bool{"scale-out at 9": true, " lead": false, "trail ": false, "a:b": false, "a/b": false, "a|b": false, "ctl\x01": false, "c1\u0085": false, "ok": true} {
		if ValidScheduledActionName(s) != want {
			t.Errorf("ValidScheduledActionName(%q) != %v", s, want)
		}
	}
}

func FuzzCheckTargetKey(f *testing.F) {
	f.Add("lambda", "function:my-function:BLUE", "lambda:function:ProvisionedConcurrency")
	f.Add("elasticache", "replication-group/mycluster", "elasticache:replication-group:NodeGroups")
	f.Add("ecs", "service/a/b", "ecs:service:DesiredCount")
	f.Fuzz(func(t *testing.T, ns, rid, dim string) {
		err := CheckTargetKey(TargetKey{ns, rid, dim})
		if err == nil {
			d, _ := Dimension(dim)
			if d.Namespace != ns || strings.Contains(rid, "$") {
				t.Fatalf("accepted %q %q %q", ns, rid, dim)
			}
		}
	})
}
