package crypt

import (
	"context"
	"fmt"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// ResealStats counts what a re-seal pass did, per column ("table.column").
type ResealStats struct {
	Column   string
	Scanned  int
	Resealed int
}

// Reseal re-seals, with the current key, every value of the registered
// columns that another key sealed. It reads each table in primary-key
// order, batch rows at a time, and writes each batch in its own short
// transaction, so a running server keeps serving: a row changed meanwhile
// is left alone (the update names the old value) and, being written by
// the server, is sealed with whatever key it uses — run the pass again
// until it re-seals nothing. progress, when set, is told after each batch.
func Reseal(ctx context.Context, db *store.DB, batch int, progress func(ResealStats)) ([]ResealStats, error) {
	k := must()
	if batch <= 0 {
		batch = 1000
	}
	cur := k.Current()
	var out []ResealStats
	for _, c := range Columns() {
		st := ResealStats{Column: c.Table + "." + c.Column}
		after := ""
		first := true
		for {
			var q string
			args := []any{}
			if first {
				q = `SELECT ` + c.Key + `, ` + c.Column + ` FROM ` + c.Table + ` ORDER BY ` + c.Key + ` LIMIT $1`
				args = append(args, batch)
			} else {
				q = `SELECT ` + c.Key + `, ` + c.Column + ` FROM ` + c.Table + ` WHERE ` + c.Key + ` > $1 ORDER BY ` + c.Key + ` LIMIT $2`
				args = append(args, after, batch)
			}
			type row struct{ key, val string }
			var rows []row
			rs, err := db.QueryContext(ctx, q, args...)
			if err != nil {
				return out, fmt.Errorf("%s: %w", st.Column, err)
			}
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.key, &r.val); err != nil {
					rs.Close()
					return out, err
				}
				rows = append(rows, r)
			}
			rs.Close()
			if err := rs.Err(); err != nil {
				return out, err
			}
			if len(rows) == 0 {
				break
			}
			first = false
			after = rows[len(rows)-1].key
			st.Scanned += len(rows)
			var stale []row
			for _, r := range rows {
				if id := KeyOf(r.val); id != "" && id != cur {
					stale = append(stale, r)
				}
			}
			if len(stale) > 0 {
				n := 0
				err := db.InTx(ctx, func(tx *store.Tx) error {
					n = 0
					for _, r := range stale {
						plain, err := k.Open(c.Kind, r.val)
						if err != nil {
							return fmt.Errorf("%s %s: %w", st.Column, r.key, err)
						}
						res, err := tx.ExecContext(ctx, `UPDATE `+c.Table+` SET `+c.Column+` = $1 WHERE `+c.Key+` = $2 AND `+c.Column+` = $3`,
							k.Seal(c.Kind, plain), r.key, r.val)
						if err != nil {
							return fmt.Errorf("%s %s: %w", st.Column, r.key, err)
						}
						m, _ := res.RowsAffected()
						n += int(m)
					}
					return nil
				})
				if err != nil {
					return out, err
				}
				st.Resealed += n
			}
			if progress != nil {
				progress(st)
			}
			if len(rows) < batch {
				break
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// KeyUse counts, per registered column, the values sealed by each key id
// (what `yangguang keys status` prints).
func KeyUse(ctx context.Context, db *store.DB) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for _, c := range Columns() {
		name := c.Table + "." + c.Column
		out[name] = map[string]int{}
		rows, err := db.QueryContext(ctx, `SELECT `+c.Column+` FROM `+c.Table+` WHERE `+c.Column+` <> ''`)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, err
			}
			id := KeyOf(v)
			if id == "" {
				id = "plain"
			}
			out[name][id]++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
