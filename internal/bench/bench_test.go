package bench_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/bench"
	"github.com/yangguang-cdpf/yangguang/internal/store"
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
	// Eight read scenarios, four kinds of write and the whole write mix.
	if len(rep.HTTP) != 13 || len(rep.Loads) != 4 || rep.Persons != 400 {
		t.Fatalf("report incomplete: %+v", rep)
	}
	for _, s := range rep.HTTP {
		if s.Requests == 0 {
			t.Errorf("%s made no requests (%s)", s.Name, s.FirstError)
		}
	}
	if rep.Loads[1].Rows != 400 || rep.Loads[1].RowsPerSec <= 0 {
		t.Errorf("bare loop: %+v", rep.Loads[1])
	}
	// The import and its bare loop, of the same rows, and their ratio.
	if rep.Loads[2].Rows != 400 || rep.Loads[3].Rows != 400 || !strings.Contains(rep.Loads[3].Name, "import") || rep.ImportRatio <= 0 {
		t.Errorf("import loads: %+v, ratio %v", rep.Loads[2:], rep.ImportRatio)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if !strings.Contains(out.String(), "ID-number lookup") {
		t.Fatalf("table: %s", out.String())
	}
	if err := rep.WriteJSON(filepath.Join(t.TempDir(), "b.json")); err != nil {
		t.Fatal(err)
	}
	// The scratch table is gone, and so are the scratch databases.
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM bench_bare`).Scan(&n); err == nil {
		t.Fatal("bench_bare left behind")
	}
	if db.Dialect == store.Postgres {
		if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE 'bench\_%'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d scratch schemas left behind (%v)", n, err)
		}
	} else if left, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path), "bench*")); len(left) != 0 {
		t.Errorf("scratch files left behind: %v", left)
	}
}

// The import at the scale, run by hand (it takes minutes):
//
//	YANGGUANG_BENCH_IMPORT_ROWS=1000000 go test ./internal/bench/ -run ImportAtScale -v -timeout 3h
//
// with YANGGUANG_TEST_DB=postgres (and scripts/pg-throwaway) for
// PostgreSQL. It prints the report; the figures go to docs/BENCHMARKS.md.
func TestImportAtScale(t *testing.T) {
	rows, _ := strconv.Atoi(os.Getenv("YANGGUANG_BENCH_IMPORT_ROWS"))
	if rows <= 0 {
		t.Skip("set YANGGUANG_BENCH_IMPORT_ROWS to run")
	}
	db, err := app.Open(context.Background(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := bench.Run(context.Background(), db, bench.Options{Persons: 1000, Duration: 200 * time.Millisecond, Clients: 1, BareRows: 1000, ImportRows: rows}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log("\n" + out.String())
	if rep.ImportRatio <= 0 {
		t.Fatal("no import ratio")
	}
}

// A caseworker's latency and the loaded server's, in one run: each chosen
// read scenario once per number of clients, nothing else.
func TestClientCountsAndOnly(t *testing.T) {
	db, err := app.Open(context.Background(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var log bytes.Buffer
	rep, err := bench.Run(context.Background(), db, bench.Options{Persons: 200, Duration: 200 * time.Millisecond, ClientCounts: []int{1, 3},
		Only: regexp.MustCompile(`ID-number|dashboard`), NoBare: true}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var got []string
	for _, s := range rep.HTTP {
		got = append(got, s.Name+"/"+strconv.Itoa(s.Clients))
		if s.Requests == 0 || s.Errors != 0 {
			t.Errorf("%s with %d clients: %d requests, %d errors (%s)", s.Name, s.Clients, s.Requests, s.Errors, s.FirstError)
		}
	}
	want := []string{"ID-number lookup/1", "ID-number lookup/3", "dashboard (county)/1", "dashboard (county)/3"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("scenarios %v, want %v", got, want)
	}
	if len(rep.Loads) != 1 || rep.ImportRatio != 0 {
		t.Errorf("only the demo build should be measured: %+v", rep.Loads)
	}
}
