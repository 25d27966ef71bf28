package lambdaapi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
)

func TestVersions(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	c := e.CreateFunction(t, "ver", map[string]string{"A": "1"}, true)
	if aws.ToString(c.Version) != "1" || aws.ToString(c.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:ver:1" {
		t.Fatalf("create with Publish: %s %s", aws.ToString(c.Version), aws.ToString(c.FunctionArn))
	}
	// Publishing unchanged code and configuration returns the last version.
	p, err := e.Client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("ver")})
	if err != nil || aws.ToString(p.Version) != "1" {
		t.Fatalf("publish unchanged: %v %v", p, err)
	}
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ver"),
		Environment: &types.Environment{Variables: map[string]string{"A": "2"}}}); err != nil {
		t.Fatal(err)
	}
	p, err = e.Client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("ver"), Description: aws.String("second")})
	if err != nil || aws.ToString(p.Version) != "2" || aws.ToString(p.Description) != "second" || p.Environment.Variables["A"] != "2" {
		t.Fatalf("publish 2: %+v %v", p, err)
	}
	// CodeSha256 must be $LATEST's.
	if _, err := e.Client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("ver"), CodeSha256: aws.String("AAAA")}); apitest.ErrorCode(err) != "InvalidParameterValueException" ||
		!strings.Contains(err.Error(), "is different from current CodeSHA256 in $LATEST") {
		t.Fatalf("publish with another sha: %v", err)
	}
	if _, err := e.Client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("nope")}); apitest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("publish missing: %v", err)
	}
	for i := 3; i <= 5; i++ {
		if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ver"), Timeout: aws.Int32(int32(i))}); err != nil {
			t.Fatal(err)
		}
		e.Publish(t, "ver")
	}
	// ListVersionsByFunction: $LATEST, 1..5, in pages of 2.
	var got []string
	var marker *string
	for pages := 0; ; pages++ {
		l, err := e.Client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("ver"), MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range l.Versions {
			got = append(got, aws.ToString(v.Version)+"="+aws.ToString(v.FunctionArn)[len("arn:aws:lambda:us-east-1:123456789012:function:"):])
		}
		if l.NextMarker == nil {
			break
		}
		marker = l.NextMarker
		if pages > 5 {
			t.Fatal("too many pages")
		}
	}
	want := "$LATEST=ver:$LATEST 1=ver:1 2=ver:2 3=ver:3 4=ver:4 5=ver:5"
	if strings.Join(got, " ") != want {
		t.Fatalf("versions %v, want %s", got, want)
	}
	// The paginator of the SDK walks the same list.
	pg := lambda.NewListVersionsByFunctionPaginator(e.Client, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("ver"), MaxItems: aws.Int32(4)})
	n := 0
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Versions)
	}
	if n != 6 {
		t.Fatalf("paginator saw %d versions", n)
	}
	// GetFunction of a version.
	g, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("2")})
	if err != nil || aws.ToString(g.Configuration.Version) != "2" || aws.ToString(g.Configuration.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:ver:2" {
		t.Fatalf("GetFunction :2: %+v %v", g, err)
	}
	if _, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("ver:9")}); apitest.ErrorCode(err) != "ResourceNotFoundException" ||
		!strings.Contains(err.Error(), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:ver:9") {
		t.Fatalf("GetFunction :9: %v", err)
	}
	if _, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("ver:1"), Qualifier: aws.String("2")}); apitest.ErrorCode(err) != "InvalidParameterValueException" {
		t.Fatalf("mismatched qualifiers: %v", err)
	}

	// Delete a version: its worker stops; $LATEST cannot be deleted that way; an alias protects its version.
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ver"), Qualifier: aws.String("3")}); err != nil {
		t.Fatal(err)
	}
	pids := e.Pool.Workers(apitest.Key("ver", "3")).PIDs
	if len(pids) != 1 {
		t.Fatalf("version 3 workers %v", pids)
	}
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("3")}); err != nil {
		t.Fatal(err)
	}
	apitest.WaitFor(t, 5*time.Second, "version 3 worker gone", func() bool { return !apitest.PIDAlive(pids[0]) })
	if _, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("3")}); apitest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted version: %v", err)
	}
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("$LATEST")}); apitest.ErrorCode(err) != "InvalidParameterValueException" {
		t.Fatalf("delete $LATEST: %v", err)
	}
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("ver"), Name: aws.String("live"), FunctionVersion: aws.String("4")}); err != nil {
		t.Fatal(err)
	}
	var conflict *types.ResourceConflictException
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("ver"), Qualifier: aws.String("4")}); !errors.As(err, &conflict) {
		t.Fatalf("delete an aliased version: %v", err)
	}
	// A new version after a deletion does not reuse the number.
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ver"), Timeout: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	if v := e.Publish(t, "ver"); v != "6" {
		t.Fatalf("next version %s, want 6", v)
	}
}

func TestAliases(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	e.CreateFunction(t, "al", nil, true)
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("al"), Timeout: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	e.Publish(t, "al") // 2
	a, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), FunctionVersion: aws.String("1"), Description: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(a.AliasArn) != "arn:aws:lambda:us-east-1:123456789012:function:al:live" || aws.ToString(a.FunctionVersion) != "1" || aws.ToString(a.RevisionId) == "" {
		t.Fatalf("alias %+v", a)
	}
	_, err = e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), FunctionVersion: aws.String("1")})
	var conflict *types.ResourceConflictException
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "Alias already exists: arn:aws:lambda:us-east-1:123456789012:function:al:live") {
		t.Fatalf("duplicate alias: %v", err)
	}
	for _, bad := range []struct{ name, version, code string }{
		{"123", "1", "ValidationException"},
		{"x", "7", "ResourceNotFoundException"},
		{"x", "", "ValidationException"},
	} {
		_, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String(bad.name), FunctionVersion: aws.String(bad.version)})
		if apitest.ErrorCode(err) != bad.code {
			t.Errorf("alias %s -> %q: %v, want %s", bad.name, bad.version, err, bad.code)
		}
	}
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("dev"), FunctionVersion: aws.String("$LATEST")}); err != nil {
		t.Fatal(err)
	}
	g, err := e.Client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("live")})
	if err != nil || aws.ToString(g.Description) != "d" {
		t.Fatalf("GetAlias: %+v %v", g, err)
	}
	_, err = e.Client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Cannot find alias arn: arn:aws:lambda:us-east-1:123456789012:function:al:nope" {
		t.Fatalf("GetAlias nope: %v", err)
	}
	// Invoke through the alias runs its version.
	out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("al:live"), Payload: []byte(`{"op":"env","keys":["AWS_LAMBDA_FUNCTION_VERSION"]}`)})
	if err != nil || aws.ToString(out.ExecutedVersion) != "1" || !strings.Contains(string(out.Payload), `"arn":"arn:aws:lambda:us-east-1:123456789012:function:al:live"`) {
		t.Fatalf("invoke alias: %s %v", out.Payload, err)
	}
	// Update: re-point, routing configuration, revision.
	u, err := e.Client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"1": 0.5}}, RevisionId: a.RevisionId})
	if err != nil || aws.ToString(u.FunctionVersion) != "2" || u.RoutingConfig.AdditionalVersionWeights["1"] != 0.5 || aws.ToString(u.RevisionId) == aws.ToString(a.RevisionId) {
		t.Fatalf("UpdateAlias: %+v %v", u, err)
	}
	if _, err := e.Client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), RevisionId: a.RevisionId}); apitest.ErrorCode(err) != "PreconditionFailedException" {
		t.Fatalf("stale revision: %v", err)
	}
	// A weighted alias runs both versions.
	seen := map[string]int{}
	for range 40 {
		out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("al"), Qualifier: aws.String("live")})
		if err != nil {
			t.Fatal(err)
		}
		seen[aws.ToString(out.ExecutedVersion)]++
	}
	if seen["1"] == 0 || seen["2"] == 0 {
		t.Fatalf("weighted alias ran %v", seen)
	}
	for _, bad := range []map[string]float64{{"2": 0.5}, {"$LATEST": 0.5}, {"9": 0.1}, {"1": 1.5}} {
		if _, err := e.Client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"),
			RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: bad}}); err == nil {
			t.Errorf("routing %v accepted", bad)
		}
	}
	// ListAliases with paging and a version filter.
	for _, n := range []string{"a1", "a2", "a3"} {
		if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String(n), FunctionVersion: aws.String("2")}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pg := lambda.NewListAliasesPaginator(e.Client, &lambda.ListAliasesInput{FunctionName: aws.String("al"), MaxItems: aws.Int32(2)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Aliases {
			names = append(names, aws.ToString(a.Name))
		}
	}
	if strings.Join(names, ",") != "a1,a2,a3,dev,live" {
		t.Fatalf("aliases %v", names)
	}
	l, err := e.Client.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("al"), FunctionVersion: aws.String("$LATEST")})
	if err != nil || len(l.Aliases) != 1 || aws.ToString(l.Aliases[0].Name) != "dev" {
		t.Fatalf("aliases of $LATEST: %+v %v", l, err)
	}
	// Delete (twice: idempotent).
	for range 2 {
		if _, err := e.Client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("al"), Name: aws.String("a1")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("a1")}); !errors.As(err, &nf) {
		t.Fatalf("deleted alias: %v", err)
	}
	if _, err := e.Client.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("nope")}); !errors.As(err, &nf) {
		t.Fatalf("aliases of a missing function: %v", err)
	}
}
