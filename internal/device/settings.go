package device

import (
	"context"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Settings are the local rules of the pilot; every default is a Default
// the county may change (the report sets none of them).
type Settings struct {
	LoanDays      int   // Default: a loan runs 180 days unless the kind says otherwise
	ExtendDays    int   // Default: one extension adds 90 days unless a day is given
	DepositFen    int64 // Default: 0, the pilot is free
	RentFen       int64 // Default: 0 a month, the pilot is free
	ReminderEvery int   // Default: an overdue loan is reminded every 7 days
	MaxExtendDays int   // Default: an extension reaches at most 365 days past the due day
}

// SettingDefs lists every setting in form order; money is typed in yuan
// and kept in fen.
var SettingDefs = []settings.Def{
	{Key: "loan_days", Default: "180", Min: 1, Max: 1095},
	{Key: "extend_days", Default: "90", Min: 1, Max: 365},
	{Key: "max_extend_days", Default: "365", Min: 1, Max: 1095},
	{Key: "deposit_fen", Default: "0", Kind: settings.KindMoney, Min: 0, Max: 10_000_000},
	{Key: "rent_fen", Default: "0", Kind: settings.KindMoney, Min: 0, Max: 1_000_000},
	{Key: "reminder_every_days", Default: "7", Min: 1, Max: 90},
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "device.settings"

var settingsTable = settings.Table{
	Name: "device_settings", Defs: SettingDefs, Field: "device.setting.",
	Msg:    map[settings.Kind]string{settings.KindInt: "device.error.range", settings.KindMoney: "device.error.money"},
	Action: ActionSettings, ObjectID: "device",
}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	v, err := SettingValues(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	n := func(k string) int64 { i, _ := strconv.ParseInt(v[k], 10, 64); return i }
	return Settings{LoanDays: int(n("loan_days")), ExtendDays: int(n("extend_days")), MaxExtendDays: int(n("max_extend_days")),
		DepositFen: n("deposit_fen"), RentFen: n("rent_fen"), ReminderEvery: int(n("reminder_every_days"))}, nil
}

// SettingValues returns every stored value (fen for money) as text.
func SettingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	return settingsTable.Values(ctx, q)
}

// SaveSettings checks and stores the values given: days as whole numbers,
// money in yuan (kept in fen). Nothing is written if any is bad.
func SaveSettings(ctx context.Context, tx *store.Tx, in map[string]string) error {
	return settingsTable.Save(ctx, tx, in)
}
