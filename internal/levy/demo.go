package levy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code (阳光县).
const DemoCounty = "341599000000"

// DemoEmployerAccount is the user name Demo links to the first employer
// when such an account (role employer) exists.
const DemoEmployerAccount = "employer"

var (
	demoPlaces     = []string{"阳光", "皖光", "新城", "桃园", "青山", "淮东", "金穗", "瑞丰", "恒达", "明德", "安康", "同心"}
	demoIndustries = []string{"机械制造有限公司", "食品有限公司", "纺织有限公司", "建材有限公司", "物流有限公司", "电子科技有限公司", "农业发展有限公司",
		"包装制品有限公司", "服装有限公司", "商贸有限公司", "新能源有限公司", "印务有限公司"}
	demoOrgans       = []string{"阳光县教育局", "阳光县财政局", "阳光县人力资源和社会保障局", "阳光县民政局", "阳光县卫生健康委员会", "阳光县住房和城乡建设局"}
	demoInstitutions = []string{"阳光县人民医院", "阳光县第一中学", "阳光县中医院", "阳光县实验小学", "阳光县职业教育中心", "阳光县疾病预防控制中心"}
	demoSocial       = []string{"阳光县慈善协会", "阳光县个体劳动者协会", "阳光县志愿者协会"}
	demoIndividuals  = []string{"老街便民超市", "惠民理发店", "红星修车铺", "乐家小吃店", "诚信五金店"}
)

// demoPerson is a registry person who may be declared as an employee.
type demoPerson struct{ idNumber, certNo string }

// Demo fills the demo county's quota review: about 60 employers with
// valid credit codes and this year's review — most declared and verified
// (some results issued), some pending, some not declared, and two
// employers sharing one disabled employee. Employees are active registry
// persons of working age. The same rng gives the same review. If the
// account DemoEmployerAccount exists it is linked to the first employer.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	year := today.Year()
	windowDay := func(set Settings) (time.Time, bool) {
		from, to := set.Window()
		f, _ := time.Parse(time.DateOnly, from)
		t, _ := time.Parse(time.DateOnly, to)
		switch {
		case today.Before(f):
			return f, false
		case today.After(t):
			return t, true
		}
		return today, true
	}
	set, err := LoadSettings(ctx, db, year)
	if err != nil {
		return err
	}
	day, ok := windowDay(set)
	if !ok {
		// Before this year's window opens the review on show is last year's.
		year--
		if set, err = LoadSettings(ctx, db, year); err != nil {
			return err
		}
		_, to := set.Window()
		day, _ = time.Parse(time.DateOnly, to)
	}
	if set.SocialAvgWageFen == 0 {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return SaveSettings(ctx, tx, year, map[string]string{"social_avg_wage": "92000"})
		}); err != nil {
			return err
		}
	}
	all, err := area.InScope(ctx, db, area.ScopeOf(DemoCounty))
	if err != nil {
		return err
	}
	var towns []area.Area
	for _, a := range all {
		if a.Level == area.Township {
			towns = append(towns, a)
		}
	}
	if len(towns) == 0 {
		return nil
	}
	pool, err := demoPool(ctx, db, year-1)
	if err != nil {
		return err
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })

	county := area.ScopeOf(DemoCounty)
	var emps []Employer
	type plan struct {
		kind  Kind
		name  string
		staff int
	}
	// Enterprises first, so the shared employee and the linked account sit
	// with units large enough to owe a levy.
	others := len(demoOrgans) + len(demoInstitutions) + len(demoSocial) + len(demoIndividuals)
	var plans []plan
	seen := map[string]bool{}
	for len(plans) < 60-others {
		name := demoPlaces[rng.IntN(len(demoPlaces))] + demoIndustries[rng.IntN(len(demoIndustries))]
		if seen[name] {
			continue
		}
		seen[name] = true
		staff := 10 + rng.IntN(60)
		if rng.IntN(3) == 0 || len(plans) < 2 {
			staff = 100 + rng.IntN(900)
		}
		plans = append(plans, plan{KindEnterprise, "安徽" + name, staff})
	}
	for _, n := range demoOrgans {
		plans = append(plans, plan{KindOrgan, n, 40 + rng.IntN(120)})
	}
	for _, n := range demoInstitutions {
		plans = append(plans, plan{KindInstitution, n, 60 + rng.IntN(600)})
	}
	for _, n := range demoSocial {
		plans = append(plans, plan{KindSocial, n, 5 + rng.IntN(30)})
	}
	for _, n := range demoIndividuals {
		plans = append(plans, plan{KindIndividual, n, 2 + rng.IntN(10)})
	}
	prefix := map[Kind]string{KindOrgan: "11", KindInstitution: "12", KindEnterprise: "91", KindSocial: "51", KindIndividual: "92"}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for i, p := range plans {
			serial := fmt.Sprintf("%c%c%06d", creditChars[10+rng.IntN(21)], creditChars[10+rng.IntN(21)], 100+i)
			t := towns[rng.IntN(len(towns))]
			e, err := CreateEmployer(ctx, tx, county, EmployerInput{CreditCode: MakeCreditCode(prefix[p.kind], DemoCounty[:6], serial), Name: p.name,
				Address: t.Name + fmt.Sprintf("%d号", 1+rng.IntN(300)), Contact: demoContacts[rng.IntN(len(demoContacts))], Phone: fmt.Sprintf("0550-%07d", 6000000+rng.IntN(999999)),
				Kind: p.kind, AreaCode: t.Code})
			if err != nil {
				return fmt.Errorf("演示用人单位 %s: %w", p.name, err)
			}
			emps = append(emps, e)
		}
		return nil
	}); err != nil {
		return err
	}
	// Link the demo employer account, when the demo made one.
	if u, err := auth.GetUserByName(ctx, db, DemoEmployerAccount); err == nil && u.Role == auth.RoleEmployer {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return LinkAccount(ctx, tx, county, emps[0].ID, u.Username) }); err != nil {
			return err
		}
	}
	next := 0
	take := func(n int) []demoPerson {
		var out []demoPerson
		for ; n > 0 && next < len(pool); n-- {
			out = append(out, pool[next])
			next++
		}
		return out
	}
	var shared []demoPerson
	for i, e := range emps {
		staff := plans[i].staff
		// Of every ten units: one not declared, one still filling in, one
		// awaiting review, the rest verified (every other one issued).
		stage := i % 10
		if i < 2 {
			stage = 5 // the two sharing an employee are both verified
		}
		if stage == 0 {
			continue
		}
		heads := make([]int, 12)
		for m := range heads {
			heads[m] = max(1, staff+rng.IntN(5)-2)
		}
		wage := int64(45000+rng.IntN(150000)) * 100
		n := 0
		if staff > 30 {
			n = rng.IntN(max(1, staff*2/100+2))
		}
		if i < 2 {
			n = max(n, 2)
		}
		people := take(n)
		if i == 0 && len(people) > 0 {
			shared = people[:1]
		}
		if i == 1 && len(shared) > 0 {
			people = append(people, shared...)
		}
		in := DeclarationInput{Headcounts: heads, AvgWage: YuanPlain(wage)}
		for k, p := range people {
			months := 12
			if rng.IntN(4) == 0 {
				months = 3 + rng.IntN(9)
			}
			in.Employees = append(in.Employees, EmployeeInput{IDNumber: p.idNumber, CertificateNo: p.certNo, Months: months,
				Contract: rng.IntN(12) > 0 || k == 0, Insurance: true, Wage: true})
		}
		filer := Filer{Perm: auth.PermLevyReview}
		if rng.IntN(2) == 0 {
			filer.Perm = auth.PermLevyDeclare
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			d, err := SaveDeclaration(ctx, tx, county, filer, e.ID, year, in, day)
			if err != nil || stage == 1 {
				return err
			}
			if _, err := Advance(ctx, tx, county, filer.Perm, d.ID, ActSubmit, "", day); err != nil || stage == 2 {
				return err
			}
			if _, err := Advance(ctx, tx, county, auth.PermLevyReview, d.ID, ActVerify, "", day); err != nil || i%2 == 1 {
				return err
			}
			_, err = Advance(ctx, tx, county, auth.PermLevyReview, d.ID, ActIssue, "", day)
			return err
		}); err != nil {
			return fmt.Errorf("演示年审 %s: %w", e.Name, err)
		}
	}
	return nil
}

var demoContacts = []string{"王经理", "李主任", "张会计", "刘科长", "陈经理", "杨主任", "赵会计", "黄经理"}

// demoPool lists active registry persons of the county who were of
// working age all through empYear and held a valid card then, by ID
// number (deterministic before the shuffle).
func demoPool(ctx context.Context, db *store.DB, empYear int) ([]demoPerson, error) {
	cond, args := area.ScopeOf(DemoCounty).Filter("village_code", 1)
	args = append(args, fmt.Sprintf("%04d-01-01", empYear-55), fmt.Sprintf("%04d-12-31", empYear-18), fmt.Sprintf("%04d-01-01", empYear), fmt.Sprintf("%04d-12-31", empYear))
	rows, err := db.QueryContext(ctx, `SELECT id_number, certificate_no FROM persons WHERE `+cond+` AND status = 'active' AND certificate_no <> ''
		AND birth_date >= $3 AND birth_date <= $4 AND (certificate_expires_on = '' OR certificate_expires_on >= $5)
		AND (certificate_issued_on = '' OR certificate_issued_on <= $6)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []demoPerson
	for rows.Next() {
		var p demoPerson
		if err := rows.Scan(&p.idNumber, &p.certNo); err != nil {
			return nil, err
		}
		if err := crypt.OpenAll(registry.KindIDNumber, &p.idNumber, registry.KindCertificateNo, &p.certNo); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The numbers are sealed, so the order is taken here, in the open.
	slices.SortFunc(out, func(a, b demoPerson) int { return strings.Compare(a.idNumber, b.idNumber) })
	return out[:min(len(out), 2000)], nil
}
