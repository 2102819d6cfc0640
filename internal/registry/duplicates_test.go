package registry_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// dupFixture is a registry with one duplicate of each kind and records that
// share a key but must not be listed.
type dupFixture struct {
	db  *store.DB
	ctx context.Context
	// Same name and birth date: a1 and a2 in village A (a group), a3 in
	// village C (another village: no group with them).
	a1, a2, a3 registry.Person
	// Same phone: p1 in township A, p2 in township B.
	p1, p2 registry.Person
	// Same certificate number (written by a bulk load): c1, c2 in A.
	c1, c2 registry.Person
}

func newDupFixture(t *testing.T) *dupFixture {
	db, ctx := setup(t)
	f := &dupFixture{db: db, ctx: ctx}
	person := func(name string, birth time.Time, seq int, village, phone string) registry.Person {
		return mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(birth.Year(), birth.Month(), birth.Day(), seq, registry.SexMale),
			Name: name, VillageCode: village, Category: registry.Physical, Grade: registry.Grade3, Phone: phone})
	}
	born := time.Date(1960, 5, 6, 0, 0, 0, 0, time.UTC)
	f.a1 = person("张三丰", born, 11, villageA, "")
	f.a2 = person("张三丰", born, 13, villageA, "")
	f.a3 = person("张三丰", born, 15, villageC, "")
	f.p1 = person("李四", born.AddDate(1, 0, 0), 21, villageA, "13900001111")
	f.p2 = person("李四海", born.AddDate(2, 0, 0), 23, villageB, "13900001111")
	f.c1 = person("赵一", born.AddDate(3, 0, 0), 31, villageA, "")
	f.c2 = person("钱二", born.AddDate(4, 0, 0), 33, villageC, "")
	// Data brought from elsewhere can carry another person's card number;
	// registration through the forms cannot.
	if _, err := db.ExecContext(ctx, `UPDATE persons SET certificate_no = $1, cert_hash = $2 WHERE id = $3`,
		crypt.Seal(registry.KindCertificateNo, f.c1.CertificateNo), registry.CertificateHash(f.c1.CertificateNo), f.c2.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// groupIDs lists each group's member ids.
func groupIDs(gs []registry.DuplicateGroup) [][]string {
	var out [][]string
	for _, g := range gs {
		var ids []string
		for _, p := range g.Persons {
			ids = append(ids, p.ID)
		}
		out = append(out, ids)
	}
	return out
}

func TestFindDuplicates(t *testing.T) {
	f := newDupFixture(t)
	for _, tc := range []struct {
		name  string
		scope string
		kind  registry.DuplicateKind
		want  [][]string
	}{
		{"name and birth in one village", county, registry.DupNameBirth, [][]string{{f.a1.ID, f.a2.ID}}},
		{"name and birth, village C alone", villageC, registry.DupNameBirth, nil},
		{"phone across townships", county, registry.DupPhone, [][]string{{f.p1.ID, f.p2.ID}}},
		{"phone, the other outside the scope", townA, registry.DupPhone, nil},
		{"certificate number", county, registry.DupCertificate, [][]string{{f.c1.ID, f.c2.ID}}},
		{"certificate number inside township A", townA, registry.DupCertificate, [][]string{{f.c1.ID, f.c2.ID}}},
		{"certificate number, township B", townB, registry.DupCertificate, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gs, next, err := registry.FindDuplicates(f.ctx, f.db, area.ScopeOf(tc.scope), tc.kind, "", 20)
			if err != nil {
				t.Fatal(err)
			}
			if got := groupIDs(gs); !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("groups %v, want %v", got, tc.want)
			}
			if next != "" {
				t.Errorf("next page %q after the last group", next)
			}
		})
	}
	if _, _, err := registry.FindDuplicates(f.ctx, f.db, area.ScopeOf(county), "colour", "", 20); err == nil {
		t.Error("an unknown kind is accepted")
	}
	if _, _, err := registry.FindDuplicates(f.ctx, f.db, area.ScopeOf(county), registry.DupNameBirth, "only-one-part", 20); err == nil {
		t.Error("a cursor of the wrong shape is accepted")
	}
}

func TestFindDuplicatesPages(t *testing.T) {
	f := newDupFixture(t)
	// A second name-and-birth group in village C.
	for _, seq := range []int{41, 43} {
		mustCreate(t, f.db, f.ctx, registry.NewPerson{IDNumber: idNumber(1970, 1, 2, seq, registry.SexFemale), Name: "王芳",
			VillageCode: villageC, Category: registry.Vision, Grade: registry.Grade1})
	}
	s := area.ScopeOf(county)
	first, next, err := registry.FindDuplicates(f.ctx, f.db, s, registry.DupNameBirth, "", 1)
	if err != nil || len(first) != 1 || next == "" {
		t.Fatalf("first page: %d groups, next %q, %v", len(first), next, err)
	}
	second, last, err := registry.FindDuplicates(f.ctx, f.db, s, registry.DupNameBirth, next, 1)
	if err != nil || len(second) != 1 || last != "" {
		t.Fatalf("second page: %d groups, next %q, %v", len(second), last, err)
	}
	if first[0].Cursor() == second[0].Cursor() {
		t.Error("the second page repeats the first")
	}
	if first[0].Key[0] != villageA || second[0].Key[0] != villageC {
		t.Errorf("pages not in village order: %v then %v", first[0].Key, second[0].Key)
	}
}

func TestDismissDuplicates(t *testing.T) {
	f := newDupFixture(t)
	s := area.ScopeOf(county)
	// A third 张三丰 in village A: a group of three.
	a4 := mustCreate(t, f.db, f.ctx, registry.NewPerson{IDNumber: idNumber(1960, 5, 6, 17, registry.SexMale), Name: "张三丰",
		VillageCode: villageA, Category: registry.Physical, Grade: registry.Grade3})
	dismiss := func(sc area.Scope, ids ...string) error {
		return f.db.InTx(f.ctx, func(tx *store.Tx) error { return registry.DismissDuplicates(f.ctx, tx, sc, ids) })
	}
	list := func() [][]string {
		gs, _, err := registry.FindDuplicates(f.ctx, f.db, s, registry.DupNameBirth, "", 20)
		if err != nil {
			t.Fatal(err)
		}
		return groupIDs(gs)
	}
	for _, tc := range []struct {
		name    string
		scope   string
		ids     []string
		wantErr bool
		want    [][]string
	}{
		{"one person is no pair", county, []string{f.a1.ID, f.a1.ID}, true, [][]string{{f.a1.ID, f.a2.ID, a4.ID}}},
		{"a person outside the scope", townB, []string{f.a1.ID, f.a2.ID}, true, [][]string{{f.a1.ID, f.a2.ID, a4.ID}}},
		// a1–a2 dismissed: both still pair with a4.
		{"one pair of three", county, []string{f.a1.ID, f.a2.ID}, false, [][]string{{f.a1.ID, f.a2.ID, a4.ID}}},
		// a1–a4 too: a1 pairs with nobody, a2–a4 remain.
		{"a second pair", county, []string{a4.ID, f.a1.ID}, false, [][]string{{f.a2.ID, a4.ID}}},
		{"the same pair again changes nothing", county, []string{f.a1.ID, a4.ID}, false, [][]string{{f.a2.ID, a4.ID}}},
		{"the last pair", county, []string{f.a2.ID, a4.ID}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := dismiss(area.ScopeOf(tc.scope), tc.ids...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if got := list(); !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("groups %v, want %v", got, tc.want)
			}
		})
	}
	if n := count(t, f.db, "person_duplicate_dismissals"); n != 3 {
		t.Errorf("%d dismissals stored, want 3", n)
	}
	var audits int
	if err := f.db.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, registry.ActionDismiss).Scan(&audits); err != nil || audits != 3 {
		t.Errorf("%d dismissal audit entries (%v), want 3", audits, err)
	}
}

func TestMerge(t *testing.T) {
	f := newDupFixture(t)
	s := area.ScopeOf(county)
	// a2 has a history of its own before the merge.
	if err := f.db.InTx(f.ctx, func(tx *store.Tx) error {
		in := f.a2.Input()
		in.Phone = "13811112222"
		_, err := registry.Update(f.ctx, tx, s, f.a2.ID, registry.UpdatePerson{NewPerson: in, Reason: "补录电话"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	merge := func(sc area.Scope, keep string, merged []string, reason string) (registry.Person, error) {
		var p registry.Person
		err := f.db.InTx(f.ctx, func(tx *store.Tx) (err error) {
			p, err = registry.Merge(f.ctx, tx, sc, keep, merged, reason)
			return err
		})
		return p, err
	}
	// Refusals write nothing.
	historyBefore := count(t, f.db, "person_history")
	for _, tc := range []struct {
		name     string
		scope    string
		keep     string
		merged   []string
		reason   string
		wantKey  string // the validation message, "" for not found
		notFound bool
	}{
		{"no reason", county, f.a1.ID, []string{f.a2.ID}, "  ", "validate.required", false},
		{"nothing to merge", county, f.a1.ID, nil, "重复登记", "duplicates.error.merged_none", false},
		{"no record kept", county, "", []string{f.a2.ID}, "重复登记", "duplicates.error.keep", false},
		{"merge into itself", county, f.a1.ID, []string{f.a1.ID, f.a2.ID}, "重复登记", "duplicates.error.merge_self", false},
		{"kept record outside the scope", townB, f.a1.ID, []string{f.a2.ID}, "重复登记", "", true},
		{"merged record outside the scope", townA, f.p1.ID, []string{f.p2.ID}, "重复登记", "", true},
		{"no such record", county, f.a1.ID, []string{"no-such-id"}, "重复登记", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := merge(area.ScopeOf(tc.scope), tc.keep, tc.merged, tc.reason)
			var es validate.Errors
			switch {
			case tc.notFound && !errors.Is(err, store.ErrNotFound):
				t.Fatalf("error %v, want not found", err)
			case !tc.notFound && (!errors.As(err, &es) || !slices.ContainsFunc(es, func(e validate.FieldError) bool { return e.Key == tc.wantKey })):
				t.Fatalf("error %v, want %s", err, tc.wantKey)
			}
		})
	}
	if n := count(t, f.db, "person_history"); n != historyBefore {
		t.Fatalf("refused merges wrote %d history entries", n-historyBefore)
	}

	kept, err := merge(s, f.a1.ID, []string{f.a2.ID}, "同一人重复登记")
	if err != nil {
		t.Fatal(err)
	}
	if kept.ID != f.a1.ID || kept.Version != f.a1.Version+1 || kept.Status != registry.StatusActive {
		t.Errorf("kept %s version %d status %s", kept.ID, kept.Version, kept.Status)
	}
	gone, err := registry.Get(f.ctx, f.db, s, f.a2.ID)
	if err != nil || gone.Status != registry.StatusMerged {
		t.Fatalf("merged record: status %s, %v", gone.Status, err)
	}
	if into, err := registry.MergedInto(f.ctx, f.db, f.a2.ID); err != nil || into != f.a1.ID {
		t.Errorf("merged into %q (%v), want %s", into, err, f.a1.ID)
	}
	// A merged record is not edited any more, and a status filter finds it.
	if err := f.db.InTx(f.ctx, func(tx *store.Tx) error {
		in := gone.Input()
		in.Phone = "13900001111"
		_, err := registry.Update(f.ctx, tx, s, gone.ID, registry.UpdatePerson{NewPerson: in, Reason: "补录"})
		return err
	}); !hasKey(err, "person.error.merged_record") {
		t.Errorf("edit of a merged record: %v", err)
	}
	if ps, err := registry.Search(f.ctx, f.db, s, registry.Filter{Query: "张三丰", Status: registry.StatusMerged}); err != nil || len(ps) != 1 || ps[0].ID != f.a2.ID {
		t.Errorf("status=merged search: %d (%v)", len(ps), err)
	}
	// The merged record leaves the active list and the review.
	if ps, err := registry.Search(f.ctx, f.db, s, registry.Filter{Query: "张三丰"}); err != nil || slices.ContainsFunc(ps, func(p registry.Person) bool { return p.ID == f.a2.ID }) {
		t.Errorf("merged record still in the active list (%v)", err)
	}
	if gs, _, _ := registry.FindDuplicates(f.ctx, f.db, s, registry.DupNameBirth, "", 20); len(gs) != 0 {
		t.Errorf("merged group still listed: %v", groupIDs(gs))
	}
	// The kept person's timeline shows both histories, newest first.
	tl, err := registry.Timeline(f.ctx, f.db, s, f.a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tl {
		got = append(got, string(e.Change)+"@"+e.FromID)
	}
	want := []string{"merged@" + f.a2.ID, "merge@", "update@" + f.a2.ID, "create@" + f.a2.ID, "create@"}
	// The two merge entries share their instant; their order among
	// themselves is by sequence, which differs per person: compare as sets
	// for those two.
	if len(got) != len(want) || !sameSet(got[:2], want[:2]) || !slices.Equal(got[2:], want[2:]) {
		t.Errorf("timeline %v, want %v", got, want)
	}
	for _, e := range tl {
		if e.Change == registry.ChangeMerge && (e.Source != f.a2.ID || e.Reason != "同一人重复登记") {
			t.Errorf("kept person's merge entry: source %q reason %q", e.Source, e.Reason)
		}
		if e.Change == registry.ChangeMerged && e.Source != f.a1.ID {
			t.Errorf("merged record's entry names %q, want the kept person", e.Source)
		}
	}
	var audits int
	if err := f.db.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, registry.ActionMerge).Scan(&audits); err != nil || audits != 2 {
		t.Errorf("%d merge audit entries (%v), want one per person", audits, err)
	}
	// A second merge of the same record is refused.
	if _, err := merge(s, f.a3.ID, []string{f.a2.ID}, "再次合并"); err == nil || !strings.Contains(err.Error(), "已经合并") {
		t.Errorf("merging a merged record: %v", err)
	}

	// Reinstating the merged record undoes the merge for the timeline.
	if err := f.db.InTx(f.ctx, func(tx *store.Tx) error {
		_, err := registry.Reinstate(f.ctx, tx, s, f.a2.ID, registry.Event{Reason: "误合并"}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if tl, _ := registry.Timeline(f.ctx, f.db, s, f.a1.ID); slices.ContainsFunc(tl, func(e registry.TimelineEntry) bool { return e.FromID != "" }) {
		t.Error("after reinstating, the kept person's timeline still shows the other record")
	}
	if into, _ := registry.MergedInto(f.ctx, f.db, f.a2.ID); into != "" {
		t.Errorf("reinstated record still merged into %s", into)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestDuplicatesPages(t *testing.T) {
	s := newServer(t)
	f := &dupFixture{}
	actx := audit.WithActor(context.Background(), audit.Actor{ID: "u-test", Name: "tester", Kind: "user"})
	born := time.Date(1960, 5, 6, 0, 0, 0, 0, time.UTC)
	mk := func(seq int, village string) registry.Person {
		return mustCreate(t, s.db, actx, registry.NewPerson{IDNumber: idNumber(born.Year(), born.Month(), born.Day(), seq, registry.SexMale),
			Name: "张三丰", VillageCode: village, Category: registry.Physical, Grade: registry.Grade3})
	}
	f.a1, f.a2 = mk(11, villageA), mk(13, villageA)
	b1, b2 := mk(15, villageB), mk(17, villageB)

	rec := s.worker("GET", "/registry/duplicates", nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	checkAccessible(t, body)
	if !strings.Contains(body, f.a1.ID) || !strings.Contains(body, f.a2.ID) {
		t.Error("township A's duplicates are not listed")
	}
	if strings.Contains(body, b1.ID) || strings.Contains(body, "李庄村") {
		t.Error("the page shows township B's records")
	}
	if strings.Contains(body, f.a1.IDNumber) {
		t.Error("the page shows a full ID number")
	}
	if rec := s.page(auth.RoleLeader, townA, "GET", "/registry/duplicates", nil); rec.Code != 403 {
		t.Errorf("a reader opens the review: %d", rec.Code)
	}
	if rec := s.worker("GET", "/registry/duplicates?kind=colour", nil); rec.Code != 404 {
		t.Errorf("unknown kind: %d", rec.Code)
	}

	// A merge without a reason is refused beside the field.
	form := url.Values{"kind": {"name_birth"}, "group": {villageA + "\x1f张三丰\x1f1960-05-06"}, "keep": {f.a1.ID}, "merge": {f.a2.ID}}
	rec = s.worker("POST", "/registry/duplicates/merge", form)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) || !strings.Contains(rec.Body.String(), "field-error") {
		t.Fatalf("merge without reason: %d", rec.Code)
	}
	// Township A's worker cannot merge township B's records.
	form.Set("reason", "重复登记")
	form["keep"], form["merge"] = []string{b1.ID}, []string{b2.ID}
	if rec := s.worker("POST", "/registry/duplicates/merge", form); rec.Code != 404 {
		t.Errorf("merge outside the scope: %d", rec.Code)
	}
	form["keep"], form["merge"] = []string{f.a1.ID}, []string{f.a2.ID}
	rec = s.worker("POST", "/registry/duplicates/merge", form)
	if rec.Code != 303 || rec.Header().Get("Location") != "/registry/persons/"+f.a1.ID+"?ok=flash.merged#history" {
		t.Fatalf("merge: %d to %s", rec.Code, rec.Header().Get("Location"))
	}
	page := s.worker("GET", "/registry/persons/"+f.a1.ID, nil).Body.String()
	for _, want := range []string{"合并记录", "并入另一条记录", "来自已合并的记录", `href="/registry/persons/` + f.a2.ID + `"`, "重复登记"} {
		if !strings.Contains(page, want) {
			t.Errorf("kept person's page lacks %q", want)
		}
	}
	merged := s.worker("GET", "/registry/persons/"+f.a2.ID, nil).Body.String()
	if !strings.Contains(merged, "已合并") || !strings.Contains(merged, `href="/registry/persons/`+f.a1.ID+`"`) {
		t.Error("merged record's page does not say where it went")
	}

	// The county sees township B's pair; dismissing it removes it.
	asCounty := func(method, target string, form url.Values) string {
		rec := s.page(auth.RoleCountyStaff, county, method, target, form)
		return rec.Header().Get("Location") + rec.Body.String()
	}
	if !strings.Contains(asCounty("GET", "/registry/duplicates", nil), b1.ID) {
		t.Fatal("county does not see township B's pair")
	}
	if loc := asCounty("POST", "/registry/duplicates/dismiss", url.Values{"kind": {"name_birth"}, "ids": {b1.ID, b2.ID}}); !strings.HasPrefix(loc, "/registry/duplicates?") {
		t.Fatalf("dismiss leads to %q", loc)
	}
	if strings.Contains(asCounty("GET", "/registry/duplicates", nil), b1.ID) {
		t.Error("dismissed pair listed again")
	}
}

// TestDuplicatePlans checks that each kind's grouping is read from its
// index (no pass over the table) on YANGGUANG_PLAN_ROWS demo persons,
// county-wide and for one township (skipped when unset). Run with -v to see
// the plans and how long each page took.
func TestDuplicatePlans(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("YANGGUANG_PLAN_ROWS"))
	if n == 0 {
		t.Skip("set YANGGUANG_PLAN_ROWS=100000 to check the query plans")
	}
	db, ctx := setup(t)
	if err := registry.BulkInsert(ctx, db, registry.Demo(randFor(1), testAreas, n, today)); err != nil {
		t.Fatal(err)
	}
	want := map[registry.DuplicateKind]string{
		registry.DupNameBirth: "persons_dup_name", registry.DupPhone: "persons_phone", registry.DupCertificate: "persons_certificate",
	}
	for _, k := range registry.DuplicateKinds {
		for _, sc := range []string{county, townB} {
			pq := &planQuerier{Querier: db, db: db}
			start := time.Now()
			gs, _, err := registry.FindDuplicates(ctx, pq, area.ScopeOf(sc), k, "", 20)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s in %s: %d groups in %v\n%s", k, sc, len(gs), time.Since(start), pq.plans[0])
			plan := pq.plans[0]
			if !strings.Contains(plan, want[k]) || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN persons\n") ||
				strings.HasSuffix(plan, "SCAN persons") {
				t.Errorf("%s in %s: the grouping does not read %s alone:\n%s", k, sc, want[k], plan)
			}
		}
	}
}
