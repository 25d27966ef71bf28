package authn

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestLimiterBucket(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	l := newLimiter(2, clock) // burst 4
	for i := range 4 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 1 {
		t.Fatalf("5th request: ok=%v wait=%d", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another account is limited by a's bucket")
	}
	advance(500 * time.Millisecond) // one token back
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("refill did not give a token")
	}
	if ok, _ := l.allow("a"); ok {
		t.Fatal("more than the refill")
	}
	advance(time.Hour)
	for range 4 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatal("bucket did not refill to the burst")
		}
	}
	if ok, _ := l.allow("a"); ok {
		t.Fatal("bucket refilled beyond the burst")
	}
}

func TestLimiterSweepsIdleAccounts(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	l := newLimiter(1000, func() time.Time { return now })
	for i := range maxBuckets + 10 {
		l.allow(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	if len(l.buckets) > maxBuckets {
		t.Fatalf("%d buckets kept", len(l.buckets))
	}
}

// TestThrottlingWithSDKs exhausts an account's burst: an SDK client without retries
// surfaces the throttling error, one with retries succeeds after the service throttled it,
// and another account is not affected.
func TestThrottlingWithSDKs(t *testing.T) {
	t.Parallel()
	for _, a := range apis {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, Options{Principals: loadPrincipals(t), RateLimit: 10}) // burst 20
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			once := clientConfig{endpoint: srv.URL, creds: static("AKIAALICE"), region: "us-east-1", maxAttempts: 1}
			var err error
			for i := 0; i < 25 && err == nil; i++ {
				_, err = a.call(ctx, once)
			}
			if err == nil {
				t.Fatal("25 calls at once were not throttled")
			}
			code, msg := apiError(t, err)
			want := map[string]string{"lambda": "TooManyRequestsException", "application-autoscaling": "ThrottlingException"}[a.name]
			if want == "" {
				want = "Throttling"
			}
			if code != want || msg != "Rate exceeded" {
				t.Fatalf("error = %s: %s, want %s: Rate exceeded", code, msg, want)
			}
			if _, err := a.call(ctx, clientConfig{endpoint: srv.URL, creds: static("AKIABOB"), region: "us-east-1", maxAttempts: 1}); err != nil {
				t.Fatalf("another account was throttled: %v", err)
			}
			before := srv.throttled.Load()
			retrying := once
			retrying.maxAttempts = 10
			// Drain the bucket again, then call with retries: the SDK retries until a token
			// comes back (one every 100 ms).
			for {
				if _, err := a.call(ctx, once); err != nil {
					break
				}
			}
			if _, err := a.call(ctx, retrying); err != nil {
				t.Fatalf("retrying client failed: %v", err)
			}
			if srv.throttled.Load() <= before {
				t.Fatal("the retrying client was never throttled")
			}
		})
	}
}

func TestThrottledLambdaHasRetryAfter(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{RateLimit: 0.5}) // burst 1
	do := func() *http.Response {
		req := signedRequest(t, "GET", srv.URL+"/2016-08-19/account-settings/", nil, "lambda", "123456789012")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do(); r.StatusCode != 200 {
		t.Fatalf("first call: %d", r.StatusCode)
	}
	r := do()
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "2" || r.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
		t.Fatalf("second call: %d %v", r.StatusCode, r.Header)
	}
}
