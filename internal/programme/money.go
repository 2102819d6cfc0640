package programme

import (
	"errors"
	"strconv"
	"strings"
)

// Money is kept in fen (分) as int64 everywhere; these two functions are
// the only place yuan text is read or written, without a float.

// ParseYuan reads an amount in yuan ("20000", "1,234.5", "¥50.00") as fen.
// At most two decimals; no negative amounts.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "", " ", "").Replace(s))
	if s == "" {
		return 0, errors.New("empty")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, errors.New("format")
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, errors.New("format")
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if hasFrac {
		for len(frac) < 2 {
			frac += "0"
		}
		f, _ = strconv.ParseInt(frac, 10, 64)
	}
	return w*100 + f, nil
}

// Yuan writes fen as yuan with two decimals and thousands separators:
// 2000000 → "20,000.00".
func Yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	w := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range w {
		if i > 0 && (len(w)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	f := fen % 100
	out := b.String() + "." + string(rune('0'+f/10)) + string(rune('0'+f%10))
	if neg {
		return "-" + out
	}
	return out
}

// YuanPlain writes fen for an input's value: "20000.50", "100".
func YuanPlain(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	s := Yuan(fen)
	return strings.ReplaceAll(s, ",", "")
}
