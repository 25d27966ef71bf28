package elasticache

import (
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/awsquery"
	"net/http"
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

// params are the form parameters of a query call, with ElastiCache's validation messages.
type params struct{ awsquery.Params }

// required returns a parameter that must be present and not empty.
func (p params) required(name string) (string, error) {
	v := p.Get(name)
	if v == "" {
		return "", errf(CodeMissingParameter, "The request must contain the parameter %s", name)
	}
	return v, nil
}

// integer returns an optional integer parameter.
func (p params) integer(name string) (*int, error) {
	if !p.Has(name) {
		return nil, nil
	}
	n, err := strconv.Atoi(p.Get(name))
	if err != nil {
		return nil, errf(CodeInvalidParameterValue, "Invalid value for parameter %s: %q is not an integer", name, p.Get(name))
	}
	return &n, nil
}

// boolean returns an optional boolean parameter.
func (p params) boolean(name string) (*bool, error) {
	if !p.Has(name) {
		return nil, nil
	}
	b, err := strconv.ParseBool(p.Get(name))
	if err != nil {
		return nil, errf(CodeInvalidParameterValue, "Invalid value for parameter %s: %q is not a boolean", name, p.Get(name))
	}
	return &b, nil
}

// structs returns the members of a list of structures, each as its own params.
func (p params) structs(prefix, member string) []params {
	var out []params
	for _, sub := range p.Structs(prefix, member) {
		out = append(out, params{sub})
	}
	return out
}

func writeResult(w http.ResponseWriter, action, reqID string, out any) {
	if r, ok := out.(*replicationGroupResult); ok {
		// One result shape serves several operations: its element is named for the action.
		r.XMLName = xml.Name{Local: action + "Result"}
	}
	if err := awsquery.WriteResult(w, XMLNamespace, action, reqID, out); err != nil {
		writeError(w, reqID, errf(CodeInternalFailure, "An internal error occurred (request id %s)", reqID))
	}
}

func writeError(w http.ResponseWriter, reqID string, e *Error) {
	status, fault := statusOf(e.Code)
	awsquery.WriteError(w, XMLNamespace, reqID, status, fault, e.Code, e.Message)
}
