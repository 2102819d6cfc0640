package certify_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func TestRenewalReminders(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	clerk := e.as("clerk")
	add := func(seq int, name, village, issued, phone string) {
		e.tx(clerk, func(tx *store.Tx) error {
			_, err := registry.Create(clerk, tx, countyScope, registry.NewPerson{IDNumber: idNumber(1950, 300+seq), Name: name, VillageCode: village,
				Category: registry.Hearing, Grade: registry.Grade2, CertificateIssuedOn: issued, Phone: phone}, monday)
			return err
		})
	}
	add(1, "将到期", villageA, "2017-01-15", "13900000001") // expires 2027-01-14: within 90 days
	add(2, "还早", villageA, "2017-06-01", "13900000002")  // expires 2027-05-31
	add(3, "已过期", villageC, "2016-10-01", "13900000003") // expired 2026-09-30
	add(4, "无日期", villageA, "", "")
	add(5, "无手机", villageB, "2017-02-01", "") // township B, no phone

	cases := []struct {
		on      string
		skipped bool
		listed  int
	}{
		{"2026-12-05", true, 0}, // Saturday: nothing goes out
		{"2026-11-30", false, 3},
		{"2026-11-30", false, 0}, // a second run adds nothing
	}
	for _, c := range cases {
		res, err := certify.RenewalReminders(ctx, e.db, day(c.on))
		if err != nil {
			t.Fatal(err)
		}
		if res.Skipped != c.skipped || res.Listed != c.listed || res.Notices != c.listed {
			t.Errorf("run on %s: %+v, want skipped %v listed %d", c.on, res, c.skipped, c.listed)
		}
	}
	// Township A's worklist has its two, with the contact-by day 10 working
	// days on; township B's its one.
	a, err := certify.Renewals(ctx, e.db, area.ScopeOf(townA), "")
	if err != nil || len(a) != 2 || a[0].ContactBy != "2026-12-14" {
		t.Fatalf("township A worklist: %+v %v", a, err)
	}
	b, _ := certify.Renewals(ctx, e.db, countyScope, townB)
	if len(b) != 1 || b[0].Name != "无手机" {
		t.Fatalf("township B worklist: %+v", b)
	}
	msgs, _ := certify.Outbox(ctx, e.db, countyScope, "", 50)
	status := map[string]string{}
	for _, m := range msgs {
		status[m.Phone] = m.Status
	}
	if status["13900000001"] != "queued" || status[""] != "no_phone" || len(msgs) != 3 {
		t.Fatalf("notices: %+v", msgs)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1`, certify.ActionRenewals); n != 1 {
		t.Fatalf("%d audit entries for the runs", n)
	}
}

func TestSettings(t *testing.T) {
	e := setup(t)
	ctx := e.as("clerk")
	cases := []struct {
		in    map[string]string
		field string
	}{
		{map[string]string{"publicity_days": "0"}, "certify.setting.publicity_days"},
		{map[string]string{"photo_max_kb": "abc"}, "certify.setting.photo_max_kb"},
		{map[string]string{"cancel_reasons": " , "}, "certify.setting.cancel_reasons"},
	}
	for _, c := range cases {
		err := e.try(ctx, func(tx *store.Tx) error { return certify.SaveSettings(ctx, tx, c.in) })
		if fe := fieldError(t, err); fe.Field != c.field {
			t.Errorf("%v: error on %s", c.in, fe.Field)
		}
	}
	e.tx(ctx, func(tx *store.Tx) error {
		return certify.SaveSettings(ctx, tx, map[string]string{"publicity_days": "7", "cancel_reasons": "死亡，康复，弄虚作假，迁出"})
	})
	s, err := certify.LoadSettings(context.Background(), e.db)
	if err != nil || s.PublicityDays != 7 || len(s.CancelReasons) != 4 || s.ReviewDays != 10 {
		t.Fatalf("settings: %+v %v", s, err)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1`, certify.ActionSettings); n != 1 {
		t.Fatalf("settings change audited %d times", n)
	}
}

// A stage past its time limit is flagged overdue and counted late when
// left.
func TestOverdue(t *testing.T) {
	e := setup(t)
	a := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1988, 90), Name: "迟", VillageCode: villageA, Category: registry.Physical}, monday)
	cases := []struct {
		on   string
		want bool
	}{{"2026-12-07", false}, {"2026-12-08", true}}
	for _, c := range cases {
		if got := a.Overdue(day(c.on)); got != c.want {
			t.Errorf("overdue on %s = %v (due %s)", c.on, got, a.Due)
		}
	}
	list, err := certify.List(context.Background(), e.db, countyScope, certify.Filter{Overdue: "2026-12-08"})
	if err != nil || len(list) != 1 {
		t.Fatalf("overdue list: %d %v", len(list), err)
	}
	e.session("2026-12-10", registry.Physical, 5, "dr_bone")
	e.step("clerk", a.ID, certify.ActBook, "2026-12-08")
	if got := e.get(a.ID); got.LateStages != 1 {
		t.Fatalf("late stages = %d", got.LateStages)
	}
}
