package survey

import (
	"context"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Settings are the local rules of the survey.
type Settings struct {
	// DueDays is how many calendar days after opening a round's tasks
	// fall due (Default: 90). The county may set another due date when it
	// opens a round; this is the date the form proposes.
	DueDays int
}

// SettingDefs lists every setting.
var SettingDefs = []settings.Def{{Key: "due_days", Default: "90", Min: 7, Max: 365}}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "survey.settings"

var settingsTable = settings.Table{
	Name: "survey_settings", Defs: SettingDefs, Field: "survey.setting.",
	Msg:    map[settings.Kind]string{settings.KindInt: "survey.error.setting_range"},
	Action: ActionSettings, ObjectID: "survey",
}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	vals, err := settingsTable.Values(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	n, _ := strconv.Atoi(vals["due_days"])
	return Settings{DueDays: n}, nil
}

// SaveSettings checks and stores the values given (keys of SettingDefs),
// audited; nothing is written if any is bad.
func SaveSettings(ctx context.Context, tx *store.Tx, in map[string]string) error {
	return settingsTable.Save(ctx, tx, in)
}
