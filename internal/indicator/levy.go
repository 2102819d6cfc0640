package indicator

import (
	"context"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The quota review (按比例就业年审): declarations the federation verified
// in the period (by the instant of verification; a declaration returned
// after it loses it) and the levy due they compute. levy.Figures is the
// county's per collection year; the report needs a period and a region, so
// this is SQL on its table, with the employer's township as the region.
// levy_collected stays declared: Yangguang passes the result to the tax
// office and does not record what is collected.

type levyCounts struct{ units, dueFen int64 }

func levyReviewed(ctx context.Context, q store.Querier, s area.Scope, p Period) (levyCounts, error) {
	return Memo(ctx, mkey("levy", s, p), func() (levyCounts, error) {
		lo, hi := p.Instants()
		cond, args := s.Filter("area_code", 3)
		var c levyCounts
		err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(CAST(SUM(amount_fen) AS BIGINT), 0) FROM levy_declarations
WHERE status IN ('verified', 'issued') AND verified_at >= $1 AND verified_at < $2 AND `+cond, append([]any{lo, hi}, args...)...).Scan(&c.units, &c.dueFen)
		return c, err
	})
}

func provideLevy() {
	Provide("quota_units_reviewed", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		c, err := levyReviewed(ctx, q, s, p)
		return CountOf(c.units), err
	}, yearHref("/employers/review"))
	Provide("levy_due", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		c, err := levyReviewed(ctx, q, s, p)
		return Fen(c.dueFen), err
	}, yearHref("/employers/review"))
}
