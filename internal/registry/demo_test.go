package registry_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

func randFor(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func demo(seed uint64, n int) []registry.Person {
	return registry.Demo(randFor(seed), testAreas, n, today)
}

func TestDemoIsDeterministic(t *testing.T) {
	a, b := demo(7, 2000), demo(7, 2000)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different persons:\n%+v\n%+v", a[0], b[0])
	}
	if c := demo(8, 2000); reflect.DeepEqual(c[0], a[0]) {
		t.Fatalf("different seeds, same first person %+v", c[0])
	}
	ha := registry.DemoHistory(rand.New(rand.NewPCG(7, 2)), a)
	hb := registry.DemoHistory(rand.New(rand.NewPCG(7, 2)), b)
	if len(ha) == 0 || !slices.Equal(ha, hb) {
		t.Fatalf("same seed, different history (%d and %d entries)", len(ha), len(hb))
	}
}

// The demo is valid data with the intended shape: every ID number parses,
// agrees with sex and birth date and is unique; shares are near their
// targets.
func TestDemoIsValidAndRealistic(t *testing.T) {
	const n = 20000
	persons := demo(1, n)
	villages := map[string]bool{}
	for _, a := range testAreas {
		if a.Level == area.Village {
			villages[a.Code] = true
		}
	}
	ids, numbers := map[string]bool{}, map[string]bool{}
	near := func(what string, got, wantPct, tolPct int) {
		if pct := got * 100 / n; pct < wantPct-tolPct || pct > wantPct+tolPct {
			t.Errorf("%s: %d%%, want %d±%d%%", what, pct, wantPct, tolPct)
		}
	}
	var over60, children, deceased, changed, expired, dibao int
	cats := map[registry.Category]int{}
	grades := map[registry.Grade]int{}
	for _, p := range persons {
		info, err := registry.ParseIDNumber(p.IDNumber, today)
		if err != nil {
			t.Fatalf("%s: %v", p.IDNumber, err)
		}
		if info.Sex != p.Sex || info.BirthDate.Format(time.DateOnly) != p.BirthDate || info.AreaCode != registry.DemoIDArea {
			t.Fatalf("%+v does not agree with its ID number", p)
		}
		if numbers[p.IDNumber] || ids[p.ID] {
			t.Fatalf("duplicate ID number or id: %+v", p)
		}
		numbers[p.IDNumber], ids[p.ID] = true, true
		if p.CertificateNo != registry.CertificateNumber(p.IDNumber, p.Category, p.Grade) {
			t.Fatalf("%+v: certificate number", p)
		}
		if !villages[p.VillageCode] {
			t.Fatalf("%+v: not in a village", p)
		}
		if l := utf8.RuneCountInString(p.Name); l < 2 || l > 3 {
			t.Fatalf("name %q", p.Name)
		}
		if !p.Status.Valid() || p.CreatedAt > p.UpdatedAt || p.CreatedAt[:10] < p.BirthDate || p.UpdatedAt >= today.Format(time.DateOnly) {
			t.Fatalf("%+v: status or times", p)
		}
		if (p.Version == 2) != (p.UpdatedAt != p.CreatedAt) {
			t.Fatalf("%+v: version and update time disagree", p)
		}
		switch age := p.Age(today); {
		case age >= 60:
			over60++
		case age < 15:
			children++
		}
		if p.Status == registry.StatusDeceased {
			deceased++
		}
		if p.Version == 2 {
			changed++
		}
		cats[p.Category]++
		grades[p.Grade]++
		if p.Category == registry.Multiple && (len(p.Components) < 2 || registry.MultipleGrade(p.Components) != p.Grade) ||
			p.Category != registry.Multiple && len(p.Components) > 0 {
			t.Fatalf("%+v: components", p)
		}
		minor := p.Age(today) < 18
		if (minor || p.Category == registry.Intellectual || p.Category == registry.Mental) && (p.GuardianName == "" || !registry.ValidPhone(p.GuardianPhone)) {
			t.Fatalf("%+v: no guardian", p)
		}
		if p.Phone != "" && !registry.ValidPhone(p.Phone) || p.NameInitials != registry.NameInitials(p.Name) || p.HouseholdAddress == "" {
			t.Fatalf("%+v: phone, initials or address", p)
		}
		if p.CertificateExpired(today) {
			expired++
		}
		if p.Dibao {
			dibao++
		}
		if p.Status == registry.StatusDeceased && p.DeathDate != p.UpdatedAt[:10] {
			t.Fatalf("%+v: death date", p)
		}
	}
	near("低保", dibao, 15, 2)
	near("expired certificates", expired, 8, 3)
	near("60 and over", over60, 60, 3)
	near("children", children, 4, 2)
	near("deceased", deceased, 2, 1)
	near("changed since registration", changed, 7, 2)
	near("physical", cats[registry.Physical], 48, 3)
	near("multiple", cats[registry.Multiple], 14, 2)
	near("speech", cats[registry.Speech], 1, 1)
	near("grade 1", grades[registry.Grade1], 12, 2)
	near("grade 4", grades[registry.Grade4], 35, 3)

	// Those that changed have a registration and a change in their history.
	hist := registry.DemoHistory(rand.New(rand.NewPCG(1, 2)), persons)
	if len(hist) != 2*changed {
		t.Fatalf("history entries = %d, want %d", len(hist), 2*changed)
	}
	for i := 0; i < len(hist); i += 2 {
		if c := hist[i+1].Change; hist[i].Change != registry.ChangeCreate || c != registry.ChangeDied && c != registry.ChangeRegrade ||
			len(hist[i+1].Changes()) == 0 || hist[i+1].EffectiveDate == "" {
			t.Fatalf("history %+v %+v", hist[i], hist[i+1])
		}
	}
}

// BulkInsert loads what Demo makes, and the category summary equals a
// direct count of the rows and of the slice.
func TestBulkInsertAndCountByCategory(t *testing.T) {
	db, ctx := setup(t)
	const n = 3017 // not a multiple of any batch size
	persons := demo(3, n)
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		t.Fatal(err)
	}
	hist := registry.DemoHistory(rand.New(rand.NewPCG(3, 2)), persons)
	if err := registry.BulkInsertHistory(ctx, db, hist); err != nil {
		t.Fatal(err)
	}
	if got := count(t, db, "persons"); got != n {
		t.Fatalf("persons = %d, want %d", got, n)
	}
	if got := count(t, db, "person_history"); got != len(hist) {
		t.Fatalf("history rows = %d, want %d", got, len(hist))
	}
	for _, code := range []string{"", county, townA, villageB} {
		s := area.ScopeOf(code)
		counts, total, err := registry.CountByCategory(ctx, db, s)
		if err != nil {
			t.Fatal(err)
		}
		want := map[registry.Category]int{}
		wantTotal := 0
		for _, p := range persons {
			if p.Status == registry.StatusActive && s.Contains(p.VillageCode) {
				want[p.Category]++
				wantTotal++
			}
		}
		direct := map[registry.Category]int{}
		cond, args := s.Filter("village_code", 1)
		rows, err := db.QueryContext(ctx, `SELECT category, COUNT(*) FROM persons WHERE status = 'active' AND `+cond+` GROUP BY category`, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c registry.Category
			var k int
			if err := rows.Scan(&c, &k); err != nil {
				t.Fatal(err)
			}
			direct[c] = k
		}
		rows.Close()
		if total != wantTotal || wantTotal == 0 {
			t.Errorf("scope %q: total %d, want %d", code, total, wantTotal)
		}
		for _, c := range registry.Categories {
			if counts[c] != want[c] || counts[c] != direct[c] {
				t.Errorf("scope %q, category %d: %d, slice says %d, COUNT says %d", code, c, counts[c], want[c], direct[c])
			}
		}
	}

	// One audit entry per load, none per person.
	comps := 0
	for _, p := range persons {
		comps += len(p.Components)
	}
	for action, rows := range map[string]int{"person.bulk_load": n, "person_history.bulk_load": len(hist), "person_component.bulk_load": comps} {
		entries, err := audit.Search(ctx, db, audit.Filter{Action: action})
		if err != nil || len(entries) != 1 || entries[0].Detail != strconv.Itoa(rows)+" rows" {
			t.Errorf("%s audit = %+v, %v", action, entries, err)
		}
	}
	if got := count(t, db, "audit_log"); got != 3 {
		t.Errorf("audit entries = %d, want 3", got)
	}

	// A loaded person reads back as generated, with its history.
	var p registry.Person
	for _, x := range persons {
		if x.Version == 2 {
			p = x
			break
		}
	}
	got, err := registry.Get(ctx, db, area.All(), p.ID)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, p)
	}
	if h, err := registry.History(ctx, db, area.All(), p.ID); err != nil || len(h) != 2 || h[0].Seq != 2 {
		t.Errorf("history of %s = %+v, %v", p.Name, h, err)
	}
}

func BenchmarkDemo(b *testing.B) {
	for b.Loop() {
		demo(1, 10000)
	}
}
