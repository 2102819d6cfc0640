package payment

import "github.com/yangguang-cdpf/yangguang/internal/store"

// The payment tables keep snapshots (payee, bank account, village) rather
// than references: a bank file and the ledger must say what was paid to
// whom even after the person's record or the case changes.
//
// Two guards are in the database, not only in code:
//   - a (case, month) is claimed by one live batch line per attempt
//     (pay_lines_claim) and paid once per attempt in the ledger
//     (pay_ledger_once). The attempt is 1 + the number of reversals of
//     that (case, month), so only a reversal opens the way to paying it
//     again, and each pay entry is reversed at most once
//     (pay_ledger_reversal_once);
//   - the ledger refuses UPDATE and DELETE (triggers, as audit_log), and
//     the lines of a batch no longer in draft refuse UPDATE; no line is
//     ever deleted.
const paymentTables = `
CREATE TABLE pay_batches (
	id                TEXT PRIMARY KEY,
	programme_id      TEXT NOT NULL,
	programme_name    TEXT NOT NULL,      -- snapshot for lists and the bank file
	month             TEXT NOT NULL,      -- YYYY-MM the batch pays for
	scope_code        TEXT NOT NULL,      -- 12-digit code of the county or township it covers; '' everything
	state             TEXT NOT NULL,      -- draft, confirmed, paid, cancelled
	line_count        INTEGER NOT NULL,   -- live lines
	total_fen         BIGINT NOT NULL,    -- sum of live lines, fen
	created_by        TEXT NOT NULL,
	created_by_name   TEXT NOT NULL,
	created_at        TEXT NOT NULL,
	confirmed_by      TEXT NOT NULL,
	confirmed_by_name TEXT NOT NULL,
	confirmed_at      TEXT NOT NULL,
	paid_by           TEXT NOT NULL,
	paid_by_name      TEXT NOT NULL,
	paid_at           TEXT NOT NULL,
	paid_on           TEXT NOT NULL,      -- YYYY-MM-DD the bank paid
	cancelled_by      TEXT NOT NULL,
	cancelled_at      TEXT NOT NULL,
	cancel_reason     TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	version           INTEGER NOT NULL
);
CREATE INDEX pay_batches_scope ON pay_batches(scope_code, month);
CREATE INDEX pay_batches_programme ON pay_batches(programme_id, month);
CREATE TABLE pay_batch_lines (
	id              TEXT PRIMARY KEY,
	batch_id        TEXT NOT NULL REFERENCES pay_batches(id),
	seq             INTEGER NOT NULL,     -- 序号 in the batch
	case_id         TEXT NOT NULL,
	programme_id    TEXT NOT NULL,
	person_id       TEXT NOT NULL,
	village_code    TEXT NOT NULL,
	payee_name      TEXT NOT NULL,
	payee_id_number TEXT NOT NULL,
	bank_name       TEXT NOT NULL,
	bank_account    TEXT NOT NULL,
	amount_fen      BIGINT NOT NULL,
	month           TEXT NOT NULL,
	attempt         INTEGER NOT NULL,     -- 1 + reversals of (case, month) when built
	note            TEXT NOT NULL,
	status          TEXT NOT NULL,        -- live, removed, cancelled
	removed_reason  TEXT NOT NULL,
	removed_by      TEXT NOT NULL,
	removed_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX pay_lines_seq ON pay_batch_lines(batch_id, seq);
CREATE UNIQUE INDEX pay_lines_claim ON pay_batch_lines(case_id, month, attempt) WHERE status = 'live';
CREATE INDEX pay_lines_batch_area ON pay_batch_lines(batch_id, village_code);
CREATE INDEX pay_lines_programme ON pay_batch_lines(programme_id, month);
CREATE TABLE pay_ledger (
	id              TEXT PRIMARY KEY,
	batch_id        TEXT NOT NULL REFERENCES pay_batches(id),
	line_id         TEXT NOT NULL,        -- the batch line paid
	case_id         TEXT NOT NULL,
	programme_id    TEXT NOT NULL,
	person_id       TEXT NOT NULL,
	village_code    TEXT NOT NULL,
	payee_name      TEXT NOT NULL,
	payee_id_number TEXT NOT NULL,
	bank_name       TEXT NOT NULL,
	bank_account    TEXT NOT NULL,
	amount_fen      BIGINT NOT NULL,      -- negative for a reversal
	month           TEXT NOT NULL,        -- YYYY-MM the money is for
	kind            TEXT NOT NULL,        -- pay, reversal
	reversal_of     TEXT NOT NULL,        -- the pay entry a reversal undoes; '' for pay
	attempt         INTEGER NOT NULL,
	note            TEXT NOT NULL,        -- the line's note, or the reversal's reason
	booked_on       TEXT NOT NULL,        -- YYYY-MM-DD paid or reversed
	created_by      TEXT NOT NULL,
	created_by_name TEXT NOT NULL,
	created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX pay_ledger_once ON pay_ledger(case_id, month, attempt) WHERE kind = 'pay';
CREATE UNIQUE INDEX pay_ledger_reversal_once ON pay_ledger(reversal_of) WHERE kind = 'reversal';
CREATE INDEX pay_ledger_area ON pay_ledger(village_code, month);
CREATE INDEX pay_ledger_programme ON pay_ledger(programme_id, month);
CREATE INDEX pay_ledger_batch ON pay_ledger(batch_id);
CREATE INDEX pay_ledger_person ON pay_ledger(person_id);
CREATE INDEX pay_ledger_payee ON pay_ledger(payee_id_number);
`

// Migrations creates the batches, their lines and the ledger, with the
// guards the two engines spell differently.
var Migrations = []store.Migration{{
	Version: 2026113020,
	Name:    "payment_batches_ledger",
	SQL: paymentTables + `
CREATE TRIGGER pay_ledger_no_update BEFORE UPDATE ON pay_ledger
BEGIN SELECT RAISE(ABORT, 'payment ledger is append-only'); END;
CREATE TRIGGER pay_ledger_no_delete BEFORE DELETE ON pay_ledger
BEGIN SELECT RAISE(ABORT, 'payment ledger is append-only'); END;
CREATE TRIGGER pay_lines_no_delete BEFORE DELETE ON pay_batch_lines
BEGIN SELECT RAISE(ABORT, 'payment batch lines are never deleted'); END;
CREATE TRIGGER pay_lines_locked BEFORE UPDATE ON pay_batch_lines
WHEN (SELECT state FROM pay_batches WHERE id = OLD.batch_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'payment batch is locked'); END;
`,
	PostgresSQL: paymentTables + `
CREATE FUNCTION pay_ledger_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'payment ledger is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pay_ledger_no_change BEFORE UPDATE OR DELETE ON pay_ledger
FOR EACH ROW EXECUTE FUNCTION pay_ledger_append_only();
CREATE FUNCTION pay_lines_guard() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'payment batch lines are never deleted';
	END IF;
	IF (SELECT state FROM pay_batches WHERE id = OLD.batch_id) <> 'draft' THEN
		RAISE EXCEPTION 'payment batch is locked';
	END IF;
	RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pay_lines_guard BEFORE UPDATE OR DELETE ON pay_batch_lines
FOR EACH ROW EXECUTE FUNCTION pay_lines_guard();
`,
}, sealedMigration}
