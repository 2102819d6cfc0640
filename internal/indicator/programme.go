package indicator

import (
	"context"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// The programme figures count as programme.ComputeFigures (the programme
// page; a test holds them equal): persons served are those whose case was
// approved by the period's end and whose programme period overlaps it; the
// amount is what was granted in it (one-off amounts approved in the
// period, approved claims with receipts in it). They are SQL here, limited
// to the programmes the report names, because ComputeFigures reads every
// case of every programme (the monthly subsidies are most of them).

// progFigures are the figures of one programme.
type progFigures struct {
	Served    int64
	AmountFen int64
}

// reported are the programmes whose figures the report prints.
var reported = []string{programme.CodeChildRescue, programme.CodeDrugSubsidy, programme.CodeDevices, programme.CodeEducation,
	programme.CodeHomeRehab, programme.CodeSunshineHome}

func programmeStats(ctx context.Context, q store.Querier, s area.Scope, p Period) (map[string]progFigures, error) {
	return Memo(ctx, mkey("programme", s, p), func() (map[string]progFigures, error) {
		out := map[string]progFigures{}
		args := []any{p.From, p.To}
		in := ""
		for i, c := range reported {
			args = append(args, c)
			if i > 0 {
				in += ", "
			}
			in += "$" + strconv.Itoa(len(args))
		}
		cond, sargs := s.Filter("c.village_code", len(args)+1)
		args = append(args, sargs...)
		rows, err := q.QueryContext(ctx, `SELECT g.code, COUNT(DISTINCT c.person_id),
	COALESCE(CAST(SUM(CASE WHEN g.frequency = 'one_off' AND c.decided_on >= $1 THEN c.amount_fen ELSE 0 END) AS BIGINT), 0)
FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id WHERE g.code IN (`+in+`) AND `+grantedSQL+` AND `+cond+` GROUP BY g.code`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var f progFigures
			if err := rows.Scan(&code, &f.Served, &f.AmountFen); err != nil {
				return nil, err
			}
			out[code] = f
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = q.QueryContext(ctx, `SELECT g.code, COALESCE(CAST(SUM(cl.amount_fen) AS BIGINT), 0) FROM prog_claims cl JOIN prog_cases c ON c.id = cl.case_id
JOIN prog_programmes g ON g.id = c.programme_id WHERE cl.status IN ('approved', 'paid') AND cl.receipt_day >= $1 AND cl.receipt_day <= $2
AND g.code IN (`+in+`) AND `+cond+` GROUP BY g.code`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var fen int64
			if err := rows.Scan(&code, &fen); err != nil {
				return nil, err
			}
			f := out[code]
			f.AmountFen += fen
			out[code] = f
		}
		return out, rows.Err()
	})
}

// ofProgramme is a figure of the shipped programme code.
func ofProgramme(code string, pick func(progFigures) Value) ComputeFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		f, err := programmeStats(ctx, q, s, p)
		if err != nil {
			return Value{}, err
		}
		return pick(f[code]), nil
	}
}

func served(f progFigures) Value { return CountOf(f.Served) }

// casesHref lists a shipped programme's cases of the period's year
// (shipped programmes' ids are "prog-" and their code).
func casesHref(code string) RecordsFunc {
	return yearHref("/programmes/cases", "programme", "prog-"+code)
}

// grantedSQL is ComputeFigures' "served" on prog_cases c: approved or
// further (a later suspension keeps it), decided by the period's end ($2),
// its programme period overlapping the period ($1–$2).
const grantedSQL = `(c.status IN ('approved', 'entitled', 'paid', 'delivered', 'follow_up', 'closed') OR c.status = 'suspended')
AND c.decided_on <> '' AND c.decided_on <= $2 AND c.filed_on <= $2 AND c.period_to >= $1`

func provideProgrammes() {
	// The child-rescue standards are the programme's tiers as set now
	// (county settings, the same in every region).
	tier := func(tierKey string) ComputeFunc {
		return func(ctx context.Context, q store.Querier, _ area.Scope, _ Period) (Value, error) {
			n, err := count(ctx, q, "tier:"+tierKey, `SELECT COALESCE(MAX(t.amount_fen), 0) FROM prog_tiers t JOIN prog_programmes g ON g.id = t.programme_id
WHERE g.code = $1 AND t.key = $2`, programme.CodeChildRescue, tierKey)
			return Fen(n), err
		}
	}
	detail := fixedHref("/programmes/prog-" + programme.CodeChildRescue)
	Provide("child_rescue_standard_general", tier("standard"), detail)
	Provide("child_rescue_standard_cp", tier("cerebral_palsy"), detail)
	Provide("child_rescue_persons", ofProgramme(programme.CodeChildRescue, served), casesHref(programme.CodeChildRescue))
	Provide("child_rescue_amount", ofProgramme(programme.CodeChildRescue, func(f progFigures) Value { return Fen(f.AmountFen) }),
		periodHref("/programmes/figures"))
	Provide("psychiatric_drug_subsidy_persons", ofProgramme(programme.CodeDrugSubsidy, served), casesHref(programme.CodeDrugSubsidy))
	Provide("device_fitted_persons", ofProgramme(programme.CodeDevices, served), casesHref(programme.CodeDevices))
	Provide("education_grant_students", ofProgramme(programme.CodeEducation, served), casesHref(programme.CodeEducation))
	Provide("rehab_service_persons", ofProgramme(programme.CodeHomeRehab, served), casesHref(programme.CodeHomeRehab))
	Provide("care_persons", ofProgramme(programme.CodeSunshineHome, served), casesHref(programme.CodeSunshineHome))

	// Cochlear subsidy paid: the payment ledger's net amount booked in the
	// period (a reversal counts on the day it is booked, so a past period
	// keeps its number).
	Provide("cochlear_subsidy_amount", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("l.village_code", 4)
		n, err := count(ctx, q, mkey("cochlear", s, p), `SELECT COALESCE(CAST(SUM(l.amount_fen) AS BIGINT), 0) FROM pay_ledger l
JOIN prog_programmes g ON g.id = l.programme_id WHERE g.code = $1 AND l.booked_on >= $2 AND l.booked_on <= $3 AND `+cond,
			append([]any{programme.CodeCochlear, p.From, p.To}, args...)...)
		return Fen(n), err
	}, func(s area.Scope, p Period) string {
		return areaHref("/payments/ledger", s, "programme", "prog-"+programme.CodeCochlear, "from", p.From[:7], "to", p.To[:7])
	})

	// Services given by a provider (rehabilitation centre, hospital, care
	// home) in the period, in the units recorded: sessions, visits, days.
	Provide("provider_services", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("village_code", 3)
		return countOf(count(ctx, q, mkey("provider_services", s, p), `SELECT COALESCE(CAST(SUM(quantity) AS BIGINT), 0) FROM prog_services
WHERE provider_id <> '' AND day >= $1 AND day <= $2 AND `+cond, append([]any{p.From, p.To}, args...)...))
	}, fixedHref("/programmes/providers"))

	// 精准康复服务率 = served ÷ needing. Needing: the persons whose survey
	// recorded a rehabilitation need — the survey of the latest round
	// closed by the period's end, whose needs no longer change (the
	// period's own round while none is), so a later visit does not move a
	// past period — and the persons tagged need.home_rehab. Served: as
	// child_rescue_persons, for home rehabilitation. ComputeFigures' need
	// rate asks this year's survey and the whole register's rules, which
	// neither reproduces a past period nor stays fast at a million persons.
	// The tagged are counted in the village they live in now (the tag's),
	// the survey's needs in the village of the visit.
	Provide("rehab_service_rate", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		type pair struct{ num, den int64 }
		r, err := Memo(ctx, mkey("rehab_rate", s, p), func() (pair, error) {
			var x pair
			year, err := rehabNeedYear(ctx, q, p)
			if err != nil {
				return x, err
			}
			need, tag := string(survey.NeedRehabilitation), programme.TagNeedPrefix+programme.CodeHomeRehab
			cond, args := s.Filter("n.village_code", 4)
			tcond, _ := s.Filter("t.village_code", 4)
			// A person has at most one need row per year and need (the key),
			// so needing = the rows + the tagged persons without one: both
			// read from indexes alone (a tag carries its person's village).
			if err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM survey_needs n WHERE n.year = $1 AND n.need = $2 AND `+cond+`)
	+ (SELECT COUNT(*) FROM (SELECT t.person_id FROM prog_person_tags t WHERE t.tag = $3 AND `+tcond+`
		EXCEPT SELECT m.person_id FROM survey_needs m WHERE m.year = $1 AND m.need = $2) u)`,
				append([]any{year, need, tag}, args...)...).Scan(&x.den); err != nil {
				return x, err
			}
			ccond, cargs := s.Filter("c.village_code", 7)
			err = q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT c.person_id) FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id
WHERE g.code = $3 AND `+grantedSQL+` AND `+ccond+` AND (EXISTS (SELECT 1 FROM survey_needs n WHERE n.person_id = c.person_id AND n.year + 0 = $4 AND n.need || '' = $5)
	OR EXISTS (SELECT 1 FROM prog_person_tags t WHERE t.person_id = c.person_id AND t.tag = $6))`,
				append([]any{p.From, p.To, programme.CodeHomeRehab, year, need, tag}, cargs...)...).Scan(&x.num)
			return x, err
		})
		return Rate(r.num, r.den), err
	}, casesHref(programme.CodeHomeRehab))

	// 助学覆盖率, at the period's end (today for a period not over): of the
	// persons the education rule finds eligible, the share with a live
	// case in the programme's period — the 应助尽助 radar's view, whose
	// list is exactly those missing.
	Provide("education_grant_coverage", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		type pair struct{ num, den int64 }
		r, err := Memo(ctx, mkey("edu_coverage", s, p), func() (pair, error) {
			prog, err := programme.GetByCode(ctx, q, programme.CodeEducation)
			if err != nil {
				return pair{}, err
			}
			day := time.Now()
			if end, err := time.ParseInLocation(time.DateOnly, p.To, time.Local); err == nil && end.Before(day) {
				day = end
			}
			from, _ := prog.Period(day)
			// Covered: active persons living in s now (as the radar's
			// candidates), not the cases filed in s — a case stays in the
			// village it was filed in when its person moves or dies.
			cond, args := s.Filter("p.village_code", 3)
			var covered int64
			if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT c.person_id) FROM prog_cases c JOIN persons p ON p.id = c.person_id
WHERE c.programme_id = $1 AND c.period_from = $2 AND c.status NOT IN ('refused', 'withdrawn') AND p.status = 'active' AND `+cond,
				append([]any{prog.ID, from}, args...)...).Scan(&covered); err != nil {
				return pair{}, err
			}
			missing, err := programme.CountRadar(ctx, q, s, prog, day)
			return pair{covered, covered + int64(missing)}, err
		})
		return Rate(r.num, r.den), err
	}, fixedHref("/programmes/radar", "programme", "prog-"+programme.CodeEducation))

	// Devices on loan on the period's end (device.Figures).
	Provide("devices_on_loan", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		st, err := Memo(ctx, mkey("device", s, p), func() (device.Stats, error) { return device.Figures(ctx, q, s, p.From, p.To) })
		return CountOf(int64(st.Total.OnLoan)), err
	}, fixedHref("/devices/loans", "status", "open"))
}
