package postgres_test

import (
	"context"
	"testing"

	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/postgres"
	"github.com/autoscaled/autoscaled/internal/store/postgres/pgtest"
	"github.com/autoscaled/autoscaled/internal/store/storetest"
)

func freshSchema(t *testing.T) string { return pgtest.FreshSchema(t) }

func openDSN(t *testing.T, dsn string) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openDSN(t, freshSchema(t)) })
}

func TestReopen(t *testing.T) {
	dsn := freshSchema(t)
	storetest.RunReopen(t, func(t *testing.T) store.Store { return openDSN(t, dsn) })
}

// Two stores on one database behave as one: the conformance kit's concurrency subtests run
// with every other call going to a second node.
func TestTwoNodesConform(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		dsn := freshSchema(t)
		return &twoNodes{a: openDSN(t, dsn), b: openDSN(t, dsn)}
	})
}
