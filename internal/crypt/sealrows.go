package crypt

import (
	"context"
	"database/sql"
	"fmt"
)

// SealRows is the walk of a sealing migration's Go step: it reads table in
// primary-key order, 2000 rows at a time, and hands each row's key and the
// named columns to seal, all inside the migration's one transaction (a
// database is sealed wholly or not at all). key is a single TEXT column.
func SealRows(ctx context.Context, tx *sql.Tx, table, key string, cols []string, seal func(key string, vals []string) error) error {
	after := ""
	list := key
	for _, c := range cols {
		list += ", " + c
	}
	for {
		rows, err := tx.QueryContext(ctx, `SELECT `+list+` FROM `+table+` WHERE `+key+` > $1 ORDER BY `+key+` LIMIT 2000`, after)
		if err != nil {
			return err
		}
		type row struct {
			key  string
			vals []string
		}
		var batch []row
		for rows.Next() {
			r := row{vals: make([]string, len(cols))}
			ptrs := []any{&r.key}
			for i := range r.vals {
				ptrs = append(ptrs, &r.vals[i])
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			if err := seal(r.key, r.vals); err != nil {
				return fmt.Errorf("seal %s %s: %w", table, r.key, err)
			}
		}
		after = batch[len(batch)-1].key
	}
}

// AnySealed reports whether any of vals is sealed already: a row a
// sealing step has done (or a server wrote sealed) is left alone.
func AnySealed(vals []string) bool {
	for _, v := range vals {
		if KeyOf(v) != "" {
			return true
		}
	}
	return false
}
