// Package provisionedconcurrency is the driver of the lambda namespace: a target
// function:NAME:QUALIFIER scales the provisioned concurrency (lambda:function:ProvisionedConcurrency)
// of a local function's alias or version, through the same operation as
// PutProvisionedConcurrencyConfig. The warm workers are real processes (workers.Pool), so a
// change is in progress until they have initialised: Capacity reports Scaling while the
// configuration is IN_PROGRESS, Ready at READY and Failed when the environments fail to
// initialise. Capacity 0 deletes the configuration. Other lambda resources (none today) go to
// a fallback driver.
package provisionedconcurrency

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/driver"
	lambdaapi "github.com/autoscaled/autoscaled/internal/lambda/api"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

// Dimension is the scalable dimension of a function's provisioned concurrency.
const Dimension = "lambda:function:ProvisionedConcurrency"

// Service is what the driver needs of the Lambda API (lambdaapi.Service).
type Service interface {
	ResolveQualifier(ctx context.Context, scope autoscaling.Scope, name, qualifier string) (string, error)
	SetProvisioned(ctx context.Context, scope autoscaling.Scope, name, qualifier string, n int) error
	Provisioned(ctx context.Context, scope autoscaling.Scope, name, qualifier string) (workers.Provisioned, bool, error)
}

var _ Service = (*lambdaapi.Service)(nil)

// Driver scales provisioned concurrency.
type Driver struct {
	svc      Service
	fallback driver.Driver
}

// New returns the driver over the Lambda API; fallback serves the lambda resources that are
// not functions (nil: they are refused as not found).
func New(svc *lambdaapi.Service, fallback driver.Driver) *Driver {
	return NewWith(svc, fallback)
}

// NewWith is New over any implementation of Service.
func NewWith(svc Service, fallback driver.Driver) *Driver {
	return &Driver{svc: svc, fallback: fallback}
}

// Name implements driver.Driver.
func (d *Driver) Name() string { return "lambda" }

// parse splits a resource id function:NAME:QUALIFIER; ok is false for other resources.
func parse(t *autoscaling.ScalableTarget) (name, qualifier string, ok bool) {
	rest, found := strings.CutPrefix(t.ResourceID, "function:")
	if !found {
		return "", "", false
	}
	name, qualifier, _ = strings.Cut(rest, ":")
	return name, qualifier, true
}

// check verifies that the target's function and qualifier exist and can be provisioned.
func (d *Driver) check(ctx context.Context, t *autoscaling.ScalableTarget, name, qualifier string) error {
	if t.Dimension != Dimension {
		return fmt.Errorf("dimension %s does not apply to a Lambda function: %w", t.Dimension, driver.ErrUnscalable)
	}
	if name == "" || qualifier == "" {
		return fmt.Errorf("resource id %s must be function:<name>:<alias or version>: %w", t.ResourceID, driver.ErrNotFound)
	}
	v, err := d.svc.ResolveQualifier(ctx, t.Scope, name, qualifier)
	if err != nil {
		return classify(err)
	}
	if v == lambdaapi.LATEST {
		return fmt.Errorf("provisioned concurrency cannot be configured on $LATEST (%s): publish a version or use an alias that points to one: %w", t.ResourceID, driver.ErrUnscalable)
	}
	return nil
}

// classify maps an error of the Lambda API to the driver's sentinels, keeping its message.
func classify(err error) error {
	var e *lambdaapi.Error
	msg := err.Error()
	if errors.As(err, &e) {
		msg = e.Message
	}
	switch {
	case errors.Is(err, lambdaapi.ErrNotFound):
		return fmt.Errorf("%s: %w", msg, driver.ErrNotFound)
	case errors.Is(err, lambdaapi.ErrUnscalable), errors.Is(err, lambdaapi.ErrConflict):
		return fmt.Errorf("%s: %w", msg, driver.ErrUnscalable)
	case errors.Is(err, lambdaapi.ErrLimit), errors.Is(err, lambdaapi.ErrInvalid):
		return fmt.Errorf("%s: %w", msg, driver.ErrInvalidCapacity)
	}
	return err
}

// Attach checks that the function and its alias or version exist, and that the qualifier is
// not $LATEST.
func (d *Driver) Attach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	name, qualifier, ok := parse(t)
	if !ok {
		return d.fallbackOr(t, func(f driver.Driver) error { return f.Attach(ctx, t) })
	}
	return d.check(ctx, t, name, qualifier)
}

// Detach leaves the configuration as it is (Application Auto Scaling does not remove
// provisioned concurrency when a target is deregistered).
func (d *Driver) Detach(ctx context.Context, t *autoscaling.ScalableTarget) error {
	if _, _, ok := parse(t); !ok {
		return d.fallbackOr(t, func(f driver.Driver) error { return f.Detach(ctx, t) })
	}
	return nil
}

// Capacity reports the configuration: Desired is the requested provisioned concurrency (0
// without a configuration), Actual the allocated one; Scaling while IN_PROGRESS, Ready at
// READY, Failed with the init error when FAILED.
func (d *Driver) Capacity(ctx context.Context, t *autoscaling.ScalableTarget) (driver.Capacity, error) {
	name, qualifier, ok := parse(t)
	if !ok {
		if d.fallback == nil {
			return driver.Capacity{}, fmt.Errorf("resource %s is not a Lambda function: %w", t.ResourceID, driver.ErrNotFound)
		}
		return d.fallback.Capacity(ctx, t)
	}
	p, found, err := d.svc.Provisioned(ctx, t.Scope, name, qualifier)
	if err != nil {
		return driver.Capacity{}, classify(err)
	}
	if !found {
		return driver.Capacity{Status: driver.StatusReady}, nil
	}
	c := driver.Capacity{Desired: int32(p.Requested), Actual: int32(p.Allocated)}
	switch p.Status {
	case workers.StatusReady:
		c.Status = driver.StatusReady
	case workers.StatusFailed:
		c.Status = driver.StatusFailed
		c.Message = p.StatusReason
		if p.InitError != "" {
			c.Message += " (" + p.InitError + ")"
		}
	default:
		c.Status = driver.StatusScaling
		c.Message = fmt.Sprintf("provisioned concurrency %s: %d of %d allocated, %d available", p.Status, p.Allocated, p.Requested, p.Available)
	}
	return c, nil
}

// SetDesired puts the configuration (n > 0) or deletes it (n == 0). A refusal of the Lambda
// API is ErrInvalidCapacity (limits) or ErrUnscalable (qualifier), with Lambda's message.
func (d *Driver) SetDesired(ctx context.Context, t *autoscaling.ScalableTarget, n int32) error {
	name, qualifier, ok := parse(t)
	if !ok {
		return d.fallbackOr(t, func(f driver.Driver) error { return f.SetDesired(ctx, t, n) })
	}
	if n < 0 {
		return fmt.Errorf("provisioned concurrency %d is negative: %w", n, driver.ErrInvalidCapacity)
	}
	if err := d.check(ctx, t, name, qualifier); err != nil {
		return err
	}
	if err := d.svc.SetProvisioned(ctx, t.Scope, name, qualifier, int(n)); err != nil {
		return classify(err)
	}
	return nil
}

func (d *Driver) fallbackOr(t *autoscaling.ScalableTarget, f func(driver.Driver) error) error {
	if d.fallback == nil {
		return fmt.Errorf("resource %s is not a Lambda function: %w", t.ResourceID, driver.ErrNotFound)
	}
	return f(d.fallback)
}
