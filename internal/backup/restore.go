package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force overwrites a target that already holds data. The old SQLite
	// file is kept beside it as *.before-restore-TIMESTAMP.
	Force bool
}

// RestoreResult says where the backup went.
type RestoreResult struct {
	Target string
	// Saved is the copy of the database that was replaced ("" if none).
	Saved string
}

// ErrTargetNotEmpty is returned when the target holds data and Force is off.
var ErrTargetNotEmpty = errors.New("目标数据库已有数据")

// Restore puts the backup at from in place of the database at dsn. The
// server must be stopped. SQLite: the backup is checked first (integrity
// and audit chain), copied beside the target and renamed over it, so the
// target path always holds a whole database, old or new. PostgreSQL:
// pg_restore --clean in one transaction. The caller then opens the
// database through app.Open, which migrates an older backup forward.
func Restore(ctx context.Context, from, dsn string, opt RestoreOptions) (RestoreResult, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return pgRestore(ctx, from, dsn, opt)
	}
	target := strings.TrimPrefix(dsn, "sqlite://")
	res := RestoreResult{Target: target}
	if _, err := Check(ctx, from); err != nil {
		return res, fmt.Errorf("备份文件未通过检查，未恢复: %w", err)
	}
	full, err := holdsData(ctx, target)
	if err != nil {
		return res, err
	}
	if full && !opt.Force {
		return res, fmt.Errorf("%w：%s 不是空库。确认要用备份覆盖它，请加 --force（原库会另存一份）", ErrTargetNotEmpty, target)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return res, err
	}
	tmp, err := copyToTemp(from, filepath.Dir(target))
	if err != nil {
		return res, fmt.Errorf("复制备份失败: %w", err)
	}
	defer os.Remove(tmp) // gone already after a successful rename
	if _, err := os.Stat(target); err == nil {
		// Fold the old write-ahead log into the file and remove it, or
		// SQLite would replay the old log onto the restored database.
		if err := checkpoint(ctx, target); err != nil {
			return res, err
		}
		if full {
			res.Saved = target + ".before-restore-" + time.Now().Format("20060102-150405")
			if err := copyFile(target, res.Saved); err != nil {
				return res, fmt.Errorf("另存原数据库失败: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return res, fmt.Errorf("替换数据库失败: %w", err)
	}
	return res, syncDir(filepath.Dir(target))
}

// holdsData reports whether the SQLite file at path exists with any audit
// entry: every change the application makes is audited, so an empty log is
// a database nobody has used.
func holdsData(ctx context.Context, path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return true, nil // unreadable: treat as precious
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		return true, nil // no log table: not ours, do not touch without --force
	}
	return n > 0, nil
}

// checkpoint moves the WAL's content into the database file and deletes
// the -wal and -shm files.
func checkpoint(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("打开原数据库失败（服务是否仍在运行？）: %w", err)
	}
	var busy, logged, moved int
	err = db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved)
	db.Close()
	if err != nil {
		return fmt.Errorf("整理原数据库失败: %w", err)
	}
	if busy != 0 {
		return errors.New("原数据库正被使用：请先停止 yangguang serve 再恢复")
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func copyToTemp(from, dir string) (string, error) {
	f, err := os.CreateTemp(dir, ".restore-*.db")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	if err := copyFile(from, name); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// copyFile copies src to dst and syncs it, so a crash after the rename
// cannot leave a half-written database.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not supported everywhere; the rename itself is done
	return nil
}

// pgRestore loads a pg_dump custom-format file. --clean drops what the
// dump recreates; --single-transaction makes it all or nothing.
func pgRestore(ctx context.Context, from, dsn string, opt RestoreOptions) (RestoreResult, error) {
	res := RestoreResult{Target: dsn}
	if _, err := os.Stat(from); err != nil {
		return res, err
	}
	if !opt.Force {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			return res, err
		}
		var n int64
		err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n)
		db.Close()
		if err == nil && n > 0 {
			return res, fmt.Errorf("%w：确认要用备份覆盖，请加 --force（建议先用 yangguang backup 另存一份）", ErrTargetNotEmpty)
		}
	}
	bin, err := exec.LookPath("pg_restore")
	if err != nil {
		return res, errors.New("PostgreSQL 恢复需要 pg_restore（Debian: apt-get install postgresql-client）")
	}
	cmd := exec.CommandContext(ctx, bin, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname="+dsn, from)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return res, fmt.Errorf("pg_restore 失败: %v: %s", err, msg)
	}
	return res, nil
}
