package renovate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

var demoToday = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// demoDB builds the demo county with a registry, as internal/demo does,
// and runs the renovation demo on it.
func demoDB(t *testing.T, seed uint64) (*store.DB, *files.Store) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, renovate.Migrations} {
		list = append(list, m...)
	}
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("../demo/demo-county.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := area.Import(ctx, db, bytes.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	all, _ := area.InScope(ctx, db, area.ScopeOf(renovate.DemoCounty))
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	if err := registry.BulkInsert(ctx, db, registry.Demo(rng, all, 800, demoToday)); err != nil {
		t.Fatal(err)
	}
	fs := &files.Store{Dir: t.TempDir()}
	if err := renovate.Demo(ctx, db, fs, rng, demoToday); err != nil {
		t.Fatal(err)
	}
	return db, fs
}

func digest(t *testing.T, db *store.DB) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT id || person_id || status || visit_on || total_fen || agreed_on || approved_on || contractor || accepted_on || paid_on || paid_fen || cancel_reason || created_at FROM renovations ORDER BY id`,
		`SELECT renovation_id || seq || item_code || quantity || cost_fen FROM renovation_items ORDER BY renovation_id, seq`,
		`SELECT id || renovation_id || seq || at || action || to_status FROM renovation_events ORDER BY id`,
		`SELECT id || renovation_id || stage || hash FROM renovation_files ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			fmt.Fprintln(h, s)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The demo is a believable year (the report's target, about 57 done,
// every stage present) and the same seed gives the same rows.
func TestDemo(t *testing.T) {
	db, fs := demoDB(t, 7)
	st, err := renovate.Figures(context.Background(), db, area.ScopeOf(renovate.DemoCounty), 2026, "", "")
	if err != nil {
		t.Fatal(err)
	}
	tot := st.Total
	if st.Plan.Target != 92 || tot.Completed != 57 || tot.UnderConstruction != 12 || tot.InPreparation != 16 || tot.Requested != 7 || tot.Cancelled != 4 {
		t.Fatalf("demo figures: target %d, %+v", st.Plan.Target, tot)
	}
	if tot.Paid == 0 || tot.Paid >= tot.Completed || tot.SpentFen <= 0 || tot.SpentFen > tot.CommittedFen {
		t.Fatalf("demo payments: %+v", tot)
	}
	var missing int
	rows, _ := db.Query(`SELECT DISTINCT hash FROM renovation_files`)
	for rows.Next() {
		var h string
		_ = rows.Scan(&h)
		if f, err := fs.Open(h); err != nil {
			missing++
		} else {
			f.Close()
		}
	}
	rows.Close()
	if missing > 0 {
		t.Fatalf("%d demo photos missing from the store", missing)
	}
	var noPhoto int
	_ = db.QueryRow(`SELECT COUNT(*) FROM renovations r WHERE status IN ('accepted', 'paid') AND NOT EXISTS
		(SELECT 1 FROM renovation_files f WHERE f.renovation_id = r.id AND f.stage = 'acceptance')`).Scan(&noPhoto)
	if noPhoto > 0 {
		t.Fatalf("%d accepted households without an acceptance photo", noPhoto)
	}
	again, _ := demoDB(t, 7)
	if digest(t, db) != digest(t, again) {
		t.Fatal("the same seed gave different renovations")
	}
}
