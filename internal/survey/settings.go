package survey

import (
	"context"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Settings are the local rules of the survey.
type Settings struct {
	// DueDays is how many calendar days after opening a round's tasks
	// fall due (Default: 90). The county may set another due date when it
	// opens a round; this is the date the form proposes.
	DueDays int
}

// SettingDef describes one setting.
type SettingDef struct {
	Key      string
	Default  string
	Min, Max int
}

// SettingDefs lists every setting.
var SettingDefs = []SettingDef{{Key: "due_days", Default: "90", Min: 7, Max: 365}}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	vals, err := settingValues(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	n, _ := strconv.Atoi(vals["due_days"])
	return Settings{DueDays: n}, nil
}

func settingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	vals := map[string]string{}
	for _, d := range SettingDefs {
		vals[d.Key] = d.Default
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM survey_settings`)
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

// ActionSettings is the audit action of a settings change.
const ActionSettings = "survey.settings"

// SaveSettings checks and stores the values given (keys of SettingDefs),
// audited; nothing is written if any is bad.
func SaveSettings(ctx context.Context, tx *store.Tx, in map[string]string) error {
	before, err := settingValues(ctx, tx)
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
		if i, err := strconv.Atoi(v); err != nil || i < d.Min || i > d.Max {
			es.Add(0, "survey.setting."+d.Key, "survey.error.setting_range", d.Min, d.Max)
			continue
		}
		after[d.Key] = v
	}
	if len(es) > 0 {
		return es
	}
	now := store.Now()
	for k, v := range after {
		res, err := tx.ExecContext(ctx, `UPDATE survey_settings SET value = $2, updated_at = $3 WHERE key = $1`, k, v, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO survey_settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, v, now); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSettings, ObjectType: "survey_settings", ObjectID: "survey", Before: before, After: after})
}
