package report

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The registry searches that list the persons a check finds: conditions
// on the persons table the registry's search narrows to with
// ?programme=<code> (registry.RegisterProgramme).
func init() {
	registry.RegisterProgramme("quality_no_phone", "phone = '' AND guardian_phone = ''")
	registry.RegisterProgramme("quality_no_address", "household_address = ''")
	registry.RegisterProgramme("quality_no_guardian", "guardian_name = ''")
	registry.RegisterProgramme("quality_no_certificate", "certificate_no = ''")
	registry.RegisterProgramme("quality_no_issue_date", "certificate_no <> '' AND certificate_issued_on = ''")
}

// Check is one data-quality check of the active register (在册).
type Check struct {
	Key string
	// cond is SQL on persons; today is bound as $3 for the age checks
	// (the scope's range takes $1 and $2).
	cond string
	// filter is the registry search listing the same persons, without
	// the area.
	filter url.Values
	// Recorded is false for a check whose records are not kept yet.
	Recorded bool
}

// Checks in display order. Each check's condition and its registry
// search select the same persons (a test holds them equal).
var Checks = []Check{
	{Key: "no_phone", cond: "phone = '' AND guardian_phone = ''", filter: url.Values{"programme": {"quality_no_phone"}}, Recorded: true},
	{Key: "no_address", cond: "household_address = ''", filter: url.Values{"programme": {"quality_no_address"}}, Recorded: true},
	{Key: "minor_no_guardian", cond: "guardian_name = '' AND birth_date > $4", filter: url.Values{"programme": {"quality_no_guardian"}, "age_to": {"17"}}, Recorded: true},
	{Key: "intellectual_no_guardian", cond: "guardian_name = '' AND category = 5", filter: url.Values{"programme": {"quality_no_guardian"}, "category": {"5"}}, Recorded: true},
	{Key: "mental_no_guardian", cond: "guardian_name = '' AND category = 6", filter: url.Values{"programme": {"quality_no_guardian"}, "category": {"6"}}, Recorded: true},
	{Key: "no_certificate", cond: "certificate_no = ''", filter: url.Values{"programme": {"quality_no_certificate"}}, Recorded: true},
	{Key: "no_issue_date", cond: "certificate_no <> '' AND certificate_issued_on = ''", filter: url.Values{"programme": {"quality_no_issue_date"}}, Recorded: true},
	{Key: "age_over_110", cond: "birth_date <= $5", filter: url.Values{"age_from": {"111"}}, Recorded: true},
	{Key: "expired_active", cond: "certificate_expires_on > '' AND certificate_expires_on < $3", filter: url.Values{"expired": {"1"}}, Recorded: true},
	// 动态更新: the annual survey's records arrive with the survey package.
	{Key: "not_surveyed", Recorded: false},
}

// Href is the registry search listing the persons the check finds in the
// area code ("" everything).
func (c Check) Href(code string) string {
	if c.filter == nil {
		return ""
	}
	v := url.Values{}
	for k, x := range c.filter {
		v[k] = x
	}
	if code != "" {
		v.Set("area", code)
	}
	return "/registry?" + v.Encode()
}

// QualityRow is one township's counts, in Checks order (-1: not recorded).
type QualityRow struct {
	Code   string
	Name   string
	Active int64
	Counts []int64
}

// Quality counts every check per township inside s, on day today, with
// one pass over the active register.
func Quality(ctx context.Context, q store.Querier, s area.Scope, today time.Time) ([]QualityRow, QualityRow, error) {
	var sums []string
	for _, c := range Checks {
		if c.Recorded {
			sums = append(sums, "SUM(CASE WHEN "+c.cond+" THEN 1 ELSE 0 END)")
		}
	}
	cond, args := s.Filter("village_code", 1)
	day := today.Format(time.DateOnly)
	args = append(args, day, today.AddDate(-18, 0, 0).Format(time.DateOnly), today.AddDate(-111, 0, 0).Format(time.DateOnly), string(registry.StatusActive))
	// $3–$5 are used by some checks only; the no-op comparisons keep every
	// parameter referenced, which PostgreSQL needs to type them.
	query := `SELECT substr(village_code, 1, 9), COUNT(*), ` + strings.Join(sums, ", ") + ` FROM persons WHERE ` + cond +
		` AND status = $6 AND $3 <> '' AND $4 <> '' AND $5 <> '' GROUP BY substr(village_code, 1, 9) ORDER BY 1`
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, QualityRow{}, err
	}
	defer rows.Close()
	names, err := area.Names(ctx, q)
	if err != nil {
		return nil, QualityRow{}, err
	}
	total := QualityRow{Counts: make([]int64, len(Checks))}
	var out []QualityRow
	for rows.Next() {
		var prefix string
		r := QualityRow{Counts: make([]int64, len(Checks))}
		vals := make([]int64, len(sums))
		dest := []any{&prefix, &r.Active}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, QualityRow{}, err
		}
		r.Code = prefix + "000"
		r.Name = names[r.Code]
		if r.Name == "" {
			r.Name = r.Code
		}
		i := 0
		for j, c := range Checks {
			if !c.Recorded {
				r.Counts[j] = -1
				total.Counts[j] = -1
				continue
			}
			r.Counts[j] = vals[i]
			total.Counts[j] += vals[i]
			i++
		}
		total.Active += r.Active
		out = append(out, r)
	}
	if len(out) == 0 {
		for j, c := range Checks {
			if !c.Recorded {
				total.Counts[j] = -1
			}
		}
	}
	return out, total, rows.Err()
}
