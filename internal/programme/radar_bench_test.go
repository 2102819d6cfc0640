package programme_test

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
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// TestRadarAtScale measures a radar over YANGGUANG_RADAR_PERSONS demo
// persons (skipped unless set): it logs the time, asserts none.
func TestRadarAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("YANGGUANG_RADAR_PERSONS"))
	if n == 0 {
		t.Skip("set YANGGUANG_RADAR_PERSONS to measure")
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
	all, _ := area.InScope(ctx, db, area.ScopeOf(programme.DemoCounty))
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	if err := registry.BulkInsert(ctx, db, registry.Demo(rng, all, n, today)); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d persons loaded in %s", n, time.Since(start))
	s := area.ScopeOf(programme.DemoCounty)
	for _, code := range []string{programme.CodeLivingSubsidy, programme.CodeCareSubsidy, programme.CodeChildRescue} {
		p, _ := programme.GetByCode(ctx, db, code)
		start = time.Now()
		rd, err := programme.ComputeRadar(ctx, db, s, p, today, 200, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("radar %s: %d of %d eligible in %s", code, rd.Total, rd.Scanned, time.Since(start))
	}
	start = time.Now()
	f, err := programme.ComputeFigures(ctx, db, s, "2026-01-01", "2026-11-30", true, today)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("figures with eligibility of %d programmes in %s", len(f.Programmes), time.Since(start))
}
