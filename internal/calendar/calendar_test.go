package calendar_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var cal2026 = calendar.New(calendar.Default2026)

func TestIsWorkingDay(t *testing.T) {
	cases := []struct {
		date string
		want bool
		why  string
	}{
		{"2026-01-01", false, "元旦, a Thursday"},
		{"2026-01-02", true, "ordinary Friday"},
		{"2026-01-03", false, "ordinary Saturday"},
		{"2026-01-04", false, "ordinary Sunday"},
		{"2026-02-14", true, "调休 Saturday before 春节"},
		{"2026-02-16", false, "春节 Monday"},
		{"2026-02-23", false, "last day of 春节"},
		{"2026-02-24", true, "first Tuesday after 春节"},
		{"2026-02-28", true, "调休 Saturday after 春节"},
		{"2026-04-06", false, "清明 Monday"},
		{"2026-05-05", false, "劳动节 Tuesday"},
		{"2026-05-09", true, "调休 Saturday after 劳动节"},
		{"2026-06-19", false, "端午 Friday"},
		{"2026-09-20", true, "调休 Sunday before 国庆"},
		{"2026-09-25", false, "中秋 Friday"},
		{"2026-10-07", false, "last day of 国庆"},
		{"2026-10-08", true, "Thursday after 国庆"},
		{"2026-10-10", true, "调休 Saturday after 国庆"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2027-01-01", true, "a year not entered follows the weekday rule"},
	}
	for _, c := range cases {
		if got := cal2026.IsWorkingDay(day(c.date)); got != c.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", c.date, got, c.want, c.why)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
		why  string
	}{
		{"2026-11-25", 2, "2026-11-27", "inside one week"},
		{"2026-11-27", 1, "2026-11-30", "Friday + 1 skips the weekend"},
		{"2026-11-28", 0, "2026-11-28", "zero days is the day itself"},
		{"2026-11-28", 5, "2026-12-04", "from a Saturday the count starts on Monday"},
		{"2026-02-12", 5, "2026-02-26", "公示 spanning 春节: the 调休 Saturday counts, the holiday does not"},
		{"2026-02-13", 10, "2026-03-05", "county review spanning 春节 and the second 调休 Saturday"},
		{"2026-04-30", 1, "2026-05-06", "劳动节 holidays skipped"},
		{"2026-05-08", 1, "2026-05-09", "调休 Saturday is the next working day"},
		{"2026-09-30", 1, "2026-10-08", "国庆 skipped"},
		{"2026-09-18", 1, "2026-09-20", "调休 Sunday is the next working day"},
		{"2026-02-24", -1, "2026-02-14", "backwards over 春节"},
		{"2026-11-30", -1, "2026-11-27", "backwards over a weekend"},
	}
	for _, c := range cases {
		got := cal2026.AddWorkingDays(day(c.from), c.n).Format(time.DateOnly)
		if got != c.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s (%s)", c.from, c.n, got, c.want, c.why)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"2026-02-12", "2026-02-26", 5},
		{"2026-02-26", "2026-02-12", -5},
		{"2026-01-01", "2026-01-01", 0},
		{"2025-12-31", "2026-01-02", 1},
		{"2026-09-19", "2026-09-20", 1},
		{"2026-11-27", "2026-11-29", 0},
		{"2026-11-23", "2026-11-30", 5},
	}
	for _, c := range cases {
		if got := cal2026.WorkingDaysBetween(day(c.a), day(c.b)); got != c.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	// The two functions are inverse over the whole shipped year.
	for d := day("2026-01-01"); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		for _, n := range []int{1, 5, 10} {
			if got := cal2026.WorkingDaysBetween(d, cal2026.AddWorkingDays(d, n)); got != n {
				t.Fatalf("from %s: WorkingDaysBetween(AddWorkingDays(%d)) = %d", d.Format(time.DateOnly), n, got)
			}
		}
	}
}

func TestDateIgnoresTimeZone(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	late := time.Date(2026, 2, 13, 23, 30, 0, 0, shanghai) // 15:30 UTC the same day
	if got := cal2026.AddWorkingDays(late, 1).Format(time.DateOnly); got != "2026-02-14" {
		t.Fatalf("a late evening in Beijing must count from its own date: %s", got)
	}
}

func openDB(t *testing.T) (*store.DB, context.Context) {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-admin", Name: "admin", Kind: "user"})
	if err := db.Migrate(ctx, append(append([]store.Migration{}, audit.Migrations...), calendar.Migrations...)); err != nil {
		t.Fatal(err)
	}
	return db, ctx
}

func TestShippedScheduleAndEdits(t *testing.T) {
	db, ctx := openDB(t)
	days, err := calendar.List(ctx, db, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != len(calendar.Default2026) || len(days) != 36 {
		t.Fatalf("shipped 2026 days: %d in the database, %d in code, want 36", len(days), len(calendar.Default2026))
	}
	// The administrator enters 2027's New Year holiday: the date stops being
	// a working day; deleting it restores the weekday rule. Both audited.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return calendar.Set(ctx, tx, calendar.Day{Date: "2027-01-01", Kind: calendar.Holiday, Name: "元旦"})
	}); err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkingDay(day("2027-01-01")) {
		t.Fatal("2027-01-01 entered as holiday is still a working day")
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return calendar.Delete(ctx, tx, "2027-01-01") }); err != nil {
		t.Fatal(err)
	}
	if cal, _ = calendar.Load(ctx, db); !cal.IsWorkingDay(day("2027-01-01")) {
		t.Fatal("after deletion 2027-01-01 (a Friday) must be a working day")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('calendar.set', 'calendar.delete')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("audit entries: %d, %v", n, err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return calendar.Delete(ctx, tx, "2027-01-02") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a day that is not special: %v", err)
	}
}

func TestSetRefusesBadInput(t *testing.T) {
	db, ctx := openDB(t)
	cases := []struct {
		d     calendar.Day
		field string
	}{
		{calendar.Day{Date: "2026-02-30", Kind: calendar.Holiday, Name: "x"}, "calendar.date"},
		{calendar.Day{Date: "", Kind: calendar.Holiday, Name: "x"}, "calendar.date"},
		{calendar.Day{Date: "2026-12-31", Kind: "party", Name: "x"}, "calendar.kind"},
		{calendar.Day{Date: "2026-12-31", Kind: calendar.Workday, Name: " "}, "calendar.name"},
		{calendar.Day{Date: "2026-12-31", Kind: calendar.Workday, Name: strings.Repeat("节", 21)}, "calendar.name"},
	}
	for _, c := range cases {
		err := db.InTx(ctx, func(tx *store.Tx) error { return calendar.Set(ctx, tx, c.d) })
		var es validate.Errors
		if !errors.As(err, &es) || len(es) != 1 || es[0].Field != c.field {
			t.Errorf("%+v: got %v, want one error on %s", c.d, err, c.field)
		}
	}
	days, _ := calendar.List(ctx, db, 2026)
	if len(days) != 36 {
		t.Fatalf("refused input changed the calendar: %d days", len(days))
	}
}

func TestDefaultIsMarkedForVerification(t *testing.T) {
	// The handler is exercised without the app: the page tells the admin
	// that the shipped list must be checked against the official notice.
	db, _ := openDB(t)
	h := calendar.NewHandler(db)
	req := httptest.NewRequest(http.MethodGet, "/admin/calendar?"+url.Values{"year": {"2026"}}.Encode(), nil)
	rec := httptest.NewRecorder()
	h.ServeCalendarForTest(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "核对") || !strings.Contains(rec.Body.String(), "2026-02-14") {
		t.Fatalf("calendar page: %d\n%.1500s", rec.Code, rec.Body.String())
	}
}
