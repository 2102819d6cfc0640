package levy

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
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

// Setting kinds of levy's own, read by their Def's Read.
const (
	KindPercent settings.Kind = "percent" // "1.5" (per cent), four decimals at most
	KindYuan    settings.Kind = "yuan"    // yuan, two decimals at most, kept as yuan
)

// SettingDefs lists every setting in page order; National marks the
// defaults that are the national rule.
var SettingDefs = []settings.Def{
	{Key: "quota_ratio", Default: "1.5", Kind: KindPercent, Read: readPercent, National: true},
	{Key: "social_avg_wage", Default: "0", Kind: KindYuan, Read: readYuan},
	{Key: "window_from", Default: "03-01", Kind: settings.KindMonthDay},
	{Key: "window_to", Default: "10-31", Kind: settings.KindMonthDay},
	{Key: "staff_rounding", Default: "round", Kind: settings.KindChoice, Choices: []string{"round", "exact"}},
	{Key: "double_grade", Default: "2", Min: 0, Max: 4, National: true},
	{Key: "relief_from", Default: "2020-01-01", Kind: settings.KindDate, National: true},
	{Key: "relief_to", Default: "2027-12-31", Kind: settings.KindDate, National: true},
	{Key: "relief_small_max", Default: "30", Min: 0, Max: 1000, National: true},
	{Key: "relief_low_ratio", Default: "1", Kind: KindPercent, Read: readPercent, National: true},
	{Key: "relief_half_share", Default: "50", Kind: KindPercent, Read: readPercent, National: true},
	{Key: "relief_low_share", Default: "90", Kind: KindPercent, Read: readPercent, National: true},
	{Key: "qualify_working_age", Default: "1", Kind: settings.KindBool},
	{Key: "working_age_min", Default: "16", Min: 14, Max: 30},
	{Key: "working_age_max", Default: "60", Min: 50, Max: 70},
	{Key: "qualify_contract", Default: "1", Kind: settings.KindBool},
	{Key: "qualify_insurance", Default: "1", Kind: settings.KindBool},
	{Key: "qualify_min_wage", Default: "1", Kind: settings.KindBool},
}

// readPercent keeps a percentage of at most 100 that four decimals show
// exactly.
func readPercent(v string) (string, bool) {
	r, ok := ParsePercent(v)
	if !ok {
		return "", false
	}
	shown := Dec(new(big.Rat).Mul(r, hundred))
	if r.Cmp(big.NewRat(1, 1)) > 0 || strings.HasPrefix(shown, "≈") {
		return "", false
	}
	return shown, true
}

// readYuan keeps an amount as yuan with two decimals, read as the rest of
// levy reads money.
func readYuan(v string) (string, bool) {
	fen, ok := ParseYuan(v)
	if !ok {
		return "", false
	}
	return YuanPlain(fen), true
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "levy.settings"

var settingsTable = settings.Table{
	Name: "levy_settings", ByYear: true, Defs: SettingDefs, Field: "levy.setting.",
	Msg: map[settings.Kind]string{
		settings.KindInt: "levy.error.setting_range", KindPercent: "levy.error.setting_percent", KindYuan: "levy.error.money",
		settings.KindMonthDay: "levy.error.setting_monthday", settings.KindDate: "levy.error.date",
	},
	Action: ActionSettings,
	// The window and the relief period must not end before they begin.
	Cross: func(v map[string]string, es *validate.Errors) {
		if v["window_from"] > v["window_to"] {
			es.Add(0, "levy.setting.window_to", "levy.error.window_order")
		}
		if v["relief_from"] > v["relief_to"] {
			es.Add(0, "levy.setting.relief_to", "levy.error.relief_order")
		}
	},
}

// SettingValues returns every setting of year as text: the value set for
// the latest year up to year, else the default.
func SettingValues(ctx context.Context, q store.Querier, year int) (map[string]string, error) {
	return settingsTable.ValuesFor(ctx, q, year)
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

// MinYear and MaxYear bound the collection years the system accepts.
const (
	MinYear = 2015 // 财税〔2015〕72号
	MaxYear = 2100
)

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
	return settingsTable.SaveFor(ctx, tx, year, in)
}

// DefaultSettings are the settings of a year with nothing set: the
// national rules and the Defaults (the calculator uses them).
func DefaultSettings(year int) Settings {
	return settingsFrom(year, settingsTable.Defaults())
}
