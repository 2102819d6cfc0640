// Package app assembles Yangguang: the one migration list, the route table
// of every area of work, the middleware and the background jobs. The command
// line (internal/cli) and the tests start the system through it.
package app

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yangguang-cdpf/yangguang/internal/account"
	"github.com/yangguang-cdpf/yangguang/internal/activity"
	"github.com/yangguang-cdpf/yangguang/internal/api"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/area/areaweb"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/audit/auditweb"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/dashboard"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/jobs"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/report"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Migrations is the one ordered migration list: every domain's steps.
func Migrations() []store.Migration {
	var all []store.Migration
	for _, m := range [][]store.Migration{
		area.Migrations,
		audit.Migrations,
		auth.Migrations,
		backup.Migrations,
		registry.Migrations,
		calendar.Migrations,
		certify.Migrations,
		programme.Migrations,
		payment.Migrations,
		device.Migrations,
		survey.Migrations,
		renovate.Migrations,
		levy.Migrations,
		employ.Migrations,
		report.Migrations,
		rights.Migrations,
		activity.Migrations,
	} {
		all = append(all, m...)
	}
	return all
}

// The areas meet here: the survey's needs feed the renovation list and the
// programmes' service rates, and a person leaving the register voids his
// open survey tasks (the other areas register their own hooks).
func init() {
	registry.OnLeave(survey.PersonLeft)
	renovate.SurveyNeeds = func(ctx context.Context, q store.Querier, s area.Scope, year int) ([]string, error) {
		return survey.Needs(ctx, q, s, year, survey.NeedRenovation)
	}
	renovate.NeedCount = func(ctx context.Context, q store.Querier, s area.Scope, year int) (int, error) {
		n, err := survey.NeedCounts(ctx, q, s, year)
		return n[survey.NeedRenovation], err
	}
	programme.SurveyNeeding = func(ctx context.Context, q store.Querier, s area.Scope, year int, code string) ([]string, error) {
		need, ok := programmeNeeds[code]
		if !ok {
			return nil, nil
		}
		return survey.Needs(ctx, q, s, year, need)
	}
}

// programmeNeeds maps programmes to the survey need they serve.
var programmeNeeds = map[string]survey.Need{
	programme.CodeHomeRehab:    survey.NeedRehabilitation,
	programme.CodeChildRescue:  survey.NeedRehabilitation,
	programme.CodeDevices:      survey.NeedDevice,
	programme.CodeSunshineHome: survey.NeedCare,
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
	a := &App{DB: db, Auth: auth.NewService(db), DataDir: db.DataDir()}
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
	backup.NewHandler(db).Routes(rt)
	programme.NewHandler(db).Routes(rt)
	payment.NewHandler(db, programme.PaymentSource{}).Routes(rt)
	device.NewHandler(db).Routes(rt)
	survey.NewHandler(db).Routes(rt)
	renovate.NewHandler(db, FileStore(db)).Routes(rt)
	levy.NewHandler(db, a.DataDir).Routes(rt)
	employ.NewHandler(db).Routes(rt)
	rights.NewHandler(db).Routes(rt)
	activity.NewHandler(db).Routes(rt)
	report.NewHandler(db).Routes(rt)
	(&areaweb.Handler{DB: db}).Routes(rt)
	(&auditweb.Handler{DB: db}).Routes(rt)
	(&api.Handler{DB: db}).Routes(rt)
	a.Router = rt
	a.Handler = web.Middleware(a.Auth, rt)
	return a
}

// FileStore is where photos and documents are kept: by content hash under
// the data directory.
func FileStore(db *store.DB) *files.Store {
	return files.In(db.DataDir())
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
