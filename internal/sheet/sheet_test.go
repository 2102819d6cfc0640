package sheet

import "testing"

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"张三":                "张三",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+86 138":           "'+86 138",
		"-1":                "'-1",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"a=b":               "a=b",
		"341599":            "341599",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
