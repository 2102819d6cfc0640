package rights_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// site serves the rights routes without the app: the principal is put in
// the context as the session middleware would (CSRF is the middleware's
// and is tested with the app).
type site struct {
	t     *testing.T
	e     *env
	rt    *web.Router
	token string // the API's bearer token, when set
}

func newSite(e *env) *site {
	h := rights.NewHandler(e.db)
	h.Now = func() time.Time { return today }
	s := &site{t: e.t, e: e, rt: web.NewRouter(auth.NewService(e.db))}
	h.Routes(s.rt)
	return s
}

type who struct {
	role  auth.Role
	dept  auth.Department
	scope string
}

var (
	workerW = who{auth.RoleCountyStaff, auth.DeptRights, county}
	certW   = who{auth.RoleCountyStaff, auth.DeptCertification, county}
	leaderW = who{auth.RoleLeader, "", county}
	townAW  = who{auth.RoleTownshipWorker, "", townA}
	townBW  = who{auth.RoleTownshipWorker, "", townB}
)

type resp struct {
	code      int
	body, loc string
	ct        string
}

func (s *site) do(w who, method, path string, body io.Reader, ctype string) resp {
	s.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	p := &auth.Principal{Kind: "user", ID: "u-" + string(w.role), Name: string(w.role), DisplayName: string(w.role), Role: w.role, Department: w.dept,
		Scope: area.ScopeOf(w.scope)}
	ctx := audit.WithActor(auth.WithPrincipal(req.Context(), p), audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location"), rec.Header().Get("Content-Type")}
}

func (s *site) get(w who, path string) resp { return s.do(w, http.MethodGet, path, nil, "") }

func (s *site) post(w who, path string, form url.Values) resp {
	return s.do(w, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (s *site) api(w who, path string, body any) resp {
	b, _ := json.Marshal(body)
	return s.do(w, http.MethodPost, path, bytes.NewReader(b), "application/json")
}

var caseLink = regexp.MustCompile(`/rights/([0-9a-f-]{36})`)

// A case from intake to filing through the pages; refusals come back to
// the page with a Chinese message naming the field; the lists filter.
func TestPagesWalkACase(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	ok := func(r resp, what string) {
		t.Helper()
		if r.code != http.StatusSeeOther {
			t.Fatalf("%s: %d %.2000s", what, r.code, r.body)
		}
	}
	if r := s.get(workerW, "/rights/new"); r.code != 200 || !strings.Contains(r.body, "登记受理") {
		t.Fatalf("new form: %d", r.code)
	}
	bad := s.post(workerW, "/rights", url.Values{"channel": {"hotline"}, "caller_name": {"张桂英"}, "caller_phone": {"123"}, "type": {"employment"},
		"area": {villageA}, "account": {"拖欠工资"}, "received_on": {"2026-11-18"}})
	if bad.code != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "联系电话") || !strings.Contains(bad.body, "张桂英") {
		t.Fatalf("bad phone: %d %.1500s", bad.code, bad.body)
	}
	// The person picked from the registry's search stays chosen when the
	// form comes back refused.
	p := e.person("王德明", villageA)
	if r := s.get(workerW, "/rights/new?q="+url.QueryEscape("王德明")); r.code != 200 || !strings.Contains(r.body, p.ID) {
		t.Fatalf("person search: %d", r.code)
	}
	if r := s.post(workerW, "/rights", url.Values{"person_id": {p.ID}, "channel": {"visit"}}); r.code != 422 || !strings.Contains(r.body, `value="`+p.ID+`" checked`) {
		t.Fatalf("chosen person lost: %d", r.code)
	}
	form := url.Values{"channel": {"hotline"}, "caller_name": {"张桂英"}, "caller_phone": {"13912345678"}, "type": {"employment"},
		"area": {villageA}, "account": {"拖欠工资"}, "received_on": {"2026-11-18"}}
	r := s.post(workerW, "/rights", form)
	ok(r, "intake")
	id := caseLink.FindStringSubmatch(r.loc)[1]
	// Other departments read but do not write; the worker sees the phone.
	if r := s.post(certW, "/rights/"+id+"/transfer", url.Values{"unit": {"县人社局"}, "transfer_day": {"2026-11-19"}}); r.code != http.StatusForbidden {
		t.Fatalf("certification staff transferring: %d", r.code)
	}
	if r := s.get(certW, "/rights/"+id); r.code != 200 || strings.Contains(r.body, "13912345678") || !strings.Contains(r.body, "139****5678") {
		t.Fatalf("masked for readers: %d", r.code)
	}
	if r := s.get(workerW, "/rights/"+id); r.code != 200 || !strings.Contains(r.body, "13912345678") || !strings.Contains(r.body, "县人力资源和社会保障局") {
		t.Fatalf("worker's page: %d", r.code)
	}
	// Township B does not see it at all.
	if r := s.get(townBW, "/rights/"+id); r.code != http.StatusNotFound {
		t.Fatalf("township B: %d", r.code)
	}
	// Reply before transfer: refused, naming the step.
	if r := s.post(workerW, "/rights/"+id+"/reply", url.Values{"reply": {"已处理"}, "reply_day": {"2026-11-19"}}); r.code != http.StatusConflict || !strings.Contains(r.body, "登记答复") {
		t.Fatalf("reply before transfer: %d %.1000s", r.code, r.body)
	}
	ok(s.post(workerW, "/rights/"+id+"/transfer", url.Values{"unit": {"县人力资源和社会保障局"}, "transfer_day": {"2026-11-19"}}), "transfer")
	if r := s.post(workerW, "/rights/"+id+"/extend", url.Values{"extend_reason": {""}, "extend_day": {"2026-11-19"}}); r.code != 422 || !strings.Contains(r.body, "延期理由") {
		t.Fatalf("extension without reason: %d", r.code)
	}
	ok(s.post(workerW, "/rights/"+id+"/extend", url.Values{"extend_reason": {"调查取证"}, "extend_day": {"2026-11-19"}}), "extend")
	if r := s.post(workerW, "/rights/"+id+"/supervise", url.Values{"supervise_note": {"抓紧"}}); r.code != http.StatusForbidden {
		t.Fatalf("worker supervising: %d", r.code)
	}
	ok(s.post(leaderW, "/rights/"+id+"/supervise", url.Values{"supervise_note": {"抓紧办理"}}), "supervise")
	ok(s.post(townAW, "/rights/"+id+"/legal-aid", url.Values{"aid_persons": {"1"}, "aid_day": {"2026-11-20"}}), "legal aid by the township")
	ok(s.post(workerW, "/rights/"+id+"/reply", url.Values{"reply": {"已补发工资"}, "reply_day": {"2026-11-20"}}), "reply")
	ok(s.post(workerW, "/rights/"+id+"/callback", url.Values{"satisfaction": {"basic"}, "callback_day": {"2026-11-20"}}), "callback")
	ok(s.post(workerW, "/rights/"+id+"/close", url.Values{"close_day": {"2026-11-20"}}), "close")
	if r := s.get(leaderW, "/rights/"+id+"/print"); r.code != 200 || !strings.Contains(r.body, "受理办理单") || !strings.Contains(r.body, "按时办结") {
		t.Fatalf("print: %d", r.code)
	}
	// Lists: by status, overdue, and the export.
	if r := s.get(leaderW, "/rights?status=closed"); r.code != 200 || !strings.Contains(r.body, "WQ2026-0001") {
		t.Fatalf("list: %d", r.code)
	}
	if r := s.get(leaderW, "/rights?due=overdue"); r.code != 200 || strings.Contains(r.body, "WQ2026-0001") {
		t.Fatalf("overdue list: %d", r.code)
	}
	if r := s.get(leaderW, "/rights/export.xlsx?status=closed"); r.code != 200 || !strings.Contains(r.ct, "spreadsheetml") {
		t.Fatalf("export: %d %s", r.code, r.ct)
	}
	if r := s.get(leaderW, "/rights/settings"); r.code != 200 || !strings.Contains(r.body, "默认") {
		t.Fatalf("settings: %d", r.code)
	}
	if r := s.post(workerW, "/rights/settings", url.Values{"ack_days": {"0"}}); r.code != 422 {
		t.Fatalf("bad settings: %d", r.code)
	}
}

// client makes an API client of scope code holding perms and uses it.
func (s *site) client(code string, perms ...auth.Perm) {
	s.t.Helper()
	s.e.tx(func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(s.e.ctx, tx, "终端"+code, code, perms)
		return err
	})
}

// The API: create, a move, a refusal with its field, the list.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	s.client(county, auth.PermRightsRead, auth.PermRightsWrite)
	r := s.api(workerW, "/api/v1/rights/cases", map[string]any{"channel": "online", "caller_name": "李明", "caller_phone": "0551-62345678",
		"area_code": villageA, "type": "accessibility", "account": "小区无坡道", "received_on": "2026-11-19"})
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	var d struct {
		Case rights.Case `json:"case"`
	}
	if err := json.Unmarshal([]byte(r.body), &d); err != nil {
		t.Fatal(err)
	}
	id := d.Case.ID
	r = s.api(workerW, "/api/v1/rights/cases/"+id+"/transfer", map[string]any{"unit": "", "day": "2026-11-19"})
	if r.code != 422 || !strings.Contains(r.body, "承办单位") {
		t.Fatalf("transfer without unit: %d %s", r.code, r.body)
	}
	r = s.api(workerW, "/api/v1/rights/cases/"+id+"/transfer", map[string]any{"unit": "县住房和城乡建设局", "day": "2026-11-19"})
	if r.code != 200 || !strings.Contains(r.body, `"transferred"`) {
		t.Fatalf("transfer: %d %s", r.code, r.body)
	}
	r = s.api(workerW, "/api/v1/rights/cases/"+id+"/close", map[string]any{"day": "2026-11-19"})
	if r.code != http.StatusConflict {
		t.Fatalf("close before reply: %d %s", r.code, r.body)
	}
	s.client(townA, auth.PermRightsRead)
	r = s.get(townAW, "/api/v1/rights/cases?status=transferred")
	if r.code != 200 || !strings.Contains(r.body, id) || strings.Contains(r.body, "62345678") {
		t.Fatalf("list: %d %s", r.code, r.body)
	}
	s.client(townB, auth.PermRightsRead)
	if r := s.get(townBW, "/api/v1/rights/cases/"+id); r.code != http.StatusNotFound {
		t.Fatalf("township B: %d", r.code)
	}
}
