// Package api is the Application Auto Scaling API (AnyScaleFrontendService): wire shapes, one
// file per operation, wire <-> domain conversion, and the one table that maps errors to AWS
// exception codes. It sits on awsjson (transport) and store (persistence).
package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/authn"
	"log/slog"
	"net/http"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/store"
)

// TargetPrefix is the X-Amz-Target prefix of the Application Auto Scaling API.
const TargetPrefix = "AnyScaleFrontendService"

// DefaultRegion is the region of a request that carries no credential scope.
const DefaultRegion = "us-east-1"

// DefaultAccount is the account of a request whose access key id is not a 12-digit account id.
const DefaultAccount = "000000000000"

// Clock tells the time; tests inject their own.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Options configure a Service.
type Options struct {
	Clock  Clock
	Logger *slog.Logger
	// TargetQuota, when positive, replaces AWS's default per-resource-type quota of scalable
	// targets per account and region (500 for most types) for every namespace. AWS raises
	// the quota on request; a self-hosted operator sets it here.
	TargetQuota int
	// Engine, when set, is told about registrations and changes (see Engine).
	Engine Engine
	// Roles, when set, creates the account's service-linked role of a namespace at the
	// first registration in it, as AWS does.
	Roles Roles
}

// Roles creates service-linked roles (the IAM service implements it).
type Roles interface {
	EnsureServiceLinkedRole(ctx context.Context, account, namespace string) error
}

// Engine is what the API tells the scaling engine. The API never waits for scaling.
type Engine interface {
	// Attach is called before a new target is stored: it checks that the resource exists and
	// can be scaled on the dimension (creating an emulated one). Its error, an
	// *autoscaling.Error, is the registration's answer.
	Attach(ctx context.Context, t *autoscaling.ScalableTarget) error
	// TargetChanged is called after a change to a target, its policies or its scheduled
	// actions is committed, including its deregistration.
	TargetChanged(scope autoscaling.Scope, key autoscaling.TargetKey)
}

// Service implements the 14 operations over a store.
type Service struct {
	store       store.Store
	clock       Clock
	logger      *slog.Logger
	tokens      *tokenCodec
	targetQuota int
	engine      Engine
	roles       Roles
}

// New builds the service. It reads (or creates) the pagination-token key from the store, so
// tokens stay valid across restarts and across nodes sharing a store.
func New(ctx context.Context, st store.Store, opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	key, err := st.Meta(ctx, "pagination-token-key", newTokenKey)
	if err != nil {
		return nil, fmt.Errorf("load pagination token key: %w", err)
	}
	return &Service{store: st, clock: opts.Clock, logger: opts.Logger, tokens: &tokenCodec{key: key, clock: opts.Clock},
		targetQuota: opts.TargetQuota, engine: opts.Engine, roles: opts.Roles}, nil
}

// Handler returns the HTTP handler for the API (AWS JSON 1.1 on POST /).
func (s *Service) Handler() *awsjson.Service {
	js := &awsjson.Service{TargetPrefix: TargetPrefix, InternalErrorCode: autoscaling.CodeInternalService, MapError: mapError, Logger: s.logger}
	js.Handle("RegisterScalableTarget", s.registerScalableTarget)
	js.Handle("DeregisterScalableTarget", s.deregisterScalableTarget)
	js.Handle("DescribeScalableTargets", s.describeScalableTargets)
	js.Handle("PutScalingPolicy", s.putScalingPolicy)
	js.Handle("DescribeScalingPolicies", s.describeScalingPolicies)
	js.Handle("DeleteScalingPolicy", s.deleteScalingPolicy)
	js.Handle("PutScheduledAction", s.putScheduledAction)
	js.Handle("DescribeScheduledActions", s.describeScheduledActions)
	js.Handle("DeleteScheduledAction", s.deleteScheduledAction)
	js.Handle("DescribeScalingActivities", s.describeScalingActivities)
	js.Handle("TagResource", s.tagResource)
	js.Handle("UntagResource", s.untagResource)
	js.Handle("ListTagsForResource", s.listTagsForResource)
	js.Handle("GetPredictiveScalingForecast", s.getPredictiveScalingForecast)
	return js
}

// update runs fn in a store transaction, retrying a few times when a concurrent writer on
// another node got there first (store.ErrConflict): the retry re-reads, so a racing
// re-registration becomes an update instead of an error. If the conflict persists the caller
// gets ConcurrentUpdateException.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	var err error
	for range 3 {
		if err = s.store.Update(ctx, fn); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return err
}

// changed tells the engine that a target changed.
func (s *Service) changed(scope autoscaling.Scope, key autoscaling.TargetKey) {
	if s.engine != nil {
		s.engine.TargetChanged(scope, key)
	}
}

// now is the service time, truncated to the millisecond precision of the wire.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// ScopeOf derives the (account, region) of a request: the region from the SigV4 credential
// scope, the account from the access key id when it is a 12-digit account id.
func ScopeOf(r *http.Request) autoscaling.Scope {
	c := authn.CallerOf(r)
	return autoscaling.Scope{Account: c.AccountID, Region: c.Region}
}

// mapError is the one table from domain and store errors to AWS exception codes.
func mapError(err error) *awsjson.Error {
	if e, ok := autoscaling.AsError(err); ok {
		status := http.StatusBadRequest
		if e.Code == autoscaling.CodeInternalService {
			status = http.StatusInternalServerError
		}
		we := &awsjson.Error{Code: e.Code, Message: e.Message, Status: status}
		if e.ResourceName != "" {
			we.Extra = map[string]string{"ResourceName": e.ResourceName}
		}
		return we
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		return &awsjson.Error{Code: autoscaling.CodeConcurrentUpdate, Status: http.StatusBadRequest,
			Message: "Concurrent updates caused an exception: the resource was changed by another request at the same time. Retry the request."}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &awsjson.Error{Code: autoscaling.CodeInternalService, Status: http.StatusInternalServerError,
			Message: "The request was cancelled or timed out before it completed."}
	}
	return nil
}

// statusCodes lists the HTTP status of every exception the API answers with; a test checks
// that mapError agrees.
var statusCodes = map[string]int{
	autoscaling.CodeValidation:           400,
	autoscaling.CodeObjectNotFound:       400,
	autoscaling.CodeConcurrentUpdate:     400,
	autoscaling.CodeFailedResourceAccess: 400,
	autoscaling.CodeInvalidNextToken:     400,
	autoscaling.CodeLimitExceeded:        400,
	autoscaling.CodeResourceNotFound:     400,
	autoscaling.CodeTooManyTags:          400,
	autoscaling.CodeInternalService:      500,
}
