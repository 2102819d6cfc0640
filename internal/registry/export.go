package registry

// The xlsx export of a search: every person the search finds (all its
// pages, in its order), masked as the result list masks them, streamed so
// a county's whole register fits in memory.

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	safe "github.com/yangguang-cdpf/yangguang/internal/sheet"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// ActionExport is the audit action of an export: personal data leaving the
// system is logged with the filter and the number of persons.
const ActionExport = "person.export"

// exportHeaders are the export's columns; the headers are those the
// import recognises, so an export (unmasked) could be imported again.
var exportHeaders = []string{"姓名", "身份证号", "性别", "出生日期", "年龄", "乡镇（街道）", "村（社区）", "残疾类别", "残疾等级", "多重残疾",
	"残疾人证号", "发证日期", "有效期至", "状态", "联系电话", "监护人或联系人", "与监护人关系", "监护人电话",
	"低保", "特困", "建档立卡/监测户", "文化程度", "就业情况", "婚姻状况", "医疗保险", "养老保险", "户籍地址", "居住地村（社区）", "居住地址"}

var statusZH = map[Status]string{StatusActive: "在册", StatusDeceased: "已故", StatusMovedOut: "迁出", StatusCancelled: "注销", StatusMerged: "已合并"}

// ExportResult says what an export wrote.
type ExportResult struct {
	Persons int
}

// Export writes the persons f finds inside s to w as an xlsx workbook, in
// the search's order, all pages. ID numbers, certificate numbers and phones
// are masked unless full is set (the caller decides who may have them).
// The export is audited with its filter and count.
func Export(ctx context.Context, db *store.DB, s area.Scope, f Filter, full bool, w io.Writer) (ExportResult, error) {
	var res ExportResult
	names, err := area.Names(ctx, db)
	if err != nil {
		return res, err
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "残疾人名单"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return res, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return res, err
	}
	_ = sw.SetColWidth(1, 1, 10)
	_ = sw.SetColWidth(2, 2, 22)
	_ = sw.SetColWidth(11, 11, 24)
	header := make([]any, len(exportHeaders))
	for i, h := range exportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return res, err
	}
	today := time.Now()
	if f.Today.IsZero() {
		f.Today = today
	}
	f.After = "" // the whole search, not from the page on screen
	row := 1
	yes := func(v bool) string {
		if v {
			return "是"
		}
		return "否"
	}
	err = SearchEach(ctx, db, s, f, func(p Person) error {
		if !full {
			p = p.Masked()
		}
		row++
		res.Persons++
		sex := "女"
		if p.Sex == SexMale {
			sex = "男"
		}
		cells := []string{p.Name, p.IDNumber, sex, p.BirthDate, "", names[area.ParentOf(p.VillageCode)], names[p.VillageCode],
			p.Category.ZH(), p.Grade.ZH(), ComponentsText(p.Components),
			p.CertificateNo, p.CertificateIssuedOn, p.CertificateExpiresOn, statusZH[p.Status], p.Phone,
			p.GuardianName, p.GuardianRelation, p.GuardianPhone,
			yes(p.Dibao), yes(p.Tekun), yes(p.PovertyRegistered),
			labelOf(educationLabels, p.Education), labelOf(employmentLabels, p.Employment), labelOf(maritalLabels, p.Marital),
			yes(p.MedicalInsurance), yes(p.PensionInsurance), p.HouseholdAddress, names[p.ResidenceVillageCode], p.ResidenceAddress}
		values := make([]any, len(cells))
		for i, c := range cells {
			values[i] = safe.Text(c)
		}
		values[4] = p.Age(today)
		return sw.SetRow("A"+strconv.Itoa(row), values)
	})
	if err != nil {
		return res, err
	}
	if err := sw.Flush(); err != nil {
		return res, err
	}
	detail := f.Values().Encode()
	if full {
		detail += " (full numbers)"
	}
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: ActionExport, ObjectType: "person", AreaCode: s.Code(),
		Detail: strconv.Itoa(res.Persons) + " persons: " + detail}); err != nil {
		return res, err
	}
	_, err = x.WriteTo(w)
	return res, err
}

// templateRows is how many rows of the template carry the drop-down lists
// and the text format of the number columns.
const templateRows = 2000

// WriteTemplate writes the import template: every column with the header
// the import recognises, one sample row (a made-up person in the first
// village of villages, which imports cleanly there), drop-down lists for
// the coded columns and the villages, number columns formatted as text so
// Excel keeps every digit of an ID number, and a sheet of instructions.
func WriteTemplate(w io.Writer, areas []area.Area, today time.Time) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet, lists, help = "残疾人信息", "选项", "填写说明"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	col := func(c ImportColumn) string { n, _ := excelize.ColumnNumberToName(int(c) + 1); return n }
	last := strconv.Itoa(templateRows)
	for c := range numImportColumns {
		if err := x.SetCellStr(sheet, col(c)+"1", c.TemplateHeader()); err != nil {
			return err
		}
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return err
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	if err := x.SetRowStyle(sheet, 1, 1, bold); err != nil {
		return err
	}
	for _, c := range []ImportColumn{ColIDNumber, ColCertificateNo, ColPhone, ColGuardianPhone, ColVillage, ColResidenceVillage} {
		if err := x.SetColStyle(sheet, col(c), text); err != nil {
			return err
		}
	}
	_ = x.SetColWidth(sheet, col(ColIDNumber), col(ColIDNumber), 22)
	_ = x.SetColWidth(sheet, col(ColCertificateNo), col(ColCertificateNo), 24)
	_ = x.SetColWidth(sheet, col(ColHouseholdAddress), col(ColResidenceAddress), 24)
	if err := x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}

	// The sample row, in the first village of the scope.
	var village, township area.Area
	for _, a := range areas {
		if a.Level == area.Village {
			village = a
			break
		}
	}
	for _, a := range areas {
		if a.Code == village.ParentCode {
			township = a
		}
	}
	birth := time.Date(1985, 3, 15, 0, 0, 0, 0, time.UTC)
	id := ""
	if len(village.Code) == 12 {
		id = MakeIDNumber(village.Code[:6], birth, 21, SexMale)
	}
	sample := map[ImportColumn]string{
		ColName: "张三", ColIDNumber: id, ColSex: "男", ColBirthDate: birth.Format(time.DateOnly), ColCategory: "肢体", ColGrade: "二级",
		ColIssuedOn: today.AddDate(-1, 0, 0).Format(time.DateOnly), ColTownship: township.Name, ColVillage: village.Name,
		ColHouseholdAddress: township.Name + village.Name + "1组", ColPhone: "13812345678",
		ColDibao: "否", ColTekun: "否", ColPoverty: "否", ColEducation: "初中", ColEmployment: "灵活就业", ColMarital: "已婚",
		ColMedical: "是", ColPension: "是",
	}
	for c, v := range sample {
		if err := x.SetCellStr(sheet, col(c)+"2", v); err != nil {
			return err
		}
	}

	// Drop-down lists.
	zh := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	labels := func(list []codeLabel) []string { return zh(len(list), func(i int) string { return list[i].label }) }
	drops := []struct {
		cols  []ImportColumn
		items []string
	}{
		{[]ImportColumn{ColSex}, []string{"男", "女"}},
		{[]ImportColumn{ColCategory}, zh(len(Categories), func(i int) string { return Categories[i].ZH() })},
		{[]ImportColumn{ColGrade}, zh(len(Grades), func(i int) string { return Grades[i].ZH() })},
		{[]ImportColumn{ColDibao, ColTekun, ColPoverty, ColMedical, ColPension}, []string{"是", "否"}},
		{[]ImportColumn{ColEducation}, labels(educationLabels)},
		{[]ImportColumn{ColEmployment}, labels(employmentLabels)},
		{[]ImportColumn{ColMarital}, labels(maritalLabels)},
	}
	for _, d := range drops {
		for _, c := range d.cols {
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(col(c) + "2:" + col(c) + last)
			if err := dv.SetDropList(d.items); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, c.TemplateHeader(), "请从下拉列表中选择")
			if err := x.AddDataValidation(sheet, dv); err != nil {
				return err
			}
		}
	}
	// Villages and townships: too many for an inline list, so they come
	// from a hidden sheet.
	if _, err := x.NewSheet(lists); err != nil {
		return err
	}
	var nv, nt int
	for _, a := range areas {
		switch a.Level {
		case area.Village:
			nv++
			if err := x.SetCellStr(lists, "A"+strconv.Itoa(nv), a.Name); err != nil {
				return err
			}
		case area.Township:
			nt++
			if err := x.SetCellStr(lists, "B"+strconv.Itoa(nt), a.Name); err != nil {
				return err
			}
		}
	}
	for _, l := range []struct {
		cols []ImportColumn
		ref  string
		n    int
	}{{[]ImportColumn{ColVillage, ColResidenceVillage}, "A", nv}, {[]ImportColumn{ColTownship}, "B", nt}} {
		if l.n == 0 {
			continue
		}
		for _, c := range l.cols {
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(col(c) + "2:" + col(c) + last)
			dv.SetSqrefDropList("'" + lists + "'!$" + l.ref + "$1:$" + l.ref + "$" + strconv.Itoa(l.n))
			// A 12-digit code is accepted too, so a value off the list
			// only warns.
			dv.SetError(excelize.DataValidationErrorStyleWarning, c.TemplateHeader(), "不在列表中；也可填写 12 位区划代码")
			if err := x.AddDataValidation(sheet, dv); err != nil {
				return err
			}
		}
	}
	if err := x.SetSheetVisible(lists, false); err != nil {
		return err
	}

	// Instructions.
	if _, err := x.NewSheet(help); err != nil {
		return err
	}
	for i, line := range templateHelp {
		if err := x.SetCellStr(help, "A"+strconv.Itoa(i+1), line); err != nil {
			return err
		}
	}
	_ = x.SetColWidth(help, "A", "A", 100)
	x.SetActiveSheet(0)
	_, err = x.WriteTo(w)
	return err
}

var templateHelp = []string{
	"残疾人信息导入模板 填写说明",
	"1. 第 2 行是示例，导入前请删除或改为真实信息；表头可以放在前 10 行内的任意一行，列的顺序不限，不需要的列可以删除。",
	"2. 姓名、身份证号必填；新登记的人员还须填写残疾类别、残疾等级和村（社区）。",
	"3. 身份证号、残疾人证号、电话所在列已设为文本格式。请勿改为数字格式：Excel 会把 18 位号码的末几位变成 0，这样的号码将被拒绝。",
	"4. 性别、出生日期可不填（由身份证号得出）；填写时须与身份证号一致。",
	"5. 残疾类别可填 视力、听力、言语、肢体、智力、精神、多重，或代码 1–7；残疾等级可填 一级–四级、1级–4级 或 1–4。",
	"6. 多重残疾：残疾类别填“多重”，“多重残疾”列填各类别和等级，如“视力二级、肢体三级”；等级取最重的一项。",
	"7. 村（社区）可填名称或 12 位统计用区划代码；有重名的村时请同时填写乡镇（街道）。",
	"8. 低保、特困、建档立卡/监测户、医疗保险、养老保险填 是 或 否（也可填 √、1、0），空白视为否。",
	"9. 日期可写作 2026-01-05、2026/1/5、2026年1月5日，或使用 Excel 日期格式。",
	"10. 已登记的人员（按身份证号）将按文件更新：空白单元格和缺少的列不会清除已有信息；导入前会列出每一处修改。同一文件重复导入不会产生任何改动。",
}
