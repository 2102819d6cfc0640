package employ

import (
	"context"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Person-times bases: what one person-time (人次) of training is.
const (
	BasisCompletions = "completions" // Default: a person who completed a course
	BasisEnrolments  = "enrolments"  // a person enrolled in a course begun in the period
)

// Settings are the local rules of this area; every one is a Default the
// county may change.
type Settings struct {
	// PersonTimesBasis: Default completions, because the report's target
	// (培训200人次以上) is about persons trained, and an enrolment that
	// never attended trained nobody.
	PersonTimesBasis string
	// MinAttendancePct: Default 80 — a person completes a course by
	// attending at least this share of its sessions.
	MinAttendancePct int
	// IncomeThreshold: Default ¥3,000 a month (the report's 月均收入3千元以上), fen.
	IncomeThreshold int64
	// The report's yearly targets (Default: training ≥ 200 person-times,
	// projects ≥ 100, greenhouses ≥ 10, bases ≥ 1).
	TargetTraining, TargetProjects, TargetGreenhouses, TargetBases int
}

// Setting describes one setting for the settings page.
type Setting struct {
	Key      string
	Default  string
	Min, Max int64
	Choices  []string // when set, the value is one of these
}

// SettingDefs lists every setting in page order.
var SettingDefs = []Setting{
	{Key: "person_times_basis", Default: BasisCompletions, Choices: []string{BasisCompletions, BasisEnrolments}},
	{Key: "min_attendance_pct", Default: "80", Min: 1, Max: 100},
	{Key: "income_threshold_fen", Default: "300000", Min: 0, Max: 100000000},
	{Key: "target_training", Default: "200", Min: 0, Max: 100000},
	{Key: "target_projects", Default: "100", Min: 0, Max: 100000},
	{Key: "target_greenhouses", Default: "10", Min: 0, Max: 10000},
	{Key: "target_bases", Default: "1", Min: 0, Max: 10000},
}

// SettingValues returns every setting as text, defaults filling what was
// never set.
func SettingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	vals := map[string]string{}
	for _, d := range SettingDefs {
		vals[d.Key] = d.Default
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM emp_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		vals[k] = v
	}
	return vals, rows.Err()
}

// LoadSettings reads the settings.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	v, err := SettingValues(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	n := func(k string) int64 { i, _ := strconv.ParseInt(v[k], 10, 64); return i }
	return Settings{
		PersonTimesBasis: v["person_times_basis"], MinAttendancePct: int(n("min_attendance_pct")),
		IncomeThreshold: n("income_threshold_fen"), TargetTraining: int(n("target_training")),
		TargetProjects: int(n("target_projects")), TargetGreenhouses: int(n("target_greenhouses")), TargetBases: int(n("target_bases")),
	}, nil
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "employ.settings"

// SaveSettings checks and stores the values given (keys of SettingDefs),
// audited with before and after; nothing is written if any is bad.
func SaveSettings(ctx context.Context, tx *store.Tx, in map[string]string) error {
	before, err := SettingValues(ctx, tx)
	if err != nil {
		return err
	}
	var es validate.Errors
	after := map[string]string{}
	for _, d := range SettingDefs {
		v, ok := in[d.Key]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		field := "employ.setting." + d.Key
		if d.Choices != nil {
			if !contains(d.Choices, v) {
				es.Add(0, field, "validate.choose")
				continue
			}
		} else if i, err := strconv.ParseInt(v, 10, 64); err != nil || i < d.Min || i > d.Max {
			es.Add(0, field, "employ.error.range", d.Min, d.Max)
			continue
		}
		after[d.Key] = v
	}
	if len(es) > 0 {
		return es
	}
	now := store.Now()
	for k, v := range after {
		res, err := tx.ExecContext(ctx, `UPDATE emp_settings SET value = $2, updated_at = $3 WHERE key = $1`, k, v, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO emp_settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, v, now); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSettings, ObjectType: "emp_settings", ObjectID: "employ", Before: before, After: after})
}
