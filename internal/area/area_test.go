package area

import "testing"

func TestPrefixAndLevel(t *testing.T) {
	cases := []struct {
		code, prefix string
		level        Level
		parent       string
	}{
		{"340000000000", "34", Province, ""},
		{"341500000000", "3415", Prefecture, "340000000000"},
		{"341599000000", "341599", County, "341500000000"},
		{"341599101000", "341599101", Township, "341599000000"},
		{"341599101203", "341599101203", Village, "341599101000"},
		{"341599001001", "341599001001", Village, "341599001000"},
		{"341599001000", "341599001", Township, "341599000000"},
	}
	for _, c := range cases {
		if got := Prefix(c.code); got != c.prefix {
			t.Errorf("Prefix(%s) = %s, want %s", c.code, got, c.prefix)
		}
		if got := LevelOf(c.code); got != c.level {
			t.Errorf("LevelOf(%s) = %s, want %s", c.code, got, c.level)
		}
		if got := ParentOf(c.code); got != c.parent {
			t.Errorf("ParentOf(%s) = %s, want %s", c.code, got, c.parent)
		}
	}
}

func TestScope(t *testing.T) {
	town := ScopeOf("341599101000")
	lo, hi := town.Range()
	if lo != "341599101000" || hi != "341599102000" {
		t.Fatalf("range = [%s, %s)", lo, hi)
	}
	in := []string{"341599101000", "341599101001", "341599101599"}
	out := []string{"341599102001", "341599100999", "341598101001", "34159910100"}
	for _, c := range in {
		if !town.Contains(c) || !(c >= lo && c < hi) {
			t.Errorf("%s should be inside township scope", c)
		}
	}
	for _, c := range out {
		if town.Contains(c) {
			t.Errorf("%s should be outside township scope", c)
		}
		if len(c) == 12 && c >= lo && c < hi {
			t.Errorf("%s inside range but not scope", c)
		}
	}
	county := ScopeOf("341599000000")
	if !county.Covers(town) || town.Covers(county) {
		t.Error("county should cover township, not the reverse")
	}
	if !All().Contains("341599101001") || !All().Covers(county) {
		t.Error("All must contain everything")
	}
	vil := ScopeOf("341599101203")
	if lo, hi := vil.Range(); lo != "341599101203" || hi != "341599101204" {
		t.Errorf("village range = [%s, %s)", lo, hi)
	}
	cond, args := town.Filter("village_code", 3)
	if cond != "(village_code >= $3 AND village_code < $4)" || args[0] != "341599101000" || args[1] != "341599102000" {
		t.Errorf("Filter = %s %v", cond, args)
	}
}

func TestKind(t *testing.T) {
	cases := map[string]string{
		"341599001000": "area.kind.subdistrict",
		"341599101000": "area.kind.town",
		"341599201000": "area.kind.township",
		"341599001001": "area.kind.community",
		"341599101203": "area.kind.village",
	}
	for code, want := range cases {
		if got := Kind(code); got != want {
			t.Errorf("Kind(%s) = %s, want %s", code, got, want)
		}
	}
}
