// Package jobs runs background work on River, a job queue that stores its
// jobs in the application's own database (SQLite or PostgreSQL), so jobs
// survive restarts and need nothing else installed. The first job is the
// hourly removal of expired sessions.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/backup"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Runner owns the River client and, on SQLite, its own one-connection pool.
type Runner struct {
	Client *river.Client[*sql.Tx]
	pool   *sql.DB // River's own pool on SQLite; nil on PostgreSQL
}

// driver returns River's driver for db. On SQLite River gets a separate
// pool of one connection, as its driver advises: River runs internal
// operations in parallel and SQLite allows one writer at a time.
func driver(db *store.DB) (riverdriver.Driver[*sql.Tx], *sql.DB, error) {
	if db.Dialect == store.Postgres {
		return riverdatabasesql.New(db.DB), nil, nil
	}
	pool, err := sql.Open("sqlite", store.SQLiteDSN(db.Path))
	if err != nil {
		return nil, nil, err
	}
	pool.SetMaxOpenConns(1)
	return riversqlite.New(pool), pool, nil
}

// Migrate creates or upgrades River's own tables.
func Migrate(ctx context.Context, db *store.DB) error {
	drv, pool, err := driver(db)
	if err != nil {
		return err
	}
	if pool != nil {
		defer pool.Close()
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.Default()})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migration: %w", err)
	}
	return nil
}

// SessionCleanupArgs is the job that removes expired sessions.
type SessionCleanupArgs struct{}

// Kind names the job in River's table.
func (SessionCleanupArgs) Kind() string { return "session_cleanup" }

// SessionCleanupWorker removes expired sessions.
type SessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	Auth *auth.Service
}

// Work runs one cleanup.
func (w *SessionCleanupWorker) Work(ctx context.Context, _ *river.Job[SessionCleanupArgs]) error {
	n, err := w.Auth.DeleteExpiredSessions(ctx)
	if err == nil && n > 0 {
		slog.Info("expired sessions removed", "count", n)
	}
	return err
}

// RenewalRemindersArgs is the daily job that lists certificates nearing
// expiry per township and queues the notices (certify.RenewalReminders).
type RenewalRemindersArgs struct{}

// Kind names the job in River's table.
func (RenewalRemindersArgs) Kind() string { return "certify_renewal_reminders" }

// RenewalRemindersWorker runs the reminders for today.
type RenewalRemindersWorker struct {
	river.WorkerDefaults[RenewalRemindersArgs]
	DB *store.DB
}

// Work runs one day's reminders; the function is safe to run twice.
func (w *RenewalRemindersWorker) Work(ctx context.Context, _ *river.Job[RenewalRemindersArgs]) error {
	ctx = audit.WithActor(ctx, audit.System)
	res, err := certify.RenewalReminders(ctx, w.DB, time.Now())
	if err == nil {
		slog.Info("renewal reminders", "result", res)
	}
	return err
}

// DailyBackupArgs is the daily backup (backup.Daily: a checked copy in the
// backup directory, old copies beyond the setting removed).
type DailyBackupArgs struct{}

// Kind names the job in River's table.
func (DailyBackupArgs) Kind() string { return "daily_backup" }

// DailyBackupWorker runs one day's backup.
type DailyBackupWorker struct {
	river.WorkerDefaults[DailyBackupArgs]
	DB *store.DB
}

// Work makes today's copy; a second run the same day finds it and stops.
func (w *DailyBackupWorker) Work(ctx context.Context, _ *river.Job[DailyBackupArgs]) error {
	res, err := backup.Daily(audit.WithActor(ctx, audit.System), w.DB, time.Now())
	if err == nil {
		slog.Info("daily backup", "file", res.Backup.Path, "skipped", res.Skipped, "removed", len(res.Removed))
	}
	return err
}

// CleanupInterval is how often expired sessions are removed.
const CleanupInterval = time.Hour

// Start starts the queue with its workers and periodic jobs.
func Start(ctx context.Context, db *store.DB, a *auth.Service) (*Runner, error) {
	drv, pool, err := driver(db)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &SessionCleanupWorker{Auth: a})
	river.AddWorker(workers, &RenewalRemindersWorker{DB: db})
	river.AddWorker(workers, &DailyBackupWorker{DB: db})
	client, err := river.NewClient(drv, &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(CleanupInterval),
				func() (river.JobArgs, *river.InsertOpts) { return SessionCleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return RenewalRemindersArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			// Every hour, so a server started late in the day or restarted
			// still backs up that day; the file name makes it once a day.
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return DailyBackupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
		Logger: slog.Default(),
	})
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, err
	}
	if err := client.Start(ctx); err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, err
	}
	return &Runner{Client: client, pool: pool}, nil
}

// Stop waits for running jobs to finish and closes the queue.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.Client.Stop(ctx)
	if r.pool != nil {
		r.pool.Close()
	}
	return err
}
