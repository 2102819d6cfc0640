package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sort"

	"github.com/pressly/goose/v3"
)

// Migration is one step of the schema. Each domain package owns the steps
// for its tables; the application concatenates them into one list ordered by
// Version (a date-based number such as 2026112801, so steps from different
// packages keep the order in which they were written).
//
// SQL must run unchanged on SQLite and PostgreSQL: use TEXT, BIGINT,
// INTEGER, BOOLEAN, DOUBLE PRECISION; keep instants as TEXT in TimeFormat and
// dates as TEXT 'YYYY-MM-DD'; money as BIGINT fen.
type Migration struct {
	Version int64
	Name    string
	SQL     string
	// PostgresSQL, when set, replaces SQL on PostgreSQL. Only for what the
	// engines spell differently (triggers); tables stay the same.
	PostgresSQL string
	// Go, when set, runs after SQL in the same transaction: for data
	// changes SQL cannot express (computing pinyin initials, say).
	Go func(ctx context.Context, tx *sql.Tx) error
}

// Migrate applies every pending migration, each in its own transaction, and
// records it in goose's version table.
func (db *DB) Migrate(ctx context.Context, list []Migration) error {
	sorted := append([]Migration(nil), list...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Version < sorted[j].Version })
	var gm []*goose.Migration
	seen := map[int64]string{}
	for _, m := range sorted {
		if prev, dup := seen[m.Version]; dup {
			return fmt.Errorf("migration version %d used twice (%s, %s)", m.Version, prev, m.Name)
		}
		seen[m.Version] = m.Name
		sqlText := m.SQL
		if db.Dialect == Postgres && m.PostgresSQL != "" {
			sqlText = m.PostgresSQL
		}
		goFunc := m.Go
		gm = append(gm, goose.NewGoMigration(m.Version, &goose.GoFunc{
			RunTx: func(ctx context.Context, tx *sql.Tx) error {
				if sqlText != "" {
					if _, err := tx.ExecContext(ctx, sqlText); err != nil {
						return fmt.Errorf("migration %d %s: %w", m.Version, m.Name, err)
					}
				}
				if goFunc != nil {
					if err := goFunc(ctx, tx); err != nil {
						return fmt.Errorf("migration %d %s: %w", m.Version, m.Name, err)
					}
				}
				return nil
			},
		}, nil))
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, db.DB, nil,
		goose.WithGoMigrations(gm...),
		goose.WithDisableGlobalRegistry(true),
		goose.WithTableName("schema_migrations"),
		// Areas of work add their steps in parallel branches, so a database
		// may have a later package's step before an earlier-numbered one
		// lands: apply the missing one rather than refuse to start.
		goose.WithAllowOutofOrder(true),
	)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		slog.Info("migration applied", "version", r.Source.Version, "name", seen[r.Source.Version], "duration", r.Duration)
	}
	return err
}
