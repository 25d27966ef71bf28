package lambdaapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
)

var ctx = context.Background()

func sha64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func TestCreateGetDeleteFunction(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	zip := apitest.Zip(t)
	out := e.CreateFunction(t, "hello", map[string]string{"GREETING": "hi"}, false)
	arn := "arn:aws:lambda:us-east-1:123456789012:function:hello"
	if aws.ToString(out.FunctionArn) != arn || aws.ToString(out.FunctionName) != "hello" {
		t.Fatalf("create: %s %s", aws.ToString(out.FunctionArn), aws.ToString(out.FunctionName))
	}
	if aws.ToString(out.Version) != "$LATEST" || out.State != types.StateActive || out.LastUpdateStatus != types.LastUpdateStatusSuccessful ||
		out.PackageType != types.PackageTypeZip || out.Runtime != types.RuntimeProvidedal2023 {
		t.Fatalf("create: %+v", out)
	}
	if aws.ToString(out.CodeSha256) != sha64(zip) || out.CodeSize != int64(len(zip)) {
		t.Fatalf("code %s %d, want %s %d", aws.ToString(out.CodeSha256), out.CodeSize, sha64(zip), len(zip))
	}
	if aws.ToInt32(out.Timeout) != 10 || aws.ToInt32(out.MemorySize) != 128 || aws.ToString(out.Handler) != "bootstrap" {
		t.Fatalf("timeout %d memory %d handler %s", aws.ToInt32(out.Timeout), aws.ToInt32(out.MemorySize), aws.ToString(out.Handler))
	}
	if len(out.Architectures) != 1 || out.Architectures[0] != types.ArchitectureX8664 {
		t.Fatalf("architectures %v", out.Architectures)
	}
	if out.Environment == nil || out.Environment.Variables["GREETING"] != "hi" {
		t.Fatalf("environment %+v", out.Environment)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", aws.ToString(out.LastModified)); err != nil || !strings.HasSuffix(aws.ToString(out.LastModified), "+0000") {
		t.Fatalf("LastModified %q: %v", aws.ToString(out.LastModified), err)
	}
	// The code is stored and unpacked, bootstrap executable.
	sum := sha256.Sum256(zip)
	dir := filepath.Join(e.DataDir, "123456789012", "us-east-1", "hello")
	hexsum := strings.ToLower(strings.TrimSpace(hexOf(sum[:])))
	if _, err := os.Stat(filepath.Join(dir, hexsum+".zip")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, hexsum, "bootstrap")); err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("bootstrap %v %v", st, err)
	}

	// Defaults: Timeout 3.
	c2, err := e.Client.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("defaults"), Role: aws.String(apitest.Role),
		Runtime: types.RuntimeProvidedal2, Handler: aws.String("x"), Code: &types.FunctionCode{ZipFile: apitest.SmallZip()}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(c2.Timeout) != 3 || aws.ToInt32(c2.MemorySize) != 128 || c2.Environment != nil {
		t.Fatalf("defaults: timeout %d memory %d env %+v", aws.ToInt32(c2.Timeout), aws.ToInt32(c2.MemorySize), c2.Environment)
	}

	// A second create conflicts.
	_, err = e.Client.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("hello"), Role: aws.String(apitest.Role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("x"), Code: &types.FunctionCode{ZipFile: apitest.SmallZip()}})
	var conflict *types.ResourceConflictException
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "Function already exist: hello") {
		t.Fatalf("duplicate create: %v", err)
	}

	// GetFunction by name, ARN and partial ARN.
	for _, name := range []string{"hello", arn, "123456789012:function:hello"} {
		g, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Fatalf("GetFunction %s: %v", name, err)
		}
		if aws.ToString(g.Configuration.FunctionArn) != arn || aws.ToString(g.Code.RepositoryType) != "S3" || g.Concurrency != nil {
			t.Fatalf("GetFunction %s: %+v %+v", name, g.Configuration, g.Code)
		}
	}
	gc, err := e.Client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("hello")})
	if err != nil || aws.ToString(gc.CodeSha256) != sha64(zip) {
		t.Fatalf("GetFunctionConfiguration: %v", err)
	}

	// Not found, with Lambda's message.
	_, err = e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope" || aws.ToString(nf.Type) != "User" {
		t.Fatalf("GetFunction nope: %v", err)
	}
	// Another account's ARN does not exist for the caller.
	_, err = e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:999999999999:function:hello")})
	if !errors.As(err, &nf) {
		t.Fatalf("other account: %v", err)
	}
	// Another account (access key) does not see the function.
	other := apitest.NewClient(e.Server.URL, "999999999999", 1)
	if _, err := other.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("hello")}); !errors.As(err, &nf) {
		t.Fatalf("other account client: %v", err)
	}

	// ListFunctions with paging.
	l1, err := e.Client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(1)})
	if err != nil || len(l1.Functions) != 1 || aws.ToString(l1.Functions[0].FunctionName) != "defaults" || l1.NextMarker == nil {
		t.Fatalf("ListFunctions page 1: %+v %v", l1, err)
	}
	l2, err := e.Client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(1), Marker: l1.NextMarker})
	if err != nil || len(l2.Functions) != 1 || aws.ToString(l2.Functions[0].FunctionName) != "hello" || l2.NextMarker != nil {
		t.Fatalf("ListFunctions page 2: %+v %v", l2, err)
	}

	// Invoke it once so that it has a worker, then delete: the worker goes, and the code.
	if _, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hello"), Payload: []byte(`{"op":"echo"}`)}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.FunctionPIDs("hello")); n != 1 {
		t.Fatalf("%d worker processes, want 1", n)
	}
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	apitest.WaitFor(t, 5*time.Second, "workers gone", func() bool { return len(e.FunctionPIDs("hello")) == 0 })
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("code directory after delete: %v", err)
	}
	if _, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("hello")}); !errors.As(err, &nf) {
		t.Fatalf("GetFunction after delete: %v", err)
	}
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("hello")}); !errors.As(err, &nf) {
		t.Fatalf("DeleteFunction twice: %v", err)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestCreateFunctionValidation(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	zip := apitest.SmallZip()
	base := func() *lambda.CreateFunctionInput {
		return &lambda.CreateFunctionInput{FunctionName: aws.String("f"), Role: aws.String(apitest.Role),
			Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: zip}}
	}
	noX, _ := apitest.ZipFiles(map[string]apitest.File{"bootstrap": {Data: []byte("#!/bin/sh\n"), Mode: 0o644}})
	cases := []struct {
		name    string
		mod     func(in *lambda.CreateFunctionInput)
		code    string
		message string
	}{
		{"python runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = types.RuntimePython312 }, "InvalidParameterValueException", "The runtime parameter of python3.12 is not supported by this server"},
		{"no runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "" }, "InvalidParameterValueException", "Runtime and Handler are mandatory parameters"},
		{"s3 code", func(in *lambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("b"), S3Key: aws.String("k")}
		}, "InvalidParameterValueException", "Code in S3"},
		{"image", func(in *lambda.CreateFunctionInput) { in.PackageType = types.PackageTypeImage }, "InvalidParameterValueException", "Container images are not supported"},
		{"not a zip", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = []byte("hello") }, "InvalidParameterValueException", "Could not unzip uploaded file"},
		{"bad role", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("lambda-role") }, "ValidationException", "at 'role' failed to satisfy constraint"},
		{"timeout", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) }, "ValidationException", "Value '901' at 'timeout'"},
		{"memory", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }, "ValidationException", "Value '64' at 'memorySize'"},
		{"reserved env", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
		}, "InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION"},
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("a/b") }, "ValidationException", "at 'functionName'"},
		{"qualified name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("f:1") }, "InvalidParameterValueException", "unqualified"},
	}
	for _, c := range cases {
		in := base()
		c.mod(in)
		_, err := e.Client.CreateFunction(ctx, in)
		if apitest.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: %v, want %s %q", c.name, err, c.code, c.message)
		}
	}
	var ipv *types.InvalidParameterValueException
	in := base()
	in.Runtime = types.RuntimeNodejs20x
	if _, err := e.Client.CreateFunction(ctx, in); !errors.As(err, &ipv) || aws.ToString(ipv.Type) != "User" {
		t.Fatalf("typed InvalidParameterValueException: %v", err)
	}
	// A package whose bootstrap lost its x bit runs all the same.
	in = base()
	in.FunctionName = aws.String("nox")
	in.Code.ZipFile = noX
	if _, err := e.Client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(noX)
	st, err := os.Stat(filepath.Join(e.DataDir, "123456789012", "us-east-1", "nox", hexOf(sum[:]), "bootstrap"))
	if err != nil || st.Mode().Perm()&0o111 != 0o111 {
		t.Fatalf("bootstrap mode %v %v", st.Mode(), err)
	}
	// A package that leaves its directory is refused.
	evil, _ := apitest.ZipFiles(map[string]apitest.File{"../evil": {Data: []byte("x"), Mode: 0o644}})
	in = base()
	in.FunctionName = aws.String("evil")
	in.Code.ZipFile = evil
	if _, err := e.Client.CreateFunction(ctx, in); apitest.ErrorCode(err) != "InvalidParameterValueException" {
		t.Fatalf("zip slip: %v", err)
	}
}

func TestUpdateFunctionCodeAndConfiguration(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	e.CreateFunction(t, "upd", map[string]string{"A": "1"}, false)
	inv := func() map[string]any {
		t.Helper()
		out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("upd"), Payload: []byte(`{"op":"env","keys":["A","TESTFN_X"]}`)})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("invoke: %v %s", err, out.Payload)
		}
		var m map[string]any
		_ = json.Unmarshal(out.Payload, &m)
		return m
	}
	first := inv()
	// New code: the $LATEST workers stop, the next invocation runs the new package.
	newZip, _ := apitest.ZipFiles(map[string]apitest.File{"bootstrap": {Data: mustRead(t, e), Mode: 0o755}, "extra.txt": {Data: []byte("v2"), Mode: 0o644}})
	u, err := e.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: newZip})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u.CodeSha256) != sha64(newZip) || aws.ToString(u.Version) != "$LATEST" {
		t.Fatalf("update: %+v", u)
	}
	apitest.WaitFor(t, 5*time.Second, "old worker stopped", func() bool { return !apitest.PIDAlive(int(first["pid"].(float64))) })
	second := inv()
	if second["pid"] == first["pid"] || !strings.HasSuffix(second["cwd"].(string), hexOf(sha256sum(newZip))) {
		t.Fatalf("after update: %v (before %v)", second, first)
	}
	// The package just replaced stays (invocations in flight may still run it).
	pkg := func(zip []byte) string {
		return filepath.Join(e.DataDir, "123456789012", "us-east-1", "upd", hexOf(sha256sum(zip))+".zip")
	}
	if _, err := os.Stat(pkg(apitest.Zip(t))); err != nil {
		t.Fatalf("replaced package: %v", err)
	}
	// RevisionId must match.
	if _, err := e.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: newZip, RevisionId: aws.String("nope")}); apitest.ErrorCode(err) != "PreconditionFailedException" {
		t.Fatalf("revision: %v", err)
	}
	// Publish=true publishes version 1.
	pub, err := e.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: apitest.Zip(t), Publish: true})
	if err != nil || aws.ToString(pub.Version) != "1" || !strings.HasSuffix(aws.ToString(pub.FunctionArn), ":upd:1") {
		t.Fatalf("publish with code: %+v %v", pub, err)
	}

	// A third package: the second one (used by no version, not the one just replaced) goes;
	// the first stays (version 1 runs it).
	third, _ := apitest.ZipFiles(map[string]apitest.File{"bootstrap": {Data: mustRead(t, e), Mode: 0o755}, "extra.txt": {Data: []byte("v3"), Mode: 0o644}})
	if _, err := e.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: third}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), ZipFile: apitest.Zip(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pkg(newZip)); !os.IsNotExist(err) {
		t.Fatalf("unused package: %v", err)
	}
	if _, err := os.Stat(pkg(third)); err != nil {
		t.Fatalf("package just replaced: %v", err)
	}
	if _, err := os.Stat(strings.TrimSuffix(pkg(newZip), ".zip")); !os.IsNotExist(err) {
		t.Fatalf("unused unpacked package: %v", err)
	}

	// Configuration: environment, timeout and memory.
	uc, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("upd"),
		Environment: &types.Environment{Variables: map[string]string{"A": "2", "TESTFN_X": "x"}}, Timeout: aws.Int32(20), MemorySize: aws.Int32(256)})
	if err != nil || aws.ToInt32(uc.Timeout) != 20 || aws.ToInt32(uc.MemorySize) != 256 {
		t.Fatalf("configuration: %+v %v", uc, err)
	}
	env := inv()["env"].(map[string]any)
	if env["A"] != "2" || env["TESTFN_X"] != "x" {
		t.Fatalf("env after update: %v", env)
	}
	// Version 1 keeps its own configuration.
	v1, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("upd"), Qualifier: aws.String("1"), Payload: []byte(`{"op":"env","keys":["A"]}`)})
	if err != nil || !strings.Contains(string(v1.Payload), `"A":"1"`) || aws.ToString(v1.ExecutedVersion) != "1" {
		t.Fatalf("version 1: %s %v", v1.Payload, err)
	}
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("nope"), Timeout: aws.Int32(5)}); apitest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("configuration of a missing function: %v", err)
	}
	if _, err := e.Client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("upd"), S3Bucket: aws.String("b"), S3Key: aws.String("k")}); apitest.ErrorCode(err) != "InvalidParameterValueException" {
		t.Fatalf("S3 code: %v", err)
	}
}

func sha256sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// mustRead returns the test function's bootstrap from an unpacked package.
func mustRead(t *testing.T, e *apitest.Env) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.DataDir, "123456789012", "us-east-1", "upd", hexOf(sha256sum(apitest.Zip(t))), "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTagsAndSettingsTerraformReads(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	if _, err := e.Client.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("tg"), Role: aws.String(apitest.Role),
		Runtime: types.RuntimeProvidedal2023, Code: &types.FunctionCode{ZipFile: apitest.SmallZip()}, Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	arn := aws.String("arn:aws:lambda:us-east-1:123456789012:function:tg")
	if _, err := e.Client.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: map[string]string{"b": "2", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.UntagResource(ctx, &lambda.UntagResourceInput{Resource: arn, TagKeys: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	l, err := e.Client.ListTags(ctx, &lambda.ListTagsInput{Resource: arn})
	if err != nil || len(l.Tags) != 2 || l.Tags["a"] != "1" || l.Tags["b"] != "2" {
		t.Fatalf("tags %v %v", l, err)
	}
	if g, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("tg")}); err != nil || len(g.Tags) != 2 {
		t.Fatalf("GetFunction tags: %v", err)
	}
	if _, err := e.Client.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String("arn:aws:lambda:us-east-1:123456789012:function:nope")}); apitest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("tags of a missing function: %v", err)
	}
	cs, err := e.Client.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("tg")})
	if err != nil || aws.ToString(cs.FunctionName) != "tg" {
		t.Fatalf("code signing: %v", err)
	}
	rm, err := e.Client.GetRuntimeManagementConfig(ctx, &lambda.GetRuntimeManagementConfigInput{FunctionName: aws.String("tg")})
	if err != nil || rm.UpdateRuntimeOn != types.UpdateRuntimeOnAuto {
		t.Fatalf("runtime management: %v", err)
	}
	rc, err := e.Client.GetFunctionRecursionConfig(ctx, &lambda.GetFunctionRecursionConfigInput{FunctionName: aws.String("tg")})
	if err != nil || rc.RecursiveLoop != types.RecursiveLoopTerminate {
		t.Fatalf("recursion: %v", err)
	}
	// An operation this server does not serve is a clear error, not another service's.
	if _, err := e.Client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("tg")}); apitest.ErrorCode(err) != "UnknownOperationException" ||
		!strings.Contains(err.Error(), "is not supported by this server") {
		t.Fatalf("unsupported operation: %v", err)
	}
}
