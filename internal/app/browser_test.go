package app_test

// Browser tests: the real server driven through headless Chromium, as a
// person with a keyboard, a mouse or a screen reader would use it, and every
// page a user can reach checked by axe-core for WCAG 2.1 AA. They skip when
// there is no browser or axe-core, unless YANGGUANG_REQUIRE_ALL is set
// (scripts/test-all sets it).

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/yangguang-cdpf/yangguang/internal/activity"
	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

func TestMain(m *testing.M) {
	code := m.Run()
	apptest.StopBrowser()
	os.Exit(code)
}

const signInButton = `main form[action="/login"] button[type="submit"]`

func TestBrowserSignInAndOut(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("zhang", auth.RoleCountyStaff, auth.DeptCertification, county)
	b := e.NewTab(t)

	// An anonymous visit to the home page leads to the sign-in form.
	if st := b.Open("/"); st != http.StatusOK || !strings.HasPrefix(b.Path(), "/login") {
		t.Fatalf("anonymous home: %d at %s, want the sign-in page", st, b.Path())
	}
	if got := b.Attr("#username", "autocomplete"); got != "username" {
		t.Errorf("user name field autocomplete = %q", got)
	}
	b.Type("#username", "zhang")
	b.Type("#password", apptest.Password)
	if st := b.Click(signInButton); st != http.StatusOK {
		t.Fatalf("sign-in lands with status %d at %s", st, b.Path())
	}
	if p := b.Path(); p != "/" {
		t.Fatalf("after sign-in at %s, want /", p)
	}
	if who := b.Text("header .who"); !strings.Contains(who, "测试zhang") {
		t.Fatalf("header must name the user, says %q", who)
	}
	if h1 := b.Text("main h1"); !strings.Contains(h1, "测试zhang") {
		t.Errorf("home greeting %q lacks the user's name", h1)
	}

	// Sign out with the header button.
	if st := b.Click(`header form[action="/logout"] button`); st != http.StatusOK {
		t.Fatalf("sign-out lands with status %d", st)
	}
	if p := b.Path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("after sign-out at %s, want the sign-in page", p)
	}
	if msg := b.Text("main .flash"); !strings.Contains(msg, "已安全退出") {
		t.Fatalf("sign-in page after sign-out says %q, want 已安全退出", msg)
	}
	if b.Has("header .who") {
		t.Fatal("header still names a user after sign-out")
	}
	// The session is really gone: the home page asks to sign in again.
	b.Open("/")
	if p := b.Path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("home after sign-out at %s", p)
	}
}

func TestBrowserLockout(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("lisi", auth.RoleCountyStaff, auth.DeptRights, county)
	b := e.NewTab(t)
	for i := 1; i <= 5; i++ {
		if st := b.SignIn("lisi", fmt.Sprintf("wrong-%d", i)); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d", i, st)
		}
		msg := b.Text("main .errors")
		if i < 5 && (msg == "" || strings.Contains(msg, "已被锁定")) {
			t.Fatalf("wrong password %d: error %q", i, msg)
		}
		if i == 5 && !strings.Contains(msg, "已被锁定") {
			t.Fatalf("fifth wrong password must say the account is locked, says %q", msg)
		}
		// The form keeps the user name, not the password, and the error
		// summary takes the focus so a screen reader announces it.
		if v := b.Attr("#username", "value"); v != "lisi" {
			t.Errorf("user name not kept: %q", v)
		}
		if v := apptest.Eval[string](b, `document.getElementById("password").value`); v != "" {
			t.Errorf("password kept in the form")
		}
		if f := apptest.Eval[string](b, `document.activeElement.className + "|" + document.activeElement.getAttribute("role")`); f != "errors|alert" {
			t.Errorf("after a refused sign-in the focus is on %q, want the error summary", f)
		}
	}
	if st := b.SignIn("lisi", apptest.Password); st != http.StatusUnauthorized {
		t.Fatalf("right password while locked: status %d", st)
	}
	if msg := b.Text("main .errors"); !strings.Contains(msg, "已被锁定") {
		t.Fatalf("right password while locked must be refused as locked, says %q", msg)
	}
	if b.Has("header .who") || !strings.HasPrefix(b.Path(), "/login") {
		t.Fatalf("locked account got in: at %s", b.Path())
	}
}

func TestBrowserLanguageSwitch(t *testing.T) {
	e := apptest.New(t)
	b := e.NewTab(t)
	b.Open("/login")
	if lang := b.Attr("html", "lang"); lang != "zh-CN" {
		t.Fatalf("default language %q", lang)
	}
	if h1 := b.Text("main h1"); h1 != "登录" {
		t.Fatalf("Chinese heading %q", h1)
	}
	en := `header button[name="lang"][value="en"]`
	if got := b.Text(en); got != "English" {
		t.Fatalf("language button says %q", got)
	}
	if got := b.Attr(en, "lang"); got != "en" {
		t.Errorf("the English button must be marked lang=en, is %q", got)
	}
	if st := b.Click(en); st != http.StatusOK {
		t.Fatalf("switch to English: %d", st)
	}
	if p := b.Path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("switch must return to the same page, at %s", p)
	}
	if lang := b.Attr("html", "lang"); lang != "en" {
		t.Fatalf("html lang after switch = %q", lang)
	}
	if h1 := b.Text("main h1"); h1 != "Sign in" {
		t.Fatalf("English heading %q", h1)
	}
	if got := b.Text(signInButton); got != "Sign in" {
		t.Fatalf("English button %q", got)
	}
	if title := apptest.Eval[string](b, "document.title"); !strings.HasPrefix(title, "Sign in") {
		t.Errorf("English title %q", title)
	}
	// And back.
	zh := `header button[name="lang"][value="zh-CN"]`
	if got := b.Text(zh); got != "中文" {
		t.Fatalf("Chinese button says %q", got)
	}
	b.Click(zh)
	if lang := b.Attr("html", "lang"); lang != "zh-CN" {
		t.Fatalf("html lang after switching back = %q", lang)
	}
	if h1 := b.Text("main h1"); h1 != "登录" {
		t.Fatalf("heading after switching back %q", h1)
	}
}

func TestBrowserLargeTextAndContrast(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("wang", auth.RoleLeader, "", county)
	b := e.NewTab(t)
	b.SignIn("wang", apptest.Password)
	fontSize := func() float64 {
		return apptest.Eval[float64](b, `parseFloat(getComputedStyle(document.body).fontSize)`)
	}
	background := func() string {
		return apptest.Eval[string](b, `getComputedStyle(document.body).backgroundColor`)
	}
	bodyClass := func() string { return " " + b.Attr("body", "class") + " " }
	large := `header button[name="toggle"][value="large"]`
	contrast := `header button[name="toggle"][value="contrast"]`

	sizeOf := func(sel string) float64 {
		return apptest.Eval[float64](b, `parseFloat(getComputedStyle(document.querySelector(`+jsQuote(sel)+`)).fontSize)`)
	}
	sizes := map[string]float64{}
	for _, sel := range []string{"main h1", "main h2", "main .hint", "nav .soon", "header .tagline", "footer p"} {
		sizes[sel] = sizeOf(sel)
	}
	before, bgBefore := fontSize(), background()
	if strings.Contains(bodyClass(), " large ") || b.Attr(large, "aria-pressed") != "false" {
		t.Fatalf("large text on before pressing: class %q pressed %q", bodyClass(), b.Attr(large, "aria-pressed"))
	}
	if bgBefore == "rgb(0, 0, 0)" {
		t.Fatal("black background before high contrast")
	}

	b.Click(large)
	if b.Path() != "/" {
		t.Fatalf("switch must return to the page, at %s", b.Path())
	}
	if !strings.Contains(bodyClass(), " large ") {
		t.Fatalf("body class %q lacks large", bodyClass())
	}
	if got := b.Attr(large, "aria-pressed"); got != "true" {
		t.Fatalf("large switch aria-pressed = %q", got)
	}
	after := fontSize()
	if after < before*1.2 {
		t.Fatalf("large text: body font %.1fpx → %.1fpx, want at least 20%% larger", before, after)
	}
	// Every kind of text grows, not only the body's: headings, hints, the
	// navigation's marks, the footer.
	for _, sel := range []string{"main h1", "main h2", "main .hint", "nav .soon", "header .tagline", "footer p"} {
		if now, was := sizeOf(sel), sizes[sel]; now < was*1.2 {
			t.Errorf("large text: %s %.1fpx → %.1fpx, want at least 20%% larger", sel, was, now)
		}
	}
	if h2, body := sizeOf("main h2"), fontSize(); h2 <= body {
		t.Errorf("large text: h2 (%.1fpx) not larger than body text (%.1fpx)", h2, body)
	}

	b.Click(contrast)
	if !strings.Contains(bodyClass(), " contrast ") || !strings.Contains(bodyClass(), " large ") {
		t.Fatalf("body class %q, want large and contrast", bodyClass())
	}
	if got := b.Attr(contrast, "aria-pressed"); got != "true" {
		t.Fatalf("contrast switch aria-pressed = %q", got)
	}
	if bg := background(); bg != "rgb(0, 0, 0)" {
		t.Fatalf("high contrast background %s, want black", bg)
	}
	if fg := apptest.Eval[string](b, `getComputedStyle(document.querySelector("main p")).color`); fg != "rgb(255, 255, 255)" {
		t.Errorf("high contrast text colour %s, want white", fg)
	}

	// Both persist on another page (cookies, not page state).
	b.Open("/account/password")
	if !strings.Contains(bodyClass(), " contrast ") || !strings.Contains(bodyClass(), " large ") {
		t.Fatalf("on another page body class %q", bodyClass())
	}
	if b.Attr(large, "aria-pressed") != "true" || b.Attr(contrast, "aria-pressed") != "true" {
		t.Fatal("switches not shown as pressed on another page")
	}
	if fontSize() != after || background() != "rgb(0, 0, 0)" {
		t.Fatalf("on another page font %.1fpx background %s", fontSize(), background())
	}

	// Pressing again turns them off.
	b.Click(large)
	b.Click(contrast)
	if strings.TrimSpace(bodyClass()) != "" || b.Attr(large, "aria-pressed") != "false" || b.Attr(contrast, "aria-pressed") != "false" {
		t.Fatalf("after switching off: class %q", bodyClass())
	}
	if fontSize() != before || background() != bgBefore {
		t.Fatalf("after switching off: font %.1fpx background %s", fontSize(), background())
	}
}

func TestBrowserKeyboardSkipLink(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("wang", auth.RoleLeader, "", county)
	b := e.NewTab(t)
	b.SignIn("wang", apptest.Password)
	for _, page := range []string{"/", "/certify", "/account/password"} {
		b.Open(page)
		if got := apptest.Eval[string](b, `document.activeElement.tagName`); got != "BODY" {
			t.Fatalf("%s: focus at load is on %s, want nothing", page, got)
		}
		if left := apptest.Eval[float64](b, `document.querySelector("a.skip").getBoundingClientRect().right`); left > 0 {
			t.Errorf("%s: skip link visible before it has focus", page)
		}
		b.Keys(kb.Tab)
		focused := apptest.Eval[string](b, `document.activeElement.className + "|" + document.activeElement.textContent`)
		if focused != "skip|跳到主要内容" {
			t.Fatalf("%s: first Tab focuses %q, want the skip link", page, focused)
		}
		// A sighted keyboard user sees it while it has focus.
		if left := apptest.Eval[float64](b, `document.querySelector("a.skip").getBoundingClientRect().left`); left < 0 {
			t.Errorf("%s: focused skip link is off screen (left %.0f)", page, left)
		}
		b.Keys(kb.Enter)
		var id string
		for range 20 {
			if id = apptest.Eval[string](b, `document.activeElement.id`); id == "main" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if id != "main" {
			t.Fatalf("%s: after activating the skip link focus is on %q, want main", page, id)
		}
		// The next Tab continues inside main, not back in the header.
		b.Keys(kb.Tab)
		if in := apptest.Eval[bool](b, `document.getElementById("main").contains(document.activeElement)`); !in {
			t.Errorf("%s: Tab after the skip link left main (focus on %s)", page, apptest.Eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}
	}
}

// ---- accessibility of every page ----

// a11yUsers are the accounts the axe test signs in with; a route is checked
// as the first of them whose role holds its permission.
var a11yUsers = []struct {
	name string
	role auth.Role
	dept auth.Department
}{
	{"admin", auth.RoleCountyAdmin, ""},
	{"security", auth.RoleSecurityAdmin, ""},
	{"auditor", auth.RoleAuditor, ""},
	{"cert", auth.RoleCountyStaff, auth.DeptCertification},
	{"rehab", auth.RoleCountyStaff, auth.DeptRehabilitation},
	{"finance", auth.RoleCountyStaff, auth.DeptFinance},
	{"employ", auth.RoleCountyStaff, auth.DeptEmployment},
	{"rights", auth.RoleCountyStaff, auth.DeptRights},
	{"employer", auth.RoleEmployer, ""}, // linked by the levy demo to its first employer
	{"expert1", auth.RoleExpert, ""},    // linked to the demo expert pool by name
}

// nonHTML lists GET routes behind a permission that are not HTML pages
// (downloads), with the reason; axe cannot check them.
var nonHTML = map[string]string{
	"/registry/import/report.csv":              "CSV report of an import",
	"/registry/import/template.xlsx":           "Excel import template",
	"/registry/export.xlsx":                    "Excel export of a search",
	"/registry/persons/{id}/photo":             "a person's photo (JPEG or PNG image)",
	"/devices/export":                          "Excel export of the device inventory",
	"/renovation/{id}/photos/{file}":           "a renovation photo (image)",
	"/employment/export.xlsx":                  "Excel export of employment records",
	"/employers/export.xlsx":                   "Excel export for the tax office",
	"/employers/{id}/years/{year}/files/{fid}": "an employer's uploaded proof (PDF or image)",
	"/declare/files/{fid}":                     "an employer's own uploaded proof (PDF or image)",
	"/reports/work.html":                       "the work report as a standalone HTML file (download)",
	"/rights/export.xlsx":                      "Excel export of the rights cases",
	"/activities/export.xlsx":                  "Excel export of the activities",
	"/programmes/radar.xlsx":                   "Excel export of the eligibility radar",
	"/payments/batches/{id}/export":            "the bank's Excel file of a batch",
	"/payments/ledger/export":                  "Excel export of the payment ledger",
	"/survey/progress.xlsx":                    "Excel export of the survey progress",
	"/reports/work.docx":                       "the work report as Word",
	"/reports/work.xlsx":                       "the work report's figures as Excel",
	"/reports/townships.xlsx":                  "the township comparison as Excel",
	"/audit/export":                            "CSV export of the audit log",
}

// ownTest lists GET page routes that exist only in the middle of some work
// (a running import), with the test that checks them with axe there.
var ownTest = map[string]string{
	"/registry/import/progress": "TestBrowserRegistryImportProgress",
}

type pageCheck struct {
	name string // shown in failures
	user string // who looks at it; "" = not signed in
	want int    // HTTP status the page must have
	// open brings the tab to the page; n makes names unique per run.
	open func(b *apptest.Tab, n int)
	must string // CSS selector the page must show: proof of its state
}

func openPath(path string) func(*apptest.Tab, int) {
	return func(b *apptest.Tab, _ int) { b.Open(path) }
}

// stripRequired removes the browser's own checks from the forms, so an
// empty form reaches the server's validation as a form posted by an older
// browser or a script would.
const stripRequired = `document.querySelectorAll("[required],[minlength],[pattern]").forEach(function (e) {
  e.removeAttribute("required"); e.removeAttribute("minlength"); e.removeAttribute("pattern"); })`

func submitEmpty(path, form string) func(*apptest.Tab, int) {
	return func(b *apptest.Tab, _ int) {
		b.Open(path)
		apptest.Eval[bool](b, stripRequired+`; true`)
		b.Click(form + ` button[type="submit"]`)
	}
}

type fixture struct {
	e        *apptest.Env
	personID string
	userIDs  map[string]string
	ids      map[string]string // path prefix before {id} → an id of that kind
}

// setupA11y makes the accounts, a small registry and the states the pages
// show (a locked account, audit entries).
func setupA11y(t *testing.T) *fixture {
	e := apptest.New(t)
	f := &fixture{e: e, userIDs: map[string]string{}}
	for _, u := range a11yUsers {
		f.userIDs[u.name] = e.CreateUser(u.name, u.role, u.dept, county).ID
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	// One account that must still change its first password.
	if err := e.DB.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "fresh", DisplayName: "新同事", Role: auth.RoleLeader, ScopeCode: county, Password: apptest.Password})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// One locked account, for the security administrator's list.
	e.CreateUser("locked", auth.RoleVillageWorker, "", "341599101001")
	c := e.Anonymous()
	for i := range 5 {
		c.PostForm("/login", url.Values{"username": {"locked"}, "password": {fmt.Sprintf("bad-%d", i)}})
	}
	// A small registry: persons of every category, so the home chart has bars.
	all, err := area.InScope(ctx, e.DB, area.ScopeOf(county))
	if err != nil {
		t.Fatal(err)
	}
	var villages []string
	for _, a := range all {
		if a.Level == area.Village {
			villages = append(villages, a.Code)
		}
	}
	names := []string{"王明", "李秀英", "张伟", "刘芳", "陈静", "杨洋", "赵磊", "黄丽", "周强", "吴敏", "徐婷", "孙杰", "马兰", "朱军"}
	if err := e.DB.InTx(ctx, func(tx *store.Tx) error {
		for i, name := range names {
			id := registry.MakeIDNumber("341599", time.Date(1950+i*4, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC), 10+i, 1+i%2)
			n := registry.NewPerson{
				IDNumber: id, Name: name, VillageCode: villages[(i*37)%len(villages)],
				Category: registry.Category(1 + i%7), Grade: registry.Grade(1 + i%4),
			}
			if n.Category == registry.Multiple { // 多重 needs its components
				n.Components = []registry.Component{{Category: registry.Vision, Grade: n.Grade}, {Category: registry.Hearing, Grade: registry.Grade4}}
			}
			p, err := registry.Create(ctx, tx, area.ScopeOf(county), n, time.Now())
			if err != nil {
				return fmt.Errorf("person %s: %w", name, err)
			}
			if f.personID == "" {
				f.personID = p.ID
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A year of each area's work on these persons, for their pages.
	if err := certify.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 2)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := programme.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 7)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := payment.Demo(ctx, e.DB, programme.PaymentSource{}, rand.New(rand.NewPCG(1, 8)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := survey.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 9)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := device.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 3)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := renovate.Demo(ctx, e.DB, app.FileStore(e.DB), rand.New(rand.NewPCG(1, 4)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := employ.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 5)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := levy.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 6)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := rights.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 10)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := activity.Demo(ctx, e.DB, rand.New(rand.NewPCG(1, 11)), time.Now()); err != nil {
		t.Fatal(err)
	}
	f.ids = map[string]string{}
	for prefix, q := range map[string]string{
		"/certify/applications/": `SELECT id FROM cert_applications ORDER BY id LIMIT 1`,
		"/certify/issued/":       `SELECT application_id FROM cert_certificates ORDER BY application_id LIMIT 1`,
		"/certify/sessions/":     `SELECT id FROM cert_sessions ORDER BY id LIMIT 1`,
		"/certify/experts/":      `SELECT id FROM cert_experts ORDER BY id LIMIT 1`,
		"/devices/items/":        `SELECT id FROM device_items ORDER BY id LIMIT 1`,
		"/devices/loans/":        `SELECT id FROM device_loans ORDER BY id LIMIT 1`,
		"/devices/catalogue/":    `SELECT id FROM device_kinds ORDER BY id LIMIT 1`,
		"/renovation/":           `SELECT id FROM renovations ORDER BY id LIMIT 1`,
		"/rights/":               `SELECT id FROM rights_cases WHERE status <> 'closed' ORDER BY id LIMIT 1`,
		"/activities/":           `SELECT id FROM activities WHERE kind = 'competition' ORDER BY id LIMIT 1`,
		"/employment/persons/":   `SELECT person_id FROM emp_records ORDER BY id LIMIT 1`,
		"/programmes/cases/":     `SELECT id FROM prog_cases ORDER BY id LIMIT 1`,
		"/programmes/providers/": `SELECT id FROM prog_providers ORDER BY id LIMIT 1`,
		"/programmes/":           `SELECT id FROM prog_programmes ORDER BY id LIMIT 1`,
		"/payments/batches/":     `SELECT id FROM pay_batches ORDER BY id LIMIT 1`,
		"/survey/tasks/":         `SELECT id FROM survey_tasks ORDER BY id LIMIT 1`,
		"/employment/courses/":   `SELECT id FROM emp_courses ORDER BY id LIMIT 1`,
		"/employment/sessions/":  `SELECT id FROM emp_sessions ORDER BY id LIMIT 1`,
		"/employment/places/":    `SELECT id FROM emp_places ORDER BY id LIMIT 1`,
		"/employment/campaigns/": `SELECT id FROM emp_campaigns ORDER BY id LIMIT 1`,
		"/employers/":            `SELECT employer_id FROM levy_declarations WHERE status = 'issued' ORDER BY employer_id LIMIT 1`,
		"{year}":                 `SELECT CAST(year AS TEXT) FROM levy_declarations WHERE status = 'issued' ORDER BY employer_id LIMIT 1`,
		"/certify/assess/": `SELECT a.id FROM cert_applications a JOIN cert_experts x ON x.id = a.expert_id
			WHERE a.status = 'scheduled' AND x.user_id = '` + f.userIDs["expert1"] + `' ORDER BY a.id LIMIT 1`,
	} {
		var id string
		if err := e.DB.QueryRow(q).Scan(&id); err != nil {
			t.Fatalf("certify demo has no id for %s: %v", prefix, err)
		}
		f.ids[prefix] = id
	}
	return f
}

// concreteURL maps a route pattern to a URL to open: {$} dropped, {id}
// replaced by a real id of the right kind. ok is false for a pattern this
// test does not know how to fill.
func (f *fixture) concreteURL(pattern string) (string, bool) {
	p := strings.ReplaceAll(pattern, "{$}", "")
	ids := map[string]string{ // path prefix before {id} → an id of that kind
		"/registry/persons/":     f.personID,
		"/admin/users/":          f.userIDs["auditor"],
		"/admin/roles/":          f.userIDs["auditor"],
		"/certify/applications/": f.ids["/certify/applications/"],
		"/certify/sessions/":     f.ids["/certify/sessions/"],
		"/certify/experts/":      f.ids["/certify/experts/"],
		"/certify/assess/":       f.ids["/certify/assess/"],
		"/devices/items/":        f.ids["/devices/items/"],
		"/devices/loans/":        f.ids["/devices/loans/"],
		"/devices/catalogue/":    f.ids["/devices/catalogue/"],
		"/renovation/":           f.ids["/renovation/"],
		"/rights/":               f.ids["/rights/"],
		"/activities/":           f.ids["/activities/"],
		"/employment/persons/":   f.ids["/employment/persons/"],
		"/programmes/cases/":     f.ids["/programmes/cases/"],
		"/programmes/providers/": f.ids["/programmes/providers/"],
		"/programmes/":           f.ids["/programmes/"],
		"/payments/batches/":     f.ids["/payments/batches/"],
		"/survey/tasks/":         f.ids["/survey/tasks/"],
		"/employment/courses/":   f.ids["/employment/courses/"],
		"/employment/sessions/":  f.ids["/employment/sessions/"],
		"/employment/places/":    f.ids["/employment/places/"],
		"/employment/campaigns/": f.ids["/employment/campaigns/"],
		"/employers/":            f.ids["/employers/"],
	}
	p = strings.ReplaceAll(p, "{year}", f.ids["{year}"])
	p = strings.ReplaceAll(p, "{key}", "certify_sessions") // an indicator
	// The certificate page needs an application that has been issued.
	if rest, ok := strings.CutPrefix(p, "/certify/applications/{id}/certificate"); ok {
		p = "/certify/applications/" + f.ids["/certify/issued/"] + "/certificate" + rest
	}
	for prefix, id := range ids {
		if rest, ok := strings.CutPrefix(p, prefix+"{id}"); ok {
			p = prefix + id + rest
		}
	}
	return p, !strings.Contains(p, "{")
}

// userFor is the first test account whose role holds perm.
func userFor(perm auth.Perm) string {
	for _, u := range a11yUsers {
		if auth.RoleHas(u.role, perm) && auth.DeptAllows(u.role, u.dept, perm) {
			return u.name
		}
	}
	return ""
}

// checks lists every page to check: one per GET page route (failing the
// test for a route it cannot open), then the states of pages that a route
// alone does not show (errors, notices, refusals).
func (f *fixture) checks(t *testing.T) []pageCheck {
	var list []pageCheck
	routes := map[string]bool{}
	clients := map[string]*apptest.Client{}
	for _, r := range f.e.App.Router.Routes() {
		if r.Method != http.MethodGet || r.API || (r.Perm == "" && r.Path != "/login") {
			continue
		}
		routes[r.Path] = true
		if why, ok := nonHTML[r.Path]; ok {
			t.Logf("not checked by axe: GET %s (%s)", r.Path, why)
			continue
		}
		if test, ok := ownTest[r.Path]; ok {
			t.Logf("GET %s is checked by axe in %s", r.Path, test)
			continue
		}
		u, ok := f.concreteURL(r.Path)
		if !ok {
			t.Errorf("GET %s: no concrete URL for this route; teach concreteURL in browser_test.go which id to put in it", r.Path)
			continue
		}
		user := ""
		if r.Perm != "" {
			if user = userFor(r.Perm); user == "" {
				t.Errorf("GET %s needs %s, which none of the test accounts holds; add one to a11yUsers", r.Path, r.Perm)
				continue
			}
		}
		// A download would abort the browser's navigation: catch it here
		// with a clear message.
		c := clients[user]
		if c == nil {
			c = f.e.Anonymous()
			if user != "" {
				c = f.e.SignIn(user)
			}
			clients[user] = c
		}
		if ct := c.Get(u).Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s serves %q, not a page; list it in nonHTML in browser_test.go with the reason", r.Path, ct)
			continue
		}
		list = append(list, pageCheck{name: "GET " + r.Path, user: user, want: http.StatusOK, open: openPath(u)})
	}
	for _, want := range []string{"/login", "/{$}", "/admin", "/admin/users", "/admin/users/new", "/admin/security", "/admin/api-clients", "/admin/areas", "/audit", "/audit/verify", "/account/password",
		"/certify", "/programmes", "/renovation", "/employment", "/rights", "/activities", "/archive", "/reports",
		"/registry", "/registry/persons/new", "/registry/persons/{id}"} {
		if !routes[want] {
			t.Errorf("page route GET %s is gone from the route table (or not yet there)", want)
		}
	}

	list = append(list,
		pageCheck{name: "sign-in refused", want: http.StatusUnauthorized, must: "main .errors", open: func(b *apptest.Tab, _ int) {
			b.SignIn("nobody", "wrong-password")
		}},
		pageCheck{name: "sign-in empty", want: http.StatusUnprocessableEntity, must: "main .errors", open: submitEmpty("/login", `main form[action="/login"]`)},
		pageCheck{name: "signed out notice", want: http.StatusOK, must: "main .flash", open: openPath("/login?ok=flash.signed_out")},
		pageCheck{name: "404 not signed in", want: http.StatusNotFound, open: openPath("/no/such/page")},
		pageCheck{name: "404 signed in", user: "admin", want: http.StatusNotFound, must: "nav.main-nav", open: openPath("/no/such/page")},
		pageCheck{name: "403 refused", user: "security", want: http.StatusForbidden, open: openPath("/registry")},
		pageCheck{name: "home with chart", user: "admin", want: http.StatusOK, must: "svg.chart rect.bar", open: openPath("/")},
		pageCheck{name: "new account errors", user: "admin", want: http.StatusUnprocessableEntity, must: "main .field-error",
			open: submitEmpty("/admin/users/new", `main form[action="/admin/users"]`)},
		pageCheck{name: "new account created", user: "admin", want: http.StatusOK, must: "main .notice .secret", open: func(b *apptest.Tab, n int) {
			b.Open("/admin/users/new")
			b.Type("#username", fmt.Sprintf("made%d", n))
			b.Type("#display_name", "新账号")
			b.Click(`main form[action="/admin/users"] button[type="submit"]`)
		}},
		pageCheck{name: "accounts saved notice", user: "admin", want: http.StatusOK, must: "main .flash", open: openPath("/admin/users?ok=flash.saved")},
		pageCheck{name: "password errors", user: "admin", want: http.StatusUnprocessableEntity, must: "main .field-error", open: func(b *apptest.Tab, _ int) {
			b.Open("/account/password")
			b.Type("#current_password", apptest.Password)
			b.Type("#new_password", "abcdefgh")
			b.Type("#confirm_password", "abcdefgi")
			b.Click(`main form[action="/account/password"] button[type="submit"]`)
		}},
		pageCheck{name: "password must change", user: "fresh", want: http.StatusOK, must: "main .notice", open: openPath("/account/password")},
		pageCheck{name: "locked accounts", user: "security", want: http.StatusOK, must: `main form[action$="/unlock"]`, open: openPath("/admin/security")},
		pageCheck{name: "API client errors", user: "security", want: http.StatusUnprocessableEntity, must: "main .field-error",
			open: submitEmpty("/admin/api-clients", `main form[action="/admin/api-clients"]`)},
		pageCheck{name: "API client token", user: "security", want: http.StatusOK, must: "main .notice .secret", open: func(b *apptest.Tab, n int) {
			b.Open("/admin/api-clients")
			b.Type("#name", fmt.Sprintf("民政局%d", n))
			b.Toggle(`main form[action="/admin/api-clients"] input[name="perms"]`)
			b.Click(`main form[action="/admin/api-clients"] button[type="submit"]`)
		}},
		pageCheck{name: "role errors", user: "security", want: http.StatusUnprocessableEntity, must: "main .field-error", open: func(b *apptest.Tab, _ int) {
			b.Open("/admin/roles/" + f.userIDs["auditor"])
			apptest.Eval[bool](b, stripRequired+`; document.getElementById("role").value = ""; true`)
			b.Click(`main form[action^="/admin/roles/"] button[type="submit"]`)
		}},
		pageCheck{name: "sign-in rule errors", user: "security", want: http.StatusUnprocessableEntity, must: "main .field-error", open: func(b *apptest.Tab, _ int) {
			b.Open("/admin/security")
			apptest.Eval[bool](b, stripRequired+`; var i = document.getElementById("lock_after"); i.removeAttribute("max"); i.value = "9"; true`)
			b.Click(`main form[action="/admin/security/policy"] button[type="submit"]`)
		}},
		pageCheck{name: "audit retention errors", user: "auditor", want: http.StatusUnprocessableEntity, must: "main .field-error", open: func(b *apptest.Tab, _ int) {
			b.Open("/audit/retention")
			apptest.Eval[bool](b, stripRequired+`; var i = document.getElementById("months"); i.removeAttribute("min"); i.value = "3"; true`)
			b.Click(`main form[action="/audit/retention"] button[type="submit"]`)
		}},
		pageCheck{name: "audit search, nothing found", user: "auditor", want: http.StatusOK, must: "main td[colspan]", open: openPath("/audit?actor=no-such-actor")},
		pageCheck{name: "audit entries", user: "auditor", want: http.StatusOK, must: "main tbody td ul li", open: openPath("/audit?action=person.create")},
	)
	if routes["/registry/persons/new"] {
		list = append(list, pageCheck{name: "new person errors", user: "admin", want: http.StatusUnprocessableEntity, must: "main .field-error",
			open: submitEmpty("/registry/persons/new", `main form[method="post"]`)})
	}
	return list
}

// a11yMode is one way of viewing every page.
type a11yMode struct {
	name  string
	on    string // the header button that switches to it ("" for none)
	class string // body class the mode shows ("" for none)
	lang  string
	width int64 // viewport width in CSS pixels, 0 for the browser's 1280
}

var a11yModes = []a11yMode{
	{name: "default", lang: "zh-CN"},
	{name: "high contrast", on: `header button[name="toggle"][value="contrast"]`, class: "contrast", lang: "zh-CN"},
	{name: "large text", on: `header button[name="toggle"][value="large"]`, class: "large", lang: "zh-CN"},
	{name: "English", on: `header button[name="lang"][value="en"]`, lang: "en"},
	// WCAG 1.4.10 Reflow: 320 CSS pixels (1280 at 400 % zoom) without
	// scrolling sideways, data tables excepted.
	{name: "320px wide", lang: "zh-CN", width: 320},
}

// pageState is what a view check reads from the page in one evaluation.
type pageState struct {
	ContentType string   `json:"contentType"`
	Lang        string   `json:"lang"`
	Class       string   `json:"class"`
	Must        bool     `json:"must"`
	Overflow    []string `json:"overflow"` // elements sticking out to the right, outside tables
	// Captions the style sheet turned into something else (display:
	// block moves a caption below the table's header row).
	BadCaptions []string `json:"badCaptions"`
}

func jsQuote(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

func readState(b *apptest.Tab, must string) pageState {
	if must == "" {
		must = "html"
	}
	return apptest.Eval[pageState](b, `(function () {
  var w = document.documentElement.clientWidth, out = [];
  document.querySelectorAll("body *").forEach(function (e) {
    if (e.closest("table") || out.length >= 5) return;
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.getAttribute("class") ? "." + e.getAttribute("class").trim().split(/\s+/).join(".") : "") + " (right edge " + Math.round(r.right) + "px)");
  });
  return {contentType: document.contentType, lang: document.documentElement.lang,
    class: document.body ? document.body.className.trim() : "",
    must: document.querySelector(`+jsQuote(must)+`) !== null, overflow: out,
    badCaptions: Array.from(document.querySelectorAll("caption")).filter(function (c) {
      return getComputedStyle(c).display !== "table-caption"; }).map(function (c) { return c.textContent.trim(); })};
})()`)
}

func TestBrowserAccessibility(t *testing.T) {
	apptest.NeedBrowser(t)
	apptest.NeedAxe(t)
	f := setupA11y(t)
	e := f.e
	checks := f.checks(t)
	if t.Failed() {
		t.FailNow()
	}

	// axe-core really runs and finds problems: inject a broken image into a
	// page served with script-src 'self' and expect image-alt.
	probe := e.NewTab(t)
	probe.Open("/login")
	// The page's CSP blocks inline script; DevTools evaluation, which injects
	// axe-core, is not page script and still runs.
	if apptest.Eval[bool](probe, `var s = document.createElement("script"); s.textContent = "window.inlineRan = true"; document.head.appendChild(s); window.inlineRan === true`) {
		t.Error("inline script ran: the page has no Content-Security-Policy")
	}
	if res := probe.Axe(); len(res.Violations) != 0 {
		t.Errorf("GET /login (default): %d axe violations:\n%s", len(res.Violations), res)
	} else {
		t.Logf("axe-core %s: %d rules passed on /login", res.Version, res.Passes)
	}
	apptest.Eval[bool](probe, `var i = document.createElement("img"); i.src = "/static/favicon.svg"; document.getElementById("main").appendChild(i); true`)
	found := false
	for _, v := range probe.Axe().Violations {
		found = found || v.ID == "image-alt"
	}
	if !found {
		t.Fatal("axe-core did not report an image without alt text: the checker is not working")
	}

	shots := os.Getenv("YANGGUANG_SCREENSHOTS")
	byUser := map[string][]pageCheck{}
	var users []string
	for _, c := range checks {
		if _, ok := byUser[c.user]; !ok {
			users = append(users, c.user)
		}
		byUser[c.user] = append(byUser[c.user], c)
	}
	var n, views atomic.Int64
	start := time.Now()
	// One subtest per account and view, each in its own tab. (In parallel
	// they are no faster on two cores: axe and layout are CPU-bound.)
	t.Run("views", func(t *testing.T) {
		for _, user := range users {
			for _, m := range a11yModes {
				name := user
				if name == "" {
					name = "anonymous"
				}
				t.Run(name+"/"+m.name, func(t *testing.T) {
					b := e.NewTab(t)
					home := "/login"
					if user != "" {
						if st := b.SignIn(user, apptest.Password); st != http.StatusOK {
							t.Fatalf("sign-in of %s: %d", user, st)
						}
						home = "/"
						if user == "fresh" {
							home = "/account/password"
						}
					}
					if m.on != "" {
						b.Open(home)
						b.Click(m.on)
					}
					if m.width != 0 {
						b.Viewport(m.width, 640)
					}
					for _, c := range byUser[user] {
						c.open(b, int(n.Add(1)))
						where := fmt.Sprintf("%s as %q (%s) at %s", c.name, user, m.name, b.Path())
						if b.Status != c.want {
							t.Errorf("%s: status %d, want %d", where, b.Status, c.want)
							continue
						}
						st := readState(b, c.must)
						if st.ContentType != "text/html" {
							t.Errorf("%s: %s is not an HTML page; if that is right, list the route in nonHTML", where, st.ContentType)
							continue
						}
						if !st.Must {
							t.Errorf("%s: page lacks %s", where, c.must)
						}
						if st.Lang != m.lang {
							t.Errorf("%s: html lang %q, want %q", where, st.Lang, m.lang)
						}
						if st.Class != m.class {
							t.Errorf("%s: body class %q, want %q", where, st.Class, m.class)
						}
						if len(st.BadCaptions) > 0 {
							t.Errorf("%s: table captions not shown as captions (check the CSS display): %q", where, st.BadCaptions)
						}
						if m.width != 0 && len(st.Overflow) > 0 {
							t.Errorf("%s: at %d px wide the page scrolls sideways (WCAG 1.4.10 Reflow): %s", where, m.width, strings.Join(st.Overflow, "; "))
						}
						res := b.Axe()
						views.Add(1)
						if len(res.Violations) > 0 {
							t.Errorf("%s: %d axe violations (WCAG 2.1 AA):\n%s", where, len(res.Violations), res)
						}
						if shots != "" && m.name == "default" && user == "admin" {
							switch c.name {
							case "home with chart":
								b.Screenshot(filepath.Join(shots, "yangguang-home.png"))
							case "GET /registry":
								b.Screenshot(filepath.Join(shots, "yangguang-registry.png"))
							}
						}
					}
				})
			}
		}
	})
	t.Logf("axe-core checked %d page views (%d pages and states × %d views) in %v",
		views.Load(), len(checks), len(a11yModes), time.Since(start).Round(time.Millisecond))
}
