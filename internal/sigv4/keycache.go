package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

// signingKey is a derived SigV4 signing key, kept as the two padded HMAC-SHA256 key
// blocks so that signing needs no allocation.
type signingKey struct {
	ipad, opad [sha256.BlockSize]byte
}

// mac returns HMAC-SHA256(key, msg).
func (k *signingKey) mac(msg []byte) [sha256.Size]byte {
	var buf [512]byte
	inner := sha256.Sum256(append(append(buf[:0], k.ipad[:]...), msg...))
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], k.opad[:])
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

func newSigningKey(secret, date, region, service string) *signingKey {
	h := func(key []byte, data string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(data))
		return m.Sum(nil)
	}
	key := h(h(h(h([]byte("AWS4"+secret), date), region), service), "aws4_request")
	k := new(signingKey)
	for i := range k.ipad {
		k.ipad[i], k.opad[i] = 0x36, 0x5c
	}
	for i, c := range key { // 32 bytes, shorter than a block: used as is, zero-padded
		k.ipad[i] ^= c
		k.opad[i] ^= c
	}
	return k
}

type cacheKey struct{ secret, date, region, service string }

// keyCache holds derived signing keys; they change once a day per key, region and service.
// It is bounded: when full it is emptied (entries are cheap to derive again).
type keyCache struct {
	mu  sync.RWMutex
	m   map[cacheKey]*signingKey
	max int
}

// keys is shared by all Verifiers. The secret is part of the cache key, so a rotated
// secret never finds the old key.
var keys = &keyCache{max: 4096}

func (c *keyCache) get(secret, date, region, service string) *signingKey {
	ck := cacheKey{secret, date, region, service}
	c.mu.RLock()
	k := c.m[ck]
	c.mu.RUnlock()
	if k != nil {
		return k
	}
	k = newSigningKey(secret, date, region, service)
	// Copy the strings: they may point into a large request header.
	ck = cacheKey{strings.Clone(secret), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[cacheKey]*signingKey)
	}
	c.m[ck] = k
	c.mu.Unlock()
	return k
}
