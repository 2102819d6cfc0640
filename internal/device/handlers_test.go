package device_test

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
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// The pages are served without the app: the router with the device
// routes, and the principal put in the context as the session middleware
// would (CSRF is the middleware's and is tested with the app).
type site struct {
	e  *env
	rt *web.Router
}

type who struct {
	role  auth.Role
	dept  auth.Department
	scope string
}

var (
	rehab     = who{auth.RoleCountyStaff, auth.DeptRehabilitation, county}
	certClerk = who{auth.RoleCountyStaff, auth.DeptCertification, county}
	townAW    = who{auth.RoleTownshipWorker, "", townA}
	leader    = who{auth.RoleLeader, "", county}
)

func newSite(e *env) *site {
	h := device.NewHandler(e.db)
	h.Now = func() time.Time { return monday }
	rt := web.NewRouter(auth.NewService(e.db))
	h.Routes(rt)
	return &site{e: e, rt: rt}
}

type resp struct {
	code int
	body string
	loc  string
}

func (s *site) do(w who, method, path string, body io.Reader, ctype string) resp {
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	p := &auth.Principal{Kind: "user", ID: "u1", Name: "worker", DisplayName: "worker", Role: w.role, Department: w.dept, Scope: area.ScopeOf(w.scope)}
	ctx := auth.WithPrincipal(req.Context(), p)
	ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
	rec := httptest.NewRecorder()
	s.rt.ServeHTTP(rec, req.WithContext(ctx))
	return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
}

func (s *site) get(w who, path string) resp { return s.do(w, http.MethodGet, path, nil, "") }

func (s *site) post(w who, path string, form url.Values) resp {
	return s.do(w, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

var loanLink = regexp.MustCompile(`/devices/loans/([0-9a-f-]{36})`)

func TestPagesLendAndReturn(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	// Receive three at once through the form.
	r := s.post(rehab, "/devices/items", url.Values{"kind": {e.kinds["LY01"].ID}, "quantity": {"3"}, "source": {"purchase"},
		"received_on": {"2026-11-02"}, "condition": {"new"}, "location": {townA}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("receive: %d\n%.1500s", r.code, r.body)
	}
	r = s.post(rehab, "/devices/items", url.Values{"kind": {e.kinds["LY01"].ID}, "quantity": {"x"}, "source": {"purchase"}, "received_on": {"2026-11-02"}, "condition": {"new"}, "location": {townA}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "数量") || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("bad quantity: %d\n%.1500s", r.code, r.body)
	}
	items, _ := device.ListItems(t.Context(), e.db, countyScope, device.ItemFilter{})
	p := e.person("刘洋", villageA, registry.Physical)
	dead := e.person("马亮", villageA, registry.Physical)
	e.tx(func(tx *storeTx) error {
		_, err := registry.Died(ctxOf(), tx, countyScope, dead.ID, registry.Event{EffectiveDate: "2026-11-01", Source: "家属"}, monday)
		return err
	})
	// The new-loan page finds persons by name; the deceased is shown but cannot be chosen.
	r = s.get(townAW, "/devices/loans/new?q="+url.QueryEscape("马亮"))
	if r.code != http.StatusOK || !strings.Contains(r.body, "已故") || !strings.Contains(r.body, "disabled") {
		t.Fatalf("search: %d\n%.2000s", r.code, r.body)
	}
	r = s.post(townAW, "/devices/loans", url.Values{"item_id": {items[0].ID}, "person_id": {dead.ID}, "lent_on": {"2026-11-30"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "该人员已故，不能借用") {
		t.Fatalf("lend to the deceased: %d\n%.2000s", r.code, r.body)
	}
	r = s.post(townAW, "/devices/loans", url.Values{"item_id": {items[0].ID}, "person_id": {p.ID}, "lent_on": {"2026-11-30"}, "deposit": {"0"}, "rent": {""}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("lend: %d\n%.2000s", r.code, r.body)
	}
	m := loanLink.FindStringSubmatch(r.loc)
	if m == nil {
		t.Fatalf("lend went to %s", r.loc)
	}
	loanID := m[1]
	// Every page renders for the township worker and the leader.
	for _, w := range []who{townAW, rehab, leader} {
		for _, path := range []string{"/devices", "/devices/items/" + items[0].ID, "/devices/catalogue", "/devices/loans", "/devices/loans/" + loanID,
			"/devices/overdue", "/devices/notices", "/devices/figures", "/devices/figures?from=2026-01-01&to=2026-12-31&area=" + townA} {
			r := s.get(w, path)
			if r.code != http.StatusOK {
				t.Errorf("%s GET %s: %d\n%.800s", w.role, path, r.code, r.body)
			}
			// A key without a catalogue entry shows as itself.
			if i := strings.Index(r.body, "device."); i >= 0 {
				t.Errorf("%s GET %s shows a raw key: %.80s", w.role, path, r.body[i:])
			}
		}
	}
	if r := s.get(rehab, "/devices/items/new"); r.code != http.StatusOK {
		t.Errorf("receive form: %d", r.code)
	}
	if r := s.get(rehab, "/devices/catalogue/"+e.kinds["LY01"].ID); r.code != http.StatusOK {
		t.Errorf("kind form: %d", r.code)
	}
	if r := s.get(rehab, "/devices/export"); r.code != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
		t.Errorf("export: %d", r.code)
	}
	// Who may do what: the township worker does not keep the inventory,
	// another department does not lend, the leader only reads.
	for _, c := range []struct {
		w    who
		path string
	}{{townAW, "/devices/items/new"}, {certClerk, "/devices/loans/new"}, {leader, "/devices/loans/new"}} {
		if r := s.get(c.w, c.path); r.code != http.StatusForbidden {
			t.Errorf("%s %s GET %s: %d", c.w.role, c.w.dept, c.path, r.code)
		}
	}
	// Another township sees neither the item nor the loan.
	townBW := who{auth.RoleTownshipWorker, "", townB}
	for _, path := range []string{"/devices/items/" + items[0].ID, "/devices/loans/" + loanID} {
		if r := s.get(townBW, path); r.code != http.StatusNotFound {
			t.Errorf("township B GET %s: %d", path, r.code)
		}
	}
	if r := s.get(townBW, "/devices"); strings.Contains(r.body, items[0].AssetNo) {
		t.Error("township B's inventory lists A's item")
	}
	// Return needing repair without a note is refused beside the field, then done.
	r = s.post(townAW, "/devices/loans/"+loanID+"/return", url.Values{"returned_on": {"2026-11-30"}, "condition": {"needs_repair"}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="note_err"><span class="field-error">`) {
		t.Fatalf("return without note: %d\n%.3000s", r.code, r.body)
	}
	r = s.post(townAW, "/devices/loans/"+loanID+"/return", url.Values{"returned_on": {"2026-11-30"}, "condition": {"needs_repair"}, "note": {"刹车坏了"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("return: %d\n%.2000s", r.code, r.body)
	}
	if it := e.item(items[0].ID); it.Status != device.InRepair {
		t.Fatalf("item after return: %s", it.Status)
	}
	if r := s.get(rehab, "/devices/items/"+items[0].ID); !strings.Contains(r.body, "刹车坏了") || !strings.Contains(r.body, "修复入库") {
		t.Errorf("item page lacks the history or the repair form")
	}
	// Catalogue: a new kind, a bad one refused.
	if r := s.post(rehab, "/devices/catalogue", url.Values{"code": {"ZS02"}, "name": {"放大镜"}, "class": {"vision"}, "unit_value": {"35.50"}, "loanable": {"1"}, "active": {"1"}, "loan_days": {""}}); r.code != http.StatusSeeOther {
		t.Errorf("new kind: %d\n%.1500s", r.code, r.body)
	}
	if r := s.post(rehab, "/devices/catalogue", url.Values{"code": {"LY01"}, "name": {"重复"}, "class": {"mobility"}, "unit_value": {"x"}}); r.code != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "该器具代码已被使用") || !strings.Contains(r.body, "金额格式不正确") {
		t.Errorf("bad kind: %d\n%.1500s", r.code, r.body)
	}
	if r := s.post(rehab, "/devices/settings", url.Values{"loan_days_setting": {"120"}, "extend_days": {"60"}, "max_extend_days": {"365"}, "deposit_fen": {"0"}, "rent_fen": {"0"}, "reminder_every_days": {"7"}}); r.code != http.StatusSeeOther {
		t.Errorf("settings: %d\n%.1500s", r.code, r.body)
	}
	if set, _ := device.LoadSettings(t.Context(), e.db); set.LoanDays != 120 || set.ExtendDays != 60 {
		t.Errorf("settings saved: %+v", set)
	}
}

func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	it := e.items("ZX01", townA, 1, "2026-01-05")[0]
	p := e.person("何静", villageA, registry.Physical)
	// The API needs a client token; a request without one is refused.
	if r := s.get(rehab, "/api/v1/devices/items"); r.code != http.StatusUnauthorized {
		t.Fatalf("API without token: %d", r.code)
	}
	api := func(token, method, path string, body any) resp {
		var b io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			b = bytes.NewReader(j)
		}
		req := httptest.NewRequest(method, path, b)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.rt.ServeHTTP(rec, req)
		return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
	}
	var tokA, tokB string
	e.tx(func(tx *storeTx) (err error) {
		perms := []auth.Perm{auth.PermProgrammeRead, auth.PermProgrammeApply}
		if _, tokA, err = auth.CreateAPIClient(ctxOf(), tx, "township-a", townA, perms); err != nil {
			return err
		}
		_, tokB, err = auth.CreateAPIClient(ctxOf(), tx, "township-b", townB, perms)
		return err
	})
	r := api(tokA, "GET", "/api/v1/devices/items", nil)
	var list struct{ Items []device.Item }
	if r.code != http.StatusOK || json.Unmarshal([]byte(r.body), &list) != nil || len(list.Items) != 1 {
		t.Fatalf("items: %d %s", r.code, r.body)
	}
	if r := api(tokB, "GET", "/api/v1/devices/items/"+it.ID, nil); r.code != http.StatusNotFound {
		t.Errorf("township B reads A's item: %d", r.code)
	}
	r = api(tokB, "POST", "/api/v1/devices/loans", map[string]any{"item_id": it.ID, "person_id": p.ID})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "device.loan.item") {
		t.Errorf("township B lends A's item: %d %s", r.code, r.body)
	}
	r = api(tokA, "POST", "/api/v1/devices/loans", map[string]any{"item_id": it.ID, "person_id": p.ID, "lent_on": "2026-06-01", "deposit_fen": 5000})
	var l device.Loan
	if r.code != http.StatusCreated || json.Unmarshal([]byte(r.body), &l) != nil || l.DepositFen != 5000 || l.DueOn != "2026-11-28" {
		t.Fatalf("lend: %d %s", r.code, r.body)
	}
	r = api(tokA, "GET", "/api/v1/devices/overdue", nil)
	if r.code != http.StatusOK || !strings.Contains(r.body, l.ID) {
		t.Errorf("overdue: %d %s", r.code, r.body)
	}
	if r := api(tokA, "GET", "/api/v1/devices/loans?person_id="+p.ID, nil); r.code != http.StatusOK || !strings.Contains(r.body, l.ID) {
		t.Errorf("loans: %d %s", r.code, r.body)
	}
	if r := api(tokA, "GET", "/api/v1/devices/loans/"+l.ID, nil); r.code != http.StatusOK {
		t.Errorf("loan: %d", r.code)
	}
	r = api(tokA, "POST", "/api/v1/devices/loans/"+l.ID+"/return", map[string]any{"returned_on": "2026-11-30", "condition": "worn"})
	if r.code != http.StatusOK || !strings.Contains(r.body, `"returned"`) {
		t.Errorf("return: %d %s", r.code, r.body)
	}
	if r := api(tokA, "POST", "/api/v1/devices/loans/"+l.ID+"/return", map[string]any{"condition": "worn", "extra": 1}); r.code != http.StatusBadRequest {
		t.Errorf("unknown field: %d", r.code)
	}
}

type storeTx = store.Tx
