package dashboard_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// The home page shows the registry by category from the maintained
// counts, and certification staff see how many applications are overdue.
func TestHomeShowsCountsAndOverdueWork(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	villages, err := area.InScope(ctx, e.DB, area.ScopeOf("341599000000"))
	if err != nil {
		t.Fatal(err)
	}
	persons := registry.Demo(rand.New(rand.NewPCG(1, 1)), villages, 300, time.Now())
	if err := registry.BulkInsert(ctx, e.DB, persons); err != nil {
		t.Fatal(err)
	}
	if err := certify.Demo(ctx, e.DB, rand.New(rand.NewPCG(2, 2)), time.Now()); err != nil {
		t.Fatal(err)
	}
	overdue, err := certify.List(ctx, e.DB, auth.User{ScopeCode: "341599000000"}.Scope(), certify.Filter{Overdue: time.Now().Format(time.DateOnly), Limit: 2000})
	if err != nil {
		t.Fatal(err)
	}
	_, active, err := registry.CountByCategory(ctx, e.DB, auth.User{ScopeCode: "341599000000"}.Scope())
	if err != nil {
		t.Fatal(err)
	}
	e.CreateUser("cert", auth.RoleCountyStaff, auth.DeptCertification, "341599000000")
	body := e.SignIn("cert").Get("/").Body
	if !strings.Contains(body, `<span class="big">`+strconv.Itoa(active)+`</span>`) {
		t.Fatalf("home must show %d active persons", active)
	}
	if len(overdue) > 0 && !strings.Contains(body, "评残办证："+strconv.Itoa(len(overdue))+" 件申请已超过时限") {
		t.Fatalf("home must show %d overdue applications", len(overdue))
	}
	if len(overdue) == 0 {
		t.Fatal("the certification demo should leave some applications overdue")
	}
	// A leader without certification work reading rights sees no such line.
	e.CreateUser("boss", auth.RoleSecurityAdmin, "", "341599000000")
	if strings.Contains(e.SignIn("boss").Get("/").Body, "超过时限") {
		t.Fatal("the security administrator must not see certification work")
	}
}

// A leader's home page shows the year's targets against what is done (an
// SVG chart with its table), and the worklists of the areas: suspended
// programme cases, overdue device loans and the survey's progress, each a
// count linking to its list. A village worker, who reads no programme,
// sees neither the programme worklists nor the targets.
func TestHomeShowsTargetsAndWorklists(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	villages, err := area.InScope(ctx, e.DB, area.ScopeOf("341599000000"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := registry.BulkInsert(ctx, e.DB, registry.Demo(rand.New(rand.NewPCG(1, 1)), villages, 300, now)); err != nil {
		t.Fatal(err)
	}
	if err := programme.Demo(ctx, e.DB, rand.New(rand.NewPCG(3, 3)), now); err != nil {
		t.Fatal(err)
	}
	if err := device.Demo(ctx, e.DB, rand.New(rand.NewPCG(4, 4)), now); err != nil {
		t.Fatal(err)
	}
	if err := survey.Demo(ctx, e.DB, rand.New(rand.NewPCG(5, 5)), now); err != nil {
		t.Fatal(err)
	}
	var suspended, overdue int
	e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM prog_cases WHERE status = 'suspended'`).Scan(&suspended)
	e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_loans WHERE status = 'open' AND due_on < $1`, now.Format(time.DateOnly)).Scan(&overdue)
	e.CreateUser("lead", auth.RoleLeader, "", "341599000000")
	body := e.SignIn("lead").Get("/").Body
	for _, frag := range []string{
		strconv.Itoa(now.Year()) + " 年目标完成情况", `aria-labelledby="targets-title"`, "<caption>" + strconv.Itoa(now.Year()) + " 年目标完成情况</caption>",
		"残疾儿童抢救性康复救助人数", `href="/reports/dashboard"`,
	} {
		if !strings.Contains(body, frag) {
			t.Errorf("leader's home lacks %q", frag)
		}
	}
	if suspended > 0 && !strings.Contains(body, `<a href="/programmes/suspended">项目个案：`+strconv.Itoa(suspended)+" 件已暂停") {
		t.Errorf("leader's home must show %d suspended cases", suspended)
	}
	if overdue > 0 && !strings.Contains(body, `<a href="/devices/overdue">辅助器具租赁：`+strconv.Itoa(overdue)+" 件已逾期未还") {
		t.Errorf("leader's home must show %d overdue loans", overdue)
	}
	if suspended == 0 && overdue == 0 {
		t.Fatal("the demos should leave suspended cases or overdue loans")
	}
	var round int
	e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM survey_rounds WHERE year = $1`, now.Year()).Scan(&round)
	if round > 0 && !strings.Contains(body, `href="/survey?year=`+strconv.Itoa(now.Year())+`"`) {
		t.Error("leader's home must show the survey's progress")
	}
	e.CreateUser("vil", auth.RoleVillageWorker, "", villages[len(villages)-1].Code)
	body = e.SignIn("vil").Get("/").Body
	if strings.Contains(body, "/programmes/suspended") || strings.Contains(body, "年目标完成情况") {
		t.Error("a village worker sees programme worklists or the leaders' targets")
	}
}
