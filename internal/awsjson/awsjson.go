// Package awsjson is the AWS JSON 1.1 transport: routing on X-Amz-Target, strict request
// decoding, response and error bodies, request ids, epoch-seconds timestamps. It knows
// nothing of autoscaling.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ContentType is the media type of AWS JSON 1.1 bodies.
const ContentType = "application/x-amz-json-1.1"

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Request is one decoded call.
type Request struct {
	Op        string
	RequestID string
	Body      []byte
	HTTP      *http.Request
}

// Decode strictly decodes the body into v: malformed JSON, unknown members and wrong member
// types are SerializationExceptions.
func (r *Request) Decode(v any) error {
	body := bytes.TrimSpace(r.Body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Code: "SerializationException", Message: describeDecodeError(err), Status: http.StatusBadRequest}
	}
	if dec.More() {
		return &Error{Code: "SerializationException", Message: "Unexpected content after the JSON document", Status: http.StatusBadRequest}
	}
	return nil
}

func describeDecodeError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("Unexpected %s for member %s, expected %s", te.Value, te.Field, jsonKind(te.Type.String()))
		}
		return fmt.Sprintf("Unexpected %s, expected %s", te.Value, jsonKind(te.Type.String()))
	case errors.As(err, &se):
		return fmt.Sprintf("Malformed JSON at offset %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "Malformed JSON: unexpected end of input"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "Unknown member " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "an integer"
	case strings.Contains(goType, "float"), strings.Contains(goType, "Timestamp"):
		return "a number"
	case strings.Contains(goType, "string"):
		return "a string"
	case strings.Contains(goType, "bool"):
		return "a boolean"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map"):
		return "a map"
	}
	return "a structure"
}

// Error is an error answered on the wire as {"__type": Code, "message": Message}, plus any
// extra members (for example ResourceName).
type Error struct {
	Code    string
	Message string
	Status  int
	Extra   map[string]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Handler serves one operation. It returns the output shape (marshalled as JSON) or an error.
// Errors that are not *Error become InternalServiceException.
type Handler func(ctx context.Context, r *Request) (any, error)

// Service routes AWS JSON 1.1 calls for one target prefix (e.g. "AnyScaleFrontendService").
type Service struct {
	TargetPrefix string
	// InternalErrorCode is the service's code for unexpected failures.
	InternalErrorCode string
	// MapError turns a handler's error into a wire error; nil means only *Error is known.
	MapError func(error) *Error
	Logger   *slog.Logger
	ops      map[string]Handler
}

// Handle registers an operation.
func (s *Service) Handle(op string, h Handler) {
	if s.ops == nil {
		s.ops = map[string]Handler{}
	}
	s.ops[op] = h
}

// Owns reports whether an X-Amz-Target header value belongs to this service.
func (s *Service) Owns(target string) bool {
	return strings.HasPrefix(target, s.TargetPrefix+".")
}

// ServeHTTP serves one call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	if r.Method != http.MethodPost {
		s.writeError(w, reqID, "", &Error{Code: "UnknownOperationException", Message: "Operations are called with POST /", Status: http.StatusBadRequest})
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), s.TargetPrefix+".")
	h, ok := s.ops[op]
	if !ok {
		s.writeError(w, reqID, op, &Error{Code: "UnknownOperationException", Message: "Unknown operation " + op, Status: http.StatusBadRequest})
		return
	}
	// Read one byte past the limit to tell "exactly the limit" from "too large".
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil || len(body) > MaxBodyBytes {
		s.writeError(w, reqID, op, &Error{Code: "SerializationException", Message: "Request body could not be read or is larger than 1 MiB", Status: http.StatusBadRequest})
		return
	}
	out, err := s.call(r.Context(), h, &Request{Op: op, RequestID: reqID, Body: body, HTTP: r})
	if err != nil {
		s.writeError(w, reqID, op, s.toWire(op, reqID, err))
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.writeError(w, reqID, op, s.toWire(op, reqID, fmt.Errorf("encode %s response: %w", op, err)))
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// call runs the handler, turning a panic into an error so that no request ever crashes the
// server or answers without a body.
func (s *Service) call(ctx context.Context, h Handler, r *Request) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in %s: %v", r.Op, p)
		}
	}()
	return h(ctx, r)
}

func (s *Service) toWire(op, reqID string, err error) *Error {
	var we *Error
	if errors.As(err, &we) {
		return we
	}
	if s.MapError != nil {
		if we := s.MapError(err); we != nil {
			return we
		}
	}
	if s.Logger != nil {
		s.Logger.Error("internal error", "op", op, "request_id", reqID, "err", err)
	}
	code := s.InternalErrorCode
	if code == "" {
		code = "InternalFailure"
	}
	return &Error{Code: code, Message: "An internal error occurred (request id " + reqID + ")", Status: http.StatusInternalServerError}
}

func (s *Service) writeError(w http.ResponseWriter, reqID, op string, e *Error) {
	body := map[string]string{"__type": e.Code, "message": e.Message}
	for k, v := range e.Extra {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if s.Logger != nil && status < 500 {
		s.Logger.Debug("client error", "op", op, "request_id", reqID, "code", e.Code)
	}
}

// Timestamp is a time on the wire as epoch seconds with a millisecond fraction
// (1558125758.957). It decodes integers and decimals.
type Timestamp time.Time

// MarshalJSON writes epoch seconds with up to three decimals.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	return []byte(fmt.Sprintf("%d.%03d", sec, frac)), nil
}

// UnmarshalJSON reads a JSON number of epoch seconds.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, `"`) {
		return &json.UnmarshalTypeError{Value: "value " + s, Type: timestampType}
	}
	if math.IsNaN(f) || math.Abs(f) > 1e14 {
		return &json.UnmarshalTypeError{Value: "value " + s, Type: timestampType}
	}
	*t = Timestamp(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}

// TimePtr converts an optional wire timestamp.
func (t *Timestamp) TimePtr() *time.Time {
	if t == nil {
		return nil
	}
	v := time.Time(*t)
	return &v
}

// TimestampPtr converts an optional time for the wire.
func TimestampPtr(t *time.Time) *Timestamp {
	if t == nil {
		return nil
	}
	v := Timestamp(*t)
	return &v
}
