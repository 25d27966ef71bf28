package provisionedconcurrency

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/driver/drivertest"
	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

var ctx = context.Background()

func target(resource string, min, max int32) *autoscaling.ScalableTarget {
	tg := &autoscaling.ScalableTarget{TargetKey: autoscaling.TargetKey{Namespace: "lambda", ResourceID: resource, Dimension: Dimension},
		MinCapacity: min, MaxCapacity: max}
	tg.Scope = apitest.Scope
	return tg
}

// newFunction creates a function with version 1 and alias live -> 1.
func newFunction(t *testing.T, e *apitest.Env, name string, env map[string]string) {
	t.Helper()
	e.CreateFunction(t, name, env, true)
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String(name), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
}

// TestConformance runs the driver conformance kit against real functions: each target is a
// new function's alias, whose provisioned concurrency is real warm worker processes.
func TestConformance(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	var n atomic.Int32
	drivertest.Run(t, drivertest.Harness{
		Driver: New(e.Service, nil),
		Target: func(t *testing.T, min, max int32) *autoscaling.ScalableTarget {
			name := fmt.Sprintf("conf%d", n.Add(1))
			newFunction(t, e, name, nil)
			return target("function:"+name+":live", min, max)
		},
		Missing: func(t *testing.T) *autoscaling.ScalableTarget { return target("function:nope:live", 0, 5) },
		Wait:    func(d time.Duration) { time.Sleep(d) },
		Settle:  30 * time.Second,
	})
}

func TestAttach(t *testing.T) {
	e := apitest.New(t, apitest.Options{})
	d := New(e.Service, nil)
	newFunction(t, e, "f", nil)
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("f"), Name: aws.String("dev"), FunctionVersion: aws.String("$LATEST")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		resource string
		want     error
		text     string
	}{
		{"function:f:live", nil, ""},
		{"function:f:1", nil, ""},
		{"function:f:2", driver.ErrNotFound, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f:2"},
		{"function:f:nope", driver.ErrNotFound, "Cannot find alias arn: arn:aws:lambda:us-east-1:123456789012:function:f:nope"},
		{"function:g:live", driver.ErrNotFound, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:g"},
		{"function:f:$LATEST", driver.ErrUnscalable, "$LATEST"},
		{"function:f:dev", driver.ErrUnscalable, "$LATEST"},
		{"function:f", driver.ErrNotFound, ""},
		{"table/x", driver.ErrNotFound, "not a Lambda function"},
	} {
		err := d.Attach(ctx, target(c.resource, 0, 5))
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.resource, err)
			}
			continue
		}
		if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.text) {
			t.Errorf("%s: %v, want %v with %q", c.resource, err, c.want, c.text)
		}
	}
	other := target("function:f:live", 0, 5)
	other.Account = "999999999999"
	if err := d.Attach(ctx, other); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("another account's function: %v", err)
	}
	wrongDim := target("function:f:live", 0, 5)
	wrongDim.Dimension = "ecs:service:DesiredCount"
	if err := d.Attach(ctx, wrongDim); !errors.Is(err, driver.ErrUnscalable) {
		t.Errorf("wrong dimension: %v", err)
	}
}

// TestScaleUpAndDown follows the driver's capacity while it scales a real configuration:
// Scaling until the warm workers are up, Ready when Actual == Desired, never more warm
// workers than MaxCapacity, 0 deletes the configuration and stops every warm worker.
func TestScaleUpAndDown(t *testing.T) {
	e := apitest.New(t, apitest.Options{Pool: workers.Options{AllocationBurst: 1, AllocationPerMinute: 1200}})
	d := New(e.Service, nil)
	newFunction(t, e, "s", map[string]string{"TESTFN_INIT_SLEEP_MS": "10"})
	tg := target("function:s:live", 0, 6)
	if err := d.Attach(ctx, tg); err != nil {
		t.Fatal(err)
	}
	key := apitest.Key("s", "1")
	follow := func(want int32) {
		t.Helper()
		sawScaling := false
		deadline := time.Now().Add(20 * time.Second)
		for {
			c, err := d.Capacity(ctx, tg)
			if err != nil {
				t.Fatal(err)
			}
			w := e.Pool.Workers(key)
			if live := w.ProvisionedIdle + w.ProvisionedBusy; live > int(tg.MaxCapacity) || len(w.PIDs) > int(tg.MaxCapacity) {
				t.Fatalf("%d warm workers (%d processes) above MaxCapacity %d", live, len(w.PIDs), tg.MaxCapacity)
			}
			if c.Desired != want || c.Actual < 0 {
				t.Fatalf("capacity %+v, want desired %d", c, want)
			}
			switch c.Status {
			case driver.StatusFailed:
				t.Fatalf("failed: %s", c.Message)
			case driver.StatusScaling:
				sawScaling = true
			case driver.StatusReady:
				if c.Actual != want {
					t.Fatalf("ready at %+v", c)
				}
				if want > 0 && !sawScaling {
					t.Errorf("reached %d without reporting Scaling", want)
				}
				apitest.WaitFor(t, 5*time.Second, "warm workers == allocated", func() bool {
					w := e.Pool.Workers(key)
					return w.ProvisionedIdle+w.ProvisionedBusy == int(want) && w.Stopping == 0 && w.Starting == 0
				})
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("not settled at %d: %+v", want, c)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	if err := d.SetDesired(ctx, tg, 6); err != nil {
		t.Fatal(err)
	}
	follow(6)
	// Setting the same value again changes nothing.
	if err := d.SetDesired(ctx, tg, 6); err != nil {
		t.Fatal(err)
	}
	if c, _ := d.Capacity(ctx, tg); c.Status != driver.StatusReady {
		t.Fatalf("re-set: %+v", c)
	}
	if err := d.SetDesired(ctx, tg, 2); err != nil {
		t.Fatal(err)
	}
	follow(2)
	pids := e.Pool.Workers(key).PIDs
	if err := d.SetDesired(ctx, tg, 0); err != nil {
		t.Fatal(err)
	}
	c, err := d.Capacity(ctx, tg)
	if err != nil || c != (driver.Capacity{Status: driver.StatusReady}) {
		t.Fatalf("after 0: %+v %v", c, err)
	}
	apitest.WaitFor(t, 5*time.Second, "warm workers exit", func() bool {
		for _, p := range pids {
			if apitest.PIDAlive(p) {
				return false
			}
		}
		return true
	})
	if _, err := e.Client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("s"), Qualifier: aws.String("live")}); apitest.ErrorCode(err) != "ProvisionedConcurrencyConfigNotFoundException" {
		t.Fatalf("configuration after 0: %v", err)
	}
	// 0 without a configuration is fine.
	if err := d.SetDesired(ctx, tg, 0); err != nil {
		t.Fatal(err)
	}
}

func TestRefusals(t *testing.T) {
	e := apitest.New(t, apitest.Options{Pool: workers.Options{AccountLimit: 105, InitRetries: 1}})
	d := New(e.Service, nil)
	newFunction(t, e, "r", nil)
	tg := target("function:r:live", 0, 50)
	// Above the account's unreserved concurrency minus 100.
	err := d.SetDesired(ctx, tg, 6)
	if !errors.Is(err, driver.ErrInvalidCapacity) || !strings.Contains(err.Error(), "below its minimum value of [100]") {
		t.Fatalf("above the account: %v", err)
	}
	if c, _ := d.Capacity(ctx, tg); c.Desired != 0 {
		t.Fatalf("a refused change changed the capacity: %+v", c)
	}
	if err := d.SetDesired(ctx, tg, -1); !errors.Is(err, driver.ErrInvalidCapacity) {
		t.Fatalf("-1: %v", err)
	}
	// Routing configuration on the alias: unscalable.
	if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("r"), Timeout: aws.Int32(4)}); err != nil {
		t.Fatal(err)
	}
	e.Publish(t, "r")
	if _, err := e.Client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("r"), Name: aws.String("live"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.2}}}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetDesired(ctx, tg, 1); !errors.Is(err, driver.ErrUnscalable) || !strings.Contains(err.Error(), "Alias with weights") {
		t.Fatalf("weighted alias: %v", err)
	}
	// Version 2 provisioned directly: its alias cannot be.
	if _, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("r"), Qualifier: aws.String("2"), ProvisionedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("r"), Name: aws.String("two"), FunctionVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetDesired(ctx, target("function:r:two", 0, 5), 1); !errors.Is(err, driver.ErrUnscalable) {
		t.Fatalf("alias of a provisioned version: %v", err)
	}
	// A function whose init fails: Failed with the reason.
	newFunction(t, e, "broken", map[string]string{"TESTFN_INIT": "fail"})
	btg := target("function:broken:live", 0, 5)
	if err := d.SetDesired(ctx, btg, 1); err != nil {
		t.Fatal(err)
	}
	var c driver.Capacity
	apitest.WaitFor(t, 20*time.Second, "Failed", func() bool {
		c, err = d.Capacity(ctx, btg)
		return err == nil && c.Status == driver.StatusFailed
	})
	if !strings.Contains(c.Message, "FUNCTION_ERROR_INIT_FAILURE") || !strings.Contains(c.Message, "configured to fail") || c.Desired != 1 || c.Actual != 0 {
		t.Fatalf("failed capacity: %+v", c)
	}
	// The function is gone: Capacity is ErrNotFound.
	if _, err := e.Client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("broken")}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Capacity(ctx, btg); !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("capacity of a deleted function: %v", err)
	}
}

// fallbackDriver records the calls it gets.
type fallbackDriver struct{ calls []string }

func (f *fallbackDriver) Name() string { return "fallback" }
func (f *fallbackDriver) Attach(_ context.Context, t *autoscaling.ScalableTarget) error {
	f.calls = append(f.calls, "attach "+t.ResourceID)
	return nil
}
func (f *fallbackDriver) Detach(_ context.Context, t *autoscaling.ScalableTarget) error {
	f.calls = append(f.calls, "detach "+t.ResourceID)
	return nil
}
func (f *fallbackDriver) Capacity(_ context.Context, t *autoscaling.ScalableTarget) (driver.Capacity, error) {
	f.calls = append(f.calls, "capacity "+t.ResourceID)
	return driver.Capacity{Status: driver.StatusReady}, nil
}
func (f *fallbackDriver) SetDesired(_ context.Context, t *autoscaling.ScalableTarget, n int32) error {
	f.calls = append(f.calls, fmt.Sprintf("set %s %d", t.ResourceID, n))
	return nil
}

func TestFallback(t *testing.T) {
	fb := &fallbackDriver{}
	d := NewWith(nil, fb)
	tg := target("layer/x", 0, 1)
	_ = d.Attach(ctx, tg)
	_, _ = d.Capacity(ctx, tg)
	_ = d.SetDesired(ctx, tg, 1)
	_ = d.Detach(ctx, tg)
	if got := strings.Join(fb.calls, ","); got != "attach layer/x,capacity layer/x,set layer/x 1,detach layer/x" {
		t.Fatalf("fallback calls %s", got)
	}
	if d.Name() != "lambda" {
		t.Fatal(d.Name())
	}
}
