package levy

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Tier is how the levy was reduced (分档减缴) or why none is due.
type Tier string

// Tiers.
const (
	TierFull       Tier = "full"        // reliefs not in force: the whole amount
	TierHalf       Tier = "half"        // actual ratio ≥ 1 % but below the quota: 50 %
	TierNinety     Tier = "ninety"      // actual ratio below 1 %: 90 %
	TierMet        Tier = "met"         // the quota is met: nothing due
	TierSmallUnit  Tier = "small_unit"  // ≤ 30 staff: exempt (暂免征收)
	TierNoStaff    Tier = "no_staff"    // no staff: nothing due
	TierNotDecided Tier = "not_decided" // not yet computed
)

// Tiers in display order.
var Tiers = []Tier{TierFull, TierHalf, TierNinety, TierMet, TierSmallUnit, TierNoStaff}

// Employee is one disabled employee as the calculation sees him.
type Employee struct {
	Key     string // the ID number: the same person listed twice is counted once
	Label   string // how a step names him, e.g. "张三（肢体二级）"
	Grade   int    // disability grade 1–4
	Months  int    // months employed in the year, 1–12
	Veteran bool   // 残疾军人证: grades 1–3 count double
	// NotCounted is why a declared employee does not count (the qualifying
	// rule); "" when he counts.
	NotCounted string
}

// Reliefs are the reductions in force (财政部公告2019年第98号, 2023年第8号).
type Reliefs struct {
	From, To     string   // YYYY-MM-DD, inclusive
	SmallUnitMax int      // units with at most this many staff are exempt
	LowRatio     *big.Rat // the 1 % line between the two tiers
	HalfShare    *big.Rat // share paid at or above LowRatio (50 %)
	LowShare     *big.Rat // share paid below LowRatio (90 %)
}

// InForce reports whether the reliefs apply to the levy collected in year:
// its first day lies in [From, To].
func (r Reliefs) InForce(year int) bool {
	d := fmt.Sprintf("%04d-01-01", year)
	return r.From != "" && r.From <= d && d <= r.To
}

// maxWageFen bounds the wages Calculate works with: ¥10 billion a year.
const maxWageFen = 1_000_000_000_000

// Input is one case for Calculate.
type Input struct {
	Year  int      // collection year
	Ratio *big.Rat // quota ratio, e.g. 3/200 for 1.5 %
	// Headcounts are the 12 monthly headcounts of the year; when nil, Staff
	// is the annual headcount given directly (the calculator).
	Headcounts []int
	Staff      *big.Rat
	// RoundStaff rounds the annual headcount half up to a whole person
	// (Default).
	RoundStaff       bool
	AvgWageFen       int64 // the unit's average wage last year
	SocialAvgWageFen int64 // the local social average wage
	// DoubleGrade: grades 1..DoubleGrade count 2 (national: 2).
	DoubleGrade int
	Employees   []Employee
	// NotDeclared: the unit did not declare in time and counts as
	// employing none, whatever Employees holds.
	NotDeclared bool
	Reliefs     Reliefs
}

// Result is the levy with the steps that led to it.
type Result struct {
	Staff       *big.Rat // annual headcount used
	Required    *big.Rat // staff × ratio
	Counted     *big.Rat // disabled employees counted
	Shortfall   *big.Rat // required − counted, not below 0
	ActualRatio *big.Rat // counted ÷ staff (0 when no staff)
	WageCapFen  int64    // 2 × social average wage
	WageUsedFen int64    // the average wage, capped
	Share       *big.Rat // share of the full amount payable
	Tier        Tier
	AmountFen   int64    // due, rounded half up to the fen
	Steps       []string // each step in Chinese with its numbers
}

var (
	one     = big.NewRat(1, 1)
	two     = big.NewRat(2, 1)
	twelve  = big.NewRat(12, 1)
	hundred = big.NewRat(100, 1)
)

// Calculate computes the levy exactly as RULES.md §4 says, in exact
// rational arithmetic; only the final amount is rounded (half up, to the
// fen). It never fails: a case without staff owes nothing.
func Calculate(in Input) Result {
	var res Result
	step := func(format string, args ...any) { res.Steps = append(res.Steps, fmt.Sprintf(format, args...)) }
	res.Tier = TierFull
	res.Share = new(big.Rat).Set(one)
	// Wages are kept between nothing and ¥10 billion a year (found by
	// FuzzCalculate: a negative wage made a negative levy, a huge one
	// overflowed the cap); callers validate, this is the backstop.
	in.AvgWageFen = min(max(in.AvgWageFen, 0), maxWageFen)
	in.SocialAvgWageFen = min(max(in.SocialAvgWageFen, 0), maxWageFen)

	// 1. Staff (在职职工人数).
	if in.Headcounts != nil {
		sum := 0
		for _, n := range in.Headcounts {
			sum += n
		}
		exact := new(big.Rat).Quo(big.NewRat(int64(sum), 1), twelve)
		res.Staff = exact
		if in.RoundStaff {
			res.Staff = roundHalfUp(exact)
			step("在职职工年平均人数：12 个月人数合计 %d ÷ 12 = %s，四舍五入取整为 %s 人", sum, Dec(exact), Dec(res.Staff))
		} else {
			step("在职职工年平均人数：12 个月人数合计 %d ÷ 12 = %s 人", sum, Dec(exact))
		}
	} else {
		res.Staff = new(big.Rat)
		if in.Staff != nil {
			res.Staff.Set(in.Staff)
		}
		if in.RoundStaff && !res.Staff.IsInt() {
			exact := new(big.Rat).Set(res.Staff)
			res.Staff = roundHalfUp(exact)
			step("在职职工年平均人数：%s，四舍五入取整为 %s 人", Dec(exact), Dec(res.Staff))
		} else {
			step("在职职工年平均人数：%s 人", Dec(res.Staff))
		}
	}
	ratio := in.Ratio
	if ratio == nil {
		ratio = new(big.Rat)
	}
	res.Required = new(big.Rat).Mul(res.Staff, ratio)
	res.Counted = new(big.Rat)
	res.Shortfall = new(big.Rat)
	res.ActualRatio = new(big.Rat)
	reliefs := in.Reliefs.InForce(in.Year)

	if res.Staff.Sign() <= 0 {
		res.Tier, res.Share = TierNoStaff, new(big.Rat)
		step("没有在职职工，无需缴纳残疾人就业保障金")
		step("应缴金额：0.00 元")
		return res
	}
	// 2. Small units are exempt while the reliefs are in force.
	if reliefs && res.Staff.Cmp(big.NewRat(int64(in.Reliefs.SmallUnitMax), 1)) <= 0 {
		res.Tier, res.Share = TierSmallUnit, new(big.Rat)
		step("在职职工 %s 人，不超过 %d 人，%s 至 %s 期间暂免征收", Dec(res.Staff), in.Reliefs.SmallUnitMax, in.Reliefs.From, in.Reliefs.To)
		step("应缴金额：0.00 元")
		return res
	}
	// 3. Required number.
	step("应安排残疾人就业人数：%s × %s%% = %s 人", Dec(res.Staff), Dec(new(big.Rat).Mul(ratio, hundred)), Dec(res.Required))

	// 4. Disabled employees counted.
	if in.NotDeclared {
		step("未在申报期内申报，按未安排残疾人就业计算：实际安排 0 人")
	} else {
		seen := map[string]int{} // key → index into merged
		type merged struct {
			e      Employee
			months int
		}
		var list []merged
		for _, e := range in.Employees {
			if e.NotCounted != "" {
				step("%s：不计入（%s）", e.Label, e.NotCounted)
				continue
			}
			if i, ok := seen[e.Key]; ok && e.Key != "" {
				// A dispatched worker or a repeated row is one person:
				// counted once, his months added up to at most 12.
				list[i].months = min(12, list[i].months+min(max(e.Months, 0), 12))
				step("%s 已列入，同一人只计算一次（月数合并）", e.Label)
				continue
			}
			seen[e.Key] = len(list)
			list = append(list, merged{e, min(max(e.Months, 0), 12)})
		}
		for _, m := range list {
			weight := int64(1)
			why := "按 1 人计算"
			if m.e.Grade >= 1 && m.e.Grade <= in.DoubleGrade {
				weight, why = 2, fmt.Sprintf("%s级，按 2 人计算", gradeZH(m.e.Grade))
			} else if m.e.Veteran && m.e.Grade >= 1 && m.e.Grade <= 3 {
				weight, why = 2, fmt.Sprintf("残疾军人%s级，按 2 人计算", gradeZH(m.e.Grade))
			} else if m.e.Grade >= 1 && m.e.Grade <= 4 {
				why = fmt.Sprintf("%s级，按 1 人计算", gradeZH(m.e.Grade))
			}
			c := big.NewRat(weight*int64(m.months), 12)
			res.Counted.Add(res.Counted, c)
			if m.months == 12 {
				step("%s：%s，全年在岗，计 %s 人", m.e.Label, why, Dec(c))
			} else {
				step("%s：%s，在岗 %d 个月，计 %d × %d ÷ 12 = %s 人", m.e.Label, why, m.months, weight, m.months, Dec(c))
			}
		}
		step("实际安排残疾人就业人数合计：%s 人", Dec(res.Counted))
	}
	res.ActualRatio.Quo(res.Counted, res.Staff)

	// 5. Average wage, capped at twice the social average.
	res.WageCapFen = 2 * in.SocialAvgWageFen
	res.WageUsedFen = in.AvgWageFen
	if in.SocialAvgWageFen > 0 && in.AvgWageFen > res.WageCapFen {
		res.WageUsedFen = res.WageCapFen
		step("职工年平均工资 %s 元，超过当地社会平均工资 %s 元的 2 倍（%s 元），按 %s 元计算",
			Yuan(in.AvgWageFen), Yuan(in.SocialAvgWageFen), Yuan(res.WageCapFen), Yuan(res.WageUsedFen))
	} else {
		step("职工年平均工资 %s 元，未超过当地社会平均工资 %s 元的 2 倍（%s 元），按 %s 元计算",
			Yuan(in.AvgWageFen), Yuan(in.SocialAvgWageFen), Yuan(res.WageCapFen), Yuan(res.WageUsedFen))
	}

	// 6. Shortfall.
	res.Shortfall.Sub(res.Required, res.Counted)
	if res.Shortfall.Sign() <= 0 {
		res.Shortfall.SetInt64(0)
		res.Tier, res.Share = TierMet, new(big.Rat)
		step("实际安排 %s 人，达到应安排 %s 人，无需缴纳", Dec(res.Counted), Dec(res.Required))
		step("应缴金额：0.00 元")
		return res
	}
	step("差额人数：%s − %s = %s 人", Dec(res.Required), Dec(res.Counted), Dec(res.Shortfall))

	// 7. Tier.
	pct := Dec(new(big.Rat).Mul(res.ActualRatio, hundred))
	if reliefs {
		low := in.Reliefs.LowRatio
		if low == nil {
			low = new(big.Rat)
		}
		lowPct := Dec(new(big.Rat).Mul(low, hundred))
		if res.ActualRatio.Cmp(low) >= 0 {
			res.Tier, res.Share = TierHalf, ratOr(in.Reliefs.HalfShare)
			step("实际安排比例：%s ÷ %s = %s%%，不低于 %s%% 但未达到规定比例，按应缴额的 %s%% 征收（分档减缴，%s 至 %s）",
				Dec(res.Counted), Dec(res.Staff), pct, lowPct, Dec(new(big.Rat).Mul(res.Share, hundred)), in.Reliefs.From, in.Reliefs.To)
		} else {
			res.Tier, res.Share = TierNinety, ratOr(in.Reliefs.LowShare)
			step("实际安排比例：%s ÷ %s = %s%%，低于 %s%%，按应缴额的 %s%% 征收（分档减缴，%s 至 %s）",
				Dec(res.Counted), Dec(res.Staff), pct, lowPct, Dec(new(big.Rat).Mul(res.Share, hundred)), in.Reliefs.From, in.Reliefs.To)
		}
	} else {
		step("实际安排比例：%s%%；减缴政策不适用于 %d 年，全额征收", pct, in.Year)
	}

	// 8. Amount, rounded half up to the fen.
	fen := new(big.Rat).Mul(res.Shortfall, big.NewRat(res.WageUsedFen, 1))
	fen.Mul(fen, res.Share)
	if n := roundHalfUp(fen).Num(); n.IsInt64() {
		res.AmountFen = n.Int64()
	} else {
		res.AmountFen = math.MaxInt64 // beyond any real unit: shown, never wrapped negative
	}
	if res.Tier == TierFull {
		step("应缴金额：%s × %s = %s 元", Dec(res.Shortfall), Yuan(res.WageUsedFen), Yuan(res.AmountFen))
	} else {
		step("应缴金额：%s × %s × %s%% = %s 元", Dec(res.Shortfall), Yuan(res.WageUsedFen), Dec(new(big.Rat).Mul(res.Share, hundred)), Yuan(res.AmountFen))
	}
	return res
}

func ratOr(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat).Set(one)
	}
	return new(big.Rat).Set(r)
}

// roundHalfUp rounds a non-negative rational to the nearest integer, a
// half going up.
func roundHalfUp(x *big.Rat) *big.Rat {
	n := new(big.Int).Mul(x.Num(), big.NewInt(2))
	n.Add(n, x.Denom())
	d := new(big.Int).Mul(x.Denom(), big.NewInt(2))
	n.Quo(n, d) // floor for non-negative values
	return new(big.Rat).SetInt(n)
}

var gradeNames = [...]string{"", "一", "二", "三", "四"}

func gradeZH(g int) string {
	if g < 1 || g > 4 {
		return "?"
	}
	return gradeNames[g]
}

// Dec shows a rational as a decimal: exact up to 4 places, trailing zeros
// dropped ("7.5", "2.5", "0.5"); a value that needs more is rounded and
// marked "≈".
func Dec(x *big.Rat) string {
	if x == nil {
		return "0"
	}
	s := x.FloatString(4)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	back, _ := new(big.Rat).SetString(s)
	if back == nil || back.Cmp(x) != 0 {
		return "≈" + s
	}
	return s
}

// Yuan shows an amount in fen as yuan with thousands separators:
// 45000000 → "450,000.00".
func Yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s := fmt.Sprintf("%s.%02d", b.String(), fen%100)
	if neg {
		return "-" + s
	}
	return s
}

// YuanPlain is Yuan without separators: "450000.00" (the calculator's
// last line, exports).
func YuanPlain(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// ParseYuan reads an amount in yuan ("100000", "100,000.5", "¥1.25") into
// fen; more than two decimals, a sign or anything else is refused.
func ParseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "").Replace(s))
	if s == "" {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || len(whole) > 13 {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// ParsePercent reads a percentage ("1.5", "1.5%", "1.5 %") into an exact
// ratio (3/200).
func ParsePercent(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.NewReplacer("％", "%").Replace(s)), "%"))
	if s == "" || strings.ContainsAny(s, "/eE+-") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return nil, false
	}
	return r.Quo(r, hundred), true
}

func itoa(i int) string { return strconv.Itoa(i) }
