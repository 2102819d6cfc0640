package settings

import (
	"slices"
	"testing"
)

func TestInt(t *testing.T) {
	for _, c := range []struct {
		v        string
		min, max int64
		want     int64
		ok       bool
	}{
		{"7", 7, 365, 7, true},
		{"365", 7, 365, 365, true},
		{"090", 7, 365, 90, true},
		{"+90", 7, 365, 90, true},
		{"6", 7, 365, 0, false},
		{"366", 7, 365, 0, false},
		{"0", 0, 3650, 0, true},
		{"-1", 0, 3650, 0, false},
		{"", 0, 10, 0, false},
		{"三", 1, 5, 0, false},
		{"1.5", 1, 5, 0, false},
		{" 5", 1, 5, 0, false}, // the caller trims
		{"99999999999999999999", 0, 1 << 62, 0, false},
	} {
		got, ok := Int(c.v, c.min, c.max)
		if got != c.want || ok != c.ok {
			t.Errorf("Int(%q, %d, %d) = %d, %v; want %d, %v", c.v, c.min, c.max, got, ok, c.want, c.ok)
		}
	}
}

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		v    string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"50", 5000, true},
		{"50.5", 5050, true},
		{"50.05", 5005, true},
		{"1,200.00", 120000, true},
		{"1，200", 120000, true},
		{"¥30", 3000, true},
		{"￥30元", 3000, true},
		{" 12 ", 1200, true},
		{"100000", 10_000_000, true}, // the maximum
		{"100000.01", 0, false},
		{"12.", 0, false},
		{".5", 0, false},
		{"1.234", 0, false},
		{"-1", 0, false},
		{"1e3", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"1234567890123", 0, false},
	} {
		got, ok := Money(c.v, 0, 10_000_000)
		if got != c.want || ok != c.ok {
			t.Errorf("Money(%q) = %d, %v; want %d, %v", c.v, got, ok, c.want, c.ok)
		}
	}
}

func TestDates(t *testing.T) {
	for _, c := range []struct {
		v              string
		date, monthDay bool
	}{
		{"2026-03-01", true, false},
		{"2024-02-29", true, false},
		{"2026-02-29", false, false},
		{"2026-3-1", false, false},
		{"03-01", false, true},
		{"02-29", false, true}, // comes round in leap years
		{"10-31", false, true},
		{"11-31", false, false},
		{"13-01", false, false},
		{"3-1", false, false},
		{"", false, false},
	} {
		if got := Date(c.v); got != c.date {
			t.Errorf("Date(%q) = %v", c.v, got)
		}
		if got := MonthDay(c.v); got != c.monthDay {
			t.Errorf("MonthDay(%q) = %v", c.v, got)
		}
	}
}

func TestChoiceAndBool(t *testing.T) {
	choices := []string{"round", "exact"}
	for _, c := range []struct {
		v            string
		choice, bool bool
	}{
		{"round", true, false},
		{"exact", true, false},
		{"Round", false, false},
		{"", false, false},
		{"1", false, true},
		{"0", false, true},
		{"true", false, false},
		{"2", false, false},
	} {
		if got := Choice(c.v, choices); got != c.choice {
			t.Errorf("Choice(%q) = %v", c.v, got)
		}
		if got := Bool(c.v); got != c.bool {
			t.Errorf("Bool(%q) = %v", c.v, got)
		}
	}
}

func TestList(t *testing.T) {
	for _, c := range []struct {
		v    string
		want []string
	}{
		{"死亡,康复,弄虚作假", []string{"死亡", "康复", "弄虚作假"}},
		{"死亡，康复， 迁出 ", []string{"死亡", "康复", "迁出"}},
		{"死亡\n康复\n\n", []string{"死亡", "康复"}},
		{" , ，", nil},
		{"", nil},
	} {
		if got := List(c.v); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.v, got, c.want)
		}
	}
}
