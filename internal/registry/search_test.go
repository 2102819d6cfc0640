package registry_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func TestSearchKeysAndFilters(t *testing.T) {
	db, ctx := setup(t)
	mk := func(n registry.NewPerson) registry.Person { return mustCreate(t, db, ctx, n) }
	zsf := mk(registry.NewPerson{IDNumber: idNumber(1950, 3, 4, 15, registry.SexMale), Name: "张三丰", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade2, Phone: "13812345678", Dibao: true, CertificateIssuedOn: "2016-01-05"})
	zs := mk(registry.NewPerson{IDNumber: idNumber(2015, 6, 7, 16, registry.SexFemale), Name: "张淑华", VillageCode: villageC,
		Category: registry.Intellectual, Grade: registry.Grade1, GuardianName: "张大", GuardianPhone: "13900001111", CertificateIssuedOn: "2020-03-01"})
	li := mk(registry.NewPerson{IDNumber: idNumber(1985, 9, 10, 17, registry.SexMale), Name: "李四", VillageCode: villageB,
		Category: registry.Vision, Grade: registry.Grade4, Tekun: true, PovertyRegistered: true})
	dead := mk(registry.NewPerson{IDNumber: idNumber(1940, 1, 1, 19, registry.SexMale), Name: "张老", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade1})
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, area.All(), dead.ID, registry.Event{EffectiveDate: "2026-01-01", Source: "家属"}, today)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	names := func(ps []registry.Person) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		q    string // query string, read by ParseFilter
		want string
	}{
		{"q=zsf", "张三丰"},
		{"q=ZS", "张三丰,张淑华"},
		{"q=z+s", "张三丰,张淑华"},
		{"q=zsfx", ""},
		{"q=ls", "李四"},
		{"q=" + zsf.IDNumber[14:], "张三丰"},                // last 4
		{"q=" + zsf.IDNumber[12:], "张三丰"},                // last 6
		{"q=" + strings.ToLower(li.IDNumber[13:]), "李四"}, // last 5, a lower-case x read as X
		{"q=" + zsf.IDNumber, "张三丰"},                     // full
		{"q=" + zsf.IDNumber[:17], ""},                   // 17 characters: no such number
		{"q=" + zs.CertificateNo, "张淑华"},                 // certificate number
		{"q=138-1234-5678", "张三丰"},                       // phone, as typed
		{"q=13900001111", "张淑华"},                         // the guardian's phone
		{"q=" + url.QueryEscape("张"), "张三丰,张淑华"},         // the dead are not active
		{"q=" + url.QueryEscape("张") + "&status=all", "张三丰,张淑华,张老"},
		{"status=deceased", "张老"},
		{"sex=2", "张淑华"},
		{"age_from=60", "张三丰"},               // born 1950: 76
		{"age_to=10", ""},                    // 张淑华 is 11
		{"age_from=40&age_to=41", "李四"},      // born 1985-09-10: 41
		{"age_from=11&age_to=11", "张淑华"},     // born 2015-06-07: 11
		{"expired=1", "张三丰"},                 // issued 2016-01-05: valid through 2026-01-04
		{"expires_before=2030-02-28", "张三丰"}, // issued 2020-03-01: valid through 2030-02-28
		{"expires_before=2030-03-01", "张三丰,张淑华"},
		{"dibao=1", "张三丰"},
		{"tekun=1&poverty=1", "李四"},
		{"category=5&grade=1", "张淑华"},
		{"area=" + townB, "李四"},
		{"sort=name", "张三丰,张淑华,李四"},
		{"sort=birth_date&order=desc", "张淑华,李四,张三丰"},
		{"sort=village", "张三丰,张淑华,李四"},
	}
	for _, c := range cases {
		v, _ := url.ParseQuery(c.q)
		if !v.Has("sort") {
			// The expectations are in registration order; pages default to
			// village order (TestDefaultSortIsVillage).
			v.Set("sort", registry.SortRegistered)
		}
		f, es := registry.ParseFilter(v)
		if len(es) > 0 {
			t.Errorf("ParseFilter(%s): %v", c.q, es)
			continue
		}
		f.Today = today
		got, err := registry.Search(ctx, db, area.ScopeOf(county), f)
		if err != nil {
			t.Fatal(err)
		}
		if names(got) != c.want {
			t.Errorf("Search %s = %s, want %s", c.q, names(got), c.want)
		}
	}
}

// Every sort, both ways, pages through everyone exactly once and in order,
// with ties (same name, same birth date, same village) broken by id.
func TestSearchSortAndPages(t *testing.T) {
	db, ctx := setup(t)
	persons := registry.Demo(randFor(11), testAreas, 230, today)
	// Force ties on every sort key.
	for i := range persons {
		if i%3 == 0 {
			persons[i].Name = "王芳"
			persons[i].NameInitials = "wf"
		}
	}
	if err := registry.BulkInsert(context.Background(), db, persons); err != nil {
		t.Fatal(err)
	}
	s := area.ScopeOf(county)
	all, err := registry.Search(ctx, db, s, registry.Filter{Status: registry.StatusAll, Limit: 1000})
	if err != nil || len(all) != len(persons) {
		t.Fatalf("all = %d, %v", len(all), err)
	}
	key := map[string]func(p registry.Person) string{
		registry.SortRegistered: func(p registry.Person) string { return "" },
		registry.SortName:       func(p registry.Person) string { return p.Name },
		registry.SortBirthDate:  func(p registry.Person) string { return p.BirthDate },
		registry.SortVillage:    func(p registry.Person) string { return p.VillageCode },
	}
	// With a category the village order reads its own index (search_index.go).
	for _, c := range []struct {
		sort string
		cat  registry.Category
	}{{registry.SortRegistered, 0}, {registry.SortName, 0}, {registry.SortBirthDate, 0}, {registry.SortVillage, 0},
		{registry.SortVillage, registry.Physical}, {registry.SortName, registry.Physical}} {
		sort := c.sort
		for _, desc := range []bool{false, true} {
			f := registry.Filter{Status: registry.StatusAll, Sort: sort, Desc: desc, Limit: 17, Category: c.cat}
			var got []registry.Person
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("too many pages")
				}
				page, err := registry.Search(ctx, db, s, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if len(page) < f.Limit {
					break
				}
				f.After = f.Cursor(page[len(page)-1])
			}
			want := slices.DeleteFunc(slices.Clone(all), func(p registry.Person) bool { return c.cat != 0 && p.Category != c.cat })
			slices.SortFunc(want, func(a, b registry.Person) int {
				c := strings.Compare(key[sort](a), key[sort](b))
				if c == 0 {
					c = strings.Compare(a.ID, b.ID)
				}
				if desc {
					c = -c
				}
				return c
			})
			if len(got) != len(want) {
				t.Errorf("sort %s desc %v: %d persons over the pages, want %d", sort, desc, len(got), len(want))
				continue
			}
			for i := range want {
				if got[i].ID != want[i].ID {
					t.Errorf("sort %s desc %v: position %d is %s, want %s", sort, desc, i, got[i].ID, want[i].ID)
					break
				}
			}
		}
	}
	// SearchEach walks the same.
	n := 0
	if err := registry.SearchEach(ctx, db, s, registry.Filter{Status: registry.StatusAll, Sort: registry.SortName}, func(registry.Person) error { n++; return nil }); err != nil || n != len(persons) {
		t.Errorf("SearchEach saw %d, %v", n, err)
	}
}

func TestParseFilter(t *testing.T) {
	good, es := registry.ParseFilter(url.Values{"q": {" 王 "}, "area": {townA}, "category": {"7"}, "grade": {"2"}, "sex": {"1"},
		"age_from": {"16"}, "age_to": {"59"}, "status": {"all"}, "expires_before": {"2027-01-01"}, "expired": {"1"},
		"dibao": {"true"}, "tekun": {"on"}, "poverty": {"0"}, "sort": {"name"}, "order": {"desc"}, "after": {"x~y"}, "limit": {"20"}})
	if len(es) > 0 || good.Query != "王" || good.AreaCode != townA || good.Category != registry.Multiple || good.Grade != 2 || good.Sex != 1 ||
		good.AgeFrom != 16 || good.AgeTo == nil || *good.AgeTo != 59 || good.Status != registry.StatusAll || good.ExpiresBefore != "2027-01-01" ||
		!good.Expired || !good.Dibao || !good.Tekun || good.PovertyRegistered || good.Sort != "name" || !good.Desc || good.After != "x~y" || good.Limit != 20 {
		t.Errorf("ParseFilter = %+v, %v", good, es)
	}
	// Values is ParseFilter's inverse (without paging).
	again, _ := registry.ParseFilter(good.Values())
	again.After, again.Limit = good.After, good.Limit
	if again.Values().Encode() != good.Values().Encode() {
		t.Errorf("round trip %s != %s", again.Values().Encode(), good.Values().Encode())
	}
	if f, es := registry.ParseFilter(url.Values{}); len(es) > 0 || f.Status != "" || f.AgeTo != nil {
		t.Errorf("empty filter = %+v, %v", f, es)
	}
	for _, c := range []struct{ param, value, field string }{
		{"area", "3415", "filter.area"},
		{"category", "8", "filter.category"},
		{"category", "x", "filter.category"},
		{"grade", "0", "filter.grade"},
		{"sex", "3", "filter.sex"},
		{"age_from", "-1", "filter.age_from"},
		{"age_to", "200", "filter.age_to"},
		{"status", "gone", "filter.status"},
		{"expires_before", "2027-02-30", "filter.expires_before"},
		{"expired", "yes", "filter.expired"},
		{"dibao", "2", "filter.dibao"},
		{"programme", "none", "filter.programme"},
		{"sort", "id_number", "filter.sort"},
		{"order", "up", "filter.order"},
		{"limit", "0", "filter.limit"},
		{"limit", "1001", "filter.limit"},
	} {
		_, es := registry.ParseFilter(url.Values{c.param: {c.value}})
		if len(es) != 1 || es[0].Field != c.field {
			t.Errorf("%s=%s: %v, want one problem on %s", c.param, c.value, es, c.field)
		} else if msg := es.Error(); msg == "" || strings.Contains(msg, "filter.") {
			t.Errorf("%s=%s: message %q is not translated", c.param, c.value, msg)
		}
	}
	if _, es := registry.ParseFilter(url.Values{"age_from": {"60"}, "age_to": {"16"}}); len(es) != 1 || es[0].Key != "filter.error.age_band" {
		t.Errorf("reversed age band: %v", es)
	}
}

func TestProgrammeHook(t *testing.T) {
	db, ctx := setup(t)
	a := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1960, 1, 1, 21, registry.SexMale), Name: "甲", VillageCode: villageA, Category: 4, Grade: 1})
	mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1960, 1, 2, 21, registry.SexMale), Name: "乙", VillageCode: villageA, Category: 4, Grade: 3})
	registry.RegisterProgramme("test_severe", "grade <= 2")
	f, es := registry.ParseFilter(url.Values{"programme": {"test_severe"}})
	got, err := registry.Search(ctx, db, area.All(), f)
	if len(es) > 0 || err != nil || len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("programme search = %+v, %v, %v", got, es, err)
	}
}

func TestSavedFilters(t *testing.T) {
	db, ctx := setup(t)
	save := func(user, name, query string) error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			_, err := registry.SaveFilter(ctx, tx, user, name, query)
			return err
		})
	}
	if err := save("u1", " 重度肢体 ", "category=4&grade=1&after=zzz"); err != nil {
		t.Fatal(err)
	}
	if err := save("u1", "低保", "dibao=1"); err != nil {
		t.Fatal(err)
	}
	if err := save("u2", "别人的", "sex=2"); err != nil {
		t.Fatal(err)
	}
	if err := save("u1", "低保", "dibao=1&sex=1"); err != nil { // the same name replaces
		t.Fatal(err)
	}
	for _, bad := range []struct{ name, query, key string }{
		{"", "sex=1", "validate.required"},
		{"坏", "sex=9", "filter.error.range"},
	} {
		if err := save("u1", bad.name, bad.query); !hasKey(err, bad.key) {
			t.Errorf("save %q %q: %v, want %s", bad.name, bad.query, err, bad.key)
		}
	}
	list, err := registry.SavedFilters(ctx, db, "u1")
	if err != nil || len(list) != 2 {
		t.Fatalf("u1's filters = %+v, %v", list, err)
	}
	byName := map[string]registry.SavedFilter{}
	for _, f := range list {
		byName[f.Name] = f
	}
	if byName["重度肢体"].Query != "category=4&grade=1" || byName["低保"].Query != "dibao=1&sex=1" {
		t.Errorf("saved queries %+v (paging dropped, canonical form)", list)
	}
	other, _ := registry.SavedFilters(ctx, db, "u2")
	// Another user can neither see nor delete u1's filters.
	err = db.InTx(ctx, func(tx *store.Tx) error { return registry.DeleteSavedFilter(ctx, tx, "u2", list[0].ID) })
	if len(other) != 1 || err != store.ErrNotFound {
		t.Errorf("u2 sees %+v; deleting u1's: %v", other, err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return registry.DeleteSavedFilter(ctx, tx, "u1", list[0].ID) }); err != nil {
		t.Fatal(err)
	}
	if list, _ := registry.SavedFilters(ctx, db, "u1"); len(list) != 1 {
		t.Errorf("after delete: %+v", list)
	}
}

// A page that names no order lists by village (the fast order at any
// scope), and its links keep it so.
func TestDefaultSortIsVillage(t *testing.T) {
	f, es := registry.ParseFilter(url.Values{})
	if len(es) > 0 || f.Sort != registry.SortVillage || f.Values().Has("sort") {
		t.Fatalf("default sort = %q, values %v", f.Sort, f.Values())
	}
	f, _ = registry.ParseFilter(url.Values{"sort": {registry.SortRegistered}})
	if f.Sort != registry.SortRegistered || f.Values().Get("sort") != registry.SortRegistered {
		t.Fatalf("registered order must survive a round trip: %q %v", f.Sort, f.Values())
	}
}
