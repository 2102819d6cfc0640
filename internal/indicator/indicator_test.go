package indicator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

func TestPeriods(t *testing.T) {
	cases := []struct {
		choice   string
		from, to string
		want     indicator.Period
		next     indicator.Period
		months   int
	}{
		{"h1", "", "", indicator.Period{"2026-01-01", "2026-06-30"}, indicator.Period{"2026-07-01", "2026-12-31"}, 6},
		{"h2", "", "", indicator.Period{"2026-07-01", "2026-12-31"}, indicator.Period{"2027-01-01", "2027-12-31"}, 6},
		{"year", "", "", indicator.Period{"2026-01-01", "2026-12-31"}, indicator.Period{"2027-01-01", "2027-12-31"}, 12},
		{"q1", "", "", indicator.Period{"2026-01-01", "2026-03-31"}, indicator.Period{"2026-04-01", "2026-06-30"}, 3},
		{"q4", "", "", indicator.Period{"2026-10-01", "2026-12-31"}, indicator.Period{"2027-01-01", "2027-03-31"}, 3},
		{"", "2026-02-01", "2026-02-10", indicator.Period{"2026-02-01", "2026-02-10"}, indicator.Period{"2026-02-11", "2026-02-20"}, 1},
		{"custom", "2026-01-01", "2026-06-30", indicator.Period{"2026-01-01", "2026-06-30"}, indicator.Period{"2026-07-01", "2026-12-31"}, 6},
	}
	for _, c := range cases {
		p, err := indicator.Parse(c.choice, 2026, c.from, c.to)
		if err != nil {
			t.Fatalf("%s: %v", c.choice, err)
		}
		if p != c.want || p.Next() != c.next || p.Months() != c.months {
			t.Errorf("%s %s–%s: %v next %v months %d", c.choice, c.from, c.to, p, p.Next(), p.Months())
		}
	}
}

func TestBadPeriodsNameTheirField(t *testing.T) {
	cases := []struct {
		choice, from, to string
		year             int
		field, key       string
	}{
		{"custom", "", "2026-01-01", 2026, "report.from", "validate.required"},
		{"custom", "2026-13-01", "2026-12-01", 2026, "report.from", "report.error.date"},
		{"custom", "2026-01-01", "2026-02-30", 2026, "report.to", "report.error.date"},
		{"custom", "2026-06-30", "2026-01-01", 2026, "report.to", "report.error.to_before_from"},
		{"custom", "2010-01-01", "2026-01-01", 2026, "report.to", "report.error.too_long"},
		{"h1", "", "", 99, "report.year", "report.error.year"},
		{"h3", "", "", 2026, "report.period", "validate.choose"},
	}
	for _, c := range cases {
		_, err := indicator.Parse(c.choice, c.year, c.from, c.to)
		var es validate.Errors
		if !errors.As(err, &es) || es[0].Field != c.field || es[0].Key != c.key {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestValuesAreExactAndFormatted(t *testing.T) {
	cases := []struct {
		v    indicator.Value
		want string
	}{
		{indicator.CountOf(57), "57"},
		{indicator.Fen(2000000), "20000"},
		{indicator.Fen(1234550), "12345.50"},
		{indicator.Rate(2, 3), "66.7"},
		{indicator.Rate(1, 3), "33.3"},
		{indicator.Rate(0, 0), "—"},
		{indicator.Mean(4, 3), "1.3"},
		{indicator.Mean(1, 6), "0.2"},
		{indicator.Rate(1, 8), "12.5"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.v, got, c.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	count, _ := indicator.Get("training_person_times")
	rate, _ := indicator.Get("renovation_rate")
	money, _ := indicator.Get("levy_collected")
	cases := []struct {
		ind  indicator.Indicator
		in   string
		want int64
		ok   bool
	}{
		{count, "200", 200, true}, {count, " 1,200 ", 1200, true}, {count, "2.5", 0, false}, {count, "-1", 0, false}, {count, "abc", 0, false},
		{rate, "90", 900, true}, {rate, "90.5%", 905, true}, {rate, "100", 1000, true}, {rate, "100.1", 0, false}, {rate, "9.55", 0, false},
		{money, "12.50", 1250, true}, {money, "3", 300, true}, {money, "1.234", 0, false}, {money, "", 0, false},
	}
	for _, c := range cases {
		got, ok := indicator.ParseTarget(c.ind, c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%s %q: %d %v", c.ind.Key, c.in, got, ok)
		}
		if ok && indicator.FormatTarget(c.ind, got) == "" {
			t.Errorf("%s %q formats empty", c.ind.Key, c.in)
		}
	}
}

// Every F and T of the mission map is an indicator; the shipped targets
// are the source report's.
func TestCatalogue(t *testing.T) {
	all := indicator.All()
	if len(all) < 60 {
		t.Fatalf("only %d indicators", len(all))
	}
	sections := map[string]bool{}
	for _, s := range indicator.Sections {
		sections[s] = true
	}
	for _, ind := range all {
		if !sections[ind.Section] || ind.Unit == "" || !strings.HasPrefix(ind.NameKey, "indicator.") {
			t.Errorf("%s: section %q unit %q name %q", ind.Key, ind.Section, ind.Unit, ind.NameKey)
		}
	}
	for k, v := range map[string]int64{"training_person_times": 200, "entrepreneurship_projects": 100, "greenhouses": 10, "support_bases": 1,
		"child_rescue_persons": 128, "renovation_completed": 92, "renovation_rate": 900} {
		ind, ok := indicator.Get(k)
		if !ok || !ind.Target || indicator.DefaultTargets[2026][k] != v {
			t.Errorf("default target %s", k)
		}
	}
}

func TestProvidePlugsADeclaredIndicator(t *testing.T) {
	ind, _ := indicator.Get("sms_sent")
	if ind.Recorded() {
		t.Fatal("sms_sent already computed")
	}
	r, err := indicator.Evaluate(context.Background(), nil, ind, area.All(), indicator.Year(2026))
	if err != nil || r.Recorded {
		t.Fatalf("declared indicator evaluated: %+v %v", r, err)
	}
	t.Cleanup(func() { indicator.Unprovide("sms_sent") })
	indicator.Provide("sms_sent", func(context.Context, store.Querier, area.Scope, indicator.Period) (indicator.Value, error) {
		return indicator.CountOf(7), nil
	}, func(area.Scope, indicator.Period) string { return "/sms" })
	ind, _ = indicator.Get("sms_sent")
	r, err = indicator.Evaluate(context.Background(), nil, ind, area.All(), indicator.Year(2026))
	if err != nil || !r.Recorded || r.Value.String() != "7" || r.Href != "/sms" {
		t.Errorf("provided: %+v %v", r, err)
	}
	for _, key := range []string{"no_such", "sms_sent"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Provide(%s) did not panic", key)
				}
			}()
			indicator.Provide(key, nil, nil)
		}()
	}
}

func TestTargetsStoredAuditedAndDefaulted(t *testing.T) {
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "admin", Name: "admin", Kind: "user"})
	if err := db.Migrate(ctx, append(append([]store.Migration{}, audit.Migrations...), indicator.Migrations...)); err != nil {
		t.Fatal(err)
	}
	got, err := indicator.Targets(ctx, db, 2026, "")
	if err != nil || got["training_person_times"] != (indicator.Target{Value: 200, Default: true}) {
		t.Fatalf("defaults: %+v %v", got, err)
	}
	if got, _ := indicator.Targets(ctx, db, 2026, "341599001000"); len(got) != 0 {
		t.Errorf("a township inherits county targets: %+v", got)
	}
	cases := []struct {
		name   string
		year   int
		area   string
		values map[string]int64
		field  string
	}{
		{"unknown indicator", 2026, "", map[string]int64{"nope": 1}, "indicator.nope"},
		{"indicator without target", 2026, "", map[string]int64{"registry_size": 1}, "indicator.registry_size"},
		{"rate above 100 %", 2026, "", map[string]int64{"renovation_rate": 1200}, "indicator.renovation_rate"},
		{"negative", 2026, "", map[string]int64{"greenhouses": -2}, "indicator.greenhouses"},
		{"village", 2026, "341599001001", map[string]int64{"greenhouses": 2}, "report.region"},
		{"year", 1999, "", map[string]int64{"greenhouses": 2}, "report.year"},
	}
	for _, c := range cases {
		err := db.InTx(ctx, func(tx *store.Tx) error { return indicator.SetTargets(ctx, tx, c.year, c.area, c.values) })
		var es validate.Errors
		if !errors.As(err, &es) || es[0].Field != c.field {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return indicator.SetTargets(ctx, tx, 2026, "", map[string]int64{"training_person_times": 300, "certify_sessions": 12})
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = indicator.Targets(ctx, db, 2026, "")
	if got["training_person_times"] != (indicator.Target{Value: 300}) || got["certify_sessions"].Value != 12 {
		t.Errorf("stored: %+v", got)
	}
	if _, ok := got["greenhouses"]; ok {
		t.Error("a cleared default stayed")
	}
	var n int
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'indicator.targets' AND actor_id = 'admin'`).Scan(&n)
	if n != 1 {
		t.Errorf("audit entries: %d", n)
	}
}
