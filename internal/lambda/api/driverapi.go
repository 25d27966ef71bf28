package lambdaapi

import (
	"context"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

// asError keeps a nil *Error from becoming a non-nil error.
func asError(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// ref builds the reference of a driver call.
func driverRef(scope autoscaling.Scope, name, qualifier string) (fnRef, *Error) {
	ref := fnRef{scope: scope, name: name, qualifier: qualifier}
	if !reFunctionName.MatchString(name) {
		return ref, errFunctionNotFound(functionARN(scope, name))
	}
	if qualifier != "" && !reQualifier.MatchString(qualifier) {
		return ref, errNotFound("Cannot find alias arn: %s", ref.arn())
	}
	return ref, nil
}

// ResolveQualifier returns the version a qualifier names ($LATEST for "" and $LATEST; an
// alias's version). A missing function, version or alias is an error matching ErrNotFound.
func (s *Service) ResolveQualifier(ctx context.Context, scope autoscaling.Scope, name, qualifier string) (string, error) {
	ref, err := driverRef(scope, name, qualifier)
	if err != nil {
		return "", err
	}
	e, err := s.get(ref)
	if err != nil {
		return "", err
	}
	v, err := e.resolve(ref)
	return v, asError(err)
}

// SetProvisioned sets the provisioned concurrency of a function's alias or version to n, with
// the validation of PutProvisionedConcurrencyConfig (errors match ErrNotFound, ErrUnscalable,
// ErrLimit or ErrInvalid); an unchanged value leaves a configuration that has not failed as
// it is. n == 0 deletes the configuration.
func (s *Service) SetProvisioned(ctx context.Context, scope autoscaling.Scope, name, qualifier string, n int) error {
	ref, err := driverRef(scope, name, qualifier)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n == 0 {
		return asError(s.deletePC(ctx, ref))
	}
	_, _, err = s.putPC(ctx, ref, n, true)
	return asError(err)
}

// Provisioned returns the provisioned concurrency configuration of a function's alias or
// version (false when it has none).
func (s *Service) Provisioned(ctx context.Context, scope autoscaling.Scope, name, qualifier string) (workers.Provisioned, bool, error) {
	ref, err := driverRef(scope, name, qualifier)
	if err != nil {
		return workers.Provisioned{}, false, err
	}
	e, err := s.get(ref)
	if err != nil {
		return workers.Provisioned{}, false, err
	}
	if _, err := e.resolve(ref); err != nil {
		return workers.Provisioned{}, false, err
	}
	pc := e.fn.PC[qualifier]
	if pc == nil {
		return workers.Provisioned{}, false, nil
	}
	return s.pcStatus(e, pc), true, nil
}
