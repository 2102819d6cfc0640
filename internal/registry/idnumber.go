package registry

// Resident ID numbers (居民身份证号码, GB 11643-1999). See RULES.md §1.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Codes of IDError. The UI may branch on them; the Message is already
// written for the user.
const (
	IDErrEmpty    = "empty"    // nothing entered
	IDErrLength   = "length"   // not 18 (or 15) characters
	IDErrChars    = "chars"    // characters other than digits (and a final X)
	IDErrBirth    = "birth"    // birth date is not a real date, or before 1900-01-01
	IDErrFuture   = "future"   // birth date after today
	IDErrProvince = "province" // first two digits are not a province code
	IDErrCheck    = "check"    // ISO 7064 MOD 11-2 check character wrong
	IDErrExcel    = "excel"    // number damaged by Excel (scientific notation / lost digits)
)

// ExcelDamageMessage is the message of the IDErrExcel error (RULES.md §1).
const ExcelDamageMessage = "Excel 已将身份证号转为数字，末位丢失；请将该列设为文本后重新导出"

// IDError is the error returned by ParseIDNumber. Message is in Chinese and
// names the problem; Code is one of the IDErr* constants.
type IDError struct {
	Code    string
	Message string
}

func (e *IDError) Error() string { return e.Message }

// IDErrorCode returns the Code of an *IDError found in err's chain, or "".
func IDErrorCode(err error) string {
	var e *IDError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IDInfo is a parsed, valid resident ID number.
type IDInfo struct {
	Number    string    // 18 characters, normalised (a legacy number is upgraded)
	AreaCode  string    // positions 1–6, the code in force when the number was issued
	BirthDate time.Time // calendar date, 00:00 UTC
	Sex       int       // 1 male, 2 female (GB/T 2261.1)
	Legacy15  bool      // the input was a 15-digit legacy number
}

// Sex codes of GB/T 2261.1.
const (
	SexMale   = 1
	SexFemale = 2
)

// Age returns the age in full years (周岁) on the given day, taking the
// calendar date of on in its own location. The age goes up on the birthday
// itself; a person born on 29 February becomes a year older on 1 March in
// common years. Before the birth date the result is 0.
func (i IDInfo) Age(on time.Time) int {
	by, bm, bd := i.BirthDate.Date()
	oy, om, od := on.Date()
	age := oy - by
	if om < bm || (om == bm && od < bd) {
		age--
	}
	if age < 0 {
		return 0
	}
	return age
}

// idWeights are the ISO 7064 MOD 11-2 weights of positions 1–17.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps S mod 11 to the check character.
const idCheckChars = "10X98765432"

// idProvinces is the GB/T 2260 province-level set accepted in positions 1–2.
var idProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// idScientific matches a number that Excel printed in scientific notation,
// e.g. 3.41523E+17 (after NormalizeIDNumber, so no spaces).
var idScientific = regexp.MustCompile(`^[0-9](\.[0-9]*)?[eE]\+?[0-9]{1,3}$`)

// IDCheckChar returns the check character ('0'–'9' or 'X') for the first 17
// digits of an ID number. It returns 0 if first17 is not exactly 17 ASCII
// digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 || !idAllDigits(first17) {
		return 0
	}
	s := 0
	for i := 0; i < 17; i++ {
		s += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[s%11]
}

// NormalizeIDNumber trims the input, removes all whitespace inside it
// (including the full-width space U+3000) and invisible format characters
// (zero-width space, BOM), turns full-width digits ０–９ into ASCII and
// x, ｘ, Ｘ into X. It does not validate.
func NormalizeIDNumber(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '\u200b', r == '\u200c', r == '\u200d', r == '\u2060', r == '\ufeff':
			// dropped
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + (r - '０')))
		case r == 'x', r == 'ｘ', r == 'Ｘ':
			b.WriteByte('X')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParseIDNumber normalises and validates a resident ID number and returns
// what it encodes. today is the day against which a future birth date is
// refused. 15-digit legacy numbers are accepted and upgraded to 18 digits
// ("19" inserted before the year, check character computed).
//
// Checked: length, characters, province (positions 1–2; the full 6-digit
// area code is never checked, so abolished codes pass), birth date (a real
// date, not before 1900-01-01 and not after today) and the check character.
// Numbers damaged by Excel (3.41523E+17, or 18 digits ending in 00 with a
// wrong check character) get the IDErrExcel error. All errors are *IDError.
func ParseIDNumber(raw string, today time.Time) (IDInfo, error) {
	n := NormalizeIDNumber(raw)
	if n == "" {
		return IDInfo{}, &IDError{Code: IDErrEmpty, Message: "请填写身份证号"}
	}
	if idScientific.MatchString(n) {
		return IDInfo{}, &IDError{Code: IDErrExcel, Message: ExcelDamageMessage}
	}

	legacy := false
	switch utf8.RuneCountInString(n) {
	case 18:
		if !idAllDigits(n[:17]) || !(idIsDigit(n[17]) || n[17] == 'X') {
			return IDInfo{}, &IDError{Code: IDErrChars, Message: "身份证号只能包含数字，最后一位可为X"}
		}
	case 15:
		if !idAllDigits(n) {
			return IDInfo{}, &IDError{Code: IDErrChars, Message: "15位旧身份证号只能包含数字"}
		}
		legacy = true
	default:
		return IDInfo{}, &IDError{Code: IDErrLength,
			Message: fmt.Sprintf("身份证号应为18位（或15位旧号），实际为%d位", utf8.RuneCountInString(n))}
	}

	if !idProvinces[n[:2]] {
		return IDInfo{}, &IDError{Code: IDErrProvince, Message: "身份证号前两位不是有效的省级代码：" + n[:2]}
	}

	var first17 string
	if legacy {
		first17 = n[:6] + "19" + n[6:15]
	} else {
		first17 = n[:17]
	}

	ymd := first17[6:14]
	birth, ok := idDate(ymd)
	if !ok || birth.Year() < 1900 {
		return IDInfo{}, &IDError{Code: IDErrBirth, Message: "身份证号中的出生日期无效：" + ymd}
	}
	ty, tm, td := today.Date()
	if birth.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return IDInfo{}, &IDError{Code: IDErrFuture, Message: "出生日期晚于今天"}
	}

	want := IDCheckChar(first17)
	if legacy {
		n = first17 + string(want)
	} else if n[17] != want {
		if idAllDigits(n) && strings.HasSuffix(n, "00") {
			return IDInfo{}, &IDError{Code: IDErrExcel, Message: ExcelDamageMessage}
		}
		return IDInfo{}, &IDError{Code: IDErrCheck,
			Message: fmt.Sprintf("身份证号校验位错误：应为%c，实际为%c", want, n[17])}
	}

	sex := SexFemale
	if (first17[16]-'0')%2 == 1 {
		sex = SexMale
	}
	return IDInfo{
		Number:    n,
		AreaCode:  n[:6],
		BirthDate: birth,
		Sex:       sex,
		Legacy15:  legacy,
	}, nil
}

// MakeIDNumber builds a valid 18-character ID number, for demo and test
// data. seq3 (0–999) is the sequence; its last digit is moved to the nearest
// digit of the right parity (odd for SexMale, even for SexFemale: 0→1, 1→0,
// 8→9, 9→8). It panics if area6 is not 6 digits, the birth year is not
// within 1000–9999, seq3 is out of range or sex is not 1 or 2 (programmer
// errors).
func MakeIDNumber(area6 string, birth time.Time, seq3 int, sex int) string {
	if len(area6) != 6 || !idAllDigits(area6) {
		panic("registry.MakeIDNumber: area code must be 6 digits: " + strconv.Quote(area6))
	}
	if seq3 < 0 || seq3 > 999 {
		panic(fmt.Sprintf("registry.MakeIDNumber: sequence out of range 0–999: %d", seq3))
	}
	y, m, d := birth.Date()
	if y < 1000 || y > 9999 {
		panic(fmt.Sprintf("registry.MakeIDNumber: birth year out of range: %d", y))
	}
	switch sex {
	case SexMale:
		if seq3%2 == 0 {
			seq3++
		}
	case SexFemale:
		if seq3%2 == 1 {
			seq3--
		}
	default:
		panic(fmt.Sprintf("registry.MakeIDNumber: sex must be 1 or 2: %d", sex))
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", area6, y, int(m), d, seq3)
	return first17 + string(IDCheckChar(first17))
}

// idDate parses YYYYMMDD as a real calendar date (00:00 UTC).
func idDate(ymd string) (time.Time, bool) {
	y, _ := strconv.Atoi(ymd[0:4])
	m, _ := strconv.Atoi(ymd[4:6])
	d, _ := strconv.Atoi(ymd[6:8])
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false // e.g. 0230 normalised to 0302
	}
	return t, true
}

func idIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func idAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idIsDigit(s[i]) {
			return false
		}
	}
	return true
}
