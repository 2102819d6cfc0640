package registry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// csvFile writes lines (already comma-separated) as a CSV file.
func csvFile(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importCSV(t *testing.T, db *store.DB, ctx context.Context, path string, s area.Scope, mode registry.ImportMode) *registry.ImportReport {
	t.Helper()
	rep, err := registry.ImportFile(ctx, db, path, registry.FormatCSV, registry.ImportOptions{Scope: s, Today: today, FileName: filepath.Base(path), Mode: mode})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return rep
}

// problemKeys lists row → the message keys of its problems.
func problemKeys(rep *registry.ImportReport) map[int][]string {
	out := map[int][]string{}
	for _, r := range rep.Rows {
		for _, p := range r.Problems {
			out[r.Row] = append(out[r.Row], p.Key)
		}
	}
	return out
}

const header = "姓名,身份证号码,残疾类别,残疾等级,乡镇（街道）,村（社区）,联系电话,低保"

// The preview writes nothing; then all_or_nothing with a bad row writes
// nothing, and good_rows writes exactly the good rows, in one go.
func TestImportPreviewThenGoodRowsOrNone(t *testing.T) {
	db, ctx := setup(t)
	file := csvFile(t, "名单.csv",
		"阳光县残疾人名单,,,,,,,",
		header,
		"张三,"+idNumber(1985, 3, 15, 21, registry.SexMale)+",肢体,二级,,团结社区,13812345678,是",
		"李四,"+idNumber(1990, 6, 1, 22, registry.SexFemale)+",视力残疾,1级,桃园镇,李庄村,,否",
		"王五,"+idNumber(1970, 1, 2, 23, registry.SexMale)+",4,3,,"+villageC+",,",
		"赵六,3.41599E+17,肢体,二级,,团结社区,,",
		"钱七,"+idNumber(1960, 5, 5, 24, registry.SexFemale)+",肢体,二级,,没有这个村,,",
	)
	county := area.ScopeOf(county)
	rep := importCSV(t, db, ctx, file, county, registry.ImportDryRun)
	if rep.New != 3 || rep.Errors != 2 || rep.Applied || len(rep.Rows) != 5 || rep.HeaderRow != 2 {
		t.Fatalf("preview: %+v", rep)
	}
	keys := problemKeys(rep)
	if len(keys[6]) != 1 || keys[6][0] != "person.error.id_excel" || len(keys[7]) != 1 || keys[7][0] != "registry.import.error.village_unknown" {
		t.Errorf("problems %v", keys)
	}
	if got := rep.ProblemText(i18n.ZH, 6, rep.Rows[3].Problems[0]); got != "第 6 行「身份证号码」：Excel 已将身份证号转为数字，末位丢失；请将该列设为文本后重新导出" {
		t.Errorf("problem text %q", got)
	}
	if n := count(t, db, "persons"); n != 0 {
		t.Fatalf("the preview wrote %d persons", n)
	}
	rep = importCSV(t, db, ctx, file, county, registry.ImportAllOrNothing)
	if rep.Applied || count(t, db, "persons") != 0 || count(t, db, "person_history") != 0 {
		t.Fatalf("all_or_nothing with errors wrote something: %+v", rep)
	}
	auditBefore := count(t, db, "audit_log")
	rep = importCSV(t, db, ctx, file, county, registry.ImportGoodRows)
	if !rep.Applied || rep.New != 3 || rep.Errors != 2 || count(t, db, "persons") != 3 || count(t, db, "person_history") != 3 {
		t.Fatalf("good_rows: %+v, %d persons", rep, count(t, db, "persons"))
	}
	// One audit entry for the whole import, naming the file, its digest
	// and the counts; each new person's first history entry names the file.
	if got := count(t, db, "audit_log") - auditBefore; got != 1 {
		t.Errorf("%d audit entries, want 1", got)
	}
	sum := sha256.Sum256(mustRead(t, file))
	var action, detail string
	if err := db.QueryRowContext(ctx, `SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&action, &detail); err != nil {
		t.Fatal(err)
	}
	if action != registry.ActionImport || !strings.Contains(detail, "名单.csv") || !strings.Contains(detail, hex.EncodeToString(sum[:])) ||
		!strings.Contains(detail, "3 new") || !strings.Contains(detail, "2 refused") {
		t.Errorf("import audit entry %s %q", action, detail)
	}
	p, err := registry.GetByIDNumber(ctx, db, county, idNumber(1990, 6, 1, 22, registry.SexFemale))
	if h, err := registry.History(ctx, db, county, p.ID); err != nil || len(h) != 1 || h[0].Change != registry.ChangeCreate ||
		h[0].Reason != "批量导入 名单.csv" || h[0].Actor != "tester" || h[0].Seq != 1 {
		t.Errorf("history of an imported person %+v (%v)", h, err)
	}
	if err != nil || p.Name != "李四" || p.VillageCode != villageB || p.Category != registry.Vision || p.Grade != registry.Grade1 || p.Dibao {
		t.Errorf("李四 stored as %+v, %v", p, err)
	}
	p, _ = registry.GetByIDNumber(ctx, db, county, idNumber(1985, 3, 15, 21, registry.SexMale))
	if p.Phone != "13812345678" || !p.Dibao || p.VillageCode != villageA {
		t.Errorf("张三 stored as %+v", p)
	}
}

// Importing the same file again changes nothing; a changed file lists
// old → new before it is applied, and the update is an event with the
// import's reason. Blank cells keep what is stored.
func TestImportIdempotentAndUpdates(t *testing.T) {
	db, ctx := setup(t)
	county := area.ScopeOf(county)
	zs, ls := idNumber(1985, 3, 15, 21, registry.SexMale), idNumber(1990, 6, 1, 22, registry.SexFemale)
	first := csvFile(t, "a.csv", header,
		"张三,"+zs+",肢体,二级,,团结社区,13812345678,是",
		"李四,"+ls+",视力,一级,,李庄村,13900001111,否")
	if rep := importCSV(t, db, ctx, first, county, registry.ImportAllOrNothing); !rep.Applied || rep.New != 2 {
		t.Fatalf("first import: %+v", rep)
	}
	history, audits := count(t, db, "person_history"), count(t, db, "audit_log")
	rep := importCSV(t, db, ctx, first, county, registry.ImportAllOrNothing)
	if rep.Unchanged != 2 || rep.New+rep.Updated+rep.Errors != 0 || rep.Applied {
		t.Fatalf("re-import: %+v", rep)
	}
	if count(t, db, "person_history") != history || count(t, db, "audit_log") != audits {
		t.Fatal("re-importing the same file wrote something")
	}
	// 张三 regraded and no longer 低保; 李四's phone cell blank, her grade
	// the same written differently.
	second := csvFile(t, "b.csv", header,
		"张三,"+zs+",肢体残疾,三级,,团结社区,138-1234-5678,否",
		"李四 ,"+strings.ToLower(ls)+",1,壹级,,李庄村,,")
	rep = importCSV(t, db, ctx, second, county, registry.ImportDryRun)
	if rep.Updated != 1 || rep.Unchanged != 1 {
		t.Fatalf("preview of changes: %+v", rep.Rows)
	}
	var changes []string
	for _, c := range rep.Rows[0].Changes {
		changes = append(changes, rep.ColumnHeader(c.Column)+":"+c.Before+"→"+c.After)
	}
	if strings.Join(changes, " ") != "残疾等级:二级→三级 低保:是→否" {
		t.Errorf("changes %v", changes)
	}
	rep = importCSV(t, db, ctx, second, county, registry.ImportAllOrNothing)
	if !rep.Applied || rep.Updated != 1 {
		t.Fatalf("apply: %+v", rep)
	}
	p, _ := registry.GetByIDNumber(ctx, db, county, zs)
	if p.Grade != registry.Grade3 || p.Dibao || p.CertificateNo != registry.CertificateNumber(zs, registry.Physical, registry.Grade3) {
		t.Errorf("张三 after update %+v", p)
	}
	h, err := registry.History(ctx, db, county, p.ID)
	if err != nil || len(h) != 2 || h[0].Change != registry.ChangeUpdate || h[0].Reason != "批量导入 b.csv" {
		t.Errorf("history %+v, %v", h, err)
	}
	l, _ := registry.GetByIDNumber(ctx, db, county, ls)
	if l.Phone != "13900001111" {
		t.Errorf("a blank cell erased 李四's phone: %q", l.Phone)
	}
	// And the changed file again: nothing.
	if rep := importCSV(t, db, ctx, second, county, registry.ImportAllOrNothing); rep.Unchanged != 2 || rep.Applied {
		t.Errorf("re-import of the changed file: %+v", rep)
	}
}

// A township worker cannot import into another township, nor learn about
// or take over a person registered there.
func TestImportScope(t *testing.T) {
	db, ctx := setup(t)
	other := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1950, 2, 3, 40, registry.SexMale), Name: "王建国", VillageCode: villageB,
		Category: registry.Physical, Grade: registry.Grade2})
	file := csvFile(t, "a.csv", header,
		"王建国,"+other.IDNumber+",肢体,二级,,团结社区,,",
		"新人,"+idNumber(1980, 1, 1, 30, registry.SexMale)+",肢体,二级,,李庄村,,",
		"新人二,"+idNumber(1980, 1, 2, 31, registry.SexMale)+",肢体,二级,,"+villageB+",,",
		"新人三,"+idNumber(1980, 1, 3, 32, registry.SexMale)+",肢体,二级,,陈楼村,,")
	rep := importCSV(t, db, ctx, file, area.ScopeOf(townA), registry.ImportGoodRows)
	keys := problemKeys(rep)
	want := map[int]string{2: "registry.import.error.outside_scope", 3: "registry.import.error.village_unknown", 4: "person.error.village_outside"}
	for row, key := range want {
		if len(keys[row]) != 1 || keys[row][0] != key {
			t.Errorf("row %d: %v, want %s", row, keys[row], key)
		}
	}
	if rep.New != 1 || rep.Rows[3].Status != registry.RowOK {
		t.Errorf("report %+v", rep.Rows)
	}
	p, err := registry.Get(ctx, db, area.ScopeOf(county), other.ID)
	if err != nil || p.VillageCode != villageB || p.Version != other.Version {
		t.Errorf("the person outside the scope changed: %+v %v", p, err)
	}
	// The refusal reveals nothing of the person.
	msg := rep.Rows[0].Problems[0].Message(i18n.ZH)
	if strings.Contains(msg, "王建国") || strings.Contains(msg, "李庄") || strings.Contains(msg, other.ID) {
		t.Errorf("refusal reveals details: %s", msg)
	}
}

// Every quirk of real files, one row each.
func TestImportQuirks(t *testing.T) {
	db, ctx := setup(t)
	// A second 李庄村, in township A: names alone are ambiguous now.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := area.Upsert(ctx, tx, []area.Area{{Code: "341599001201", Name: "李庄村", Level: area.Village, ParentCode: townA}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	id := func(seq int) string { return idNumber(1980, 5, 6, seq, registry.SexMale) }
	legacy15 := "341599800507101" // 15 digits: 1980-05-07, odd → male
	full := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if r >= '0' && r <= '9' {
				r = '０' + (r - '0')
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	xID := "11010519491231002X"
	h := "姓名,身份证号,性别,出生日期,残疾类别,残疾等级,多重残疾,残疾人证号,乡镇（街道）,村（社区）,低保,特困,发证日期,文化程度"
	rows := []struct {
		line   string
		status registry.RowStatus
		key    string // the first problem's key
	}{
		{"甲," + id(1) + ",男,1980-05-06,肢体,贰级,,,,团结社区,√,0,46027,初中", registry.RowOK, ""},
		{"乙 ," + strings.ToLower(xID) + ",女,1949/12/31,肢体残疾,2级,,,,团结社区,是,否,2026年1月5日,", registry.RowOK, ""},
		{"丙,　" + full(id(3)) + "　,1,,4,2,,,,团结社区,1,,,", registry.RowOK, ""},
		{"丁," + legacy15 + ",男,,视力,一级,,,,团结社区,,,,", registry.RowOK, ""},
		{"戊,3.41599E+17,男,,肢体,二级,,,,团结社区,,,,", registry.RowError, "person.error.id_excel"},
		{"己,341599198005060000,男,,肢体,二级,,,,团结社区,,,,", registry.RowError, "person.error.id_excel"},
		{"庚," + id(7) + ",女,,肢体,二级,,,,团结社区,,,,", registry.RowError, "registry.import.error.sex_mismatch"},
		{"辛," + id(9) + ",,1980-05-07,肢体,二级,,,,团结社区,,,,", registry.RowError, "registry.import.error.birth_mismatch"},
		{"壬," + id(1) + ",,,肢体,二级,,,,团结社区,,,,", registry.RowError, "registry.import.error.duplicate_row"},
		{"癸," + id(11) + ",,,肢体,二级,,,,李庄村,,,,", registry.RowError, "registry.import.error.village_ambiguous"},
		{"子," + id(13) + ",,,肢体,二级,,,桃园镇,李庄村,,,,", registry.RowOK, ""},
		{"丑," + id(15) + ",,,肢体,二级,,,,桃园镇李庄村,,,,", registry.RowOK, ""},
		{"寅," + id(17) + ",,,多重,,视力二级、肢体三级,,,团结社区,,,,", registry.RowOK, ""},
		{"卯," + id(19) + ",,,,," + ",'" + registry.CertificateNumber(id(19), registry.Hearing, registry.Grade4) + ",,团结社区,,,,", registry.RowOK, ""},
		{"辰," + id(21) + ",,,肢体,二级,," + registry.CertificateNumber(id(21), registry.Physical, registry.Grade1) + ",,团结社区,,,,", registry.RowError, "registry.import.error.cert_mismatch"},
		{"巳," + id(23) + ",,,脚,九级,,,,团结社区,也许,,明天,很好", registry.RowError, "registry.import.error.category"},
		{",,,,,,,,,,,,,", "", ""}, // blank: not a data row
		{"午," + id(25) + ",,,肢体,二级,,,,团结社区,,,2030-01-01,", registry.RowError, "person.error.date_future"},
	}
	lines := []string{h}
	for _, r := range rows {
		lines = append(lines, r.line)
	}
	rep := importCSV(t, db, ctx, csvFile(t, "q.csv", lines...), area.ScopeOf(county), registry.ImportGoodRows)
	byRow := map[int]registry.ImportRowResult{}
	for _, r := range rep.Rows {
		byRow[r.Row] = r
	}
	for i, want := range rows {
		row := i + 2
		got, ok := byRow[row]
		if want.status == "" {
			if ok {
				t.Errorf("row %d (blank) reported: %+v", row, got)
			}
			continue
		}
		if got.Status != want.status {
			t.Errorf("row %d %q: status %s, want %s (%+v)", row, want.line, got.Status, want.status, got.Problems)
			continue
		}
		if want.key != "" && (len(got.Problems) == 0 || got.Problems[0].Key != want.key) {
			t.Errorf("row %d: problems %+v, want %s first", row, got.Problems, want.key)
		}
	}
	// 巳 has a problem in every bad cell, each named.
	if r := byRow[17]; len(r.Problems) != 5 {
		t.Errorf("row 17 problems %+v", r.Problems)
	}
	s := area.ScopeOf(county)
	check := func(idn string, f func(p registry.Person) bool) {
		t.Helper()
		p, err := registry.GetByIDNumber(ctx, db, s, idn)
		if err != nil || !f(p) {
			t.Errorf("%s stored as %+v (%v)", idn, p, err)
		}
	}
	check(id(1), func(p registry.Person) bool {
		return p.Grade == registry.Grade2 && p.Dibao && !p.Tekun && p.CertificateIssuedOn == "2026-01-05" && p.Education == "junior"
	})
	check(xID, func(p registry.Person) bool { return p.Name == "乙" && p.IDNumber == xID })
	check(id(3), func(p registry.Person) bool { return p.Category == registry.Physical && p.Dibao })
	upgraded, err := registry.ParseIDNumber(legacy15, today)
	if err != nil {
		t.Fatal(err)
	}
	check(upgraded.Number, func(p registry.Person) bool {
		return p.Name == "丁" && p.Sex == registry.SexMale && p.BirthDate == "1980-05-07"
	})
	check(id(13), func(p registry.Person) bool { return p.VillageCode == villageB })
	check(id(15), func(p registry.Person) bool { return p.VillageCode == villageB })
	check(id(17), func(p registry.Person) bool {
		return p.Category == registry.Multiple && p.Grade == registry.Grade2 && len(p.Components) == 2
	})
	check(id(19), func(p registry.Person) bool { return p.Category == registry.Hearing && p.Grade == registry.Grade4 })
}

// The template has every column, drop-down lists, and its sample row
// imports cleanly.
func TestTemplateRoundTrip(t *testing.T) {
	db, ctx := setup(t)
	areas, err := area.InScope(ctx, db, area.ScopeOf(townB))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := registry.WriteTemplate(&buf, areas, today); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "模板.xlsx")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dvs, err := x.GetDataValidations("残疾人信息")
	x.Close()
	if err != nil || len(dvs) < 12 {
		t.Fatalf("%d data validations (%v)", len(dvs), err)
	}
	rep, err := registry.ImportFile(ctx, db, p, registry.FormatXLSX, registry.ImportOptions{Scope: area.ScopeOf(townB), Today: today, FileName: "模板.xlsx", Mode: registry.ImportAllOrNothing})
	if err != nil {
		t.Fatal(err)
	}
	if rep.New != 1 || rep.Errors != 0 || !rep.Applied || len(rep.Sheetinfo.Ignored) != 0 {
		t.Fatalf("template sample: %+v %+v", rep, rep.Rows)
	}
	for c := range 26 {
		if !rep.Sheetinfo.Has[c] {
			t.Errorf("column %d not recognised", c)
		}
	}
	got, err := registry.Get(ctx, db, area.ScopeOf(townB), rep.Rows[0].PersonID)
	if err != nil || got.Name != "张三" || got.VillageCode != villageB || got.Employment != "flexible" || !got.MedicalInsurance {
		t.Errorf("sample stored as %+v (%v)", got, err)
	}
}

// The export has exactly the persons the search finds, in its order, all
// pages, masked, and no cell a spreadsheet would run as a formula.
func TestExportEqualsSearch(t *testing.T) {
	db, ctx := setup(t)
	s := area.ScopeOf(county)
	for i, name := range []string{"=HYPERLINK(\"http://x\")", "+赵", "-钱", "@孙", "李", "周", "吴"} {
		c := registry.Physical
		if i%3 == 2 {
			c = registry.Vision
		}
		mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1960+i, 1, 1, 10+i, registry.SexFemale), Name: name, VillageCode: villageA,
			Category: c, Grade: registry.Grade2, Phone: "1380000000" + string(rune('0'+i))})
	}
	f, es := registry.ParseFilter(map[string][]string{"category": {"4"}, "sort": {"name"}, "limit": {"2"}, "after": {"x"}})
	if len(es) > 0 {
		t.Fatal(es)
	}
	var want []registry.Person
	all := f
	all.After = ""
	if err := registry.SearchEach(ctx, db, s, all, func(p registry.Person) error { want = append(want, p); return nil }); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := registry.Export(ctx, db, s, f, false, &buf)
	if err != nil || res.Persons != len(want) || len(want) != 5 {
		t.Fatalf("export %+v, %v; search found %d", res, err, len(want))
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("残疾人名单")
	if err != nil || len(rows) != len(want)+1 {
		t.Fatalf("%d rows (%v)", len(rows), err)
	}
	for i, p := range want {
		row := rows[i+1]
		name := p.Name
		if strings.ContainsRune("=+-@", rune(name[0])) {
			name = "'" + name
		}
		if row[0] != name || row[1] != registry.MaskIDNumber(p.IDNumber) || row[14] != registry.MaskPhone(p.Phone) {
			t.Errorf("row %d = %q, want %s", i+1, row[:3], p.Name)
		}
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q would be read as a formula", cell)
			}
		}
	}
}

// The CSV report: a line per data row and one more per further problem.
func TestReportCSV(t *testing.T) {
	db, ctx := setup(t)
	file := csvFile(t, "r.csv", header,
		"张三,"+idNumber(1985, 3, 15, 21, registry.SexMale)+",肢体,二级,,团结社区,,",
		",12345,脚,九级,,团结社区,,",
		"李四,"+idNumber(1990, 6, 1, 22, registry.SexFemale)+",视力,一级,,李庄村,,")
	importCSV(t, db, ctx, file, area.ScopeOf(county), registry.ImportGoodRows)
	edited := csvFile(t, "r2.csv", header,
		"张三,"+idNumber(1985, 3, 15, 21, registry.SexMale)+",肢体,二级,,团结社区,=1+2,",
		"李四,"+idNumber(1990, 6, 1, 22, registry.SexFemale)+",视力,一级,,李庄村,13812345678,")
	rep := importCSV(t, db, ctx, edited, area.ScopeOf(county), registry.ImportDryRun)
	var buf bytes.Buffer
	if err := rep.WriteReportCSV(&buf, i18n.ZH, false); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"row", "status", "field", "message"},
		{"2", "error", "联系电话", ""},
		{"3", "updated", "联系电话", "联系电话： → 13812345678"},
	}
	if len(recs) != len(want) {
		t.Fatalf("report %q", recs)
	}
	for i := range want {
		if recs[i][0] != want[i][0] || recs[i][1] != want[i][1] || recs[i][2] != want[i][2] {
			t.Errorf("line %d = %q, want %q", i, recs[i], want[i])
		}
	}
	if !strings.Contains(recs[1][3], "=1+2") || !strings.Contains(recs[2][3], "13812345678") {
		t.Errorf("messages %q", recs)
	}
	// The first file: row 3 has four problems, so four lines.
	rep = importCSV(t, db, ctx, file, area.ScopeOf(county), registry.ImportDryRun)
	buf.Reset()
	_ = rep.WriteReportCSV(&buf, i18n.ZH, true)
	recs, _ = csv.NewReader(&buf).ReadAll()
	var statuses []string
	for _, r := range recs[1:] {
		statuses = append(statuses, r[0]+":"+r[1])
	}
	if strings.Join(statuses, " ") != "2:unchanged 3:error 3:error 3:error 3:error 4:unchanged" {
		t.Errorf("lines %v", statuses)
	}
}
