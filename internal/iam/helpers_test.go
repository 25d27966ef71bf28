package iam

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const (
	account1 = "111111111111"
	account2 = "222222222222"
)

// usage is a fake InUse: resources by account and namespace, and an error to return.
type usage struct {
	mu  sync.Mutex
	m   map[string][]ResourceUsage
	err error
}

func (u *usage) set(account, ns string, r []ResourceUsage) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string][]ResourceUsage{}
	}
	u.m[account+"/"+ns] = r
}

func (u *usage) fail(err error) { u.mu.Lock(); u.err = err; u.mu.Unlock() }

func (u *usage) inUse(_ context.Context, account, ns string) ([]ResourceUsage, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.m[account+"/"+ns], u.err
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// countingStore counts the record reads of a store.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	reads int
}

func (s *countingStore) GetRecord(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	return s.Store.GetRecord(ctx, key)
}

func (s *countingStore) readCount() int { s.mu.Lock(); defer s.mu.Unlock(); return s.reads }

// harness is a Service behind the authn middleware (without principals: the account is the
// 12-digit access key id) on an httptest server.
type harness struct {
	svc   *Service
	store *countingStore
	usage *usage
	clock *clock
	url   string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{store: &countingStore{Store: memstore.New()}, usage: &usage{},
		clock: &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}}
	h.svc = New(Options{Store: h.store, InUse: h.usage.inUse, Clock: h.clock.now})
	srv := httptest.NewServer(authn.New(authn.Options{}).Wrap(h.svc))
	h.url = srv.URL
	t.Cleanup(func() { srv.Close(); h.svc.Close() })
	return h
}

func (h *harness) client(account string) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(h.url), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: account, SecretAccessKey: "any"}, nil
		})})
}

// waitDone polls a deletion task until it is finished.
func waitDone(t *testing.T, cl *iam.Client, id string) *iam.GetServiceLinkedRoleDeletionStatusOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := cl.GetServiceLinkedRoleDeletionStatus(context.Background(), &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if s := string(out.Status); s == StatusSucceeded || s == StatusFailed {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s", id, out.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var errBoom = errors.New("boom")
