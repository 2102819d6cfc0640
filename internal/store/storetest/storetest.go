// Package storetest gives each test its own empty database: a SQLite file in
// a temp dir, or, when YANGGUANG_TEST_DB=postgres, a fresh schema in the
// PostgreSQL database named by YANGGUANG_TEST_PG. Every test runs on both.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// OnPostgres reports whether this test run targets PostgreSQL.
func OnPostgres() bool { return os.Getenv("YANGGUANG_TEST_DB") == "postgres" }

var schemaSeq atomic.Int64

// DSN returns a database address for a fresh, empty database and registers
// its cleanup. Use it when the code under test opens the database itself.
func DSN(t testing.TB) string {
	t.Helper()
	crypt.ForTests() // sealed columns need a key; one per test binary
	if !OnPostgres() {
		return filepath.Join(t.TempDir(), "yangguang.db")
	}
	base := os.Getenv("YANGGUANG_TEST_PG")
	if base == "" {
		t.Fatal("YANGGUANG_TEST_DB=postgres needs YANGGUANG_TEST_PG (a postgres:// URL)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	// "options" is understood by pgx and by libpq (pg_dump), unlike a bare
	// search_path parameter.
	q.Set("options", "-csearch_path="+schema)
	u.RawQuery = q.Encode()
	return strings.Replace(u.String(), "postgresql://", "postgres://", 1)
}

// Open returns an empty, open database closed at the end of the test.
func Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
