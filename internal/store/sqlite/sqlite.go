// Package sqlite is the embedded store of autoscaled: one SQLite database file (pure Go,
// modernc.org/sqlite, no cgo) in WAL mode with synchronous=FULL, so an acknowledged Update
// has been fsynced and survives kill -9 and power loss.
//
// # Writes: group commit
//
// Update enqueues its function and waits. One writer goroutine owns the only write
// connection. It takes whatever is queued (up to maxBatch functions; when it expects more
// callers, see writer, it waits a fraction of a commit for them), runs BEGIN IMMEDIATE,
// then each function inside its own SAVEPOINT (an error or a panic rolls back to that
// savepoint: the function's writes are undone, the others' are not), then one COMMIT, i.e. one
// fsync for the whole batch, and then answers every waiting caller. If the COMMIT fails, every
// caller of the batch gets the error. If a statement fails in a way that may have rolled back
// the whole transaction (I/O error, disk full), the batch is abandoned: the functions that
// ran in it get an error, the ones not yet run go into a new transaction.
//
// Functions run on the writer goroutine, one after the other, so each sees the committed
// state plus the writes of the functions before it in its batch: a read-check-write inside
// Update is race free.
//
// A caller whose context is done before its function started gets ctx.Err() and its
// function never runs; once started, a function runs to completion (its statements do not
// observe the caller's context).
//
// A function must not call Update or Meta of the same store (it would wait for itself), must
// not keep or share its Tx beyond its return, and should be short: it holds up every other
// writer.
//
// # Reads
//
// Reads outside Update use a separate pool of read-only connections, which WAL lets run
// beside the writer; they see committed data only. Reads through Tx use the writer's
// connection and see the transaction's own writes.
//
// # Layout
//
// Every field is a column, except the policy configurations, alarms, tags and not-scaled
// reasons, which are JSON text. Times are int64 unix microseconds (UTC). Empty tags, alarms
// and not-scaled reasons are stored as NULL and read back as nil. Records are (key TEXT,
// value BLOB) rows, keys in BINARY (byte-wise) order; see records.go. See schema.go. Open
// creates or migrates the schema (meta holds schema_version); a database written by the
// former sqlitestore package (objects as JSON documents) is imported in place.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	sqlitedrv "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/autoscaled/autoscaled/internal/store"
)

// maxBatch caps how many Update functions share one transaction.
const maxBatch = 128

// maxLinger caps how long the writer waits for more functions to fill a batch.
const maxLinger = 500 * time.Microsecond

// busyTimeoutMS is how long a connection waits for a lock held by another connection.
const busyTimeoutMS = 10_000

// ErrClosed is returned by Update and Meta after Close.
var ErrClosed = errors.New("sqlite store: closed")

// Store is the SQLite store. It is safe for concurrent use.
type Store struct {
	path string
	log  *slog.Logger

	read  *sql.DB // read-only pool
	write *sql.DB // holds the one write connection
	conn  *sql.Conn

	// Used by the writer goroutine only.
	wstmts map[string]*sql.Stmt
	// txErr is set when a statement failed in a way that may have rolled back the whole
	// transaction (I/O error, disk full, ...): the batch is then abandoned.
	txErr error

	rstmts sync.Map // query text -> *sql.Stmt prepared on read

	mu     sync.RWMutex // guards closed and sending on queue
	closed bool
	queue  chan *job
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// job states.
const (
	jobQueued int32 = iota
	jobRunning
	jobCancelled
)

type job struct {
	ctx   context.Context
	fn    func(*tx) error
	state atomic.Int32
	done  chan error // buffered; receives exactly one answer once the job left the queue
}

// dsn builds a modernc.org/sqlite data source name for path.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMS))
	// A page cache of 64 MiB per connection (SQLite's default is 2 MiB): the record table of
	// 100,000 targets' alarms is hundreds of megabytes, and with the default cache every alarm
	// state change read and wrote its pages through system calls.
	q.Add("_pragma", "cache_size(-65536)")
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		q.Set("_foreign_keys", "1")
	}
	// The "file:" form is handed to SQLite as a URI, so the path is percent-encoded ('?',
	// '#' and '%' in a file name would otherwise be misread).
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens the database at path, creating it (and its schema) if needed, and migrating an
// older schema. The directory must exist. logger may be nil.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" {
		return nil, errors.New("sqlite store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	s := &Store{path: abs, log: logger, wstmts: map[string]*sql.Stmt{}, queue: make(chan *job, 4*maxBatch), done: make(chan struct{})}
	if err := s.open(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	go s.writer()
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	var err error
	if s.write, err = sql.Open("sqlite", dsn(s.path, false)); err != nil {
		return fmt.Errorf("sqlite store: open %s: %w", s.path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetConnMaxLifetime(0)
	if s.conn, err = s.write.Conn(ctx); err != nil {
		return fmt.Errorf("sqlite store: open %s: %w", s.path, err)
	}
	var mode string
	if err := s.conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite store: open %s: %w", s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite store: open %s: journal mode is %q, want wal", s.path, mode)
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("sqlite store: %s: %w", s.path, err)
	}
	if s.read, err = sql.Open("sqlite", dsn(s.path, true)); err != nil {
		return fmt.Errorf("sqlite store: open %s for reading: %w", s.path, err)
	}
	n := min(max(4, 2*runtime.GOMAXPROCS(0)), 16)
	s.read.SetMaxOpenConns(n)
	s.read.SetMaxIdleConns(n)
	s.read.SetConnMaxLifetime(0)
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite store: open %s for reading: %w", s.path, err)
	}
	return nil
}

func (s *Store) closeDBs() error {
	var errs []error
	for _, st := range s.wstmts {
		errs = append(errs, st.Close())
	}
	s.rstmts.Range(func(_, v any) bool { errs = append(errs, v.(*sql.Stmt).Close()); return true })
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	return errors.Join(errs...)
}

// Close runs the Updates already queued, then closes the database. Later Updates and Metas
// return ErrClosed; reads return an error. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.queue)
		s.mu.Unlock()
		<-s.done
		s.closeErr = s.closeDBs()
	})
	return s.closeErr
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.do(ctx, func(t *tx) error { return fn(t) })
}

// do queues fn for the writer and waits for its outcome.
func (s *Store) do(ctx context.Context, fn func(*tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.queue <- j:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobCancelled) {
			return ctx.Err() // the writer will skip it
		}
		return <-j.done // started: it completes
	}
}

// writer is the only goroutine that writes.
//
// Batching: with N callers in a closed loop, a writer that only took what was queued would
// settle into two cohorts of N/2 (one runs while the other, just answered, submits again),
// paying a commit per N/2. So after a batch the writer expects as many callers as it just
// answered plus those that queued meanwhile, and when fewer are queued it lingers for the
// rest, at most a quarter of the last batch's duration (and maxLinger). A lone caller never
// waits.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*job, 0, maxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	expect, linger := 0, time.Duration(0)
	for j := range s.queue {
		batch = s.fill(append(batch[:0], j), expect, linger, timer)
		start := time.Now()
		for rest := batch; len(rest) > 0; {
			rest = s.runBatch(rest)
		}
		expect, linger = len(batch)+len(s.queue), min(time.Since(start)/4, maxLinger)
		clear(batch) // let the jobs be collected
	}
}

// fill adds the queued jobs to batch; if that makes fewer than want, it waits up to linger
// for more.
func (s *Store) fill(batch []*job, want int, linger time.Duration, timer *time.Timer) []*job {
	want = min(want, maxBatch)
	for len(batch) < maxBatch {
		select {
		case j, ok := <-s.queue:
			if !ok {
				return batch
			}
			batch = append(batch, j)
			continue
		default:
		}
		if len(batch) >= want || linger <= 0 {
			return batch
		}
		timer.Reset(linger)
		for len(batch) < want {
			select {
			case j, ok := <-s.queue:
				if !ok {
					timer.Stop()
					return batch
				}
				batch = append(batch, j)
			case <-timer.C:
				return batch
			}
		}
		timer.Stop()
		linger = 0 // waited once: from now on take only what is queued
	}
	return batch
}

// runBatch runs jobs in one transaction. If the transaction had to be abandoned midway it
// returns the jobs that did not start, to be run in a fresh one.
func (s *Store) runBatch(jobs []*job) (rest []*job) {
	ctx := context.Background()
	type ran struct {
		j   *job
		err error
	}
	done := make([]ran, 0, len(jobs))
	begun := false
	abandon := func(cause error) {
		if begun {
			if _, err := s.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				s.log.Error("sqlite store: rollback of an abandoned batch failed", "err", err)
			}
		}
		s.txErr = nil
		for _, r := range done {
			if r.err == nil {
				r.err = fmt.Errorf("sqlite store: transaction abandoned: %w", cause)
			}
			r.j.done <- r.err
		}
	}
	for i, j := range jobs {
		if !j.state.CompareAndSwap(jobQueued, jobRunning) {
			continue // the caller gave up waiting
		}
		if err := j.ctx.Err(); err != nil {
			j.done <- err
			continue
		}
		if !begun {
			if _, err := s.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
				s.log.Error("sqlite store: begin failed", "err", err)
				j.done <- fmt.Errorf("sqlite store: begin: %w", err)
				return jobs[i+1:]
			}
			begun = true
		}
		if _, err := s.exec("SAVEPOINT fn"); err != nil {
			done = append(done, ran{j, fmt.Errorf("sqlite store: savepoint: %w", err)})
			abandon(err)
			return jobs[i+1:]
		}
		err := s.run(j)
		var spErr error
		if err != nil {
			if _, rerr := s.exec("ROLLBACK TO fn"); rerr != nil {
				spErr = rerr
			}
		}
		if _, rerr := s.exec("RELEASE fn"); rerr != nil && spErr == nil {
			spErr = rerr
		}
		if s.txErr != nil {
			spErr = s.txErr // the cause, rather than the "no such savepoint" it leads to
		}
		done = append(done, ran{j, err})
		if spErr != nil {
			s.log.Error("sqlite store: abandoning batch", "err", spErr, "batch", len(jobs))
			abandon(spErr)
			return jobs[i+1:]
		}
	}
	if !begun {
		return nil
	}
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		s.log.Error("sqlite store: commit failed", "err", err, "batch", len(done))
		if _, rerr := s.conn.ExecContext(ctx, "ROLLBACK"); rerr != nil {
			s.log.Debug("sqlite store: rollback after failed commit", "err", rerr)
		}
		for _, r := range done {
			r.j.done <- fmt.Errorf("sqlite store: commit: %w", err)
		}
		return nil
	}
	for _, r := range done {
		r.j.done <- r.err
	}
	return nil
}

// run runs one job's function, turning a panic into an error.
func (s *Store) run(j *job) (err error) {
	t := &tx{s: s}
	defer func() {
		t.finished.Store(true)
		if p := recover(); p != nil {
			s.log.Error("sqlite store: Update function panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("sqlite store: Update function panicked: %v", p)
		}
	}()
	return j.fn(t)
}

// wstmt returns a statement prepared on the write connection (writer goroutine only).
func (s *Store) wstmt(q string) (*sql.Stmt, error) {
	if st, ok := s.wstmts[q]; ok {
		return st, nil
	}
	st, err := s.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", q, err)
	}
	s.wstmts[q] = st
	return st, nil
}

// exec runs a statement on the write connection (writer goroutine only).
func (s *Store) exec(q string, args ...any) (sql.Result, error) {
	st, err := s.wstmt(q)
	if err != nil {
		return nil, err
	}
	res, err := st.Exec(args...)
	s.noteErr(err)
	return res, err
}

// noteErr records errors after which SQLite may have rolled back the whole transaction.
func (s *Store) noteErr(err error) {
	var se *sqlitedrv.Error
	if err == nil || !errors.As(err, &se) {
		return
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_LOCKED:
		if s.txErr == nil {
			s.txErr = err
		}
	}
}

// rstmt returns a statement prepared on the read pool.
func (s *Store) rstmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := s.rstmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", q, err)
	}
	if prev, loaded := s.rstmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Meta implements store.Store. A value once stored is read from the read pool; only the
// first calls for a key go through the writer, which serializes them so that exactly one
// create result is stored and every caller gets it.
func (s *Store) Meta(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	st, err := s.rstmt(ctx, sqlGetMeta)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: meta %s: %w", key, err)
	}
	var v []byte
	switch err := st.QueryRowContext(ctx, metaApp, key).Scan(&v); {
	case err == nil:
		return v, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("sqlite store: meta %s: %w", key, err)
	}
	err = s.do(ctx, func(t *tx) error {
		rows, err := t.query(sqlGetMeta, metaApp, key)
		if err != nil {
			return err
		}
		found := rows.Next()
		if found {
			err = rows.Scan(&v)
		}
		err = errors.Join(err, rows.Err(), rows.Close())
		if err != nil || found {
			return err
		}
		if v, err = create(); err != nil {
			return err
		}
		if v == nil {
			v = []byte{}
		}
		_, err = t.exec(sqlPutMeta, metaApp, key, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite store: meta %s: %w", key, err)
	}
	return v, nil
}

var _ store.Store = (*Store)(nil)
