package cloudwatch

import (
	"fmt"
	"net/http"
)

// Error is an error answered on the wire. Code is the CloudWatch (query) error code, the one
// clients report (ResourceNotFound, InvalidParameterValue, ...); the codecs derive the rest of
// the wire form from the table below.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorKind is one row of the error table.
type errorKind struct {
	// Shape is the modeled exception shape (the JSON/CBOR __type); empty for errors that the
	// model does not declare (protocol errors), whose __type is the code itself.
	Shape string
	// Status is the HTTP status code.
	Status int
	// Fault is "Sender" or "Receiver" (x-amzn-query-error and the query <Type>).
	Fault string
}

// Error codes.
const (
	CodeInvalidParameterValue       = "InvalidParameterValue"
	CodeInvalidParameterCombination = "InvalidParameterCombination"
	CodeMissingParameter            = "MissingParameter"
	CodeResourceNotFound            = "ResourceNotFound"
	CodeLimitExceeded               = "LimitExceeded"
	CodeInvalidNextToken            = "InvalidNextToken"
	CodeInvalidFormat               = "InvalidFormat"
	CodeInternalService             = "InternalServiceError"
	// Protocol errors (not in the model).
	CodeSerialization    = "SerializationException"
	CodeUnknownOperation = "UnknownOperationException"
	CodeInvalidAction    = "InvalidAction" // the query protocol's unknown operation
	CodeMalformedQuery   = "MalformedQueryString"
)

// errorTable is the one table of every error the API answers with, from the botocore model
// (the error trait's code and httpStatusCode of each exception shape).
var errorTable = map[string]errorKind{
	CodeInvalidParameterValue:       {Shape: "InvalidParameterValueException", Status: http.StatusBadRequest, Fault: "Sender"},
	CodeInvalidParameterCombination: {Shape: "InvalidParameterCombinationException", Status: http.StatusBadRequest, Fault: "Sender"},
	CodeMissingParameter:            {Shape: "MissingRequiredParameterException", Status: http.StatusBadRequest, Fault: "Sender"},
	CodeResourceNotFound:            {Shape: "ResourceNotFound", Status: http.StatusNotFound, Fault: "Sender"},
	CodeLimitExceeded:               {Shape: "LimitExceededFault", Status: http.StatusBadRequest, Fault: "Sender"},
	CodeInvalidNextToken:            {Shape: "InvalidNextToken", Status: http.StatusBadRequest, Fault: "Sender"},
	CodeInvalidFormat:               {Shape: "InvalidFormatFault", Status: http.StatusBadRequest, Fault: "Sender"},
	CodeInternalService:             {Shape: "InternalServiceFault", Status: http.StatusInternalServerError, Fault: "Receiver"},
	CodeSerialization:               {Status: http.StatusBadRequest, Fault: "Sender"},
	CodeUnknownOperation:            {Status: http.StatusBadRequest, Fault: "Sender"},
	CodeInvalidAction:               {Status: http.StatusBadRequest, Fault: "Sender"},
	CodeMalformedQuery:              {Status: http.StatusBadRequest, Fault: "Sender"},
}

// kindOf returns the table row of a code (unknown codes are client errors).
func kindOf(code string) errorKind {
	if k, ok := errorTable[code]; ok {
		return k
	}
	return errorKind{Status: http.StatusBadRequest, Fault: "Sender"}
}

// shapeID is the absolute shape id of a modeled error, the JSON/CBOR __type.
func shapeID(code string) string {
	if k := kindOf(code); k.Shape != "" {
		return "com.amazonaws.cloudwatch#" + k.Shape
	}
	return code
}

func errf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalidValue is CloudWatch's wording for a rejected parameter value.
func invalidValue(param string, value any) *Error {
	return errf(CodeInvalidParameterValue, "The value %v for parameter %s is invalid.", value, param)
}

// missing is CloudWatch's wording for a missing required parameter.
func missing(param string) *Error {
	return errf(CodeMissingParameter, "The parameter %s is required.", param)
}

// exclusive is CloudWatch's wording for two parameters given together.
func exclusive(a, b string) *Error {
	return errf(CodeInvalidParameterCombination, "The parameters %s and %s are mutually exclusive and you have specified both.", a, b)
}
