package employ

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Limits of free text, in characters.
const (
	MaxShort = 100  // names, employers, places
	MaxLong  = 1000 // skills, wishes, suggestions
)

// MaxMonthlyFen bounds a monthly income or pay (¥1,000,000), so a slip of
// the keyboard is caught rather than counted.
const MaxMonthlyFen = 100_000_000

// MaxGrantFen bounds a grant (¥10,000,000).
const MaxGrantFen = 1_000_000_000

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// text trims v and checks it is given (when required) and not too long.
func text(es *validate.Errors, field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	if required && !es.Required(0, field, v) {
		return v
	}
	if utf8.RuneCountInString(v) > max {
		es.Add(0, field, "employ.error.too_long", max)
	}
	return v
}

// date checks a YYYY-MM-DD day (required or "" allowed).
func date(es *validate.Errors, field, v string, required bool) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			es.Add(0, field, "validate.required")
		}
		return v
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		es.Add(0, field, "employ.error.date")
	}
	return v
}

// validDate reports whether s is a YYYY-MM-DD day.
func validDate(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil }

// ymd is a day as stored.
func ymd(t time.Time) string { return t.Format(time.DateOnly) }

// ParseYuan reads an amount of yuan with at most two decimals ("3000",
// "3,000.5", "¥3000.50") as fen. Money is never a float.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "").Replace(s))
	if s == "" {
		return 0, errors.New("empty")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, errors.New("bad amount")
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e12 {
		return 0, errors.New("bad amount")
	}
	f := int64(0)
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, errors.New("bad amount")
		}
	}
	return w*100 + f, nil
}

// Yuan shows fen as yuan with two decimals, e.g. 300000 → "3000.00".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// money checks an amount in fen.
func money(es *validate.Errors, field string, fen, max int64) {
	if fen < 0 || fen > max {
		es.Add(0, field, "employ.error.amount", Yuan(max))
	}
}

// yuanField reads a form amount into fen, recording a problem when it is
// not an amount ("" is 0 unless required).
func yuanField(es *validate.Errors, field, v string, required bool) int64 {
	if strings.TrimSpace(v) == "" {
		if required {
			es.Add(0, field, "validate.required")
		}
		return 0
	}
	fen, err := ParseYuan(v)
	if err != nil {
		es.Add(0, field, "employ.error.yuan")
		return 0
	}
	return fen
}

// visible limits an area column to the scope and the areas above it: a
// township worker sees the courses and campaigns of her township and the
// county's own, and no other township's. Both parts are equalities or a
// range, which the index serves.
func visible(s area.Scope, column string, argN int) (string, []any) {
	cond, args := s.Filter(column, argN)
	if s.IsAll() {
		return cond, args
	}
	var eqs []string
	for c := area.ParentOf(s.Code()); c != ""; c = area.ParentOf(c) {
		args = append(args, c)
		eqs = append(eqs, fmt.Sprintf("%s = $%d", column, argN+len(args)-1))
	}
	if len(eqs) == 0 {
		return cond, args
	}
	return "(" + cond + " OR " + strings.Join(eqs, " OR ") + ")", args
}

// canSee is visible for one area code.
func canSee(s area.Scope, code string) bool {
	if s.Contains(code) {
		return true
	}
	for c := area.ParentOf(s.Code()); c != ""; c = area.ParentOf(c) {
		if c == code {
			return true
		}
	}
	return s.IsAll()
}

// checkArea checks that code is a township or village (or the county) in
// the caller's scope: the place a post, course, base or campaign belongs
// to. Writing needs the area inside the scope, not merely above it.
func checkArea(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, field, code string, villageOnly bool) error {
	code = strings.TrimSpace(code)
	if code == "" {
		es.Add(0, field, "validate.choose")
		return nil
	}
	a, err := area.Get(ctx, q, code)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.Contains(a.Code)) {
		es.Add(0, field, "employ.error.area")
		return nil
	}
	if err != nil {
		return err
	}
	ok := a.Level == area.Village || (!villageOnly && (a.Level == area.Township || a.Level == area.County))
	if !ok {
		es.Add(0, field, "employ.error.area")
	}
	return nil
}

// personIn returns a registry person inside the scope, adding a field
// problem (and no error) when there is none; active requires an active
// (在册) person, as new records do.
func personIn(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, field, id string, active bool) (registry.Person, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		es.Add(0, field, "employ.error.person_required")
		return registry.Person{}, nil
	}
	p, err := registry.Get(ctx, q, s, id)
	if errors.Is(err, store.ErrNotFound) {
		es.Add(0, field, "employ.error.person")
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if active && !p.Active() {
		es.Add(0, field, "employ.error.inactive", p.Name)
	}
	return p, nil
}

// RefusedError is a move the current state does not allow (a finished
// course, a closed wish), with a catalogue message.
type RefusedError struct {
	Key  string
	Args []any
}

func (e *RefusedError) Error() string { return i18n.T(i18n.ZH, e.Key, e.Args...) }

func refuse(key string, args ...any) error { return &RefusedError{Key: key, Args: args} }

// lockRow takes the row's write lock before it is read and changed, so two
// clerks changing the same record queue (PostgreSQL; SQLite's immediate
// transactions already serialise writers). It reports whether the row
// exists.
func lockRow(ctx context.Context, tx *store.Tx, table, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET updated_at = updated_at WHERE id = $1`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// future adds a problem when a valid day v is after today (a bad date has
// its own message already).
func future(es *validate.Errors, field, v string, today time.Time) {
	if validDate(v) && v > ymd(today) {
		es.Add(0, field, "employ.error.future")
	}
}
