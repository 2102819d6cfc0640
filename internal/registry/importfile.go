package registry

// Reading the person files staff really have (.xlsx or .csv) into rows of
// text: the header row found anywhere in the first rows, columns recognised
// by their common Chinese names, and the cell values read as a person would
// read them (Excel's date serials, 男/1, 肢体/4, 二级/2级/贰级, 是/√/1, …).
// Everything here is free of the database; importer.go checks the rows
// against the registry.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// ImportColumn is what one column of an import file holds.
type ImportColumn int

// Import columns, in the order of the template.
const (
	ColName ImportColumn = iota
	ColIDNumber
	ColSex       // checked against the ID number
	ColBirthDate // checked against the ID number
	ColCategory
	ColGrade
	ColComponents // 多重残疾的各类别和等级, e.g. 视力二级、肢体三级
	ColCertificateNo
	ColIssuedOn
	ColTownship // 乡镇（街道）: tells apart villages of the same name
	ColVillage  // 户籍所在村（社区）: 12-digit code or name
	ColHouseholdAddress
	ColResidenceVillage
	ColResidenceAddress
	ColPhone
	ColGuardianName
	ColGuardianRelation
	ColGuardianPhone
	ColDibao
	ColTekun
	ColPoverty
	ColEducation
	ColEmployment
	ColMarital
	ColMedical
	ColPension
	numImportColumns
)

// importColumnDef describes a column: its key (the API's field name and the
// catalogue key registry.import.col.<key>) and the header names it is known
// by, after normaliseHeader. The first name is the template's header.
type importColumnDef struct {
	key     string
	headers []string
}

var importColumnDefs = [numImportColumns]importColumnDef{
	ColName:             {"name", []string{"姓名", "残疾人姓名", "名字", "名称"}},
	ColIDNumber:         {"id_number", []string{"身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "居民身份证号码", "身份证", "证件号码", "身份证件号码"}},
	ColSex:              {"sex", []string{"性别"}},
	ColBirthDate:        {"birth_date", []string{"出生日期", "出生年月日", "生日"}},
	ColCategory:         {"category", []string{"残疾类别", "类别", "残疾类型", "残疾种类"}},
	ColGrade:            {"grade", []string{"残疾等级", "等级", "残疾级别", "级别"}},
	ColComponents:       {"components", []string{"多重残疾", "多重残疾类别", "多重残疾情况", "多重残疾构成"}},
	ColCertificateNo:    {"certificate_no", []string{"残疾人证号", "残疾证号", "残疾人证号码", "残疾证号码", "残疾人证编号", "证号"}},
	ColIssuedOn:         {"certificate_issued_on", []string{"发证日期", "办证日期", "残疾人证发证日期", "发证时间", "领证日期"}},
	ColTownship:         {"township", []string{"乡镇(街道)", "乡镇", "街道", "乡镇街道", "所属乡镇", "乡(镇、街道)", "乡镇(街道办)"}},
	ColVillage:          {"village", []string{"村(社区)", "户籍地", "所在村", "村委会", "户籍所在村", "户籍村(社区)", "户籍所在村(社区)", "村", "社区", "村居", "所属村", "村(居)委会", "行政村"}},
	ColHouseholdAddress: {"household_address", []string{"户籍地址", "户籍详细地址", "户籍所在地详细地址", "户籍所在地"}},
	ColResidenceVillage: {"residence_village", []string{"居住地村(社区)", "居住地", "居住村(社区)", "现居住村(社区)", "居住地村"}},
	ColResidenceAddress: {"residence_address", []string{"居住地址", "现住址", "家庭住址", "现居住地址", "详细地址", "居住地详细地址"}},
	ColPhone:            {"phone", []string{"联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "本人电话"}},
	ColGuardianName:     {"guardian_name", []string{"监护人或联系人", "监护人", "联系人", "监护人姓名", "联系人姓名", "监护人(联系人)"}},
	ColGuardianRelation: {"guardian_relation", []string{"与监护人关系", "监护人关系", "与联系人关系", "关系", "与残疾人关系"}},
	ColGuardianPhone:    {"guardian_phone", []string{"监护人电话", "联系人电话", "监护人联系电话", "联系人手机"}},
	ColDibao:            {"dibao", []string{"低保", "是否低保", "低保户", "低保对象"}},
	ColTekun:            {"tekun", []string{"特困", "是否特困", "特困人员", "特困供养", "特困供养人员"}},
	ColPoverty:          {"poverty_registered", []string{"建档立卡/监测户", "建档立卡", "监测户", "是否建档立卡", "脱贫户", "建档立卡户"}},
	ColEducation:        {"education", []string{"文化程度", "学历", "受教育程度"}},
	ColEmployment:       {"employment", []string{"就业情况", "就业状况", "就业形式"}},
	ColMarital:          {"marital", []string{"婚姻状况", "婚姻"}},
	ColMedical:          {"medical_insurance", []string{"医疗保险", "参加医疗保险", "医保", "是否参加医保"}},
	ColPension:          {"pension_insurance", []string{"养老保险", "参加养老保险", "养老", "是否参加养老保险"}},
}

// Key is the column's stable name (the API's field name).
func (c ImportColumn) Key() string { return importColumnDefs[c].key }

// LabelKey is the catalogue key of the column's label.
func (c ImportColumn) LabelKey() string { return "registry.import.col." + importColumnDefs[c].key }

// TemplateHeader is the header the template gives the column.
func (c ImportColumn) TemplateHeader() string { return importColumnDefs[c].headers[0] }

// headerIndex maps every known header name to its column.
var headerIndex = func() map[string]ImportColumn {
	m := map[string]ImportColumn{}
	for c, d := range importColumnDefs {
		for _, h := range d.headers {
			m[normaliseHeader(h)] = ImportColumn(c)
		}
	}
	return m
}()

// normaliseHeader makes header texts comparable: no spaces of any width, no
// required-field marks (*, ★, 必填), ASCII parentheses and slash, lower case.
// headerReplacer is built once: building it per call cost a quarter of an
// import's CPU.
var headerReplacer = strings.NewReplacer("（", "(", "）", ")", "／", "/", "、", ",", "＊", "", "*", "", "★", "",
	"(必填)", "", "必填", "")

func normaliseHeader(s string) string {
	s = headerReplacer.Replace(cleanCell(s))
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsSpace(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// recogniseHeader returns the column of a header text: by its name, or
// with a trailing remark in parentheses dropped (身份证号码（18位）).
func recogniseHeader(h string) (ImportColumn, bool) {
	n := normaliseHeader(h)
	if c, ok := headerIndex[n]; ok {
		return c, true
	}
	if i := strings.LastIndex(n, "("); i > 0 && strings.HasSuffix(n, ")") {
		if c, ok := headerIndex[n[:i]]; ok {
			return c, true
		}
	}
	return 0, false
}

// headerSearchRows is how many rows from the top may hold the header: staff
// files carry a title, a unit and a date above it.
const headerSearchRows = 10

// ImportRecord is one row of an import file below the header.
type ImportRecord struct {
	Row   int // as the spreadsheet shows it: 1-based, counting the rows above
	Cells [numImportColumns]string
}

// Blank reports whether the row has nothing in any recognised column.
func (r *ImportRecord) Blank() bool {
	for _, c := range r.Cells {
		if c != "" {
			return false
		}
	}
	return true
}

// ImportSheet is an import file opened for reading: where its header is,
// which columns it has, and its rows one by one.
type ImportSheet struct {
	Sheet     string // the worksheet read ("" for CSV)
	HeaderRow int    // spreadsheet row number of the header
	// Headers is each recognised column's header text as the file has it.
	Headers [numImportColumns]string
	Has     [numImportColumns]bool
	// Ignored lists header texts not recognised (or repeated), which the
	// import leaves alone.
	Ignored []string

	index  [numImportColumns]int // column → cell position
	src    rowSource
	closer func() error
}

// rowSource gives the rows of a file in order with their spreadsheet row
// numbers; io.EOF at the end.
type rowSource interface {
	next() (row int, cells []string, err error)
}

// Header returns the header text of column c as the file has it, or the
// template's header when the file lacks the column.
func (s *ImportSheet) Header(c ImportColumn) string {
	if s.Has[c] {
		return s.Headers[c]
	}
	return c.TemplateHeader()
}

// Next returns the next non-blank row, or io.EOF.
func (s *ImportSheet) Next() (ImportRecord, error) {
	for {
		row, cells, err := s.src.next()
		if err != nil {
			return ImportRecord{}, err
		}
		rec := ImportRecord{Row: row}
		for c := range numImportColumns {
			if s.Has[c] && s.index[c] < len(cells) {
				rec.Cells[c] = cleanCell(cells[s.index[c]])
			}
		}
		if !rec.Blank() {
			return rec, nil
		}
	}
}

// Close releases the file.
func (s *ImportSheet) Close() error {
	if s.closer != nil {
		return s.closer()
	}
	return nil
}

// Import file formats.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// SniffFormat tells an import file's format from its first bytes, never
// from its name (a renamed or mislabelled file is read as what it is): an
// xlsx workbook is a zip archive (PK\x03\x04); any other file without NUL
// bytes in its start is text, read as CSV in UTF-8 or GB18030 (openCSV
// tells which). Anything else — an old .xls, a PDF, a picture, UTF-16
// text — is "" .
func SniffFormat(head []byte) string {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return FormatXLSX
	}
	for _, magic := range notText {
		if bytes.HasPrefix(head, []byte(magic)) {
			return ""
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return ""
	}
	return FormatCSV
}

// notText are the starts of files staff upload by mistake that may have
// no NUL byte early on: PDF, PNG, JPEG, GIF, an old .xls (OLE2), RAR,
// 7-Zip and gzip archives, and UTF-16 text (its byte order marks are no
// GB18030).
var notText = []string{"\xff\xfe", "\xfe\xff", "%PDF", "\x89PNG", "\xff\xd8\xff", "GIF8", "\xd0\xcf\x11\xe0", "Rar!", "7z\xbc\xaf", "\x1f\x8b"}

// sniffLen is how much of a file SniffFormat looks at.
const sniffLen = 512

// SniffReader returns the format of the file r reads and a reader of the
// whole file.
func SniffReader(r io.Reader) (string, io.Reader) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, _ := br.Peek(sniffLen)
	return SniffFormat(head), br
}

// OpenImportFile opens an .xlsx or .csv file of persons and finds its
// header. An xlsx file is read from the first worksheet with a recognised
// header. File problems come back as validate.Errors with catalogue keys.
func OpenImportFile(path, format string) (*ImportSheet, error) {
	switch format {
	case FormatXLSX:
		return openXLSX(path)
	case FormatCSV:
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		s, err := openCSV(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		s.closer = f.Close
		return s, nil
	}
	return nil, fileError("registry.import.error.format")
}

func fileError(key string, args ...any) validate.Errors {
	return validate.Errors{{Field: "registry.import.file", Key: key, Args: args}}
}

func openXLSX(path string) (*ImportSheet, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fileError("registry.import.error.xlsx_unreadable")
	}
	for _, name := range f.GetSheetList() {
		rows, err := f.Rows(name)
		if err != nil {
			continue
		}
		src := &xlsxSource{rows: rows}
		s, err := findHeader(src)
		if err == nil {
			s.Sheet = name
			s.closer = func() error { rows.Close(); return f.Close() }
			return s, nil
		}
		rows.Close()
		var es validate.Errors
		if !errors.As(err, &es) {
			f.Close()
			return nil, err
		}
	}
	f.Close()
	return nil, noHeader()
}

func noHeader() validate.Errors {
	return fileError("registry.import.error.no_header", headerSearchRows)
}

// xlsxSource reads a worksheet as a stream: raw cell values (date serials
// and numbers as stored, not as formatted), so the importer sees what Excel
// did to an ID number.
type xlsxSource struct {
	rows *excelize.Rows
	row  int
}

func (x *xlsxSource) next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return 0, nil, fileError("registry.import.error.xlsx_unreadable")
		}
		return 0, nil, io.EOF
	}
	x.row++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, fileError("registry.import.error.xlsx_unreadable")
	}
	return x.row, cells, nil
}

// openCSV reads a CSV file in UTF-8 (with or without BOM) or, when the
// start of it is not valid UTF-8, in GB18030 (which covers GBK and GB2312,
// what Excel on a Chinese Windows saves).
func openCSV(r io.Reader) (*ImportSheet, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	var in io.Reader = br
	if !validUTF8Prefix(head) {
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	return findHeader(&csvSource{r: cr})
}

// validUTF8Prefix is utf8.Valid, forgiving a character cut at the end.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		if len(b) < 64<<10 {
			return false // the whole file was read: nothing was cut
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// csvSource reads CSV records, numbering them as a spreadsheet shows the
// file: blank lines (which encoding/csv skips) count as rows, the lines
// inside a quoted field do not.
type csvSource struct {
	r        *csv.Reader
	row      int // spreadsheet row of the last record
	lastLine int // last line of the last record
}

func (c *csvSource) next() (int, []string, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, fileError("registry.import.error.csv_unreadable", pe.StartLine)
		}
		return 0, nil, err
	}
	start, _ := c.r.FieldPos(0)
	c.row += start - c.lastLine
	c.lastLine = start
	for _, f := range rec {
		c.lastLine += strings.Count(f, "\n")
	}
	if len(rec) > 0 {
		rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
	}
	return c.row, rec, nil
}

// findHeader reads up to headerSearchRows rows looking for a row with at
// least the name and the ID number column.
func findHeader(src rowSource) (*ImportSheet, error) {
	for range headerSearchRows {
		row, cells, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		s := &ImportSheet{HeaderRow: row, src: src}
		for i, h := range cells {
			if strings.TrimSpace(h) == "" {
				continue
			}
			c, ok := recogniseHeader(h)
			if !ok || s.Has[c] {
				s.Ignored = append(s.Ignored, cleanCell(h))
				continue
			}
			s.Has[c], s.index[c], s.Headers[c] = true, i, cleanCell(h)
		}
		if s.Has[ColName] && s.Has[ColIDNumber] {
			return s, nil
		}
	}
	return nil, noHeader()
}

// cleanCell trims a cell: spaces of every width (full-width U+3000,
// no-break), zero-width characters and a BOM; and unwraps ="…", the way
// some systems keep a long number as text in a CSV file.
func cleanCell(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
			return -1
		case '\u3000', '\u00a0':
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) && len(s) >= 3 {
		s = strings.TrimSpace(s[2 : len(s)-1])
	}
	return s
}

// cleanNumber prepares an identifier (ID, certificate or phone number): a
// leading apostrophe (Excel's text mark, kept by some exports) and inner
// spaces and dashes go.
func cleanNumber(s string) string {
	s = strings.TrimPrefix(s, "'")
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '－' {
			return -1
		}
		if r >= '０' && r <= '９' {
			return '0' + (r - '０')
		}
		return r
	}, s)
}

// ---- values ----

// chineseDigits reads 一…四 (and the banker's 壹…肆, Roman Ⅰ…Ⅳ, I…IV) as 1–4.
var chineseDigits = map[string]int{
	"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
	"壹": 1, "贰": 2, "叁": 3, "肆": 4, "两": 2,
	"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4,
}

// smallNumber reads a number written as a digit (full-width too, "2.0" as
// Excel may store it) or as above.
func smallNumber(s string) (int, bool) {
	s = cleanNumber(s)
	if n, ok := chineseDigits[strings.ToUpper(s)]; ok {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && f >= 0 && f < 100 {
		return int(f), true
	}
	return 0, false
}

// parseCategory reads 肢体, 肢体残疾, 4 (and the older 语言残疾 for 言语).
func parseCategory(s string) (Category, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ReplaceAll(s, " ", ""), "类"), "残疾")
	if n, ok := smallNumber(s); ok {
		return Category(n), Category(n).Valid()
	}
	for c := Vision; c <= Multiple; c++ {
		if s == c.ZH() {
			return c, true
		}
	}
	if s == "语言" {
		return Speech, true
	}
	return 0, false
}

// parseGrade reads 二级, 2级, 2, 贰级, Ⅱ级, 二.
func parseGrade(s string) (Grade, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ReplaceAll(s, " ", ""), "残疾"), "级")
	if n, ok := smallNumber(s); ok {
		return Grade(n), Grade(n).Valid()
	}
	return 0, false
}

// parseSex reads 男/女, 1/2 (GB/T 2261.1), M/F.
func parseSex(s string) (int, bool) {
	switch strings.ToUpper(strings.TrimSuffix(s, "性")) {
	case "男", "1", "M":
		return SexMale, true
	case "女", "2", "F":
		return SexFemale, true
	}
	return 0, false
}

// parseFlag reads a yes/no cell: 是/否, √/×, 1/0, 有/无, Y/N, TRUE/FALSE.
// A blank cell is no.
func parseFlag(s string) (bool, bool) {
	switch strings.ToUpper(strings.ReplaceAll(s, " ", "")) {
	case "是", "√", "✓", "✔", "1", "有", "Y", "YES", "TRUE", "T", "对":
		return true, true
	case "否", "×", "✗", "X", "0", "无", "N", "NO", "FALSE", "F", "", "-", "/", "不是":
		return false, true
	}
	return false, false
}

// excelEpoch is day 0 of Excel's 1900 date system as it counts after
// 28 February 1900 (Excel believes 1900 was a leap year).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseDate reads a date as staff write it or Excel stores it: an Excel
// serial (46027, 46027.5), 2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日,
// 20260105, with or without a time after it. It returns YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i] // a time of day after the date
	}
	if s == "" {
		return "", false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eE") && len(s) != 8 {
		// A serial: 61 is 1900-03-01; below it Excel's invented
		// 1900-02-29 shifts the count, and nobody's card is that old.
		if f < 61 || f >= 2958466 {
			return "", false
		}
		return excelEpoch.AddDate(0, 0, int(f)).Format(time.DateOnly), true
	}
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-", "－", "-").Replace(s)
	var y, m, d int
	if len(s) == 8 && idAllDigits(s) {
		y, _ = strconv.Atoi(s[:4])
		m, _ = strconv.Atoi(s[4:6])
		d, _ = strconv.Atoi(s[6:])
	} else {
		parts := strings.Split(s, "-")
		if len(parts) != 3 {
			return "", false
		}
		var err1, err2, err3 error
		y, err1 = strconv.Atoi(parts[0])
		m, err2 = strconv.Atoi(parts[1])
		d, err3 = strconv.Atoi(parts[2])
		if err1 != nil || err2 != nil || err3 != nil || len(parts[0]) != 4 {
			return "", false
		}
	}
	t, ok := idDate(fmt.Sprintf("%04d%02d%02d", y, m, d))
	if !ok || y < 1900 {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// codeLabels are the Chinese words staff write for the codes of education,
// employment and marital status; the code itself is accepted too.
var (
	educationWords = map[string]string{
		"文盲": "none", "未上学": "none", "没上学": "none", "无": "none", "半文盲": "none", "学龄前": "none", "未受教育": "none",
		"小学": "primary", "初中": "junior", "高中": "senior",
		"中专": "vocational", "中职": "vocational", "职高": "vocational", "技校": "vocational", "中专/中职": "vocational", "中等职业教育": "vocational",
		"大专": "college", "专科": "college", "高职": "college", "大学专科": "college",
		"本科": "bachelor", "大学本科": "bachelor", "大学": "bachelor",
		"研究生": "postgraduate", "硕士": "postgraduate", "博士": "postgraduate", "研究生及以上": "postgraduate",
	}
	employmentWords = map[string]string{
		"按比例": "quota", "按比例就业": "quota", "按比例安排就业": "quota",
		"集中": "centralised", "集中就业": "centralised",
		"个体": "self_employed", "个体就业": "self_employed", "自主创业": "self_employed", "个体(含创业)": "self_employed", "个体含创业": "self_employed", "自主就业创业": "self_employed",
		"公益性岗位": "public_welfare", "公益岗": "public_welfare", "公益性岗位就业": "public_welfare",
		"辅助性就业": "auxiliary", "辅助性": "auxiliary",
		"农村种养加": "rural", "种养加": "rural", "农村种养加就业": "rural", "务农": "rural",
		"灵活就业": "flexible", "灵活": "flexible",
		"未就业": "unemployed", "失业": "unemployed", "无业": "unemployed",
		"非劳动年龄": "not_working_age", "不在劳动年龄": "not_working_age", "非劳动年龄段": "not_working_age",
	}
	maritalWords = map[string]string{
		"未婚": "unmarried", "已婚": "married", "有配偶": "married", "初婚": "married", "再婚": "married",
		"离婚": "divorced", "离异": "divorced", "丧偶": "widowed",
	}
)

// educationLabels, employmentLabels, maritalLabels are the words the
// template's drop-down lists offer, one per code, in code order.
var (
	educationLabels = []codeLabel{{"none", "未上学"}, {"primary", "小学"}, {"junior", "初中"}, {"senior", "高中"},
		{"vocational", "中专"}, {"college", "大专"}, {"bachelor", "本科"}, {"postgraduate", "研究生"}}
	employmentLabels = []codeLabel{{"quota", "按比例就业"}, {"centralised", "集中就业"}, {"self_employed", "个体就业"},
		{"public_welfare", "公益性岗位"}, {"auxiliary", "辅助性就业"}, {"rural", "农村种养加"}, {"flexible", "灵活就业"},
		{"unemployed", "未就业"}, {"not_working_age", "非劳动年龄"}}
	maritalLabels = []codeLabel{{"unmarried", "未婚"}, {"married", "已婚"}, {"divorced", "离婚"}, {"widowed", "丧偶"}}
)

type codeLabel struct{ code, label string }

// labelOf is the Chinese word of a code ("" when unknown).
func labelOf(list []codeLabel, code string) string {
	for _, l := range list {
		if l.code == code {
			return l.label
		}
	}
	return ""
}

// parseCode reads a Chinese word or a code of list.
func parseCode(s string, words map[string]string, list []codeLabel) (string, bool) {
	n := normaliseHeader(s)
	if c, ok := words[n]; ok {
		return c, true
	}
	for _, l := range list {
		if n == l.code || n == normaliseHeader(l.label) {
			return l.code, true
		}
	}
	return "", false
}

// parseComponents reads the parts of a multiple disability: 视力二级、肢体三级,
// 视力2级;肢体3级, 1-2,4-3 (category code - grade code).
func parseComponents(s string) ([]Component, bool) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(",，、;；/ \n", r)
	})
	if len(fields) == 0 {
		return nil, false
	}
	var out []Component
	for _, f := range fields {
		var cat, gr string
		if a, b, ok := strings.Cut(f, "-"); ok {
			cat, gr = a, b
		} else {
			// The grade is the tail: the last one or two characters
			// before 级 (二级, 2级, 贰级), or the last character.
			r := []rune(strings.TrimSuffix(f, "级"))
			if len(r) < 2 {
				return nil, false
			}
			cat, gr = string(r[:len(r)-1]), string(r[len(r)-1:])
		}
		c, okC := parseCategory(cat)
		g, okG := parseGrade(gr)
		if !okC || !okG || c == Multiple {
			return nil, false
		}
		out = append(out, Component{Category: c, Grade: g})
	}
	return out, true
}
