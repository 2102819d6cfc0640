package payment

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// KindBankAccount is the sealing kind of a bank account number, here and
// in the programme cases the lines are built from.
const KindBankAccount = "bank_account"

// The lines and the ledger keep the payee's ID number and bank account as
// snapshots: stored sealed (package crypt), opened by every read, so the
// bank file and the lists show them as before. The ledger counts a payee
// with no person by the blind index of the ID number (payee_hash), not by
// the number.
//
// Both tables are guarded by triggers (append-only ledger, locked lines of
// a batch past draft). The guards now spare the sealed columns and their
// hash, and only those: a re-seal (this migration, `yangguang keys
// rotate`) rewrites the ciphertext of the same value; an amount, a payee
// name, a month stays unchangeable. On SQLite the guard names every other
// column (UPDATE OF …): a column added to these tables must be added to
// the list. On PostgreSQL it compares the whole row less the sealed
// columns, so a new column is guarded by itself.

func init() {
	crypt.RegisterColumns(
		crypt.Column{Table: "pay_batch_lines", Key: "id", Column: "payee_id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "pay_batch_lines", Key: "id", Column: "bank_account", Kind: KindBankAccount},
		crypt.Column{Table: "pay_ledger", Key: "id", Column: "payee_id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "pay_ledger", Key: "id", Column: "bank_account", Kind: KindBankAccount},
	)
}

const sealedColumns = `
ALTER TABLE pay_ledger ADD COLUMN payee_hash TEXT NOT NULL DEFAULT '';
DROP INDEX pay_ledger_payee;
CREATE INDEX pay_ledger_payee ON pay_ledger(payee_hash);
`

var sealedMigration = store.Migration{
	Version: 2026113123,
	Name:    "payment_sealed",
	SQL: sealedColumns + `
DROP TRIGGER pay_ledger_no_update;
CREATE TRIGGER pay_ledger_no_update BEFORE UPDATE OF id, batch_id, line_id, case_id, programme_id, person_id, village_code, payee_name,
	bank_name, amount_fen, month, kind, reversal_of, attempt, note, booked_on, created_by, created_by_name, created_at ON pay_ledger
BEGIN SELECT RAISE(ABORT, 'payment ledger is append-only'); END;
DROP TRIGGER pay_lines_locked;
CREATE TRIGGER pay_lines_locked BEFORE UPDATE OF id, batch_id, seq, case_id, programme_id, person_id, village_code, payee_name,
	bank_name, amount_fen, month, attempt, note, status, removed_reason, removed_by, removed_at ON pay_batch_lines
WHEN (SELECT state FROM pay_batches WHERE id = OLD.batch_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'payment batch is locked'); END;
`,
	PostgresSQL: sealedColumns + `
CREATE OR REPLACE FUNCTION pay_ledger_append_only() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' OR to_jsonb(OLD) - 'payee_id_number' - 'bank_account' - 'payee_hash'
			IS DISTINCT FROM to_jsonb(NEW) - 'payee_id_number' - 'bank_account' - 'payee_hash' THEN
		RAISE EXCEPTION 'payment ledger is append-only';
	END IF;
	RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION pay_lines_guard() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'payment batch lines are never deleted';
	END IF;
	IF to_jsonb(OLD) - 'payee_id_number' - 'bank_account' IS DISTINCT FROM to_jsonb(NEW) - 'payee_id_number' - 'bank_account'
			AND (SELECT state FROM pay_batches WHERE id = OLD.batch_id) <> 'draft' THEN
		RAISE EXCEPTION 'payment batch is locked';
	END IF;
	RETURN NEW;
END;
$$ LANGUAGE plpgsql;
`,
	Go: sealPayments,
}

func sealPayments(ctx context.Context, tx *sql.Tx) error {
	err := crypt.SealRows(ctx, tx, "pay_batch_lines", "id", []string{"payee_id_number", "bank_account"}, func(id string, v []string) error {
		if crypt.AnySealed(v) {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE pay_batch_lines SET payee_id_number = $1, bank_account = $2 WHERE id = $3`,
			crypt.Seal(registry.KindIDNumber, v[0]), crypt.Seal(KindBankAccount, v[1]), id)
		return err
	})
	if err != nil {
		return err
	}
	return crypt.SealRows(ctx, tx, "pay_ledger", "id", []string{"payee_id_number", "bank_account"}, func(id string, v []string) error {
		if crypt.AnySealed(v) {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE pay_ledger SET payee_id_number = $1, bank_account = $2, payee_hash = $3 WHERE id = $4`,
			crypt.Seal(registry.KindIDNumber, v[0]), crypt.Seal(KindBankAccount, v[1]), registry.IDHash(v[0]), id)
		return err
	})
}

// openPayee opens a line's or an entry's sealed payee columns in place.
func openPayee(idNumber, account *string) error {
	return crypt.OpenAll(registry.KindIDNumber, idNumber, KindBankAccount, account)
}
