package settings_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// A table of every kind, as an area would describe it.
var defs = []settings.Def{
	{Key: "days", Default: "90", Min: 7, Max: 365},
	{Key: "deposit", Default: "0", Kind: settings.KindMoney, Min: 0, Max: 10_000_000},
	{Key: "from", Default: "2020-01-01", Kind: settings.KindDate},
	{Key: "to", Default: "2027-12-31", Kind: settings.KindDate},
	{Key: "opens", Default: "03-01", Kind: settings.KindMonthDay},
	{Key: "on", Default: "1", Kind: settings.KindBool},
	{Key: "basis", Default: "a", Kind: settings.KindChoice, Choices: []string{"a", "b"}},
	{Key: "reasons", Default: "x,y", Kind: settings.KindList},
	{Key: "code", Default: "AB", Kind: "code", Read: func(v string) (string, bool) { return strings.ToUpper(v), len(v) == 2 }},
}

func table() *settings.Table {
	return &settings.Table{
		Name: "test_settings", Defs: defs, Field: "test.setting.",
		Msg: map[settings.Kind]string{
			settings.KindInt: "test.error.range", settings.KindMoney: "test.error.money", settings.KindDate: "test.error.date",
			settings.KindMonthDay: "test.error.monthday", "code": "test.error.code",
		},
		Action: "test.settings", ObjectID: "test",
	}
}

func TestCheck(t *testing.T) {
	vals, es := table().Check(map[string]string{
		"days": " 090 ", "deposit": "¥1,200.5", "from": "2021-01-01", "opens": "04-01", "on": "0",
		"basis": "b", "reasons": "死亡， 康复", "code": "cn", "unknown": "ignored",
	})
	if len(es) != 0 {
		t.Fatalf("good values refused: %v", es)
	}
	want := map[string]string{"days": "90", "deposit": "120050", "from": "2021-01-01", "opens": "04-01", "on": "0",
		"basis": "b", "reasons": "死亡,康复", "code": "CN"}
	if !maps.Equal(vals, want) {
		t.Fatalf("kept %v, want %v", vals, want)
	}

	vals, es = table().Check(map[string]string{
		"days": "6", "deposit": "12.345", "from": "2021-02-30", "opens": "3-1", "on": "yes",
		"basis": "c", "reasons": " , ", "code": "c",
	})
	if len(vals) != 0 {
		t.Fatalf("bad values kept: %v", vals)
	}
	type problem struct {
		Field, Key string
		Args       int
	}
	var got []problem
	for _, e := range es {
		got = append(got, problem{e.Field, e.Key, len(e.Args)})
	}
	// In Defs order, each naming its field; only a number's names its range.
	wantProblems := []problem{
		{"test.setting.days", "test.error.range", 2}, {"test.setting.deposit", "test.error.money", 0},
		{"test.setting.from", "test.error.date", 0}, {"test.setting.opens", "test.error.monthday", 0},
		{"test.setting.on", "validate.choose", 0}, {"test.setting.basis", "validate.choose", 0},
		{"test.setting.reasons", "validate.required", 0}, {"test.setting.code", "test.error.code", 0},
	}
	if len(got) != len(wantProblems) {
		t.Fatalf("problems %+v, want %+v", got, wantProblems)
	}
	for i := range got {
		if got[i] != wantProblems[i] {
			t.Errorf("problem %d: %+v, want %+v", i, got[i], wantProblems[i])
		}
	}
	if a := es[0].Args; a[0] != int64(7) || a[1] != int64(365) {
		t.Errorf("range args %v", a)
	}
}

func setup(t *testing.T) (*store.DB, context.Context) {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u1", Name: "admin", Kind: "user"})
	if err := db.Migrate(ctx, audit.Migrations); err != nil {
		t.Fatal(err)
	}
	// The shapes of the areas' tables: by key, and by year and key.
	if _, err := db.ExecContext(ctx, `CREATE TABLE test_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE test_year_settings (year INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
		updated_at TEXT NOT NULL, PRIMARY KEY (year, key))`); err != nil {
		t.Fatal(err)
	}
	return db, ctx
}

func entries(t *testing.T, db *store.DB, action string) []audit.Row {
	t.Helper()
	rows, err := audit.Search(context.Background(), db, audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestReadSaveAudit(t *testing.T) {
	db, ctx := setup(t)
	tb := table()
	vals, err := tb.Values(ctx, db)
	if err != nil || !maps.Equal(vals, tb.Defaults()) {
		t.Fatalf("nothing set: %v %v, want the defaults", vals, err)
	}

	// A bad value: nothing written, nothing audited.
	err = db.InTx(ctx, func(tx *store.Tx) error { return tb.Save(ctx, tx, map[string]string{"days": "30", "deposit": "x"}) })
	var es validate.Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].Field != "test.setting.deposit" {
		t.Fatalf("bad deposit: %v", err)
	}
	if vals, _ := tb.Values(ctx, db); vals["days"] != "90" {
		t.Fatalf("a refused save wrote days = %s", vals["days"])
	}
	if n := len(entries(t, db, "test.settings")); n != 0 {
		t.Fatalf("a refused save audited %d times", n)
	}

	// Set (inserted), then changed (updated).
	for _, in := range []map[string]string{{"days": "30", "deposit": "12"}, {"days": "45"}} {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tb.Save(ctx, tx, in) }); err != nil {
			t.Fatal(err)
		}
	}
	vals, err = tb.Values(ctx, db)
	if err != nil || vals["days"] != "45" || vals["deposit"] != "1200" || vals["basis"] != "a" {
		t.Fatalf("after saving: %v %v", vals, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_settings`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d rows (%v), want one a setting set", n, err)
	}
	rows := entries(t, db, "test.settings")
	if len(rows) != 2 {
		t.Fatalf("%d audit entries, want one a save", len(rows))
	}
	last := rows[0] // newest first
	if last.ObjectType != "test_settings" || last.ObjectID != "test" || last.ActorName != "admin" ||
		last.After != `{"days":"45"}` || !strings.Contains(last.Before, `"days":"30"`) || !strings.Contains(last.Before, `"deposit":"1200"`) ||
		!strings.Contains(last.Before, `"basis":"a"`) {
		t.Fatalf("audit entry: %+v", last)
	}

	if _, err := tb.ValuesFor(ctx, db, 2026); err == nil {
		t.Error("a table by key read by year")
	}
}

func TestByYear(t *testing.T) {
	db, ctx := setup(t)
	tb := &settings.Table{
		Name: "test_year_settings", ByYear: true, Field: "test.setting.",
		Defs: []settings.Def{
			{Key: "opens", Default: "03-01", Kind: settings.KindMonthDay},
			{Key: "closes", Default: "10-31", Kind: settings.KindMonthDay},
			{Key: "grade", Default: "2", Min: 0, Max: 4},
		},
		Msg:    map[settings.Kind]string{settings.KindInt: "test.error.range", settings.KindMonthDay: "test.error.monthday"},
		Action: "test.year_settings",
		Cross: func(v map[string]string, es *validate.Errors) {
			if v["opens"] > v["closes"] {
				es.Add(0, "test.setting.closes", "test.error.order")
			}
		},
	}
	save := func(year int, in map[string]string) error {
		return db.InTx(ctx, func(tx *store.Tx) error { return tb.SaveFor(ctx, tx, year, in) })
	}
	if err := save(2024, map[string]string{"opens": "04-01", "grade": "3"}); err != nil {
		t.Fatal(err)
	}
	if err := save(2026, map[string]string{"grade": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := save(2026, map[string]string{"grade": "4"}); err != nil { // updated in place
		t.Fatal(err)
	}
	for year, want := range map[int][2]string{2023: {"03-01", "2"}, 2024: {"04-01", "3"}, 2025: {"04-01", "3"}, 2026: {"04-01", "4"}, 2030: {"04-01", "4"}} {
		vals, err := tb.ValuesFor(ctx, db, year)
		if err != nil || vals["opens"] != want[0] || vals["grade"] != want[1] || vals["closes"] != "10-31" {
			t.Errorf("%d: %v %v, want opens %s grade %s", year, vals, err, want[0], want[1])
		}
	}

	// Checked against the values the year would have: 2025 closes before
	// the opening carried over from 2024.
	err := save(2025, map[string]string{"closes": "03-15"})
	var es validate.Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].Key != "test.error.order" {
		t.Fatalf("closing before opening: %v", err)
	}

	rows := entries(t, db, "test.year_settings")
	if len(rows) != 3 || rows[0].ObjectID != "2026" || rows[0].After != `{"grade":"4"}` || !strings.Contains(rows[0].Before, `"grade":"1"`) ||
		rows[2].ObjectID != "2024" || rows[2].ObjectType != "test_year_settings" {
		t.Fatalf("audit entries: %+v", rows)
	}
	if _, err := tb.Values(ctx, db); err == nil {
		t.Error("a table by year read without one")
	}
}
