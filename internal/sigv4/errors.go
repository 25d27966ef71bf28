package sigv4

import (
	"net/http"
)

// Kind classifies a verification failure independently of the wire protocol.
type Kind int

// The kinds of verification failure, each with its AWS error code.
const (
	// KindMissing: the request carries neither an Authorization header nor query auth.
	KindMissing Kind = iota + 1
	// KindIncomplete: the Authorization header or query auth is malformed.
	KindIncomplete
	// KindUnrecognized: the access key id is unknown.
	KindUnrecognized
	// KindInvalidSignature: the signature, date or credential scope is wrong.
	KindInvalidSignature
)

// Error is a signature verification failure. Code, Status and Message are what AWS
// services speaking AWS JSON or REST JSON answer; ForQuery gives the variant that
// query-protocol services (IAM, ElastiCache, CloudWatch query) answer.
type Error struct {
	Kind    Kind
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Protocol-specific codes and texts.
const (
	msgMissingJSON  = "Missing Authentication Token"
	msgMissingQuery = "Request is missing Authentication Token"
	msgUnrecognized = "The security token included in the request is invalid."
	msgMismatch     = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

var jsonCodes = map[Kind]string{
	KindMissing:          "MissingAuthenticationTokenException",
	KindIncomplete:       "IncompleteSignatureException",
	KindUnrecognized:     "UnrecognizedClientException",
	KindInvalidSignature: "InvalidSignatureException",
}

var queryCodes = map[Kind]string{
	KindMissing:          "MissingAuthenticationToken",
	KindIncomplete:       "IncompleteSignature",
	KindUnrecognized:     "InvalidClientTokenId",
	KindInvalidSignature: "SignatureDoesNotMatch",
}

// ForQuery returns the error as a query-protocol service reports it: codes
// MissingAuthenticationToken ("Request is missing Authentication Token"),
// IncompleteSignature, InvalidClientTokenId and SignatureDoesNotMatch; same status.
func (e *Error) ForQuery() *Error {
	q := *e
	if c, ok := queryCodes[e.Kind]; ok {
		q.Code = c
	}
	if e.Kind == KindMissing {
		q.Message = msgMissingQuery
	}
	return &q
}

func newError(k Kind, msg string) *Error {
	status := http.StatusForbidden
	if k == KindMissing || k == KindIncomplete {
		status = http.StatusBadRequest
	}
	return &Error{Kind: k, Code: jsonCodes[k], Status: status, Message: msg}
}

func errMissing() *Error              { return newError(KindMissing, msgMissingJSON) }
func errIncomplete(msg string) *Error { return newError(KindIncomplete, msg) }
func errUnrecognized() *Error         { return newError(KindUnrecognized, msgUnrecognized) }
func errSignature(msg string) *Error  { return newError(KindInvalidSignature, msg) }
func errMismatch() *Error             { return errSignature(msgMismatch) }
