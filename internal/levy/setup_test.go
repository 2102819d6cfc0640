package levy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
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

// june is inside the 2026 declaration window.
var june = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

var countyScope = area.ScopeOf(county)

type env struct {
	t     *testing.T
	db    *store.DB
	users map[string]string
}

func migrations() []store.Migration {
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, levy.Migrations} {
		list = append(list, m...)
	}
	return list
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, users: map[string]string{}}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	for _, u := range []struct {
		name string
		role auth.Role
		dept auth.Department
	}{
		{"clerk", auth.RoleCountyStaff, auth.DeptEmployment},
		{"acme", auth.RoleEmployer, ""},
		{"beta", auth.RoleEmployer, ""},
		{"stray", auth.RoleEmployer, ""},
		{"leader", auth.RoleLeader, ""},
	} {
		e.tx(ctx, func(tx *store.Tx) error {
			usr, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: u.name, DisplayName: u.name, Role: u.role, Department: u.dept, ScopeCode: county, Password: "First#pass2026"})
			e.users[u.name] = usr.ID
			return err
		})
	}
	e.tx(e.as("clerk"), func(tx *store.Tx) error {
		return levy.SaveSettings(e.as("clerk"), tx, 2026, map[string]string{"social_avg_wage": "80000"})
	})
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

// idNumber makes a valid ID number of the county.
func idNumber(year, seq int) string {
	return registry.MakeIDNumber("341599", time.Date(year, time.March, 3, 0, 0, 0, 0, time.UTC), seq, 1+seq%2)
}

func (e *env) person(idn, name string, c registry.Category, g registry.Grade, issued string) registry.Person {
	e.t.Helper()
	var p registry.Person
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: villageA, Category: c, Grade: g, CertificateIssuedOn: issued}, june)
		return err
	})
	return p
}

func (e *env) employer(code, name, town string) levy.Employer {
	e.t.Helper()
	var emp levy.Employer
	e.tx(e.as("clerk"), func(tx *store.Tx) (err error) {
		emp, err = levy.CreateEmployer(e.as("clerk"), tx, countyScope, levy.EmployerInput{CreditCode: code, Name: name, Kind: levy.KindEnterprise, AreaCode: town, Phone: "0551-62345678"})
		return err
	})
	return emp
}

// fieldErrors returns the validation problems of err, failing when err is
// not a validation error.
func fieldErrors(t *testing.T, err error) validate.Errors {
	t.Helper()
	var es validate.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("want validation errors, got %v", err)
	}
	return es
}

func refusal(t *testing.T, err error) *levy.RefusedError {
	t.Helper()
	var re *levy.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return re
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// fullYear is 500 staff every month.
func fullYear(n int) []int {
	out := make([]int, 12)
	for i := range out {
		out[i] = n
	}
	return out
}
