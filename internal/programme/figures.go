package programme

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Amounts is persons and money for one slice (a category, a township).
type Amounts struct {
	Code      string `json:"code"`
	Name      string `json:"name,omitempty"`
	Persons   int    `json:"persons"`
	AmountFen int64  `json:"amount_fen"`
	PaidFen   int64  `json:"paid_fen"`
	persons   map[string]bool
}

// ProgrammeFigures are one programme's figures for a period and scope.
type ProgrammeFigures struct {
	ID        string `json:"id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Applied   int    `json:"cases_filed"`     // cases filed in the period
	Refused   int    `json:"cases_refused"`   // of those, refused
	Suspended int    `json:"cases_suspended"` // suspended now
	// Served is the persons holding the benefit in the period: a case
	// approved or further whose period overlaps it, approved by its end.
	Served int `json:"persons_served"`
	// AmountFen is what was granted for the period: monthly instalments
	// of its months, one-off amounts approved in it, approved claims with
	// receipts in it. PaidFen is what batches paid for its months, net of
	// reversals.
	AmountFen  int64     `json:"amount_fen"`
	PaidFen    int64     `json:"paid_fen"`
	Services   int       `json:"service_units"` // sessions, visits, days recorded in the period
	Target     int       `json:"target"`
	TargetPct  int       `json:"target_permille"` // served / target, ‰
	BudgetFen  int64     `json:"budget_fen"`
	BudgetPct  int       `json:"budget_permille"` // amount / budget, ‰
	ByCategory []Amounts `json:"by_category"`
	ByTownship []Amounts `json:"by_township"`
	// Eligible is the persons meeting the rule today or served: the
	// denominator of the service rate (served / eligible). Needing is the
	// persons tagged need.<code> (known need, from the survey); their
	// rate is ServedNeeding / Needing. -1 when not computed.
	Eligible       int `json:"eligible"`
	ServiceRate    int `json:"service_rate_permille"`
	Needing        int `json:"needing"`
	ServedNeeding  int `json:"served_needing"`
	NeedRate       int `json:"need_rate_permille"`
	servedPersons  map[string]bool
	category, town map[string]*Amounts
}

// Figures are the programme figures of the report for a period.
type Figures struct {
	From       string             `json:"from"`
	To         string             `json:"to"`
	Programmes []ProgrammeFigures `json:"programmes"`
	Served     int                `json:"persons_served"` // distinct persons over all programmes
	AmountFen  int64              `json:"amount_fen"`
	PaidFen    int64              `json:"paid_fen"`
}

func permille(n, d int64) int {
	if d <= 0 {
		return 0
	}
	return int(n * 1000 / d)
}

// monthsOverlap counts the months of [start, end] (YYYY-MM, end "" = open)
// inside [from, to] (YYYY-MM).
func monthsOverlap(start, end, from, to string) int64 {
	if start == "" {
		return 0
	}
	if end == "" || end > to {
		end = to
	}
	if start < from {
		start = from
	}
	if end < start {
		return 0
	}
	sy, _ := strconv.Atoi(start[:4])
	sm, _ := strconv.Atoi(start[5:7])
	ey, _ := strconv.Atoi(end[:4])
	em, _ := strconv.Atoi(end[5:7])
	return int64((ey-sy)*12 + em - sm + 1)
}

// ComputeFigures computes the figures of every programme inside scope s
// for the days from..to (YYYY-MM-DD, both included). withEligible also
// evaluates every rule over the active persons in one pass, for the service
// rate; it reads the whole scope, so the report asks for it once.
func ComputeFigures(ctx context.Context, q store.Querier, s area.Scope, from, to string, withEligible bool, today time.Time) (Figures, error) {
	f := Figures{From: from, To: to}
	progs, err := List(ctx, q)
	if err != nil {
		return f, err
	}
	names, err := area.Names(ctx, q)
	if err != nil {
		return f, err
	}
	idx := map[string]int{}
	for i, p := range progs {
		idx[p.ID] = i
		f.Programmes = append(f.Programmes, ProgrammeFigures{ID: p.ID, Code: p.Code, Name: p.Name, Target: p.Target, BudgetFen: p.BudgetFen,
			Eligible: -1, Needing: -1, servedPersons: map[string]bool{}, category: map[string]*Amounts{}, town: map[string]*Amounts{}})
	}
	slice := func(pf *ProgrammeFigures, c Case) (*Amounts, *Amounts) {
		ck := strconv.Itoa(int(c.Category))
		if pf.category[ck] == nil {
			pf.category[ck] = &Amounts{Code: ck, persons: map[string]bool{}}
		}
		tk := area.ParentOf(c.VillageCode)
		if pf.town[tk] == nil {
			pf.town[tk] = &Amounts{Code: tk, Name: names[tk], persons: map[string]bool{}}
		}
		return pf.category[ck], pf.town[tk]
	}
	fromM, toM := from[:7], to[:7]
	all := map[string]bool{}
	cond, args := s.Filter("village_code", 3)
	rows, err := q.QueryContext(ctx, caseSelect+` WHERE `+cond+` AND (filed_on <= $2 AND period_to >= $1)`, append([]any{from, to}, args...)...)
	if err != nil {
		return f, err
	}
	var cases []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return f, err
		}
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	for _, c := range cases {
		i, ok := idx[c.ProgrammeID]
		if !ok {
			continue
		}
		pf, prog := &f.Programmes[i], progs[i]
		if c.FiledOn >= from && c.FiledOn <= to {
			pf.Applied++
			if c.Status == Refused {
				pf.Refused++
			}
		}
		if c.Status == Suspended {
			pf.Suspended++
		}
		granted := (c.Status.Granted() || c.Status == Suspended && c.DecidedOn != "") && c.DecidedOn != "" && c.DecidedOn <= to
		if !granted {
			continue
		}
		var amount int64
		switch prog.Frequency {
		case Monthly:
			amount = c.AmountFen * monthsOverlap(c.StartMonth, c.EndMonth, fromM, min(toM, c.PeriodTo[:7]))
		case OneOff:
			if c.DecidedOn >= from {
				amount = c.AmountFen
			}
		}
		pf.servedPersons[c.PersonID] = true
		all[c.PersonID] = true
		cat, town := slice(pf, c)
		cat.persons[c.PersonID], town.persons[c.PersonID] = true, true
		cat.AmountFen += amount
		town.AmountFen += amount
		pf.AmountFen += amount
	}
	// Claims approved or paid with receipts in the period.
	cc, cargs := s.Filter("c.village_code", 3)
	rows, err = q.QueryContext(ctx, `SELECT c.programme_id, c.person_id, c.village_code, c.category, cl.amount_fen FROM prog_claims cl JOIN prog_cases c ON c.id = cl.case_id
		WHERE cl.status IN ('approved', 'paid') AND cl.receipt_day >= $1 AND cl.receipt_day <= $2 AND `+cc, append([]any{from, to}, cargs...)...)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var c Case
		var amount int64
		if err := rows.Scan(&c.ProgrammeID, &c.PersonID, &c.VillageCode, &c.Category, &amount); err != nil {
			rows.Close()
			return f, err
		}
		if i, ok := idx[c.ProgrammeID]; ok {
			pf := &f.Programmes[i]
			cat, town := slice(pf, c)
			cat.AmountFen += amount
			town.AmountFen += amount
			pf.AmountFen += amount
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	// Paid, net of reversals, for the months of the period.
	pc, pargs := s.Filter("village_code", 3)
	rows, err = q.QueryContext(ctx, `SELECT programme_id, village_code, category, SUM(amount_fen) FROM prog_paid WHERE month >= $1 AND month <= $2 AND `+pc+`
		GROUP BY programme_id, village_code, category`, append([]any{fromM, toM}, pargs...)...)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var c Case
		var amount int64
		if err := rows.Scan(&c.ProgrammeID, &c.VillageCode, &c.Category, &amount); err != nil {
			rows.Close()
			return f, err
		}
		if i, ok := idx[c.ProgrammeID]; ok {
			pf := &f.Programmes[i]
			cat, town := slice(pf, c)
			cat.PaidFen += amount
			town.PaidFen += amount
			pf.PaidFen += amount
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	// Service units recorded in the period.
	sc, sargs := s.Filter("s.village_code", 3)
	rows, err = q.QueryContext(ctx, `SELECT c.programme_id, SUM(s.quantity) FROM prog_services s JOIN prog_cases c ON c.id = s.case_id
		WHERE s.day >= $1 AND s.day <= $2 AND `+sc+` GROUP BY c.programme_id`, append([]any{from, to}, sargs...)...)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return f, err
		}
		if i, ok := idx[id]; ok {
			f.Programmes[i].Services = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	if withEligible {
		if err := eligibleCounts(ctx, q, s, progs, &f, today); err != nil {
			return f, err
		}
	}
	for i := range f.Programmes {
		pf := &f.Programmes[i]
		pf.Served = len(pf.servedPersons)
		pf.TargetPct = permille(int64(pf.Served), int64(pf.Target))
		pf.BudgetPct = permille(pf.AmountFen, pf.BudgetFen)
		for _, a := range pf.category {
			a.Persons = len(a.persons)
			pf.ByCategory = append(pf.ByCategory, *a)
		}
		for _, a := range pf.town {
			a.Persons = len(a.persons)
			pf.ByTownship = append(pf.ByTownship, *a)
		}
		sort.Slice(pf.ByCategory, func(a, b int) bool { return pf.ByCategory[a].Code < pf.ByCategory[b].Code })
		sort.Slice(pf.ByTownship, func(a, b int) bool { return pf.ByTownship[a].Code < pf.ByTownship[b].Code })
		f.AmountFen += pf.AmountFen
		f.PaidFen += pf.PaidFen
	}
	f.Served = len(all)
	return f, nil
}

// SurveyNeeding, when set (the app sets it from the survey package), lists
// the persons whose survey of year records the need programme code serves
// (nil for a programme no survey item feeds).
var SurveyNeeding func(ctx context.Context, q store.Querier, s area.Scope, year int, code string) ([]string, error)

// eligibleCounts evaluates every programme's rule over the active persons
// in one pass: eligible = meets the rule today or served; and the known
// need (tag need.<code>) with how many of those were served.
func eligibleCounts(ctx context.Context, q store.Querier, s area.Scope, progs []Programme, f *Figures, today time.Time) error {
	rules := make([]*Rule, len(progs))
	for i, p := range progs {
		r, err := Compile(p.Rule)
		if err != nil {
			return err
		}
		rules[i] = r
		f.Programmes[i].Eligible, f.Programmes[i].Needing = 0, 0
	}
	// Needs recorded by this year's survey (动态更新) count as well as tags.
	surveyed := make([]map[string]bool, len(progs))
	if SurveyNeeding != nil {
		for i, p := range progs {
			ids, err := SurveyNeeding(ctx, q, s, today.Year(), p.Code)
			if err != nil {
				return err
			}
			if len(ids) > 0 {
				surveyed[i] = make(map[string]bool, len(ids))
				for _, id := range ids {
					surveyed[i][id] = true
				}
			}
		}
	}
	seen := map[string]bool{}
	err := eachActive(ctx, q, s, today, func(c *Candidate, fa *Facts) error {
		seen[c.ID] = true
		for i, r := range rules {
			pf := &f.Programmes[i]
			served := pf.servedPersons[c.ID]
			if ok, _ := r.Match(fa); ok || served {
				pf.Eligible++
			}
			if hasTag(fa.Tags, TagNeedPrefix+pf.Code) || surveyed[i][c.ID] {
				pf.Needing++
				if served {
					pf.ServedNeeding++
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range f.Programmes {
		pf := &f.Programmes[i]
		// Served persons no longer active (deceased, moved) still count.
		for id := range pf.servedPersons {
			if !seen[id] {
				pf.Eligible++
			}
		}
		pf.ServiceRate = permille(int64(len(pf.servedPersons)), int64(pf.Eligible))
		pf.NeedRate = permille(int64(pf.ServedNeeding), int64(pf.Needing))
	}
	return nil
}

// CategoryKey is the i18n key of the category of a by-category slice.
func (a Amounts) CategoryKey() string {
	n, _ := strconv.Atoi(a.Code)
	return registry.Category(n).MessageKey()
}
