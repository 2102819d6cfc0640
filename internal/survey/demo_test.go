package survey_test

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
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

var demoToday = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

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
	all, _ := area.InScope(ctx, db, area.ScopeOf(survey.DemoCounty))
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	if err := registry.BulkInsert(ctx, db, registry.Demo(rng, all, 600, demoToday)); err != nil {
		t.Fatal(err)
	}
	if err := survey.Demo(ctx, db, rng, demoToday); err != nil {
		t.Fatal(err)
	}
	return db
}

func digest(t *testing.T, db *store.DB) string {
	rows, err := db.Query(`SELECT id, status, answers, visited_on, updated_at FROM survey_tasks ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var s [5]string
		if err := rows.Scan(&s[0], &s[1], &s[2], &s[3], &s[4]); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(h, s)
	}
	var ev string
	_ = db.QueryRow(`SELECT COUNT(*) || ':' || MIN(id) || MAX(id) FROM survey_events`).Scan(&ev)
	fmt.Fprintln(h, ev)
	return hex.EncodeToString(h.Sum(nil))
}

func TestDemo(t *testing.T) {
	db := demoDB(t, 7)
	if digest(t, demoDB(t, 7)) != digest(t, db) {
		t.Fatal("the same seed gave different surveys")
	}
	ctx := context.Background()
	s := area.ScopeOf(survey.DemoCounty)
	last, err := survey.ProgressOf(ctx, db, s, 2025, demoToday)
	if err != nil || last.Round.Open() || last.Total.Total == 0 || last.Total.Accepted != last.Total.Total {
		t.Fatalf("last year: %+v %v", last.Total, err)
	}
	this, err := survey.ProgressOf(ctx, db, s, 2026, demoToday)
	if err != nil {
		t.Fatal(err)
	}
	share := this.Total.Permille()
	if share < 800 || share > 900 || this.Total.Returned == 0 || this.Total.Overdue == 0 || this.Total.Overdue != this.Total.Total-this.Total.Done {
		t.Fatalf("this year: %+v (%d‰)", this.Total, share)
	}
	counts, err := survey.NeedCounts(ctx, db, s, 2026)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range survey.AllNeeds {
		if counts[n] == 0 {
			t.Errorf("no %s need in the demo", n)
		}
	}
	if len(this.Townships) != 15 {
		t.Errorf("%d townships", len(this.Townships))
	}
	t.Logf("demo: %d tasks, %d done, %d returned, %d overdue; needs %v", this.Total.Total, this.Total.Done, this.Total.Returned, this.Total.Overdue, counts)
}
