package indicator

import (
	"context"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The renovation figures count as renovate.Figures (the renovation page;
// a test holds them equal) for the list of the period's year: completed
// counts homes accepted in the period; listed and in preparation are the
// list as it stands (Stock); the rate is completed ÷ households needing it
// (the survey's renovation needs of the year when the app wires
// renovate.NeedCount, else the list). One query for the scope: Figures
// also counts every township, which the report does not need.

func renovateStats(ctx context.Context, q store.Querier, s area.Scope, p Period) (renovate.Counts, error) {
	return Memo(ctx, mkey("renovate", s, p), func() (renovate.Counts, error) {
		var c renovate.Counts
		year := p.YearOf()
		cond, args := s.Filter("village_code", 4)
		err := q.QueryRowContext(ctx, `SELECT COUNT(*),
	COALESCE(SUM(CASE WHEN status IN ('surveyed', 'planned', 'approved') THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN status IN ('accepted', 'paid') AND accepted_on >= $2 AND accepted_on <= $3 THEN 1 ELSE 0 END), 0)
FROM renovations WHERE year = $1 AND status <> 'cancelled' AND `+cond, append([]any{year, p.From, p.To}, args...)...).
			Scan(&c.Listed, &c.InPreparation, &c.Completed)
		if err != nil {
			return c, err
		}
		c.Need = c.Listed
		if renovate.NeedCount != nil {
			c.Need, err = renovate.NeedCount(ctx, q, s, year)
		}
		return c, err
	})
}

func fromRenovate(pick func(renovate.Counts) Value) ComputeFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		c, err := renovateStats(ctx, q, s, p)
		if err != nil {
			return Value{}, err
		}
		return pick(c), nil
	}
}

func provideRenovate() {
	figures := func(s area.Scope, p Period) string {
		return areaHref("/renovation/figures", s, "year", p.To[:4], "from", p.From, "to", p.To)
	}
	Provide("renovation_planned", fromRenovate(func(c renovate.Counts) Value { return CountOf(int64(c.Listed)) }), yearHref("/renovation"))
	Provide("renovation_completed", fromRenovate(func(c renovate.Counts) Value { return CountOf(int64(c.Completed)) }), figures)
	Provide("renovation_in_preparation", fromRenovate(func(c renovate.Counts) Value { return CountOf(int64(c.InPreparation)) }), figures)
	Provide("renovation_rate", fromRenovate(func(c renovate.Counts) Value { return Rate(int64(c.Completed), int64(c.Need)) }), figures)
}
