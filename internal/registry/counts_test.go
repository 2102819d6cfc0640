package registry_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The maintained counts equal a direct count after bulk loads, creations,
// events that change village, grade and status, on both engines.
func TestPersonCountsMatchDirectCount(t *testing.T) {
	db, ctx := setup(t)
	villages, err := area.InScope(ctx, db, area.All())
	if err != nil {
		t.Fatal(err)
	}
	persons := registry.Demo(rand.New(rand.NewPCG(5, 6)), villages, 600, time.Now())
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		rows, err := db.QueryContext(ctx, `SELECT village_code, category, grade, status, COUNT(*) FROM persons GROUP BY village_code, category, grade, status`)
		if err != nil {
			t.Fatal(err)
		}
		direct := map[[4]string]int{}
		for rows.Next() {
			var v, st string
			var c, g, n int
			rows.Scan(&v, &c, &g, &st, &n)
			direct[[4]string{v, string(rune('0' + c)), string(rune('0' + g)), st}] = n
		}
		rows.Close()
		rows, err = db.QueryContext(ctx, `SELECT village_code, category, grade, status, n FROM person_counts WHERE n <> 0`)
		if err != nil {
			t.Fatal(err)
		}
		kept := map[[4]string]int{}
		for rows.Next() {
			var v, st string
			var c, g, n int
			rows.Scan(&v, &c, &g, &st, &n)
			kept[[4]string{v, string(rune('0' + c)), string(rune('0' + g)), st}] = n
		}
		rows.Close()
		if len(direct) != len(kept) {
			t.Fatalf("%s: %d groups counted, %d kept", when, len(direct), len(kept))
		}
		for k, n := range direct {
			if kept[k] != n {
				t.Fatalf("%s: %v counted %d, kept %d", when, k, n, kept[k])
			}
		}
		byCat, total, err := registry.CountByCategory(ctx, db, area.All())
		if err != nil {
			t.Fatal(err)
		}
		var active int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE status = 'active'`).Scan(&active)
		sum := 0
		for _, n := range byCat {
			sum += n
		}
		if total != active || sum != active {
			t.Fatalf("%s: CountByCategory total %d (sum %d), direct %d", when, total, sum, active)
		}
	}
	check("after bulk load")
	// Changes through the registry's own functions.
	var target registry.Person
	for _, p := range persons {
		if p.Status == registry.StatusActive && p.Category != registry.Multiple {
			target = p
			break
		}
	}
	actx := audit.WithActor(ctx, audit.System)
	if err := db.InTx(actx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(actx, `UPDATE persons SET grade = 1, village_code = $2 WHERE id = $1`, target.ID, villages[len(villages)-1].Code)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	check("after a move and regrade")
	if _, err := db.ExecContext(ctx, `UPDATE persons SET status = 'deceased' WHERE id = $1`, target.ID); err != nil {
		t.Fatal(err)
	}
	check("after a death")
	if _, err := db.ExecContext(ctx, `DELETE FROM person_history WHERE person_id = $1`, target.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM person_components WHERE person_id = $1`, target.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM persons WHERE id = $1`, target.ID); err != nil {
		t.Fatal(err)
	}
	check("after a delete")
}
