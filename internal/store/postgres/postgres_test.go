package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/postgres"
	"github.com/autoscaled/autoscaled/internal/store/storetest"
)

// freshSchema returns a DSN whose search_path is a new, empty schema dropped after the test.
// Without PostgreSQL the test is skipped, except under CI (CI=true), where it fails.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("AUTOSCALED_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI: %v", err)
		}
		t.Skipf("PostgreSQL not reachable (%v); set AUTOSCALED_TEST_POSTGRES", err)
	}
	defer conn.Close(context.Background())
	schema := fmt.Sprintf("storetest_%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	return base + "&search_path=" + schema
}

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
