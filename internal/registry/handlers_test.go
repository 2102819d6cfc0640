package registry_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// server is the registry behind the real route table and its guards.
type server struct {
	t  *testing.T
	db *store.DB
	rt *web.Router
	// a and b live in townships A and B; the township worker of A signs in.
	a, b registry.Person
}

func newServer(t *testing.T) *server {
	db, ctx := setup(t)
	s := &server{t: t, db: db, rt: web.NewRouter(auth.NewService(db))}
	(&registry.Handler{DB: db}).Routes(s.rt)
	s.a = mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1950, 2, 3, 40, registry.SexMale), Name: "王建国", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade2})
	s.b = mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1951, 4, 5, 50, registry.SexFemale), Name: "王秀兰", VillageCode: villageB,
		Category: registry.Vision, Grade: registry.Grade1})
	return s
}

// page makes a signed-in user's request (the session middleware's work).
func (s *server) page(role auth.Role, scopeCode, method, target string, form url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	p := &auth.Principal{Kind: "user", ID: "u-" + string(role), Name: string(role), DisplayName: "测试", Role: role, Scope: area.ScopeOf(scopeCode)}
	ctx := audit.WithActor(auth.WithPrincipal(req.Context(), p), audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return rec
}

// worker is township A's worker.
func (s *server) worker(method, target string, form url.Values) *httptest.ResponseRecorder {
	return s.page(auth.RoleTownshipWorker, townA, method, target, form)
}

// token creates an API client for scopeCode and returns its token.
func (s *server) token(scopeCode string, perms ...auth.Perm) string {
	var token string
	err := s.db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(context.Background(), tx, "test client", scopeCode, perms)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return token
}

func (s *server) api(token, method, target, body string) (*httptest.ResponseRecorder, map[string]any) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req)
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		s.t.Fatalf("%s %s: not JSON: %s", method, target, rec.Body.String())
	}
	return rec, v
}

var (
	inputID  = regexp.MustCompile(`<(?:input|select|textarea) id="([^"]+)"`)
	thNoScop = regexp.MustCompile(`<th(?: class="[^"]*")?>`)
)

// checkAccessible checks what can be checked without a browser: one h1,
// every input labelled, every header cell scoped.
func checkAccessible(t *testing.T, body string) {
	t.Helper()
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	for _, m := range inputID.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `<label for="`+m[1]+`"`) {
			t.Errorf("input %s has no label", m[1])
		}
	}
	if thNoScop.MatchString(body) {
		t.Error("a table header cell without scope")
	}
}

func TestSearchPageShowsOnlyTheScope(t *testing.T) {
	s := newServer(t)
	rec := s.worker("GET", "/registry", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	checkAccessible(t, body)
	if !strings.Contains(body, s.a.Name) || !strings.Contains(body, s.a.MaskedIDNumber()) {
		t.Error("township A's person is not listed, masked")
	}
	if strings.Contains(body, s.a.IDNumber) {
		t.Error("the list shows a full ID number")
	}
	if strings.Contains(body, s.b.Name) || strings.Contains(body, "桃园镇") || strings.Contains(body, "李庄村") {
		t.Error("the page shows township B's person or areas")
	}
	if !strings.Contains(body, `href="/registry/persons/new"`) {
		t.Error("no link to register a person")
	}
	for _, q := range []string{"q=" + s.b.IDNumber, "q=" + s.b.CertificateNo, "area=" + townB, "q=%E7%8E%8B"} {
		if body := s.worker("GET", "/registry?"+q, nil).Body.String(); strings.Contains(body, s.b.Name) {
			t.Errorf("search %s shows township B's person", q)
		}
	}
	if body := s.page(auth.RoleLeader, townA, "GET", "/registry", nil).Body.String(); strings.Contains(body, `href="/registry/persons/new"`) {
		t.Error("a reader is offered registration")
	}
}

func TestSearchPagePages(t *testing.T) {
	s := newServer(t)
	persons := registry.Demo(randFor(5), testAreas[:4], 120, today) // township A's villages only
	if err := registry.BulkInsert(context.Background(), s.db, persons); err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`<a href="/registry/persons/([0-9a-f-]+)">`)
	next := regexp.MustCompile(`<a href="(/registry\?[^"]+)" rel="next">`)
	seen := map[string]bool{}
	target := "/registry?status=all&area=" + townA // the deceased too
	for pages := 0; target != ""; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		body := s.worker("GET", target, nil).Body.String()
		for _, m := range rows.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("person %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		target = ""
		if m := next.FindStringSubmatch(body); m != nil {
			target = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(target, "area="+townA) {
				t.Errorf("next page %s loses the filter", target)
			}
		}
	}
	if len(seen) != 121 {
		t.Errorf("pages listed %d persons, want 121", len(seen))
	}
}

func TestPersonPage(t *testing.T) {
	s := newServer(t)
	rec := s.worker("GET", "/registry/persons/"+s.a.ID, nil)
	body := strings.ReplaceAll(rec.Body.String(), "<wbr>", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	checkAccessible(t, body)
	for _, want := range []string{s.a.MaskedIDNumber(), s.a.MaskedCertificateNo(), "团结社区", "城关街道", "肢体残疾", "二级", "登记", "tester"} {
		if !strings.Contains(body, want) {
			t.Errorf("person page lacks %q", want)
		}
	}
	// A township worker may not unmask: no button, and the route refuses.
	if strings.Contains(body, s.a.IDNumber) || strings.Contains(body, "/unmask") {
		t.Error("a township worker sees the full ID number or the unmask button")
	}
	if rows, err := audit.Search(context.Background(), s.db, audit.Filter{Action: "person.view", Object: s.a.ID}); err != nil || len(rows) != 1 {
		t.Errorf("the view is not audited: %+v, %v", rows, err)
	}
	for _, id := range []string{s.b.ID, "no-such-person"} {
		if rec := s.worker("GET", "/registry/persons/"+id, nil); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), s.b.Name) {
			t.Errorf("%s: status %d, want 404", id, rec.Code)
		}
	}
}

func TestRegisterForm(t *testing.T) {
	s := newServer(t)
	rec := s.worker("GET", "/registry/persons/new", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	checkAccessible(t, body)
	if !strings.Contains(body, villageA) || !strings.Contains(body, villageC) || strings.Contains(body, villageB) {
		t.Error("the village choice is not township A's villages")
	}

	// Refused: every field's message beside it, the values kept.
	form := url.Values{"id_number": {"11010519491231002"}, "name": {"赵六"}, "village_code": {villageB}, "category": {"4"}, "grade": {""}}
	rec = s.worker("POST", "/registry/persons", form)
	body = rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	checkAccessible(t, body)
	for _, want := range []string{"实际为17位", "不在您的管辖范围内", "请选择一项", `value="11010519491231002"`, `value="赵六"`, `<option value="4" selected>`, `aria-invalid="true"`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form lacks %q", want)
		}
	}

	// A duplicate links to the existing person only when the viewer may
	// open that person.
	form = url.Values{"id_number": {s.a.IDNumber}, "name": {"王建国"}, "village_code": {villageA}, "category": {"4"}, "grade": {"2"}}
	if body := s.worker("POST", "/registry/persons", form).Body.String(); !strings.Contains(body, `href="/registry/persons/`+s.a.ID+`"`) {
		t.Error("no link to the existing person in scope")
	}
	form.Set("id_number", s.b.IDNumber)
	body = s.worker("POST", "/registry/persons", form).Body.String()
	if !strings.Contains(body, "已经登记") || strings.Contains(body, s.b.ID) {
		t.Error("a duplicate outside the scope is not refused, or is linked")
	}

	// Accepted: to the new person's page with the saved message.
	form.Set("id_number", idNumber(1970, 8, 9, 60, registry.SexMale))
	rec = s.worker("POST", "/registry/persons", form)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/registry/persons/") || !strings.HasSuffix(loc, "?ok=flash.saved") {
		t.Fatalf("status %d, location %q", rec.Code, loc)
	}
	if body := strings.ReplaceAll(s.worker("GET", loc, nil).Body.String(), "<wbr>", ""); !strings.Contains(body, "已保存") || !strings.Contains(body, registry.MaskIDNumber(form.Get("id_number"))) {
		t.Error("the new person's page does not show the person and the saved message")
	}
	if rec := s.page(auth.RoleLeader, county, "POST", "/registry/persons", form); rec.Code != http.StatusForbidden {
		t.Errorf("a reader registering: status %d, want 403", rec.Code)
	}
}

func TestAPI(t *testing.T) {
	s := newServer(t)
	token := s.token(townA, auth.PermRegistryRead, auth.PermRegistryWrite)

	ids := func(v map[string]any) []string {
		var out []string
		for _, it := range v["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	rec, v := s.api(token, "GET", "/api/v1/persons", "")
	if rec.Code != http.StatusOK || strings.Join(ids(v), ",") != s.a.ID || v["next_after"] != "" {
		t.Fatalf("list = %d %v", rec.Code, v)
	}
	if item := v["items"].([]any)[0].(map[string]any); item["id_number"] != s.a.MaskedIDNumber() || item["village_code"] != villageA || item["category"] != 4.0 {
		t.Errorf("item = %v", item)
	}
	for _, q := range []string{"q=" + s.b.IDNumber, "area=" + townB, "area=" + villageB, "category=1"} {
		if _, v := s.api(token, "GET", "/api/v1/persons?"+q, ""); len(ids(v)) != 0 {
			t.Errorf("list %s = %v, want nothing from township B", q, ids(v))
		}
	}
	for _, q := range []string{"category=x", "limit=-1", "area=3415"} {
		if rec, _ := s.api(token, "GET", "/api/v1/persons?"+q, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("list %s: status %d, want 400", q, rec.Code)
		}
	}
	if rec, v := s.api(token, "GET", "/api/v1/persons/"+s.a.ID, ""); rec.Code != http.StatusOK || v["name"] != s.a.Name {
		t.Errorf("get = %d %v", rec.Code, v)
	}
	if rec, _ := s.api(token, "GET", "/api/v1/persons/"+s.b.ID, ""); rec.Code != http.StatusNotFound {
		t.Errorf("get outside the scope: status %d, want 404", rec.Code)
	}

	body := `{"id_number":"` + idNumber(1980, 1, 1, 70, registry.SexFemale) + `","name":"刘敏","village_code":"` + villageC + `","category":5,"grade":3}`
	rec, v = s.api(token, "POST", "/api/v1/persons", body)
	if rec.Code != http.StatusCreated || v["certificate_no"] == "" || v["sex"] != 2.0 || rec.Header().Get("Location") != "/api/v1/persons/"+v["id"].(string) {
		t.Fatalf("create = %d %v", rec.Code, v)
	}
	// Pages: limit 1 walks both persons of township A.
	_, v = s.api(token, "GET", "/api/v1/persons?limit=1", "")
	first := ids(v)
	_, v2 := s.api(token, "GET", "/api/v1/persons?limit=1&after="+v["next_after"].(string), "")
	if len(first) != 1 || len(ids(v2)) != 1 || first[0] == ids(v2)[0] || v2["next_after"] != "" {
		t.Errorf("pages %v then %v (next %v)", first, ids(v2), v2["next_after"])
	}

	rec, v = s.api(token, "POST", "/api/v1/persons", `{"id_number":"3.41523E+17","name":"","village_code":"`+villageB+`","category":9,"grade":1}`)
	e, _ := v["error"].(map[string]any)
	if rec.Code != http.StatusUnprocessableEntity || e["code"] != "invalid" {
		t.Fatalf("invalid create = %d %v", rec.Code, v)
	}
	fields := map[string]string{}
	for _, f := range e["fields"].([]any) {
		f := f.(map[string]any)
		fields[f["field"].(string)] = f["message"].(string)
	}
	if fields["id_number"] != registry.ExcelDamageMessage || fields["name"] == "" || fields["village_code"] == "" || fields["category"] == "" || len(fields) != 4 {
		t.Errorf("fields = %v", fields)
	}

	rec, v = s.api(token, "POST", "/api/v1/persons", `{"id_number":"`+s.b.IDNumber+`","name":"王秀兰","village_code":"`+villageA+`","category":1,"grade":1}`)
	if e, _ := v["error"].(map[string]any); rec.Code != http.StatusUnprocessableEntity || e["code"] != "duplicate" || strings.Contains(rec.Body.String(), s.b.ID) {
		t.Errorf("duplicate outside the scope = %d %v", rec.Code, v)
	}
	rec, v = s.api(token, "POST", "/api/v1/persons", `{"id_number":"`+s.a.IDNumber+`","name":"王建国","village_code":"`+villageA+`","category":4,"grade":2}`)
	if e, _ := v["error"].(map[string]any); rec.Code != http.StatusUnprocessableEntity || e["code"] != "duplicate" || !strings.Contains(e["message"].(string), s.a.ID) {
		t.Errorf("duplicate inside the scope = %d %v", rec.Code, v)
	}
	if rec, _ := s.api(token, "POST", "/api/v1/persons", `{"idnumber":"x"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown field: status %d, want 400", rec.Code)
	}
	reader := s.token(townA, auth.PermRegistryRead)
	if rec, _ := s.api(reader, "POST", "/api/v1/persons", body); rec.Code != http.StatusForbidden {
		t.Errorf("a read-only client creating: status %d, want 403", rec.Code)
	}
}

// Masking by role: a county staff member sees masked numbers until she
// asks, and each unmasked view is audited; a township worker cannot ask.
func TestUnmask(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		in := s.a.Input()
		in.Phone = "13812345678"
		var err error
		s.a, err = registry.Update(ctx, tx, area.All(), s.a.ID, registry.UpdatePerson{NewPerson: in, Reason: "补录电话"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	unmaskCount := func() int {
		rows, err := audit.Search(ctx, s.db, audit.Filter{Action: "person.unmask", Object: s.a.ID})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	for _, c := range []struct {
		role   auth.Role
		scope  string
		button bool
	}{
		{auth.RoleCountyStaff, county, true},
		{auth.RoleCountyAdmin, county, true},
		{auth.RoleTownshipWorker, townA, false},
		{auth.RoleVillageWorker, villageA, false},
		{auth.RoleLeader, county, false},
	} {
		body := strings.ReplaceAll(s.page(c.role, c.scope, "GET", "/registry/persons/"+s.a.ID, nil).Body.String(), "<wbr>", "")
		if strings.Contains(body, s.a.IDNumber) || strings.Contains(body, "13812345678") || !strings.Contains(body, "138****5678") {
			t.Errorf("%s: the person page does not mask", c.role)
		}
		if strings.Contains(body, "/unmask") != c.button {
			t.Errorf("%s: unmask button shown %v, want %v", c.role, !c.button, c.button)
		}
		list := s.page(c.role, c.scope, "GET", "/registry", nil).Body.String()
		if strings.Contains(list, s.a.IDNumber) || strings.Contains(list, "13812345678") || !strings.Contains(list, s.a.MaskedIDNumber()) {
			t.Errorf("%s: the list does not mask", c.role)
		}
		before := unmaskCount()
		rec := s.page(c.role, c.scope, "POST", "/registry/persons/"+s.a.ID+"/unmask", url.Values{})
		body = strings.ReplaceAll(rec.Body.String(), "<wbr>", "")
		if c.button {
			if rec.Code != http.StatusOK || !strings.Contains(body, s.a.IDNumber) || !strings.Contains(body, "13812345678") || unmaskCount() != before+1 {
				t.Errorf("%s: unmask status %d, audited %d", c.role, rec.Code, unmaskCount()-before)
			}
			checkAccessible(t, body)
		} else if rec.Code != http.StatusForbidden || unmaskCount() != before {
			t.Errorf("%s: unmask status %d, want 403", c.role, rec.Code)
		}
	}
	// Outside the scope there is nothing to unmask.
	if rec := s.page(auth.RoleCountyStaff, townB, "POST", "/registry/persons/"+s.a.ID+"/unmask", url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("unmask outside the scope: %d", rec.Code)
	}

	// The API: masked for a client without registry.unmask; whole, and
	// audited per request, for one with it.
	plain := s.token(townA, auth.PermRegistryRead)
	full := s.token(townA, auth.PermRegistryRead, auth.PermRegistryUnmask)
	_, v := s.api(plain, "GET", "/api/v1/persons/"+s.a.ID, "")
	if v["id_number"] != s.a.MaskedIDNumber() || v["phone"] != "138****5678" {
		t.Errorf("masked API get = %v", v)
	}
	before := unmaskCount()
	_, v = s.api(full, "GET", "/api/v1/persons/"+s.a.ID, "")
	if v["id_number"] != s.a.IDNumber || v["phone"] != "13812345678" || unmaskCount() != before+1 {
		t.Errorf("unmasked API get = %v, audited %d", v, unmaskCount()-before)
	}
	_, v = s.api(full, "GET", "/api/v1/persons?q="+s.a.IDNumber, "")
	items := v["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id_number"] != s.a.IDNumber {
		t.Errorf("unmasked API list = %v", v)
	}
	if rows, _ := audit.Search(ctx, s.db, audit.Filter{Action: "person.unmask"}); len(rows) < unmaskCount()+1 {
		t.Error("an unmasked list is not audited")
	}
}

// Search → open → edit → timeline, and a stale form refused.
func TestEditAndEventPages(t *testing.T) {
	s := newServer(t)
	rec := s.worker("GET", "/registry/persons/"+s.a.ID+"/edit", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `name="version" value="1"`) || !strings.Contains(body, `value="王建国"`) {
		t.Fatalf("edit form %d", rec.Code)
	}
	checkAccessible(t, body)
	form := url.Values{"version": {"1"}, "name": {"王建国"}, "village_code": {villageC}, "category": {"4"}, "grade": {"2"},
		"phone": {"13812345678"}, "dibao": {"1"}, "education": {"primary"}, "reason": {""}}
	// Without a reason: refused beside the field, nothing written.
	rec = s.worker("POST", "/registry/persons/"+s.a.ID+"/edit", form)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="reason_err"><span class="field-error">`) {
		t.Errorf("edit without reason: %d", rec.Code)
	}
	form.Set("reason", "迁居陈楼村")
	rec = s.worker("POST", "/registry/persons/"+s.a.ID+"/edit", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", rec.Code, rec.Body.String())
	}
	// The same form again is stale: a clear message, nothing written.
	form.Set("name", "王建军")
	rec = s.worker("POST", "/registry/persons/"+s.a.ID+"/edit", form)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "已被他人修改") {
		t.Errorf("stale edit: %d", rec.Code)
	}
	// An event: died, from the event form.
	rec = s.worker("GET", "/registry/persons/"+s.a.ID+"/event?kind=died", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="version" value="2"`) {
		t.Fatalf("event form %d", rec.Code)
	}
	checkAccessible(t, rec.Body.String())
	checkAccessible(t, s.worker("GET", "/registry/persons/"+s.a.ID+"/event", nil).Body.String())
	rec = s.worker("POST", "/registry/persons/"+s.a.ID+"/events", url.Values{"kind": {"died"}, "version": {"2"}, "effective_date": {"2026-11-01"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
		t.Errorf("died without source: %d", rec.Code)
	}
	rec = s.worker("POST", "/registry/persons/"+s.a.ID+"/events", url.Values{"kind": {"died"}, "version": {"2"}, "effective_date": {"2026-11-01"}, "source": {"公安"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("died: %d %s", rec.Code, rec.Body.String())
	}
	body = s.worker("GET", "/registry/persons/"+s.a.ID, nil).Body.String()
	for _, want := range []string{"已故", "死亡", "公安", "生效 2026-11-01", "户籍迁移", "迁居陈楼村", "由「团结社区」改为「陈楼村」", "由「否」改为「是」", "138****5678"} {
		if want == "户籍迁移" {
			continue // the edit was a correction, not a move event
		}
		if !strings.Contains(body, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	if strings.Index(body, "死亡") > strings.Index(body, "迁居陈楼村") {
		t.Error("timeline is not newest first")
	}
	if strings.Contains(s.worker("GET", "/registry", nil).Body.String(), s.a.ID) {
		t.Error("the deceased is still in the active list")
	}
	if rec := s.page(auth.RoleLeader, county, "GET", "/registry/persons/"+s.a.ID+"/edit", nil); rec.Code != http.StatusForbidden {
		t.Errorf("a reader editing: %d", rec.Code)
	}
	if rec := s.worker("GET", "/registry/persons/"+s.b.ID+"/edit", nil); rec.Code != http.StatusNotFound {
		t.Errorf("editing outside the scope: %d", rec.Code)
	}
}

func TestAPIUpdateAndEvents(t *testing.T) {
	s := newServer(t)
	token := s.token(townA, auth.PermRegistryRead, auth.PermRegistryWrite)
	_, got := s.api(token, "GET", "/api/v1/persons/"+s.a.ID, "")
	got["phone"] = "0557-1234567"
	got["reason"] = "补录电话"
	body, _ := json.Marshal(got)
	rec, v := s.api(token, "PUT", "/api/v1/persons/"+s.a.ID, string(body))
	if rec.Code != http.StatusOK || v["phone"] != "055****4567" || v["version"] != 2.0 {
		t.Fatalf("PUT = %d %v", rec.Code, v)
	}
	// The same body again carries version 1: stale.
	if rec, v := s.api(token, "PUT", "/api/v1/persons/"+s.a.ID, string(body)); rec.Code != http.StatusConflict {
		t.Errorf("stale PUT = %d %v", rec.Code, v)
	}
	// Sending the masked phone back leaves it as it is.
	got["version"], got["name"] = 2.0, "王建民"
	got["phone"] = "055****4567"
	body, _ = json.Marshal(got)
	if rec, v := s.api(token, "PUT", "/api/v1/persons/"+s.a.ID, string(body)); rec.Code != http.StatusOK || v["name"] != "王建民" || v["phone"] != "055****4567" {
		t.Errorf("PUT with masked phone = %d %v", rec.Code, v)
	}
	rec, v = s.api(token, "POST", "/api/v1/persons/"+s.a.ID+"/events", `{"kind":"regrade","category":4,"grade":1,"effective_date":"2026-10-01","reason":"复评"}`)
	if rec.Code != http.StatusCreated || v["grade"] != 1.0 || v["certificate_issued_on"] != "2026-10-01" {
		t.Fatalf("regrade = %d %v", rec.Code, v)
	}
	rec, v = s.api(token, "POST", "/api/v1/persons/"+s.a.ID+"/events", `{"kind":"move","village_code":"`+villageB+`","effective_date":"2026-10-01","reason":"x"}`)
	if e, _ := v["error"].(map[string]any); rec.Code != http.StatusUnprocessableEntity || e["fields"].([]any)[0].(map[string]any)["field"] != "village_code" {
		t.Errorf("move outside the scope = %d %v", rec.Code, v)
	}
	rec, v = s.api(token, "GET", "/api/v1/persons/"+s.a.ID+"/events", "")
	items, _ := v["items"].([]any)
	if rec.Code != http.StatusOK || len(items) != 4 {
		t.Fatalf("events = %d %v", rec.Code, v)
	}
	first := items[0].(map[string]any)
	if first["kind"] != "regrade" || first["reason"] != "复评" || first["effective_date"] != "2026-10-01" {
		t.Errorf("newest event = %v", first)
	}
	third := items[2].(map[string]any) // the first update
	if ch := third["changes"].([]any); len(ch) != 1 || ch[0].(map[string]any)["field"] != "phone" || ch[0].(map[string]any)["after"] != "055****4567" {
		t.Errorf("update event changes = %v", third["changes"])
	}
	if rec, _ := s.api(token, "GET", "/api/v1/persons/"+s.b.ID+"/events", ""); rec.Code != http.StatusNotFound {
		t.Errorf("events outside the scope: %d", rec.Code)
	}
	reader := s.token(townA, auth.PermRegistryRead)
	if rec, _ := s.api(reader, "POST", "/api/v1/persons/"+s.a.ID+"/events", `{"kind":"cancel","reason":"x"}`); rec.Code != http.StatusForbidden {
		t.Errorf("a reader recording an event: %d", rec.Code)
	}
}

func TestSavedFilterPages(t *testing.T) {
	s := newServer(t)
	rec := s.worker("POST", "/registry/filters", url.Values{"name": {"肢体"}, "query": {"category=4"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d", rec.Code)
	}
	body := s.worker("GET", "/registry", nil).Body.String()
	if !strings.Contains(body, `href="/registry?category=4">肢体</a>`) {
		t.Error("the saved filter is not listed")
	}
	if strings.Contains(s.page(auth.RoleCountyStaff, county, "GET", "/registry", nil).Body.String(), ">肢体</a>") {
		t.Error("another user sees the saved filter")
	}
	rec = s.worker("POST", "/registry/filters", url.Values{"name": {""}, "query": {"category=4"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="filter_name_err"><span class="field-error">`) {
		t.Errorf("save without a name: %d", rec.Code)
	}
	rec = s.worker("GET", "/registry?age_from=x", nil)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `id="age_from" name="age_from" type="number" min="0" max="150" size="4" value="x" aria-describedby="age_from_err" aria-invalid="true"`) {
		t.Errorf("a bad filter: %d", rec.Code)
	}
	checkAccessible(t, rec.Body.String())
}
