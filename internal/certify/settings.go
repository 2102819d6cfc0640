package certify

import (
	"context"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
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

// SettingDefs lists every setting in page order; National marks the
// defaults that are the national rule.
var SettingDefs = []settings.Def{
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
	{Key: "cancel_reasons", Default: "死亡,康复,弄虚作假", Kind: settings.KindList},
}

// ActionSettings is the audit action of a settings change.
const ActionSettings = "certify.settings"

var settingsTable = settings.Table{
	Name: "cert_settings", Defs: SettingDefs, Field: "certify.setting.",
	Msg:    map[settings.Kind]string{settings.KindInt: "certify.error.setting_range"},
	Action: ActionSettings, ObjectID: "certify",
}

// LoadSettings reads the settings, defaults filling what was never set.
func LoadSettings(ctx context.Context, q store.Querier) (Settings, error) {
	vals, err := SettingValues(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	return settingsFrom(vals), nil
}

// SettingValues returns every setting as text, for the settings page.
func SettingValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	return settingsTable.Values(ctx, q)
}

func settingsFrom(v map[string]string) Settings {
	n := func(k string) int { i, _ := strconv.Atoi(v[k]); return i }
	return Settings{
		PublicityDays: n("publicity_days"), ReviewDays: n("review_days"), AppealDays: n("appeal_days"),
		ValidityYears: n("validity_years"), ReapplyWaitDays: n("reapply_wait_days"), BookingDays: n("booking_days"),
		SecondReviewDays: n("second_review_days"), IssueDays: n("issue_days"), DeliveryDays: n("delivery_days"),
		RenewalLeadDays: n("renewal_lead_days"), RenewalContactDays: n("renewal_contact_days"), PhotoMaxKB: n("photo_max_kb"),
		CancelReasons: settings.List(v["cancel_reasons"]),
	}
}

// SaveSettings checks and stores the values given (keys of SettingDefs),
// audited with before and after; nothing is written if any is bad.
func SaveSettings(ctx context.Context, tx *store.Tx, in map[string]string) error {
	return settingsTable.Save(ctx, tx, in)
}
