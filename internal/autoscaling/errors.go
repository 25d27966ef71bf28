package autoscaling

import (
	"errors"
	"fmt"
)

// AWS exception codes of the Application Auto Scaling API.
const (
	CodeValidation           = "ValidationException"
	CodeObjectNotFound       = "ObjectNotFoundException"
	CodeConcurrentUpdate     = "ConcurrentUpdateException"
	CodeFailedResourceAccess = "FailedResourceAccessException"
	CodeInvalidNextToken     = "InvalidNextTokenException"
	CodeLimitExceeded        = "LimitExceededException"
	CodeResourceNotFound     = "ResourceNotFoundException"
	CodeTooManyTags          = "TooManyTagsException"
	CodeInternalService      = "InternalServiceException"
)

// Error is an error with an AWS exception code and message. ResourceName is set for the
// exceptions that carry it (ResourceNotFoundException, TooManyTagsException).
type Error struct {
	Code         string
	Message      string
	ResourceName string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// MsgUnsupported is AWS's text for a namespace, resource type and dimension that do not fit
// together (or a malformed resource id, or a $LATEST Lambda qualifier).
const MsgUnsupported = "Unsupported service namespace, resource type or scalable dimension"

// ErrNoTarget is the ObjectNotFoundException AWS returns when a policy or scheduled action
// names a target that is not registered (text observed from AWS).
func ErrNoTarget(k TargetKey) *Error {
	return Errorf(CodeObjectNotFound, "No scalable target registered for service namespace: %s, resource ID: %s, scalable dimension: %s",
		k.Namespace, k.ResourceID, k.Dimension)
}

// ErrTargetNotFound is the ObjectNotFoundException for DeregisterScalableTarget.
func ErrTargetNotFound(k TargetKey) *Error {
	return Errorf(CodeObjectNotFound, "No scalable target found for service namespace: %s, resource ID: %s, scalable dimension: %s",
		k.Namespace, k.ResourceID, k.Dimension)
}
