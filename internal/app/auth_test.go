package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

const county = "341599000000"

func TestSignInForcedChangeAndSignOut(t *testing.T) {
	e := apptest.New(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var first string
	if err := e.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		_, first, err = auth.CreateUser(ctx, tx, auth.NewUser{Username: "zhang", DisplayName: "张三", Role: auth.RoleCountyStaff, Department: auth.DeptCertification, ScopeCode: county})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c := e.Anonymous()
	if res := c.Get("/registry"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Fatalf("anonymous /registry: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res := c.PostForm("/login", url.Values{"username": {"zhang"}, "password": {first}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/password" {
		t.Fatalf("generated password must lead to the change page: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.Get("/registry"); res.Header.Get("Location") != "/account/password" {
		t.Fatalf("before changing the password every page leads to the change page, got %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// A weak new password is refused with the rule, naming the field.
	res = c.PostForm("/account/password", url.Values{"current_password": {first}, "new_password": {"abcdefgh"}, "confirm_password": {"abcdefgh"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "至少三类") || !strings.Contains(res.Body, "新密码") {
		t.Fatalf("weak password: %d\n%s", res.StatusCode, res.Body)
	}
	res = c.PostForm("/account/password", url.Values{"current_password": {first}, "new_password": {"Mine#2026x"}, "confirm_password": {"Mine#2026x"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: %d\n%s", res.StatusCode, res.Body)
	}
	if res := c.Get("/"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "张三") {
		t.Fatalf("home after change: %d", res.StatusCode)
	}
	if res := c.PostForm("/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res := c.Get("/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out / must redirect to sign-in, got %d", res.StatusCode)
	}
	rows, err := audit.Search(ctx, e.DB, audit.Filter{Actor: "zhang", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action+"/"+r.Outcome)
	}
	for _, want := range []string{"auth.signin/ok", "user.change_password/ok", "auth.signout/ok"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("liming", auth.RoleCountyStaff, auth.DeptRights, county)
	now := time.Now()
	e.App.Auth.SetClock(func() time.Time { return now })
	c := e.Anonymous()
	for i := 1; i <= 5; i++ {
		res := c.PostForm("/login", url.Values{"username": {"liming"}, "password": {"wrong-" + string(rune('a'+i))}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("try %d: status %d", i, res.StatusCode)
		}
		if i == 5 && !strings.Contains(res.Body, "已被锁定") {
			t.Fatalf("fifth failure must say the account is locked:\n%s", res.Body)
		}
	}
	res := c.PostForm("/login", url.Values{"username": {"liming"}, "password": {apptest.Password}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, "已被锁定") {
		t.Fatalf("right password while locked must be refused: %d", res.StatusCode)
	}
	now = now.Add(16 * time.Minute)
	if res := c.PostForm("/login", url.Values{"username": {"liming"}, "password": {apptest.Password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lock ran out sign-in must work: %d", res.StatusCode)
	}
	rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Action: "auth.signin", Limit: 100})
	var failed, denied, ok int
	for _, r := range rows {
		switch r.Outcome {
		case audit.Failed:
			failed++
		case audit.Denied:
			denied++
		case audit.OK:
			ok++
		}
	}
	if failed != 5 || denied != 1 || ok != 1 {
		t.Fatalf("audit of sign-ins: failed %d denied %d ok %d", failed, denied, ok)
	}
}

func TestIdleSessionExpires(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("wang", auth.RoleLeader, "", county)
	now := time.Now()
	e.App.Auth.SetClock(func() time.Time { return now })
	c := e.SignIn("wang")
	if res := c.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("home: %d", res.StatusCode)
	}
	now = now.Add(29 * time.Minute)
	if res := c.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("29 idle minutes must keep the session: %d", res.StatusCode)
	}
	now = now.Add(31 * time.Minute)
	if res := c.Get("/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("31 idle minutes must end the session: %d", res.StatusCode)
	}
	// Sessions survive a restart: they live in the database.
	c2 := e.SignIn("wang")
	e.Restart()
	if res := c2.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("session lost across restart: %d", res.StatusCode)
	}
}

func TestCSRFAndCrossOriginRefused(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("boss", auth.RoleCountyAdmin, "", county)
	c := e.SignIn("boss")
	form := url.Values{"username": {"x1"}, "display_name": {"X"}, "role": {"leader"}, "scope_code": {county}}
	if res := c.PostFormRaw("/admin/users", form); res.StatusCode != http.StatusForbidden {
		t.Fatalf("post without token: %d", res.StatusCode)
	}
	form.Set("csrf_token", "forged-token-forged-token-forged-token")
	if res := c.PostFormRaw("/admin/users", form); res.StatusCode != http.StatusForbidden {
		t.Fatalf("post with a forged token: %d", res.StatusCode)
	}
	if _, err := auth.GetUserByName(context.Background(), e.DB, "x1"); err == nil {
		t.Fatal("refused post created the account")
	}
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/logout", strings.NewReader("csrf_token="+c.CSRF()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", res.StatusCode)
	}
}

func TestThreeAdministratorsAreSeparate(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("sys", auth.RoleCountyAdmin, "", county)
	e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	e.CreateUser("aud", auth.RoleAuditor, "", county)
	cases := []struct {
		user, path string
		want       int
	}{
		{"sys", "/audit", http.StatusForbidden},
		{"sys", "/admin/users", http.StatusOK},
		{"sys", "/admin/api-clients", http.StatusForbidden},
		{"sec", "/registry", http.StatusForbidden},
		{"sec", "/admin/users", http.StatusForbidden},
		{"sec", "/admin/api-clients", http.StatusOK},
		{"sec", "/admin/security", http.StatusOK},
		{"aud", "/audit", http.StatusOK},
		{"aud", "/audit/verify", http.StatusOK},
		{"aud", "/registry", http.StatusOK},
		{"aud", "/admin/users", http.StatusForbidden},
		{"aud", "/registry/persons/new", http.StatusForbidden},
	}
	clients := map[string]*apptest.Client{}
	for _, c := range cases {
		if clients[c.user] == nil {
			clients[c.user] = e.SignIn(c.user)
		}
		if res := clients[c.user].Get(c.path); res.StatusCode != c.want {
			t.Errorf("%s GET %s = %d, want %d", c.user, c.path, res.StatusCode, c.want)
		}
	}
	// The auditor changes nothing, even by posting directly.
	if res := clients["aud"].PostForm("/admin/users", url.Values{"username": {"evil"}, "display_name": {"E"}, "role": {"county_admin"}, "scope_code": {county}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("auditor creating an account: %d", res.StatusCode)
	}
	rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Action: "access.denied", Limit: 100})
	if len(rows) < 6 {
		t.Errorf("refused requests must be audited, found %d", len(rows))
	}
}
