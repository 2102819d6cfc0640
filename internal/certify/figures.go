package certify

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Outcomes of an application for the figures.
var Outcomes = []string{"done", "not_qualified", "rejected", "withdrawn", "open"}

func outcomeOf(s Status) string {
	switch s {
	case Delivered, Completed:
		return "done"
	case NotQualified, Closed:
		return "not_qualified"
	case Rejected:
		return "rejected"
	case Withdrawn:
		return "withdrawn"
	}
	return "open"
}

// Tally is one set of figures: the county's or a township's.
type Tally struct {
	Code            string                  `json:"code"` // township code; "" for the total
	Name            string                  `json:"name"`
	Sessions        int                     `json:"sessions_held"`
	HomeAssessments int                     `json:"home_assessments"`
	Applications    int                     `json:"applications"`
	ByType          map[Type]map[string]int `json:"by_type_outcome"`
	Issued          int                     `json:"certificates_issued"`
	Renewed         int                     `json:"certificates_renewed"`
	Delivered       int                     `json:"delivered"`
	AvgDays         float64                 `json:"avg_days_to_delivery"`
	Finished        int                     `json:"finished"`
	OnTime          int                     `json:"finished_on_time"`
	OnTimeRate      float64                 `json:"on_time_rate"` // per cent
	Visits          float64                 `json:"visits_per_application"`
	OneVisitRate    float64                 `json:"at_most_one_visit_rate"` // per cent, the 最多跑一次 goal
	sessions        map[string]bool
	days, visits    int
	oneVisit        int
}

// Figures are the certification figures of the report for a period, in
// total and by township.
type Figures struct {
	From      string  `json:"from"`
	To        string  `json:"to"`
	Total     Tally   `json:"total"`
	Townships []Tally `json:"townships"`
}

func newTally(code, name string) *Tally {
	t := &Tally{Code: code, Name: name, ByType: map[Type]map[string]int{}, sessions: map[string]bool{}}
	for _, ty := range Types {
		t.ByType[ty] = map[string]int{}
	}
	return t
}

func inPeriod(day, from, to string) bool { return day != "" && day >= from && day <= to }

// ComputeFigures counts the applications inside scope s for the days
// from..to (YYYY-MM-DD, both included):
//   - sessions held: held sessions of the period with an applicant from the area;
//   - home assessments: assessments at home recorded in the period;
//   - applications by type and outcome: those filed in the period, by where they stand now;
//   - certificates issued and renewed in the period;
//   - average days from filing to delivery, for those delivered in the period;
//   - on-time rate: of those finished in the period, the share with no stage past its limit;
//   - visits per application and the share with at most one, for those finished in the period.
func ComputeFigures(ctx context.Context, q store.Querier, s area.Scope, from, to string) (Figures, error) {
	f := Figures{From: from, To: to}
	cond, args := s.Filter("village_code", 1)
	rows, err := q.QueryContext(ctx, appSelect+` WHERE `+cond+` AND filed_on <= $3 AND (closed_on = '' OR closed_on >= $4)`, append(args, to, from)...)
	if err != nil {
		return f, err
	}
	var apps []Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			rows.Close()
			return f, err
		}
		apps = append(apps, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	held := map[string]bool{}
	srows, err := q.QueryContext(ctx, `SELECT id FROM cert_sessions WHERE status = $1 AND day >= $2 AND day <= $3`, SessionHeld, from, to)
	if err != nil {
		return f, err
	}
	for srows.Next() {
		var id string
		if err := srows.Scan(&id); err != nil {
			srows.Close()
			return f, err
		}
		held[id] = true
	}
	srows.Close()
	names, err := area.Names(ctx, q)
	if err != nil {
		return f, err
	}
	total := newTally("", "")
	towns := map[string]*Tally{}
	for _, a := range apps {
		code := area.ParentOf(a.VillageCode)
		t := towns[code]
		if t == nil {
			t = newTally(code, names[code])
			towns[code] = t
		}
		for _, x := range []*Tally{total, t} {
			x.add(a, held, from, to)
		}
	}
	// A county-wide view counts every held session, booked from here or not.
	if s.IsAll() || area.LevelOf(s.Code()) != area.Township && area.LevelOf(s.Code()) != area.Village {
		for id := range held {
			total.sessions[id] = true
		}
	}
	f.Total = total.finish()
	for _, t := range towns {
		f.Townships = append(f.Townships, t.finish())
	}
	sort.Slice(f.Townships, func(i, j int) bool { return f.Townships[i].Code < f.Townships[j].Code })
	return f, nil
}

func (t *Tally) add(a Application, held map[string]bool, from, to string) {
	if a.SessionID != "" && held[a.SessionID] && inPeriod(a.AssessDay, from, to) && a.AssessedAt != "" {
		t.sessions[a.SessionID] = true
	}
	if a.Home && a.AssessedAt != "" && inPeriod(localDay(a.AssessedAt), from, to) {
		t.HomeAssessments++
	}
	if inPeriod(a.FiledOn, from, to) {
		t.Applications++
		t.ByType[a.Type][outcomeOf(a.Status)]++
	}
	if inPeriod(a.IssuedOn, from, to) {
		if a.Type == TypeRenew {
			t.Renewed++
		} else {
			t.Issued++
		}
	}
	if inPeriod(a.DeliveredOn, from, to) {
		t.Delivered++
		f, _ := time.Parse(time.DateOnly, a.FiledOn)
		d, _ := time.Parse(time.DateOnly, a.DeliveredOn)
		t.days += int(d.Sub(f).Hours() / 24)
	}
	if a.Status != Withdrawn && a.Status.Final() && inPeriod(a.ClosedOn, from, to) {
		t.Finished++
		if a.LateStages == 0 {
			t.OnTime++
		}
		t.visits += a.Visits
		if a.Visits <= 1 {
			t.oneVisit++
		}
	}
}

func (t *Tally) finish() Tally {
	t.Sessions = len(t.sessions)
	if t.Delivered > 0 {
		t.AvgDays = round1(float64(t.days) / float64(t.Delivered))
	}
	if t.Finished > 0 {
		t.OnTimeRate = round1(100 * float64(t.OnTime) / float64(t.Finished))
		t.Visits = round1(float64(t.visits) / float64(t.Finished))
		t.OneVisitRate = round1(100 * float64(t.oneVisit) / float64(t.Finished))
	}
	return *t
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// localDay is the county's date of a stored instant.
func localDay(instant string) string {
	t, err := store.ParseTime(instant)
	if err != nil {
		return ""
	}
	return t.Local().Format(time.DateOnly)
}
