package indicator

import (
	"context"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The employment figures are employ.Figures — the employment page's own
// count, run once per scope and period — so the report and the area agree.
// Three it does not split are SQL on its tables here: promotion events and
// the persons the employment-aid month reached (Figures sums every kind of
// campaign), and persons employed at home or by e-commerce.

func employStats(ctx context.Context, q store.Querier, s area.Scope, p Period) (employ.Stats, error) {
	return Memo(ctx, mkey("employ", s, p), func() (employ.Stats, error) {
		return employ.Figures(ctx, q, s, p.From, p.To)
	})
}

// fromEmploy is a figure read off employ.Figures.
func fromEmploy(pick func(employ.Stats) Value) ComputeFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		st, err := employStats(ctx, q, s, p)
		if err != nil {
			return Value{}, err
		}
		return pick(st), nil
	}
}

func provideEmploy() {
	n := func(i int) Value { return CountOf(int64(i)) }
	// 公益岗位安置: persons holding a public-welfare post on the period's end.
	Provide("welfare_job_placements", fromEmploy(func(st employ.Stats) Value { return n(st.EmployedByForm["public_welfare"]) }),
		func(s area.Scope, p Period) string {
			return areaHref("/employment/persons", s, "form", "public_welfare", "on", p.To)
		})
	// Projects granted support in the period.
	Provide("entrepreneurship_projects", fromEmploy(func(st employ.Stats) Value { return n(st.Projects) }),
		fixedHref("/employment/projects", "status", "supported"))
	Provide("promotion_events", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("area_code", 4)
		return countOf(count(ctx, q, mkey("employ:promotion", s, p), `SELECT COUNT(*) FROM emp_campaigns WHERE kind = $1 AND start_date >= $2 AND start_date <= $3 AND `+cond,
			append([]any{employ.CampaignPromotion, p.From, p.To}, args...)...))
	}, fixedHref("/employment/campaigns"))
	Provide("suggestions_collected", fromEmploy(func(st employ.Stats) Value { return n(st.Suggestions) }), fixedHref("/employment/campaigns"))
	Provide("wishes_collected", fromEmploy(func(st employ.Stats) Value { return n(st.WishesCollected) }), fixedHref("/employment/wishes"))
	Provide("wishes_fulfilled_rate", fromEmploy(func(st employ.Stats) Value {
		return Rate(int64(st.WishesFulfilled), int64(st.WishesCollected))
	}), fixedHref("/employment/wishes", "status", "fulfilled"))
	Provide("training_person_times", fromEmploy(func(st employ.Stats) Value { return n(st.PersonTimes) }), fixedHref("/employment/courses"))
	// Greenhouses and bases open on the period's end.
	Provide("greenhouses", fromEmploy(func(st employ.Stats) Value { return n(st.Greenhouses) }), fixedHref("/employment/greenhouses"))
	Provide("support_bases", fromEmploy(func(st employ.Stats) Value { return n(st.Bases) }), fixedHref("/employment/bases"))
	Provide("base_employed_students", fromEmploy(func(st employ.Stats) Value { return n(st.BaseWorkers[employ.RoleStudent]) }), fixedHref("/employment/bases"))
	Provide("base_employed_parents", fromEmploy(func(st employ.Stats) Value { return n(st.BaseWorkers[employ.RoleFamily]) }), fixedHref("/employment/bases"))
	// “在家门口”就业 (电商+直播, home-based work): distinct persons with a
	// home or e-commerce record covering the period's end, as Figures
	// counts the employed.
	Provide("home_employment_persons", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("p.village_code", 4)
		return countOf(count(ctx, q, mkey("employ:home", s, p), `SELECT COUNT(DISTINCT r.person_id) FROM emp_records r JOIN persons p ON p.id = r.person_id
WHERE r.form IN ($1, $2) AND r.start_date <= $3 AND (r.end_date = '' OR r.end_date >= $3) AND `+cond, append([]any{"home", "ecommerce", p.To}, args...)...))
	}, periodHref("/employment"))
	// Of the persons employed on the period's end, those whose records
	// together bring at least the threshold a month (Default ¥3,000).
	Provide("employment_income_3000_rate", fromEmploy(func(st employ.Stats) Value { return Rate(int64(st.IncomeAbove), int64(st.Employed)) }),
		func(s area.Scope, p Period) string {
			return areaHref("/employment/persons", s, "income", "1", "on", p.To)
		})
	// 就业援助月: everyone the aid-month campaigns begun in the period
	// reached, counted inside the scope as employ.Figures counts reach.
	Provide("campaign_persons_reached", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		return countOf(Memo(ctx, mkey("employ:aid", s, p), func() (int64, error) {
			camps, err := employ.ListCampaigns(ctx, q, s, p.From, p.To)
			if err != nil {
				return 0, err
			}
			var reach int64
			for _, c := range camps {
				if c.Kind != employ.CampaignAidMonth {
					continue
				}
				if s.Contains(c.AreaCode) {
					reach += int64(c.Reach())
					continue
				}
				named, err := employ.CampaignPersons(ctx, q, s, c.ID)
				if err != nil {
					return 0, err
				}
				reach += int64(len(named))
			}
			return reach, nil
		}))
	}, fixedHref("/employment/campaigns"))
}
