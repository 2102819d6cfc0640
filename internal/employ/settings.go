package employ

import (
	"context"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
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

// SettingDefs lists every setting in page order.
var SettingDefs = []settings.Def{
	{Key: "person_times_basis", Default: BasisCompletions, Kind: settings.KindChoice, Choices: []string{BasisCompletions, BasisEnrolments}},
	{Key: "min_attendance_pct", Default: "80", Min: 1, Max: 100},
	{Key: "income_threshold_fen", Default: "300000", Min: 0, Max: 100000000},
	{Key: "target_training", Default: "200", Min: 0, Max: 100000},
	{Key: "target_projects", Default: "100", Min: 0, Max: 100000},
	{Key: "target_greenhouses", Default: "10", Min: 0, Max: 10000},
	{Key: "target_bases", Default: "1", Min: 0, Max: 10000},
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "employ.settings"

var settingsTable = settings.Table{
	Name: "emp_settings", Defs: SettingDefs, Field: "employ.setting.",
	Msg:    map[settings.Kind]string{settings.KindInt: "employ.error.range"},
	Action: ActionSettings, ObjectID: "employ",
}

// SettingValues returns every setting as text, defaults filling what was
// never set.
func SettingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	return settingsTable.Values(ctx, q)
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

// SaveSettings checks and stores the values given (keys of SettingDefs),
// audited with before and after; nothing is written if any is bad.
func SaveSettings(ctx context.Context, tx *store.Tx, in map[string]string) error {
	return settingsTable.Save(ctx, tx, in)
}
