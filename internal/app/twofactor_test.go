package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// newAdminWithout2FA makes a county administrator who has chosen a password
// but not enrolled a second factor.
func newAdminWithout2FA(t *testing.T, e *apptest.Env, username string) auth.User {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	var u auth.User
	if err := e.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, _, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: username, DisplayName: "管理员", Role: auth.RoleCountyAdmin, ScopeCode: county, Password: "First#pass2026"}); err != nil {
			return err
		}
		return auth.ChangePassword(ctx, tx, u.ID, "First#pass2026", apptest.Password)
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

var secretRe = regexp.MustCompile(`<code id="secret">([A-Z2-7 ]+)</code>`)

// An administrator must enrol two factors before anything else, and then
// signs in with password + code; a code works once; recovery codes work
// once; wrong codes lock the account; the security administrator resets a
// lost phone; a non-administrator may switch two factors on and off.
func TestTwoFactor(t *testing.T) {
	e := apptest.New(t)
	newAdminWithout2FA(t, e, "boss")
	now := time.Now()
	e.App.Auth.SetClock(func() time.Time { return now })

	c := e.Anonymous()
	if res := c.PostForm("/login", url.Values{"username": {"boss"}, "password": {apptest.Password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	if res := c.Get("/admin/users"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/2fa" {
		t.Fatalf("an administrator without two factors must enrol first: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	page := c.Get("/account/2fa")
	m := secretRe.FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || m == nil || !strings.Contains(page.Body, `<svg class="qr" role="img"`) {
		t.Fatalf("enrolment page %d:\n%s", page.StatusCode, page.Body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// A wrong code does not switch it on.
	if res := c.PostForm("/account/2fa/enable", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "动态码不正确") {
		t.Fatalf("wrong enrolment code: %d", res.StatusCode)
	}
	res := c.PostForm("/account/2fa/enable", url.Values{"code": {auth.TOTPCode(secret, now)}})
	codes := regexp.MustCompile(`<code>([a-z2-9]{5}-[a-z2-9]{5})</code>`).FindAllStringSubmatch(res.Body, -1)
	if res.StatusCode != http.StatusOK || len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("enable: %d, %d recovery codes\n%s", res.StatusCode, len(codes), res.Body)
	}
	if res := c.Get("/admin/users"); res.StatusCode != http.StatusOK {
		t.Fatalf("after enrolment the admin pages open: %d", res.StatusCode)
	}
	// An administrator may not switch it off.
	if res := c.PostForm("/account/2fa/disable", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("admin switching two factors off: %d", res.StatusCode)
	}

	// Next sign-in: the password leads to the code page, and nothing else opens.
	signIn := func() *apptest.Client {
		c := e.Anonymous()
		res := c.PostForm("/login", url.Values{"username": {"boss"}, "password": {apptest.Password}, "next": {"/admin/users"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/2fa") {
			t.Fatalf("password step: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := c.Get("/admin/users"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/2fa") {
			t.Fatalf("before the code nothing opens: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		return c
	}
	now = now.Add(time.Minute)
	c = signIn()
	code := auth.TOTPCode(secret, now)
	if res := c.PostForm("/login/2fa", url.Values{"code": {code}, "next": {"/admin/users"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/users" {
		t.Fatalf("code step: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.Get("/admin/users"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in with two factors: %d", res.StatusCode)
	}
	// The same code again (replayed) is refused.
	c2 := signIn()
	if res := c2.PostForm("/login/2fa", url.Values{"code": {code}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed code: %d", res.StatusCode)
	}
	// A recovery code works once.
	if res := c2.PostForm("/login/2fa", url.Values{"code": {strings.ToUpper(codes[0][1])}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("recovery code: %d", res.StatusCode)
	}
	c3 := signIn()
	if res := c3.PostForm("/login/2fa", url.Values{"code": {codes[0][1]}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("used recovery code: %d", res.StatusCode)
	}
	// Wrong codes count as failed sign-ins: the fifth locks the account
	// (one failure so far above) and ends the waiting session.
	for i := 0; i < 4; i++ {
		res = c3.PostForm("/login/2fa", url.Values{"code": {"123456"}})
	}
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "已被锁定") {
		t.Fatalf("fifth wrong code: %d\n%s", res.StatusCode, res.Body)
	}
	if res := c3.Get("/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("the waiting session must end with the lock: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	// The security administrator resets a lost phone; the admin enrols again.
	now = now.Add(20 * time.Minute)
	sec := e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	_ = sec
	s := e.SignIn("sec")
	boss, _ := auth.GetUserByName(context.Background(), e.DB, "boss")
	if res := s.PostForm("/admin/security/"+boss.ID+"/reset-2fa", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	c = e.Anonymous()
	if res := c.PostForm("/login", url.Values{"username": {"boss"}, "password": {apptest.Password}}); res.StatusCode != http.StatusSeeOther || strings.HasPrefix(res.Header.Get("Location"), "/login/2fa") {
		t.Fatalf("after the reset the password alone starts the session (to enrol): %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.Get("/"); res.Header.Get("Location") != "/account/2fa" {
		t.Fatalf("after the reset the admin must enrol again: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	// Staff may switch it on and off.
	staff := e.CreateUser("lisi", auth.RoleCountyStaff, auth.DeptCertification, county)
	e.EnrolTwoFactor(staff)
	l := e.SignIn("lisi")
	if res := l.PostForm("/account/2fa/disable", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff switching two factors off: %d", res.StatusCode)
	}
	if u, _ := auth.GetUserByName(context.Background(), e.DB, "lisi"); u.TwoFactor {
		t.Fatal("still on")
	}

	rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Limit: 500})
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Action+"/"+r.Outcome] = true
	}
	for _, want := range []string{"auth.2fa.enable/ok", "auth.2fa.verify/ok", "auth.2fa.verify/failed", "auth.2fa.reset/ok", "auth.2fa.disable/ok"} {
		if !seen[want] {
			t.Errorf("audit lacks %s", want)
		}
	}
}
