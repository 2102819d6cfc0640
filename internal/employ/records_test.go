package employ_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func TestParseYuan(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"3000", 300000, true}, {"3,000.5", 300050, true}, {"¥2999.99", 299999, true}, {"0", 0, true}, {"12.345", 0, false},
		{"-5", 0, false}, {"abc", 0, false}, {"", 0, false}, {"1e3", 0, false}, {"3000元", 300000, true},
	} {
		got, err := employ.ParseYuan(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
	if employ.Yuan(300050) != "3000.50" {
		t.Errorf("Yuan(300050) = %s", employ.Yuan(300050))
	}
}

// Every rule of an employment record, each refused with its field and
// nothing written.
func TestCreateRecordRules(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	other := e.person("李秀英", villageB)
	dead := e.person("张伟", villageA)
	e.tx(func(tx *store.Tx) error {
		_, err := registry.Died(e.ctx, tx, countyScope, dead.ID, registry.Event{EffectiveDate: "2026-10-01", Source: "家属"}, today)
		return err
	})
	ok := employ.Record{PersonID: p.ID, Form: "flexible", StartDate: "2026-01-01", MonthlyIncome: 200000}
	for _, c := range []struct {
		name  string
		scope area.Scope
		edit  func(r *employ.Record)
		field string
		key   string
	}{
		{"good", countyScope, func(r *employ.Record) {}, "", ""},
		{"no person", countyScope, func(r *employ.Record) { r.PersonID = "" }, "employ.person", "employ.error.person_required"},
		{"person outside the township", scopeA, func(r *employ.Record) { r.PersonID = other.ID }, "employ.person", "employ.error.person"},
		{"deceased person", countyScope, func(r *employ.Record) { r.PersonID = dead.ID }, "employ.person", "employ.error.inactive"},
		{"unknown form", countyScope, func(r *employ.Record) { r.Form = "pirate" }, "employ.record.form", "validate.choose"},
		{"quota needs an employer", countyScope, func(r *employ.Record) { r.Form = "quota" }, "employ.record.employer", "validate.required"},
		{"public welfare only through a post", countyScope, func(r *employ.Record) { r.Form = "public_welfare"; r.Employer = "县民政局" }, "employ.record.form", "employ.error.use_post"},
		{"no start", countyScope, func(r *employ.Record) { r.StartDate = "" }, "employ.record.start_date", "validate.required"},
		{"bad start", countyScope, func(r *employ.Record) { r.StartDate = "2026-02-30" }, "employ.record.start_date", "employ.error.date"},
		{"future start", countyScope, func(r *employ.Record) { r.StartDate = "2026-12-01" }, "employ.record.start_date", "employ.error.future"},
		{"end before start", countyScope, func(r *employ.Record) { r.EndDate = "2025-12-31" }, "employ.record.end_date", "employ.error.end_before_start"},
		{"negative income", countyScope, func(r *employ.Record) { r.MonthlyIncome = -1 }, "employ.record.monthly_income", "employ.error.amount"},
		{"absurd income", countyScope, func(r *employ.Record) { r.MonthlyIncome = employ.MaxMonthlyFen + 1 }, "employ.record.monthly_income", "employ.error.amount"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.count(`SELECT COUNT(*) FROM emp_records`)
			r := ok
			c.edit(&r)
			err := e.try(func(tx *store.Tx) error { _, err := employ.CreateRecord(e.ctx, tx, c.scope, r, today); return err })
			if fieldOf(err) != c.field || keyOf(err) != c.key {
				t.Fatalf("got field %q key %q (%v), want %q %q", fieldOf(err), keyOf(err), err, c.field, c.key)
			}
			want := before
			if c.key == "" {
				want++
			}
			if n := e.count(`SELECT COUNT(*) FROM emp_records`); n != want {
				t.Fatalf("%d records, want %d", n, want)
			}
		})
	}
}

// Employed on day D = a record covering D, ends included.
func TestEmployedOn(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	e.tx(func(tx *store.Tx) error {
		if _, err := employ.CreateRecord(e.ctx, tx, countyScope, employ.Record{PersonID: p.ID, Form: "flexible", StartDate: "2025-03-01", EndDate: "2025-06-30", MonthlyIncome: 150000}, today); err != nil {
			return err
		}
		_, err := employ.CreateRecord(e.ctx, tx, countyScope, employ.Record{PersonID: p.ID, Form: "ecommerce", StartDate: "2025-09-01", MonthlyIncome: 320000}, today)
		return err
	})
	for day, want := range map[string]bool{
		"2025-02-28": false, "2025-03-01": true, "2025-06-30": true, "2025-07-01": false,
		"2025-08-31": false, "2025-09-01": true, "2026-11-30": true,
	} {
		got, _, err := employ.EmployedOn(e.ctx, e.db, countyScope, p.ID, day)
		if err != nil || got != want {
			t.Errorf("employed on %s = %v (%v), want %v", day, got, err, want)
		}
	}
	// Another township's worker does not see it.
	if got, _, _ := employ.EmployedOn(e.ctx, e.db, scopeB, p.ID, "2026-01-01"); got {
		t.Error("township B sees a person of township A")
	}
}

// A post has one holder at a time; the holding is a 公益岗 record with the
// post's pay; ending it frees the post.
func TestPostHolders(t *testing.T) {
	e := setup(t)
	p1, p2 := e.person("王明", villageA), e.person("刘芳", villageC)
	pb := e.person("李秀英", villageB)
	var post employ.Post
	e.tx(func(tx *store.Tx) (err error) {
		post, err = employ.SavePost(e.ctx, tx, scopeA, employ.Post{Name: "保洁员", AreaCode: townA, Sponsor: "城关街道办", MonthlyPay: 180000})
		return err
	})
	var r employ.Record
	e.tx(func(tx *store.Tx) (err error) {
		r, err = employ.AssignPost(e.ctx, tx, scopeA, post.ID, p1.ID, "2026-01-01", today)
		return err
	})
	if r.Form != employ.FormPublicWelfare || r.MonthlyIncome != 180000 || r.Employer != "城关街道办" {
		t.Fatalf("holding %+v", r)
	}
	cases := []struct {
		name, person, start, key string
		scope                    area.Scope
	}{
		{"taken", p2.ID, "2026-06-01", "employ.error.post_taken", scopeA},
		{"taken before the holder came", p2.ID, "2025-06-01", "employ.error.post_taken", scopeA},
		{"person of another township", pb.ID, "2026-06-01", "employ.error.person", scopeA},
		{"post of another township", p2.ID, "2026-06-01", "not_found", scopeB},
	}
	for _, c := range cases {
		err := e.try(func(tx *store.Tx) error {
			_, err := employ.AssignPost(e.ctx, tx, c.scope, post.ID, c.person, c.start, today)
			return err
		})
		if keyOf(err) != c.key {
			t.Errorf("%s: got %q (%v), want %q", c.name, keyOf(err), err, c.key)
		}
	}
	posts, err := employ.ListPosts(e.ctx, e.db, countyScope, "2026-06-01")
	if err != nil || len(posts) != 1 || posts[0].Holder == nil || posts[0].Holder.PersonID != p1.ID {
		t.Fatalf("posts %+v %v", posts, err)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := employ.EndRecord(e.ctx, tx, scopeA, r.ID, "2026-06-30")
		return err
	})
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.EndRecord(e.ctx, tx, scopeA, r.ID, "2026-07-30")
		return err
	}); keyOf(err) != "employ.error.already_ended" {
		t.Errorf("ended twice: %v", err)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := employ.AssignPost(e.ctx, tx, scopeA, post.ID, p2.ID, "2026-07-01", today)
		return err
	})
	posts, _ = employ.ListPosts(e.ctx, e.db, countyScope, "2026-08-01")
	if posts[0].Holder == nil || posts[0].Holder.PersonID != p2.ID {
		t.Fatalf("after the change the holder is %+v", posts[0].Holder)
	}
	// The audit log has every write.
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('employ.post.save', 'employ.post.assign', 'employ.record.end')`); n != 4 {
		t.Errorf("%d audit entries, want 4", n)
	}
}

// A person who leaves the register stops being counted: open records and
// place work end on the day of death, and the post is free.
func TestLeaveEndsRecords(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	var post employ.Post
	e.tx(func(tx *store.Tx) (err error) {
		post, err = employ.SavePost(e.ctx, tx, countyScope, employ.Post{Name: "护林员", AreaCode: villageA, Sponsor: "林业局", MonthlyPay: 100000})
		if err != nil {
			return err
		}
		_, err = employ.AssignPost(e.ctx, tx, countyScope, post.ID, p.ID, "2026-01-01", today)
		return err
	})
	e.tx(func(tx *store.Tx) error {
		_, err := registry.Died(e.ctx, tx, countyScope, p.ID, registry.Event{EffectiveDate: "2026-09-15", Source: "家属"}, today)
		return err
	})
	rs, err := employ.ListRecords(e.ctx, e.db, countyScope, employ.RecordFilter{PersonID: p.ID})
	if err != nil || len(rs) != 1 || rs[0].EndDate != "2026-09-15" {
		t.Fatalf("records after death: %+v %v", rs, err)
	}
	if got, _, _ := employ.EmployedOn(e.ctx, e.db, countyScope, p.ID, "2026-10-01"); got {
		t.Error("still employed after death")
	}
}

// Updating keeps a holding a holding and refuses to turn a plain record
// into one.
func TestUpdateRecord(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	var r employ.Record
	e.tx(func(tx *store.Tx) (err error) {
		r, err = employ.CreateRecord(e.ctx, tx, countyScope, employ.Record{PersonID: p.ID, Form: "rural", StartDate: "2026-01-01", MonthlyIncome: 100000}, today)
		return err
	})
	r.MonthlyIncome, r.Form = 310000, "home"
	e.tx(func(tx *store.Tx) (err error) { r, err = employ.UpdateRecord(e.ctx, tx, scopeA, r); return err })
	got, _ := employ.GetRecord(e.ctx, e.db, countyScope, r.ID)
	if got.MonthlyIncome != 310000 || got.Form != "home" {
		t.Fatalf("after update %+v", got)
	}
	r.Form, r.Employer = employ.FormPublicWelfare, "x"
	if err := e.try(func(tx *store.Tx) error { _, err := employ.UpdateRecord(e.ctx, tx, countyScope, r); return err }); keyOf(err) != "employ.error.use_post" {
		t.Errorf("plain record became a holding: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error { _, err := employ.UpdateRecord(e.ctx, tx, scopeB, r); return err }); keyOf(err) != "not_found" {
		t.Errorf("township B changed a record of A: %v", err)
	}
}

func TestSeekerProfile(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	k := employ.Seeker{PersonID: p.ID, Skills: "编织", Direction: "手工", Availability: "part_time"}
	e.tx(func(tx *store.Tx) (err error) { k, err = employ.SaveSeeker(e.ctx, tx, scopeA, k, today); return err })
	if k.RegisteredOn != "2026-11-30" {
		t.Errorf("registered on %s", k.RegisteredOn)
	}
	k.Skills, k.RegisteredOn = "编织、电脑", ""
	e.tx(func(tx *store.Tx) (err error) {
		k, err = employ.SaveSeeker(e.ctx, tx, countyScope, k, today.AddDate(0, 0, 3))
		return err
	})
	got, err := employ.GetSeeker(e.ctx, e.db, countyScope, p.ID)
	if err != nil || got.Skills != "编织、电脑" || got.RegisteredOn != "2026-11-30" {
		t.Fatalf("profile %+v %v", got, err)
	}
	for _, c := range []struct {
		edit  func(k *employ.Seeker)
		scope area.Scope
		key   string
	}{
		{func(k *employ.Seeker) { k.Availability = "" }, countyScope, "validate.choose"},
		{func(k *employ.Seeker) {}, scopeB, "employ.error.person"},
		{func(k *employ.Seeker) { k.RegisteredOn = "2027-01-01" }, countyScope, "employ.error.future"},
	} {
		kk := got
		c.edit(&kk)
		if err := e.try(func(tx *store.Tx) error { _, err := employ.SaveSeeker(e.ctx, tx, c.scope, kk, today); return err }); keyOf(err) != c.key {
			t.Errorf("got %q (%v), want %q", keyOf(err), err, c.key)
		}
	}
}
