package registry

import (
	"context"
	"database/sql"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// backfillInitials fills name_initials for persons registered before the
// column existed; SQL cannot compute pinyin, so this step is Go.
var backfillInitials = store.Migration{
	Version: 2026112807,
	Name:    "person_initials_backfill",
	Go: func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, name FROM persons WHERE name_initials = '' AND name <> ''`)
		if err != nil {
			return err
		}
		type row struct{ id, name string }
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.name); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			if _, err := tx.ExecContext(ctx, `UPDATE persons SET name_initials = $2 WHERE id = $1`, r.id, NameInitials(r.name)); err != nil {
				return err
			}
		}
		return nil
	},
}
