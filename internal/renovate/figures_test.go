package renovate_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// figuresFixture lists nine households of 2026 in known stages and one of
// 2025; every plan costs 3,200 yuan (goodPlan).
func figuresFixture(e *env) {
	stages := []struct {
		village string
		st      renovate.Status
	}{
		{villageA, renovate.Paid}, {villageA, renovate.Accepted}, {villageC, renovate.Construction}, {villageC, renovate.Approved},
		{villageC, renovate.Planned}, {villageC, renovate.Requested}, {villageB, renovate.Paid}, {villageB, renovate.Surveyed},
		{villageB, renovate.Cancelled},
	}
	for i, s := range stages {
		r := e.add(e.person("户"+string(rune('一'+i)), s.village, i%2 == 0), 2026)
		if s.st == renovate.Cancelled {
			ctx := e.as("planner")
			e.tx(ctx, func(tx *store.Tx) error { return renovate.Cancel(ctx, tx, countyScope, r.ID, "家庭放弃", today) })
			continue
		}
		e.walk(r.ID, s.st)
	}
	old := e.add(e.person("往年户", villageA, false), 2025)
	e.walk(old.ID, renovate.Paid)
	ctx := e.as("planner")
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.SaveYear(ctx, tx, renovate.YearPlan{Year: 2026, BudgetFen: 50_000_000, Target: 3, CoverageGoalPermille: 900})
	})
}

func TestFiguresOnAKnownFixture(t *testing.T) {
	e := setup(t)
	figuresFixture(e)
	const plan = 320000 // ramp 1500 + toilet 800 + 6 m handrail 900 yuan
	ctx := context.Background()
	type want struct {
		listed, requested, prep, building, completed, paid, cancelled int
		committed, spent                                              int64
		need, coverage                                                int
	}
	check := func(name string, c renovate.Counts, w want) {
		t.Helper()
		got := want{c.Listed, c.Requested, c.InPreparation, c.UnderConstruction, c.Completed, c.Paid, c.Cancelled, c.CommittedFen, c.SpentFen, c.Need, c.CoveragePermille}
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, w)
		}
	}
	st, err := renovate.Figures(ctx, e.db, countyScope, 2026, "", "")
	if err != nil {
		t.Fatal(err)
	}
	check("county", st.Total, want{8, 1, 3, 1, 3, 2, 1, 5 * plan, 2 * plan, 8, 375})
	if st.Plan.Target != 3 || !st.TargetMet || st.CoverageMet || st.NeedFromSurvey || st.From != "2026-01-01" || st.To != "2026-12-31" {
		t.Errorf("plan and goals: %+v", st)
	}
	byTown := map[string]renovate.Counts{}
	for _, tc := range st.Townships {
		byTown[tc.Code] = tc.Counts
	}
	check("城关街道", byTown[townA], want{6, 1, 2, 1, 2, 1, 0, 4 * plan, plan, 6, 333})
	check("桃园镇", byTown[townB], want{2, 0, 1, 0, 1, 1, 1, plan, plan, 2, 500})

	// A township worker's figures are his township's.
	own, err := renovate.Figures(ctx, e.db, area.ScopeOf(townB), 2026, "", "")
	if err != nil || len(own.Townships) != 1 {
		t.Fatalf("township figures: %v %d", err, len(own.Townships))
	}
	check("桃园镇 own", own.Total, want{2, 0, 1, 0, 1, 1, 1, plan, plan, 2, 500})

	// A period after the completions counts none of them.
	late, err := renovate.Figures(ctx, e.db, countyScope, 2026, "2026-12-11", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	check("late period", late.Total, want{8, 1, 3, 1, 0, 0, 1, 5 * plan, 0, 8, 0})

	// The need from the survey, when wired in, is the denominator.
	renovate.NeedCount = func(ctx context.Context, q store.Querier, s area.Scope, year int) (int, error) {
		switch s.Code() {
		case townA:
			return 4, nil
		case townB:
			return 3, nil
		}
		return 10, nil
	}
	t.Cleanup(func() { renovate.NeedCount = nil })
	st, err = renovate.Figures(ctx, e.db, countyScope, 2026, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.Need != 10 || st.Total.CoveragePermille != 300 || !st.NeedFromSurvey || renovate.Percent(st.Total.CoveragePermille) != "30.0" {
		t.Errorf("survey need: %+v", st.Total)
	}
	for _, tc := range st.Townships {
		if w := map[string]int{townA: 500, townB: 333}[tc.Code]; tc.CoveragePermille != w {
			t.Errorf("%s coverage %d want %d", tc.Name, tc.CoveragePermille, w)
		}
	}
	// 2025's list is its own.
	old, _ := renovate.Figures(ctx, e.db, countyScope, 2025, "2025-01-01", "2026-12-31")
	if old.Total.Listed != 1 || old.Total.Completed != 1 || old.Plan.Target != renovate.DefaultTarget {
		t.Errorf("2025: %+v", old.Total)
	}
	if _, err := renovate.Figures(ctx, e.db, countyScope, 2026, "2026-12-31", "2026-01-01"); err == nil {
		t.Error("a reversed period was accepted")
	}
}
