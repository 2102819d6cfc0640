package device

import (
	"context"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
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

// Setting describes one entry of Settings for the settings form.
type Setting struct {
	Key      string
	Default  string
	Min, Max int64
	Money    bool // entered in yuan, kept in fen
}

// SettingDefs lists every setting in form order.
var SettingDefs = []Setting{
	{Key: "loan_days", Default: "180", Min: 1, Max: 1095},
	{Key: "extend_days", Default: "90", Min: 1, Max: 365},
	{Key: "max_extend_days", Default: "365", Min: 1, Max: 1095},
	{Key: "deposit_fen", Default: "0", Min: 0, Max: 10_000_000, Money: true},
	{Key: "rent_fen", Default: "0", Min: 0, Max: 1_000_000, Money: true},
	{Key: "reminder_every_days", Default: "7", Min: 1, Max: 90},
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
	vals := map[string]string{}
	for _, d := range SettingDefs {
		vals[d.Key] = d.Default
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM device_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, val string
		if err := rows.Scan(&k, &val); err != nil {
			return nil, err
		}
		vals[k] = val
	}
	return vals, rows.Err()
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "device.settings"

// SaveSettings checks and stores the values given: days as whole numbers,
// money in yuan (kept in fen). Nothing is written if any is bad.
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
		field := "device.setting." + d.Key
		var n int64
		if d.Money {
			fen, ok := ParseYuan(v)
			if !ok || fen < d.Min || fen > d.Max {
				es.Add(0, field, "device.error.money")
				continue
			}
			n = fen
		} else {
			i, err := strconv.ParseInt(v, 10, 64)
			if err != nil || i < d.Min || i > d.Max {
				es.Add(0, field, "device.error.range", d.Min, d.Max)
				continue
			}
			n = i
		}
		after[d.Key] = strconv.FormatInt(n, 10)
	}
	if len(es) > 0 {
		return es
	}
	now := store.Now()
	for k, v := range after {
		if _, err := tx.ExecContext(ctx, `INSERT INTO device_settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, now); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSettings, ObjectType: "device_settings", ObjectID: "device", Before: before, After: after})
}
