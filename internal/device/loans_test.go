package device_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// Every rule of lending, each refused with its field and message and
// nothing written.
func TestLendRules(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	wheelchairs := e.items("LY01", townA, 4, "2026-01-05")
	canes := e.items("MZ01", townA, 1, "2026-01-05")
	countyChair := e.items("LY01", county, 1, "2026-01-05")
	active := e.person("张伟", villageA, registry.Physical)
	holder := e.person("李娜", villageA, registry.Physical)
	otherTown := e.person("王芳", villageB, registry.Physical)
	dead := e.person("赵强", villageA, registry.Physical)
	moved := e.person("钱军", villageA, registry.Physical)
	e.tx(func(tx *store.Tx) error {
		if _, err := registry.Died(ctx, tx, countyScope, dead.ID, registry.Event{EffectiveDate: "2026-10-01", Source: "家属"}, monday); err != nil {
			return err
		}
		_, err := registry.MovedOut(ctx, tx, countyScope, moved.ID, registry.Event{EffectiveDate: "2026-10-01", Source: "外省"}, monday)
		return err
	})
	e.mustLend(countyScope, wheelchairs[0].ID, holder.ID, "2026-11-01")
	inRepair := wheelchairs[3]
	e.tx(func(tx *store.Tx) error {
		_, err := device.SendToRepair(ctx, tx, countyScope, inRepair.ID, "刹车失灵", monday)
		return err
	})
	cases := []struct {
		name  string
		s     area.Scope
		n     device.NewLoan
		field string
		key   string
	}{
		{"item on loan", countyScope, device.NewLoan{ItemID: wheelchairs[0].ID, PersonID: active.ID, LentOn: "2026-11-20"}, "device.loan.item", "device.error.refused.on_loan"},
		{"item in repair", countyScope, device.NewLoan{ItemID: inRepair.ID, PersonID: active.ID, LentOn: "2026-11-20"}, "device.loan.item", "device.error.refused.in_repair"},
		{"kind not loanable", countyScope, device.NewLoan{ItemID: canes[0].ID, PersonID: active.ID, LentOn: "2026-11-20"}, "device.loan.item", "device.error.not_loanable"},
		{"deceased person", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: dead.ID, LentOn: "2026-11-20"}, "device.loan.person", "device.error.person_deceased"},
		{"moved-out person", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: moved.ID, LentOn: "2026-11-20"}, "device.loan.person", "device.error.person_moved_out"},
		{"same kind held", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: holder.ID, LentOn: "2026-11-20"}, "device.loan.override_reason", "device.error.same_kind"},
		{"no item", countyScope, device.NewLoan{PersonID: active.ID, LentOn: "2026-11-20"}, "device.loan.item", "validate.required"},
		{"no person", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, LentOn: "2026-11-20"}, "device.loan.person", "validate.required"},
		{"lent in the future", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: active.ID, LentOn: "2026-12-20"}, "device.loan.lent_on", "device.error.future"},
		{"lent before received", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: active.ID, LentOn: "2025-12-20"}, "device.loan.lent_on", "device.error.before"},
		{"due before lent", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: active.ID, LentOn: "2026-11-20", DueOn: "2026-11-01"}, "device.loan.due_on", "device.error.due_range"},
		{"bad deposit", countyScope, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: active.ID, LentOn: "2026-11-20", Deposit: "12.345"}, "device.loan.deposit", "device.error.money"},
		{"township lends county stock", scopeA, device.NewLoan{ItemID: countyChair[0].ID, PersonID: active.ID, LentOn: "2026-11-20"}, "device.loan.item", "device.error.item_not_found"},
		{"township B lends A's stock", scopeB, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: otherTown.ID, LentOn: "2026-11-20"}, "device.loan.item", "device.error.item_not_found"},
		{"township A lends to B's person", scopeA, device.NewLoan{ItemID: wheelchairs[1].ID, PersonID: otherTown.ID, LentOn: "2026-11-20"}, "device.loan.person", "device.error.person_not_found"},
	}
	before := e.count(`SELECT COUNT(*) FROM device_loans`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.try(func(tx *store.Tx) error {
				_, err := device.Lend(ctx, tx, c.s, c.n, monday)
				return err
			})
			fe := fieldError(t, err)
			if fe.Field != c.field || fe.Key != c.key {
				t.Errorf("got %s %s, want %s %s (%v)", fe.Field, fe.Key, c.field, c.key, err)
			}
		})
	}
	if n := e.count(`SELECT COUNT(*) FROM device_loans`); n != before {
		t.Fatalf("refused loans wrote %d rows", n-before)
	}
	if st := e.item(wheelchairs[1].ID).Status; st != device.InStock {
		t.Fatalf("a refused loan left the item %s", st)
	}
	// The same kind with a reason, and the township's own lending, go.
	e.mustLend(countyScope, wheelchairs[1].ID, active.ID, "2026-11-20")
	var l device.Loan
	e.tx(func(tx *store.Tx) (err error) {
		l, err = device.Lend(ctx, tx, countyScope, device.NewLoan{ItemID: wheelchairs[2].ID, PersonID: holder.ID, LentOn: "2026-11-20", OverrideReason: "家里一辆、学校一辆"}, monday)
		return err
	})
	if l.OverrideReason == "" || l.DueOn != "2027-05-19" || l.DepositFen != 0 {
		t.Fatalf("override loan: %+v", l)
	}
	chair := e.items("LY02", townA, 1, "2026-01-05")[0]
	own := e.mustLend(scopeA, chair.ID, active.ID, "2026-11-25")
	if it := e.item(chair.ID); it.Status != device.OnLoan || it.LoanID != own.ID {
		t.Fatalf("item after lending: %+v", it)
	}
}

func TestLendDueDaysAndMoney(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	p := e.person("孙丽", villageA, registry.Hearing)
	aid := e.items("ZT01", townA, 1, "2026-01-05")[0]    // the kind lends 90 days
	walker := e.items("ZX01", townA, 1, "2026-01-05")[0] // the setting's 180
	l1 := e.mustLend(countyScope, aid.ID, p.ID, "2026-11-01")
	if l1.DueOn != "2027-01-30" {
		t.Errorf("hearing aid due %s, want 90 days", l1.DueOn)
	}
	e.tx(func(tx *store.Tx) error {
		return device.SaveSettings(ctx, tx, map[string]string{"loan_days": "30", "deposit_fen": "100", "rent_fen": "5.5"})
	})
	var l2 device.Loan
	e.tx(func(tx *store.Tx) (err error) {
		l2, err = device.Lend(ctx, tx, countyScope, device.NewLoan{ItemID: walker.ID, PersonID: p.ID, LentOn: "2026-11-01"}, monday)
		return err
	})
	if l2.DueOn != "2026-12-01" || l2.DepositFen != 10000 || l2.RentFen != 550 {
		t.Errorf("walker loan: due %s deposit %d rent %d", l2.DueOn, l2.DepositFen, l2.RentFen)
	}
	err := e.try(func(tx *store.Tx) error {
		return device.SaveSettings(ctx, tx, map[string]string{"loan_days": "0", "deposit_fen": "-3"})
	})
	if fe := fieldError(t, err); fe.Field != "device.setting.loan_days" {
		t.Errorf("bad setting: %v", err)
	}
}

// A return in "needs repair" sends the item to repair; good or worn puts
// it back in stock; a closed loan is not returned twice.
func TestReturnCondition(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	for _, c := range []struct {
		cond device.Condition
		note string
		want device.ItemStatus
	}{
		{device.CondGood, "", device.InStock},
		{device.CondWorn, "", device.InStock},
		{device.CondNeedsRepair, "轮胎破损", device.InRepair},
	} {
		t.Run(string(c.cond), func(t *testing.T) {
			it := e.items("LY01", townA, 1, "2026-01-05")[0]
			p := e.person("借用人", villageA, registry.Physical)
			l := e.mustLend(scopeA, it.ID, p.ID, "2026-06-01")
			e.tx(func(tx *store.Tx) error {
				_, err := device.ReturnLoan(ctx, tx, scopeA, l.ID, device.Return{ReturnedOn: "2026-11-01", Condition: c.cond, Note: c.note}, monday)
				return err
			})
			got := e.item(it.ID)
			if got.Status != c.want || got.Condition != c.cond || got.LoanID != "" {
				t.Fatalf("item after return: %+v", got)
			}
			err := e.try(func(tx *store.Tx) error {
				_, err := device.ReturnLoan(ctx, tx, scopeA, l.ID, device.Return{ReturnedOn: "2026-11-02", Condition: device.CondGood}, monday)
				return err
			})
			if fe := fieldError(t, err); fe.Key != "device.error.loan_returned" {
				t.Fatalf("second return: %v", err)
			}
		})
	}
	// Bad returns are refused with their field.
	it := e.items("LY01", townA, 1, "2026-01-05")[0]
	p := e.person("周敏", villageA, registry.Physical)
	l := e.mustLend(scopeA, it.ID, p.ID, "2026-06-01")
	for _, c := range []struct {
		r     device.Return
		s     area.Scope
		field string
	}{
		{device.Return{ReturnedOn: "2026-05-01", Condition: device.CondGood}, scopeA, "device.loan.returned_on"},
		{device.Return{ReturnedOn: "2026-11-01", Condition: "broken"}, scopeA, "device.loan.return_condition"},
		{device.Return{ReturnedOn: "2026-11-01", Condition: device.CondNeedsRepair}, scopeA, "device.loan.note"},
	} {
		err := e.try(func(tx *store.Tx) error { _, err := device.ReturnLoan(ctx, tx, c.s, l.ID, c.r, monday); return err })
		if fe := fieldError(t, err); fe.Field != c.field {
			t.Errorf("return %+v: %v", c.r, err)
		}
	}
	err := e.try(func(tx *store.Tx) error {
		_, err := device.ReturnLoan(ctx, tx, scopeB, l.ID, device.Return{ReturnedOn: "2026-11-01", Condition: device.CondGood}, monday)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another township returned the loan: %v", err)
	}
}

func TestExtendOnceAndLost(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	it := e.items("LY01", townA, 2, "2026-01-05")
	p := e.person("吴刚", villageA, registry.Physical)
	l := e.mustLend(scopeA, it[0].ID, p.ID, "2026-06-01") // due 2026-11-28
	extend := func(x device.Extension) (device.Loan, error) {
		var out device.Loan
		err := e.try(func(tx *store.Tx) (err error) { out, err = device.Extend(ctx, tx, scopeA, l.ID, x, monday); return err })
		return out, err
	}
	if _, err := extend(device.Extension{}); fieldError(t, err).Field != "device.loan.extend_reason" {
		t.Errorf("extension without reason: %v", err)
	}
	if _, err := extend(device.Extension{DueOn: "2026-11-01", Reason: "康复未结束"}); fieldError(t, err).Field != "device.loan.new_due_on" {
		t.Errorf("extension to an earlier day: %v", err)
	}
	got, err := extend(device.Extension{Reason: "康复未结束"})
	if err != nil || got.DueOn != "2027-02-26" || got.FirstDueOn != "2026-11-28" || !got.Extended() {
		t.Fatalf("extension: %+v %v", got, err)
	}
	if _, err := extend(device.Extension{Reason: "再借"}); fieldError(t, err).Key != "device.error.extended_once" {
		t.Errorf("second extension: %v", err)
	}
	if got.Overdue(monday) {
		t.Error("an extended loan counted overdue")
	}
	// Lost: the item is lost, the loan closed; found again it is in stock.
	l2 := e.mustLend(scopeA, it[1].ID, e.person("吴强", villageA, registry.Physical).ID, "2026-06-01")
	err = e.try(func(tx *store.Tx) error {
		_, err := device.MarkLost(ctx, tx, scopeA, l2.ID, device.Loss{LostOn: "2026-11-02"}, monday)
		return err
	})
	if fieldError(t, err).Field != "device.loan.lost_note" {
		t.Errorf("loss without a note: %v", err)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := device.MarkLost(ctx, tx, scopeA, l2.ID, device.Loss{LostOn: "2026-11-02", Note: "搬家时遗失"}, monday)
		return err
	})
	if st := e.item(it[1].ID).Status; st != device.Lost {
		t.Fatalf("lost item is %s", st)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := device.Found(ctx, tx, countyScope, it[1].ID, device.CondWorn, "在村委会找到", monday)
		return err
	})
	if st := e.item(it[1].ID).Status; st != device.InStock {
		t.Fatalf("found item is %s", st)
	}
}

// Every item and loan event is in the item's history and the audit log.
func TestHistoryAndAudit(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	it := e.items("ZX01", townA, 1, "2026-01-05")[0]
	p := e.person("冯梅", villageA, registry.Physical)
	e.tx(func(tx *store.Tx) error {
		if _, err := device.Move(ctx, tx, countyScope, it.ID, townB, "桃园镇需要", monday); err != nil {
			return err
		}
		_, err := device.Move(ctx, tx, countyScope, it.ID, townA, "调回", monday)
		return err
	})
	l := e.mustLend(scopeA, it.ID, p.ID, "2026-06-01")
	e.tx(func(tx *store.Tx) error {
		if _, err := device.Extend(ctx, tx, scopeA, l.ID, device.Extension{Reason: "仍需使用"}, monday); err != nil {
			return err
		}
		if _, err := device.ReturnLoan(ctx, tx, scopeA, l.ID, device.Return{ReturnedOn: "2026-11-20", Condition: device.CondNeedsRepair, Note: "扶手松动"}, monday); err != nil {
			return err
		}
		if _, err := device.Repaired(ctx, tx, countyScope, it.ID, device.CondGood, "已紧固", monday); err != nil {
			return err
		}
		_, err := device.Scrap(ctx, tx, countyScope, it.ID, "老化", monday)
		return err
	})
	evs, err := device.ItemEvents(context.Background(), e.db, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	var acts []device.Action
	for _, ev := range evs {
		acts = append(acts, ev.Action)
		if ev.ActorName != "康复部小王" || ev.At == "" {
			t.Errorf("event %s without who/when: %+v", ev.Action, ev)
		}
	}
	want := []device.Action{device.ActReceive, device.ActMove, device.ActMove, device.ActLend, device.ActExtend, device.ActReturnRepair, device.ActRepaired, device.ActScrap}
	if len(acts) != len(want) {
		t.Fatalf("history %v, want %v", acts, want)
	}
	for i := range want {
		if acts[i] != want[i] {
			t.Fatalf("history %v, want %v", acts, want)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE object_id IN ($1, $2) AND action >= 'device.' AND action < 'device/'`, it.ID, l.ID); n != len(want) {
		t.Errorf("%d audit entries, want %d", n, len(want))
	}
	// Scrapped is final; moving needs a place inside the scope.
	err = e.try(func(tx *store.Tx) error {
		_, err := device.Move(ctx, tx, countyScope, it.ID, townB, "", monday)
		return err
	})
	if fieldError(t, err).Key != "device.error.refused.scrapped" {
		t.Errorf("moving a scrapped item: %v", err)
	}
	other := e.items("ZX01", townA, 1, "2026-01-05")[0]
	err = e.try(func(tx *store.Tx) error {
		_, err := device.Move(ctx, tx, countyScope, other.ID, villageA, "", monday)
		return err
	})
	if fieldError(t, err).Key != "device.error.location" {
		t.Errorf("moving to a village: %v", err)
	}
}

func TestReceiveRules(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	k := e.kinds["LY01"].ID
	ok := device.Receipt{KindID: k, Quantity: 3, Source: "donation", ReceivedOn: "2026-03-01", Condition: device.CondGood, LocationCode: townA}
	var got []device.Item
	e.tx(func(tx *store.Tx) (err error) {
		got, err = device.Receive(ctx, tx, countyScope, ok, monday)
		return err
	})
	if len(got) != 3 || got[0].AssetNo != "LY01-2026-0001" || got[2].AssetNo != "LY01-2026-0003" {
		t.Fatalf("received %+v", got)
	}
	one := ok
	one.Quantity, one.AssetNo = 1, "ly01-2026-0004"
	e.tx(func(tx *store.Tx) (err error) { _, err = device.Receive(ctx, tx, countyScope, one, monday); return err })
	e.tx(func(tx *store.Tx) (err error) {
		got, err = device.Receive(ctx, tx, countyScope, device.Receipt{KindID: k, Source: "purchase", ReceivedOn: "2026-03-02", Condition: device.CondNew, LocationCode: county}, monday)
		return err
	})
	if got[0].AssetNo != "LY01-2026-0005" {
		t.Errorf("numbering skips a typed number: %s", got[0].AssetNo)
	}
	cases := []struct {
		name  string
		edit  func(*device.Receipt)
		field string
	}{
		{"no kind", func(r *device.Receipt) { r.KindID = "" }, "device.item.kind"},
		{"too many", func(r *device.Receipt) { r.Quantity = 201 }, "device.item.quantity"},
		{"number for several", func(r *device.Receipt) { r.AssetNo = "X-1" }, "device.item.asset_no"},
		{"taken number", func(r *device.Receipt) { r.Quantity, r.AssetNo = 1, "LY01-2026-0001" }, "device.item.asset_no"},
		{"bad source", func(r *device.Receipt) { r.Source = "found" }, "device.item.source"},
		{"future day", func(r *device.Receipt) { r.ReceivedOn = "2027-01-01" }, "device.item.received_on"},
		{"scrapped on arrival", func(r *device.Receipt) { r.Condition = device.CondScrapped }, "device.item.condition"},
		{"a village is no store", func(r *device.Receipt) { r.LocationCode = villageA }, "device.item.location"},
	}
	before := e.count(`SELECT COUNT(*) FROM device_items`)
	for _, c := range cases {
		r := ok
		c.edit(&r)
		err := e.try(func(tx *store.Tx) error { _, err := device.Receive(ctx, tx, countyScope, r, monday); return err })
		if fe := fieldError(t, err); fe.Field != c.field {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A township scope cannot put stock in another township.
	err := e.try(func(tx *store.Tx) error {
		_, err := device.Receive(ctx, tx, scopeA, device.Receipt{KindID: k, Source: "purchase", ReceivedOn: "2026-03-01", Condition: device.CondNew, LocationCode: townB}, monday)
		return err
	})
	if fieldError(t, err).Field != "device.item.location" {
		t.Errorf("receiving into another township: %v", err)
	}
	if n := e.count(`SELECT COUNT(*) FROM device_items`); n != before {
		t.Fatalf("refused receipts wrote %d items", n-before)
	}
}

// A township worker sees only his township's stock and his persons' loans.
func TestScopeOfLists(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	a := e.items("LY01", townA, 2, "2026-01-05")
	b := e.items("LY01", townB, 3, "2026-01-05")
	c := e.items("LY01", county, 1, "2026-01-05")
	pa := e.person("甲", villageA, registry.Physical)
	pb := e.person("乙", villageB, registry.Physical)
	la := e.mustLend(scopeA, a[0].ID, pa.ID, "2026-05-01")
	lb := e.mustLend(countyScope, c[0].ID, pb.ID, "2026-05-01")
	for _, tc := range []struct {
		s           area.Scope
		items, loan int
	}{{scopeA, 2, 1}, {scopeB, 3, 1}, {countyScope, 6, 2}} {
		items, err := device.ListItems(ctx, e.db, tc.s, device.ItemFilter{})
		if err != nil || len(items) != tc.items {
			t.Errorf("scope %s sees %d items, want %d (%v)", tc.s, len(items), tc.items, err)
		}
		loans, err := device.ListLoans(ctx, e.db, tc.s, device.LoanFilter{})
		if err != nil || len(loans) != tc.loan {
			t.Errorf("scope %s sees %d loans, want %d (%v)", tc.s, len(loans), tc.loan, err)
		}
	}
	if _, err := device.GetItem(ctx, e.db, scopeA, b[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("township A read B's item: %v", err)
	}
	if _, err := device.GetLoan(ctx, e.db, scopeA, lb.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("township A read B's loan: %v", err)
	}
	if items, _ := device.ListItems(ctx, e.db, countyScope, device.ItemFilter{Location: county}); len(items) != 1 {
		t.Errorf("the county centre's own stock: %d items", len(items))
	}
	if items, _ := device.ListItems(ctx, e.db, scopeA, device.ItemFilter{Location: townB}); len(items) != 0 {
		t.Errorf("township A filtered to B: %d items", len(items))
	}
	// The person's page: his loans, none of another township's.
	mine, err := device.PersonLoans(ctx, e.db, countyScope, pa.ID)
	if err != nil || len(mine) != 1 || mine[0].ID != la.ID {
		t.Fatalf("PersonLoans: %+v %v", mine, err)
	}
	if theirs, _ := device.PersonLoans(ctx, e.db, scopeB, pa.ID); len(theirs) != 0 {
		t.Errorf("township B sees A's person's loans")
	}
}

// A borrower who dies keeps the loan open and staff get a notice.
func TestBorrowerLeaves(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	it := e.items("HL01", townA, 1, "2026-01-05")[0]
	p := e.person("郑老", villageA, registry.Physical)
	l := e.mustLend(scopeA, it.ID, p.ID, "2026-05-01")
	e.tx(func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, countyScope, p.ID, registry.Event{EffectiveDate: "2026-11-20", Source: "家属"}, monday)
		return err
	})
	ns, err := device.Notices(context.Background(), e.db, scopeA, l.ID, 10)
	if err != nil || len(ns) != 1 || ns[0].Kind != device.NoticeHolderLeft || ns[0].Status != "staff" {
		t.Fatalf("notices: %+v %v", ns, err)
	}
	if got, _ := device.GetLoan(context.Background(), e.db, countyScope, l.ID); got.Status != device.LoanOpen {
		t.Fatalf("loan of the deceased: %s", got.Status)
	}
}

func TestOverdueAndReminders(t *testing.T) {
	e := setup(t)
	bg := context.Background()
	it := e.items("LY01", townA, 3, "2026-01-05")
	bt := e.items("LY01", townB, 1, "2026-01-05")
	pa := e.person("陈一", villageA, registry.Physical)
	pb := e.person("陈二", villageA, registry.Physical)
	pc := e.person("陈三", villageB, registry.Physical)
	late := e.mustLend(countyScope, it[0].ID, pa.ID, "2026-03-01")     // due 2026-08-28
	dueToday := e.mustLend(countyScope, it[1].ID, pb.ID, "2026-06-03") // due 2026-11-30
	lateB := e.mustLend(countyScope, bt[0].ID, pc.ID, "2026-04-01")    // due 2026-09-28
	for _, c := range []struct {
		l    device.Loan
		day  time.Time
		over bool
		days int
	}{
		{late, monday, true, 94},
		{dueToday, monday, false, 0},
		{dueToday, monday.AddDate(0, 0, 1), true, 1},
		{lateB, time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC), false, 0},
	} {
		if c.l.Overdue(c.day) != c.over || c.l.DaysOverdue(c.day) != c.days {
			t.Errorf("loan due %s on %s: overdue %v %d", c.l.DueOn, ymd(c.day), c.l.Overdue(c.day), c.l.DaysOverdue(c.day))
		}
	}
	groups, err := device.OverdueByTownship(bg, e.db, countyScope, "", monday)
	if err != nil || len(groups) != 2 || groups[0].Code != townA || len(groups[0].Loans) != 1 || groups[1].Code != townB {
		t.Fatalf("worklist: %+v %v", groups, err)
	}
	if g, _ := device.OverdueByTownship(bg, e.db, scopeB, "", monday); len(g) != 1 || g[0].Loans[0].ID != lateB.ID {
		t.Fatalf("township B's worklist: %+v", g)
	}
	// One reminder per overdue loan; again the same day or within the
	// interval adds nothing; after it, again.
	for _, c := range []struct {
		day  time.Time
		want int
	}{{monday, 2}, {monday, 0}, {monday.AddDate(0, 0, 1), 1}, {monday.AddDate(0, 0, 3), 0}, {monday.AddDate(0, 0, 7), 2}} {
		n, err := device.OverdueReminders(bg, e.db, c.day)
		if err != nil || n != c.want {
			t.Errorf("reminders on %s: %d %v, want %d", ymd(c.day), n, err, c.want)
		}
	}
	ns, _ := device.Notices(bg, e.db, countyScope, late.ID, 10)
	if len(ns) != 2 || ns[0].Phone != "13800000000" || ns[0].Status != "queued" {
		t.Fatalf("notices of the late loan: %+v", ns)
	}
	// The outbox keeps the phone sealed, and the sealing step seals a
	// notice stored in the clear before it.
	storetest.NoPlaintext(t, e.db, []string{"device_notices"}, []string{"13800000000"})
	if _, err := e.db.ExecContext(bg, `UPDATE device_notices SET phone = '13800000000' WHERE id = $1`, ns[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, m := range device.Migrations {
		if m.Version == 2026113125 {
			e.tx(func(tx *store.Tx) error { return m.Go(bg, tx) })
		}
	}
	storetest.NoPlaintext(t, e.db, []string{"device_notices"}, []string{"13800000000"})
	if again, _ := device.Notices(bg, e.db, countyScope, late.ID, 10); len(again) != 2 || again[0].Phone != "13800000000" {
		t.Fatalf("notices after sealing: %+v", again)
	}
	if ns, _ := device.Notices(bg, e.db, scopeB, late.ID, 10); len(ns) != 0 {
		t.Error("township B sees A's notices")
	}
	// A returned loan is reminded no more.
	e.tx(func(tx *store.Tx) error {
		_, err := device.ReturnLoan(ctxOf(), tx, countyScope, late.ID, device.Return{ReturnedOn: "2026-11-30", Condition: device.CondGood}, monday)
		return err
	})
	if n, _ := device.OverdueReminders(bg, e.db, monday.AddDate(0, 0, 14)); n != 2 {
		t.Errorf("after a return: %d reminders, want 2", n)
	}
}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }
