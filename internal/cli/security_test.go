package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
	"github.com/yangguang-cdpf/yangguang/internal/demo"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// runCmd runs one command function as Run would, without needing it in the
// command table.
func runCmd(t *testing.T, fn func(*env, []string) error, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := fn(&env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args)
	code := 0
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(&errb, "错误:", err)
		code = 1
	}
	return result{code, out.String(), errb.String()}
}

// tamper changes one stored audit entry as someone with raw database access
// could: the append-only trigger has to be dropped first.
func tamper(t *testing.T, db *store.DB, seq int64) {
	t.Helper()
	drop := `DROP TRIGGER audit_log_no_update`
	if db.Dialect == store.Postgres {
		drop = `DROP TRIGGER audit_log_no_change ON audit_log`
	}
	if _, err := db.Exec(drop); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET detail = 'rewritten' WHERE seq = $1`, seq); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.System)
	dsn := storetest.DSN(t)
	db, err := app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 5 {
		if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "test.event", Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n)
	r := runCmd(t, cmdAudit, "verify", "--db", dsn)
	if r.code != 0 || r.stdout != fmt.Sprintf("ok, %d entries\n", n) {
		t.Fatalf("intact chain: %+v", r)
	}
	tamper(t, db, 3)
	r = runCmd(t, cmdAudit, "verify", "--db", dsn)
	if r.code != 1 || !strings.Contains(r.stdout, "broken at entry 3") || !strings.Contains(r.stderr, "第 3 条") {
		t.Fatalf("tampered chain must fail naming entry 3: %+v", r)
	}
	if r := runCmd(t, cmdAudit, "verify", "--db", filepath.Join(t.TempDir(), "none.db")); r.code != 1 || !strings.Contains(r.stderr, "找不到数据库") {
		t.Fatalf("missing database: %+v", r)
	}
	if r := runCmd(t, cmdAudit, "shred"); r.code != 1 || !strings.Contains(r.stderr, "verify prune retention") {
		t.Fatalf("unknown subcommand: %+v", r)
	}
}

// Retention: no entry can be deleted or changed through the database the
// application uses, and no application code tries to.
func TestAuditLogCannotBeDeleted(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.System)
	db, err := app.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "test.event"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM audit_log`, `DELETE FROM audit_log WHERE seq = 1`, `UPDATE audit_log SET detail = 'x'`} {
		_, err := db.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	// Inside a transaction too: the refusal rolls the whole change back.
	err = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`DELETE FROM audit_log WHERE seq = 1`)
		return err
	})
	if err == nil {
		t.Fatal("delete inside a transaction went through")
	}
	if v, err := audit.Verify(ctx, db); err != nil || v.BrokenAt != 0 || v.Checked == 0 {
		t.Fatalf("chain after refused deletes: %+v %v", v, err)
	}
	// No code of the application deletes, truncates or unguards the log,
	// but the one prune (behind an anchor, older than the retention, which
	// the trigger checks again) and its migration.
	sanctioned := map[string]bool{filepath.Join(root(), "audit", "retention.go"): true}
	forbidden := regexp.MustCompile(`(?i)(DELETE\s+FROM\s+audit_log|TRUNCATE[^;]*audit_log|DROP\s+TRIGGER\s+audit_log|UPDATE\s+audit_log\b)`)
	filepath.WalkDir(root(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || sanctioned[path] {
			return err
		}
		b, _ := os.ReadFile(path)
		if m := forbidden.Find(b); m != nil {
			t.Errorf("%s: %q — the audit log must stay append-only", path, m)
		}
		return nil
	})
}

func root() string { return filepath.Join("..", "..", "internal") }

// prune → verify from the anchor → tamper after the prune → verify names
// the entry; a cut-off inside the retention and a retention under 6 months
// are refused with the reason.
func TestAuditPruneCommand(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.System)
	dsn := storetest.DSN(t)
	db, err := app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var base int64
	if db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&base); base != 0 {
		t.Fatalf("a fresh database holds %d audit entries; the test needs old ones first", base)
	}
	if r := runCmd(t, cmdAudit, "retention", "--months", "5", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "不少于 6 个月") {
		t.Fatalf("retention of 5 months: %+v", r)
	}
	if r := runCmd(t, cmdAudit, "retention", "--db", dsn); r.code != 0 || r.stdout != "审计日志保留期: 6 个月\n" {
		t.Fatalf("retention shown: %+v", r)
	}
	if r := runCmd(t, cmdAudit, "prune", "--before", time.Now().AddDate(0, -1, 0).Format("2006-01-02"), "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "保留期为 6 个月") {
		t.Fatalf("prune inside the retention: %+v", r)
	}
	// Old entries, then young ones.
	old := audit.WithTime(ctx, time.Now().AddDate(-1, 0, 0))
	for range 4 {
		if err := audit.RecordAlone(old, db, audit.Entry{Action: "test.old"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if err := audit.RecordAlone(ctx, db, audit.Entry{Action: "test.new"}); err != nil {
			t.Fatal(err)
		}
	}
	r := runCmd(t, cmdAudit, "prune", "--db", dsn)
	if r.code != 0 || !strings.Contains(r.stdout, "已清理 4 条") {
		t.Fatalf("prune: %+v", r)
	}
	r = runCmd(t, cmdAudit, "verify", "--db", dsn)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ok, 4 entries\n") || !strings.Contains(r.stdout, "anchor: entries up to 4") {
		t.Fatalf("verify after prune: %+v", r)
	}
	if rows, _ := audit.Search(ctx, db, audit.Filter{Action: audit.ActionPrune}); len(rows) != 1 || !strings.HasPrefix(rows[0].ActorName, "cli:") {
		t.Fatalf("prune not audited with its operator: %+v", rows)
	}
	tamper(t, db, 6)
	r = runCmd(t, cmdAudit, "verify", "--db", dsn)
	if r.code != 1 || !strings.Contains(r.stdout, "broken at entry 6") {
		t.Fatalf("tamper after prune: %+v", r)
	}
}

// tableSum is a checksum of a table's rows in key order.
func tableSum(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(h, vals...)
		n++
	}
	return fmt.Sprintf("%d:%s", n, hex.EncodeToString(h.Sum(nil)))
}

// backup → change → restore: the change is gone, the rows are those of
// the backup, and the audit chain verifies. SQLite only: on PostgreSQL the
// restore is pg_restore (docs/OPERATIONS.md), and a pg_dump of the shared
// test database would carry every other test's schema.
func TestRestoreCommand(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("SQLite restore; PostgreSQL restores with pg_restore (docs/OPERATIONS.md)")
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	dir := t.TempDir()
	dsn := filepath.Join(dir, "data", "yangguang.db")
	db, err := app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Create(ctx, db, demo.Options{Persons: 40}); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "copy.db")
	if _, err := backup.Run(ctx, db, copyPath); err != nil {
		t.Fatal(err)
	}
	const persons = `SELECT * FROM persons ORDER BY id`
	const users = `SELECT id, username, role, scope_code FROM users ORDER BY id`
	wantPersons, wantUsers := tableSum(t, db.DB, persons), tableSum(t, db.DB, users)
	// The change the restore must undo.
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "afterbackup", DisplayName: "备份后", Role: auth.RoleLeader, ScopeCode: "*"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM persons WHERE id IN (SELECT id FROM persons ORDER BY id LIMIT 1)`); err != nil {
		// Persons may be protected by foreign keys; the new user is change enough.
		t.Logf("person delete refused (%v); the new account is the change", err)
	}
	db.Close()

	// A bad backup is refused before anything is touched.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if r := runCmd(t, cmdRestore, "--from", junk, "--db", dsn, "--force"); r.code != 1 || !strings.Contains(r.stderr, "未通过检查") {
		t.Fatalf("junk backup: %+v", r)
	}
	if r := runCmd(t, cmdRestore, "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "--from") {
		t.Fatalf("no --from: %+v", r)
	}
	// A database in use is not overwritten without --force.
	if r := runCmd(t, cmdRestore, "--from", copyPath, "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("restore over data without --force: %+v", r)
	}
	r := runCmd(t, cmdRestore, "--from", copyPath, "--db", dsn, "--force")
	if r.code != 0 || !strings.Contains(r.stdout, "哈希链完整") || !strings.Contains(r.stdout, "before-restore") {
		t.Fatalf("restore: %+v", r)
	}
	db, err = app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := tableSum(t, db.DB, persons); got != wantPersons {
		t.Errorf("persons after restore %s, backup had %s", got, wantPersons)
	}
	if got := tableSum(t, db.DB, users); got != wantUsers {
		t.Errorf("users after restore %s, backup had %s", got, wantUsers)
	}
	if _, err := auth.GetUserByName(ctx, db, "afterbackup"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the change after the backup survived the restore: %v", err)
	}
	v, err := audit.Verify(ctx, db)
	if err != nil || v.BrokenAt != 0 {
		t.Fatalf("chain after restore: %+v %v", v, err)
	}
	if rows, _ := audit.Search(ctx, db, audit.Filter{Action: "backup.restore"}); len(rows) != 1 {
		t.Errorf("restore not audited: %d entries", len(rows))
	}
	if r := runCmd(t, cmdAudit, "verify", "--db", dsn); r.code != 0 || !strings.HasPrefix(r.stdout, "ok, ") {
		t.Fatalf("audit verify after restore: %+v", r)
	}
	// The replaced database was kept, change and all.
	saved, _ := filepath.Glob(dsn + ".before-restore-*")
	if len(saved) != 1 {
		t.Fatalf("saved copies: %v", saved)
	}
	old, err := store.Open(ctx, saved[0])
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := auth.GetUserByName(ctx, old, "afterbackup"); err != nil {
		t.Errorf("the saved copy lacks the later change: %v", err)
	}
	// Into an empty data directory no --force is needed.
	fresh := filepath.Join(dir, "fresh")
	if r := runCmd(t, cmdRestore, "--from", copyPath, "--data", fresh); r.code != 0 || strings.Contains(r.stdout, "before-restore") {
		t.Fatalf("restore into an empty directory: %+v", r)
	}
}

// pgDatabase creates a whole PostgreSQL database for one test (pg_dump and
// pg_restore work on databases, not on the per-test schemas of storetest)
// and drops it at the end.
func pgDatabase(t *testing.T, name string) string {
	t.Helper()
	base := os.Getenv("YANGGUANG_TEST_PG")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name = fmt.Sprintf("%s_%d_%d", name, os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Skipf("cannot create a database for the dump test (%v)", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return strings.Replace(u.String(), "postgresql://", "postgres://", 1)
}

// PostgreSQL: backup (pg_dump) → change → restore (pg_restore) gives back
// the rows of the backup with an intact chain; an empty database needs no
// --force, one with data does.
func TestRestoreCommandPostgres(t *testing.T) {
	if !storetest.OnPostgres() {
		t.Skip("PostgreSQL restore; the SQLite one is TestRestoreCommand")
	}
	for _, bin := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed", bin)
		}
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	dsn := pgDatabase(t, "yg_restore")
	db, err := app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := demo.Create(ctx, db, demo.Options{Persons: 40}); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "yangguang.dump")
	if _, err := backup.Run(ctx, db, dump); err != nil {
		t.Fatal(err)
	}
	const persons = `SELECT * FROM persons ORDER BY id`
	const users = `SELECT id, username, role, scope_code FROM users ORDER BY id`
	wantPersons, wantUsers := tableSum(t, db.DB, persons), tableSum(t, db.DB, users)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "afterbackup", DisplayName: "备份后", Role: auth.RoleLeader, ScopeCode: "*"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if r := runCmd(t, cmdRestore, "--from", dump, "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("restore over data without --force: %+v", r)
	}
	if r := runCmd(t, cmdRestore, "--from", dump, "--db", dsn, "--force"); r.code != 0 || !strings.Contains(r.stdout, "哈希链完整") {
		t.Fatalf("restore: %+v", r)
	}
	db, err = app.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := tableSum(t, db.DB, persons); got != wantPersons {
		t.Errorf("persons after restore %s, backup had %s", got, wantPersons)
	}
	if got := tableSum(t, db.DB, users); got != wantUsers {
		t.Errorf("users after restore %s, backup had %s", got, wantUsers)
	}
	if _, err := auth.GetUserByName(ctx, db, "afterbackup"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the change after the backup survived the restore: %v", err)
	}
	// The guards came back with the tables.
	if _, err := db.Exec(`UPDATE audit_log SET detail = 'x'`); err == nil {
		t.Error("the restored audit log accepts updates")
	}
	if r := runCmd(t, cmdAudit, "verify", "--db", dsn); r.code != 0 || !strings.HasPrefix(r.stdout, "ok, ") {
		t.Fatalf("audit verify after restore: %+v", r)
	}
	// Into an empty database no --force is needed.
	fresh := pgDatabase(t, "yg_fresh")
	if r := runCmd(t, cmdRestore, "--from", dump, "--db", fresh); r.code != 0 {
		t.Fatalf("restore into an empty database: %+v", r)
	}
}

func TestBackupScheduleCommand(t *testing.T) {
	dsn := storetest.DSN(t)
	if r := runCmd(t, cmdBackup, "schedule", "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "每日备份: 开启；保留最近 30 份") {
		t.Fatalf("default schedule: %+v", r)
	}
	if r := runCmd(t, cmdBackup, "schedule", "--keep", "0", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "每日备份保留份数") {
		t.Fatalf("keep 0: %+v", r)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if r := runCmd(t, cmdBackup, "schedule", "--keep", "7", "--dir", dir, "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "保留最近 7 份；目录: "+dir) {
		t.Fatalf("set schedule: %+v", r)
	}
	if r := runCmd(t, cmdBackup, "schedule", "--off", "--db", dsn); r.code != 0 || !strings.Contains(r.stdout, "关闭；保留最近 7 份") {
		t.Fatalf("switch off: %+v", r)
	}
}
