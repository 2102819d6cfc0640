package device

import (
	"context"
	"slices"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// StatRow is one line of the figures.
type StatRow struct {
	Key  string `json:"key"` // kind code, township code, or "" for the total
	Name string `json:"name"`
	// The inventory now (items kept inside the scope).
	InStock  int `json:"in_stock"`
	InRepair int `json:"in_repair"`
	// Loans of persons inside the scope.
	OnLoan        int `json:"on_loan"`        // on loan at the end of the period
	LoansMade     int `json:"loans_made"`     // lent in the period
	PersonsServed int `json:"persons_served"` // held a device at any time in the period
	Overdue       int `json:"overdue"`        // on loan and past due at the end of the period
	Returned      int `json:"returned"`       // returned in the period
	Lost          int `json:"lost"`           // reported lost in the period
}

// Stats are the pilot's figures for the report.
type Stats struct {
	From       string    `json:"from"`
	To         string    `json:"to"`
	Total      StatRow   `json:"total"`
	ByKind     []StatRow `json:"by_kind"`
	ByTownship []StatRow `json:"by_township"` // the county centre's stock under the county's code
}

// Figures counts the pilot inside scope s for the period from–to
// (YYYY-MM-DD, both included). Stock figures are the inventory now, by
// where items are kept; loan figures follow the person's township and are
// taken as at the period's last day (on loan, overdue) or over the period
// (made, served, returned, lost), so a past year gives the same answer
// later.
func Figures(ctx context.Context, q store.Querier, s area.Scope, from, to string) (Stats, error) {
	st := Stats{From: from, To: to}
	names, err := area.Names(ctx, q)
	if err != nil {
		return st, err
	}
	kinds, err := ListKinds(ctx, q)
	if err != nil {
		return st, err
	}
	byKind, byTown := map[string]*StatRow{}, map[string]*StatRow{}
	for _, k := range kinds {
		byKind[k.ID] = &StatRow{Key: k.Code, Name: k.Name}
	}
	town := func(code string) *StatRow {
		t := code
		if area.LevelOf(code) == area.Village {
			t = area.ParentOf(code)
		}
		r, ok := byTown[t]
		if !ok {
			r = &StatRow{Key: t, Name: names[t]}
			byTown[t] = r
		}
		return r
	}
	rows := func(kind string, where string) []*StatRow {
		return []*StatRow{&st.Total, byKind[kind], town(where)}
	}
	cond, args := s.Filter("location_code", 1)
	irows, err := q.QueryContext(ctx, `SELECT kind_id, location_code, status, COUNT(*) FROM device_items WHERE `+cond+` GROUP BY kind_id, location_code, status`, args...)
	if err != nil {
		return st, err
	}
	for irows.Next() {
		var kind, loc, status string
		var n int
		if err := irows.Scan(&kind, &loc, &status, &n); err != nil {
			irows.Close()
			return st, err
		}
		for _, r := range rows(kind, loc) {
			switch ItemStatus(status) {
			case InStock:
				r.InStock += n
			case InRepair:
				r.InRepair += n
			}
		}
	}
	irows.Close()
	if err := irows.Err(); err != nil {
		return st, err
	}
	// Loans that began by the period's end and had not ended before it.
	cond, args = s.Filter("village_code", 1)
	lrows, err := q.QueryContext(ctx, `SELECT kind_id, village_code, person_id, lent_on, due_on, status, returned_on, lost_on FROM device_loans
		WHERE `+cond+` AND lent_on <= $3 AND (status = 'open' OR returned_on >= $4 OR lost_on >= $4)`, append(args, to, from)...)
	if err != nil {
		return st, err
	}
	defer lrows.Close()
	served := map[*StatRow]map[string]bool{}
	for lrows.Next() {
		var kind, village, person, lent, due, status, returned, lost string
		if err := lrows.Scan(&kind, &village, &person, &lent, &due, &status, &returned, &lost); err != nil {
			return st, err
		}
		ended := returned
		if lost != "" {
			ended = lost
		}
		heldAtEnd := status == string(LoanOpen) || ended > to
		for _, r := range rows(kind, village) {
			if r == nil {
				continue
			}
			if served[r] == nil {
				served[r] = map[string]bool{}
			}
			served[r][person] = true
			if lent >= from {
				r.LoansMade++
			}
			if heldAtEnd {
				r.OnLoan++
				if due < to {
					r.Overdue++
				}
			}
			if returned != "" && returned >= from && returned <= to {
				r.Returned++
			}
			if lost != "" && lost >= from && lost <= to {
				r.Lost++
			}
		}
	}
	if err := lrows.Err(); err != nil {
		return st, err
	}
	for r, ps := range served {
		r.PersonsServed = len(ps)
	}
	for _, k := range kinds {
		if r := byKind[k.ID]; *r != (StatRow{Key: r.Key, Name: r.Name}) {
			st.ByKind = append(st.ByKind, *r)
		}
	}
	for _, r := range byTown {
		st.ByTownship = append(st.ByTownship, *r)
	}
	slices.SortFunc(st.ByTownship, func(a, b StatRow) int { return strings.Compare(a.Key, b.Key) })
	return st, nil
}
