package i18n

import "testing"

// Every key must exist in every language, so no page shows a raw key.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	for _, l := range Langs {
		for _, k := range Keys(ZH) {
			if !Has(l, k) {
				t.Errorf("%s: missing key %s", l, k)
			}
		}
		for _, k := range Keys(l) {
			if !Has(ZH, k) {
				t.Errorf("zh-CN: missing key %s (present in %s)", k, l)
			}
		}
	}
	if len(Keys(ZH)) < 50 {
		t.Fatalf("catalogue suspiciously small: %d keys", len(Keys(ZH)))
	}
}

func TestParseAndFallback(t *testing.T) {
	cases := map[string]Lang{"en-US": EN, "en": EN, "zh-CN": ZH, "": ZH, "fr": ZH}
	for in, want := range cases {
		if got := Parse(in); got != want {
			t.Errorf("Parse(%q) = %s, want %s", in, got, want)
		}
	}
	if got := T(EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key rendered as %q", got)
	}
	if got := T(ZH, "app.name"); got != "阳光" {
		t.Errorf("app.name zh = %q", got)
	}
}
