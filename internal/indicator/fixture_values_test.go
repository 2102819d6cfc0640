package indicator_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// fxWant is an indicator's expected value in the fixture county over the
// first half of 2026, over the whole year, and in township A over the
// first half.
type fxWant struct {
	key            string
	h1, year, town indicator.Value
}

func cnt(v int64) indicator.Value    { return indicator.CountOf(v) }
func fen(v int64) indicator.Value    { return indicator.Fen(v) }
func pct(a, b int64) indicator.Value { return indicator.Rate(a, b) }
func avg(a, b int64) indicator.Value { return indicator.Mean(a, b) }

// fxWants are written by hand from fixture_test.go; the comment of each
// row names the records that make its numbers (first half · year · town A
// first half). Every recorded indicator has a row (TestFixtureIndicators
// fails otherwise).
var fxWants = []fxWant{
	// The register, a stock: the active persons whatever the period. P9
	// died, P10 moved out of the county, P11 moved from A to B, P12 from B
	// to A, P5 was re-graded 二级 → 一级.
	{"registry_size", cnt(10), cnt(10), cnt(6)},                            // P1–P8, P11, P12 · same · P1–P5, P12
	{indicator.CategoryKey(registry.Vision), cnt(1), cnt(1), cnt(1)},       // P1 (P8 is 多重)
	{indicator.CategoryKey(registry.Hearing), cnt(2), cnt(2), cnt(2)},      // P2, P12 (P10 moved out)
	{indicator.CategoryKey(registry.Speech), cnt(1), cnt(1), cnt(0)},       // P7, in B
	{indicator.CategoryKey(registry.Physical), cnt(3), cnt(3), cnt(1)},     // P3, P6, P11 (P9 died) · · P3 (P11 left A)
	{indicator.CategoryKey(registry.Intellectual), cnt(1), cnt(1), cnt(1)}, // P5
	{indicator.CategoryKey(registry.Mental), cnt(1), cnt(1), cnt(1)},       // P4
	{indicator.CategoryKey(registry.Multiple), cnt(1), cnt(1), cnt(0)},     // P8, in B
	{indicator.GradeKey(registry.Grade1), cnt(3), cnt(3), cnt(2)},          // P1, P5, P8 · · P1, P5
	{indicator.GradeKey(registry.Grade2), cnt(1), cnt(1), cnt(1)},          // P2
	{indicator.GradeKey(registry.Grade3), cnt(4), cnt(4), cnt(2)},          // P3, P6, P7, P12 · · P3, P12
	{indicator.GradeKey(registry.Grade4), cnt(2), cnt(2), cnt(1)},          // P4, P11 · · P4
	// Active persons with a history entry in the period ÷ the register:
	// P2 (updated 06-30 23:30), P4 (02-10), P6 (03-01), P11 (moved 05-05),
	// P12 (moved 06-30); P1's creation is 2025-12-31 23:00, P9's entries
	// are in H1 but he died · + P3 (created 07-01 00:30), P5 (re-graded
	// 07-01 00:10), P8 (09-09); P10 moved out · P2, P4, P12 of A's six.
	{"registry_updated_rate", pct(5, 10), pct(8, 10), pct(3, 6)},

	// Certification.
	{"certify_sessions", cnt(2), cnt(3), cnt(1)},                     // S2, S3 (S1 is 2025, S5 cancelled) · + S4 · S2 (C2 of A2; S3 assessed only C3 of B1)
	{"certify_sessions_per_month", avg(2, 6), avg(3, 12), avg(1, 6)}, // the sessions ÷ the period's months
	{"certify_home_assessments", cnt(1), cnt(2), cnt(1)},             // C4 (06-30 23:30) · + C5 (07-01 00:30) · C4 (A3)
	{"certify_issued", cnt(2), cnt(3), cnt(2)},                       // C1 (01-05), C2 (06-30) · + C5 (reassess, 08-01) · C1, C2
	{"certify_renewed", cnt(0), cnt(1), cnt(0)},                      // — · C3 (07-01) · —
	{"certify_issued_renewed", cnt(2), cnt(4), cnt(2)},               // C1, C2 · C1, C2, C3, C5 · C1, C2
	// Filed online ÷ filed: C3, C7 of C2–C4, C6–C9 (C1 filed 2025) · + C5
	// of eight · C7 of C2, C4, C7, C8, C9.
	{"applications_online_rate", pct(2, 7), pct(3, 8), pct(1, 5)},
	// Visits ÷ finished: C1 2 + C2 1 + C6 3 over three (C4, C7 open) ·
	// + C3 1 + C5 0 over five · C1 2 + C2 1 over two.
	{"visits_per_application", avg(6, 3), avg(7, 5), avg(3, 2)},
	{"one_visit_rate", pct(1, 3), pct(3, 5), pct(1, 2)}, // C2 of C1, C2, C6 · C2, C3, C5 of five · C2 of C1, C2

	// Programmes.
	{"child_rescue_standard_general", fen(2000000), fen(2000000), fen(2000000)}, // the shipped tier
	{"child_rescue_standard_cp", fen(3000000), fen(3000000), fen(3000000)},
	{"child_rescue_persons", cnt(1), cnt(2), cnt(1)}, // P1 by K2 (K1's period is 2025) · + P7 by K3 (07-01) · P1 (K4 refused, K5 undecided)
	// K2 ¥20,000 + its claim of 06-30 ¥100 · + K3 ¥30,000 + the claim of
	// 07-01 ¥200 (the rejected ¥400 never) · as the county's first half.
	{"child_rescue_amount", fen(2010000), fen(5030000), fen(2010000)},
	{"psychiatric_drug_subsidy_persons", cnt(1), cnt(1), cnt(1)}, // P4 by K6
	{"device_fitted_persons", cnt(1), cnt(2), cnt(0)},            // P6 by K7 · + P3 by K8 (07-03) · —
	// P1 by K9, P12 by K17 (filed in B1: a case stays where it was
	// filed), P9 by K18 (suspended when he died, granted before) · same ·
	// P1 (K10 refused).
	{"education_grant_students", cnt(3), cnt(3), cnt(1)},
	{"rehab_service_persons", cnt(2), cnt(3), cnt(1)}, // P2 K11, P6 K13 (suspended since) · + P8 K12 (07-01) · P2
	{"care_persons", cnt(1), cnt(2), cnt(1)},          // P5 by K14 (period to 06-30) · + P8 by K16 (closed) · P5 (K15 withdrawn)
	// L1 ¥6,000 + L3 ¥60,000 · L1 + L2 (−¥6,000) + L3 · L1 (L4 is 2025, L5
	// the living subsidy).
	{"cochlear_subsidy_amount", fen(6600000), fen(6000000), fen(600000)},
	{"provider_services", cnt(8), cnt(15), cnt(3)}, // K2 3 + K13 5 · + K11 7 · K2 3 (no provider: 100; 2025: 11)
	// Served ÷ needing by the 2025 round (the latest closed by the period's
	// end): needing P2, P5, P8 (2025 needs) + P6 (tag only) = 4; served P2,
	// P6 · + P8 · A: needing P2, P5 (P2's tag has its need row), served P2.
	{"rehab_service_rate", pct(2, 4), pct(3, 4), pct(1, 2)},
	// Eligible (active, poor, 6–25) with a live case ÷ eligible: P1 (K9),
	// P12 (K17, filed in B1 before he moved to A1) of P1, P7 (K10
	// refused), P12 — P9 died, his case does not cover an eligible
	// person · same · P1, P12 of P1, P12: his case, filed in B, covers
	// him where he lives now.
	{"education_grant_coverage", pct(2, 3), pct(2, 3), pct(2, 2)},
	// Held at the period's end: D1, D2 (returned 07-01); D3 returned on
	// 06-30, D5 lost · D1, D4, D6 · D1.
	{"devices_on_loan", cnt(2), cnt(3), cnt(1)},

	// Survey of 2026 (P9, P10 void).
	// Visited and recorded by the period's end ÷ tasks: P1 (06-30), P2,
	// P6 of P1–P8, P11, P12 (P5 returned) · + P3 (07-01), P8 (12-31) · P1,
	// P2 of P1–P5, P12.
	{"survey_coverage", pct(3, 10), pct(5, 10), pct(2, 6)},
	{"households_visited", cnt(3), cnt(5), cnt(2)}, // the same visits in the period (P2's 2025 visit of 12-31 not)

	// Renovation of the 2026 list (R6 cancelled, R7 the 2025 list).
	{"renovation_planned", cnt(6), cnt(6), cnt(3)},        // R1–R5, R8 less R6 · same · R1, R4, R5
	{"renovation_completed", cnt(2), cnt(3), cnt(1)},      // R1 (06-30), R2 (paid, 01-01) · + R3 (07-01) · R1
	{"renovation_in_preparation", cnt(2), cnt(2), cnt(2)}, // R4 planned, R5 surveyed, both in A
	// Completed ÷ the 2026 survey's renovation needs (P3, P4, P6, P8; A: P3, P4).
	{"renovation_rate", pct(2, 4), pct(3, 4), pct(1, 2)},

	// Rights cases, by the days of their steps.
	{"rights_cases_received", cnt(5), cnt(6), cnt(3)}, // H2, H3, H5, H6, H7 (H1 is 2025) · + H4 · H2, H6, H7
	// Filed on time ÷ filed: H1, H5, H7 of H1, H2, H5, H7 (H2 replied late) · + H3 · H1, H7 of H1, H2, H7.
	{"rights_cases_closed_on_time_rate", pct(3, 4), pct(4, 5), pct(2, 3)},
	{"legal_aid_persons", cnt(6), cnt(9), cnt(6)}, // H2 2 + H6 4 (H1's aid is 2025, H3's 07-01) · + H3 3 · H2, H6 in A

	// Activities, by the day held (county-level ones not in a township).
	{"party_group_study_sessions", cnt(1), cnt(2), cnt(0)}, // Y2 (Y1 is 2025) · + Y3 · none in A
	{"cadre_study_sessions", cnt(2), cnt(2), cnt(1)},       // Y4, Y5 · Y4
	{"seminars", cnt(1), cnt(1), cnt(0)},                   // Y6, the county's
	{"outreach_events", cnt(1), cnt(2), cnt(1)},            // Y7 · + Y8 (07-01) · Y7
	{"study_reflections", cnt(18), cnt(24), cnt(3)},        // Y2 5 + Y4 3 + Y6 10 · + Y3 6 · Y4 3
	{"events_held", cnt(4), cnt(5), cnt(3)},                // Y9, Y10, Y13, Y14 · + Y11 · Y10, Y13, Y14
	{"event_participants", cnt(74), cnt(175), cnt(52)},     // Y9 2+20, Y10 1+50, Y13 1 · + Y11 1+100 · Y10, Y13
	{"event_awards", cnt(3), cnt(3), cnt(1)},               // Y9 2, Y13 1 · Y13

	// Employment.
	{"welfare_job_placements", cnt(1), cnt(2), cnt(1)},         // E1 · + E3 (07-01) · E1
	{"entrepreneurship_projects", cnt(1), cnt(2), cnt(1)},      // J1 (06-30) · + J2 (07-01) · J1 (J4 2025, J3 applied, J5 refused)
	{"promotion_events", cnt(1), cnt(2), cnt(1)},               // M2 · + M3 · M2
	{"suggestions_collected", cnt(7), cnt(8), cnt(2)},          // M1 4 + 1 written, M2 2 · + M3 1 · M2 (M1 is the county's)
	{"wishes_collected", cnt(3), cnt(4), cnt(2)},               // WI1, WI2, WI5 (WI4 2025) · + WI3 · WI1, WI5
	{"wishes_fulfilled_rate", pct(1, 3), pct(2, 4), pct(1, 2)}, // WI1 (WI2 fulfilled 07-01) · WI1, WI2 · WI1
	{"training_person_times", cnt(2), cnt(4), cnt(2)},          // O1: P1, P2 (P6 absent) · + O2: P7, P3 (07-01) · P1, P2
	{"greenhouses", cnt(2), cnt(2), cnt(1)},                    // G1, G4 (closes 06-30; G3 closed 06-29) · G1, G2 · G1
	{"support_bases", cnt(2), cnt(2), cnt(1)},                  // B1 (opened 06-30), B2 · same · B1
	{"base_employed_students", cnt(1), cnt(2), cnt(1)},         // W1 (W5 is at a greenhouse) · + W3 · W1
	{"base_employed_parents", cnt(1), cnt(0), cnt(1)},          // W2, on 06-30 only
	{"home_employment_persons", cnt(2), cnt(3), cnt(0)},        // P6 (E4), P7 (E5 from 06-30) · + P4 (E7) · —
	// Income ≥ ¥3,000 among the employed at the period's end: P3 (E2
	// ends 06-30), P7 of P2, P3, P6, P7 (E6 ended 06-29) · P6 (E3 + E4 =
	// ¥3,100), P7, P4 of P2, P4, P6, P7 · P3 of P2, P3.
	{"employment_income_3000_rate", pct(2, 4), pct(3, 4), pct(1, 2)},
	// Aid-month reach: M1 10 + P1, P6 · + M5 7 + P3 (M4 2025) · P1 named in M1.
	{"campaign_persons_reached", cnt(12), cnt(20), cnt(1)},

	// Quota review: verified in the period by its local instant.
	{"quota_units_reviewed", cnt(2), cnt(3), cnt(1)},    // V1 (06-30 23:30), V2 (01-01 00:30) · + V4 · V1
	{"levy_due", fen(323456), fen(373456), fen(123456)}, // their amounts
}

func fxScopes() []struct {
	name string
	s    area.Scope
	p    indicator.Period
} {
	return []struct {
		name string
		s    area.Scope
		p    indicator.Period
	}{
		{"county H1", area.ScopeOf(fxCounty), indicator.FirstHalf(2026)},
		{"county 2026", area.ScopeOf(fxCounty), indicator.Year(2026)},
		{"town A H1", area.ScopeOf(fxTownA), indicator.FirstHalf(2026)},
	}
}

func (w fxWant) values() [3]indicator.Value { return [3]indicator.Value{w.h1, w.year, w.town} }

func sameValue(got, want indicator.Value) bool {
	return got.Kind == want.Kind && got.Num == want.Num && got.Den == want.Den
}

// Every recorded indicator has its known value in the fixture county,
// evaluated one by one and all together (the memo shared by a request
// must not mix scopes or periods); every declared one is "not recorded".
func TestFixtureIndicators(t *testing.T) {
	f := fixtureCounty(t)
	want := map[string]fxWant{}
	for _, w := range fxWants {
		if _, dup := want[w.key]; dup {
			t.Fatalf("%s has two rows", w.key)
		}
		want[w.key] = w
	}
	all := indicator.All()
	listed := map[string]bool{}
	for _, ind := range all {
		listed[ind.Key] = true
		if _, ok := want[ind.Key]; ind.Recorded() && !ok {
			t.Errorf("%s is recorded but has no row in fxWants: add its known value", ind.Key)
		}
	}
	for _, w := range fxWants {
		if !listed[w.key] {
			t.Errorf("fxWants has %s, which is no indicator", w.key)
		}
	}
	for i, sc := range fxScopes() {
		results, err := indicator.EvaluateAll(context.Background(), f.db, sc.s, sc.p)
		if err != nil {
			t.Fatal(err)
		}
		together := map[string]indicator.Result{}
		for _, r := range results {
			together[r.Key] = r
		}
		for _, ind := range all {
			alone, err := indicator.Evaluate(context.Background(), f.db, ind, sc.s, sc.p)
			if err != nil {
				t.Fatal(err)
			}
			w, ok := want[ind.Key]
			if !ind.Recorded() {
				if ok {
					t.Errorf("%s has a row in fxWants but is not recorded", ind.Key)
				}
				notRecorded(t, sc.name, alone)
				notRecorded(t, sc.name, together[ind.Key])
				continue
			}
			if !ok {
				continue
			}
			exp := w.values()[i]
			for how, r := range map[string]indicator.Result{"alone": alone, "in EvaluateAll": together[ind.Key]} {
				if !r.Recorded {
					t.Errorf("%s %s %s: not recorded", sc.name, ind.Key, how)
				} else if !sameValue(r.Value, exp) {
					t.Errorf("%s %s %s: got %s (%d/%d), want %s (%d/%d)", sc.name, ind.Key, how, r.Value, r.Value.Num, r.Value.Den,
						exp, exp.Num, exp.Den)
				}
				// The link behind a township's figure is narrowed to it.
				if ind.Records != nil && (!strings.HasPrefix(r.Href, "/") || sc.s.Code() == fxTownA && !strings.Contains(r.Href, "="+fxTownA)) {
					t.Errorf("%s %s: records link %q", sc.name, ind.Key, r.Href)
				}
			}
		}
	}
}

// A declared indicator (its area not built yet) is "not recorded": no
// number, no link — never a zero that reads as a count.
func notRecorded(t *testing.T, scope string, r indicator.Result) {
	t.Helper()
	if r.Recorded || r.Value != (indicator.Value{}) || r.Href != "" {
		t.Errorf("%s %s: declared but evaluates as recorded=%v value=%+v href=%q", scope, r.Key, r.Recorded, r.Value, r.Href)
	}
}

// The declared indicators of the areas not built (SMS, risk review,
// archive, data exchange, levy collected) are exactly these: a new area that lands provides
// its indicators and moves them to fxWants.
func TestFixtureDeclaredIndicators(t *testing.T) {
	declared := []string{
		"levy_collected", "sms_sent",
		"risk_flagged_cases", "risk_reviewed_rate",
		"archive_files_catalogued", "data_exchange_records", "data_exchange_mismatches",
	}
	var got []string
	for _, ind := range indicator.All() {
		if !ind.Recorded() {
			got = append(got, ind.Key)
		}
	}
	slices.Sort(got)
	slices.Sort(declared)
	if !slices.Equal(got, declared) {
		t.Errorf("declared indicators %v, want %v", got, declared)
	}
}

// fxList is the list expected behind a figure in the fixture county, by
// fixture name, for the three cases of fxScopes (first half · year · town
// A first half). A summed list's records are written "name:amount" (the
// fen of a payment, the units of a service, the persons reached). A
// record links to its own page, named here by the fixture record that
// page shows: a case K, a loan D, a renovation R, a rights case H, an activity Y, a campaign M, a place G
// or B (a base's workers link to the base), an employer V (its year's
// declaration), the payment batch PB (the ledger lines); a person P for
// the registry, the survey task of 2026 and the employment page (records,
// projects, wishes and enrolments are listed there).
type fxList struct {
	key   string
	dates fxDates
	lists [3][]string
}

// fxDates says how a list's records are dated.
type fxDates int

const (
	inPeriod fxDates = iota // an event of the period: dated inside it
	byEnd                   // a state at the period's end: dated (begun) by then
	undated                 // a state not tied to the period (the year's list as it stands)
)

var fxLists = []fxList{
	{"registry_updated_rate", inPeriod, [3][]string{{"P11", "P12", "P2", "P4", "P6"}, {"P11", "P12", "P2", "P3", "P4", "P5", "P6", "P8"}, {"P12", "P2", "P4"}}},

	{"certify_home_assessments", inPeriod, [3][]string{{"C4"}, {"C4", "C5"}, {"C4"}}},
	{"certify_issued", inPeriod, [3][]string{{"C1", "C2"}, {"C1", "C2", "C5"}, {"C1", "C2"}}},
	{"certify_renewed", inPeriod, [3][]string{nil, {"C3"}, nil}},
	{"certify_issued_renewed", inPeriod, [3][]string{{"C1", "C2"}, {"C1", "C2", "C3", "C5"}, {"C1", "C2"}}},
	{"applications_online_rate", inPeriod, [3][]string{{"C3", "C7"}, {"C3", "C5", "C7"}, {"C7"}}},
	{"one_visit_rate", inPeriod, [3][]string{{"C2"}, {"C2", "C3", "C5"}, {"C2"}}},
	{"visits_per_application", inPeriod, [3][]string{{"C1", "C2", "C6"}, {"C1", "C2", "C3", "C5", "C6"}, {"C1", "C2"}}},
	{"certify_sessions", inPeriod, [3][]string{{"S2", "S3"}, {"S2", "S3", "S4"}, {"S2"}}},
	{"certify_sessions_per_month", inPeriod, [3][]string{{"S2", "S3"}, {"S2", "S3", "S4"}, {"S2"}}},

	// Programmes: one case per person served (the case links to its page).
	{"child_rescue_persons", byEnd, [3][]string{{"K2"}, {"K2", "K3"}, {"K2"}}},
	{"child_rescue_amount", inPeriod, [3][]string{ // K2's grant and its approved claims (the rejected one never)
		{"K2:10000", "K2:2000000"}, {"K2:10000", "K2:20000", "K2:2000000", "K3:3000000"}, {"K2:10000", "K2:2000000"}}},
	{"psychiatric_drug_subsidy_persons", byEnd, [3][]string{{"K6"}, {"K6"}, {"K6"}}},
	{"device_fitted_persons", byEnd, [3][]string{{"K7"}, {"K7", "K8"}, nil}},
	{"education_grant_students", byEnd, [3][]string{{"K17", "K18", "K9"}, {"K17", "K18", "K9"}, {"K9"}}},
	{"rehab_service_persons", byEnd, [3][]string{{"K11", "K13"}, {"K11", "K12", "K13"}, {"K11"}}},
	{"care_persons", byEnd, [3][]string{{"K14"}, {"K14", "K16"}, {"K14"}}},
	{"cochlear_subsidy_amount", inPeriod, [3][]string{ // the ledger lines L3, L1 · + L2 (the reversal) · L1
		{"PB:600000", "PB:6000000"}, {"PB:-600000", "PB:600000", "PB:6000000"}, {"PB:600000"}}},
	{"provider_services", inPeriod, [3][]string{{"K13:5", "K2:3"}, {"K11:7", "K13:5", "K2:3"}, {"K2:3"}}},
	{"rehab_service_rate", byEnd, [3][]string{{"K11", "K13"}, {"K11", "K12", "K13"}, {"K11"}}},
	// Covered now (the year not over) or at the half's end: P12's K17 counts
	// where he lives, in A.
	{"education_grant_coverage", undated, [3][]string{{"K17", "K9"}, {"K17", "K9"}, {"K17", "K9"}}},
	{"devices_on_loan", byEnd, [3][]string{{"D1", "D2"}, {"D1", "D4", "D6"}, {"D1"}}},

	// Survey tasks of 2026, by their person.
	{"survey_coverage", byEnd, [3][]string{{"P1", "P2", "P6"}, {"P1", "P2", "P3", "P6", "P8"}, {"P1", "P2"}}},
	{"households_visited", inPeriod, [3][]string{{"P1", "P2", "P6"}, {"P1", "P2", "P3", "P6", "P8"}, {"P1", "P2"}}},

	{"renovation_planned", undated, [3][]string{{"R1", "R2", "R3", "R4", "R5", "R8"}, {"R1", "R2", "R3", "R4", "R5", "R8"}, {"R1", "R4", "R5"}}},
	{"renovation_in_preparation", undated, [3][]string{{"R4", "R5"}, {"R4", "R5"}, {"R4", "R5"}}},
	{"renovation_completed", inPeriod, [3][]string{{"R1", "R2"}, {"R1", "R2", "R3"}, {"R1"}}},
	{"renovation_rate", inPeriod, [3][]string{{"R1", "R2"}, {"R1", "R2", "R3"}, {"R1"}}},

	// Rights cases: received by the day of receipt, filed on time by the
	// day of filing, legal aid by its day (summed persons).
	{"rights_cases_received", inPeriod, [3][]string{{"H2", "H3", "H5", "H6", "H7"}, {"H2", "H3", "H4", "H5", "H6", "H7"}, {"H2", "H6", "H7"}}},
	{"rights_cases_closed_on_time_rate", inPeriod, [3][]string{{"H1", "H5", "H7"}, {"H1", "H3", "H5", "H7"}, {"H1", "H7"}}},
	{"legal_aid_persons", inPeriod, [3][]string{{"H2:2", "H6:4"}, {"H2:2", "H3:3", "H6:4"}, {"H2:2", "H6:4"}}},

	// Activities: by the day held; reflections, person-times and awards
	// summed (an activity adding nothing is not listed).
	{"party_group_study_sessions", inPeriod, [3][]string{{"Y2"}, {"Y2", "Y3"}, nil}},
	{"cadre_study_sessions", inPeriod, [3][]string{{"Y4", "Y5"}, {"Y4", "Y5"}, {"Y4"}}},
	{"seminars", inPeriod, [3][]string{{"Y6"}, {"Y6"}, nil}},
	{"outreach_events", inPeriod, [3][]string{{"Y7"}, {"Y7", "Y8"}, {"Y7"}}},
	{"study_reflections", inPeriod, [3][]string{{"Y2:5", "Y4:3", "Y6:10"}, {"Y2:5", "Y3:6", "Y4:3", "Y6:10"}, {"Y4:3"}}},
	{"events_held", inPeriod, [3][]string{{"Y10", "Y13", "Y14", "Y9"}, {"Y10", "Y11", "Y13", "Y14", "Y9"}, {"Y10", "Y13", "Y14"}}},
	{"event_participants", inPeriod, [3][]string{{"Y10:51", "Y13:1", "Y9:22"}, {"Y10:51", "Y11:101", "Y13:1", "Y9:22"}, {"Y10:51", "Y13:1"}}},
	{"event_awards", inPeriod, [3][]string{{"Y13:1", "Y9:2"}, {"Y13:1", "Y9:2"}, {"Y13:1"}}},

	// Employment: persons (employment page), campaigns, places.
	{"welfare_job_placements", byEnd, [3][]string{{"P2"}, {"P2", "P6"}, {"P2"}}},
	{"entrepreneurship_projects", inPeriod, [3][]string{{"P2"}, {"P2", "P6"}, {"P2"}}},
	{"promotion_events", inPeriod, [3][]string{{"M2"}, {"M2", "M3"}, {"M2"}}},
	{"suggestions_collected", inPeriod, [3][]string{{"M1:5", "M2:2"}, {"M1:5", "M2:2", "M3:1"}, {"M2:2"}}},
	{"wishes_collected", inPeriod, [3][]string{{"P2", "P4", "P6"}, {"P2", "P3", "P4", "P6"}, {"P2", "P4"}}},
	{"wishes_fulfilled_rate", inPeriod, [3][]string{{"P2"}, {"P2", "P6"}, {"P2"}}},
	{"training_person_times", inPeriod, [3][]string{{"P1", "P2"}, {"P1", "P2", "P3", "P7"}, {"P1", "P2"}}},
	{"greenhouses", byEnd, [3][]string{{"G1", "G4"}, {"G1", "G2"}, {"G1"}}},
	{"support_bases", byEnd, [3][]string{{"B1", "B2"}, {"B1", "B2"}, {"B1"}}},
	{"base_employed_students", byEnd, [3][]string{{"B1"}, {"B1", "B2"}, {"B1"}}}, // W1 · + W3 · W1
	{"base_employed_parents", byEnd, [3][]string{{"B1"}, nil, {"B1"}}},           // W2, on 06-30 only
	{"home_employment_persons", byEnd, [3][]string{{"P6", "P7"}, {"P4", "P6", "P7"}, nil}},
	{"employment_income_3000_rate", byEnd, [3][]string{{"P3", "P7"}, {"P4", "P6", "P7"}, {"P3"}}},
	// M1 (county) reaches 10 + P1, P6 · + M5: 7 unnamed + P3 · M1 from A: its named P1 there.
	{"campaign_persons_reached", inPeriod, [3][]string{{"M1:12"}, {"M1:12", "M5:8"}, {"M1:1"}}},

	{"quota_units_reviewed", inPeriod, [3][]string{{"V1", "V2"}, {"V1", "V2", "V4"}, {"V1"}}},
	{"levy_due", inPeriod, [3][]string{{"V1:123456", "V2:200000"}, {"V1:123456", "V2:200000", "V4:50000"}, {"V1:123456"}}},
}

// fxStocks are the register's figures, which link to the registry search
// with the matching filter instead of a list: it lists exactly the active
// persons now (first half · year · town A — the same now whatever the
// period).
var fxStocks = map[string][3][]string{
	"registry_size": {{"P1", "P11", "P12", "P2", "P3", "P4", "P5", "P6", "P7", "P8"}, {"P1", "P11", "P12", "P2", "P3", "P4", "P5", "P6", "P7", "P8"},
		{"P1", "P12", "P2", "P3", "P4", "P5"}},
	indicator.CategoryKey(registry.Vision):       {{"P1"}, {"P1"}, {"P1"}},
	indicator.CategoryKey(registry.Hearing):      {{"P12", "P2"}, {"P12", "P2"}, {"P12", "P2"}},
	indicator.CategoryKey(registry.Speech):       {{"P7"}, {"P7"}, nil},
	indicator.CategoryKey(registry.Physical):     {{"P11", "P3", "P6"}, {"P11", "P3", "P6"}, {"P3"}},
	indicator.CategoryKey(registry.Intellectual): {{"P5"}, {"P5"}, {"P5"}},
	indicator.CategoryKey(registry.Mental):       {{"P4"}, {"P4"}, {"P4"}},
	indicator.CategoryKey(registry.Multiple):     {{"P8"}, {"P8"}, nil},
	indicator.GradeKey(registry.Grade1):          {{"P1", "P5", "P8"}, {"P1", "P5", "P8"}, {"P1", "P5"}},
	indicator.GradeKey(registry.Grade2):          {{"P2"}, {"P2"}, {"P2"}},
	indicator.GradeKey(registry.Grade3):          {{"P12", "P3", "P6", "P7"}, {"P12", "P3", "P6", "P7"}, {"P12", "P3"}},
	indicator.GradeKey(registry.Grade4):          {{"P11", "P4"}, {"P11", "P4"}, {"P4"}},
}

// fxUnlisted are the recorded figures with neither a list nor a registry
// link, and why.
var fxUnlisted = map[string]string{
	"child_rescue_standard_general": "a setting (the programme's tier), not a count of records",
	"child_rescue_standard_cp":      "a setting (the programme's tier), not a count of records",
}

// fxNames maps a record's link to the fixture name of what it shows.
func (f *fixture) fxNames() map[string]string {
	byHref := map[string]string{}
	for name, id := range f.ids {
		switch name[0] {
		case 'P':
			if name == "PB" {
				byHref["/payments/batches/"+id] = name
				continue
			}
			byHref["/registry/persons/"+id] = name
			byHref["/survey/tasks/2026-"+id] = name
			byHref["/employment/persons/"+id] = name
		case 'C':
			byHref["/certify/applications/"+id] = name
		case 'S':
			byHref["/certify/sessions/"+id] = name
		case 'K':
			byHref["/programmes/cases/"+id] = name
		case 'D':
			byHref["/devices/loans/"+id] = name
		case 'R':
			byHref["/renovation/"+id] = name
		case 'H':
			byHref["/rights/"+id] = name
		case 'Y':
			byHref["/activities/"+id] = name
		case 'M':
			byHref["/employment/campaigns/"+id] = name
		case 'V':
			byHref["/employers/"+id+"/years/2026"] = name
		case 'p': // "placeG1": the place's page
			byHref["/employment/places/"+id] = strings.TrimPrefix(name, "place")
		}
	}
	return byHref
}

// The list behind every recorded figure holds exactly the counted
// records: the right ones by name (and amount, for a sum), as many as the
// figure counts (for a rate its numerator, for an average the records
// averaged over, for a sum their amounts added up), each dated as its
// figure counts and inside the region — and the figure links to the
// report's records page that shows it. A recorded figure without a list
// is either a register stock, whose registry search link is held to the
// same persons, or named in fxUnlisted with its reason.
func TestFixtureLists(t *testing.T) {
	f := fixtureCounty(t)
	want := map[string]fxWant{}
	for _, w := range fxWants {
		want[w.key] = w
	}
	lists := map[string]fxList{}
	for _, l := range fxLists {
		if _, dup := lists[l.key]; dup {
			t.Fatalf("%s has two rows in fxLists", l.key)
		}
		lists[l.key] = l
	}
	byHref := f.fxNames()
	for _, ind := range indicator.All() {
		if !ind.Recorded() {
			continue
		}
		exp, listed := lists[ind.Key]
		_, stock := fxStocks[ind.Key]
		why, exempt := fxUnlisted[ind.Key]
		switch {
		case ind.List == nil && listed:
			t.Errorf("%s has expected records in fxLists but no List", ind.Key)
			continue
		case ind.List != nil && !listed:
			t.Errorf("%s has a List but no expected records in fxLists", ind.Key)
			continue
		case ind.List == nil && !stock && !exempt:
			t.Errorf("%s is recorded but has no List: give it one (or, with a reason, a line in fxUnlisted)", ind.Key)
			continue
		case ind.List != nil && (stock || exempt):
			t.Errorf("%s has a List and is also exempted (%s)", ind.Key, why)
		}
		if stock {
			registryStock(t, f, byHref, ind, fxStocks[ind.Key])
			continue
		}
		if ind.List == nil {
			continue
		}
		for i, sc := range fxScopes() {
			res, err := indicator.Evaluate(context.Background(), f.db, ind, sc.s, sc.p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Href, "/reports/records/"+ind.Key+"?") {
				t.Errorf("%s %s: links to %q, not its records page", sc.name, ind.Key, res.Href)
			}
			recs, err := ind.List(context.Background(), f.db, sc.s, sc.p)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range recs {
				name, ok := byHref[r.Href]
				if !ok {
					t.Errorf("%s %s: record %q links to %q, no fixture record", sc.name, ind.Key, r.Label, r.Href)
				}
				if ind.ListMeasure == indicator.ListSummed {
					name += ":" + strconv.FormatInt(r.Amount, 10)
				}
				names = append(names, name)
				switch {
				case exp.dates == inPeriod && (r.Date < sc.p.From || r.Date > sc.p.To),
					exp.dates == byEnd && (r.Date == "" || r.Date > sc.p.To):
					t.Errorf("%s %s: %s dated %q, not as the figure counts", sc.name, ind.Key, name, r.Date)
				}
				// A detail is a message key (a status, a kind) or plain text
				// (an amount, a name): a key must be in both catalogues.
				if strings.ContainsAny(r.Detail, "abcdefghijklmnopqrstuvwxyz") && !(i18n.Has(i18n.ZH, r.Detail) && i18n.Has(i18n.EN, r.Detail)) {
					t.Errorf("%s %s: %s detail %q is no message key", sc.name, ind.Key, name, r.Detail)
				}
				// Sessions are the county's: no area.
				if r.AreaCode != "" && !sc.s.Contains(r.AreaCode) {
					t.Errorf("%s %s: %s in %q, outside the region", sc.name, ind.Key, name, r.AreaCode)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, exp.lists[i]) {
				t.Errorf("%s %s: list %v, want %v", sc.name, ind.Key, names, exp.lists[i])
			}
			// The list is what the figure counts (and the known value).
			if v := want[ind.Key].values()[i]; !sameValue(res.Value, v) {
				t.Errorf("%s %s: value %v, want %v", sc.name, ind.Key, res.Value, v)
			}
			if got, counted := ind.Accounted(res.Value, recs); got != counted {
				t.Errorf("%s %s: the list accounts for %d, the figure counts %d", sc.name, ind.Key, got, counted)
			}
			// Ordered: by date, then region and label.
			if !slices.IsSortedFunc(recs, func(a, b indicator.Record) int { return strings.Compare(a.Date, b.Date) }) {
				t.Errorf("%s %s: list not in date order", sc.name, ind.Key)
			}
		}
	}
	for key := range fxUnlisted {
		if ind, ok := indicator.Get(key); !ok || !ind.Recorded() {
			t.Errorf("fxUnlisted names %s, which is no recorded indicator", key)
		}
	}
}

// registryStock checks that a register figure's link is the registry
// search listing exactly the persons it counts.
func registryStock(t *testing.T, f *fixture, byHref map[string]string, ind indicator.Indicator, exp [3][]string) {
	t.Helper()
	for i, sc := range fxScopes() {
		res, err := indicator.Evaluate(context.Background(), f.db, ind, sc.s, sc.p)
		if err != nil {
			t.Fatal(err)
		}
		path, query, _ := strings.Cut(res.Href, "?")
		if path != "/registry" {
			t.Errorf("%s %s: links to %q, not the registry search", sc.name, ind.Key, res.Href)
			continue
		}
		v, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		filter, es := registry.ParseFilter(v)
		if len(es) > 0 {
			t.Fatalf("%s %s: %q: %v", sc.name, ind.Key, res.Href, es)
		}
		filter.Limit = 1000
		// The search page runs in the viewer's scope: the widest, the
		// county, for the fixture's staff.
		persons, err := registry.Search(context.Background(), f.db, area.ScopeOf(fxCounty), filter)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range persons {
			names = append(names, byHref["/registry/persons/"+p.ID])
		}
		slices.Sort(names)
		if !slices.Equal(names, exp[i]) {
			t.Errorf("%s %s: registry search %q lists %v, want %v", sc.name, ind.Key, res.Href, names, exp[i])
		}
		if int64(len(names)) != res.Value.Num {
			t.Errorf("%s %s: the search lists %d, the figure counts %d", sc.name, ind.Key, len(names), res.Value.Num)
		}
	}
}
