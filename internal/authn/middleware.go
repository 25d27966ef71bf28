package authn

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/autoscaled/autoscaled/internal/auth"
	"github.com/autoscaled/autoscaled/internal/iampolicy"
	"github.com/autoscaled/autoscaled/internal/sigv4"
)

// DefaultMaxBodyBytes bounds a request body (Options.MaxBodyBytes).
const DefaultMaxBodyBytes = 8 << 20

// Options configure a Middleware.
type Options struct {
	// Principals holds the principals of the --auth-file. nil: no auth file, any well-formed
	// signature is accepted (sigv4.Verifier.VerifyWellFormed) and the account is the access
	// key id when it is 12 digits, else DefaultAccount.
	Principals *auth.Store
	// Now tells the time for signature dates and the rate limit (default time.Now).
	Now func() time.Time
	// RateLimit is the number of requests a second each account may make (0: unlimited),
	// with a burst of twice that (at least 1).
	RateLimit float64
	Logger    *slog.Logger
	// MaxBodyBytes bounds a request body (0: DefaultMaxBodyBytes). A larger body is refused
	// with 413 before any handler runs.
	MaxBodyBytes int64
}

// Middleware authenticates, authorizes and rate-limits requests; see the package doc.
type Middleware struct {
	principals *auth.Store
	log        *slog.Logger
	maxBody    int64
	limiter    *limiter
	verifiers  map[string]*sigv4.Verifier
	anyService *sigv4.Verifier
}

// New returns a middleware.
func New(o Options) *Middleware {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	m := &Middleware{principals: o.Principals, log: o.Logger, maxBody: o.MaxBodyBytes,
		verifiers: map[string]*sigv4.Verifier{}, anyService: &sigv4.Verifier{Now: o.Now}}
	for svc := range actionPrefix {
		m.verifiers[svc] = &sigv4.Verifier{Now: o.Now, Service: svc}
	}
	if o.RateLimit > 0 {
		m.limiter = newLimiter(o.RateLimit, o.Now)
	}
	return m
}

// Public reports whether a request is one the middleware leaves alone: GET or HEAD
// /healthz, GET /metrics.
func Public(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz":
		return r.Method == http.MethodGet || r.Method == http.MethodHead
	case "/metrics":
		return r.Method == http.MethodGet
	}
	return false
}

// Wrap returns next behind the middleware.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Public(r) {
			next.ServeHTTP(w, r)
			return
		}
		body, ref := m.readBody(r)
		if ref != nil {
			op := Classify(r, nil)
			m.logRefusal(r, op, ref, "")
			ref.write(w, op)
			return
		}
		op := Classify(r, body)
		c, ref := m.check(r, body, op)
		if ref != nil {
			ref.write(w, op)
			return
		}
		r.Body = newBodyReader(body)
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// bodyReader is the body handed to the handler: the bytes the middleware read.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

func newBodyReader(b []byte) *bodyReader {
	r := &bodyReader{}
	r.Reset(b)
	return r
}

// readBody reads the whole body, up to the limit.
func (m *Middleware) readBody(r *http.Request) ([]byte, *refusal) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > m.maxBody {
		return nil, tooLarge(m.maxBody)
	}
	if r.ContentLength >= 0 {
		// The server stops the body at Content-Length.
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, unreadable()
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, m.maxBody+1))
	if err != nil {
		return nil, unreadable()
	}
	if int64(len(body)) > m.maxBody {
		return nil, tooLarge(m.maxBody)
	}
	return body, nil
}

// check authenticates, authorizes and rate-limits one request.
func (m *Middleware) check(r *http.Request, body []byte, op Operation) (Caller, *refusal) {
	v := m.verifiers[op.Service]
	if v == nil {
		v = m.anyService
	}
	var (
		ps   *auth.Principals
		cred sigv4.Credential
		err  error
	)
	if m.principals == nil {
		cred, err = v.VerifyWellFormed(r, body)
	} else {
		ps = m.principals.Current()
		cred, err = v.Verify(r, body, ps.Secret)
	}
	if err != nil {
		var se *sigv4.Error
		if !errors.As(err, &se) {
			se = &sigv4.Error{Kind: sigv4.KindIncomplete, Code: "IncompleteSignatureException", Status: http.StatusBadRequest, Message: err.Error()}
		}
		ref := signatureRefusal(se)
		m.logRefusal(r, op, ref, "")
		return Caller{}, ref
	}
	c := Caller{AccessKeyID: cred.AccessKeyID, Region: cred.Region, Service: op.Service, Action: op.Action, Protocol: op.Protocol}
	if m.principals == nil {
		c.AccountID = accountOfKey(cred.AccessKeyID)
	} else {
		p, ok := ps.Lookup(cred.AccessKeyID)
		if !ok { // the set verified the key, so it has it; kept for safety
			ref := signatureRefusal(&sigv4.Error{Kind: sigv4.KindUnrecognized, Code: "UnrecognizedClientException", Status: http.StatusForbidden,
				Message: "The security token included in the request is invalid."})
			return Caller{}, ref
		}
		c.Principal, c.AccountID = p, p.AccountID
		if ref := authorize(p, op, c.Region); ref != nil {
			m.logRefusal(r, op, ref, p.AccessKeyID)
			return Caller{}, ref
		}
	}
	if m.limiter != nil {
		if ok, wait := m.limiter.allow(c.AccountID); !ok {
			ref := throttled(wait)
			akid := ""
			if c.Principal != nil {
				akid = c.AccessKeyID
			}
			m.logRefusal(r, op, ref, akid)
			return Caller{}, ref
		}
	}
	return c, nil
}

// authorize evaluates the principal's policy for the operation on each of its resources.
// An operation that cannot be named needs the service's whole action space ("lambda:*").
func authorize(p *auth.Principal, op Operation, region string) *refusal {
	action := op.Action
	if action == "" {
		action = "*"
		if prefix := actionPrefix[op.Service]; prefix != "" {
			action = prefix + ":*"
		}
	}
	worst, at := iampolicy.Allow, ""
	for _, res := range op.Resources(p.AccountID, region) {
		d := p.Policy.Evaluate(iampolicy.Request{Action: action, Resource: res, Region: region})
		if d == iampolicy.ExplicitDeny {
			worst, at = d, res
			break
		}
		if d == iampolicy.ImplicitDeny && worst == iampolicy.Allow {
			worst, at = d, res
		}
	}
	if worst == iampolicy.Allow {
		return nil
	}
	return accessDenied(p.ARN(), action, at, worst)
}

// logRefusal logs a refusal at debug level (AccessDenied at info): never a secret nor the
// Authorization header; the access key id only once it is known to be a principal's.
func (m *Middleware) logRefusal(r *http.Request, op Operation, ref *refusal, akid string) {
	level := slog.LevelDebug
	if ref.jsonCode == "AccessDeniedException" {
		level = slog.LevelInfo
	}
	if !m.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []any{"code", ref.jsonCode, "service", op.Service, "operation", op.Name, "remote", r.RemoteAddr}
	if akid != "" {
		attrs = append(attrs, "access_key_id", akid)
	}
	if ref.jsonCode == "AccessDeniedException" {
		attrs = append(attrs, "message", ref.message)
	}
	m.log.Log(r.Context(), level, "authn: request refused", attrs...)
}
