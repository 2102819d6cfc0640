package cli

// The levy calculator: finance staff check a case by hand with exactly the
// rules the review uses (internal/levy, RULES.md §4).

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/levy"
)

// disabledFlag collects repeated --disabled GRADE:MONTHS values.
type disabledFlag []levy.Employee

func (d *disabledFlag) String() string { return "" }

func (d *disabledFlag) Set(v string) error {
	g, m, ok := strings.Cut(strings.TrimSpace(v), ":")
	grade, err1 := strconv.Atoi(g)
	months, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || grade < 1 || grade > 4 || months < 1 || months > 12 {
		return fmt.Errorf("--disabled 应为 等级:月数，等级 1–4，月数 1–12，例如 2:12；收到 %q", v)
	}
	n := len(*d) + 1
	*d = append(*d, levy.Employee{Key: strconv.Itoa(n), Label: fmt.Sprintf("残疾职工 %d", n), Grade: grade, Months: months})
	return nil
}

func cmdLevy(e *env, args []string) error {
	fs := newFlagSet(e, "levy", "levy --year 2026 --ratio 1.5% --staff 500 --avg-wage 100000 --social-avg-wage 80000 [--disabled GRADE:MONTHS]…")
	year := fs.Int("year", time.Now().Year(), "征收年度（计算上一年度的用工）")
	ratio := fs.String("ratio", "1.5%", "安排残疾人就业比例，如 1.5%")
	staff := fs.String("staff", "", "在职职工年平均人数（可带小数）")
	avgWage := fs.String("avg-wage", "", "单位上年职工年平均工资（元）")
	socialWage := fs.String("social-avg-wage", "", "当地社会平均工资（元）")
	exact := fs.Bool("exact-staff", false, "职工人数保留小数，不四舍五入取整（默认取整）")
	notDeclared := fs.Bool("not-declared", false, "逾期未申报：按未安排残疾人就业计算")
	var disabled disabledFlag
	fs.Var(&disabled, "disabled", "残疾职工 等级:在岗月数，可重复，如 --disabled 2:12 --disabled 4:6")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return fmt.Errorf("多余的参数: %s", strings.Join(rest, " "))
	}
	var problems []string
	if *year < levy.MinYear || *year > levy.MaxYear {
		problems = append(problems, fmt.Sprintf("--year 应在 %d 至 %d 之间", levy.MinYear, levy.MaxYear))
	}
	r, ok := levy.ParsePercent(*ratio)
	if !ok || r.Cmp(big.NewRat(1, 1)) > 0 {
		problems = append(problems, fmt.Sprintf("--ratio 应为百分数，如 1.5%%；收到 %q", *ratio))
	}
	st, ok := new(big.Rat).SetString(strings.TrimSpace(*staff))
	if *staff == "" || !ok || st.Sign() < 0 || strings.ContainsAny(*staff, "/eE") {
		problems = append(problems, fmt.Sprintf("--staff 应为在职职工人数，如 500；收到 %q", *staff))
	}
	wage, ok := levy.ParseYuan(*avgWage)
	if !ok {
		problems = append(problems, fmt.Sprintf("--avg-wage 应为金额（元），最多两位小数；收到 %q", *avgWage))
	}
	social, ok := levy.ParseYuan(*socialWage)
	if !ok {
		problems = append(problems, fmt.Sprintf("--social-avg-wage 应为金额（元），最多两位小数；收到 %q", *socialWage))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	set := levy.DefaultSettings(*year)
	res := levy.Calculate(levy.Input{Year: *year, Ratio: r, Staff: st, RoundStaff: !*exact, AvgWageFen: wage, SocialAvgWageFen: social,
		DoubleGrade: set.DoubleGrade, Employees: disabled, NotDeclared: *notDeclared, Reliefs: set.Reliefs})
	for i, s := range res.Steps {
		fmt.Fprintf(e.stdout, "%d. %s\n", i+1, s)
	}
	fmt.Fprintf(e.stdout, "amount=%s\n", levy.YuanPlain(res.AmountFen))
	return nil
}
