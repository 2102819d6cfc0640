package activity_test

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

	"github.com/yangguang-cdpf/yangguang/internal/activity"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

const (
	county   = "341599000000"
	townA    = "341599001000"
	villageA = "341599001001"
	townB    = "341599101000"
	villageB = "341599101201"
)

var testAreas = []area.Area{
	{Code: county, Name: "阳光县", Level: area.County},
	{Code: townA, Name: "城关街道", Level: area.Township, ParentCode: county},
	{Code: villageA, Name: "团结社区", Level: area.Village, ParentCode: townA},
	{Code: townB, Name: "桃园镇", Level: area.Township, ParentCode: county},
	{Code: villageB, Name: "李庄村", Level: area.Village, ParentCode: townB},
}

var (
	countyScope = area.ScopeOf(county)
	today       = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

type env struct {
	t   *testing.T
	db  *store.DB
	ctx context.Context
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-staff", Name: "吴晓燕", Kind: "user"})
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, activity.Migrations} {
		list = append(list, m...)
	}
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, ctx: ctx}
	e.tx(func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	return e
}

func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(e.ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) person(name, village string, serial int) registry.Person {
	e.t.Helper()
	var p registry.Person
	idn := registry.MakeIDNumber("341599", time.Date(1970, time.May, 5, 0, 0, 0, 0, time.UTC), serial, 1)
	e.tx(func(tx *store.Tx) (err error) {
		p, err = registry.Create(e.ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: village,
			Category: registry.Physical, Grade: registry.Grade2}, today)
		return err
	})
	return p
}

type site struct {
	t     *testing.T
	e     *env
	rt    *web.Router
	token string
}

func newSite(e *env) *site {
	h := activity.NewHandler(e.db)
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
	staffW  = who{auth.RoleCountyStaff, auth.DeptCertification, county}
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

func (s *site) api(w who, method, path string, body any) resp {
	b, _ := json.Marshal(body)
	return s.do(w, method, path, bytes.NewReader(b), "application/json")
}

func (s *site) client(code string, perms ...auth.Perm) {
	s.t.Helper()
	s.e.tx(func(tx *store.Tx) (err error) {
		_, s.token, err = auth.CreateAPIClient(s.e.ctx, tx, "终端"+code, code, perms)
		return err
	})
}

var link = regexp.MustCompile(`/activities/([0-9a-f-]{36})`)

func (e *env) count(table string) int {
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A competition through the pages: the person search, participants
// ticked, an award, refusals shown on the form, scope, edit, delete.
func TestPagesCompetition(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	p1 := e.person("王德明", villageA, 321)
	p2 := e.person("李秀英", villageA, 331)
	pb := e.person("赵国庆", villageB, 341)
	if r := s.get(staffW, "/activities/new?q="+url.QueryEscape("王德明")); r.code != 200 || !strings.Contains(r.body, p1.ID) {
		t.Fatalf("person search: %d", r.code)
	}
	form := url.Values{"kind": {"competition"}, "title": {"县残疾人运动会"}, "start_on": {"2026-10-15"}, "end_on": {"2026-10-16"},
		"place": {"县体育馆"}, "organiser": {"县残联办公室"}, "area": {county}, "attendees": {"120"}, "others": {"30"},
		"person_id": {p1.ID, p2.ID}, "award_name": {"乒乓球一等奖", "", ""}, "award_level": {"county", "", ""}, "award_person": {p1.ID, "", ""}}
	// Refused: reflections on a competition, an award person not ticked;
	// the ticked persons stay ticked and nothing is written.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("reflections", "3")
	bad["award_person"] = []string{pb.ID, "", ""}
	r := s.post(staffW, "/activities", bad)
	if r.code != 422 || !strings.Contains(r.body, "只有学习类活动登记心得体会") || !strings.Contains(r.body, "第 1 个奖项的获奖人") ||
		!strings.Contains(r.body, `value="`+p2.ID+`" checked`) || !strings.Contains(r.body, "县残疾人运动会") {
		t.Fatalf("refused form: %d %.3000s", r.code, r.body)
	}
	if n := e.count("activities"); n != 0 {
		t.Fatalf("refused form wrote %d", n)
	}
	r = s.post(staffW, "/activities", form)
	if r.code != http.StatusSeeOther {
		t.Fatalf("create: %d %.2000s", r.code, r.body)
	}
	id := link.FindStringSubmatch(r.loc)[1]
	r = s.get(leaderW, "/activities/"+id)
	if r.code != 200 || !strings.Contains(r.body, "乒乓球一等奖") || !strings.Contains(r.body, "王德明") || !strings.Contains(r.body, "县级") ||
		strings.Contains(r.body, "/edit") {
		t.Fatalf("detail for the leader: %d %.2000s", r.code, r.body)
	}
	// The leader reads but does not write; a township sees none of the county's.
	if r := s.post(leaderW, "/activities/"+id+"/delete", nil); r.code != http.StatusForbidden {
		t.Fatalf("leader deleting: %d", r.code)
	}
	if r := s.get(townAW, "/activities/"+id); r.code != http.StatusNotFound {
		t.Fatalf("township reading the county's: %d", r.code)
	}
	// A township worker records only inside his township.
	town := url.Values{"kind": {"fitness_week"}, "title": {"健身周"}, "start_on": {"2026-08-08"}, "organiser": {"城关街道"}, "area": {county}, "others": {"40"},
		"person_id": {p1.ID}}
	if r := s.post(townAW, "/activities", town); r.code != 422 || !strings.Contains(r.body, "管辖范围") {
		t.Fatalf("township recording for the county: %d", r.code)
	}
	town.Set("area", villageA)
	if r := s.post(townAW, "/activities", town); r.code != http.StatusSeeOther {
		t.Fatalf("township recording: %d %.2000s", r.code, r.body)
	}
	town.Set("area", townB)
	town["person_id"] = []string{pb.ID}
	if r := s.post(townAW, "/activities", town); r.code != 422 {
		t.Fatalf("township recording for another: %d", r.code)
	}
	if r := s.get(townBW, "/activities"); r.code != 200 || strings.Contains(r.body, ">健身周<") {
		t.Fatalf("township B's list: %d", r.code)
	}
	// Lists filter by kind, area and period; the export.
	if r := s.get(leaderW, "/activities?kind=competition"); r.code != 200 || !strings.Contains(r.body, "县残疾人运动会") || strings.Contains(r.body, ">健身周<") {
		t.Fatalf("list by kind: %d", r.code)
	}
	if r := s.get(leaderW, "/activities?area="+townA); r.code != 200 || strings.Contains(r.body, "县残疾人运动会") || !strings.Contains(r.body, ">健身周<") {
		t.Fatalf("list by area: %d", r.code)
	}
	if r := s.get(leaderW, "/activities?from=2026-09-01&to=2026-12-31"); r.code != 200 || !strings.Contains(r.body, "县残疾人运动会") || strings.Contains(r.body, ">健身周<") {
		t.Fatalf("list by period: %d", r.code)
	}
	if r := s.get(leaderW, "/activities/export.xlsx?kind=competition"); r.code != 200 || !strings.Contains(r.ct, "spreadsheetml") {
		t.Fatalf("export: %d %s", r.code, r.ct)
	}
	// Edit: the form shows what is stored; a stale version is refused.
	r = s.get(staffW, "/activities/"+id+"/edit")
	if r.code != 200 || !strings.Contains(r.body, `value="`+p2.ID+`" checked`) || !strings.Contains(r.body, "乒乓球一等奖") {
		t.Fatalf("edit form: %d", r.code)
	}
	form.Set("version", "1")
	form["person_id"] = []string{p1.ID}
	if r := s.post(staffW, "/activities/"+id, form); r.code != http.StatusSeeOther {
		t.Fatalf("update: %d %.2000s", r.code, r.body)
	}
	if r := s.post(staffW, "/activities/"+id, form); r.code != 422 || !strings.Contains(r.body, "已被他人修改") {
		t.Fatalf("stale update: %d", r.code)
	}
	a, err := activity.Get(e.ctx, e.db, countyScope, id)
	if err != nil || len(a.Participants) != 1 || a.PersonTimes() != 31 || len(a.Awards) != 1 || a.Awards[0].PersonName != "王德明" || a.Version != 2 {
		t.Fatalf("after update: %+v %v", a, err)
	}
	// Delete, audited.
	if r := s.post(staffW, "/activities/"+id+"/delete", nil); r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.code)
	}
	if _, err := activity.Get(e.ctx, e.db, countyScope, id); err != store.ErrNotFound {
		t.Fatalf("deleted still there: %v", err)
	}
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'activity.delete' AND object_id = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("delete audited: %d %v", n, err)
	}
	if e.count("activity_awards") != 0 || e.count("activity_participants") != 1 {
		t.Fatalf("children left: %d awards, %d participants", e.count("activity_awards"), e.count("activity_participants"))
	}
}

// The API: create, get, update, a refusal naming its field, list, scope.
func TestAPI(t *testing.T) {
	e := setup(t)
	s := newSite(e)
	s.client(county, auth.PermActivityRead, auth.PermActivityWrite)
	body := map[string]any{"kind": "seminar", "title": "“干部新状态”研讨会", "start_on": "2026-05-12", "organiser": "县残联党组", "area_code": county,
		"attendees": 25, "reflections": 12}
	r := s.api(staffW, http.MethodPost, "/api/v1/activities", body)
	if r.code != http.StatusCreated {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	var a activity.Activity
	if err := json.Unmarshal([]byte(r.body), &a); err != nil || a.Reflections != 12 || a.Version != 1 {
		t.Fatalf("created: %+v %v", a, err)
	}
	body["others"] = 5
	if r := s.api(staffW, http.MethodPut, "/api/v1/activities/"+a.ID, body); r.code != 422 || !strings.Contains(r.body, "activity.f.others") {
		t.Fatalf("others on a seminar: %d %s", r.code, r.body)
	}
	delete(body, "others")
	body["reflections"], body["version"] = 14, 1
	if r := s.api(staffW, http.MethodPut, "/api/v1/activities/"+a.ID, body); r.code != 200 || !strings.Contains(r.body, `"reflections": 14`) {
		t.Fatalf("update: %d %s", r.code, r.body)
	}
	if r := s.get(staffW, "/api/v1/activities?kind=seminar"); r.code != 200 || !strings.Contains(r.body, a.ID) {
		t.Fatalf("list: %d %s", r.code, r.body)
	}
	s.client(townA, auth.PermActivityRead)
	if r := s.get(townAW, "/api/v1/activities/"+a.ID); r.code != http.StatusNotFound {
		t.Fatalf("township reading the county's: %d", r.code)
	}
	if r := s.get(townAW, "/api/v1/activities"); r.code != 200 || strings.Contains(r.body, a.ID) {
		t.Fatalf("township list: %d %s", r.code, r.body)
	}
}
