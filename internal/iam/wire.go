package iam

import (
	"fmt"
	"github.com/autoscaled/autoscaled/internal/awsquery"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// Error is an error answered on the wire, with IAM's query error code.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error codes (the IAM model's error codes, and the query protocol's own).
const (
	CodeNoSuchEntity    = "NoSuchEntity"
	CodeInvalidInput    = "InvalidInput"
	CodeValidation      = "ValidationError"
	CodeServiceFailure  = "ServiceFailure"
	CodeInvalidAction   = "InvalidAction"
	CodeMalformedInput  = "MalformedQueryString"
	CodeMissingAction   = "MissingAction"
	CodeUnsupportedHTTP = "UnsupportedHttpVerb"
)

// statusOf is the HTTP status and fault of an error code.
func statusOf(code string) (int, string) {
	switch code {
	case CodeNoSuchEntity:
		return http.StatusNotFound, "Sender"
	case CodeServiceFailure:
		return http.StatusInternalServerError, "Receiver"
	case CodeUnsupportedHTTP:
		return http.StatusMethodNotAllowed, "Sender"
	}
	return http.StatusBadRequest, "Sender"
}

// params are the form parameters of a query call, with IAM's validation messages.
type params struct{ awsquery.Params }

// decodeRequest reads a query call: its action and parameters. IAM takes POST form bodies
// (and, like every query API, GET with the parameters in the URL; the shared endpoint
// routes only form POSTs here).
func decodeRequest(method string, body []byte) (string, params, *Error) {
	if method != http.MethodPost {
		return "", params{}, errf(CodeUnsupportedHTTP, "The HTTP verb %s is not supported here; use POST.", method)
	}
	v, err := awsquery.Parse(body)
	if err != nil {
		return "", params{}, errf(CodeMalformedInput, "The request body is not a valid form encoding.")
	}
	p := params{v}
	action := p.Get("Action")
	if action == "" {
		return "", params{}, errf(CodeMissingAction, "The request must contain the parameter Action.")
	}
	if ver := p.Get("Version"); ver != "" && ver != APIVersion {
		return "", params{}, errf(CodeInvalidAction, "Could not find operation %s for version %s", action, ver)
	}
	return action, p, nil
}

// memberName is the model's member name as IAM's validation messages spell it (first
// letter lower case).
func memberName(name string) string {
	if name == "" {
		return name
	}
	b := []byte(name)
	if 'A' <= b[0] && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	// AWSServiceName -> aWSServiceName, as IAM writes it.
	return string(b)
}

// validation is IAM's wording of one failed constraint.
func validation(format string, args ...any) *Error {
	return errf(CodeValidation, "1 validation error detected: "+format, args...)
}

// required returns a parameter that must be present.
func (p params) required(name string) (string, error) {
	if !p.Has(name) {
		return "", validation("Value null at '%s' failed to satisfy constraint: Member must not be null", memberName(name))
	}
	return p.Get(name), nil
}

// text checks a string parameter's length and pattern.
func (p params) text(name string, value string, minLen, maxLen int, pattern *regexp.Regexp, patternText string) error {
	m := memberName(name)
	if n := len([]rune(value)); n < minLen {
		return validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, m, minLen)
	} else if n > maxLen {
		return validation("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, m, maxLen)
	}
	if pattern != nil && !pattern.MatchString(value) {
		return validation("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, m, patternText)
	}
	return nil
}

// Patterns of the IAM model.
var (
	reRoleName   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	rePathPrefix = regexp.MustCompile(`^\x{002F}[\x{0021}-\x{007F}]*$`)
	reMarker     = regexp.MustCompile(`^[\x{0020}-\x{00FF}]+$`)
	reService    = regexp.MustCompile(`^[\w+=,.@-]+$`)
	reTaskID     = regexp.MustCompile(`^[\x{0020}-\x{00FF}]+$`)
)

// maxItems reads MaxItems (1 to 1000; default 100).
func (p params) maxItems() (int, error) {
	if !p.Has("MaxItems") {
		return 100, nil
	}
	s := p.Get("MaxItems")
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, validation("Value '%s' at 'maxItems' failed to satisfy constraint: Member must be an integer", s)
	}
	if n < 1 {
		return 0, validation("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
	}
	if n > 1000 {
		return 0, validation("Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", n)
	}
	return n, nil
}

// xmlRole is a Role element.
type xmlRole struct {
	Path                     string           `xml:"Path"`
	AssumeRolePolicyDocument string           `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int              `xml:"MaxSessionDuration"`
	RoleID                   string           `xml:"RoleId"`
	RoleLastUsed             *xmlRoleLastUsed `xml:"RoleLastUsed"`
	RoleName                 string           `xml:"RoleName"`
	Description              string           `xml:"Description,omitempty"`
	Arn                      string           `xml:"Arn"`
	CreateDate               string           `xml:"CreateDate"`
}

type xmlRoleLastUsed struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	Region       string `xml:"Region,omitempty"`
}

// xmlTime is IAM's timestamp format.
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// wireRole is the Role element of a role; withLastUsed adds RoleLastUsed (GetRole does,
// ListRoles does not).
func wireRole(r *Role, withLastUsed bool) xmlRole {
	x := xmlRole{Path: r.Path, AssumeRolePolicyDocument: r.encodedPolicy(), MaxSessionDuration: MaxSessionDuration,
		RoleID: r.RoleID, RoleName: r.RoleName, Description: r.Description, Arn: r.Arn, CreateDate: xmlTime(r.CreateDate)}
	if withLastUsed {
		x.RoleLastUsed = &xmlRoleLastUsed{}
		if !r.LastUsedDate.IsZero() {
			x.RoleLastUsed.LastUsedDate = xmlTime(r.LastUsedDate)
			x.RoleLastUsed.Region = r.LastUsedRegion
		}
	}
	return x
}

func writeResult(w http.ResponseWriter, action, reqID string, out any) {
	// out's XMLName is <Action>Result.
	if err := awsquery.WriteResult(w, XMLNamespace, action, reqID, out); err != nil {
		writeError(w, reqID, errf(CodeServiceFailure, "An internal error occurred (request id %s)", reqID))
	}
}

func writeError(w http.ResponseWriter, reqID string, e *Error) {
	status, fault := statusOf(e.Code)
	awsquery.WriteError(w, XMLNamespace, reqID, status, fault, e.Code, e.Message)
}
