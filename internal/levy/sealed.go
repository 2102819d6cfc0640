package levy

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// A declaration's employees keep the ID and certificate numbers the
// employer declared (as checked against the registry): stored sealed
// (package crypt). Nothing looks them up by number — the cross-employer
// check and the duplicates review match on person_id — so no blind index
// is kept.

// employeeKey is the rows' key for `keys rotate`: the table is keyed by
// (declaration_id, seq), and the re-seal walks a single TEXT key.
const employeeKey = `declaration_id || '/' || CAST(seq AS TEXT)`

func init() {
	crypt.RegisterColumns(
		crypt.Column{Table: "levy_employees", Key: employeeKey, Column: "id_number", Kind: registry.KindIDNumber},
		crypt.Column{Table: "levy_employees", Key: employeeKey, Column: "certificate_no", Kind: registry.KindCertificateNo},
	)
}

var sealedMigration = store.Migration{
	Version: 2026113124,
	Name:    "levy_employees_sealed",
	Go: func(ctx context.Context, tx *sql.Tx) error {
		return crypt.SealRows(ctx, tx, "levy_employees", employeeKey, []string{"id_number", "certificate_no"}, func(key string, v []string) error {
			if crypt.AnySealed(v) {
				return nil
			}
			_, err := tx.ExecContext(ctx, `UPDATE levy_employees SET id_number = $1, certificate_no = $2 WHERE `+employeeKey+` = $3`,
				crypt.Seal(registry.KindIDNumber, v[0]), crypt.Seal(registry.KindCertificateNo, v[1]), key)
			return err
		})
	},
}
