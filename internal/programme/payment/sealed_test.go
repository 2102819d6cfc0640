package payment_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The payees' ID numbers and bank accounts are sealed in the lines and
// the ledger; every read opens them, and a payee with no person is still
// counted once by the blind index of the number.
func TestSealedAtRest(t *testing.T) {
	e := setup(t)
	e.march()
	// Two payees with no registered person: the same ID number twice
	// (one payee) and another one.
	for i, c := range []struct{ id, account string }{{"341599198001017777", "6222000000000001"}, {"341599198001017777", "6222000000000002"}, {"341599198002028888", "6222000000000003"}} {
		e.src.owe(living, "2026-03", "case-x"+strings.Repeat("x", i), "外来", villageA, 1000)
		last := &e.src.dues[living+"|2026-03"][len(e.src.dues[living+"|2026-03"])-1]
		last.PersonID, last.PayeeIDNumber, last.BankAccount = "", c.id, c.account
	}
	var secrets []string
	for _, d := range e.src.dues[living+"|2026-03"] {
		secrets = append(secrets, d.PayeeIDNumber, d.BankAccount)
	}
	b := e.paidBatch(countyScope, marchLiving)
	zhao, _ := e.ledger(countyScope, payment.LedgerFilter{Person: "赵四"})
	if _, err := e.reverse("cashier", countyScope, zhao[0].ID, "错发"); err != nil {
		t.Fatal(err)
	}
	storetest.NoPlaintext(t, e.db, []string{"pay_batch_lines", "pay_ledger", "audit_log"}, secrets)

	byCase := map[string]payment.Due{}
	for _, d := range e.src.dues[living+"|2026-03"] {
		byCase[d.CaseID] = d
	}
	for _, l := range e.lines(countyScope, b.ID) {
		if d := byCase[l.CaseID]; l.PayeeIDNumber != d.PayeeIDNumber || l.BankAccount != d.BankAccount {
			t.Errorf("line %s reads %s %s, want %s %s", l.CaseID, l.PayeeIDNumber, l.BankAccount, d.PayeeIDNumber, d.BankAccount)
		}
	}
	entries, totals := e.ledger(countyScope, payment.LedgerFilter{})
	for _, en := range entries {
		if d := byCase[en.CaseID]; en.PayeeIDNumber != d.PayeeIDNumber || en.BankAccount != d.BankAccount {
			t.Errorf("entry %s reads %s %s", en.CaseID, en.PayeeIDNumber, en.BankAccount)
		}
	}
	// 张一, 王二, 李三 and the two payees without a person; 赵四 reversed.
	if totals.Persons != 5 {
		t.Errorf("persons paid %d, want 5", totals.Persons)
	}
	f, err := payment.ComputeFigures(context.Background(), e.db, countyScope, "", "2026-03", "2026-03")
	if err != nil || f.Total.Persons != 5 {
		t.Errorf("figures count %d persons, want 5 (%v)", f.Total.Persons, err)
	}
}

// A database from before the sealing: the migration seals the lines of a
// paid batch and the ledger through their guards, and the guards still
// refuse any other change afterwards.
func TestSealingMigration(t *testing.T) {
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var all, before []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, payment.Migrations} {
		all = append(all, m...)
	}
	for _, m := range all {
		if m.Version < 2026113123 {
			before = append(before, m)
		}
	}
	if err := db.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	const idn, account = "341599198001017777", "6222000011112222"
	for _, q := range []string{
		`INSERT INTO pay_batches VALUES ('b1', 'p', 'P', '2026-03', '', 'draft', 1, 100, '', '', '', '', '', '', '', '', '', '', '', '', '', '', 1)`,
		`INSERT INTO pay_batch_lines VALUES ('l1', 'b1', 1, 'c1', 'p', '', '341599001001', 'n', '` + idn + `', 'b', '` + account + `', 100, '2026-03', 1, '', 'live', '', '', '')`,
		`UPDATE pay_batches SET state = 'paid' WHERE id = 'b1'`,
		`INSERT INTO pay_ledger VALUES ('e1', 'b1', 'l1', 'c1', 'p', '', '341599001001', 'n', '` + idn + `', 'b', '` + account + `', 100, '2026-03', 'pay', '', 1, '', '2026-03-25', '', '', '')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, all); err != nil {
		t.Fatal(err)
	}
	storetest.NoPlaintext(t, db, []string{"pay_batch_lines", "pay_ledger"}, []string{idn, account})
	var sealedID, sealedAccount, hash string
	if err := db.QueryRowContext(ctx, `SELECT payee_id_number, bank_account, payee_hash FROM pay_ledger WHERE id = 'e1'`).Scan(&sealedID, &sealedAccount, &hash); err != nil {
		t.Fatal(err)
	}
	if err := crypt.OpenAll(registry.KindIDNumber, &sealedID, payment.KindBankAccount, &sealedAccount); err != nil || sealedID != idn || sealedAccount != account || hash != registry.IDHash(idn) {
		t.Fatalf("ledger after sealing: %s %s %s %v", sealedID, sealedAccount, hash, err)
	}
	for _, q := range []string{`UPDATE pay_ledger SET amount_fen = 1 WHERE id = 'e1'`, `UPDATE pay_batch_lines SET amount_fen = 1 WHERE id = 'l1'`, `DELETE FROM pay_ledger`} {
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q); return err }); err == nil {
			t.Errorf("%s: allowed after the sealing", q)
		}
	}
}
