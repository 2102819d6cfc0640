package indicator

import (
	"context"
	"net/url"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Helpers shared by the providers of the areas of work (employ.go,
// programme.go, survey.go, renovate.go, levy.go): the link to an area's
// own list, and one-number SQL counts.

// areaHref is an area page with query kv, narrowed to s when s is a
// township or village (the areas' lists take "area" only at those levels;
// the county or everything is the caller's whole scope anyway).
func areaHref(path string, s area.Scope, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if !s.IsAll() {
		if l := area.LevelOf(s.Code()); l == area.Township || l == area.Village {
			v.Set("area", s.Code())
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// periodHref is areaHref with the period's from and to.
func periodHref(path string) RecordsFunc {
	return func(s area.Scope, p Period) string { return areaHref(path, s, "from", p.From, "to", p.To) }
}

// fixedHref is areaHref with fixed filters.
func fixedHref(path string, kv ...string) RecordsFunc {
	return func(s area.Scope, _ Period) string { return areaHref(path, s, kv...) }
}

// yearHref is areaHref with the period's year (the year of a round, a
// list or a review).
func yearHref(path string, kv ...string) RecordsFunc {
	return func(s area.Scope, p Period) string {
		return areaHref(path, s, append([]string{"year", strconv.Itoa(p.YearOf())}, kv...)...)
	}
}

// count runs a query returning one integer, once per memo context.
func count(ctx context.Context, q store.Querier, memoKey, query string, args ...any) (int64, error) {
	return Memo(ctx, memoKey, func() (int64, error) {
		var n int64
		err := q.QueryRowContext(ctx, query, args...).Scan(&n)
		return n, err
	})
}

// countOf wraps an integer as a Count value.
func countOf(n int64, err error) (Value, error) { return CountOf(n), err }

// mkey is a memo key of a figure for scope s and period p.
func mkey(name string, s area.Scope, p Period) string {
	return name + ":" + s.String() + ":" + p.String()
}
