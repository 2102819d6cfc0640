// Package backup makes a consistent copy of a running Yangguang's database
// and checks it: SQLite through VACUUM INTO (a transactionally consistent
// snapshot taken while the server keeps serving), PostgreSQL through
// pg_dump.
package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Result describes a finished backup.
type Result struct {
	Path  string
	Bytes int64
	// AuditEntries is how many audit entries the copy holds, all with an
	// intact hash chain (SQLite copies are checked; pg_dump files are not
	// opened).
	AuditEntries int64
}

// Run writes a backup of db to out, which must not exist yet.
func Run(ctx context.Context, db *store.DB, out string) (Result, error) {
	if _, err := os.Stat(out); err == nil {
		return Result{}, fmt.Errorf("备份文件 %s 已存在，请换一个文件名", out)
	}
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "backup.create", Detail: out}); err != nil {
		return Result{}, err
	}
	if db.Dialect == store.Postgres {
		return pgDump(ctx, db, out)
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, out); err != nil {
		return Result{}, fmt.Errorf("备份失败: %w", err)
	}
	return Check(ctx, out)
}

// Check opens a SQLite backup read-only-in-spirit, runs SQLite's integrity
// check and verifies the audit chain.
func Check(ctx context.Context, path string) (Result, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Result{}, err
	}
	copyDB, err := store.Open(ctx, path)
	if err != nil {
		return Result{}, err
	}
	defer copyDB.Close()
	var ok string
	if err := copyDB.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil {
		return Result{}, err
	}
	if ok != "ok" {
		return Result{}, fmt.Errorf("备份文件损坏: %s", ok)
	}
	v, err := audit.Verify(ctx, copyDB)
	if err != nil {
		return Result{}, err
	}
	if v.BrokenAt != 0 {
		return Result{}, fmt.Errorf("备份中的审计日志在第 %d 条不完整: %s", v.BrokenAt, v.Reason)
	}
	return Result{Path: path, Bytes: st.Size(), AuditEntries: v.Checked}, nil
}

func pgDump(ctx context.Context, db *store.DB, out string) (Result, error) {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return Result{}, errors.New("PostgreSQL 备份需要 pg_dump（Debian: apt-get install postgresql-client）")
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--file="+out, "--dbname="+db.DSN)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return Result{}, fmt.Errorf("pg_dump 失败: %v: %s", err, msg)
	}
	st, err := os.Stat(out)
	if err != nil {
		return Result{}, err
	}
	return Result{Path: out, Bytes: st.Size()}, nil
}
