package programme

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// TestPrefilterKeepsEveryMatch holds the radar's SQL pre-filter to the
// rule itself: for every rule below, on days around birthdays and 29
// February, the persons matched with the pre-filter (in village order, and
// unordered as CountRadar reads them) are exactly those matched by
// evaluating the rule over every active person, on both engines.
func TestPrefilterKeepsEveryMatch(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	var migs []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, Migrations} {
		migs = append(migs, m...)
	}
	if err := db.Migrate(ctx, migs); err != nil {
		t.Fatal(err)
	}
	const county, town, village, village2 = "341599000000", "341599001000", "341599001001", "341599001002"
	areas := []area.Area{{Code: county, Name: "阳光县", Level: area.County}, {Code: town, Name: "城关镇", Level: area.Township, ParentCode: county},
		{Code: village, Name: "一村", Level: area.Village, ParentCode: town}, {Code: village2, Name: "二村", Level: area.Village, ParentCode: town}}
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, areas); return err }); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	persons := registry.Demo(rand.New(rand.NewPCG(7, 8)), areas[2:], 500, base)
	// Birthdays on and beside the days checked, at the ages the rules name,
	// and a birthday on 29 February.
	edges := []time.Time{time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2008, 2, 29, 0, 0, 0, 0, time.UTC)}
	for _, age := range []int{0, 5, 6, 15, 16, 25, 26, 59, 60} {
		for _, d := range []int{-1, 0, 1} {
			edges = append(edges, base.AddDate(-age, 0, d), time.Date(2027-age, 3, 1+d, 0, 0, 0, 0, time.UTC))
		}
	}
	for i, b := range edges {
		p := persons[i]
		p.ID = store.NewID()
		p.IDNumber = registry.MakeIDNumber("341599", b, 100+i%800, 1+i%2)
		p.BirthDate = b.Format(time.DateOnly)
		p.Dibao, p.Tekun = i%3 == 0, i%5 == 0
		persons = append(persons, p)
		persons[i].IDNumber = registry.MakeIDNumber("341598", b, 100+i%800, 1+i%2) // the demo person keeps a distinct number
	}
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		t.Fatal(err)
	}

	rules := []string{"true", "false", "",
		"age < 16 && (category in [1, 2, 3, 4, 5] || components.exists(c, c in [1, 2, 3, 4, 5]) || autism || cerebral_palsy)",
		"(category == 6 || 6 in components) && (dibao || tekun || poverty)",
		"age < 16 && (category == 2 || 2 in components)",
		`(dibao || tekun || poverty) && (age >= 6 && age <= 25 || subtype == "family_student")`,
		"age >= 16 && age <= 59 && (category in [5, 6] || category == 4 && severe || components.exists(c, c in [5, 6]))",
		"dibao",
		"severe || grade == 3 && (category in [5, 6] || components.exists(c, c in [5, 6]))",
		"!(age < 16)", "age == 6", "6 == age", "25 >= age && 6 < age", "age != 16", "age > 59 || age < 6",
		"sex == 2 && grade != 4", "category in [1, 7] || severe", "!dibao && age > 60", "!(dibao && tekun)",
		`subtype == "" && age <= 25`, `subtype != "x" && tekun`, `subtype == "pupil" || age == 0`,
		"age > 16 ? dibao : tekun", "6 in components || age < 3", `enrolled("living_subsidy") || age >= 80`,
		"!(dibao && 6 in components)", `household_status == "dibao" && age < 26`, "!(!(age >= 6))", "category in []",
		"age >= 6 && !(age >= 26) && poverty", "age + 1 > 7 && dibao", "age >= 0", "age < 0", "age >= 200",
	}
	days := []time.Time{base, time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)}
	for i, scope := range []area.Scope{area.ScopeOf(county), area.ScopeOf(village2)} {
		for _, day := range days[:len(days)-i*3] {
			for _, rule := range rules {
				r, err := Compile(rule)
				if err != nil {
					t.Fatalf("%q: %v", rule, err)
				}
				match := func(pf *prefilter, ordered bool) map[string]bool {
					out := map[string]bool{}
					err := eachCandidate(ctx, db, scope, day, pf, ordered, false, func(c *Candidate, f *Facts) error {
						if ok, _ := r.Match(f); ok {
							out[c.ID] = true
						}
						return nil
					})
					if err != nil {
						t.Fatalf("%q: %v", rule, err)
					}
					return out
				}
				want := match(nil, true)
				pf := buildPrefilter(rule, day, 3)
				// One parameter per placeholder, numbered on from $3
				// (PostgreSQL refuses any other count).
				for i := range pf.args {
					if !strings.Contains(pf.cond, "$"+strconv.Itoa(3+i)) {
						t.Errorf("%q: %q lacks $%d", rule, pf.cond, 3+i)
					}
				}
				if strings.Contains(pf.cond, "$"+strconv.Itoa(3+len(pf.args))) || strings.Contains(pf.cond, "?") {
					t.Errorf("%q: %q has more placeholders than its %d args", rule, pf.cond, len(pf.args))
				}
				for _, ordered := range []bool{true, false} {
					got := match(&pf, ordered)
					if len(got) != len(want) {
						t.Errorf("%s on %s, %q (ordered %v, pre-filter %q): %d matches, want %d", scope, day.Format(time.DateOnly), rule, ordered, pf.cond, len(got), len(want))
						continue
					}
					for id := range want {
						if !got[id] {
							t.Errorf("%q: %s missing with the pre-filter", rule, id)
						}
					}
				}
				prog := Programme{ID: "prog-none", Rule: rule}
				n, err := CountRadar(ctx, db, scope, prog, day)
				if err != nil || n != len(want) {
					t.Errorf("CountRadar %q: %d (%v), want %d", rule, n, err, len(want))
				}
			}
		}
	}
	// The pre-filter narrows what is read: the education rule reads far
	// fewer persons than the register holds.
	pv, err := PreviewRule(ctx, db, area.ScopeOf(county), rules[6], base, 0)
	if err != nil || pv.Scanned == 0 || pv.Scanned*3 > len(persons) {
		t.Errorf("education rule scanned %d of %d persons (%v)", pv.Scanned, len(persons), err)
	}
}

// The translation of the shipped education rule, for the record.
func TestPrefilterOfEducationRule(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	pf := buildPrefilter(`(dibao || tekun || poverty) && (age >= 6 && age <= 25 || subtype == "family_student")`, day, 3)
	want := "(((dibao = $3 OR tekun = $4) OR poverty_registered = $5) AND (birth_date <= $6 AND birth_date > $7))"
	if pf.cond != want || !pf.birth || len(pf.args) != 5 || pf.args[3] != "2020-11-30" || pf.args[4] != "2000-11-30" {
		t.Errorf("cond %q birth %v args %v", pf.cond, pf.birth, pf.args)
	}
	if pf.needs("components") || pf.needs("tags", "autism") || pf.needs("enrolments") {
		t.Errorf("the education rule needs no lookups: %v", pf.uses)
	}
	enrolled, autism := buildPrefilter(`enrolled("x")`, day, 3), buildPrefilter(`autism`, day, 3)
	if !enrolled.needs("enrolments") || !autism.needs("tags", "autism") {
		t.Error("lookups a rule reads must be loaded")
	}
}
