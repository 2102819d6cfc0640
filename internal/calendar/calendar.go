// Package calendar is the working-day calendar (工作日历): weekends, public
// holidays and the adjusted working days (调休) of the State Council's
// yearly schedule. Every time limit written in working days (公示 5 days,
// county review 10 days, appeal 10 days, hotline replies) is computed here,
// so one edit by the administrator moves every deadline.
package calendar

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kind says how a special day differs from the weekday rule.
type Kind string

// Kinds of special day.
const (
	Holiday Kind = "holiday" // 法定节假日 (and the days off joined to it)
	Workday Kind = "workday" // 调休上班: a Saturday or Sunday that is worked
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Holiday || k == Workday }

// Day is one special day of the calendar.
type Day struct {
	Date string `json:"date"` // YYYY-MM-DD
	Kind Kind   `json:"kind"`
	Name string `json:"name"` // e.g. 春节
}

// Default2026 is the 2026 schedule as shipped. Default: it was entered from
// the State Council's notice as relayed in the brief and could not be checked
// against the official text here; the admin page says so and lets the
// administrator correct it.
var Default2026 = func() []Day {
	var out []Day
	span := func(name string, from string, n int) {
		d, _ := time.Parse(time.DateOnly, from)
		for i := 0; i < n; i++ {
			out = append(out, Day{Date: d.AddDate(0, 0, i).Format(time.DateOnly), Kind: Holiday, Name: name})
		}
	}
	work := func(name, date string) { out = append(out, Day{Date: date, Kind: Workday, Name: name}) }
	span("元旦", "2026-01-01", 1)
	work("春节", "2026-02-14")
	span("春节", "2026-02-15", 9)
	work("春节", "2026-02-28")
	span("清明节", "2026-04-04", 3)
	span("劳动节", "2026-05-01", 5)
	work("劳动节", "2026-05-09")
	span("端午节", "2026-06-19", 3)
	work("国庆节", "2026-09-20")
	span("中秋节", "2026-09-25", 3)
	span("国庆节", "2026-10-01", 7)
	work("国庆节", "2026-10-10")
	return out
}()

// Migrations creates the table of special days and ships the 2026 schedule.
var Migrations = []store.Migration{{
	Version: 2026112901,
	Name:    "calendar_days",
	SQL: `
CREATE TABLE calendar_days (
	day        TEXT PRIMARY KEY,   -- YYYY-MM-DD
	kind       TEXT NOT NULL,      -- holiday, workday
	name       TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
` + seedSQL(Default2026),
}}

// seedSQL is the INSERT of the shipped days (constants only, no user input).
func seedSQL(days []Day) string {
	var b strings.Builder
	for _, d := range days {
		fmt.Fprintf(&b, "INSERT INTO calendar_days (day, kind, name, updated_at) VALUES ('%s', '%s', '%s', '2026-11-29T00:00:00.000Z');\n", d.Date, d.Kind, d.Name)
	}
	return b.String()
}

// Calendar answers working-day questions. It is a snapshot: load it once
// per request or job.
type Calendar struct {
	special map[string]Kind
}

// New builds a calendar from special days.
func New(days []Day) *Calendar {
	c := &Calendar{special: make(map[string]Kind, len(days))}
	for _, d := range days {
		c.special[d.Date] = d.Kind
	}
	return c
}

// Load reads the calendar from the database.
func Load(ctx context.Context, q store.Querier) (*Calendar, error) {
	days, err := list(ctx, q, `SELECT day, kind, name FROM calendar_days ORDER BY day`)
	if err != nil {
		return nil, err
	}
	return New(days), nil
}

// Date is the civil date of t (its year, month and day where it was read),
// at midnight UTC, so date arithmetic never crosses a time-zone edge.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// IsWorkingDay reports whether d is worked: Monday–Friday unless a holiday,
// Saturday or Sunday only when a 调休 working day.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	switch c.special[d.Format(time.DateOnly)] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the date of the n-th working day after d (before d
// when n is negative). The day d itself does not count, as in every period
// counted in days under Chinese law (民法典 第二百零一条: 开始的当日不计入), so
// "within 10 working days of receipt" ends on AddWorkingDays(receipt, 10).
func (c *Calendar) AddWorkingDays(d time.Time, n int) time.Time {
	d = Date(d)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days after a up to and including b,
// so WorkingDaysBetween(d, AddWorkingDays(d, n)) == n. It is negative when b
// is before a.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	a, b = Date(a), Date(b)
	if b.Before(a) {
		return -c.WorkingDaysBetween(b, a)
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// List returns the special days of a year.
func List(ctx context.Context, q store.Querier, year int) ([]Day, error) {
	return list(ctx, q, `SELECT day, kind, name FROM calendar_days WHERE day >= $1 AND day < $2 ORDER BY day`,
		fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1))
}

func list(ctx context.Context, q store.Querier, query string, args ...any) ([]Day, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Day
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Date, &d.Kind, &d.Name); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Audit actions.
const (
	ActionSet    = "calendar.set"
	ActionDelete = "calendar.delete"
)

// Check validates a special day: a real date, a known kind, a name. A
// 调休 working day on a weekday or a holiday on a weekend is allowed (a
// holiday on Saturday is ordinary in the schedules), so only form is checked.
func Check(d Day) validate.Errors {
	var es validate.Errors
	if es.Required(0, "calendar.date", d.Date) {
		if t, err := time.Parse(time.DateOnly, d.Date); err != nil || t.Format(time.DateOnly) != d.Date {
			es.Add(0, "calendar.date", "calendar.error.bad_date")
		}
	}
	if !d.Kind.Valid() {
		es.Add(0, "calendar.kind", "validate.choose")
	}
	if es.Required(0, "calendar.name", strings.TrimSpace(d.Name)) && utf8.RuneCountInString(d.Name) > 20 {
		es.Add(0, "calendar.name", "calendar.error.name_long")
	}
	return es
}

// Set adds or replaces a special day in tx, audited with before and after.
func Set(ctx context.Context, tx *store.Tx, d Day) error {
	d.Name = strings.TrimSpace(d.Name)
	if es := Check(d); len(es) > 0 {
		return es
	}
	before, err := get(ctx, tx, d.Date)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := store.Now()
	res, err := tx.ExecContext(ctx, `UPDATE calendar_days SET kind = $2, name = $3, updated_at = $4 WHERE day = $1`, d.Date, string(d.Kind), d.Name, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_days (day, kind, name, updated_at) VALUES ($1, $2, $3, $4)`, d.Date, string(d.Kind), d.Name, now); err != nil {
			return err
		}
	}
	var b any
	if before.Date != "" {
		b = before
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSet, ObjectType: "calendar_day", ObjectID: d.Date, Before: b, After: d})
}

// Delete removes a special day (the date follows the weekday rule again).
func Delete(ctx context.Context, tx *store.Tx, date string) error {
	before, err := get(ctx, tx, date)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_days WHERE day = $1`, date); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionDelete, ObjectType: "calendar_day", ObjectID: date, Before: before})
}

func get(ctx context.Context, q store.Querier, date string) (Day, error) {
	days, err := list(ctx, q, `SELECT day, kind, name FROM calendar_days WHERE day = $1`, date)
	if err != nil {
		return Day{}, err
	}
	if len(days) == 0 {
		return Day{}, store.ErrNotFound
	}
	return days[0], nil
}
