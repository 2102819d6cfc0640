package programme

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// A case keeps copies of the person's ID number and of the payee's ID
// number and bank account (what the bank is told to pay): stored sealed
// (package crypt), the person's number with the registry's blind index for
// the case list's search by ID number.
//
// No diagnosis text is stored here: the programme-held diagnoses are tags
// (prog_person_tags: autism, cerebral_palsy), codes the eligibility rules
// and counts match on, not free text.

func init() {
	crypt.RegisterColumns(
		crypt.Column{Table: "prog_cases", Key: "id", Column: "id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "prog_cases", Key: "id", Column: "payee_id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "prog_cases", Key: "id", Column: "bank_account", Kind: payment.KindBankAccount},
	)
}

var sealedMigration = store.Migration{
	Version: 2026113122,
	Name:    "programme_cases_sealed",
	SQL: `
ALTER TABLE prog_cases ADD COLUMN id_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX prog_cases_id_hash ON prog_cases(id_hash);
`,
	Go: func(ctx context.Context, tx *sql.Tx) error {
		return crypt.SealRows(ctx, tx, "prog_cases", "id", []string{"id_number", "payee_id_number", "bank_account"}, func(id string, v []string) error {
			if crypt.AnySealed(v) {
				return nil
			}
			_, err := tx.ExecContext(ctx, `UPDATE prog_cases SET id_number = $1, id_hash = $2, payee_id_number = $3, bank_account = $4 WHERE id = $5`,
				crypt.Seal(registry.KindIDNumber, v[0]), registry.IDHash(v[0]), crypt.Seal(registry.KindIDNumber, v[1]),
				crypt.Seal(payment.KindBankAccount, v[2]), id)
			return err
		})
	},
}

// open opens a case's sealed columns after a scan of fields().
func (c *Case) open() error {
	return crypt.OpenAll(registry.KindIDNumber, &c.IDNumber, registry.KindIDNumber, &c.PayeeIDNumber, payment.KindBankAccount, &c.BankAccount)
}
