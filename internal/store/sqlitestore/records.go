package sqlitestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/store"
)

// errNoRecords: this layout predates the record table, and it stays frozen (it exists only
// to write databases that package sqlite imports). The record methods are here only so that
// the package still satisfies store.Store; they all fail.
var errNoRecords = fmt.Errorf("sqlitestore: the first layout has no record table: %w", errors.ErrUnsupported)

// GetRecord implements store.Store: it always fails.
func (s *Store) GetRecord(context.Context, string) ([]byte, error) { return nil, errNoRecords }

// ListRecords implements store.Store: it always fails.
func (s *Store) ListRecords(context.Context, string, string, int) ([]store.Record, error) {
	return nil, errNoRecords
}

func (t *tx) GetRecord(string) ([]byte, error)  { return nil, errNoRecords }
func (t *tx) PutRecord(string, []byte) error    { return errNoRecords }
func (t *tx) DeleteRecord(string) error         { return errNoRecords }
func (t *tx) DeleteRecords(string) (int, error) { return 0, errNoRecords }
