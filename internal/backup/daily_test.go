package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// The daily backup writes one checked copy a day and keeps the newest
// KeepDays; files that are not daily copies are never touched.
func TestDailyBackupKeepsTheNewest(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("SQLite copies; on PostgreSQL Daily runs pg_dump into a set directory (TestDailyBackupNeedsADirectoryOnPostgres)")
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	db, err := app.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := backup.LoadSchedule(ctx, db)
	if err != nil || !s.Enabled || s.KeepDays != backup.DefaultKeepDays || s.Dir != "" {
		t.Fatalf("default schedule: %+v %v", s, err)
	}
	dir := filepath.Join(t.TempDir(), "copies")
	if err := db.InTx(ctx, func(tx *store.Tx) error { return backup.SaveSchedule(ctx, tx, true, "3", dir) }); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o700)
	other := filepath.Join(dir, "yangguang-by-hand.db")
	os.WriteFile(other, []byte("kept"), 0o600)
	day := time.Date(2026, 11, 1, 2, 0, 0, 0, time.Local)
	for i := range 5 {
		res, err := backup.Daily(ctx, db, day.AddDate(0, 0, i))
		if err != nil || res.Skipped != "" || res.Backup.AuditEntries == 0 {
			t.Fatalf("day %d: %+v %v", i, res, err)
		}
	}
	// A second run the same day makes no second copy.
	if res, err := backup.Daily(ctx, db, day.AddDate(0, 0, 4).Add(time.Hour)); err != nil || res.Skipped == "" {
		t.Fatalf("second run of a day: %+v %v", res, err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	want := []string{"yangguang-by-hand.db", "yangguang-daily-20261103.db", "yangguang-daily-20261104.db", "yangguang-daily-20261105.db"}
	var got []string
	for _, n := range names {
		got = append(got, filepath.Base(n))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("copies kept: %v, want %v", got, want)
	}
	if _, err := backup.Check(ctx, filepath.Join(dir, "yangguang-daily-20261105.db")); err != nil {
		t.Fatalf("the newest copy does not check: %v", err)
	}
	// Switched off, nothing is written.
	if err := db.InTx(ctx, func(tx *store.Tx) error { return backup.SaveSchedule(ctx, tx, false, "3", dir) }); err != nil {
		t.Fatal(err)
	}
	if res, err := backup.Daily(ctx, db, day.AddDate(0, 0, 9)); err != nil || res.Skipped != "switched off" {
		t.Fatalf("switched off: %+v %v", res, err)
	}
	if rows, _ := audit.Search(ctx, db, audit.Filter{Action: "backup.settings"}); len(rows) != 2 {
		t.Fatalf("schedule changes audited: %d", len(rows))
	}
}

func TestDailyBackupNeedsADirectoryOnPostgres(t *testing.T) {
	if !storetest.OnPostgres() {
		t.Skip("PostgreSQL only")
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	db, err := app.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res, err := backup.Daily(ctx, db, time.Now()); err != nil || !strings.Contains(res.Skipped, "no backup directory") {
		t.Fatalf("PostgreSQL without a directory: %+v %v", res, err)
	}
}

// The schedule's setting refuses bad values, naming the field.
func TestBackupScheduleSetting(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.System)
	db, err := app.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		keep, dir string
		field     string
	}{
		{"0", "", "backup.keep_days"},
		{"三十", "", "backup.keep_days"},
		{"30", "relative/dir", "backup.dir"},
		{"30", "", ""},
		{"7", "/var/backups/yangguang", ""},
	} {
		err := db.InTx(ctx, func(tx *store.Tx) error { return backup.SaveSchedule(ctx, tx, true, c.keep, c.dir) })
		var es validate.Errors
		switch {
		case c.field == "" && err != nil:
			t.Errorf("keep %q dir %q: %v", c.keep, c.dir, err)
		case c.field != "" && (!errors.As(err, &es) || es[0].Field != c.field):
			t.Errorf("keep %q dir %q: %v, want an error on %s", c.keep, c.dir, err, c.field)
		}
	}
	if s, _ := backup.LoadSchedule(ctx, db); s.KeepDays != 7 || s.Dir != "/var/backups/yangguang" {
		t.Fatalf("schedule: %+v", s)
	}
}
