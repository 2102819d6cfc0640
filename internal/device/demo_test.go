package device_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// demoDB builds the demo county with a registry, as internal/demo does,
// and runs the device demo on it.
func demoDB(t *testing.T, seed uint64) *store.DB {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("../demo/demo-county.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := area.Import(ctx, db, bytes.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	all, _ := area.InScope(ctx, db, area.ScopeOf(device.DemoCounty))
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	if err := registry.BulkInsert(ctx, db, registry.Demo(rng, all, 1500, monday)); err != nil {
		t.Fatal(err)
	}
	if err := device.Demo(ctx, db, rng, monday); err != nil {
		t.Fatal(err)
	}
	return db
}

func digest(t *testing.T, db *store.DB) string {
	h := sha256.New()
	for _, q := range []string{
		`SELECT i.id, i.asset_no, k.code, i.source, i.received_on, i.condition, i.location_code, i.status, i.loan_id, i.created_at FROM device_items i JOIN device_kinds k ON k.id = i.kind_id ORDER BY i.id`,
		`SELECT id, item_id, person_id, village_code, lent_on, due_on, first_due_on, status, extend_reason, returned_on, return_condition, lost_on, created_at FROM device_loans ORDER BY id`,
		`SELECT id, item_id, CAST(seq AS TEXT), at, action, day, from_status, to_status, condition, loan_id, note FROM device_item_events ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			s := make([]string, len(cols))
			a := make([]any, len(cols))
			for i := range a {
				a[i] = &s[i]
			}
			if err := rows.Scan(a...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, s)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDemo(t *testing.T) {
	db := demoDB(t, 7)
	if d2 := digest(t, demoDB(t, 7)); d2 != digest(t, db) {
		t.Fatal("the same seed gave different rows")
	}
	q := func(query string, args ...any) int {
		var n int
		if err := db.QueryRow(query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	checks := []struct {
		what     string
		query    string
		min, max int
	}{
		{"items", `SELECT COUNT(*) FROM device_items`, 130, 170},
		{"loans", `SELECT COUNT(*) FROM device_loans`, 65, 85},
		{"returned", `SELECT COUNT(*) FROM device_loans WHERE status = 'returned'`, 10, 80},
		{"overdue", `SELECT COUNT(*) FROM device_loans WHERE status = 'open' AND due_on < '2026-11-30'`, 3, 60},
		{"in repair", `SELECT COUNT(*) FROM device_items WHERE status = 'in_repair'`, 1, 15},
		{"township stock", `SELECT COUNT(*) FROM device_items WHERE location_code <> '341599000000'`, 50, 100},
		{"items on loan = open loans", `SELECT COUNT(*) FROM device_items i JOIN device_loans l ON l.id = i.loan_id AND l.status = 'open' WHERE i.status = 'on_loan'`,
			q(`SELECT COUNT(*) FROM device_loans WHERE status = 'open'`), q(`SELECT COUNT(*) FROM device_loans WHERE status = 'open'`)},
		{"reminders", `SELECT COUNT(*) FROM device_notices`, 3, 60},
	}
	for _, c := range checks {
		if n := q(c.query); n < c.min || n > c.max {
			t.Errorf("%s: %d, want %d–%d", c.what, n, c.min, c.max)
		}
	}
	// Borrowers are active persons of the item's township and a fitting category.
	if n := q(`SELECT COUNT(*) FROM device_loans l JOIN persons p ON p.id = l.person_id
		WHERE l.location_code <> '341599000000' AND substr(p.village_code, 1, 9) <> substr(l.location_code, 1, 9)`); n != 0 {
		t.Errorf("%d loans to persons of another township", n)
	}
	if n := q(`SELECT COUNT(*) FROM device_loans l JOIN device_kinds k ON k.id = l.kind_id JOIN persons p ON p.id = l.person_id
		WHERE k.code = 'ZT01' AND p.category <> 2`); n != 0 {
		t.Errorf("%d hearing aids lent to persons without a hearing disability", n)
	}
	st, err := device.Figures(context.Background(), db, area.ScopeOf(device.DemoCounty), "2025-11-30", "2026-11-30")
	if err != nil || st.Total.LoansMade < 60 || st.Total.PersonsServed < 50 || st.Total.Overdue == 0 || len(st.ByTownship) < 5 {
		t.Fatalf("figures: %+v %v", st.Total, err)
	}
	t.Logf("demo: %+v", st.Total)
}
