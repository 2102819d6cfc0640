package bench_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/bench"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// A CI-sized run: every scenario answers, with no errors. Timings are
// reported, never asserted.
func TestSmallRunHasNoErrors(t *testing.T) {
	db, err := app.Open(context.Background(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var log bytes.Buffer
	rep, err := bench.Run(context.Background(), db, bench.Options{Persons: 400, Duration: 300 * time.Millisecond, Clients: 2}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if rep.Errors() != 0 {
		for _, s := range rep.HTTP {
			t.Logf("%s: %d errors, first: %s", s.Name, s.Errors, s.FirstError)
		}
		t.Fatal("requests failed")
	}
	if len(rep.HTTP) != 6 || len(rep.Loads) != 2 || rep.Persons != 400 {
		t.Fatalf("report incomplete: %+v", rep)
	}
	for _, s := range rep.HTTP {
		if s.Requests == 0 {
			t.Errorf("%s made no requests", s.Name)
		}
	}
	if rep.Loads[1].Rows != 400 || rep.Loads[1].RowsPerSec <= 0 {
		t.Errorf("bare loop: %+v", rep.Loads[1])
	}
	var out bytes.Buffer
	rep.Print(&out)
	if !strings.Contains(out.String(), "ID-number lookup") {
		t.Fatalf("table: %s", out.String())
	}
	if err := rep.WriteJSON(filepath.Join(t.TempDir(), "b.json")); err != nil {
		t.Fatal(err)
	}
	// The scratch table is gone.
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM bench_bare`).Scan(&n); err == nil {
		t.Fatal("bench_bare left behind")
	}
}
