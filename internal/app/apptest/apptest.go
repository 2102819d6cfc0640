// Package apptest starts a whole Yangguang for tests: a fresh database
// (SQLite, or PostgreSQL under YANGGUANG_TEST_DB=postgres) with the demo
// county's areas, the real handler behind an httptest server, and HTTP
// clients that sign in like a browser does (cookies, CSRF token).
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Env is a running test system.
type Env struct {
	T      testing.TB
	DB     *store.DB
	App    *app.App
	Server *httptest.Server

	mu sync.Mutex
	// recovery holds unused recovery codes of accounts with two factors,
	// which sign-ins spend as their second factor (a TOTP code is good
	// only once per 30 seconds; tests sign in more often than that).
	recovery map[string][]string
	limits   web.RateLimits // the rate limits the server was built with
}

// CountyCSV is the demo county's area file, for tests that need areas.
func CountyCSV(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(repoFile("internal/demo/demo-county.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func repoFile(rel string) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(dir + "/go.mod"); err == nil {
			return dir + "/" + rel
		}
		parent := dir[:max(strings.LastIndex(dir, "/"), 0)]
		if parent == "" || parent == dir {
			return rel
		}
		dir = parent
	}
}

// New starts a system with the demo county's areas and no accounts.
func New(t testing.TB) *Env {
	t.Helper()
	// Every test client signs in from 127.0.0.1, and the suites fail
	// sign-ins on purpose many times a minute: the per-address budget of
	// failed sign-ins is off on the test server (the per-name and API
	// budgets stay; NewRateLimited keeps them all).
	l := web.Limits
	l.SignInPerIP = 0
	return newEnv(t, l)
}

// NewRateLimited starts a system with every rate limit of web.Limits (the
// served defaults unless the test set others), for the tests of the
// limits themselves.
func NewRateLimited(t testing.TB) *Env {
	t.Helper()
	return newEnv(t, web.Limits)
}

func newEnv(t testing.TB, limits web.RateLimits) *Env {
	t.Helper()
	ctx := context.Background()
	db, err := app.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := area.Import(audit.WithActor(ctx, audit.System), db, bytes.NewReader(CountyCSV(t))); err != nil {
		t.Fatal(err)
	}
	saved := web.Limits
	web.Limits = limits
	a := app.New(db)
	web.Limits = saved
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &Env{T: t, DB: db, App: a, Server: srv, limits: limits}
}

// Password is the password of accounts made by CreateUser.
const Password = "Test#pass2026"

// CreateUser adds an account that has already chosen its password (no
// forced change) and returns it.
func (e *Env) CreateUser(username string, role auth.Role, dept auth.Department, scope string) auth.User {
	e.T.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	var u auth.User
	err := e.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		u, _, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: username, DisplayName: "测试" + username, Role: role, Department: dept, ScopeCode: scope, Password: "First#pass2026"})
		if err != nil {
			return err
		}
		return auth.ChangePassword(ctx, tx, u.ID, "First#pass2026", Password)
	})
	if err != nil {
		e.T.Fatal(err)
	}
	if e.App.Auth.Policy().AdminTwoFactor && role.Admin() {
		e.EnrolTwoFactor(u)
	}
	return u
}

// EnrolTwoFactor switches two factors on for u as its enrolment page does,
// with a code from the secret, and keeps its recovery codes for sign-ins.
// Administrators made by CreateUser are enrolled already.
func (e *Env) EnrolTwoFactor(u auth.User) (secret string) {
	e.T.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: u.ID, Name: u.Username, Kind: "user"})
	en, err := e.App.Auth.BeginTwoFactor(ctx, u.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	codes, err := e.App.Auth.EnableTwoFactor(ctx, u.ID, auth.TOTPCode(en.Secret, e.App.Auth.Now()))
	if err != nil {
		e.T.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.recovery == nil {
		e.recovery = map[string][]string{}
	}
	e.recovery[u.Username] = codes
	return en.Secret
}

// SecondFactor returns a code that completes the sign-in of username: one
// of its recovery codes, made anew when they run out.
func (e *Env) SecondFactor(username string) string {
	e.T.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.recovery[username]) == 0 {
		u, err := auth.GetUserByName(context.Background(), e.DB, username)
		if err != nil {
			e.T.Fatal(err)
		}
		ctx := audit.WithActor(context.Background(), audit.Actor{ID: u.ID, Name: u.Username, Kind: "user"})
		codes, err := e.App.Auth.NewRecoveryCodes(ctx, u.ID)
		if err != nil {
			e.T.Fatal(err)
		}
		e.recovery[username] = codes
	}
	code := e.recovery[username][0]
	e.recovery[username] = e.recovery[username][1:]
	return code
}

// Client is a browser-like HTTP client.
type Client struct {
	e    *Env
	HTTP *http.Client
}

// Anonymous returns a client that has not signed in.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{e: e, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// SignIn returns a client signed in as username with Password.
func (e *Env) SignIn(username string) *Client {
	e.T.Helper()
	c := e.Anonymous()
	res := c.PostForm("/login", url.Values{"username": {username}, "password": {Password}})
	if res.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("sign-in of %s: status %d\n%s", username, res.StatusCode, res.Body)
	}
	if strings.HasPrefix(res.Header.Get("Location"), "/login/2fa") {
		res = c.PostForm("/login/2fa", url.Values{"code": {e.SecondFactor(username)}})
		if res.StatusCode != http.StatusSeeOther {
			e.T.Fatalf("second factor of %s: status %d\n%s", username, res.StatusCode, res.Body)
		}
	}
	return c
}

// Response is a read response.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

func (c *Client) do(req *http.Request) Response {
	c.e.T.Helper()
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Get fetches path.
func (c *Client) Get(path string) Response {
	c.e.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.Server.URL+path, nil)
	return c.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF returns the client's CSRF token, fetching a page to get one.
func (c *Client) CSRF() string {
	c.e.T.Helper()
	u, _ := url.Parse(c.e.Server.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "yg_csrf" {
			return ck.Value
		}
	}
	m := csrfField.FindStringSubmatch(c.Get("/login").Body)
	if m == nil {
		c.e.T.Fatal("no CSRF token on the sign-in page")
	}
	return m[1]
}

// PostForm posts a form with the CSRF token, like a browser.
func (c *Client) PostForm(path string, form url.Values) Response {
	c.e.T.Helper()
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.CSRF())
	}
	return c.PostFormRaw(path, form)
}

// PostFormRaw posts a form as given (no CSRF token added).
func (c *Client) PostFormRaw(path string, form url.Values) Response {
	c.e.T.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// APIClient creates an API client with perms in scope and returns its token.
func (e *Env) APIClient(name, scope string, perms ...auth.Perm) string {
	e.T.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	var token string
	if err := e.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(ctx, tx, name, scope, perms)
		return err
	}); err != nil {
		e.T.Fatal(err)
	}
	return token
}

// API calls the JSON API with a token; body (if not nil) is sent as JSON.
func (e *Env) API(method, path, token string, body any) Response {
	e.T.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.Server.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return (&Client{e: e, HTTP: http.DefaultClient}).do(req)
}

// Restart replaces the running application with a new one on the same
// database, as a server restart would; clients keep their cookies.
func (e *Env) Restart() {
	e.Server.Close()
	saved := web.Limits
	web.Limits = e.limits // as when the Env started
	e.App = app.New(e.DB)
	web.Limits = saved
	e.Server = httptest.NewServer(e.App.Handler)
	e.T.Cleanup(e.Server.Close)
}
