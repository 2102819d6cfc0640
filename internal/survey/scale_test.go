package survey_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// TestScale opens a round over a large registry and reports how long the
// steps took; it runs only when YANGGUANG_SURVEY_SCALE gives the number of
// persons (e.g. 1000000). It measures, it asserts only the counts.
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("YANGGUANG_SURVEY_SCALE"))
	if n == 0 {
		t.Skip("set YANGGUANG_SURVEY_SCALE to the number of persons")
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile("../demo/demo-county.csv")
	if _, err := area.Import(ctx, db, bytes.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	all, _ := area.InScope(ctx, db, area.ScopeOf(survey.DemoCounty))
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	persons := registry.Demo(rng, all, n, demoToday)
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, p := range persons {
		if p.Active() {
			active++
		}
	}
	t.Logf("%s: %d persons loaded in %v", db.Dialect, n, time.Since(start))
	start = time.Now()
	var tasks int
	if err := db.InTx(as(staff), func(tx *store.Tx) (err error) {
		_, tasks, err = survey.OpenRound(as(staff), tx, staff, 2026, "2026-12-31", demoToday)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: round opened with %d tasks in %v", db.Dialect, tasks, time.Since(start))
	if tasks != active {
		t.Fatalf("%d tasks for %d active persons", tasks, active)
	}
	start = time.Now()
	rp, err := survey.ProgressOf(ctx, db, area.ScopeOf(survey.DemoCounty), 2026, demoToday)
	if err != nil || rp.Total.Total != active {
		t.Fatalf("progress %+v %v", rp.Total, err)
	}
	t.Logf("%s: county progress in %v", db.Dialect, time.Since(start))
	start = time.Now()
	rows, err := survey.ListTasks(ctx, db, area.ScopeOf(all[5].Code), survey.TaskFilter{Year: 2026}, demoToday)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: one village's list (%d) in %v", db.Dialect, len(rows), time.Since(start))
	start = time.Now()
	if err := db.InTx(as(staff), func(tx *store.Tx) error { _, _, err := survey.Refresh(as(staff), tx, countyScope, 2026); return err }); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: refresh with nothing to add in %v", db.Dialect, time.Since(start))
}
