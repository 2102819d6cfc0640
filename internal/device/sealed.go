package device

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The reminder outbox keeps the phone a notice goes to: stored sealed
// (package crypt), as the registry's phones are. Nothing looks a notice up
// by phone.

func init() {
	crypt.RegisterColumns(crypt.Column{Table: "device_notices", Key: "id", Column: "phone", Kind: registry.KindPhone})
}

var sealedMigration = store.Migration{
	Version: 2026113125,
	Name:    "device_notices_sealed",
	Go: func(ctx context.Context, tx *sql.Tx) error {
		return crypt.SealRows(ctx, tx, "device_notices", "id", []string{"phone"}, func(id string, v []string) error {
			if crypt.AnySealed(v) {
				return nil
			}
			_, err := tx.ExecContext(ctx, `UPDATE device_notices SET phone = $1 WHERE id = $2`, crypt.Seal(registry.KindPhone, v[0]), id)
			return err
		})
	},
}
