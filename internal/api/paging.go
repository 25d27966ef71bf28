package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Pagination tokens are opaque to clients: base64url(version | issued-at | position | mac),
// where the mac is an HMAC-SHA256 (truncated to 16 bytes) over the operation, the caller's
// scope, the request's filters and the rest of the token. A token therefore only works for
// the same operation, caller and filters that produced it; anything else, a forged token or
// one older than tokenTTL, is InvalidNextTokenException. Positions are store sequence
// numbers, so a token stays stable while objects are added or removed.

const tokenTTL = 24 * time.Hour

type tokenCodec struct {
	key   []byte
	clock Clock
}

func newTokenKey() ([]byte, error) {
	k := make([]byte, 32)
	_, err := rand.Read(k)
	return k, err
}

func (c *tokenCodec) mac(payload []byte, op string, scope autoscaling.Scope, filters []string) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write(payload)
	h.Write([]byte("\x00" + op + "\x00" + scope.Account + "\x00" + scope.Region))
	for _, f := range filters {
		h.Write([]byte("\x00" + f))
	}
	return h.Sum(nil)[:16]
}

// encode makes a token for position pos.
func (c *tokenCodec) encode(op string, scope autoscaling.Scope, filters []string, pos int64) string {
	payload := make([]byte, 17)
	payload[0] = 1
	binary.BigEndian.PutUint64(payload[1:], uint64(c.clock.Now().Unix()))
	binary.BigEndian.PutUint64(payload[9:], uint64(pos))
	return base64.RawURLEncoding.EncodeToString(append(payload, c.mac(payload, op, scope, filters)...))
}

// decode returns the position of a token; a nil or empty token is position 0.
func (c *tokenCodec) decode(op string, scope autoscaling.Scope, filters []string, token *string) (int64, error) {
	if token == nil || *token == "" {
		return 0, nil
	}
	invalid := autoscaling.Errorf(autoscaling.CodeInvalidNextToken, "Invalid NextToken: the token is malformed, expired, or was issued for a different request")
	raw, err := base64.RawURLEncoding.DecodeString(*token)
	if err != nil || len(raw) != 33 || raw[0] != 1 {
		return 0, invalid
	}
	payload, mac := raw[:17], raw[17:]
	if !hmac.Equal(mac, c.mac(payload, op, scope, filters)) {
		return 0, invalid
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(payload[1:])), 0)
	if age := c.clock.Now().Sub(issued); age > tokenTTL || age < -time.Minute {
		return 0, invalid
	}
	return int64(binary.BigEndian.Uint64(payload[9:])), nil
}

// filterKey renders optional filter members for the token mac.
func filterKey(parts ...*string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		if p != nil {
			out[i] = "=" + *p
		}
	}
	return out
}

func listKey(l []string) string { return strings.Join(l, "\x01") }
