package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Ten failed sign-ins a minute from one address, then 429 with a Chinese
// message, even for the right password; successes do not count.
func TestSignInRateLimit(t *testing.T) {
	e := apptest.NewRateLimited(t)
	e.CreateUser("staff", auth.RoleCountyStaff, auth.DeptCertification, "341599000000")
	c := e.Anonymous()
	for range 15 {
		// Successful sign-ins from the office address are not limited.
		if res := c.PostForm("/login", url.Values{"username": {"staff"}, "password": {apptest.Password}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("good sign-in: %d", res.StatusCode)
		}
		c = e.Anonymous()
	}
	limit := web.DefaultRateLimits.SignInPerIP
	for i := range limit {
		// Different names, so the per-name budget is not what stops them.
		res := c.PostForm("/login", url.Values{"username": {"guess" + string(rune('a'+i))}, "password": {"wrong"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, res.StatusCode)
		}
	}
	res := c.PostForm("/login", url.Values{"username": {"staff"}, "password": {apptest.Password}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, "请求过于频繁") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d %s", limit, res.StatusCode, res.Header.Get("Retry-After"))
	}
	rows, err := audit.Search(context.Background(), e.DB, audit.Filter{Action: "access.rate_limited"})
	if err != nil || len(rows) != 1 || rows[0].Outcome != audit.Denied {
		t.Fatalf("refusal audited once: %v %v", rows, err)
	}
	c.PostForm("/login", url.Values{"username": {"staff"}, "password": {apptest.Password}})
	if rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Action: "access.rate_limited"}); len(rows) != 1 {
		t.Fatalf("a flood must not flood the log: %d entries", len(rows))
	}
}

// An API token gets its per-minute budget, then 429 as the JSON error.
func TestAPIRateLimit(t *testing.T) {
	e := apptest.NewRateLimited(t)
	token := e.APIClient("民政局", "341599000000", auth.PermRegistryRead)
	other := e.APIClient("医保局", "341599000000", auth.PermRegistryRead)
	// The bucket refills as the calls run (10 a second at 600 a minute),
	// so the refusal comes at the limit or a little after, never before.
	limit := web.DefaultRateLimits.APIPerToken
	var res apptest.Response
	calls := 0
	for calls < 2*limit {
		res = e.API("GET", "/api/v1/me", token, nil)
		if res.StatusCode != http.StatusOK {
			break
		}
		calls++
	}
	if calls < limit || res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, `"code": "too_many_requests"`) || !strings.Contains(res.Body, "请求过于频繁") {
		t.Fatalf("after %d calls: %d %s", calls, res.StatusCode, res.Body)
	}
	if res := e.API("GET", "/api/v1/me", other, nil); res.StatusCode != http.StatusOK {
		t.Fatalf("another token is not limited: %d", res.StatusCode)
	}
}

// The per-name budget holds for a name whatever the address, and covers
// names that have no account (which lockout cannot). The code step of two
// factors counts against the same name.
func TestSignInRateLimitPerName(t *testing.T) {
	web.Limits = web.RateLimits{SignInPerUser: 3}
	defer func() { web.Limits = web.DefaultRateLimits }()
	e := apptest.NewRateLimited(t)
	c := e.Anonymous()
	for range 3 {
		if res := c.PostForm("/login", url.Values{"username": {"ghost"}, "password": {"x"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure: %d", res.StatusCode)
		}
	}
	if res := c.PostForm("/login", url.Values{"username": {"Ghost "}, "password": {"x"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fourth failure for the name: %d", res.StatusCode)
	}
	if res := c.PostForm("/login", url.Values{"username": {"other"}, "password": {"x"}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another name: %d", res.StatusCode)
	}
	e.CreateUser("sec", auth.RoleSecurityAdmin, "", "*")
	c = e.Anonymous()
	if res := c.PostForm("/login", url.Values{"username": {"sec"}, "password": {apptest.Password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("password step: %d", res.StatusCode)
	}
	for range 3 {
		c.PostForm("/login/2fa", url.Values{"code": {"000000"}})
	}
	if res := c.PostForm("/login/2fa", url.Values{"code": {e.SecondFactor("sec")}}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("code step after three wrong codes: %d", res.StatusCode)
	}
}
