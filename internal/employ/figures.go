package employ

import (
	"context"
	"sort"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// TownshipRow is the persons employed in one township on the period's
// end, by form.
type TownshipRow struct {
	Code   string         `json:"code"`
	Name   string         `json:"name"`
	ByForm map[string]int `json:"by_form"`
	Total  int            `json:"total"` // distinct persons (one may work in two forms)
}

// Target is a figure set against the report's target.
type Target struct {
	Key    string `json:"key"`
	Actual int    `json:"actual"`
	Target int    `json:"target"`
	Met    bool   `json:"met"`
}

// Stats are the employment figures of the report for a period and scope.
// Each is defined where it is computed (Figures).
type Stats struct {
	From string `json:"from"`
	To   string `json:"to"`

	Employed        int            `json:"employed"`
	EmployedByForm  map[string]int `json:"employed_by_form"`
	Townships       []TownshipRow  `json:"townships"`
	IncomeAbove     int            `json:"income_at_least_threshold"`
	IncomeThreshold int64          `json:"income_threshold_fen"`
	IncomeShare     float64        `json:"income_share_percent"`

	PersonTimes      int    `json:"training_person_times"`
	PersonTimesBasis string `json:"person_times_basis"`
	Courses          int    `json:"courses"`

	Projects    int   `json:"projects_supported"`
	GrantsTotal int64 `json:"grants_total_fen"`

	Greenhouses     int            `json:"greenhouses"`
	Bases           int            `json:"bases"`
	BaseWorkers     map[string]int `json:"base_workers_by_role"`
	BaseWorkerTotal int            `json:"base_workers"`

	WishesCollected int     `json:"wishes_collected"`
	WishesFulfilled int     `json:"wishes_fulfilled"`
	WishesRate      float64 `json:"wishes_fulfilled_percent"`

	Campaigns   int `json:"campaigns"`
	Reach       int `json:"campaign_reach"`
	Suggestions int `json:"suggestions"`

	Targets []Target `json:"targets"`
}

// pct is part/whole in per cent, to one decimal.
func pct(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part*1000/whole) / 10
}

// Figures computes the employment figures of persons and places in scope
// s for the days from..to (YYYY-MM-DD, both included):
//   - employed: distinct persons with a record covering the period's end
//     (to), by form and by township of the household village; a person
//     working in two forms counts once in the total and once in each form;
//   - income share: of those, the share whose covering records together
//     bring at least the income threshold a month (Default ¥3,000);
//   - training person-times on the settings' basis (Default: completions
//     in the period) and the courses begun in the period;
//   - projects: supported (support granted) in the period, and their grants;
//   - greenhouses and bases: those open on the period's end (opened by
//     then, not closed before it), and the persons employed at bases on
//     the period's end by role;
//   - wishes collected in the period, and of those the ones fulfilled;
//   - campaigns begun in the period, with everyone they reached and every
//     suggestion collected (counted inside the scope: a county campaign
//     counts for a township only with the township's named persons).
func Figures(ctx context.Context, q store.Querier, s area.Scope, from, to string) (Stats, error) {
	st := Stats{From: from, To: to, EmployedByForm: map[string]int{}, BaseWorkers: map[string]int{}}
	set, err := LoadSettings(ctx, q)
	if err != nil {
		return st, err
	}
	st.IncomeThreshold, st.PersonTimesBasis = set.IncomeThreshold, set.PersonTimesBasis
	names, err := area.Names(ctx, q)
	if err != nil {
		return st, err
	}

	// Employed on the period's end: one row per covering record.
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT r.person_id, r.form, r.monthly_income, p.village_code FROM emp_records r JOIN persons p ON p.id = r.person_id
		WHERE `+coversSQL(1)+` AND `+cond, append([]any{to}, args...)...)
	if err != nil {
		return st, err
	}
	income := map[string]int64{}
	towns := map[string]*TownshipRow{}
	seenForm := map[[2]string]bool{}
	for rows.Next() {
		var pid, form, village string
		var inc int64
		if err := rows.Scan(&pid, &form, &inc, &village); err != nil {
			rows.Close()
			return st, err
		}
		tcode := area.ParentOf(village)
		t := towns[tcode]
		if t == nil {
			t = &TownshipRow{Code: tcode, Name: names[tcode], ByForm: map[string]int{}}
			towns[tcode] = t
		}
		if _, seen := income[pid]; !seen {
			st.Employed++
			t.Total++
		}
		income[pid] += inc
		if k := [2]string{pid, form}; !seenForm[k] {
			seenForm[k] = true
			st.EmployedByForm[form]++
			t.ByForm[form]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for _, inc := range income {
		if inc >= set.IncomeThreshold {
			st.IncomeAbove++
		}
	}
	st.IncomeShare = pct(st.IncomeAbove, st.Employed)
	for _, t := range towns {
		st.Townships = append(st.Townships, *t)
	}
	sort.Slice(st.Townships, func(i, j int) bool { return st.Townships[i].Code < st.Townships[j].Code })

	// Training.
	if st.PersonTimes, err = PersonTimes(ctx, q, s, from, to, set.PersonTimesBasis); err != nil {
		return st, err
	}
	courses, err := ListCourses(ctx, q, s, from, to)
	if err != nil {
		return st, err
	}
	for _, c := range courses {
		if s.Contains(c.AreaCode) {
			st.Courses++
		}
	}

	// Projects supported in the period.
	cond, args = s.Filter("p.village_code", 3)
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(CAST(SUM(j.grant_fen) AS BIGINT), 0) FROM emp_projects j JOIN persons p ON p.id = j.person_id
		WHERE j.status IN ('supported', 'closed') AND j.supported_on >= $1 AND j.supported_on <= $2 AND `+cond, append([]any{from, to}, args...)...).
		Scan(&st.Projects, &st.GrantsTotal); err != nil {
		return st, err
	}

	// Greenhouses and bases open on the period's end, and base workers.
	places, err := ListPlaces(ctx, q, s, to)
	if err != nil {
		return st, err
	}
	for _, l := range places {
		if l.OpenedOn > to || (l.ClosedOn != "" && l.ClosedOn < to) {
			continue
		}
		if l.Kind == PlaceGreenhouse {
			st.Greenhouses++
		} else {
			st.Bases++
		}
	}
	cond, args = s.Filter("l.area_code", 2)
	rows, err = q.QueryContext(ctx, `SELECT w.role, COUNT(*) FROM emp_place_workers w JOIN emp_places l ON l.id = w.place_id
		WHERE l.kind IN ('support', 'training') AND w.start_date <= $1 AND (w.end_date = '' OR w.end_date >= $1) AND `+cond+` GROUP BY w.role`,
		append([]any{to}, args...)...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var role string
		var n int
		if err := rows.Scan(&role, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.BaseWorkers[role] = n
		st.BaseWorkerTotal += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}

	// Wishes collected in the period, and of those the fulfilled.
	cond, args = s.Filter("p.village_code", 3)
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN w.status = 'fulfilled' AND w.closed_on <= $2 THEN 1 ELSE 0 END), 0)
		FROM emp_wishes w JOIN persons p ON p.id = w.person_id WHERE w.recorded_on >= $1 AND w.recorded_on <= $2 AND `+cond, append([]any{from, to}, args...)...).
		Scan(&st.WishesCollected, &st.WishesFulfilled); err != nil {
		return st, err
	}
	st.WishesRate = pct(st.WishesFulfilled, st.WishesCollected)

	// Campaigns begun in the period: those held in the scope count whole;
	// a county campaign seen from a township counts its named persons there.
	camps, err := ListCampaigns(ctx, q, s, from, to)
	if err != nil {
		return st, err
	}
	for _, c := range camps {
		if s.Contains(c.AreaCode) {
			st.Campaigns++
			st.Reach += c.Reach()
			st.Suggestions += c.Suggestions()
			continue
		}
		named, err := CampaignPersons(ctx, q, s, c.ID)
		if err != nil {
			return st, err
		}
		st.Reach += len(named)
	}

	st.Targets = []Target{
		{Key: "training", Actual: st.PersonTimes, Target: set.TargetTraining},
		{Key: "projects", Actual: st.Projects, Target: set.TargetProjects},
		{Key: "greenhouses", Actual: st.Greenhouses, Target: set.TargetGreenhouses},
		{Key: "bases", Actual: st.Bases, Target: set.TargetBases},
	}
	for i := range st.Targets {
		st.Targets[i].Met = st.Targets[i].Actual >= st.Targets[i].Target
	}
	return st, nil
}
