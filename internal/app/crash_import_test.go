package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// A large import killed with SIGKILL leaves nothing of itself (it is one
// transaction), the database is whole and its audit chain intact, and the
// same command run again imports every row; a third run changes nothing.
// SQLite only, like TestCrashSafety.
func TestCrashDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; not under -short")
	}
	if storetest.OnPostgres() {
		t.Skip("SQLite data directory; PostgreSQL keeps its own durability")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "yangguang")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/yangguang-cdpf/yangguang/cmd/yangguang").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := crypt.ForTests().CopyTo(crypt.DefaultPath(dataDir)); err != nil {
		t.Fatal(err)
	}
	areas := filepath.Join(dir, "areas.csv")
	os.WriteFile(areas, []byte("code,name,level,parent_code\n341599000000,阳光县,county,\n341599001000,城关街道,township,341599000000\n341599001001,团结社区,village,341599001000\n"), 0o600)
	if out, err := exec.Command(bin, "import", "areas", areas, "--data", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("areas: %v\n%s", err, out)
	}
	const rows = 20000
	var csv bytes.Buffer
	csv.WriteString("姓名,身份证号,残疾类别,残疾等级,村（社区）,联系电话\n")
	for i := range rows {
		birth := time.Date(1941, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i) // one person a day: unique numbers
		fmt.Fprintf(&csv, "导入%d,%s,肢体,二级,团结社区,139%08d\n", i, registry.MakeIDNumber("341599", birth, 21, 1+i%2), i)
	}
	file := filepath.Join(dir, "persons.csv")
	if err := os.WriteFile(file, csv.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := store.DefaultSQLitePath(dataDir)
	// check opens the database and returns how many persons it holds,
	// failing unless that is one of want (all or nothing).
	check := func(want ...int) int {
		t.Helper()
		ctx := audit.WithActor(context.Background(), audit.System)
		db, err := app.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var ok string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Fatalf("integrity_check: %q %v", ok, err)
		}
		var persons, history int
		db.QueryRow(`SELECT COUNT(*) FROM persons`).Scan(&persons)
		db.QueryRow(`SELECT COUNT(*) FROM person_history`).Scan(&history)
		if history != persons || !slices.Contains(want, persons) {
			t.Fatalf("%d persons and %d history entries after the import, want one of %v", persons, history, want)
		}
		if v, err := audit.Verify(ctx, db); err != nil || v.BrokenAt != 0 {
			t.Fatalf("audit chain: %+v %v", v, err)
		}
		return persons
	}
	// Kill it part-way, at growing moments; each time nothing is left.
	killed := 0
	for _, after := range []time.Duration{300 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second} {
		cmd := exec.Command(bin, "import", "persons", file, "--data", dataDir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			// Finished before the kill: it must have imported everything.
			if err != nil {
				t.Fatalf("import ended on its own with %v\n%s", err, out.String())
			}
			check(rows)
			t.Logf("the import finished within %s; %d kills before", after, killed)
			return
		case <-time.After(after):
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
			killed++
		}
		// Killed before its commit: nothing; after it (while printing the
		// report): everything. Never a part.
		if check(0, rows) == rows {
			t.Logf("killed after its commit, at %s", after)
			break
		}
	}
	if killed == 0 {
		t.Fatal("never killed an import")
	}
	// Run again to the end, then once more: idempotent.
	if out, err := exec.Command(bin, "import", "persons", file, "--data", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("import after the crashes: %v\n%s", err, out)
	}
	check(rows)
	out, err := exec.Command(bin, "import", "persons", file, "--data", dataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("无变化 %d", rows)) {
		t.Errorf("the second import of the same file changed something: %s", out)
	}
	check(rows)
	t.Logf("killed %d imports; none left a part of itself; the re-run holds all %d rows", killed, rows)
}
