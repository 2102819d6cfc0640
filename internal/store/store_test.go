package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The shared queries use $N placeholders; SQLite must bind them by number,
// including out of order and repeated.
func TestNumberedPlaceholders(t *testing.T) {
	db := storetest.Open(t)
	var a, b string
	err := db.QueryRowContext(context.Background(), "SELECT CAST($2 AS TEXT), CAST($1 AS TEXT) || CAST($2 AS TEXT)", "x", "y").Scan(&a, &b)
	if err != nil {
		t.Fatal(err)
	}
	if a != "y" || b != "xy" {
		t.Fatalf("got %q %q, want y xy", a, b)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t_rollback (id TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO t_rollback (id) VALUES ($1)", "a"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO t_rollback (id) VALUES ($1)", "a") // duplicate
		return err
	})
	if !store.IsUniqueViolation(err) {
		t.Fatalf("want unique violation, got %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t_rollback").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("half-written data left: %d rows", n)
	}
}

func TestNewIDIsTimeOrdered(t *testing.T) {
	a, b := store.NewID(), store.NewID()
	if len(a) != 36 || a[14] != '7' {
		t.Fatalf("not a UUIDv7: %s", a)
	}
	if !(a < b) {
		t.Fatalf("ids not increasing: %s then %s", a, b)
	}
}

// Every pooled SQLite connection has WAL, foreign keys, a busy timeout and
// full fsync (acknowledged writes survive a crash).
func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("SQLite pragmas")
	}
	db := storetest.Open(t)
	ctx := context.Background()
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		var mode string
		var fk, timeout, sync int
		c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout)
		c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
		if mode != "wal" || fk != 1 || timeout != 10000 || sync != 2 {
			t.Errorf("connection %d: journal_mode=%s foreign_keys=%d busy_timeout=%d synchronous=%d", i, mode, fk, timeout, sync)
		}
	}
}

// Every PostgreSQL connection plans each statement with its values (a
// generic plan cannot see how much of the register a region's range
// holds); a URL that sets the mode itself keeps it.
func TestPostgresPlansWithValues(t *testing.T) {
	if !storetest.OnPostgres() {
		t.Skip("PostgreSQL setting")
	}
	db := storetest.Open(t)
	var mode string
	if err := db.QueryRowContext(context.Background(), "SHOW plan_cache_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode = %s, want force_custom_plan", mode)
	}
	own, err := store.Open(context.Background(), db.DSN+map[bool]string{true: "&", false: "?"}[strings.Contains(db.DSN, "?")]+"plan_cache_mode=auto")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if err := own.QueryRowContext(context.Background(), "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "auto" {
		t.Errorf("the URL's own plan_cache_mode: %s %v, want auto", mode, err)
	}
}
