package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// history records old entries months ago, then recent ones a month ago
// and today: 5 + 3 + 2 entries.
func history(t *testing.T, db *store.DB, ctx context.Context) {
	t.Helper()
	now := time.Now()
	for i, at := range []time.Time{
		now.AddDate(0, -9, 0), now.AddDate(0, -9, 1), now.AddDate(0, -8, 0), now.AddDate(0, -8, 1), now.AddDate(0, -7, 0),
		now.AddDate(0, -1, 0), now.AddDate(0, -1, 1), now.AddDate(0, 0, -3),
	} {
		if err := audit.RecordAlone(audit.WithTime(ctx, at), db, audit.Entry{Action: "test.old", Detail: strings.Repeat("x", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "test.new"}); err != nil {
			t.Fatal(err)
		}
	}
}

func fieldKey(err error) string {
	var es validate.Errors
	if errors.As(err, &es) && len(es) > 0 {
		return es[0].Key
	}
	return ""
}

// Prune removes exactly the entries older than the retention, anchors the
// rest, records itself, and the remaining chain verifies.
func TestPruneLeavesVerifiableChain(t *testing.T) {
	db, ctx := open(t)
	history(t, db, ctx)
	res, err := audit.Prune(ctx, db, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != 5 || res.Anchor.Seq != 5 || res.Anchor.Hash == "" || res.Anchor.PrunedBy != "zhang" {
		t.Fatalf("prune: %+v", res)
	}
	v, err := audit.Verify(ctx, db)
	if err != nil || v.BrokenAt != 0 || v.From != 6 || v.Checked != 6 || v.Anchor.Seq != 5 {
		t.Fatalf("verify after prune: %+v %v", v, err)
	}
	rows, _ := audit.Search(ctx, db, audit.Filter{Action: audit.ActionPrune})
	if len(rows) != 1 || rows[0].ActorName != "zhang" || !strings.Contains(rows[0].After, `"anchor_seq":5`) {
		t.Fatalf("the prune is not audited: %+v", rows)
	}
	// A second prune finds nothing more and says so, still audited.
	res, err = audit.Prune(ctx, db, "")
	if err != nil || res.Deleted != 0 || res.Anchor.Seq != 0 {
		t.Fatalf("second prune: %+v %v", res, err)
	}
	if v, err := audit.Verify(ctx, db); err != nil || v.BrokenAt != 0 || v.Checked != 7 {
		t.Fatalf("verify after the second prune: %+v %v", v, err)
	}
}

// The cut-off date: earlier than the horizon prunes less; later is refused
// with a message naming the retention, and nothing is written.
func TestPruneBeforeDate(t *testing.T) {
	cases := []struct {
		name    string
		before  string
		deleted int64
		key     string
	}{
		{"earlier than the horizon", time.Now().AddDate(0, -8, -15).Format("2006-01-02"), 2, ""},
		{"inside the retention", time.Now().AddDate(0, -2, 0).Format("2006-01-02"), 0, "audit.error.prune_too_recent"},
		{"not a date", "2026-13-01", 0, "audit.error.date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, ctx := open(t)
			history(t, db, ctx)
			res, err := audit.Prune(ctx, db, c.before)
			if fieldKey(err) != c.key || (c.key == "" && err != nil) || res.Deleted != c.deleted {
				t.Fatalf("prune --before %s: %+v %v, want %d deleted, error %q", c.before, res, err, c.deleted, c.key)
			}
			if c.key != "" {
				if !strings.Contains(err.Error(), "清理截止日期") {
					t.Errorf("message does not name the field: %v", err)
				}
				if v, _ := audit.Verify(ctx, db); v.Checked != 10 || v.Anchor.Seq != 0 {
					t.Errorf("refused prune wrote something: %+v", v)
				}
			}
		})
	}
}

// The database refuses to alter any entry, and to delete one that is young
// or not yet behind an anchor, whoever asks.
func TestDatabaseRefusesYoungOrUnanchoredDeletes(t *testing.T) {
	db, ctx := open(t)
	history(t, db, ctx)
	refused := []struct{ name, sql string }{
		{"old entry without an anchor", `DELETE FROM audit_log WHERE seq = 1`},
		{"young entry", `DELETE FROM audit_log WHERE seq = 9`},
		{"everything", `DELETE FROM audit_log`},
		{"alter an old entry", `UPDATE audit_log SET detail = 'forged' WHERE seq = 1`},
		{"shorten the retention", `UPDATE audit_settings SET retention_months = 3`},
		{"drop the settings", `DELETE FROM audit_settings`},
	}
	if db.Dialect == store.Postgres {
		refused = append(refused, struct{ name, sql string }{"truncate", `TRUNCATE audit_log`})
	}
	for _, c := range refused {
		if _, err := db.ExecContext(ctx, c.sql); err == nil {
			t.Errorf("%s: %s went through", c.name, c.sql)
		}
	}
	if _, err := audit.Prune(ctx, db, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, sql string }{
		{"young entry after a prune", `DELETE FROM audit_log WHERE seq = 9`},
		{"alter a kept entry", `UPDATE audit_log SET detail = 'forged' WHERE seq = 6`},
		{"alter the anchor", `UPDATE audit_anchors SET hash = 'x'`},
		{"delete the anchor", `DELETE FROM audit_anchors`},
	} {
		if _, err := db.ExecContext(ctx, c.sql); err == nil {
			t.Errorf("%s: %s went through", c.name, c.sql)
		}
	}
	if v, err := audit.Verify(ctx, db); err != nil || v.BrokenAt != 0 || v.Checked != 6 {
		t.Fatalf("chain after refused changes: %+v %v", v, err)
	}
}

// Tampering after a prune is found, and so is an anchor slipped in by hand
// to delete old entries without a recorded prune.
func TestTamperAfterPruneIsDetected(t *testing.T) {
	t.Run("entry altered", func(t *testing.T) {
		db, ctx := open(t)
		history(t, db, ctx)
		if _, err := audit.Prune(ctx, db, ""); err != nil {
			t.Fatal(err)
		}
		dropUpdateGuard(t, db)
		if _, err := db.ExecContext(ctx, `UPDATE audit_log SET detail = 'forged' WHERE seq = 7`); err != nil {
			t.Fatal(err)
		}
		if v, err := audit.Verify(ctx, db); err != nil || v.BrokenAt != 7 || v.Reason != "entry altered" {
			t.Fatalf("verify must find the edit at 7: %+v %v", v, err)
		}
		// A broken chain is evidence: no prune may erase it.
		if _, err := audit.Prune(ctx, db, ""); fieldKey(err) != "audit.error.prune_broken" {
			t.Fatalf("prune over a broken chain: %v", err)
		}
	})
	t.Run("anchor without a prune entry", func(t *testing.T) {
		db, ctx := open(t)
		history(t, db, ctx)
		var hash string
		db.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = 2`).Scan(&hash)
		if _, err := db.ExecContext(ctx, `INSERT INTO audit_anchors (seq, hash, cutoff, entries, pruned_by, pruned_at) VALUES (2, $1, '', 2, 'x', '')`, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM audit_log WHERE seq <= 2`); err != nil {
			t.Fatal(err) // old and behind an anchor: the trigger lets it go
		}
		if v, err := audit.Verify(ctx, db); err != nil || v.BrokenAt != 3 || !strings.Contains(v.Reason, "not confirmed") {
			t.Fatalf("verify must refuse the hand-made anchor: %+v %v", v, err)
		}
	})
}

func dropUpdateGuard(t *testing.T, db *store.DB) {
	t.Helper()
	drop := `DROP TRIGGER audit_log_no_update`
	if db.Dialect == store.Postgres {
		drop = `DROP TRIGGER audit_log_no_change ON audit_log`
	}
	if _, err := db.ExecContext(context.Background(), drop); err != nil {
		t.Fatal(err)
	}
}

// The retention: 6 months by default, never fewer, each change audited; a
// longer one keeps more.
func TestRetentionSetting(t *testing.T) {
	db, ctx := open(t)
	if m, err := audit.RetentionMonths(ctx, db); err != nil || m != audit.DefaultRetentionMonths || m < 6 {
		t.Fatalf("default retention: %d %v", m, err)
	}
	for _, c := range []struct {
		in  string
		key string
	}{
		{"5", "audit.error.retention_range"},
		{"0", "audit.error.retention_range"},
		{"-6", "audit.error.retention_range"},
		{"six", "audit.error.retention_range"},
		{"6", ""},
		{"12", ""},
	} {
		err := db.InTx(ctx, func(tx *store.Tx) error { return audit.SetRetentionMonths(ctx, tx, c.in) })
		if fieldKey(err) != c.key || (c.key == "" && err != nil) {
			t.Errorf("retention %q: %v, want %q", c.in, err, c.key)
		}
		if c.key != "" && !strings.Contains(err.Error(), "保留期") {
			t.Errorf("retention %q: message does not name the field: %v", c.in, err)
		}
	}
	if m, _ := audit.RetentionMonths(ctx, db); m != 12 {
		t.Fatalf("retention after changes: %d", m)
	}
	if rows, _ := audit.Search(ctx, db, audit.Filter{Action: audit.ActionRetention}); len(rows) != 2 || rows[0].After != `{"retention_months":12}` {
		t.Fatalf("retention changes not audited: %+v", rows)
	}
	history(t, db, ctx)
	if res, err := audit.Prune(ctx, db, ""); err != nil || res.Deleted != 0 {
		t.Fatalf("12 months kept, prune removed %+v %v", res, err)
	}
}
