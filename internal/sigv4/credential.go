package sigv4

import (
	"errors"
	"net/http"
	"strings"
)

// Credential is the credential scope of a signed request:
// AKID/DATE/REGION/SERVICE/aws4_request.
type Credential struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
}

// ErrNoAuth means the request carries no SigV4 Authorization header.
var ErrNoAuth = errors.New("sigv4: request is not signed")

// ErrMalformed means the Authorization header is not a well-formed SigV4 header.
var ErrMalformed = errors.New("sigv4: malformed Authorization header")

// CredentialFromRequest parses the Credential= part of the request's Authorization header.
// It does not verify the signature.
func CredentialFromRequest(r *http.Request) (Credential, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Credential{}, ErrNoAuth
	}
	return ParseCredential(h)
}

// ParseCredential parses the Credential= component of an Authorization header value.
func ParseCredential(header string) (Credential, error) {
	const algo = "AWS4-HMAC-SHA256"
	if !strings.HasPrefix(header, algo+" ") {
		return Credential{}, ErrMalformed
	}
	for _, part := range strings.Split(header[len(algo)+1:], ",") {
		part = strings.TrimSpace(part)
		v, ok := strings.CutPrefix(part, "Credential=")
		if !ok {
			continue
		}
		f := strings.Split(v, "/")
		if len(f) != 5 || f[0] == "" || f[2] == "" || f[3] == "" || f[4] != "aws4_request" {
			return Credential{}, ErrMalformed
		}
		return Credential{AccessKeyID: f[0], Date: f[1], Region: f[2], Service: f[3]}, nil
	}
	return Credential{}, ErrMalformed
}
