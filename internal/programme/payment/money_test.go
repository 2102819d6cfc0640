package payment_test

import (
	"math"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
)

func TestYuan(t *testing.T) {
	for _, c := range []struct {
		fen       int64
		yuan, dec string
	}{
		{0, "¥0.00", "0.00"},
		{5, "¥0.05", "0.05"},
		{50, "¥0.50", "0.50"},
		{100, "¥1.00", "1.00"},
		{3333, "¥33.33", "33.33"},
		{99999, "¥999.99", "999.99"},
		{123450, "¥1,234.50", "1234.50"},
		{100000000, "¥1,000,000.00", "1000000.00"},
		{-1200, "-¥12.00", "-12.00"},
		{-123456789, "-¥1,234,567.89", "-1234567.89"},
		{math.MaxInt64, "¥92,233,720,368,547,758.07", "92233720368547758.07"},
		{math.MinInt64, "-¥92,233,720,368,547,758.08", "-92233720368547758.08"},
	} {
		if got := payment.Yuan(c.fen); got != c.yuan {
			t.Errorf("Yuan(%d) = %q, want %q", c.fen, got, c.yuan)
		}
		if got := payment.Decimal(c.fen); got != c.dec {
			t.Errorf("Decimal(%d) = %q, want %q", c.fen, got, c.dec)
		}
	}
	// Three payments of ¥33.33 make exactly ¥99.99: integer fen, no float.
	var sum int64
	for range 3 {
		fen, err := payment.ParseYuan("33.33")
		if err != nil {
			t.Fatal(err)
		}
		sum += fen
	}
	if payment.Yuan(sum) != "¥99.99" {
		t.Fatalf("3 × ¥33.33 = %s", payment.Yuan(sum))
	}
}

func TestParseYuan(t *testing.T) {
	for _, c := range []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"0", 0, true},
		{"1", 100, true},
		{"1.5", 150, true},
		{"1.05", 105, true},
		{"0.01", 1, true},
		{"1234.50", 123450, true},
		{"1,234.50", 123450, true},
		{"¥100", 10000, true},
		{"￥ 100.10", 10010, true},
		{" 33.33 ", 3333, true},
		{"0.1 ", 10, true},
		{"10000000000", 1000000000000, true},
		{"10000000000.01", 0, false}, // beyond any benefit
		{"", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"1.005", 0, false}, // never rounded silently
		{"-5", 0, false},
		{"+5", 0, false},
		{"1e3", 0, false},
		{"12a", 0, false},
		{"１００", 0, false},
		{"1.2.3", 0, false},
		{"999999999999999999999", 0, false},
	} {
		fen, err := payment.ParseYuan(c.in)
		if (err == nil) != c.ok || fen != c.fen {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d ok=%v", c.in, fen, err, c.fen, c.ok)
		}
	}
}

func TestMaskAccount(t *testing.T) {
	for in, want := range map[string]string{"": "", "1234": "1234", "6228480012345678": "************5678"} {
		if got := payment.MaskAccount(in); got != want {
			t.Errorf("MaskAccount(%q) = %q, want %q", in, got, want)
		}
	}
}
