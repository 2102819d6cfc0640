package levy

import "testing"

// FuzzCreditCode: normalising and checking never panic; an accepted code is
// 18 characters and is its own normal form.
func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"", "91341522MA2N0XXXXX", "91341522 ma2n0xxxx x", "９１３４１５２２", "91341522MA2N0A1B2C",
		"IOSVZ0000000000000", "=1+1", "\x00\xff\xfe", "913415221234567890123"} {
		f.Add(s)
	}
	f.Add(MakeCreditCode("91", "341522", "MA2N0A1B"))
	f.Fuzz(func(t *testing.T, raw string) {
		n := NormalizeCreditCode(raw)
		if CheckCreditCode(n) != "" {
			return
		}
		if len(n) != 18 || NormalizeCreditCode(n) != n {
			t.Fatalf("%q accepted as %q", raw, n)
		}
	})
}
