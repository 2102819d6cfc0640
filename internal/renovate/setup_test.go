package renovate_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The test county: two townships with villages.
const (
	county   = "341599000000"
	townA    = "341599001000"
	villageA = "341599001001"
	villageC = "341599001200"
	townB    = "341599101000"
	villageB = "341599101201"
)

var testAreas = []area.Area{
	{Code: county, Name: "阳光县", Level: area.County},
	{Code: townA, Name: "城关街道", Level: area.Township, ParentCode: county},
	{Code: villageA, Name: "团结社区", Level: area.Village, ParentCode: townA},
	{Code: villageC, Name: "陈楼村", Level: area.Village, ParentCode: townA},
	{Code: townB, Name: "桃园镇", Level: area.Township, ParentCode: county},
	{Code: villageB, Name: "李庄村", Level: area.Village, ParentCode: townB},
}

var (
	countyScope = area.ScopeOf(county)
	// today is the tests' day.
	today = time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
)

type env struct {
	t     *testing.T
	db    *store.DB
	fs    *files.Store
	users map[string]string
	seq   int
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, renovate.Migrations} {
		list = append(list, m...)
	}
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, fs: &files.Store{Dir: t.TempDir()}, users: map[string]string{}}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	for _, u := range []struct {
		name  string
		role  auth.Role
		dept  auth.Department
		scope string
	}{
		{"planner", auth.RoleCountyStaff, auth.DeptRehabilitation, county},
		{"reviewer", auth.RoleCountyStaff, auth.DeptRehabilitation, county},
		{"finance", auth.RoleCountyStaff, auth.DeptFinance, county},
		{"towna", auth.RoleTownshipWorker, "", townA},
		{"townb", auth.RoleTownshipWorker, "", townB},
	} {
		e.tx(ctx, func(tx *store.Tx) error {
			usr, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: u.name, DisplayName: u.name, Role: u.role, Department: u.dept, ScopeCode: u.scope, Password: "First#pass2026"})
			e.users[u.name] = usr.ID
			return err
		})
	}
	return e
}

func (e *env) as(user string) context.Context {
	return audit.WithActor(context.Background(), audit.Actor{ID: e.users[user], Name: user, Kind: "user"})
}

func (e *env) tx(ctx context.Context, fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) try(ctx context.Context, fn func(tx *store.Tx) error) error { return e.db.InTx(ctx, fn) }

// person registers a person in village.
func (e *env) person(name, village string, poor bool) registry.Person {
	e.t.Helper()
	e.seq++
	var p registry.Person
	ctx := e.as("planner")
	idn := registry.MakeIDNumber("341599", time.Date(1960+e.seq%40, time.March, 3, 0, 0, 0, 0, time.UTC), 100+e.seq, 1+e.seq%2)
	e.tx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: village, Category: registry.Physical,
			Grade: registry.Grade2, PovertyRegistered: poor}, today)
		return err
	})
	return p
}

// add lists a person for year.
func (e *env) add(p registry.Person, year int) renovate.Renovation {
	e.t.Helper()
	var r renovate.Renovation
	ctx := e.as("towna")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		r, err = renovate.Add(ctx, tx, countyScope, renovate.NewRenovation{PersonID: p.ID, Year: year, Source: renovate.SourceTownship}, today)
		return err
	})
	return r
}

func (e *env) get(id string) renovate.Renovation {
	e.t.Helper()
	r, err := renovate.Get(context.Background(), e.db, countyScope, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

var goodVisit = renovate.Visit{Day: "2026-12-01", Rooms: 3, Steps: 2, Entrance: "steps", Toilet: "squat", Kitchen: "high", Doors: "threshold", Notes: "入户有两级台阶"}

var goodPlan = renovate.PlanInput{Lines: []renovate.PlanLine{{Code: "ramp", Quantity: 1}, {Code: "sit_toilet", Quantity: 1}, {Code: "handrail_indoor", Quantity: 6}},
	AgreedOn: "2026-12-02", AgreedBy: "王秀英（妻子）"}

// pngData is a small valid PNG.
func pngData(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w; i++ {
		img.Set(i, i%h, color.RGBA{200, 60, 40, 255})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// photo stores a photo and attaches it at stage.
func (e *env) photo(id, stage string) {
	e.t.Helper()
	hash, kind, size, err := e.fs.Put(bytes.NewReader(pngData(16, 12)), 1<<20, files.Images)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx := e.as("towna")
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := renovate.AttachFile(ctx, tx, countyScope, id, stage, hash, kind, size, "照片")
		return err
	})
}

// walk takes a renovation from requested to paid.
func (e *env) walk(id string, to renovate.Status) {
	e.t.Helper()
	steps := []struct {
		st   renovate.Status
		user string
		fn   func(ctx context.Context, tx *store.Tx) error
	}{
		{renovate.Surveyed, "towna", func(ctx context.Context, tx *store.Tx) error {
			return renovate.Survey(ctx, tx, countyScope, id, goodVisit, today)
		}},
		{renovate.Planned, "planner", func(ctx context.Context, tx *store.Tx) error {
			_, err := renovate.Plan(ctx, tx, countyScope, id, goodPlan, today)
			return err
		}},
		{renovate.Approved, "reviewer", func(ctx context.Context, tx *store.Tx) error {
			return renovate.Review(ctx, tx, countyScope, id, renovate.ActApprove, "", today)
		}},
		{renovate.Construction, "planner", func(ctx context.Context, tx *store.Tx) error {
			return renovate.Start(ctx, tx, countyScope, id, "县建安公司", "2026-12-10", today)
		}},
		{renovate.Accepted, "reviewer", func(ctx context.Context, tx *store.Tx) error {
			return renovate.Accept(ctx, tx, countyScope, id, renovate.Acceptance{Day: "2026-12-10", SignedBy: "王秀英", Notes: "合格"}, today)
		}},
		{renovate.Paid, "finance", func(ctx context.Context, tx *store.Tx) error {
			return renovate.Pay(ctx, tx, countyScope, id, "2026-12-10", e.get(id).TotalFen, today)
		}},
	}
	for _, s := range steps {
		if e.get(id).Status == to {
			return
		}
		if s.st == renovate.Accepted {
			e.photo(id, renovate.StageAcceptance)
		}
		e.tx(e.as(s.user), func(tx *store.Tx) error { return s.fn(e.as(s.user), tx) })
	}
}
