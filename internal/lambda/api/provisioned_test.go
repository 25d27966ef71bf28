package lambdaapi_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

func putPC(t *testing.T, e *apitest.Env, name, q string, n int32) *lambda.PutProvisionedConcurrencyConfigOutput {
	t.Helper()
	out, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String(name),
		Qualifier: aws.String(q), ProvisionedConcurrentExecutions: aws.Int32(n)})
	if err != nil {
		t.Fatalf("PutProvisionedConcurrencyConfig %s:%s %d: %v", name, q, n, err)
	}
	return out
}

func getPC(t *testing.T, e *apitest.Env, name, q string) *lambda.GetProvisionedConcurrencyConfigOutput {
	t.Helper()
	out, err := e.Client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String(name), Qualifier: aws.String(q)})
	if err != nil {
		t.Fatalf("GetProvisionedConcurrencyConfig %s:%s: %v", name, q, err)
	}
	return out
}

func warm(c workers.WorkerCounts) int { return c.ProvisionedIdle + c.ProvisionedBusy }

func allDead(pids []int) bool {
	for _, p := range pids {
		if apitest.PIDAlive(p) {
			return false
		}
	}
	return true
}

// coldStart reports whether an invocation's log tail has an Init Duration (a new
// environment).
func coldStart(t *testing.T, out *lambda.InvokeOutput) bool {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), "Init Duration")
}

func TestProvisionedConcurrencyLifecycle(t *testing.T) {
	e := apitest.New(t, apitest.Options{Pool: workers.Options{AllocationBurst: 2, AllocationPerMinute: 600}})
	e.CreateFunction(t, "pc", map[string]string{"TESTFN_INIT_SLEEP_MS": "20"}, true)
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("pc"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	key := apitest.Key("pc", "1")
	const maxCapacity = 8

	// Scale up to 8 at a burst of 2 then 10 a second: IN_PROGRESS first, the invariants hold
	// at every sample, READY at 8 warm workers.
	out := putPC(t, e, "pc", "live", maxCapacity)
	if out.Status != types.ProvisionedConcurrencyStatusEnumInProgress || aws.ToInt32(out.RequestedProvisionedConcurrentExecutions) != maxCapacity ||
		aws.ToInt32(out.AllocatedProvisionedConcurrentExecutions) != 0 || aws.ToInt32(out.AvailableProvisionedConcurrentExecutions) != 0 {
		t.Fatalf("put: %+v", out)
	}
	if _, err := time.Parse("2006-01-02T15:04:05-0700", aws.ToString(out.LastModified)); err != nil {
		t.Fatalf("LastModified %q: %v", aws.ToString(out.LastModified), err)
	}
	samples, sawPartial := 0, false
	deadline := time.Now().Add(30 * time.Second)
	for {
		g := getPC(t, e, "pc", "live")
		req, alloc, avail := aws.ToInt32(g.RequestedProvisionedConcurrentExecutions), aws.ToInt32(g.AllocatedProvisionedConcurrentExecutions), aws.ToInt32(g.AvailableProvisionedConcurrentExecutions)
		if !(0 <= avail && avail <= alloc && alloc <= req) || req != maxCapacity {
			t.Fatalf("invariant broken: requested %d allocated %d available %d", req, alloc, avail)
		}
		if w := e.Pool.Workers(key); warm(w) > maxCapacity || len(w.PIDs) > maxCapacity {
			t.Fatalf("%d warm workers, %d processes: above MaxCapacity %d", warm(w), len(w.PIDs), maxCapacity)
		}
		if g.Status == types.ProvisionedConcurrencyStatusEnumFailed {
			t.Fatalf("FAILED: %s", aws.ToString(g.StatusReason))
		}
		if alloc > 0 && alloc < maxCapacity {
			sawPartial = true
		}
		samples++
		if g.Status == types.ProvisionedConcurrencyStatusEnumReady {
			if alloc != maxCapacity || avail != maxCapacity {
				t.Fatalf("READY at allocated %d available %d", alloc, avail)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not READY: %+v", g)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !sawPartial {
		t.Errorf("scale-up went from 0 to %d without a partial sample (%d samples)", maxCapacity, samples)
	}
	w := e.Pool.Workers(key)
	if warm(w) != maxCapacity || len(w.PIDs) != maxCapacity {
		t.Fatalf("settled: %d warm workers, %d processes, want %d", warm(w), len(w.PIDs), maxCapacity)
	}
	warmPIDs := w.PIDs

	// Invocations go to the warm workers: no cold start, through the alias or the version.
	for _, q := range []string{"live", "1"} {
		out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("pc"), Qualifier: aws.String(q), LogType: types.LogTypeTail, Payload: []byte(`{"op":"env","keys":["AWS_LAMBDA_INITIALIZATION_TYPE"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if coldStart(t, out) || !strings.Contains(string(out.Payload), "provisioned-concurrency") {
			t.Fatalf("invoke %s: not on a warm worker: %s", q, out.Payload)
		}
	}
	// Spillover: 8 warm workers busy, the 9th invocation is a cold start on demand.
	var wg sync.WaitGroup
	for range maxCapacity {
		wg.Go(func() {
			_, _ = e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("pc:live"), Payload: []byte(`{"op":"sleep","ms":800}`)})
		})
	}
	apitest.WaitFor(t, 5*time.Second, "8 busy warm workers", func() bool { return e.Pool.Workers(key).ProvisionedBusy == maxCapacity })
	sp, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("pc:live"), LogType: types.LogTypeTail, Payload: []byte(`{"op":"env","keys":["AWS_LAMBDA_INITIALIZATION_TYPE"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !coldStart(t, sp) || !strings.Contains(string(sp.Payload), "on-demand") {
		t.Fatalf("spillover: %s", sp.Payload)
	}
	var spv struct{ PID int }
	if err := json.Unmarshal(sp.Payload, &spv); err != nil || spv.PID == 0 {
		t.Fatalf("spillover pid: %s", sp.Payload)
	}
	wg.Wait()

	// Scale down to 3: idle workers are drained; 3 stay warm.
	putPC(t, e, "pc", "live", 3)
	e.WaitReady(t, "pc", "live", 20*time.Second)
	apitest.WaitFor(t, 5*time.Second, "3 warm workers", func() bool {
		w := e.Pool.Workers(key)
		return warm(w) == 3 && w.Stopping == 0
	})
	var stopped []int
	kept := e.Pool.Workers(key).PIDs
	for _, p := range warmPIDs {
		if !slices.Contains(kept, p) {
			stopped = append(stopped, p)
		}
	}
	if len(stopped) != maxCapacity-3 {
		t.Fatalf("stopped %v, kept %v", stopped, kept)
	}
	apitest.WaitFor(t, 5*time.Second, "drained processes exit", func() bool { return allDead(stopped) })

	// List.
	l, err := e.Client.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("pc")})
	if err != nil || len(l.ProvisionedConcurrencyConfigs) != 1 {
		t.Fatalf("list: %+v %v", l, err)
	}
	item := l.ProvisionedConcurrencyConfigs[0]
	if aws.ToString(item.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:pc:live" || aws.ToInt32(item.RequestedProvisionedConcurrentExecutions) != 3 ||
		item.Status != types.ProvisionedConcurrencyStatusEnumReady {
		t.Fatalf("list item: %+v", item)
	}

	// Delete: every provisioned worker stops; the on-demand one stays.
	var pids []int
	for _, p := range e.Pool.Workers(key).PIDs {
		if p != spv.PID {
			pids = append(pids, p)
		}
	}
	if len(pids) != 3 {
		t.Fatalf("provisioned processes %v", pids)
	}
	if _, err := e.Client.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("pc"), Qualifier: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	apitest.WaitFor(t, 5*time.Second, "provisioned workers exit", func() bool { return allDead(pids) && warm(e.Pool.Workers(key)) == 0 })
	if !apitest.PIDAlive(spv.PID) {
		t.Fatal("the on-demand worker stopped with the configuration")
	}
	var nf *types.ProvisionedConcurrencyConfigNotFoundException
	if _, err := e.Client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("pc"), Qualifier: aws.String("live")}); !errors.As(err, &nf) ||
		aws.ToString(nf.Message) != "No Provisioned Concurrency Config found for this function" {
		t.Fatalf("get after delete: %v", err)
	}
	// Delete is idempotent.
	if _, err := e.Client.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("pc"), Qualifier: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
}

func TestProvisionedConcurrencyValidation(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	e.CreateFunction(t, "v", nil, true)
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("v"), Timeout: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	e.Publish(t, "v") // 2
	for _, a := range []struct{ name, version string }{{"a", "1"}, {"b", "1"}, {"latest", "$LATEST"}} {
		if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("v"), Name: aws.String(a.name), FunctionVersion: aws.String(a.version)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("v"), Name: aws.String("w"), FunctionVersion: aws.String("2"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"1": 0.1}}}); err != nil {
		t.Fatal(err)
	}
	put := func(q string, n int32) error {
		_, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("v"), Qualifier: aws.String(q), ProvisionedConcurrentExecutions: aws.Int32(n)})
		return err
	}
	var ipv *types.InvalidParameterValueException
	var conflict *types.ResourceConflictException
	var nf *types.ResourceNotFoundException
	if err := put("$LATEST", 1); !errors.As(err, &ipv) || aws.ToString(ipv.Message) != "Provisioned Concurrency Configs cannot be applied to unpublished function versions." {
		t.Fatalf("$LATEST: %v", err)
	}
	if err := put("latest", 1); !errors.As(err, &ipv) {
		t.Fatalf("alias of $LATEST: %v", err)
	}
	if err := put("w", 1); !errors.As(err, &ipv) || aws.ToString(ipv.Message) != "Alias with weights can not be used with Provisioned Concurrency" {
		t.Fatalf("weighted alias: %v", err)
	}
	if err := put("nope", 1); !errors.As(err, &nf) || !strings.Contains(err.Error(), "Cannot find alias arn: arn:aws:lambda:us-east-1:123456789012:function:v:nope") {
		t.Fatalf("missing alias: %v", err)
	}
	if err := put("9", 1); !errors.As(err, &nf) || !strings.Contains(err.Error(), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:v:9") {
		t.Fatalf("missing version: %v", err)
	}
	if _, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("nope"), Qualifier: aws.String("1"), ProvisionedConcurrentExecutions: aws.Int32(1)}); !errors.As(err, &nf) {
		t.Fatalf("missing function: %v", err)
	}
	if err := put("a", 0); apitest.ErrorCode(err) != "ValidationException" {
		t.Fatalf("0: %v", err)
	}
	// One configuration per version: alias a provisions version 1, so b and 1 conflict.
	if err := put("a", 1); err != nil {
		t.Fatal(err)
	}
	if err := put("b", 1); !errors.As(err, &conflict) || aws.ToString(conflict.Message) != "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version" {
		t.Fatalf("second alias: %v", err)
	}
	if err := put("1", 1); !errors.As(err, &conflict) || aws.ToString(conflict.Message) != "Version is pointed by a Provisioned Concurrency alias" {
		t.Fatalf("the version itself: %v", err)
	}
	// Version 2 directly, and its own alias is then refused.
	if err := put("2", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("v"), Name: aws.String("c"), FunctionVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	if err := put("c", 1); !errors.As(err, &conflict) {
		t.Fatalf("alias of a provisioned version: %v", err)
	}
	// Re-pointing alias a at version 2 (provisioned directly) is refused; its config stays.
	if _, err := e.Client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("v"), Name: aws.String("a"), FunctionVersion: aws.String("2")}); !errors.As(err, &conflict) {
		t.Fatalf("re-point onto a provisioned version: %v", err)
	}
	// Get/Delete on $LATEST.
	if _, err := e.Client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("v"), Qualifier: aws.String("$LATEST")}); !errors.As(err, &ipv) ||
		aws.ToString(ipv.Message) != "The function resource provided must be an alias or a published version." {
		t.Fatalf("get $LATEST: %v", err)
	}
	if _, err := e.Client.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("v"), Qualifier: aws.String("$LATEST")}); !errors.As(err, &ipv) {
		t.Fatalf("delete $LATEST: %v", err)
	}
	var pcnf *types.ProvisionedConcurrencyConfigNotFoundException
	if _, err := e.Client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("v"), Qualifier: aws.String("b")}); !errors.As(err, &pcnf) {
		t.Fatalf("get unconfigured: %v", err)
	}
	// The qualifier may come in the function name.
	if g, err := e.Client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:v:a"), Qualifier: aws.String("a")}); err != nil ||
		aws.ToInt32(g.RequestedProvisionedConcurrentExecutions) != 1 {
		t.Fatalf("get by qualified ARN: %v", err)
	}
	// List sorts versions then aliases; paging.
	l, err := e.Client.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("v"), MaxItems: aws.Int32(1)})
	if err != nil || len(l.ProvisionedConcurrencyConfigs) != 1 || !strings.HasSuffix(aws.ToString(l.ProvisionedConcurrencyConfigs[0].FunctionArn), ":v:2") || l.NextMarker == nil {
		t.Fatalf("list page 1: %+v %v", l, err)
	}
	l, err = e.Client.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("v"), Marker: l.NextMarker})
	if err != nil || len(l.ProvisionedConcurrencyConfigs) != 1 || !strings.HasSuffix(aws.ToString(l.ProvisionedConcurrencyConfigs[0].FunctionArn), ":v:a") || l.NextMarker != nil {
		t.Fatalf("list page 2: %+v %v", l, err)
	}
	// Deleting the version deletes its configuration; deleting the alias deletes its own.
	if _, err := e.Client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("v"), Name: aws.String("c")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("v"), Qualifier: aws.String("2")}); apitest.ErrorCode(err) != "ResourceConflictException" {
		t.Fatalf("delete version 2 that alias w routes to: %v", err)
	}
	if _, err := e.Client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("v"), Name: aws.String("w")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("v"), Qualifier: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Pool.ProvisionedStatus(apitest.Key("v", "2")); ok {
		t.Fatal("the deleted version keeps a configuration in the pool")
	}
	if _, err := e.Client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("v"), Name: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	l, err = e.Client.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("v")})
	if err != nil || len(l.ProvisionedConcurrencyConfigs) != 0 {
		t.Fatalf("configs left: %+v %v", l, err)
	}
	apitest.WaitFor(t, 5*time.Second, "no provisioned worker", func() bool { return warm(e.Pool.Workers(apitest.Key("v", "1"))) == 0 })
}

func TestProvisionedConcurrencyInitFailure(t *testing.T) {
	e := apitest.New(t, apitest.Options{Pool: workers.Options{InitRetries: 2}})
	e.CreateFunction(t, "bad", map[string]string{"TESTFN_INIT": "fail"}, true)
	putPC(t, e, "bad", "1", 2)
	var g *lambda.GetProvisionedConcurrencyConfigOutput
	apitest.WaitFor(t, 20*time.Second, "FAILED", func() bool {
		g = getPC(t, e, "bad", "1")
		return g.Status == types.ProvisionedConcurrencyStatusEnumFailed
	})
	if aws.ToString(g.StatusReason) != "FUNCTION_ERROR_INIT_FAILURE" || aws.ToInt32(g.AllocatedProvisionedConcurrentExecutions) != 0 {
		t.Fatalf("failed config: %+v", g)
	}
	// A fixed function (new code in a new version) gets READY.
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("bad"), Environment: &types.Environment{Variables: map[string]string{}}}); err != nil {
		t.Fatal(err)
	}
	e.Publish(t, "bad")
	putPC(t, e, "bad", "2", 2)
	e.WaitReady(t, "bad", "2", 20*time.Second)
}

func TestProvisionedConcurrencyAliasRepoint(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	e.CreateFunction(t, "rp", nil, true)
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("rp"), Timeout: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	e.Publish(t, "rp")
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("rp"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	putPC(t, e, "rp", "live", 3)
	e.WaitReady(t, "rp", "live", 20*time.Second)
	old := e.Pool.Workers(apitest.Key("rp", "1")).PIDs
	if _, err := e.Client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("rp"), Name: aws.String("live"), FunctionVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	e.WaitReady(t, "rp", "live", 20*time.Second)
	apitest.WaitFor(t, 5*time.Second, "version 1 workers stop", func() bool { return allDead(old) })
	if n := warm(e.Pool.Workers(apitest.Key("rp", "2"))); n != 3 {
		t.Fatalf("%d warm workers on version 2", n)
	}
	out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("rp:live"), LogType: types.LogTypeTail})
	if err != nil || aws.ToString(out.ExecutedVersion) != "2" || coldStart(t, out) {
		t.Fatalf("invoke after re-point: %v %v", out, err)
	}
	// DeleteFunction stops everything.
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("rp")}); err != nil {
		t.Fatal(err)
	}
	apitest.WaitFor(t, 5*time.Second, "every worker of the function exits", func() bool { return len(e.FunctionPIDs("rp")) == 0 })
	apitest.WaitFor(t, 5*time.Second, "no provisioned concurrency left in the account", func() bool {
		u := e.Pool.Usage(apitest.Scope)
		return u.ProvisionedUnreserved == 0 && u.Committed == 0
	})
}

func TestConcurrencyLimits(t *testing.T) {
	e := apitest.New(t, apitest.Options{Pool: workers.Options{AccountLimit: 110}})
	for _, n := range []string{"a", "b", "c"} {
		e.CreateFunction(t, n, nil, true)
	}
	check := func() {
		t.Helper()
		u := e.Pool.Usage(apitest.Scope)
		if u.ReservedSum+u.ProvisionedUnreserved > u.Limit-100 || u.Committed > u.Limit {
			t.Fatalf("account accounting: %+v", u)
		}
	}
	settings := func() *lambda.GetAccountSettingsOutput {
		t.Helper()
		s, err := e.Client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := settings()
	if aws.ToInt32(&s.AccountLimit.ConcurrentExecutions) != 110 || aws.ToInt32(s.AccountLimit.UnreservedConcurrentExecutions) != 110 ||
		s.AccountUsage.FunctionCount != 3 || s.AccountUsage.TotalCodeSize != 3*int64(len(apitest.Zip(t))) || s.AccountLimit.CodeSizeZipped != 50*1024*1024 {
		t.Fatalf("settings: %+v %+v", s.AccountLimit, s.AccountUsage)
	}
	var ipv *types.InvalidParameterValueException
	// Provisioned concurrency: up to the unreserved concurrency minus 100.
	_, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("a"), Qualifier: aws.String("1"), ProvisionedConcurrentExecutions: aws.Int32(11)})
	if !errors.As(err, &ipv) || aws.ToString(ipv.Message) != "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]." {
		t.Fatalf("11 of 10: %v", err)
	}
	putPC(t, e, "a", "1", 6)
	check()
	if got := aws.ToInt32(settings().AccountLimit.UnreservedConcurrentExecutions); got != 104 {
		t.Fatalf("unreserved %d, want 104", got)
	}
	// Other functions' provisioned concurrency counts.
	if _, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("b"), Qualifier: aws.String("1"), ProvisionedConcurrentExecutions: aws.Int32(5)}); !errors.As(err, &ipv) {
		t.Fatalf("b 5 with a at 6: %v", err)
	}
	putPC(t, e, "b", "1", 4)
	check()
	// Raising a's own configuration counts what it has already.
	putPC(t, e, "a", "1", 6)
	if _, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("a"), Qualifier: aws.String("1"), ProvisionedConcurrentExecutions: aws.Int32(7)}); !errors.As(err, &ipv) {
		t.Fatalf("a 7 with b at 4: %v", err)
	}
	// Reserved concurrency must leave 100 unreserved: 110 - 10 provisioned = 100 left.
	if _, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("c"), ReservedConcurrentExecutions: aws.Int32(1)}); !errors.As(err, &ipv) ||
		aws.ToString(ipv.Message) != "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]." {
		t.Fatalf("reserve 1: %v", err)
	}
	// a's provisioned concurrency moves inside a's reservation: reserving 8 for a frees 6.
	if _, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("a"), ReservedConcurrentExecutions: aws.Int32(5)}); !errors.As(err, &ipv) ||
		!strings.Contains(err.Error(), "less than the function's total provisioned concurrency") {
		t.Fatalf("reserve below provisioned: %v", err)
	}
	r, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("a"), ReservedConcurrentExecutions: aws.Int32(6)})
	if err != nil || aws.ToInt32(r.ReservedConcurrentExecutions) != 6 {
		t.Fatalf("reserve 6 for a: %v", err)
	}
	check()
	gc, err := e.Client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("a")})
	if err != nil || aws.ToInt32(gc.ReservedConcurrentExecutions) != 6 {
		t.Fatalf("GetFunctionConcurrency: %+v %v", gc, err)
	}
	if g, err := e.Client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("a")}); err != nil || g.Concurrency == nil || aws.ToInt32(g.Concurrency.ReservedConcurrentExecutions) != 6 {
		t.Fatalf("GetFunction Concurrency: %+v %v", g, err)
	}
	// Within a reservation: provisioned concurrency up to it, minus other versions'.
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("a"), Timeout: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	e.Publish(t, "a")
	_, err = e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("a"), Qualifier: aws.String("2"), ProvisionedConcurrentExecutions: aws.Int32(1)})
	if !errors.As(err, &ipv) || aws.ToString(ipv.Message) != "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function" {
		t.Fatalf("above the reservation: %v", err)
	}
	putPC(t, e, "a", "1", 2)
	putPC(t, e, "a", "2", 4)
	check()
	if gc, err := e.Client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("b")}); err != nil || gc.ReservedConcurrentExecutions != nil {
		t.Fatalf("GetFunctionConcurrency without one: %+v %v", gc, err)
	}
	if _, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("nope"), ReservedConcurrentExecutions: aws.Int32(1)}); apitest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("missing function: %v", err)
	}
	for _, q := range []string{"1", "2"} {
		e.WaitReady(t, "a", q, 20*time.Second)
	}
	e.WaitReady(t, "b", "1", 20*time.Second)
	check()
	if _, err := e.Client.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(settings().AccountLimit.UnreservedConcurrentExecutions); got != 100 {
		t.Fatalf("unreserved %d, want 100 (a's 6 and b's 4 provisioned)", got)
	}
	check()
}

func TestRestartRestoresProvisionedConcurrency(t *testing.T) {
	e := apitest.New(t, apitest.Options{KeepStore: true})
	e.CreateFunction(t, "rs", nil, true)
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("rs"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	e.CreateFunction(t, "rs2", nil, true)
	putPC(t, e, "rs", "live", 3)
	putPC(t, e, "rs2", "1", 2)
	if _, err := e.Client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("rs2"), ReservedConcurrentExecutions: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	e.WaitReady(t, "rs", "live", 20*time.Second)
	e.WaitReady(t, "rs2", "1", 20*time.Second)
	before := e.WorkerPIDs()
	if len(before) != 5 {
		t.Fatalf("%d workers before the restart", len(before))
	}
	ne := e.Restart(t)
	if !allDead(before) {
		t.Fatal("workers of the first pool survived its Close")
	}
	g := ne.WaitReady(t, "rs", "live", 20*time.Second)
	if aws.ToInt32(g.AllocatedProvisionedConcurrentExecutions) != 3 {
		t.Fatalf("after restart: %+v", g)
	}
	ne.WaitReady(t, "rs2", "1", 20*time.Second)
	if n := len(ne.WorkerPIDs()); n != 5 {
		t.Fatalf("%d workers after the restart, want 5", n)
	}
	if u := ne.Pool.Usage(apitest.Scope); u.ReservedSum != 5 || u.ProvisionedUnreserved != 3 {
		t.Fatalf("usage after the restart: %+v", u)
	}
	out, err := ne.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("rs:live"), LogType: types.LogTypeTail})
	if err != nil || coldStart(t, out) {
		t.Fatalf("invoke after restart: %v", err)
	}
	l, err := ne.Client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("rs")})
	if err != nil || len(l.Versions) != 2 {
		t.Fatalf("versions after restart: %v", err)
	}
	_ = fmt.Sprint()
}
