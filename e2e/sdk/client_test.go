// Package sdk_test drives the real server with the real aws-sdk-go-v2 Application Auto
// Scaling client: every operation's success and error paths.
package sdk_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/smithy-go"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// newClient returns a client for the server as the given access key and region.
func newClient(url, accessKey, region string) *aas.Client {
	return aas.New(aas.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
		// The default retryer stays on: it retries net.ErrClosed, which the Go SDK can hit
		// reading a response on a connection its transport closed as idle
		// (aws/aws-sdk-go-v2#2737), as every SDK user's client does.
	})
}

func start(t *testing.T) (*testserver.Server, *aas.Client) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	return srv, newClient(srv.URL, "AKIAEXAMPLE", "us-east-1")
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// wantAPIError asserts err is an AWS error with the code and, if msg is not "", that its
// message matches the regexp msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if msg != "" && !regexp.MustCompile(msg).MatchString(ae.ErrorMessage()) {
		t.Fatalf("message %q does not match %q", ae.ErrorMessage(), msg)
	}
}

var (
	targetARN = regexp.MustCompile(`^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/[a-z0-9]{36}$`)
	uuidRe    = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
)

func registerLambda(t *testing.T, c *aas.Client, rid string, lo, hi int32) string {
	t.Helper()
	out, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
		ServiceNamespace:  types.ServiceNamespaceLambda,
		ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		ResourceId:        aws.String(rid),
		MinCapacity:       aws.Int32(lo),
		MaxCapacity:       aws.Int32(hi),
	})
	if err != nil {
		t.Fatalf("register %s: %v", rid, err)
	}
	return aws.ToString(out.ScalableTargetARN)
}

func describeOne(t *testing.T, c *aas.Client, ns types.ServiceNamespace, rid string, dim types.ScalableDimension) types.ScalableTarget {
	t.Helper()
	out, err := c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{
		ServiceNamespace: ns, ResourceIds: []string{rid}, ScalableDimension: dim,
	})
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if len(out.ScalableTargets) != 1 {
		t.Fatalf("want 1 target, got %d", len(out.ScalableTargets))
	}
	return out.ScalableTargets[0]
}

func TestRegisterSeedTargets(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	before := time.Now().Add(-time.Second)
	arn := registerLambda(t, c, "function:my-function:BLUE", 0, 100)
	if !targetARN.MatchString(arn) {
		t.Fatalf("ARN %q does not match %s", arn, targetARN)
	}
	lt := describeOne(t, c, types.ServiceNamespaceLambda, "function:my-function:BLUE", types.ScalableDimensionLambdaFunctionProvisionedConcurrency)
	if got, want := aws.ToString(lt.RoleARN), "arn:aws:iam::000000000000:role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"; got != want {
		t.Errorf("RoleARN = %s, want %s", got, want)
	}
	if aws.ToString(lt.ScalableTargetARN) != arn || aws.ToInt32(lt.MinCapacity) != 0 || aws.ToInt32(lt.MaxCapacity) != 100 {
		t.Errorf("target = %+v", lt)
	}
	if lt.SuspendedState == nil || aws.ToBool(lt.SuspendedState.DynamicScalingInSuspended) || aws.ToBool(lt.SuspendedState.ScheduledScalingSuspended) {
		t.Errorf("SuspendedState = %+v, want all three flags false", lt.SuspendedState)
	}
	if ct := aws.ToTime(lt.CreationTime); ct.Before(before) || ct.After(time.Now().Add(time.Second)) {
		t.Errorf("CreationTime %v not now", ct)
	}

	for _, dim := range []types.ScalableDimension{types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, types.ScalableDimensionElastiCacheReplicationGroupReplicas} {
		out, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
			ServiceNamespace: types.ServiceNamespaceElasticache, ScalableDimension: dim,
			ResourceId: aws.String("replication-group/mycluster"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(5),
			RoleARN: aws.String("arn:aws:iam::000000000000:role/some-role-the-caller-passed"),
		})
		if err != nil {
			t.Fatalf("register elasticache %s: %v", dim, err)
		}
		if !targetARN.MatchString(aws.ToString(out.ScalableTargetARN)) {
			t.Errorf("ARN %q", aws.ToString(out.ScalableTargetARN))
		}
		et := describeOne(t, c, types.ServiceNamespaceElasticache, "replication-group/mycluster", dim)
		if got, want := aws.ToString(et.RoleARN), "arn:aws:iam::000000000000:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG"; got != want {
			t.Errorf("RoleARN = %s, want %s (the service-linked role, whatever the caller passed)", got, want)
		}
	}
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	cases := []struct {
		name string
		in   aas.RegisterScalableTargetInput
		code string
		msg  string
	}{
		{"bad namespace enum", aas.RegisterScalableTargetInput{ServiceNamespace: "foo", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:a"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(1)},
			"ValidationException", `^1 validation error detected: Value 'foo' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: \[ecs, elasticmapreduce, .*workspaces\]$`},
		{"two enum errors", aas.RegisterScalableTargetInput{ServiceNamespace: "nope", ScalableDimension: "bar", ResourceId: aws.String("x"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(1)},
			"ValidationException", `^2 validation errors detected: Value 'nope' at 'serviceNamespace' .*; Value 'bar' at 'scalableDimension' failed to satisfy constraint: Member must satisfy enum value set: \[`},
		{"$LATEST", aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:$LATEST"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(1)},
			"ValidationException", `^Unsupported service namespace, resource type or scalable dimension$`},
		{"namespace/dimension mismatch", aas.RegisterScalableTargetInput{ServiceNamespace: "ecs", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:a"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(1)},
			"ValidationException", `^Unsupported service namespace, resource type or scalable dimension$`},
		{"malformed resource id", aas.RegisterScalableTargetInput{ServiceNamespace: "elasticache", ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, ResourceId: aws.String("cluster/mycluster"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)},
			"ValidationException", `^Unsupported service namespace, resource type or scalable dimension$`},
		{"missing max on create", aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:a"), MinCapacity: aws.Int32(0)},
			"ValidationException", `MinCapacity and MaxCapacity are required`},
		{"min > max", aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:a"), MinCapacity: aws.Int32(5), MaxCapacity: aws.Int32(1)},
			"ValidationException", `Minimum capacity cannot be greater than maximum capacity`},
		{"negative min", aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:a"), MinCapacity: aws.Int32(-1), MaxCapacity: aws.Int32(1)},
			"ValidationException", `Minimum capacity cannot be less than 0`},
		{"node groups below 1", aas.RegisterScalableTargetInput{ServiceNamespace: "elasticache", ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, ResourceId: aws.String("replication-group/rg"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(2)},
			"ValidationException", `Minimum capacity cannot be less than 1 for scalable dimension elasticache:replication-group:NodeGroups`},
		{"replicas above 5", aas.RegisterScalableTargetInput{ServiceNamespace: "elasticache", ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupReplicas, ResourceId: aws.String("replication-group/rg"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(6)},
			"ValidationException", `Maximum capacity cannot be greater than 5`},
		{"emr without role", aas.RegisterScalableTargetInput{ServiceNamespace: "elasticmapreduce", ScalableDimension: types.ScalableDimensionEMRInstanceGroupInstanceCount, ResourceId: aws.String("instancegroup/j-ABC/ig-DEF"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)},
			"ValidationException", `RoleARN is required`},
		{"reserved tag key", aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:f:a"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(1), Tags: map[string]string{"aws:x": "y"}},
			"ValidationException", `reserved`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RegisterScalableTarget(ctx(t), &tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
}

func TestReRegisterUpdatesOnlySuppliedFields(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const rid = "function:f:prod"
	arn := registerLambda(t, c, rid, 2, 10)
	first := describeOne(t, c, "lambda", rid, types.ScalableDimensionLambdaFunctionProvisionedConcurrency)

	out, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
		ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		ResourceId: aws.String(rid), MaxCapacity: aws.Int32(20),
		SuspendedState: &types.SuspendedState{DynamicScalingInSuspended: aws.Bool(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ScalableTargetARN) != arn {
		t.Errorf("ARN changed on update: %s -> %s", arn, aws.ToString(out.ScalableTargetARN))
	}
	got := describeOne(t, c, "lambda", rid, types.ScalableDimensionLambdaFunctionProvisionedConcurrency)
	if aws.ToInt32(got.MinCapacity) != 2 || aws.ToInt32(got.MaxCapacity) != 20 {
		t.Errorf("min/max = %d/%d, want 2/20", aws.ToInt32(got.MinCapacity), aws.ToInt32(got.MaxCapacity))
	}
	if !aws.ToTime(got.CreationTime).Equal(aws.ToTime(first.CreationTime)) {
		t.Errorf("CreationTime changed")
	}
	if !aws.ToBool(got.SuspendedState.DynamicScalingInSuspended) || aws.ToBool(got.SuspendedState.DynamicScalingOutSuspended) {
		t.Errorf("SuspendedState = %+v", got.SuspendedState)
	}
	// A second update that names another flag keeps the first.
	_, err = c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
		ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		ResourceId: aws.String(rid), SuspendedState: &types.SuspendedState{ScheduledScalingSuspended: aws.Bool(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got = describeOne(t, c, "lambda", rid, types.ScalableDimensionLambdaFunctionProvisionedConcurrency)
	if !aws.ToBool(got.SuspendedState.DynamicScalingInSuspended) || !aws.ToBool(got.SuspendedState.ScheduledScalingSuspended) {
		t.Errorf("SuspendedState = %+v, want in and scheduled suspended", got.SuspendedState)
	}
	// Min above the stored max is refused.
	_, err = c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
		ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		ResourceId: aws.String(rid), MinCapacity: aws.Int32(21),
	})
	wantAPIError(t, err, "ValidationException", "Minimum capacity cannot be greater than maximum capacity")
	// Tags on an existing target are refused with AWS's text.
	_, err = c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
		ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
		ResourceId: aws.String(rid), Tags: map[string]string{"a": "b"},
	})
	wantAPIError(t, err, "ValidationException", `^The scalable target that you tried to tag already exists\. To update tags on an existing scalable target, use the TagResource API\.$`)
}

func TestDescribeScalableTargetsPaginates(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const n = 120
	for i := range n {
		registerLambda(t, c, "function:f"+itoa(i)+":live", 0, 1)
	}
	// Another namespace does not show up.
	if _, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{
		ServiceNamespace: "ecs", ScalableDimension: types.ScalableDimensionECSServiceDesiredCount,
		ResourceId: aws.String("service/c/s"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2),
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	pages := 0
	p := aas.NewDescribeScalableTargetsPaginator(c, &aas.DescribeScalableTargetsInput{ServiceNamespace: "lambda"})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.ScalableTargets) > 50 {
			t.Fatalf("page of %d > default 50", len(out.ScalableTargets))
		}
		for _, st := range out.ScalableTargets {
			id := aws.ToString(st.ResourceId)
			if seen[id] {
				t.Fatalf("%s returned twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != n || pages != 3 {
		t.Fatalf("saw %d targets in %d pages, want %d in 3", len(seen), pages, n)
	}
	// The last page carries no NextToken; MaxResults bounds a page.
	out, err := c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "lambda", MaxResults: aws.Int32(7)})
	if err != nil || len(out.ScalableTargets) != 7 || out.NextToken == nil {
		t.Fatalf("MaxResults 7: %d targets, token %v, err %v", len(out.ScalableTargets), out.NextToken, err)
	}
	// A token only works for the request that produced it.
	_, err = c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "ecs", NextToken: out.NextToken})
	wantAPIError(t, err, "InvalidNextTokenException", "")
	_, err = c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "lambda", NextToken: aws.String("forged-token")})
	wantAPIError(t, err, "InvalidNextTokenException", "")
	tampered := []byte(*out.NextToken)
	tampered[len(tampered)/2] ^= 1
	_, err = c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "lambda", NextToken: aws.String(string(tampered))})
	wantAPIError(t, err, "InvalidNextTokenException", "")
	for _, bad := range []int32{0, 51} {
		_, err = c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "lambda", MaxResults: aws.Int32(bad)})
		wantAPIError(t, err, "ValidationException", "at 'maxResults' failed to satisfy constraint")
	}
	// Filters: resource ids and dimension.
	out, err = c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{
		ServiceNamespace: "lambda", ResourceIds: []string{"function:f3:live", "function:f77:live", "function:nope:x"},
		ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency,
	})
	if err != nil || len(out.ScalableTargets) != 2 {
		t.Fatalf("filtered describe: %d targets, err %v", len(out.ScalableTargets), err)
	}
	out, err = c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "workspaces"})
	if err != nil || out.ScalableTargets == nil && len(out.ScalableTargets) != 0 {
		t.Fatalf("empty describe: %+v, %v", out, err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func TestAccountsAndRegionsAreIsolated(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	a := newClient(srv.URL, "111111111111", "us-east-1")
	b := newClient(srv.URL, "222222222222", "us-east-1")
	aEU := newClient(srv.URL, "111111111111", "eu-west-1")
	arn := registerLambda(t, a, "function:shared:live", 0, 5)
	if want := "arn:aws:application-autoscaling:us-east-1:111111111111:scalable-target/"; arn[:len(want)] != want {
		t.Fatalf("ARN %s not in account 111111111111", arn)
	}
	for name, c := range map[string]*aas.Client{"other account": b, "other region": aEU} {
		out, err := c.DescribeScalableTargets(ctx(t), &aas.DescribeScalableTargetsInput{ServiceNamespace: "lambda"})
		if err != nil || len(out.ScalableTargets) != 0 {
			t.Errorf("%s sees %d targets (err %v)", name, len(out.ScalableTargets), err)
		}
		_, err = c.DeregisterScalableTarget(ctx(t), &aas.DeregisterScalableTargetInput{
			ServiceNamespace: "lambda", ScalableDimension: types.ScalableDimensionLambdaFunctionProvisionedConcurrency, ResourceId: aws.String("function:shared:live")})
		wantAPIError(t, err, "ObjectNotFoundException", "")
		_, err = c.ListTagsForResource(ctx(t), &aas.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
		wantAPIError(t, err, "ResourceNotFoundException", "")
	}
	// The same key in the other account is a different target.
	arnB := registerLambda(t, b, "function:shared:live", 0, 5)
	if arnB == arn {
		t.Fatal("two accounts share one target")
	}
}
