// Package readcache puts an in-memory cache of scalable targets in front of a store.Store
// that only this process writes (the embedded SQLite store). Describe calls that name their
// resource ids, and the lookups every write operation starts with, are then answered from
// memory; everything else passes through.
//
// Coherence: every write goes through Update, whose Tx is wrapped to note which (scope,
// namespace, resource id) entries it touched; after the backend commits, those entries are
// dropped. A reader that missed fills the cache only if no commit happened while it read
// (a global generation number, checked under the same lock writers take to invalidate), so a
// stale read is never cached. Not for stores shared by several processes (PostgreSQL).
//
// Records (GetRecord, ListRecords, and the record methods of Tx) are not cached: they pass
// through to the wrapped store, so they are as fresh as its own reads. A record read is one
// primary key lookup (or one index range) on the store's read pool, and caching prefix lists
// coherently would need every record write, prefix deletes included, to invalidate the lists
// it falls into.
package readcache

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// maxEntries bounds the cache; past it the cache starts over empty.
const maxEntries = 500_000

type entryKey struct {
	scope     autoscaling.Scope
	namespace string
	rid       string
}

// Store is a caching store.Store.
type Store struct {
	store.Store
	mu      sync.RWMutex
	gen     uint64
	entries map[entryKey][]*autoscaling.ScalableTarget // every target of the key, any dimension
}

// New wraps st.
func New(st store.Store) *Store {
	return &Store{Store: st, entries: map[entryKey][]*autoscaling.ScalableTarget{}}
}

func clone(t *autoscaling.ScalableTarget) *autoscaling.ScalableTarget {
	c := *t
	c.Tags = maps.Clone(t.Tags)
	return &c
}

// targetsOf returns (copies of) all targets of one resource id in a namespace.
func (s *Store) targetsOf(ctx context.Context, k entryKey) ([]*autoscaling.ScalableTarget, error) {
	s.mu.RLock()
	ts, ok := s.entries[k]
	gen := s.gen
	s.mu.RUnlock()
	if !ok {
		var err error
		ts, err = s.Store.ListTargets(ctx, k.scope, store.TargetQuery{Namespace: k.namespace, ResourceIDs: []string{k.rid}})
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if s.gen == gen {
			if len(s.entries) >= maxEntries {
				clear(s.entries)
			}
			s.entries[k] = ts
		}
		s.mu.Unlock()
	}
	out := make([]*autoscaling.ScalableTarget, len(ts))
	for i, t := range ts {
		out[i] = clone(t)
	}
	return out, nil
}

// GetTarget answers from the cache.
func (s *Store) GetTarget(ctx context.Context, scope autoscaling.Scope, key autoscaling.TargetKey) (*autoscaling.ScalableTarget, error) {
	ts, err := s.targetsOf(ctx, entryKey{scope, key.Namespace, key.ResourceID})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Dimension == key.Dimension {
			return t, nil
		}
	}
	return nil, store.ErrNotFound
}

// ListTargets answers queries that name their resource ids from the cache.
func (s *Store) ListTargets(ctx context.Context, scope autoscaling.Scope, q store.TargetQuery) ([]*autoscaling.ScalableTarget, error) {
	if len(q.ResourceIDs) == 0 || q.Namespace == "" {
		return s.Store.ListTargets(ctx, scope, q)
	}
	var out []*autoscaling.ScalableTarget
	seen := map[string]bool{}
	for _, rid := range q.ResourceIDs {
		if seen[rid] {
			continue
		}
		seen[rid] = true
		ts, err := s.targetsOf(ctx, entryKey{scope, q.Namespace, rid})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.Seq > q.AfterSeq && (q.Dimension == "" || t.Dimension == q.Dimension) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b *autoscaling.ScalableTarget) int { return int(a.Seq - b.Seq) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// GetRecord passes through to the wrapped store (records are not cached).
func (s *Store) GetRecord(ctx context.Context, key string) ([]byte, error) {
	return s.Store.GetRecord(ctx, key)
}

// ListRecords passes through to the wrapped store (records are not cached).
func (s *Store) ListRecords(ctx context.Context, prefix, after string, limit int) ([]store.Record, error) {
	return s.Store.ListRecords(ctx, prefix, after, limit)
}

// Update runs fn on the backend and drops the cache entries it touched once it committed.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	var touched []entryKey
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		touched = touched[:0] // a backend may retry fn
		return fn(&recordingTx{Tx: tx, touched: &touched})
	})
	// Invalidate even on error: a backend error after commit is possible (e.g. a failed
	// fsync reported late), and dropping entries is always safe.
	s.mu.Lock()
	s.gen++
	for _, k := range touched {
		delete(s.entries, k)
	}
	s.mu.Unlock()
	return err
}

// recordingTx notes the targets a transaction changes. Its record methods are the wrapped
// Tx's (nothing of them is cached).
type recordingTx struct {
	store.Tx
	touched *[]entryKey
}

func (r *recordingTx) note(scope autoscaling.Scope, key autoscaling.TargetKey) {
	*r.touched = append(*r.touched, entryKey{scope, key.Namespace, key.ResourceID})
}

func (r *recordingTx) InsertTarget(t *autoscaling.ScalableTarget) error {
	r.note(t.Scope, t.TargetKey)
	return r.Tx.InsertTarget(t)
}

func (r *recordingTx) UpdateTarget(t *autoscaling.ScalableTarget) error {
	r.note(t.Scope, t.TargetKey)
	return r.Tx.UpdateTarget(t)
}

func (r *recordingTx) DeleteTarget(scope autoscaling.Scope, key autoscaling.TargetKey) error {
	r.note(scope, key)
	return r.Tx.DeleteTarget(scope, key)
}

var _ store.Store = (*Store)(nil)
