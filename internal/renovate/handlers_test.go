package renovate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
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
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// site serves the renovation routes without the app: the principal is
// put in the context as the session middleware would (CSRF is the
// middleware's and is tested with the app).
type site struct {
	e     *env
	h     *renovate.Handler
	rt    *web.Router
	token string
}

func newSite(e *env) *site {
	s := &site{e: e, h: renovate.NewHandler(e.db, e.fs)}
	s.h.Now = func() time.Time { return today }
	s.rt = web.NewRouter(auth.NewService(e.db))
	s.h.Routes(s.rt)
	return s
}

type who struct {
	user string
	role auth.Role
	dept auth.Department
	code string
}

var (
	plannerW  = who{"planner", auth.RoleCountyStaff, auth.DeptRehabilitation, county}
	reviewerW = who{"reviewer", auth.RoleCountyStaff, auth.DeptRehabilitation, county}
	financeW  = who{"finance", auth.RoleCountyStaff, auth.DeptFinance, county}
	certW     = who{"planner", auth.RoleCountyStaff, auth.DeptCertification, county}
	townAW    = who{"towna", auth.RoleTownshipWorker, "", townA}
	townBW    = who{"townb", auth.RoleTownshipWorker, "", townB}
	leaderW   = who{"planner", auth.RoleLeader, "", county}
)

type resp struct {
	code int
	body string
	loc  string
	ct   string
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
	return resp{rec.Code, rec.Body.String(), rec.Header().Get("Location"), rec.Header().Get("Content-Type")}
}

func (s *site) get(w who, path string) resp { return s.do(w, http.MethodGet, path, nil, "") }

func (s *site) post(w who, path string, form url.Values) resp {
	return s.do(w, http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (s *site) upload(w who, path, stage string, data []byte) resp {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("stage", stage)
	_ = mw.WriteField("caption", "入户台阶")
	fw, _ := mw.CreateFormFile("photo", "photo.png")
	_, _ = fw.Write(data)
	_ = mw.Close()
	return s.do(w, http.MethodPost, path, &b, mw.FormDataContentType())
}

var renovationLink = regexp.MustCompile(`/renovation/([0-9a-f-]{36})`)
var photoLink = regexp.MustCompile(`/renovation/[0-9a-f-]{36}/photos/([0-9a-f-]{36})`)

// A household from request to paid through the pages, with photos.
func TestPagesWalkAHousehold(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("王德明", villageA, true)
	ok := func(r resp, what string) {
		t.Helper()
		if r.code != http.StatusSeeOther {
			t.Fatalf("%s: %d %.1500s", what, r.code, r.body)
		}
	}
	r := s.post(townAW, "/renovation", url.Values{"id_number": {p.IDNumber}, "source": {"township"}, "year": {"2026"}, "note": {"出入困难"}})
	ok(r, "add")
	id := renovationLink.FindStringSubmatch(r.loc)[1]
	ok(s.post(townAW, "/renovation/"+id+"/survey", url.Values{"day": {"2026-12-01"}, "rooms": {"3"}, "steps": {"2"}, "entrance": {"steps"},
		"toilet": {"squat"}, "kitchen": {"high"}, "doors": {"threshold"}, "notes": {"门槛高"}}), "survey")
	ok(s.upload(townAW, "/renovation/"+id+"/photos", "survey", pngData(20, 10)), "survey photo")
	ok(s.post(plannerW, "/renovation/"+id+"/plan", url.Values{"qty_ramp": {"1"}, "qty_sit_toilet": {"1"}, "qty_handrail_indoor": {"6"}, "qty_bath_seat": {""},
		"note_ramp": {"门前"}, "agreed_on": {"2026-12-02"}, "agreed_by": {"王秀英"}}), "plan")
	if got := e.get(id); got.TotalFen != 320000 {
		t.Fatalf("plan total %d", got.TotalFen)
	}
	if r := s.post(plannerW, "/renovation/"+id+"/review", url.Values{"action": {"approve"}}); r.code != http.StatusForbidden && r.code != http.StatusConflict {
		t.Fatalf("planner approving: %d", r.code)
	} else if r.code == http.StatusConflict && !strings.Contains(r.body, "四眼原则") {
		t.Fatalf("four eyes not explained: %.800s", r.body)
	}
	ok(s.post(reviewerW, "/renovation/"+id+"/review", url.Values{"action": {"approve"}, "note": {"同意"}}), "approve")
	ok(s.post(plannerW, "/renovation/"+id+"/start", url.Values{"contractor": {"县建安公司"}, "start_day": {"2026-12-10"}}), "start")
	if r := s.post(reviewerW, "/renovation/"+id+"/accept", url.Values{"accept_day": {"2026-12-10"}, "signed_by": {"王秀英"}}); r.code != 422 || !strings.Contains(r.body, "验收照片") {
		t.Fatalf("accept without photo: %d", r.code)
	}
	ok(s.upload(townAW, "/renovation/"+id+"/photos", "acceptance", pngData(30, 20)), "acceptance photo")
	ok(s.post(reviewerW, "/renovation/"+id+"/accept", url.Values{"accept_day": {"2026-12-10"}, "signed_by": {"王秀英"}, "inspection_notes": {"合格"}}), "accept")
	if r := s.post(plannerW, "/renovation/"+id+"/pay", url.Values{"pay_day": {"2026-12-10"}, "amount": {"3200"}}); r.code != http.StatusForbidden {
		t.Fatalf("rehabilitation staff paying: %d", r.code)
	}
	ok(s.post(financeW, "/renovation/"+id+"/pay", url.Values{"pay_day": {"2026-12-10"}, "amount": {"3,200.00"}}), "pay")
	got := e.get(id)
	if got.Status != renovate.Paid || got.PaidFen != 320000 {
		t.Fatalf("after paying: %s %d", got.Status, got.PaidFen)
	}
	page := s.get(leaderW, "/renovation/"+id)
	for _, want := range []string{"已支付", "县建安公司", "3200.00", "验收照片", "王秀英", "审批通过", "<caption>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("household page lacks %q", want)
		}
	}
	m := photoLink.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no photo link")
	}
	ph := s.get(leaderW, "/renovation/"+id+"/photos/"+m[1])
	if ph.code != 200 || ph.ct != "image/png" || !bytes.HasPrefix([]byte(ph.body), []byte("\x89PNG")) {
		t.Fatalf("photo: %d %s", ph.code, ph.ct)
	}
	// Every page renders for those allowed to see it.
	for _, p := range []struct {
		w    who
		path string
	}{
		{leaderW, "/renovation"}, {leaderW, "/renovation?year=0&status=paid&area=" + townA + "&q=王"}, {townAW, "/renovation/new"},
		{townAW, "/renovation/needs"}, {leaderW, "/renovation/figures"}, {leaderW, "/renovation/figures?year=2026&from=2026-06-01&to=2026-12-31"},
		{leaderW, "/renovation/catalogue"}, {plannerW, "/renovation/catalogue"}, {leaderW, "/renovation/settings"}, {plannerW, "/renovation/settings?year=2027"},
		{townAW, "/renovation/" + id}, {townAW, "/renovation/" + id + "/survey"}, {plannerW, "/renovation/" + id + "/plan"},
	} {
		r := s.get(p.w, p.path)
		if r.code != 200 || !strings.Contains(r.body, "<h1") {
			t.Errorf("GET %s: %d\n%.600s", p.path, r.code, r.body)
		}
	}
	if r := s.get(leaderW, "/renovation/figures?from=2026-13-01"); r.code != 422 || !strings.Contains(r.body, "统计期间无效") {
		t.Errorf("bad period: %d", r.code)
	}
	if r := s.get(certW, "/renovation/"+id+"/plan"); r.code != http.StatusForbidden {
		t.Errorf("certification staff planning: %d", r.code)
	}
}

// noise is a PNG that does not compress: about 4 bytes a pixel.
func noise(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// A photo is refused by its content and by its size; nothing is attached.
func TestPhotoUploadRefused(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	r := e.add(e.person("陈红", villageA, false), 2026)
	ctx := e.as("planner")
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.SaveSettings(ctx, tx, renovate.Settings{Eligibility: renovate.EligibleAll, PhotoMaxKB: 100})
	})
	big := noise(200, 200)
	if len(big) <= 100<<10 {
		t.Fatalf("noise PNG only %d bytes", len(big))
	}
	cases := []struct {
		name  string
		stage string
		data  []byte
		text  string
	}{
		{"text named .png", "survey", []byte("这不是照片"), "只能上传 JPEG 或 PNG"},
		{"html", "survey", []byte("<html><body>x</body></html>"), "只能上传 JPEG 或 PNG"},
		{"PNG header only", "survey", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "只能上传 JPEG 或 PNG"},
		{"too large", "survey", big, "不能超过 100 KB"},
		{"empty", "survey", []byte{}, "必须填写"},
		{"stage not open", "acceptance", pngData(8, 8), "不能上传这一类照片"},
	}
	for _, c := range cases {
		res := s.upload(townAW, "/renovation/"+r.ID+"/photos", c.stage, c.data)
		if res.code != http.StatusUnprocessableEntity || !strings.Contains(res.body, c.text) || !strings.Contains(res.body, `aria-invalid="true"`) {
			t.Errorf("%s: %d %q", c.name, res.code, c.text)
		}
	}
	fs, _ := renovate.Files(context.Background(), e.db, r.ID)
	if len(fs) != 0 {
		t.Fatalf("%d files attached after refusals", len(fs))
	}
}

// A township worker sees and changes only his township's households and
// their photos.
func TestScope(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	ra := e.add(e.person("刘洋", villageA, false), 2026)
	rb := e.add(e.person("何静", villageB, false), 2026)
	e.photo(ra.ID, renovate.StageSurvey)
	e.photo(rb.ID, renovate.StageSurvey)
	fa, _ := renovate.Files(context.Background(), e.db, ra.ID)
	fb, _ := renovate.Files(context.Background(), e.db, rb.ID)
	if len(fa) != 1 || len(fb) != 1 {
		t.Fatal("fixture photos")
	}
	for _, c := range []struct {
		name string
		r    resp
	}{
		{"household page", s.get(townBW, "/renovation/"+ra.ID)},
		{"survey form", s.get(townBW, "/renovation/"+ra.ID+"/survey")},
		{"photo", s.get(townBW, "/renovation/"+ra.ID+"/photos/"+fa[0].ID)},
		{"own household, other's photo", s.get(townBW, "/renovation/"+rb.ID+"/photos/"+fa[0].ID)},
		{"survey post", s.post(townBW, "/renovation/"+ra.ID+"/survey", url.Values{"day": {"2026-12-01"}})},
		{"upload", s.upload(townBW, "/renovation/"+ra.ID+"/photos", "survey", pngData(8, 8))},
	} {
		if c.r.code != http.StatusNotFound {
			t.Errorf("%s outside the scope: %d", c.name, c.r.code)
		}
	}
	if got := e.get(ra.ID); got.Version != 1 {
		t.Error("a post outside the scope changed the household")
	}
	list := s.get(townBW, "/renovation")
	if strings.Contains(list.body, "刘洋") || !strings.Contains(list.body, "何静") {
		t.Error("the list is not limited to the township")
	}
	if r := s.get(townBW, "/renovation/"+rb.ID+"/photos/"+fb[0].ID); r.code != 200 {
		t.Errorf("own photo: %d", r.code)
	}
	ctx := e.as("planner")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "桃园镇终端", townB, []auth.Perm{auth.PermProgrammeRead})
		return err
	})
	for _, path := range []string{"/api/v1/renovations/" + ra.ID, "/api/v1/renovations/" + ra.ID + "/photos/" + fa[0].ID} {
		if r := s.get(townBW, path); r.code != http.StatusNotFound {
			t.Errorf("API %s outside the scope: %d", path, r.code)
		}
	}
	if r := s.get(townBW, "/api/v1/renovations?year=2026"); strings.Contains(r.body, "刘洋") || !strings.Contains(r.body, "何静") {
		t.Error("the API list is not limited to the township")
	}
	s.token = ""
	if r := s.post(townBW, "/renovation", url.Values{"id_number": {e.get(ra.ID).PersonID}, "source": {"township"}, "year": {"2026"}}); r.code != 422 {
		t.Errorf("adding a person of another township: %d", r.code)
	}
}

// The JSON API mirrors the pages.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p := e.person("黄梅", villageA, false)
	ctx := e.as("planner")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "乡镇终端", county, []auth.Perm{auth.PermProgrammeRead, auth.PermProgrammeApply})
		return err
	})
	call := func(method, path, body string) resp {
		return s.do(plannerW, method, path, strings.NewReader(body), "application/json")
	}
	r := call(http.MethodPost, "/api/v1/renovations", `{"id_number":"`+p.IDNumber+`","source":"application","year":2026}`)
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	var rv renovate.Renovation
	_ = json.Unmarshal([]byte(r.body), &rv)
	r = call(http.MethodPost, "/api/v1/renovations/"+rv.ID+"/survey", `{"day":"2026-12-01","rooms":2,"steps":1,"entrance":"steps","toilet":"squat","kitchen":"standard","doors":"ok"}`)
	if r.code != 200 || !strings.Contains(r.body, `"status": "surveyed"`) {
		t.Fatalf("survey: %d %s", r.code, r.body)
	}
	if r := call(http.MethodPost, "/api/v1/renovations/"+rv.ID+"/plan", `{"items":[{"code":"ramp","quantity":1}],"agreed_on":"2026-12-02","agreed_by":"家属"}`); r.code != http.StatusForbidden {
		t.Fatalf("plan without programme.write: %d", r.code)
	}
	if r := call(http.MethodPost, "/api/v1/renovations/"+rv.ID+"/actions", `{"action":"cancel","reason":"x"}`); r.code != http.StatusConflict || !strings.Contains(r.body, "没有执行此操作的权限") {
		t.Fatalf("cancel without programme.write: %d %s", r.code, r.body)
	}
	if r := call(http.MethodPost, "/api/v1/renovations", `{"id_number":"1","source":"application"}`); r.code != 422 || !strings.Contains(r.body, `"field": "renovate.add.id_number"`) {
		t.Fatalf("invalid: %d %s", r.code, r.body)
	}
	for _, path := range []string{"/api/v1/renovations?year=2026", "/api/v1/renovations/" + rv.ID, "/api/v1/renovations/figures?year=2026", "/api/v1/renovations/catalogue"} {
		if r := s.get(plannerW, path); r.code != 200 {
			t.Errorf("GET %s: %d", path, r.code)
		}
	}
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(ctx, tx, "县康复科", county, []auth.Perm{auth.PermProgrammeRead, auth.PermProgrammeWrite})
		return err
	})
	r = call(http.MethodPost, "/api/v1/renovations/"+rv.ID+"/plan", `{"items":[{"code":"ramp","quantity":2},{"code":"bath_seat","quantity":1}],"agreed_on":"2026-12-02","agreed_by":"家属"}`)
	if r.code != 200 || !strings.Contains(r.body, `"total_fen": 330000`) {
		t.Fatalf("plan: %d %s", r.code, r.body)
	}
	r = call(http.MethodPost, "/api/v1/renovations/"+rv.ID+"/actions", `{"action":"cancel","reason":"家庭放弃"}`)
	if r.code != 200 || !strings.Contains(r.body, `"status": "cancelled"`) {
		t.Fatalf("cancel: %d %s", r.code, r.body)
	}
}
