package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/api"
	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Every route but a short, reviewed list needs a permission.
func TestEveryRouteIsGuarded(t *testing.T) {
	e := apptest.New(t)
	public := []string{"GET /api/v1/openapi.json", "GET /healthz", "GET /login", "GET /metrics", "GET /static/", "POST /login", "POST /prefs"}
	var gotPublic []string
	for _, r := range e.App.Router.Routes() {
		if r.Perm == "" {
			gotPublic = append(gotPublic, r.Method+" "+r.Path)
		} else if !slices.Contains(append(auth.Perms, auth.PermSignedIn), r.Perm) {
			t.Errorf("%s %s needs unknown permission %q", r.Method, r.Path, r.Perm)
		}
	}
	sort.Strings(gotPublic)
	if strings.Join(gotPublic, "\n") != strings.Join(public, "\n") {
		t.Fatalf("public routes changed:\n%s\nwant:\n%s", strings.Join(gotPublic, "\n"), strings.Join(public, "\n"))
	}
	// And the guard really runs: anonymous requests to guarded pages are
	// sent to sign in, API calls without a token get 401.
	anon := e.Anonymous()
	for _, r := range e.App.Router.Routes() {
		if r.Perm == "" || r.Method != http.MethodGet {
			continue
		}
		path := strings.ReplaceAll(strings.ReplaceAll(r.Path, "{id}", "00000000-0000-0000-0000-000000000000"), "{$}", "")
		if r.API {
			if res := e.API("GET", path, "", nil); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s without token = %d", path, res.StatusCode)
			}
		} else if res := anon.Get(path); res.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous GET %s = %d", path, res.StatusCode)
		}
	}
}

// The OpenAPI document describes exactly the API routes that exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := apptest.New(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var documented, served []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	for _, r := range e.App.Router.Routes() {
		if strings.HasPrefix(r.Path, "/api/") {
			served = append(served, r.Method+" "+r.Path)
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("OpenAPI and routes differ.\ndocumented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	res := e.API("GET", "/api/v1/openapi.json", "", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"openapi": "3.0.3"`) {
		t.Fatalf("openapi.json: %d", res.StatusCode)
	}
}

func TestAPITokens(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	c := e.SignIn("sec")
	res := c.PostForm("/admin/api-clients", url.Values{"name": {"民政局"}, "scope_code": {"341599101000"}, "perms": {"registry.read"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create client: %d\n%s", res.StatusCode, res.Body)
	}
	i := strings.Index(res.Body, auth.APITokenPrefix)
	if i < 0 {
		t.Fatal("token not shown")
	}
	token := res.Body[i : i+len(auth.APITokenPrefix)+43]
	me := e.API("GET", "/api/v1/me", token, nil)
	if me.StatusCode != http.StatusOK || !strings.Contains(me.Body, `"scope_code": "341599101000"`) || !strings.Contains(me.Body, "registry.read") {
		t.Fatalf("me: %d %s", me.StatusCode, me.Body)
	}
	areas := e.API("GET", "/api/v1/areas", token, nil)
	if strings.Contains(areas.Body, "341599102") || !strings.Contains(areas.Body, "341599101001") {
		t.Fatalf("areas must be limited to the client's township:\n%s", areas.Body)
	}
	// Not granted registry.write: refused, as JSON with a Chinese message.
	post := e.API("POST", "/api/v1/persons", token, map[string]any{"name": "x"})
	if post.StatusCode != http.StatusForbidden || !strings.Contains(post.Body, `"code": "forbidden"`) || !strings.Contains(post.Body, "权限") {
		t.Fatalf("write without permission: %d %s", post.StatusCode, post.Body)
	}
	bad := e.API("GET", "/api/v1/me", "ygk_not-a-token", nil)
	if bad.StatusCode != http.StatusUnauthorized || !strings.Contains(bad.Body, "令牌") {
		t.Fatalf("bad token: %d %s", bad.StatusCode, bad.Body)
	}
	// Revoke: the token stops working.
	list := c.Get("/admin/api-clients")
	j := strings.Index(list.Body, "/admin/api-clients/")
	id := list.Body[j+len("/admin/api-clients/") : j+len("/admin/api-clients/")+36]
	if res := c.PostForm("/admin/api-clients/"+id+"/revoke", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res := e.API("GET", "/api/v1/me", token, nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", res.StatusCode)
	}
}

func TestHealthzMetricsAndErrors(t *testing.T) {
	e := apptest.New(t)
	c := e.Anonymous()
	if res := c.Get("/healthz"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"status": "ok"`) {
		t.Fatalf("healthz: %d %s", res.StatusCode, res.Body)
	}
	c.Get("/login")
	res := c.Get("/metrics")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `yangguang_http_requests_total{code="200",route="GET /login"}`) {
		t.Fatalf("metrics: %d\n%.2000s", res.StatusCode, res.Body)
	}
	if res := c.Get("/no/such/page"); res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, "不存在") || !strings.Contains(res.Body, `<main id="main"`) {
		t.Fatalf("404 page: %d", res.StatusCode)
	}
	if res := e.API("GET", "/api/v1/nothing", "", nil); res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, `"code": "not_found"`) {
		t.Fatalf("API 404 must be JSON: %d %s", res.StatusCode, res.Body)
	}
}

func TestLanguageAndDisplaySwitches(t *testing.T) {
	e := apptest.New(t)
	c := e.Anonymous()
	if res := c.Get("/login"); !strings.Contains(res.Body, `lang="zh-CN"`) || !strings.Contains(res.Body, "登录") {
		t.Fatal("Chinese by default")
	}
	if res := c.PostForm("/prefs", url.Values{"lang": {"en"}, "next": {"/login"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("prefs: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res := c.Get("/login")
	if !strings.Contains(res.Body, `lang="en"`) || !strings.Contains(res.Body, "Sign in") {
		t.Fatal("English after the switch")
	}
	c.PostForm("/prefs", url.Values{"toggle": {"large"}, "next": {"/login"}})
	c.PostForm("/prefs", url.Values{"toggle": {"contrast"}, "next": {"/login"}})
	if res := c.Get("/login"); !strings.Contains(res.Body, `class="large contrast"`) {
		t.Fatal("large text and high contrast must persist")
	}
	// An open redirect is not possible through next.
	if res := c.PostForm("/prefs", url.Values{"lang": {"zh-CN"}, "next": {"//evil.example/"}}); res.Header.Get("Location") != "/" {
		t.Fatalf("next to another site: %s", res.Header.Get("Location"))
	}
}

func TestUnbuiltAreasSaySo(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("staff", auth.RoleCountyStaff, auth.DeptCertification, county)
	c := e.SignIn("staff")
	for _, it := range web.Areas {
		if it.Built {
			continue
		}
		p := it.Href
		res := c.Get(p)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "尚未建成") {
			t.Errorf("%s: %d, must say plainly it is not built", p, res.StatusCode)
		}
	}
	home := c.Get("/")
	for _, nav := range []string{"人口基础数据", "评残办证", "康复与救助", "无障碍改造", "就业与年审", "维权", "活动", "档案", "统计与报告"} {
		if !strings.Contains(home.Body, nav) {
			t.Errorf("navigation lacks %s", nav)
		}
	}
}
