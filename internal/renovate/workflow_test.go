package renovate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// The plan's cost is the exact sum of unit cost × quantity in fen, and a
// later change of a unit cost leaves the plan as it was made.
func TestPlanCostIsExact(t *testing.T) {
	e := setup(t)
	ctx := e.as("planner")
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.SaveItem(ctx, tx, renovate.CatalogueItem{Code: "grab_bar", Name: "厕所抓杆", Unit: "根", UnitFen: 3333, Active: true})
	})
	cases := []struct {
		lines []renovate.PlanLine
		want  int64
	}{
		{[]renovate.PlanLine{{Code: "ramp", Quantity: 1}}, 150000},
		{[]renovate.PlanLine{{Code: "ramp", Quantity: 1}, {Code: "sit_toilet", Quantity: 1}, {Code: "handrail_indoor", Quantity: 6}}, 150000 + 80000 + 6*15000},
		{[]renovate.PlanLine{{Code: "grab_bar", Quantity: 3}, {Code: "flashing_doorbell", Quantity: 2}}, 3*3333 + 2*20000},
		{[]renovate.PlanLine{{Code: "grab_bar", Quantity: 999}, {Code: "low_stove", Quantity: 999}}, 999*3333 + 999*200000},
	}
	for i, c := range cases {
		r := e.add(e.person("户主"+string(rune('甲'+i)), villageA, false), 2026)
		e.walk(r.ID, renovate.Surveyed)
		var items []renovate.Item
		e.tx(ctx, func(tx *store.Tx) (err error) {
			items, err = renovate.Plan(ctx, tx, countyScope, r.ID, renovate.PlanInput{Lines: c.lines, AgreedOn: "2026-12-02", AgreedBy: "家属"}, today)
			return err
		})
		got := e.get(r.ID)
		var sum int64
		for _, it := range items {
			if it.CostFen != it.UnitFen*int64(it.Quantity) {
				t.Errorf("line %+v", it)
			}
			sum += it.CostFen
		}
		if got.TotalFen != c.want || sum != c.want {
			t.Errorf("case %d: total %d (lines %d), want %d", i, got.TotalFen, sum, c.want)
		}
	}
	if renovate.Yuan(123456789) != "1234567.89" || renovate.Yuan(5) != "0.05" {
		t.Error("Yuan")
	}
	for s, want := range map[string]int64{"1500": 150000, "1,500.5": 150050, "0.07": 7, "¥12.30": 1230} {
		if got, ok := renovate.ParseYuan(s); !ok || got != want {
			t.Errorf("ParseYuan(%q) = %d %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "1.234", "-5", "abc", "1e3"} {
		if _, ok := renovate.ParseYuan(s); ok {
			t.Errorf("ParseYuan(%q) accepted", s)
		}
	}
	// A changed unit cost does not change the plan made before.
	r := e.add(e.person("户主戊", villageA, false), 2026)
	e.walk(r.ID, renovate.Planned)
	before := e.get(r.ID).TotalFen
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.SaveItem(ctx, tx, renovate.CatalogueItem{Code: "ramp", Name: "坡道", Unit: "处", UnitFen: 180000, Active: true})
	})
	items, _ := renovate.Items(context.Background(), e.db, r.ID)
	if e.get(r.ID).TotalFen != before || items[0].UnitFen != 150000 {
		t.Error("a catalogue change altered an existing plan")
	}
}

// Who may enter the list: active, in scope, eligible, not listed twice.
func TestAddRules(t *testing.T) {
	e := setup(t)
	poor := e.person("赵刚", villageA, true)
	other := e.person("钱芳", villageB, false)
	gone := e.person("孙亮", villageA, false)
	ctx := e.as("planner")
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, countyScope, gone.ID, registry.Event{EffectiveDate: "2026-11-01", Source: "家属"}, today)
		return err
	})
	e.add(poor, 2026)
	cases := []struct {
		name  string
		scope area.Scope
		n     renovate.NewRenovation
		text  string
	}{
		{"listed twice", countyScope, renovate.NewRenovation{PersonID: poor.ID, Year: 2026, Source: "township"}, "已在改造名单中"},
		{"deceased", countyScope, renovate.NewRenovation{PersonID: gone.ID, Year: 2026, Source: "township"}, "已不在册"},
		{"other township", area.ScopeOf(townA), renovate.NewRenovation{IDNumber: other.IDNumber, Year: 2026, Source: "township"}, "找不到"},
		{"no person", countyScope, renovate.NewRenovation{Year: 2026, Source: "township"}, "必须填写"},
		{"bad source", countyScope, renovate.NewRenovation{PersonID: other.ID, Year: 2026, Source: "rumour"}, "请选择"},
		{"far year", countyScope, renovate.NewRenovation{PersonID: other.ID, Year: 2030, Source: "township"}, "2025 至 2027"},
	}
	for _, c := range cases {
		err := e.try(ctx, func(tx *store.Tx) error { _, err := renovate.Add(ctx, tx, c.scope, c.n, today); return err })
		var es validate.Errors
		if !errors.As(err, &es) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Only registered-poor households when the county says so.
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.SaveSettings(ctx, tx, renovate.Settings{Eligibility: renovate.EligiblePovertyOnly, PhotoMaxKB: 4096})
	})
	err := e.try(ctx, func(tx *store.Tx) error {
		_, err := renovate.Add(ctx, tx, countyScope, renovate.NewRenovation{PersonID: other.ID, Year: 2026, Source: "application"}, today)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "不是建档立卡/监测户") {
		t.Errorf("poverty only: %v", err)
	}
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.SaveSettings(ctx, tx, renovate.Settings{Eligibility: renovate.EligibleAll, PhotoMaxKB: 4096})
	})
	e.add(other, 2026)
}

// A person leaving the register cancels renovations not yet built; work
// under construction goes on.
func TestLeavingCancelsUnbuiltRenovations(t *testing.T) {
	e := setup(t)
	a, b := e.person("吴一", villageA, false), e.person("吴二", villageA, false)
	ra, rb := e.add(a, 2026), e.add(b, 2026)
	e.walk(ra.ID, renovate.Approved)
	e.walk(rb.ID, renovate.Construction)
	ctx := e.as("planner")
	for _, p := range []registry.Person{a, b} {
		e.tx(ctx, func(tx *store.Tx) error {
			_, err := registry.Died(ctx, tx, countyScope, p.ID, registry.Event{EffectiveDate: "2026-12-09", Source: "家属"}, today)
			return err
		})
	}
	if got := e.get(ra.ID); got.Status != renovate.Cancelled || !strings.Contains(got.CancelReason, "已故") {
		t.Errorf("approved renovation of a deceased person: %s %q", got.Status, got.CancelReason)
	}
	if got := e.get(rb.ID); got.Status != renovate.Construction {
		t.Errorf("renovation under construction: %s", got.Status)
	}
}

// Adding from survey needs takes only persons the survey lists, all or
// none.
func TestAddFromSurveyNeeds(t *testing.T) {
	e := setup(t)
	a, b, c := e.person("郑一", villageA, false), e.person("郑二", villageC, true), e.person("郑三", villageB, false)
	renovate.SurveyNeeds = func(ctx context.Context, q store.Querier, s area.Scope, year int) ([]string, error) {
		var out []string
		for _, p := range []registry.Person{a, b} {
			if s.Contains(p.VillageCode) {
				out = append(out, p.ID)
			}
		}
		return out, nil
	}
	t.Cleanup(func() { renovate.SurveyNeeds = nil })
	ps, ok, err := renovate.NeedCandidates(context.Background(), e.db, countyScope, 2026)
	if err != nil || !ok || len(ps) != 2 {
		t.Fatalf("candidates: %v %v %d", err, ok, len(ps))
	}
	ctx := e.as("towna")
	err = e.try(ctx, func(tx *store.Tx) error {
		_, err := renovate.AddFromSurvey(ctx, tx, countyScope, 2026, []string{a.ID, c.ID}, today)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "第 2 行") {
		t.Fatalf("a person without a need: %v", err)
	}
	if got, _ := renovate.List(context.Background(), e.db, countyScope, renovate.Filter{Year: 2026}); len(got) != 0 {
		t.Fatal("a refused batch added households")
	}
	e.tx(ctx, func(tx *store.Tx) error {
		rs, err := renovate.AddFromSurvey(ctx, tx, countyScope, 2026, []string{a.ID, b.ID}, today)
		if err == nil && (len(rs) != 2 || rs[0].Source != renovate.SourceSurvey) {
			t.Errorf("added %+v", rs)
		}
		return err
	})
	if ps, _, _ := renovate.NeedCandidates(context.Background(), e.db, countyScope, 2026); len(ps) != 0 {
		t.Errorf("listed persons still offered: %d", len(ps))
	}
}
