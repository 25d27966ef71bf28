package lambdaapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

// target resolves the function and version an invocation runs, and its Resource (the metrics'
// dimension and the invoked ARN's qualifier). An alias with a routing configuration picks its
// additional version with its weight.
func (s *Service) target(c *call) (*entry, *workers.Function, string, *Error) {
	ref, err := parseFunctionName(c.scope, c.fn, c.query1("Qualifier"))
	if err != nil {
		return nil, nil, "", err
	}
	e, err := s.get(ref)
	if err != nil {
		return nil, nil, "", err
	}
	q := ref.qualifier
	version := LATEST
	resource := ref.name
	if q != "" {
		resource = ref.name + ":" + q
		if a := e.fn.Aliases[q]; a != nil {
			version = a.Version
			for v, w := range a.Weights {
				if rand.Float64() < w {
					version = v
				}
			}
		} else if isVersion(q) {
			version = q
		} else {
			return nil, nil, "", errAliasNotFound(ref.arn())
		}
	}
	wf := e.wf[version]
	if wf == nil {
		return nil, nil, "", errFunctionNotFound(ref.arn())
	}
	return e, wf, resource, nil
}

// readPayload reads an invocation's event: at most limit bytes of JSON ("{}" when empty).
func readPayload(c *call, limit int, op string) ([]byte, *Error) {
	if c.r.ContentLength > int64(limit) {
		return nil, newErr(ErrInvalid, CodeRequestTooLarge, "Request must be smaller than %d bytes for the %s operation", limit, op)
	}
	var payload []byte
	if n := c.r.ContentLength; n > 0 {
		payload = make([]byte, n)
		if _, err := io.ReadFull(c.r.Body, payload); err != nil {
			return nil, newErr(ErrInvalid, CodeInvalidRequestContent, "The request body could not be read: %v", err)
		}
	} else {
		b, err := io.ReadAll(io.LimitReader(c.r.Body, int64(limit)+1))
		if err != nil {
			return nil, newErr(ErrInvalid, CodeInvalidRequestContent, "The request body could not be read: %v", err)
		}
		if len(b) > limit {
			return nil, newErr(ErrInvalid, CodeRequestTooLarge, "Request must be smaller than %d bytes for the %s operation", limit, op)
		}
		payload = b
	}
	if len(payload) == 0 {
		return []byte("{}"), nil
	}
	if !json.Valid(payload) {
		var v any
		err := json.Unmarshal(payload, &v)
		return nil, errBadJSON(err)
	}
	return payload, nil
}

// invoke runs a function: RequestResponse waits for its result (200), Event queues it (202),
// DryRun only checks the call (204). Throttling answers 429 TooManyRequestsException with
// Lambda's Reason.
func (s *Service) invoke(c *call) error {
	typ := c.r.Header.Get("X-Amz-Invocation-Type")
	limit := maxInvokeBody
	switch typ {
	case "", "RequestResponse", "DryRun":
	case "Event":
		limit = maxEventBody
	default:
		return errValidation(typ, "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
	}
	logType := c.r.Header.Get("X-Amz-Log-Type")
	if logType != "" && logType != "None" && logType != "Tail" {
		return errValidation(logType, "logType", "Member must satisfy enum value set: [None, Tail]")
	}
	payload, err := readPayload(c, limit, "Invoke")
	if err != nil {
		return err
	}
	_, wf, resource, err := s.target(c)
	if err != nil {
		return err
	}
	var clientContext string
	if cc := c.r.Header.Get("X-Amz-Client-Context"); cc != "" {
		b, derr := base64.StdEncoding.DecodeString(cc)
		if derr != nil || !json.Valid(b) {
			return errInvalid("Client context must be a valid Base64-encoded JSON object.")
		}
		clientContext = string(b)
	}
	req := workers.InvokeRequest{Function: wf, Resource: resource, Payload: payload, ClientContext: clientContext}
	h := c.w.Header()
	switch typ {
	case "DryRun":
		writeJSON(c.w, http.StatusNoContent, nil)
		return nil
	case "Event":
		if err := s.pool.InvokeAsync(req); err != nil {
			return poolError(err)
		}
		h.Set("x-amzn-RequestId", newRevision())
		writeJSON(c.w, http.StatusAccepted, nil)
		return nil
	}
	res, ierr := s.pool.Invoke(c.r.Context(), req)
	if ierr != nil {
		if c.r.Context().Err() != nil {
			return nil // the caller is gone
		}
		return poolError(ierr)
	}
	h.Set("x-amzn-RequestId", res.RequestID)
	h.Set("X-Amz-Executed-Version", res.ExecutedVersion)
	if res.FunctionError != "" {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if logType == "Tail" {
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.LogTail))
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(res.Payload)))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(res.Payload)
	return nil
}

// poolError turns an error of the pool into Lambda's.
func poolError(err error) error {
	var te *workers.ThrottleError
	switch {
	case errors.As(err, &te):
		e := newErr(ErrLimit, CodeTooManyRequests, "Rate Exceeded.")
		e.Reason = te.Reason
		return e
	case errors.Is(err, workers.ErrQueueFull):
		e := newErr(ErrLimit, CodeTooManyRequests, "Rate Exceeded. The asynchronous invocation queue is full.")
		e.Reason = "FunctionInvocationRateLimitExceeded"
		return e
	case errors.Is(err, workers.ErrClosed), errors.Is(err, workers.ErrNotStarted):
		return newErr(nil, CodeService, "The function workers are not running (the server is shutting down).")
	}
	return err
}

// invokeAsync is the deprecated InvokeAsync: an Event invocation answered with 202
// {"Status": 202}.
func (s *Service) invokeAsync(c *call) error {
	payload, err := readPayload(c, maxEventBody, "InvokeAsync")
	if err != nil {
		return err
	}
	_, wf, resource, err := s.target(c)
	if err != nil {
		return err
	}
	if err := s.pool.InvokeAsync(workers.InvokeRequest{Function: wf, Resource: resource, Payload: payload}); err != nil {
		return poolError(err)
	}
	writeJSON(c.w, http.StatusAccepted, map[string]int{"Status": http.StatusAccepted})
	return nil
}
