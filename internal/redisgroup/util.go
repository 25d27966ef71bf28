package redisgroup

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"
)

func contains[T comparable](s []T, v T) bool { return slices.Contains(s, v) }

func sortStrings(s []string) { slices.Sort(s) }

// parallel runs fn(0..n-1) with at most limit at a time and returns the first error (all calls
// run to completion; a failed call does not cancel the others unless fn watches ctx).
func parallel(n, limit int, fn func(i int) error) error {
	if limit <= 0 || limit > n {
		limit = n
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, max(limit, 1))
	)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// poll calls check every interval until it returns nil, ctx ends or timeout passes; the error
// then says what was last wrong.
func poll(ctx context.Context, timeout, interval time.Duration, what string, check func(ctx context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return &timeoutError{what: what, after: timeout, last: err}
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

type timeoutError struct {
	what  string
	after time.Duration
	last  error
}

func (e *timeoutError) Error() string {
	return "timed out after " + e.after.String() + " waiting for " + e.what + ": " + e.last.Error()
}

func (e *timeoutError) Unwrap() error { return e.last }

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// formatBytes prints a byte count with a binary unit ("1.5 MiB").
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit && exp < 5; v /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTPE"[exp]) + "iB"
}
