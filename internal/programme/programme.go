package programme

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kind is what a programme gives.
type Kind string

// Kinds.
const (
	KindCash    Kind = "cash"    // 现金补贴
	KindService Kind = "service" // 服务（康复、托养）
	KindDevice  Kind = "device"  // 辅助器具
	KindGrant   Kind = "grant"   // 资助（助学）
)

// Kinds in display order.
var Kinds = []Kind{KindCash, KindService, KindDevice, KindGrant}

// Pays reports whether the kind pays money through payment batches.
func (k Kind) Pays() bool { return k == KindCash || k == KindGrant }

// Frequency is how the benefit of a case falls due.
type Frequency string

// Frequencies.
const (
	Monthly Frequency = "monthly" // an instalment every month from the month of application
	OneOff  Frequency = "one_off" // one amount for the case
	ByClaim Frequency = "claim"   // claims against receipts, each approved
)

// Frequencies in display order.
var Frequencies = []Frequency{Monthly, OneOff, ByClaim}

// Tier is one line of the benefit standard: an amount (per month for a
// monthly programme, per case otherwise) for the persons whose condition
// holds. The first tier whose condition holds applies.
type Tier struct {
	Key         string `json:"key"`
	Label       string `json:"label"`
	AmountFen   int64  `json:"amount_fen"`
	Condition   string `json:"condition,omitempty"`
	Provisional bool   `json:"provisional"` // a RULES.md Default placeholder, shown as such
}

// Programme is one programme (扶助项目).
type Programme struct {
	ID             string    `json:"id"`
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	Kind           Kind      `json:"kind"`
	Frequency      Frequency `json:"frequency"`
	PeriodFrom     string    `json:"period_from,omitempty"` // "" = every calendar year
	PeriodTo       string    `json:"period_to,omitempty"`
	WindowFrom     string    `json:"window_from,omitempty"` // MM-DD
	WindowTo       string    `json:"window_to,omitempty"`
	WindowSubtypes []string  `json:"window_subtypes,omitempty"`
	Subtypes       []string  `json:"subtypes,omitempty"`
	Rule           string    `json:"rule"`
	RuleNote       string    `json:"rule_note"`
	AnnualCapFen   int64     `json:"annual_cap_fen"`
	Target         int       `json:"target"`
	BudgetFen      int64     `json:"budget_fen"`
	PayFamily      bool      `json:"pay_family"`
	Active         bool      `json:"active"`
	Tiers          []Tier    `json:"tiers"`
	CreatedAt      string    `json:"created_at"`
	UpdatedAt      string    `json:"updated_at"`
	Version        int       `json:"version"`
}

// Period is the period a case filed on day belongs to: the programme's
// fixed dates, or the calendar year of day.
func (p Programme) Period(day time.Time) (from, to string) {
	if p.PeriodFrom != "" {
		return p.PeriodFrom, p.PeriodTo
	}
	y := strconv.Itoa(day.Year())
	return y + "-01-01", y + "-12-31"
}

// InWindow reports whether an application of subtype may be filed on day.
func (p Programme) InWindow(day time.Time, subtype string) bool {
	if p.WindowFrom == "" || len(p.WindowSubtypes) > 0 && !slices.Contains(p.WindowSubtypes, subtype) {
		return true
	}
	md := day.Format("01-02")
	if p.WindowFrom <= p.WindowTo {
		return md >= p.WindowFrom && md <= p.WindowTo
	}
	return md >= p.WindowFrom || md <= p.WindowTo // a window over the new year
}

// Provisional reports whether any amount is still a Default placeholder.
func (p Programme) Provisional() bool {
	for _, t := range p.Tiers {
		if t.Provisional {
			return true
		}
	}
	return false
}

// Tier returns the tier with key.
func (p Programme) Tier(key string) (Tier, bool) {
	for _, t := range p.Tiers {
		if t.Key == key {
			return t, true
		}
	}
	return Tier{}, false
}

const progColumns = `id, code, name, kind, frequency, period_from, period_to, window_from, window_to, window_subtypes, subtypes,
	rule, rule_note, annual_cap_fen, target, budget_fen, pay_family, active, created_at, updated_at, version`

func scanProgramme(row interface{ Scan(...any) error }) (Programme, error) {
	var p Programme
	var ws, st string
	err := row.Scan(&p.ID, &p.Code, &p.Name, &p.Kind, &p.Frequency, &p.PeriodFrom, &p.PeriodTo, &p.WindowFrom, &p.WindowTo, &ws, &st,
		&p.Rule, &p.RuleNote, &p.AnnualCapFen, &p.Target, &p.BudgetFen, &p.PayFamily, &p.Active, &p.CreatedAt, &p.UpdatedAt, &p.Version)
	p.WindowSubtypes, p.Subtypes = splitList(ws), splitList(st)
	return p, err
}

func (p *Programme) values() []any {
	return []any{p.ID, p.Code, p.Name, string(p.Kind), string(p.Frequency), p.PeriodFrom, p.PeriodTo, p.WindowFrom, p.WindowTo,
		strings.Join(p.WindowSubtypes, ","), strings.Join(p.Subtypes, ","), p.Rule, p.RuleNote, p.AnnualCapFen, p.Target, p.BudgetFen,
		p.PayFamily, p.Active, p.CreatedAt, p.UpdatedAt, p.Version}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' }) {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func loadTiers(ctx context.Context, q store.Querier, ps []Programme) error {
	idx := map[string]int{}
	for i, p := range ps {
		idx[p.ID] = i
		ps[i].Tiers = nil
	}
	rows, err := q.QueryContext(ctx, `SELECT programme_id, key, label, amount_fen, condition, provisional FROM prog_tiers ORDER BY programme_id, seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t Tier
		if err := rows.Scan(&id, &t.Key, &t.Label, &t.AmountFen, &t.Condition, &t.Provisional); err != nil {
			return err
		}
		if i, ok := idx[id]; ok {
			ps[i].Tiers = append(ps[i].Tiers, t)
		}
	}
	return rows.Err()
}

// List returns every programme (programmes are county-wide), in the order
// they were configured.
func List(ctx context.Context, q store.Querier) ([]Programme, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+progColumns+` FROM prog_programmes ORDER BY created_at, code`)
	if err != nil {
		return nil, err
	}
	var out []Programme
	for rows.Next() {
		p, err := scanProgramme(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadTiers(ctx, q, out)
}

// Get returns one programme by id.
func Get(ctx context.Context, q store.Querier, id string) (Programme, error) {
	return getWhere(ctx, q, "id", id)
}

// GetByCode returns one programme by its code.
func GetByCode(ctx context.Context, q store.Querier, code string) (Programme, error) {
	return getWhere(ctx, q, "code", code)
}

func getWhere(ctx context.Context, q store.Querier, col, v string) (Programme, error) {
	p, err := scanProgramme(q.QueryRowContext(ctx, `SELECT `+progColumns+` FROM prog_programmes WHERE `+col+` = $1`, v))
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	if err != nil {
		return p, err
	}
	ps := []Programme{p}
	err = loadTiers(ctx, q, ps)
	return ps[0], err
}

// Limits of a programme's text.
const (
	MaxNameLength = 60
	MaxNoteLength = 1000
	MaxTiers      = 12
)

// ActionProgrammeSave is the audit action of a programme change.
const ActionProgrammeSave = "programme.save"

// Save checks and stores a programme (a new one when p.ID is ""): name,
// kind and frequency, dates, window (MM-DD), the rule and every tier's
// condition compiled (a bad one is refused with CEL's own message),
// amounts, target and budget not negative. version is what the editor saw
// (0 skips the check). A tier whose amount is changed is no longer a
// provisional Default. Nothing is written if anything is wrong.
func Save(ctx context.Context, tx *store.Tx, p Programme, version int) (Programme, error) {
	var es validate.Errors
	var before *Programme
	if p.ID != "" {
		old, err := Get(ctx, tx, p.ID)
		if err != nil {
			return p, err
		}
		if version != 0 && version != old.Version {
			return p, validate.Errors{{Key: "programme.error.stale"}}
		}
		before = &old
		p.Code, p.CreatedAt, p.Version = old.Code, old.CreatedAt, old.Version
		for i, t := range p.Tiers {
			if ot, ok := old.Tier(t.Key); ok && ot.Provisional && ot.AmountFen == t.AmountFen {
				p.Tiers[i].Provisional = true
			}
		}
	} else {
		p.Code = strings.TrimSpace(p.Code)
		if es.Required(0, "programme.code", p.Code) && !validCode(p.Code) {
			es.Add(0, "programme.code", "programme.error.code")
		} else if p.Code != "" {
			if _, err := GetByCode(ctx, tx, p.Code); err == nil {
				es.Add(0, "programme.code", "programme.error.code_taken", p.Code)
			} else if !errors.Is(err, store.ErrNotFound) {
				return p, err
			}
		}
	}
	p.Name = strings.TrimSpace(p.Name)
	if es.Required(0, "programme.name", p.Name) && utf8.RuneCountInString(p.Name) > MaxNameLength {
		es.Add(0, "programme.name", "programme.error.too_long", MaxNameLength)
	}
	if !slices.Contains(Kinds, p.Kind) {
		es.Add(0, "programme.kind", "validate.choose")
	}
	if !slices.Contains(Frequencies, p.Frequency) {
		es.Add(0, "programme.frequency", "validate.choose")
	}
	if p.Frequency == ByClaim && !p.Kind.Pays() || p.Frequency == Monthly && !p.Kind.Pays() {
		es.Add(0, "programme.frequency", "programme.error.frequency_kind")
	}
	p.PeriodFrom, p.PeriodTo = strings.TrimSpace(p.PeriodFrom), strings.TrimSpace(p.PeriodTo)
	if p.PeriodFrom != "" || p.PeriodTo != "" {
		f, e1 := time.Parse(time.DateOnly, p.PeriodFrom)
		t, e2 := time.Parse(time.DateOnly, p.PeriodTo)
		switch {
		case e1 != nil || e2 != nil:
			es.Add(0, "programme.period", "programme.error.date")
		case t.Before(f):
			es.Add(0, "programme.period", "programme.error.period_order")
		}
	}
	p.WindowFrom, p.WindowTo = strings.TrimSpace(p.WindowFrom), strings.TrimSpace(p.WindowTo)
	if p.WindowFrom != "" || p.WindowTo != "" {
		if !validMonthDay(p.WindowFrom) || !validMonthDay(p.WindowTo) {
			es.Add(0, "programme.window", "programme.error.window_format")
		}
	}
	p.Rule = strings.TrimSpace(p.Rule)
	if _, err := Compile(p.Rule); err != nil {
		var re *RuleError
		if !errors.As(err, &re) {
			return p, err
		}
		es.Add(0, "programme.rule", "programme.error.rule", re.Detail)
	}
	if utf8.RuneCountInString(p.RuleNote) > MaxNoteLength {
		es.Add(0, "programme.rule_note", "programme.error.too_long", MaxNoteLength)
	}
	if p.AnnualCapFen < 0 {
		es.Add(0, "programme.annual_cap", "programme.error.negative")
	}
	if p.Target < 0 {
		es.Add(0, "programme.target", "programme.error.negative")
	}
	if p.BudgetFen < 0 {
		es.Add(0, "programme.budget", "programme.error.negative")
	}
	for _, s := range append(slices.Clone(p.Subtypes), p.WindowSubtypes...) {
		if !validCode(s) {
			es.Add(0, "programme.subtypes", "programme.error.code")
			break
		}
	}
	for _, s := range p.WindowSubtypes {
		if !slices.Contains(p.Subtypes, s) {
			es.Add(0, "programme.window_subtypes", "programme.error.window_subtype", s)
		}
	}
	if len(p.Tiers) == 0 {
		es.Add(0, "programme.tiers", "programme.error.no_tier")
	}
	if len(p.Tiers) > MaxTiers {
		es.Add(0, "programme.tiers", "programme.error.too_many_tiers", MaxTiers)
	}
	seen := map[string]bool{}
	for i := range p.Tiers {
		t := &p.Tiers[i]
		t.Key, t.Label, t.Condition = strings.TrimSpace(t.Key), strings.TrimSpace(t.Label), strings.TrimSpace(t.Condition)
		row := i + 1
		switch {
		case !validCode(t.Key):
			es.Add(0, "programme.tiers", "programme.error.tier_key", row)
		case seen[t.Key]:
			es.Add(0, "programme.tiers", "programme.error.tier_twice", t.Key)
		}
		seen[t.Key] = true
		if t.Label == "" {
			es.Add(0, "programme.tiers", "programme.error.tier_label", row)
		}
		if t.AmountFen < 0 {
			es.Add(0, "programme.tiers", "programme.error.negative")
		}
		if p.AnnualCapFen > 0 && p.Frequency == OneOff && t.AmountFen > p.AnnualCapFen {
			es.Add(0, "programme.tiers", "programme.error.tier_over_cap", t.Label, Yuan(t.AmountFen), Yuan(p.AnnualCapFen))
		}
		if t.Condition != "" {
			if _, err := Compile(t.Condition); err != nil {
				var re *RuleError
				if !errors.As(err, &re) {
					return p, err
				}
				es.Add(0, "programme.tiers", "programme.error.tier_rule", t.Label, re.Detail)
			}
		}
	}
	if len(es) > 0 {
		return p, es
	}
	now := store.Now()
	p.UpdatedAt = now
	p.Version++
	if before == nil {
		p.ID, p.CreatedAt = store.NewID(), now
		if _, err := tx.ExecContext(ctx, `INSERT INTO prog_programmes (`+progColumns+`) VALUES (`+placeholders(21)+`)`, p.values()...); err != nil {
			return p, err
		}
	} else {
		cols := strings.Split(strings.NewReplacer("\n", "", "\t", "").Replace(progColumns), ",")
		var sets []string
		for i, c := range cols[1:] {
			sets = append(sets, strings.TrimSpace(c)+" = $"+strconv.Itoa(i+2))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE prog_programmes SET `+strings.Join(sets, ", ")+` WHERE id = $1`, p.values()...); err != nil {
			return p, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM prog_tiers WHERE programme_id = $1`, p.ID); err != nil {
			return p, err
		}
	}
	for i, t := range p.Tiers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO prog_tiers (programme_id, seq, key, label, amount_fen, condition, provisional) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, i+1, t.Key, t.Label, t.AmountFen, t.Condition, t.Provisional); err != nil {
			return p, err
		}
	}
	return p, audit.Record(ctx, tx, audit.Entry{Action: ActionProgrammeSave, ObjectType: "programme", ObjectID: p.ID, Before: before, After: p})
}

// validCode is a lower-case identifier: letters, digits, underscore.
func validCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func validMonthDay(s string) bool {
	_, err := time.Parse("2006-01-02", "2024-"+s) // a leap year accepts 02-29
	return err == nil && len(s) == 5
}

func placeholders(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(p, ", ")
}

// TierFor picks the tier of a person: the one named, or the first whose
// condition holds for the facts. ok is false when none applies.
func (p Programme) TierFor(key string, f *Facts) (Tier, bool, error) {
	if key != "" {
		t, ok := p.Tier(key)
		return t, ok, nil
	}
	for _, t := range p.Tiers {
		if t.Condition == "" {
			return t, true, nil
		}
		r, err := Compile(t.Condition)
		if err != nil {
			return Tier{}, false, err
		}
		if ok, err := r.Match(f); err != nil {
			return Tier{}, false, err
		} else if ok {
			return t, true, nil
		}
	}
	return Tier{}, false, nil
}
