package registry_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The format of an import file is what its bytes are, whatever its name
// says: an xlsx workbook is a zip, text is CSV (UTF-8 or GB18030), other
// files are neither.
func TestSniffFormat(t *testing.T) {
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(header + "\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		head string
		want string
	}{
		{"xlsx (zip)", "PK\x03\x04\x14\x00\x06\x00", registry.FormatXLSX},
		{"CSV in UTF-8", header + "\n", registry.FormatCSV},
		{"CSV in UTF-8 with BOM", "\ufeff" + header + "\n", registry.FormatCSV},
		{"CSV in GB18030", gbk, registry.FormatCSV},
		{"empty file", "", registry.FormatCSV},
		{"old .xls (OLE2)", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ""},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", ""},
		{"PNG", "\x89PNG\r\n\x1a\n", ""},
		{"JPEG", "\xff\xd8\xff\xe0", ""},
		{"gzip", "\x1f\x8b\x08", ""},
		{"UTF-16 text (NUL bytes)", "\xff\xfe\x59\x5d\x0d\x54", ""},
		{"binary with NUL", "abc\x00def", ""},
	} {
		if got := registry.SniffFormat([]byte(c.head)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A workbook named .csv is read as a workbook, a CSV named .xlsx as CSV,
// and a PDF named .csv is refused with the format message; on the page and
// through the API.
func TestImportFormatByContent(t *testing.T) {
	s := newImportServer(t)
	good := idNumber(1985, 3, 15, 21, registry.SexMale)
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "身份证号码", "残疾类别", "残疾等级", "乡镇（街道）", "村（社区）"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"张三", good, "肢体", "二级", "", "团结社区"})
	var xlsx bytes.Buffer
	if _, err := x.WriteTo(&xlsx); err != nil {
		t.Fatal(err)
	}
	csv := []byte(header + "\n张三," + good + ",肢体,二级,,团结社区,,\n")
	worker := func(req *http.Request) (int, string) {
		rec := s.do(auth.RoleTownshipWorker, townA, req)
		return rec.Code, rec.Body.String()
	}
	for _, c := range []struct {
		name, file string
		body       []byte
		code       int
		want       string
	}{
		{"xlsx named .csv", "名单.csv", xlsx.Bytes(), http.StatusOK, "共 1 行可以导入"},
		{"CSV named .xlsx", "名单.xlsx", csv, http.StatusOK, "共 1 行可以导入"},
		{"CSV without extension", "名单", csv, http.StatusOK, "共 1 行可以导入"},
		{"PDF named .csv", "名单.csv", []byte("%PDF-1.7\n"), http.StatusUnprocessableEntity, "Excel 工作簿（.xlsx）或 CSV"},
		{"old .xls", "名单.xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), http.StatusUnprocessableEntity, "Excel 工作簿（.xlsx）或 CSV"},
	} {
		code, body := worker(multipartFile(t, "/registry/import", c.file, c.body))
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("page, %s: %d, want %d with %q\n%s", c.name, code, c.code, c.want, body)
		}
	}
	// The API: ?format= no longer decides.
	token := s.apiToken(auth.PermRegistryWrite)
	for _, c := range []struct {
		name, query string
		body        []byte
		code        int
	}{
		{"xlsx said to be CSV", "?format=csv", xlsx.Bytes(), http.StatusOK},
		{"CSV said to be xlsx", "?format=xlsx&name=a.xlsx", csv, http.StatusOK},
		{"PDF said to be CSV", "?format=csv", []byte("%PDF-1.7\n"), http.StatusBadRequest},
	} {
		rec := s.api(token, "/api/v1/persons/import"+c.query, c.body)
		if rec.Code != c.code {
			t.Errorf("API, %s: %d, want %d: %s", c.name, rec.Code, c.code, rec.Body.String())
		}
	}
}

// apiToken makes an API client of the county holding perm.
func (s *importServer) apiToken(perm auth.Perm) string {
	var token string
	if err := s.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(context.Background(), tx, "format client", county, []auth.Perm{auth.PermRegistryRead, perm})
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	return token
}

// api posts body as the file itself (application/octet-stream).
func (s *importServer) api(token, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req)
	return rec
}
