package app_test

// The registry as a caseworker uses it in the browser: search → open →
// edit → timeline, a death leaving the active list, and the review of
// possible duplicates with a merge and a dismissal.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// registerPersons registers persons in the demo county as the system.
func registerPersons(t *testing.T, e *apptest.Env, ns ...registry.NewPerson) []registry.Person {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	var out []registry.Person
	if err := e.DB.InTx(ctx, func(tx *store.Tx) error {
		for _, n := range ns {
			p, err := registry.Create(ctx, tx, area.ScopeOf(county), n, time.Now())
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// noAxeViolations runs axe-core on the tab's page.
func noAxeViolations(t *testing.T, b *apptest.Tab, what string) {
	t.Helper()
	if res := b.Axe(); len(res.Violations) > 0 {
		t.Errorf("%s: %d axe violations (WCAG 2.1 AA):\n%s", what, len(res.Violations), res)
	}
}

// historyText is the text of the timeline table's body.
func historyText(b *apptest.Tab) string { return b.Text(`main table[aria-labelledby="history"] tbody`) }

func TestBrowserRegistrySearchEditTimeline(t *testing.T) {
	apptest.NeedAxe(t)
	e := apptest.New(t)
	e.CreateUser("staff", auth.RoleCountyStaff, auth.DeptCertification, county)
	const village = "341599001001" // 城关街道 团结社区
	p := registerPersons(t, e, registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", time.Date(1971, 7, 8, 0, 0, 0, 0, time.UTC), 21, registry.SexFemale),
		Name: "欧阳明月", VillageCode: village, Category: registry.Physical, Grade: registry.Grade2,
		Phone: "13800001111", HouseholdAddress: "团结路1号"})[0]
	b := e.NewTab(t)
	if st := b.SignIn("staff", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign-in: %d", st)
	}

	// Search by name and open the person.
	b.Open("/registry")
	b.Type("#q", "欧阳")
	if st := b.Click(`main form[role="search"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("search: %d", st)
	}
	link := `main table a[href="/registry/persons/` + p.ID + `"]`
	if !b.Has(link) {
		t.Fatalf("search for 欧阳 does not list the person (at %s)", b.Path())
	}
	b.Click(link)
	if h1 := b.Text("main h1"); h1 != "欧阳明月" {
		t.Fatalf("person page heading %q", h1)
	}

	// Edit: a new phone and address, with the reason.
	b.Click(`main a[href="/registry/persons/` + p.ID + `/edit"]`)
	apptest.Eval[bool](b, `document.getElementById("phone").value = ""; document.getElementById("household_address").value = ""; true`)
	b.Type("#phone", "13900002222")
	b.Type("#household_address", "幸福路2号")
	b.Type("#reason", "本人来电更正")
	if st := b.Click(`main form[action="/registry/persons/` + p.ID + `/edit"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("save edit: %d at %s: %s", st, b.Path(), b.Text("main .errors"))
	}
	if !strings.HasPrefix(b.Path(), "/registry/persons/"+p.ID) || !strings.Contains(b.Text("main .flash"), "已保存") {
		t.Fatalf("after saving at %s, flash %q", b.Path(), b.Text("main .flash"))
	}
	first := b.Text(`main table[aria-labelledby="history"] tbody tr:first-child`)
	for _, want := range []string{"修改", "staff", "本人来电更正", "联系电话：由「138****1111」改为「139****2222」", "户籍详细地址：由「团结路1号」改为「幸福路2号」"} {
		if !strings.Contains(first, want) {
			t.Errorf("timeline's newest entry lacks %q:\n%s", want, first)
		}
	}
	if !strings.Contains(historyText(b), "登记") {
		t.Error("timeline lacks the registration")
	}
	noAxeViolations(t, b, "person page after an edit")

	// Record the death: the person leaves the default list, status=all finds them.
	b.Click(`main a[href="/registry/persons/` + p.ID + `/event?kind=died"]`)
	apptest.Eval[bool](b, `document.getElementById("effective_date").value = "`+time.Now().AddDate(0, 0, -3).Format(time.DateOnly)+`"; true`)
	b.Type("#source", "民政")
	if st := b.Click(`main form[action="/registry/persons/` + p.ID + `/events"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("record death: %d: %s", st, b.Text("main .errors"))
	}
	if notice := b.Text("main p.notice"); !strings.Contains(notice, "已故") {
		t.Errorf("person page after death says %q", notice)
	}
	if first := b.Text(`main table[aria-labelledby="history"] tbody tr:first-child`); !strings.Contains(first, "死亡") || !strings.Contains(first, "民政") {
		t.Errorf("timeline's newest entry after death: %q", first)
	}
	q := url.QueryEscape("欧阳")
	b.Open("/registry?q=" + q)
	if b.Has(link) {
		t.Error("a deceased person is in the default (active) list")
	}
	b.Open("/registry?status=all&q=" + q)
	if !b.Has(link) || !strings.Contains(b.Text("main table tbody"), "已故") {
		t.Error("status=all does not find the deceased person, marked 已故")
	}
}

func TestBrowserRegistryDuplicatesMerge(t *testing.T) {
	apptest.NeedAxe(t)
	e := apptest.New(t)
	e.CreateUser("staff", auth.RoleCountyStaff, auth.DeptCertification, county)
	born := time.Date(1958, 9, 10, 0, 0, 0, 0, time.UTC)
	id := func(seq, sex int) string { return registry.MakeIDNumber("341599", born, seq, sex) }
	ps := registerPersons(t, e,
		// The same man registered twice in one village.
		registry.NewPerson{IDNumber: id(31, registry.SexMale), Name: "司马光", VillageCode: "341599001002", Category: registry.Vision, Grade: registry.Grade1},
		registry.NewPerson{IDNumber: id(33, registry.SexMale), Name: "司马光", VillageCode: "341599001002", Category: registry.Vision, Grade: registry.Grade1,
			HouseholdAddress: "前街3号"},
		// A mother and daughter sharing a phone: not the same person.
		registry.NewPerson{IDNumber: id(41, registry.SexFemale), Name: "孙梅", VillageCode: "341599001003", Category: registry.Hearing, Grade: registry.Grade3, Phone: "13712345678"},
		registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", born.AddDate(30, 0, 0), 43, registry.SexFemale), Name: "孙小梅",
			VillageCode: "341599001003", Category: registry.Speech, Grade: registry.Grade4, Phone: "13712345678"},
	)
	keep, gone := ps[0], ps[1]
	b := e.NewTab(t)
	b.SignIn("staff", apptest.Password)

	// From the search page to the review.
	b.Open("/registry")
	if st := b.Click(`main a[href="/registry/duplicates"]`); st != http.StatusOK {
		t.Fatalf("duplicates page: %d", st)
	}
	if !b.Has(`main a[href="/registry/persons/`+keep.ID+`"]`) || !b.Has(`main a[href="/registry/persons/`+gone.ID+`"]`) {
		t.Fatalf("the pair is not listed: %s", b.Text("main"))
	}
	noAxeViolations(t, b, "duplicates page")

	// A merge without a reason is refused beside the field.
	apptest.Eval[bool](b, stripRequired+`; true`)
	b.Toggle("#keep_0_0")
	b.Toggle("#merge_0_1")
	mergeButton := `main form[action="/registry/duplicates/merge"] button[type="submit"]:not([formaction])`
	if st := b.Click(mergeButton); st != http.StatusUnprocessableEntity {
		t.Fatalf("merge without reason: %d", st)
	}
	if b.Attr("#reason_0", "aria-invalid") != "true" || b.Text("#reason_0_err") == "" {
		t.Errorf("no error beside the reason: %q", b.Text("#reason_0_err"))
	}
	noAxeViolations(t, b, "duplicates page with errors")

	// The merge itself: the kept person's timeline shows both records.
	b.Type("#reason_0", "同一人重复登记")
	if st := b.Click(mergeButton); st != http.StatusOK {
		t.Fatalf("merge: %d: %s", st, b.Text("main .errors"))
	}
	if !strings.HasPrefix(b.Path(), "/registry/persons/"+keep.ID) {
		t.Fatalf("after merging at %s", b.Path())
	}
	hist := historyText(b)
	for _, want := range []string{"合并记录", "并入另一条记录", "同一人重复登记", "来自已合并的记录"} {
		if !strings.Contains(hist, want) {
			t.Errorf("kept person's timeline lacks %q:\n%s", want, hist)
		}
	}
	if n := apptest.Eval[int](b, `document.querySelectorAll('main table[aria-labelledby="history"] tbody tr').length`); n != 4 {
		t.Errorf("timeline has %d entries, want 4 (two registrations, two merge entries)", n)
	}
	noAxeViolations(t, b, "person page after a merge")
	// The merged record says where it went.
	b.Click(`main table a[href="/registry/persons/` + gone.ID + `"]`)
	if notice := b.Text("main p.notice"); !strings.Contains(notice, "已合并") || !b.Has(`main p.notice a[href="/registry/persons/`+keep.ID+`"]`) {
		t.Errorf("merged record's notice %q", notice)
	}

	// The pair is gone from the review; the phone pair is dismissed.
	b.Open("/registry/duplicates")
	if b.Has(`main a[href="/registry/persons/` + gone.ID + `"]`) {
		t.Error("the merged pair is still listed")
	}
	b.Click(`main a[href="/registry/duplicates?kind=phone"]`)
	if !b.Has(`main a[href="/registry/persons/` + ps[2].ID + `"]`) {
		t.Fatal("the phone pair is not listed")
	}
	if st := b.Click(`main button[formaction="/registry/duplicates/dismiss"]`); st != http.StatusOK {
		t.Fatalf("dismiss: %d", st)
	}
	if !strings.Contains(b.Text("main .flash"), "不是同一人") || b.Has(`main a[href="/registry/persons/`+ps[2].ID+`"]`) {
		t.Errorf("after dismissing at %s: flash %q", b.Path(), b.Text("main .flash"))
	}
}

// A file above the background threshold (2 MB, about 20,000 rows) is checked
// and imported behind a progress page that the browser follows to the
// preview and the result; the progress page passes axe.
func TestBrowserRegistryImportProgress(t *testing.T) {
	apptest.NeedAxe(t)
	e := apptest.New(t)
	e.CreateUser("staff", auth.RoleCountyStaff, auth.DeptCertification, county)
	var csv strings.Builder
	csv.WriteString("姓名,身份证号码,残疾类别,残疾等级,乡镇（街道）,村（社区）,户籍地址\n")
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := 0
	for csv.Len() < 2<<20+1 {
		d := born.AddDate(0, 0, rows/450)
		id := registry.MakeIDNumber("341599", d, 1+2*(rows%450), registry.SexMale) // odd: unique per day
		fmt.Fprintf(&csv, "测试%d,%s,肢体,三级,城关街道,团结社区,安徽省阳光县城关街道团结社区团结路%d号\n", rows, id, rows)
		rows++
	}
	file := filepath.Join(t.TempDir(), "大名单.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	b := e.NewTab(t)
	if st := b.SignIn("staff", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign-in: %d", st)
	}
	b.Open("/registry/import")
	certUpload(b, "#file", file)
	b.Click(`main form[action="/registry/import"] button[type="submit"]`)
	if !strings.HasPrefix(b.Path(), "/registry/import/progress") {
		t.Fatalf("a %d-row file was not sent to the progress page (at %s)", rows, b.Path())
	}
	noAxeViolations(t, b, "import progress page")
	// The page's script polls and shows the preview when the check is done.
	waitFor(t, b, `main button[value="good_rows"]`, 3*time.Minute)
	if got := b.Text("main"); !strings.Contains(got, "导入检查结果") {
		t.Fatalf("after the progress page: %s", cutText(got))
	}
	b.Click(`main button[value="good_rows"]`)
	waitFor(t, b, `main p.flash`, 3*time.Minute)
	if got := b.Text("main p.flash"); !strings.Contains(got, fmt.Sprintf("新登记 %d 人", rows)) {
		t.Fatalf("import result: %q", got)
	}
}

// waitFor waits until the page shows sel (a page that reloads itself).
func waitFor(t *testing.T, b *apptest.Tab, sel string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !b.Has(sel) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear on %s", sel, b.Path())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func cutText(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
