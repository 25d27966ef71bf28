package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/readcache"
	"github.com/autoscaled/autoscaled/internal/store/sqlitestore"
	"github.com/autoscaled/autoscaled/internal/store/storetest"
)

func openAt(t testing.TB, path string) store.Store {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// This layout has no record table (see records.go): the kit runs without its record subtests.

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openAt(t, filepath.Join(t.TempDir(), "db")) }, storetest.WithoutRecords())
}

// The server runs SQLite behind the read cache: the pair must conform too.
func TestConformanceBehindReadCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return readcache.New(openAt(t, filepath.Join(t.TempDir(), "db")))
	}, storetest.WithoutRecords())
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	storetest.RunReopen(t, func(t *testing.T) store.Store { return openAt(t, path) }, storetest.WithoutRecords())
}
