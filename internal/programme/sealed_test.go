package programme_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// A case's copies of the person's and the payee's ID numbers and of the
// bank account are sealed; the case reads them back, the payment source
// hands the bank the plain values, and the list finds the case by the
// person's ID number (through its blind index), inside the scope only.
func TestSealedAtRest(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	child := e.person("小耳", 5, registry.Hearing, registry.Grade1, inTownB)
	father := registry.MakeIDNumber("341599", born(35), 917, 1)
	const account = "6222000011119999"
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCochlear).ID, PersonID: child.ID, PayeeName: "小耳父", PayeeIDNumber: father,
		PayeeRelation: "父亲", BankName: "农商行", BankAccount: account})
	e.approve(c.ID)
	// The account given at entitlement replaces the filed one, sealed too.
	const changed = "6222000011110000"
	e.step("clerk", c.ID, programme.Move{Action: programme.ActEntitle, BankName: "农商行", BankAccount: changed})
	storetest.NoPlaintext(t, e.db, []string{"prog_cases", "prog_events", "audit_log"}, []string{child.IDNumber, father, account, changed})

	got := e.get(c.ID)
	if got.IDNumber != child.IDNumber || got.PayeeIDNumber != father || got.BankAccount != changed {
		t.Fatalf("case read back %s %s %s", got.IDNumber, got.PayeeIDNumber, got.BankAccount)
	}
	due, err := programme.PaymentSource{}.Due(ctx, e.db, countyScope, c.ProgrammeID, "2026-11")
	if err != nil || len(due) != 1 || due[0].PayeeIDNumber != father || due[0].BankAccount != changed {
		t.Fatalf("due %+v %v", due, err)
	}
	for _, s := range []struct {
		scope area.Scope
		query string
		want  int
	}{
		{countyScope, child.IDNumber, 1},
		{countyScope, strings.ToLower(child.IDNumber[:6]) + " " + child.IDNumber[6:], 1},
		{countyScope, c.Code, 1},
		{countyScope, father, 0}, // the payee is not the person
		{area.ScopeOf(townA), child.IDNumber, 0},
	} {
		cs, err := programme.ListCases(ctx, e.db, s.scope, programme.CaseFilter{Query: s.query})
		if err != nil || len(cs) != s.want {
			t.Errorf("search %q in %s: %d cases, want %d (%v)", s.query, s.scope, len(cs), s.want, err)
		}
	}
}

// A database from before the sealing: the migration seals the cases and
// writes their hashes.
func TestSealingMigration(t *testing.T) {
	e := setup(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	p := e.person("老张", 50, registry.Physical, registry.Grade1, dibao)
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeLivingSubsidy).ID, PersonID: p.ID, BankName: "农商行", BankAccount: "6222000011113333"})
	// Put the row back as it was stored before, and run the step again.
	if _, err := e.db.ExecContext(ctx, `UPDATE prog_cases SET id_number = $1, payee_id_number = $1, bank_account = '6222000011113333', id_hash = '' WHERE id = $2`,
		p.IDNumber, c.ID); err != nil {
		t.Fatal(err)
	}
	for _, m := range programme.Migrations {
		if m.Version == 2026113122 {
			if err := e.db.InTx(ctx, func(tx *store.Tx) error { return m.Go(ctx, tx) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	storetest.NoPlaintext(t, e.db, []string{"prog_cases"}, []string{p.IDNumber, "6222000011113333"})
	if got := e.get(c.ID); got.IDNumber != p.IDNumber || got.BankAccount != "6222000011113333" {
		t.Fatalf("after sealing %+v", got)
	}
	if cs, err := programme.ListCases(ctx, e.db, countyScope, programme.CaseFilter{Query: p.IDNumber}); err != nil || len(cs) != 1 {
		t.Fatalf("found by ID number after sealing: %d %v", len(cs), err)
	}
}
