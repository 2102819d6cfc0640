package app_test

import (
	"context"
	"html"
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
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "至少 3 类") || !strings.Contains(res.Body, "新密码") {
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
		{"sys", "/audit/export", http.StatusForbidden},
		{"sys", "/audit/retention", http.StatusForbidden},
		{"sys", "/admin/users", http.StatusOK},
		{"sys", "/admin/roles", http.StatusForbidden},
		{"sys", "/admin/api-clients", http.StatusForbidden},
		{"sys", "/admin/security", http.StatusForbidden},
		{"sec", "/registry", http.StatusForbidden},
		{"sec", "/admin/users", http.StatusForbidden},
		{"sec", "/admin/roles", http.StatusOK},
		{"sec", "/admin/api-clients", http.StatusOK},
		{"sec", "/admin/security", http.StatusOK},
		{"sec", "/audit", http.StatusForbidden},
		{"aud", "/audit", http.StatusOK},
		{"aud", "/audit/verify", http.StatusOK},
		{"aud", "/audit/export", http.StatusOK},
		{"aud", "/audit/retention", http.StatusOK},
		{"aud", "/registry", http.StatusForbidden}, // the audit log and nothing else
		{"aud", "/reports", http.StatusForbidden},
		{"aud", "/certify", http.StatusForbidden},
		{"aud", "/admin/users", http.StatusForbidden},
		{"aud", "/admin/roles", http.StatusForbidden},
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
}

// The system administrator creates an account without a role; it cannot
// sign in until the security administrator gives it one. Neither may give
// himself a role, and an administrator account never becomes another kind
// of administrator, on the web form and on the command line alike.
func TestAccountRoleIsGivenBySecurityAdmin(t *testing.T) {
	e := apptest.New(t)
	sysU := e.CreateUser("sys", auth.RoleCountyAdmin, "", county)
	secU := e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	audU := e.CreateUser("aud", auth.RoleAuditor, "", county)
	sys, sec := e.SignIn("sys"), e.SignIn("sec")

	// A role sent with the form is ignored: the account waits for one.
	res := sys.PostForm("/admin/users", url.Values{"username": {"newbie"}, "display_name": {"新人"}, "role": {"county_admin"}, "scope_code": {"*"}})
	m := regexp.MustCompile(`<span class="secret">([^<]+)</span>`).FindStringSubmatch(res.Body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("create: %d", res.StatusCode)
	}
	pw := html.UnescapeString(m[1])
	u, err := auth.GetUserByName(context.Background(), e.DB, "newbie")
	if err != nil || u.Role != auth.RolePending || u.ScopeCode != county {
		t.Fatalf("new account: %+v %v", u, err)
	}
	login := e.Anonymous().PostForm("/login", url.Values{"username": {"newbie"}, "password": {pw}})
	if login.StatusCode == http.StatusSeeOther || !strings.Contains(login.Body, "尚未分配角色") {
		t.Fatalf("an account without a role signed in: %d", login.StatusCode)
	}
	// The system administrator cannot give roles, not even by posting.
	if res := sys.PostForm("/admin/roles/"+u.ID, url.Values{"role": {"leader"}, "scope_code": {county}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("system admin assigning a role: %d", res.StatusCode)
	}
	if res := sec.Get("/admin/roles"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "newbie") || !strings.Contains(res.Body, "待分配") {
		t.Fatalf("roles page: %d", res.StatusCode)
	}
	if res := sec.Get("/admin/roles/" + u.ID); res.StatusCode != http.StatusOK {
		t.Fatalf("role form: %d", res.StatusCode)
	}

	cases := []struct {
		name, user, role, dept, scope string
		want                          int
		says                          string
	}{
		{"himself", secU.ID, "county_admin", "", county, http.StatusUnprocessableEntity, "不能修改自己的角色"},
		{"security admin to auditor", secU.ID, "auditor", "", county, http.StatusUnprocessableEntity, "不能修改自己的角色"},
		{"system admin to auditor", sysU.ID, "auditor", "", county, http.StatusUnprocessableEntity, "不能改任另一种管理员"},
		{"auditor to security admin", audU.ID, "security_admin", "", county, http.StatusUnprocessableEntity, "不能改任另一种管理员"},
		{"unknown role", u.ID, "superuser", "", county, http.StatusUnprocessableEntity, "请选择一项"},
		{"staff without a department", u.ID, "county_staff", "", county, http.StatusUnprocessableEntity, "科室"},
		{"village worker over a township", u.ID, "village_worker", "", townA, http.StatusUnprocessableEntity, "管辖区域"},
		{"township worker", u.ID, "township_worker", "", townA, http.StatusSeeOther, ""},
	}
	for _, c := range cases {
		res := sec.PostForm("/admin/roles/"+c.user, url.Values{"role": {c.role}, "department": {c.dept}, "scope_code": {c.scope}})
		if res.StatusCode != c.want || !strings.Contains(res.Body, c.says) {
			t.Errorf("%s: %d, want %d saying %q", c.name, res.StatusCode, c.want, c.says)
		}
		if c.want == http.StatusUnprocessableEntity && !strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Errorf("%s: the error is not beside the field", c.name)
		}
	}
	if got, _ := auth.GetUserByName(context.Background(), e.DB, "newbie"); got.Role != auth.RoleTownshipWorker || got.ScopeCode != townA {
		t.Fatalf("after assignment: %+v", got)
	}
	for _, who := range []auth.User{sysU, secU, audU} {
		if got, _ := auth.GetUser(context.Background(), e.DB, who.ID); got.Role != who.Role {
			t.Errorf("%s became %s", who.Username, got.Role)
		}
	}
	login = e.Anonymous().PostForm("/login", url.Values{"username": {"newbie"}, "password": {pw}})
	if login.StatusCode != http.StatusSeeOther || login.Header.Get("Location") != "/account/password" {
		t.Fatalf("with a role the account signs in: %d %s", login.StatusCode, login.Header.Get("Location"))
	}
	if rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Action: "user.assign_role"}); len(rows) != 1 || rows[0].ActorName != "sec" || !strings.Contains(rows[0].After, "township_worker") {
		t.Fatalf("assignment audited: %+v", rows)
	}
	// An API client never gets an administrator's permission.
	if res := sec.PostForm("/admin/api-clients", url.Values{"name": {"偷看"}, "scope_code": {county}, "perms": {"audit.read"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "管理员权限") {
		t.Errorf("API client with audit.read: %d", res.StatusCode)
	}
}

// The audit administrator's retention page: the setting refuses fewer than
// 6 months beside the field, a prune inside the retention is refused, a
// prune with nothing old says so, and the export is a CSV of the entries
// with formulas defused; the export is itself audited.
func TestAuditRetentionAndExportPages(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("aud", auth.RoleAuditor, "", county)
	aud := e.SignIn("aud")
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "x", Name: "=HYPERLINK(1)", Kind: "user"})
	if err := audit.RecordAlone(ctx, e.DB, audit.Entry{Action: "test.formula", Detail: "+cmd"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		form       url.Values
		want       int
		says       string
	}{
		{"retention under 6 months", "/audit/retention", url.Values{"months": {"5"}}, http.StatusUnprocessableEntity, "不少于 6 个月"},
		{"retention not a number", "/audit/retention", url.Values{"months": {"半年"}}, http.StatusUnprocessableEntity, "审计日志保留期"},
		{"retention of a year", "/audit/retention", url.Values{"months": {"12"}}, http.StatusSeeOther, ""},
		{"prune inside the retention", "/audit/prune", url.Values{"before": {time.Now().Format("2006-01-02")}}, http.StatusUnprocessableEntity, "保留期为 12 个月"},
		{"prune, nothing old", "/audit/prune", url.Values{}, http.StatusOK, "没有超过保留期的记录"},
	}
	for _, c := range cases {
		res := aud.PostForm(c.path, c.form)
		if res.StatusCode != c.want || !strings.Contains(res.Body, c.says) {
			t.Errorf("%s: %d, want %d saying %q", c.name, res.StatusCode, c.want, c.says)
		}
		if c.want == http.StatusUnprocessableEntity && !strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Errorf("%s: the error is not beside the field", c.name)
		}
	}
	if m, _ := audit.RetentionMonths(context.Background(), e.DB); m != 12 {
		t.Fatalf("retention: %d", m)
	}
	if page := aud.Get("/audit/retention"); page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "当前保留期：12 个月") {
		t.Fatalf("retention page: %d", page.StatusCode)
	}
	res := aud.Get("/audit/export?action=test.")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(res.Body, "seq,at,actor_id") || !strings.Contains(res.Body, "'=HYPERLINK(1)") || !strings.Contains(res.Body, "'+cmd") || strings.Contains(res.Body, "audit.retention") {
		t.Fatalf("export body:\n%s", res.Body)
	}
	if rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Action: "audit.export"}); len(rows) != 1 || rows[0].ActorName != "aud" {
		t.Fatalf("export not audited: %+v", rows)
	}
}

// The sign-in rules are settings of the security administrator with the
// RULES.md §9 figures as defaults, refused when weaker, in force at once
// and audited.
func TestSignInRulesAreSettings(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	e.CreateUser("worker", auth.RoleLeader, "", county)
	sec := e.SignIn("sec")
	if p := e.App.Auth.Policy(); p.LockAfter != 5 || p.LockFor != 15*time.Minute || p.IdleTimeout != 30*time.Minute || p.PasswordMaxAge != 90*24*time.Hour {
		t.Fatalf("defaults: %+v", p)
	}
	good := url.Values{"password_max_age_days": {"60"}, "lock_after": {"3"}, "lock_minutes": {"30"}, "idle_minutes": {"10"},
		"password_min_length": {"12"}, "password_classes": {"4"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range good {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}
	cases := []struct {
		name string
		form url.Values
		want int
		says string
	}{
		{"more tries than 5", with("lock_after", "6"), http.StatusUnprocessableEntity, "连续输错几次锁定"},
		{"shorter lock than 15 minutes", with("lock_minutes", "5"), http.StatusUnprocessableEntity, "15 到 1440"},
		{"longer idle than 30 minutes", with("idle_minutes", "31"), http.StatusUnprocessableEntity, "空闲多久自动退出"},
		{"passwords for longer than 90 days", with("password_max_age_days", "365"), http.StatusUnprocessableEntity, "密码有效期"},
		{"passwords shorter than 8", with("password_min_length", "6"), http.StatusUnprocessableEntity, "密码最短位数"},
		{"fewer than 3 kinds of characters", with("password_classes", "2"), http.StatusUnprocessableEntity, "须为 3 到 4 之间的整数"},
		{"not a number", with("lock_after", "三"), http.StatusUnprocessableEntity, "须为 1 到 5 之间的整数"},
		{"stricter", good, http.StatusSeeOther, ""},
	}
	for _, c := range cases {
		res := sec.PostForm("/admin/security/policy", c.form)
		if res.StatusCode != c.want || !strings.Contains(res.Body, c.says) {
			t.Errorf("%s: %d, want %d saying %q", c.name, res.StatusCode, c.want, c.says)
		}
		if c.want == http.StatusUnprocessableEntity {
			if !strings.Contains(res.Body, `aria-invalid="true"`) {
				t.Errorf("%s: the error is not beside the field", c.name)
			}
			if p := e.App.Auth.Policy(); p.LockAfter != 5 {
				t.Fatalf("%s: a refused form changed the rules: %+v", c.name, p)
			}
		}
	}
	p := e.App.Auth.Policy()
	if p.LockAfter != 3 || p.LockFor != 30*time.Minute || p.IdleTimeout != 10*time.Minute || p.PasswordMaxAge != 60*24*time.Hour {
		t.Fatalf("rules after saving: %+v", p)
	}
	if p.PasswordMinLength != 12 || p.PasswordClasses != 4 {
		t.Fatalf("password rules after saving: %+v", p)
	}
	// In force for a new password, and said on the form.
	if page := sec.Get("/account/password"); !strings.Contains(page.Body, "至少 12 位") || !strings.Contains(page.Body, "至少 4 类") || !strings.Contains(page.Body, `minlength="12"`) {
		t.Errorf("the password form does not say the rules in force:\n%.2000s", page.Body)
	}
	for pw, says := range map[string]string{"Abcdefg1#xy": "至少需要 12 位", "Abcdefg1xyzw": "至少 4 类"} {
		res := sec.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "new_password": {pw}, "confirm_password": {pw}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, says) {
			t.Errorf("new password %q: %d, want 422 saying %q", pw, res.StatusCode, says)
		}
	}
	// In force: the third wrong password locks for 30 minutes.
	var last apptest.Response
	for range 3 {
		last = e.Anonymous().PostForm("/login", url.Values{"username": {"worker"}, "password": {"Wrong#pass2026"}})
	}
	if !strings.Contains(last.Body, "锁定 30 分钟") {
		t.Fatalf("lockout after 3 tries: %d", last.StatusCode)
	}
	// And a restarted server reads them from the database.
	if p := auth.NewService(e.DB).Policy(); p.IdleTimeout != 10*time.Minute {
		t.Fatalf("stored rules: %+v", p)
	}
	if rows, _ := audit.Search(context.Background(), e.DB, audit.Filter{Action: auth.ActionPolicy}); len(rows) != 1 || !strings.Contains(rows[0].After, `"lock_after":"3"`) || !strings.Contains(rows[0].Before, `"lock_after":"5"`) {
		t.Fatalf("change not audited: %+v", rows)
	}
}
