package indicator

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// The lists behind the figures of the areas of work (issue #8: every
// figure opens exactly the records it counts). Each repeats its figure's
// condition — the same tables, the same date and region tests — and is
// held to the figure by the fixture county's tests (TestFixtureLists), so
// a list that drifts from its count fails there. The counts themselves
// are left as they are (programme.go and employ.Figures are tuned for
// speed); a list is read only when someone opens it.

// ListCap bounds every list: the records page shows at most this many (and
// says so), so a county-wide list of a big figure stays one page load.
const ListCap = 5000

// ListMeasure says what a list accounts for in its figure.
type ListMeasure int

const (
	// ListCounted (the default): one record per unit counted — a Count's
	// records, a Percent's numerator, an Average's denominator.
	ListCounted ListMeasure = iota
	// ListSummed: the figure is the sum of the records' Amount (the fen
	// of payments and grants, the units of service, the persons a
	// campaign reached).
	ListSummed
	// ListNumerator: an Average whose records are its numerator (the
	// sessions behind sessions per month; the months are no records).
	ListNumerator
)

// Accounted returns what the list recs adds up to and what the figure v
// says it should (they differ only when the list was cut at ListCap or
// drifted from its count).
func (ind Indicator) Accounted(v Value, recs []Record) (listed, counted int64) {
	switch ind.ListMeasure {
	case ListSummed:
		for _, r := range recs {
			listed += r.Amount
		}
		return listed, v.Num
	case ListNumerator:
		return int64(len(recs)), v.Num
	}
	if ind.Kind == Average {
		return int64(len(recs)), v.Den
	}
	return int64(len(recs)), v.Num
}

// queryList runs query and reads up to ListCap records, scan filling each.
func queryList(ctx context.Context, q store.Querier, query string, args []any, scan func(*sql.Rows, *Record) error) ([]Record, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() && len(out) < ListCap {
		var r Record
		if err := scan(rows, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// onePerPerson keeps the first record of each person (rows ordered by
// person), for figures that count persons, not cases or records; key is
// the person id of each record in recs.
func onePerPerson(recs []Record, keys []string) []Record {
	var out []Record
	seen := map[string]bool{}
	for i, r := range recs {
		if !seen[keys[i]] {
			seen[keys[i]] = true
			out = append(out, r)
		}
	}
	return out
}

// byDate orders a list by date, then area and label, then link (stable
// whatever order the query or a map gave).
func byDate(recs []Record) []Record {
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		if a.AreaCode != b.AreaCode {
			return a.AreaCode < b.AreaCode
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		return a.Href < b.Href
	})
	return recs
}

// yuan shows fen as the records page's amount (the figure's unit, 元).
func yuan(fen int64) string { return Fen(fen).String() }

// Links to a record's own page in its area.
func caseHref(id string) string      { return "/programmes/cases/" + id }
func empPersonHref(id string) string { return "/employment/persons/" + id }

// --- Programmes (programme.go's figures) ---

// listServed lists the persons a shipped programme served in the period
// (as programmeStats' Served: cases granted by the period's end whose
// programme period overlaps it), one record per person — the latest
// decided of his cases — linking to that case. extra narrows the cases
// further with arguments after the scope's.
func listServed(code string, extra func(p Period) (string, []any)) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		args := []any{p.From, p.To, code}
		more := ""
		if extra != nil {
			var xargs []any
			more, xargs = extra(p)
			args = append(args, xargs...)
		}
		cond, sargs := s.Filter("c.village_code", len(args)+1)
		return personCases(ctx, q, `SELECT c.id, c.code, c.name, c.village_code, c.decided_on, c.status, c.person_id
FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id WHERE g.code = $3 AND `+grantedSQL+more+` AND `+cond+`
ORDER BY c.person_id, c.decided_on DESC, c.id`, append(args, sargs...))
	}
}

// personCases runs a query of cases (id, code, name, village, decided on,
// status, person id) ordered by person, latest first, and keeps one record
// per person — his latest case — in date order.
func personCases(ctx context.Context, q store.Querier, query string, args []any) ([]Record, error) {
	var persons []string
	recs, err := queryList(ctx, q, query, args, func(rows *sql.Rows, r *Record) error {
		var id, code, status, person string
		if err := rows.Scan(&id, &code, &r.Label, &r.AreaCode, &r.Date, &status, &person); err != nil {
			return err
		}
		r.Label, r.Detail, r.Href = code+" "+r.Label, "programme.status."+status, caseHref(id)
		persons = append(persons, person)
		return nil
	})
	return byDate(onePerPerson(recs, persons)), err
}

// listChildRescueAmount lists what child_rescue_amount sums: the one-off
// grants of cases decided in the period and the approved claims with
// receipts in it, each with its amount.
func listChildRescueAmount(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	code := programme.CodeChildRescue
	cond, sargs := s.Filter("c.village_code", 4)
	args := append([]any{p.From, p.To, code}, sargs...)
	grants, err := queryList(ctx, q, `SELECT c.id, c.code, c.name, c.village_code, c.decided_on, c.amount_fen
FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id
WHERE g.code = $3 AND g.frequency = 'one_off' AND c.decided_on >= $1 AND c.amount_fen <> 0 AND `+grantedSQL+` AND `+cond+`
ORDER BY c.decided_on, c.id LIMIT `+strconv.Itoa(ListCap), args, func(rows *sql.Rows, r *Record) error {
		var id, code string
		if err := rows.Scan(&id, &code, &r.Label, &r.AreaCode, &r.Date, &r.Amount); err != nil {
			return err
		}
		r.Label, r.Detail, r.Href = code+" "+r.Label, yuan(r.Amount), caseHref(id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	claims, err := queryList(ctx, q, `SELECT c.id, c.code, c.name, c.village_code, cl.receipt_day, cl.amount_fen, cl.receipt_no
FROM prog_claims cl JOIN prog_cases c ON c.id = cl.case_id JOIN prog_programmes g ON g.id = c.programme_id
WHERE cl.status IN ('approved', 'paid') AND cl.receipt_day >= $1 AND cl.receipt_day <= $2 AND cl.amount_fen <> 0 AND g.code = $3 AND `+cond+`
ORDER BY cl.receipt_day, cl.id LIMIT `+strconv.Itoa(ListCap), args, func(rows *sql.Rows, r *Record) error {
		var id, code, receipt string
		if err := rows.Scan(&id, &code, &r.Label, &r.AreaCode, &r.Date, &r.Amount, &receipt); err != nil {
			return err
		}
		r.Label, r.Detail, r.Href = code+" "+r.Label+" · "+receipt, yuan(r.Amount), caseHref(id)
		return nil
	})
	out := append(grants, claims...)
	if len(out) > ListCap {
		out = out[:ListCap]
	}
	return byDate(out), err
}

// listCochlear lists the cochlear subsidy's ledger lines booked in the
// period (payments and reversals), each linking to its payment batch.
func listCochlear(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	cond, args := s.Filter("l.village_code", 4)
	recs, err := queryList(ctx, q, `SELECT l.batch_id, l.payee_name, l.village_code, l.booked_on, l.amount_fen FROM pay_ledger l
JOIN prog_programmes g ON g.id = l.programme_id WHERE g.code = $1 AND l.booked_on >= $2 AND l.booked_on <= $3 AND `+cond+`
ORDER BY l.booked_on, l.id LIMIT `+strconv.Itoa(ListCap), append([]any{programme.CodeCochlear, p.From, p.To}, args...),
		func(rows *sql.Rows, r *Record) error {
			var batch string
			if err := rows.Scan(&batch, &r.Label, &r.AreaCode, &r.Date, &r.Amount); err != nil {
				return err
			}
			r.Detail, r.Href = yuan(r.Amount), "/payments/batches/"+batch
			return nil
		})
	return byDate(recs), err
}

// listProviderServices lists the services by a provider given in the
// period, each with its quantity (the figure sums them).
func listProviderServices(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	cond, args := s.Filter("sv.village_code", 3)
	recs, err := queryList(ctx, q, `SELECT sv.case_id, COALESCE(c.code, ''), COALESCE(c.name, ''), sv.village_code, sv.day, sv.quantity
FROM prog_services sv LEFT JOIN prog_cases c ON c.id = sv.case_id
WHERE sv.provider_id <> '' AND sv.day >= $1 AND sv.day <= $2 AND `+cond+` ORDER BY sv.day, sv.id LIMIT `+strconv.Itoa(ListCap),
		append([]any{p.From, p.To}, args...), func(rows *sql.Rows, r *Record) error {
			var id, code string
			if err := rows.Scan(&id, &code, &r.Label, &r.AreaCode, &r.Date, &r.Amount); err != nil {
				return err
			}
			r.Label, r.Detail, r.Href = code+" "+r.Label, strconv.FormatInt(r.Amount, 10), caseHref(id)
			return nil
		})
	return byDate(recs), err
}

// rehabNeedYear is the survey year whose needs rehab_service_rate reads:
// the latest round closed by the period's end, else the period's own.
func rehabNeedYear(ctx context.Context, q store.Querier, p Period) (int64, error) {
	var closed sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MAX(year) FROM survey_rounds WHERE status = 'closed' AND closed_on <> '' AND closed_on <= $1`, p.To).Scan(&closed); err != nil {
		return 0, err
	}
	if closed.Valid {
		return closed.Int64, nil
	}
	return int64(p.YearOf()), nil
}

// listRehabServed lists rehab_service_rate's numerator: the persons home
// rehabilitation served who needed it.
func listRehabServed(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	year, err := rehabNeedYear(ctx, q, p)
	if err != nil {
		return nil, err
	}
	need, tag := string(survey.NeedRehabilitation), programme.TagNeedPrefix+programme.CodeHomeRehab
	return listServed(programme.CodeHomeRehab, func(Period) (string, []any) {
		return ` AND (EXISTS (SELECT 1 FROM survey_needs n WHERE n.person_id = c.person_id AND n.year = $4 AND n.need = $5)
	OR EXISTS (SELECT 1 FROM prog_person_tags t WHERE t.person_id = c.person_id AND t.tag = $6))`, []any{year, need, tag}
	})(ctx, q, s, p)
}

// listEducationCovered lists education_grant_coverage's numerator: the
// active persons living in s with a live case of the programme's period
// holding the period's end (today for a period not over), one record per
// person, in the village he lives in now. Undated in the test's sense: the
// case may be filed after the period's end within the programme period.
func listEducationCovered(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	prog, err := programme.GetByCode(ctx, q, programme.CodeEducation)
	if err != nil {
		return nil, err
	}
	day := time.Now()
	if end, err := time.ParseInLocation(time.DateOnly, p.To, time.Local); err == nil && end.Before(day) {
		day = end
	}
	from, _ := prog.Period(day)
	cond, args := s.Filter("p.village_code", 3)
	return personCases(ctx, q, `SELECT c.id, c.code, p.name, p.village_code, c.decided_on, c.status, c.person_id
FROM prog_cases c JOIN persons p ON p.id = c.person_id
WHERE c.programme_id = $1 AND c.period_from = $2 AND c.status NOT IN ('refused', 'withdrawn') AND p.status = 'active' AND `+cond+`
ORDER BY c.person_id, c.decided_on DESC, c.id`, append([]any{prog.ID, from}, args...))
}

// listDevicesOnLoan lists the loans held on the period's end (as
// device.Figures' OnLoan: lent by then, open or ended after it).
func listDevicesOnLoan(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	cond, args := s.Filter("village_code", 2)
	recs, err := queryList(ctx, q, `SELECT id, person_name, village_code, lent_on, status FROM device_loans
WHERE lent_on <= $1 AND (status = 'open' OR (lost_on <> '' AND lost_on > $1) OR (lost_on = '' AND returned_on > $1)) AND `+cond+`
ORDER BY lent_on, id LIMIT `+strconv.Itoa(ListCap), append([]any{p.To}, args...), func(rows *sql.Rows, r *Record) error {
		var id, status string
		if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &status); err != nil {
			return err
		}
		r.Detail, r.Href = "device.loan_status."+status, "/devices/loans/"+id
		return nil
	})
	return byDate(recs), err
}

// --- Survey (survey.go) ---

// listSurveyTasks lists the survey tasks of the period's year(s) whose
// recorded visit falls in [from, p.To] (from "" for coverage: every visit
// by the period's end).
func listSurveyTasks(coverage bool) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		lo, _ := strconv.Atoi(p.From[:4])
		if coverage {
			lo = p.YearOf()
		}
		from := p.From
		if coverage {
			from = ""
		}
		cond, args := s.Filter("t.village_code", 5)
		recs, err := queryList(ctx, q, `SELECT t.id, COALESCE(pp.name, ''), t.village_code, t.visited_on, t.status FROM survey_tasks t
LEFT JOIN persons pp ON pp.id = t.person_id
WHERE t.year >= $1 AND t.year <= $2 AND t.`+surveyRecorded+` AND t.visited_on <> '' AND t.visited_on >= $3 AND t.visited_on <= $4 AND `+cond+`
ORDER BY t.visited_on, t.id LIMIT `+strconv.Itoa(ListCap), append([]any{lo, p.YearOf(), from, p.To}, args...),
			func(rows *sql.Rows, r *Record) error {
				var id, status string
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &status); err != nil {
					return err
				}
				r.Detail, r.Href = "survey.status."+status, "/survey/tasks/"+id
				return nil
			})
		return byDate(recs), err
	}
}

// --- Renovation (renovate.go) ---

// listRenovations lists the period's year's renovations (cancelled ones
// left out) matching cond, with its arguments after the year's.
func listRenovations(cond string, args func(p Period) []any) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		a := append([]any{p.YearOf()}, args(p)...)
		scond, sargs := s.Filter("village_code", len(a)+1)
		recs, err := queryList(ctx, q, `SELECT id, name, village_code, accepted_on, status FROM renovations
WHERE year = $1 AND status <> 'cancelled' AND `+cond+` AND `+scond+` ORDER BY accepted_on, village_code, id LIMIT `+strconv.Itoa(ListCap),
			append(a, sargs...), func(rows *sql.Rows, r *Record) error {
				var id, status string
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &status); err != nil {
					return err
				}
				r.Detail, r.Href = "renovate.status."+status, "/renovation/"+id
				return nil
			})
		return byDate(recs), err
	}
}

func noArgs(Period) []any { return nil }

// --- Employment (employ.go: employ.Figures' conditions) ---

// listEmployed lists the persons employed on the period's end (a record
// covering it) in forms, one record per person; with minIncome the persons
// whose covering records together bring at least the threshold a month.
func listEmployed(forms []string, minIncome bool) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		args := []any{p.To}
		formCond := ""
		if len(forms) > 0 {
			formCond = " AND r.form IN ("
			for i, f := range forms {
				args = append(args, f)
				if i > 0 {
					formCond += ", "
				}
				formCond += "$" + strconv.Itoa(len(args))
			}
			formCond += ")"
		}
		having := ""
		if minIncome {
			set, err := employ.LoadSettings(ctx, q)
			if err != nil {
				return nil, err
			}
			args = append(args, set.IncomeThreshold)
			having = " HAVING SUM(r.monthly_income) >= $" + strconv.Itoa(len(args))
		}
		cond, sargs := s.Filter("p.village_code", len(args)+1)
		recs, err := queryList(ctx, q, `SELECT p.id, p.name, p.village_code, MIN(r.start_date), CAST(SUM(r.monthly_income) AS BIGINT)
FROM emp_records r JOIN persons p ON p.id = r.person_id
WHERE r.start_date <= $1 AND (r.end_date = '' OR r.end_date >= $1)`+formCond+` AND `+cond+`
GROUP BY p.id, p.name, p.village_code`+having+` ORDER BY p.village_code, p.id LIMIT `+strconv.Itoa(ListCap), append(args, sargs...),
			func(rows *sql.Rows, r *Record) error {
				var id string
				var income int64
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &income); err != nil {
					return err
				}
				r.Href = empPersonHref(id)
				if minIncome {
					r.Detail = yuan(income)
				}
				return nil
			})
		return byDate(recs), err
	}
}

// listProjects lists the projects granted support in the period.
func listProjects(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	cond, args := s.Filter("p.village_code", 3)
	recs, err := queryList(ctx, q, `SELECT p.id, p.name, j.name, p.village_code, j.supported_on FROM emp_projects j JOIN persons p ON p.id = j.person_id
WHERE j.status IN ('supported', 'closed') AND j.supported_on >= $1 AND j.supported_on <= $2 AND `+cond+`
ORDER BY j.supported_on, j.id LIMIT `+strconv.Itoa(ListCap), append([]any{p.From, p.To}, args...), func(rows *sql.Rows, r *Record) error {
		var id, name string
		if err := rows.Scan(&id, &r.Label, &name, &r.AreaCode, &r.Date); err != nil {
			return err
		}
		r.Label, r.Href = r.Label+" · "+name, empPersonHref(id)
		return nil
	})
	return byDate(recs), err
}

// listWishes lists the wishes recorded in the period (fulfilled: those of
// them fulfilled by its end).
func listWishes(fulfilled bool) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		more := ""
		if fulfilled {
			more = ` AND w.status = 'fulfilled' AND w.closed_on <= $2`
		}
		cond, args := s.Filter("p.village_code", 3)
		recs, err := queryList(ctx, q, `SELECT p.id, p.name, p.village_code, w.recorded_on, w.status FROM emp_wishes w JOIN persons p ON p.id = w.person_id
WHERE w.recorded_on >= $1 AND w.recorded_on <= $2`+more+` AND `+cond+` ORDER BY w.recorded_on, w.id LIMIT `+strconv.Itoa(ListCap),
			append([]any{p.From, p.To}, args...), func(rows *sql.Rows, r *Record) error {
				var id, status string
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &status); err != nil {
					return err
				}
				r.Detail, r.Href = "employ.wish_status."+status, empPersonHref(id)
				return nil
			})
		return byDate(recs), err
	}
}

// listPersonTimes lists the enrolments training_person_times counts, by
// the basis the employment settings choose (completions in the period, or
// enrolments in courses begun in it), each linking to the person's
// employment page (his courses and enrolments).
func listPersonTimes(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	set, err := employ.LoadSettings(ctx, q)
	if err != nil {
		return nil, err
	}
	cond, args := s.Filter("p.village_code", 3)
	where, date := `e.completed = TRUE AND e.completed_on >= $1 AND e.completed_on <= $2`, "e.completed_on"
	if set.PersonTimesBasis == employ.BasisEnrolments {
		where, date = `c.start_date >= $1 AND c.start_date <= $2`, "c.start_date"
	}
	recs, err := queryList(ctx, q, `SELECT p.id, p.name, c.name, p.village_code, `+date+` FROM emp_enrolments e
JOIN emp_courses c ON c.id = e.course_id JOIN persons p ON p.id = e.person_id WHERE `+where+` AND `+cond+`
ORDER BY `+date+`, c.id, p.id LIMIT `+strconv.Itoa(ListCap), append([]any{p.From, p.To}, args...), func(rows *sql.Rows, r *Record) error {
		var id string
		if err := rows.Scan(&id, &r.Label, &r.Detail, &r.AreaCode, &r.Date); err != nil {
			return err
		}
		r.Href = empPersonHref(id)
		return nil
	})
	return byDate(recs), err
}

// listPlaces lists the places open on the period's end, greenhouses or
// the others (bases), as employ.Figures counts them.
func listPlaces(greenhouses bool) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		places, err := employ.ListPlaces(ctx, q, s, p.To)
		if err != nil {
			return nil, err
		}
		var out []Record
		for _, l := range places {
			if l.OpenedOn > p.To || (l.ClosedOn != "" && l.ClosedOn < p.To) || (l.Kind == employ.PlaceGreenhouse) != greenhouses {
				continue
			}
			if len(out) == ListCap {
				break
			}
			out = append(out, Record{Date: l.OpenedOn, Label: l.Name, Detail: "employ.place_kind." + l.Kind, AreaCode: l.AreaCode,
				Href: "/employment/places/" + l.ID})
		}
		return byDate(out), nil
	}
}

// listBaseWorkers lists the workers in role at a base on the period's
// end, each linking to the base.
func listBaseWorkers(role string) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		cond, args := s.Filter("l.area_code", 3)
		recs, err := queryList(ctx, q, `SELECT l.id, l.name, w.name, l.area_code, w.start_date FROM emp_place_workers w JOIN emp_places l ON l.id = w.place_id
WHERE l.kind IN ('support', 'training') AND w.role = $2 AND w.start_date <= $1 AND (w.end_date = '' OR w.end_date >= $1) AND `+cond+`
ORDER BY w.start_date, w.id LIMIT `+strconv.Itoa(ListCap), append([]any{p.To, role}, args...), func(rows *sql.Rows, r *Record) error {
			var id, place string
			if err := rows.Scan(&id, &place, &r.Label, &r.AreaCode, &r.Date); err != nil {
				return err
			}
			r.Detail, r.Href = place, "/employment/places/"+id
			return nil
		})
		return byDate(recs), err
	}
}

// listCampaigns lists the campaigns of kind begun in the period and held
// inside s.
func listCampaigns(kind string) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		cond, args := s.Filter("area_code", 4)
		recs, err := queryList(ctx, q, `SELECT id, name, area_code, start_date FROM emp_campaigns
WHERE kind = $1 AND start_date >= $2 AND start_date <= $3 AND `+cond+` ORDER BY start_date, id LIMIT `+strconv.Itoa(ListCap),
			append([]any{kind, p.From, p.To}, args...), func(rows *sql.Rows, r *Record) error {
				var id string
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date); err != nil {
					return err
				}
				r.Href = "/employment/campaigns/" + id
				return nil
			})
		return byDate(recs), err
	}
}

// listCampaignSums lists the campaigns begun in the period with what each
// adds to a summed figure: the suggestions collected at campaigns held in
// s, or the persons the aid-month campaigns reached (a county campaign
// seen from a township: its named persons there) — as employ.Figures and
// campaign_persons_reached count them.
func listCampaignSums(reach bool) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		camps, err := employ.ListCampaigns(ctx, q, s, p.From, p.To)
		if err != nil {
			return nil, err
		}
		var out []Record
		for _, c := range camps {
			var n int
			switch {
			case !reach && s.Contains(c.AreaCode):
				n = c.Suggestions()
			case !reach:
				continue
			case c.Kind != employ.CampaignAidMonth:
				continue
			case s.Contains(c.AreaCode):
				n = c.Reach()
			default:
				named, err := employ.CampaignPersons(ctx, q, s, c.ID)
				if err != nil {
					return nil, err
				}
				n = len(named)
			}
			if n == 0 || len(out) == ListCap {
				continue
			}
			// A county campaign seen from a township counts its persons
			// there: the record is placed where they are.
			where := c.AreaCode
			if !s.Contains(where) {
				where = s.Code()
			}
			out = append(out, Record{Date: c.StartDate, Label: c.Name, Detail: strconv.Itoa(n), AreaCode: where,
				Href: "/employment/campaigns/" + c.ID, Amount: int64(n)})
		}
		return byDate(out), nil
	}
}

// --- Quota review (levy.go) ---

// listDeclarations lists the declarations verified in the period, each
// with the levy due it computes, linking to the employer's year.
func listDeclarations(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	lo, hi := p.Instants()
	cond, args := s.Filter("d.area_code", 3)
	recs, err := queryList(ctx, q, `SELECT d.employer_id, d.year, COALESCE(e.name, ''), d.area_code, d.verified_at, d.amount_fen
FROM levy_declarations d LEFT JOIN levy_employers e ON e.id = d.employer_id
WHERE d.status IN ('verified', 'issued') AND d.verified_at >= $1 AND d.verified_at < $2 AND `+cond+`
ORDER BY d.verified_at, d.id LIMIT `+strconv.Itoa(ListCap), append([]any{lo, hi}, args...), func(rows *sql.Rows, r *Record) error {
		var id, at string
		var year int
		if err := rows.Scan(&id, &year, &r.Label, &r.AreaCode, &at, &r.Amount); err != nil {
			return err
		}
		r.Date, r.Detail, r.Href = localDay(at), yuan(r.Amount), "/employers/"+id+"/years/"+strconv.Itoa(year)
		return nil
	})
	return byDate(recs), err
}

// provideLists gives every recorded figure that counts records its list
// and points its link at the report's records page, which shows exactly
// them for the figure's region and period (replacing the area page
// Provide gave, which showed more: every status, no period, today's
// state). Left without: the register's
// stocks (registry_size and its breakdown link to the registry search
// with the same filter, which lists exactly the active persons now — a
// test holds them equal) and the child-rescue standards (settings, no
// records; they link to the programme).
func provideLists() {
	type entry struct {
		list    ListFunc
		measure ListMeasure
	}
	lists := map[string]entry{
		"child_rescue_persons":             {listServed(programme.CodeChildRescue, nil), ListCounted},
		"child_rescue_amount":              {listChildRescueAmount, ListSummed},
		"psychiatric_drug_subsidy_persons": {listServed(programme.CodeDrugSubsidy, nil), ListCounted},
		"device_fitted_persons":            {listServed(programme.CodeDevices, nil), ListCounted},
		"education_grant_students":         {listServed(programme.CodeEducation, nil), ListCounted},
		"rehab_service_persons":            {listServed(programme.CodeHomeRehab, nil), ListCounted},
		"care_persons":                     {listServed(programme.CodeSunshineHome, nil), ListCounted},
		"cochlear_subsidy_amount":          {listCochlear, ListSummed},
		"provider_services":                {listProviderServices, ListSummed},
		"rehab_service_rate":               {listRehabServed, ListCounted},
		"education_grant_coverage":         {listEducationCovered, ListCounted},
		"devices_on_loan":                  {listDevicesOnLoan, ListCounted},

		"survey_coverage":    {listSurveyTasks(true), ListCounted},
		"households_visited": {listSurveyTasks(false), ListCounted},

		"renovation_planned":        {listRenovations("1 = 1", noArgs), ListCounted},
		"renovation_in_preparation": {listRenovations("status IN ('surveyed', 'planned', 'approved')", noArgs), ListCounted},
		"renovation_completed": {listRenovations("status IN ('accepted', 'paid') AND accepted_on >= $2 AND accepted_on <= $3",
			func(p Period) []any { return []any{p.From, p.To} }), ListCounted},

		"welfare_job_placements":      {listEmployed([]string{"public_welfare"}, false), ListCounted},
		"home_employment_persons":     {listEmployed([]string{"home", "ecommerce"}, false), ListCounted},
		"employment_income_3000_rate": {listEmployed(nil, true), ListCounted},
		"entrepreneurship_projects":   {listProjects, ListCounted},
		"promotion_events":            {listCampaigns(employ.CampaignPromotion), ListCounted},
		"suggestions_collected":       {listCampaignSums(false), ListSummed},
		"campaign_persons_reached":    {listCampaignSums(true), ListSummed},
		"wishes_collected":            {listWishes(false), ListCounted},
		"wishes_fulfilled_rate":       {listWishes(true), ListCounted},
		"training_person_times":       {listPersonTimes, ListCounted},
		"greenhouses":                 {listPlaces(true), ListCounted},
		"support_bases":               {listPlaces(false), ListCounted},
		"base_employed_students":      {listBaseWorkers(employ.RoleStudent), ListCounted},
		"base_employed_parents":       {listBaseWorkers(employ.RoleFamily), ListCounted},

		"rights_cases_received":            {listRightsCases("received_on", "1 = 1", false), ListCounted},
		"rights_cases_closed_on_time_rate": {listRightsCases("closed_on", "status = 'closed' AND "+onTimeSQL, false), ListCounted},
		"legal_aid_persons":                {listRightsCases("legal_aid_on", "1 = 1", true), ListSummed},

		"party_group_study_sessions": {listActivities("party_group_study_sessions"), ListCounted},
		"cadre_study_sessions":       {listActivities("cadre_study_sessions"), ListCounted},
		"seminars":                   {listActivities("seminars"), ListCounted},
		"outreach_events":            {listActivities("outreach_events"), ListCounted},
		"study_reflections":          {listActivities("study_reflections"), ListSummed},
		"events_held":                {listActivities("events_held"), ListCounted},
		"event_participants":         {listActivities("event_participants"), ListSummed},
		"event_awards":               {listActivities("event_awards"), ListSummed},

		"quota_units_reviewed": {listDeclarations, ListCounted},
		"levy_due":             {listDeclarations, ListSummed},

		// Sessions per month: its records are the sessions, its months none.
		"certify_sessions_per_month": {listSessions, ListNumerator},
	}
	// The renovation rate's numerator is the homes completed.
	lists["renovation_rate"] = lists["renovation_completed"]
	for key, e := range lists {
		ind := byKey[key]
		if ind == nil || ind.Compute == nil || ind.List != nil {
			panic("indicator: list for " + key + ", which is unknown, not computed or listed already")
		}
		ind.List, ind.ListMeasure, ind.Records = e.list, e.measure, recordsPage(key)
	}
}
