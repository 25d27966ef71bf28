package auth

import "sync/atomic"

// Store holds the current principals and replaces them atomically on Reload. The zero
// value holds none (Current returns nil, whose Lookup finds nothing).
type Store struct {
	cur atomic.Pointer[Principals]
}

// NewStore loads path into a new Store.
func NewStore(path string) (*Store, error) {
	s := new(Store)
	if err := s.Reload(path); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload loads path and, if it is valid, makes it the current set. On error the current
// set is kept and the error returned.
func (s *Store) Reload(path string) error {
	ps, err := Load(path)
	if err != nil {
		return err
	}
	s.cur.Store(ps)
	return nil
}

// Current returns the current set (nil before the first successful load).
func (s *Store) Current() *Principals { return s.cur.Load() }
