package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func TestHelpAndVersion(t *testing.T) {
	r := run(t, "help")
	for _, c := range []string{"serve", "migrate", "user", "demo", "import", "backup", "version"} {
		if !strings.Contains(r.stdout, "  "+c) {
			t.Errorf("help lacks %s", c)
		}
	}
	if r := run(t, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "yangguang ") {
		t.Errorf("version: %+v", r)
	}
	if r := run(t, "serve", "--help"); r.code != 0 || !strings.Contains(r.stderr, "YANGGUANG_ADDR") {
		t.Errorf("serve --help: %+v", r)
	}
	if r := run(t, "nonsense"); r.code != 2 {
		t.Errorf("unknown command exit %d", r.code)
	}
}

// The administrator's whole command-line life: areas, demo, accounts,
// backup — on SQLite or PostgreSQL as the test run says.
func TestCommandLine(t *testing.T) {
	dsn := storetest.DSN(t)
	dir := t.TempDir()
	db := []string{"--db", dsn}
	if r := run(t, append([]string{"migrate"}, db...)...); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	// A bad area file is refused whole, naming every bad row.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("code,name,level,parent_code\n341599000000,阳光县,county,\n34159900100,短码,township,341599000000\n341599001000,,township,341599000000\n"), 0o600)
	r := run(t, append([]string{"import", "areas", bad}, db...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "第 3 行") || !strings.Contains(r.stderr, "第 4 行") || !strings.Contains(r.stderr, "名称") {
		t.Fatalf("bad import: %+v", r)
	}
	r = run(t, append([]string{"demo", "--persons", "300"}, db...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "admin") || !strings.Contains(r.stdout, "300") {
		t.Fatalf("demo: %+v", r)
	}
	if r := run(t, append([]string{"demo", "--persons", "10"}, db...)...); r.code != 1 || !strings.Contains(r.stderr, "空数据库") {
		t.Fatalf("second demo must be refused: %+v", r)
	}
	r = run(t, append([]string{"user", "create", "--username", "newbie", "--name", "新人", "--role", "township_worker", "--scope", "341599101000"}, db...)...)
	if r.code != 0 || !regexp.MustCompile(`初始密码: \S{12}`).MatchString(r.stdout) {
		t.Fatalf("user create: %+v", r)
	}
	r = run(t, append([]string{"user", "create", "--username", "bad", "--name", "坏", "--role", "township_worker", "--scope", "341599101001"}, db...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "管辖区域") {
		t.Fatalf("village scope for a township worker must be refused: %+v", r)
	}
	if r := run(t, append([]string{"user", "disable", "newbie"}, db...)...); r.code != 0 {
		t.Fatalf("disable: %+v", r)
	}
	if r := run(t, append([]string{"user", "reset-password", "admin"}, db...)...); r.code != 0 || !strings.Contains(r.stdout, "admin") {
		t.Fatalf("reset: %+v", r)
	}
	r = run(t, append([]string{"user", "list"}, db...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "newbie") || !strings.Contains(r.stdout, "停用") || !strings.Contains(r.stdout, "town101") {
		t.Fatalf("list: %+v", r)
	}
	// The bank file of a paid batch of the demo; a draft batch is refused.
	{
		dbh, err := app.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		var paid, draft string
		dbh.QueryRow(`SELECT id FROM pay_batches WHERE state = 'paid' ORDER BY id LIMIT 1`).Scan(&paid)
		dbh.QueryRow(`SELECT id FROM pay_batches WHERE state = 'draft' ORDER BY id LIMIT 1`).Scan(&draft)
		dbh.Close()
		if paid == "" || draft == "" {
			t.Fatalf("the demo has no paid (%q) or draft (%q) payment batch", paid, draft)
		}
		xlsx := filepath.Join(dir, "bank.xlsx")
		if r := run(t, append([]string{"export", "payments", "--batch", paid, "--out", xlsx}, db...)...); r.code != 0 || !strings.Contains(r.stdout, "已导出发放批次") {
			t.Fatalf("export payments: %+v", r)
		}
		f, err := excelize.OpenFile(xlsx)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetList()[0])
		f.Close()
		if len(rows) < 3 || !slices.Contains(rows[0], "姓名") || !slices.Contains(rows[0], "银行账号") {
			t.Fatalf("bank file rows: %v", rows)
		}
		if r := run(t, append([]string{"export", "payments", "--batch", draft, "--out", filepath.Join(dir, "draft.xlsx")}, db...)...); r.code == 0 {
			t.Fatalf("a draft batch must not export: %+v", r)
		}
		if r := run(t, append([]string{"export", "payments", "--batch", "no-such-batch", "--out", filepath.Join(dir, "x.xlsx")}, db...)...); r.code == 0 || !strings.Contains(r.stderr, "没有 id 为") {
			t.Fatalf("unknown batch: %+v", r)
		}
	}
	if !storetest.OnPostgres() {
		out := filepath.Join(dir, "copy.db")
		r = run(t, append([]string{"backup", "--out", out}, db...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "哈希链完整") {
			t.Fatalf("backup: %+v", r)
		}
		if r := run(t, "backup", "--check", out); r.code != 0 {
			t.Fatalf("check: %+v", r)
		}
		// The copy is a working database with the same residents.
		copyDB, err := app.Open(context.Background(), out)
		if err != nil {
			t.Fatal(err)
		}
		defer copyDB.Close()
		var n int
		copyDB.QueryRow(`SELECT COUNT(*) FROM persons`).Scan(&n)
		if n != 300 {
			t.Fatalf("backup holds %d persons", n)
		}
	} else {
		out := filepath.Join(dir, "copy.dump")
		r = run(t, append([]string{"backup", "--out", out}, db...)...)
		st, err := os.Stat(out)
		if r.code != 0 || err != nil || st.Size() < 1000 {
			t.Fatalf("pg backup: %+v %v", r, err)
		}
	}
	// Every command-line change is in the audit log, by the operator.
	dbh, err := app.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dbh.Close()
	// (The demo's year of work writes thousands of entries: ask for each.)
	for _, a := range []string{"area.import", "user.create", "user.disable", "user.reset_password", "person.bulk_load"} {
		rows, err := audit.Search(context.Background(), dbh, audit.Filter{Action: a, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			t.Errorf("audit lacks %s", a)
		}
	}
}
