package demo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/demo"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// personsDigest hashes the persons in the open (the sealed form differs on
// every run by its random nonce); bad counts ID numbers outside the demo
// county's 341599.
func personsDigest(t *testing.T, db *store.DB) (digest string, n, bad int) {
	t.Helper()
	rows, err := db.Query(`SELECT id, id_number, name, village_code, category, grade, status, created_at FROM persons ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var id, idn, name, village, status, created string
		var c, g int
		if err := rows.Scan(&id, &idn, &name, &village, &c, &g, &status, &created); err != nil {
			t.Fatal(err)
		}
		idn, err := registry.OpenIDNumber(idn)
		if err != nil {
			t.Fatal(err)
		}
		if idn[:6] != "341599" {
			bad++
		}
		fmt.Fprintln(h, id, idn, name, village, c, g, status, created)
		n++
	}
	return hex.EncodeToString(h.Sum(nil)), n, bad
}

// The same seed and size give the same county, so benchmarks and
// screenshots repeat; the demo county is exactly the shared one.
func TestDemoIsDeterministic(t *testing.T) {
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	var digests, counts []string
	for i := 0; i < 2; i++ {
		db, err := app.Open(context.Background(), storetest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := demo.Create(context.Background(), db, demo.Options{Persons: 500, Seed: 7, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		d, n, bad := personsDigest(t, db)
		if n != 500 || res.Persons != 500 {
			t.Fatalf("want 500 persons, got %d", n)
		}
		digests = append(digests, d)
		var towns, villages int
		db.QueryRow(`SELECT COUNT(*) FROM areas WHERE level = 'township'`).Scan(&towns)
		db.QueryRow(`SELECT COUNT(*) FROM areas WHERE level = 'village'`).Scan(&villages)
		if towns != 15 || villages != 307 {
			t.Fatalf("demo county has %d townships and %d villages, want 15 and 307", towns, villages)
		}
		if bad != 0 {
			t.Fatalf("%d demo ID numbers outside 341599", bad)
		}
		for _, u := range []string{"admin", "security", "auditor", "town101"} {
			if _, err := auth.GetUserByName(context.Background(), db, u); err != nil {
				t.Fatalf("demo account %s: %v", u, err)
			}
		}
		// Every area has its year of work, the same on both runs.
		var c string
		for _, table := range []string{"cert_applications", "prog_cases", "prog_services", "pay_batches", "pay_ledger", "survey_tasks",
			"device_items", "device_loans", "renovations", "emp_records", "emp_courses", "levy_employers", "levy_declarations",
			"rights_cases", "rights_events", "activities", "activity_participants", "activity_awards"} {
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("the demo made no %s", table)
			}
			c += fmt.Sprintf("%s=%d ", table, n)
		}
		counts = append(counts, c)
		if _, err := demo.Create(context.Background(), db, demo.Options{Persons: 1}); err != demo.ErrNotEmpty {
			t.Fatalf("second demo in the same database: %v", err)
		}
	}
	if digests[0] != digests[1] {
		t.Fatal("same seed gave different persons")
	}
	if counts[0] != counts[1] {
		t.Fatalf("same seed gave different work:\n%s\n%s", counts[0], counts[1])
	}
}
