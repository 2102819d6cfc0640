package store_test

import (
	"context"
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
