package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Retention (RULES.md §9: the log is kept at least 6 months). Entries older
// than the retention may be pruned, oldest first, behind an anchor: the seq
// and hash of the last entry removed, so Verify checks the rest of the
// chain from there. The database itself refuses to delete an entry younger
// than the retention or not yet behind an anchor, reading the retention from
// the one-row audit_settings table.

// MinRetentionMonths is the 等保 floor; DefaultRetentionMonths the shipped
// setting (RULES.md §9 names no longer period).
const (
	MinRetentionMonths     = 6
	DefaultRetentionMonths = 6
	MaxRetentionMonths     = 1200
)

// Actions recorded by this file.
const (
	ActionPrune     = "audit.prune"
	ActionRetention = "audit.retention"
)

const retentionTables = `
CREATE TABLE audit_settings (
	id               INTEGER PRIMARY KEY CHECK (id = 1),
	retention_months INTEGER NOT NULL CHECK (retention_months >= 6),
	updated_at       TEXT NOT NULL
);
INSERT INTO audit_settings (id, retention_months, updated_at) VALUES (1, 6, '');
CREATE TABLE audit_anchors (
	seq        BIGINT PRIMARY KEY, -- the last entry pruned
	hash       TEXT NOT NULL,      -- its hash: the prev_hash of the next entry
	cutoff     TEXT NOT NULL,      -- entries before this instant were pruned
	entries    BIGINT NOT NULL,    -- how many were removed
	pruned_by  TEXT NOT NULL,
	pruned_at  TEXT NOT NULL
);
`

// horizonSQL is the retention horizon as the database computes it, in
// store.TimeFormat: now minus the retention. The triggers and Prune use the
// same expression, so the application never asks for a deletion the
// database would refuse.
func horizonSQL(d store.Dialect) string {
	if d == store.Postgres {
		return `to_char((now() AT TIME ZONE 'UTC') - make_interval(months => s.retention_months), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
	}
	return `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || s.retention_months || ' months')`
}

var retentionMigration = store.Migration{
	Version: 2026112910,
	Name:    "audit_retention",
	SQL: retentionTables + `
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.at >= (SELECT ` + horizonSQL(store.SQLite) + ` FROM audit_settings s WHERE s.id = 1)
  OR NOT EXISTS (SELECT 1 FROM audit_anchors WHERE seq >= OLD.seq)
BEGIN SELECT RAISE(ABORT, 'audit log is append-only: only entries older than the retention, behind an anchor, may be pruned'); END;
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END;
CREATE TRIGGER audit_settings_no_delete BEFORE DELETE ON audit_settings
BEGIN SELECT RAISE(ABORT, 'audit settings cannot be deleted'); END;
`,
	PostgresSQL: retentionTables + `
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE'
		AND OLD.at < (SELECT ` + horizonSQL(store.Postgres) + ` FROM audit_settings s WHERE s.id = 1)
		AND EXISTS (SELECT 1 FROM audit_anchors WHERE seq >= OLD.seq) THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'audit log is append-only: only entries older than the retention, behind an anchor, may be pruned';
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END;
$$ LANGUAGE plpgsql;
-- Row triggers do not see TRUNCATE.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchors_no_change BEFORE UPDATE OR DELETE ON audit_anchors
FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_settings_no_delete BEFORE DELETE OR TRUNCATE ON audit_settings
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
`,
}

// RetentionMonths returns the retention setting.
func RetentionMonths(ctx context.Context, q store.Querier) (int, error) {
	var m int
	err := q.QueryRowContext(ctx, `SELECT retention_months FROM audit_settings WHERE id = 1`).Scan(&m)
	return m, err
}

// SetRetentionMonths changes the retention, audited. Fewer than
// MinRetentionMonths is refused (and the table's CHECK refuses it too).
func SetRetentionMonths(ctx context.Context, tx *store.Tx, text string) error {
	m, err := strconv.Atoi(text)
	if err != nil || m < MinRetentionMonths || m > MaxRetentionMonths {
		return validate.Errors{{Field: "audit.retention_months", Key: "audit.error.retention_range", Args: []any{MinRetentionMonths, MaxRetentionMonths}}}
	}
	before, err := RetentionMonths(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_settings SET retention_months = $1, updated_at = $2 WHERE id = 1`, m, store.Now()); err != nil {
		return err
	}
	return Record(ctx, tx, Entry{Action: ActionRetention, ObjectType: "audit_settings", ObjectID: "retention",
		Before: map[string]int{"retention_months": before}, After: map[string]int{"retention_months": m}})
}

// Horizon returns the instant before which entries may be pruned now.
func Horizon(ctx context.Context, q store.Querier, d store.Dialect) (string, error) {
	var h string
	err := q.QueryRowContext(ctx, `SELECT `+horizonSQL(d)+` FROM audit_settings s WHERE s.id = 1`).Scan(&h)
	return h, err
}

// Anchor is where the verifiable chain starts after a prune.
type Anchor struct {
	Seq      int64
	Hash     string
	Cutoff   string
	Entries  int64
	PrunedBy string
	PrunedAt string
}

// LatestAnchor returns the newest anchor (Seq 0 when nothing was pruned).
func LatestAnchor(ctx context.Context, q store.Querier) (Anchor, error) {
	var a Anchor
	err := q.QueryRowContext(ctx, `SELECT seq, hash, cutoff, entries, pruned_by, pruned_at FROM audit_anchors ORDER BY seq DESC LIMIT 1`).
		Scan(&a.Seq, &a.Hash, &a.Cutoff, &a.Entries, &a.PrunedBy, &a.PrunedAt)
	if err == sql.ErrNoRows {
		return Anchor{}, nil
	}
	return a, err
}

// PruneResult says what a prune removed.
type PruneResult struct {
	Cutoff  string // entries recorded before this instant were candidates
	Deleted int64
	Anchor  Anchor // the new anchor (Seq 0 when nothing was removed)
}

// pruneAnchor is what the prune entry records, so Verify can confirm the
// anchor from inside the chain.
type pruneAnchor struct {
	AnchorSeq  int64  `json:"anchor_seq"`
	AnchorHash string `json:"anchor_hash"`
	Cutoff     string `json:"cutoff"`
	Deleted    int64  `json:"deleted"`
}

// Prune removes the entries older than the retention horizon (or, when
// before is a date YYYY-MM-DD earlier than the horizon, older than that
// day), in one transaction: it checks the chain, stores the anchor, deletes
// and records the prune as a new entry. A date later than the horizon is
// refused: no entry younger than the retention is ever deleted.
func Prune(ctx context.Context, db *store.DB, before string) (PruneResult, error) {
	var res PruneResult
	err := db.InTx(ctx, func(tx *store.Tx) error {
		res = PruneResult{}
		horizon, err := Horizon(ctx, tx, db.Dialect)
		if err != nil {
			return err
		}
		res.Cutoff = horizon
		if before != "" {
			day, err := time.Parse("2006-01-02", before)
			if err != nil {
				return validate.Errors{{Field: "audit.prune_before", Key: "audit.error.date"}}
			}
			b := store.FormatTime(day)
			if b > horizon {
				months, err := RetentionMonths(ctx, tx)
				if err != nil {
					return err
				}
				return validate.Errors{{Field: "audit.prune_before", Key: "audit.error.prune_too_recent", Args: []any{months, horizon[:10]}}}
			}
			res.Cutoff = b
		}
		// A broken chain is evidence: pruning would erase it.
		v, err := Verify(ctx, tx)
		if err != nil {
			return err
		}
		if v.BrokenAt != 0 {
			return validate.Errors{{Key: "audit.error.prune_broken", Args: []any{v.BrokenAt, v.Reason}}}
		}
		// The last entry to go: older than the cutoff with no younger
		// entry before it, so the remaining log stays one unbroken run.
		var young sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_log WHERE at >= $1`, res.Cutoff).Scan(&young); err != nil {
			return err
		}
		q := `SELECT MAX(seq) FROM audit_log WHERE at < $1`
		args := []any{res.Cutoff}
		if young.Valid {
			q += ` AND seq < $2`
			args = append(args, young.Int64)
		}
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, q, args...).Scan(&last); err != nil {
			return err
		}
		entry := Entry{Action: ActionPrune, ObjectType: "audit_log", Detail: "nothing older than " + res.Cutoff}
		if last.Valid {
			a := ActorFrom(ctx)
			res.Anchor = Anchor{Seq: last.Int64, Cutoff: res.Cutoff, PrunedBy: a.Name, PrunedAt: store.Now()}
			if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, last.Int64).Scan(&res.Anchor.Hash); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq <= $1`, last.Int64).Scan(&res.Anchor.Entries); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_anchors (seq, hash, cutoff, entries, pruned_by, pruned_at) VALUES ($1,$2,$3,$4,$5,$6)`,
				res.Anchor.Seq, res.Anchor.Hash, res.Anchor.Cutoff, res.Anchor.Entries, res.Anchor.PrunedBy, res.Anchor.PrunedAt); err != nil {
				return err
			}
			// The only deletion of audit entries in the application; the
			// trigger checks every row against the retention and the anchor.
			r, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq <= $1`, last.Int64)
			if err != nil {
				return fmt.Errorf("audit prune: %w", err)
			}
			res.Deleted, _ = r.RowsAffected()
			entry.ObjectID = strconv.FormatInt(last.Int64, 10)
			entry.Detail = fmt.Sprintf("pruned %d entries up to %d, recorded before %s", res.Deleted, last.Int64, res.Cutoff)
			entry.After = pruneAnchor{AnchorSeq: res.Anchor.Seq, AnchorHash: res.Anchor.Hash, Cutoff: res.Cutoff, Deleted: res.Deleted}
		}
		return Record(ctx, tx, entry)
	})
	return res, err
}

// confirms reports whether a prune entry's after-record names the anchor.
func (r Row) confirms(a Anchor) bool {
	if r.Action != ActionPrune || r.After == "" {
		return false
	}
	var p pruneAnchor
	return json.Unmarshal([]byte(r.After), &p) == nil && p.AnchorSeq == a.Seq && p.AnchorHash == a.Hash
}
