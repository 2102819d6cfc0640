package payment_test

import (
	"context"
	"slices"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// march is the standard month of dues: three living-subsidy payees in
// township A (¥33.33 each) and one in township B.
func (e *env) march() {
	e.src.owe(living, "2026-03", "case-a1", "张一", villageA, 3333)
	e.src.owe(living, "2026-03", "case-a2", "王二", villageA2, 3333)
	e.src.owe(living, "2026-03", "case-a3", "李三", villageA, 3333)
	e.src.owe(living, "2026-03", "case-b1", "赵四", villageB, 10000)
}

var marchLiving = payment.NewBatch{ProgrammeID: living, Month: "2026-03"}

// Build → confirm → pay: the lines, the exact totals, the ledger, the
// Source told inside the transaction, the audit trail.
func TestBuildConfirmPay(t *testing.T) {
	e := setup(t)
	e.march()
	b := e.mustBuild("clerk", countyScope, marchLiving)
	if b.State != payment.Draft || b.LineCount != 4 || b.TotalFen != 19999 || b.Total() != "¥199.99" || b.ScopeCode != county {
		t.Fatalf("draft: %+v", b)
	}
	ls := e.lines(countyScope, b.ID)
	if len(ls) != 4 || ls[0].Seq != 1 || ls[3].VillageCode != villageB || ls[0].Attempt != 1 || ls[0].Status != payment.LineLive {
		t.Fatalf("lines: %+v", ls)
	}
	tt := payment.TownshipTotals(ls)
	if len(tt) != 2 || tt[0].Code != townA || tt[0].Lines != 3 || tt[0].TotalFen != 9999 || tt[0].Total() != "¥99.99" || tt[1].TotalFen != 10000 {
		t.Fatalf("township totals: %+v", tt)
	}
	if err := e.confirm("clerk", countyScope, b.ID); err != nil {
		t.Fatal(err)
	}
	if e.count(`SELECT COUNT(*) FROM pay_ledger`) != 0 {
		t.Fatal("confirming wrote the ledger")
	}
	if err := e.pay("cashier", countyScope, b.ID); err != nil {
		t.Fatal(err)
	}
	b = e.get(countyScope, b.ID)
	if b.State != payment.Paid || b.PaidByName != "cashier" || b.PaidOn != "2026-03-31" || b.ConfirmedByName != "clerk" {
		t.Fatalf("paid: %+v", b)
	}
	entries, tot := e.ledger(countyScope, payment.LedgerFilter{})
	if len(entries) != 4 || tot.NetFen != 19999 || tot.PaidFen != 19999 || tot.ReversedFen != 0 || tot.Persons != 4 || tot.Entries != 4 {
		t.Fatalf("ledger: %+v", tot)
	}
	for _, en := range entries {
		if en.Kind != payment.KindPay || en.BatchID != b.ID || en.Month != "2026-03" || en.BookedOn != "2026-03-31" || en.BankAccount == "" {
			t.Fatalf("entry: %+v", en)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM fake_events WHERE kind = 'paid' AND batch_id = $1 AND month = '2026-03'`, b.ID); n != 4 {
		t.Fatalf("Source.Paid called %d times, want 4", n)
	}
	for _, act := range []string{"payment.batch.create", "payment.batch.confirm", "payment.batch.pay"} {
		if e.count(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND object_id = $2`, act, b.ID) != 1 {
			t.Errorf("no audit entry %s", act)
		}
	}
}

// The refusals of the batch's life, each with its message.
func TestRefusals(t *testing.T) {
	e := setup(t)
	e.march()
	b := e.mustBuild("clerk", countyScope, marchLiving)
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"pay a draft", func() error { return e.pay("cashier", countyScope, b.ID) }, "payment.error.pay_unconfirmed"},
		{"nothing left to build", func() error { _, err := e.build("clerk", countyScope, marchLiving); return err }, "payment.error.nothing_due"},
		{"confirm", func() error { return e.confirm("clerk", countyScope, b.ID) }, ""},
		{"confirm twice", func() error { return e.confirm("clerk", countyScope, b.ID) }, "payment.error.confirmed_twice"},
		{"builder pays (four-eyes)", func() error { return e.pay("clerk", countyScope, b.ID) }, "payment.error.four_eyes"},
		{"township worker pays a county batch", func() error { return e.pay("cashier", townAScope, b.ID) }, "payment.error.outside_scope"},
		{"pay", func() error { return e.pay("cashier", countyScope, b.ID) }, ""},
		{"pay twice", func() error { return e.pay("cashier2", countyScope, b.ID) }, "payment.error.paid_twice"},
		{"cancel a paid batch", func() error {
			ctx := as("clerk")
			return e.try(ctx, func(tx *store.Tx) error { _, err := payment.Cancel(ctx, tx, countyScope, b.ID, "错误"); return err })
		}, "payment.error.refused"},
		{"remove from a paid batch", func() error {
			ctx := as("clerk")
			return e.try(ctx, func(tx *store.Tx) error {
				return payment.RemoveLine(ctx, tx, countyScope, b.ID, e.lines(countyScope, b.ID)[0].ID, "错误")
			})
		}, "payment.error.not_draft"},
	}
	for _, c := range cases {
		err := c.run()
		switch {
		case c.want == "" && err != nil:
			t.Fatalf("%s: %v", c.name, err)
		case c.want != "" && refusal(t, err) != c.want:
			t.Errorf("%s: refused with %s, want %s", c.name, refusal(t, err), c.want)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM pay_ledger`); n != 4 {
		t.Fatalf("ledger has %d entries after paying twice, want 4", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM fake_events`); n != 4 {
		t.Fatalf("Source told %d times, want 4", n)
	}
	// The message people read names the rule.
	err := e.pay("cashier2", countyScope, b.ID)
	if msg := err.Error(); msg != "该批次已经登记发放，不能重复发放。" {
		t.Errorf("message: %q", msg)
	}
}

// Bad input is refused field by field, and nothing is written.
func TestBuildValidation(t *testing.T) {
	e := setup(t)
	e.march()
	for _, c := range []struct {
		name string
		s    area.Scope
		n    payment.NewBatch
		want []string
	}{
		{"nothing", countyScope, payment.NewBatch{}, []string{"payment.batch.month:validate.required", "payment.batch.programme:validate.required"}},
		{"unknown programme", countyScope, payment.NewBatch{ProgrammeID: "nope", Month: "2026-03"}, []string{"payment.batch.programme:payment.error.no_programme"}},
		{"month format", countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-3"}, []string{"payment.batch.month:payment.error.month_format"}},
		{"month 13", countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-13"}, []string{"payment.batch.month:payment.error.month_format"}},
		{"future month", countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-04"}, []string{"payment.batch.month:payment.error.month_future"}},
		{"area outside scope", townAScope, payment.NewBatch{ProgrammeID: living, Month: "2026-03", AreaCode: townB}, []string{"payment.batch.area:payment.error.area"}},
		{"a village is not a batch area", countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-03", AreaCode: villageA}, []string{"payment.batch.area:payment.error.area"}},
		{"bad code", countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-03", AreaCode: "34x"}, []string{"payment.batch.area:payment.error.area"}},
	} {
		_, err := e.build("clerk", c.s, c.n)
		if got := fieldErrors(t, err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM pay_batches`); n != 0 {
		t.Fatalf("%d batches written by refused builds", n)
	}
	// A month with nothing due is a refusal naming programme and month.
	_, err := e.build("clerk", countyScope, payment.NewBatch{ProgrammeID: care, Month: "2026-03"})
	if refusal(t, err) != "payment.error.nothing_due" || err.Error() != "「重度残疾人护理补贴」2026-03 没有待发放的人员：应发的都已发放或已在其他批次中。" {
		t.Fatalf("nothing due: %v", err)
	}
}

// A case already in a batch, or already paid, for the month is not put
// in another batch: Build leaves it out, AddCase refuses it, and the
// database refuses it should two builds race.
func TestNoCaseInTwoBatches(t *testing.T) {
	e := setup(t)
	e.march()
	// Township A builds its own batch first; the county's then holds only
	// township B.
	a := e.mustBuild("clerk", countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-03", AreaCode: townA})
	if a.ScopeCode != townA || a.LineCount != 3 {
		t.Fatalf("township batch: %+v", a)
	}
	c := e.mustBuild("clerk", countyScope, marchLiving)
	if got := caseIDs(e.lines(countyScope, c.ID)); !slices.Equal(got, []string{"case-b1"}) {
		t.Fatalf("county batch: %v", got)
	}
	add := func(batchID, caseID string) error {
		ctx := as("clerk")
		return e.try(ctx, func(tx *store.Tx) error {
			_, err := payment.AddCase(ctx, tx, e.src, countyScope, batchID, caseID)
			return err
		})
	}
	if err := add(c.ID, "case-a1"); refusal(t, err) != "payment.error.already_in_batch" || err.Error() != "张一 2026-03 的款项已在另一个发放批次中，不能重复列入。" {
		t.Fatalf("add a case of another batch: %v", err)
	}
	if err := add(c.ID, "case-zz"); !slices.Equal(fieldErrors(t, err), []string{"payment.add.case:payment.error.not_due"}) {
		t.Fatalf("add a case not due: %v", err)
	}
	// Once township A's batch is paid, the case is refused as paid.
	if err := e.confirm("clerk", countyScope, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.pay("cashier", countyScope, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := add(c.ID, "case-a1"); refusal(t, err) != "payment.error.already_paid" {
		t.Fatalf("add a paid case: %v", err)
	}
	// The database is the backstop: a line claiming a paid (case, month)
	// is refused even when code forgets to look.
	err := e.try(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`INSERT INTO pay_batch_lines SELECT 'dup', $1, 99, case_id, programme_id, person_id, village_code, payee_name, payee_id_number,
			bank_name, bank_account, amount_fen, month, attempt, note, 'live', '', '', '' FROM pay_batch_lines WHERE batch_id = $2 AND case_id = 'case-a1'`, c.ID, a.ID)
		return err
	})
	if !store.IsUniqueViolation(err) {
		t.Fatalf("second claim: %v", err)
	}
	if e.get(countyScope, c.ID).LineCount != 1 {
		t.Fatal("county batch changed")
	}
}

// Removing a line needs a reason and frees the case for another batch;
// AddCase puts it back; cancelling frees every case.
func TestRemoveAddCancel(t *testing.T) {
	e := setup(t)
	e.march()
	b := e.mustBuild("clerk", countyScope, marchLiving)
	ls := e.lines(countyScope, b.ID)
	remove := func(lineID, reason string) error {
		ctx := as("clerk")
		return e.try(ctx, func(tx *store.Tx) error { return payment.RemoveLine(ctx, tx, countyScope, b.ID, lineID, reason) })
	}
	if err := remove(ls[0].ID, "  "); !slices.Equal(fieldErrors(t, err), []string{"payment.remove.reason:payment.error.reason_required"}) {
		t.Fatalf("no reason: %v", err)
	}
	if err := remove(ls[0].ID, "账户信息待核实"); err != nil {
		t.Fatal(err)
	}
	if err := remove(ls[0].ID, "再次"); refusal(t, err) != "payment.error.line_not_live" {
		t.Fatalf("remove twice: %v", err)
	}
	if got := e.get(countyScope, b.ID); got.LineCount != 3 || got.TotalFen != 19999-ls[0].AmountFen {
		t.Fatalf("after removal: %+v", got)
	}
	all, _ := payment.Lines(context.Background(), e.db, countyScope, b.ID, true)
	if len(all) != 4 || all[0].Status != payment.LineRemoved || all[0].RemovedReason != "账户信息待核实" || all[0].RemovedBy != "clerk" {
		t.Fatalf("removed line: %+v", all[0])
	}
	// The removed case is owed again: a second batch takes it.
	b2 := e.mustBuild("clerk", countyScope, marchLiving)
	if got := caseIDs(e.lines(countyScope, b2.ID)); !slices.Equal(got, []string{ls[0].CaseID}) {
		t.Fatalf("second batch: %v", got)
	}
	// Cancelling the second batch frees it; AddCase puts it back in the first.
	ctx := as("clerk")
	if err := e.try(ctx, func(tx *store.Tx) error { _, err := payment.Cancel(ctx, tx, countyScope, b2.ID, ""); return err }); !slices.Equal(fieldErrors(t, err), []string{"payment.cancel.reason:payment.error.reason_required"}) {
		t.Fatalf("cancel without reason: %v", err)
	}
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := payment.Cancel(ctx, tx, countyScope, b2.ID, "重复编制")
		return err
	})
	if got := e.get(countyScope, b2.ID); got.State != payment.Cancelled || got.LineCount != 0 || got.CancelReason != "重复编制" {
		t.Fatalf("cancelled: %+v", got)
	}
	var added payment.Line
	e.tx(ctx, func(tx *store.Tx) (err error) {
		added, err = payment.AddCase(ctx, tx, e.src, countyScope, b.ID, ls[0].CaseID)
		return err
	})
	if added.Seq != 5 || added.Attempt != 1 {
		t.Fatalf("added: %+v", added)
	}
	if got := e.get(countyScope, b.ID); got.LineCount != 4 || got.TotalFen != 19999 {
		t.Fatalf("after adding back: %+v", got)
	}
	// Removing everything leaves an empty batch, which cannot be confirmed.
	for _, l := range e.lines(countyScope, b.ID) {
		if err := remove(l.ID, "本月暂停发放"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.confirm("clerk", countyScope, b.ID); refusal(t, err) != "payment.error.empty" || err.Error() != "批次中没有人员，不能确认。" {
		t.Fatalf("confirm empty: %v", err)
	}
}

// A line the bank could not pay (no account) blocks confirmation with a
// message naming the row and the field.
func TestConfirmNeedsBankDetails(t *testing.T) {
	e := setup(t)
	d := e.src.owe(living, "2026-03", "case-x", "孙五", villageA, 10000)
	e.src.dues[living+"|2026-03"][0].BankAccount = ""
	_ = d
	b := e.mustBuild("clerk", countyScope, marchLiving)
	err := e.confirm("clerk", countyScope, b.ID)
	if got := fieldErrors(t, err); !slices.Equal(got, []string{"payment.line.bank_account:validate.required"}) || err.Error() != "第 1 行「银行账号」：必须填写" {
		t.Fatalf("incomplete line: %v %v", got, err)
	}
	if e.get(countyScope, b.ID).State != payment.Draft {
		t.Fatal("confirmed anyway")
	}
}

// A reversal is a new negative entry; the case is then owed again, paid
// in a later batch as its second attempt; a payment is reversed once.
func TestReverseAndPayAgain(t *testing.T) {
	e := setup(t)
	e.march()
	b := e.paidBatch(countyScope, marchLiving)
	entries, _ := e.ledger(countyScope, payment.LedgerFilter{Person: "张一"})
	if len(entries) != 1 {
		t.Fatalf("entries of 张一: %d", len(entries))
	}
	pay := entries[0]
	if _, err := e.reverse("cashier", countyScope, pay.ID, " "); !slices.Equal(fieldErrors(t, err), []string{"payment.reverse.reason:payment.error.reason_required"}) {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := e.reverse("cashier", townBScope, pay.ID, "错发"); err != store.ErrNotFound {
		t.Fatalf("reverse outside scope: %v", err)
	}
	r, err := e.reverse("cashier", countyScope, pay.ID, "银行退回：账户已销户")
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != payment.KindReversal || r.AmountFen != -3333 || r.ReversalOf != pay.ID || r.BatchID != b.ID || r.Month != "2026-03" || r.Note != "银行退回：账户已销户" {
		t.Fatalf("reversal: %+v", r)
	}
	if n := e.count(`SELECT COUNT(*) FROM fake_events WHERE kind = 'reversed' AND case_id = 'case-a1' AND amount_fen = 3333`); n != 1 {
		t.Fatalf("Source.Reversed called %d times", n)
	}
	if _, err := e.reverse("cashier", countyScope, pay.ID, "再次"); refusal(t, err) != "payment.error.reversed_twice" {
		t.Fatalf("reverse twice: %v", err)
	}
	if _, err := e.reverse("cashier", countyScope, r.ID, "冲销冲销"); refusal(t, err) != "payment.error.reverse_reversal" {
		t.Fatalf("reverse a reversal: %v", err)
	}
	// The original entry is unchanged and marked reversed.
	got, err := payment.GetEntry(context.Background(), e.db, countyScope, pay.ID)
	if err != nil || got.AmountFen != 3333 || !got.Reversed {
		t.Fatalf("original entry: %+v %v", got, err)
	}
	_, tot := e.ledger(countyScope, payment.LedgerFilter{})
	if tot.NetFen != 19999-3333 || tot.ReversedFen != -3333 || tot.Persons != 3 || tot.Entries != 5 {
		t.Fatalf("after reversal: %+v", tot)
	}
	// Paid again: a supplementary batch for March holds only that case.
	b2 := e.paidBatch(countyScope, marchLiving)
	ls := e.lines(countyScope, b2.ID)
	if len(ls) != 1 || ls[0].CaseID != "case-a1" || ls[0].Attempt != 2 {
		t.Fatalf("supplementary batch: %+v", ls)
	}
	_, tot = e.ledger(countyScope, payment.LedgerFilter{})
	if tot.NetFen != 19999 || tot.Persons != 4 || tot.Entries != 6 {
		t.Fatalf("after paying again: %+v", tot)
	}
	if _, err := e.build("clerk", countyScope, marchLiving); refusal(t, err) != "payment.error.nothing_due" {
		t.Fatalf("third March batch: %v", err)
	}
	// The second payment can itself be reversed, and paid a third time.
	again, _ := e.ledger(countyScope, payment.LedgerFilter{BatchID: b2.ID})
	if _, err := e.reverse("cashier", countyScope, again[0].ID, "金额有误"); err != nil {
		t.Fatal(err)
	}
	b3 := e.mustBuild("clerk", countyScope, marchLiving)
	if ls := e.lines(countyScope, b3.ID); len(ls) != 1 || ls[0].Attempt != 3 {
		t.Fatalf("third attempt: %+v", ls)
	}
}

// A township worker sees and pays only her township's lines.
func TestScope(t *testing.T) {
	e := setup(t)
	e.march()
	e.src.owe(care, "2026-03", "case-c1", "钱六", villageB, 5000)
	// Her own batch holds only her township.
	a := e.mustBuild("town-a", townAScope, marchLiving)
	if a.ScopeCode != townA || a.LineCount != 3 || a.TotalFen != 9999 {
		t.Fatalf("township batch: %+v", a)
	}
	// The county builds the rest.
	c := e.mustBuild("clerk", countyScope, payment.NewBatch{ProgrammeID: care, Month: "2026-03"})
	bB := e.mustBuild("clerk", countyScope, marchLiving)
	if bB.LineCount != 1 {
		t.Fatalf("county batch of the rest: %+v", bB)
	}
	ctx := context.Background()
	list := func(s area.Scope) []string {
		bs, err := payment.List(ctx, e.db, s, payment.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	if got := list(townAScope); !slices.Equal(got, sorted(a.ID, c.ID, bB.ID)) {
		t.Fatalf("township A sees %v", got)
	}
	if got := list(countyScope); !slices.Equal(got, sorted(a.ID, c.ID, bB.ID)) {
		t.Fatalf("county sees %v", got)
	}
	// In the county batches she sees only her part: nothing of township B.
	got := e.get(townAScope, bB.ID)
	if !got.Partial || got.LineCount != 0 || got.TotalFen != 0 || len(e.lines(townAScope, bB.ID)) != 0 {
		t.Fatalf("county batch as township A: %+v", got)
	}
	if e.get(countyScope, bB.ID).Partial {
		t.Fatal("the county sees all of its own batch")
	}
	// Township B's worker does not see township A's batch at all.
	if _, err := payment.Get(ctx, e.db, townBScope, a.ID); err != store.ErrNotFound {
		t.Fatalf("township B opens A's batch: %v", err)
	}
	if got := list(townBScope); slices.Contains(got, a.ID) {
		t.Fatalf("township B lists A's batch")
	}
	// She confirms and pays her own batch (another worker records the
	// payment), but not the county's.
	if err := e.confirm("town-a", townAScope, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.pay("town-a2", townAScope, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.confirm("town-a", townAScope, bB.ID); refusal(t, err) != "payment.error.outside_scope" {
		t.Fatalf("confirm the county's batch: %v", err)
	}
	if err := e.confirm("town-b", townBScope, a.ID); err != store.ErrNotFound {
		t.Fatalf("township B confirms A's batch: %v", err)
	}
	// The ledger, too, is limited to the scope.
	if _, tot := e.ledger(townAScope, payment.LedgerFilter{}); tot.NetFen != 9999 || tot.Entries != 3 {
		t.Fatalf("township A's ledger: %+v", tot)
	}
	if _, tot := e.ledger(townBScope, payment.LedgerFilter{}); tot.Entries != 0 {
		t.Fatalf("township B sees %d of A's entries", tot.Entries)
	}
}

// Marking paid is all or nothing: when the engine refuses one line,
// nothing is paid, nothing is in the ledger, and the batch stays
// confirmed.
func TestPayIsAllOrNothing(t *testing.T) {
	e := setup(t)
	e.march()
	b := e.mustBuild("clerk", countyScope, marchLiving)
	if err := e.confirm("clerk", countyScope, b.ID); err != nil {
		t.Fatal(err)
	}
	e.src.failPaid = "case-a3"
	if err := e.pay("cashier", countyScope, b.ID); err == nil {
		t.Fatal("paid although the engine refused a line")
	}
	if e.count(`SELECT COUNT(*) FROM pay_ledger`) != 0 || e.count(`SELECT COUNT(*) FROM fake_events`) != 0 || e.get(countyScope, b.ID).State != payment.Confirmed {
		t.Fatal("a failed payment left traces")
	}
	e.src.failPaid = ""
	if err := e.pay("cashier", countyScope, b.ID); err != nil {
		t.Fatal(err)
	}
}

// The payment date is checked.
func TestPaidOn(t *testing.T) {
	e := setup(t)
	e.march()
	b := e.mustBuild("clerk", countyScope, marchLiving)
	if err := e.confirm("clerk", countyScope, b.ID); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"2026-02-30": "payment.error.date_format", "31/03/2026": "payment.error.date_format", "2026-04-01": "payment.error.date_future"} {
		ctx := as("cashier")
		err := e.try(ctx, func(tx *store.Tx) error {
			_, err := payment.Pay(ctx, tx, e.src, countyScope, b.ID, in, today)
			return err
		})
		if got := fieldErrors(t, err); !slices.Equal(got, []string{"payment.pay.paid_on:" + want}) {
			t.Errorf("%s: %v", in, got)
		}
	}
	ctx := as("cashier")
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := payment.Pay(ctx, tx, e.src, countyScope, b.ID, "2026-03-25", today)
		return err
	})
	if e.get(countyScope, b.ID).PaidOn != "2026-03-25" {
		t.Fatal("paid on")
	}
}
