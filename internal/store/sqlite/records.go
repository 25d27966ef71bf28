package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/store"
)

// The record table (schemaV2). A prefix is the key range [prefix, prefixEnd(prefix)), so
// that lists and prefix deletes walk the key index instead of the whole table.

// maxRecordKey is the longest record key, in bytes.
const maxRecordKey = 1024

const (
	sqlGetRecord    = `SELECT value FROM records WHERE key = ?`
	sqlPutRecord    = `INSERT INTO records (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	sqlDeleteRecord = `DELETE FROM records WHERE key = ?`
)

// prefixEnd returns the smallest string greater than every string that starts with prefix,
// or false if there is none (prefix is empty or all 0xff bytes).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// keyRange returns the condition (without WHERE) and arguments selecting the keys that start
// with prefix and sort after after.
func keyRange(prefix, after string) (string, []any) {
	cond, args := "key >= ?", []any{prefix}
	if after != "" && after >= prefix {
		cond, args = "key > ?", []any{after}
	}
	if end, ok := prefixEnd(prefix); ok {
		cond, args = cond+" AND key < ?", append(args, end)
	}
	return cond, args
}

func getRecord(q querier, key string) ([]byte, error) {
	rows, err := q.query(sqlGetRecord, key)
	if err != nil {
		return nil, fmt.Errorf("get record %q: %w", key, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("get record %q: %w", key, err)
		}
		return nil, fmt.Errorf("record %q: %w", key, store.ErrNotFound)
	}
	var v []byte
	if err := rows.Scan(&v); err != nil {
		return nil, fmt.Errorf("get record %q: %w", key, err)
	}
	if v == nil {
		v = []byte{} // an empty BLOB scans as nil
	}
	return v, nil
}

// GetRecord implements store.Store.
func (s *Store) GetRecord(ctx context.Context, key string) ([]byte, error) {
	return getRecord(reader{ctx, s}, key)
}

// ListRecords implements store.Store.
func (s *Store) ListRecords(ctx context.Context, prefix, after string, limit int) ([]store.Record, error) {
	cond, args := keyRange(prefix, after)
	if limit <= 0 {
		limit = -1
	}
	rows, err := reader{ctx, s}.query(`SELECT key, value FROM records WHERE `+cond+` ORDER BY key LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list records %q: %w", prefix, err)
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.Key, &r.Value); err != nil {
			return nil, fmt.Errorf("list records %q: %w", prefix, err)
		}
		if r.Value == nil {
			r.Value = []byte{}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list records %q: %w", prefix, err)
	}
	return out, nil
}

func (t *tx) GetRecord(key string) ([]byte, error) { return getRecord(t, key) }

func (t *tx) PutRecord(key string, value []byte) error {
	if len(key) > maxRecordKey {
		return fmt.Errorf("put record: key of %d bytes, longer than %d", len(key), maxRecordKey)
	}
	if value == nil {
		value = []byte{} // NOT NULL
	}
	if _, err := t.exec(sqlPutRecord, key, value); err != nil {
		return fmt.Errorf("put record %q: %w", key, err)
	}
	return nil
}

func (t *tx) DeleteRecord(key string) error {
	res, err := t.exec(sqlDeleteRecord, key)
	return affected(res, err, fmt.Sprintf("delete record %q", key))
}

func (t *tx) DeleteRecords(prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("delete records: empty prefix")
	}
	cond, args := keyRange(prefix, "")
	res, err := t.exec(`DELETE FROM records WHERE `+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("delete records %q: %w", prefix, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete records %q: %w", prefix, err)
	}
	return int(n), nil
}
