// Package driver is the actuation contract of autoscaled: how the engine reads the capacity of
// a scalable resource and asks it to change. Each backend (emulated resources, real Redis
// replication groups, real function workers) implements Driver; drivertest is the
// conformance kit every backend passes.
//
// A capacity change is asynchronous: SetDesired starts it and returns; Capacity reports the
// progress. The engine keeps the scaling activity InProgress until the resource reports
// Ready with Actual equal to the Desired it asked for, and fails it on StatusFailed.
package driver

import (
	"context"
	"errors"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Status is the state of a resource's capacity.
type Status string

// Resource statuses.
const (
	// StatusReady: the resource runs its desired capacity and accepts changes.
	StatusReady Status = "Ready"
	// StatusScaling: a change is in progress (Actual moves toward Desired).
	StatusScaling Status = "Scaling"
	// StatusFailed: the last change failed; Message says why. The resource accepts a new one.
	StatusFailed Status = "Failed"
)

// Capacity is what a driver reports about a resource.
type Capacity struct {
	Desired int32
	Actual  int32
	Status  Status
	Message string
}

// Sentinel errors; drivers wrap them with the cause.
var (
	// ErrNotFound: the resource does not exist (registration answers a ValidationException).
	ErrNotFound = errors.New("resource not found")
	// ErrUnscalable: the resource exists but cannot be scaled now (wrong mode, busy with
	// another change, being deleted). The engine records a Failed activity and retries later.
	ErrUnscalable = errors.New("resource not scalable")
	// ErrInvalidCapacity: the capacity is outside what the resource supports.
	ErrInvalidCapacity = errors.New("invalid capacity")
)

// Driver actuates one kind of resource. Every method is safe for concurrent use and honours
// ctx's deadline.
type Driver interface {
	// Name names the backend in logs and at start ("emulated", "redis", "lambda").
	Name() string
	// Attach is called when a target is registered (and again when the engine starts, for
	// every stored target): it checks that the resource exists and can be scaled on the
	// target's dimension (ErrNotFound, ErrUnscalable), creating emulated resources.
	Attach(ctx context.Context, t *autoscaling.ScalableTarget) error
	// Detach is called when a target is deregistered. Real resources stay as they are.
	Detach(ctx context.Context, t *autoscaling.ScalableTarget) error
	// Capacity reports the resource's capacity on the target's dimension.
	Capacity(ctx context.Context, t *autoscaling.ScalableTarget) (Capacity, error)
	// SetDesired starts changing the capacity to n and returns without waiting for it.
	SetDesired(ctx context.Context, t *autoscaling.ScalableTarget, n int32) error
}

// Set maps namespaces to drivers.
type Set struct {
	byNamespace map[string]Driver
	fallback    Driver
}

// NewSet returns a set that uses fallback for every namespace without its own driver.
func NewSet(fallback Driver) *Set { return &Set{byNamespace: map[string]Driver{}, fallback: fallback} }

// Use makes d the driver of namespace.
func (s *Set) Use(namespace string, d Driver) { s.byNamespace[namespace] = d }

// For returns the driver of a namespace.
func (s *Set) For(namespace string) Driver {
	if d, ok := s.byNamespace[namespace]; ok {
		return d
	}
	return s.fallback
}
