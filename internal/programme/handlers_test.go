package programme_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// site serves the programme routes without the app: the principal is put
// in the context as the session middleware would (CSRF is the
// middleware's, tested with the app).
type site struct {
	e     *env
	rt    *web.Router
	token string
}

func newSite(e *env) *site {
	h := programme.NewHandler(e.db)
	h.Now = func() time.Time { return today }
	s := &site{e: e, rt: web.NewRouter(auth.NewService(e.db))}
	h.Routes(s.rt)
	return s
}

type resp struct {
	code int
	body string
	loc  string
}

func (s *site) do(user, method, path string, body io.Reader, ctype string) resp {
	s.e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	ctx := req.Context()
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	} else {
		p := *users[user]
		p.DisplayName = p.Name
		ctx = auth.WithPrincipal(ctx, &p)
		ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	}
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
}

func (s *site) get(user, path string) resp { return s.do(user, http.MethodGet, path, nil, "") }

func (s *site) post(user, path string, form url.Values) resp {
	return s.do(user, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

var (
	caseLink = regexp.MustCompile(`/programmes/cases/([0-9a-f-]{36})`)
	rawKey   = regexp.MustCompile(`>[^<]*programme\.[a-z_]+\.?[a-z_.]*[^<]*<`)
)

// page checks a page renders with status 200 and no untranslated key.
func (s *site) page(user, path string) string {
	s.e.t.Helper()
	r := s.get(user, path)
	if r.code != http.StatusOK {
		s.e.t.Fatalf("GET %s: %d\n%.1500s", path, r.code, r.body)
	}
	if m := rawKey.FindString(r.body); m != "" {
		s.e.t.Errorf("GET %s shows a raw key: %s", path, m)
	}
	return r.body
}

// The pages walk a case from filing to paid-ready entitlement, with the
// refusals shown beside their fields, and every page renders.
func TestPagesWalkACase(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("吴低保", 50, registry.Physical, registry.Grade1, dibao)
	living := e.prog(programme.CodeLivingSubsidy)

	// A refused filing comes back with the problem beside the field.
	r := s.post("township", "/programmes/cases", url.Values{"programme": {living.ID}, "id_number": {p.IDNumber}, "bank_account": {"12"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="bank_account_err"><span class="field-error">`) ||
		!strings.Contains(r.body, "银行账号应为 10–30 位数字") {
		t.Fatalf("refused filing: %d\n%.3000s", r.code, r.body)
	}
	r = s.post("township", "/programmes/cases", url.Values{"programme": {living.ID}, "id_number": {p.IDNumber}, "channel": {"township"},
		"bank_name": {"农商行"}, "bank_account": {"6222000011119999"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("filing: %d\n%.3000s", r.code, r.body)
	}
	id := caseLink.FindStringSubmatch(r.loc)[1]
	body := s.page("township", "/programmes/cases/"+id)
	if !strings.Contains(body, "吴低保") || !strings.Contains(body, `value="check"`) || strings.Contains(body, `value="review"`) {
		t.Fatalf("case page for the township:\n%.3000s", body)
	}
	for _, step := range []struct{ user, action string }{{"township", "check"}, {"reviewer", "review"}} {
		if r := s.post(step.user, "/programmes/cases/"+id+"/act", url.Values{"action": {step.action}}); r.code != http.StatusSeeOther {
			t.Fatalf("%s: %d %.2000s", step.action, r.code, r.body)
		}
	}
	// The township worker may not approve; the reviewer may not approve his own review.
	if r := s.post("township", "/programmes/cases/"+id+"/act", url.Values{"action": {"approve"}}); r.code != http.StatusForbidden {
		t.Fatalf("township approves: %d", r.code)
	}
	if r := s.post("reviewer", "/programmes/cases/"+id+"/act", url.Values{"action": {"approve"}}); r.code != http.StatusConflict || !strings.Contains(r.body, "双人审核") {
		t.Fatalf("four eyes: %d %.2000s", r.code, r.body)
	}
	if r := s.post("approver", "/programmes/cases/"+id+"/act", url.Values{"action": {"approve"}}); r.code != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.code)
	}
	if r := s.post("clerk", "/programmes/cases/"+id+"/act", url.Values{"action": {"entitle"}, "start_month": {"2026-13"}}); r.code != 422 || !strings.Contains(r.body, "start_month_err") {
		t.Fatalf("bad month: %d", r.code)
	}
	if r := s.post("clerk", "/programmes/cases/"+id+"/act", url.Values{"action": {"entitle"}}); r.code != http.StatusSeeOther {
		t.Fatalf("entitle: %d %.2000s", r.code, r.body)
	}
	if c := e.get(id); c.Status != programme.Entitled || c.StartMonth != "2026-11" {
		t.Fatalf("case %s %s", c.Status, c.StartMonth)
	}
	// Services on a child-rescue case.
	child := e.person("小华", 7, registry.Speech, registry.Grade2)
	rescue := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeChildRescue).ID, PersonID: child.ID, Subtype: "training"})
	if r := s.post("clerk", "/programmes/cases/"+rescue.ID+"/services", url.Values{"service_day": {"2026-11-20"}, "service_type": {"training_session"}, "quantity": {"4"}}); r.code != http.StatusSeeOther {
		t.Fatalf("service: %d %.2000s", r.code, r.body)
	}
	// Providers, a programme edit with a bad rule and a preview.
	if r := s.post("clerk", "/programmes/providers", url.Values{"name": {"县康复中心"}, "kind": {"rehab_centre"}, "active": {"1"}}); r.code != http.StatusSeeOther {
		t.Fatalf("provider: %d %.2000s", r.code, r.body)
	}
	form := url.Values{"name": {living.Name}, "kind": {"cash"}, "frequency": {"monthly"}, "rule": {"dibao &&"}, "annual_cap": {"1200"},
		"tier_key_0": {"standard"}, "tier_label_0": {"每人每月"}, "tier_amount_0": {"100"}, "active": {"1"}}
	if r := s.post("clerk", "/programmes/"+living.ID, form); r.code != 422 || !strings.Contains(r.body, "规则有误") || !strings.Contains(r.body, `aria-invalid="true">dibao &amp;&amp;`) {
		t.Fatalf("bad rule: %d %.3000s", r.code, r.body)
	}
	form.Set("rule", "dibao || tekun")
	if r := s.post("township", "/programmes/"+living.ID+"/preview", form); r.code != 200 || !strings.Contains(r.body, "符合该规则") {
		t.Fatalf("preview: %d %.2000s", r.code, r.body)
	}
	if r := s.post("township", "/programmes/"+living.ID, form); r.code != http.StatusForbidden {
		t.Fatalf("township saves a programme: %d", r.code)
	}
	form.Set("tier_amount_0", "120")
	if r := s.post("clerk", "/programmes/"+living.ID, form); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %.3000s", r.code, r.body)
	}
	if got := e.prog(programme.CodeLivingSubsidy); got.Rule != "dibao || tekun" || got.Tiers[0].AmountFen != 12000 || got.Provisional() {
		t.Fatalf("saved %+v", got)
	}
	// Every page renders for staff.
	for _, path := range []string{"/programmes", "/programmes/new", "/programmes/" + living.ID, "/programmes/cases", "/programmes/cases?status=entitled",
		"/programmes/cases/new", "/programmes/cases/new?programme=" + living.ID, "/programmes/cases/" + rescue.ID, "/programmes/radar",
		"/programmes/radar?programme=" + e.prog(programme.CodeChildRescue).ID, "/programmes/suspended", "/programmes/figures",
		"/programmes/figures?eligible=1&from=2026-01-01&to=2026-12-31", "/programmes/providers"} {
		s.page("clerk", path)
	}
	// The radar export is an xlsx of the eligible unserved.
	e.person("小强", 9, registry.Vision, registry.Grade3)
	r = s.get("clerk", "/programmes/radar.xlsx?programme="+e.prog(programme.CodeChildRescue).ID)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("export: %d %v", r.code, err)
	}
	rows, _ := x.GetRows("应助尽助名单")
	if len(rows) != 2 || rows[1][2] != "小强" {
		t.Fatalf("export rows %v", rows)
	}
	// Scope: the township of A does not see a case of town B.
	far := e.person("远", 50, registry.Physical, registry.Grade1, inTownB)
	fc := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCareSubsidy).ID, PersonID: far.ID})
	if r := s.get("township", "/programmes/cases/"+fc.ID); r.code != http.StatusNotFound {
		t.Fatalf("another township's case: %d", r.code)
	}
}

// The JSON API mirrors the pages.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	ctx := audit.WithActor(context.Background(), audit.System)
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "自助服务", county, []auth.Perm{auth.PermProgrammeRead, auth.PermProgrammeApply})
		return err
	})
	p := e.person("郑", 45, registry.Mental, registry.Grade2, dibao)
	call := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		r := s.do("", method, path, rd, "application/json")
		var out map[string]any
		_ = json.Unmarshal([]byte(r.body), &out)
		return r.code, out
	}
	code, out := call("GET", "/api/v1/programmes", nil)
	if code != 200 || len(out["items"].([]any)) != len(programme.Shipped) {
		t.Fatalf("list: %d %v", code, out)
	}
	drug := e.prog(programme.CodeDrugSubsidy)
	code, out = call("POST", "/api/v1/programmes/"+drug.ID+"/preview", map[string]any{"rule": "category == 6"})
	if code != 200 || out["count"].(float64) != 1 {
		t.Fatalf("preview: %d %v", code, out)
	}
	code, out = call("POST", "/api/v1/programmes/"+drug.ID+"/preview", map[string]any{"rule": "category =="})
	if code != 422 {
		t.Fatalf("bad preview: %d %v", code, out)
	}
	code, out = call("GET", "/api/v1/programmes/radar?programme="+drug.ID, nil)
	if code != 200 || out["total"].(float64) != 1 {
		t.Fatalf("radar: %d %v", code, out)
	}
	code, out = call("POST", "/api/v1/programmes/cases", map[string]any{"programme_id": drug.ID, "id_number": p.IDNumber, "subtype": "quota"})
	if code != 201 || out["channel"] != "online" {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	code, out = call("POST", "/api/v1/programmes/cases", map[string]any{"programme_id": drug.ID, "id_number": p.IDNumber, "subtype": "quota"})
	if code != 422 || !strings.Contains(out["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)["message"].(string), "不能重复申请") {
		t.Fatalf("duplicate: %d %v", code, out)
	}
	code, _ = call("POST", "/api/v1/programmes/cases/"+id+"/actions", map[string]any{"action": "check"})
	if code != 200 {
		t.Fatalf("check: %d", code)
	}
	code, _ = call("POST", "/api/v1/programmes/cases/"+id+"/actions", map[string]any{"action": "review"})
	if code != http.StatusForbidden {
		t.Fatalf("review without the permission: %d", code)
	}
	code, out = call("GET", "/api/v1/programmes/cases/"+id, nil)
	if code != 200 || out["status"] != "checked" || len(out["events"].([]any)) != 2 {
		t.Fatalf("get: %d %v", code, out)
	}
	code, out = call("GET", "/api/v1/programmes/cases?status=checked", nil)
	if code != 200 || len(out["items"].([]any)) != 1 {
		t.Fatalf("cases: %d %v", code, out)
	}
	// A client limited to town A sees no case of town B.
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "城关", townA, []auth.Perm{auth.PermProgrammeRead})
		return err
	})
	far := e.person("远", 50, registry.Physical, registry.Grade1, inTownB)
	fc := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCareSubsidy).ID, PersonID: far.ID})
	if code, _ := call("GET", "/api/v1/programmes/cases/"+fc.ID, nil); code != 404 {
		t.Fatalf("out of scope: %d", code)
	}
	_ = area.All()
}
