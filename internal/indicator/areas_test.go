package indicator_test

import (
	"context"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/demo"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// demoDay is the small demo county's today: late in 2026, so the first
// half-year is history.
var demoDay = time.Date(2026, 11, 28, 12, 0, 0, 0, time.Local)

// demoCounty is a demo county of 600 persons with a year of every area,
// built through the areas' own Demo (their exported write paths).
func demoCounty(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.Open(t)
	ctx := context.Background()
	if err := db.Migrate(ctx, app.Migrations()); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Create(ctx, db, demo.Options{Persons: 600, Today: demoDay}); err != nil {
		t.Fatal(err)
	}
	return db
}

func eval(t *testing.T, db *store.DB, key string, s area.Scope, p indicator.Period) indicator.Value {
	t.Helper()
	ind, ok := indicator.Get(key)
	if !ok || !ind.Recorded() {
		t.Fatalf("%s is not computed", key)
	}
	r, err := indicator.Evaluate(indicator.WithMemo(context.Background()), db, ind, s, p)
	if err != nil {
		t.Fatal(err)
	}
	return r.Value
}

// Each area's figures in the report are the area's own count: the
// indicators agree with employ.Figures, programme.ComputeFigures,
// renovate.Figures, device.Figures and survey.ProgressOf, for the county
// and each township, over the first half and the whole year — and the
// demo county leaves most of them above zero, so the agreement means
// something.
func TestAreaIndicators(t *testing.T) {
	db := demoCounty(t)
	t.Run("agree with the areas' figures", func(t *testing.T) { agreeWithAreas(t, db) })
	t.Run("standards and levy review", func(t *testing.T) { standardsAndLevy(t, db) })
	t.Run("townships add up to the county", func(t *testing.T) { townshipsAddUp(t, db) })
}

func agreeWithAreas(t *testing.T, db *store.DB) {
	ctx := context.Background()
	towns, err := area.InScope(ctx, db, area.All())
	if err != nil {
		t.Fatal(err)
	}
	scopes := []area.Scope{area.All()}
	for _, a := range towns {
		if a.Level == area.Township {
			scopes = append(scopes, area.ScopeOf(a.Code))
		}
	}
	nonZero := map[string]bool{}
	for _, p := range []indicator.Period{indicator.FirstHalf(2026), indicator.Year(2026)} {
		for _, s := range scopes {
			name := s.String() + " " + p.String()
			check := func(key string, want indicator.Value) {
				t.Helper()
				got := eval(t, db, key, s, p)
				if got.String() != want.WithKind(got.Kind).String() {
					t.Errorf("%s %s: got %s, the area counts %s", name, key, got, want.WithKind(got.Kind))
				}
				if got.Num != 0 {
					nonZero[key] = true
				}
			}
			n := func(i int) indicator.Value { return indicator.CountOf(int64(i)) }

			es, err := employ.Figures(ctx, db, s, p.From, p.To)
			if err != nil {
				t.Fatal(err)
			}
			check("welfare_job_placements", n(es.EmployedByForm["public_welfare"]))
			check("entrepreneurship_projects", n(es.Projects))
			check("suggestions_collected", n(es.Suggestions))
			check("wishes_collected", n(es.WishesCollected))
			check("wishes_fulfilled_rate", indicator.Rate(int64(es.WishesFulfilled), int64(es.WishesCollected)))
			check("training_person_times", n(es.PersonTimes))
			check("greenhouses", n(es.Greenhouses))
			check("support_bases", n(es.Bases))
			check("base_employed_students", n(es.BaseWorkers[employ.RoleStudent]))
			check("base_employed_parents", n(es.BaseWorkers[employ.RoleFamily]))
			check("employment_income_3000_rate", indicator.Rate(int64(es.IncomeAbove), int64(es.Employed)))
			// The two kinds of campaign together are employ's reach.
			aid := eval(t, db, "campaign_persons_reached", s, p).Num
			camps, err := employ.ListCampaigns(ctx, db, s, p.From, p.To)
			if err != nil {
				t.Fatal(err)
			}
			var promoReach, promos int64
			for _, c := range camps {
				if c.Kind != employ.CampaignPromotion {
					continue
				}
				if s.Contains(c.AreaCode) {
					promos++
					promoReach += int64(c.Reach())
				} else {
					named, _ := employ.CampaignPersons(ctx, db, s, c.ID)
					promoReach += int64(len(named))
				}
			}
			if aid+promoReach != int64(es.Reach) {
				t.Errorf("%s: aid-month reach %d + promotion reach %d ≠ employ's reach %d", name, aid, promoReach, es.Reach)
			}
			check("promotion_events", indicator.CountOf(promos))

			pf, err := programme.ComputeFigures(ctx, db, s, p.From, p.To, false, demoDay)
			if err != nil {
				t.Fatal(err)
			}
			for _, pr := range pf.Programmes {
				switch pr.Code {
				case programme.CodeChildRescue:
					check("child_rescue_persons", n(pr.Served))
					check("child_rescue_amount", indicator.Fen(pr.AmountFen))
				case programme.CodeDrugSubsidy:
					check("psychiatric_drug_subsidy_persons", n(pr.Served))
				case programme.CodeDevices:
					check("device_fitted_persons", n(pr.Served))
				case programme.CodeEducation:
					check("education_grant_students", n(pr.Served))
				case programme.CodeHomeRehab:
					check("rehab_service_persons", n(pr.Served))
				case programme.CodeSunshineHome:
					check("care_persons", n(pr.Served))
				}
			}

			rs, err := renovate.Figures(ctx, db, s, 2026, p.From, p.To)
			if err != nil {
				t.Fatal(err)
			}
			check("renovation_planned", n(rs.Total.Listed))
			check("renovation_completed", n(rs.Total.Completed))
			check("renovation_in_preparation", n(rs.Total.InPreparation))
			check("renovation_rate", indicator.Rate(int64(rs.Total.Completed), int64(rs.Total.Need)))

			ds, err := device.Figures(ctx, db, s, p.From, p.To)
			if err != nil {
				t.Fatal(err)
			}
			check("devices_on_loan", n(ds.Total.OnLoan))

			// Survey coverage at the year's end is the round's progress
			// (every visit of the demo is in 2026, before its today).
			if p.To == "2026-12-31" {
				sp, err := survey.ProgressOf(ctx, db, s, 2026, demoDay)
				if err != nil {
					t.Fatal(err)
				}
				check("survey_coverage", indicator.Rate(int64(sp.Total.Done), int64(sp.Total.Total)))
			}
		}
	}
	for _, key := range []string{"welfare_job_placements", "entrepreneurship_projects", "wishes_collected", "training_person_times", "greenhouses",
		"child_rescue_persons", "child_rescue_amount", "renovation_completed", "devices_on_loan", "survey_coverage"} {
		if !nonZero[key] {
			t.Errorf("%s is 0 everywhere: the demo county should exercise it", key)
		}
	}
}

// The shipped child-rescue standards (RULES.md §6 Defaults) and the
// levy's reviewed units, which the demo verifies on its today.
func standardsAndLevy(t *testing.T, db *store.DB) {
	year := indicator.Year(2026)
	if v := eval(t, db, "child_rescue_standard_general", area.All(), year); v.String() != "20000" {
		t.Errorf("general standard %s", v)
	}
	if v := eval(t, db, "child_rescue_standard_cp", area.All(), year); v.String() != "30000" {
		t.Errorf("cerebral palsy standard %s", v)
	}
	var units, due int64
	lo, hi := year.Instants()
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(CAST(SUM(amount_fen) AS BIGINT), 0) FROM levy_declarations
WHERE status IN ('verified', 'issued') AND verified_at >= $1 AND verified_at < $2`, lo, hi).Scan(&units, &due); err != nil {
		t.Fatal(err)
	}
	if units == 0 {
		t.Fatal("the demo verifies no declaration")
	}
	if v := eval(t, db, "quota_units_reviewed", area.All(), year); v.Num != units {
		t.Errorf("units reviewed %s, want %d", v, units)
	}
	if v := eval(t, db, "levy_due", area.All(), year); v.Num != due {
		t.Errorf("levy due %s, want %d fen", v, due)
	}
	// Verified on the demo's today: nothing in the first half.
	if v := eval(t, db, "quota_units_reviewed", area.All(), indicator.FirstHalf(2026)); v.Num != 0 {
		t.Errorf("units reviewed in the first half: %s", v)
	}
	if ind, _ := indicator.Get("levy_collected"); ind.Recorded() {
		t.Error("levy_collected is computed, but collection is not recorded")
	}
}

// A past period keeps its numbers: a visit, a completed renovation and a
// new placement after it do not move the first half's figures.
func TestPastPeriodKeepsItsAreaFigures(t *testing.T) {
	db := demoCounty(t)
	ctx := context.Background()
	h1 := indicator.FirstHalf(2026)
	keys := []string{}
	before := map[string]string{}
	for _, ind := range indicator.All() {
		if ind.Recorded() && !ind.Stock {
			keys = append(keys, ind.Key)
			before[ind.Key] = eval(t, db, ind.Key, area.All(), h1).String()
		}
	}
	// Later work, written as the areas write it: dated after the half.
	for _, q := range []string{
		`UPDATE survey_tasks SET status = 'submitted', visited_on = '2026-11-20' WHERE status = 'pending'`,
		`UPDATE renovations SET status = 'accepted', accepted_on = '2026-11-20' WHERE status = 'under_construction'`,
		`UPDATE emp_wishes SET status = 'fulfilled', closed_on = '2026-11-20' WHERE status = 'open'`,
		`UPDATE device_loans SET status = 'returned', returned_on = '2026-11-20' WHERE status = 'open'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		if got := eval(t, db, k, area.All(), h1).String(); got != before[k] {
			t.Errorf("%s of the first half moved from %s to %s", k, before[k], got)
		}
	}
}

// Every value is limited to the region asked: the townships' counts add up
// to the county's for the figures that are counts of persons or things.
func townshipsAddUp(t *testing.T, db *store.DB) {
	ctx := context.Background()
	all, err := area.InScope(ctx, db, area.All())
	if err != nil {
		t.Fatal(err)
	}
	year := indicator.Year(2026)
	for _, key := range []string{"welfare_job_placements", "entrepreneurship_projects", "wishes_collected", "training_person_times",
		"home_employment_persons", "renovation_completed", "renovation_planned", "child_rescue_amount", "cochlear_subsidy_amount",
		"provider_services", "devices_on_loan", "households_visited", "quota_units_reviewed", "levy_due"} {
		county := eval(t, db, key, area.All(), year).Num
		var sum int64
		for _, a := range all {
			if a.Level == area.Township {
				sum += eval(t, db, key, area.ScopeOf(a.Code), year).Num
			}
		}
		if sum != county {
			t.Errorf("%s: townships add up to %d, the county has %d", key, sum, county)
		}
	}
}
