// Package area keeps the administrative areas (行政区划): county → township
// (乡镇/街道) → village (村/社区), identified by the 12-digit statistical
// division code (统计用区划代码), and the region scope every account and
// query is limited to.
package area

import (
	"fmt"
	"strconv"
	"strings"
)

// Level of an area in the tree.
type Level string

const (
	Province   Level = "province"
	Prefecture Level = "prefecture"
	County     Level = "county"
	Township   Level = "township" // 乡镇/街道
	Village    Level = "village"  // 村/社区
)

// Area is one administrative area.
type Area struct {
	Code       string // 12 digits
	Name       string
	Level      Level
	ParentCode string
}

// groups are the digit widths of the 12-digit code: province, prefecture,
// county, township, village.
var groups = []int{2, 2, 2, 3, 3}

// Prefix returns the significant digits of a 12-digit code: "34" for a
// province, "341599" for a county, "341599101" for a township, all 12 for a
// village. Records below an area are exactly those whose village code starts
// with its prefix.
func Prefix(code string) string {
	end := 12
	for i := len(groups) - 1; i > 0; i-- {
		start := end - groups[i]
		if strings.Trim(code[start:end], "0") != "" {
			break
		}
		end = start
	}
	return code[:end]
}

// LevelOf derives the level from the code's structure.
func LevelOf(code string) Level {
	switch len(Prefix(code)) {
	case 2:
		return Province
	case 4:
		return Prefecture
	case 6:
		return County
	case 9:
		return Township
	default:
		return Village
	}
}

// ValidCode reports whether s is 12 ASCII digits with a non-zero province.
func ValidCode(s string) bool {
	if len(s) != 12 || s[:2] == "00" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParentOf returns the code of the area directly above code at the given
// level structure ("" for a province).
func ParentOf(code string) string {
	p := Prefix(code)
	switch len(p) {
	case 2:
		return ""
	case 4, 6:
		p = p[:len(p)-2]
	default:
		p = p[:len(p)-3]
	}
	return p + strings.Repeat("0", 12-len(p))
}

// Kind names the type of a township or village from its code (RULES.md §2):
// township 001–099 街道, 100–199 镇, 200–399 乡; village 001–199 居委会,
// 200–399 村委会. It returns an i18n key.
func Kind(code string) string {
	switch LevelOf(code) {
	case Township:
		n, _ := strconv.Atoi(code[6:9])
		switch {
		case n < 100:
			return "area.kind.subdistrict"
		case n < 200:
			return "area.kind.town"
		case n < 400:
			return "area.kind.township"
		}
		return "area.kind.other_township"
	case Village:
		n, _ := strconv.Atoi(code[9:12])
		switch {
		case n < 200:
			return "area.kind.community"
		case n < 400:
			return "area.kind.village"
		}
		return "area.kind.other_village"
	}
	return "area.level." + string(LevelOf(code))
}

// Scope is the part of the tree an account may see and change, as the prefix
// of 12-digit codes. The empty scope is everything (a province deployment's
// top administrator). Scope is the one place region access is decided: every
// query of regional records filters with Range, every single-record access
// checks Contains.
type Scope struct {
	prefix string
}

// ScopeOf returns the scope of an area code ("" for everything).
func ScopeOf(code string) Scope {
	if code == "" {
		return Scope{}
	}
	return Scope{prefix: Prefix(code)}
}

// All is the unlimited scope.
func All() Scope { return Scope{} }

// IsAll reports whether the scope is unlimited.
func (s Scope) IsAll() bool { return s.prefix == "" }

// Code is the 12-digit code of the scope's area ("" for everything).
func (s Scope) Code() string {
	if s.prefix == "" {
		return ""
	}
	return s.prefix + strings.Repeat("0", 12-len(s.prefix))
}

// Contains reports whether an area code lies inside the scope.
func (s Scope) Contains(code string) bool {
	return len(code) == 12 && strings.HasPrefix(code, s.prefix)
}

// Covers reports whether every area of other is inside s.
func (s Scope) Covers(other Scope) bool { return strings.HasPrefix(other.prefix, s.prefix) }

// Range returns the half-open interval [lo, hi) of 12-digit codes in the
// scope. Filtering with "code >= lo AND code < hi" uses the index on both
// engines, where LIKE 'prefix%' does not (DB-BASELINE.md).
func (s Scope) Range() (lo, hi string) {
	if s.prefix == "" {
		return "000000000000", "999999999999A"
	}
	n, _ := strconv.ParseUint(s.prefix, 10, 64)
	next := fmt.Sprintf("%0*d", len(s.prefix), n+1)
	pad := strings.Repeat("0", 12-len(s.prefix))
	return s.prefix + pad, next + pad
}

// Filter returns an SQL condition limiting column to the scope, with its
// two arguments numbered from argN (for $N placeholders).
func (s Scope) Filter(column string, argN int) (string, []any) {
	lo, hi := s.Range()
	return fmt.Sprintf("(%s >= $%d AND %s < $%d)", column, argN, column, argN+1), []any{lo, hi}
}

func (s Scope) String() string {
	if s.prefix == "" {
		return "*"
	}
	return s.prefix
}
