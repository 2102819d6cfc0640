package employ_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// The pages are served without the app: the router with the employment
// routes and the principal put in the context as the session middleware
// would (CSRF is the middleware's and is tested with the app).
type site struct {
	e     *env
	rt    *web.Router
	token string
}

func newSite(e *env) *site {
	h := employ.NewHandler(e.db)
	h.Now = func() time.Time { return today }
	s := &site{e: e, rt: web.NewRouter(auth.NewService(e.db))}
	h.Routes(s.rt)
	return s
}

type who struct {
	user string
	role auth.Role
	dept auth.Department
	code string
}

var (
	staffW = who{"employ", auth.RoleCountyStaff, auth.DeptEmployment, county}
	certW  = who{"cert", auth.RoleCountyStaff, auth.DeptCertification, county}
	townAW = who{"workerA", auth.RoleTownshipWorker, "", townA}
	townBW = who{"workerB", auth.RoleTownshipWorker, "", townB}
)

type resp struct {
	code int
	body string
	loc  string
}

func (s *site) do(w who, method, path string, body io.Reader, ctype string) resp {
	s.e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	p := &auth.Principal{Kind: "user", ID: s.e.users[w.user], Name: w.user, DisplayName: w.user, Role: w.role, Department: w.dept, Scope: area.ScopeOf(w.code)}
	ctx := auth.WithPrincipal(req.Context(), p)
	ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
}

func (s *site) get(w who, path string) resp { return s.do(w, "GET", path, nil, "") }

func (s *site) post(w who, path string, v url.Values) resp {
	return s.do(w, "POST", path, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
}

func (s *site) id(query string, args ...any) string {
	s.e.t.Helper()
	var id string
	if err := s.e.db.QueryRow(query, args...).Scan(&id); err != nil {
		s.e.t.Fatal(err)
	}
	return id
}

// Every page renders for the employment staff, a township worker and a
// reader, with no raw message key left on it.
func TestPagesRender(t *testing.T) {
	e := figuresFixture(t)
	s := newSite(e)
	person := s.id(`SELECT id FROM persons WHERE name = '甲'`)
	course := s.id(`SELECT id FROM emp_courses LIMIT 1`)
	session := s.id(`SELECT id FROM emp_sessions LIMIT 1`)
	place := s.id(`SELECT id FROM emp_places WHERE kind = 'training'`)
	campaign := s.id(`SELECT id FROM emp_campaigns WHERE area_code = $1`, county)
	pages := []string{"/employment", "/employment?from=2026-01-01&to=2026-11-30", "/employment/persons", "/employment/persons?find=甲&on=all",
		"/employment/persons?income=1&form=flexible", "/employment/persons/" + person, "/employment/posts", "/employment/courses",
		"/employment/courses/" + course, "/employment/sessions/" + session, "/employment/projects", "/employment/greenhouses", "/employment/bases",
		"/employment/places/" + place, "/employment/campaigns", "/employment/campaigns/" + campaign, "/employment/wishes"}
	for _, w := range []who{staffW, townAW, {"cert", auth.RoleLeader, "", county}} {
		for _, p := range pages {
			r := s.get(w, p)
			if r.code != http.StatusOK {
				t.Errorf("%s %s: %d", w.user, p, r.code)
				continue
			}
			if i := strings.Index(r.body, "employ."); i >= 0 {
				t.Errorf("%s %s: raw key near %q", w.user, p, r.body[i:min(len(r.body), i+60)])
			}
		}
	}
	if r := s.get(staffW, "/employment?from=2026-12-01&to=2026-01-01"); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "截止日期不能早于起始日期") {
		t.Errorf("bad period: %d", r.code)
	}
	if r := s.get(staffW, "/employment"); !strings.Contains(r.body, "阳光大棚（≥10）") {
		t.Error("the overview does not show the targets")
	}
	// Township B does not open township A's person, course or base.
	for _, p := range []string{"/employment/persons/" + person, "/employment/courses/" + course, "/employment/places/" + place} {
		if r := s.get(townBW, p); r.code != http.StatusNotFound {
			t.Errorf("township B %s: %d", p, r.code)
		}
	}
	// The export is an xlsx of the list.
	r := s.get(staffW, "/employment/export.xlsx?on=all")
	if r.code != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
		t.Errorf("export: %d", r.code)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'employ.export'`); n != 1 {
		t.Errorf("%d export audit entries", n)
	}
}

// Forms: a good post saves and redirects; a bad one comes back with the
// message beside the field and nothing written; another department and
// another township are refused.
func TestForms(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("王明", villageA)
	pb := e.person("李秀英", villageB)
	good := url.Values{"form": {"ecommerce"}, "start_date": {"2026-03-01"}, "monthly_income": {"3,200.50"}}
	r := s.post(townAW, "/employment/persons/"+p.ID+"/records", good)
	if r.code != http.StatusSeeOther {
		t.Fatalf("good record: %d %s", r.code, r.body)
	}
	recs, _ := employ.ListRecords(e.ctx, e.db, countyScope, employ.RecordFilter{PersonID: p.ID})
	if len(recs) != 1 || recs[0].MonthlyIncome != 320050 {
		t.Fatalf("records %+v", recs)
	}
	bad := url.Values{"form": {"ecommerce"}, "start_date": {"2026-03-01"}, "monthly_income": {"三千"}}
	r = s.post(townAW, "/employment/persons/"+p.ID+"/records", bad)
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "请填写金额（元），最多两位小数") || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Errorf("bad income: %d", r.code)
	}
	if r := s.post(certW, "/employment/persons/"+p.ID+"/records", good); r.code != http.StatusForbidden {
		t.Errorf("certification staff wrote: %d", r.code)
	}
	if r := s.post(townAW, "/employment/persons/"+pb.ID+"/records", good); r.code != http.StatusNotFound {
		t.Errorf("township A wrote for B: %d", r.code)
	}
	if n := e.count(`SELECT COUNT(*) FROM emp_records`); n != 1 {
		t.Errorf("%d records written, want 1", n)
	}
	// A post found by name, a holder placed by ID number.
	r = s.post(townAW, "/employment/posts", url.Values{"name": {"保洁"}, "area_code": {townA}, "sponsor": {"街道办"}, "monthly_pay": {"1800"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("post: %d %s", r.code, r.body)
	}
	post := s.id(`SELECT id FROM emp_posts`)
	r = s.post(townAW, "/employment/posts/"+post+"/assign", url.Values{"person": {p.IDNumber}, "start_date": {"2026-04-01"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", r.code, r.body)
	}
	r = s.post(townAW, "/employment/posts/"+post+"/assign", url.Values{"person": {"李秀英"}, "start_date": {"2026-05-01"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "在您的管辖范围内找不到这名残疾人") {
		t.Errorf("assign a person of B by name: %d", r.code)
	}
	// An attendance sheet posted from the page.
	r = s.post(staffW, "/employment/courses", url.Values{"kind": {"skills"}, "name": {"面点班"}, "area_code": {townA}, "place": {"街道"}, "provider": {"职校"},
		"start_date": {"2026-11-01"}, "end_date": {"2026-11-30"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("course: %d %s", r.code, r.body)
	}
	course := strings.TrimPrefix(strings.Split(r.loc, "?")[0], "/employment/courses/")
	s.post(staffW, "/employment/courses/"+course+"/sessions", url.Values{"day": {"2026-11-10"}, "topic": {"和面"}})
	s.post(townAW, "/employment/courses/"+course+"/enrol", url.Values{"person": {"王明"}})
	session := s.id(`SELECT id FROM emp_sessions`)
	if r := s.post(townAW, "/employment/sessions/"+session, url.Values{"present": {p.ID}}); r.code != http.StatusSeeOther {
		t.Fatalf("attendance: %d %s", r.code, r.body)
	}
	if r := s.post(staffW, "/employment/courses/"+course+"/finish", url.Values{"finished_on": {"2026-11-30"}}); r.code != http.StatusSeeOther {
		t.Fatalf("finish: %d %s", r.code, r.body)
	}
	if n, _ := employ.PersonTimes(e.ctx, e.db, countyScope, "2026-01-01", "2026-12-31", employ.BasisCompletions); n != 1 {
		t.Errorf("person-times after the page's sheet: %d", n)
	}
}

// The API mirrors the pages, with the house error body.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("王明", villageA)
	e.tx(func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(e.ctx, tx, "乡镇系统", townA, []auth.Perm{auth.PermEmployRead, auth.PermEmployWrite})
		return err
	})
	r := s.do(who{}, "POST", "/api/v1/employment/records", strings.NewReader(`{"person_id":"`+p.ID+`","form":"home","start_date":"2026-02-01","monthly_income_fen":310000}`), "application/json")
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	r = s.do(who{}, "POST", "/api/v1/employment/records", strings.NewReader(`{"person_id":"`+p.ID+`","form":"home","start_date":"2026-13-01"}`), "application/json")
	var apiErr web.APIError
	_ = json.Unmarshal([]byte(r.body), &apiErr)
	if r.code != http.StatusUnprocessableEntity || len(apiErr.Error.Fields) != 1 || apiErr.Error.Fields[0].Field != "employ.record.start_date" {
		t.Errorf("bad date: %d %s", r.code, r.body)
	}
	r = s.do(who{}, "GET", "/api/v1/employment/figures?from=2026-01-01&to=2026-11-30", nil, "")
	var st employ.Stats
	if err := json.Unmarshal([]byte(r.body), &st); err != nil || st.Employed != 1 || st.IncomeAbove != 1 {
		t.Errorf("figures: %d %s", r.code, r.body)
	}
	r = s.do(who{}, "GET", "/api/v1/employment/persons/"+p.ID, nil, "")
	if r.code != http.StatusOK || !strings.Contains(r.body, `"monthly_income_fen": 310000`) {
		t.Errorf("person: %d %s", r.code, r.body)
	}
	for _, path := range []string{"/api/v1/employment/records", "/api/v1/employment/posts", "/api/v1/employment/courses", "/api/v1/employment/projects",
		"/api/v1/employment/places", "/api/v1/employment/campaigns", "/api/v1/employment/wishes"} {
		if r := s.do(who{}, "GET", path, nil, ""); r.code != http.StatusOK || !strings.Contains(r.body, `"items"`) {
			t.Errorf("%s: %d %s", path, r.code, r.body)
		}
	}
}
