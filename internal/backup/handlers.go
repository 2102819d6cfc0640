package backup

import (
	"embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the system administrator's backup page: the daily
// schedule (the same setting as `yangguang backup schedule`) and the
// copies in the backup directory, with a warning when none is recent.
type Handler struct {
	DB *store.DB
}

// NewHandler returns the backup page's handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

// Routes registers the page.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /admin/backups", auth.PermBackupManage, h.page)
	rt.Page("POST /admin/backups", auth.PermBackupManage, h.save)
}

// Copy is one backup file in the directory.
type Copy struct {
	Name  string
	Bytes int64
	At    time.Time
}

// Size is the file's size for people: "12.3 MB".
func (c Copy) Size() string { return humanBytes(c.Bytes) }

// Dir is where the daily copies go: the schedule's directory, or backups/
// beside the SQLite file; "" on PostgreSQL without one (no copies made).
func Dir(db *store.DB, s Schedule) string {
	switch {
	case s.Dir != "":
		return s.Dir
	case db.Dialect == store.Postgres:
		return ""
	}
	return filepath.Join(db.DataDir(), "backups")
}

// Copies lists the backups in dir (Yangguang's own names, daily or made by
// `yangguang backup`), newest first. A missing directory has none.
func Copies(dir string) ([]Copy, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Copy
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, "yangguang-") || !(strings.HasSuffix(name, ".db") || strings.HasSuffix(name, ".dump")) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed while listed
		}
		out = append(out, Copy{Name: name, Bytes: info.Size(), At: info.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// Stale reports whether the schedule is on but the newest copy is older
// than two days (or there is none): the job has not run or has failed.
func Stale(s Schedule, copies []Copy, now time.Time) bool {
	if !s.Enabled {
		return false
	}
	return len(copies) == 0 || now.Sub(copies[0].At) > 48*time.Hour
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n), []string{"KB", "MB", "GB", "TB"}
	i := -1
	for v >= unit && i < len(suffix)-1 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, suffix[i])
}

type pageData struct {
	Schedule Schedule
	Dir      string // where the copies go; "" none (PostgreSQL without a directory)
	Copies   []Copy
	Stale    bool
	Keep     [2]int
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s, err := LoadSchedule(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := pageData{Schedule: s, Dir: Dir(h.DB, s), Keep: [2]int{MinKeepDays, MaxKeepDays}}
	if d.Copies, err = Copies(d.Dir); err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Stale = Stale(s, d.Copies, time.Now())
	if page.Form == nil { // the form shows the schedule in force
		on := ""
		if s.Enabled {
			on = "1"
		}
		page.Form = map[string]string{"enabled": on, "keep_days": strconv.Itoa(s.KeepDays), "dir": s.Dir}
	}
	l := web.PrefsFrom(r).Lang
	page.Title, page.Section, page.Data = "backup.page.title", "admin", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(l, "nav.admin"), Href: "/admin"}, {Label: i18n.T(l, "backup.page.title")}}
	web.Render(w, r, pages, "backups", page)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) { h.render(w, r, web.Page{}) }

func (h *Handler) save(w http.ResponseWriter, r *http.Request) {
	enabled := r.PostFormValue("enabled") == "1"
	keep, dir := r.PostFormValue("keep_days"), r.PostFormValue("dir")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return SaveSchedule(r.Context(), tx, enabled, keep, dir) })
	var es validate.Errors
	if errors.As(err, &es) {
		on := ""
		if enabled {
			on = "1"
		}
		h.render(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity,
			Form: map[string]string{"enabled": on, "keep_days": keep, "dir": dir}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/backups?ok=flash.saved")
}
