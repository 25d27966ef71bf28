// Package cloudwatch is the CloudWatch API of autoscaled (the metrics and metric-alarm
// operations that autoscaling users need), served on the same HTTP endpoint as the
// Application Auto Scaling API.
//
// It speaks the three protocols of the CloudWatch model (botocore's "protocols":
// smithy-rpc-v2-cbor, json, query): Smithy RPC v2 CBOR (the current AWS SDKs and CLI), AWS
// JSON 1.0 and the AWS query protocol with XML responses. Each protocol is a codec (cbor.go,
// json.go, query.go) behind one small interface; the operations (one file each) are written
// once against Go structures whose field names are the model's member names. Errors are
// *Error values whose code selects one row of the error table (errors.go). Like CloudWatch
// (which carries the awsQueryCompatible trait), JSON and CBOR errors also carry the
// x-amzn-query-error header, so that every client reports the query error code
// (ResourceNotFound, InvalidParameterValue, ...).
//
// Metrics live in a metrics.Store and alarms in a cwalarms.Registry; this package only
// validates, converts and pages.
package cloudwatch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/authn"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/sigv4"
)

// TargetPrefix is CloudWatch's service name: the X-Amz-Target prefix of AWS JSON calls and
// the service segment of RPC v2 CBOR paths.
const TargetPrefix = "GraniteServiceVersion20100801"

// SigningName is the SigV4 service name of CloudWatch ("monitoring").
const SigningName = "monitoring"

// DefaultRegion is the region of a request without a credential scope.
const DefaultRegion = "us-east-1"

// DefaultAccount is the account of a request whose access key id is not a 12-digit account id.
const DefaultAccount = "000000000000"

// Clock tells the time.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Options configure a Service.
type Options struct {
	Metrics metrics.Store
	Alarms  cwalarms.Registry
	Clock   Clock
	Logger  *slog.Logger
	// OnAlarmChange, optional, is called after an alarm was created, updated, deleted or had
	// its state set through the API (PutMetricAlarm, DeleteAlarms, SetAlarmState).
	OnAlarmChange func(scope autoscaling.Scope, name string)
}

// Service serves the CloudWatch API.
type Service struct {
	metrics  metrics.Store
	alarms   cwalarms.Registry
	clock    Clock
	logger   *slog.Logger
	onChange func(autoscaling.Scope, string)
	ops      map[string]operation
}

// New builds the service.
func New(opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{metrics: opts.Metrics, alarms: opts.Alarms, clock: opts.Clock, logger: opts.Logger, onChange: opts.OnAlarmChange}
	s.ops = map[string]operation{
		"PutMetricData":        handle(s.putMetricData),
		"GetMetricData":        handle(s.getMetricData),
		"GetMetricStatistics":  handle(s.getMetricStatistics),
		"ListMetrics":          handle(s.listMetrics),
		"PutMetricAlarm":       handle(s.putMetricAlarm),
		"DescribeAlarms":       handle(s.describeAlarms),
		"DeleteAlarms":         handle(s.deleteAlarms),
		"SetAlarmState":        handle(s.setAlarmState),
		"DescribeAlarmHistory": handle(s.describeAlarmHistory),
	}
	return s
}

// call is the context of one request.
type call struct {
	scope     autoscaling.Scope
	requestID string
	now       time.Time
}

// noOutput is the output of operations without one.
type noOutput struct{}

type operation struct {
	newInput func() any
	run      func(ctx context.Context, c *call, in any) (any, error)
}

func handle[I, O any](fn func(ctx context.Context, c *call, in *I) (*O, error)) operation {
	return operation{
		newInput: func() any { return new(I) },
		run: func(ctx context.Context, c *call, in any) (any, error) {
			out, err := fn(ctx, c, in.(*I))
			if err != nil || out == nil {
				return nil, err
			}
			if _, ok := any(out).(*noOutput); ok {
				return nil, nil
			}
			return out, nil
		},
	}
}

// Owns reports whether a request is a CloudWatch call, without reading its body: an RPC v2
// CBOR path of CloudWatch, an X-Amz-Target of CloudWatch, or a form-encoded POST signed for
// the "monitoring" service (other query-protocol services share the endpoint, so an unsigned
// form POST is not CloudWatch's).
func (s *Service) Owns(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, CBORPathPrefix) {
		return true
	}
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix+".") {
		return true
	}
	if r.Method == http.MethodPost && isForm(r) {
		c, err := sigv4.CredentialFromRequest(r)
		return err == nil && c.Service == SigningName
	}
	return false
}

func codecFor(r *http.Request) codec {
	switch {
	case strings.HasPrefix(r.URL.Path, CBORPathPrefix):
		return cborCodec{}
	case r.Header.Get("X-Amz-Target") != "":
		return jsonCodec{}
	}
	return queryCodec{}
}

// scopeOf derives the (account, region) of a request: the region from the SigV4 credential
// scope, the account from the access key id when it is a 12-digit account id (the rule of the
// Application Auto Scaling API).
func scopeOf(r *http.Request) autoscaling.Scope {
	c := authn.CallerOf(r)
	return autoscaling.Scope{Account: c.AccountID, Region: c.Region}
}

// ServeHTTP serves one call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsjson.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	cd := codecFor(r)
	if r.Method != http.MethodPost {
		cd.writeError(w, "", reqID, errf(unknownOpCode(cd), "Operations are called with POST"))
		return
	}
	body, err := readBody(r)
	if err != nil {
		cd.writeError(w, "", reqID, errf(CodeSerialization, "%s", err.Error()))
		return
	}
	opName := cd.operation(r, body)
	op, ok := s.ops[opName]
	if !ok {
		s.logger.Debug("unknown operation", "protocol", cd.name(), "op", opName, "request_id", reqID)
		msg := "Unknown operation " + opName
		if _, isQuery := cd.(queryCodec); isQuery {
			msg = fmt.Sprintf("Could not find operation %s for version %s", opName, APIVersion)
		}
		cd.writeError(w, opName, reqID, errf(unknownOpCode(cd), "%s", msg))
		return
	}
	c := &call{scope: scopeOf(r), requestID: reqID, now: s.clock.Now().UTC().Truncate(time.Millisecond)}
	out, err := s.run(r.Context(), cd, r, body, op, c)
	if err != nil {
		e := s.toWire(opName, reqID, err)
		cd.writeError(w, opName, reqID, e)
		return
	}
	cd.writeResult(w, opName, reqID, out)
}

// readBody reads the request body, inflating it when the client compressed it (the SDKs
// gzip large PutMetricData requests: the model's requestCompression trait).
func readBody(r *http.Request) ([]byte, error) {
	var src io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			return nil, errors.New("The request body is not valid gzip data")
		}
		defer zr.Close()
		src = zr
	default:
		return nil, fmt.Errorf("Unsupported Content-Encoding %q", enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, maxBodyBytes+1))
	if err != nil {
		return nil, errors.New("The request body could not be read")
	}
	if len(body) > maxBodyBytes {
		return nil, fmt.Errorf("The request body is larger than %d bytes", maxBodyBytes)
	}
	return body, nil
}

func unknownOpCode(cd codec) string {
	if _, ok := cd.(queryCodec); ok {
		return CodeInvalidAction
	}
	return CodeUnknownOperation
}

// run decodes the input and runs the operation, turning a panic into an internal error so
// that no request crashes the server.
func (s *Service) run(ctx context.Context, cd codec, r *http.Request, body []byte, op operation, c *call) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	in := op.newInput()
	if err := cd.decode(r, body, in); err != nil {
		return nil, err
	}
	return op.run(ctx, c, in)
}

func (s *Service) toWire(op, reqID string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == CodeInternalService {
			s.logger.Error("internal error", "op", op, "request_id", reqID, "err", err)
		} else {
			s.logger.Debug("client error", "op", op, "request_id", reqID, "code", e.Code, "message", e.Message)
		}
		return e
	}
	s.logger.Error("internal error", "op", op, "request_id", reqID, "err", err)
	return errf(CodeInternalService, "An internal error occurred (request id %s)", reqID)
}

// ptrTo and valueOf are small helpers for optional members.
func ptrTo[T any](v T) *T { return &v }

func valueOf[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
