package rights_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The demo year: the scaled number of cases, most filed on time, some in
// every stage, a few overdue, extended, supervised and with legal aid —
// and the same rows for the same seed.
func TestDemo(t *testing.T) {
	e := setup(t)
	for i := range 40 {
		seedPerson(t, e, i)
	}
	ctx := audit.WithActor(context.Background(), audit.System)
	run := func() map[string]int {
		if err := rights.Demo(ctx, e.db, rand.New(rand.NewPCG(7, 8)), today); err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		list, err := rights.List(ctx, e.db, countyScope, rights.Filter{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			out["all"]++
			out[string(c.Status)]++
			if c.Status == rights.Closed && c.OnTime() {
				out["on_time"]++
			}
			if c.Overdue(ymd(today)) {
				out["overdue"]++
			}
			if c.ExtendedOn != "" {
				out["extended"]++
			}
			if c.SupervisedOn != "" {
				out["supervised"]++
			}
			if c.LegalAidOn != "" {
				out["legal_aid"]++
			}
			if c.ClosedAtIntake {
				out["intake"]++
			}
		}
		return out
	}
	got := run()
	t.Logf("demo: %v", got)
	if got["all"] != rights.DemoCases(40) {
		t.Errorf("%d cases, want %d", got["all"], rights.DemoCases(40))
	}
	if got["closed"] < got["all"]/2 || got["on_time"] < got["closed"]*7/10 || got["intake"] == 0 {
		t.Errorf("not mostly closed on time: %v", got)
	}
	for _, k := range []string{"overdue", "extended", "supervised", "legal_aid", "transferred"} {
		if got[k] == 0 {
			t.Errorf("no %s case in the demo: %v", k, got)
		}
	}
	// Deterministic: the same seed in another database gives the same ids.
	ids := func(db *store.DB) []string {
		var out []string
		rows, err := db.QueryContext(ctx, `SELECT id FROM rights_cases ORDER BY code`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	first := ids(e.db)
	e2 := setup(t)
	for i := range 40 {
		seedPerson(t, e2, i)
	}
	if err := rights.Demo(ctx, e2.db, rand.New(rand.NewPCG(7, 8)), today); err != nil {
		t.Fatal(err)
	}
	if second := ids(e2.db); strings.Join(first, ",") != strings.Join(second, ",") {
		t.Errorf("the same seed gave other rows")
	}
}

func seedPerson(t *testing.T, e *env, i int) {
	t.Helper()
	village := villageA
	if i%2 == 1 {
		village = villageB
	}
	idn := registry.MakeIDNumber("341599", time.Date(1950+i, time.March, 3, 0, 0, 0, 0, time.UTC), 100+i, 1+i%2)
	e.tx(func(tx *store.Tx) error {
		_, err := registry.Create(e.ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: "王" + string(rune('甲'+i)), VillageCode: village,
			Category: registry.Physical, Grade: registry.Grade2}, today)
		return err
	})
}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }
