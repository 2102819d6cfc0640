// Package app assembles Yangguang: the one migration list, the route table
// of every area of work, the middleware and the background jobs. The command
// line (internal/cli) and the tests start the system through it.
package app

import (
	"context"
	"net/http"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yangguang-cdpf/yangguang/internal/account"
	"github.com/yangguang-cdpf/yangguang/internal/api"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/area/areaweb"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/audit/auditweb"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/dashboard"
	"github.com/yangguang-cdpf/yangguang/internal/jobs"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Migrations is the one ordered migration list: every domain's steps.
func Migrations() []store.Migration {
	var all []store.Migration
	for _, m := range [][]store.Migration{
		area.Migrations,
		audit.Migrations,
		auth.Migrations,
		registry.Migrations,
		calendar.Migrations,
		certify.Migrations,
	} {
		all = append(all, m...)
	}
	return all
}

// Open opens the database at dsn and brings its schema (and the job
// queue's) up to date.
func Open(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, Migrations()); err != nil {
		db.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// App is a running Yangguang.
type App struct {
	DB *store.DB
	// DataDir holds files beside the database: uploads waiting for an
	// import's confirmation. It is the SQLite file's directory, or a
	// directory under the system's temp dir on PostgreSQL.
	DataDir string
	Auth    *auth.Service
	Router  *web.Router
	Handler http.Handler
	jobs    *jobs.Runner
}

// New builds the web application on an open, migrated database.
func New(db *store.DB) *App {
	a := &App{DB: db, Auth: auth.NewService(db), DataDir: filepath.Join(os.TempDir(), "yangguang")}
	if db.Path != "" {
		a.DataDir = filepath.Dir(db.Path)
	}
	rt := web.NewRouter(a.Auth)
	rt.Public("GET /healthz", http.HandlerFunc(a.healthz))
	rt.Public("GET /metrics", localOnly(promhttp.Handler()))
	rt.Public("GET /static/", web.Static())
	rt.Public("POST /prefs", http.HandlerFunc(web.HandlePrefs))
	(&account.Handler{Auth: a.Auth}).Routes(rt)
	(&dashboard.Handler{DB: db}).Routes(rt)
	(&registry.Handler{DB: db}).Routes(rt)
	(&registry.ImportHandler{DB: db, DataDir: a.DataDir}).Routes(rt)
	certify.NewHandler(db).Routes(rt)
	calendar.NewHandler(db).Routes(rt)
	(&areaweb.Handler{DB: db}).Routes(rt)
	(&auditweb.Handler{DB: db}).Routes(rt)
	(&api.Handler{DB: db}).Routes(rt)
	a.Router = rt
	a.Handler = web.Middleware(a.Auth, rt)
	return a
}

// StartJobs starts the background job queue.
func (a *App) StartJobs(ctx context.Context) error {
	r, err := jobs.Start(ctx, a.DB, a.Auth)
	if err != nil {
		return err
	}
	a.jobs = r
	return nil
}

// Stop stops background jobs (the caller closes the database).
func (a *App) Stop(ctx context.Context) error {
	if a.jobs != nil {
		return a.jobs.Stop(ctx)
	}
	return nil
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	if err := a.DB.PingContext(r.Context()); err != nil {
		web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "db": err.Error()})
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"status": "ok", "db": string(a.DB.Dialect), "version": web.Version})
}

// localOnly serves metrics to the machine itself (a Prometheus on the same
// PC or behind a reverse proxy on it), not to the LAN.
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := web.ClientIP(r)
		if ip != "127.0.0.1" && ip != "::1" {
			web.Error(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		h.ServeHTTP(w, r)
	})
}
