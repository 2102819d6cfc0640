package levy

import (
	"strings"
	"unicode"
)

// creditChars is the 31-character set of the unified social credit code
// (统一社会信用代码, GB 32100-2015): digits and capitals without I, O, S, V, Z.
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are 3^i mod 31 for the first 17 positions.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode trims the input, drops spaces inside it, turns
// full-width characters into ASCII and letters into capitals. It does not
// validate.
func NormalizeCreditCode(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '-':
			continue
		case r >= '！' && r <= '～': // full-width ASCII block
			r -= 0xFEE0
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// CreditCheckChar returns the check character for the first 17 characters
// of a credit code: 31 − (Σ value × weight mod 31), where 31 becomes 0.
// It returns 0 when first17 is not 17 characters of the set.
func CreditCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditChars, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditChars[c]
}

// Credit code problems, each an i18n key under levy.error.
const (
	CreditErrEmpty  = "credit_empty"  // nothing given
	CreditErrLength = "credit_length" // not 18 characters
	CreditErrChar   = "credit_char"   // a character outside the set (I, O, S, V, Z, …)
	CreditErrCheck  = "credit_check"  // the 18th character does not match
)

// CheckCreditCode validates a normalised credit code and returns "" or
// one of the CreditErr codes.
func CheckCreditCode(code string) string {
	switch {
	case code == "":
		return CreditErrEmpty
	case len(code) != 18:
		return CreditErrLength
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditChars, code[i]) < 0 {
			return CreditErrChar
		}
	}
	if CreditCheckChar(code[:17]) != code[17] {
		return CreditErrCheck
	}
	return ""
}

// orgWeights and orgCheck make the check character of the 9-character
// organisation code (组织机构代码, GB 11714) inside a credit code; only the
// demo uses them, so its codes look like real ones.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

func orgCheckChar(first8 string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := first8[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// MakeCreditCode builds a valid credit code from the registration
// authority and type (e.g. "91" for an enterprise), the 6-digit county code
// and an 8-character organisation serial; the two check characters are
// computed. Used by the demo and tests.
func MakeCreditCode(authorityType, county6, serial8 string) string {
	org := serial8 + string(orgCheckChar(serial8))
	first := authorityType + county6 + org
	return first + string(CreditCheckChar(first))
}
