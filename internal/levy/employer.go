package levy

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kind is the type of an employer (单位类型).
type Kind string

// Employer kinds.
const (
	KindOrgan       Kind = "organ"       // 机关
	KindInstitution Kind = "institution" // 事业单位
	KindEnterprise  Kind = "enterprise"  // 企业
	KindSocial      Kind = "social"      // 社会组织
	KindIndividual  Kind = "individual"  // 个体工商户
)

// Kinds in display order.
var Kinds = []Kind{KindOrgan, KindInstitution, KindEnterprise, KindSocial, KindIndividual}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Employer is a unit that employs staff (用人单位).
type Employer struct {
	ID         string `json:"id"`
	CreditCode string `json:"credit_code"` // 统一社会信用代码
	Name       string `json:"name"`
	Address    string `json:"address"`
	Contact    string `json:"contact"`
	Phone      string `json:"phone"`
	Kind       Kind   `json:"kind"`
	AreaCode   string `json:"area_code"` // township, 12 digits
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	Version    int    `json:"version"`
}

// EmployerInput is what registering or editing an employer takes.
type EmployerInput struct {
	CreditCode, Name, Address, Contact, Phone string
	Kind                                      Kind
	AreaCode                                  string
}

// Limits of free-text fields, in characters.
const (
	MaxNameLength    = 100
	MaxAddressLength = 200
	MaxContactLength = 50
	MaxReasonLength  = 500
)

const employerColumns = `id, credit_code, name, address, contact, phone, kind, area_code, created_at, updated_at, version`

func scanEmployer(row interface{ Scan(...any) error }) (Employer, error) {
	var e Employer
	err := row.Scan(&e.ID, &e.CreditCode, &e.Name, &e.Address, &e.Contact, &e.Phone, &e.Kind, &e.AreaCode, &e.CreatedAt, &e.UpdatedAt, &e.Version)
	return e, err
}

// GetEmployer returns one employer inside scope s; one outside is
// reported exactly like a missing one.
func GetEmployer(ctx context.Context, q store.Querier, s area.Scope, id string) (Employer, error) {
	cond, args := s.Filter("area_code", 2)
	e, err := scanEmployer(q.QueryRowContext(ctx, `SELECT `+employerColumns+` FROM levy_employers WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Employer{}, store.ErrNotFound
	}
	return e, err
}

// EmployerFilter narrows ListEmployers.
type EmployerFilter struct {
	Query    string // part of the name, or the start of the credit code
	AreaCode string // a township inside the scope; "" all
	Kind     Kind
	Limit    int // 0: 500
}

// ListEmployers lists the employers inside scope s, by name.
func ListEmployers(ctx context.Context, q store.Querier, s area.Scope, f EmployerFilter) ([]Employer, error) {
	cond, args := s.Filter("area_code", 1)
	where := []string{cond}
	if f.AreaCode != "" && area.ValidCode(f.AreaCode) && s.Contains(f.AreaCode) {
		c, a := area.ScopeOf(f.AreaCode).Filter("area_code", len(args)+1)
		where, args = append(where, c), append(args, a...)
	}
	if f.Kind != "" {
		args = append(args, string(f.Kind))
		where = append(where, "kind = $"+itoa(len(args)))
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		code := NormalizeCreditCode(qs)
		// The name by substring, the way a clerk remembers it; the code by
		// its start.
		args = append(args, "%"+escapeLike(qs)+"%", escapeLike(code)+"%")
		n := len(args)
		where = append(where, "(name LIKE $"+itoa(n-1)+" ESCAPE '\\' OR credit_code LIKE $"+itoa(n)+" ESCAPE '\\')")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	rows, err := q.QueryContext(ctx, `SELECT `+employerColumns+` FROM levy_employers WHERE `+strings.Join(where, " AND ")+
		` ORDER BY name, id LIMIT `+itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Employer
	for rows.Next() {
		e, err := scanEmployer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// checkEmployer validates and normalises n; the credit code must not
// belong to another employer (id is the one being edited).
func checkEmployer(ctx context.Context, q store.Querier, s area.Scope, id string, n EmployerInput) (EmployerInput, validate.Errors, error) {
	var es validate.Errors
	n.CreditCode = NormalizeCreditCode(n.CreditCode)
	if code := CheckCreditCode(n.CreditCode); code != "" {
		es.Add(0, "levy.employer.credit_code", "levy.error."+code)
	} else {
		var other string
		err := q.QueryRowContext(ctx, `SELECT id FROM levy_employers WHERE credit_code = $1`, n.CreditCode).Scan(&other)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return n, nil, err
		}
		if other != "" && other != id {
			es.Add(0, "levy.employer.credit_code", "levy.error.credit_taken")
		}
	}
	n.Name = strings.TrimSpace(n.Name)
	if es.Required(0, "levy.employer.name", n.Name) && utf8.RuneCountInString(n.Name) > MaxNameLength {
		es.Add(0, "levy.employer.name", "levy.error.too_long", MaxNameLength)
	}
	n.Address = strings.TrimSpace(n.Address)
	if utf8.RuneCountInString(n.Address) > MaxAddressLength {
		es.Add(0, "levy.employer.address", "levy.error.too_long", MaxAddressLength)
	}
	n.Contact = strings.TrimSpace(n.Contact)
	if utf8.RuneCountInString(n.Contact) > MaxContactLength {
		es.Add(0, "levy.employer.contact", "levy.error.too_long", MaxContactLength)
	}
	if n.Phone = registry.NormalizePhone(n.Phone); n.Phone != "" && !registry.ValidPhone(n.Phone) {
		es.Add(0, "levy.employer.phone", "levy.error.phone")
	}
	if !n.Kind.Valid() {
		es.Add(0, "levy.employer.kind", "validate.choose")
	}
	switch {
	case n.AreaCode == "":
		es.Add(0, "levy.employer.area", "validate.choose")
	case !area.ValidCode(n.AreaCode) || area.LevelOf(n.AreaCode) != area.Township || !s.Contains(n.AreaCode):
		es.Add(0, "levy.employer.area", "levy.error.area")
	default:
		if _, err := area.Get(ctx, q, n.AreaCode); errors.Is(err, store.ErrNotFound) {
			es.Add(0, "levy.employer.area", "levy.error.area")
		} else if err != nil {
			return n, nil, err
		}
	}
	return n, es, nil
}

// Audit actions of employers.
const (
	ActionEmployerCreate = "levy.employer.create"
	ActionEmployerUpdate = "levy.employer.update"
	ActionAccountLink    = "levy.employer.link"
	ActionAccountUnlink  = "levy.employer.unlink"
)

// CreateEmployer registers an employer inside scope s, audited, or
// refuses with validate.Errors and writes nothing.
func CreateEmployer(ctx context.Context, tx *store.Tx, s area.Scope, n EmployerInput) (Employer, error) {
	n, es, err := checkEmployer(ctx, tx, s, "", n)
	if err != nil {
		return Employer{}, err
	}
	if len(es) > 0 {
		return Employer{}, es
	}
	now := store.Now()
	e := Employer{ID: store.NewID(), CreditCode: n.CreditCode, Name: n.Name, Address: n.Address, Contact: n.Contact, Phone: n.Phone,
		Kind: n.Kind, AreaCode: n.AreaCode, CreatedAt: now, UpdatedAt: now, Version: 1}
	if _, err := tx.ExecContext(ctx, `INSERT INTO levy_employers (`+employerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.ID, e.CreditCode, e.Name, e.Address, e.Contact, e.Phone, string(e.Kind), e.AreaCode, e.CreatedAt, e.UpdatedAt, e.Version); err != nil {
		if store.IsUniqueViolation(err) {
			return Employer{}, validate.Errors{{Field: "levy.employer.credit_code", Key: "levy.error.credit_taken"}}
		}
		return Employer{}, err
	}
	return e, audit.Record(ctx, tx, audit.Entry{Action: ActionEmployerCreate, ObjectType: "levy_employer", ObjectID: e.ID, AreaCode: e.AreaCode, After: e})
}

// UpdateEmployer changes an employer inside scope s (moving it only to a
// township inside s); its declarations follow it to the new township.
func UpdateEmployer(ctx context.Context, tx *store.Tx, s area.Scope, id string, n EmployerInput) (Employer, error) {
	before, err := GetEmployer(ctx, tx, s, id)
	if err != nil {
		return Employer{}, err
	}
	n, es, err := checkEmployer(ctx, tx, s, id, n)
	if err != nil {
		return Employer{}, err
	}
	if len(es) > 0 {
		return Employer{}, es
	}
	after := before
	after.CreditCode, after.Name, after.Address, after.Contact, after.Phone, after.Kind, after.AreaCode =
		n.CreditCode, n.Name, n.Address, n.Contact, n.Phone, n.Kind, n.AreaCode
	if after == before {
		return before, nil
	}
	after.UpdatedAt, after.Version = store.Now(), before.Version+1
	if _, err := tx.ExecContext(ctx, `UPDATE levy_employers SET credit_code = $2, name = $3, address = $4, contact = $5, phone = $6, kind = $7,
		area_code = $8, updated_at = $9, version = $10 WHERE id = $1 AND version = $11`,
		id, after.CreditCode, after.Name, after.Address, after.Contact, after.Phone, string(after.Kind), after.AreaCode, after.UpdatedAt, after.Version, before.Version); err != nil {
		if store.IsUniqueViolation(err) {
			return Employer{}, validate.Errors{{Field: "levy.employer.credit_code", Key: "levy.error.credit_taken"}}
		}
		return Employer{}, err
	}
	if after.AreaCode != before.AreaCode {
		if _, err := tx.ExecContext(ctx, `UPDATE levy_declarations SET area_code = $2 WHERE employer_id = $1`, id, after.AreaCode); err != nil {
			return Employer{}, err
		}
	}
	return after, audit.Record(ctx, tx, audit.Entry{Action: ActionEmployerUpdate, ObjectType: "levy_employer", ObjectID: id, AreaCode: after.AreaCode, Before: before, After: after})
}

// Account is an employer's sign-in linked to it.
type Account struct {
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	LinkedAt    string `json:"linked_at"`
}

// Accounts lists the accounts linked to an employer.
func Accounts(ctx context.Context, q store.Querier, employerID string) ([]Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT l.user_id, u.username, u.display_name, l.linked_at FROM levy_employer_users l
		JOIN users u ON u.id = l.user_id WHERE l.employer_id = $1 ORDER BY u.username`, employerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.UserID, &a.Username, &a.DisplayName, &a.LinkedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LinkAccount links the account with username (role employer, made by the
// system administrator) to an employer inside scope s. An account serves
// one employer only.
func LinkAccount(ctx context.Context, tx *store.Tx, s area.Scope, employerID, username string) error {
	e, err := GetEmployer(ctx, tx, s, employerID)
	if err != nil {
		return err
	}
	field := "levy.account.username"
	u, err := auth.GetUserByName(ctx, tx, strings.TrimSpace(username))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return validate.Errors{{Field: field, Key: "levy.error.account_unknown"}}
	}
	if err != nil {
		return err
	}
	if u.Role != auth.RoleEmployer {
		return validate.Errors{{Field: field, Key: "levy.error.account_role"}}
	}
	var other string
	err = tx.QueryRowContext(ctx, `SELECT employer_id FROM levy_employer_users WHERE user_id = $1`, u.ID).Scan(&other)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if other == e.ID {
		return nil
	}
	if other != "" {
		return validate.Errors{{Field: field, Key: "levy.error.account_linked"}}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO levy_employer_users (user_id, employer_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)`,
		u.ID, e.ID, audit.ActorFrom(ctx).ID, store.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionAccountLink, ObjectType: "levy_employer", ObjectID: e.ID, AreaCode: e.AreaCode,
		After: map[string]string{"user_id": u.ID, "username": u.Username}})
}

// UnlinkAccount removes an account's link to an employer inside scope s.
func UnlinkAccount(ctx context.Context, tx *store.Tx, s area.Scope, employerID, userID string) error {
	e, err := GetEmployer(ctx, tx, s, employerID)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM levy_employer_users WHERE user_id = $1 AND employer_id = $2`, userID, e.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionAccountUnlink, ObjectType: "levy_employer", ObjectID: e.ID, AreaCode: e.AreaCode,
		Before: map[string]string{"user_id": userID}})
}

// EmployerOf returns the employer an account is linked to, or
// store.ErrNotFound. It is the one check of every employer route: the
// account's own scope plays no part, the link alone decides.
func EmployerOf(ctx context.Context, q store.Querier, userID string) (Employer, error) {
	e, err := scanEmployer(q.QueryRowContext(ctx, `SELECT `+prefixed("e.", employerColumns)+` FROM levy_employer_users l
		JOIN levy_employers e ON e.id = l.employer_id WHERE l.user_id = $1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Employer{}, store.ErrNotFound
	}
	return e, err
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
