package registry

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Bulk loads write many rows per INSERT and commit every bulkRowsPerTx
// rows, so a load of a million rows neither holds one giant transaction nor
// pays a commit (an fsync on SQLite) per row.
const bulkRowsPerTx = 50_000

// rowsPerStatement is how many rows of cols columns one INSERT carries.
// PostgreSQL gains from fewer round trips up to a few hundred rows (500 ×
// 33 columns is below its 65535 parameters). SQLite has no round trip to
// save, and a statement of several rows needs a statement journal (it could
// fail half-way) where a statement of one row does not; besides, the
// modernc driver looks up each $N parameter's name in a list, so a
// statement costs the square of its parameters. One prepared row at a time
// measured fastest: 100 k demo persons took 4.8 s of CPU at one row a
// statement, 5.8 s at 5 (and earlier 5.9 s at 5, 7.4 s at 15, 8.5 s at
// 25 of wall time); the import of 100 k rows 7.6 s at one, 9.0 s at 5.
func rowsPerStatement(d store.Dialect, cols int) int {
	if d == store.Postgres {
		return min(500, 65535/cols)
	}
	return 1
}

// BulkInsert loads persons that are already valid (the demo, benchmarks,
// and later a checked import) as fast as the database allows. It records one
// audit entry for the whole load, not one per person, and writes no history
// (BulkInsertHistory adds what there is). Persons are committed in chunks:
// on error, the chunks before it stay loaded and a failed audit entry says
// how many.
func BulkInsert(ctx context.Context, db *store.DB, persons []Person) error {
	err := bulkLoad(ctx, db, "persons", personColumnList, len(persons), ActionBulkLoad, func(i int, args []any) []any {
		return append(args, persons[i].values()...)
	})
	if err != nil {
		return err
	}
	// The components of 多重 disabilities, once their persons exist.
	type row struct {
		id string
		c  Component
	}
	var comps []row
	for i := range persons {
		for _, c := range persons[i].Components {
			comps = append(comps, row{persons[i].ID, c})
		}
	}
	return bulkLoad(ctx, db, "person_components", []string{"person_id", "category", "grade"}, len(comps), ActionComponentBulkLoad,
		func(i int, args []any) []any {
			return append(args, comps[i].id, int(comps[i].c.Category), int(comps[i].c.Grade))
		})
}

// BulkInsertHistory loads history entries of persons already loaded (see
// DemoHistory), with one audit entry for the load.
func BulkInsertHistory(ctx context.Context, db *store.DB, entries []HistoryEntry) error {
	cols := []string{"id", "person_id", "seq", "at", "actor", "change", "before_json", "after_json", "reason", "effective_date", "source"}
	return bulkLoad(ctx, db, "person_history", cols, len(entries), ActionHistoryBulkLoad, func(i int, args []any) []any {
		h := &entries[i]
		return append(args, h.ID, h.PersonID, h.Seq, h.At, h.Actor, string(h.Change), crypt.Seal(KindHistory, h.Before), crypt.Seal(KindHistory, h.After), h.Reason, h.EffectiveDate, h.Source)
	})
}

// bulkLoad inserts n rows into table; row appends the values of row i to
// args. The audit entry commits with the last chunk, so it exists exactly
// when the whole load does.
func bulkLoad(ctx context.Context, db *store.DB, table string, cols []string, n int, action string, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	loaded := 0
	for start := 0; start < n; start += bulkRowsPerTx {
		end := min(start+bulkRowsPerTx, n)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			ins := newBatchInsert(tx, db.Dialect, table, cols)
			defer ins.close()
			for i := start; i < end; i++ {
				if err := ins.add(ctx, func(args []any) []any { return row(i, args) }); err != nil {
					return err
				}
			}
			if err := ins.flush(ctx); err != nil {
				return err
			}
			if end < n {
				return nil
			}
			return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "person", Detail: strconv.Itoa(n) + " rows"})
		})
		if err != nil {
			_ = audit.RecordAlone(ctx, db, audit.Entry{Action: action, ObjectType: "person", Outcome: audit.Failed,
				Detail: fmt.Sprintf("%d of %d rows loaded: %v", loaded, n, err)})
			return err
		}
		loaded = end
	}
	refreshStats(ctx, db, true, table)
	return nil
}

// refreshStats brings the planner's statistics up to date after a large
// load. Fresh statistics let the planner use the indexes over the new rows
// (a name search over 1 M persons went from 110 ms to 2 ms on PostgreSQL),
// and with vacuum VACUUM also marks the pages all-visible so a count reads
// the area index alone (2 s to 0.1 s); an import leaves that to autovacuum
// rather than make its user wait. Neither may run in a transaction, and
// the rows are loaded whether or not this succeeds.
func refreshStats(ctx context.Context, db *store.DB, vacuum bool, tables ...string) {
	for _, table := range tables {
		stats := "ANALYZE " + table
		if db.Dialect == store.Postgres && vacuum {
			stats = "VACUUM (ANALYZE) " + table
		}
		if _, err := db.ExecContext(ctx, stats); err != nil {
			slog.Warn("statistics after bulk load", "table", table, "err", err)
		}
	}
}

// batchInsert writes rows into one table inside a transaction, many rows
// to a statement (see rowsPerStatement); the full-size statement is
// prepared once, on first use. Rows wait in args until a statement is full
// or flush is called, so a caller whose rows refer to rows of another table
// flushes that table first.
type batchInsert struct {
	tx    *store.Tx
	table string
	cols  []string
	per   int       // rows per statement
	stmt  *sql.Stmt // the full statement, once prepared
	args  []any
	rows  int // rows waiting in args
	done  int // rows written
}

func newBatchInsert(tx *store.Tx, d store.Dialect, table string, cols []string) *batchInsert {
	per := rowsPerStatement(d, len(cols))
	return &batchInsert{tx: tx, table: table, cols: cols, per: per, args: make([]any, 0, per*len(cols))}
}

// add queues one row; row appends its values, in cols order, to args.
func (b *batchInsert) add(ctx context.Context, row func(args []any) []any) error {
	b.args = row(b.args)
	b.rows++
	if b.rows < b.per {
		return nil
	}
	if b.stmt == nil {
		stmt, err := b.tx.PrepareContext(ctx, insertSQL(b.table, b.cols, b.per))
		if err != nil {
			return err
		}
		b.stmt = stmt
	}
	_, err := b.stmt.ExecContext(ctx, b.args...)
	return b.wrote(err)
}

// flush writes the rows still waiting.
func (b *batchInsert) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	_, err := b.tx.ExecContext(ctx, insertSQL(b.table, b.cols, b.rows), b.args...)
	return b.wrote(err)
}

func (b *batchInsert) wrote(err error) error {
	if err != nil {
		return fmt.Errorf("%s rows %d–%d: %w", b.table, b.done+1, b.done+b.rows, err)
	}
	b.done += b.rows
	b.args, b.rows = b.args[:0], 0
	return nil
}

func (b *batchInsert) close() {
	if b.stmt != nil {
		b.stmt.Close()
	}
}

// insertSQL is "INSERT INTO table (cols) VALUES ($1,…),(…)" for rows rows.
func insertSQL(table string, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	arg := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(arg))
			arg++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// personColumnList is personColumns as a list.
var personColumnList = strings.Split(personColumns, ", ")

// PersonRow gives the persons table's columns and p's values in their
// order, for code that writes persons its own way: the benchmark's bare
// loop, which the import is measured against.
func PersonRow(p *Person) (cols []string, values []any) {
	return personColumnList, p.values()
}
