package app_test

// Browser walk of the quota review (按比例安排残疾人就业年审, issue #7) with
// RULES.md §4's worked example: the system administrator makes the
// employer's account, a levy clerk of the employment department sets the
// year's rules, registers the employer and links the account; the employer
// signs in (changing the first password), declares last year — 500 staff
// in each of the 12 months, an average wage of ¥100,000, one 肢体二级
// employee for 12 months and one grade-4 employee for 6 — and submits; the
// clerk verifies and issues. The result page shows the steps and
// ¥450,000.00, and so does the tax office's workbook. The employer cannot
// open another employer's pages. axe-core checks every page on the way.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// levyCreditCode makes a valid unified social credit code from 17 characters.
func levyCreditCode(first17 string) string {
	return first17 + string(levy.CreditCheckChar(first17))
}

func TestBrowserLevyDeclareToTaxExport(t *testing.T) {
	apptest.NeedBrowser(t)
	apptest.NeedAxe(t)
	e := apptest.New(t)
	e.CreateUser("admin", auth.RoleCountyAdmin, "", county)
	e.CreateUser("security", auth.RoleSecurityAdmin, "", county)
	e.CreateUser("jiuye", auth.RoleCountyStaff, auth.DeptEmployment, county)
	year := time.Now().Year()
	born := func(y int) time.Time { return time.Date(y, 6, 15, 0, 0, 0, 0, time.UTC) }
	ps := registerPersons(t, e,
		registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", born(1985), 81, registry.SexMale), Name: "周明",
			VillageCode: "341599001001", Category: registry.Physical, Grade: registry.Grade2, CertificateIssuedOn: "2020-05-01"},
		registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", born(1990), 82, registry.SexFemale), Name: "吴芳",
			VillageCode: "341599001002", Category: registry.Hearing, Grade: registry.Grade4, CertificateIssuedOn: "2021-03-01"},
	)
	grade2, grade4 := ps[0], ps[1]

	// Another employer with its own account, declaration and proof: what
	// the first employer must not see.
	ctx := audit.WithActor(context.Background(), audit.System)
	var other levy.Employer
	var otherFile levy.File
	e.CreateUser("qita_hr", auth.RoleEmployer, "", county)
	if err := e.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		if other, err = levy.CreateEmployer(ctx, tx, area.ScopeOf(county), levy.EmployerInput{CreditCode: levyCreditCode("91341599MA2QTHER1"),
			Name: "阳光县其他实业有限公司", Kind: levy.KindEnterprise, AreaCode: "341599001000"}); err != nil {
			return err
		}
		if err := levy.LinkAccount(ctx, tx, area.ScopeOf(county), other.ID, "qita_hr"); err != nil {
			return err
		}
		d, err := levy.SaveDeclaration(ctx, tx, area.ScopeOf(county), levy.Filer{Perm: auth.PermLevyReview}, other.ID, year,
			levy.DeclarationInput{Headcounts: []int{40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40}, AvgWage: "60000"}, time.Now())
		if err != nil {
			return err
		}
		otherFile, err = levy.AttachFile(ctx, tx, area.ScopeOf(county), e.App.DataDir, d.ID, "contract", levyPNG(t))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// The system administrator makes the employer's account; the security
	// administrator gives it its role (三员分立).
	admin := progTab(t, e, "admin")
	admin.Open("/admin/users/new")
	admin.Type("#username", "yg_hr")
	admin.Type("#display_name", "阳光县新材料有限公司人事部")
	if st := admin.Click(`main form[action="/admin/users"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("new account: %d; errors %q", st, admin.Text("main .errors"))
	}
	first := strings.TrimSpace(admin.Text("main .notice .secret"))
	if first == "" {
		t.Fatalf("no first password shown: %q", admin.Text("main"))
	}
	hrUser, err := auth.GetUserByName(ctx, e.DB, "yg_hr")
	if err != nil {
		t.Fatal(err)
	}
	sec := progTab(t, e, "security")
	sec.Open("/admin/roles/" + hrUser.ID)
	certChoose(sec, "#role", string(auth.RoleEmployer))
	certChoose(sec, "#scope_code", county)
	if st := sec.Click(`main form[action="/admin/roles/` + hrUser.ID + `"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("assigning the employer role: %d; errors %q", st, sec.Text("main .errors"))
	}

	// The levy clerk sets the year's rules: the social average wage, and a
	// window that holds today.
	clerk := progTab(t, e, "jiuye")
	clerk.Open(fmt.Sprintf("/employers/settings?year=%d", year))
	noAxeViolations(t, clerk, "levy settings")
	for id, v := range map[string]string{"social_avg_wage": "80000", "window_from": "01-01", "window_to": "12-31", "quota_ratio": "1.5"} {
		apptest.Eval[bool](clerk, `document.getElementById(`+jsQuote(id)+`).value = ""; true`)
		clerk.Type("#"+id, v)
	}
	if st := clerk.Click(`main form[action="/employers/settings"][method="post"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("saving the settings: %d; errors %q", st, clerk.Text("main .errors"))
	}
	if flash := clerk.Text("main .flash"); !strings.Contains(flash, "已保存") {
		t.Errorf("after saving the settings: %q", flash)
	}

	// The clerk registers the employer and links the account.
	code := levyCreditCode("91341599MA2YGXCL0")
	clerk.Open("/employers/new")
	clerk.Type("#credit_code", code)
	clerk.Type("#name", "阳光县新材料有限公司")
	certChoose(clerk, "#kind", string(levy.KindEnterprise))
	certChoose(clerk, "#area_code", "341599001000")
	clerk.Type("#contact", "王经理")
	if st := clerk.Click(`main form[action="/employers"] button[type="submit"]`); st != http.StatusOK || !strings.HasPrefix(clerk.Path(), "/employers/") {
		t.Fatalf("new employer: %d at %s; errors %q", st, clerk.Path(), clerk.Text("main .errors"))
	}
	empPath, _, _ := strings.Cut(clerk.Path(), "?")
	clerk.Type("#username", "yg_hr")
	if st := clerk.Click(`main form[action="` + empPath + `/accounts"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("linking the account: %d; errors %q", st, clerk.Text("main .errors"))
	}
	if got := certRows(clerk, `main h2#accounts ~ table`); !certAnyContains(got, "yg_hr", "阳光县新材料有限公司人事部") {
		t.Errorf("the employer page does not list the linked account: %q", got)
	}
	noAxeViolations(t, clerk, "employer with its account")

	// The employer signs in with the first password and chooses his own.
	hr := e.NewTab(t)
	hr.SignIn("yg_hr", first)
	if !strings.HasPrefix(hr.Path(), "/account/password") {
		t.Fatalf("first sign-in lands at %s, want the password change", hr.Path())
	}
	hr.Type("#current_password", first)
	hr.Type("#new_password", apptest.Password)
	hr.Type("#confirm_password", apptest.Password)
	if st := hr.Click(`main form[action="/account/password"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("password change: %d; errors %q", st, hr.Text("main .errors"))
	}

	// He declares last year and submits.
	hr.Open("/declare")
	if h := hr.Text("main h1"); !strings.Contains(h, "阳光县新材料有限公司") {
		t.Fatalf("the declaration page is headed %q", h)
	}
	noAxeViolations(t, hr, "empty declaration form")
	for m := 1; m <= 12; m++ {
		hr.Type(fmt.Sprintf("#month_%d", m), "500")
	}
	hr.Type("#avg_wage", "100000")
	row := func(n int, p registry.Person, months string) {
		hr.Type(fmt.Sprintf("#id_number_%d", n), p.IDNumber)
		hr.Type(fmt.Sprintf("#certificate_no_%d", n), p.CertificateNo)
		apptest.Eval[bool](hr, fmt.Sprintf(`document.getElementById("months_%d").value = ""; true`, n))
		hr.Type(fmt.Sprintf("#months_%d", n), months)
	}
	row(1, grade2, "12")
	row(2, grade4, "6")
	if st := hr.Click(`main form[action="/declare"] button[name="submit"]`); st != http.StatusOK {
		t.Fatalf("declaring: %d; errors %q", st, hr.Text("main .errors"))
	}
	page := hr.Text("main")
	for _, want := range []string{"已申报，待审核", "周明", "吴芳", "100,000.00 元"} {
		if !strings.Contains(page, want) {
			t.Errorf("the declaration after submitting lacks %q:\n%s", want, cutText(page))
		}
	}
	noAxeViolations(t, hr, "declaration submitted")

	// The employer sees nothing of another employer.
	for _, path := range []string{"/employers/" + other.ID, fmt.Sprintf("/employers/%s/years/%d", other.ID, year),
		fmt.Sprintf("/employers/%s/years/%d/result", other.ID, year), "/employers", "/employers/export.xlsx"} {
		if st := hr.Open(path); st != http.StatusForbidden {
			t.Errorf("the employer opens %s: status %d, want 403", path, st)
		}
	}
	noAxeViolations(t, hr, "another employer's page refused")
	if st := hr.Open("/declare/files/" + otherFile.ID); st != http.StatusNotFound {
		t.Errorf("the employer opens another employer's proof: status %d, want 404", st)
	}

	// The clerk verifies and issues.
	declPath := fmt.Sprintf("%s/years/%d", empPath, year)
	clerk.Open(declPath)
	noAxeViolations(t, clerk, "submitted declaration (clerk)")
	for _, act := range []string{"verify", "issue"} {
		if st := clerk.Click(`main form[action="` + declPath + `/action"]:has(input[value="` + act + `"]) button[type="submit"]`); st != http.StatusOK {
			t.Fatalf("%s: %d; errors %q", act, st, clerk.Text("main .errors"))
		}
	}
	if got := clerk.Text("main"); !strings.Contains(got, "已出具") {
		t.Errorf("the declaration after issuing: %s", cutText(got))
	}
	clerk.Open(declPath + "/result")
	levyResult(t, clerk)
	noAxeViolations(t, clerk, "review result")
	// The employer sees the same result.
	hr.Open(fmt.Sprintf("/declare/result/%d", year))
	levyResult(t, hr)
	noAxeViolations(t, hr, "review result (employer)")

	// The tax office's workbook has the amount.
	res := e.SignIn("jiuye").Get(fmt.Sprintf("/employers/export.xlsx?year=%d", year))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if len(r) >= 9 && r[1] == code {
			found = true
			if r[7] != "450000.00" || r[8] != "减按90%征收" || r[0] != "阳光县新材料有限公司" {
				t.Errorf("the tax office's row: %q", r)
			}
		}
	}
	if !found {
		t.Errorf("the export has no row for %s: %q", code, rows)
	}
}

// levyPNG is a small PNG, as a scanned proof.
func levyPNG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(certPNG(t, "proof.png", 40, 30))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// levyResult checks the result page of the worked example: the figures
// and every step of the calculation. (The levy pages write amounts as
// "450,000.00 元", the tax office's file as 450000.00.)
func levyResult(t *testing.T, b *apptest.Tab) {
	t.Helper()
	facts := map[string]string{}
	for _, r := range certRows(b, "main table") {
		if k, v, ok := strings.Cut(r, " | "); ok {
			facts[k] = v
		}
	}
	for k, want := range map[string]string{"在职职工年平均人数": "500", "应安排残疾人就业人数": "7.5", "实际安排残疾人就业人数": "2.5",
		"实际安排比例": "0.5%", "计算采用的职工年平均工资": "100,000.00 元", "减免档次": "实际比例低于 1%，减按 90% 征收",
		"应缴残疾人就业保障金": "450,000.00 元"} {
		if facts[k] != want {
			t.Errorf("%s: result %s = %q, want %q", b.Path(), k, facts[k], want)
		}
	}
	steps := apptest.Eval[[]string](b, `Array.from(document.querySelectorAll("main ol li")).map(function (li) { return li.innerText.trim(); })`)
	for _, want := range []string{
		"在职职工年平均人数：12 个月人数合计 6000 ÷ 12 = 500，四舍五入取整为 500 人",
		"应安排残疾人就业人数：500 × 1.5% = 7.5 人",
		"第 1 行 周明（肢体二级）：二级，按 2 人计算，全年在岗，计 2 人",
		"第 2 行 吴芳（听力四级）：四级，按 1 人计算，在岗 6 个月，计 1 × 6 ÷ 12 = 0.5 人",
		"差额人数：7.5 − 2.5 = 5 人",
		"应缴金额：5 × 100,000.00 × 90% = 450,000.00 元",
	} {
		if !certAnyContains(steps, want) {
			t.Errorf("%s: the steps lack %q:\n%s", b.Path(), want, strings.Join(steps, "\n"))
		}
	}
}
