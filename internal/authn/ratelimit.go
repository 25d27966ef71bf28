package authn

import (
	"math"
	"sync"
	"time"
)

// maxBuckets is the number of accounts tracked before full (idle) buckets are dropped.
const maxBuckets = 10000

// limiter is a token bucket per account: rate tokens a second, up to burst.
type limiter struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: math.Max(1, math.Ceil(2*rate)), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token of account's bucket; when there is none it returns false and how many
// whole seconds until there is one.
func (l *limiter) allow(account string) (bool, int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[account]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[account] = b
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = math.Min(l.burst, b.tokens+dt*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := (1 - b.tokens) / l.rate
	return false, int(math.Ceil(wait))
}

// sweep drops the buckets that have refilled: forgetting them changes nothing. If that
// frees too little (many accounts active at once, which only a server without principals
// can see: any 12-digit key is an account there), it drops arbitrary buckets down to three
// quarters of the bound, granting those accounts a fresh burst: the memory stays bounded.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) <= maxBuckets*3/4 {
			break
		}
		delete(l.buckets, k)
	}
}
