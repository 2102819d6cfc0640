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

// Candidate is one person a rule was evaluated for: what lists show.
type Candidate struct {
	ID          string            `json:"person_id"`
	Name        string            `json:"name"`
	IDNumber    string            `json:"-"` // sealed, as read: opened only for the rows shown (maskSealed)
	Masked      string            `json:"id_number_masked"`
	VillageCode string            `json:"village_code"`
	Category    registry.Category `json:"category"`
	Grade       registry.Grade    `json:"grade"`
	Age         int               `json:"age"`
}

// lookups are what rules need beyond the persons table, read once per
// pass for the whole scope: components of 多重 persons, tags, and the
// programmes each person holds a benefit of.
type lookups struct {
	components map[string][]registry.Component
	tags       map[string][]string
	enrolments map[string][]string
}

func loadLookups(ctx context.Context, q store.Querier, s area.Scope, day string, pf *prefilter) (lookups, error) {
	l := lookups{components: map[string][]registry.Component{}, tags: map[string][]string{}, enrolments: map[string][]string{}}
	cond, args := s.Filter("p.village_code", 1)
	// A rule that reads no components, tags or enrolments (pf knows) needs
	// none of them loaded for the whole scope.
	if pf.needs("components") {
		var id string
		var c registry.Component
		err := scanEach(ctx, q, `SELECT pc.person_id, pc.category, pc.grade FROM person_components pc JOIN persons p ON p.id = pc.person_id
		WHERE p.status = 'active' AND `+cond+` ORDER BY pc.person_id, pc.category`, args, []any{&id, &c.Category, &c.Grade}, func() {
			l.components[id] = append(l.components[id], c)
		})
		if err != nil {
			return l, err
		}
	}
	if pf.needs("tags", "autism", "cerebral_palsy") {
		var id, t string
		tc, targs := s.Filter("t.village_code", 1) // the tag's village is its person's (tag_area.go)
		err := scanEach(ctx, q, `SELECT t.person_id, t.tag FROM prog_person_tags t WHERE `+tc, targs,
			[]any{&id, &t}, func() { l.tags[id] = append(l.tags[id], t) })
		if err != nil {
			return l, err
		}
	}
	if pf.needs("enrolments") {
		var id, code string
		// By the village the person lives in now, as the candidates: a case
		// stays in the village it was filed in when its person moves.
		cc, cargs := s.Filter("p.village_code", 2)
		err := scanEach(ctx, q, `SELECT DISTINCT c.person_id, g.code FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id
		JOIN persons p ON p.id = c.person_id
		WHERE c.status IN `+grantedList+` AND c.period_from <= $1 AND c.period_to >= $1 AND `+cc, append([]any{day}, cargs...),
			[]any{&id, &code}, func() { l.enrolments[id] = append(l.enrolments[id], code) })
		if err != nil {
			return l, err
		}
	}
	return l, nil
}

// scanEach runs query and calls fn after scanning each row into dest.
func scanEach(ctx context.Context, q store.Querier, query string, args, dest []any, fn func()) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn()
	}
	return rows.Err()
}

// eachActive streams the active persons inside scope s in village order
// (the SQL pre-filter) with their facts on day; fn sees each with the
// facts for rules. Persons are not held in memory: a county of a million
// is read once.
func eachActive(ctx context.Context, q store.Querier, s area.Scope, day time.Time, fn func(c *Candidate, f *Facts) error) error {
	return eachCandidate(ctx, q, s, day, nil, true, false, fn)
}

// eachCandidate is eachActive narrowed by a rule's prefilter (nil: none),
// in village order or, when ordered is false, in whatever order the engine
// reads fastest.
//
// countOnly says fn only counts: a rule that names nothing beyond the
// birth-date index's columns (indexAnswers) is then read from the index
// alone, and the candidates carry no name, ID number, sex, category, grade
// or residence.
func eachCandidate(ctx context.Context, q store.Querier, s area.Scope, day time.Time, pf *prefilter, ordered, countOnly bool, fn func(c *Candidate, f *Facts) error) error {
	l, err := loadLookups(ctx, q, s, ymd(day), pf)
	if err != nil {
		return err
	}
	cond, args := s.Filter("village_code", 1)
	order := " ORDER BY village_code, id"
	if pf != nil && pf.cond != "" {
		if !ordered && pf.birth && len(s.String()) < 9 {
			// Over a county the scope's range is every row: "|| ''" keeps
			// SQLite off the village index (a million random reads) so it
			// takes the birth-date range of the rule's age band instead.
			cond, args = s.Filter("village_code || ''", 1)
		}
		cond += " AND " + pf.cond
		args = append(args, pf.args...)
	}
	if !ordered {
		order = ""
	}
	var p registry.Person
	p.Status = registry.StatusActive
	columns := `id, name, id_number, sex, birth_date, village_code, residence_village_code, category, grade, dibao, tekun, poverty_registered`
	dest := []any{&p.ID, &p.Name, &p.IDNumber, &p.Sex, &p.BirthDate, &p.VillageCode, &p.ResidenceVillageCode, &p.Category, &p.Grade,
		&p.Dibao, &p.Tekun, &p.PovertyRegistered}
	if countOnly && pf != nil && indexAnswers(pf.uses) {
		// Only the columns of the birth-date index: the engine counts
		// from it without reading a persons row (registry/search_index.go).
		columns = `id, birth_date, village_code, dibao, tekun, poverty_registered`
		dest = []any{&p.ID, &p.BirthDate, &p.VillageCode, &p.Dibao, &p.Tekun, &p.PovertyRegistered}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM persons WHERE `+cond+` AND status = 'active'`+order, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	today := day.Format("0102")
	var c Candidate
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		p.Components = l.components[p.ID]
		f := Facts{Age: int64(quickAge(p.BirthDate, day.Year(), today)), Sex: int64(p.Sex), Category: int64(p.Category), Grade: int64(p.Grade),
			Dibao: p.Dibao, Tekun: p.Tekun, Poverty: p.PovertyRegistered, Village: p.VillageCode, Residence: p.ResidenceVillageCode,
			Status: string(registry.StatusActive), Tags: l.tags[p.ID], Enrolments: l.enrolments[p.ID],
			HouseholdStatus: householdStatus(p.Dibao, p.Tekun, p.PovertyRegistered)}
		for _, cp := range p.Components {
			f.Components = append(f.Components, int64(cp.Category))
		}
		if len(p.VillageCode) == 12 {
			f.Township = p.VillageCode[:9] + "000"
		}
		if f.Residence == "" {
			f.Residence = p.VillageCode
		}
		c = Candidate{ID: p.ID, Name: p.Name, IDNumber: p.IDNumber, VillageCode: p.VillageCode, Category: p.Category, Grade: p.Grade, Age: int(f.Age)}
		if err := fn(&c, &f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// indexUses are the rule variables answered by the persons' birth date,
// village and assistance flags, or by lookups keyed on the id alone.
var indexUses = map[string]bool{"age": true, "dibao": true, "tekun": true, "poverty": true, "household_status": true,
	"village": true, "township": true, "status": true, "subtype": true, "autism": true, "cerebral_palsy": true, "tags": true,
	"enrolments": true}

// indexAnswers reports whether a rule naming uses (nil: unknown, so
// anything) reads only what indexUses lists.
func indexAnswers(uses map[string]bool) bool {
	if uses == nil {
		return false
	}
	for u := range uses {
		if !indexUses[u] {
			return false
		}
	}
	return true
}

// quickAge is the age in full years from a YYYY-MM-DD birth date, without
// parsing a time: a radar computes it a million times.
func quickAge(birth string, year int, mmdd string) int {
	if len(birth) != 10 {
		return 0
	}
	y, _ := strconv.Atoi(birth[:4])
	age := year - y
	if mmdd < birth[5:7]+birth[8:10] {
		age--
	}
	return age
}

// liveCasePersons is the set of persons with a live case of the programme
// in the period starting periodFrom, who live inside scope s now (as the
// candidates): a case stays in the village it was filed in, and a person
// who has moved since is served all the same.
func liveCasePersons(ctx context.Context, q store.Querier, s area.Scope, programmeID, periodFrom string) (map[string]bool, error) {
	cond, args := s.Filter("p.village_code", 3)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT c.person_id FROM prog_cases c JOIN persons p ON p.id = c.person_id WHERE c.programme_id = $1
		AND c.period_from = $2 AND c.status NOT IN ('refused', 'withdrawn') AND `+cond, append([]any{programmeID, periodFrom}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// Preview is how many and which persons of a scope a rule matches today.
type Preview struct {
	Count   int         `json:"count"`
	Sample  []Candidate `json:"sample"` // the first ones in village order
	Scanned int         `json:"scanned"`
	Elapsed string      `json:"elapsed"`
}

// PreviewRule evaluates a rule (compiled first: a bad rule is a
// *RuleError) over the active persons inside scope s on day, keeping up
// to limit matches.
func PreviewRule(ctx context.Context, q store.Querier, s area.Scope, rule string, day time.Time, limit int) (Preview, error) {
	var pv Preview
	r, err := Compile(rule)
	if err != nil {
		return pv, err
	}
	start := time.Now()
	pf := buildPrefilter(rule, day, 3)
	err = eachCandidate(ctx, q, s, day, &pf, true, false, func(c *Candidate, f *Facts) error {
		pv.Scanned++
		if ok, _ := r.Match(f); ok {
			pv.Count++
			if len(pv.Sample) < limit {
				c.Masked = maskSealed(c.IDNumber)
				pv.Sample = append(pv.Sample, *c)
			}
		}
		return nil
	})
	pv.Elapsed = time.Since(start).Round(time.Millisecond).String()
	return pv, err
}

// TownCount is a count for one township.
type TownCount struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Radar is the 应助尽助 list of one programme: active persons in scope
// who meet its rule today and have no live case in the current period,
// with counts by township.
type Radar struct {
	ProgrammeID string      `json:"programme_id"`
	PeriodFrom  string      `json:"period_from"`
	PeriodTo    string      `json:"period_to"`
	Total       int         `json:"total"`
	Townships   []TownCount `json:"townships"`
	Persons     []Candidate `json:"persons"`
	Truncated   bool        `json:"truncated"`
	Scanned     int         `json:"scanned"`
	Elapsed     string      `json:"elapsed"`
}

// ComputeRadar lists the eligible unserved persons of a programme inside
// scope s on day, keeping up to limit persons (all are counted); each
// listed person is passed to each when it is not nil (the export streams
// them all that way).
func ComputeRadar(ctx context.Context, q store.Querier, s area.Scope, prog Programme, day time.Time, limit int, each func(Candidate) error) (Radar, error) {
	from, to := prog.Period(day)
	rd := Radar{ProgrammeID: prog.ID, PeriodFrom: from, PeriodTo: to}
	r, err := Compile(prog.Rule)
	if err != nil {
		return rd, err
	}
	served, err := liveCasePersons(ctx, q, s, prog.ID, from)
	if err != nil {
		return rd, err
	}
	names, err := area.Names(ctx, q)
	if err != nil {
		return rd, err
	}
	start := time.Now()
	byTown := map[string]int{}
	pf := buildPrefilter(prog.Rule, day, 3)
	err = eachCandidate(ctx, q, s, day, &pf, true, false, func(c *Candidate, f *Facts) error {
		rd.Scanned++
		if served[c.ID] {
			return nil
		}
		ok, _ := r.Match(f)
		if !ok {
			return nil
		}
		rd.Total++
		byTown[f.Township]++
		shown := len(rd.Persons) < limit
		if shown || each != nil {
			c.Masked = maskSealed(c.IDNumber) // opened only for a row someone sees
		}
		if shown {
			rd.Persons = append(rd.Persons, *c)
		} else {
			rd.Truncated = true
		}
		if each != nil {
			return each(*c)
		}
		return nil
	})
	for code, n := range byTown {
		rd.Townships = append(rd.Townships, TownCount{Code: code, Name: names[code], Count: n})
	}
	sort.Slice(rd.Townships, func(i, j int) bool { return rd.Townships[i].Code < rd.Townships[j].Code })
	rd.Elapsed = time.Since(start).Round(time.Millisecond).String()
	return rd, err
}

// CountRadar is ComputeRadar's Total alone: how many active persons inside
// scope s meet the programme's rule on day and have no live case in its
// current period. It reads the persons in no particular order, so the
// engine may take the rule's age band from the birth-date index (the
// report's coverage figures at a million persons, BENCHMARKS.md).
func CountRadar(ctx context.Context, q store.Querier, s area.Scope, prog Programme, day time.Time) (int, error) {
	from, _ := prog.Period(day)
	r, err := Compile(prog.Rule)
	if err != nil {
		return 0, err
	}
	served, err := liveCasePersons(ctx, q, s, prog.ID, from)
	if err != nil {
		return 0, err
	}
	n := 0
	pf := buildPrefilter(prog.Rule, day, 3)
	err = eachCandidate(ctx, q, s, day, &pf, false, true, func(c *Candidate, f *Facts) error {
		if !served[c.ID] {
			if ok, _ := r.Match(f); ok {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Renewal is a recurring entitlement ending soon with no case for the
// next period yet.
type Renewal struct {
	Case      Case   `json:"case"`
	Programme string `json:"programme"`
	Ends      string `json:"ends"` // YYYY-MM, last month paid
}

// Renewals lists the monthly entitlements inside scope s whose last month
// (their end month, or their period's) falls within leadDays of day, and
// whose person has no live case of the programme for a later period.
func Renewals(ctx context.Context, q store.Querier, s area.Scope, day time.Time, leadDays int) ([]Renewal, error) {
	progs, err := List(ctx, q)
	if err != nil {
		return nil, err
	}
	byID := map[string]Programme{}
	for _, p := range progs {
		byID[p.ID] = p
	}
	horizon := ym(day.AddDate(0, 0, leadDays))
	now := ym(day)
	cond, args := s.Filter("c.village_code", 1)
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("c.", caseColumns)+` FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id
		WHERE g.frequency = 'monthly' AND c.status = 'entitled' AND `+cond+`
		AND NOT EXISTS (SELECT 1 FROM prog_cases n WHERE n.person_id = c.person_id AND n.programme_id = c.programme_id
			AND n.period_from > c.period_to AND n.status NOT IN ('refused', 'withdrawn'))
		ORDER BY c.village_code, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Renewal
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		ends := c.PeriodTo[:7]
		if c.EndMonth != "" && c.EndMonth < ends {
			ends = c.EndMonth
		}
		if ends >= now && ends <= horizon {
			out = append(out, Renewal{Case: c, Programme: byID[c.ProgrammeID].Name, Ends: ends})
		}
	}
	return out, rows.Err()
}
