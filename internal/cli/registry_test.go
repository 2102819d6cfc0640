package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

func TestIdcheck(t *testing.T) {
	r := run(t, "idcheck", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ")
	want := "11010519491231002x\tok\t11010519491231002X\t1949-12-31\tF\n１１０１０５１９４９１２３１００２Ｘ\tok\t11010519491231002X\t1949-12-31\tF\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("valid: %+v", r)
	}
	legacy := registry.MakeIDNumber("341599", time.Date(1980, 5, 7, 0, 0, 0, 0, time.UTC), 101, registry.SexMale)
	r = run(t, "idcheck", "341599800507101", "110105194912310021", "3.41523E+17")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 1 || len(lines) != 3 {
		t.Fatalf("invalid: %+v", r)
	}
	for i, w := range []string{
		"341599800507101\tok\t" + legacy + "\t1980-05-07\tM",
		"110105194912310021\terror\t身份证号校验位错误：应为X，实际为1\t\t",
		"3.41523E+17\terror\tExcel 已将身份证号转为数字，末位丢失；请将该列设为文本后重新导出\t\t",
	} {
		if lines[i] != w {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
	if r := run(t, "idcheck"); r.code != 1 {
		t.Errorf("no argument: %+v", r)
	}
}

// import persons: report format, exit codes, all-or-nothing, --good-rows,
// --dry-run, idempotence; then export persons.
func TestImportExportPersons(t *testing.T) {
	dsn := storetest.DSN(t)
	dir := t.TempDir()
	db := []string{"--db", dsn}
	areas := filepath.Join(dir, "areas.csv")
	os.WriteFile(areas, []byte("code,name,level,parent_code\n341599000000,阳光县,county,\n341599001000,城关街道,township,341599000000\n341599001001,团结社区,village,341599001000\n"), 0o600)
	if r := run(t, append([]string{"import", "areas", areas}, db...)...); r.code != 0 {
		t.Fatalf("areas: %+v", r)
	}
	id := func(seq int) string {
		return registry.MakeIDNumber("341599", time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC), seq, registry.SexMale)
	}
	file := filepath.Join(dir, "persons.csv")
	os.WriteFile(file, []byte("姓名,身份证号,残疾类别,残疾等级,村（社区）\n张三,"+id(11)+",肢体,二级,团结社区\n李四,3.41599E+17,肢体,二级,团结社区\n王五,"+id(13)+",视力,一级,团结社区\n"), 0o600)
	report := filepath.Join(dir, "report.csv")

	readReport := func() [][]string {
		t.Helper()
		f, err := os.Open(report)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	// A bad row: exit 1 and nothing imported; the report has every row.
	r := run(t, append([]string{"import", "persons", file, "--report", report}, db...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "第 3 行「身份证号」") || !strings.Contains(r.stdout, "没有写入") {
		t.Fatalf("all or nothing: %+v", r)
	}
	recs := readReport()
	if len(recs) != 4 || strings.Join(recs[0], ",") != "row,status,field,message" ||
		strings.Join(recs[1], ",") != "2,ok,," || strings.Join(recs[2][:3], ",") != "3,error,身份证号" || !strings.Contains(recs[2][3], "Excel") ||
		strings.Join(recs[3], ",") != "4,ok,," {
		t.Fatalf("report %q", recs)
	}
	// --dry-run: the same, never written.
	if r := run(t, append([]string{"import", "--dry-run", "persons", file}, db...)...); r.code != 1 || !strings.Contains(r.stdout, "试运行") {
		t.Fatalf("dry run: %+v", r)
	}
	// --good-rows: the two good rows, and exit 1 for the bad one.
	if r := run(t, append([]string{"import", "persons", file, "--good-rows"}, db...)...); r.code != 1 || !strings.Contains(r.stdout, "新登记 2") || !strings.Contains(r.stdout, "已写入") {
		t.Fatalf("good rows: %+v", r)
	}
	// A clean file of the same persons: unchanged, exit 0.
	clean := filepath.Join(dir, "clean.csv")
	os.WriteFile(clean, []byte("姓名,身份证号,残疾类别,残疾等级,村（社区）\n张三,"+id(11)+",肢体,二级,团结社区\n王五,"+id(13)+",视力,一级,团结社区\n"), 0o600)
	r = run(t, append([]string{"import", "persons", clean, "--report", report}, db...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "无变化 2") {
		t.Fatalf("re-import: %+v", r)
	}
	if recs := readReport(); len(recs) != 3 || recs[1][1] != "unchanged" || recs[2][1] != "unchanged" {
		t.Errorf("report %q", recs)
	}
	// Outside --scope: refused.
	if r := run(t, append([]string{"import", "persons", clean, "--scope", "341599101000"}, db...)...); r.code != 1 {
		t.Errorf("scope: %+v", r)
	}

	out := filepath.Join(dir, "out.xlsx")
	r = run(t, append([]string{"export", "persons", "--category", "4", "--out", out}, db...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "已导出 1 人") {
		t.Fatalf("export: %+v", r)
	}
	x, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("残疾人名单")
	x.Close()
	if len(rows) != 2 || rows[1][0] != "张三" || rows[1][1] != registry.MaskIDNumber(id(11)) {
		t.Errorf("export rows %q", rows)
	}
	if r := run(t, append([]string{"export", "persons", "--category", "9", "--out", out}, db...)...); r.code != 1 {
		t.Errorf("bad filter: %+v", r)
	}
}
