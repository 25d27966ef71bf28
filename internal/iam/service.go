package iam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

// SigningName is the SigV4 service name of IAM; form POSTs signed for it are ours.
const SigningName = "iam"

// APIVersion is the query protocol Version of IAM.
const APIVersion = "2010-05-08"

// XMLNamespace is the namespace of IAM's XML responses.
const XMLNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// maxBodyBytes bounds a request body.
const maxBodyBytes = 1 << 20

// cacheTTL is how long EnsureServiceLinkedRole trusts that a role it saw still exists
// (another node sharing the store may delete it).
const cacheTTL = time.Minute

// ResourceUsage is the resources of one region that use a service-linked role.
type ResourceUsage struct {
	Region    string
	Resources []string
}

// Options configure a Service.
type Options struct {
	// Store keeps the roles and deletion tasks (its record table).
	Store store.Store
	// InUse lists the resources of an account that use the service-linked role of a
	// namespace (its scalable targets, by region); nil means none ever do.
	InUse func(ctx context.Context, account, namespace string) ([]ResourceUsage, error)
	// Clock tells the time (default time.Now).
	Clock  func() time.Time
	Logger *slog.Logger
}

// Service is the IAM subset and the keeper of service-linked roles.
type Service struct {
	store  store.Store
	inUse  func(ctx context.Context, account, namespace string) ([]ResourceUsage, error)
	clock  func() time.Time
	log    *slog.Logger
	ops    map[string]operation
	known  sync.Map // role key -> time.Time it was last seen in the store
	tasks  sync.Map // account/task uuid -> struct{}: deletions running in this process
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// call is what an operation knows of its request.
type call struct {
	account   string
	requestID string
	now       time.Time
}

// operation runs one action on its parameters and returns its result element.
type operation func(ctx context.Context, c *call, p params) (any, error)

// New returns a service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.InUse == nil {
		o.InUse = func(context.Context, string, string) ([]ResourceUsage, error) { return nil, nil }
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{store: o.Store, inUse: o.InUse, clock: o.Clock, log: o.Logger, ctx: ctx, cancel: cancel}
	s.ops = map[string]operation{
		"GetRole":                            s.getRole,
		"ListRoles":                          s.listRoles,
		"CreateServiceLinkedRole":            s.createServiceLinkedRole,
		"DeleteServiceLinkedRole":            s.deleteServiceLinkedRole,
		"GetServiceLinkedRoleDeletionStatus": s.getServiceLinkedRoleDeletionStatus,
	}
	return s
}

// Close stops the deletion tasks running in the background and waits for them; an
// interrupted task resumes on the next GetServiceLinkedRoleDeletionStatus.
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// Owns reports whether a request is an IAM call: a form POST signed for iam (or one the
// authn middleware classified as IAM).
func (s *Service) Owns(r *http.Request) bool {
	if c, ok := authn.FromContext(r.Context()); ok && c.Service != "" {
		return c.Service == SigningName
	}
	if r.Method != http.MethodPost {
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || !strings.EqualFold(mt, "application/x-www-form-urlencoded") {
		return false
	}
	return authn.CallerOf(r).Service == SigningName
}

// ServeHTTP serves one call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsjson.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		writeError(w, reqID, errf(CodeMalformedInput, "The request body could not be read or is larger than %d bytes", maxBodyBytes))
		return
	}
	action, p, werr := decodeRequest(r.Method, body)
	if werr != nil {
		writeError(w, reqID, werr)
		return
	}
	op, ok := s.ops[action]
	if !ok {
		writeError(w, reqID, errf(CodeInvalidAction, "Could not find operation %s for version %s", action, APIVersion))
		return
	}
	c := &call{account: authn.CallerOf(r).AccountID, requestID: reqID, now: s.clock().UTC()}
	out, err := s.run(r.Context(), op, c, p)
	if err != nil {
		writeError(w, reqID, s.toWire(action, reqID, err))
		return
	}
	writeResult(w, action, reqID, out)
}

// run runs an operation, turning a panic into an internal error.
func (s *Service) run(ctx context.Context, op operation, c *call, p params) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return op(ctx, c, p)
}

func (s *Service) toWire(action, reqID string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		s.log.Debug("iam: client error", "op", action, "request_id", reqID, "code", e.Code)
		return e
	}
	s.log.Error("iam: internal error", "op", action, "request_id", reqID, "err", err)
	return errf(CodeServiceFailure, "An internal error occurred (request id %s)", reqID)
}

// update runs fn in a store transaction, retrying when a concurrent writer got there first.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	var err error
	for range 3 {
		if err = s.store.Update(ctx, fn); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return err
}
