package levy_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

var (
	codeA = levy.MakeCreditCode("91", "341599", "MA2T0001")
	codeB = levy.MakeCreditCode("91", "341599", "MA2T0002")
	codeC = levy.MakeCreditCode("12", "341599", "48500003")
)

func TestEmployers(t *testing.T) {
	e := setup(t)
	ctx := e.as("clerk")
	a := e.employer(codeA, "阳光机械有限公司", townA)
	for _, c := range []struct {
		name  string
		in    levy.EmployerInput
		field string
		key   string
	}{
		{"bad check character", levy.EmployerInput{CreditCode: codeB[:17] + "X", Name: "x", Kind: levy.KindEnterprise, AreaCode: townA}, "levy.employer.credit_code", "levy.error.credit_check"},
		{"taken", levy.EmployerInput{CreditCode: strings.ToLower(codeA), Name: "x", Kind: levy.KindEnterprise, AreaCode: townA}, "levy.employer.credit_code", "levy.error.credit_taken"},
		{"no name", levy.EmployerInput{CreditCode: codeB, Kind: levy.KindEnterprise, AreaCode: townA}, "levy.employer.name", "validate.required"},
		{"bad kind", levy.EmployerInput{CreditCode: codeB, Name: "x", Kind: "firm", AreaCode: townA}, "levy.employer.kind", "validate.choose"},
		{"village, not township", levy.EmployerInput{CreditCode: codeB, Name: "x", Kind: levy.KindEnterprise, AreaCode: villageA}, "levy.employer.area", "levy.error.area"},
		{"bad phone", levy.EmployerInput{CreditCode: codeB, Name: "x", Kind: levy.KindEnterprise, AreaCode: townA, Phone: "12"}, "levy.employer.phone", "levy.error.phone"},
	} {
		err := e.try(ctx, func(tx *store.Tx) error { _, err := levy.CreateEmployer(ctx, tx, countyScope, c.in); return err })
		es := fieldErrors(t, err)
		if es[0].Field != c.field || es[0].Key != c.key {
			t.Errorf("%s: got %+v", c.name, es)
		}
	}
	// A township worker's scope does not reach the other township.
	err := e.try(ctx, func(tx *store.Tx) error {
		_, err := levy.CreateEmployer(ctx, tx, area.ScopeOf(townB), levy.EmployerInput{CreditCode: codeB, Name: "x", Kind: levy.KindEnterprise, AreaCode: townA})
		return err
	})
	if es := fieldErrors(t, err); es[0].Key != "levy.error.area" {
		t.Errorf("out of scope: %+v", es)
	}
	if _, err := levy.GetEmployer(context.Background(), e.db, area.ScopeOf(townB), a.ID); err != store.ErrNotFound {
		t.Errorf("employer outside the scope: %v", err)
	}
	// Search by name and by the start of the code.
	e.employer(codeC, "阳光县第一中学", townB)
	for q, want := range map[string]int{"机械": 1, codeA[:10]: 1, "阳光": 2, "nothing": 0} {
		list, err := levy.ListEmployers(context.Background(), e.db, countyScope, levy.EmployerFilter{Query: q})
		if err != nil || len(list) != want {
			t.Errorf("search %q: %d, %v", q, len(list), err)
		}
	}
	if list, _ := levy.ListEmployers(context.Background(), e.db, area.ScopeOf(townB), levy.EmployerFilter{}); len(list) != 1 || list[0].Name != "阳光县第一中学" {
		t.Errorf("township list: %+v", list)
	}
	// Update, audited; moving the employer moves its declarations.
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := levy.UpdateEmployer(ctx, tx, countyScope, a.ID, levy.EmployerInput{CreditCode: codeA, Name: "阳光机械股份有限公司", Kind: levy.KindEnterprise, AreaCode: townB})
		return err
	})
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, levy.ActionEmployerUpdate, a.ID); n != 1 {
		t.Errorf("update audited %d times", n)
	}
	// Accounts: only an employer account, one employer each.
	link := func(emp levy.Employer, user string) error {
		return e.try(ctx, func(tx *store.Tx) error { return levy.LinkAccount(ctx, tx, countyScope, emp.ID, user) })
	}
	if err := link(a, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := link(a, "acme"); err != nil {
		t.Errorf("linking twice: %v", err)
	}
	c, _ := levy.ListEmployers(context.Background(), e.db, countyScope, levy.EmployerFilter{Query: "中学"})
	for user, key := range map[string]string{"acme": "levy.error.account_linked", "leader": "levy.error.account_role", "nobody": "levy.error.account_unknown"} {
		if es := fieldErrors(t, link(c[0], user)); es[0].Key != key {
			t.Errorf("link %s: %+v", user, es)
		}
	}
	if got, err := levy.EmployerOf(context.Background(), e.db, e.users["acme"]); err != nil || got.ID != a.ID {
		t.Errorf("EmployerOf: %+v %v", got, err)
	}
	if _, err := levy.EmployerOf(context.Background(), e.db, e.users["stray"]); err != store.ErrNotFound {
		t.Errorf("unlinked account: %v", err)
	}
	e.tx(ctx, func(tx *store.Tx) error { return levy.UnlinkAccount(ctx, tx, countyScope, a.ID, e.users["acme"]) })
	if _, err := levy.EmployerOf(context.Background(), e.db, e.users["acme"]); err != store.ErrNotFound {
		t.Errorf("after unlink: %v", err)
	}
}

// the worked example's two employees, registered.
func (e *env) workedPersons() (registry.Person, registry.Person) {
	p1 := e.person(idNumber(1980, 11), "王强", registry.Physical, registry.Grade2, "2020-05-01")
	p2 := e.person(idNumber(1985, 12), "李芳", registry.Hearing, registry.Grade4, "2021-07-01")
	return p1, p2
}

func workedInput(p1, p2 registry.Person) levy.DeclarationInput {
	return levy.DeclarationInput{Headcounts: fullYear(500), AvgWage: "100000", Employees: []levy.EmployeeInput{
		{IDNumber: p1.IDNumber, CertificateNo: p1.CertificateNo, Months: 12, Contract: true, Insurance: true, Wage: true},
		{IDNumber: p2.IDNumber, CertificateNo: p2.CertificateNo, Months: 6, Contract: true, Insurance: true, Wage: true},
	}}
}

func TestDeclarationWorkflow(t *testing.T) {
	e := setup(t)
	clerk := e.as("clerk")
	acme := e.as("acme")
	a := e.employer(codeA, "阳光机械有限公司", townA)
	p1, p2 := e.workedPersons()
	cancelled := e.person(idNumber(1975, 13), "赵六", registry.Vision, registry.Grade3, "2019-01-01")
	e.tx(clerk, func(tx *store.Tx) error {
		_, err := registry.Cancel(clerk, tx, countyScope, cancelled.ID, registry.Event{EffectiveDate: "2026-01-10", Reason: "康复"}, june)
		return err
	})
	expired := e.person(idNumber(1970, 14), "钱七", registry.Vision, registry.Grade3, "2014-06-01") // valid until 2024-05-31
	own := levy.Filer{Perm: auth.PermLevyDeclare}
	save := func(ctx context.Context, f levy.Filer, in levy.DeclarationInput, today time.Time) (levy.Declaration, error) {
		var d levy.Declaration
		err := e.try(ctx, func(tx *store.Tx) (err error) {
			d, err = levy.SaveDeclaration(ctx, tx, area.All(), f, a.ID, 2026, in, today)
			return err
		})
		return d, err
	}
	// Every bad row is refused at once, each naming its row; nothing is written.
	bad := workedInput(p1, p2)
	bad.Headcounts[3] = -1
	bad.AvgWage = "十万"
	bad.Employees = append(bad.Employees,
		levy.EmployeeInput{IDNumber: idNumber(1990, 15), CertificateNo: "x", Months: 12},                     // row 3: not in the registry
		levy.EmployeeInput{IDNumber: p1.IDNumber, CertificateNo: p1.CertificateNo, Months: 12},               // row 4: row 1 again
		levy.EmployeeInput{IDNumber: p2.IDNumber + " ", CertificateNo: p1.CertificateNo, Months: 12},         // row 5: wrong card (and a repeat)
		levy.EmployeeInput{IDNumber: cancelled.IDNumber, CertificateNo: cancelled.CertificateNo, Months: 12}, // row 6: cancelled
		levy.EmployeeInput{IDNumber: expired.IDNumber, CertificateNo: expired.CertificateNo, Months: 13},     // row 7: expired, 13 months
		levy.EmployeeInput{}, // a blank row
	)
	_, err := save(acme, own, bad, june)
	es := fieldErrors(t, err)
	text := es.Error()
	for _, want := range []string{"「4 月」", "「上年职工年平均工资」", "第 3 行「身份证号」：残疾人基础数据中没有身份证号为", "第 4 行「身份证号」：与第 1 行是同一人",
		"第 5 行「身份证号」：与第 2 行是同一人", "第 6 行「残疾人证号」：残疾人证已注销", "第 7 行「在岗月数」", "第 7 行「残疾人证号」：残疾人证已于 2024-05-31 到期"} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM levy_declarations`); n != 0 {
		t.Fatal("a refused declaration was written")
	}
	// The employer files only inside the window, and only this year.
	if re := refusal(t, func() error {
		_, err := save(acme, own, workedInput(p1, p2), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		return err
	}()); re.Key != "levy.error.window" {
		t.Errorf("after the window: %s", re.Key)
	}
	if _, err := save(acme, own, workedInput(p1, p2), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("employer filed a past year")
	}
	d, err := save(acme, own, workedInput(p1, p2), june)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != levy.Draft || d.Channel != levy.ChannelOnline || len(d.Employees) != 2 || d.AvgWageFen != 100000_00 {
		t.Fatalf("saved: %+v", d)
	}
	advance := func(ctx context.Context, perm auth.Perm, a levy.Action, reason string, today time.Time) (levy.Declaration, error) {
		var out levy.Declaration
		err := e.try(ctx, func(tx *store.Tx) (err error) {
			out, err = levy.Advance(ctx, tx, countyScope, perm, d.ID, a, reason, today)
			return err
		})
		return out, err
	}
	// The employer may not verify its own declaration.
	if re := refusal(t, func() error { _, err := advance(acme, auth.PermLevyDeclare, levy.ActVerify, "", june); return err }()); re.Key != "levy.error.refused" {
		t.Errorf("employer verify: %s", re.Key)
	}
	if _, err := advance(acme, auth.PermLevyDeclare, levy.ActSubmit, "", june); err != nil {
		t.Fatal(err)
	}
	// Submitted: no more changes by anyone.
	if re := refusal(t, func() error {
		_, err := save(clerk, levy.Filer{Perm: auth.PermLevyReview}, workedInput(p1, p2), june)
		return err
	}()); re.Key != "levy.error.not_editable" {
		t.Errorf("edit after submit: %s", re.Key)
	}
	// Return needs a reason; returned, the employer corrects and submits again.
	if es := fieldErrors(t, func() error { _, err := advance(clerk, auth.PermLevyReview, levy.ActReturn, " ", june); return err }()); es[0].Field != "levy.decl.return_reason" {
		t.Errorf("return without reason: %+v", es)
	}
	if r, err := advance(clerk, auth.PermLevyReview, levy.ActReturn, "请补充劳动合同", june); err != nil || r.Status != levy.Draft || r.ReturnReason != "请补充劳动合同" {
		t.Fatalf("return: %+v %v", r, err)
	}
	if _, err := save(acme, own, workedInput(p1, p2), june); err != nil {
		t.Fatal(err)
	}
	// After the window the employer cannot hand it in again, the clerk can
	// (it was returned).
	nov := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	if re := refusal(t, func() error { _, err := advance(acme, auth.PermLevyDeclare, levy.ActSubmit, "", nov); return err }()); re.Key != "levy.error.window" {
		t.Errorf("employer late submit: %s", re.Key)
	}
	if _, err := advance(clerk, auth.PermLevyReview, levy.ActSubmit, "", nov); err != nil {
		t.Fatalf("clerk resubmits a returned declaration: %v", err)
	}
	v, err := advance(clerk, auth.PermLevyReview, levy.ActVerify, "", nov)
	if err != nil {
		t.Fatal(err)
	}
	if v.Result.AmountFen != 450000_00 || v.Result.Tier != levy.TierNinety || v.Result.Counted != "2.5" || v.Result.Staff != "500" || v.Result.ActualRatio != "0.5" {
		t.Errorf("result: %+v", v.Result)
	}
	if !strings.Contains(strings.Join(v.Result.Steps, "\n"), "第 1 行 王强（肢体二级）：二级，按 2 人计算，全年在岗，计 2 人") {
		t.Errorf("steps: %v", v.Result.Steps)
	}
	i, err := advance(clerk, auth.PermLevyReview, levy.ActIssue, "", nov)
	if err != nil || i.Status != levy.Issued || i.IssuedOn != "2026-11-02" {
		t.Fatalf("issue: %+v %v", i, err)
	}
	// The stored result survives a change of settings.
	e.tx(clerk, func(tx *store.Tx) error {
		return levy.SaveSettings(clerk, tx, 2026, map[string]string{"social_avg_wage": "40000"})
	})
	got, _ := levy.GetDeclaration(context.Background(), e.db, countyScope, d.ID)
	if got.Result.AmountFen != 450000_00 || len(got.Result.Steps) == 0 {
		t.Errorf("stored result changed: %+v", got.Result)
	}
	for _, action := range []string{"levy.declaration.save", "levy.declaration.submit", "levy.declaration.return", "levy.declaration.verify", "levy.declaration.issue"} {
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, d.ID); n == 0 {
			t.Errorf("%s not audited", action)
		}
	}
}

// The qualifying rule (Default, settings) and a counter declaration at
// exactly 1 %.
func TestQualifyingRule(t *testing.T) {
	e := setup(t)
	clerk := e.as("clerk")
	a := e.employer(codeA, "阳光机械有限公司", townA)
	g1 := e.person(idNumber(1980, 21), "甲", registry.Physical, registry.Grade1, "2020-01-01")
	g2 := e.person(idNumber(1981, 22), "乙", registry.Vision, registry.Grade2, "2020-01-01")
	g3 := e.person(idNumber(1982, 23), "丙", registry.Hearing, registry.Grade3, "2020-01-01")
	old := e.person(idNumber(1960, 24), "丁", registry.Hearing, registry.Grade3, "2020-01-01") // 64 in 2025
	noIns := e.person(idNumber(1983, 25), "戊", registry.Hearing, registry.Grade3, "2020-01-01")
	row := func(p registry.Person, ins bool) levy.EmployeeInput {
		return levy.EmployeeInput{IDNumber: p.IDNumber, CertificateNo: p.CertificateNo, Months: 12, Contract: true, Insurance: ins, Wage: true}
	}
	var d levy.Declaration
	e.tx(clerk, func(tx *store.Tx) (err error) {
		d, err = levy.SaveDeclaration(clerk, tx, countyScope, levy.Filer{Perm: auth.PermLevyReview}, a.ID, 2026,
			levy.DeclarationInput{Headcounts: fullYear(500), AvgWage: "100000.00", Employees: []levy.EmployeeInput{row(g1, true), row(g2, true), row(g3, true), row(old, true), row(noIns, false)}}, june)
		if err != nil {
			return err
		}
		if d.Channel != levy.ChannelCounter {
			t.Errorf("channel %s", d.Channel)
		}
		if _, err = levy.Advance(clerk, tx, countyScope, auth.PermLevyReview, d.ID, levy.ActSubmit, "", june); err != nil {
			return err
		}
		d, err = levy.Advance(clerk, tx, countyScope, auth.PermLevyReview, d.ID, levy.ActVerify, "", june)
		return err
	})
	if d.Result.AmountFen != 125000_00 || d.Result.Tier != levy.TierHalf || d.Result.Counted != "5" {
		t.Errorf("exactly 1 %%: %+v", d.Result)
	}
	steps := strings.Join(d.Result.Steps, "\n")
	for _, want := range []string{"丁（听力三级）：不计入（不在劳动年龄（16–59 周岁）内）", "戊（听力三级）：不计入（未足额缴纳社会保险）"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}

// Two employers declaring the same person are flagged on both
// declarations and in the review list; one that did not declare is
// listed as employing none; figures and export add up.
func TestFlagsNotDeclaredFiguresExport(t *testing.T) {
	e := setup(t)
	clerk := e.as("clerk")
	a := e.employer(codeA, "阳光机械有限公司", townA)
	b := e.employer(codeB, "桃园食品厂", townB)
	c := e.employer(codeC, "阳光县第一中学", townB)
	p1, p2 := e.workedPersons()
	counter := levy.Filer{Perm: auth.PermLevyReview}
	var da, db levy.Declaration
	e.tx(clerk, func(tx *store.Tx) (err error) {
		if da, err = levy.SaveDeclaration(clerk, tx, countyScope, counter, a.ID, 2026, workedInput(p1, p2), june); err != nil {
			return err
		}
		in := levy.DeclarationInput{Headcounts: fullYear(20), AvgWage: "50000", Employees: []levy.EmployeeInput{
			{IDNumber: p1.IDNumber, CertificateNo: p1.CertificateNo, Months: 3, Contract: true, Insurance: true, Wage: true}}}
		if db, err = levy.SaveDeclaration(clerk, tx, countyScope, counter, b.ID, 2026, in, june); err != nil {
			return err
		}
		// c begins but never submits.
		_, err = levy.SaveDeclaration(clerk, tx, countyScope, counter, c.ID, 2026, levy.DeclarationInput{Headcounts: fullYear(100), AvgWage: "60000"}, june)
		return err
	})
	// Drafts are not flagged.
	if got, _ := levy.GetDeclaration(context.Background(), e.db, countyScope, da.ID); got.Employees[0].Flagged {
		t.Error("flagged against a draft")
	}
	for _, id := range []string{da.ID, db.ID} {
		e.tx(clerk, func(tx *store.Tx) error {
			_, err := levy.Advance(clerk, tx, countyScope, auth.PermLevyReview, id, levy.ActSubmit, "", june)
			return err
		})
	}
	got, _ := levy.GetDeclaration(context.Background(), e.db, countyScope, da.ID)
	if !got.Employees[0].Flagged || len(got.Employees[0].Others) != 1 || got.Employees[0].Others[0] != "桃园食品厂" || got.Employees[1].Flagged {
		t.Errorf("flags on A: %+v", got.Employees)
	}
	// Seen from township A, the other employer stays unnamed.
	gotA, _ := levy.GetDeclaration(context.Background(), e.db, area.ScopeOf(townA), da.ID)
	if !gotA.Employees[0].Flagged || len(gotA.Employees[0].Others) != 0 {
		t.Errorf("flags from township A: %+v", gotA.Employees[0])
	}
	if gotB, _ := levy.GetDeclaration(context.Background(), e.db, countyScope, db.ID); !gotB.Employees[0].Flagged {
		t.Error("B not flagged")
	}
	dups, err := levy.Duplicates(context.Background(), e.db, countyScope, 2026)
	if err != nil || len(dups) != 1 || len(dups[0].Entries) != 2 || dups[0].Months != 15 || dups[0].PersonID != p1.ID {
		t.Fatalf("duplicates: %+v %v", dups, err)
	}
	rows, _ := levy.ListDeclarations(context.Background(), e.db, countyScope, 2026, "")
	if len(rows) != 3 || rows[0].Flagged+rows[1].Flagged+rows[2].Flagged != 2 {
		t.Errorf("review list flags: %+v", rows)
	}
	// Not declared: c (with a draft). Before the window ends it is "not
	// yet"; after, it counts as employing none: 100 × 1.5 % × 60,000 × 90 %.
	und, err := levy.NotDeclared(context.Background(), e.db, countyScope, 2026)
	if err != nil || len(und) != 1 || und[0].ID != c.ID || und[0].DraftID == "" {
		t.Fatalf("not declared: %+v %v", und, err)
	}
	set, _ := levy.LoadSettings(context.Background(), e.db, 2026)
	r, ok, err := levy.LevyNotDeclared(context.Background(), e.db, und[0], set)
	if err != nil || !ok || r.AmountFen != 81000_00 {
		t.Errorf("not declared levy: %d %v %v", r.AmountFen, ok, err)
	}
	// Verify both; B has 20 staff: exempt.
	for _, id := range []string{da.ID, db.ID} {
		e.tx(clerk, func(tx *store.Tx) error {
			_, err := levy.Advance(clerk, tx, countyScope, auth.PermLevyReview, id, levy.ActVerify, "", june)
			return err
		})
	}
	st, err := levy.Figures(context.Background(), e.db, 2026)
	want := levy.Stats{Year: 2026, Units: 3, Declared: 2, Reviewed: 2, NotDeclared: 1, LevyDueFen: 450000_00, DisabledEmployed: 2, Flagged: 1}
	if err != nil || st != want {
		t.Errorf("figures: %+v, want %+v (%v)", st, want, err)
	}
	// Export: during the window only the reviewed; after it the undeclared too.
	if rows, _ := levy.ExportRows(context.Background(), e.db, countyScope, 2026, june); len(rows) != 2 {
		t.Errorf("export in the window: %d rows", len(rows))
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	xrows, err := levy.ExportRows(context.Background(), e.db, countyScope, 2026, nov)
	if err != nil || len(xrows) != 3 {
		t.Fatalf("export: %+v %v", xrows, err)
	}
	var buf bytes.Buffer
	if err := levy.WriteExport(&buf, 2026, xrows); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheet, _ := x.GetRows("2026年残保金")
	if len(sheet) != 4 || sheet[0][1] != "统一社会信用代码" {
		t.Fatalf("sheet: %v", sheet)
	}
	byName := map[string][]string{}
	for _, row := range sheet[1:] {
		byName[row[0]] = row
	}
	if r := byName["阳光机械有限公司"]; r[1] != codeA || r[3] != "500" || r[4] != "2.5" || r[5] != "0.5" || r[6] != "100000.00" || r[7] != "450000.00" || r[8] != "减按90%征收" {
		t.Errorf("A: %v", r)
	}
	if r := byName["桃园食品厂"]; r[7] != "0.00" || r[8] != "30人以下暂免" {
		t.Errorf("B: %v", r)
	}
	if r := byName["阳光县第一中学"]; r[2] != "未申报（按未安排计算）" || r[4] != "0" || r[7] != "81000.00" {
		t.Errorf("C: %v", r)
	}
}

func TestSettings(t *testing.T) {
	e := setup(t)
	clerk := e.as("clerk")
	set, err := levy.LoadSettings(context.Background(), e.db, 2026)
	if err != nil || set.Ratio.RatString() != "3/200" || set.SocialAvgWageFen != 80000_00 || set.WindowFrom != "03-01" || set.WindowTo != "10-31" ||
		!set.RoundStaff || set.DoubleGrade != 2 || set.Reliefs.SmallUnitMax != 30 || set.Reliefs.To != "2027-12-31" {
		t.Fatalf("defaults: %+v %v", set, err)
	}
	// Bad values are all refused, nothing written.
	err = e.try(clerk, func(tx *store.Tx) error {
		return levy.SaveSettings(clerk, tx, 2026, map[string]string{"quota_ratio": "150", "window_from": "13-01", "relief_small_max": "-1", "social_avg_wage": "abc",
			"staff_rounding": "floor", "relief_to": "2019-12-31"})
	})
	es := fieldErrors(t, err)
	if len(es) != 6 {
		t.Errorf("want 6 problems, got %s", es.Error())
	}
	// A value carries forward to later years until changed.
	e.tx(clerk, func(tx *store.Tx) error {
		return levy.SaveSettings(clerk, tx, 2026, map[string]string{"quota_ratio": "1.7%", "window_to": "09-30", "qualify_contract": "0"})
	})
	s27, _ := levy.LoadSettings(context.Background(), e.db, 2027)
	s25, _ := levy.LoadSettings(context.Background(), e.db, 2025)
	if s27.Ratio.RatString() != "17/1000" || s27.WindowTo != "09-30" || s27.QualifyContract || s25.Ratio.RatString() != "3/200" || !s25.QualifyContract {
		t.Errorf("carry forward: 2027 %+v / 2025 %+v", s27, s25)
	}
	if !s27.WindowOpen(time.Date(2027, 9, 30, 0, 0, 0, 0, time.UTC)) || s27.WindowOpen(time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)) || s27.WindowOpen(time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Error("window edges")
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1`, levy.ActionSettings); n != 2 {
		t.Errorf("settings audited %d times", n)
	}
}
