package elasticache

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/autoscaled/autoscaled/internal/redisgroup"
)

// Error is an error answered on the wire, with ElastiCache's query error code.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error codes (the botocore model's error codes).
const (
	CodeReplicationGroupNotFound      = "ReplicationGroupNotFoundFault"
	CodeReplicationGroupAlreadyExists = "ReplicationGroupAlreadyExists"
	CodeInvalidReplicationGroupState  = "InvalidReplicationGroupState"
	CodeCacheClusterNotFound          = "CacheClusterNotFound"
	CodeInvalidParameterValue         = "InvalidParameterValue"
	CodeInvalidParameterCombination   = "InvalidParameterCombination"
	CodeNoOperation                   = "NoOperationFault"
	CodeNodeQuotaForCluster           = "NodeQuotaForClusterExceeded"
	CodeMissingParameter              = "MissingParameter"
	CodeInvalidAction                 = "InvalidAction"
	CodeMalformedQuery                = "MalformedQueryString"
	CodeServiceUnavailable            = "ServiceUnavailable"
	CodeInternalFailure               = "InternalFailure"
)

// statusOf is the HTTP status of an error code.
func statusOf(code string) (int, string) {
	switch code {
	case CodeReplicationGroupNotFound, CodeCacheClusterNotFound:
		return http.StatusNotFound, "Sender"
	case CodeServiceUnavailable:
		return http.StatusServiceUnavailable, "Receiver"
	case CodeInternalFailure:
		return http.StatusInternalServerError, "Receiver"
	}
	return http.StatusBadRequest, "Sender"
}

// backendError turns a redisgroup error into the fault ElastiCache answers.
func backendError(err error, id string) error {
	msg := func(sentinel error) string {
		m := err.Error()
		// The manager wraps its sentinels as "<sentinel>: <message>".
		if i := strings.Index(m, sentinel.Error()+": "); i >= 0 {
			return m[i+len(sentinel.Error())+2:]
		}
		return m
	}
	switch {
	case errors.Is(err, redisgroup.ErrNotFound):
		return errf(CodeReplicationGroupNotFound, "ReplicationGroup %s not found.", id)
	case errors.Is(err, redisgroup.ErrExists):
		return errf(CodeReplicationGroupAlreadyExists, "Replication group %s already exists.", id)
	case errors.Is(err, redisgroup.ErrBusy):
		return errf(CodeInvalidReplicationGroupState, "%s", msg(redisgroup.ErrBusy))
	case errors.Is(err, redisgroup.ErrNoOp):
		return errf(CodeNoOperation, "%s", msg(redisgroup.ErrNoOp))
	case errors.Is(err, redisgroup.ErrCapacity):
		return errf(CodeInvalidParameterValue, "%s", msg(redisgroup.ErrCapacity))
	case errors.Is(err, redisgroup.ErrInvalid):
		return errf(CodeInvalidParameterValue, "%s", msg(redisgroup.ErrInvalid))
	}
	return err
}

// params are the form parameters of a query call.
type params url.Values

func (p params) get(name string) string {
	if vs := p[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func (p params) has(name string) bool { _, ok := p[name]; return ok }

// required returns a parameter that must be present and not empty.
func (p params) required(name string) (string, error) {
	v := p.get(name)
	if v == "" {
		return "", errf(CodeMissingParameter, "The request must contain the parameter %s", name)
	}
	return v, nil
}

// integer returns an optional integer parameter.
func (p params) integer(name string) (*int, error) {
	if !p.has(name) {
		return nil, nil
	}
	n, err := strconv.Atoi(p.get(name))
	if err != nil {
		return nil, errf(CodeInvalidParameterValue, "Invalid value for parameter %s: %q is not an integer", name, p.get(name))
	}
	return &n, nil
}

// boolean returns an optional boolean parameter.
func (p params) boolean(name string) (*bool, error) {
	if !p.has(name) {
		return nil, nil
	}
	b, err := strconv.ParseBool(p.get(name))
	if err != nil {
		return nil, errf(CodeInvalidParameterValue, "Invalid value for parameter %s: %q is not a boolean", name, p.get(name))
	}
	return &b, nil
}

// maxListMembers bounds a list parameter.
const maxListMembers = 1000

// list returns the string members of a list (prefix.member.1, prefix.member.2, ...); member is
// the list's member name in the model ("member" when it has none).
func (p params) list(prefix, member string) []string {
	var out []string
	for i := 1; i <= maxListMembers; i++ {
		v, ok := p[prefix+"."+member+"."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			break
		}
		out = append(out, v[0])
	}
	return out
}

// structs returns the members of a list of structures, each as its own params (the
// parameters under prefix.member.N. with that prefix removed).
func (p params) structs(prefix, member string) []params {
	var out []params
	for i := 1; i <= maxListMembers; i++ {
		pre := prefix + "." + member + "." + strconv.Itoa(i) + "."
		sub := params{}
		for k, v := range p {
			if strings.HasPrefix(k, pre) {
				sub[strings.TrimPrefix(k, pre)] = v
			}
		}
		if len(sub) == 0 {
			break
		}
		out = append(out, sub)
	}
	return out
}

func writeResult(w http.ResponseWriter, action, reqID string, out any) {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + XMLNamespace + `">`)
	if r, ok := out.(*replicationGroupResult); ok {
		// One result shape serves several operations: its element is named for the action.
		r.XMLName = xml.Name{Local: action + "Result"}
	}
	if out == nil {
		b.WriteString("<" + action + "Result/>")
	} else if err := xml.NewEncoder(&b).Encode(out); err != nil {
		writeError(w, reqID, errf(CodeInternalFailure, "An internal error occurred (request id %s)", reqID))
		return
	}
	b.WriteString("<ResponseMetadata><RequestId>" + reqID + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + action + "Response>")
	writeBody(w, http.StatusOK, b.Bytes())
}

func writeError(w http.ResponseWriter, reqID string, e *Error) {
	status, fault := statusOf(e.Code)
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + XMLNamespace + `"><Error><Type>` + fault + `</Type><Code>`)
	_ = xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error><RequestId>" + reqID + "</RequestId></ErrorResponse>")
	writeBody(w, status, b.Bytes())
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
