package indicator

import (
	"context"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The yearly survey (动态更新) of the period's year: its tasks are one per
// registered person, its visits the village worker's home visits. Counted
// by the day of the visit, so a past period keeps its numbers; a visit
// counts while its answers stand (submitted, checked or accepted — as
// survey.ProgressOf counts "done").

const surveyRecorded = `status IN ('submitted', 'checked', 'accepted')`

func provideSurvey() {
	// Coverage: tasks visited by the period's end ÷ tasks of the round
	// (void ones, persons who left the register, left out).
	Provide("survey_coverage", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		type pair struct{ num, den int64 }
		r, err := Memo(ctx, mkey("survey_coverage", s, p), func() (pair, error) {
			// Two sums over the maintained counts (survey_task_counts, one
			// row per village, status and day of visit): the round's tasks,
			// and those visited by the period's end.
			cond, args := s.Filter("village_code", 2)
			var x pair
			if err := q.QueryRowContext(ctx, `SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM survey_task_counts WHERE year = $1 AND status <> 'void' AND `+cond,
				append([]any{p.YearOf()}, args...)...).Scan(&x.den); err != nil {
				return x, err
			}
			cond, args = s.Filter("village_code", 3)
			err := q.QueryRowContext(ctx, `SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM survey_task_counts WHERE year = $1 AND `+surveyRecorded+` AND visited_on <> '' AND visited_on <= $2 AND `+cond,
				append([]any{p.YearOf(), p.To}, args...)...).Scan(&x.num)
			return x, err
		})
		return Rate(r.num, r.den), err
	}, yearHref("/survey"))
	// 进村入户: the survey's home visits made in the period (one task per
	// registered person, so a household with two registered persons is
	// visited — and counted — twice).
	Provide("households_visited", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		// The year bounds let the maintained counts' key serve.
		cond, args := s.Filter("village_code", 5)
		from, _ := strconv.Atoi(p.From[:4])
		return countOf(count(ctx, q, mkey("survey_visits", s, p), `SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM survey_task_counts WHERE year >= $3 AND year <= $4 AND `+surveyRecorded+`
AND visited_on >= $1 AND visited_on <= $2 AND `+cond, append([]any{p.From, p.To, from, p.YearOf()}, args...)...))
	}, func(s area.Scope, p Period) string { return areaHref("/survey/tasks", s, "year", p.To[:4]) })
}
