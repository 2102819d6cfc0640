package programme_test

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
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// demoDB builds the demo county with a registry, as internal/demo does,
// and runs the programme demo on it.
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
	all, _ := area.InScope(ctx, db, area.ScopeOf(programme.DemoCounty))
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	if err := registry.BulkInsert(ctx, db, registry.Demo(rng, all, 1000, today)); err != nil {
		t.Fatal(err)
	}
	if err := programme.Demo(ctx, db, rng, today); err != nil {
		t.Fatal(err)
	}
	return db
}

// digest is the demo's content without its random ids, codes and clock
// times: who has which case of which programme, in which stage, for how
// much and which months.
func digest(t *testing.T, db *store.DB) string {
	rows, err := db.Query(`SELECT c.person_id, p.code, c.status, c.tier, c.amount_fen, c.start_month, c.end_month, c.filed_on, c.closed_on,
		(SELECT COUNT(*) FROM prog_services s WHERE s.case_id = c.id), (SELECT COUNT(*) FROM prog_claims cl WHERE cl.case_id = c.id)
		FROM prog_cases c JOIN prog_programmes p ON p.id = c.programme_id ORDER BY c.person_id, p.code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var s [11]string
		a := make([]any, len(s))
		for i := range a {
			a[i] = &s[i]
		}
		if err := rows.Scan(a...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDemo(t *testing.T) {
	db := demoDB(t, 7)
	if d2 := digest(t, demoDB(t, 7)); d2 != digest(t, db) {
		t.Fatal("the same seed gave different programme work")
	}
	q := func(query string, args ...any) int {
		var n int
		if err := db.QueryRow(query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, p := range programme.Shipped {
		if n := q(`SELECT COUNT(*) FROM prog_cases c JOIN prog_programmes p ON p.id = c.programme_id WHERE p.code = $1`, p.Code); n == 0 {
			t.Errorf("no case of %s", p.Code)
		}
	}
	for _, st := range programme.Statuses {
		if st == programme.Paid {
			continue // one-off cash is paid by the payment demo's batches
		}
		if n := q(`SELECT COUNT(*) FROM prog_cases WHERE status = $1`, string(st)); n == 0 {
			t.Errorf("no case in stage %s", st)
		}
	}
	if n := q(`SELECT COUNT(*) FROM prog_cases c JOIN prog_programmes p ON p.id = c.programme_id WHERE p.code = 'child_rescue' AND c.status IN ('approved','entitled','delivered','follow_up','closed')`); n == 0 || n >= 128 {
		t.Errorf("%d children rescued, want part of the 128", n)
	}
	if n := q(`SELECT COUNT(*) FROM prog_events WHERE action = 'suspend'`); n == 0 {
		t.Error("no case suspended after a death")
	}
	if n := q(`SELECT COUNT(*) FROM prog_services`); n == 0 {
		t.Error("no services")
	}
	if n := q(`SELECT COUNT(*) FROM prog_claims WHERE status = 'approved'`); n == 0 {
		t.Error("no approved claims")
	}
	f, err := programme.ComputeFigures(context.Background(), db, area.ScopeOf(programme.DemoCounty), "2026-01-01", "2026-11-30", true, today)
	if err != nil || f.Served == 0 || f.AmountFen == 0 {
		t.Fatalf("figures %+v %v", f, err)
	}
	due, err := programme.PaymentSource{}.Due(context.Background(), db, area.ScopeOf(programme.DemoCounty), "prog-living_subsidy", "2026-11")
	if err != nil || len(due) == 0 {
		t.Fatalf("nothing due in November: %v", err)
	}
	t.Logf("demo: %d persons served, ¥%s granted, %d living-subsidy lines due in November", f.Served, programme.Yuan(f.AmountFen), len(due))
}
