package survey

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func itoa(n int) string { return strconv.Itoa(n) }

// prefixed qualifies each column of a list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Needs returns the ids of the persons inside s whose survey of year
// records need, in id order. A survey counts from the moment the village
// submits it until it is returned (submitted, checked or accepted): the
// visit is what found the need, and acceptance can lag months behind it,
// so programmes' service rates and the renovation list see needs at once;
// a returned survey's needs drop out until it is submitted again.
func Needs(ctx context.Context, q store.Querier, s area.Scope, year int, need Need) ([]string, error) {
	cond, args := s.Filter("village_code", 3)
	rows, err := q.QueryContext(ctx, `SELECT person_id FROM survey_needs WHERE year = $1 AND need = $2 AND `+cond+` ORDER BY person_id`,
		append([]any{year, string(need)}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// NeedCounts counts the persons inside s with each need in the surveys of
// year (as Needs); every need is in the map, 0 when none.
func NeedCounts(ctx context.Context, q store.Querier, s area.Scope, year int) (map[Need]int, error) {
	cond, args := s.Filter("village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT need, COUNT(*) FROM survey_needs WHERE year = $1 AND `+cond+` GROUP BY need`,
		append([]any{year}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Need]int{}
	for _, n := range AllNeeds {
		out[n] = 0
	}
	for rows.Next() {
		var n string
		var c int
		if err := rows.Scan(&n, &c); err != nil {
			return nil, err
		}
		out[Need(n)] = c
	}
	return out, rows.Err()
}

// Progress is the state of a round in one area.
type Progress struct {
	Code       string `json:"code"` // 12-digit area code; "" for the total
	Name       string `json:"name"`
	Total      int    `json:"total"` // tasks of persons still registered (void ones left out)
	Pending    int    `json:"pending"`
	InProgress int    `json:"in_progress"`
	Submitted  int    `json:"submitted"`
	Checked    int    `json:"checked"`
	Accepted   int    `json:"accepted"`
	Returned   int    `json:"returned"`
	Overdue    int    `json:"overdue"` // still with the village after the due date
	Done       int    `json:"done"`    // visit recorded: submitted, checked or accepted
}

// Permille is done per thousand of total, for bars.
func (p Progress) Permille() int {
	if p.Total == 0 {
		return 0
	}
	return p.Done * 1000 / p.Total
}

// Percent is done as a percentage with one decimal, for display.
func (p Progress) Percent() float64 {
	if p.Total == 0 {
		return 0
	}
	return float64(p.Done*1000/p.Total) / 10
}

func (p *Progress) add(st Status, n int, overdue bool) {
	if st == Void {
		return
	}
	p.Total += n
	switch st {
	case Pending:
		p.Pending += n
	case InProgress:
		p.InProgress += n
	case Submitted:
		p.Submitted += n
	case Checked:
		p.Checked += n
	case Accepted:
		p.Accepted += n
	case Returned:
		p.Returned += n
	}
	if st.Recorded() {
		p.Done += n
	}
	if overdue && st.Open() {
		p.Overdue += n
	}
}

// RoundProgress is a round's progress inside a scope: the total, each
// township and each village (in code order).
type RoundProgress struct {
	Round     Round      `json:"round"`
	Total     Progress   `json:"total"`
	Townships []Progress `json:"townships"`
	Villages  []Progress `json:"villages"`
}

// ProgressOf counts the tasks of year inside s by township and village,
// with one grouped query over the area index.
func ProgressOf(ctx context.Context, q store.Querier, s area.Scope, year int, today time.Time) (RoundProgress, error) {
	var rp RoundProgress
	r, err := GetRound(ctx, q, year)
	if err != nil {
		return rp, err
	}
	rp.Round = r
	overdue := r.Open() && r.Overdue(today)
	names, err := area.Names(ctx, q)
	if err != nil {
		return rp, err
	}
	cond, args := s.Filter("village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT village_code, status, COUNT(*) FROM survey_tasks WHERE year = $1 AND `+cond+`
		GROUP BY village_code, status ORDER BY village_code`, append([]any{year}, args...)...)
	if err != nil {
		return rp, err
	}
	defer rows.Close()
	vIdx, tIdx := map[string]int{}, map[string]int{}
	for rows.Next() {
		var code string
		var st Status
		var n int
		if err := rows.Scan(&code, &st, &n); err != nil {
			return rp, err
		}
		town := area.ParentOf(code)
		i, ok := vIdx[code]
		if !ok {
			i = len(rp.Villages)
			vIdx[code] = i
			rp.Villages = append(rp.Villages, Progress{Code: code, Name: names[code]})
		}
		j, ok := tIdx[town]
		if !ok {
			j = len(rp.Townships)
			tIdx[town] = j
			rp.Townships = append(rp.Townships, Progress{Code: town, Name: names[town]})
		}
		rp.Villages[i].add(st, n, overdue)
		rp.Townships[j].add(st, n, overdue)
		rp.Total.add(st, n, overdue)
	}
	return rp, rows.Err()
}

// TaskFilter narrows a task list.
type TaskFilter struct {
	Year     int
	AreaCode string // a township or village inside the scope
	Status   Status
	Overdue  bool
	Query    string // beginning of a name
	Offset   int
	Limit    int // default 100, at most 500
}

// TaskRow is a task in a list, with the person's name.
type TaskRow struct {
	Task
	Name           string `json:"name"`
	MaskedIDNumber string `json:"masked_id_number"`
	Category       int    `json:"category"`
	Grade          int    `json:"grade"`
	Overdue        bool   `json:"overdue"`
}

// ListTasks lists the tasks of a year inside s by village and name.
func ListTasks(ctx context.Context, q store.Querier, s area.Scope, f TaskFilter, today time.Time) ([]TaskRow, error) {
	r, err := GetRound(ctx, q, f.Year)
	if err != nil {
		return nil, err
	}
	overdue := r.Open() && r.Overdue(today)
	if f.AreaCode != "" {
		if !area.ValidCode(f.AreaCode) || !s.Contains(f.AreaCode) {
			return []TaskRow{}, nil
		}
		s = area.ScopeOf(f.AreaCode)
	}
	cond, args := s.Filter("t.village_code", 2)
	args = append([]any{f.Year}, args...)
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	where := "t.year = $1 AND " + cond
	switch {
	case f.Overdue && !overdue:
		return []TaskRow{}, nil
	case f.Overdue:
		where += " AND t.status IN ('pending', 'in_progress', 'returned')"
	case f.Status != "":
		where += " AND t.status = " + arg(string(f.Status))
	default:
		where += " AND t.status <> 'void'"
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += " AND p.name >= " + arg(q) + " AND p.name < " + arg(q+"\U0010FFFF")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("t.", taskColumns)+`, p.name, p.id_number, p.category, p.grade
		FROM survey_tasks t JOIN persons p ON p.id = t.person_id WHERE `+where+`
		ORDER BY t.village_code, p.name, t.id LIMIT `+itoa(f.Limit)+` OFFSET `+itoa(max(0, f.Offset)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TaskRow{}
	for rows.Next() {
		var tr TaskRow
		var answers, idn string
		if err := rows.Scan(&tr.ID, &tr.Year, &tr.PersonID, &tr.VillageCode, &tr.Status, &answers, &tr.VisitedOn, &tr.ReturnNote,
			&tr.SubmittedBy, &tr.SubmittedAt, &tr.CheckedBy, &tr.CheckedAt, &tr.AcceptedBy, &tr.AcceptedAt, &tr.CreatedAt,
			&tr.UpdatedAt, &tr.Version, &tr.Name, &idn, &tr.Category, &tr.Grade); err != nil {
			return nil, err
		}
		if tr.MaskedIDNumber, err = registry.MaskSealedIDNumber(idn); err != nil {
			return nil, err
		}
		tr.Overdue = overdue && tr.Status.Open()
		out = append(out, tr)
	}
	return out, rows.Err()
}
