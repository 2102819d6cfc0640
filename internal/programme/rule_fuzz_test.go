package programme_test

import (
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/programme"
)

// FuzzCompileRule: an eligibility rule typed by staff compiles or is
// refused with an error; a compiled rule evaluates without panicking.
func FuzzCompileRule(f *testing.F) {
	for _, s := range []string{
		"", "true", "age < 18 && category == 4", "grade in [1, 2] || dibao",
		"size(components) > 1", "age >", "1/0 == 1", "\"a\" + 1", "[1,2,3].map(x, x * 2).size() > 0",
		strings.Repeat("(", 3000), strings.Repeat("age + ", 400) + "1 > 0", "x.y.z", "has(foo.bar)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := programme.Compile(text)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", text)
			}
			return
		}
		_, _ = r.Match(&programme.Facts{Age: 40, Sex: 1, Category: 4, Grade: 2, Components: []int64{4}})
	})
}
