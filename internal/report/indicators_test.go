package report_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

var h1 = indicator.FirstHalf(2026)

// want is the known value of every computed indicator in the fixture, for
// the county, township A and township B, first half of 2026 (see fixture
// for the records each counts).
var want = map[string][3]string{
	// sessions s1 and s2 held in the half (s3 planned, s4 last year); a
	// township counts those its applicants were assessed at.
	"certify_sessions":           {"2", "1", "1"},
	"certify_sessions_per_month": {"0.3", "0.2", "0.2"},
	"certify_home_assessments":   {"1", "1", "0"},          // a3
	"certify_issued":             {"2", "2", "0"},          // a1, a5 (a4 issued in July)
	"certify_renewed":            {"1", "0", "1"},          // a2
	"certify_issued_renewed":     {"3", "2", "1"},          // a1, a5, a2
	"applications_online_rate":   {"50.0", "0.0", "100.0"}, // a2, a4 of a1–a4
	"visits_per_application":     {"1.3", "2.0", "0.0"},    // (1+0+3)/3; A (1+3)/2; B 0/1
	"one_visit_rate":             {"66.7", "50.0", "100.0"},
	"registry_size":              {"5", "3", "2"},         // P5 died
	"registry_updated_rate":      {"20.0", "33.3", "0.0"}, // P1 changed in the half
	"registry_category_1":        {"1", "0", "1"},
	"registry_category_2":        {"0", "0", "0"},
	"registry_category_3":        {"0", "0", "0"},
	"registry_category_4":        {"2", "1", "1"},
	"registry_category_5":        {"1", "1", "0"},
	"registry_category_6":        {"1", "1", "0"},
	"registry_category_7":        {"0", "0", "0"},
	"registry_grade_1":           {"1", "1", "0"},
	"registry_grade_2":           {"1", "1", "0"},
	"registry_grade_3":           {"2", "1", "1"},
	"registry_grade_4":           {"1", "0", "1"},
	// The areas of work keep no records in this fixture (the indicator
	// package's tests count theirs): nothing done, rates of nothing, and
	// the child-rescue standards as shipped.
	"welfare_job_placements":           {"0", "0", "0"},
	"quota_units_reviewed":             {"0", "0", "0"},
	"levy_due":                         {"0", "0", "0"},
	"households_visited":               {"0", "0", "0"},
	"survey_coverage":                  {"—", "—", "—"},
	"entrepreneurship_projects":        {"0", "0", "0"},
	"promotion_events":                 {"0", "0", "0"},
	"suggestions_collected":            {"0", "0", "0"},
	"wishes_collected":                 {"0", "0", "0"},
	"wishes_fulfilled_rate":            {"—", "—", "—"},
	"training_person_times":            {"0", "0", "0"},
	"greenhouses":                      {"0", "0", "0"},
	"support_bases":                    {"0", "0", "0"},
	"base_employed_students":           {"0", "0", "0"},
	"base_employed_parents":            {"0", "0", "0"},
	"home_employment_persons":          {"0", "0", "0"},
	"employment_income_3000_rate":      {"—", "—", "—"},
	"renovation_planned":               {"0", "0", "0"},
	"renovation_completed":             {"0", "0", "0"},
	"renovation_in_preparation":        {"0", "0", "0"},
	"child_rescue_standard_general":    {"20000", "20000", "20000"},
	"child_rescue_standard_cp":         {"30000", "30000", "30000"},
	"child_rescue_persons":             {"0", "0", "0"},
	"child_rescue_amount":              {"0", "0", "0"},
	"psychiatric_drug_subsidy_persons": {"0", "0", "0"},
	"device_fitted_persons":            {"0", "0", "0"},
	"devices_on_loan":                  {"0", "0", "0"},
	"cochlear_subsidy_amount":          {"0", "0", "0"},
	"education_grant_students":         {"0", "0", "0"},
	"rehab_service_persons":            {"0", "0", "0"},
	"rehab_service_rate":               {"—", "—", "—"},
	"education_grant_coverage":         {"—", "—", "—"},
	"campaign_persons_reached":         {"0", "0", "0"},
	"care_persons":                     {"0", "0", "0"},
	"provider_services":                {"0", "0", "0"},
	"renovation_rate":                  {"—", "—", "—"},
	"rights_cases_received":            {"0", "0", "0"},
	"rights_cases_closed_on_time_rate": {"—", "—", "—"},
	"legal_aid_persons":                {"0", "0", "0"},
	"party_group_study_sessions":       {"0", "0", "0"},
	"cadre_study_sessions":             {"0", "0", "0"},
	"seminars":                         {"0", "0", "0"},
	"study_reflections":                {"0", "0", "0"},
	"outreach_events":                  {"0", "0", "0"},
	"events_held":                      {"0", "0", "0"},
	"event_participants":               {"0", "0", "0"},
	"event_awards":                     {"0", "0", "0"},
}

func TestEveryComputedIndicatorHasItsKnownValue(t *testing.T) {
	e := fixture(t)
	// area.All() (a deployment-wide account, the CLI) sees the county's.
	scopes := []area.Scope{area.ScopeOf(county), area.ScopeOf(townA), area.ScopeOf(townB), area.All()}
	for _, ind := range indicator.All() {
		if !ind.Recorded() {
			continue
		}
		w, ok := want[ind.Key]
		if !ok {
			t.Errorf("%s is computed but has no known value in the test", ind.Key)
			continue
		}
		t.Run(ind.Key, func(t *testing.T) {
			for i, s := range scopes {
				r, err := indicator.Evaluate(context.Background(), e.db, ind, s, h1)
				if err != nil {
					t.Fatal(err)
				}
				if got := r.Value.String(); got != w[i%3] {
					t.Errorf("%s in %s: got %s, want %s", ind.Key, s, got, w[i%3])
				}
			}
		})
	}
	for k := range want {
		if ind, ok := indicator.Get(k); !ok || !ind.Recorded() {
			t.Errorf("%s has a known value but is not computed", k)
		}
	}
}

// The certification figures agree with certify.ComputeFigures, the
// certification page's own count.
func TestCertifyIndicatorsAgreeWithCertifyFigures(t *testing.T) {
	e := fixture(t)
	for _, code := range []string{county, townA, townB} {
		s := area.ScopeOf(code)
		f, err := certify.ComputeFigures(context.Background(), e.db, s, h1.From, h1.To)
		if err != nil {
			t.Fatal(err)
		}
		get := func(key string) indicator.Value {
			ind, _ := indicator.Get(key)
			r, err := indicator.Evaluate(context.Background(), e.db, ind, s, h1)
			if err != nil {
				t.Fatal(err)
			}
			return r.Value
		}
		for key, n := range map[string]int{"certify_sessions": f.Total.Sessions, "certify_home_assessments": f.Total.HomeAssessments,
			"certify_issued": f.Total.Issued, "certify_renewed": f.Total.Renewed} {
			if got := get(key).Num; got != int64(n) {
				t.Errorf("%s %s: indicator %d, certify %d", code, key, got, n)
			}
		}
		if got := get("visits_per_application").Float(); f.Total.Finished > 0 && (got-f.Total.Visits > 0.05 || f.Total.Visits-got > 0.05) {
			t.Errorf("%s visits: indicator %.2f, certify %.1f", code, got, f.Total.Visits)
		}
	}
}

// Every figure's list shows exactly the records it counts.
func TestRecordListsMatchTheirCounts(t *testing.T) {
	e := fixture(t)
	for _, ind := range indicator.All() {
		if ind.List == nil {
			continue
		}
		for _, code := range []string{county, townA, townB} {
			s := area.ScopeOf(code)
			r, err := indicator.Evaluate(context.Background(), e.db, ind, s, h1)
			if err != nil {
				t.Fatal(err)
			}
			list, err := ind.List(context.Background(), e.db, s, h1)
			if err != nil {
				t.Fatal(err)
			}
			if got, n := ind.Accounted(r.Value, list); got != n {
				t.Errorf("%s in %s: the list accounts for %d, figure counts %d", ind.Key, code, got, n)
			}
			for _, rec := range list {
				if rec.AreaCode != "" && !s.Contains(rec.AreaCode) {
					t.Errorf("%s in %s lists a record of %s", ind.Key, code, rec.AreaCode)
				}
			}
		}
	}
}

// The same period asked twice gives the same numbers after later,
// unrelated changes: a phone corrected, a new application filed and a
// card issued now, a person registered now.
func TestPastPeriodIsReproducible(t *testing.T) {
	e := fixture(t)
	first, err := indicator.EvaluateAll(context.Background(), e.db, area.ScopeOf(county), h1)
	if err != nil {
		t.Fatal(err)
	}
	p1 := e.persons["P1"]
	in := p1.Input()
	in.Phone = "13900000009"
	e.tx(func(tx *store.Tx) error {
		_, err := registry.Update(e.ctx, tx, area.ScopeOf(county), p1.ID, registry.UpdatePerson{NewPerson: in, Reason: "更正电话", Version: p1.Version})
		return err
	})
	e.app("late", map[string]any{"village_code": villageA, "channel": "online", "filed_on": "2026-11-20", "issued_on": "2026-11-27", "status": "delivered", "closed_on": "2026-11-28", "visits": 1})
	e.session("s5", "2026-11-10", certify.SessionHeld)
	again, err := indicator.EvaluateAll(context.Background(), e.db, area.ScopeOf(county), h1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		if first[i].Value != again[i].Value {
			t.Errorf("%s changed: %v then %v", first[i].Key, first[i].Value, again[i].Value)
		}
	}
	// The later events do count in the period they happened in.
	ind, _ := indicator.Get("certify_issued")
	r, err := indicator.Evaluate(context.Background(), e.db, ind, area.ScopeOf(county), indicator.SecondHalf(2026))
	if err != nil {
		t.Fatal(err)
	}
	if r.Value.Num != 2 { // a4 in July, "late" in November
		t.Errorf("second half issued: %d, want 2", r.Value.Num)
	}
}
