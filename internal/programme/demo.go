package programme

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// DemoCounty is the demo county's code (阳光县).
const DemoCounty = "341599000000"

// demoShare is, per programme, how many of its eligible persons have a
// case in the demo year (per mille) and at most how many.
var demoShare = map[string][2]int{
	CodeChildRescue: {800, 110}, CodeDrugSubsidy: {700, 120}, CodeDevices: {30, 40}, CodeCochlear: {600, 6},
	CodeHomeRehab: {60, 90}, CodeEducation: {500, 30}, CodeSunshineHome: {200, 40}, CodeLivingSubsidy: {800, 400}, CodeCareSubsidy: {750, 500},
}

// Demo gives the demo county (persons already created by the registry
// demo) a deterministic year of programme work up to today: service
// providers, diagnoses and known needs, cases of every programme in every
// stage before payment (about 110 of the 128 children of the rescue
// target), monthly subsidies entitled from the month of application,
// services and claims, refusals and withdrawals, and the open cases of a
// person who died, suspended. One-off cash cases are left entitled: the
// payment demo pays them in its batches.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	sys := audit.WithActor(ctx, audit.Actor{ID: "demo", Name: "demo", Kind: "system"})
	actor := func(id, name string) context.Context {
		return audit.WithActor(ctx, audit.Actor{ID: id, Name: name, Kind: "system"})
	}
	clerk, reviewer, approver, township := actor("demo-rehab-1", "康复科 王敏"), actor("demo-rehab-2", "康复科 刘洋"),
		actor("demo-rehab-3", "康复科 陈静"), actor("demo-town", "乡镇专职委员 赵磊")
	s := area.ScopeOf(DemoCounty)
	var provs []Provider
	if err := db.InTx(sys, func(tx *store.Tx) error {
		for _, p := range []Provider{
			{Name: "阳光县残疾人康复中心", Kind: "rehab_centre", Address: "城关街道康复路1号", Phone: "0550-1234567", Designated: true, Active: true},
			{Name: "阳光县人民医院", Kind: "hospital", Address: "城关街道人民路8号", Phone: "0550-7654321", Designated: true, Active: true},
			{Name: "阳光家园托养中心", Kind: "care_home", Address: "桃园镇民生路3号", Designated: true, Active: true},
			{Name: "县辅助器具服务中心", Kind: "device_centre", Address: "城关街道康复路1号", Designated: true, Active: true},
		} {
			saved, err := SaveProvider(sys, tx, p)
			if err != nil {
				return err
			}
			provs = append(provs, saved)
		}
		return nil
	}); err != nil {
		return err
	}
	// Diagnoses and needs, noted before the rules look at them.
	yearStart := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	var kids, all []Candidate
	if err := eachActive(ctx, db, s, today, func(c *Candidate, f *Facts) error {
		if f.Age < 16 && (c.Category == registry.Mental || c.Category == registry.Physical) {
			kids = append(kids, *c)
		}
		all = append(all, *c)
		return nil
	}); err != nil {
		return err
	}
	if err := db.InTx(sys, func(tx *store.Tx) error {
		for _, k := range kids {
			tag := TagAutism
			if k.Category == registry.Physical {
				tag = TagCerebralPalsy
			}
			if rng.IntN(3) == 0 {
				if err := setTag(sys, tx, k.ID, tag, "县人民医院诊断", yearStart); err != nil {
					return err
				}
			}
		}
		for _, c := range all {
			if rng.IntN(20) == 0 {
				if err := setTag(sys, tx, c.ID, TagNeedPrefix+CodeHomeRehab, "基本状况调查", yearStart); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	progs, err := List(ctx, db)
	if err != nil {
		return err
	}
	days := int(today.Sub(yearStart).Hours()/24) - 20
	if days < 30 {
		return fmt.Errorf("demo year too short: today %s", ymd(today))
	}
	seq := 0
	var living []string // entitled living-subsidy cases: one of them dies
	// One pass over the register picks every programme's applicants (a
	// pass per programme costs minutes at a million persons).
	rules := make([]*Rule, len(progs))
	for i, prog := range progs {
		if rules[i], err = Compile(prog.Rule); err != nil {
			return err
		}
	}
	chosen := make([][]Candidate, len(progs))
	if err := eachActive(ctx, db, s, today, func(c *Candidate, f *Facts) error {
		for i, prog := range progs {
			share := demoShare[prog.Code]
			if len(chosen[i]) >= share[1] {
				continue
			}
			if ok, _ := rules[i].Match(f); ok && rng.IntN(1000) < share[0] {
				chosen[i] = append(chosen[i], *c)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for i, prog := range progs {
		eligible := chosen[i]
		for _, c := range eligible {
			seq++
			filed := yearStart.AddDate(0, 0, 1+rng.IntN(days))
			n := NewCase{ProgrammeID: prog.ID, PersonID: c.ID, Channel: Channels[rng.IntN(3)]}
			if len(prog.Subtypes) > 0 {
				n.Subtype = prog.Subtypes[rng.IntN(len(prog.Subtypes))]
				if !prog.InWindow(filed, n.Subtype) {
					n.Subtype = prog.Subtypes[0]
				}
			}
			if prog.Kind.Pays() {
				n.BankName, n.BankAccount = "阳光县农村商业银行", fmt.Sprintf("6231%012d", rng.Int64N(1e12))
			}
			if prog.PayFamily {
				n.PayeeName, n.PayeeRelation = string([]rune(c.Name)[:1])+"建国", "父亲"
				n.PayeeIDNumber = registry.MakeIDNumber("341599", time.Date(1980+rng.IntN(10), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC), 500+seq%400, 1)
			}
			if prog.Code == CodeChildRescue || prog.Code == CodeSunshineHome || prog.Code == CodeHomeRehab {
				n.ProviderID = provs[map[string]int{CodeChildRescue: 0, CodeSunshineHome: 2, CodeHomeRehab: 0}[prog.Code]].ID
			}
			var cs Case
			if err := db.InTx(clerk, func(tx *store.Tx) (err error) {
				cs, err = Create(clerk, tx, s, n, filed)
				return err
			}); err != nil {
				// Eligible today but not yet on the day drawn for filing
				// (a birthday in between): no case, as in real life.
				var es validate.Errors
				if errors.As(err, &es) && len(es) == 1 && es[0].Key == "programme.error.not_eligible" {
					continue
				}
				return fmt.Errorf("demo %s %s: %w", prog.Code, c.Name, err)
			}
			if err := demoCase(db, s, prog, cs, filed, today, rng, provs, township, reviewer, approver, clerk); err != nil {
				return fmt.Errorf("demo %s %s: %w", prog.Code, c.Name, err)
			}
			if prog.Code == CodeLivingSubsidy {
				if got, err := GetCase(ctx, db, s, cs.ID); err == nil && got.Status == Entitled && got.StartMonth < ym(today.AddDate(0, -2, 0)) {
					living = append(living, got.PersonID)
				}
			}
		}
	}
	// One subsidised person died last month: his open cases are suspended.
	if len(living) > 0 {
		id := living[rng.IntN(len(living))]
		died := today.AddDate(0, -1, -rng.IntN(10))
		if err := db.InTx(clerk, func(tx *store.Tx) error {
			_, err := registry.Died(clerk, tx, s, id, registry.Event{EffectiveDate: ymd(died), Source: "公安（殡葬信息比对）"}, today)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// demoCase takes one filed case to a stage drawn from rng, with its
// services and claims, on days after its filing and not after today.
func demoCase(db *store.DB, s area.Scope, prog Programme, c Case, filed, today time.Time, rng *rand.Rand, provs []Provider,
	township, reviewer, approver, clerk context.Context) error {
	day := filed
	next := func() time.Time {
		day = day.AddDate(0, 0, 1+rng.IntN(7))
		if day.After(today) {
			day = today
		}
		return day
	}
	act := func(ctx context.Context, m Move) error {
		return db.InTx(ctx, func(tx *store.Tx) error { _, err := Act(ctx, tx, s, c.ID, m, next()); return err })
	}
	// The stage the case is left in: r < 5 refused or withdrawn at once;
	// then applied, checked, reviewed, approved, refused by the county;
	// the rest entitled and beyond.
	r := rng.IntN(100)
	switch {
	case r < 3:
		return act(township, Move{Action: ActRefuse, Reason: "经乡镇核实，家庭收入超过标准"})
	case r < 5:
		return act(township, Move{Action: ActWithdraw, Reason: "本人申请撤回"})
	}
	steps := []struct {
		ctx context.Context
		m   Move
	}{
		{township, Move{Action: ActCheck}}, {reviewer, Move{Action: ActReview}}, {approver, Move{Action: ActApprove}}, {clerk, Move{Action: ActEntitle}},
	}
	take := 4
	switch {
	case r < 8:
		take = 0
	case r < 11:
		take = 1
	case r < 14:
		take = 2
	case r < 17:
		take = 3
	case r < 19:
		take = -1 // refused at the county review
	}
	if take == -1 {
		for _, st := range steps[:2] {
			if err := act(st.ctx, st.m); err != nil {
				return err
			}
		}
		return act(approver, Move{Action: ActRefuse, Reason: "经县级审核，不符合本项目条件"})
	}
	for _, st := range steps[:take] {
		if err := act(st.ctx, st.m); err != nil {
			return err
		}
	}
	if take < 4 {
		return nil
	}
	// Entitled: services, claims, delivery, follow-up.
	switch prog.Code {
	case CodeChildRescue, CodeHomeRehab, CodeSunshineHome, CodeDevices:
		typ, qty := map[string]string{CodeChildRescue: "training_session", CodeHomeRehab: "rehab_visit", CodeSunshineHome: "care_day", CodeDevices: "fitting"}[prog.Code], 1
		prov := provs[map[string]int{CodeChildRescue: 0, CodeHomeRehab: 0, CodeSunshineHome: 2, CodeDevices: 3}[prog.Code]].ID
		for d := day.AddDate(0, 0, 3); !d.After(today); d = d.AddDate(0, 0, 20+rng.IntN(20)) {
			switch typ {
			case "training_session":
				qty = 4 + rng.IntN(5)
			case "care_day":
				qty = 10 + rng.IntN(12)
			}
			t := typ
			if prog.Code == CodeHomeRehab && rng.IntN(3) == 0 {
				t = "counselling"
			}
			if err := db.InTx(clerk, func(tx *store.Tx) error {
				_, err := AddService(clerk, tx, s, c.ID, Service{Day: ymd(d), ProviderID: prov, Type: t, Quantity: qty}, d)
				return err
			}); err != nil {
				return err
			}
			if prog.Code == CodeDevices {
				break
			}
		}
		switch rr := rng.IntN(10); {
		case rr < 4:
			return nil
		case rr < 6:
			return act(township, Move{Action: ActDeliver})
		case rr < 8:
			if err := act(township, Move{Action: ActDeliver}); err != nil {
				return err
			}
			return act(township, Move{Action: ActFollowUp})
		default:
			if err := act(township, Move{Action: ActDeliver}); err != nil {
				return err
			}
			return act(township, Move{Action: ActClose})
		}
	case CodeDrugSubsidy:
		n := 1 + rng.IntN(3)
		for i := 0; i < n; i++ {
			rd := day.AddDate(0, 0, i*30)
			if rd.After(today) || rd.Year() != today.Year() {
				break
			}
			var cl Claim
			if err := db.InTx(clerk, func(tx *store.Tx) (err error) {
				cl, err = AddClaim(clerk, tx, s, c.ID, Claim{ReceiptNo: fmt.Sprintf("YF%s%03d", c.Code[2:], i), ReceiptDay: ymd(rd), AmountFen: int64(20000 + rng.IntN(60000))}, rd)
				return err
			}); err != nil {
				return err
			}
			if i < n-1 || rng.IntN(2) == 0 {
				if err := db.InTx(reviewer, func(tx *store.Tx) error {
					return DecideClaim(reviewer, tx, s, c.ID, cl.ID, true, "", rd.AddDate(0, 0, 3))
				}); err != nil {
					return err
				}
			}
		}
	case CodeLivingSubsidy, CodeCareSubsidy:
		if rng.IntN(40) == 0 {
			return act(clerk, Move{Action: ActStop, Reason: "本人申请停发", EndMonth: ym(today)})
		}
	}
	return nil
}
