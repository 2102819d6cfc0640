package survey_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

type site struct {
	e  *env
	rt *web.Router
}

func newSite(e *env) *site {
	h := survey.NewHandler(e.db)
	h.Now = func() time.Time { return monday }
	rt := web.NewRouter(auth.NewService(e.db))
	h.Routes(rt)
	return &site{e: e, rt: rt}
}

type resp struct {
	code     int
	body     string
	location string
}

func (s *site) do(p *auth.Principal, method, path string, body io.Reader, ctype string) resp {
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	ctx := auth.WithPrincipal(req.Context(), p)
	ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
}

func (s *site) get(p *auth.Principal, path string) resp {
	return s.do(p, http.MethodGet, path, nil, "")
}

func (s *site) post(p *auth.Principal, path string, f url.Values) resp {
	return s.do(p, http.MethodPost, path, strings.NewReader(f.Encode()), "application/x-www-form-urlencoded")
}

// The pages walk a task from the round's opening to acceptance, without
// JavaScript: every save is a plain form post.
func TestPagesWalkATask(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("周强", villageA, nil)
	e.person("吴刚", villageB, nil)
	if r := s.post(staff, "/survey/rounds", url.Values{"year": {"2026"}, "due_on": {"2026-01-01"}}); r.code != 422 || !strings.Contains(r.body, "截止日期须在今天之后") || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("bad due date: %d %.600s", r.code, r.body)
	}
	if r := s.post(townWA, "/survey/rounds", url.Values{"year": {"2026"}}); r.code != http.StatusConflict {
		t.Fatalf("township opens a round: %d", r.code)
	}
	if r := s.post(staff, "/survey/rounds", url.Values{"year": {"2026"}, "due_on": {"2026-06-30"}}); r.code != http.StatusSeeOther {
		t.Fatalf("open: %d %.800s", r.code, r.body)
	}
	if r := s.get(staff, "/survey"); r.code != 200 || !strings.Contains(r.body, "城关街道") || !strings.Contains(r.body, "0 / 1") {
		t.Fatalf("overview: %d %.3000s", r.code, r.body)
	}
	r := s.get(villWA, "/survey/tasks")
	id := survey.TaskID(2026, p.ID)
	if r.code != 200 || !strings.Contains(r.body, "/survey/tasks/"+id) || strings.Contains(r.body, "吴刚") {
		t.Fatalf("village list: %d", r.code)
	}
	if r := s.get(villWA, "/survey/tasks/"+survey.TaskID(2026, "nobody")); r.code != 404 {
		t.Fatalf("unknown task: %d", r.code)
	}
	r = s.get(villWA, "/survey/tasks/"+id)
	if r.code != 200 || !strings.Contains(r.body, "<legend>婚姻状况</legend>") || !strings.Contains(r.body, "人口基础数据中的情况") {
		t.Fatalf("form: %d", r.code)
	}
	uniqueIDs(t, r.body)
	base := "/survey/tasks/" + id + "/sections/"
	if r := s.post(villWA, base+"rehabilitation", url.Values{"device_needed": {"none", "wheelchair"}}); r.code != 422 || !strings.Contains(r.body, "选了“没有”就不能再选其他项") {
		t.Fatalf("bad section: %d", r.code)
	}
	for _, sec := range survey.Sections {
		f := url.Values{}
		for k, v := range complete[sec] {
			f[k] = strings.Split(v, ",")
		}
		if sec == "household" {
			f.Set("visited_on", "2026-03-01")
		}
		if r := s.post(villWA, base+sec, f); r.code != http.StatusSeeOther {
			t.Fatalf("save %s: %d %.1500s", sec, r.code, r.body)
		}
	}
	act := func(who *auth.Principal, a survey.Action, note string, want int) {
		t.Helper()
		if r := s.post(who, "/survey/tasks/"+id+"/act", url.Values{"action": {string(a)}, "note": {note}}); r.code != want {
			t.Fatalf("%s: %d, want %d %.1500s", a, r.code, want, r.body)
		}
	}
	act(villWA, survey.ActSubmit, "", http.StatusSeeOther)
	act(villWA, survey.ActCheck, "", http.StatusConflict)
	act(townWA, survey.ActCheck, "", http.StatusSeeOther)
	if r := s.get(townWA, "/survey/tasks/"+id); r.code != 200 || strings.Contains(r.body, `value="accept"`) {
		t.Fatalf("township sees accept: %d", r.code)
	}
	act(staff, survey.ActAccept, "", http.StatusSeeOther)
	if r := s.get(staff, "/survey/tasks/"+id); r.code != 200 || !strings.Contains(r.body, "已验收") || !strings.Contains(r.body, "无障碍改造") {
		t.Fatalf("accepted: %d", r.code)
	}
	if r := s.get(staff, "/survey/progress.xlsx?year=2026"); r.code != 200 || !strings.HasPrefix(r.body, "PK") {
		t.Fatalf("export: %d", r.code)
	}
	if r := s.get(leader, "/survey"); r.code != 200 || strings.Contains(r.body, `action="/survey/rounds"`) {
		t.Fatalf("leader overview: %d", r.code)
	}
}

// The API mirrors the pages: list, get with the pre-fill, put answers,
// transition; an API client fills as a worker and may not check.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("郑红", villageA, func(n *registry.NewPerson) { n.Marital = "married" })
	e.open(2026, "2026-06-30", monday)
	id := survey.TaskID(2026, p.ID)
	var token string
	e.tx(as(staff), func(tx *store.Tx) (err error) {
		_, token, err = auth.CreateAPIClient(as(staff), tx, "入户调查APP", villageA, []auth.Perm{auth.PermRegistryRead, auth.PermRegistryWrite})
		return err
	})
	call := func(method, path string, body any) resp {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req := httptest.NewRequest(method, path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.rt.ServeHTTP(rec, req)
		return resp{rec.Code, rec.Body.String(), ""}
	}
	if r := call("GET", "/api/v1/survey/tasks?year=2026", nil); r.code != 200 || !strings.Contains(r.body, id) {
		t.Fatalf("list: %d %s", r.code, r.body)
	}
	if r := call("GET", "/api/v1/survey/tasks/"+id, nil); r.code != 200 || !strings.Contains(r.body, `"marital": "married"`) || !strings.Contains(r.body, `"prefill_year": 0`) {
		t.Fatalf("get: %d %s", r.code, r.body)
	}
	all := survey.Answers{}
	for _, sec := range survey.Sections {
		for k, v := range complete[sec] {
			all[k] = v
		}
	}
	if r := call("PUT", "/api/v1/survey/tasks/"+id+"/answers", map[string]any{"answers": map[string]string{"marital": "odd"}}); r.code != 422 || !strings.Contains(r.body, "婚姻状况") {
		t.Fatalf("bad put: %d %s", r.code, r.body)
	}
	if r := call("PUT", "/api/v1/survey/tasks/"+id+"/answers", map[string]any{"answers": all, "visited_on": "2026-03-01"}); r.code != 200 || !strings.Contains(r.body, `"status": "in_progress"`) {
		t.Fatalf("put: %d %s", r.code, r.body)
	}
	if r := call("PUT", "/api/v1/survey/tasks/"+id+"/answers", map[string]any{"visited_on": "2026-03-02"}); r.code != 200 ||
		!strings.Contains(r.body, `"visited_on": "2026-03-02"`) || !strings.Contains(r.body, `"household_type": "agricultural"`) {
		t.Fatalf("put of the visit day alone: %d %s", r.code, r.body)
	}
	if r := call("POST", "/api/v1/survey/tasks/"+id+"/transition", map[string]string{"action": "submit"}); r.code != 200 || !strings.Contains(r.body, `"status": "submitted"`) {
		t.Fatalf("submit: %d %s", r.code, r.body)
	}
	if r := call("POST", "/api/v1/survey/tasks/"+id+"/transition", map[string]string{"action": "check"}); r.code != http.StatusConflict {
		t.Fatalf("api client checks: %d %s", r.code, r.body)
	}
	if r := call("GET", "/api/v1/survey/rounds/2026/progress", nil); r.code != 200 || !strings.Contains(r.body, `"renovation": 1`) {
		t.Fatalf("progress: %d %s", r.code, r.body)
	}
}

var idAttr = regexp.MustCompile(` id="([^"]+)"`)

// uniqueIDs fails on an id used twice in a page (labels and
// aria-describedby would point at the wrong element).
func uniqueIDs(t *testing.T, body string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range idAttr.FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			t.Errorf("id %q used twice", m[1])
		}
		seen[m[1]] = true
	}
	if len(seen) < 50 {
		t.Errorf("only %d ids on the form", len(seen))
	}
}
