package registry_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

func TestCreateWritesPersonHistoryAndAudit(t *testing.T) {
	db, ctx := setup(t)
	p := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: " 11010519491231002x ", Name: " 王秀英 ", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade2})

	want := registry.Person{ID: p.ID, IDNumber: "11010519491231002X", Name: "王秀英", Sex: registry.SexFemale, BirthDate: "1949-12-31",
		VillageCode: villageA, Category: registry.Physical, Grade: registry.Grade2, CertificateNo: "11010519491231002X42",
		Status: registry.StatusActive, CreatedAt: p.CreatedAt, UpdatedAt: p.CreatedAt, Version: 1, NameInitials: "wxy"}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("created\n%+v\nwant\n%+v", p, want)
	}
	if got, err := registry.Get(ctx, db, area.ScopeOf(townA), p.ID); err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if age := p.Age(today); age != 76 {
		t.Errorf("age on %s = %d, want 76", today.Format(time.DateOnly), age)
	}
	if m, c := p.MaskedIDNumber(), p.MaskedCertificateNo(); m != "110105********002X" || c != "110105********002X42" {
		t.Errorf("masked = %s, %s", m, c)
	}

	hist, err := registry.History(ctx, db, area.ScopeOf(townA), p.ID)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	h := hist[0]
	var after registry.Person
	if err := json.Unmarshal([]byte(h.After), &after); err != nil || !reflect.DeepEqual(after, p) {
		t.Errorf("history after = %s (%v)", h.After, err)
	}
	if h.Seq != 1 || h.Change != registry.ChangeCreate || h.Before != "" || h.Actor != "tester" {
		t.Errorf("history entry = %+v", h)
	}

	rows, err := audit.Search(ctx, db, audit.Filter{Object: p.ID})
	if err != nil || len(rows) != 1 {
		t.Fatalf("audit = %+v, %v", rows, err)
	}
	a := rows[0]
	if a.Action != "person.create" || a.ObjectType != "person" || a.AreaCode != villageA || a.ActorID != "u-test" || a.Before != "" {
		t.Errorf("audit entry = %+v", a)
	}
	if err := json.Unmarshal([]byte(a.After), &after); err != nil || !reflect.DeepEqual(after, auditMasked(p)) {
		t.Errorf("audit after = %s (%v)", a.After, err)
	}
	if res, err := audit.Verify(ctx, db); err != nil || res.BrokenAt != 0 {
		t.Errorf("audit chain: %+v, %v", res, err)
	}
}

func TestCreateRefusesDuplicateAndWritesNothing(t *testing.T) {
	db, ctx := setup(t)
	first := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: "11010519491231002X", Name: "王秀英", VillageCode: villageB,
		Category: registry.Vision, Grade: registry.Grade1})

	for _, c := range []struct {
		scope   string
		inScope bool
	}{{townA, false}, {county, true}, {townB, true}} {
		// The 15-digit form of the same number is the same person.
		n := registry.NewPerson{IDNumber: "110105491231002", Name: "王秀英", VillageCode: villageB, Category: registry.Vision, Grade: registry.Grade1}
		if c.scope == townA {
			n.VillageCode = villageA
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := registry.Create(ctx, tx, area.ScopeOf(c.scope), n, today)
			return err
		})
		var dup *registry.DuplicateError
		if !errors.As(err, &dup) {
			t.Fatalf("scope %s: want DuplicateError, got %v", c.scope, err)
		}
		if dup.ExistingID != first.ID || dup.InScope != c.inScope {
			t.Errorf("scope %s: duplicate = %+v, want existing %s in scope %v", c.scope, dup, first.ID, c.inScope)
		}
		var es validate.Errors
		if !errors.As(err, &es) || !hasError(es, "person.id_number", "person.error.duplicate") {
			t.Errorf("scope %s: validation errors = %v", c.scope, es)
		}
	}
	if n := count(t, db, "persons"); n != 1 {
		t.Errorf("persons = %d, want 1", n)
	}
	if n := count(t, db, "person_history"); n != 1 {
		t.Errorf("history rows = %d, want 1", n)
	}
	if n := count(t, db, "audit_log"); n != 1 {
		t.Errorf("audit rows = %d, want 1", n)
	}
}

func containsPerson(ps []registry.Person, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

func hasError(es validate.Errors, field, key string) bool {
	for _, e := range es {
		if e.Field == field && e.Key == key {
			return true
		}
	}
	return false
}

func TestCreateValidation(t *testing.T) {
	db, ctx := setup(t)
	good := registry.NewPerson{IDNumber: idNumber(1950, 3, 1, 10, registry.SexMale), Name: "李建国", VillageCode: villageA,
		Category: registry.Hearing, Grade: registry.Grade3}
	cases := []struct {
		name  string
		edit  func(n *registry.NewPerson)
		field string
		key   string
		args  []any
	}{
		{"empty ID", func(n *registry.NewPerson) { n.IDNumber = " " }, "person.id_number", "person.error.id_empty", nil},
		{"short ID", func(n *registry.NewPerson) { n.IDNumber = "11010519491231002" }, "person.id_number", "person.error.id_length", []any{17}},
		{"letters", func(n *registry.NewPerson) { n.IDNumber = "11010519491231002Y" }, "person.id_number", "person.error.id_chars", nil},
		{"province", func(n *registry.NewPerson) { n.IDNumber = "00010519491231002X" }, "person.id_number", "person.error.id_province", []any{"00"}},
		{"birth", func(n *registry.NewPerson) { n.IDNumber = "110105194913310021" }, "person.id_number", "person.error.id_birth", []any{"19491331"}},
		{"future", func(n *registry.NewPerson) { n.IDNumber = idNumber(2027, 1, 1, 10, registry.SexMale) }, "person.id_number", "person.error.id_future", nil},
		{"check", func(n *registry.NewPerson) { n.IDNumber = "110105194912310021" }, "person.id_number", "person.error.id_check", []any{"X", "1"}},
		{"excel", func(n *registry.NewPerson) { n.IDNumber = "3.41523E+17" }, "person.id_number", "person.error.id_excel", nil},
		{"no name", func(n *registry.NewPerson) { n.Name = "" }, "person.name", "validate.required", nil},
		{"long name", func(n *registry.NewPerson) { n.Name = strings.Repeat("张", 51) }, "person.name", "person.error.name_long", []any{50}},
		{"no village", func(n *registry.NewPerson) { n.VillageCode = "" }, "person.village", "validate.required", nil},
		{"unknown village", func(n *registry.NewPerson) { n.VillageCode = "341599001999" }, "person.village", "person.error.unknown_village", []any{"341599001999"}},
		{"township", func(n *registry.NewPerson) { n.VillageCode = townA }, "person.village", "person.error.not_village", []any{"城关街道"}},
		{"outside scope", func(n *registry.NewPerson) { n.VillageCode = villageB }, "person.village", "person.error.village_outside", []any{"李庄村"}},
		{"no category", func(n *registry.NewPerson) { n.Category = 0 }, "person.category", "validate.choose", nil},
		{"category 8", func(n *registry.NewPerson) { n.Category = 8 }, "person.category", "validate.choose", nil},
		{"grade 5", func(n *registry.NewPerson) { n.Grade = 5 }, "person.grade", "validate.choose", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := good
			c.edit(&n)
			err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := registry.Create(ctx, tx, area.ScopeOf(townA), n, today)
				return err
			})
			var es validate.Errors
			if !errors.As(err, &es) {
				t.Fatalf("want validation errors, got %v", err)
			}
			want := validate.FieldError{Field: c.field, Key: c.key, Args: c.args}
			if len(es) != 1 || es[0].Field != want.Field || es[0].Key != want.Key || !equalArgs(es[0].Args, want.Args) {
				t.Fatalf("errors = %+v, want [%+v]", es, want)
			}
			for _, l := range i18n.Langs {
				if !i18n.Has(l, c.key) || strings.Contains(es[0].Text(l), "%!") {
					t.Errorf("%s: message %q renders as %q", l, c.key, es[0].Text(l))
				}
			}
		})
	}
	if msg := i18n.T(i18n.ZH, "person.error.id_excel"); msg != registry.ExcelDamageMessage {
		t.Errorf("Excel message = %q, want %q", msg, registry.ExcelDamageMessage)
	}
	if n := count(t, db, "persons") + count(t, db, "person_history") + count(t, db, "audit_log"); n != 0 {
		t.Errorf("refused creations wrote %d rows", n)
	}
	mustCreate(t, db, ctx, good) // and the unedited input is fine
}

func equalArgs(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A township's worker never sees another township's person, however asked.
func TestScopeLimitsEveryRead(t *testing.T) {
	db, ctx := setup(t)
	a := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1960, 5, 6, 20, registry.SexMale), Name: "王建军", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade3})
	b := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1961, 7, 8, 30, registry.SexMale), Name: "王建华", VillageCode: villageB,
		Category: registry.Physical, Grade: registry.Grade3})
	town := area.ScopeOf(townA)

	if _, err := registry.Get(ctx, db, town, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of another township's person: %v", err)
	}
	if _, err := registry.Get(ctx, db, town, "no-such-id"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a missing person: %v", err)
	}
	// Each of these finds B's person when there is no scope, so it is the
	// scope alone that keeps her from township A.
	for _, f := range []registry.Filter{
		{},
		{Query: "王"},
		{Query: "王建华"},
		{Query: b.IDNumber},
		{Query: b.IDNumber[:6] + b.IDNumber[8:17]},
		{Query: b.CertificateNo},
		{AreaCode: townB},
		{AreaCode: villageB},
		{AreaCode: county}, // above the scope: not inside it
		{Category: registry.Physical, Grade: registry.Grade3},
	} {
		if all, err := registry.Search(ctx, db, area.All(), f); err != nil || !containsPerson(all, b.ID) {
			t.Fatalf("Search %+v without scope does not find B's person (%v)", f, err)
		}
		got, err := registry.Search(ctx, db, town, f)
		if err != nil {
			t.Fatal(err)
		}
		if containsPerson(got, b.ID) {
			t.Errorf("Search %+v in township A found township B's person", f)
		}
	}
	if got, _ := registry.Search(ctx, db, town, registry.Filter{Query: "王"}); len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("township A's name search = %+v, want only %s", got, a.Name)
	}
	if h, err := registry.History(ctx, db, town, b.ID); err != nil || len(h) != 0 {
		t.Errorf("History of another township's person = %+v, %v", h, err)
	}
	counts, total, err := registry.CountByCategory(ctx, db, town)
	if err != nil || total != 1 || counts[registry.Physical] != 1 {
		t.Errorf("CountByCategory(township A) = %v, %d, %v", counts, total, err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := registry.Update(ctx, tx, town, b.ID, registry.UpdatePerson{NewPerson: registry.NewPerson{Name: "x", VillageCode: villageA, Category: 1, Grade: 1}, Reason: "test"})
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update of another township's person: %v", err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := registry.Update(ctx, tx, town, a.ID, registry.UpdatePerson{NewPerson: registry.NewPerson{Name: a.Name, VillageCode: villageB, Category: a.Category, Grade: a.Grade}, Reason: "test"})
		return err
	})
	var es validate.Errors
	if !errors.As(err, &es) || !hasError(es, "person.village", "person.error.village_outside") {
		t.Errorf("moving a person out of the scope: %v", err)
	}
}

func TestSearch(t *testing.T) {
	db, ctx := setup(t)
	mk := func(name string, y, seq int, village string, c registry.Category, g registry.Grade) registry.Person {
		return mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(y, 1, 2, seq, registry.SexFemale), Name: name, VillageCode: village, Category: c, Grade: g})
	}
	wang := mk("王芳", 1950, 2, villageA, registry.Vision, registry.Grade1)
	wangXM := mk("王小梅", 1951, 4, villageC, registry.Physical, registry.Grade2)
	mk("汪芳", 1952, 6, villageA, registry.Physical, registry.Grade1)
	legacy := mk("李红", 1953, 8, villageB, registry.Mental, registry.Grade4)
	mk("张兰", 1954, 10, villageB, registry.Mental, registry.Grade4)

	names := func(ps []registry.Person) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	all := area.All()
	cases := []struct {
		f    registry.Filter
		want string
	}{
		{registry.Filter{Query: "王"}, "王芳,王小梅"},
		{registry.Filter{Query: " 王小 "}, "王小梅"},
		{registry.Filter{Query: "王芳"}, "王芳"},
		{registry.Filter{Query: "芳"}, ""}, // a prefix, not a substring
		{registry.Filter{Query: wang.IDNumber}, "王芳"},
		{registry.Filter{Query: toFullWidth(wangXM.IDNumber)}, "王小梅"},
		{registry.Filter{Query: legacy.IDNumber[:6] + legacy.IDNumber[8:17]}, "李红"}, // the 15-digit form
		{registry.Filter{Query: legacy.CertificateNo}, "李红"},
		{registry.Filter{Query: legacy.IDNumber + "11"}, ""}, // a certificate number that is not hers
		{registry.Filter{AreaCode: townA}, "王芳,王小梅,汪芳"},
		{registry.Filter{AreaCode: villageA}, "王芳,汪芳"},
		{registry.Filter{AreaCode: "bad"}, ""},
		{registry.Filter{Category: registry.Physical}, "王小梅,汪芳"},
		{registry.Filter{Category: registry.Physical, Grade: registry.Grade1}, "汪芳"},
		{registry.Filter{Grade: registry.Grade4, AreaCode: townB}, "李红,张兰"},
	}
	for _, c := range cases {
		got, err := registry.Search(ctx, db, all, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if names(got) != c.want {
			t.Errorf("Search %+v = %s, want %s", c.f, names(got), c.want)
		}
	}

	// Keyset pages cover everyone once, in id order.
	var seen []string
	f := registry.Filter{Limit: 2}
	for page := 0; page < 5; page++ {
		got, err := registry.Search(ctx, db, all, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		for _, p := range got {
			seen = append(seen, p.Name)
		}
		f.After = f.Cursor(got[len(got)-1])
	}
	if strings.Join(seen, ",") != "王芳,王小梅,汪芳,李红,张兰" {
		t.Errorf("pages = %v", seen)
	}
}

// toFullWidth writes digits and X as full-width characters, as some input
// methods do.
func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		if r == 'X' {
			return 'ｘ'
		}
		return r
	}, s)
}

func TestUpdateKeepsHistory(t *testing.T) {
	db, ctx := setup(t)
	p := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: "11010519491231002X", Name: "王秀英", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade3})
	town := area.ScopeOf(townA)
	update := func(u registry.UpdatePerson) (registry.Person, error) {
		var got registry.Person
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			got, err = registry.Update(ctx, tx, town, p.ID, u)
			return err
		})
		return got, err
	}
	u := registry.UpdatePerson{NewPerson: registry.NewPerson{Name: "王秀英", VillageCode: villageC, Category: registry.Physical, Grade: registry.Grade2}, Reason: "户籍登记有误"}
	after, err := update(u)
	if err != nil {
		t.Fatal(err)
	}
	if after.Grade != registry.Grade2 || after.VillageCode != villageC || after.CertificateNo != "11010519491231002X42" || after.Version != 2 {
		t.Errorf("after update: %+v", after)
	}
	if again, err := update(u); err != nil || !reflect.DeepEqual(again, after) {
		t.Errorf("an update that changes nothing: %+v, %v", again, err)
	}
	if _, err := update(registry.UpdatePerson{NewPerson: registry.NewPerson{Name: "王秀英", VillageCode: villageC, Category: registry.Physical, Grade: registry.Grade1}}); !errors.As(err, new(validate.Errors)) {
		t.Errorf("an update without a reason: %v", err)
	}

	hist, err := registry.History(ctx, db, town, p.ID)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	if hist[0].Seq != 2 || hist[0].Change != registry.ChangeUpdate || hist[1].Seq != 1 {
		t.Errorf("history not newest first: %+v", hist)
	}
	wantChanges := []registry.FieldChange{
		{Field: "person.village", Before: villageA, After: villageC},
		{Field: "person.grade", Before: "3", After: "2"},
		{Field: "person.certificate_no", Before: "11010519491231002X43", After: "11010519491231002X42"},
	}
	if got := hist[0].Changes(); len(got) != len(wantChanges) || got[0] != wantChanges[0] || got[1] != wantChanges[1] || got[2] != wantChanges[2] {
		t.Errorf("changes = %+v, want %+v", got, wantChanges)
	}
	if hist[1].Changes() != nil {
		t.Errorf("a creation lists changes: %+v", hist[1].Changes())
	}

	rows, err := audit.Search(ctx, db, audit.Filter{Object: p.ID, Action: "person.update"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("audit = %+v, %v", rows, err)
	}
	var before, auditAfter registry.Person
	if json.Unmarshal([]byte(rows[0].Before), &before) != nil || !reflect.DeepEqual(before, auditMasked(p)) {
		t.Errorf("audit before = %s", rows[0].Before)
	}
	if json.Unmarshal([]byte(rows[0].After), &auditAfter) != nil || !reflect.DeepEqual(auditAfter, auditMasked(after)) {
		t.Errorf("audit after = %s", rows[0].After)
	}
}

// auditMasked is p as the audit log keeps it: personal numbers masked.
func auditMasked(p registry.Person) registry.Person {
	for _, v := range []*string{&p.IDNumber, &p.CertificateNo, &p.Phone, &p.GuardianPhone} {
		if *v != "" {
			*v = audit.MaskValue(*v)
		}
	}
	return p
}
