package renovate

import (
	"context"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Counts are the figures of one area. Stages are as the list stands now;
// Completed and Spent count what happened between From and To.
type Counts struct {
	Listed            int   `json:"listed"`             // households on the year's list, not cancelled
	Requested         int   `json:"requested"`          // waiting for the survey visit
	InPreparation     int   `json:"in_preparation"`     // 前期设计、改造筹备: surveyed, planned, approved
	UnderConstruction int   `json:"under_construction"` // 施工中
	Completed         int   `json:"completed"`          // 完成改造: accepted (or paid) in the period
	Paid              int   `json:"paid"`               // paid in the period
	Cancelled         int   `json:"cancelled"`
	CommittedFen      int64 `json:"committed_fen"` // approved plans not cancelled
	SpentFen          int64 `json:"spent_fen"`     // paid in the period
	Need              int   `json:"need"`          // households with a renovation need
	CoveragePermille  int   `json:"coverage_permille"`
}

// TownshipCounts are one township's figures.
type TownshipCounts struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Counts
}

// Stats are the renovation figures of a year: the report's three numbers
// (planned = the year's target, completed, in design or preparation),
// spending against the budget, and coverage = households renovated /
// households with a renovation need, for the scope and by township.
type Stats struct {
	Year           int              `json:"year"`
	From           string           `json:"from"`
	To             string           `json:"to"`
	Plan           YearPlan         `json:"plan"`
	Total          Counts           `json:"total"`
	Townships      []TownshipCounts `json:"townships"`
	NeedFromSurvey bool             `json:"need_from_survey"` // false: need = households on the list
	TargetMet      bool             `json:"target_met"`
	CoverageMet    bool             `json:"coverage_met"`
}

// Period checks a figures period inside year; empty ends default to the
// year's first and last day.
func Period(year int, from, to string) (string, string, error) {
	var es validate.Errors
	if from == "" {
		from = strconv.Itoa(year) + "-01-01"
	}
	if to == "" {
		to = strconv.Itoa(year) + "-12-31"
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) || year < 2000 || year > 2100 {
		es.Add(0, "renovate.figures.period", "renovate.error.period")
		return from, to, es
	}
	return from, to, nil
}

// Figures computes the figures of year inside s for the period [from, to]
// (YYYY-MM-DD, both included; "" for the whole year).
func Figures(ctx context.Context, q store.Querier, s area.Scope, year int, from, to string) (Stats, error) {
	from, to, err := Period(year, from, to)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Year: year, From: from, To: to, NeedFromSurvey: NeedCount != nil}
	if st.Plan, err = LoadYear(ctx, q, year); err != nil {
		return st, err
	}
	all, err := area.InScope(ctx, q, s)
	if err != nil {
		return st, err
	}
	names := map[string]string{}
	idx := map[string]int{}
	for _, a := range all {
		names[a.Code] = a.Name
		if a.Level == area.Township {
			idx[a.Code] = len(st.Townships)
			st.Townships = append(st.Townships, TownshipCounts{Code: a.Code, Name: a.Name})
		}
	}
	cond, args := s.Filter("village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT village_code, status, accepted_on, paid_on, paid_fen, total_fen FROM renovations WHERE year = $1 AND `+cond,
		append([]any{year}, args...)...)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var village, acceptedOn, paidOn string
		var status Status
		var paid, total int64
		if err := rows.Scan(&village, &status, &acceptedOn, &paidOn, &paid, &total); err != nil {
			return st, err
		}
		town := area.ParentOf(village)
		i, ok := idx[town]
		if !ok {
			// A township added after the list was made: keep its row.
			idx[town] = len(st.Townships)
			i = idx[town]
			st.Townships = append(st.Townships, TownshipCounts{Code: town, Name: names[town]})
		}
		for _, c := range []*Counts{&st.Total, &st.Townships[i].Counts} {
			c.add(status, acceptedOn, paidOn, paid, total, from, to)
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	for i := range st.Townships {
		c := &st.Townships[i].Counts
		if NeedCount != nil {
			if c.Need, err = NeedCount(ctx, q, area.ScopeOf(st.Townships[i].Code), year); err != nil {
				return st, err
			}
		} else {
			c.Need = c.Listed
		}
		c.CoveragePermille = permille(c.Completed, c.Need)
	}
	if NeedCount != nil {
		if st.Total.Need, err = NeedCount(ctx, q, s, year); err != nil {
			return st, err
		}
	} else {
		st.Total.Need = st.Total.Listed
	}
	st.Total.CoveragePermille = permille(st.Total.Completed, st.Total.Need)
	st.TargetMet = st.Total.Completed >= st.Plan.Target
	st.CoverageMet = st.Total.Need > 0 && st.Total.CoveragePermille >= st.Plan.CoverageGoalPermille
	return st, nil
}

func (c *Counts) add(status Status, acceptedOn, paidOn string, paid, total int64, from, to string) {
	if status == Cancelled {
		c.Cancelled++
		return
	}
	c.Listed++
	switch {
	case status == Requested:
		c.Requested++
	case status.InPreparation():
		c.InPreparation++
	case status == Construction:
		c.UnderConstruction++
	}
	if status == Approved || status == Construction || status.Completed() {
		c.CommittedFen += total
	}
	if status.Completed() && acceptedOn >= from && acceptedOn <= to {
		c.Completed++
	}
	if status == Paid && paidOn >= from && paidOn <= to {
		c.Paid++
		c.SpentFen += paid
	}
}

// permille is n/d in thousandths, rounded down (0 when d is 0), so 90 %
// is met only when really met.
func permille(n, d int) int {
	if d <= 0 {
		return 0
	}
	return n * 1000 / d
}

// Percent renders a per-mille share as a percentage with one decimal.
func Percent(pm int) string { return strconv.Itoa(pm/10) + "." + strconv.Itoa(pm%10) }
