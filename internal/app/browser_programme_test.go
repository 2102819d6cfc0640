package app_test

// Browser walk of a programme case (issue #5): a village worker files a
// 困难残疾人生活补贴 case for a 低保 person, the township checks it, one
// rehabilitation clerk reviews it and — after the page refuses to let him
// approve his own review — another approves it and sets the benefit;
// finance builds the month's batch, confirms it, a second finance clerk
// marks it paid (the builder may not), and a second press of "paid" from a
// page read before is refused. The case's timeline and the ledger show the
// payment. On the way the filing page refuses a second case of the same
// programme and year and a case for a person who has died. Each person
// works in his own tab, and axe-core checks every page the walk passes.

import (
	"context"
	"net/http"
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

const (
	progVillage  = "341599001001" // 城关街道 团结社区
	progTownship = "341599001000" // 城关街道
	// progLiving is the shipped living subsidy (id "prog-" + its code).
	progLiving = "prog-living_subsidy"
)

// progTab signs user in, in a tab of his own.
func progTab(t *testing.T, e *apptest.Env, user string) *apptest.Tab {
	t.Helper()
	b := e.NewTab(t)
	if st := b.SignIn(user, apptest.Password); st != http.StatusOK {
		t.Fatalf("sign-in of %s: status %d at %s", user, st, b.Path())
	}
	return b
}

// progStatus checks the case page's status box: the stage and who holds it.
func progStatus(t *testing.T, b *apptest.Tab, status, holder string) {
	t.Helper()
	box := b.Text("main .notice")
	if got := b.Text("main .notice strong"); got != status {
		t.Fatalf("%s: case stage %q, want %q (box %q; errors %q)", b.Path(), got, status, box, b.Text("main .errors"))
	}
	if !strings.Contains(box, "当前经办："+holder) {
		t.Errorf("%s: status box %q does not name the holder %q", b.Path(), box, holder)
	}
}

// progAct presses one of the case page's move buttons and returns the status.
func progAct(b *apptest.Tab, action string) int {
	b.T.Helper()
	return b.Click(`main form[action$="/act"] button[value="` + action + `"]`)
}

func TestBrowserProgrammeCaseToPaidBatch(t *testing.T) {
	apptest.NeedBrowser(t)
	apptest.NeedAxe(t)
	e := apptest.New(t)
	e.CreateUser("cunwei", auth.RoleVillageWorker, "", progVillage)
	e.CreateUser("xiangzhen", auth.RoleTownshipWorker, "", progTownship)
	e.CreateUser("kang1", auth.RoleCountyStaff, auth.DeptRehabilitation, county)
	e.CreateUser("kang2", auth.RoleCountyStaff, auth.DeptRehabilitation, county)
	e.CreateUser("cai1", auth.RoleCountyStaff, auth.DeptFinance, county)
	e.CreateUser("cai2", auth.RoleCountyStaff, auth.DeptFinance, county)
	ps := registerPersons(t, e,
		registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", time.Date(1966, 4, 12, 0, 0, 0, 0, time.UTC), 51, registry.SexMale),
			Name: "郑大勇", VillageCode: progVillage, Category: registry.Physical, Grade: registry.Grade3, Dibao: true},
		registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", time.Date(1948, 2, 3, 0, 0, 0, 0, time.UTC), 62, registry.SexFemale),
			Name: "钱秀兰", VillageCode: progVillage, Category: registry.Vision, Grade: registry.Grade2, Dibao: true},
	)
	living, dead := ps[0], ps[1]
	// 钱秀兰 died last week, as the civil affairs bureau reported.
	ctx := audit.WithActor(context.Background(), audit.System)
	if err := e.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, area.ScopeOf(county), dead.ID, registry.Event{Version: dead.Version,
			EffectiveDate: time.Now().AddDate(0, 0, -7).Format(time.DateOnly), Source: "民政"}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	month := time.Now().Format("2006-01")

	// The village worker files the case with the bank account.
	village := progTab(t, e, "cunwei")
	file := func(idNumber string) int {
		t.Helper()
		village.Open("/programmes/cases/new")
		certChoose(village, "#programme", progLiving)
		village.Type("#id_number", idNumber)
		village.Type("#bank_name", "阳光县农商银行")
		village.Type("#bank_account", "6228480012345678")
		return village.Click(`main form[action="/programmes/cases"] button[type="submit"]`)
	}
	village.Open("/programmes/cases/new")
	if got := village.Attr(`#channel option:checked`, "value"); got != "village" {
		t.Errorf("a village worker's filing defaults to channel %q, want village", got)
	}
	noAxeViolations(t, village, "new case form")
	if st := file(living.IDNumber); st != http.StatusOK || !strings.HasPrefix(village.Path(), "/programmes/cases/") {
		t.Fatalf("filing: %d at %s; errors %q", st, village.Path(), village.Text("main .errors"))
	}
	casePath, _, _ := strings.Cut(village.Path(), "?")
	if flash := village.Text("main .flash"); !strings.Contains(flash, "个案已建立") {
		t.Errorf("flash after filing %q", flash)
	}
	if h := village.Text("main h1"); h != "郑大勇 · 困难残疾人生活补贴" {
		t.Errorf("case heading %q", h)
	}
	progStatus(t, village, "已申请，待乡镇审核", "乡镇专职委员")
	if got := certFact(village, "申请渠道"); got != "村专职委员" {
		t.Errorf("channel on the case: %q", got)
	}
	code := certFact(village, "个案编号")
	if !strings.HasPrefix(code, "GA") {
		t.Errorf("case code %q", code)
	}
	noAxeViolations(t, village, "case just filed")

	// A second case of the same programme and year is refused, naming the first.
	st := file(living.IDNumber)
	certRefused(village, st, http.StatusUnprocessableEntity, "郑大勇 在“困难残疾人生活补贴”"+time.Now().Format("2006")+" 年度已有个案 "+code+"，不能重复申请", "#id_number_err")
	noAxeViolations(t, village, "duplicate case refused")
	// A person who has died cannot apply.
	st = file(dead.IDNumber)
	certRefused(village, st, http.StatusUnprocessableEntity, "钱秀兰 的状态为“已故”，不能申请", "#id_number_err")
	if got := village.Attr("#id_number", "aria-invalid"); got != "true" {
		t.Errorf("ID number field aria-invalid = %q after a refusal", got)
	}
	noAxeViolations(t, village, "deceased person refused")
	var cases int
	if err := e.DB.QueryRow(`SELECT COUNT(*) FROM prog_cases`).Scan(&cases); err != nil || cases != 1 {
		t.Fatalf("after two refusals there are %d cases (%v), want 1", cases, err)
	}

	// The township checks it.
	town := progTab(t, e, "xiangzhen")
	town.Open(casePath)
	if st := progAct(town, "check"); st != http.StatusOK {
		t.Fatalf("township check: %d; errors %q", st, town.Text("main .errors"))
	}
	progStatus(t, town, "乡镇已审核，待县级审核", "县残联审核人员")
	noAxeViolations(t, town, "case checked")

	// The county reviews; the reviewer may not approve his own review.
	kang1 := progTab(t, e, "kang1")
	kang1.Open(casePath)
	if st := progAct(kang1, "review"); st != http.StatusOK {
		t.Fatalf("county review: %d; errors %q", st, kang1.Text("main .errors"))
	}
	progStatus(t, kang1, "县级已审核，待审批", "县残联审批人员（非审核人）")
	if hint := kang1.Text(`main form[action$="/act"] .hint`); !strings.Contains(hint, "审批人不能是县级审核人") {
		t.Errorf("approval form hint %q", hint)
	}
	st = progAct(kang1, "approve")
	certRefused(kang1, st, http.StatusConflict, "审批人不能与县级审核人为同一人（双人审核）", "")
	progStatus(t, kang1, "县级已审核，待审批", "县残联审批人员（非审核人）")
	noAxeViolations(t, kang1, "own approval refused")

	// Another rehabilitation clerk approves and sets the benefit.
	kang2 := progTab(t, e, "kang2")
	kang2.Open(casePath)
	if st := progAct(kang2, "approve"); st != http.StatusOK {
		t.Fatalf("approval: %d; errors %q", st, kang2.Text("main .errors"))
	}
	progStatus(t, kang2, "已审批，待确定待遇", "县残联康复科")
	noAxeViolations(t, kang2, "case approved (benefit form)")
	if st := progAct(kang2, "entitle"); st != http.StatusOK {
		t.Fatalf("entitlement: %d; errors %q", st, kang2.Text("main .errors"))
	}
	progStatus(t, kang2, "享受待遇中", "财务发放或服务机构")
	if got := certFact(kang2, "发放月份"); got != month+" – "+time.Now().Format("2006")+"-12" {
		t.Errorf("months of the benefit: %q", got)
	}
	if got := certFact(kang2, "待遇档次"); got != "每人每月 · ¥100.00 每月" {
		t.Errorf("benefit on the case: %q", got)
	}
	hist := kang2.Text(`main table:last-of-type tbody`)
	for _, want := range []string{"cunwei", "申请", "xiangzhen", "乡镇审核通过", "kang1", "县级审核通过", "kang2", "审批通过", "确定待遇"} {
		if !strings.Contains(hist, want) {
			t.Errorf("case timeline lacks %q:\n%s", want, hist)
		}
	}

	// Finance builds this month's batch and confirms it.
	cai1 := progTab(t, e, "cai1")
	cai1.Open("/payments/new")
	if got := cai1.Attr("#month", "value"); got != month {
		t.Errorf("the new batch form proposes month %q, want %s", got, month)
	}
	noAxeViolations(t, cai1, "new batch form")
	certChoose(cai1, "#programme", progLiving)
	if st := cai1.Click(`main form[action="/payments"] button[type="submit"]`); st != http.StatusOK || !strings.HasPrefix(cai1.Path(), "/payments/batches/") {
		t.Fatalf("building the batch: %d at %s; errors %q", st, cai1.Path(), cai1.Text("main .errors"))
	}
	batchPath, _, _ := strings.Cut(cai1.Path(), "?")
	if flash := cai1.Text("main .flash"); !strings.Contains(flash, "草稿批次已生成") {
		t.Errorf("flash after building %q", flash)
	}
	if lines := certRows(cai1, "main table"); !certAnyContains(lines, "郑大勇", "¥100.00", "阳光县农商银行", "待发放") {
		t.Errorf("the batch does not list 郑大勇 with ¥100.00: %q", lines)
	}
	if got, n := certFact(cai1, "金额"), certFact(cai1, "人数"); got != "¥100.00" || n != "1" {
		t.Errorf("batch of %s persons, total %q; want 1 and ¥100.00", n, got)
	}
	noAxeViolations(t, cai1, "draft batch")
	if st := cai1.Click(`main form[action$="/confirm"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("confirming: %d; errors %q", st, cai1.Text("main .errors"))
	}
	if state := cai1.Text("main .notice strong"); state != "已确认（待银行发放）" {
		t.Errorf("batch state after confirming %q", state)
	}
	// The builder may not mark it paid: the page says who must.
	if cai1.Has(`main form[action$="/pay"]`) || !strings.Contains(cai1.Text("main"), "您是本批次的编制人，不能由您登记发放") {
		t.Errorf("the builder is offered the payment form, or not told why not")
	}
	noAxeViolations(t, cai1, "confirmed batch (builder)")

	// A second finance clerk marks it paid; a page read before the payment
	// (a second tab) offers the button once more, and is refused.
	cai2 := progTab(t, e, "cai2")
	cai2.Open(batchPath)
	stale := progTab(t, e, "cai2")
	stale.Open(batchPath)
	noAxeViolations(t, cai2, "confirmed batch (payer)")
	if st := cai2.Click(`main form[action$="/pay"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("paying: %d; errors %q", st, cai2.Text("main .errors"))
	}
	if flash := cai2.Text("main .flash"); !strings.Contains(flash, "已登记发放") {
		t.Errorf("flash after paying %q", flash)
	}
	if state := cai2.Text("main .notice strong"); state != "已发放" {
		t.Errorf("batch state after paying %q", state)
	}
	if !certAnyContains(certRows(cai2, "main table"), "郑大勇", "¥100.00", "已发放") {
		t.Errorf("the paid batch does not mark 郑大勇 paid: %q", certRows(cai2, "main table"))
	}
	noAxeViolations(t, cai2, "paid batch")
	st = stale.Click(`main form[action$="/pay"] button[type="submit"]`)
	certRefused(stale, st, http.StatusConflict, "该批次已经登记发放，不能重复发放。", "")
	noAxeViolations(t, stale, "second payment refused")
	var entries int
	if err := e.DB.QueryRow(`SELECT COUNT(*) FROM prog_paid`).Scan(&entries); err != nil || entries != 1 {
		t.Errorf("the case was paid %d times (%v), want once", entries, err)
	}

	// The case shows the payment; the ledger lists it.
	kang2.Open(casePath)
	progStatus(t, kang2, "享受待遇中", "财务发放或服务机构")
	paid := certRows(kang2, `main table:last-of-type`)
	if !certAnyContains(paid, "cai2", "发放入账", month+" ¥100.00") {
		t.Errorf("the case's timeline does not show the payment: %q", paid)
	}
	noAxeViolations(t, kang2, "case after payment")
	cai2.Open("/payments/ledger")
	if !certAnyContains(certRows(cai2, "main table"), month, "困难残疾人生活补贴", "郑大勇", "¥100.00") {
		t.Errorf("the ledger does not list the payment: %q", certRows(cai2, "main table"))
	}
	noAxeViolations(t, cai2, "ledger")
}
