package app_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
)

// The system administrator sees and sets the daily backup on a page: the
// same setting as `yangguang backup schedule`, checked field by field and
// audited, the copies in the directory listed, and a warning while none
// is recent. No other account opens it.
func TestBackupPage(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("admin", auth.RoleCountyAdmin, "", county)
	e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	e.CreateUser("leader", auth.RoleLeader, "", county)
	admin := e.SignIn("admin")

	res := admin.Get("/admin/backups")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "每日备份设置") || !strings.Contains(res.Body, `value="30"`) {
		t.Fatalf("page: %d\n%.2000s", res.StatusCode, res.Body)
	}
	if !strings.Contains(res.Body, "最近两天没有新的备份") && !strings.Contains(res.Body, "须填写备份目录") {
		t.Error("no warning while no copy exists")
	}
	if !strings.Contains(admin.Get("/admin").Body, `href="/admin/backups"`) {
		t.Error("the administration page does not link the backup page")
	}

	dir := t.TempDir()
	for _, c := range []struct {
		form url.Values
		says string
	}{
		{url.Values{"enabled": {"1"}, "keep_days": {"0"}, "dir": {dir}}, "每日备份保留份数"},
		{url.Values{"enabled": {"1"}, "keep_days": {"七"}, "dir": {dir}}, "须为 1 到 3650 之间的整数"},
		{url.Values{"enabled": {"1"}, "keep_days": {"7"}, "dir": {"backups"}}, "须为绝对路径"},
	} {
		res := admin.PostForm("/admin/backups", c.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, c.says) {
			t.Errorf("%v: %d, want 422 saying %q\n%.1500s", c.form, res.StatusCode, c.says, res.Body)
		}
	}
	if s, err := backup.LoadSchedule(t.Context(), e.DB); err != nil || s.KeepDays != 30 || s.Dir != "" || !s.Enabled {
		t.Fatalf("refused input changed the schedule: %+v %v", s, err)
	}

	res = admin.PostForm("/admin/backups", url.Values{"enabled": {"1"}, "keep_days": {"7"}, "dir": {dir}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%.1500s", res.StatusCode, res.Body)
	}
	if s, err := backup.LoadSchedule(t.Context(), e.DB); err != nil || s.KeepDays != 7 || s.Dir != dir || !s.Enabled {
		t.Fatalf("saved schedule: %+v %v", s, err)
	}
	var audited int
	if err := e.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'backup.settings'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("%d audit entries for the change (%v), want 1", audited, err)
	}

	// A copy of today: listed, and the warning gone.
	if err := os.WriteFile(filepath.Join(dir, "yangguang-daily-20261129.db"), make([]byte, 3*1024*1024), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = admin.Get("/admin/backups")
	if !strings.Contains(res.Body, "yangguang-daily-20261129.db") || !strings.Contains(res.Body, "3.0 MB") || strings.Contains(res.Body, "notes.txt") {
		t.Errorf("copies not listed as they are:\n%.3000s", res.Body)
	}
	if strings.Contains(res.Body, "最近两天没有新的备份") {
		t.Error("warning shown with a fresh copy")
	}

	// Switched off: said plainly.
	admin.PostForm("/admin/backups", url.Values{"keep_days": {"7"}, "dir": {dir}})
	if !strings.Contains(admin.Get("/admin/backups").Body, "每日备份已关闭") {
		t.Error("no notice that backups are off")
	}

	for _, user := range []string{"sec", "leader"} {
		c := e.SignIn(user)
		if res := c.Get("/admin/backups"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s opened the backup page: %d", user, res.StatusCode)
		}
		if res := c.PostForm("/admin/backups", url.Values{"enabled": {"1"}, "keep_days": {"1"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s changed the schedule: %d", user, res.StatusCode)
		}
	}
}
