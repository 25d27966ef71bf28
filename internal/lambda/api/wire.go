package lambdaapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Error is an error answered on the wire: Lambda's REST JSON error, {"Type": "User",
// "message": "..."} with the code in the X-Amzn-ErrorType header.
type Error struct {
	Status  int
	Code    string
	Message string
	// Reason is TooManyRequestsException's Reason.
	Reason string
	// kind is the sentinel the error matches (ErrNotFound, ErrLimit, ...), for callers that
	// classify errors (the autoscaling driver).
	kind error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches the sentinel of the error's kind.
func (e *Error) Is(target error) bool { return e.kind != nil && target == e.kind }

// Sentinels the errors of the Service match with errors.Is.
var (
	// ErrNotFound: the function, version, alias or configuration does not exist.
	ErrNotFound = errors.New("lambda: not found")
	// ErrInvalid: a parameter is invalid.
	ErrInvalid = errors.New("lambda: invalid parameter")
	// ErrLimit: the value is above what the account's or the function's concurrency allows.
	ErrLimit = errors.New("lambda: concurrency limit")
	// ErrUnscalable: provisioned concurrency cannot be configured on this qualifier ($LATEST,
	// an alias with a routing configuration, a version already provisioned through another
	// qualifier).
	ErrUnscalable = errors.New("lambda: qualifier cannot have provisioned concurrency")
	// ErrConflict: the resource exists already, or is in use.
	ErrConflict = errors.New("lambda: conflict")
)

// Error codes (the botocore model's exception shapes) and their HTTP status.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceConflict      = "ResourceConflictException"
	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodeValidation            = "ValidationException"
	CodeTooManyRequests       = "TooManyRequestsException"
	CodeRequestTooLarge       = "RequestTooLargeException"
	CodeInvalidRequestContent = "InvalidRequestContentException"
	CodePreconditionFailed    = "PreconditionFailedException"
	CodePCConfigNotFound      = "ProvisionedConcurrencyConfigNotFoundException"
	CodeService               = "ServiceException"
	CodeUnknownOperation      = "UnknownOperationException"
)

func statusOf(code string) int {
	switch code {
	case CodeResourceNotFound, CodePCConfigNotFound, CodeUnknownOperation:
		return http.StatusNotFound
	case CodeResourceConflict:
		return http.StatusConflict
	case CodeTooManyRequests:
		return http.StatusTooManyRequests
	case CodeRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodePreconditionFailed:
		return http.StatusPreconditionFailed
	case CodeService:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func newErr(kind error, code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Status: statusOf(code), Code: code, Message: msg, kind: kind}
}

// Constructors of the errors the operations answer.

func errNotFound(format string, args ...any) *Error {
	return newErr(ErrNotFound, CodeResourceNotFound, format, args...)
}

func errInvalid(format string, args ...any) *Error {
	return newErr(ErrInvalid, CodeInvalidParameterValue, format, args...)
}

func errConflict(format string, args ...any) *Error {
	return newErr(ErrConflict, CodeResourceConflict, format, args...)
}

// errValidation is the message AWS's request validation gives a constraint violation.
func errValidation(value any, member, constraint string) *Error {
	return newErr(ErrInvalid, CodeValidation, "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func errFunctionNotFound(arn string) *Error { return errNotFound("Function not found: %s", arn) }

func errAliasNotFound(arn string) *Error { return errNotFound("Cannot find alias arn: %s", arn) }

func errBadJSON(err error) *Error {
	return newErr(ErrInvalid, CodeInvalidRequestContent, "Could not parse request body into json: %v", err)
}

func errRevision() *Error {
	return newErr(ErrConflict, CodePreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

// messageMember is the JSON member that carries the message: the model names it "Message"
// in ResourceNotFoundException and ServiceException, "message" elsewhere.
func messageMember(code string) string {
	if code == CodeResourceNotFound || code == CodeService {
		return "Message"
	}
	return "message"
}

// writeError answers an error.
func writeError(w http.ResponseWriter, e *Error) {
	typ := "User"
	if e.Status >= 500 {
		typ = "Service"
	}
	body := map[string]string{"Type": typ, messageMember(e.Code): e.Message}
	if e.Reason != "" {
		body["Reason"] = e.Reason
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("X-Amzn-ErrorType", e.Code)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// writeJSON answers a result.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, newErr(nil, CodeService, "could not encode the response: %v", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
