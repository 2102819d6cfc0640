package certify_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
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

// monday is the tests' first day: Monday 2026-11-30, a working week with
// no holiday until the new year.
var monday = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var countyScope = area.ScopeOf(county)

// env is a test database with the county, accounts and experts.
type env struct {
	t       *testing.T
	db      *store.DB
	users   map[string]string // user name → id
	experts map[string]certify.Expert
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, calendar.Migrations, certify.Migrations} {
		list = append(list, m...)
	}
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, users: map[string]string{}, experts: map[string]certify.Expert{}}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	for _, u := range []struct {
		name string
		role auth.Role
		dept auth.Department
	}{
		{"clerk", auth.RoleCountyStaff, auth.DeptCertification},
		{"reviewer", auth.RoleCountyStaff, auth.DeptCertification},
		{"dr_eye", auth.RoleExpert, ""},
		{"dr_bone", auth.RoleExpert, ""},
		{"dr_bone2", auth.RoleExpert, ""},
		{"dr_mind", auth.RoleExpert, ""},
	} {
		e.tx(ctx, func(tx *store.Tx) error {
			usr, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: u.name, DisplayName: u.name, Role: u.role, Department: u.dept, ScopeCode: county, Password: "First#pass2026"})
			e.users[u.name] = usr.ID
			return err
		})
	}
	for _, x := range []struct {
		user string
		sp   certify.Speciality
	}{{"dr_eye", certify.Ophthalmology}, {"dr_bone", certify.Orthopaedics}, {"dr_bone2", certify.Orthopaedics}, {"dr_mind", certify.Psychiatry}} {
		e.tx(ctx, func(tx *store.Tx) error {
			ex, err := certify.SaveExpert(ctx, tx, certify.Expert{UserID: e.users[x.user], Name: x.user, Speciality: x.sp, Hospital: "县人民医院", Qualification: "主任医师", Available: true})
			e.experts[x.user] = ex
			return err
		})
	}
	return e
}

// as is a context acting as a user.
func (e *env) as(user string) context.Context {
	return audit.WithActor(context.Background(), audit.Actor{ID: e.users[user], Name: user, Kind: "user"})
}

func (e *env) tx(ctx context.Context, fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// try runs fn in a transaction and returns its error.
func (e *env) try(ctx context.Context, fn func(tx *store.Tx) error) error {
	return e.db.InTx(ctx, fn)
}

func (e *env) get(id string) certify.Application {
	e.t.Helper()
	a, err := certify.Get(context.Background(), e.db, countyScope, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// idNumber makes a valid ID number of the county.
func idNumber(year int, seq int) string {
	return registry.MakeIDNumber("341599", time.Date(year, time.March, 3, 0, 0, 0, 0, time.UTC), seq, 1+seq%2)
}

// person registers a person with a card issued on issued.
func (e *env) person(idn, name, village string, c registry.Category, g registry.Grade, issued string) registry.Person {
	e.t.Helper()
	var p registry.Person
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: village, Category: c, Grade: g, CertificateIssuedOn: issued}, monday)
		return err
	})
	return p
}

func (e *env) file(n certify.NewApplication, today time.Time) certify.Application {
	e.t.Helper()
	var a certify.Application
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		a, err = certify.Create(ctx, tx, countyScope, n, today)
		return err
	})
	return a
}

func (e *env) session(d string, c registry.Category, capacity int, experts ...string) certify.Session {
	e.t.Helper()
	var s certify.Session
	ctx := e.as("clerk")
	var ids []string
	for _, x := range experts {
		ids = append(ids, e.experts[x].ID)
	}
	e.tx(ctx, func(tx *store.Tx) (err error) {
		cal, err := calendar.Load(ctx, tx)
		if err != nil {
			return err
		}
		s, err = certify.CreateSession(ctx, tx, certify.NewSession{Day: d, Place: "县残联三楼", Category: c, Capacity: capacity, ExpertIDs: ids}, monday, cal)
		return err
	})
	return s
}

// photo returns a PNG of w × h pixels.
func photo(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y += 7 {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func (e *env) attachPhoto(id string) {
	e.t.Helper()
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) error {
		return certify.Attach(ctx, tx, countyScope, id, "photo", "photo.png", photo(300, 420))
	})
}

// fieldError returns the first validation problem of err, failing when
// err is not a validation error.
func fieldError(t *testing.T, err error) validate.FieldError {
	t.Helper()
	var es validate.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("want validation errors, got %v", err)
	}
	return es[0]
}

// refusal returns the refusal of err, failing when err is not one.
func refusal(t *testing.T, err error) *certify.RefusedError {
	t.Helper()
	var re *certify.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return re
}

// count returns a count from SQL.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
