package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// server is the real yangguang binary serving a data directory.
type server struct {
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
}

func startServer(t *testing.T, bin, dataDir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{addr: addr, log: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "serve", "--data", dataDir, "--addr", addr)
	s.cmd.Env = append(os.Environ(), "YANGGUANG_DB=")
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	t.Fatalf("server did not come up:\n%s", s.log)
	return nil
}

// kill ends the server with SIGKILL: no shutdown, no flush, no goodbye.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
}

// The server is killed with SIGKILL while writers are registering persons
// over the API, several times; after each restart every write that was
// acknowledged (201) is there, nothing is half-written, SQLite's integrity
// check is clean and the audit chain verifies. SQLite only: PostgreSQL's
// durability is the server's own, outside this binary.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server; not under -short")
	}
	if storetest.OnPostgres() {
		t.Skip("SQLite data directory; PostgreSQL keeps its own durability")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "yangguang")
	build := exec.Command("go", "build", "-o", bin, "github.com/yangguang-cdpf/yangguang/cmd/yangguang")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(dir, "data")
	dbPath := store.DefaultSQLitePath(dataDir)

	// The county's areas and a token that may register, before the server.
	ctx := audit.WithActor(context.Background(), audit.System)
	db, err := app.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := area.Import(ctx, db, bytes.NewReader(apptest.CountyCSV(t))); err != nil {
		t.Fatal(err)
	}
	var token string
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(ctx, tx, "crash test", "341599000000", []auth.Perm{auth.PermRegistryWrite, auth.PermRegistryRead})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The server seals with the data directory's key file: give it this
	// test's key, so the checks below can look persons up by blind index.
	if err := crypt.ForTests().CopyTo(crypt.DefaultPath(dataDir)); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(20261128, 1))
	var mu sync.Mutex
	acked := map[string]string{} // ID number → person id
	seq := 0
	nextID := func() string {
		mu.Lock()
		defer mu.Unlock()
		seq++
		// Unique for the first 54 000 writes: the sequence part alone repeats.
		return idNumber(1940+(seq/900)%60, 1+seq%12, 1+seq%28, 1+seq%900)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	const rounds, writers = 3, 4
	for round := range rounds {
		srv := startServer(t, bin, dataDir)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					id := nextID()
					body, _ := json.Marshal(map[string]any{"id_number": id, "name": "崩溃测试", "village_code": villageA, "category": 1, "grade": 2})
					req, _ := http.NewRequest("POST", "http://"+srv.addr+"/api/v1/persons", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					var v struct {
						ID string `json:"id"`
					}
					json.NewDecoder(res.Body).Decode(&v)
					res.Body.Close()
					if res.StatusCode == http.StatusCreated {
						mu.Lock()
						acked[id] = v.ID
						mu.Unlock()
					} else if res.StatusCode != http.StatusTooManyRequests {
						t.Errorf("register: %d", res.StatusCode)
						return
					}
				}
			}()
		}
		// Kill at a random moment within the first second and a half of writing.
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		srv.kill(t)
		close(stop)
		wg.Wait()
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		t.Logf("round %d: killed with %d acknowledged writes so far", round+1, n)
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kills")
	}

	// Restart once more: the server recovers the database, then check it.
	srv := startServer(t, bin, dataDir)
	res, err := http.Get("http://" + srv.addr + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the crashes: %v", err)
	}
	res.Body.Close()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()

	db, err = app.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	var fk int
	rows, _ := db.Query(`PRAGMA foreign_key_check`)
	for rows.Next() {
		fk++
	}
	rows.Close()
	if fk != 0 {
		t.Errorf("%d rows break foreign keys", fk)
	}
	missing := 0
	for idn, pid := range acked {
		var got string
		if err := db.QueryRow(`SELECT id FROM persons WHERE id_hash = $1`, registry.IDHash(idn)).Scan(&got); err != nil || got != pid {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes are lost", missing, len(acked))
	}
	// Nothing half-written: every stored person has its creation audited.
	var persons, audited int
	db.QueryRow(`SELECT COUNT(*) FROM persons`).Scan(&persons)
	db.QueryRow(`SELECT COUNT(DISTINCT object_id) FROM audit_log WHERE action = 'person.create'`).Scan(&audited)
	if persons < len(acked) || audited != persons {
		t.Errorf("%d persons stored, %d creations audited, %d acknowledged", persons, audited, len(acked))
	}
	v, err := audit.Verify(ctx, db)
	if err != nil || v.BrokenAt != 0 {
		t.Fatalf("audit chain after the crashes: %+v %v", v, err)
	}
	t.Logf("%d acknowledged writes, %d stored, audit chain of %d entries intact", len(acked), persons, v.Checked)
}
