package indicator

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The activity figures (internal/activity) count by the day the activity
// was held (start_on), inside the period and the scope of the area it
// concerns: a county-level study session counts for the county, not for a
// township. The report's (一) counts the study sessions, seminars,
// reflections written and outreach trips; its (五) the events held
// (activity.EventKinds), their person-times (the registered persons listed
// plus the other participants) and the awards won.

// activityEvents is activity.EventKinds in SQL.
const activityEvents = "('prevention_campaign', 'model_selection', 'fitness_week', 'competition', 'performance', 'culture')"

// activityStudies is activity.StudyKinds in SQL.
const activityStudies = "('party_group_study', 'cadre_study', 'seminar')"

// activityPersonTimes is what one activity (alias a) adds to
// event_participants.
const activityPersonTimes = "(a.others + (SELECT COUNT(*) FROM activity_participants ap WHERE ap.activity_id = a.id))"

// activityAwards is the awards of one activity (alias a).
const activityAwards = "(SELECT COUNT(*) FROM activity_awards aw WHERE aw.activity_id = a.id)"

// activityFigures: per figure, the activities it counts (a condition on
// alias a) and the amount each adds ("" one each).
var activityFigures = map[string]struct{ cond, amount string }{
	"party_group_study_sessions": {"a.kind = 'party_group_study'", ""},
	"cadre_study_sessions":       {"a.kind = 'cadre_study'", ""},
	"seminars":                   {"a.kind = 'seminar'", ""},
	"outreach_events":            {"a.kind = 'outreach'", ""},
	"study_reflections":          {"a.kind IN " + activityStudies, "a.reflections"},
	"events_held":                {"a.kind IN " + activityEvents, ""},
	"event_participants":         {"a.kind IN " + activityEvents, activityPersonTimes},
	"event_awards":               {"a.kind IN " + activityEvents, activityAwards},
}

func provideActivities() {
	for key, fig := range activityFigures {
		Provide(key, func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
			cond, args := s.Filter("a.area_code", 3)
			what := "COUNT(*)"
			if fig.amount != "" {
				what = "COALESCE(CAST(SUM(" + fig.amount + ") AS BIGINT), 0)"
			}
			n, err := count(ctx, q, mkey("activity_"+key, s, p), `SELECT `+what+` FROM activities a
WHERE a.start_on >= $1 AND a.start_on <= $2 AND `+fig.cond+` AND `+cond, append([]any{p.From, p.To}, args...)...)
			return CountOf(n), err
		}, func(s area.Scope, p Period) string { return activityHref(key, s, p) })
	}
}

// activityHref is the activities list of the period (of the kind, when
// the figure counts one kind); replaced by the records page in
// provideLists.
func activityHref(key string, s area.Scope, p Period) string {
	kind := ""
	if c := activityFigures[key].cond; strings.HasPrefix(c, "a.kind = '") {
		kind = strings.TrimSuffix(strings.TrimPrefix(c, "a.kind = '"), "'")
	}
	return areaHref("/activities", s, "kind", kind, "from", p.From, "to", p.To)
}

// listActivities lists the activities figure key counts, dated by the
// day held; for a summed figure each with its amount, those adding
// nothing left out.
func listActivities(key string) ListFunc {
	fig := activityFigures[key]
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		scond, sargs := s.Filter("a.area_code", 3)
		amount, having := "0", ""
		if fig.amount != "" {
			amount, having = "CAST("+fig.amount+" AS BIGINT)", " AND "+fig.amount+" > 0"
		}
		recs, err := queryList(ctx, q, `SELECT a.id, a.title, a.area_code, a.start_on, a.kind, `+amount+` FROM activities a
WHERE a.start_on >= $1 AND a.start_on <= $2 AND `+fig.cond+having+` AND `+scond+` ORDER BY a.start_on, a.area_code, a.title LIMIT `+strconv.Itoa(ListCap),
			append([]any{p.From, p.To}, sargs...), func(rows *sql.Rows, r *Record) error {
				var id, kind string
				var n int64
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &kind, &n); err != nil {
					return err
				}
				r.Detail, r.Href = "activity.kind."+kind, "/activities/"+id
				if fig.amount != "" {
					r.Amount, r.Detail = n, strconv.FormatInt(n, 10)
				}
				return nil
			})
		return byDate(recs), err
	}
}
