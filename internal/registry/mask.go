package registry

import (
	"regexp"
	"strings"
)

// Phones are kept as digits only: a mobile number (11 digits from 1) or a
// landline with its area code (0 + 2–3 digits, then 7–8 digits).
var (
	mobileRe   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRe = regexp.MustCompile(`^0[1-9][0-9]{8,10}$`)
)

// NormalizePhone keeps the digits of a phone number as typed with spaces,
// hyphens, brackets, full-width digits or a +86 prefix, so one number has
// one stored form to search by. Text without digits is returned trimmed so
// that validation can refuse it.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '（' || r == '）' || r == '　' || r == '－' || r == '+':
		default:
			return s // not a phone number; ValidPhone refuses it
		}
	}
	d := b.String()
	if strings.HasPrefix(s, "+86") || strings.HasPrefix(d, "86") && len(d) == 13 {
		d = strings.TrimPrefix(d, "86")
	}
	return d
}

// ValidPhone reports whether a normalised phone is a mobile or a landline
// with area code.
func ValidPhone(d string) bool { return mobileRe.MatchString(d) || landlineRe.MatchString(d) }

// FormatPhone shows a stored phone: a landline with a hyphen after its area
// code (3 digits for 010 and 02x, else 4), a mobile as is.
func FormatPhone(d string) string {
	if len(d) < 10 || d[0] != '0' {
		return d
	}
	n := 4
	if d[1] == '1' || d[1] == '2' {
		n = 3
	}
	return d[:n] + "-" + d[n:]
}

// MaskIDNumber hides the birth date and sequence of an ID (or certificate)
// number: 341523********1234 — enough to tell two persons apart on a list,
// not enough to be used as theirs.
func MaskIDNumber(n string) string { return maskBirthDate(n) }

// MaskPhone keeps the first 3 and last 4 digits of a phone: 138****5678.
func MaskPhone(d string) string {
	if d == "" {
		return ""
	}
	if len(d) <= 7 {
		return strings.Repeat("*", len(d))
	}
	return d[:3] + strings.Repeat("*", len(d)-7) + d[len(d)-4:]
}

// Masked returns p with ID number, certificate number and phones masked,
// as everyone without registry.unmask sees it (and holders until they ask
// for the full values).
func (p Person) Masked() Person {
	p.IDNumber = MaskIDNumber(p.IDNumber)
	p.CertificateNo = MaskIDNumber(p.CertificateNo)
	p.Phone = MaskPhone(p.Phone)
	p.GuardianPhone = MaskPhone(p.GuardianPhone)
	return p
}
