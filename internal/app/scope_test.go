package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

const (
	townA    = "341599101000" // the township worker's township
	villageA = "341599101001"
	townB    = "341599102000" // another township
	villageB = "341599102001"
)

// idNumber makes a valid ID number of the demo county.
func idNumber(y, m, d, seq int) string {
	return registry.MakeIDNumber("341599", time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), seq, 1+seq%2)
}

func addPerson(t *testing.T, e *apptest.Env, id, name, village string) registry.Person {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.System)
	var p registry.Person
	if err := e.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, area.All(), registry.NewPerson{IDNumber: id, Name: name, VillageCode: village,
			Category: registry.Physical, Grade: registry.Grade2}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// A township worker cannot read another township's resident: not by URL,
// not by search, not through the API with a township-scoped token.
func TestTownshipWorkerSeesOnlyHisTownship(t *testing.T) {
	e := apptest.New(t)
	for _, code := range []string{villageA, villageB} {
		if _, err := area.Get(context.Background(), e.DB, code); err != nil {
			t.Fatalf("demo county lacks %s", code)
		}
	}
	mine := addPerson(t, e, idNumber(1980, 1, 1, 123), "本乡人", villageA)
	other := addPerson(t, e, idNumber(1980, 2, 2, 222), "外乡人", villageB)
	e.CreateUser("town101", auth.RoleTownshipWorker, "", townA)
	c := e.SignIn("town101")

	if res := c.Get("/registry/persons/" + mine.ID); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "本乡人") {
		t.Fatalf("own resident: %d", res.StatusCode)
	}
	res := c.Get("/registry/persons/" + other.ID)
	if res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, "外乡人") || strings.Contains(res.Body, other.IDNumber) {
		t.Fatalf("other township's resident by URL: %d", res.StatusCode)
	}
	for _, q := range []string{"外乡人", other.IDNumber, other.CertificateNo, "外"} {
		// The search box repeats the query; the result list must not hold the person.
		res := c.Get("/registry?q=" + url.QueryEscape(q))
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, other.ID) || strings.Count(res.Body, "外乡人") > strings.Count(q, "外乡人") {
			t.Fatalf("search %q shows the other township's resident", q)
		}
	}
	if res := c.Get("/registry?q=" + url.QueryEscape("本乡")); !strings.Contains(res.Body, mine.ID) {
		t.Fatal("search by name prefix must find the own resident")
	}
	if res := c.Get("/registry?area=" + townB); strings.Contains(res.Body, "外乡人") {
		t.Fatal("asking for the other township by filter shows its resident")
	}
	if res := c.Get("/registry"); !strings.Contains(res.Body, "本乡人") || strings.Contains(res.Body, "外乡人") {
		t.Fatal("the list must hold exactly the own township")
	}
	// A form post cannot place a resident outside the township either.
	res = c.PostForm("/registry/persons", url.Values{"id_number": {idNumber(1990, 3, 3, 333)}, "name": {"越界"}, "village_code": {villageB}, "category": {"1"}, "grade": {"1"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("create outside the township: %d", res.StatusCode)
	}

	token := e.APIClient("乡镇接口", townA, auth.PermRegistryRead)
	if res := e.API("GET", "/api/v1/persons/"+other.ID, token, nil); res.StatusCode != http.StatusNotFound || strings.Contains(res.Body, "外乡人") {
		t.Fatalf("API get of the other township's resident: %d %s", res.StatusCode, res.Body)
	}
	if res := e.API("GET", "/api/v1/persons/"+mine.ID, token, nil); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "本乡人") {
		t.Fatalf("API get own: %d", res.StatusCode)
	}
	for _, q := range []string{"", "?q=" + other.IDNumber, "?area=" + townB, "?q=" + url.QueryEscape("外")} {
		if res := e.API("GET", "/api/v1/persons"+q, token, nil); res.StatusCode != http.StatusOK || strings.Contains(res.Body, "外乡人") {
			t.Fatalf("API list %q: %d %s", q, res.StatusCode, res.Body)
		}
	}
	// The county staff sees both.
	e.CreateUser("county", auth.RoleCountyStaff, auth.DeptCertification, county)
	if res := e.SignIn("county").Get("/registry"); !strings.Contains(res.Body, "本乡人") || !strings.Contains(res.Body, "外乡人") {
		t.Fatal("county staff must see every township")
	}
}

// Every write the interface allows leaves an audit entry with who, from
// where, and what changed; the auditor finds them in the audit page.
func TestAuditShowsEveryWrite(t *testing.T) {
	e := apptest.New(t)
	e.CreateUser("boss", auth.RoleCountyAdmin, "", county)
	e.CreateUser("sec", auth.RoleSecurityAdmin, "", county)
	e.CreateUser("aud", auth.RoleAuditor, "", county)
	boss := e.SignIn("boss")
	sec := e.SignIn("sec")

	steps := []struct {
		action string
		do     func() apptest.Response
	}{
		{"user.create", func() apptest.Response {
			return boss.PostForm("/admin/users", url.Values{"username": {"worker1"}, "display_name": {"王五"}, "role": {"township_worker"}, "scope_code": {townA}})
		}},
		{"person.create", func() apptest.Response {
			return boss.PostForm("/registry/persons", url.Values{"id_number": {"11010519491231002X"}, "name": {"李四"}, "village_code": {villageA}, "category": {"4"}, "grade": {"2"}})
		}},
		{"api_client.create", func() apptest.Response {
			return sec.PostForm("/admin/api-clients", url.Values{"name": {"残联脚本"}, "scope_code": {county}, "perms": {"registry.read", "registry.write"}})
		}},
		{"area.import", func() apptest.Response {
			return apptest.Response{StatusCode: http.StatusOK} // done by apptest.New through the same function
		}},
	}
	for _, s := range steps {
		if res := s.do(); res.StatusCode >= 400 {
			t.Fatalf("%s: status %d\n%s", s.action, res.StatusCode, res.Body)
		}
	}
	w, err := auth.GetUserByName(context.Background(), e.DB, "worker1")
	if err != nil {
		t.Fatal(err)
	}
	// The security administrator gives the new account its role (三员分立).
	if res := sec.PostForm("/admin/roles/"+w.ID, url.Values{"role": {"township_worker"}, "scope_code": {townA}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign role: %d", res.StatusCode)
	}
	if res := boss.PostForm("/admin/users/"+w.ID+"/reset", url.Values{}); res.StatusCode != http.StatusOK {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if res := boss.PostForm("/admin/users/"+w.ID+"/disable", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	token := e.APIClient("测试脚本", county, auth.PermRegistryWrite)
	if res := e.API("POST", "/api/v1/persons", token, map[string]any{"id_number": idNumber(2000, 1, 1, 11), "name": "赵六", "village_code": villageB, "category": 1, "grade": 3}); res.StatusCode != http.StatusCreated {
		t.Fatalf("API create: %d %s", res.StatusCode, res.Body)
	}

	// Every write of this test, in the log.
	rows, err := audit.Search(context.Background(), e.DB, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	byAction := map[string]audit.Row{}
	for _, r := range rows {
		if _, seen := byAction[r.Action]; !seen {
			byAction[r.Action] = r
		}
	}
	for _, want := range []string{"area.import", "user.create", "user.assign_role", "user.change_password", "auth.signin", "person.create", "api_client.create", "user.reset_password", "user.disable"} {
		if _, ok := byAction[want]; !ok {
			t.Errorf("audit lacks %s", want)
		}
	}
	pc := byAction["person.create"]
	if pc.ActorName != "测试脚本" || pc.ActorKind != "api" || !strings.Contains(pc.After, "赵六") {
		t.Errorf("API person.create entry: %+v", pc)
	}
	var formCreate audit.Row
	for _, r := range rows {
		if r.Action == "person.create" && r.ActorName == "boss" {
			formCreate = r
		}
	}
	if formCreate.IP != "127.0.0.1" || !strings.Contains(formCreate.After, "李四") {
		t.Errorf("form person.create entry: %+v", formCreate)
	}
	dis := byAction["user.disable"]
	if !strings.Contains(dis.Before, `"disabled":false`) || !strings.Contains(dis.After, `"disabled":true`) {
		t.Errorf("disable entry must show before and after: %+v", dis)
	}
	// No entry ever holds a password hash.
	for _, r := range rows {
		if strings.Contains(r.Before+r.After, "argon2id") {
			t.Fatalf("audit entry %d holds a password hash", r.Seq)
		}
	}
	// The auditor sees them on the audit page, and the chain is intact.
	aud := e.SignIn("aud")
	page := aud.Get("/audit?action=person.")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "李四") || !strings.Contains(page.Body, "赵六") {
		t.Fatalf("audit page: %d", page.StatusCode)
	}
	if v := aud.Get("/audit/verify"); !strings.Contains(v.Body, "哈希链完整") {
		t.Fatal("chain must verify")
	}
}
