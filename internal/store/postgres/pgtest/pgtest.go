// Package pgtest gives tests a PostgreSQL database of their own: a fresh schema on the server
// named by $AUTOSCALED_TEST_POSTGRES (default: the local server's "test" database), dropped
// when the test ends. Without a reachable server the test is skipped, except under CI
// (CI=true), where it fails.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is used when AUTOSCALED_TEST_POSTGRES is not set.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// FreshSchema creates an empty schema and returns a DSN whose search_path selects it.
func FreshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("AUTOSCALED_TEST_POSTGRES")
	if base == "" {
		base = DefaultDSN
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
	schema := fmt.Sprintf("autoscaled_test_%d_%d", time.Now().UnixNano(), rand.IntN(1_000_000))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
