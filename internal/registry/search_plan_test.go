package registry_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// planQuerier runs EXPLAIN before each query and keeps the plan.
type planQuerier struct {
	store.Querier
	db    *store.DB
	plans []string
}

func (p *planQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	explain := "EXPLAIN QUERY PLAN "
	if p.db.Dialect == store.Postgres {
		explain = "EXPLAIN "
	}
	rows, err := p.db.QueryContext(ctx, explain+q, args...)
	if err != nil {
		return nil, err
	}
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
		var s []string
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				s = append(s, string(v))
			case string:
				s = append(s, v)
			}
		}
		lines = append(lines, strings.Join(s, " "))
	}
	rows.Close()
	p.plans = append(p.plans, strings.Join(lines, "\n"))
	return p.Querier.QueryContext(ctx, q, args...)
}

// TestSearchPlans checks that every search key is answered from an index,
// not by reading the table, on a registry of YANGGUANG_PLAN_ROWS demo
// persons (skipped when unset: loading 100 000 takes a while). Run with
// -v to see the plans.
func TestSearchPlans(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("YANGGUANG_PLAN_ROWS"))
	if n == 0 {
		t.Skip("set YANGGUANG_PLAN_ROWS=100000 to check the query plans")
	}
	db, ctx := setup(t)
	persons := registry.Demo(randFor(1), testAreas, n, today)
	if err := registry.BulkInsert(ctx, db, persons); err != nil {
		t.Fatal(err)
	}
	p := persons[n/2]
	guardian := ""
	for _, x := range persons[n/2:] {
		if x.GuardianPhone != "" {
			guardian = x.GuardianPhone
			break
		}
	}
	for _, c := range []struct {
		query   string
		indexed bool // must not read the whole table
	}{
		{"q=" + p.IDNumber, true},
		{"q=" + p.IDNumber[14:], true},
		{"q=" + p.IDNumber[12:], true},
		{"q=" + p.CertificateNo, true},
		{"q=" + p.NameInitials, true},
		{"q=" + url.QueryEscape(p.Name), true},
		{"q=" + guardian, true},
		{"q=13812345678", true},
		{"area=" + villageB + "&category=4", true},
		{"area=" + townA + "&sort=name", true},
		{"sort=birth_date&order=desc", true},
		{"expired=1&area=" + townB, true},
		{"age_from=60&sex=2&dibao=1", false}, // broad: reading in id order and filtering is the right plan
	} {
		v, _ := url.ParseQuery(c.query)
		f, _ := registry.ParseFilter(v)
		pq := &planQuerier{Querier: db, db: db}
		if _, err := registry.Search(ctx, pq, area.ScopeOf(county), f); err != nil {
			t.Fatal(err)
		}
		plan := pq.plans[0]
		t.Logf("%s:\n%s", c.query, plan)
		full := strings.Contains(plan, "Seq Scan on persons") || strings.Contains(plan, "SCAN persons") && !strings.Contains(plan, "USING")
		if c.indexed && full {
			t.Errorf("%s reads the whole table:\n%s", c.query, plan)
		}
	}
}
