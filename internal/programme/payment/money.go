package payment

import (
	"errors"
	"strconv"
	"strings"
)

// Yuan renders an amount in fen as people read it on a page: ¥1,234.50,
// -¥12.00 for a reversal. Integer arithmetic only, so no float ever
// rounds a fen away.
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign = "-"
		u = uint64(-(fen + 1)) + 1 // safe for math.MinInt64
	}
	return sign + "¥" + group(strconv.FormatUint(u/100, 10)) + "." + twoDigits(u%100)
}

// Decimal renders fen as a plain decimal in yuan with two places
// (1234.50, -12.00): the form of the amount column of a bank file.
func Decimal(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign = "-"
		u = uint64(-(fen + 1)) + 1
	}
	return sign + strconv.FormatUint(u/100, 10) + "." + twoDigits(u%100)
}

func twoDigits(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}

// group puts thousands separators into a string of digits.
func group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// ErrAmount is returned by ParseYuan for anything but a plain amount.
var ErrAmount = errors.New("amount")

// maxFen bounds a single amount (¥10 billion): far above any benefit,
// far below overflow when a batch sums its lines.
const maxFen = 1_000_000_000_000

// ParseYuan reads an amount typed in yuan ("1234.5", "1,234.50", "¥100")
// exactly into fen, without a float.
// More than two decimal places, signs and empty input are errors: an
// amount someone typed is never silently rounded.
func ParseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasDot && frac == "") {
		return 0, ErrAmount
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, ErrAmount
			}
		}
	}
	if len(whole) > 12 {
		return 0, ErrAmount
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrAmount
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	fen := y*100 + f
	if fen > maxFen {
		return 0, ErrAmount
	}
	return fen, nil
}
