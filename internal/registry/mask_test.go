package registry_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"341523199001011234", "341523********1234"},
		{"34152319900101123X42", "341523********123X42"},
		{"", ""},
	} {
		if got := registry.MaskIDNumber(c.in); got != c.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"05571234567", "055****4567"},
		{"", ""},
		{"1234", "****"},
	} {
		if got := registry.MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	p := registry.Person{IDNumber: "341523199001011234", CertificateNo: "34152319900101123442", Phone: "13812345678", GuardianPhone: "13900001111"}
	m := p.Masked()
	if m.IDNumber != "341523********1234" || m.CertificateNo != "341523********123442" || m.Phone != "138****5678" || m.GuardianPhone != "139****1111" {
		t.Errorf("Masked = %+v", m)
	}
	if p.IDNumber != "341523199001011234" {
		t.Error("Masked changed the original")
	}
}

func TestPhone(t *testing.T) {
	for _, c := range []struct {
		in, norm string
		valid    bool
	}{
		{"13812345678", "13812345678", true},
		{" 138 1234 5678 ", "13812345678", true},
		{"138-1234-5678", "13812345678", true},
		{"+86 138 1234 5678", "13812345678", true},
		{"１３８１２３４５６７８", "13812345678", true}, // full-width digits
		{"0557-1234567", "05571234567", true},
		{"(010) 12345678", "01012345678", true},
		{"12812345678", "12812345678", false}, // no mobile starts 12
		{"1381234567", "1381234567", false},   // 10 digits
		{"1234567", "1234567", false},         // landline without area code
		{"电话13812345678", "电话13812345678", false},
	} {
		n := registry.NormalizePhone(c.in)
		if n != c.norm || registry.ValidPhone(n) != c.valid {
			t.Errorf("NormalizePhone(%q) = %q valid %v, want %q %v", c.in, n, registry.ValidPhone(n), c.norm, c.valid)
		}
	}
	if got := registry.FormatPhone("05571234567"); got != "0557-1234567" {
		t.Errorf("FormatPhone landline = %s", got)
	}
	if got := registry.FormatPhone("01012345678"); got != "010-12345678" {
		t.Errorf("FormatPhone Beijing = %s", got)
	}
}
