package levy

import (
	"math/big"
	"strings"
	"testing"
)

func TestCreditCode(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"91350100M000100Y43", ""},     // the standard's published example
		{"91440300708461136T", ""},     // computed, real format
		{"113415990031987656", ""},     // an organ (机关) of the demo county
		{" 9135 0100-m000100y43 ", ""}, // spaces, hyphen, small letters normalised
		{"９１３５０１００Ｍ０００１００Ｙ４３", ""},     // full width
		{"91350100M000100Y44", CreditErrCheck},
		{"91350100M000100Y34", CreditErrCheck}, // two characters swapped
		{"91350100M000100Y4", CreditErrLength},
		{"91350100M000100Y43A", CreditErrLength},
		{"91350100I000100Y43", CreditErrChar}, // I is not in the set
		{"91350100O000100Y43", CreditErrChar},
		{"", CreditErrEmpty},
	} {
		if got := CheckCreditCode(NormalizeCreditCode(c.in)); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	// A check character of 31 becomes 0, and every code MakeCreditCode
	// builds is valid.
	for _, s := range []string{"10000000", "A1B2C3D4", "MA1FL2X5", "00000001"} {
		code := MakeCreditCode("91", "341599", s)
		if CheckCreditCode(code) != "" {
			t.Errorf("made code %s invalid", code)
		}
	}
	zero := 0
	for i := 0; i < 3000 && zero == 0; i++ {
		code := MakeCreditCode("91", "341599", strings.Repeat("0", 8-len(itoa(i)))+itoa(i))
		if code[17] == '0' {
			zero++
		}
	}
	if zero == 0 {
		t.Error("no code with check character 0 found: the 31 → 0 rule is untested")
	}
}

// pct is a percentage as an exact ratio.
func pct(s string) *big.Rat {
	r, ok := ParsePercent(s)
	if !ok {
		panic(s)
	}
	return r
}

var reliefs = Reliefs{From: "2020-01-01", To: "2027-12-31", SmallUnitMax: 30, LowRatio: pct("1"), HalfShare: pct("50"), LowShare: pct("90")}

func staffOf(n int64) *big.Rat { return big.NewRat(n, 1) }

func emp(key string, grade, months int) Employee {
	return Employee{Key: key, Label: key, Grade: grade, Months: months}
}

// The worked examples of RULES.md §4 and every edge the issue lists.
func TestCalculate(t *testing.T) {
	base := func() Input {
		return Input{Year: 2026, Ratio: pct("1.5"), Staff: staffOf(500), RoundStaff: true, AvgWageFen: 100000_00, SocialAvgWageFen: 80000_00,
			DoubleGrade: 2, Reliefs: reliefs}
	}
	with := func(f func(*Input)) Input { in := base(); f(&in); return in }
	for _, c := range []struct {
		name    string
		in      Input
		fen     int64
		tier    Tier
		counted string
		step    string // a step that must appear
	}{
		{"worked example ¥450,000", with(func(in *Input) { in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)} }),
			450000_00, TierNinety, "2.5", "5 × 100,000.00 × 90% = 450,000.00 元"},
		{"worked example ¥125,000: exactly 1 %", with(func(in *Input) { in.Employees = []Employee{emp("a", 1, 12), emp("b", 2, 12), emp("c", 3, 12)} }),
			125000_00, TierHalf, "5", "= 1%，不低于 1%"},
		{"just under 1 %", with(func(in *Input) {
			in.Employees = []Employee{emp("a", 1, 12), emp("b", 2, 12), emp("c", 3, 11)}
		}), 232500_00, TierNinety, "≈4.9167", "低于 1%"},
		{"at quota", with(func(in *Input) {
			in.Employees = []Employee{emp("a", 1, 12), emp("b", 2, 12), emp("c", 1, 12), emp("d", 3, 12), emp("e", 4, 6)}
		}), 0, TierMet, "7.5", "无需缴纳"},
		{"over quota", with(func(in *Input) {
			in.Employees = []Employee{emp("a", 1, 12), emp("b", 2, 12), emp("c", 1, 12), emp("d", 2, 12)}
		}), 0, TierMet, "8", "无需缴纳"},
		{"30 staff exempt", with(func(in *Input) { in.Staff = staffOf(30) }), 0, TierSmallUnit, "0", "暂免征收"},
		{"31 staff pay", with(func(in *Input) { in.Staff = staffOf(31) }), 41850_00, TierNinety, "0", "31 × 1.5% = 0.465 人"},
		{"wage cap binding", with(func(in *Input) {
			in.AvgWageFen = 200000_00
			in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)}
		}), 720000_00, TierNinety, "2.5", "超过当地社会平均工资 80,000.00 元的 2 倍（160,000.00 元），按 160,000.00 元计算"},
		{"wage exactly at the cap", with(func(in *Input) {
			in.AvgWageFen = 160000_00
			in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)}
		}), 720000_00, TierNinety, "2.5", "未超过"},
		{"part-year", with(func(in *Input) { in.Staff = staffOf(100); in.Employees = []Employee{emp("a", 3, 7)} }),
			82500_00, TierNinety, "≈0.5833", "在岗 7 个月，计 1 × 7 ÷ 12"},
		{"grade 1–2 double", with(func(in *Input) { in.Staff = staffOf(200); in.Employees = []Employee{emp("a", 1, 12)} }),
			50000_00, TierHalf, "2", "一级，按 2 人计算"},
		{"grade 3 single", with(func(in *Input) { in.Staff = staffOf(200); in.Employees = []Employee{emp("a", 3, 12)} }),
			180000_00, TierNinety, "1", "三级，按 1 人计算"},
		{"veteran grade 3 double", with(func(in *Input) {
			in.Staff = staffOf(200)
			in.Employees = []Employee{{Key: "v", Label: "v", Grade: 3, Months: 12, Veteran: true}}
		}), 50000_00, TierHalf, "2", "残疾军人三级"},
		{"dispatched worker counted once", with(func(in *Input) {
			in.Staff = staffOf(200)
			in.Employees = []Employee{emp("x", 3, 12), emp("x", 3, 12)}
		}), 180000_00, TierNinety, "1", "同一人只计算一次"},
		{"not qualifying", with(func(in *Input) {
			in.Staff = staffOf(200)
			in.Employees = []Employee{{Key: "a", Label: "a", Grade: 1, Months: 12, NotCounted: "未缴纳社会保险"}}
		}), 270000_00, TierNinety, "0", "不计入（未缴纳社会保险）"},
		{"not declared", with(func(in *Input) {
			in.NotDeclared = true
			in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)}
		}), 675000_00, TierNinety, "0", "按未安排残疾人就业计算"},
		{"reliefs over: full amount", with(func(in *Input) { in.Year = 2028; in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)} }),
			500000_00, TierFull, "2.5", "全额征收"},
		{"reliefs over: small unit pays", with(func(in *Input) { in.Year = 2028; in.Staff = staffOf(20) }),
			30000_00, TierFull, "0", "全额征收"},
		{"first relief year", with(func(in *Input) { in.Year = 2020; in.Staff = staffOf(20) }), 0, TierSmallUnit, "0", "暂免征收"},
		{"no staff", with(func(in *Input) { in.Staff = staffOf(0) }), 0, TierNoStaff, "0", "没有在职职工"},
		{"monthly headcounts rounded", with(func(in *Input) {
			in.Staff = nil
			in.Headcounts = []int{500, 500, 500, 500, 500, 500, 501, 501, 501, 501, 501, 501} // 500.5 → 501
			in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)}
		}), 451350_00, TierNinety, "2.5", "6006 ÷ 12 = 500.5，四舍五入取整为 501 人"},
		{"monthly headcounts exact (setting)", with(func(in *Input) {
			in.Staff = nil
			in.RoundStaff = false
			in.Headcounts = []int{500, 500, 500, 500, 500, 500, 501, 501, 501, 501, 501, 501}
			in.Employees = []Employee{emp("a", 2, 12), emp("b", 4, 6)}
		}), 450675_00, TierNinety, "2.5", "= 500.5 人"},
		{"fen rounded half up", with(func(in *Input) {
			in.Staff, in.Ratio, in.AvgWageFen = staffOf(100), pct("1"), 25_00
			in.Employees = []Employee{emp("a", 3, 11)} // shortfall 1/12 × 2500 fen × 90 % = 187.5 fen
		}), 188, TierNinety, "≈0.9167", "= 1.88 元"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Calculate(c.in)
			all := strings.Join(r.Steps, "\n")
			if r.AmountFen != c.fen || r.Tier != c.tier || Dec(r.Counted) != c.counted {
				t.Errorf("got %d fen, tier %s, counted %s; want %d, %s, %s\n%s", r.AmountFen, r.Tier, Dec(r.Counted), c.fen, c.tier, c.counted, all)
			}
			if !strings.Contains(all, c.step) {
				t.Errorf("steps lack %q:\n%s", c.step, all)
			}
		})
	}
}

func TestParseAndFormat(t *testing.T) {
	for _, c := range []struct {
		in  string
		fen int64
		ok  bool
	}{{"100000", 100000_00, true}, {"100,000.5", 100000_50, true}, {"¥1.25", 125, true}, {"1.255", 0, false}, {"-1", 0, false}, {"abc", 0, false}, {"", 0, false}, {".5", 0, false}} {
		if fen, ok := ParseYuan(c.in); fen != c.fen || ok != c.ok {
			t.Errorf("ParseYuan(%q) = %d, %v", c.in, fen, ok)
		}
	}
	for _, c := range []struct{ in, want string }{{"1.5%", "3/200"}, {"1.5", "3/200"}, {"1.7 %", "17/1000"}, {"2％", "1/50"}} {
		if r, ok := ParsePercent(c.in); !ok || r.RatString() != c.want {
			t.Errorf("ParsePercent(%q) = %v", c.in, r)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1/2"} {
		if _, ok := ParsePercent(bad); ok {
			t.Errorf("ParsePercent(%q) accepted", bad)
		}
	}
	if Yuan(45000000) != "450,000.00" || Yuan(5) != "0.05" || YuanPlain(45000000) != "450000.00" || Yuan(100000000) != "1,000,000.00" {
		t.Error("Yuan formatting")
	}
}
