package indicator

import (
	"context"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Migrations creates the targets table. area_code is ” for the county's
// own target, else a township's 12-digit code; value is in the
// indicator's target unit (TargetValue).
var Migrations = []store.Migration{{
	Version: 2026113080,
	Name:    "indicator_targets",
	SQL: `
CREATE TABLE indicator_targets (
	year       INTEGER NOT NULL,
	indicator  TEXT NOT NULL,
	area_code  TEXT NOT NULL,            -- '' county, or a township code
	value      BIGINT NOT NULL,          -- count, fen, ‰ of a rate, tenths of an average
	updated_by TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (year, indicator, area_code)
);
`}}

// TargetValue reads a stored target as a value of ind's kind: a count or
// fen as is, a rate in ‰ (900 = 90 %), an average in tenths.
func TargetValue(ind Indicator, v int64) Value {
	switch ind.Kind {
	case Money:
		return Fen(v)
	case Percent:
		return Rate(v, 1000)
	case Average:
		return Mean(v, 10)
	}
	return CountOf(v)
}

// ParseTarget reads what an admin typed in ind's display unit ("200",
// "90" or "90.5" for a percentage, "12.50" yuan) into the stored unit,
// exactly (no floating point).
func ParseTarget(ind Indicator, s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	s = strings.ReplaceAll(s, ",", "")
	decimals := map[Kind]int{Count: 0, Money: 2, Percent: 1, Average: 1}[ind.Kind]
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > decimals || (hasFrac && frac == "") {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, false
			}
		}
	}
	if len(whole) > 12 {
		return 0, false
	}
	frac += strings.Repeat("0", decimals-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if ind.Kind == Percent && n > 1000 {
		return 0, false
	}
	return n, true
}

// FormatTarget shows a stored target in the form ParseTarget reads.
func FormatTarget(ind Indicator, v int64) string { return TargetValue(ind, v).String() }

// TargetArea is the area_code of the targets that apply to scope s: "" for
// the county (or everything), a township's code, or ok false for a
// village (no targets are set that fine).
func TargetArea(s area.Scope) (code string, ok bool) {
	if s.IsAll() {
		return "", true
	}
	switch area.LevelOf(s.Code()) {
	case area.Township:
		return s.Code(), true
	case area.Village:
		return "", false
	}
	return "", true
}

// Target is one yearly target.
type Target struct {
	Value   int64 // stored unit
	Default bool  // the shipped default, not set by the admin
}

// Targets returns the targets of year for area_code ("" county): what the
// admin set, else the shipped default (county only).
func Targets(ctx context.Context, q store.Querier, year int, areaCode string) (map[string]Target, error) {
	out := map[string]Target{}
	if areaCode == "" {
		for k, v := range DefaultTargets[year] {
			out[k] = Target{Value: v, Default: true}
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT indicator, value FROM indicator_targets WHERE year = $1 AND area_code = $2`, year, areaCode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if v < 0 { // a cleared default: the admin set "no target"
			delete(out, k)
			continue
		}
		out[k] = Target{Value: v}
	}
	return out, rows.Err()
}

// SetTargets replaces the targets of year for area_code with values (by
// indicator key, in the stored unit; a missing key is "no target") in tx,
// audited as one change. Every problem is reported with the field
// "indicator.<key>".
func SetTargets(ctx context.Context, tx *store.Tx, year int, areaCode string, values map[string]int64) error {
	var es validate.Errors
	if year < 2000 || year > 2100 {
		es.Add(0, "report.year", "report.error.year")
	}
	if areaCode != "" && (!area.ValidCode(areaCode) || area.LevelOf(areaCode) != area.Township) {
		es.Add(0, "report.region", "report.error.target_area")
	}
	for k, v := range values {
		ind, ok := Get(k)
		if !ok || !ind.Target {
			es.Add(0, "indicator."+k, "report.error.no_target")
		} else if _, ok := ParseTarget(ind, TargetValue(ind, v).String()); !ok || v < 0 {
			es.Add(0, "indicator."+k, "report.error.target_value")
		}
	}
	if err := es.Err(); err != nil {
		return err
	}
	before, err := Targets(ctx, tx, year, areaCode)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM indicator_targets WHERE year = $1 AND area_code = $2`, year, areaCode); err != nil {
		return err
	}
	who := audit.ActorFrom(ctx).ID
	now := store.Now()
	write := func(k string, v int64) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO indicator_targets (year, indicator, area_code, value, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			year, k, areaCode, v, who, now)
		return err
	}
	for k, v := range values {
		if err := write(k, v); err != nil {
			return err
		}
	}
	// A shipped default the admin emptied is kept as -1, so it stays gone.
	if areaCode == "" {
		for k := range DefaultTargets[year] {
			if _, set := values[k]; !set {
				if err := write(k, -1); err != nil {
					return err
				}
			}
		}
	}
	after, err := Targets(ctx, tx, year, areaCode)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "indicator.targets", ObjectType: "indicator_targets", ObjectID: strconv.Itoa(year) + "/" + areaCode,
		AreaCode: areaCode, Before: plain(before), After: plain(after)})
}

func plain(m map[string]Target) map[string]int64 {
	out := map[string]int64{}
	for k, t := range m {
		out[k] = t.Value
	}
	return out
}
