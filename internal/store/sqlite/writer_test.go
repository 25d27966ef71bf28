package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

var scope = autoscaling.Scope{Account: "123456789012", Region: "us-west-2"}

func key(name string) autoscaling.TargetKey {
	return autoscaling.TargetKey{Namespace: "lambda", ResourceID: "function:" + name + ":live", Dimension: "lambda:function:ProvisionedConcurrency"}
}

func target(name string) *autoscaling.ScalableTarget {
	return &autoscaling.ScalableTarget{Scope: scope, TargetKey: key(name), ID: autoscaling.NewTargetID("lambda"),
		ResourceUUID: autoscaling.NewUUID(), MinCapacity: 1, MaxCapacity: 5, CreationTime: time.Now().UTC().Truncate(time.Millisecond)}
}

func openAt(t testing.TB, path string) *Store {
	t.Helper()
	st, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// holdWriter runs an Update that blocks the writer until release is called.
func holdWriter(t *testing.T, st *Store) (release func()) {
	t.Helper()
	gate, started := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- st.Update(context.Background(), func(tx store.Tx) error { close(started); <-gate; return nil })
	}()
	<-started
	return func() {
		close(gate)
		if err := <-done; err != nil {
			t.Errorf("holding update: %v", err)
		}
	}
}

// waitQueued waits until n jobs wait in the queue.
func waitQueued(t *testing.T, st *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(st.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs queued after 10s, want %d", len(st.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCloseRunsQueuedUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	release := holdWriter(t, st)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx store.Tx) error { return tx.InsertTarget(target(fmt.Sprint("t", i))) })
		}()
	}
	waitQueued(t, st, n)
	closed := make(chan error)
	go func() { closed <- st.Close() }()
	// Close is waiting for the writer; new Updates are refused meanwhile.
	for {
		st.mu.RLock()
		c := st.closed
		st.mu.RUnlock()
		if c {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update during Close: %v, want ErrClosed", err)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("update %d queued before Close: %v", i, err)
		}
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close: %v, want ErrClosed", err)
	}
	if _, err := st.Meta(ctx, "k", func() ([]byte, error) { return nil, nil }); err == nil {
		t.Error("Meta after Close succeeded")
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	st2 := openAt(t, path)
	ts, err := st2.ListTargets(ctx, scope, store.TargetQuery{Namespace: "lambda"})
	if err != nil || len(ts) != n {
		t.Errorf("after reopen: %d targets (%v), want %d", len(ts), err, n)
	}
}

// A caller that gives up while its Update is queued gets ctx.Err() at once and its function
// never runs; one whose function started waits for it to complete.
func TestCancelWhileQueued(t *testing.T) {
	st := openAt(t, filepath.Join(t.TempDir(), "db"))
	ctx := context.Background()
	release := holdWriter(t, st)
	cctx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{}, 1)
	queued := make(chan error)
	go func() {
		queued <- st.Update(cctx, func(tx store.Tx) error { ran <- struct{}{}; return tx.InsertTarget(target("cancelled")) })
	}()
	waitQueued(t, st, 1)
	cancel()
	select {
	case err := <-queued:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled queued Update returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller kept waiting behind the writer")
	}
	release()
	if err := st.Update(ctx, func(tx store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
		t.Error("the function of a cancelled Update ran")
	default:
	}
	if _, err := st.GetTarget(ctx, scope, key("cancelled")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancelled Update wrote: %v", err)
	}

	// Cancelled after its function started: it completes.
	cctx, cancel = context.WithCancel(ctx)
	inside, proceed := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- st.Update(cctx, func(tx store.Tx) error {
			close(inside)
			<-proceed
			return tx.InsertTarget(target("started"))
		})
	}()
	<-inside
	cancel()
	close(proceed)
	if err := <-done; err != nil {
		t.Errorf("an Update cancelled after it started: %v, want it completed", err)
	}
	if _, err := st.GetTarget(ctx, scope, key("started")); err != nil {
		t.Errorf("an Update cancelled after it started did not write: %v", err)
	}
}

// Functions that fail, panic, or swallow a failed statement share one batch without
// affecting one another; the Tx of a finished function is unusable.
func TestBatchIndependence(t *testing.T) {
	st := openAt(t, filepath.Join(t.TempDir(), "db"))
	ctx := context.Background()
	release := holdWriter(t, st)
	const n = 60
	var wg sync.WaitGroup
	errs := make([]error, n)
	var leaked store.Tx
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx store.Tx) error {
				if i == 0 {
					leaked = tx
				}
				if err := tx.InsertTarget(target(fmt.Sprint("b", i))); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errors.New("planned")
				case 2:
					panic("planned")
				case 3: // a failed statement the function ignores does not undo its other writes
					_ = tx.InsertTarget(target(fmt.Sprint("b", i)))
				}
				return nil
			})
		}()
	}
	waitQueued(t, st, n)
	release()
	wg.Wait()
	for i, err := range errs {
		_, gerr := st.GetTarget(ctx, scope, key(fmt.Sprint("b", i)))
		if ok := i%4 == 0 || i%4 == 3; ok != (err == nil) || ok != (gerr == nil) {
			t.Errorf("update %d: returned %v, lookup %v", i, err, gerr)
		}
	}
	if _, err := leaked.GetTarget(scope, key("b0")); !errors.Is(err, errTxDone) {
		t.Errorf("a Tx used after its function returned: %v", err)
	}
}

// When a statement fails in a way that may have rolled back the whole transaction (here
// the disk is full), the batch is abandoned: the functions that ran in it get an error and
// keep nothing, the ones after it run in a new transaction.
func TestAbandonedBatch(t *testing.T) {
	st := openAt(t, filepath.Join(t.TempDir(), "db"))
	ctx := context.Background()
	var pages int64
	err := st.do(ctx, func(t *tx) error {
		rows, err := t.query("PRAGMA page_count")
		if err != nil {
			return err
		}
		defer rows.Close()
		rows.Next()
		return rows.Scan(&pages)
	})
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, st)
	results := make([]chan error, 3)
	big := make([]byte, 1<<20)
	fns := []func(tx store.Tx) error{
		func(tx store.Tx) error { return tx.InsertTarget(target("before")) },
		func(stx store.Tx) error {
			// Fill the disk: the database may not grow past its current size.
			if _, err := stx.(*tx).exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
				return err
			}
			tg := target("huge")
			tg.Tags = map[string]string{"x": string(big)}
			err := stx.InsertTarget(tg)
			if err == nil {
				return errors.New("the huge insert succeeded")
			}
			return nil // swallowed: the store must notice anyway
		},
		func(stx store.Tx) error {
			_, err := stx.(*tx).exec("PRAGMA max_page_count = 1073741823")
			return errors.Join(err, stx.InsertTarget(target("after")))
		},
	}
	for i, fn := range fns {
		results[i] = make(chan error, 1)
		go func() { results[i] <- st.Update(ctx, fn) }()
		waitQueued(t, st, i+1)
	}
	release()
	for i, name := range []string{"before", "huge"} {
		if err := <-results[i]; err == nil || !strings.Contains(err.Error(), "full") {
			t.Errorf("%s: an Update of the abandoned batch returned %v, want the disk-full error", name, err)
		}
		if _, err := st.GetTarget(ctx, scope, key(name)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: kept a write of the abandoned batch: %v", name, err)
		}
	}
	if err := <-results[2]; err != nil {
		t.Errorf("the Update queued after the failure: %v", err)
	}
	if _, err := st.GetTarget(ctx, scope, key("after")); err != nil {
		t.Errorf("the Update queued after the failure: %v", err)
	}
}

// The write connection is durable (synchronous=FULL in WAL mode) and enforces foreign keys;
// reads are query-only.
func TestConnectionSettings(t *testing.T) {
	st := openAt(t, filepath.Join(t.TempDir(), "db"))
	ctx := context.Background()
	pragma := func(q querier, name string) (v string) {
		rows, err := q.query("PRAGMA " + name)
		if err == nil && rows.Next() {
			err = rows.Scan(&v)
		}
		if rows != nil {
			rows.Close()
		}
		if err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	err := st.do(ctx, func(tx *tx) error {
		for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"} {
			if got := pragma(tx, name); got != want {
				t.Errorf("writer: PRAGMA %s = %s, want %s", name, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"journal_mode": "wal", "query_only": "1", "busy_timeout": "10000"} {
		if got := pragma(reader{ctx, st}, name); got != want {
			t.Errorf("reader: PRAGMA %s = %s, want %s", name, got, want)
		}
	}
}
