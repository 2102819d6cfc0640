package programme

import "testing"

// BenchmarkRuleMatch evaluates every shipped programme's eligibility rule
// (CEL, compiled once) for one person, as the radar does for each person
// of the register: go test ./internal/programme/ -run '^$' -bench . -count 10
func BenchmarkRuleMatch(b *testing.B) {
	var rules []*Rule
	for _, p := range Shipped {
		r, err := Compile(p.Rule)
		if err != nil {
			b.Fatalf("%s: %v", p.Code, err)
		}
		rules = append(rules, r)
	}
	f := &Facts{Age: 12, Sex: 1, Category: 4, Grade: 2, Dibao: true, Village: "341599101201", Township: "341599101000",
		Status: "active", Tags: []string{TagCerebralPalsy}, Enrolments: []string{CodeLivingSubsidy}}
	for b.Loop() {
		for _, r := range rules {
			if _, err := r.Match(f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	rule := Shipped[0].Rule
	for b.Loop() {
		if _, err := Compile(rule); err != nil {
			b.Fatal(err)
		}
	}
}
