// Package settings keeps the small settings tables of the domain areas
// (survey_settings, cert_settings, …) in one way: each row is a key, its
// value as text and when it was set; a key never set has its default.
// An area describes its settings as a Table; this package reads them with
// their defaults, checks what staff typed into problems naming each field,
// and stores a change with one audit entry of before and after. The area
// keeps its own typed Settings and reads them from the text values.
package settings

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kind is how a setting's text is checked; the settings pages show each
// kind with its own input.
type Kind string

// The kinds this package checks. An area may name a kind of its own and
// give the Def a Read.
const (
	KindInt      Kind = "int"      // a whole number from Min to Max
	KindMoney    Kind = "money"    // typed in yuan, kept in fen, from Min to Max fen
	KindDate     Kind = "date"     // YYYY-MM-DD
	KindMonthDay Kind = "monthday" // MM-DD
	KindBool     Kind = "bool"     // "1" or "0"
	KindChoice   Kind = "choice"   // one of Choices
	KindList     Kind = "list"     // items typed with commas, kept joined by ","
)

// Def describes one setting. The zero Kind is KindInt.
type Def struct {
	Key      string
	Default  string // as stored
	Kind     Kind
	Min, Max int64    // KindInt: the range; KindMoney: the range in fen
	Choices  []string // KindChoice
	National bool     // the default is the national rule (the pages say so)
	// Read checks a value of the area's own kind (levy's percentages) and
	// returns the text to keep; false refuses it with the kind's message.
	Read func(v string) (string, bool)
}

// Table is where an area keeps its settings and how it names their
// problems and changes.
type Table struct {
	Name string // the table: key, value, updated_at (and year when ByYear)
	// ByYear: a value is set for a year and holds for later years until
	// one of them sets another.
	ByYear bool
	Defs   []Def
	Field  string // the message key prefix of a setting's label: "survey.setting."
	// Msg is the message key of a bad value, by kind; KindInt's takes Min
	// and Max. Choices and booleans default to validate.choose, lists to
	// validate.required; every other kind used must be named.
	Msg      map[Kind]string
	Action   string // the audit action of a change
	ObjectID string // the audit object id; a ByYear table's is the year
	// Cross, when set, checks settings against each other: vals are the
	// values as they would be after the save.
	Cross func(vals map[string]string, es *validate.Errors)
}

// Defaults returns every setting's default.
func (t *Table) Defaults() map[string]string {
	vals := make(map[string]string, len(t.Defs))
	for _, d := range t.Defs {
		vals[d.Key] = d.Default
	}
	return vals
}

// Values returns every setting as text, defaults filling what was never
// set.
func (t *Table) Values(ctx context.Context, q store.Querier) (map[string]string, error) {
	if t.ByYear {
		return nil, fmt.Errorf("settings: %s is kept by year", t.Name)
	}
	return t.read(ctx, q, `SELECT key, value FROM `+t.Name)
}

// ValuesFor returns every setting of year as text: the value set for the
// latest year up to year, else the default.
func (t *Table) ValuesFor(ctx context.Context, q store.Querier, year int) (map[string]string, error) {
	if !t.ByYear {
		return nil, fmt.Errorf("settings: %s is not kept by year", t.Name)
	}
	// Oldest first, so a later year's value overwrites an earlier one.
	return t.read(ctx, q, `SELECT key, value FROM `+t.Name+` WHERE year <= $1 ORDER BY year`, year)
}

func (t *Table) read(ctx context.Context, q store.Querier, query string, args ...any) (map[string]string, error) {
	vals := t.Defaults()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		vals[k] = v
	}
	return vals, rows.Err()
}

// Check reads the values given (keys of Defs; others are ignored) as they
// are to be stored, in Defs order. Every bad one is a problem naming its
// field; vals holds the good ones.
func (t *Table) Check(in map[string]string) (vals map[string]string, es validate.Errors) {
	vals = map[string]string{}
	for _, d := range t.Defs {
		v, ok := in[d.Key]
		if !ok {
			continue
		}
		norm, ok := d.check(strings.TrimSpace(v))
		if !ok {
			var args []any
			if d.kind() == KindInt {
				args = []any{d.Min, d.Max}
			}
			es.Add(0, t.Field+d.Key, t.msg(d.kind()), args...)
			continue
		}
		vals[d.Key] = norm
	}
	return vals, es
}

func (d Def) kind() Kind {
	if d.Kind == "" {
		return KindInt
	}
	return d.Kind
}

func (d Def) check(v string) (string, bool) {
	if d.Read != nil {
		return d.Read(v)
	}
	switch d.kind() {
	case KindInt:
		i, ok := Int(v, d.Min, d.Max)
		return strconv.FormatInt(i, 10), ok
	case KindMoney:
		fen, ok := Money(v, d.Min, d.Max)
		return strconv.FormatInt(fen, 10), ok
	case KindDate:
		return v, Date(v)
	case KindMonthDay:
		return v, MonthDay(v)
	case KindBool:
		return v, Bool(v)
	case KindChoice:
		return v, Choice(v, d.Choices)
	case KindList:
		items := List(v)
		return strings.Join(items, ","), len(items) > 0
	}
	return "", false // a kind of its own without a Read
}

func (t *Table) msg(k Kind) string {
	if m, ok := t.Msg[k]; ok {
		return m
	}
	switch k {
	case KindChoice, KindBool:
		return "validate.choose"
	case KindList:
		return "validate.required"
	}
	return "" // Msg names every other kind the table uses
}

// Write stores vals (already checked), in Defs order so every engine
// writes the rows in the same order.
func (t *Table) Write(ctx context.Context, tx *store.Tx, vals map[string]string) error {
	if t.ByYear {
		return fmt.Errorf("settings: %s is kept by year", t.Name)
	}
	return t.write(ctx, tx, vals,
		`UPDATE `+t.Name+` SET value = $2, updated_at = $3 WHERE key = $1`,
		`INSERT INTO `+t.Name+` (key, value, updated_at) VALUES ($1, $2, $3)`)
}

// WriteFor stores vals (already checked) for year.
func (t *Table) WriteFor(ctx context.Context, tx *store.Tx, year int, vals map[string]string) error {
	if !t.ByYear {
		return fmt.Errorf("settings: %s is not kept by year", t.Name)
	}
	return t.write(ctx, tx, vals,
		`UPDATE `+t.Name+` SET value = $2, updated_at = $3 WHERE key = $1 AND year = $4`,
		`INSERT INTO `+t.Name+` (key, value, updated_at, year) VALUES ($1, $2, $3, $4)`, year)
}

// write updates each row, inserting it when there was none: plain SQL the
// same on both engines, whatever the table's key.
func (t *Table) write(ctx context.Context, tx *store.Tx, vals map[string]string, update, insert string, extra ...any) error {
	now := store.Now()
	for _, d := range t.Defs {
		v, ok := vals[d.Key]
		if !ok {
			continue
		}
		args := append([]any{d.Key, v, now}, extra...)
		res, err := tx.ExecContext(ctx, update, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// Save checks and stores the values given (keys of Defs), with one audit
// entry of every value before and the values changed after; nothing is
// written if any is bad.
func (t *Table) Save(ctx context.Context, tx *store.Tx, in map[string]string) error {
	before, err := t.Values(ctx, tx)
	if err != nil {
		return err
	}
	after, err := t.check(before, in)
	if err != nil {
		return err
	}
	if err := t.Write(ctx, tx, after); err != nil {
		return err
	}
	return t.record(ctx, tx, t.ObjectID, before, after)
}

// SaveFor is Save for one year.
func (t *Table) SaveFor(ctx context.Context, tx *store.Tx, year int, in map[string]string) error {
	before, err := t.ValuesFor(ctx, tx, year)
	if err != nil {
		return err
	}
	after, err := t.check(before, in)
	if err != nil {
		return err
	}
	if err := t.WriteFor(ctx, tx, year, after); err != nil {
		return err
	}
	return t.record(ctx, tx, strconv.Itoa(year), before, after)
}

// check is Check followed by Cross over the values the save would leave.
func (t *Table) check(before, in map[string]string) (map[string]string, error) {
	after, es := t.Check(in)
	if t.Cross != nil {
		merged := make(map[string]string, len(before))
		for k, v := range before {
			merged[k] = v
		}
		for k, v := range after {
			merged[k] = v
		}
		t.Cross(merged, &es)
	}
	return after, es.Err()
}

func (t *Table) record(ctx context.Context, tx *store.Tx, id string, before, after map[string]string) error {
	return audit.Record(ctx, tx, audit.Entry{Action: t.Action, ObjectType: t.Name, ObjectID: id, Before: before, After: after})
}
