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
	"github.com/yangguang-cdpf/yangguang/internal/registry"
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
