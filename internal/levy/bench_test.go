package levy

import (
	"math/big"
	"testing"
)

// BenchmarkCalculate is the levy of RULES.md §4's worked example, for
// benchstat: go test ./internal/levy/ -run '^$' -bench . -count 10
func BenchmarkCalculate(b *testing.B) {
	in := Input{Year: 2026, Ratio: big.NewRat(3, 200), Staff: big.NewRat(500, 1), AvgWageFen: 10_000_000, SocialAvgWageFen: 8_000_000,
		DoubleGrade: 2, Reliefs: reliefs,
		Employees: []Employee{{Key: "a", Label: "甲（肢体二级）", Grade: 2, Months: 12}, {Key: "b", Label: "乙（肢体四级）", Grade: 4, Months: 6}}}
	if got := Calculate(in).AmountFen; got != 45_000_000 {
		b.Fatalf("worked example: %d fen, want 45,000,000", got)
	}
	for b.Loop() {
		Calculate(in)
	}
}

func BenchmarkCheckCreditCode(b *testing.B) {
	for b.Loop() {
		if bad := CheckCreditCode("91350100M000100Y43"); bad != "" {
			b.Fatal(bad)
		}
	}
}
