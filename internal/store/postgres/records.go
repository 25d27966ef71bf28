package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/autoscaled/autoscaled/internal/store"
)

// The record table (schemaV2). Keys are BYTEA; a prefix is the key range
// [prefix, prefixEnd(prefix)), so that lists and prefix deletes walk the primary key index.
//
// Locking, so that what an Update function reads of a record is what it writes against
// (the store's READ COMMITTED transactions alone would let two nodes both read "absent" and
// both create, or both increment the same value):
//
//   - Tx.GetRecord, Tx.PutRecord and Tx.DeleteRecord first take a transaction-level advisory
//     lock on a 64-bit hash of the key (once per key and transaction). It serializes every
//     transaction that touches the key, including one that reads a key that does not exist
//     yet, which no row lock could cover. A statement after the lock sees what the previous
//     holder committed (READ COMMITTED takes a snapshot per statement).
//   - Tx.GetRecord also takes the row lock (FOR UPDATE), so that a concurrent
//     Tx.DeleteRecords (which takes row locks only) waits for the reader's transaction.
//
// The advisory locks use the two-int4 key space, which does not overlap the bigint one of
// the migration lock. Deadlocks between transactions that lock several keys in different
// orders are reported as store.ErrConflict.

// maxRecordKey is the longest record key, in bytes.
const maxRecordKey = 1024

// prefixEnd returns the smallest byte string greater than every one that starts with
// prefix, or nil if there is none (prefix is empty or all 0xff bytes).
func prefixEnd(prefix string) []byte {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

// GetRecord implements store.Store.
func (s *Store) GetRecord(ctx context.Context, key string) ([]byte, error) {
	return getRecord(ctx, s.pool, key, "")
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func getRecord(ctx context.Context, q rowQuerier, key, lock string) ([]byte, error) {
	var v []byte
	err := q.QueryRow(ctx, `SELECT value FROM records WHERE key = $1`+lock, []byte(key)).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("record %q: %w", key, store.ErrNotFound)
	case err != nil:
		return nil, mapErr(err, fmt.Sprintf("get record %q", key))
	case v == nil:
		v = []byte{}
	}
	return v, nil
}

// ListRecords implements store.Store.
func (s *Store) ListRecords(ctx context.Context, prefix, after string, limit int) ([]store.Record, error) {
	f := &filter{}
	if after != "" && after >= prefix {
		f.add("key > ?", []byte(after))
	} else {
		f.add("key >= ?", []byte(prefix))
	}
	if end := prefixEnd(prefix); end != nil {
		f.add("key < ?", end)
	}
	text, args := f.sql("SELECT key, value FROM records", "key", limit)
	rows, err := s.pool.Query(ctx, text, args...)
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list records %q", prefix))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Record, error) {
		var k, v []byte
		if err := row.Scan(&k, &v); err != nil {
			return store.Record{}, err
		}
		if v == nil {
			v = []byte{}
		}
		return store.Record{Key: string(k), Value: v}, nil
	})
	if err != nil {
		return nil, mapErr(err, fmt.Sprintf("list records %q", prefix))
	}
	if len(out) == 0 {
		out = nil
	}
	return out, nil
}

// lockKey takes the advisory lock of a record key for the rest of the transaction.
func (t *tx) lockKey(key string) error {
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64()
	k := [2]int32{int32(sum >> 32), int32(sum)}
	if t.locked[k] {
		return nil
	}
	if _, err := t.exec(`SELECT pg_advisory_xact_lock($1, $2)`, k[0], k[1]); err != nil {
		return mapErr(err, fmt.Sprintf("lock record %q", key))
	}
	if t.locked == nil {
		t.locked = map[[2]int32]bool{}
	}
	t.locked[k] = true
	return nil
}

func (t *tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.finished.Load() {
		return errRow{errTxDone}
	}
	return t.tx.QueryRow(ctx, sql, args...)
}

// errRow is a pgx.Row whose Scan fails.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (t *tx) GetRecord(key string) ([]byte, error) {
	if err := t.lockKey(key); err != nil {
		return nil, err
	}
	return getRecord(t.ctx, t, key, " FOR UPDATE")
}

func (t *tx) PutRecord(key string, value []byte) error {
	what := fmt.Sprintf("put record %q", key)
	if len(key) > maxRecordKey {
		return fmt.Errorf("%s: key of %d bytes, longer than %d", what, len(key), maxRecordKey)
	}
	if err := t.lockKey(key); err != nil {
		return err
	}
	if value == nil {
		value = []byte{} // NOT NULL
	}
	_, err := t.exec(`INSERT INTO records (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, []byte(key), value)
	return mapErr(err, what)
}

func (t *tx) DeleteRecord(key string) error {
	if err := t.lockKey(key); err != nil {
		return err
	}
	tag, err := t.exec(`DELETE FROM records WHERE key = $1`, []byte(key))
	return affected(tag, err, fmt.Sprintf("delete record %q", key))
}

func (t *tx) DeleteRecords(prefix string) (int, error) {
	what := fmt.Sprintf("delete records %q", prefix)
	if prefix == "" {
		return 0, errors.New(what + ": empty prefix")
	}
	q, args := `DELETE FROM records WHERE key >= $1`, []any{[]byte(prefix)}
	if end := prefixEnd(prefix); end != nil {
		q, args = q+` AND key < $2`, append(args, end)
	}
	tag, err := t.exec(q, args...)
	if err != nil {
		return 0, mapErr(err, what)
	}
	return int(tag.RowsAffected()), nil
}
