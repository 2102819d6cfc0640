package registry

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseIDNumber: any input gives an *IDError or a number that is
// well formed — 18 characters, a check character that matches, a birth
// date not after today — and parses to itself again.
func FuzzParseIDNumber(f *testing.F) {
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"", "34152219800101001X", "34152219800101001x", "341522198001010011", "341522800101001",
		"3.41523E+17", "341522198001010000", " 3415 2219 8001 0100 1X ", "３４１５２２１９８００１０１００１Ｘ",
		"341522190002290013", "341522202612310010", "99152219800101001X", "=cmd|' /C calc'!A0", "\x00\xff",
		strings.Repeat("9", 500),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		info, err := ParseIDNumber(raw, today)
		if err != nil {
			var ie *IDError
			if !errors.As(err, &ie) || ie.Message == "" {
				t.Fatalf("%q: error %T %v is not an *IDError with a message", raw, err, err)
			}
			return
		}
		n := info.Number
		if len(n) != 18 || IDCheckChar(n[:17]) != n[17] {
			t.Fatalf("%q accepted as %q", raw, n)
		}
		if info.BirthDate.After(today) || info.BirthDate.Year() < 1900 || (info.Sex != 1 && info.Sex != 2) {
			t.Fatalf("%q: birth %s sex %d", raw, info.BirthDate, info.Sex)
		}
		again, err := ParseIDNumber(n, today)
		if err != nil || again.Number != n || !again.BirthDate.Equal(info.BirthDate) {
			t.Fatalf("%q: normalised %q does not parse to itself: %v", raw, n, err)
		}
	})
}
