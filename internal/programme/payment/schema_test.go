package payment_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The database itself refuses paying a (case, month) twice without a
// reversal, reversing a payment twice, a second live claim, and any
// change to the ledger or to the lines of a batch past its draft.
func TestDatabaseGuards(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	exec := func(query string, args ...any) error {
		return e.db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, query, args...); return err })
	}
	batch := func(id, state string) {
		t.Helper()
		if err := exec(`INSERT INTO pay_batches VALUES ($1, 'p', 'P', '2026-03', '', $2, 0, 0, '', '', '', '', '', '', '', '', '', '', '', '', '', '', 1)`, id, state); err != nil {
			t.Fatal(err)
		}
	}
	batch("b-draft", "draft")
	batch("b-paid", "paid")
	seq := 0
	line := func(id, batchID, caseID string, attempt int, status string) error {
		seq++
		return exec(`INSERT INTO pay_batch_lines VALUES ($1, $2, $3, $4, 'p', 'x', '341599001001', 'n', 'i', 'b', 'a', 100, '2026-03', $5, '', $6, '', '', '')`,
			id, batchID, seq, caseID, attempt, status)
	}
	entry := func(id, caseID string, attempt int, kind, of string) error {
		return exec(`INSERT INTO pay_ledger VALUES ($1, 'b-paid', 'l', $2, 'p', 'x', '341599001001', 'n', 'i', 'b', 'a', 100, '2026-03', $3, $4, $5, '', '2026-03-25', '', '', '', '')`,
			id, caseID, kind, of, attempt)
	}
	for _, c := range []struct {
		name   string
		run    func() error
		refuse bool
	}{
		{"first claim", func() error { return line("l1", "b-draft", "c1", 1, "live") }, false},
		{"second live claim of the same case and month", func() error { return line("l2", "b-paid", "c1", 1, "live") }, true},
		{"a removed line does not claim", func() error { return line("l3", "b-draft", "c2", 1, "removed") }, false},
		{"claim after the removal", func() error { return line("l4", "b-paid", "c2", 1, "live") }, false},
		{"claim of the next attempt", func() error { return line("l5", "b-paid", "c1", 2, "live") }, false},
		{"first payment", func() error { return entry("e1", "c1", 1, "pay", "") }, false},
		{"the same payment again", func() error { return entry("e2", "c1", 1, "pay", "") }, true},
		{"reversal", func() error { return entry("e3", "c1", 1, "reversal", "e1") }, false},
		{"a second reversal of the same payment", func() error { return entry("e4", "c1", 1, "reversal", "e1") }, true},
		{"payment after the reversal", func() error { return entry("e5", "c1", 2, "pay", "") }, false},
		{"ledger update", func() error { return exec(`UPDATE pay_ledger SET amount_fen = 1 WHERE id = 'e1'`) }, true},
		{"ledger delete", func() error { return exec(`DELETE FROM pay_ledger WHERE id = 'e3'`) }, true},
		{"line of a draft changes", func() error { return exec(`UPDATE pay_batch_lines SET note = 'x' WHERE id = 'l1'`) }, false},
		{"line of a paid batch changes", func() error { return exec(`UPDATE pay_batch_lines SET amount_fen = 1 WHERE id = 'l4'`) }, true},
		{"line delete", func() error { return exec(`DELETE FROM pay_batch_lines WHERE id = 'l3'`) }, true},
		// A re-seal (keys rotate) rewrites the sealed columns and the hash
		// of the same values, and nothing else: allowed in the ledger and
		// in a paid batch's lines; anything beside it is not.
		{"ledger re-seal", func() error {
			return exec(`UPDATE pay_ledger SET bank_account = $1, payee_id_number = $2, payee_hash = $3 WHERE id = 'e1'`,
				crypt.Seal(payment.KindBankAccount, "6222000011112222"), crypt.Seal(registry.KindIDNumber, "341599001001"), "h")
		}, false},
		{"ledger re-seal with an amount", func() error {
			return exec(`UPDATE pay_ledger SET bank_account = $1, amount_fen = 1 WHERE id = 'e1'`, crypt.Seal(payment.KindBankAccount, "6222000011112222"))
		}, true},
		{"ledger payee renamed", func() error { return exec(`UPDATE pay_ledger SET payee_name = 'm' WHERE id = 'e1'`) }, true},
		{"paid batch's line re-seal", func() error {
			return exec(`UPDATE pay_batch_lines SET bank_account = $1, payee_id_number = $2 WHERE id = 'l4'`,
				crypt.Seal(payment.KindBankAccount, "6222000011112222"), crypt.Seal(registry.KindIDNumber, "341599001001"))
		}, false},
		{"paid batch's line re-seal with an amount", func() error {
			return exec(`UPDATE pay_batch_lines SET bank_account = $1, amount_fen = 2 WHERE id = 'l4'`, crypt.Seal(payment.KindBankAccount, "6222000011112222"))
		}, true},
	} {
		err := c.run()
		if c.refuse && err == nil || !c.refuse && err != nil {
			t.Errorf("%s: refused=%v (%v), want refused=%v", c.name, err != nil, err, c.refuse)
		}
	}
	if n := e.count(`SELECT COUNT(*) FROM pay_ledger`); n != 3 {
		t.Errorf("ledger has %d entries, want 3", n)
	}
	var amount int64
	if err := e.db.QueryRowContext(ctx, `SELECT amount_fen FROM pay_ledger WHERE id = 'e1'`).Scan(&amount); err != nil || amount != 100 {
		t.Errorf("entry changed: %d %v", amount, err)
	}
	var account string
	if err := e.db.QueryRowContext(ctx, `SELECT bank_account FROM pay_batch_lines WHERE id = 'l4'`).Scan(&account); err != nil {
		t.Fatal(err)
	}
	if plain, err := crypt.Open(payment.KindBankAccount, account); err != nil || plain != "6222000011112222" {
		t.Errorf("re-sealed line's account opens to %q, %v", plain, err)
	}
}
