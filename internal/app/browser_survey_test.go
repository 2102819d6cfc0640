package app_test

// Browser walk of the yearly survey (动态更新, issue #6) and what follows
// from it: the county opens the round; a village worker, on a phone (360
// CSS pixels wide), opens the person's task from her list and fills the
// form section by section, then submits; the township checks and the
// county accepts. The registry shows the changed facts as a history entry
// naming the survey; the renovation need puts the person on the "add from
// the survey" list, and the rehabilitation need counts in the programme
// figures. The household's renovation then goes from the list to paid:
// the village worker's visit with a photo, a plan, the planner refused
// when he approves his own plan, approval by another clerk, construction,
// acceptance (refused without a photo, then with one) and payment.
// axe-core checks the pages at phone and desktop width.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

const (
	survVillage  = "341599001001" // 城关街道 团结社区
	survTownship = "341599001000" // 城关街道
)

// survClean runs axe-core on the page and checks that it does not scroll
// sideways (WCAG 1.4.10 Reflow; data tables excepted, as readState does).
func survClean(t *testing.T, b *apptest.Tab, what string) {
	t.Helper()
	if st := readState(b, ""); len(st.Overflow) > 0 {
		t.Errorf("%s (%s): the page scrolls sideways: %s", what, b.Path(), strings.Join(st.Overflow, "; "))
	}
	noAxeViolations(t, b, what)
}

// survSave saves one section of the survey form and checks the page says so.
func survSave(t *testing.T, b *apptest.Tab, section, label string) {
	t.Helper()
	if st := b.Click(`#s_` + section + ` form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("saving section %s: status %d; errors %q", section, st, b.Text("main .errors"))
	}
	if flash := b.Text("main .flash"); !strings.Contains(flash, "已保存") {
		t.Errorf("after saving section %s the page says %q", section, flash)
	}
	if steps := b.Text("ol.survey-steps"); !strings.Contains(steps, label+" （已填）") {
		t.Errorf("after saving section %s the steps read %q", section, steps)
	}
}

func TestBrowserSurveyToRegistryAndRenovation(t *testing.T) {
	apptest.NeedBrowser(t)
	apptest.NeedAxe(t)
	e := apptest.New(t)
	e.CreateUser("cunwei", auth.RoleVillageWorker, "", survVillage)
	e.CreateUser("xiangzhen", auth.RoleTownshipWorker, "", survTownship)
	e.CreateUser("banzheng", auth.RoleCountyStaff, auth.DeptCertification, county) // registry and survey at the county
	e.CreateUser("kang1", auth.RoleCountyStaff, auth.DeptRehabilitation, county)
	e.CreateUser("kang2", auth.RoleCountyStaff, auth.DeptRehabilitation, county)
	e.CreateUser("cai1", auth.RoleCountyStaff, auth.DeptFinance, county)
	p := registerPersons(t, e, registry.NewPerson{
		IDNumber: registry.MakeIDNumber("341599", time.Date(1975, 9, 30, 0, 0, 0, 0, time.UTC), 71, registry.SexMale),
		Name:     "冯建国", VillageCode: survVillage, Category: registry.Physical, Grade: registry.Grade2,
		Marital: "unmarried", Education: "junior", Employment: "flexible", MedicalInsurance: true, PensionInsurance: true})[0]
	today := time.Now().Format(time.DateOnly)
	year := time.Now().Format("2006")

	// The county opens this year's round: a task for every registered person.
	staff := progTab(t, e, "banzheng")
	staff.Open("/survey")
	if got := staff.Attr("#year", "value"); got != year {
		t.Errorf("the round form proposes year %q, want %s", got, year)
	}
	if st := staff.Click(`main form[action="/survey/rounds"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("opening the round: %d; errors %q", st, staff.Text("main .errors"))
	}
	survClean(t, staff, "survey overview with an open round")

	// The village worker, on her phone, opens the task from her list.
	village := progTab(t, e, "cunwei")
	village.Viewport(360, 740)
	village.Open("/survey/tasks")
	survClean(t, village, "task list at 360 px")
	link := `main a[href^="/survey/tasks/"]`
	if got := village.Text(link); got != "冯建国" {
		t.Fatalf("the village's task list offers %q, want 冯建国", got)
	}
	village.Click(link)
	taskPath, _, _ := strings.Cut(village.Path(), "?")
	if h := village.Text("main h1"); !strings.HasPrefix(h, "冯建国") {
		t.Errorf("task heading %q", h)
	}
	if got := village.Text("main .notice strong"); got != "待调查" {
		t.Errorf("task status %q, want 待调查", got)
	}
	// The form starts from what the registry knows.
	if !apptest.Eval[bool](village, `document.getElementById("i_marital_unmarried").checked && document.getElementById("i_employment_flexible").checked`) {
		t.Error("the form does not start from the registry's facts (未婚, 灵活就业)")
	}
	survClean(t, village, "task form at 360 px")

	// Section by section: he has married; he needs rehabilitation training
	// and a wheelchair, and his home needs a ramp and a toilet.
	certChoose(village, "#visited_on", today)
	village.Toggle("#i_household_type_agricultural")
	village.Toggle("#i_marital_married")
	survSave(t, village, "household", "基本情况")
	if got := village.Text("main .notice strong"); got != "调查中" {
		t.Errorf("task status after the first section %q, want 调查中", got)
	}
	village.Toggle("#i_employment_need_none")
	survSave(t, village, "employment", "就业情况")
	village.Toggle("#i_social_assistance_none")
	survSave(t, village, "assistance", "社会保障与救助")
	village.Toggle("#i_care_received_none")
	village.Toggle("#i_care_needed_none")
	survSave(t, village, "care", "托养服务")
	village.Toggle("#i_rehab_needed_training")
	village.Toggle("#i_device_needed_wheelchair")
	survSave(t, village, "rehabilitation", "康复与辅助器具")
	village.Toggle("#i_renovation_needed_yes")
	survSave(t, village, "home", "家庭无障碍改造")
	// The items of a yes appear once it is saved.
	village.Toggle("#i_renovation_items_ramp")
	village.Toggle("#i_renovation_items_toilet")
	survSave(t, village, "home", "家庭无障碍改造")
	village.Toggle("#i_culture_none")
	survSave(t, village, "culture", "文化体育")
	village.Type("#i_wish", "希望有一辆轮椅")
	survSave(t, village, "wish", "微心愿")
	needs := village.Text(`main ul[aria-labelledby="h_needs"]`)
	for _, want := range []string{"康复", "辅助器具", "无障碍", "微心愿"} {
		if !strings.Contains(needs, want) {
			t.Errorf("needs recorded %q lack %q", needs, want)
		}
	}
	survClean(t, village, "task form filled, at 360 px")
	if st := village.Click(`main form[action$="/act"] button[value="submit"]`); st != http.StatusOK {
		t.Fatalf("submitting: %d; errors %q", st, village.Text("main .errors"))
	}
	if got := village.Text("main .notice strong"); got != "待乡镇审核" {
		t.Errorf("task status after submitting %q", got)
	}
	if village.Has(`#s_household form`) {
		t.Error("the form is still editable after submitting")
	}
	survClean(t, village, "task submitted, at 360 px")
	village.Viewport(1280, 900)
	noAxeViolations(t, village, "task submitted, desktop")

	// The township checks; the county accepts.
	town := progTab(t, e, "xiangzhen")
	town.Open(taskPath)
	if st := town.Click(`main form[action$="/act"] button[value="check"]`); st != http.StatusOK {
		t.Fatalf("township check: %d; errors %q", st, town.Text("main .errors"))
	}
	if got := town.Text("main .notice strong"); got != "待县残联验收" {
		t.Errorf("task status after the check %q", got)
	}
	noAxeViolations(t, town, "task checked")
	staff.Open(taskPath)
	if st := staff.Click(`main form[action$="/act"] button[value="accept"]`); st != http.StatusOK {
		t.Fatalf("county acceptance: %d; errors %q", st, staff.Text("main .errors"))
	}
	if got := staff.Text("main .notice strong"); got != "已验收" {
		t.Errorf("task status after acceptance %q", got)
	}
	events := staff.Text(`main ol.survey-events`)
	for _, want := range []string{"cunwei", "提交审核", "xiangzhen", "banzheng"} {
		if !strings.Contains(events, want) {
			t.Errorf("task events lack %q:\n%s", want, events)
		}
	}
	noAxeViolations(t, staff, "task accepted")

	// The registry shows the change as a history entry naming the survey.
	staff.Click(`main a[href="/registry/persons/` + p.ID + `"]`)
	first := staff.Text(`main table[aria-labelledby="history"] tbody tr:first-child`)
	for _, want := range []string{"修改", "banzheng", year + "年动态更新", "由「未婚」改为「已婚」"} {
		if !strings.Contains(first, want) {
			t.Errorf("the person's newest history entry lacks %q:\n%s", want, first)
		}
	}
	noAxeViolations(t, staff, "person after the survey")

	// The rehabilitation need counts in the programme figures.
	kang1 := progTab(t, e, "kang1")
	kang1.Open("/programmes/figures?eligible=1")
	if rows := certRows(kang1, "main table"); !certAnyContains(rows, "精准康复服务（上门）与心理疏导", "0 / 1（0.0%）") {
		t.Errorf("the figures do not count 冯建国 as needing home rehabilitation: %q", rows)
	}
	noAxeViolations(t, kang1, "programme figures with needs")

	// The renovation need is on the list to add from the survey.
	kang1.Open("/renovation/needs")
	if got := kang1.Text("main fieldset"); !strings.Contains(got, "冯建国") {
		t.Fatalf("the survey's renovation needs do not list 冯建国: %q", got)
	}
	noAxeViolations(t, kang1, "renovation needs")
	kang1.Toggle(`main input[name="person_id"][value="` + p.ID + `"]`)
	if st := kang1.Click(`main form[method="post"][action="/renovation/needs"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("adding from the survey: %d; errors %q", st, kang1.Text("main .errors"))
	}
	if !strings.Contains(kang1.Text("main table"), "冯建国") {
		t.Fatalf("the renovation list after adding: %q", kang1.Text("main"))
	}
	noAxeViolations(t, kang1, "renovation list")
	var renID string
	if err := e.DB.QueryRow(`SELECT id FROM renovations WHERE person_id = $1`, p.ID).Scan(&renID); err != nil {
		t.Fatal(err)
	}
	renPath := "/renovation/" + renID
	kang1.Open(renPath)
	if got := kang1.Text("main .notice strong"); got != "待勘查" {
		t.Errorf("renovation stage %q, want 待勘查", got)
	}
	if got := certFact(kang1, "来源"); got != "动态更新需求" {
		t.Errorf("renovation source %q", got)
	}

	// The village worker visits the home and takes a photo.
	village.Open(renPath)
	village.Click(`main a[href="` + renPath + `/survey"]`)
	noAxeViolations(t, village, "renovation survey form")
	certChoose(village, "#day", today)
	village.Type("#rooms", "3")
	village.Type("#steps", "2")
	certChoose(village, "#entrance", "steps")
	certChoose(village, "#toilet", "squat")
	certChoose(village, "#kitchen", "standard")
	certChoose(village, "#doors", "threshold")
	if st := village.Click(`main form[action="` + renPath + `/survey"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("survey visit: %d; errors %q", st, village.Text("main .errors"))
	}
	if got := village.Text("main .notice strong"); got != "已勘查" {
		t.Errorf("renovation stage after the visit %q", got)
	}
	certUpload(village, "#photo", certPNG(t, "entrance.png", 64, 48))
	village.Type("#caption", "入户台阶")
	if st := village.Click(`main form[action="` + renPath + `/photos"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("survey photo: %d; errors %q", st, village.Text("main .errors"))
	}
	photo := `main ul[aria-labelledby="h_photos"] a`
	if got := village.Text(photo); !strings.Contains(got, "入户台阶") {
		t.Errorf("photos after the upload: %q", got)
	}
	if res := e.SignIn("cunwei").Get(village.Attr(photo, "href")); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the survey photo is served with %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	noAxeViolations(t, village, "renovation surveyed, with a photo")

	// kang1 plans; he may not approve his own plan; kang2 approves.
	kang1.Open(renPath)
	kang1.Click(`main a[href="` + renPath + `/plan"]`)
	noAxeViolations(t, kang1, "renovation plan form")
	kang1.Type("#qty_ramp", "1")
	kang1.Type("#qty_handrail_indoor", "4")
	certChoose(kang1, "#agreed_on", today)
	kang1.Type("#agreed_by", "冯建国")
	if st := kang1.Click(`main form[action="` + renPath + `/plan"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("plan: %d; errors %q", st, kang1.Text("main .errors"))
	}
	if got := kang1.Text("main .notice strong"); got != "方案待审批" {
		t.Errorf("renovation stage after the plan %q", got)
	}
	if got := kang1.Text("main table caption"); !strings.Contains(got, "合计 2100.00 元") {
		t.Errorf("plan total %q, want 2,100.00 (a ramp ¥1,500 and 4 m of handrail at ¥150)", got)
	}
	st := kang1.Click(`main form[action="` + renPath + `/review"] button[value="approve"]`)
	certRefused(kang1, st, http.StatusConflict, "四眼原则：制定方案的人不能审批同一方案", "")
	noAxeViolations(t, kang1, "own plan's approval refused")
	kang2 := progTab(t, e, "kang2")
	kang2.Open(renPath)
	if st := kang2.Click(`main form[action="` + renPath + `/review"] button[value="approve"]`); st != http.StatusOK {
		t.Fatalf("approval: %d; errors %q", st, kang2.Text("main .errors"))
	}
	if got := kang2.Text("main .notice strong"); got != "已审批待施工" {
		t.Errorf("renovation stage after approval %q", got)
	}

	// Construction; acceptance needs a photo of the finished work.
	kang1.Open(renPath)
	kang1.Type("#contractor", "阳光县安居装修队")
	if st := kang1.Click(`main form[action="` + renPath + `/start"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("start of construction: %d; errors %q", st, kang1.Text("main .errors"))
	}
	kang2.Open(renPath)
	kang2.Type("#signed_by", "冯建国")
	st = kang2.Click(`main form[action="` + renPath + `/accept"] button[type="submit"]`)
	certRefused(kang2, st, http.StatusUnprocessableEntity, "验收前须上传至少一张验收照片", "")
	noAxeViolations(t, kang2, "acceptance refused without a photo")
	certChoose(kang2, "#stage", "acceptance")
	certUpload(kang2, "#photo", certPNG(t, "ramp.png", 64, 48))
	kang2.Type("#caption", "坡道完工")
	if st := kang2.Click(`main form[action="` + renPath + `/photos"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("acceptance photo: %d; errors %q", st, kang2.Text("main .errors"))
	}
	apptest.Eval[bool](kang2, `document.getElementById("signed_by").value = ""; true`)
	kang2.Type("#signed_by", "冯建国")
	if st := kang2.Click(`main form[action="` + renPath + `/accept"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("acceptance: %d; errors %q", st, kang2.Text("main .errors"))
	}
	if got := kang2.Text("main .notice strong"); got != "已验收" {
		t.Errorf("renovation stage after acceptance %q", got)
	}
	noAxeViolations(t, kang2, "renovation accepted")

	// Finance pays the approved cost.
	cai := progTab(t, e, "cai1")
	cai.Open(renPath)
	if st := cai.Click(`main form[action="` + renPath + `/pay"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("payment: %d; errors %q", st, cai.Text("main .errors"))
	}
	if got := cai.Text("main .notice strong"); got != "已支付" {
		t.Errorf("renovation stage after payment %q", got)
	}
	if got := cai.Text(photo); got == "" {
		t.Error("no photos on the paid renovation")
	}
	photos := apptest.Eval[int](cai, `document.querySelectorAll('main ul[aria-labelledby="h_photos"] li').length`)
	if photos != 2 {
		t.Errorf("the paid renovation shows %d photos, want 2 (survey and acceptance)", photos)
	}
	timeline := cai.Text(`main table:last-of-type tbody`)
	for _, want := range []string{"kang1", "kang2", "cunwei", "cai1"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("renovation timeline lacks %q:\n%s", want, timeline)
		}
	}
	noAxeViolations(t, cai, "renovation paid")
}
