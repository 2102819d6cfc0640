package levy

import (
	"math"
	"math/big"
	"testing"
)

// FuzzCalculate: whatever a declaration or the calculator is given —
// negative or huge headcounts and wages, months out of range, any grades —
// the levy never panics, is never negative, is nothing when the quota is
// met or the unit has no staff, and never exceeds the shortfall times the
// capped wage.
func FuzzCalculate(f *testing.F) {
	f.Add(2026, int64(300), int64(9_000_000), int64(8_000_000), 2, 12, 3, false, false)
	f.Add(2026, int64(31), int64(0), int64(0), 1, 6, 1, true, true)
	f.Add(2028, int64(-5), int64(-1), int64(1<<62), 9, 13, 0, false, false)
	f.Add(2024, int64(1<<40), int64(1<<40), int64(1), 4, 0, 2, true, false)
	f.Fuzz(func(t *testing.T, year int, staff, wage, social int64, grade, months, employees int, veteran, notDeclared bool) {
		if employees < 0 || employees > 50 {
			employees %= 50
			if employees < 0 {
				employees = -employees
			}
		}
		set := DefaultSettings(year)
		in := Input{Year: year, Ratio: set.Ratio, Staff: big.NewRat(staff, 1), RoundStaff: set.RoundStaff, AvgWageFen: wage,
			SocialAvgWageFen: social, DoubleGrade: set.DoubleGrade, NotDeclared: notDeclared, Reliefs: set.Reliefs}
		for i := range employees {
			in.Employees = append(in.Employees, Employee{Key: string(rune('a' + i%3)), Label: "x", Grade: grade, Months: months, Veteran: veteran})
		}
		r := Calculate(in)
		if r.AmountFen < 0 {
			t.Fatalf("negative levy %d for %+v", r.AmountFen, in)
		}
		if (r.Tier == TierMet || r.Tier == TierNoStaff || r.Tier == TierSmallUnit) && r.AmountFen != 0 {
			t.Fatalf("tier %s but %d due", r.Tier, r.AmountFen)
		}
		if r.Shortfall != nil && r.AmountFen > 0 && r.AmountFen < math.MaxInt64 {
			// amount ≤ shortfall × capped wage (+1 fen of rounding)
			limit := new(big.Rat).Mul(r.Shortfall, big.NewRat(r.WageUsedFen, 1))
			if new(big.Rat).SetInt64(r.AmountFen-1).Cmp(limit) > 0 {
				t.Fatalf("levy %d above shortfall %s × wage %d", r.AmountFen, r.Shortfall.FloatString(2), r.WageUsedFen)
			}
		}
		if len(r.Steps) == 0 {
			t.Fatal("no steps shown")
		}
	})
}
