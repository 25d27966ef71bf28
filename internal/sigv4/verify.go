package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSkew is how far a request's time may be from the server's, as on AWS.
const DefaultMaxSkew = 15 * time.Minute

// unsignedPayload is the x-amz-content-sha256 value of a request whose body is not signed.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Verifier checks AWS Signature Version 4 on requests. The zero value is ready to use.
// A Verifier is safe for concurrent use; derived signing keys are cached process-wide.
type Verifier struct {
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// MaxSkew bounds |request time - now| (default DefaultMaxSkew).
	MaxSkew time.Duration
	// Service is the signing name the credential scope must carry, e.g.
	// "application-autoscaling", "monitoring", "lambda" ("" accepts any).
	Service string
	// Region is the region the credential scope must carry ("" accepts any).
	Region string
	// ExplainMismatch appends, as some AWS services do, the canonical request and the
	// string to sign to the message of a signature mismatch. They hold only what the
	// client sent (signed header values included), never a secret.
	ExplainMismatch bool
}

// SecretFunc returns the secret key of an access key id (ok=false: unknown key).
type SecretFunc func(accessKeyID string) (secret string, ok bool)

// Verify checks r's signature (Authorization header or presigned query). body is the
// full request body, already read by the caller; Verify does not touch r.Body. It returns
// the credential scope on success and an *Error otherwise.
func (v *Verifier) Verify(r *http.Request, body []byte, secret SecretFunc) (Credential, error) {
	if secret == nil {
		secret = func(string) (string, bool) { return "", false }
	}
	c, err := v.verify(r, body, secret)
	if err != nil {
		return Credential{}, err
	}
	return c, nil
}

// VerifyWellFormed checks everything that can be checked without the secret: header
// syntax, date and skew, credential scope, that host and the date header are signed, the
// signature's form, and that x-amz-content-sha256 (when present) matches the body. It is
// for servers that run without principals and accept any key.
func (v *Verifier) VerifyWellFormed(r *http.Request, body []byte) (Credential, error) {
	c, err := v.verify(r, body, nil)
	if err != nil {
		return Credential{}, err
	}
	return c, nil
}

// bufPool holds canonical-request buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (v *Verifier) verify(r *http.Request, body []byte, secret SecretFunc) (Credential, *Error) {
	p, err := extractAuth(r)
	if err != nil {
		return Credential{}, err
	}
	t, err := parseRequestTime(p.date, p.dateHeader)
	if err != nil {
		return Credential{}, err
	}
	now, skew := time.Now, v.MaxSkew
	if v.Now != nil {
		now = v.Now
	}
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if err := checkTime(&p, t, now(), skew); err != nil {
		return Credential{}, err
	}
	if err := checkSignedHeaders(&p); err != nil {
		return Credential{}, err
	}
	cred, scope, err := checkScope(p.credential, t, v.Service, v.Region)
	if err != nil {
		return Credential{}, err
	}
	var hashBuf [2 * sha256.Size]byte
	payload, err := payloadHash(r, body, &hashBuf, secret != nil)
	if err != nil {
		return Credential{}, err
	}
	var want [sha256.Size]byte
	if !decodeSignature(p.signature, &want) {
		return Credential{}, errMismatch()
	}
	if secret == nil {
		return cred, nil
	}
	sec, ok := secret(cred.AccessKeyID)
	if !ok {
		return Credential{}, errUnrecognized()
	}
	key := keys.get(sec, cred.Date, cred.Region, cred.Service)

	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 { // do not keep buffers grown by huge requests
			bufPool.Put(bp)
		}
	}()
	s3 := cred.Service == "s3"
	path := ""
	if r.URL != nil {
		path = r.URL.EscapedPath()
	}
	var stsBuf [256]byte
	var mismatch *Error
	// First the path as sent; then, if that fails and it differs, the path with empty and
	// dot segments removed, which is what botocore signs.
	for _, normalize := range [2]bool{false, true} {
		if normalize && (s3 || !needsNormalizing(path)) {
			break
		}
		b := appendCanonicalRequest((*bp)[:0], r, &p, path, s3, normalize, payload)
		*bp = b
		sts := appendStringToSign(stsBuf[:0], b, t, scope)
		got := key.mac(sts)
		if hmac.Equal(got[:], want[:]) {
			return cred, nil
		}
		if mismatch == nil {
			mismatch = mismatchError(v.ExplainMismatch, b, sts)
		}
	}
	return Credential{}, mismatch
}

// checkSignedHeaders requires host and, for header auth, the date header to be signed.
func checkSignedHeaders(p *authParams) *Error {
	host, date := false, p.presigned
	for name := range strings.SplitSeq(p.signedHeaders, ";") {
		host = host || strings.EqualFold(name, "host")
		date = date || strings.EqualFold(name, p.dateHeader)
	}
	if !host {
		return errSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !date {
		return errSignature("'" + p.dateHeader + "' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

var unsignedPayloadBytes = []byte(unsignedPayload)

// payloadHash returns the payload hash line of the canonical request: the
// x-amz-content-sha256 header when present (which must then be UNSIGNED-PAYLOAD or the
// body's hash), else the hex SHA-256 of body, written into buf. Without need (no
// signature to compute) the body is hashed only to check the header.
func payloadHash(r *http.Request, body []byte, buf *[2 * sha256.Size]byte, need bool) ([]byte, *Error) {
	declared, present := "", false
	if v := r.Header["X-Amz-Content-Sha256"]; len(v) > 0 {
		declared, present = v[0], true
	}
	if present && declared == unsignedPayload {
		return unsignedPayloadBytes, nil
	}
	if !present && !need {
		return nil, nil
	}
	sum := sha256.Sum256(body)
	hex.Encode(buf[:], sum[:])
	if present && declared != string(buf[:]) {
		return nil, errSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return buf[:], nil
}

// decodeSignature decodes a 64-character lower-case hex signature.
func decodeSignature(s string, out *[sha256.Size]byte) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return false
		}
		out[i/2] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// appendCanonicalRequest appends the SigV4 canonical request of r.
func appendCanonicalRequest(b []byte, r *http.Request, p *authParams, path string, s3, normalize bool, payload []byte) []byte {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	b = append(b, method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, path, s3, normalize)
	b = append(b, '\n')
	if r.URL != nil {
		b = appendCanonicalQuery(b, r.URL.RawQuery, p.presigned)
	}
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, r, p.signedHeaders)
	b = append(b, '\n')
	b = append(b, p.signedHeaders...)
	b = append(b, '\n')
	return append(b, payload...)
}

// appendStringToSign appends the string to sign for a canonical request.
func appendStringToSign(b, canonical []byte, t time.Time, scope string) []byte {
	sum := sha256.Sum256(canonical)
	b = append(b, algorithm+"\n"...)
	b = t.AppendFormat(b, amzDateFormat)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}

func mismatchError(explain bool, canonical, sts []byte) *Error {
	if !explain {
		return errMismatch()
	}
	return errSignature(msgMismatch + "\n\nThe Canonical String for this request should have been\n'" + string(canonical) +
		"'\n\nThe String-to-Sign should have been\n'" + string(sts) + "'\n")
}
