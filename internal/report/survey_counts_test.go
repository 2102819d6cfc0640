package report_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The maintained survey_task_counts equal a direct count of survey_tasks
// after inserts, moves between villages, status changes and visits, writes
// that change none of the counted columns, and deletions, on both engines.
func TestSurveyTaskCountsMatchDirectCount(t *testing.T) {
	e := setup(t)
	rng := rand.New(rand.NewPCG(11, 12))
	villages := []string{villageA, villageB, villageC}
	statuses := []string{"pending", "in_progress", "submitted", "returned", "checked", "accepted", "void"}
	day := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
	}
	var ids []string
	direct := func() []string {
		var out []string
		rows, err := e.db.QueryContext(e.ctx, `SELECT year, village_code, status, visited_on, COUNT(*) FROM survey_tasks GROUP BY year, village_code, status, visited_on`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var y, n int
			var v, s, d string
			if err := rows.Scan(&y, &v, &s, &d, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(y, v, s, d, n))
		}
		slices.Sort(out)
		return out
	}
	kept := func() []string {
		var out []string
		rows, err := e.db.QueryContext(e.ctx, `SELECT year, village_code, status, visited_on, n FROM survey_task_counts WHERE n <> 0`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var y, n int
			var v, s, d string
			if err := rows.Scan(&y, &v, &s, &d, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(y, v, s, d, n))
		}
		slices.Sort(out)
		return out
	}
	for _, step := range []struct {
		name string
		do   func(tx *store.Tx) error
	}{
		{"insert", func(tx *store.Tx) error {
			for i := 0; i < 300; i++ {
				id := fmt.Sprintf("t%03d", i)
				ids = append(ids, id)
				if _, err := tx.ExecContext(e.ctx, `INSERT INTO survey_tasks (id, year, person_id, village_code, status, answers, visited_on, return_note,
					submitted_by, submitted_at, checked_by, checked_at, accepted_by, accepted_at, created_at, updated_at, version)
					VALUES ($1, $2, $3, $4, $5, '', $6, '', '', '', '', '', '', '', '', '', 1)`,
					id, 2025+rng.IntN(2), "p"+id, villages[rng.IntN(3)], statuses[rng.IntN(len(statuses))], day()); err != nil {
					return err
				}
			}
			return nil
		}},
		{"visit, move and change status", func(tx *store.Tx) error {
			for _, id := range ids[:200] {
				if _, err := tx.ExecContext(e.ctx, `UPDATE survey_tasks SET village_code = $2, status = $3, visited_on = $4 WHERE id = $1`,
					id, villages[rng.IntN(3)], statuses[rng.IntN(len(statuses))], day()); err != nil {
					return err
				}
			}
			return nil
		}},
		{"many rows in one statement (a round opening)", func(tx *store.Tx) error {
			_, err := tx.ExecContext(e.ctx, `INSERT INTO survey_tasks (id, year, person_id, village_code, status, answers, visited_on, return_note,
				submitted_by, submitted_at, checked_by, checked_at, accepted_by, accepted_at, created_at, updated_at, version)
				SELECT 'b' || id, year + 10, person_id, village_code, status, '', visited_on, '', '', '', '', '', '', '', '', '', 1 FROM survey_tasks`)
			return err
		}},
		{"writes that change nothing counted", func(tx *store.Tx) error {
			_, err := tx.ExecContext(e.ctx, `UPDATE survey_tasks SET version = version + 1, answers = '{}'`)
			return err
		}},
		{"same values written again", func(tx *store.Tx) error {
			_, err := tx.ExecContext(e.ctx, `UPDATE survey_tasks SET status = status, visited_on = visited_on WHERE id < 't100'`)
			return err
		}},
		{"delete", func(tx *store.Tx) error {
			_, err := tx.ExecContext(e.ctx, `DELETE FROM survey_tasks WHERE id >= 't250' OR id LIKE 'b%1'`)
			return err
		}},
	} {
		e.tx(step.do)
		if d, k := direct(), kept(); !slices.Equal(d, k) {
			t.Fatalf("after %s:\ndirect %v\nkept   %v", step.name, d, k)
		}
	}
	if len(direct()) < 20 {
		t.Fatal("too few groups to prove anything")
	}
}
