package certify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
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
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// web is served without the app: the router with the certification
// routes, and the principal put in the context as the session middleware
// would (CSRF is the middleware's and is tested with the app).
type site struct {
	e     *env
	h     *certify.Handler
	rt    *web.Router
	today time.Time
	token string // API calls
}

func newSite(e *env) *site {
	s := &site{e: e, today: monday}
	s.h = certify.NewHandler(e.db)
	s.h.Now = func() time.Time { return s.today }
	s.rt = web.NewRouter(auth.NewService(e.db))
	s.h.Routes(s.rt)
	return s
}

type who struct {
	user string
	role auth.Role
	dept auth.Department
	code string // scope
}

var (
	clerkW    = who{"clerk", auth.RoleCountyStaff, auth.DeptCertification, county}
	reviewerW = who{"reviewer", auth.RoleCountyStaff, auth.DeptCertification, county}
	rehabW    = who{"clerk", auth.RoleCountyStaff, auth.DeptRehabilitation, county}
	townW     = who{"clerk", auth.RoleTownshipWorker, "", townA}
	adminW    = who{"clerk", auth.RoleCountyAdmin, "", county}
)

func expertW(user string) who { return who{user, auth.RoleExpert, "", county} }

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

func (s *site) get(w who, path string) resp { return s.do(w, http.MethodGet, path, nil, "") }

func (s *site) post(w who, path string, form url.Values) resp {
	return s.do(w, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (s *site) multipart(w who, path string, fields map[string]string, file string, data []byte) resp {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile(file, "photo.png")
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	return s.do(w, http.MethodPost, path, &b, mw.FormDataContentType())
}

var appLink = regexp.MustCompile(`/certify/applications/([0-9a-f-]{36})`)

// The browser walk as plain HTTP: counter entry with photo, booking,
// the expert's form, review, 公示, county review, issue, the printable
// certificate, delivery and the registry change.
func TestPagesWalkAnApplication(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	sess := e.session("2026-12-03", registry.Physical, 10, "dr_bone")
	idn := idNumber(1972, 401)
	r := s.multipart(clerkW, "/certify/applications", map[string]string{"type": "new", "channel": "counter", "id_number": idn, "name": "周强",
		"village_code": villageA, "phone": "13700000000", "category": "4"}, "photo", photo(300, 420))
	if r.code != http.StatusSeeOther {
		t.Fatalf("filing: %d\n%.2000s", r.code, r.body)
	}
	id := appLink.FindStringSubmatch(r.loc)[1]
	if r := s.get(clerkW, "/certify/applications/"+id); r.code != 200 || !strings.Contains(r.body, "周强") || !strings.Contains(r.body, `src="data:image/png;base64,`) {
		t.Fatalf("detail: %d", r.code)
	}
	if r := s.post(clerkW, "/certify/applications/"+id+"/book", url.Values{"session_id": {sess.ID}}); r.code != http.StatusSeeOther {
		t.Fatalf("book: %d %.1500s", r.code, r.body)
	}
	// The expert sees the case and records the result on the day.
	s.today = day("2026-12-03")
	dr := expertW("dr_bone")
	if r := s.get(dr, "/certify/assess"); r.code != 200 || !strings.Contains(r.body, "/certify/assess/"+id) {
		t.Fatalf("expert's list: %d", r.code)
	}
	if r := s.get(expertW("dr_eye"), "/certify/assess/"+id); r.code != http.StatusNotFound {
		t.Fatalf("another expert opens the case: %d", r.code)
	}
	if r := s.get(dr, "/certify/assess/"+id); r.code != 200 || !strings.Contains(r.body, "GB/T 26341") {
		t.Fatalf("assessment form: %d", r.code)
	}
	if r := s.post(dr, "/certify/assess/"+id, url.Values{"category": {"4"}, "grade": {"3"}, "findings": {" "}}); r.code != 422 ||
		!strings.Contains(r.body, `id="findings_err"><span class="field-error">`) || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("empty findings: %d", r.code)
	}
	if r := s.post(dr, "/certify/assess/"+id, url.Values{"category": {"4"}, "grade": {"3"}, "findings": {"左上肢功能障碍"}}); r.code != http.StatusSeeOther {
		t.Fatalf("assess: %d %.1500s", r.code, r.body)
	}
	for _, step := range []struct {
		w      who
		path   string
		form   url.Values
		day    string
		status string
	}{
		{reviewerW, "/review", url.Values{"action": {"publish"}}, "2026-12-03", "publicity"},
		{clerkW, "/advance", url.Values{"action": {"end_publicity"}}, "2026-12-11", "county_review"},
		{reviewerW, "/review", url.Values{"action": {"approve"}}, "2026-12-11", "approved"},
		{clerkW, "/issue", url.Values{"action": {"issue"}}, "2026-12-14", "issued"},
		{clerkW, "/deliver", url.Values{"method": {"counter"}}, "2026-12-15", "delivered"},
	} {
		s.today = day(step.day)
		if r := s.post(step.w, "/certify/applications/"+id+step.path, step.form); r.code != http.StatusSeeOther {
			t.Fatalf("%s %v: %d\n%.3000s", step.path, step.form, r.code, r.body)
		}
		if got := e.get(id).Status; string(got) != step.status {
			t.Fatalf("after %s: %s", step.path, got)
		}
	}
	if r := s.get(clerkW, "/certify/applications/"+id+"/certificate"); r.code != 200 || !strings.Contains(r.body, idn+"43") || !strings.Contains(r.body, "阳光县残疾人联合会") {
		t.Fatalf("certificate page: %d\n%.2000s", r.code, r.body)
	}
	p, err := registry.GetByIDNumber(context.Background(), e.db, countyScope, idn)
	if err != nil || p.CertificateNo != idn+"43" {
		t.Fatalf("registry: %+v %v", p, err)
	}
	if a := e.get(id); a.Visits != 3 {
		t.Fatalf("visits: filing, session, collection = 3, got %d", a.Visits)
	}
}

// Refused moves and bad input through the pages: clear messages, status
// codes, nothing changed; the department rule and the route permissions.
func TestPagesRefuse(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	a := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1980, 402), Name: "吴敏", VillageCode: villageA, Category: registry.Physical}, monday)
	cases := []struct {
		name string
		w    who
		path string
		form url.Values
		code int
		text string
	}{
		{"issue before approval", clerkW, "/issue", url.Values{"action": {"issue"}}, http.StatusConflict, "不能执行「制证」"},
		{"approve by the filer's colleague is allowed only in county review", reviewerW, "/review", url.Values{"action": {"approve"}}, http.StatusConflict, "不能执行"},
		{"no session with room", clerkW, "/book", url.Values{}, 422, "没有该类别"},
		{"staff move through the applicant's route", clerkW, "/applicant", url.Values{"action": {"forward"}}, http.StatusConflict, ""},
		{"other department", rehabW, "/book", url.Values{}, http.StatusForbidden, ""},
		{"township worker cannot schedule", townW, "/book", url.Values{}, http.StatusForbidden, ""},
		{"admin does no casework", adminW, "/advance", url.Values{"action": {"withdraw"}}, http.StatusForbidden, ""},
		{"bad visit day", clerkW, "/visit", url.Values{"visit_day": {"2030-01-01"}, "visit_reason": {"documents"}}, 422, "到场日期"},
	}
	for _, c := range cases {
		r := s.post(c.w, "/certify/applications/"+a.ID+c.path, c.form)
		if r.code != c.code || !strings.Contains(r.body, c.text) {
			t.Errorf("%s: %d, want %d with %q\n%.600s", c.name, r.code, c.code, c.text, r.body)
		}
	}
	r := s.multipart(clerkW, "/certify/applications/"+a.ID+"/attach", map[string]string{"kind": "photo"}, "file", []byte("GIF89a not a photo"))
	if r.code != 422 || !strings.Contains(r.body, "JPG 或 PNG") || !strings.Contains(r.body, `aria-describedby="attach_err" aria-invalid="true"`) {
		t.Errorf("wrong photo: %d\n%.800s", r.code, r.body)
	}
	if got := e.get(a.ID); got.Version != a.Version || got.Status != certify.Submitted {
		t.Fatalf("refusals changed the application")
	}
	// Bad filing: every problem beside its field.
	r = s.multipart(clerkW, "/certify/applications", map[string]string{"type": "new", "channel": "counter", "id_number": "123", "village_code": townA, "phone": "1"}, "photo", nil)
	for _, want := range []string{`id="id_number_err"><span class="field-error">`, `id="name_err"><span class="field-error">`, `id="village_err"><span class="field-error">`,
		`id="phone_err"><span class="field-error">`, `id="category_err"><span class="field-error">`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("filing errors: %s missing (status %d)", want, r.code)
		}
	}
	// A township worker files only in his township.
	r = s.multipart(townW, "/certify/applications", map[string]string{"type": "new", "channel": "township", "id_number": idNumber(1980, 403), "name": "外乡",
		"village_code": villageB, "category": "4"}, "photo", nil)
	if r.code != 422 || !strings.Contains(r.body, "不在您的管辖范围") {
		t.Errorf("filing outside the township: %d", r.code)
	}
}

// Every page renders for a user allowed to see it.
func TestEveryPageRenders(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	sess := e.session("2026-12-03", registry.Physical, 10, "dr_bone")
	a := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1980, 404), Name: "孙杰", VillageCode: villageA, Category: registry.Physical}, monday)
	e.step("clerk", a.ID, certify.ActBook, "2026-11-30")
	e.step("dr_bone", a.ID, certify.ActAssess, "2026-12-03")
	walkToIssue(t, e, a.ID, day("2026-12-03"))
	pages := []struct {
		w    who
		path string
	}{
		{clerkW, "/certify"}, {clerkW, "/certify/applications"}, {clerkW, "/certify/applications?status=issued&overdue=1"},
		{clerkW, "/certify/applications/new"}, {clerkW, "/certify/applications/" + a.ID}, {clerkW, "/certify/applications/" + a.ID + "/certificate"},
		{clerkW, "/certify/sessions"}, {clerkW, "/certify/sessions/" + sess.ID}, {clerkW, "/certify/experts"},
		{clerkW, "/certify/experts/" + e.experts["dr_bone"].ID}, {clerkW, "/certify/outbox"}, {clerkW, "/certify/renewals"},
		{clerkW, "/certify/figures"}, {clerkW, "/certify/figures?from=2026-01-01&to=2026-12-31&area=" + townA},
		{expertW("dr_bone"), "/certify/assess"}, {adminW, "/admin/certify-settings"}, {townW, "/certify"},
	}
	for _, p := range pages {
		r := s.get(p.w, p.path)
		if r.code != 200 || !strings.Contains(r.body, "<h1") {
			t.Errorf("GET %s: %d\n%.500s", p.path, r.code, r.body)
		}
	}
	if r := s.get(clerkW, "/certify/figures?from=2026-13-01"); !strings.Contains(r.body, "期间无效") {
		t.Errorf("bad period not reported")
	}
}

// The JSON API: file, follow by code, act, refuse, figures.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	e.session("2026-12-03", registry.Physical, 10, "dr_bone")
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "自助服务", county, []auth.Perm{auth.PermCertifyRead, auth.PermCertifyApply, auth.PermCertifyWrite})
		return err
	})
	body := `{"type":"new","id_number":"` + idNumber(1983, 405) + `","name":"马兰","village_code":"` + villageA + `","category":4}`
	r := s.do(clerkW, http.MethodPost, "/api/v1/certification/applications", strings.NewReader(body), "application/json")
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	var a certify.Application
	_ = json.Unmarshal([]byte(r.body), &a)
	if a.Channel != certify.ChannelOnline || a.Code == "" {
		t.Fatalf("created: %+v", a)
	}
	if r := s.get(clerkW, "/api/v1/certification/track/"+a.Code); r.code != 200 || !strings.Contains(r.body, `"stage": "已受理"`) {
		t.Fatalf("track: %d %s", r.code, r.body)
	}
	r = s.do(clerkW, http.MethodPost, "/api/v1/certification/applications/"+a.ID+"/actions", strings.NewReader(`{"action":"issue"}`), "application/json")
	if r.code != http.StatusConflict || !strings.Contains(r.body, `"code": "refused"`) {
		t.Fatalf("refused action: %d %s", r.code, r.body)
	}
	r = s.do(clerkW, http.MethodPost, "/api/v1/certification/applications/"+a.ID+"/actions", strings.NewReader(`{"action":"book"}`), "application/json")
	if r.code != 200 || !strings.Contains(r.body, `"status": "scheduled"`) {
		t.Fatalf("book: %d %s", r.code, r.body)
	}
	r = s.do(clerkW, http.MethodPost, "/api/v1/certification/applications", strings.NewReader(`{"type":"new","id_number":"1"}`), "application/json")
	if r.code != 422 || !strings.Contains(r.body, `"field": "certify.app.id_number"`) {
		t.Fatalf("invalid: %d %s", r.code, r.body)
	}
	for _, p := range []string{"/api/v1/certification/applications", "/api/v1/certification/applications/" + a.ID, "/api/v1/certification/sessions",
		"/api/v1/certification/figures?from=2026-01-01&to=2026-12-31", "/api/v1/certification/renewals"} {
		if r := s.get(clerkW, p); r.code != 200 {
			t.Errorf("GET %s: %d", p, r.code)
		}
	}
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "桃园镇", townB, []auth.Perm{auth.PermCertifyRead})
		return err
	})
	if r := s.get(clerkW, "/api/v1/certification/track/"+a.Code); r.code != 404 {
		t.Errorf("tracking outside the scope: %d", r.code)
	}
	if r := s.do(clerkW, http.MethodPost, "/api/v1/certification/applications", strings.NewReader(body), "application/json"); r.code != http.StatusForbidden {
		t.Errorf("filing without certify.apply: %d", r.code)
	}
}
