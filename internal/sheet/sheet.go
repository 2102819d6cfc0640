// Package sheet holds what every spreadsheet export shares: the one rule
// that keeps a cell's text from being run as a formula.
package sheet

import "strings"

// Text returns s safe to put in a spreadsheet cell: a value starting with
// = + - @ (or a tab or carriage return, which some spreadsheet programs
// strip before looking) would be run as a formula when the file is opened
// (formula injection, CSV/Excel injection); it gets a leading apostrophe,
// which Excel and WPS show as plain text.
func Text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
