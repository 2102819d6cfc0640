package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// lockedBuffer is a stdout the server goroutine writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve stops gracefully: a request in flight when the stop comes is
// answered, the job queue leaves no job running, and the database is
// closed (SQLite folds its write-ahead log back and removes it).
func TestServeStopsGracefully(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("the closed-database check reads SQLite's files; the shutdown code is the same on both engines")
	}
	dir := t.TempDir()
	dsn := filepath.Join(dir, "yangguang.db")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- cmdServe(&env{ctx: ctx, stdin: strings.NewReader(""), stdout: out, stderr: io.Discard}, []string{"--addr", "127.0.0.1:0", "--db", dsn})
	}()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	var base string
	for i := 0; i < 600 && base == ""; i++ {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = "http://" + m[1]
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %q", out.String())
	}
	// A sign-in whose body is still arriving when the stop comes.
	body, w := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, base+"/login", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	type answer struct {
		status int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{0, err}
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		answered <- answer{res.StatusCode, nil}
	}()
	fmt.Fprint(w, "username=nobody&")
	// The handler is reading the body: wait until the server counts the
	// connection as active, then stop.
	time.Sleep(200 * time.Millisecond)
	stop()
	time.Sleep(200 * time.Millisecond)
	fmt.Fprint(w, "password=Wrong%23pass2026")
	w.Close()
	a := <-answered
	if a.err != nil || a.status == 0 || a.status >= 500 {
		t.Fatalf("the request in flight at the stop was not answered: %d %v", a.status, a.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if _, err := os.Stat(dsn + "-wal"); err == nil {
		t.Error("the write-ahead log is still there: the database was not closed")
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var running int
	if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE state = 'running'`).Scan(&running); err != nil || running != 0 {
		t.Fatalf("jobs left running: %d %v", running, err)
	}
	var ok string
	if db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); ok != "ok" {
		t.Fatalf("integrity: %s", ok)
	}
}
