package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Route is one registered route, kept so tests can check that every route
// is guarded and every API route is documented.
type Route struct {
	Method string
	Path   string
	Perm   auth.Perm // "" for public routes
	API    bool
}

// Router is the route table. A route is registered as Public, Page or API
// together with the permission it needs, and the guard checks that
// permission before the handler runs: the one place access is decided.
// Region scope is then applied by every query through area.Scope.
type Router struct {
	mux    *http.ServeMux
	auth   *auth.Service
	routes []Route
}

// NewRouter returns an empty route table.
func NewRouter(a *auth.Service) *Router { return &Router{mux: http.NewServeMux(), auth: a} }

func (rt *Router) add(pattern string, perm auth.Perm, api bool, h http.Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("web: route needs a method: " + pattern)
	}
	if perm != "" && api != strings.HasPrefix(path, "/api/") {
		panic("web: API routes and only API routes live under /api/: " + pattern)
	}
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Perm: perm, API: api})
	rt.mux.Handle(pattern, h)
}

// Public registers a route anyone may use (sign-in page, health check,
// the API's description).
func (rt *Router) Public(pattern string, h http.Handler) {
	rt.add(pattern, "", strings.Contains(pattern, " /api/"), h)
}

// Page registers a web route that needs a signed-in user holding perm.
func (rt *Router) Page(pattern string, perm auth.Perm, h http.HandlerFunc) {
	rt.add(pattern, perm, false, rt.pageGuard(perm, h))
}

// API registers a JSON route under /api/v1/ that needs a client token
// granted perm.
func (rt *Router) API(pattern string, perm auth.Perm, h http.HandlerFunc) {
	rt.add(pattern, perm, true, rt.apiGuard(perm, h))
}

// Routes lists the registered routes, sorted.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := rt.mux.Handler(r)
	if holder, ok := r.Context().Value(routeKey{}).(*string); ok {
		*holder = pattern // for the log line and metrics
	}
	if pattern == "" {
		Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// pagesDuringPasswordChange may be used by someone who must change a
// generated or expired password first.
var pagesDuringPasswordChange = []string{"/account/password", "/logout", "/prefs"}

var pagesDuringSecondFactor = []string{"/login/2fa", "/logout", "/prefs"}

var pagesDuringEnrolment = []string{"/account/2fa", "/account/2fa/enable", "/logout", "/prefs"}

func (rt *Router) pageGuard(perm auth.Perm, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.From(r.Context())
		if p == nil || p.Kind != "user" {
			if r.Method == http.MethodGet {
				Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
				return
			}
			Error(w, r, http.StatusUnauthorized, "error.signin_required")
			return
		}
		// The second factor comes first, then a forced password change,
		// then an administrator's enrolment of two factors.
		if p.SecondFactorPending {
			if !contains(pagesDuringSecondFactor, r.URL.Path) {
				Redirect(w, r, "/login/2fa?next="+url.QueryEscape(r.URL.RequestURI()))
				return
			}
		} else if p.MustChangePassword && !contains(pagesDuringPasswordChange, r.URL.Path) {
			Redirect(w, r, "/account/password")
			return
		} else if !p.MustChangePassword && p.MustEnrolTwoFactor && !contains(pagesDuringEnrolment, r.URL.Path) {
			Redirect(w, r, "/account/2fa")
			return
		}
		if !p.Can(perm) {
			rt.deny(w, r, perm)
			return
		}
		h(w, r)
	})
}

func (rt *Router) apiGuard(perm auth.Perm, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			JSONError(w, r, http.StatusUnauthorized, "unauthorized", "api.error.token_required")
			return
		}
		p, err := rt.auth.ResolveAPIToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			ServerError(w, r, err)
			return
		}
		if p == nil {
			JSONError(w, r, http.StatusUnauthorized, "unauthorized", "api.error.token_invalid")
			return
		}
		ctx := auth.WithPrincipal(r.Context(), p)
		ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "api", IP: ClientIP(r)})
		r = r.WithContext(ctx)
		if !p.Can(perm) {
			rt.deny(w, r, perm)
			return
		}
		if !checkJSON(w, r) {
			return
		}
		h(w, r)
	})
}

// deny records a refused request and answers 403.
func (rt *Router) deny(w http.ResponseWriter, r *http.Request, perm auth.Perm) {
	_ = audit.RecordAlone(r.Context(), rt.auth.DB, audit.Entry{Action: "access.denied", Outcome: audit.Denied,
		Detail: r.Method + " " + r.URL.Path + " needs " + string(perm)})
	Error(w, r, http.StatusForbidden, "error.forbidden")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
