package memstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/autoscaled/autoscaled/internal/store"
)

// maxRecordKey is the longest record key (bytes) the store accepts, as the durable backends.
const maxRecordKey = 1024

// records is the record table: entries sorted by key (byte-wise, Go string order). Get is a
// binary search; a list is a binary search plus a walk. Values are private copies, never
// changed in place, so entries can be handed out to readers after a copy of the value.
//
// The table is not part of data (which Update copies for rollback): an Update writes to it in
// place under the store's write lock and keeps an undo log, which it replays in reverse if the
// function fails.
type records struct {
	entries []store.Record
}

// find returns the index of the first entry whose key is >= key, and whether it is key.
func (r *records) find(key string) (int, bool) {
	return slices.BinarySearchFunc(r.entries, key, func(e store.Record, k string) int { return strings.Compare(e.Key, k) })
}

func (r *records) get(key string) ([]byte, bool) {
	if i, ok := r.find(key); ok {
		return r.entries[i].Value, true
	}
	return nil, false
}

// set stores value (already a private copy) under key and returns the previous value.
func (r *records) set(key string, value []byte) (old []byte, existed bool) {
	i, ok := r.find(key)
	if ok {
		old = r.entries[i].Value
		r.entries[i].Value = value
		return old, true
	}
	r.entries = slices.Insert(r.entries, i, store.Record{Key: key, Value: value})
	return nil, false
}

func (r *records) remove(key string) (old []byte, existed bool) {
	i, ok := r.find(key)
	if !ok {
		return nil, false
	}
	old = r.entries[i].Value
	r.entries = slices.Delete(r.entries, i, i+1)
	return old, true
}

// prefixRange returns the bounds [lo, hi) of the entries whose key starts with prefix.
func (r *records) prefixRange(prefix string) (int, int) {
	lo, _ := r.find(prefix)
	hi := lo
	for hi < len(r.entries) && strings.HasPrefix(r.entries[hi].Key, prefix) {
		hi++
	}
	return lo, hi
}

// undo is one change of an Update to the record table.
type undo struct {
	key     string
	old     []byte
	existed bool
}

// rollback reverts the changes of log, newest first.
func (r *records) rollback(log []undo) {
	for i := len(log) - 1; i >= 0; i-- {
		if u := log[i]; u.existed {
			r.set(u.key, u.old)
		} else {
			r.remove(u.key)
		}
	}
}

func cloneValue(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return slices.Clone(v)
}

func checkKey(key string) error {
	if len(key) > maxRecordKey {
		return fmt.Errorf("record key of %d bytes: longer than %d", len(key), maxRecordKey)
	}
	return nil
}

// GetRecord implements store.Store.
func (s *Store) GetRecord(_ context.Context, key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if v, ok := s.recs.get(key); ok {
		return cloneValue(v), nil
	}
	return nil, fmt.Errorf("record %q: %w", key, store.ErrNotFound)
}

// ListRecords implements store.Store.
func (s *Store) ListRecords(_ context.Context, prefix, after string, limit int) ([]store.Record, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	lo, found := s.recs.find(max(prefix, after))
	if found && after != "" && after >= prefix {
		lo++ // after itself is not listed ("" is no cursor, as in the other backends)
	}
	var out []store.Record
	for _, e := range s.recs.entries[lo:] {
		if !strings.HasPrefix(e.Key, prefix) || (limit > 0 && len(out) == limit) {
			break
		}
		out = append(out, store.Record{Key: e.Key, Value: cloneValue(e.Value)})
	}
	return out, nil
}

func (t *tx) GetRecord(key string) ([]byte, error) {
	if v, ok := t.r.get(key); ok {
		return cloneValue(v), nil
	}
	return nil, fmt.Errorf("record %q: %w", key, store.ErrNotFound)
}

func (t *tx) PutRecord(key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	old, existed := t.r.set(key, cloneValue(value))
	*t.undo = append(*t.undo, undo{key, old, existed})
	return nil
}

func (t *tx) DeleteRecord(key string) error {
	old, existed := t.r.remove(key)
	if !existed {
		return fmt.Errorf("record %q: %w", key, store.ErrNotFound)
	}
	*t.undo = append(*t.undo, undo{key, old, true})
	return nil
}

func (t *tx) DeleteRecords(prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("delete records: empty prefix")
	}
	lo, hi := t.r.prefixRange(prefix)
	for _, e := range t.r.entries[lo:hi] {
		*t.undo = append(*t.undo, undo{e.Key, e.Value, true})
	}
	t.r.entries = slices.Delete(t.r.entries, lo, hi)
	return hi - lo, nil
}
