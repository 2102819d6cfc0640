package auth

import (
	"context"
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/area"
)

// Principal is whoever is making a request: a signed-in user or an API
// client. Handlers take the scope from here and pass it to every query.
type Principal struct {
	Kind               string // "user" or "api"
	ID                 string
	Name               string // user name or client name
	DisplayName        string
	Role               Role // users only
	Department         Department
	Scope              area.Scope
	SessionID          string
	MustChangePassword bool
	// SecondFactorPending: the password was right, the TOTP code is still
	// to come; only the code page is open.
	SecondFactorPending bool
	// MustEnrolTwoFactor: an administrator without two factors; only the
	// enrolment page is open.
	MustEnrolTwoFactor bool
	perms              []Perm // API clients only
}

// Can reports whether the principal holds permission p.
func (p *Principal) Can(perm Perm) bool {
	if p == nil {
		return false
	}
	if perm == PermSignedIn {
		return true
	}
	if p.Kind == "api" {
		return slices.Contains(p.perms, perm)
	}
	// The one place the department rule of county staff applies: the
	// router's guard, the templates' .Can and the handlers all ask here.
	return RoleHas(p.Role, perm) && DeptAllows(p.Role, p.Department, perm)
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal of the request, or nil when anonymous.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
