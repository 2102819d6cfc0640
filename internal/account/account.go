// Package account is the sign-in side of the web interface: the sign-in
// page, sign-out, changing one's password, and the administrators' pages for
// accounts, lockouts and API clients. The rules behind them live in auth.
package account

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the account pages.
type Handler struct {
	Auth *auth.Service
}

// Routes registers the account pages.
func (h *Handler) Routes(rt *web.Router) {
	rt.Public("GET /login", http.HandlerFunc(h.loginForm))
	rt.Public("POST /login", http.HandlerFunc(h.login))
	rt.Page("POST /logout", auth.PermSignedIn, h.logout)
	rt.Page("GET /account/password", auth.PermSignedIn, h.passwordForm)
	rt.Page("POST /account/password", auth.PermSignedIn, h.changePassword)
	rt.Page("GET /admin", auth.PermSignedIn, h.adminHome)
	rt.Page("GET /admin/users", auth.PermUsersManage, h.users)
	rt.Page("GET /admin/users/new", auth.PermUsersManage, h.newUserForm)
	rt.Page("POST /admin/users", auth.PermUsersManage, h.createUser)
	rt.Page("POST /admin/users/{id}/reset", auth.PermUsersManage, h.resetPassword)
	rt.Page("POST /admin/users/{id}/disable", auth.PermUsersManage, h.disable)
	rt.Page("POST /admin/users/{id}/enable", auth.PermUsersManage, h.enable)
	rt.Page("GET /admin/security", auth.PermSecurityManage, h.security)
	rt.Page("POST /admin/security/{id}/unlock", auth.PermSecurityManage, h.unlock)
	rt.Page("POST /admin/security/policy", auth.PermSecurityManage, h.savePolicy)
	rt.Page("GET /admin/roles", auth.PermSecurityManage, h.roles)
	rt.Page("GET /admin/roles/{id}", auth.PermSecurityManage, h.roleForm)
	rt.Page("POST /admin/roles/{id}", auth.PermSecurityManage, h.assignRole)
	rt.Page("GET /admin/api-clients", auth.PermAPIManage, h.apiClients)
	rt.Page("POST /admin/api-clients", auth.PermAPIManage, h.createAPIClient)
	rt.Page("POST /admin/api-clients/{id}/revoke", auth.PermAPIManage, h.revokeAPIClient)
	h.twoFactorRoutes(rt)
}

func (h *Handler) crumbs(r *http.Request, label string) []web.Crumb {
	l := web.PrefsFrom(r).Lang
	return []web.Crumb{{Label: i18n.T(l, "nav.admin"), Href: "/admin"}, {Label: i18n.T(l, label)}}
}

// ---- sign in and out ----

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if auth.From(r.Context()) != nil {
		web.Redirect(w, r, "/")
		return
	}
	web.Render(w, r, pages, "login", web.Page{Title: "account.signin", Data: map[string]string{"Next": web.LocalPath(r.URL.Query().Get("next"), "/")}})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	next := web.LocalPath(r.PostFormValue("next"), "/")
	page := web.Page{Title: "account.signin", Data: map[string]string{"Next": next}, Form: map[string]string{"username": username}, Status: http.StatusUnauthorized}
	if username == "" || password == "" {
		page.Errors.Add(0, "", "account.error.missing")
		page.Status = http.StatusUnprocessableEntity
		web.Render(w, r, pages, "login", page)
		return
	}
	token, u, err := h.Auth.SignIn(r.Context(), username, password, web.ClientIP(r), r.UserAgent())
	switch {
	case errors.Is(err, auth.ErrLocked) || (errors.Is(err, auth.ErrBadCredentials) && u.LockedUntil != ""):
		page.Errors.Add(0, "", "account.error.locked", int(h.Auth.Policy().LockFor.Minutes()))
	case errors.Is(err, auth.ErrDisabled):
		page.Errors.Add(0, "", "account.error.disabled")
	case errors.Is(err, auth.ErrNoRole):
		page.Errors.Add(0, "", "account.error.no_role")
	case errors.Is(err, auth.ErrBadCredentials):
		page.Errors.Add(0, "", "account.error.bad_credentials", h.Auth.Policy().LockAfter, int(h.Auth.Policy().LockFor.Minutes()))
	case err != nil:
		web.ServerError(w, r, err)
		return
	default:
		web.SetSession(w, r, token)
		if u.TwoFactor {
			web.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(next))
			return
		}
		if u.MustChangePassword {
			web.Redirect(w, r, "/account/password")
			return
		}
		web.Redirect(w, r, next)
		return
	}
	web.Render(w, r, pages, "login", page)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.SignOut(r.Context(), auth.From(r.Context())); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.ClearSession(w, r)
	web.Redirect(w, r, "/login?ok=flash.signed_out")
}

// ---- own password ----

// passwordPage is the password form's data: whose, and the rules in force.
type passwordPage struct {
	*auth.Principal
	Policy auth.Policy
}

func (h *Handler) passwordForm(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, pages, "password", web.Page{Title: "account.change_password", Data: passwordPage{auth.From(r.Context()), h.Auth.Policy()}})
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	next := r.PostFormValue("new_password")
	var es validate.Errors
	if next != r.PostFormValue("confirm_password") {
		es.Add(0, "password.confirm", "password.error.mismatch")
	}
	err := es.Err()
	if err == nil {
		err = h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) error {
			return auth.ChangePassword(r.Context(), tx, p.ID, r.PostFormValue("current_password"), next)
		})
	}
	if errors.As(err, &es) {
		web.Render(w, r, pages, "password", web.Page{Title: "account.change_password", Data: passwordPage{p, h.Auth.Policy()}, Errors: es, Status: http.StatusUnprocessableEntity})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/?ok=flash.password_changed")
}

// ---- administration ----

func (h *Handler) adminHome(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, pages, "admin", web.Page{Title: "nav.admin", Section: "admin"})
}

type usersData struct {
	Users       []auth.User
	AreaNames   map[string]string
	Roles       []auth.Role
	Depts       []auth.Department
	Areas       []area.Area
	NewPassword string
	NewUser     string
}

func (h *Handler) usersData(r *http.Request) (usersData, error) {
	p := auth.From(r.Context())
	users, err := auth.ListUsers(r.Context(), h.Auth.DB, p.Scope)
	if err != nil {
		return usersData{}, err
	}
	names, err := area.Names(r.Context(), h.Auth.DB)
	if err != nil {
		return usersData{}, err
	}
	areas, err := area.InScope(r.Context(), h.Auth.DB, p.Scope)
	if err != nil {
		return usersData{}, err
	}
	return usersData{Users: users, AreaNames: names, Roles: auth.Roles, Depts: auth.Departments, Areas: areas}, nil
}

func (h *Handler) users(w http.ResponseWriter, r *http.Request) {
	d, err := h.usersData(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "users", web.Page{Title: "admin.users", Section: "admin", Crumbs: h.crumbs(r, "admin.users"), Data: d})
}

func (h *Handler) newUserForm(w http.ResponseWriter, r *http.Request) {
	d, err := h.usersData(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "user_new", web.Page{Title: "admin.user_new", Section: "admin", Crumbs: h.crumbs(r, "admin.user_new"), Data: d})
}

// createUser: the system administrator creates an account without a role
// (三员分立); the security administrator gives it one on /admin/roles.
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	username, displayName := r.PostFormValue("username"), r.PostFormValue("display_name")
	var created auth.User
	var pw string
	err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		created, pw, err = auth.CreatePendingUser(r.Context(), tx, username, displayName, p.Scope.Code())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		d, derr := h.usersData(r)
		if derr != nil {
			web.ServerError(w, r, derr)
			return
		}
		web.Render(w, r, pages, "user_new", web.Page{Title: "admin.user_new", Section: "admin", Crumbs: h.crumbs(r, "admin.user_new"), Data: d, Errors: es,
			Status: http.StatusUnprocessableEntity,
			Form:   map[string]string{"username": username, "display_name": displayName}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.showPassword(w, r, created.Username, pw)
}

// showPassword shows a generated password once, on the page that answers
// the post (never in a URL or log).
func (h *Handler) showPassword(w http.ResponseWriter, r *http.Request, username, pw string) {
	d, err := h.usersData(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.NewUser, d.NewPassword = username, pw
	web.Render(w, r, pages, "users", web.Page{Title: "admin.users", Section: "admin", Crumbs: h.crumbs(r, "admin.users"), Data: d})
}

// userInScope loads an account the administrator may manage.
func (h *Handler) userInScope(w http.ResponseWriter, r *http.Request) (auth.User, bool) {
	u, err := auth.GetUser(r.Context(), h.Auth.DB, r.PathValue("id"))
	if err == nil && !auth.From(r.Context()).Scope.Covers(u.Scope()) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return u, false
	}
	if err != nil {
		web.ServerError(w, r, err)
		return u, false
	}
	return u, true
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	var pw string
	err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		pw, err = auth.ResetPassword(r.Context(), tx, u.ID)
		return err
	})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.showPassword(w, r, u.Username, pw)
}

func (h *Handler) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	if u.ID == auth.From(r.Context()).ID {
		web.Error(w, r, http.StatusBadRequest, "user.error.self")
		return
	}
	if err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) error { return auth.SetDisabled(r.Context(), tx, u.ID, disabled) }); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/users?ok=flash.saved")
}

func (h *Handler) disable(w http.ResponseWriter, r *http.Request) { h.setDisabled(w, r, true) }
func (h *Handler) enable(w http.ResponseWriter, r *http.Request)  { h.setDisabled(w, r, false) }

func (h *Handler) security(w http.ResponseWriter, r *http.Request) { h.securityPage(w, r, web.Page{}) }

func (h *Handler) securityPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	d, err := h.usersData(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		if page.Form, err = auth.PolicyValues(r.Context(), h.Auth.DB); err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	now := store.Now()
	var locked []auth.User
	for _, u := range d.Users {
		if u.LockedUntil > now {
			locked = append(locked, u)
		}
	}
	page.Title, page.Section, page.Crumbs = "admin.security", "admin", h.crumbs(r, "admin.security")
	page.Data = map[string]any{"Locked": locked, "Policy": h.Auth.Policy(), "Users": d.Users, "Defs": auth.PolicyDefs}
	web.Render(w, r, pages, "security", page)
}

// savePolicy stores the sign-in rules and puts them in force at once.
func (h *Handler) savePolicy(w http.ResponseWriter, r *http.Request) {
	in := map[string]string{}
	for _, d := range auth.PolicyDefs {
		in[d.Key] = r.PostFormValue(d.Key)
	}
	err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) error { return auth.SavePolicy(r.Context(), tx, in) })
	var es validate.Errors
	if errors.As(err, &es) {
		h.securityPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: in})
		return
	}
	if err == nil {
		err = h.Auth.ReloadPolicy(r.Context())
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/security?ok=flash.saved")
}

func (h *Handler) unlock(w http.ResponseWriter, r *http.Request) {
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	if err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) error { return auth.Unlock(r.Context(), tx, u.ID) }); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/security?ok=flash.unlocked")
}

func (h *Handler) apiClientsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	clients, err := auth.ListAPIClients(r.Context(), h.Auth.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	areas, err := area.InScope(r.Context(), h.Auth.DB, auth.From(r.Context()).Scope)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	data, _ := page.Data.(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	data["Clients"], data["Areas"], data["Perms"] = clients, areas, auth.APIPerms()
	page.Title, page.Section, page.Crumbs, page.Data = "admin.api_clients", "admin", h.crumbs(r, "admin.api_clients"), data
	web.Render(w, r, pages, "api_clients", page)
}

func (h *Handler) apiClients(w http.ResponseWriter, r *http.Request) {
	h.apiClientsPage(w, r, web.Page{})
}

func (h *Handler) createAPIClient(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	var perms []auth.Perm
	for _, p := range r.PostForm["perms"] {
		perms = append(perms, auth.Perm(p))
	}
	var token string
	err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(r.Context(), tx, r.PostFormValue("name"), r.PostFormValue("scope_code"), perms)
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.apiClientsPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: map[string]string{"name": r.PostFormValue("name")}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.apiClientsPage(w, r, web.Page{Data: map[string]any{"Token": token}})
}

func (h *Handler) revokeAPIClient(w http.ResponseWriter, r *http.Request) {
	err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) error { return auth.RevokeAPIClient(r.Context(), tx, r.PathValue("id")) })
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/api-clients?ok=flash.revoked")
}

// ---- roles (the security administrator) ----

func (h *Handler) roles(w http.ResponseWriter, r *http.Request) {
	d, err := h.usersData(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	// Accounts waiting for a role first.
	sort.SliceStable(d.Users, func(i, j int) bool { return d.Users[i].Role == auth.RolePending && d.Users[j].Role != auth.RolePending })
	web.Render(w, r, pages, "roles", web.Page{Title: "admin.roles", Section: "admin", Crumbs: h.crumbs(r, "admin.roles"), Data: d})
}

func (h *Handler) roleForm(w http.ResponseWriter, r *http.Request) {
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	scope := u.ScopeCode
	if scope == "" && u.Role != auth.RolePending {
		scope = "*"
	}
	h.rolePage(w, r, u, web.Page{Form: map[string]string{"role": string(u.Role), "department": string(u.Department), "scope_code": scope}})
}

func (h *Handler) rolePage(w http.ResponseWriter, r *http.Request, u auth.User, page web.Page) {
	d, err := h.usersData(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Title, page.Section, page.Crumbs = "admin.role_assign", "admin", h.crumbs(r, "admin.roles")
	page.Data = map[string]any{"User": u, "Roles": d.Roles, "Depts": d.Depts, "Areas": d.Areas}
	web.Render(w, r, pages, "role_assign", page)
}

func (h *Handler) assignRole(w http.ResponseWriter, r *http.Request) {
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	role, dept, scope := auth.Role(r.PostFormValue("role")), auth.Department(r.PostFormValue("department")), r.PostFormValue("scope_code")
	err := h.Auth.DB.InTx(r.Context(), func(tx *store.Tx) error {
		// A security administrator gives scopes only inside his own region.
		if scope == "*" && !p.Scope.IsAll() || scope != "*" && scope != "" && !p.Scope.Contains(scope) {
			return validate.Errors{{Field: "user.scope", Key: "user.error.scope_outside"}}
		}
		_, err := auth.AssignRole(r.Context(), tx, p.ID, u.ID, role, dept, scope)
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.rolePage(w, r, u, web.Page{Errors: es, Status: http.StatusUnprocessableEntity,
			Form: map[string]string{"role": string(role), "department": string(dept), "scope_code": scope}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/roles?ok=flash.saved")
}
