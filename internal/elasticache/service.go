// Package elasticache serves the subset of the Amazon ElastiCache API (query protocol, as the
// aws CLI and the SDKs speak it) that creates, describes, reshards, re-replicates and deletes
// Redis replication groups. The groups are real: a Backend (redisgroup.Manager) runs them as
// redis-server processes on this machine. One file per operation.
package elasticache

import (
	"context"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/awsquery"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/redisgroup"
	"github.com/autoscaled/autoscaled/internal/sigv4"
)

// SigningName is the SigV4 service name of ElastiCache; requests signed for it are ours.
const SigningName = "elasticache"

// APIVersion is the query protocol Version of ElastiCache.
const APIVersion = "2015-02-02"

// XMLNamespace is the namespace of ElastiCache's XML responses.
const XMLNamespace = "http://elasticache.amazonaws.com/doc/2015-02-02/"

// maxBodyBytes bounds a request body.
const maxBodyBytes = 1 << 20

// Backend runs replication groups (redisgroup.Manager implements it).
type Backend interface {
	Create(ctx context.Context, spec redisgroup.Spec) (redisgroup.Group, error)
	Get(id string) (redisgroup.Group, error)
	List() []redisgroup.Group
	Delete(ctx context.Context, id string) (redisgroup.Group, error)
	ModifyShards(ctx context.Context, id string, count int, remove, retain []string) (redisgroup.Group, error)
	SetReplicas(ctx context.Context, id string, perShard map[string]int) (redisgroup.Group, error)
}

// Options configure a Service.
type Options struct {
	// Backend runs the groups; nil answers every operation with a ServiceUnavailable error
	// explaining why (Unavailable).
	Backend Backend
	// Unavailable says why there is no backend ("redis-server was not found on PATH").
	Unavailable string
	// EngineVersion is the version of the local redis-server, reported when a group did not
	// ask for one.
	EngineVersion string
	Logger        *slog.Logger
	Clock         func() time.Time
}

// Service is the ElastiCache API.
type Service struct {
	opts Options
	log  *slog.Logger
	ops  map[string]operation
}

// operation runs one action on its parameters.
type operation func(ctx context.Context, c *call, p params) (any, error)

// call is what an operation knows of its request.
type call struct {
	region, account string
	now             time.Time
}

// New returns the service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &Service{opts: o, log: o.Logger}
	s.ops = map[string]operation{
		"CreateReplicationGroup":                   s.createReplicationGroup,
		"DescribeReplicationGroups":                s.describeReplicationGroups,
		"DescribeCacheClusters":                    s.describeCacheClusters,
		"ModifyReplicationGroupShardConfiguration": s.modifyReplicationGroupShardConfiguration,
		"IncreaseReplicaCount":                     s.increaseReplicaCount,
		"DecreaseReplicaCount":                     s.decreaseReplicaCount,
		"DeleteReplicationGroup":                   s.deleteReplicationGroup,
	}
	return s
}

// Owns reports whether a request is an ElastiCache call: a form POST signed for elasticache.
func (s *Service) Owns(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		return false
	}
	c, err := sigv4.CredentialFromRequest(r)
	return err == nil && c.Service == SigningName
}

// ServeHTTP serves one call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := awsjson.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		writeError(w, reqID, errf(CodeInvalidParameterValue, "The request body could not be read or is larger than %d bytes", maxBodyBytes))
		return
	}
	v, err := awsquery.Parse(body)
	if err != nil {
		writeError(w, reqID, errf(CodeMalformedQuery, "The request body is not a valid form encoding."))
		return
	}
	p := params{v}
	action := p.Get("Action")
	op, ok := s.ops[action]
	if ver := p.Get("Version"); !ok || (ver != "" && ver != APIVersion) {
		writeError(w, reqID, errf(CodeInvalidAction, "Could not find operation %s for version %s", action, orDefault(p.Get("Version"), APIVersion)))
		return
	}
	cl := authn.CallerOf(r)
	c := &call{region: cl.Region, account: cl.AccountID, now: s.opts.Clock().UTC()}
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
	if s.opts.Backend == nil {
		return nil, errf(CodeServiceUnavailable, "ElastiCache replication groups are not available on this server: %s", s.opts.Unavailable)
	}
	return op(ctx, c, p)
}

func (s *Service) toWire(action, reqID string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		s.log.Debug("elasticache: client error", "op", action, "request_id", reqID, "code", e.Code, "message", e.Message)
		return e
	}
	s.log.Error("elasticache: internal error", "op", action, "request_id", reqID, "err", err)
	return errf(CodeInternalFailure, "An internal error occurred (request id %s)", reqID)
}

// visible reports whether a group belongs to the caller's account and region (groups of
// other accounts do not exist for it).
func (c *call) visible(g redisgroup.Group) bool {
	return g.Account == "" || (g.Account == c.account && g.Region == c.region)
}

// get reads a group the caller can see.
func (s *Service) get(c *call, id string) (redisgroup.Group, error) {
	g, err := s.opts.Backend.Get(id)
	if err == nil && !c.visible(g) {
		err = redisgroup.ErrNotFound
	}
	if err != nil {
		return g, backendError(err, id)
	}
	return g, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
