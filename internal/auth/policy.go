package auth

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// The sign-in rules as settings the security administrator edits, with the
// RULES.md §9 figures as defaults. Each range stops at the 等保 figure, so
// a setting can be made stricter, never weaker.

// PolicySetting describes one setting.
type PolicySetting struct {
	Key      string
	Default  int
	Min, Max int
}

// PolicyDefs lists the settings in page order.
var PolicyDefs = []PolicySetting{
	{Key: "password_max_age_days", Default: 90, Min: 1, Max: 90}, // Default (RULES.md §9): change every ≤ 90 days
	{Key: "lock_after", Default: 5, Min: 1, Max: 5},              // failures in a row
	{Key: "lock_minutes", Default: 15, Min: 15, Max: 1440},
	{Key: "idle_minutes", Default: 30, Min: 1, Max: 30},
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

// PolicyValues returns every setting as text, defaults filling the rest.
func PolicyValues(ctx context.Context, q store.Querier) (map[string]string, error) {
	vals := map[string]string{}
	for _, d := range PolicyDefs {
		vals[d.Key] = strconv.Itoa(d.Default)
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM security_settings`)
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
	return p, nil
}

// SavePolicy checks and stores the values given (keys of PolicyDefs),
// audited with before and after; nothing is written if any is bad.
func SavePolicy(ctx context.Context, tx *store.Tx, in map[string]string) error {
	before, err := PolicyValues(ctx, tx)
	if err != nil {
		return err
	}
	var es validate.Errors
	after := map[string]string{}
	for _, d := range PolicyDefs {
		v, ok := in[d.Key]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if i, err := strconv.Atoi(v); err != nil || i < d.Min || i > d.Max {
			es.Add(0, "security.setting."+d.Key, "security.error.setting_range", d.Min, d.Max)
			continue
		}
		after[d.Key] = v
	}
	if len(es) > 0 {
		return es
	}
	now := store.Now()
	for _, d := range PolicyDefs { // a fixed order: the same on every engine
		v, ok := after[d.Key]
		if !ok {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE security_settings SET value = $2, updated_at = $3 WHERE key = $1`, d.Key, v, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO security_settings (key, value, updated_at) VALUES ($1, $2, $3)`, d.Key, v, now); err != nil {
				return err
			}
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionPolicy, ObjectType: "security_settings", ObjectID: "policy", Before: before, After: after})
}
