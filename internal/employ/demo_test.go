package employ_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// demoDB builds the demo county with a registry of the demo's default
// size, as internal/demo does, and runs the employment demo on it.
func demoDB(t *testing.T, seed uint64) *store.DB {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	db := storetest.Open(t)
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("../demo/demo-county.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := area.Import(ctx, db, bytes.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: "employ", DisplayName: "陈志强", Role: auth.RoleCountyStaff, Department: auth.DeptEmployment, ScopeCode: employ.DemoCounty, Password: "First#pass2026"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	all, _ := area.InScope(ctx, db, area.ScopeOf(employ.DemoCounty))
	rng := rand.New(rand.NewPCG(seed, 0x5947))
	if err := registry.BulkInsert(ctx, db, registry.Demo(rng, all, 3000, today)); err != nil {
		t.Fatal(err)
	}
	if err := employ.Demo(ctx, db, rng, today); err != nil {
		t.Fatal(err)
	}
	return db
}

func digest(t *testing.T, db *store.DB) string {
	h := sha256.New()
	for _, q := range []string{
		`SELECT id || person_id || form || start_date || end_date || CAST(monthly_income AS TEXT) FROM emp_records ORDER BY id`,
		`SELECT course_id || person_id || completed_on || certificate_no FROM emp_enrolments ORDER BY course_id, person_id`,
		`SELECT id || person_id || status || recorded_on || closed_on FROM emp_wishes ORDER BY id`,
		`SELECT id || person_id || status || CAST(grant_fen AS TEXT) FROM emp_projects ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, s)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two demo counties")
	}
	db := demoDB(t, 7)
	if digest(t, demoDB(t, 7)) != digest(t, db) {
		t.Fatal("the same seed gave different rows")
	}
	q := func(query string, args ...any) int {
		var n int
		if err := db.QueryRow(query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	between := func(name string, n, lo, hi int) {
		if n < lo || n > hi {
			t.Errorf("%s: %d, want %d–%d", name, n, lo, hi)
		}
	}
	between("employment records", q(`SELECT COUNT(*) FROM emp_records`), 250, 350)
	between("posts", q(`SELECT COUNT(*) FROM emp_posts`), 40, 40)
	between("courses", q(`SELECT COUNT(*) FROM emp_courses`), 12, 12)
	between("projects", q(`SELECT COUNT(*) FROM emp_projects`), 95, 110)
	between("greenhouses", q(`SELECT COUNT(*) FROM emp_places WHERE kind = 'greenhouse'`), 10, 10)
	between("bases", q(`SELECT COUNT(*) FROM emp_places WHERE kind <> 'greenhouse'`), 1, 2)
	between("parents at the school workshop", q(`SELECT COUNT(*) FROM emp_place_workers WHERE role = 'family'`), 1, 20)
	between("campaigns", q(`SELECT COUNT(*) FROM emp_campaigns`), 2, 2)
	between("wishes", q(`SELECT COUNT(*) FROM emp_wishes`), 140, 150)
	forms, _ := employ.Forms(context.Background(), db)
	for _, f := range forms {
		if n := q(`SELECT COUNT(*) FROM emp_records WHERE form = $1`, f.Code); n == 0 {
			t.Errorf("no record of form %s", f.Code)
		}
	}
	// The year's figures come out of it, near the report's targets.
	st, err := employ.Figures(context.Background(), db, area.ScopeOf(employ.DemoCounty), today.AddDate(-1, 0, 1).Format("2006-01-02"), today.Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	between("person-times", st.PersonTimes, 190, 250)
	between("projects supported in the year", st.Projects, 85, 104)
	between("greenhouses in use", st.Greenhouses, 10, 10)
	between("employed", st.Employed, 200, 320)
	if st.IncomeAbove == 0 || st.IncomeAbove == st.Employed || st.WishesFulfilled == 0 || st.Reach == 0 || st.Suggestions == 0 || st.BaseWorkers[employ.RoleFamily] == 0 {
		t.Errorf("figures: %+v", st)
	}
	t.Logf("demo: %d employed (%.1f%% ≥ ¥3000), %d person-times, %d projects, %d greenhouses, %d bases, wishes %d/%d, reach %d",
		st.Employed, st.IncomeShare, st.PersonTimes, st.Projects, st.Greenhouses, st.Bases, st.WishesFulfilled, st.WishesCollected, st.Reach)
}

// The demo runs on a registry of a handful of persons (the app's page
// tests) and on an empty one.
func TestDemoSmallRegistry(t *testing.T) {
	e := setup(t)
	for _, n := range []string{"甲", "乙", "丙"} {
		e.person(n, villageA)
	}
	if err := employ.Demo(e.ctx, e.db, rand.New(rand.NewPCG(1, 2)), today); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM emp_courses`); n != 12 {
		t.Errorf("%d courses", n)
	}
	empty := setup(t)
	if err := employ.Demo(empty.ctx, empty.db, rand.New(rand.NewPCG(1, 2)), today); err != nil {
		t.Fatal(err)
	}
}
