package auth

import (
	"context"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The sign-in rules as settings the security administrator edits, with the
// RULES.md §9 figures as defaults. Each range stops at the 等保 figure, so
// a setting can be made stricter, never weaker.

// PolicyDefs lists the settings in page order.
var PolicyDefs = []settings.Def{
	{Key: "password_max_age_days", Default: "90", Min: 1, Max: 90}, // Default (RULES.md §9): change every ≤ 90 days
	{Key: "lock_after", Default: "5", Min: 1, Max: 5},              // failures in a row
	{Key: "lock_minutes", Default: "15", Min: 15, Max: 1440},
	{Key: "idle_minutes", Default: "30", Min: 1, Max: 30},
	{Key: "password_min_length", Default: "8", Min: 8, Max: 32}, // characters
	{Key: "password_classes", Default: "3", Min: 3, Max: 4},     // of upper, lower, digits, symbols
}

var policyMigration = store.Migration{
	Version: 2026112911,
	Name:    "security_settings",
	SQL: `
CREATE TABLE security_settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
`}

// ActionPolicy is the audit action of a change of the sign-in rules.
const ActionPolicy = "security.settings"

var policyTable = settings.Table{
	Name: "security_settings", Defs: PolicyDefs, Field: "security.setting.",
	Msg:    map[settings.Kind]string{settings.KindInt: "security.error.setting_range"},
	Action: ActionPolicy, ObjectID: "policy",
}

// PolicyValues returns every setting as text, defaults filling the rest.
func PolicyValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	return policyTable.Values(ctx, q)
}

// LoadPolicy returns the sign-in rules in force: DefaultPolicy with the
// stored settings applied.
func LoadPolicy(ctx context.Context, q store.Querier) (Policy, error) {
	vals, err := PolicyValues(ctx, q)
	if err != nil {
		return DefaultPolicy, err
	}
	n := func(k string) int { i, _ := strconv.Atoi(vals[k]); return i }
	p := DefaultPolicy
	p.PasswordMaxAge = time.Duration(n("password_max_age_days")) * 24 * time.Hour
	p.LockAfter = n("lock_after")
	p.LockFor = time.Duration(n("lock_minutes")) * time.Minute
	p.IdleTimeout = time.Duration(n("idle_minutes")) * time.Minute
	p.PasswordMinLength, p.PasswordClasses = n("password_min_length"), n("password_classes")
	return p, nil
}

// SavePolicy checks and stores the values given (keys of PolicyDefs),
// audited with before and after; nothing is written if any is bad.
func SavePolicy(ctx context.Context, tx *store.Tx, in map[string]string) error {
	return policyTable.Save(ctx, tx, in)
}
