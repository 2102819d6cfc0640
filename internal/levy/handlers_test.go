package levy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

type server struct {
	*env
	rt  *web.Router
	dir string
}

func newServer(t *testing.T) *server {
	e := setup(t)
	s := &server{env: e, rt: web.NewRouter(auth.NewService(e.db)), dir: t.TempDir()}
	h := levy.NewHandler(e.db, s.dir)
	h.Now = func() time.Time { return june }
	h.Routes(s.rt)
	return s
}

// do sends a request as a signed-in user.
func (s *server) do(user string, role auth.Role, dept auth.Department, req *http.Request) *httptest.ResponseRecorder {
	p := &auth.Principal{Kind: "user", ID: s.users[user], Name: user, DisplayName: user, Role: role, Department: dept, Scope: area.ScopeOf(county)}
	ctx := audit.WithActor(auth.WithPrincipal(req.Context(), p), audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

func (s *server) clerk(req *http.Request) *httptest.ResponseRecorder {
	return s.do("clerk", auth.RoleCountyStaff, auth.DeptEmployment, req)
}

func (s *server) employerUser(user string, req *http.Request) *httptest.ResponseRecorder {
	return s.do(user, auth.RoleEmployer, "", req)
}

func get(target string) *http.Request { return httptest.NewRequest(http.MethodGet, target, nil) }

func post(target string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func multipartFile(t *testing.T, target, kind string, content []byte) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	fw, err := mw.CreateFormFile("file", "合同.pdf")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// declarationForm is the employer's form with the worked example.
func declarationForm(p1, p2 registry.Person) url.Values {
	f := url.Values{"avg_wage": {"100,000.00"}, "rows": {"3"}}
	for i := 1; i <= 12; i++ {
		f.Set(fmt.Sprintf("month_%d", i), "500")
	}
	for i, p := range []registry.Person{p1, p2} {
		n := i + 1
		f.Set(fmt.Sprintf("id_number_%d", n), p.IDNumber)
		f.Set(fmt.Sprintf("certificate_no_%d", n), p.CertificateNo)
		f.Set(fmt.Sprintf("months_%d", n), []string{"12", "6"}[i])
		for _, k := range []string{"contract", "insurance", "wage"} {
			f.Set(fmt.Sprintf("%s_%d", k, n), "1")
		}
	}
	return f
}

var employerLink = regexp.MustCompile(`href="/employers/([0-9a-f-]{36})"`)

// The whole review through the real handler: the clerk registers the
// employer and links its account; the employer declares with its own
// sign-in (a bad row first), uploads a contract and submits; the clerk
// verifies; the result page, the employer's own result, the export and the
// API agree on ¥450,000.00; another employer sees none of it.
func TestEndToEnd(t *testing.T) {
	s := newServer(t)
	p1, p2 := s.workedPersons()

	rec := s.clerk(post("/employers", url.Values{"credit_code": {codeA[:17] + "0"}, "name": {"阳光机械有限公司"}, "kind": {"enterprise"}, "area_code": {townA}}))
	if codeA[17] != '0' && (rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "校验码不正确") || !strings.Contains(rec.Body.String(), `aria-invalid="true"`)) {
		t.Fatalf("bad code: %d", rec.Code)
	}
	rec = s.clerk(post("/employers", url.Values{"credit_code": {codeA}, "name": {"阳光机械有限公司"}, "kind": {"enterprise"}, "area_code": {townA}, "contact": {"张经理"}}))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	aID := strings.TrimPrefix(strings.Split(rec.Header().Get("Location"), "?")[0], "/employers/")
	b := s.employer(codeB, "桃园食品厂", townB)
	if rec := s.clerk(post("/employers/"+aID+"/accounts", url.Values{"username": {"acme"}})); rec.Code != http.StatusSeeOther {
		t.Fatalf("link: %d", rec.Code)
	}
	if rec := s.clerk(post("/employers/"+b.ID+"/accounts", url.Values{"username": {"acme"}})); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "已关联其他单位") {
		t.Errorf("link twice: %d", rec.Code)
	}
	if rec := s.clerk(post("/employers/"+b.ID+"/accounts", url.Values{"username": {"beta"}})); rec.Code != http.StatusSeeOther {
		t.Fatalf("link beta: %d", rec.Code)
	}
	if rec := s.clerk(get("/employers?q=机械")); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "阳光机械有限公司") || strings.Contains(rec.Body.String(), "桃园食品厂") {
		t.Errorf("search: %d", rec.Code)
	}
	if rec := s.clerk(get("/employers/" + aID)); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "acme") {
		t.Errorf("employer page: %d", rec.Code)
	}

	// The employer's own page.
	acme := func(req *http.Request) *httptest.ResponseRecorder { return s.employerUser("acme", req) }
	rec = acme(get("/declare"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "阳光机械有限公司") || !strings.Contains(rec.Body.String(), `name="month_12"`) {
		t.Fatalf("own page: %d %s", rec.Code, rec.Body.String())
	}
	bad := declarationForm(p1, p2)
	bad.Set("id_number_3", idNumber(1991, 31))
	bad.Set("certificate_no_3", "34159919910303031X42")
	bad.Set("months_3", "12")
	rec = acme(post("/declare", bad))
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "第 3 行「身份证号」：残疾人基础数据中没有身份证号为") ||
		!regexp.MustCompile(`id="id_number_3"[^>]*aria-invalid="true"`).MatchString(body) {
		t.Fatalf("bad row: %d %s", rec.Code, body)
	}
	if s.count(`SELECT COUNT(*) FROM levy_declarations`) != 0 {
		t.Fatal("a refused form wrote")
	}
	if rec := acme(post("/declare", declarationForm(p1, p2))); rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body.String())
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	if rec := acme(multipartFile(t, "/declare/files", "contract", pdf)); rec.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
	}
	if rec := acme(multipartFile(t, "/declare/files", "contract", []byte("<html>not a pdf</html>"))); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "只接受 PDF") {
		t.Errorf("html upload: %d", rec.Code)
	}
	if rec := acme(multipartFile(t, "/declare/files", "contract", bytes.Repeat([]byte("%PDF"), levy.MaxFileSize/4+1))); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("large upload: %d", rec.Code)
	}
	if rec := acme(post("/declare/submit", nil)); rec.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body.String())
	}
	var fileID string
	if err := s.db.QueryRowContext(context.Background(), `SELECT id FROM levy_files`).Scan(&fileID); err != nil {
		t.Fatal(err)
	}
	if rec := acme(get("/declare/files/" + fileID)); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.Equal(rec.Body.Bytes(), pdf) {
		t.Errorf("own file: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}

	// Another employer sees only itself.
	beta := func(req *http.Request) *httptest.ResponseRecorder { return s.employerUser("beta", req) }
	rec = beta(get("/declare"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "桃园食品厂") || strings.Contains(rec.Body.String(), "阳光机械") {
		t.Errorf("beta's page: %d", rec.Code)
	}
	for _, target := range []string{"/declare/files/" + fileID, "/declare/result/2026"} {
		if rec := beta(get(target)); rec.Code != http.StatusNotFound {
			t.Errorf("beta %s: %d", target, rec.Code)
		}
	}
	for _, target := range []string{"/employers", "/employers/" + aID, "/employers/" + aID + "/years/2026", "/employers/" + aID + "/years/2026/files/" + fileID} {
		if rec := beta(get(target)); rec.Code != http.StatusForbidden {
			t.Errorf("beta %s: %d", target, rec.Code)
		}
	}
	if rec := s.employerUser("stray", get("/declare")); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "尚未关联用人单位") {
		t.Errorf("unlinked account: %d", rec.Code)
	}

	// The clerk reviews and verifies; a leader and another department may not.
	base := "/employers/" + aID + "/years/2026"
	rec = s.clerk(get("/employers/review?year=2026"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "阳光机械有限公司") || !strings.Contains(rec.Body.String(), "已申报，待审核") {
		t.Errorf("review: %d", rec.Code)
	}
	rec = s.clerk(get(base))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "预计算") || !strings.Contains(rec.Body.String(), "450,000.00") || !strings.Contains(rec.Body.String(), "劳动合同") {
		t.Errorf("declaration page: %d %s", rec.Code, rec.Body.String())
	}
	if rec := s.clerk(get(base + "/files/" + fileID)); rec.Code != http.StatusOK {
		t.Errorf("clerk file: %d", rec.Code)
	}
	if rec := s.do("leader", auth.RoleLeader, "", post(base+"/action", url.Values{"action": {"verify"}})); rec.Code != http.StatusForbidden {
		t.Errorf("leader verify: %d", rec.Code)
	}
	if rec := s.do("clerk", auth.RoleCountyStaff, auth.DeptCertification, post(base+"/action", url.Values{"action": {"verify"}})); rec.Code != http.StatusForbidden {
		t.Errorf("other department verify: %d", rec.Code)
	}
	if rec := s.clerk(post(base+"/action", url.Values{"action": {"issue"}})); rec.Code != http.StatusConflict {
		t.Errorf("issue before verify: %d", rec.Code)
	}
	if rec := s.clerk(post(base+"/action", url.Values{"action": {"verify"}})); rec.Code != http.StatusSeeOther {
		t.Fatalf("verify: %d %s", rec.Code, rec.Body.String())
	}
	if rec := s.clerk(post(base+"/action", url.Values{"action": {"issue"}})); rec.Code != http.StatusSeeOther {
		t.Fatalf("issue: %d", rec.Code)
	}
	for name, rec := range map[string]*httptest.ResponseRecorder{"staff": s.clerk(get(base + "/result")), "own": acme(get("/declare/result/2026"))} {
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, "450,000.00") || !strings.Contains(body, "5 × 100,000.00 × 90% = 450,000.00 元") ||
			!strings.Contains(body, "<caption>") || !strings.Contains(body, `scope="row"`) {
			t.Errorf("%s result: %d %s", name, rec.Code, body)
		}
	}

	// The export for the tax office.
	rec = s.clerk(get("/employers/export.xlsx?year=2026"))
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d", rec.Code)
	}
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("2026年残保金")
	if len(rows) != 2 || rows[1][0] != "阳光机械有限公司" || rows[1][1] != codeA || rows[1][7] != "450000.00" || rows[1][8] != "减按90%征收" {
		t.Errorf("export rows: %v", rows)
	}
	if rec := s.do("leader", auth.RoleLeader, "", get("/employers/export.xlsx?year=2026")); rec.Code != http.StatusForbidden {
		t.Errorf("leader export: %d", rec.Code)
	}

	// Every GET page answers 200 for the clerk.
	for _, target := range []string{"/employers", "/employers/new", "/employers/review", "/employers/not-declared?year=2026", "/employers/settings?year=2026",
		"/employers/" + b.ID, "/employers/" + b.ID + "/years/2026", "/employers/" + b.ID + "/years/2026/edit"} {
		if rec := s.clerk(get(target)); rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", target, rec.Code)
		}
	}

	// The API mirrors it.
	var token string
	ctx := s.as("clerk")
	s.tx(ctx, func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(ctx, tx, "税务对接", county, []auth.Perm{auth.PermLevyRead, auth.PermLevyReview})
		return err
	})
	api := func(method, target string, body any) (int, map[string]any) {
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req := httptest.NewRequest(method, target, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.rt.ServeHTTP(rec, req)
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	if code, out := api("GET", "/api/v1/employers/"+aID+"/declarations/2026/result", nil); code != http.StatusOK || out["amount"] != "450000.00" {
		t.Errorf("api result: %d %v", code, out)
	}
	if code, out := api("GET", "/api/v1/employers/"+aID+"/declarations/2026", nil); code != http.StatusOK ||
		!strings.Contains(fmt.Sprint(out["employees"]), "341599********") || strings.Contains(fmt.Sprint(out["employees"]), p1.IDNumber) {
		t.Errorf("api declaration must mask ID numbers: %d %v", code, out["employees"])
	}
	if code, out := api("GET", "/api/v1/employers?q=桃园", nil); code != http.StatusOK || len(out["items"].([]any)) != 1 {
		t.Errorf("api list: %d %v", code, out)
	}
	code, out := api("PUT", "/api/v1/employers/"+b.ID+"/declarations/2026", map[string]any{"headcounts": fullYear(40), "avg_wage": "60000",
		"employees": []map[string]any{{"id_number": p1.IDNumber, "certificate_no": "wrong", "months": 12}}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(out), "第 1 行「残疾人证号」") {
		t.Errorf("api put bad: %d %v", code, out)
	}
	code, out = api("PUT", "/api/v1/employers/"+b.ID+"/declarations/2026", map[string]any{"headcounts": fullYear(40), "avg_wage": "60000", "submit": true,
		"employees": []map[string]any{{"id_number": p2.IDNumber, "certificate_no": p2.CertificateNo, "months": 12, "contract": true, "insurance": true, "min_wage": true}}})
	if code != http.StatusOK || out["status"] != "submitted" {
		t.Fatalf("api put: %d %v", code, out)
	}
	if code, out = api("POST", "/api/v1/employers/"+b.ID+"/declarations/2026/actions", map[string]any{"action": "verify"}); code != http.StatusOK || out["status"] != "verified" {
		t.Errorf("api verify: %d %v", code, out)
	}
	// 40 staff: 0.6 required, 1 counted: quota met.
	if code, out = api("GET", "/api/v1/employers/"+b.ID+"/declarations/2026/result", nil); code != http.StatusOK || out["amount"] != "0.00" {
		t.Errorf("api result B: %d %v", code, out)
	}
	if code, out = api("GET", "/api/v1/employers/figures?year=2026", nil); code != http.StatusOK || out["reviewed"] != 2.0 || out["levy_due_fen"] != 45000000.0 {
		t.Errorf("api figures: %d %v", code, out)
	}
	if code, out = api("GET", "/api/v1/employers/export?year=2026", nil); code != http.StatusOK || len(out["items"].([]any)) != 2 {
		t.Errorf("api export: %d %v", code, out)
	}
}
