package app_test

// Browser walks of the certification one-stop (评残办证, issue #4): one
// application from counter entry through session booking, the expert's
// assessment, review, 公示, county review, issue, delivery and the registry
// change; and a home assessment (上门评残) filed by a township worker. Each
// walk drives the real forms of the real server in Chromium, as each person
// in the chain (counter clerk, reviewer, expert, township worker) signed in
// in his own tab, and meets refusals on the way: an expert outside the
// session's speciality, a photo too small, a booking beyond the session's
// capacity, the end of 公示 before its last day, a home visit on a day off.
// Each refusal shows a clear Chinese message and changes nothing.
//
// The server runs on the real clock (app.New gives no way to set the
// certification handler's clock), so the walks happen today: today is made
// a working day when it is not (a 调休 day in the calendar), the session and
// the home visit are today, and the five working days of 公示 are made to
// have passed by moving the application's 公示 dates back in the database
// (passPublicity). Apart from the setup (accounts, the expert pool, the
// calendar day and a second applicant filed at the next counter) that is
// the only write the walks make behind the pages' back.

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Areas of the demo county the walks use.
const (
	certTownship = "341599001000" // 城关街道
	certVillage  = "341599001001" // 团结社区
	certVillage2 = "341599001200" // 陈楼村
)

// certWalk is a test system with the accounts and expert pool of a walk.
type certWalk struct {
	t     *testing.T
	e     *apptest.Env
	ctx   context.Context // the system as actor, for setup
	today time.Time       // the server's today (time.Now, as certify.Handler has no clock set)
	cal   *calendar.Calendar
	users map[string]auth.User
	start time.Time
}

func newCertWalk(t *testing.T) *certWalk {
	t.Helper()
	apptest.NeedBrowser(t)
	if v := os.Getenv("YANGGUANG_REQUIRE_ALL"); v != "" && v != "0" && v != "false" {
		apptest.NeedAxe(t) // fails when axe-core is missing
	}
	w := &certWalk{t: t, e: apptest.New(t), ctx: audit.WithActor(context.Background(), audit.System),
		today: calendar.Date(time.Now()), users: map[string]auth.User{}, start: time.Now()}
	cal, err := calendar.Load(w.ctx, w.e.DB)
	if err != nil {
		t.Fatal(err)
	}
	// Sessions and home visits go on working days from today on, and the
	// expert may record a result only from the assessment day: the walk
	// needs today to be worked.
	if !cal.IsWorkingDay(w.today) {
		w.tx(func(tx *store.Tx) error {
			return calendar.Set(w.ctx, tx, calendar.Day{Date: w.day(), Kind: calendar.Workday, Name: "测试调休"})
		})
		if cal, err = calendar.Load(w.ctx, w.e.DB); err != nil {
			t.Fatal(err)
		}
	}
	w.cal = cal
	t.Cleanup(func() { t.Logf("%s took %v", t.Name(), time.Since(w.start).Round(time.Millisecond)) })
	return w
}

func (w *certWalk) tx(fn func(tx *store.Tx) error) {
	w.t.Helper()
	if err := w.e.DB.InTx(w.ctx, fn); err != nil {
		w.t.Fatal(err)
	}
}

func (w *certWalk) day() string { return w.today.Format(time.DateOnly) }

// wd is the n-th working day after today.
func (w *certWalk) wd(n int) string { return w.cal.AddWorkingDays(w.today, n).Format(time.DateOnly) }

func (w *certWalk) user(name string, role auth.Role, dept auth.Department, scope string) {
	w.users[name] = w.e.CreateUser(name, role, dept, scope)
}

// expert puts an expert into the pool, linked to an expert account if
// user is not "".
func (w *certWalk) expert(name string, sp certify.Speciality, user string) certify.Expert {
	w.t.Helper()
	var x certify.Expert
	w.tx(func(tx *store.Tx) (err error) {
		x, err = certify.SaveExpert(w.ctx, tx, certify.Expert{UserID: w.users[user].ID, Name: name, Speciality: sp,
			Hospital: "县人民医院", Qualification: "主任医师", Available: true})
		return err
	})
	return x
}

// tab signs user in, in a tab of his own.
func (w *certWalk) tab(user string) *apptest.Tab {
	w.t.Helper()
	b := w.e.NewTab(w.t)
	if st := b.SignIn(user, apptest.Password); st != http.StatusOK {
		w.t.Fatalf("sign-in of %s: status %d at %s", user, st, b.Path())
	}
	return b
}

func (w *certWalk) app(id string) certify.Application {
	w.t.Helper()
	a, err := certify.Get(w.ctx, w.e.DB, area.ScopeOf(county), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *certWalk) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.e.DB.QueryRowContext(w.ctx, query, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// passPublicity makes the five working days of 公示 lie behind today: the
// clock of the server cannot be moved, so the dates are. The county review
// limit follows the moved end of 公示 as Review computed it.
func (w *certWalk) passPublicity(id string) (reviewDue string) {
	w.t.Helper()
	set, err := certify.LoadSettings(w.ctx, w.e.DB)
	if err != nil {
		w.t.Fatal(err)
	}
	to := w.cal.AddWorkingDays(w.today, -1)
	from := w.cal.AddWorkingDays(to, -set.PublicityDays)
	reviewDue = w.cal.AddWorkingDays(to, set.ReviewDays).Format(time.DateOnly)
	if _, err := w.e.DB.ExecContext(w.ctx, `UPDATE cert_applications SET publicity_from = $1, publicity_to = $2, review_due = $3, due = $4 WHERE id = $5`,
		from.Format(time.DateOnly), to.Format(time.DateOnly), reviewDue, w.day(), id); err != nil {
		w.t.Fatal(err)
	}
	return reviewDue
}

// ---- reading and driving pages ----

// certPNG writes a PNG of w × h pixels into a temporary directory.
func certPNG(t *testing.T, name string, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(160 + x/10), G: uint8(150 + y/10), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// certUpload puts a file into the file input sel, as choosing it in the file
// dialog does; the browser then posts it with the form. (apptest.Tab keeps
// its chromedp context to itself, so chromedp.SetUploadFiles cannot be run
// from here: the file is handed over through a DataTransfer instead.)
func certUpload(b *apptest.Tab, sel, file string) {
	b.T.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		b.T.Fatal(err)
	}
	n := apptest.Eval[int](b, `(function () {
  var input = document.querySelector(`+jsQuote(sel)+`);
  if (!input) return -1;
  var bin = atob(`+jsQuote(base64.StdEncoding.EncodeToString(data))+`), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var dt = new DataTransfer();
  dt.items.add(new File([bytes], `+jsQuote(filepath.Base(file))+`, {type: "image/png"}));
  input.files = dt.files;
  input.dispatchEvent(new Event("change", {bubbles: true}));
  return input.files.length === 1 ? input.files[0].size : 0;
})()`)
	if n != len(data) {
		b.T.Fatalf("upload into %s on %s: the input holds %d bytes, want %d", sel, b.Path(), n, len(data))
	}
}

// certChoose picks value in a select (or sets a date input), as a person does
// with the mouse or the keyboard; it fails when the option is not there.
func certChoose(b *apptest.Tab, sel, value string) {
	b.T.Helper()
	got := apptest.Eval[string](b, `(function () {
  var e = document.querySelector(`+jsQuote(sel)+`);
  if (!e) return "<no such field>";
  e.value = `+jsQuote(value)+`;
  e.dispatchEvent(new Event("input", {bubbles: true}));
  e.dispatchEvent(new Event("change", {bubbles: true}));
  return e.value;
})()`)
	if got != value {
		b.T.Fatalf("choose %q in %s on %s: the field holds %q (no such option?)", value, sel, b.Path(), got)
	}
}

// certFact is the text of the <dd> after the <dt> labelled label ("" if none).
func certFact(b *apptest.Tab, label string) string {
	b.T.Helper()
	return apptest.Eval[string](b, `(function () {
  var dts = document.querySelectorAll("main dl dt");
  for (var i = 0; i < dts.length; i++) {
    if (dts[i].textContent.trim() === `+jsQuote(label)+`) { var dd = dts[i].nextElementSibling; return dd ? dd.innerText.trim() : ""; }
  }
  return "";
})()`)
}

// certRows are the texts of the body rows of the table sel, cells joined by " | ".
func certRows(b *apptest.Tab, sel string) []string {
	b.T.Helper()
	return apptest.Eval[[]string](b, `Array.from(document.querySelectorAll(`+jsQuote(sel+" tbody tr")+`)).map(function (tr) {
  return Array.from(tr.cells).map(function (c) { return c.innerText.trim(); }).join(" | "); })`)
}

// certFirstWord and certFirstLine drop the hints shown after a value.
func certFirstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func certFirstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

func certAnyContains(list []string, parts ...string) bool {
	for _, s := range list {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(s, p)
		}
		if all {
			return true
		}
	}
	return false
}

// certStage checks the application page's status box: the stage, who holds it
// and the time limit ("" for none).
func certStage(b *apptest.Tab, status, holder, due string) {
	b.T.Helper()
	box := b.Text("main .notice")
	if got := b.Text("main .notice strong"); got != status {
		b.T.Fatalf("%s: stage %q, want %q (status box: %q)", b.Path(), got, status, box)
	}
	if !strings.Contains(box, "当前办理："+holder) {
		b.T.Errorf("%s: status box %q does not name the holder %q", b.Path(), box, holder)
	}
	switch {
	case due == "" && strings.Contains(box, "时限："):
		b.T.Errorf("%s: status box %q shows a time limit, want none", b.Path(), box)
	case due != "" && !strings.Contains(box, "时限："+due):
		b.T.Errorf("%s: status box %q, want time limit %s", b.Path(), box, due)
	}
	if strings.Contains(box, "已超期") {
		b.T.Errorf("%s: marked overdue: %q", b.Path(), box)
	}
}

// certRefused checks a refused post: its status, the message in the error
// summary and (if field is not "") beside the field.
func certRefused(b *apptest.Tab, st, want int, msg, field string) {
	b.T.Helper()
	if st != want {
		b.T.Fatalf("%s: status %d, want %d; errors: %q", b.Path(), st, want, b.Text("main .errors"))
	}
	if sum := b.Text("main .errors"); !strings.Contains(sum, msg) {
		b.T.Errorf("%s: error summary %q lacks %q", b.Path(), sum, msg)
	}
	if field != "" {
		if got := b.Text(field + " .field-error"); !strings.Contains(got, msg) {
			b.T.Errorf("%s: %s says %q, want %q beside the field", b.Path(), field, got, msg)
		}
	}
}

// certAxeClean runs axe-core on a page state no route alone shows (a refusal),
// when axe-core is at hand.
func certAxeClean(b *apptest.Tab, what string) {
	b.T.Helper()
	if _, err := os.Stat(apptest.AxePath()); err != nil {
		return // newCertWalk already failed the test under YANGGUANG_REQUIRE_ALL
	}
	if res := b.Axe(); len(res.Violations) > 0 {
		b.T.Errorf("%s (%s): %d axe violations (WCAG 2.1 AA):\n%s", what, b.Path(), len(res.Violations), res)
	}
}

// certAppID is the application's id in the current page's path.
func certAppID(b *apptest.Tab) string {
	b.T.Helper()
	p := b.Path()
	m := certAppIDOf(p)
	if m == "" {
		b.T.Fatalf("not on an application page: %s", p)
	}
	return m
}

func certAppIDOf(p string) string {
	rest, ok := strings.CutPrefix(p, "/certify/applications/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "?")
	id, _, _ = strings.Cut(id, "/")
	if len(id) != 36 {
		return ""
	}
	return id
}

// ---- the walks ----

// One new certificate (新办) from the counter to the card in hand and the
// registry: session planning, filing with the photo, booking, the expert's
// result, review and 公示, county review, issue, the print page, delivery at
// the counter, and the person in the registry.
func TestBrowserCertifyCounterToRegistry(t *testing.T) {
	w := newCertWalk(t)
	w.user("cert", auth.RoleCountyStaff, auth.DeptCertification, county) // the counter clerk
	w.user("fuhe", auth.RoleCountyStaff, auth.DeptCertification, county) // the reviewer
	w.user("dr_bone", auth.RoleExpert, "", county)                       // the expert's account
	bone := w.expert("骨科王医生", certify.Orthopaedics, "dr_bone")
	eye := w.expert("眼科李医生", certify.Ophthalmology, "")
	today := w.day()
	const place = "县残联三楼评残室"

	clerk := w.tab("cert")

	// The county plans today's session for 肢体残疾, first naming the
	// ophthalmologist too: refused, nothing planned.
	clerk.Open("/certify/sessions")
	certChoose(clerk, "#day", today)
	clerk.Type("#place", place)
	certChoose(clerk, "#category", "4")
	clerk.Type("#capacity", "1")
	clerk.Toggle(`input[name="expert_ids"][value="` + bone.ID + `"]`)
	clerk.Toggle(`input[name="expert_ids"][value="` + eye.ID + `"]`)
	st := clerk.Click(`form[action="/certify/sessions"] button[type="submit"]`)
	certRefused(clerk, st, http.StatusUnprocessableEntity, "专家眼科李医生的专业与残疾类别不符", "#experts_err")
	if n := w.count(`SELECT COUNT(*) FROM cert_sessions`); n != 0 {
		t.Fatalf("a refused session was saved: %d sessions", n)
	}
	if got := certRows(clerk, `table[aria-labelledby="h_list"]`); len(got) != 1 || !strings.Contains(got[0], "没有场次") {
		t.Errorf("sessions after the refusal: %q", got)
	}
	certAxeClean(clerk, "session refused: expert outside the speciality")
	// The form kept what was typed; the orthopaedist alone is accepted.
	if got := clerk.Attr("#place", "value"); got != place {
		t.Errorf("place after the refusal: %q", got)
	}
	clerk.Toggle(`input[name="expert_ids"][value="` + bone.ID + `"]`)
	if st := clerk.Click(`form[action="/certify/sessions"] button[type="submit"]`); st != http.StatusOK || !strings.HasPrefix(clerk.Path(), "/certify/sessions/") {
		t.Fatalf("planning the session: %d at %s; errors %q", st, clerk.Path(), clerk.Text("main .errors"))
	}
	sessionPath, _, _ := strings.Cut(clerk.Path(), "?")
	sessionID := strings.TrimPrefix(sessionPath, "/certify/sessions/")
	if h := clerk.Text("main h1"); !strings.Contains(h, today) || !strings.Contains(h, "肢体残疾") {
		t.Errorf("session heading %q", h)
	}
	if got := certFact(clerk, "名额"); got != "1（余 1 个名额）" {
		t.Errorf("session capacity %q", got)
	}
	if got := clerk.Text(`ul[aria-labelledby="h_experts"]`); !strings.Contains(got, "骨科王医生") || strings.Contains(got, "眼科李医生") {
		t.Errorf("session experts %q", got)
	}

	// Counter entry: a photo too small is refused and nothing is filed;
	// the right one is taken with the application.
	idn := registry.MakeIDNumber("341599", time.Date(1972, time.March, 3, 0, 0, 0, 0, time.UTC), 401, 1)
	clerk.Open("/certify/applications/new")
	if got := clerk.Attr(`#type option:checked`, "value") + "/" + clerk.Attr(`#channel option:checked`, "value"); got != "new/counter" {
		t.Errorf("new application defaults to %s, want new/counter", got)
	}
	clerk.Type("#id_number", idn)
	clerk.Type("#phone", "13700000001")
	clerk.Type("#name", "周强")
	certChoose(clerk, "#village_code", certVillage)
	certChoose(clerk, "#category", "4")
	certUpload(clerk, "#photo", certPNG(t, "small.png", 100, 100))
	st = clerk.Click(`main form[action="/certify/applications"] button[type="submit"]`)
	certRefused(clerk, st, http.StatusUnprocessableEntity, "照片只有 100×100 像素，至少需要 295×413（一寸照片）", "#photo_err")
	if got := clerk.Attr("#photo", "aria-invalid"); got != "true" {
		t.Errorf("photo field aria-invalid = %q", got)
	}
	if n := w.count(`SELECT COUNT(*) FROM cert_applications`); n != 0 {
		t.Fatalf("a refused filing was saved: %d applications", n)
	}
	certAxeClean(clerk, "filing refused: photo too small")
	if got := clerk.Attr("#name", "value"); got != "周强" {
		t.Errorf("name after the refusal: %q", got)
	}
	certUpload(clerk, "#photo", certPNG(t, "zhouqiang.png", 300, 420))
	if st := clerk.Click(`main form[action="/certify/applications"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("filing: %d at %s; errors %q", st, clerk.Path(), clerk.Text("main .errors"))
	}
	id := certAppID(clerk)
	a := w.app(id)
	if flash := clerk.Text("main .flash"); !strings.Contains(flash, "已受理") {
		t.Errorf("flash after filing %q", flash)
	}
	if h := clerk.Text("main h1"); h != "周强 · 新办" {
		t.Errorf("heading %q", h)
	}
	if got := clerk.Text("main > p strong"); got != a.Code || !strings.HasPrefix(got, "YG") {
		t.Errorf("application code shown %q, stored %q", got, a.Code)
	}
	certStage(clerk, "已受理", "县残联办证窗口", w.wd(5))
	if alt := clerk.Attr(".facts-with-photo img", "alt"); alt != "周强的照片" || !strings.HasPrefix(clerk.Attr(".facts-with-photo img", "src"), "data:image/png;base64,") {
		t.Errorf("photo on the page: alt %q", alt)
	}
	for label, want := range map[string]string{"身份证号": idn, "户籍村（社区）": "城关街道 团结社区", "申请渠道": "窗口受理", "受理日期": today, "申请评定的残疾类别": "肢体残疾"} {
		if got := certFact(clerk, label); got != want {
			t.Errorf("%s: %q, want %q", label, got, want)
		}
	}
	if got := certFirstWord(certFact(clerk, "到场次数")); got != "1" {
		t.Errorf("visits after filing at the counter: %q", got)
	}
	if got := certRows(clerk, `table[aria-labelledby="h_sms"]`); !certAnyContains(got, "受理编号 "+a.Code, "待发送") {
		t.Errorf("no filing notice in the outbox: %q", got)
	}

	// A second applicant of the same category is filed at the next
	// counter; the reviewer, helping out, opens it while the session still
	// has its one place.
	other := registry.MakeIDNumber("341599", time.Date(1980, time.May, 5, 0, 0, 0, 0, time.UTC), 402, 2)
	var b certify.Application
	clerkCtx := audit.WithActor(context.Background(), audit.Actor{ID: w.users["cert"].ID, Name: "cert", Kind: "user"})
	if err := w.e.DB.InTx(clerkCtx, func(tx *store.Tx) (err error) {
		b, err = certify.Create(clerkCtx, tx, area.ScopeOf(county), certify.NewApplication{Type: certify.TypeNew, Channel: certify.ChannelCounter,
			IDNumber: other, Name: "吴敏", VillageCode: certVillage, Category: registry.Physical}, w.today)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	reviewer := w.tab("fuhe")
	reviewer.Open("/certify/applications/" + b.ID)
	if got := reviewer.Text(`#session_id option[value="` + sessionID + `"]`); !strings.Contains(got, "余 1 个名额") {
		t.Fatalf("the second applicant's page offers %q", got)
	}

	// Booking: the clerk books 周强 into the session; the expert is
	// assigned by speciality.
	clerk.Open("/certify/applications/" + id)
	if got := clerk.Text(`#session_id option[value="` + sessionID + `"]`); got != today+" "+place+"（余 1 个名额）" {
		t.Errorf("session offered as %q", got)
	}
	certChoose(clerk, "#session_id", sessionID)
	if st := clerk.Click(`form[action$="/book"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("booking: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certStage(clerk, "已安排评定", "评定专家（骨科王医生）", today)
	if got := certFact(clerk, "集中评残场次"); got != today+" "+place {
		t.Errorf("session on the application: %q", got)
	}
	if got := certFact(clerk, "评定专家"); got != "骨科王医生（骨科，县人民医院）" {
		t.Errorf("expert on the application: %q", got)
	}
	if got := certRows(clerk, `table[aria-labelledby="h_sms"]`); !certAnyContains(got, "周强您好，已为您预约 "+today+" 在"+place+"参加集中评残") {
		t.Errorf("no booking notice in the outbox: %q", got)
	}

	// Double booking beyond capacity: the reviewer's page still offers the
	// place the clerk has just taken. Refused; 吴敏 stays unbooked.
	certChoose(reviewer, "#session_id", sessionID)
	st = reviewer.Click(`form[action$="/book"] button[type="submit"]`)
	certRefused(reviewer, st, http.StatusUnprocessableEntity, "该场次已约满（名额 1 人）", "#session_err")
	certStage(reviewer, "已受理", "县残联办证窗口", w.wd(5))
	if got := w.app(b.ID); got.Status != certify.Submitted || got.Version != b.Version || got.SessionID != "" {
		t.Fatalf("the refused booking changed the application: %s v%d session %q", got.Status, got.Version, got.SessionID)
	}
	certAxeClean(reviewer, "booking refused: session full")
	reviewer.Open(sessionPath)
	if got := certFact(reviewer, "名额"); got != "1（余 0 个名额）" {
		t.Errorf("session after the refused booking: %q", got)
	}
	if got := certRows(reviewer, `table[aria-labelledby="h_apps"]`); len(got) != 1 || !certAnyContains(got, a.Code, "周强", "已安排评定") {
		t.Errorf("booked into the session: %q", got)
	}

	// The expert, signed in, finds the case and records the result.
	expert := w.tab("dr_bone")
	expert.Open("/certify/assess")
	if got := certRows(expert, "main table"); len(got) != 1 || !certAnyContains(got, today, "周强", "肢体残疾", "团结社区", "集中评残场次") {
		t.Fatalf("the expert's list: %q", got)
	}
	expert.Click(`main table a[href="/certify/assess/` + id + `"]`)
	if h := expert.Text("main h1"); h != "录入评定结果：周强" {
		t.Errorf("assessment heading %q", h)
	}
	if got := certFact(expert, "评定日期"); got != today {
		t.Errorf("assessment day %q", got)
	}
	if got := expert.Attr(`#category option:checked`, "value"); got != "4" {
		t.Errorf("category preselected %q", got)
	}
	certChoose(expert, "#grade", "3")
	expert.Type("#findings", "左上肢肌力三级，肘关节活动受限")
	if st := expert.Click(`main form[action="/certify/assess/` + id + `"] button[type="submit"]`); st != http.StatusOK || !strings.HasPrefix(expert.Path(), "/certify/assess?") {
		t.Fatalf("recording the result: %d at %s; errors %q", st, expert.Path(), expert.Text("main .errors"))
	}
	if got := certRows(expert, "main table"); len(got) != 1 || !strings.Contains(got[0], "目前没有待评定的申请") {
		t.Errorf("the expert's list after recording: %q", got)
	}

	// The reviewer checks the result and publishes it (公示).
	reviewer.Open("/certify/applications/" + id)
	certStage(reviewer, "已评定，待复核", "县残联复核人员", w.wd(3))
	if got := certFact(reviewer, "评定结果"); got != "肢体残疾 三级" {
		t.Errorf("result %q", got)
	}
	if got := certFact(reviewer, "检查所见"); got != "左上肢肌力三级，肘关节活动受限" {
		t.Errorf("findings %q", got)
	}
	if st := reviewer.Click(`form[action$="/review"] button[value="publish"]`); st != http.StatusOK {
		t.Fatalf("publishing: %d; errors %q", st, reviewer.Text("main .errors"))
	}
	pubTo := w.wd(5)
	pubDue := w.cal.AddWorkingDays(w.cal.AddWorkingDays(w.today, 5), 1).Format(time.DateOnly)
	certStage(reviewer, "公示中", "村（社区）公示", pubDue)
	if got := certFact(reviewer, "公示期"); got != today+" – "+pubTo {
		t.Errorf("公示 %q, want %s – %s", got, today, pubTo)
	}
	if got, want := certFact(reviewer, "县级审核期限"), w.cal.AddWorkingDays(w.cal.AddWorkingDays(w.today, 5), 10).Format(time.DateOnly); got != want {
		t.Errorf("county review limit %q, want %s", got, want)
	}
	if got := certRows(reviewer, `table[aria-labelledby="h_sms"]`); !certAnyContains(got, "周强的残疾评定结果自 "+today+" 至 "+pubTo+" 在所在村（社区）公示") {
		t.Errorf("no 公示 notice in the outbox: %q", got)
	}

	// The clerk cannot end 公示 before its last day.
	clerk.Open("/certify/applications/" + id)
	before := w.app(id)
	st = clerk.Click(`form[action$="/advance"] button[value="end_publicity"]`)
	certRefused(clerk, st, http.StatusConflict, "公示期到 "+pubTo+" 结束，期满后才能继续", "")
	certStage(clerk, "公示中", "村（社区）公示", pubDue)
	if got := w.app(id); got.Status != certify.Publicity || got.Version != before.Version {
		t.Fatalf("the refused end of 公示 changed the application: %s v%d", got.Status, got.Version)
	}
	certAxeClean(clerk, "end of 公示 refused")

	// Five working days later, without objection: county review.
	reviewDue := w.passPublicity(id)
	clerk.Open("/certify/applications/" + id)
	if st := clerk.Click(`form[action$="/advance"] button[value="end_publicity"]`); st != http.StatusOK {
		t.Fatalf("ending 公示: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certStage(clerk, "县级审核", "县残联复核人员", reviewDue)

	// The reviewer approves.
	reviewer.Open("/certify/applications/" + id)
	if st := reviewer.Click(`form[action$="/review"] button[value="approve"]`); st != http.StatusOK {
		t.Fatalf("approving: %d; errors %q", st, reviewer.Text("main .errors"))
	}
	certStage(reviewer, "审核通过，待制证", "县残联办证窗口", w.wd(3))

	// The clerk issues the card: the number, the validity, the print page.
	clerk.Open("/certify/applications/" + id)
	if st := clerk.Click(`form[action$="/issue"] button[value="issue"]`); st != http.StatusOK {
		t.Fatalf("issuing: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certNo := idn + "43"
	validUntil := w.today.AddDate(10, 0, -1).Format(time.DateOnly)
	certStage(clerk, "已制证，待送达", "县残联办证窗口", w.wd(10))
	if got := certFact(clerk, "残疾人证号"); got != certNo+" 打印证件页" {
		t.Errorf("certificate number on the application: %q, want %s", got, certNo)
	}
	if got := certFact(clerk, "有效期至"); got != validUntil {
		t.Errorf("valid until %q, want %s", got, validUntil)
	}
	clerk.Click(`main dd a[href="/certify/applications/` + id + `/certificate"]`)
	if h := clerk.Text("main h1"); h != "中华人民共和国残疾人证" {
		t.Errorf("print page heading %q", h)
	}
	for label, want := range map[string]string{"残疾人证号": certNo, "姓名": "周强", "身份证号": idn, "户籍地址": "城关街道 团结社区",
		"残疾类别": "肢体残疾", "残疾等级": "三级", "发证日期": today, "有效期至": validUntil, "发证机关": "阳光县残疾人联合会", "出生日期": "1972-03-03"} {
		if got := certFact(clerk, label); got != want {
			t.Errorf("print page %s: %q, want %q", label, got, want)
		}
	}
	if got := clerk.Text("article.certificate dd strong"); got != certNo {
		t.Errorf("certificate number not in bold: %q", got)
	}
	if alt := clerk.Attr("article.certificate img", "alt"); alt != "周强的照片" {
		t.Errorf("photo on the print page: alt %q", alt)
	}
	clerk.Click(`main p.no-print a`)

	// Delivery at the counter: done in one trip.
	certChoose(clerk, "#method", "counter")
	if st := clerk.Click(`form[action$="/deliver"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("delivering: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certStage(clerk, "已送达", "已办结", "")
	if got := certFact(clerk, "送达方式"); got != "窗口领取 · "+today {
		t.Errorf("delivery record %q", got)
	}
	if got := certFirstWord(certFact(clerk, "到场次数")); got != "1" {
		t.Errorf("visits (filing, session and collection on one day): %q", got)
	}
	if clerk.Has(`form[action$="/deliver"]`) || clerk.Has(`form[action$="/attach"]`) {
		t.Error("a delivered application still offers forms")
	}
	history := certRows(clerk, `table[aria-labelledby="h_history"]`)
	// Each move, by whom (the account name) and to which stage.
	for _, step := range [][]string{{"| cert | 受理 | 已受理"}, {"| cert | 上传照片 | 已受理 | zhouqiang.png"},
		{"| cert | 预约集中评残 | 已安排评定 | " + today + " " + place}, {"| dr_bone | 录入评定结果 | 已评定，待复核"},
		{"| fuhe | 复核通过并公示 | 公示中"}, {"| cert | 公示期满 | 县级审核"}, {"| fuhe | 审核通过 | 审核通过，待制证"},
		// The history names the card masked: the number is sealed, not copied.
		{"| cert | 制证 | 已制证，待送达 | " + audit.MaskValue(certNo)}, {"| cert | 送达 | 已送达"}} {
		if !certAnyContains(history, step...) {
			t.Errorf("history lacks %q:\n%s", step, strings.Join(history, "\n"))
		}
	}

	// The registry: the person, with the category and grade of the result,
	// the card and the history event of its making.
	clerk.Click(`main dd a[href^="/registry/persons/"]`)
	if h := clerk.Text("main h1"); h != "周强" {
		t.Fatalf("registry page heading %q at %s", h, clerk.Path())
	}
	for label, want := range map[string]string{"残疾类别": "肢体残疾", "残疾等级": "三级", "状态": "在册", "所在村（社区）": "城关街道 团结社区"} {
		if got := certFirstLine(certFact(clerk, label)); got != want {
			t.Errorf("registry %s: %q, want %q", label, got, want)
		}
	}
	if got := certFact(clerk, "发证日期"); !strings.HasPrefix(got, today) || !strings.Contains(got, validUntil) {
		t.Errorf("registry card issued %q, want %s valid until %s", got, today, validUntil)
	}
	if got := strings.ReplaceAll(certFact(clerk, "残疾人证号"), "\u200b", ""); !strings.HasSuffix(got, "43") {
		t.Errorf("registry card number %q", got)
	}
	if got := certRows(clerk, `table[aria-labelledby="history"]`); !certAnyContains(got, "| cert | 登记") {
		t.Errorf("registry history lacks the entry by the issue: %q", got)
	}
	p, err := registry.GetByIDNumber(w.ctx, w.e.DB, area.ScopeOf(county), idn)
	if err != nil || p.CertificateNo != certNo || p.Category != registry.Physical || p.Grade != 3 {
		t.Fatalf("registry record: %+v %v", p, err)
	}
}

// A home assessment (上门评残): a township worker files for a person who
// cannot come, with the photo taken at home; the county sends the expert
// team on a working day, the expert records the result, and the card is
// issued and brought to the home — without the applicant coming in once.
func TestBrowserCertifyHomeAssessment(t *testing.T) {
	w := newCertWalk(t)
	w.user("cert", auth.RoleCountyStaff, auth.DeptCertification, county)
	w.user("fuhe", auth.RoleCountyStaff, auth.DeptCertification, county)
	w.user("zhen", auth.RoleTownshipWorker, "", certTownship)
	w.user("dr_mind", auth.RoleExpert, "", county)
	w.user("dr_mind2", auth.RoleExpert, "", county)
	experts := map[string]string{} // expert name → account
	for name, user := range map[string]string{"精神科赵医生": "dr_mind", "精神科钱医生": "dr_mind2"} {
		w.expert(name, certify.Psychiatry, user)
		experts[name] = user
	}
	w.expert("骨科孙医生", certify.Orthopaedics, "")
	today := w.day()

	// The township worker files at the applicant's home.
	town := w.tab("zhen")
	town.Open("/certify/applications/new")
	if got := town.Attr(`#channel option:checked`, "value"); got != "township" {
		t.Errorf("a township worker's channel defaults to %q", got)
	}
	if got := town.Text(`#village_code`); strings.Contains(got, "桃园镇") || !strings.Contains(got, "陈楼村") {
		t.Errorf("villages offered to the township worker: %q", got)
	}
	idn := registry.MakeIDNumber("341599", time.Date(1965, time.July, 9, 0, 0, 0, 0, time.UTC), 501, 2)
	town.Type("#id_number", idn)
	town.Type("#phone", "13900000002")
	town.Type("#name", "陈桂兰")
	certChoose(town, "#village_code", certVillage2)
	certChoose(town, "#category", "6")
	if st := town.Click(`main form[action="/certify/applications"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("filing: %d at %s; errors %q", st, town.Path(), town.Text("main .errors"))
	}
	id := certAppID(town)
	certStage(town, "已受理", "县残联办证窗口", w.wd(5))
	if got := certFact(town, "申请渠道"); got != "乡镇代办" {
		t.Errorf("channel %q", got)
	}
	if got := certFirstWord(certFact(town, "到场次数")); got != "0" {
		t.Errorf("visits after filing by the township: %q", got)
	}
	// The photo, taken at home, goes up afterwards.
	certChoose(town, "#attach_kind", "photo")
	certUpload(town, "#attach_file", certPNG(t, "chenguilan.png", 330, 450))
	if st := town.Click(`form[action$="/attach"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("uploading the photo: %d; errors %q", st, town.Text("main .errors"))
	}
	if got := town.Text(`ul[aria-labelledby="h_files"]`); !strings.Contains(got, "照片：chenguilan.png") {
		t.Errorf("attachments %q", got)
	}
	if alt := town.Attr(".facts-with-photo img", "alt"); alt != "陈桂兰的照片" {
		t.Errorf("photo on the page: alt %q", alt)
	}
	if town.Has(`form[action$="/home"]`) || town.Has(`form[action$="/book"]`) {
		t.Error("the township worker is offered scheduling")
	}

	// The clerk arranges the home assessment: the experts offered are the
	// psychiatrists only; a day off is refused and changes nothing.
	clerk := w.tab("cert")
	clerk.Open("/certify/applications/" + id)
	offered := clerk.Text(`form[action$="/home"] fieldset`)
	if !strings.Contains(offered, "精神科赵医生") || !strings.Contains(offered, "精神科钱医生") || strings.Contains(offered, "骨科孙医生") {
		t.Errorf("home experts offered: %q", offered)
	}
	dayOff := w.today.AddDate(0, 0, 1)
	for w.cal.IsWorkingDay(dayOff) {
		dayOff = dayOff.AddDate(0, 0, 1)
	}
	before := w.app(id)
	certChoose(clerk, "#home_day", dayOff.Format(time.DateOnly))
	certChoose(clerk, "#home_reason", "severe_mental")
	clerk.Toggle(`form[action$="/home"] input[name="expert_ids"]`)
	st := clerk.Click(`form[action$="/home"] button[type="submit"]`)
	certRefused(clerk, st, http.StatusUnprocessableEntity, "该日不是工作日（见工作日历）", "#home_day_err")
	certStage(clerk, "已受理", "县残联办证窗口", w.wd(5))
	if got := w.app(id); got.Status != certify.Submitted || got.Version != before.Version || got.Home {
		t.Fatalf("the refused home visit changed the application: %s v%d home %v", got.Status, got.Version, got.Home)
	}
	if n := w.count(`SELECT COUNT(*) FROM cert_assignments WHERE application_id = $1`, id); n != 0 {
		t.Fatalf("the refused home visit assigned %d experts", n)
	}
	certAxeClean(clerk, "home visit refused: day off")
	if got := clerk.Attr(`#home_reason option:checked`, "value"); got != "severe_mental" {
		t.Errorf("reason after the refusal: %q", got)
	}
	// Today, with both psychiatrists: the first listed assesses.
	certChoose(clerk, "#home_day", today)
	boxes := apptest.Eval[[]string](clerk, `Array.from(document.querySelectorAll('form[action$="/home"] input[name="expert_ids"]')).map(function (i) { return i.id; })`)
	if len(boxes) != 2 {
		t.Fatalf("home expert boxes %q", boxes)
	}
	first := clerk.Text(`label[for="` + boxes[0] + `"]`)
	first, _, _ = strings.Cut(strings.TrimSpace(first), "（")
	for _, box := range boxes {
		clerk.Toggle("#" + box)
	}
	if st := clerk.Click(`form[action$="/home"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("arranging the home visit: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certStage(clerk, "已安排评定", "评定专家（"+first+"）", today)
	if got := certFact(clerk, "上门评残"); got != today+" · 重度精神残疾" {
		t.Errorf("home visit %q", got)
	}
	if got := certFact(clerk, "评定专家"); got != first+"（精神科，县人民医院）" {
		t.Errorf("assessing expert %q", got)
	}
	if clerk.Has(`main dl a[href^="/certify/sessions/"]`) {
		t.Error("a home assessment shows a session")
	}
	if got := certRows(clerk, `table[aria-labelledby="h_sms"]`); !certAnyContains(got, "陈桂兰您好，评定专家将于 "+today+" 上门为您评残") {
		t.Errorf("no home visit notice in the outbox: %q", got)
	}
	if n := w.count(`SELECT COUNT(*) FROM cert_assignments WHERE application_id = $1 AND kind = 'home'`, id); n != 2 {
		t.Errorf("expert team of %d, want 2", n)
	}

	// The first expert records the result at the home.
	expert := w.tab(experts[first])
	expert.Open("/certify/assess")
	if got := certRows(expert, "main table"); len(got) != 1 || !certAnyContains(got, today, "陈桂兰", "精神残疾", "陈楼村", "上门评残") {
		t.Fatalf("the expert's list: %q", got)
	}
	expert.Click(`main table a[href="/certify/assess/` + id + `"]`)
	if got := certFact(expert, "评定日期"); got != today+"（上门评残）" {
		t.Errorf("assessment day %q", got)
	}
	certChoose(expert, "#grade", "2")
	expert.Type("#findings", "精神分裂症病史十年，WHO-DAS II 评分 110")
	if st := expert.Click(`main form[action="/certify/assess/` + id + `"] button[type="submit"]`); st != http.StatusOK || !strings.HasPrefix(expert.Path(), "/certify/assess?") {
		t.Fatalf("recording the result: %d at %s; errors %q", st, expert.Path(), expert.Text("main .errors"))
	}

	// Review, 公示, county review, issue.
	reviewer := w.tab("fuhe")
	reviewer.Open("/certify/applications/" + id)
	certStage(reviewer, "已评定，待复核", "县残联复核人员", w.wd(3))
	if got := certFact(reviewer, "评定结果"); got != "精神残疾 二级" {
		t.Errorf("result %q", got)
	}
	if st := reviewer.Click(`form[action$="/review"] button[value="publish"]`); st != http.StatusOK {
		t.Fatalf("publishing: %d; errors %q", st, reviewer.Text("main .errors"))
	}
	if got := certFact(reviewer, "公示期"); got != today+" – "+w.wd(5) {
		t.Errorf("公示 %q", got)
	}
	reviewDue := w.passPublicity(id)
	clerk.Open("/certify/applications/" + id)
	if st := clerk.Click(`form[action$="/advance"] button[value="end_publicity"]`); st != http.StatusOK {
		t.Fatalf("ending 公示: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certStage(clerk, "县级审核", "县残联复核人员", reviewDue)
	reviewer.Open("/certify/applications/" + id)
	if st := reviewer.Click(`form[action$="/review"] button[value="approve"]`); st != http.StatusOK {
		t.Fatalf("approving: %d; errors %q", st, reviewer.Text("main .errors"))
	}
	clerk.Open("/certify/applications/" + id)
	if st := clerk.Click(`form[action$="/issue"] button[value="issue"]`); st != http.StatusOK {
		t.Fatalf("issuing: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certNo := idn + "62"
	certStage(clerk, "已制证，待送达", "县残联办证窗口", w.wd(10))
	if got := certFact(clerk, "残疾人证号"); !strings.HasPrefix(got, certNo+" ") {
		t.Errorf("certificate number %q, want %s", got, certNo)
	}
	clerk.Click(`main dd a[href="/certify/applications/` + id + `/certificate"]`)
	for label, want := range map[string]string{"残疾人证号": certNo, "姓名": "陈桂兰", "户籍地址": "城关街道 陈楼村", "残疾类别": "精神残疾", "残疾等级": "二级"} {
		if got := certFact(clerk, label); got != want {
			t.Errorf("print page %s: %q, want %q", label, got, want)
		}
	}

	// The card is brought to the home: no trip at all.
	clerk.Click(`main p.no-print a`)
	certChoose(clerk, "#method", "home")
	if st := clerk.Click(`form[action$="/deliver"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("delivering: %d; errors %q", st, clerk.Text("main .errors"))
	}
	certStage(clerk, "已送达", "已办结", "")
	if got := certFact(clerk, "送达方式"); got != "送证上门 · "+today {
		t.Errorf("delivery record %q", got)
	}
	if got := certFirstWord(certFact(clerk, "到场次数")); got != "0" {
		t.Errorf("visits of a home assessment delivered at home: %q", got)
	}
	clerk.Click(`main dd a[href^="/registry/persons/"]`)
	for label, want := range map[string]string{"残疾类别": "精神残疾", "残疾等级": "二级", "状态": "在册"} {
		if got := certFirstLine(certFact(clerk, label)); got != want {
			t.Errorf("registry %s: %q, want %q", label, got, want)
		}
	}
	if got := certRows(clerk, `table[aria-labelledby="history"]`); !certAnyContains(got, "| cert | 登记") {
		t.Errorf("registry history: %q", got)
	}
}
