package registry_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// A large file is checked and applied behind a progress page that ends in
// the same report a small file gets.
func TestImportLargeFileRunsBehindProgressPage(t *testing.T) {
	db, _ := setup(t)
	s := &importServer{t: t, db: db, rt: web.NewRouter(auth.NewService(db)), dir: t.TempDir()}
	(&registry.ImportHandler{DB: db, DataDir: s.dir, AsyncBytes: 1}).Routes(s.rt)
	worker := func(req *http.Request) *httptest.ResponseRecorder { return s.do(auth.RoleTownshipWorker, townA, req) }

	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range 30 {
		b.WriteString("张" + string(rune('一'+i)) + "," + idNumber(1960+i, time.Month(1+i%12), 1+i%28, 21, registry.SexMale) + ",肢体,二级,,团结社区,,\n")
	}
	b.WriteString("李四,3.41599E+17,肢体,二级,,团结社区,,\n")

	rec := worker(multipartFile(t, "/registry/import", "big.csv", []byte(b.String())))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/registry/import/progress?id=") {
		t.Fatalf("upload: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	progress := rec.Header().Get("Location")
	id := strings.TrimPrefix(progress, "/registry/import/progress?id=")
	// Someone else cannot watch it.
	if rec := s.do(auth.RoleCountyStaff, county, httptest.NewRequest(http.MethodGet, progress, nil)); rec.Code != http.StatusNotFound {
		t.Errorf("someone else's progress: %d", rec.Code)
	}
	p := waitFinished(t, worker, progress)
	if p.Total != 31 || p.Done != 31 || p.Percent != 100 || p.Apply {
		t.Errorf("check progress: %+v", p)
	}
	body := worker(httptest.NewRequest(http.MethodGet, progress, nil)).Body.String()
	if !strings.Contains(body, "Excel 已将身份证号转为数字") || !strings.Contains(body, `name="id" value="`+id+`"`) {
		t.Fatalf("preview after progress: %s", body)
	}
	if count(t, db, "persons") != 0 {
		t.Fatal("the check wrote")
	}
	if rec := worker(httptest.NewRequest(http.MethodGet, "/registry/import/report.csv?id="+id, nil)); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "32,error,") {
		t.Errorf("report.csv %d: %s", rec.Code, rec.Body.String())
	}

	rec = worker(postForm("/registry/import/apply", url.Values{"id": {id}, "mode": {"good_rows"}}))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != progress {
		t.Fatalf("apply: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	p = waitFinished(t, worker, progress)
	if !p.Apply || p.Done != 31 {
		t.Errorf("apply progress: %+v", p)
	}
	if body := worker(httptest.NewRequest(http.MethodGet, progress, nil)).Body.String(); !strings.Contains(body, "导入完成") {
		t.Errorf("result after progress: %s", body)
	}
	if n := count(t, db, "persons"); n != 30 {
		t.Errorf("%d persons, want 30", n)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.dir, "imports")); len(entries) != 0 {
		t.Errorf("uploads left behind: %v", entries)
	}
}

func waitFinished(t *testing.T, get func(*http.Request) *httptest.ResponseRecorder, progress string) registry.Progress {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		rec := get(httptest.NewRequest(http.MethodGet, progress+"&format=json", nil))
		var p registry.Progress
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
			t.Fatalf("progress json %d: %s", rec.Code, rec.Body.String())
		}
		if p.Finished {
			return p
		}
		if page := get(httptest.NewRequest(http.MethodGet, progress, nil)).Body.String(); !strings.Contains(page, `<progress id="import-bar"`) {
			// finished between the two requests, or a broken page
			if !strings.Contains(page, "导入") {
				t.Fatalf("progress page: %s", page)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("import did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEstimateRows(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "a.csv")
	os.WriteFile(csv, []byte("h1,h2\n1,2\n3,4\n5,6\n"), 0o600)
	if n := registry.EstimateRows(csv, registry.FormatCSV); n != 3 {
		t.Errorf("csv: %d", n)
	}
	// The template is a real xlsx written by the spreadsheet library.
	xlsx := filepath.Join(dir, "t.xlsx")
	f, _ := os.Create(xlsx)
	if err := registry.WriteTemplate(f, nil, time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n := registry.EstimateRows(xlsx, registry.FormatXLSX); n < 1 {
		t.Errorf("xlsx estimate %d, want the sample row", n)
	}
	if n := registry.EstimateRows(filepath.Join(dir, "missing.csv"), registry.FormatCSV); n != 0 {
		t.Errorf("missing: %d", n)
	}
}
