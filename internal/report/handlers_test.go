package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/report"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

type site struct {
	e  *env
	rt *web.Router
}

func newSite(e *env) *site {
	h := report.NewHandler(e.db)
	h.Now = func() time.Time { return today }
	rt := web.NewRouter(auth.NewService(e.db))
	h.Routes(rt)
	return &site{e: e, rt: rt}
}

type who struct {
	role auth.Role
	code string
}

var (
	leader     = who{auth.RoleLeader, county}
	townLeader = who{auth.RoleLeader, townA} // a leader whose account covers township A only
	admin      = who{auth.RoleCountyAdmin, county}
	auditor    = who{auth.RoleAuditor, county}
)

func (s *site) do(w who, method, path string, form url.Values) *httptest.ResponseRecorder {
	s.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	p := &auth.Principal{Kind: "user", ID: "u-" + string(w.role), Name: string(w.role), DisplayName: "测试", Role: w.role, Scope: area.ScopeOf(w.code)}
	ctx := audit.WithActor(auth.WithPrincipal(req.Context(), p), audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

func (s *site) get(w who, path string) *httptest.ResponseRecorder {
	return s.do(w, http.MethodGet, path, nil)
}

const h1Query = "from=2026-01-01&to=2026-06-30"

func TestEveryPageRenders(t *testing.T) {
	s := newSite(fixture(t))
	for _, path := range []string{"/reports", "/reports/dashboard", "/reports/dashboard?year=2026", "/reports/work", "/reports/work?" + h1Query,
		"/reports/work?period=year&year=2026", "/reports/work?period=q2&year=2026&region=" + townB, "/reports/work/edit?" + h1Query,
		"/reports/townships?" + h1Query, "/reports/townships?" + h1Query + "&sort=registry_size&order=desc", "/reports/quality",
		"/reports/records/certify_issued?" + h1Query, "/reports/records/renovation_completed?" + h1Query, "/reports/records/registry_size?" + h1Query} {
		rec := s.get(leader, path)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d\n%.1500s", path, rec.Code, rec.Body.String())
		}
	}
	if rec := s.get(admin, "/reports/targets"); rec.Code != http.StatusOK {
		t.Errorf("targets: %d", rec.Code)
	}
	if rec := s.get(leader, "/reports/targets"); rec.Code != http.StatusForbidden {
		t.Errorf("a leader sets no targets: %d", rec.Code)
	}
}

// The report has no `*` left: every figure is a number linking to its
// records, or the not-yet-recorded wording.
func TestWorkReportFillsEveryFigure(t *testing.T) {
	s := newSite(fixture(t))
	rec := s.get(leader, "/reports/work?"+h1Query)
	body := rec.Body.String()
	for _, frag := range []string{
		"阳光县残联2026年上半年工作总结", "一、2026年上半年工作完成情况", "二、下步工作安排",
		// 集中评残 2 次 → the two sessions; 办换证 3 人 → the three cards.
		`开展集中评残<a href="/reports/records/certify_sessions?from=2026-01-01&amp;region=341599000000&amp;to=2026-06-30"><strong>2次</strong></a>`,
		`上门评残<a href="/reports/records/certify_home_assessments?from=2026-01-01&amp;region=341599000000&amp;to=2026-06-30"><strong>1次</strong></a>`,
		`<strong>3人</strong></a>残疾人办换证`,
		// The activities log: recorded, a number (none in this fixture).
		`召开党组理论学习中心组学习共<a href="/reports/records/party_group_study_sessions?from=2026-01-01&amp;region=341599000000&amp;to=2026-06-30"><strong>0次</strong></a>`,
		// Not recorded yet: said so, never a number.
		"短信推送（<em>尚未在阳光系统中记录</em>）",
		// Recorded by an area of work: a number linking to the list of
		// exactly the records it counts.
		`截至目前完成改造<a href="/reports/records/renovation_completed?from=2026-01-01&amp;region=341599000000&amp;to=2026-06-30"><strong>0户</strong></a>`,
		// Part two: next half's targets (the shipped 2026 defaults).
		"全年计划开展职业技能培训<strong>200人次</strong>以上", "为<strong>128人</strong>提供残疾儿童康复救助",
		"改造率达<strong>90.0%</strong>以上", "全年完成<strong>92户</strong>",
		`<a href="/registry?area=341599000000">5</a>`,
	} {
		if !strings.Contains(body, frag) {
			t.Errorf("report lacks %q", frag)
		}
	}
	if strings.Contains(body, "*") && strings.Contains(body, "**") {
		t.Error("a * is left in the report")
	}
	if strings.Contains(body, "{") {
		t.Errorf("a placeholder is left: %s", body[strings.Index(body, "{"):][:80])
	}
	// Every indicator appears in the appendix.
	for _, ind := range indicator.All() {
		if !strings.Contains(body, i18n.T(i18n.ZH, ind.NameKey)) {
			t.Errorf("indicator %s missing from the report", ind.Key)
		}
	}
}

func TestTownshipLeaderSeesOnlyHerTownship(t *testing.T) {
	s := newSite(fixture(t))
	rec := s.get(townLeader, "/reports/work?"+h1Query)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "城关街道残联2026年上半年工作总结") {
		t.Fatalf("own report: %d", rec.Code)
	}
	// Township A: one session, three persons in the register.
	if !strings.Contains(rec.Body.String(), `开展集中评残<a href="/reports/records/certify_sessions?from=2026-01-01&amp;region=341599001000&amp;to=2026-06-30"><strong>1次</strong></a>`) {
		t.Error("township report does not count the township's sessions")
	}
	for _, path := range []string{"/reports/work?" + h1Query + "&region=" + townB, "/reports/work.docx?" + h1Query + "&region=" + townB,
		"/reports/records/certify_issued?" + h1Query + "&region=" + townB, "/reports/townships?" + h1Query + "&region=" + county} {
		if rec := s.get(townLeader, path); rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", path, rec.Code)
		}
	}
	rec = s.get(townLeader, "/reports/townships?"+h1Query)
	if strings.Contains(rec.Body.String(), "桃园镇") {
		t.Error("township table shows another township")
	}
	rec = s.get(townLeader, "/reports/records/certify_issued?"+h1Query)
	if strings.Contains(rec.Body.String(), "李庄村") || !strings.Contains(rec.Body.String(), "a1") {
		t.Errorf("records list leaves the township:\n%.2000s", rec.Body.String())
	}
}

func TestBadPeriodIsRefusedBesideItsField(t *testing.T) {
	s := newSite(fixture(t))
	rec := s.get(leader, "/reports/work?from=2026-06-30&to=2026-01-01")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "结束日期不能早于开始日期") || !strings.Contains(rec.Body.String(), `id="to" name="to" type="date" value="2026-01-01" aria-describedby="to_err" aria-invalid="true"`) {
		t.Errorf("reversed dates: %d\n%.3000s", rec.Code, rec.Body.String())
	}
	rec = s.get(leader, "/reports/work?from=2026-02-30&to=2026-06-30")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "开始日期") {
		t.Errorf("bad date: %d", rec.Code)
	}
	rec = s.get(leader, "/reports/work?"+h1Query+"&region=12345")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "不是有效的区划代码") {
		t.Errorf("bad region: %d", rec.Code)
	}
}

func TestDocxIsWellFormedAndHasTheFigures(t *testing.T) {
	s := newSite(fixture(t))
	rec := s.get(leader, "/reports/work.docx?"+h1Query)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "wordprocessingml") {
		t.Fatalf("docx: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	data := rec.Body.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		parts[f.Name] = string(b)
		// Every part parses as XML.
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
		if _, ok := parts[name]; !ok {
			t.Errorf("docx lacks %s", name)
		}
	}
	doc := parts["word/document.xml"]
	for _, frag := range []string{"阳光县残联2026年上半年工作总结", "开展集中评残</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">2次", "尚未在阳光系统中记录", "<w:tbl>", "在册残疾人数"} {
		if !strings.Contains(doc, frag) {
			t.Errorf("document.xml lacks %q", frag)
		}
	}
	if !strings.Contains(parts["word/styles.xml"], `w:eastAsia="宋体"`) {
		t.Error("no Chinese font")
	}
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		soffice, err = exec.LookPath("libreoffice")
	}
	if err != nil {
		if os.Getenv("YANGGUANG_REQUIRE_ALL") == "1" {
			t.Fatal("LibreOffice (soffice) not on PATH; scripts/test-all installs libreoffice-writer-nogui")
		}
		t.Log("LibreOffice not on PATH: headless conversion skipped")
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "report.docx")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(soffice, "--headless", "--convert-to", "pdf", "--outdir", dir, path).CombinedOutput()
	if err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	if st, err := os.Stat(filepath.Join(dir, "report.pdf")); err != nil || st.Size() == 0 {
		t.Fatalf("LibreOffice made no PDF: %v\n%s", err, out)
	}
}

func TestXlsxReadsBack(t *testing.T) {
	s := newSite(fixture(t))
	rec := s.get(leader, "/reports/work.xlsx?"+h1Query)
	if rec.Code != http.StatusOK {
		t.Fatalf("xlsx: %d", rec.Code)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("指标")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(indicator.All())+1 {
		t.Fatalf("%d rows for %d indicators", len(rows), len(indicator.All()))
	}
	found := map[string][]string{}
	for _, r := range rows[1:] {
		found[r[0]] = r
	}
	if r := found["集中评残次数"]; r[2] != "2" || r[3] != "次" || !strings.HasPrefix(r[7], "/reports/records/certify_sessions") {
		t.Errorf("sessions row: %q", r)
	}
	if r := found["完成无障碍改造户数"]; r[2] != "0" || r[4] != "92" || r[6] != "已统计" {
		t.Errorf("renovation row: %q", r)
	}
	if r := found["残疾人就业保障金已征额"]; r[2] != "尚未在阳光系统中记录" || r[6] != "尚未记录" {
		t.Errorf("levy collected row: %q", r)
	}
	if r := found["网上申请占比"]; r[2] != "50" {
		t.Errorf("online row: %q", r)
	}
	rec = s.get(leader, "/reports/townships.xlsx?"+h1Query+"&sort=registry_size&order=desc")
	tf, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	trows, _ := tf.GetRows("乡镇对比")
	if len(trows) != 3 || trows[1][0] != "城关街道" || trows[2][0] != "桃园镇" {
		t.Errorf("townships sheet: %q", trows)
	}
}

func TestHTMLDownloadIsPrintable(t *testing.T) {
	s := newSite(fixture(t))
	rec := s.get(leader, "/reports/work.html?"+h1Query)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "@media print") || strings.Contains(body, "<nav") || !strings.Contains(body, "<strong>2次</strong>") {
		t.Errorf("printable: %d\n%.500s", rec.Code, body)
	}
}

func TestTownshipTableSorts(t *testing.T) {
	s := newSite(fixture(t))
	tbody := func(b string) string { return b[strings.Index(b, "<tbody>"):] }
	body := tbody(s.get(leader, "/reports/townships?"+h1Query+"&sort=certify_renewed&order=desc").Body.String())
	if a, b := strings.Index(body, "城关街道"), strings.Index(body, "桃园镇"); a < 0 || b < 0 || b > a {
		t.Errorf("descending renewals should put 桃园镇 (1) before 城关街道 (0)")
	}
	page := s.get(leader, "/reports/townships?"+h1Query+"&sort=certify_renewed").Body.String()
	body = tbody(page)
	if a, b := strings.Index(body, "城关街道"), strings.Index(body, "桃园镇"); b < a {
		t.Errorf("ascending renewals should put 城关街道 first")
	}
	if !strings.Contains(page, `aria-sort="ascending"`) {
		t.Error("sorted column not marked")
	}
}

// Each data-quality count links to a registry search listing exactly the
// persons it counts.
func TestQualityCountsMatchTheirRegistrySearch(t *testing.T) {
	e := fixture(t)
	rows, total, err := report.Quality(context.Background(), e.db, area.ScopeOf(county), today)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"no_phone": 1, "no_address": 1, "minor_no_guardian": 1, "intellectual_no_guardian": 1, "mental_no_guardian": 0,
		"no_certificate": 1, "no_issue_date": 1, "age_over_110": 1, "expired_active": 1, "not_surveyed": -1}
	for i, c := range report.Checks {
		t.Run(c.Key, func(t *testing.T) {
			if total.Counts[i] != want[c.Key] {
				t.Errorf("county: %d, want %d", total.Counts[i], want[c.Key])
			}
			if !c.Recorded {
				if c.Href("") != "" {
					t.Error("a check not recorded links somewhere")
				}
				return
			}
			for _, r := range append(rows, report.QualityRow{Code: "", Counts: total.Counts}) {
				u, _ := url.Parse(c.Href(r.Code))
				f, es := registry.ParseFilter(u.Query())
				if len(es) > 0 {
					t.Fatalf("%s: %v", u, es)
				}
				f.Today, f.Limit = today, 1000
				found, err := registry.Search(context.Background(), e.db, area.ScopeOf(county), f)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(found)) != r.Counts[i] {
					t.Errorf("%s: search lists %d, count %d", u, len(found), r.Counts[i])
				}
			}
		})
	}
	if len(rows) != 2 || rows[0].Active != 3 || rows[1].Active != 2 {
		t.Errorf("rows: %+v", rows)
	}
}

func TestTargetsDefaultsAndAdminEdits(t *testing.T) {
	e := fixture(t)
	s := newSite(e)
	body := s.get(admin, "/reports/targets?year=2026").Body.String()
	if !strings.Contains(body, `name="target_training_person_times" inputmode="decimal" value="200"`) || !strings.Contains(body, `value="90.0"`) {
		t.Fatalf("defaults not shown:\n%.3000s", body)
	}
	form := url.Values{"year": {"2026"}, "target_training_person_times": {"250"}, "target_renovation_rate": {"95.5"}, "target_certify_sessions": {"12"}}
	rec := s.do(admin, http.MethodPost, "/reports/targets", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%.2000s", rec.Code, rec.Body.String())
	}
	got, err := indicator.Targets(context.Background(), e.db, 2026, "")
	if err != nil {
		t.Fatal(err)
	}
	if got["training_person_times"].Value != 250 || got["renovation_rate"].Value != 955 || got["certify_sessions"].Value != 12 {
		t.Errorf("targets: %+v", got)
	}
	if _, ok := got["greenhouses"]; ok {
		t.Error("an emptied default came back")
	}
	var n int
	e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'indicator.targets'`).Scan(&n)
	if n != 1 {
		t.Errorf("audit entries: %d", n)
	}
	// The dashboard shows the target against what is done.
	body = s.get(leader, "/reports/dashboard?year=2026").Body.String()
	if !strings.Contains(body, "集中评残次数") || !strings.Contains(body, "/ 12次") {
		t.Errorf("dashboard lacks the sessions target:\n%.4000s", body)
	}
	// Bad values are refused beside their field and nothing is written.
	rec = s.do(admin, http.MethodPost, "/reports/targets", url.Values{"year": {"2026"}, "target_training_person_times": {"-3"}, "target_renovation_rate": {"120"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="target_training_person_times" name="target_training_person_times" inputmode="decimal" value="-3" aria-describedby="target_training_person_times_err" aria-invalid="true"`) ||
		!strings.Contains(rec.Body.String(), "「职业技能培训人次」：请填写不小于 0 的数字") {
		t.Errorf("bad targets: %d\n%.3000s", rec.Code, rec.Body.String())
	}
	got2, _ := indicator.Targets(context.Background(), e.db, 2026, "")
	if got2["training_person_times"].Value != 250 {
		t.Error("a refused form changed the targets")
	}
	// A township's own targets.
	rec = s.do(admin, http.MethodPost, "/reports/targets", url.Values{"year": {"2026"}, "region": {townA}, "target_certify_home_assessments": {"4"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("township targets: %d", rec.Code)
	}
	body = s.get(townLeader, "/reports/dashboard?year=2026").Body.String()
	if !strings.Contains(body, "1 / 4次") || strings.Contains(body, "/ 12次") {
		t.Errorf("township dashboard:\n%.4000s", body)
	}
}

func TestEditedTextIsKeptPerPeriodAndScope(t *testing.T) {
	e := fixture(t)
	s := newSite(e)
	text := "（一）队伍建设。本期共开展集中评残{certify_sessions}，目标{target:certify_sessions}。"
	rec := s.do(leader, http.MethodPost, "/reports/work/edit?"+h1Query, url.Values{"text_p1.team": {text}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%.2000s", rec.Code, rec.Body.String())
	}
	body := s.get(leader, "/reports/work?"+h1Query).Body.String()
	if !strings.Contains(body, "本期共开展集中评残<a") || !strings.Contains(body, "目标<em>（尚未设定目标）</em>") {
		t.Errorf("edited text not shown:\n%.5000s", body)
	}
	// Another period keeps the default wording.
	if body := s.get(leader, "/reports/work?period=q1&year=2026").Body.String(); strings.Contains(body, "本期共开展集中评残") {
		t.Error("edited text leaked into another period")
	}
	rec = s.do(leader, http.MethodPost, "/reports/work/edit?"+h1Query, url.Values{"text_p1.team": {"共{no_such_thing}次"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "占位符 {no_such_thing} 不存在") || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
		t.Errorf("bad placeholder: %d", rec.Code)
	}
	if rec := s.do(auditor, http.MethodPost, "/reports/work/edit?"+h1Query, url.Values{"text_p1.team": {"x"}}); rec.Code != http.StatusForbidden {
		t.Errorf("auditor edited: %d", rec.Code)
	}
}

func TestAPI(t *testing.T) {
	e := fixture(t)
	s := newSite(e)
	var token string
	e.tx(func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(e.ctx, tx, "报表测试", townA, []auth.Perm{auth.PermReportsRead})
		return err
	})
	call := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.rt.ServeHTTP(rec, req)
		return rec
	}
	rec := call("/api/v1/indicators?" + h1Query)
	if rec.Code != http.StatusOK {
		t.Fatalf("indicators: %d %s", rec.Code, rec.Body.String())
	}
	var out struct {
		Region     string
		Indicators []struct {
			Key      string
			Recorded bool
			Value    *string
			Target   *string
			Records  string
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	if out.Region != townA || len(out.Indicators) != len(indicator.All()) {
		t.Fatalf("indicators: %s %d", out.Region, len(out.Indicators))
	}
	for _, i := range out.Indicators {
		switch i.Key {
		case "certify_sessions":
			if i.Value == nil || *i.Value != "1" || !i.Recorded {
				t.Errorf("sessions: %+v", i)
			}
		case "renovation_completed":
			if i.Value == nil || *i.Value != "0" || !i.Recorded || i.Records != "/reports/records/renovation_completed?from=2026-01-01&region=341599001000&to=2026-06-30" {
				t.Errorf("renovation: %+v", i)
			}
		case "levy_collected":
			if i.Value != nil || i.Recorded {
				t.Errorf("levy collected: %+v", i)
			}
		}
	}
	if rec := call("/api/v1/indicators?" + h1Query + "&region=" + townB); rec.Code != http.StatusForbidden {
		t.Errorf("other township: %d", rec.Code)
	}
	if rec := call("/api/v1/indicators?from=x&to=2026-01-01"); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "report.from") {
		t.Errorf("bad period: %d %s", rec.Code, rec.Body.String())
	}
	rec = call("/api/v1/reports/work?" + h1Query)
	var rep struct {
		Title string
		Parts []struct {
			Heading    string
			Paragraphs []struct {
				ID       string
				Segments []struct {
					Text   string
					Figure *struct {
						Key      string
						Display  string
						Recorded bool
						IsTarget bool `json:"is_target"`
						Href     string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rep.Title != "城关街道残联2026年上半年工作总结" || len(rep.Parts) != 2 {
		t.Fatalf("work: %v %q", err, rep.Title)
	}
	figures := 0
	for _, p := range rep.Parts[0].Paragraphs {
		for _, sg := range p.Segments {
			if sg.Figure != nil {
				figures++
				if sg.Figure.Recorded && !sg.Figure.IsTarget && sg.Figure.Href == "" && !strings.HasPrefix(sg.Figure.Key, "registry_updated") {
					t.Errorf("figure %s has no records link", sg.Figure.Key)
				}
			}
		}
	}
	if figures < 30 {
		t.Errorf("only %d figures in part one", figures)
	}
}

func TestWriteFileByExtension(t *testing.T) {
	e := fixture(t)
	rep, err := report.Build(context.Background(), e.db, i18n.ZH, area.ScopeOf(county), h1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"r.html", "r.docx", "r.xlsx"} {
		if err := report.WriteFile(filepath.Join(dir, name), rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := report.WriteFile(filepath.Join(dir, "r.pdf"), rep); err == nil {
		t.Error("a .pdf was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "r.pdf")); err == nil {
		t.Error("a refused format left a file")
	}
}

// The home page can include the panel as HTML.
func TestPanelHTMLForTheHomePage(t *testing.T) {
	e := fixture(t)
	p := &auth.Principal{Kind: "user", Role: auth.RoleLeader, Scope: area.ScopeOf(county)}
	d, err := report.DashboardPanel(context.Background(), e.db, p, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if d.Total != 5 || len(d.Categories.Bars) != 7 || len(d.Grades.Bars) != 4 {
		t.Fatalf("panel: %+v", d)
	}
	html, err := report.PanelHTML(i18n.ZH, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`<svg class="chart" role="img" aria-labelledby="categories-title"`, "<caption>在册人数（按残疾等级）</caption>", "2026 年目标完成情况", "职业技能培训人次", "完成无障碍改造户数"} {
		if !strings.Contains(string(html), frag) {
			t.Errorf("panel lacks %q", frag)
		}
	}
}

// A long list behind a figure is paged: a page of 200 with its place in
// the caption and links to the pages around it; a page that is not there
// is refused.
func TestRecordsPageIsPaged(t *testing.T) {
	e := fixture(t)
	// The fixture holds two sessions in the first half; 230 more make 232.
	for i := range 230 {
		e.session(fmt.Sprintf("extra-%03d", i), "2026-03-03", certify.SessionHeld)
	}
	s := newSite(e)
	path := "/reports/records/certify_sessions?" + h1Query
	cases := []struct {
		page     string
		code     int
		contains []string
		lacks    []string
	}{
		{"", http.StatusOK, []string{"统计所依据的记录（共 232 条，本页第 1–200 条）", `rel="next"`, "第 1 页，共 2 页"}, []string{`rel="prev"`}},
		{"&page=2", http.StatusOK, []string{"统计所依据的记录（共 232 条，本页第 201–232 条）", `rel="prev"`, "第 2 页，共 2 页"}, []string{`rel="next"`}},
		{"&page=3", http.StatusBadRequest, nil, nil},
		{"&page=0", http.StatusBadRequest, nil, nil},
		{"&page=x", http.StatusBadRequest, nil, nil},
	}
	for _, c := range cases {
		rec := s.get(leader, path+c.page)
		if rec.Code != c.code {
			t.Errorf("page %q: %d, want %d", c.page, rec.Code, c.code)
			continue
		}
		body := rec.Body.String()
		for _, frag := range c.contains {
			if !strings.Contains(body, frag) {
				t.Errorf("page %q lacks %q", c.page, frag)
			}
		}
		for _, frag := range c.lacks {
			if strings.Contains(body, frag) {
				t.Errorf("page %q has %q", c.page, frag)
			}
		}
		if c.code == http.StatusOK {
			if n := strings.Count(body, `<a href="/certify/sessions/`); n != map[string]int{"": 200, "&page=2": 32}[c.page] {
				t.Errorf("page %q lists %d sessions", c.page, n)
			}
		}
	}
}
