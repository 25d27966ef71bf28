// Package sqlitestore is the first layout of the embedded store (objects as JSON documents).
// The server now uses package sqlite, which imports databases in this layout when it opens
// them; this package stays only so that the import is tested against the real writer.
// Delete both once no such database can exist.
//
// Its design: one SQLite database file (pure Go,
// modernc.org/sqlite, no cgo) in WAL mode with synchronous=FULL, so an acknowledged write is
// on disk and survives kill -9 and power loss.
//
// Writes are group-committed: Update enqueues its function; one writer goroutine, owning the
// only write connection, takes everything queued (up to maxBatch), runs BEGIN IMMEDIATE, each
// function inside its own SAVEPOINT (a failing function is rolled back alone), one COMMIT (one
// fsync for the whole batch), then answers every caller. Reads use a separate pool of
// read-only connections, which WAL lets run beside the writer.
//
// Each table keeps the key columns it is queried by and the object itself as JSON.
package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/autoscaled/autoscaled/internal/store"
)

const maxBatch = 256

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS targets (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, id TEXT NOT NULL, rtype TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension)
);
CREATE INDEX IF NOT EXISTS targets_by_id ON targets (account, region, id);
CREATE INDEX IF NOT EXISTS targets_by_ns ON targets (account, region, namespace, seq);
CREATE TABLE IF NOT EXISTS target_counts (
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, rtype TEXT NOT NULL,
	n INTEGER NOT NULL, PRIMARY KEY (account, region, namespace, rtype)
);
CREATE TABLE IF NOT EXISTS policies (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name)
);
CREATE INDEX IF NOT EXISTS policies_by_ns ON policies (account, region, namespace, seq);
CREATE TABLE IF NOT EXISTS scheduled_actions (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name)
);
CREATE INDEX IF NOT EXISTS scheduled_actions_by_ns ON scheduled_actions (account, region, namespace, seq);
CREATE TABLE IF NOT EXISTS activities (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, not_scaled INTEGER NOT NULL,
	start_us INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_by_ns ON activities (account, region, namespace, seq);
CREATE INDEX IF NOT EXISTS activities_by_start ON activities (start_us);
`

// Store is the SQLite store.
type Store struct {
	read   *sql.DB
	write  *sql.DB
	conn   *sql.Conn
	log    *slog.Logger
	queue  chan *job
	done   chan struct{}
	closed sync.Once
	stmts  map[string]*sql.Stmt // prepared on conn; used only by the writer goroutine
	rstmts sync.Map             // prepared on read; query -> *sql.Stmt
}

type job struct {
	ctx  context.Context
	fn   func(tx store.Tx) error
	err  chan error
	meta *metaJob
}

type metaJob struct {
	key    string
	create func() ([]byte, error)
	out    []byte
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	conn, err := write.Conn(ctx)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, schema); err != nil {
		conn.Close()
		write.Close()
		return nil, fmt.Errorf("create schema in %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		conn.Close()
		write.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	s := &Store{read: read, write: write, conn: conn, log: logger, queue: make(chan *job, 4*maxBatch),
		done: make(chan struct{}), stmts: map[string]*sql.Stmt{}}
	go s.writer()
	return s, nil
}

// Close stops the writer after the queued work and closes the database.
func (s *Store) Close() error {
	var err error
	s.closed.Do(func() {
		close(s.queue)
		<-s.done
		for _, st := range s.stmts {
			st.Close()
		}
		s.rstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
		err = errors.Join(s.conn.Close(), s.write.Close(), s.read.Close())
	})
	return err
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.submit(&job{ctx: ctx, fn: fn, err: make(chan error, 1)})
}

func (s *Store) submit(j *job) (err error) {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if recover() != nil { // queue closed
			err = errors.New("sqlite store: closed")
		}
	}()
	s.queue <- j
	return <-j.err
}

// Meta implements store.Store.
func (s *Store) Meta(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	m := &metaJob{key: key, create: create}
	if err := s.submit(&job{ctx: ctx, meta: m, err: make(chan error, 1)}); err != nil {
		return nil, err
	}
	return m.out, nil
}

// writer is the only goroutine that writes.
func (s *Store) writer() {
	defer close(s.done)
	for j := range s.queue {
		batch := []*job{j}
	drain:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-s.queue:
				if !ok {
					break drain
				}
				batch = append(batch, j)
			default:
				break drain
			}
		}
		s.runBatch(batch)
	}
}

func (s *Store) exec(q string, args ...any) (sql.Result, error) {
	st, err := s.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.Exec(args...)
}

func (s *Store) stmt(q string) (*sql.Stmt, error) {
	if st, ok := s.stmts[q]; ok {
		return st, nil
	}
	st, err := s.conn.PrepareContext(context.Background(), q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", firstLine(q), err)
	}
	s.stmts[q] = st
	return st, nil
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i > 0 {
		return q[:i]
	}
	return q
}

// runBatch commits a batch of jobs in one transaction.
func (s *Store) runBatch(batch []*job) {
	ctx := context.Background()
	results := make([]error, len(batch))
	if _, err := s.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		for _, j := range batch {
			j.err <- fmt.Errorf("sqlite store: begin: %w", err)
		}
		return
	}
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := s.exec("SAVEPOINT job"); err != nil {
			results[i] = fmt.Errorf("sqlite store: savepoint: %w", err)
			continue
		}
		err := s.runJob(j)
		if err != nil {
			if _, rerr := s.exec("ROLLBACK TO job"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("sqlite store: rollback to savepoint: %w", rerr))
			}
		}
		if _, rerr := s.exec("RELEASE job"); rerr != nil && err == nil {
			err = fmt.Errorf("sqlite store: release savepoint: %w", rerr)
		}
		results[i] = err
	}
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = s.conn.ExecContext(ctx, "ROLLBACK")
		for _, j := range batch {
			j.err <- fmt.Errorf("sqlite store: commit: %w", err)
		}
		return
	}
	for i, j := range batch {
		j.err <- results[i]
	}
}

func (s *Store) runJob(j *job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite store: update panicked: %v", p)
		}
	}()
	if j.meta != nil {
		return s.runMeta(j.meta)
	}
	return j.fn(&tx{s: s})
}

func (s *Store) runMeta(m *metaJob) error {
	st, err := s.stmt("SELECT value FROM meta WHERE key = ?")
	if err != nil {
		return err
	}
	err = st.QueryRow(m.key).Scan(&m.out)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read meta %s: %w", m.key, err)
	}
	if m.out, err = m.create(); err != nil {
		return err
	}
	_, err = s.exec("INSERT INTO meta (key, value) VALUES (?, ?)", m.key, m.out)
	return err
}

// rstmt returns a statement prepared on the read pool.
func (s *Store) rstmt(q string) (*sql.Stmt, error) {
	if st, ok := s.rstmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.read.Prepare(q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", firstLine(q), err)
	}
	if prev, loaded := s.rstmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func decode[T any](data string) (*T, error) {
	v := new(T)
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return nil, fmt.Errorf("decode stored %T: %w", v, err)
	}
	return v, nil
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b), nil
}

var _ store.Store = (*Store)(nil)
