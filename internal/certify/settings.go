package certify

import (
	"context"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Settings are the rules a county may set. The national ones (RULES.md §3)
// default to the law; the local ones are marked Default in the UI help.
type Settings struct {
	PublicityDays      int      // 公示, working days (national: 5)
	ReviewDays         int      // county review after 公示, working days (national: 10)
	AppealDays         int      // appeal window, working days (national: 10)
	ValidityYears      int      // certificate validity (national: 10)
	ReapplyWaitDays    int      // no new application after a cancellation (national: 1 year)
	BookingDays        int      // Default: book an assessment within 5 working days of filing
	SecondReviewDays   int      // Default: second review within 3 working days of the assessment
	IssueDays          int      // Default: make the card within 3 working days of approval
	DeliveryDays       int      // Default: hand it over within 10 working days of issue
	RenewalLeadDays    int      // Default: list cards expiring within 90 calendar days
	RenewalContactDays int      // Default: the township contacts the holder within 10 working days
	PhotoMaxKB         int      // Default: photo file at most 2048 KB
	CancelReasons      []string // Default: death, recovery, fraud (RULES.md §3)
}

// Setting describes one entry of Settings for the settings page.
type Setting struct {
	Key      string
	Default  string
	Min, Max int  // for numbers
	National bool // the default is the national rule
	List     bool // a comma-separated list
}

// SettingDefs lists every setting in page order.
var SettingDefs = []Setting{
	{Key: "publicity_days", Default: "5", Min: 1, Max: 30, National: true},
	{Key: "review_days", Default: "10", Min: 1, Max: 60, National: true},
	{Key: "appeal_days", Default: "10", Min: 1, Max: 60, National: true},
	{Key: "validity_years", Default: "10", Min: 1, Max: 20, National: true},
	{Key: "reapply_wait_days", Default: "365", Min: 0, Max: 3650, National: true},
	{Key: "booking_days", Default: "5", Min: 1, Max: 60},
	{Key: "second_review_days", Default: "3", Min: 1, Max: 30},
	{Key: "issue_days", Default: "3", Min: 1, Max: 30},
	{Key: "delivery_days", Default: "10", Min: 1, Max: 60},
	{Key: "renewal_lead_days", Default: "90", Min: 7, Max: 365},
	{Key: "renewal_contact_days", Default: "10", Min: 1, Max: 60},
	{Key: "photo_max_kb", Default: "2048", Min: 50, Max: 10240},
	{Key: "cancel_reasons", Default: "死亡,康复,弄虚作假", List: true},
}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	vals, err := settingValues(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	return settingsFrom(vals), nil
}

func settingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	vals := map[string]string{}
	for _, d := range SettingDefs {
		vals[d.Key] = d.Default
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM cert_settings`)
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

// SettingValues returns every setting as text, for the settings page.
func SettingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	return settingValues(ctx, q)
}

func settingsFrom(v map[string]string) Settings {
	n := func(k string) int { i, _ := strconv.Atoi(v[k]); return i }
	return Settings{
		PublicityDays: n("publicity_days"), ReviewDays: n("review_days"), AppealDays: n("appeal_days"),
		ValidityYears: n("validity_years"), ReapplyWaitDays: n("reapply_wait_days"), BookingDays: n("booking_days"),
		SecondReviewDays: n("second_review_days"), IssueDays: n("issue_days"), DeliveryDays: n("delivery_days"),
		RenewalLeadDays: n("renewal_lead_days"), RenewalContactDays: n("renewal_contact_days"), PhotoMaxKB: n("photo_max_kb"),
		CancelReasons: splitList(v["cancel_reasons"]),
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "certify.settings"

// SaveSettings checks and stores the values given (keys of SettingDefs),
// audited with before and after; nothing is written if any is bad.
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
		field := "certify.setting." + d.Key
		if d.List {
			if len(splitList(v)) == 0 {
				es.Add(0, field, "validate.required")
				continue
			}
			v = strings.Join(splitList(v), ",")
		} else if i, err := strconv.Atoi(v); err != nil || i < d.Min || i > d.Max {
			es.Add(0, field, "certify.error.setting_range", d.Min, d.Max)
			continue
		}
		after[d.Key] = v
	}
	if len(es) > 0 {
		return es
	}
	now := store.Now()
	for k, v := range after {
		res, err := tx.ExecContext(ctx, `UPDATE cert_settings SET value = $2, updated_at = $3 WHERE key = $1`, k, v, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cert_settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, v, now); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSettings, ObjectType: "cert_settings", ObjectID: "certify", Before: before, After: after})
}
