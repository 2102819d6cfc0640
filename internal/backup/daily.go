package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Daily backups: the job queue runs Daily once a day; it writes one checked
// copy a day into the backup directory and removes the copies beyond the
// number to keep. Both are settings (one row of backup_settings).

// Migrations creates the schedule's settings.
var Migrations = []store.Migration{{
	Version: 2026112912,
	Name:    "backup_settings",
	SQL: `
CREATE TABLE backup_settings (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	enabled    BOOLEAN NOT NULL,
	keep_days  INTEGER NOT NULL,
	dir        TEXT NOT NULL,      -- '' = backups/ in the data directory (SQLite)
	updated_at TEXT NOT NULL
);
INSERT INTO backup_settings (id, enabled, keep_days, dir, updated_at) VALUES (1, TRUE, 30, '', '');
`}}

// Defaults and bounds of the schedule (Default: 30 daily copies, as
// docs/OPERATIONS.md advises; RULES.md §9 names no number).
const (
	DefaultKeepDays = 30
	MinKeepDays     = 1
	MaxKeepDays     = 3650
)

// Schedule is the daily backup's setting.
type Schedule struct {
	Enabled  bool
	KeepDays int
	Dir      string
}

// LoadSchedule reads the setting.
func LoadSchedule(ctx context.Context, q store.Querier) (Schedule, error) {
	var s Schedule
	err := q.QueryRowContext(ctx, `SELECT enabled, keep_days, dir FROM backup_settings WHERE id = 1`).Scan(&s.Enabled, &s.KeepDays, &s.Dir)
	return s, err
}

// SaveSchedule checks and stores the setting, audited. keep is text as
// typed; dir must be absolute when given.
func SaveSchedule(ctx context.Context, tx *store.Tx, enabled bool, keep, dir string) error {
	var es validate.Errors
	n, err := strconv.Atoi(strings.TrimSpace(keep))
	if err != nil || n < MinKeepDays || n > MaxKeepDays {
		es.Add(0, "backup.keep_days", "backup.error.keep_range", MinKeepDays, MaxKeepDays)
	}
	dir = strings.TrimSpace(dir)
	if dir != "" && !filepath.IsAbs(dir) {
		es.Add(0, "backup.dir", "backup.error.dir_absolute")
	}
	if len(es) > 0 {
		return es
	}
	before, err := LoadSchedule(ctx, tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE backup_settings SET enabled = $1, keep_days = $2, dir = $3, updated_at = $4 WHERE id = 1`,
		enabled, n, dir, store.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "backup.settings", ObjectType: "backup_settings", ObjectID: "schedule",
		Before: before, After: Schedule{Enabled: enabled, KeepDays: n, Dir: dir}})
}

// DailyResult says what one day's run did.
type DailyResult struct {
	Skipped string // why nothing was done ("" when a copy was made)
	Backup  Result
	Removed []string
}

// dailyPrefix names the copies Daily makes and removes; other files in the
// directory are never touched.
const dailyPrefix = "yangguang-daily-"

// Daily makes today's copy in the schedule's directory (unless it exists)
// and removes the oldest daily copies beyond KeepDays.
func Daily(ctx context.Context, db *store.DB, now time.Time) (DailyResult, error) {
	var res DailyResult
	s, err := LoadSchedule(ctx, db)
	if err != nil {
		return res, err
	}
	if !s.Enabled {
		res.Skipped = "switched off"
		return res, nil
	}
	dir := s.Dir
	if dir == "" {
		if db.Dialect == store.Postgres {
			// The temp dir is no place for backups: the county says where.
			res.Skipped = "no backup directory set (PostgreSQL)"
			return res, nil
		}
		dir = filepath.Join(db.DataDir(), "backups")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	ext := ".db"
	if db.Dialect == store.Postgres {
		ext = ".dump"
	}
	out := filepath.Join(dir, dailyPrefix+now.Format("20060102")+ext)
	if _, err := os.Stat(out); err == nil {
		res.Skipped = "today's copy exists"
	} else if res.Backup, err = Run(ctx, db, out); err != nil {
		os.Remove(out) // a half-written copy must not count as a day's backup
		return res, err
	}
	res.Removed, err = removeOld(dir, ext, s.KeepDays)
	return res, err
}

// removeOld keeps the newest keep daily copies (the date in the name sorts
// them) and removes the rest.
func removeOld(dir, ext string, keep int) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, dailyPrefix+"*"+ext))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var removed []string
	for len(names) > keep {
		if err := os.Remove(names[0]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("删除旧备份失败: %w", err)
		}
		removed = append(removed, names[0])
		names = names[1:]
	}
	return removed, nil
}
