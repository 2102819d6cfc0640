package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/jobs"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The queue starts on the test's engine and its periodic cleanup (run once
// at start) removes sessions that ran out, and only those.
func TestSessionCleanupRunsOnTheQueue(t *testing.T) {
	e := apptest.New(t)
	u := e.CreateUser("zhao", auth.RoleLeader, "", "341599000000")
	ctx := context.Background()
	old := store.FormatTime(time.Now().Add(-2 * time.Hour))
	fresh := store.Now()
	for id, seen := range map[string]string{"expired": old, "live": fresh} {
		if _, err := e.DB.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1,$2,$3,$3,$4,'','')`,
			id, u.ID, seen, store.FormatTime(time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	r, err := jobs.Start(ctx, e.DB, e.App.Auth)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id = 'expired'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cleanup job did not run within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var live int
	e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE id = 'live'`).Scan(&live)
	if live != 1 {
		t.Fatal("a live session was removed")
	}
	var done int
	e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'session_cleanup'`).Scan(&done)
	if done == 0 {
		t.Fatal("no session_cleanup job in River's table")
	}
}
