package certify

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The certification tables keep their own copies of personal numbers (an
// applicant may not be registered yet) and the expert's findings (the
// diagnosis, 评残结论): all stored sealed, as the registry's (package
// crypt). Applications and declared relatives are matched by the blind
// index of the ID number, the same one the registry uses, so a lookup
// costs one index probe and no plaintext.

// KindFindings is the sealing kind of an assessment's findings.
const KindFindings = "cert_findings"

func init() {
	crypt.RegisterColumns(
		crypt.Column{Table: "cert_applications", Key: "id", Column: "id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "cert_applications", Key: "id", Column: "phone", Kind: registry.KindPhone},
		crypt.Column{Table: "cert_applications", Key: "id", Column: "certificate_no", Kind: registry.KindCertificateNo},
		crypt.Column{Table: "cert_applications", Key: "id", Column: "findings", Kind: KindFindings},
		crypt.Column{Table: "cert_expert_conflicts", Key: "id", Column: "id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "cert_certificates", Key: "id", Column: "certificate_no", Kind: registry.KindCertificateNo},
		crypt.Column{Table: "cert_renewals", Key: "id", Column: "certificate_no", Kind: registry.KindCertificateNo},
		crypt.Column{Table: "cert_sms_outbox", Key: "id", Column: "phone", Kind: registry.KindPhone},
	)
}

// sealedMigration seals the copies in place. The relatives table is
// rebuilt: its key was (expert, ID number), which must become the hash,
// and SQLite cannot alter a primary key; a surrogate id gives `keys
// rotate` the single-column key it re-seals by.
var sealedMigration = store.Migration{
	Version: 2026113120,
	Name:    "certify_sealed",
	SQL: `
ALTER TABLE cert_applications ADD COLUMN id_hash TEXT NOT NULL DEFAULT '';
DROP INDEX cert_applications_id_number;
CREATE TABLE cert_expert_conflicts_sealed (
	id        TEXT PRIMARY KEY,
	expert_id TEXT NOT NULL REFERENCES cert_experts(id),
	id_hash   TEXT NOT NULL,          -- registry.IDHash of the relative's ID number
	id_number TEXT NOT NULL,          -- sealed
	relation  TEXT NOT NULL
);
`,
	Go: sealCertify,
}

// sealedSwap puts the rebuilt relatives table in place and indexes the
// hashes, after the rows are written.
var sealedSwap = store.Migration{
	Version: 2026113121,
	Name:    "certify_sealed_indexes",
	SQL: `
DROP TABLE cert_expert_conflicts;
ALTER TABLE cert_expert_conflicts_sealed RENAME TO cert_expert_conflicts;
CREATE UNIQUE INDEX cert_expert_conflicts_person ON cert_expert_conflicts(expert_id, id_hash);
CREATE INDEX cert_applications_id_hash ON cert_applications(id_hash, filed_on);
`,
}

func sealCertify(ctx context.Context, tx *sql.Tx) error {
	err := crypt.SealRows(ctx, tx, "cert_applications", "id", []string{"id_number", "phone", "certificate_no", "findings"}, func(id string, v []string) error {
		if crypt.AnySealed(v) {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE cert_applications SET id_number = $1, id_hash = $2, phone = $3, certificate_no = $4, findings = $5 WHERE id = $6`,
			crypt.Seal(registry.KindIDNumber, v[0]), registry.IDHash(v[0]), crypt.Seal(registry.KindPhone, v[1]),
			crypt.Seal(registry.KindCertificateNo, v[2]), crypt.Seal(KindFindings, v[3]), id)
		return err
	})
	if err != nil {
		return err
	}
	// The old table's key is (expert_id, id_number): walk it by expert.
	rows, err := tx.QueryContext(ctx, `SELECT expert_id, id_number, relation FROM cert_expert_conflicts ORDER BY expert_id, id_number`)
	if err != nil {
		return err
	}
	type conflict struct{ expert, idn, relation string }
	var all []conflict
	for rows.Next() {
		var c conflict
		if err := rows.Scan(&c.expert, &c.idn, &c.relation); err != nil {
			rows.Close()
			return err
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range all {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cert_expert_conflicts_sealed (id, expert_id, id_hash, id_number, relation) VALUES ($1, $2, $3, $4, $5)`,
			store.NewID(), c.expert, registry.IDHash(c.idn), crypt.Seal(registry.KindIDNumber, c.idn), c.relation); err != nil {
			return fmt.Errorf("seal conflict of expert %s: %w", c.expert, err)
		}
	}
	for _, t := range []string{"cert_certificates", "cert_renewals"} {
		err := crypt.SealRows(ctx, tx, t, "id", []string{"certificate_no"}, func(id string, v []string) error {
			if crypt.AnySealed(v) {
				return nil
			}
			_, err := tx.ExecContext(ctx, `UPDATE `+t+` SET certificate_no = $1 WHERE id = $2`, crypt.Seal(registry.KindCertificateNo, v[0]), id)
			return err
		})
		if err != nil {
			return err
		}
	}
	return crypt.SealRows(ctx, tx, "cert_sms_outbox", "id", []string{"phone"}, func(id string, v []string) error {
		if crypt.AnySealed(v) {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE cert_sms_outbox SET phone = $1 WHERE id = $2`, crypt.Seal(registry.KindPhone, v[0]), id)
		return err
	})
}
