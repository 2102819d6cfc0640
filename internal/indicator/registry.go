package indicator

import (
	"context"
	"net/url"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// registryHref is the registry search of scope s with extra filters.
func registryHref(s area.Scope, kv ...string) string {
	v := url.Values{}
	if !s.IsAll() {
		v.Set("area", s.Code())
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if len(v) == 0 {
		return "/registry"
	}
	return "/registry?" + v.Encode()
}

// CategoryKey and GradeKey are the keys of the register's breakdown.
func CategoryKey(c registry.Category) string { return "registry_category_" + strconv.Itoa(int(c)) }
func GradeKey(g registry.Grade) string       { return "registry_grade_" + strconv.Itoa(int(g)) }

func registerRegistryBreakdown() {
	for _, c := range registry.Categories {
		Register(Indicator{Key: CategoryKey(c), Unit: "人", Kind: Count, Section: "p2.base", Stock: true})
	}
	for _, g := range registry.Grades {
		Register(Indicator{Key: GradeKey(g), Unit: "人", Kind: Count, Section: "p2.base", Stock: true})
	}
}

// registerCounts is the active register of scope s by category and grade,
// read from the trigger-kept person_counts (a few thousand rows, not a
// million: registry/counts.go).
type registerCounts struct {
	total    int64
	category map[registry.Category]int64
	grade    map[registry.Grade]int64
}

func countRegister(ctx context.Context, q store.Querier, s area.Scope) (registerCounts, error) {
	return Memo(ctx, "register:"+s.String(), func() (registerCounts, error) {
		rc := registerCounts{category: map[registry.Category]int64{}, grade: map[registry.Grade]int64{}}
		cond, args := s.Filter("village_code", 2)
		rows, err := q.QueryContext(ctx, `SELECT category, grade, SUM(n) FROM person_counts WHERE status = $1 AND `+cond+` GROUP BY category, grade`,
			append([]any{string(registry.StatusActive)}, args...)...)
		if err != nil {
			return rc, err
		}
		defer rows.Close()
		for rows.Next() {
			var c registry.Category
			var g registry.Grade
			var n int64
			if err := rows.Scan(&c, &g, &n); err != nil {
				return rc, err
			}
			rc.total += n
			rc.category[c] += n
			rc.grade[g] += n
		}
		return rc, rows.Err()
	})
}

// provideRegistry gives the register's figures their counting. The
// register's size is a stock: the persons in the register when asked.
func provideRegistry() {
	set := func(key string, fn ComputeFunc, rec RecordsFunc) {
		byKey[key].Compute, byKey[key].Records = fn, rec
	}
	set("registry_size", func(ctx context.Context, q store.Querier, s area.Scope, _ Period) (Value, error) {
		rc, err := countRegister(ctx, q, s)
		return CountOf(rc.total), err
	}, func(s area.Scope, _ Period) string { return registryHref(s) })
	for _, c := range registry.Categories {
		set(CategoryKey(c), func(ctx context.Context, q store.Querier, s area.Scope, _ Period) (Value, error) {
			rc, err := countRegister(ctx, q, s)
			return CountOf(rc.category[c]), err
		}, func(s area.Scope, _ Period) string { return registryHref(s, "category", strconv.Itoa(int(c))) })
	}
	for _, g := range registry.Grades {
		set(GradeKey(g), func(ctx context.Context, q store.Querier, s area.Scope, _ Period) (Value, error) {
			rc, err := countRegister(ctx, q, s)
			return CountOf(rc.grade[g]), err
		}, func(s area.Scope, _ Period) string { return registryHref(s, "grade", strconv.Itoa(int(g))) })
	}
	// 动态更新: the share of the active register whose record changed (or
	// was created) in the period — by the dates of the history entries, so
	// the numerator of a past period does not move.
	set("registry_updated_rate", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		rc, err := countRegister(ctx, q, s)
		if err != nil {
			return Value{}, err
		}
		lo, hi := p.Instants()
		cond, args := s.Filter("p.village_code", 4)
		var n int64
		// "|| ''" keeps SQLite from reading the whole history in person
		// order (to count distinct without sorting): the period's range of
		// the (at, person_id) index is a fraction of it.
		err = q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT h.person_id || '') FROM person_history h JOIN persons p ON p.id = h.person_id
WHERE h.at >= $1 AND h.at < $2 AND p.status = $3 AND `+cond, append([]any{lo, hi, string(registry.StatusActive)}, args...)...).Scan(&n)
		return Rate(n, rc.total), err
	}, nil)
	byKey["registry_updated_rate"].List = func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		lo, hi := p.Instants()
		cond, args := s.Filter("p.village_code", 4)
		rows, err := q.QueryContext(ctx, `SELECT p.id, p.name, p.village_code, MAX(h.at) FROM person_history h JOIN persons p ON p.id = h.person_id
WHERE h.at >= $1 AND h.at < $2 AND p.status = $3 AND `+cond+` GROUP BY p.id, p.name, p.village_code ORDER BY MAX(h.at), p.id LIMIT 5000`,
			append([]any{lo, hi, string(registry.StatusActive)}, args...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Record
		for rows.Next() {
			var r Record
			var id, at string
			if err := rows.Scan(&id, &r.Label, &r.AreaCode, &at); err != nil {
				return nil, err
			}
			r.Date, r.Href = localDay(at), "/registry/persons/"+id
			out = append(out, r)
		}
		return out, rows.Err()
	}
	byKey["registry_updated_rate"].Records = recordsPage("registry_updated_rate")
}
