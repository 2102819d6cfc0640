package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

type importServer struct {
	t   *testing.T
	db  *store.DB
	rt  *web.Router
	dir string
}

func newImportServer(t *testing.T) *importServer {
	db, _ := setup(t)
	s := &importServer{t: t, db: db, rt: web.NewRouter(auth.NewService(db)), dir: t.TempDir()}
	(&registry.ImportHandler{DB: db, DataDir: s.dir}).Routes(s.rt)
	return s
}

// do sends a request as a signed-in user of role and scope.
func (s *importServer) do(role auth.Role, scopeCode string, req *http.Request) *httptest.ResponseRecorder {
	p := &auth.Principal{Kind: "user", ID: "u-" + string(role), Name: string(role), DisplayName: "测试", Role: role, Scope: area.ScopeOf(scopeCode)}
	ctx := audit.WithActor(auth.WithPrincipal(req.Context(), p), audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

func multipartFile(t *testing.T, target, name string, content []byte) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func postForm(target string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

var uploadIDRe = regexp.MustCompile(`name="id" value="([0-9a-f]{32})"`)

// Upload → preview with every bad row → import the good rows; and
// upload → import nothing.
func TestImportPages(t *testing.T) {
	s := newImportServer(t)
	good := idNumber(1985, 3, 15, 21, registry.SexMale)
	file := []byte(header + "\n张三," + good + ",肢体,二级,,团结社区,,\n李四,3.41599E+17,肢体,二级,,团结社区,,\n")
	worker := func(req *http.Request) *httptest.ResponseRecorder { return s.do(auth.RoleTownshipWorker, townA, req) }

	if rec := worker(httptest.NewRequest(http.MethodGet, "/registry/import", nil)); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `type="file"`) {
		t.Fatalf("form: %d", rec.Code)
	}
	rec := worker(multipartFile(t, "/registry/import", "名单.csv", file))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Excel 已将身份证号转为数字") || !strings.Contains(body, "只导入无误的行") || !strings.Contains(body, "全部不导入") {
		t.Fatalf("preview %d: %s", rec.Code, body)
	}
	if count(t, s.db, "persons") != 0 {
		t.Fatal("the preview wrote")
	}
	m := uploadIDRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no upload id in the preview")
	}
	// Another user cannot apply it.
	if rec := s.do(auth.RoleCountyStaff, county, postForm("/registry/import/apply", url.Values{"id": {m[1]}, "mode": {"good_rows"}})); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("someone else's apply: %d", rec.Code)
	}
	// The full report downloads as CSV.
	if rec := worker(httptest.NewRequest(http.MethodGet, "/registry/import/report.csv?id="+m[1], nil)); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "3,error,身份证号码,Excel") {
		t.Errorf("report.csv %d: %s", rec.Code, rec.Body.String())
	}
	rec = worker(postForm("/registry/import/apply", url.Values{"id": {m[1]}, "mode": {"good_rows"}}))
	if rec.Code != http.StatusOK || count(t, s.db, "persons") != 1 || !strings.Contains(rec.Body.String(), "导入完成") {
		t.Fatalf("apply %d: %s", rec.Code, rec.Body.String())
	}
	// Applied once: the upload is gone.
	if rec := worker(postForm("/registry/import/apply", url.Values{"id": {m[1]}, "mode": {"good_rows"}})); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("second apply: %d", rec.Code)
	}
	// Upload and choose nothing.
	other := []byte(header + "\n王五," + idNumber(1970, 1, 2, 23, registry.SexMale) + ",肢体,二级,,团结社区,,\n")
	m = uploadIDRe.FindStringSubmatch(worker(multipartFile(t, "/registry/import", "b.csv", other)).Body.String())
	if m == nil {
		t.Fatal("no upload id")
	}
	rec = worker(postForm("/registry/import/apply", url.Values{"id": {m[1]}, "mode": {"none"}}))
	if rec.Code != http.StatusSeeOther || count(t, s.db, "persons") != 1 {
		t.Errorf("import nothing: %d, %d persons", rec.Code, count(t, s.db, "persons"))
	}
	if entries, _ := os.ReadDir(s.dir + "/imports"); len(entries) != 0 {
		t.Errorf("uploads left behind: %v", entries)
	}
	// A file without a header, and one of the wrong kind.
	if rec := worker(multipartFile(t, "/registry/import", "x.csv", []byte("a,b\n1,2\n"))); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "表头") {
		t.Errorf("no header: %d", rec.Code)
	}
	if rec := worker(multipartFile(t, "/registry/import", "x.pdf", []byte("%PDF"))); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
		t.Errorf("pdf: %d", rec.Code)
	}
	// A leader (read only) may not import.
	if rec := s.do(auth.RoleLeader, county, httptest.NewRequest(http.MethodGet, "/registry/import", nil)); rec.Code != http.StatusForbidden {
		t.Errorf("leader: %d", rec.Code)
	}
}

func TestImportAPIAndDownloads(t *testing.T) {
	s := newImportServer(t)
	good := idNumber(1985, 3, 15, 21, registry.SexMale)
	file := header + "\n张三," + good + ",肢体,二级,,团结社区,13812345678,\n,12345,肢体,二级,,团结社区,,\n"
	var token string
	if err := s.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(context.Background(), tx, "import client", county, []auth.Perm{auth.PermRegistryRead, auth.PermRegistryWrite})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	api := func(target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.rt.ServeHTTP(rec, req)
		return rec
	}
	if rec := api("/api/v1/persons/import?format=csv", "%PDF-1.7\n"); rec.Code != http.StatusBadRequest {
		t.Errorf("bad format: %d", rec.Code)
	}
	if rec := api("/api/v1/persons/import?format=csv&mode=maybe", file); rec.Code != http.StatusBadRequest {
		t.Errorf("bad mode: %d", rec.Code)
	}
	if rec := api("/api/v1/persons/import?format=csv", "a,b\n"); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "invalid_file") {
		t.Errorf("no header: %d %s", rec.Code, rec.Body.String())
	}
	// The default is a dry run.
	if rec := api("/api/v1/persons/import?format=csv", file); rec.Code != http.StatusOK || count(t, s.db, "persons") != 0 {
		t.Errorf("dry run: %d, %d persons", rec.Code, count(t, s.db, "persons"))
	}
	rec := api("/api/v1/persons/import?format=csv&mode=good_rows&name=a.csv", file)
	var out registry.ImportReportJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if rec.Code != http.StatusOK || out.Counts.New != 1 || out.Counts.Errors != 1 || !out.Applied || out.File != "a.csv" || out.Mode != registry.ImportGoodRows ||
		len(out.Rows) != 2 || len(out.Rows[1].Problems) != 2 || out.Rows[1].Problems[1].Field != "name" || out.Rows[1].Problems[1].Column != "姓名" ||
		out.Rows[1].Problems[1].Message != "必须填写" || out.Rows[1].Status != registry.RowError {
		t.Errorf("api report %d %+v", rec.Code, out)
	}
	// An API client without registry.unmask sees the ID number masked.
	if out.Rows[0].IDNumber != registry.MaskIDNumber(good) || out.Rows[0].PersonID == "" {
		t.Errorf("row %+v", out.Rows[0])
	}
	// Again: unchanged.
	rec = api("/api/v1/persons/import?format=csv&mode=good_rows&name=a.csv", file)
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Counts.Unchanged != 1 || out.Applied {
		t.Errorf("again: %+v %v", out.Counts, err)
	}
}

func TestTemplateAndExportDownloads(t *testing.T) {
	s := newImportServer(t)
	rec := s.do(auth.RoleTownshipWorker, townA, httptest.NewRequest(http.MethodGet, "/registry/import/template.xlsx", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") || rec.Body.Len() < 1000 {
		t.Errorf("template: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = s.do(auth.RoleLeader, county, httptest.NewRequest(http.MethodGet, "/registry/export.xlsx?category=4", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("export: %d", rec.Code)
	}
	rec = s.do(auth.RoleLeader, county, httptest.NewRequest(http.MethodGet, "/registry/export.xlsx?category=9", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("export with a bad filter: %d", rec.Code)
	}
}
