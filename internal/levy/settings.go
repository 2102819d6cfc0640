package levy

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Settings are the rules of one collection year. The national ones
// default to the law (RULES.md §4); the local ones are marked Default.
type Settings struct {
	Year             int
	Ratio            *big.Rat // quota ratio (province: at least 1.5 %)
	SocialAvgWageFen int64    // local social average wage; 0 until set
	WindowFrom       string   // MM-DD the declaration window opens (Default 03-01)
	WindowTo         string   // MM-DD it closes (Default 10-31)
	RoundStaff       bool     // Default: annual headcount rounded to a whole person
	DoubleGrade      int      // grades 1..DoubleGrade count 2 (national: 2)
	Reliefs          Reliefs
	// The Default qualifying rule of a disabled employee.
	QualifyWorkingAge bool
	WorkingAgeMin     int
	WorkingAgeMax     int // from this age on an employee no longer counts
	QualifyContract   bool
	QualifyInsurance  bool
	QualifyMinWage    bool
}

// Window returns the first and last day of the declaration window.
func (s Settings) Window() (from, to string) {
	return fmt.Sprintf("%04d-%s", s.Year, s.WindowFrom), fmt.Sprintf("%04d-%s", s.Year, s.WindowTo)
}

// WindowOpen reports whether today lies in the window.
func (s Settings) WindowOpen(today time.Time) bool {
	from, to := s.Window()
	d := today.Format(time.DateOnly)
	return from <= d && d <= to
}

// WindowClosed reports whether the window is over on today.
func (s Settings) WindowClosed(today time.Time) bool {
	_, to := s.Window()
	return today.Format(time.DateOnly) > to
}

// SettingKind is how a setting's text is read.
type SettingKind string

// Setting kinds.
const (
	KindPercent  SettingKind = "percent"  // "1.5" (per cent)
	KindMoney    SettingKind = "money"    // yuan, two decimals at most
	KindMonthDay SettingKind = "monthday" // MM-DD
	KindDate     SettingKind = "date"     // YYYY-MM-DD
	KindInt      SettingKind = "int"
	KindBool     SettingKind = "bool" // "1" or "0"
	KindChoice   SettingKind = "choice"
)

// Setting describes one entry of Settings for the settings page.
type Setting struct {
	Key      string
	Default  string
	Kind     SettingKind
	Min, Max int      // ints
	Choices  []string // choices
	National bool     // the default is the national rule
}

// SettingDefs lists every setting in page order.
var SettingDefs = []Setting{
	{Key: "quota_ratio", Default: "1.5", Kind: KindPercent, National: true},
	{Key: "social_avg_wage", Default: "0", Kind: KindMoney},
	{Key: "window_from", Default: "03-01", Kind: KindMonthDay},
	{Key: "window_to", Default: "10-31", Kind: KindMonthDay},
	{Key: "staff_rounding", Default: "round", Kind: KindChoice, Choices: []string{"round", "exact"}},
	{Key: "double_grade", Default: "2", Kind: KindInt, Min: 0, Max: 4, National: true},
	{Key: "relief_from", Default: "2020-01-01", Kind: KindDate, National: true},
	{Key: "relief_to", Default: "2027-12-31", Kind: KindDate, National: true},
	{Key: "relief_small_max", Default: "30", Kind: KindInt, Min: 0, Max: 1000, National: true},
	{Key: "relief_low_ratio", Default: "1", Kind: KindPercent, National: true},
	{Key: "relief_half_share", Default: "50", Kind: KindPercent, National: true},
	{Key: "relief_low_share", Default: "90", Kind: KindPercent, National: true},
	{Key: "qualify_working_age", Default: "1", Kind: KindBool},
	{Key: "working_age_min", Default: "16", Kind: KindInt, Min: 14, Max: 30},
	{Key: "working_age_max", Default: "60", Kind: KindInt, Min: 50, Max: 70},
	{Key: "qualify_contract", Default: "1", Kind: KindBool},
	{Key: "qualify_insurance", Default: "1", Kind: KindBool},
	{Key: "qualify_min_wage", Default: "1", Kind: KindBool},
}

// SettingValues returns every setting of year as text: the value set for
// the latest year up to year, else the default.
func SettingValues(ctx context.Context, q store.Querier, year int) (map[string]string, error) {
	vals := map[string]string{}
	for _, d := range SettingDefs {
		vals[d.Key] = d.Default
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM levy_settings WHERE year <= $1 ORDER BY year`, year)
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

// LoadSettings reads the settings of a collection year.
func LoadSettings(ctx context.Context, q store.Querier, year int) (Settings, error) {
	vals, err := SettingValues(ctx, q, year)
	if err != nil {
		return Settings{}, err
	}
	return settingsFrom(year, vals), nil
}

func settingsFrom(year int, v map[string]string) Settings {
	n := func(k string) int { i, _ := strconv.Atoi(v[k]); return i }
	p := func(k string) *big.Rat {
		r, ok := ParsePercent(v[k])
		if !ok {
			return new(big.Rat)
		}
		return r
	}
	b := func(k string) bool { return v[k] == "1" }
	wage, _ := ParseYuan(v["social_avg_wage"])
	return Settings{
		Year: year, Ratio: p("quota_ratio"), SocialAvgWageFen: wage, WindowFrom: v["window_from"], WindowTo: v["window_to"],
		RoundStaff: v["staff_rounding"] != "exact", DoubleGrade: n("double_grade"),
		Reliefs: Reliefs{From: v["relief_from"], To: v["relief_to"], SmallUnitMax: n("relief_small_max"),
			LowRatio: p("relief_low_ratio"), HalfShare: p("relief_half_share"), LowShare: p("relief_low_share")},
		QualifyWorkingAge: b("qualify_working_age"), WorkingAgeMin: n("working_age_min"), WorkingAgeMax: n("working_age_max"),
		QualifyContract: b("qualify_contract"), QualifyInsurance: b("qualify_insurance"), QualifyMinWage: b("qualify_min_wage"),
	}
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "levy.settings"

// MinYear and MaxYear bound the collection years the system accepts.
const (
	MinYear = 2015 // 财税〔2015〕72号
	MaxYear = 2100
)

// checkSetting normalises one value or returns the message key and args.
func checkSetting(d Setting, v string) (string, string, []any) {
	v = strings.TrimSpace(v)
	switch d.Kind {
	case KindPercent:
		r, ok := ParsePercent(v)
		if !ok {
			return "", "levy.error.setting_percent", nil
		}
		shown := Dec(new(big.Rat).Mul(r, hundred))
		if r.Cmp(big.NewRat(1, 1)) > 0 || strings.HasPrefix(shown, "≈") {
			return "", "levy.error.setting_percent", nil
		}
		return shown, "", nil
	case KindMoney:
		fen, ok := ParseYuan(v)
		if !ok {
			return "", "levy.error.money", nil
		}
		return YuanPlain(fen), "", nil
	case KindMonthDay:
		if _, err := time.Parse("2006-01-02", "2024-"+v); err != nil || len(v) != 5 {
			return "", "levy.error.setting_monthday", nil
		}
		return v, "", nil
	case KindDate:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "", "levy.error.date", nil
		}
		return v, "", nil
	case KindBool:
		if v != "0" && v != "1" {
			return "", "validate.choose", nil
		}
		return v, "", nil
	case KindChoice:
		for _, c := range d.Choices {
			if v == c {
				return v, "", nil
			}
		}
		return "", "validate.choose", nil
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < d.Min || i > d.Max {
		return "", "levy.error.setting_range", []any{d.Min, d.Max}
	}
	return strconv.Itoa(i), "", nil
}

// SaveSettings checks and stores the values given (keys of SettingDefs)
// for a collection year, audited with before and after; nothing is
// written if any is bad. Booleans missing from a form are given as "0" by
// the caller.
func SaveSettings(ctx context.Context, tx *store.Tx, year int, in map[string]string) error {
	var es validate.Errors
	if year < MinYear || year > MaxYear {
		es.Add(0, "levy.year", "levy.error.year", MinYear, MaxYear)
		return es
	}
	before, err := SettingValues(ctx, tx, year)
	if err != nil {
		return err
	}
	after := map[string]string{}
	for _, d := range SettingDefs {
		v, ok := in[d.Key]
		if !ok {
			continue
		}
		norm, key, args := checkSetting(d, v)
		if key != "" {
			es.Add(0, "levy.setting."+d.Key, key, args...)
			continue
		}
		after[d.Key] = norm
	}
	merged := map[string]string{}
	for k, v := range before {
		merged[k] = v
	}
	for k, v := range after {
		merged[k] = v
	}
	if merged["window_from"] > merged["window_to"] {
		es.Add(0, "levy.setting.window_to", "levy.error.window_order")
	}
	if merged["relief_from"] > merged["relief_to"] {
		es.Add(0, "levy.setting.relief_to", "levy.error.relief_order")
	}
	if len(es) > 0 {
		return es
	}
	now := store.Now()
	for _, d := range SettingDefs {
		v, ok := after[d.Key]
		if !ok {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE levy_settings SET value = $3, updated_at = $4 WHERE year = $1 AND key = $2`, year, d.Key, v, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO levy_settings (year, key, value, updated_at) VALUES ($1, $2, $3, $4)`, year, d.Key, v, now); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSettings, ObjectType: "levy_settings", ObjectID: strconv.Itoa(year), Before: before, After: after})
}

// DefaultSettings are the settings of a year with nothing set: the
// national rules and the Defaults (the calculator uses them).
func DefaultSettings(year int) Settings {
	vals := map[string]string{}
	for _, d := range SettingDefs {
		vals[d.Key] = d.Default
	}
	return settingsFrom(year, vals)
}
