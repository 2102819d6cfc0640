package programme_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Filing is refused, each with a clear Chinese message naming the field,
// and nothing is written: a duplicate live case, an amount above the cap,
// a deceased person, a person not meeting the rule, a payee missing where
// the family is paid, a university grant outside the window.
func TestFilingRefusals(t *testing.T) {
	e := setup(t)
	living := e.prog(programme.CodeLivingSubsidy)
	rescue := e.prog(programme.CodeChildRescue)
	cochlear := e.prog(programme.CodeCochlear)
	edu := e.prog(programme.CodeEducation)
	a := e.person("张甲", 40, registry.Vision, registry.Grade2, dibao)
	dead := e.person("李故", 40, registry.Vision, registry.Grade2, dibao)
	e.die(dead, "2026-10-03")
	child := e.person("王童", 10, registry.Hearing, registry.Grade1)
	adult := e.person("赵成", 30, registry.Vision, registry.Grade4)
	student := e.person("钱生", 19, registry.Vision, registry.Grade4, dibao)
	first := e.file(programme.NewCase{ProgrammeID: living.ID, PersonID: a.ID})

	cases := []struct {
		name  string
		user  string
		n     programme.NewCase
		on    time.Time
		field string
		key   string
		text  string // part of the Chinese message
	}{
		{"duplicate", "clerk", programme.NewCase{ProgrammeID: living.ID, PersonID: a.ID}, today, "programme.case.id_number", "programme.error.duplicate", first.Code},
		{"over cap", "clerk", programme.NewCase{ProgrammeID: rescue.ID, PersonID: child.ID, AmountFen: 3000001}, today, "programme.case.amount", "programme.error.over_cap", "30,000.00"},
		{"deceased", "clerk", programme.NewCase{ProgrammeID: living.ID, IDNumber: dead.IDNumber}, today, "programme.case.id_number", "programme.error.person_not_active", "已故"},
		{"not eligible", "clerk", programme.NewCase{ProgrammeID: rescue.ID, PersonID: adult.ID}, today, "programme.case.id_number", "programme.error.not_eligible", "不符合"},
		{"override without the permission", "township", programme.NewCase{ProgrammeID: rescue.ID, PersonID: adult.ID, OverrideReason: "特殊困难"}, today, "programme.case.override_reason", "programme.error.override_perm", "特批"},
		{"family not named", "clerk", programme.NewCase{ProgrammeID: cochlear.ID, PersonID: child.ID}, today, "programme.case.payee_name", "validate.required", "收款人姓名"},
		{"family is the child", "clerk", programme.NewCase{ProgrammeID: cochlear.ID, PersonID: child.ID, PayeeName: "王童", PayeeIDNumber: child.IDNumber, PayeeRelation: "本人"}, today, "programme.case.payee_id_number", "programme.error.pay_family", "家庭"},
		{"university outside the window", "clerk", programme.NewCase{ProgrammeID: edu.ID, PersonID: student.ID, Subtype: "university"}, today, "programme.case.programme", "programme.error.window", "08-01"},
		{"unknown person", "clerk", programme.NewCase{ProgrammeID: living.ID, IDNumber: registry.MakeIDNumber("341599", born(30), 999, 1)}, today, "programme.case.id_number", "programme.error.person_unknown", "找不到"},
		{"bad bank account", "clerk", programme.NewCase{ProgrammeID: rescue.ID, PersonID: child.ID, BankAccount: "12ab"}, today, "programme.case.bank_account", "programme.error.bank_account", "10–30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.count(`SELECT COUNT(*) FROM prog_cases`)
			_, err := e.fileAs(c.user, c.n, c.on)
			fe := fieldError(t, err, c.key)
			if fe.Field != c.field {
				t.Errorf("field %s, want %s", fe.Field, c.field)
			}
			if msg := fe.Text(i18n.ZH); !strings.Contains(msg, c.text) || strings.Contains(msg, "programme.") {
				t.Errorf("message %q, want it to contain %q", msg, c.text)
			}
			if e.count(`SELECT COUNT(*) FROM prog_cases`) != before {
				t.Error("a refused filing wrote a case")
			}
		})
	}
	// The university grant opens in August; a pupil may apply any time.
	if _, err := e.fileAs("clerk", programme.NewCase{ProgrammeID: edu.ID, PersonID: student.ID, Subtype: "university"}, time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("university grant in August: %v", err)
	}
}

// A reviewer may admit a person who does not meet the rule with a written
// reason, recorded on the case, its timeline and the audit log.
func TestOverrideIsRecorded(t *testing.T) {
	e := setup(t)
	adult := e.person("赵成", 30, registry.Vision, registry.Grade4)
	c, err := e.fileAs("reviewer", programme.NewCase{ProgrammeID: e.prog(programme.CodeChildRescue).ID, PersonID: adult.ID, Subtype: "training", OverrideReason: "发育迟缓，医院建议继续康复训练"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if c.OverrideReason == "" || c.OverrideBy != "u-reviewer" {
		t.Fatalf("override not kept: %+v", c)
	}
	evs, _ := programme.Events(context.Background(), e.db, c.ID)
	if len(evs) != 1 || !strings.Contains(evs[0].Note, "发育迟缓") {
		t.Fatalf("timeline %+v", evs)
	}
	if e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'programme.case.file' AND detail LIKE '%发育迟缓%'`) != 1 {
		t.Fatal("override not audited")
	}
}

// Four eyes: the county reviewer cannot approve his own review.
func TestFourEyes(t *testing.T) {
	e := setup(t)
	p := e.person("甲", 40, registry.Physical, registry.Grade1)
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCareSubsidy).ID, PersonID: p.ID})
	e.step("township", c.ID, programme.Move{Action: programme.ActCheck})
	e.step("reviewer", c.ID, programme.Move{Action: programme.ActReview})
	err := e.act("reviewer", c.ID, programme.Move{Action: programme.ActApprove})
	if re := refusal(t, err); re.Key != "programme.error.four_eyes" || !strings.Contains(err.Error(), "双人") {
		t.Fatalf("refusal %v", err)
	}
	e.step("approver", c.ID, programme.Move{Action: programme.ActApprove})
	if got := e.get(c.ID); got.Status != programme.Approved || got.ApprovedBy != "u-approver" || got.ReviewedBy != "u-reviewer" {
		t.Fatalf("after approval %+v", got)
	}
	// The care subsidy's tier follows the grade: grade 1 ¥100 a month.
	if got := e.get(c.ID); got.Tier != "grade1" || got.AmountFen != 10000 {
		t.Fatalf("tier %s %d", got.Tier, got.AmountFen)
	}
	// Reasons are required for a refusal.
	p2 := e.person("乙", 40, registry.Physical, registry.Grade2)
	c2 := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCareSubsidy).ID, PersonID: p2.ID})
	fieldError(t, e.act("township", c2.ID, programme.Move{Action: programme.ActRefuse}), "validate.required")
	if got := e.get(c2.ID); got.Tier != "grade2_3" || got.AmountFen != 5000 {
		t.Fatalf("grade 2 tier %s %d", got.Tier, got.AmountFen)
	}
}

// A death suspends every open case of the person in the registry's
// transaction, with a timeline event; the monthly benefit stops after the
// month of death; the worklist lists the case.
func TestDeathSuspendsOpenCases(t *testing.T) {
	e := setup(t)
	p := e.person("孙", 50, registry.Physical, registry.Grade1, dibao)
	living := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeLivingSubsidy).ID, PersonID: p.ID, BankName: "农商行", BankAccount: "6222000011115555"})
	care := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCareSubsidy).ID, PersonID: p.ID})
	refused := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeDevices).ID, PersonID: p.ID, Subtype: "prosthesis"})
	e.step("township", refused.ID, programme.Move{Action: programme.ActRefuse, Reason: "已有假肢"})
	e.approve(living.ID)
	e.step("clerk", living.ID, programme.Move{Action: programme.ActEntitle, StartMonth: "2026-03"})
	e.die(p, "2026-07-15")
	for _, id := range []string{living.ID, care.ID} {
		c := e.get(id)
		if c.Status != programme.Suspended {
			t.Fatalf("case %s is %s after the death", c.Code, c.Status)
		}
		evs, _ := programme.Events(context.Background(), e.db, id)
		last := evs[len(evs)-1]
		if last.Action != "suspend" || !strings.Contains(last.Note, "2026-07-15") {
			t.Errorf("last event %+v", last)
		}
	}
	if got := e.get(living.ID); got.EndMonth != "2026-07" || got.SuspendedFrom != programme.Entitled {
		t.Fatalf("living subsidy end %s from %s", got.EndMonth, got.SuspendedFrom)
	}
	if e.get(refused.ID).Status != programme.Refused {
		t.Fatal("a refused case was suspended")
	}
	list, err := programme.ListCases(context.Background(), e.db, countyScope, programme.CaseFilter{Status: programme.Suspended})
	if err != nil || len(list) != 2 {
		t.Fatalf("worklist %d %v", len(list), err)
	}
	// Due: March to July, not August.
	src := programme.PaymentSource{}
	for month, n := range map[string]int{"2026-02": 0, "2026-03": 1, "2026-07": 1, "2026-08": 0} {
		due, err := src.Due(context.Background(), e.db, countyScope, living.ProgrammeID, month)
		if err != nil || len(due) != n {
			t.Errorf("due %s: %d %v, want %d", month, len(due), err, n)
		}
	}
	// Closing from the worklist needs a reason.
	fieldError(t, e.act("clerk", care.ID, programme.Move{Action: programme.ActClose}), "validate.required")
	e.step("clerk", care.ID, programme.Move{Action: programme.ActClose, Reason: "本人已故，结案"})
}

// Services and claims on a case, with their checks.
func TestServicesAndClaims(t *testing.T) {
	e := setup(t)
	ctx := e.as("clerk")
	var prov programme.Provider
	e.tx(ctx, func(tx *store.Tx) (err error) {
		prov, err = programme.SaveProvider(ctx, tx, programme.Provider{Name: "县康复中心", Kind: "rehab_centre", Designated: true, Active: true})
		return err
	})
	child := e.person("小明", 6, registry.Intellectual, registry.Grade2)
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeChildRescue).ID, PersonID: child.ID, ProviderID: prov.ID, Subtype: "training"})
	add := func(sv programme.Service) error {
		return e.try(ctx, func(tx *store.Tx) error {
			_, err := programme.AddService(ctx, tx, countyScope, c.ID, sv, today)
			return err
		})
	}
	if err := add(programme.Service{Day: "2026-11-02", ProviderID: prov.ID, Type: "training_session", Quantity: 8}); err != nil {
		t.Fatal(err)
	}
	fieldError(t, add(programme.Service{Day: "2026-12-02", Type: "training_session", Quantity: 1}), "programme.error.future")
	fieldError(t, add(programme.Service{Day: "2026-11-02", Type: "bogus", Quantity: 1}), "validate.choose")
	fieldError(t, add(programme.Service{Day: "2026-11-02", Type: "care_day", Quantity: 0}), "programme.error.quantity")
	svs, _ := programme.Services(context.Background(), e.db, c.ID)
	if len(svs) != 1 || svs[0].Quantity != 8 {
		t.Fatalf("services %+v", svs)
	}

	// Drug subsidy claims: per-receipt standard, annual cap, receipts once.
	m := e.person("周", 45, registry.Mental, registry.Grade2, dibao)
	dc := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeDrugSubsidy).ID, PersonID: m.ID, Subtype: "beyond_quota", BankName: "农商行", BankAccount: "6222000011116666"})
	claim := func(no string, fen int64) error {
		return e.try(ctx, func(tx *store.Tx) error {
			_, err := programme.AddClaim(ctx, tx, countyScope, dc.ID, programme.Claim{ReceiptNo: no, ReceiptDay: "2026-11-10", AmountFen: fen}, today)
			return err
		})
	}
	if re := refusal(t, claim("R0", 100)); re.Key != "programme.error.claim_not_entitled" {
		t.Fatalf("claim before entitlement: %v", re)
	}
	e.approve(dc.ID)
	e.step("clerk", dc.ID, programme.Move{Action: programme.ActEntitle})
	for i, no := range []string{"R1", "R2", "R3"} {
		if err := claim(no, 100000); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	fieldError(t, claim("R1", 5000), "programme.error.receipt_twice")
	fieldError(t, claim("R4", 100001), "programme.error.over_standard")
	fieldError(t, claim("R4", 100), "programme.error.over_cap") // 3 × ¥1,000 reached the ¥3,000 cap
	cls, _ := programme.Claims(context.Background(), e.db, dc.ID)
	e.tx(e.as("reviewer"), func(tx *store.Tx) error {
		return programme.DecideClaim(e.as("reviewer"), tx, countyScope, dc.ID, cls[0].ID, true, "", today)
	})
	src := programme.PaymentSource{}
	due, err := src.Due(context.Background(), e.db, countyScope, dc.ProgrammeID, "2026-11")
	if err != nil || len(due) != 1 || due[0].AmountFen != 100000 || due[0].Note != "收据 R1" {
		t.Fatalf("claims due %+v %v", due, err)
	}
	sys := audit.WithActor(context.Background(), audit.System)
	e.tx(sys, func(tx *store.Tx) error { return src.Paid(sys, tx, due[0], "B-1", "2026-11") })
	if cls, _ := programme.Claims(context.Background(), e.db, dc.ID); cls[0].Status != programme.ClaimPaid {
		t.Fatalf("claim %+v", cls[0])
	}
	if due, _ := src.Due(context.Background(), e.db, countyScope, dc.ProgrammeID, "2026-12"); len(due) != 0 {
		t.Fatalf("a paid claim is due again next month: %+v", due)
	}
}

// The payment contract: a one-off grant is due once entitled, becomes
// paid, is owed again after a reversal; monthly instalments run from the
// month of application; the family is the payee of the cochlear subsidy;
// scope limits what is due.
func TestPaymentSource(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	src := programme.PaymentSource{}
	progs, err := src.Programmes(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range progs {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "精神病门诊药费补助,人工耳蜗补贴,助学资助,困难残疾人生活补贴,重度残疾人护理补贴" {
		t.Fatalf("paying programmes %s", got)
	}
	child := e.person("小耳", 5, registry.Hearing, registry.Grade1, inTownB)
	father := registry.MakeIDNumber("341599", born(35), 903, 1)
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCochlear).ID, PersonID: child.ID, PayeeName: "小耳父", PayeeIDNumber: father,
		PayeeRelation: "父亲", BankName: "农商行", BankAccount: "6222000011117777"})
	e.approve(c.ID)
	e.step("clerk", c.ID, programme.Move{Action: programme.ActEntitle})
	due, err := src.Due(ctx, e.db, countyScope, c.ProgrammeID, "2026-11")
	if err != nil || len(due) != 1 {
		t.Fatalf("due %+v %v", due, err)
	}
	d := due[0]
	if d.PayeeName != "小耳父" || d.PayeeIDNumber != father || d.AmountFen != 6000000 || d.BankAccount != "6222000011117777" || d.VillageCode != villageB {
		t.Fatalf("line %+v", d)
	}
	if due, _ := src.Due(ctx, e.db, area.ScopeOf(townA), c.ProgrammeID, "2026-11"); len(due) != 0 {
		t.Fatal("another township's line is due in town A")
	}
	if due, _ := src.Due(ctx, e.db, countyScope, c.ProgrammeID, "2026-12"); len(due) != 1 {
		t.Fatal("an unpaid one-off is not due the next month")
	}
	sys := audit.WithActor(ctx, audit.System)
	e.tx(sys, func(tx *store.Tx) error { return src.Paid(sys, tx, d, "B-11", "2026-11") })
	if got := e.get(c.ID); got.Status != programme.Paid || got.PaidMonth != "2026-11" {
		t.Fatalf("after paid %s %s", got.Status, got.PaidMonth)
	}
	if due, _ := src.Due(ctx, e.db, countyScope, c.ProgrammeID, "2026-12"); len(due) != 0 {
		t.Fatal("a paid one-off is due again")
	}
	if due, _ := src.Due(ctx, e.db, countyScope, c.ProgrammeID, "2026-11"); len(due) != 1 {
		t.Fatal("the month it was paid no longer lists it (the ledger leaves it out)")
	}
	e.tx(sys, func(tx *store.Tx) error { return src.Reversed(sys, tx, d, "B-11", "2026-11") })
	if got := e.get(c.ID); got.Status != programme.Entitled || got.PaidMonth != "" {
		t.Fatalf("after reversal %s", got.Status)
	}
	if n := e.count(`SELECT COUNT(*) FROM prog_paid WHERE case_id = $1`, c.ID); n != 2 {
		t.Fatalf("%d paid rows, want a payment and a reversal", n)
	}
	var net int64
	_ = e.db.QueryRow(`SELECT SUM(amount_fen) FROM prog_paid WHERE case_id = $1`, c.ID).Scan(&net)
	if net != 0 {
		t.Fatalf("net %d after reversal", net)
	}
	// A monthly subsidy from the month of application.
	p := e.person("低保户", 50, registry.Vision, registry.Grade2, dibao)
	var lc programme.Case
	lc, err = e.fileAs("clerk", programme.NewCase{ProgrammeID: e.prog(programme.CodeLivingSubsidy).ID, PersonID: p.ID, BankName: "农商行", BankAccount: "6222000011118888"},
		time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	e.approve(lc.ID)
	e.step("clerk", lc.ID, programme.Move{Action: programme.ActEntitle})
	for month, n := range map[string]int{"2026-08": 0, "2026-09": 1, "2026-12": 1, "2027-01": 0} {
		due, err := src.Due(ctx, e.db, countyScope, lc.ProgrammeID, month)
		if err != nil || len(due) != n {
			t.Errorf("living %s: %d lines %v, want %d", month, len(due), err, n)
		}
		if n == 1 && (due[0].AmountFen != 10000 || !strings.Contains(due[0].Note, "生活补贴")) {
			t.Errorf("line %+v", due[0])
		}
	}
	var _ payment.Source = src
}

// The registry's search narrows to the holders of a shipped programme.
func TestRegistrySearchByProgramme(t *testing.T) {
	e := setup(t)
	a := e.person("甲", 40, registry.Vision, registry.Grade2, dibao)
	e.person("乙", 40, registry.Vision, registry.Grade2, dibao)
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeLivingSubsidy).ID, PersonID: a.ID})
	search := func() int {
		ps, err := registry.Search(context.Background(), e.db, countyScope, registry.Filter{Programme: programme.CodeLivingSubsidy, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	if n := search(); n != 0 {
		t.Fatalf("%d holders before approval", n)
	}
	e.approve(c.ID)
	if n := search(); n != 1 {
		t.Fatalf("%d holders after approval, want 1", n)
	}
}
