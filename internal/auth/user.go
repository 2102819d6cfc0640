package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Migrations creates accounts, sessions and API clients.
var Migrations = []store.Migration{{
	Version: 2026112804,
	Name:    "accounts",
	SQL: `
CREATE TABLE users (
	id                   TEXT PRIMARY KEY,
	username             TEXT NOT NULL UNIQUE,
	display_name         TEXT NOT NULL,
	role                 TEXT NOT NULL,
	department           TEXT NOT NULL,
	scope_code           TEXT NOT NULL,      -- area code the account is limited to ('' = all)
	password_hash        TEXT NOT NULL,
	must_change_password BOOLEAN NOT NULL,
	password_changed_at  TEXT NOT NULL,
	failed_count         INTEGER NOT NULL,
	locked_until         TEXT NOT NULL,
	disabled             BOOLEAN NOT NULL,
	totp_secret          TEXT NOT NULL,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);
CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,            -- sha256 of the cookie token
	user_id      TEXT NOT NULL REFERENCES users(id),
	created_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	ip           TEXT NOT NULL,
	user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE api_clients (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	scope_code   TEXT NOT NULL,
	perms        TEXT NOT NULL,               -- space-separated permissions
	created_by   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	revoked_at   TEXT NOT NULL,
	last_used_at TEXT NOT NULL
);
`}, twoFactorMigration, policyMigration}

// User is an account that signs in.
type User struct {
	ID                 string
	Username           string
	DisplayName        string
	Role               Role
	Department         Department
	ScopeCode          string
	MustChangePassword bool
	PasswordChangedAt  string
	FailedCount        int
	LockedUntil        string
	Disabled           bool
	CreatedAt          string
	TwoFactor          bool // TOTP switched on (totp_enabled)
}

// auditView is what the audit log keeps of an account: never the hash.
func (u User) auditView() map[string]any {
	return map[string]any{
		"username": u.Username, "display_name": u.DisplayName, "role": u.Role, "department": u.Department,
		"scope_code": u.ScopeCode, "disabled": u.Disabled, "must_change_password": u.MustChangePassword,
	}
}

// Scope is the region the account is limited to.
func (u User) Scope() area.Scope { return area.ScopeOf(u.ScopeCode) }

const userColumns = `id, username, display_name, role, department, scope_code, must_change_password, password_changed_at, failed_count, locked_until, disabled, created_at, totp_enabled`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.Department, &u.ScopeCode, &u.MustChangePassword,
		&u.PasswordChangedAt, &u.FailedCount, &u.LockedUntil, &u.Disabled, &u.CreatedAt, &u.TwoFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return u, store.ErrNotFound
	}
	return u, err
}

// GetUser returns one account by id.
func GetUser(ctx context.Context, q store.Querier, id string) (User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// GetUserByName returns one account by user name.
func GetUserByName(ctx context.Context, q store.Querier, username string) (User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
}

// ListUsers returns the accounts whose scope lies inside s, by user name.
func ListUsers(ctx context.Context, q store.Querier, s area.Scope) ([]User, error) {
	query := `SELECT ` + userColumns + ` FROM users`
	var args []any
	if !s.IsAll() {
		cond, a := s.Filter("scope_code", 1)
		query += ` WHERE ` + cond
		args = a
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY username`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// NewUser is the input for creating an account.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	Department  Department
	ScopeCode   string
	Password    string // empty: generate one
	pending     bool   // CreatePendingUser: no role yet
}

// checkRole checks a role, department and scope given together, as at
// creation and at every later assignment; "*" becomes "" (all areas).
func checkRole(ctx context.Context, q store.Querier, role *Role, dept *Department, scope *string) validate.Errors {
	var es validate.Errors
	if !role.Valid() {
		es.Add(0, "user.role", "validate.choose")
	}
	if *role == RoleCountyStaff {
		ok := false
		for _, d := range Departments {
			ok = ok || d == *dept
		}
		if !ok {
			es.Add(0, "user.department", "validate.choose")
		}
	} else {
		*dept = ""
	}
	switch {
	case *scope == "":
		es.Add(0, "user.scope", "validate.required")
	case *scope == "*":
		*scope = "" // the whole deployment (province administrators)
	default:
		a, err := area.Get(ctx, q, *scope)
		if err != nil {
			es.Add(0, "user.scope", "user.error.unknown_area", *scope)
		} else {
			want := map[Role]area.Level{RoleTownshipWorker: area.Township, RoleVillageWorker: area.Village}[*role]
			if want != "" && a.Level != want {
				es.Add(0, "user.scope", "user.error.scope_level", "area.level."+string(want))
			}
		}
	}
	return es
}

func (n *NewUser) validate(ctx context.Context, q store.Querier) validate.Errors {
	var es validate.Errors
	n.Username = strings.TrimSpace(n.Username)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if es.Required(0, "user.username", n.Username) {
		if len(n.Username) < 3 || len(n.Username) > 32 || strings.ContainsAny(n.Username, " \t/\\@:") {
			es.Add(0, "user.username", "user.error.username_format")
		} else if _, err := GetUserByName(ctx, q, n.Username); err == nil {
			es.Add(0, "user.username", "user.error.username_taken", n.Username)
		}
	}
	es.Required(0, "user.display_name", n.DisplayName)
	if n.Role == RolePending && n.pending {
		// The security administrator gives role and scope later.
		n.Department = ""
	} else {
		es = append(es, checkRole(ctx, q, &n.Role, &n.Department, &n.ScopeCode)...)
	}
	if n.Password != "" {
		checkNewPassword(ctx, q, &es, n.Password, n.Username, "user.password")
	}
	return es
}

// CreateUser validates n and adds the account inside tx, audited. It
// returns the account and its initial password (generated if n had none);
// the holder must change it at first sign-in.
func CreateUser(ctx context.Context, tx *store.Tx, n NewUser) (User, string, error) {
	if es := n.validate(ctx, tx); len(es) > 0 {
		return User{}, "", es
	}
	pw := n.Password
	if pw == "" {
		pw = GeneratePassword(policyIn(ctx, tx))
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return User{}, "", err
	}
	now := store.Now()
	u := User{ID: store.NewID(), Username: n.Username, DisplayName: n.DisplayName, Role: n.Role, Department: n.Department,
		ScopeCode: n.ScopeCode, MustChangePassword: true, PasswordChangedAt: now, CreatedAt: now}
	_, err = tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, role, department, scope_code, password_hash,
		must_change_password, password_changed_at, failed_count, locked_until, disabled, totp_secret, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,'',$10,'',$11,$11)`,
		u.ID, u.Username, u.DisplayName, string(u.Role), string(u.Department), u.ScopeCode, hash, true, now, false, now)
	if err != nil {
		return User{}, "", err
	}
	err = audit.Record(ctx, tx, audit.Entry{Action: "user.create", ObjectType: "user", ObjectID: u.ID, AreaCode: u.ScopeCode, After: u.auditView()})
	return u, pw, err
}

// CreatePendingUser adds an account without a role, as the system
// administrator does (三员分立: he creates accounts, the security
// administrator gives them a role and scope). scopeCode is the creator's
// own scope, so the account stays in his list; it grants nothing, as the
// account cannot sign in until it has a role.
func CreatePendingUser(ctx context.Context, tx *store.Tx, username, displayName, scopeCode string) (User, string, error) {
	return CreateUser(ctx, tx, NewUser{Username: username, DisplayName: displayName, ScopeCode: scopeCode, pending: true})
}

// AssignRole gives an account its role, department and scope, as the
// security administrator does; by is the account making the change. An
// administrator cannot change his own role, and an account that is one of
// the three administrators never becomes another of them (三员分立: each
// is a separate person's account; make a new one).
func AssignRole(ctx context.Context, tx *store.Tx, by, id string, role Role, dept Department, scope string) (User, error) {
	forgetPrincipals(tx) // a cached principal must not keep the old role
	before, err := GetUser(ctx, tx, id)
	if err != nil {
		return User{}, err
	}
	es := checkRole(ctx, tx, &role, &dept, &scope)
	if id == by {
		es.Add(0, "user.role", "user.error.self_role")
	}
	if before.Role.Admin() && role.Admin() && before.Role != role {
		es.Add(0, "user.role", "user.error.admin_switch", string(before.Role))
	}
	if len(es) > 0 {
		return User{}, es
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $2, department = $3, scope_code = $4, updated_at = $5 WHERE id = $1`,
		id, string(role), string(dept), scope, store.Now()); err != nil {
		return User{}, err
	}
	after := before
	after.Role, after.Department, after.ScopeCode = role, dept, scope
	if before.Role != role || before.ScopeCode != scope {
		// The old rights end now, not at the next idle timeout.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return User{}, err
		}
	}
	return after, audit.Record(ctx, tx, audit.Entry{Action: "user.assign_role", ObjectType: "user", ObjectID: id, AreaCode: scope,
		Before: before.auditView(), After: after.auditView()})
}

// ResetPassword gives the account a new generated password that must be
// changed at next sign-in, unlocks it and ends its sessions.
func ResetPassword(ctx context.Context, tx *store.Tx, id string) (string, error) {
	forgetPrincipals(tx)
	u, err := GetUser(ctx, tx, id)
	if err != nil {
		return "", err
	}
	pw := GeneratePassword(policyIn(ctx, tx))
	hash, err := HashPassword(pw)
	if err != nil {
		return "", err
	}
	now := store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4,
		failed_count = 0, locked_until = '', updated_at = $4 WHERE id = $1`, id, hash, true, now); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
		return "", err
	}
	return pw, audit.Record(ctx, tx, audit.Entry{Action: "user.reset_password", ObjectType: "user", ObjectID: id, AreaCode: u.ScopeCode})
}

// SetDisabled disables or re-enables an account; disabling ends its sessions.
func SetDisabled(ctx context.Context, tx *store.Tx, id string, disabled bool) error {
	forgetPrincipals(tx)
	before, err := GetUser(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1`, id, disabled, store.Now()); err != nil {
		return err
	}
	if disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
	}
	after := before
	after.Disabled = disabled
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "user", ObjectID: id, AreaCode: before.ScopeCode,
		Before: before.auditView(), After: after.auditView()})
}

// Unlock clears a lockout.
func Unlock(ctx context.Context, tx *store.Tx, id string) error {
	forgetPrincipals(tx)
	u, err := GetUser(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_count = 0, locked_until = '', updated_at = $2 WHERE id = $1`, id, store.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "user.unlock", ObjectType: "user", ObjectID: id, AreaCode: u.ScopeCode})
}

// ChangePassword sets a new password chosen by the holder.
func ChangePassword(ctx context.Context, tx *store.Tx, id, current, next string) error {
	forgetPrincipals(tx)
	var hash, username string
	if err := tx.QueryRowContext(ctx, `SELECT password_hash, username FROM users WHERE id = $1`, id).Scan(&hash, &username); err != nil {
		return err
	}
	var es validate.Errors
	if !CheckPassword(hash, current) {
		es.Add(0, "password.current", "password.error.current_wrong")
	}
	n := len(es)
	checkNewPassword(ctx, tx, &es, next, username, "password.new")
	if len(es) == n && current == next {
		es.Add(0, "password.new", "password.error.same")
	}
	if len(es) > 0 {
		return es
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return err
	}
	now := store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4, updated_at = $4 WHERE id = $1`,
		id, newHash, false, now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "user.change_password", ObjectType: "user", ObjectID: id})
}

// lockedNow reports whether the account is locked at now.
func (u User) lockedAt(now time.Time) bool {
	return u.LockedUntil != "" && u.LockedUntil > store.FormatTime(now)
}

// SetPassword sets a given first password (the demo's, or one typed on the
// command line) that must be changed at the next sign-in.
func SetPassword(ctx context.Context, tx *store.Tx, id, pw string) error {
	forgetPrincipals(tx)
	u, err := GetUser(ctx, tx, id)
	if err != nil {
		return err
	}
	var es validate.Errors
	checkNewPassword(ctx, tx, &es, pw, u.Username, "user.password")
	if len(es) > 0 {
		return es
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	now := store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4,
		failed_count = 0, locked_until = '', updated_at = $4 WHERE id = $1`, id, hash, true, now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "user.set_password", ObjectType: "user", ObjectID: id, AreaCode: u.ScopeCode})
}
