package settings

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The checks of one typed value, each a plain function. They do not trim:
// Table.Check trims what staff typed before calling them.

// Int reads a whole number from min to max.
func Int(v string, min, max int64) (int64, bool) {
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil || i < min || i > max {
		return 0, false
	}
	return i, true
}

// Money reads an amount typed in yuan (see ParseYuan) as fen, from min to
// max fen.
func Money(v string, min, max int64) (int64, bool) {
	fen, ok := ParseYuan(v)
	if !ok || fen < min || fen > max {
		return 0, false
	}
	return fen, true
}

// ParseYuan reads an amount in yuan as staff type it ("50", "50.5",
// "1,200.00", "¥30") into fen, exactly: money is never a float. ok is
// false for anything else, a negative amount or more than two decimals.
func ParseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "").Replace(s))
	if s == "" {
		return 0, false
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") || len(whole) > 12 {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, false
			}
		}
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return y*100 + f, true
}

// Date reports whether v is a day written YYYY-MM-DD.
func Date(v string) bool {
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

// MonthDay reports whether v is a day of any year written MM-DD; 02-29
// counts, as it comes round in leap years.
func MonthDay(v string) bool {
	_, err := time.Parse(time.DateOnly, "2024-"+v)
	return err == nil && len(v) == 5
}

// Choice reports whether v is one of choices.
func Choice(v string, choices []string) bool { return slices.Contains(choices, v) }

// Bool reports whether v is a stored yes or no: "1" or "0".
func Bool(v string) bool { return v == "0" || v == "1" }

// List splits a list typed with commas (ASCII or Chinese) or one item a
// line, dropping blanks.
func List(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
