package registry

// Table tests of reading import files: pure functions, no database.

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseCategoryGradeSex(t *testing.T) {
	cats := []struct {
		in   string
		want Category
		ok   bool
	}{
		{"肢体", Physical, true}, {"肢体残疾", Physical, true}, {"4", Physical, true}, {"４", Physical, true}, {"4.0", Physical, true},
		{"视力", Vision, true}, {"言语残疾", Speech, true}, {"语言残疾", Speech, true}, {"多重", Multiple, true}, {"7", Multiple, true},
		{"8", 0, false}, {"0", 0, false}, {"脚", 0, false}, {"", 0, false},
	}
	for _, c := range cats {
		got, ok := parseCategory(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseCategory(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	grades := []struct {
		in   string
		want Grade
		ok   bool
	}{
		{"二级", Grade2, true}, {"2级", Grade2, true}, {"2", Grade2, true}, {"贰级", Grade2, true}, {"Ⅱ级", Grade2, true},
		{"一级", Grade1, true}, {"肆级", Grade4, true}, {"IV", Grade4, true}, {"三", Grade3, true}, {"２级", Grade2, true},
		{"五级", 0, false}, {"0", 0, false}, {"重度", 0, false},
	}
	for _, c := range grades {
		got, ok := parseGrade(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseGrade(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	sexes := []struct {
		in   string
		want int
		ok   bool
	}{{"男", SexMale, true}, {"1", SexMale, true}, {"女", SexFemale, true}, {"2", SexFemale, true}, {"女性", SexFemale, true}, {"m", SexMale, true}, {"未知", 0, false}}
	for _, c := range sexes {
		got, ok := parseSex(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("parseSex(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseFlag(t *testing.T) {
	for _, c := range []struct {
		in       string
		want, ok bool
	}{
		{"是", true, true}, {"√", true, true}, {"1", true, true}, {"有", true, true}, {"Y", true, true},
		{"否", false, true}, {"0", false, true}, {"", false, true}, {"×", false, true}, {"无", false, true},
		{"也许", false, false},
	} {
		got, ok := parseFlag(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("parseFlag(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"46027", "2026-01-05", true}, // Excel serial
		{"46027.5", "2026-01-05", true},
		{"2026/1/5", "2026-01-05", true},
		{"2026-01-05", "2026-01-05", true},
		{"2026年1月5日", "2026-01-05", true},
		{"2026.1.5", "2026-01-05", true},
		{"20260105", "2026-01-05", true},
		{"2026-01-05 00:00:00", "2026-01-05", true},
		{"2026-02-30", "", false},
		{"26/1/5", "", false},
		{"1/5/2026", "", false},
		{"十月", "", false},
		{"12", "", false}, // a serial before March 1900
	} {
		got, ok := parseDate(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("parseDate(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseComponentsAndCodes(t *testing.T) {
	got, ok := parseComponents("肢体三级、视力二级")
	if !ok || len(got) != 2 || got[0] != (Component{Physical, Grade3}) || got[1] != (Component{Vision, Grade2}) {
		t.Errorf("parseComponents = %v, %v", got, ok)
	}
	if got, ok := parseComponents("1-2;4-3"); !ok || len(got) != 2 || got[1] != (Component{Physical, Grade3}) {
		t.Errorf("parseComponents codes = %v, %v", got, ok)
	}
	for _, bad := range []string{"肢体", "多重二级", "肢体九级"} {
		if _, ok := parseComponents(bad); ok {
			t.Errorf("parseComponents(%q) accepted", bad)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"初中", "junior"}, {"中专", "vocational"}, {"大学本科", "bachelor"}, {"junior", "junior"}, {"文盲", "none"},
	} {
		if got, ok := parseCode(c.in, educationWords, educationLabels); !ok || got != c.want {
			t.Errorf("education %q = %q, %v", c.in, got, ok)
		}
	}
	if got, ok := parseCode("个体（含创业）", employmentWords, employmentLabels); !ok || got != "self_employed" {
		t.Errorf("employment = %q, %v", got, ok)
	}
	if got, ok := parseCode("离异", maritalWords, maritalLabels); !ok || got != "divorced" {
		t.Errorf("marital = %q, %v", got, ok)
	}
	if _, ok := parseCode("很好", maritalWords, maritalLabels); ok {
		t.Error("unknown marital word accepted")
	}
	// Every code of the registry's lists has a word, and the words map
	// only to codes the registry knows.
	for _, l := range []struct {
		codes []string
		list  []codeLabel
		words map[string]string
	}{{Educations, educationLabels, educationWords}, {Employments, employmentLabels, employmentWords}, {Maritals, maritalLabels, maritalWords}} {
		if len(l.codes) != len(l.list) {
			t.Errorf("labels %v do not cover codes %v", l.list, l.codes)
		}
		for i, c := range l.list {
			if l.codes[i] != c.code {
				t.Errorf("label %v out of order with %v", c, l.codes)
			}
		}
		for w, c := range l.words {
			if labelOf(l.list, c) == "" {
				t.Errorf("word %s maps to unknown code %s", w, c)
			}
		}
	}
}

func TestCleanCellAndHeaders(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"  张三　", "张三"}, {"\u200b341523\ufeff", "341523"}, {`="341523199001011234"`, "341523199001011234"}, {"\u00a0a\u00a0", "a"},
	} {
		if got := cleanCell(c.in); got != c.want {
			t.Errorf("cleanCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want ImportColumn
	}{
		{"姓名", ColName}, {"身份证号码", ColIDNumber}, {"公民身份号码", ColIDNumber}, {"*身份证号", ColIDNumber},
		{"身份证号码（18位）", ColIDNumber}, {"残疾证号", ColCertificateNo}, {"类别", ColCategory}, {"残疾等级", ColGrade},
		{"村（社区）", ColVillage}, {"村(社区)", ColVillage}, {"户籍地", ColVillage}, {"所在村", ColVillage}, {"村委会", ColVillage},
		{"乡镇（街道）", ColTownship}, {"联系电话", ColPhone}, {"手机", ColPhone}, {"监护人", ColGuardianName}, {"联系人", ColGuardianName},
		{"低保", ColDibao}, {"特困", ColTekun}, {"文化程度", ColEducation}, {"就业情况", ColEmployment}, {"婚姻状况", ColMarital},
		{"发证日期", ColIssuedOn}, {" 姓 名 ", ColName},
	} {
		if got, ok := recogniseHeader(c.in); !ok || got != c.want {
			t.Errorf("recogniseHeader(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
	if _, ok := recogniseHeader("序号"); ok {
		t.Error("序号 recognised")
	}
	// Every template header is recognised as its own column.
	for c := range numImportColumns {
		if got, ok := recogniseHeader(c.TemplateHeader()); !ok || got != c {
			t.Errorf("template header %q → %v, %v", c.TemplateHeader(), got, ok)
		}
	}
}

// readAll opens a file and returns its data rows.
func readAll(t *testing.T, path, format string) (*ImportSheet, []ImportRecord) {
	t.Helper()
	sh, err := OpenImportFile(path, format)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { sh.Close() })
	var recs []ImportRecord
	for {
		r, err := sh.Next()
		if err == io.EOF {
			return sh, recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A CSV file: title rows above the header, blank lines, BOM, a quoted
// field over two lines; row numbers as a spreadsheet shows them.
func TestReadCSVRowNumbers(t *testing.T) {
	src := "\ufeff阳光县残疾人名单\n填报单位：城关街道,,\n\n序号,姓名 ,身份证号码,残疾类别\n1,张三,341599198503150213,肢体\n\n2,\"李\n四\",341599198503150221,视力\n,,,\n3,王五 ,341599198503150230,4\n"
	sh, recs := readAll(t, writeFile(t, "a.csv", []byte(src)), FormatCSV)
	if sh.HeaderRow != 4 {
		t.Errorf("header row %d, want 4", sh.HeaderRow)
	}
	if len(sh.Ignored) != 1 || sh.Ignored[0] != "序号" {
		t.Errorf("ignored %v", sh.Ignored)
	}
	if sh.Headers[ColName] != "姓名" {
		t.Errorf("header text %q", sh.Headers[ColName])
	}
	want := []struct {
		row  int
		name string
	}{{5, "张三"}, {7, "李\n四"}, {9, "王五"}} // 李四 is one row over two lines
	if len(recs) != len(want) {
		t.Fatalf("got %d rows: %+v", len(recs), recs)
	}
	for i, w := range want {
		if recs[i].Row != w.row || recs[i].Cells[ColName] != w.name {
			t.Errorf("row %d: got %d %q, want %d %q", i, recs[i].Row, recs[i].Cells[ColName], w.row, w.name)
		}
	}
}

// A CSV saved by Excel on a Chinese Windows is GBK (GB18030).
func TestReadCSVGBK(t *testing.T) {
	utf := "姓名,身份证号,残疾类别,村（社区）\n张三,341599198503150213,肢体残疾,团结社区\n"
	gbk, err := simplifiedchinese.GB18030.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	sh, recs := readAll(t, writeFile(t, "gbk.csv", []byte(gbk)), FormatCSV)
	if sh.HeaderRow != 1 || len(recs) != 1 || recs[0].Cells[ColName] != "张三" || recs[0].Cells[ColCategory] != "肢体残疾" || recs[0].Cells[ColVillage] != "团结社区" {
		t.Errorf("GBK file read as %+v %+v", sh, recs)
	}
}

func TestReadNoHeader(t *testing.T) {
	_, err := OpenImportFile(writeFile(t, "x.csv", []byte("a,b\n1,2\n")), FormatCSV)
	if err == nil || !strings.Contains(err.Error(), "表头") {
		t.Errorf("want a missing-header error, got %v", err)
	}
	if _, err := OpenImportFile(writeFile(t, "x.xlsx", []byte("not a zip")), FormatXLSX); err == nil || !strings.Contains(err.Error(), "Excel") {
		t.Errorf("want an unreadable-xlsx error, got %v", err)
	}
}

// An xlsx file as staff have it: a title on an earlier sheet-less row,
// the header on row 3 of the second sheet, numbers that Excel stored as
// numbers (an ID number, a date serial, a phone).
func TestReadXLSX(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	x.SetCellStr("Sheet1", "A1", "说明：本表为汇总")
	x.NewSheet("名单")
	x.SetCellStr("名单", "A1", "阳光县残疾人基础数据")
	x.SetSheetRow("名单", "A3", &[]any{"姓名", "公民身份号码", "发证日期", "联系电话", "残疾等级"})
	x.SetSheetRow("名单", "A4", &[]any{"张三 ", 341523199001011000.0, 46027, 13812345678, 2})
	x.SetSheetRow("名单", "A6", &[]any{"李四", "3.41523E+17", "2026/1/5", "138 1234 5678", "二级"})
	p := filepath.Join(t.TempDir(), "staff.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	sh, recs := readAll(t, p, FormatXLSX)
	if sh.Sheet != "名单" || sh.HeaderRow != 3 {
		t.Errorf("sheet %q header row %d", sh.Sheet, sh.HeaderRow)
	}
	if len(recs) != 2 || recs[0].Row != 4 || recs[1].Row != 6 {
		t.Fatalf("rows %+v", recs)
	}
	r := recs[0]
	if r.Cells[ColName] != "张三" || r.Cells[ColPhone] != "13812345678" || r.Cells[ColGrade] != "2" {
		t.Errorf("row 4 read as %q", r.Cells)
	}
	if d, ok := parseDate(r.Cells[ColIssuedOn]); !ok || d != "2026-01-05" {
		t.Errorf("date serial %q → %q", r.Cells[ColIssuedOn], d)
	}
	// The numeric ID cell lost its last digits: refused with RULES.md's
	// message, as is the one in scientific notation.
	for _, rec := range recs {
		_, err := ParseIDNumber(cleanNumber(rec.Cells[ColIDNumber]), certParseDay)
		if IDErrorCode(err) != IDErrExcel || err.Error() != "Excel 已将身份证号转为数字，末位丢失；请将该列设为文本后重新导出" {
			t.Errorf("row %d ID %q: %v", rec.Row, rec.Cells[ColIDNumber], err)
		}
	}
}
