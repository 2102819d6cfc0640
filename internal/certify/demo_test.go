package certify_test

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
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// demoDB builds the demo county with a registry, as internal/demo does,
// and runs the certification demo on it.
func demoDB(t *testing.T, seed uint64) *store.DB {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, calendar.Migrations, certify.Migrations} {
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
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "expert1", DisplayName: "蒋医生", Role: auth.RoleExpert, ScopeCode: certify.DemoCounty, Password: "First#pass2026"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	all, _ := area.InScope(ctx, db, area.ScopeOf(certify.DemoCounty))
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	persons := registry.Demo(rng, all, 800, monday)
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		t.Fatal(err)
	}
	if err := certify.Demo(ctx, db, rng, monday); err != nil {
		t.Fatal(err)
	}
	return db
}

func digest(t *testing.T, db *store.DB) string {
	rows, err := db.Query(`SELECT id, code, type, status, person_id, filed_on, closed_on, due, late_stages, certificate_no FROM cert_applications ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var a [10]any
		var s [10]string
		for i := range a {
			a[i] = &s[i]
		}
		if err := rows.Scan(a[:]...); err != nil {
			t.Fatal(err)
		}
		// Sealed with a fresh nonce each time: the digest is of the number.
		if err := crypt.OpenAll(registry.KindCertificateNo, &s[9]); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDemo(t *testing.T) {
	db := demoDB(t, 7)
	if d2 := digest(t, demoDB(t, 7)); d2 != digest(t, db) {
		t.Fatal("the same seed gave different applications")
	}
	q := func(query string, args ...any) int {
		var n int
		if err := db.QueryRow(query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := q(`SELECT COUNT(*) FROM cert_sessions WHERE status = 'held'`); n != 12 {
		t.Errorf("%d sessions held, want 12", n)
	}
	if n := q(`SELECT COUNT(*) FROM cert_sessions WHERE status = 'planned'`); n != 2 {
		t.Errorf("%d coming sessions, want 2", n)
	}
	if n := q(`SELECT COUNT(*) FROM cert_applications WHERE home AND assessed_at <> ''`); n < 20 || n > 40 {
		t.Errorf("%d home assessments, want about 30", n)
	}
	for _, ty := range certify.Types {
		if n := q(`SELECT COUNT(*) FROM cert_applications WHERE type = $1`, string(ty)); n == 0 {
			t.Errorf("no %s applications", ty)
		}
	}
	for _, st := range certify.Statuses {
		if n := q(`SELECT COUNT(*) FROM cert_applications WHERE status = $1`, string(st)); n == 0 {
			t.Errorf("no application in stage %s", st)
		}
	}
	if n := q(`SELECT COUNT(*) FROM cert_applications WHERE due <> '' AND due < $1 AND status NOT IN ('delivered','completed','closed','withdrawn')`, "2026-11-30"); n == 0 {
		t.Error("no overdue application")
	}
	if n := q(`SELECT COUNT(*) FROM cert_events WHERE action = 'appeal'`); n == 0 {
		t.Error("no appeal")
	}
	if n := q(`SELECT COUNT(*) FROM cert_experts WHERE user_id <> ''`); n != 1 {
		t.Errorf("expert1 linked %d times", n)
	}
	// The figures of the year come out of it.
	f, err := certify.ComputeFigures(context.Background(), db, area.ScopeOf(certify.DemoCounty), "2025-12-01", "2026-11-30")
	if err != nil || f.Total.Sessions < 11 || f.Total.Issued == 0 || f.Total.AvgDays == 0 || len(f.Townships) < 5 {
		t.Fatalf("figures: %+v %v", f.Total, err)
	}
	t.Logf("demo: %d applications, %d issued, %d renewed, %.1f days, on time %.1f%%, visits %.1f",
		f.Total.Applications, f.Total.Issued, f.Total.Renewed, f.Total.AvgDays, f.Total.OnTimeRate, f.Total.Visits)
	// The renewal job runs on the demo registry.
	res, err := certify.RenewalReminders(context.Background(), db, monday)
	if err != nil || res.Listed == 0 {
		t.Fatalf("renewals on the demo: %+v %v", res, err)
	}
}
