package authn

import (
	"context"
	"net/http"
	"net/url"

	"github.com/autoscaled/autoscaled/internal/auth"
	"github.com/autoscaled/autoscaled/internal/sigv4"
)

// DefaultAccount is the account of a caller without principals whose access key id is not a
// 12-digit account id.
const DefaultAccount = "000000000000"

// DefaultRegion is the region of a request that carries no credential scope (only requests
// that bypass the middleware: internal calls and tests).
const DefaultRegion = "us-east-1"

// Caller is who made a request, put in the request context by the middleware.
type Caller struct {
	// AccountID is the account that scopes everything the request creates or reads.
	AccountID string
	// Principal is the authenticated principal; nil without an auth file.
	Principal *auth.Principal
	// AccessKeyID is the access key the request was signed with.
	AccessKeyID string
	// Region is the region of the request's credential scope.
	Region string
	// Service is the signing name of the API called (application-autoscaling, monitoring,
	// elasticache, lambda, iam); "" for a request of no known API.
	Service string
	// Action is the IAM action authorized ("lambda:GetFunction"); "" when the operation
	// could not be named.
	Action string
	// Protocol is the wire protocol the request was classified as. A server that routes on
	// Service and Protocol sends the request to the handler whose action was authorized.
	Protocol Protocol
}

type callerKey struct{}

// FromContext returns the caller the middleware put in ctx.
func FromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// WithCaller returns ctx carrying c (for tests and internal calls).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf returns the caller of a request: the one the middleware put in its context, or,
// for a request that did not pass through the middleware, the caller derived without
// verification by the rule of a server without principals (account = the access key id
// when it is 12 digits, else DefaultAccount; region from the credential scope, else
// DefaultRegion). Services use it in place of their own scope derivation.
func CallerOf(r *http.Request) Caller {
	if c, ok := FromContext(r.Context()); ok {
		return c
	}
	c := Caller{AccountID: DefaultAccount, Region: DefaultRegion}
	if cred, ok := credentialOf(r); ok {
		c.AccessKeyID, c.Region, c.Service = cred.AccessKeyID, cred.Region, cred.Service
		c.AccountID = accountOfKey(cred.AccessKeyID)
	}
	return c
}

// accountOfKey is the account of an access key without principals.
func accountOfKey(akid string) string {
	if isAccountID(akid) {
		return akid
	}
	return DefaultAccount
}

// isAccountID reports whether s is 12 ASCII digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// credentialOf reads the credential scope of a request, from its Authorization header or
// from the X-Amz-Credential of a presigned query, without verifying anything.
func credentialOf(r *http.Request) (sigv4.Credential, bool) {
	if r.Header.Get("Authorization") != "" {
		c, err := sigv4.CredentialFromRequest(r)
		return c, err == nil
	}
	if r.URL == nil || r.URL.RawQuery == "" {
		return sigv4.Credential{}, false
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || q.Get("X-Amz-Credential") == "" {
		return sigv4.Credential{}, false
	}
	c, err := sigv4.ParseCredential("AWS4-HMAC-SHA256 Credential=" + q.Get("X-Amz-Credential"))
	return c, err == nil
}
