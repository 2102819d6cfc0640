package rights

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Settings are the area's local rules: the three time limits (defaults
// 1, 15 and 15 working days, RULES.md §8) and the default unit responsible
// for each type of matter.
type Settings struct {
	Limits
	Units map[string]string // by type
}

// Ranges of the limits, in working days.
const (
	MaxAckDays    = 10
	MaxReplyDays  = 90
	MaxExtendDays = 90
	MaxUnit       = 100
)

// settingsTable keeps the settings in rights_settings the shared way
// (internal/settings): the limits as numbers, each type's unit under
// "unit.<type>". This package checks the values itself, naming each
// unit by its type.
var settingsTable = settings.Table{Name: "rights_settings", Defs: settingDefs()}

func settingDefs() []settings.Def {
	defs := []settings.Def{
		{Key: "ack_days", Default: strconv.Itoa(DefaultLimits.AckDays)},
		{Key: "reply_days", Default: strconv.Itoa(DefaultLimits.ReplyDays)},
		{Key: "extend_days", Default: strconv.Itoa(DefaultLimits.ExtendDays)},
	}
	for _, t := range Types {
		defs = append(defs, settings.Def{Key: "unit." + t, Default: DefaultUnits[t], Kind: "text"})
	}
	return defs
}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	set := Settings{Limits: DefaultLimits, Units: map[string]string{}}
	for k, v := range DefaultUnits {
		set.Units[k] = v
	}
	vals, err := settingsTable.Values(ctx, q)
	if err != nil {
		return set, err
	}
	n := func(k string) int { i, _ := strconv.Atoi(vals[k]); return i }
	set.AckDays, set.ReplyDays, set.ExtendDays = n("ack_days"), n("reply_days"), n("extend_days")
	for k, v := range vals {
		if t, ok := strings.CutPrefix(k, "unit."); ok {
			set.Units[t] = v
		}
	}
	return set, nil
}

// SaveSettings checks and stores the settings, audited. Cases already
// received keep the limits they were received under.
func SaveSettings(ctx context.Context, tx *store.Tx, set Settings) error {
	before, err := LoadSettings(ctx, tx)
	if err != nil {
		return err
	}
	var es validate.Errors
	for _, c := range []struct {
		field string
		v, hi int
	}{{"rights.setting.ack_days", set.AckDays, MaxAckDays}, {"rights.setting.reply_days", set.ReplyDays, MaxReplyDays},
		{"rights.setting.extend_days", set.ExtendDays, MaxExtendDays}} {
		if c.v < 1 || c.v > c.hi {
			es.Add(0, c.field, "rights.error.range", 1, c.hi)
		}
	}
	if set.AckDays > set.ReplyDays && len(es) == 0 {
		es.Add(0, "rights.setting.ack_days", "rights.error.ack_after_reply")
	}
	vals := map[string]string{"ack_days": strconv.Itoa(set.AckDays), "reply_days": strconv.Itoa(set.ReplyDays), "extend_days": strconv.Itoa(set.ExtendDays)}
	for _, t := range Types {
		u := strings.TrimSpace(set.Units[t])
		if es.Required(0, "rights.type."+t, u) && utf8.RuneCountInString(u) > MaxUnit {
			es.Add(0, "rights.type."+t, "rights.error.too_long", MaxUnit)
		}
		set.Units[t] = u
		vals["unit."+t] = u
	}
	if len(es) > 0 {
		return es
	}
	if err := settingsTable.Write(ctx, tx, vals); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "rights.settings", ObjectType: "rights_settings", ObjectID: "rights", Before: before, After: set})
}
