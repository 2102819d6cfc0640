package registry

// Disability category and grade (GB/T 26341-2010) and the number of the
// second-generation disability certificate (第二代残疾人证). See RULES.md §3.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Category is the disability category code of GB/T 26341-2010.
type Category int

// Disability categories.
const (
	Vision       Category = 1 // 视力
	Hearing      Category = 2 // 听力
	Speech       Category = 3 // 言语
	Physical     Category = 4 // 肢体
	Intellectual Category = 5 // 智力
	Mental       Category = 6 // 精神
	Multiple     Category = 7 // 多重
)

// Grade is the disability grade, 1 (most severe) to 4.
type Grade int

// Disability grades.
const (
	Grade1 Grade = 1 // 一级
	Grade2 Grade = 2 // 二级
	Grade3 Grade = 3 // 三级
	Grade4 Grade = 4 // 四级
)

var categoryKeys = [...]string{
	Vision:       "vision",
	Hearing:      "hearing",
	Speech:       "speech",
	Physical:     "physical",
	Intellectual: "intellectual",
	Mental:       "mental",
	Multiple:     "multiple",
}

var categoryZH = [...]string{
	Vision:       "视力",
	Hearing:      "听力",
	Speech:       "言语",
	Physical:     "肢体",
	Intellectual: "智力",
	Mental:       "精神",
	Multiple:     "多重",
}

var gradeZH = [...]string{Grade1: "一级", Grade2: "二级", Grade3: "三级", Grade4: "四级"}

// Valid reports whether c is one of the seven categories.
func (c Category) Valid() bool { return c >= Vision && c <= Multiple }

// MessageKey returns the i18n key of the category, e.g. "category.vision",
// or "category.unknown" for an invalid value.
func (c Category) MessageKey() string {
	if !c.Valid() {
		return "category.unknown"
	}
	return "category." + categoryKeys[c]
}

// ZH returns the Chinese name used in exports (视力 … 多重), or "" for an
// invalid value.
func (c Category) ZH() string {
	if !c.Valid() {
		return ""
	}
	return categoryZH[c]
}

// Valid reports whether g is 1–4.
func (g Grade) Valid() bool { return g >= Grade1 && g <= Grade4 }

// Severe reports whether g is grade 1 or 2 (重度).
func (g Grade) Severe() bool { return g == Grade1 || g == Grade2 }

// MessageKey returns the i18n key of the grade, e.g. "grade.1", or
// "grade.unknown" for an invalid value.
func (g Grade) MessageKey() string {
	if !g.Valid() {
		return "grade.unknown"
	}
	return "grade." + strconv.Itoa(int(g))
}

// ZH returns the Chinese name used in exports (一级 … 四级), or "" for an
// invalid value.
func (g Grade) ZH() string {
	if !g.Valid() {
		return ""
	}
	return gradeZH[g]
}

// Component is one category of a 多重 (multiple) disability, kept with its
// own grade.
type Component struct {
	Category Category
	Grade    Grade
}

// MultipleGrade returns the grade of a multiple disability: that of its most
// severe component (lowest number). Components with an invalid grade are
// ignored; with no valid component the result is 0 (not Valid).
func MultipleGrade(components []Component) Grade {
	var best Grade
	for _, c := range components {
		if c.Grade.Valid() && (best == 0 || c.Grade < best) {
			best = c.Grade
		}
	}
	return best
}

// Codes of CertError.
const (
	CertErrEmpty    = "empty"    // nothing entered
	CertErrExcel    = "excel"    // number damaged by Excel
	CertErrChars    = "chars"    // characters other than digits, X and B
	CertErrLength   = "length"   // not 20 characters (+ reissue suffix)
	CertErrID       = "id"       // positions 1–18 are not a valid ID number (Err holds the *IDError)
	CertErrCategory = "category" // position 19 not 1–7
	CertErrGrade    = "grade"    // position 20 not 1–4
	CertErrReissue  = "reissue"  // suffix is not B followed by a number ≥ 1
)

// CertExcelDamageMessage is the message of the CertErrExcel error.
const CertExcelDamageMessage = "Excel 已将残疾人证号转为数字，末位丢失；请将该列设为文本后重新导出"

// CertError is the error returned by ParseCertificateNumber. Message is in
// Chinese and names the problem; Code is one of the CertErr* constants. For
// CertErrID, Err is the underlying *IDError.
type CertError struct {
	Code    string
	Message string
	Err     error
}

func (e *CertError) Error() string { return e.Message }

// Unwrap returns the underlying *IDError, if any.
func (e *CertError) Unwrap() error { return e.Err }

// certParseDay is the "today" used when the ID part of a certificate number
// is checked: the certificate number carries no date of issue, so only the
// structure is checked and a future birth date is not refused here.
var certParseDay = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// CertificateNumber returns the 20-character certificate number: the
// 18-character ID number + category code + grade code, e.g.
// 11010519491231002X with 肢体二级 → 11010519491231002X42. The ID number is
// normalised and a 15-digit legacy number is upgraded to 18 digits. It
// returns "" if the ID number is not valid (as ParseIDNumber, without the
// future-date check) or c or g is not Valid.
func CertificateNumber(idNumber string, c Category, g Grade) string {
	if !c.Valid() || !g.Valid() {
		return ""
	}
	info, err := ParseIDNumber(idNumber, certParseDay)
	if err != nil {
		return ""
	}
	return info.Number + strconv.Itoa(int(c)) + strconv.Itoa(int(g))
}

// ReissueNumber returns the certificate number after the n-th reissue of a
// lost card (补领): base + "B" + n, e.g. …X42B1 (Default rule, RULES.md §3).
// A reissue suffix already on base is replaced; n ≤ 0 returns base without
// a suffix. base is normalised but not otherwise checked.
func ReissueNumber(base string, n int) string {
	b := normalizeCertNumber(base)
	if len(b) > 20 && b[20] == 'B' {
		b = b[:20]
	}
	if n <= 0 {
		return b
	}
	return b + "B" + strconv.Itoa(n)
}

// ParseCertificateNumber splits and checks a certificate number of the form
// ID(18) + category(1) + grade(1) [+ "B" + n]. It returns the normalised
// 18-character ID number, the category, the grade and the reissue count
// (0 for the original card). The input is normalised like an ID number, and
// b, ｂ, Ｂ are read as B. The ID part is checked as by ParseIDNumber except
// that a future birth date is not refused. Errors are *CertError.
func ParseCertificateNumber(s string) (id string, c Category, g Grade, reissue int, err error) {
	n := normalizeCertNumber(s)
	if n == "" {
		return "", 0, 0, 0, &CertError{Code: CertErrEmpty, Message: "请填写残疾人证号"}
	}
	if idScientific.MatchString(n) {
		return "", 0, 0, 0, &CertError{Code: CertErrExcel, Message: CertExcelDamageMessage}
	}
	for i := 0; i < len(n); i++ {
		if ch := n[i]; !idIsDigit(ch) && ch != 'X' && ch != 'B' {
			return "", 0, 0, 0, &CertError{Code: CertErrChars,
				Message: "残疾人证号只能包含数字、身份证号末位的X和补领标记B"}
		}
	}
	if len(n) < 20 || (len(n) > 20 && n[20] != 'B') {
		return "", 0, 0, 0, &CertError{Code: CertErrLength,
			Message: fmt.Sprintf("残疾人证号应为20位（补领的另加B和次数，如B1），实际为%d位", utf8.RuneCountInString(n))}
	}

	info, ierr := ParseIDNumber(n[:18], certParseDay)
	if ierr != nil {
		if IDErrorCode(ierr) == IDErrExcel {
			return "", 0, 0, 0, &CertError{Code: CertErrExcel, Message: CertExcelDamageMessage, Err: ierr}
		}
		return "", 0, 0, 0, &CertError{Code: CertErrID,
			Message: "残疾人证号前18位不是有效的身份证号：" + ierr.Error(), Err: ierr}
	}

	// A 20-digit number that Excel stored keeps 15 significant digits and
	// ends in zeros; category code 0 is then the visible damage.
	c = Category(n[18] - '0')
	if !c.Valid() {
		if idAllDigits(n) && strings.HasSuffix(n, "00") {
			return "", 0, 0, 0, &CertError{Code: CertErrExcel, Message: CertExcelDamageMessage}
		}
		return "", 0, 0, 0, &CertError{Code: CertErrCategory,
			Message: fmt.Sprintf("残疾人证号第19位应为残疾类别代码1–7，实际为%c", n[18])}
	}
	g = Grade(n[19] - '0')
	if !g.Valid() {
		return "", 0, 0, 0, &CertError{Code: CertErrGrade,
			Message: fmt.Sprintf("残疾人证号第20位应为残疾等级代码1–4，实际为%c", n[19])}
	}

	if len(n) > 20 {
		suffix := n[21:]
		r, convErr := strconv.Atoi(suffix)
		if suffix == "" || !idAllDigits(suffix) || suffix[0] == '0' || convErr != nil {
			return "", 0, 0, 0, &CertError{Code: CertErrReissue,
				Message: "残疾人证号补领标记无效：" + n[20:] + "（应为B加补领次数，如B1）"}
		}
		reissue = r
	}
	return info.Number, c, g, reissue, nil
}

// normalizeCertNumber is NormalizeIDNumber plus b, ｂ, Ｂ → B.
func normalizeCertNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 'b' || r == 'ｂ' || r == 'Ｂ' {
			return 'B'
		}
		return r
	}, NormalizeIDNumber(s))
}
