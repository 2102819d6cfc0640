package report

import (
	"context"
	"sort"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Column is one indicator of the township comparison.
type Column struct {
	Key  string
	Name string
	Unit string
}

// Cell is one township's figure.
type Cell struct {
	Value  string
	Number float64
	tenths int64
	Href   string
}

// TownshipRow is one township.
type TownshipRow struct {
	Code  string
	Name  string
	Cells []Cell
}

// TownshipTable is every computed indicator by township.
type TownshipTable struct {
	Period  indicator.Period
	Columns []Column
	Rows    []TownshipRow
	Sort    string // "" township order, else a column's key
	Desc    bool
}

// Townships computes every recorded indicator for each township inside s,
// sorted by the column sortKey ("" keeps township order).
func Townships(ctx context.Context, q store.Querier, l i18n.Lang, s area.Scope, p indicator.Period, sortKey string, desc bool) (*TownshipTable, error) {
	t := &TownshipTable{Period: p, Desc: desc}
	var inds []indicator.Indicator
	for _, ind := range indicator.All() {
		if ind.Recorded() {
			inds = append(inds, ind)
			t.Columns = append(t.Columns, Column{Key: ind.Key, Name: i18n.T(l, ind.NameKey), Unit: ind.Unit})
			if ind.Key == sortKey {
				t.Sort = sortKey
			}
		}
	}
	areas, err := area.InScope(ctx, q, s)
	if err != nil {
		return nil, err
	}
	for _, a := range areas {
		if a.Level != area.Township {
			continue
		}
		row := TownshipRow{Code: a.Code, Name: a.Name}
		results, err := indicator.EvaluateList(ctx, q, inds, area.ScopeOf(a.Code), p)
		if err != nil {
			return nil, err
		}
		for _, r := range results {
			row.Cells = append(row.Cells, Cell{Value: r.Value.String(), Number: r.Value.Float(), tenths: sortable(r.Value), Href: r.Href})
		}
		t.Rows = append(t.Rows, row)
	}
	if t.Sort != "" {
		col := 0
		for i, c := range t.Columns {
			if c.Key == t.Sort {
				col = i
			}
		}
		sort.SliceStable(t.Rows, func(i, j int) bool {
			a, b := t.Rows[i].Cells[col].tenths, t.Rows[j].Cells[col].tenths
			if desc {
				return a > b
			}
			return a < b
		})
	}
	return t, nil
}

// sortable orders undefined rates (nothing to count) before every value.
func sortable(v indicator.Value) int64 {
	if !v.Defined() {
		return -1
	}
	return v.Tenths()
}
