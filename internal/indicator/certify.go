package indicator

import (
	"context"
	"net/url"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The certification figures follow certify.ComputeFigures rule for rule
// (a test holds them equal), each counted by the date of its event so a
// past period keeps its numbers; they are SQL here so the list behind each
// figure is the same condition as its count.

// recordsPage is the report's own list of the records behind key.
func recordsPage(key string) RecordsFunc {
	return func(s area.Scope, p Period) string {
		v := url.Values{"from": {p.From}, "to": {p.To}}
		if !s.IsAll() {
			v.Set("region", s.Code())
		}
		return "/reports/records/" + key + "?" + v.Encode()
	}
}

// countyWide reports whether s sees every session (sessions are the
// county's, not a township's).
func countyWide(s area.Scope) bool {
	if s.IsAll() {
		return true
	}
	l := area.LevelOf(s.Code())
	return l != area.Township && l != area.Village
}

// appCondition is the condition on cert_applications (alias a) of each
// application-counted figure, with its arguments after the scope's two.
func appCondition(key string, p Period) (string, []any) {
	lo, hi := p.Instants()
	finished := `a.status IN ('` + string(certify.Delivered) + `', '` + string(certify.Completed) + `', '` + string(certify.Closed) + `') AND a.closed_on >= $3 AND a.closed_on <= $4`
	switch key {
	case "certify_home_assessments":
		return `a.home = $3 AND a.assessed_at >= $4 AND a.assessed_at < $5`, []any{true, lo, hi}
	case "certify_issued":
		return `a.type <> $3 AND a.issued_on >= $4 AND a.issued_on <= $5`, []any{string(certify.TypeRenew), p.From, p.To}
	case "certify_renewed":
		return `a.type = $3 AND a.issued_on >= $4 AND a.issued_on <= $5`, []any{string(certify.TypeRenew), p.From, p.To}
	case "certify_issued_renewed":
		return `a.issued_on >= $3 AND a.issued_on <= $4`, []any{p.From, p.To}
	case "applications_filed":
		return `a.filed_on >= $3 AND a.filed_on <= $4`, []any{p.From, p.To}
	case "applications_online_rate":
		return `a.filed_on >= $3 AND a.filed_on <= $4 AND a.channel = $5`, []any{p.From, p.To, certify.ChannelOnline}
	case "visits_per_application", "finished":
		return finished, []any{p.From, p.To}
	case "one_visit_rate":
		return finished + ` AND (SELECT COUNT(*) FROM cert_visits v WHERE v.application_id = a.id) <= 1`, []any{p.From, p.To}
	}
	panic("indicator: no application condition for " + key)
}

func countApps(ctx context.Context, q store.Querier, s area.Scope, p Period, key string) (int64, error) {
	return Memo(ctx, "cert:"+key+":"+s.String()+":"+p.String(), func() (int64, error) {
		scond, args := s.Filter("a.village_code", 1)
		cond, more := appCondition(key, p)
		var n int64
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_applications a WHERE `+scond+` AND `+cond, append(args, more...)...).Scan(&n)
		return n, err
	})
}

func listApps(key string, dateCol string) ListFunc {
	return func(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
		scond, args := s.Filter("a.village_code", 1)
		cond, more := appCondition(key, p)
		rows, err := q.QueryContext(ctx, `SELECT a.id, a.code, a.name, a.village_code, a.type, `+dateCol+` FROM cert_applications a WHERE `+scond+` AND `+cond+
			` ORDER BY `+dateCol+`, a.id LIMIT 5000`, append(args, more...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Record
		for rows.Next() {
			var id, code, name, typ, date string
			var r Record
			if err := rows.Scan(&id, &code, &name, &r.AreaCode, &typ, &date); err != nil {
				return nil, err
			}
			if len(date) > 10 {
				date = localDay(date)
			}
			r.Date, r.Label, r.Detail, r.Href = date, code+" "+name, "certify.type."+typ, "/certify/applications/"+id
			out = append(out, r)
		}
		return out, rows.Err()
	}
}

// sessionsCondition selects the held sessions of the period that count
// for s: every one county-wide, else those where an applicant of s was
// assessed (as certify.ComputeFigures).
func sessionsCondition(s area.Scope, p Period) (string, []any) {
	if countyWide(s) {
		return `cs.status = $1 AND cs.day >= $2 AND cs.day <= $3`, []any{certify.SessionHeld, p.From, p.To}
	}
	scond, args := s.Filter("a.village_code", 4)
	return `cs.status = $1 AND cs.day >= $2 AND cs.day <= $3 AND EXISTS (SELECT 1 FROM cert_applications a WHERE a.session_id = cs.id AND ` + scond +
		` AND a.assessed_at <> '' AND a.assess_day >= $2 AND a.assess_day <= $3)`, append([]any{certify.SessionHeld, p.From, p.To}, args...)
}

func countSessions(ctx context.Context, q store.Querier, s area.Scope, p Period) (int64, error) {
	return Memo(ctx, "cert:sessions:"+s.String()+":"+p.String(), func() (int64, error) {
		cond, args := sessionsCondition(s, p)
		var n int64
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_sessions cs WHERE `+cond, args...).Scan(&n)
		return n, err
	})
}

func provideCertify() {
	count := func(key string) ComputeFunc {
		return func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
			n, err := countApps(ctx, q, s, p, key)
			return CountOf(n), err
		}
	}
	set := func(key string, fn ComputeFunc, list ListFunc) {
		ind := byKey[key]
		ind.Compute, ind.List, ind.Records = fn, list, recordsPage(key)
	}
	set("certify_home_assessments", count("certify_home_assessments"), listApps("certify_home_assessments", "a.assessed_at"))
	set("certify_issued", count("certify_issued"), listApps("certify_issued", "a.issued_on"))
	set("certify_renewed", count("certify_renewed"), listApps("certify_renewed", "a.issued_on"))
	set("certify_issued_renewed", count("certify_issued_renewed"), listApps("certify_issued_renewed", "a.issued_on"))
	set("applications_online_rate", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		n, err := countApps(ctx, q, s, p, "applications_online_rate")
		if err != nil {
			return Value{}, err
		}
		d, err := countApps(ctx, q, s, p, "applications_filed")
		return Rate(n, d), err
	}, listApps("applications_online_rate", "a.filed_on"))
	set("one_visit_rate", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		n, err := countApps(ctx, q, s, p, "one_visit_rate")
		if err != nil {
			return Value{}, err
		}
		d, err := countApps(ctx, q, s, p, "finished")
		return Rate(n, d), err
	}, listApps("one_visit_rate", "a.closed_on"))
	set("visits_per_application", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		scond, args := s.Filter("a.village_code", 1)
		cond, more := appCondition("visits_per_application", p)
		var visits int64
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_visits v JOIN cert_applications a ON a.id = v.application_id WHERE `+scond+` AND `+cond,
			append(args, more...)...).Scan(&visits)
		if err != nil {
			return Value{}, err
		}
		d, err := countApps(ctx, q, s, p, "finished")
		return Mean(visits, d), err
	}, listApps("visits_per_application", "a.closed_on"))
	sessions := func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		n, err := countSessions(ctx, q, s, p)
		return CountOf(n), err
	}
	set("certify_sessions", sessions, listSessions)
	set("certify_sessions_per_month", func(ctx context.Context, q store.Querier, s area.Scope, p Period) (Value, error) {
		n, err := countSessions(ctx, q, s, p)
		return Mean(n, int64(p.Months())), err
	}, nil)
	// Its records are the sessions themselves.
	byKey["certify_sessions_per_month"].Records = recordsPage("certify_sessions")
}

func listSessions(ctx context.Context, q store.Querier, s area.Scope, p Period) ([]Record, error) {
	cond, args := sessionsCondition(s, p)
	rows, err := q.QueryContext(ctx, `SELECT cs.id, cs.day, cs.place, cs.category FROM cert_sessions cs WHERE `+cond+` ORDER BY cs.day, cs.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var id string
		var cat int
		var r Record
		if err := rows.Scan(&id, &r.Date, &r.Label, &cat); err != nil {
			return nil, err
		}
		r.Detail, r.Href = registry.Category(cat).MessageKey(), "/certify/sessions/"+id
		out = append(out, r)
	}
	return out, rows.Err()
}

// localDay is the county's date of a stored instant.
func localDay(instant string) string {
	t, err := store.ParseTime(instant)
	if err != nil {
		return instant
	}
	return t.Local().Format(time.DateOnly)
}
