package rights

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
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

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	set := Settings{Limits: DefaultLimits, Units: map[string]string{}}
	for k, v := range DefaultUnits {
		set.Units[k] = v
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM rights_settings`)
	if err != nil {
		return set, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return set, err
		}
		n, _ := strconv.Atoi(v)
		switch {
		case k == "ack_days":
			set.AckDays = n
		case k == "reply_days":
			set.ReplyDays = n
		case k == "extend_days":
			set.ExtendDays = n
		case strings.HasPrefix(k, "unit."):
			set.Units[strings.TrimPrefix(k, "unit.")] = v
		}
	}
	return set, rows.Err()
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
	for k, v := range vals {
		res, err := tx.ExecContext(ctx, `UPDATE rights_settings SET value = $2, updated_at = $3 WHERE key = $1`, k, v, store.NowIn(ctx))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rights_settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, v, store.NowIn(ctx)); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "rights.settings", ObjectType: "rights_settings", ObjectID: "rights", Before: before, After: set})
}
