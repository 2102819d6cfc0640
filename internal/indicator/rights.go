package indicator

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The rights-protection figures (internal/rights) count by the dates of
// the cases' steps, so a past period's figures do not move: received by
// the day of receipt; closed on time among the cases filed in the period,
// on time when the reply came by the reply limit (an extension included;
// a consultation closed at intake is on time), as rights.Case.OnTime;
// legal-aid persons summed by the day the aid was recorded.

// onTimeSQL is rights.Case.OnTime for a closed case.
const onTimeSQL = "reply_on <> '' AND reply_on <= reply_due"

func provideRights() {
	Provide("rights_cases_received", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("area_code", 3)
		n, err := count(ctx, q, mkey("rights_received", s, p), `SELECT COUNT(*) FROM rights_cases WHERE received_on >= $1 AND received_on <= $2 AND `+cond,
			append([]any{p.From, p.To}, args...)...)
		return CountOf(n), err
	}, rightsHref)
	Provide("rights_cases_closed_on_time_rate", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("area_code", 3)
		var onTime, closed int64
		err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN `+onTimeSQL+` THEN 1 ELSE 0 END), 0), COUNT(*) FROM rights_cases
WHERE status = 'closed' AND closed_on >= $1 AND closed_on <= $2 AND `+cond, append([]any{p.From, p.To}, args...)...).Scan(&onTime, &closed)
		return Rate(onTime, closed), err
	}, rightsHref)
	Provide("legal_aid_persons", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		cond, args := s.Filter("area_code", 3)
		var n int64
		err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(legal_aid_persons), 0) FROM rights_cases
WHERE legal_aid_on >= $1 AND legal_aid_on <= $2 AND `+cond, append([]any{p.From, p.To}, args...)...).Scan(&n)
		return CountOf(n), err
	}, rightsHref)
}

// rightsHref is the case list received in the period (replaced by the
// records page in provideLists).
func rightsHref(s area.Scope, p Period) string {
	return areaHref("/rights", s, "from", p.From, "to", p.To)
}

// listRightsCases lists the cases whose dateCol falls in the period and
// that match cond, dated by dateCol; with summed, each record's Amount is
// its legal-aid persons.
func listRightsCases(dateCol, cond string, summed bool) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		scond, sargs := s.Filter("area_code", 3)
		recs, err := queryList(ctx, q, `SELECT id, code, area_code, `+dateCol+`, type, legal_aid_persons FROM rights_cases
WHERE `+dateCol+` >= $1 AND `+dateCol+` <= $2 AND `+cond+` AND `+scond+` ORDER BY `+dateCol+`, area_code, code LIMIT `+strconv.Itoa(ListCap),
			append([]any{p.From, p.To}, sargs...), func(rows *sql.Rows, r *Record) error {
				var id, typ string
				var persons int64
				if err := rows.Scan(&id, &r.Label, &r.AreaCode, &r.Date, &typ, &persons); err != nil {
					return err
				}
				r.Detail, r.Href = "rights.type."+typ, "/rights/"+id
				if summed {
					r.Amount, r.Detail = persons, strconv.FormatInt(persons, 10)+" 人"
				}
				return nil
			})
		return byDate(recs), err
	}
}
