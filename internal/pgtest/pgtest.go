// Package pgtest gives tests a fresh PostgreSQL schema on the server named by
// MEDSEC_TEST_POSTGRES_DSN (this machine's and CI's), dropped when the test ends.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

var seq atomic.Int64

// DSN creates an empty schema and returns the DSN that uses it (search_path). Without
// MEDSEC_TEST_POSTGRES_DSN the test is skipped, which CI counts as a failure.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("MEDSEC_TEST_POSTGRES_DSN")
	if base == "" {
		tb.Skip("PostgreSQL tests skipped: MEDSEC_TEST_POSTGRES_DSN is not set")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("medsec_pgtest_%d_%d", os.Getpid(), seq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if admin, err := sql.Open("pgx", base); err == nil {
			admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			admin.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
