package employ_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
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

var (
	countyScope = area.ScopeOf(county)
	scopeA      = area.ScopeOf(townA)
	scopeB      = area.ScopeOf(townB)
	today       = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
)

type env struct {
	t     *testing.T
	db    *store.DB
	ctx   context.Context
	users map[string]string
	seq   int
}

func migrations() []store.Migration {
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, employ.Migrations} {
		list = append(list, m...)
	}
	return list
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u1", Name: "clerk", Kind: "user"})
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, ctx: ctx, users: map[string]string{}}
	e.tx(func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	for _, u := range []struct {
		name  string
		role  auth.Role
		dept  auth.Department
		scope string
	}{
		{"employ", auth.RoleCountyStaff, auth.DeptEmployment, county},
		{"cert", auth.RoleCountyStaff, auth.DeptCertification, county},
		{"workerA", auth.RoleTownshipWorker, "", townA},
		{"workerB", auth.RoleTownshipWorker, "", townB},
	} {
		e.tx(func(tx *store.Tx) error {
			usr, _, err := auth.CreateUser(ctx, tx, auth.NewUser{Username: u.name, DisplayName: u.name, Role: u.role, Department: u.dept, ScopeCode: u.scope, Password: "First#pass2026"})
			e.users[u.name] = usr.ID
			return err
		})
	}
	return e
}

func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(e.ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) try(fn func(tx *store.Tx) error) error { return e.db.InTx(e.ctx, fn) }

// person registers an active person in village.
func (e *env) person(name, village string) registry.Person {
	e.t.Helper()
	e.seq++
	var p registry.Person
	idn := registry.MakeIDNumber("341599", time.Date(1980+e.seq%20, time.March, 3, 0, 0, 0, 0, time.UTC), e.seq, 1+e.seq%2)
	e.tx(func(tx *store.Tx) (err error) {
		p, err = registry.Create(e.ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: village, Category: registry.Physical, Grade: registry.Grade3}, today)
		return err
	})
	return p
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// fieldOf returns the field of the first validation problem, "" when err
// is not a validation error.
func fieldOf(err error) string {
	var es validate.Errors
	if errors.As(err, &es) && len(es) > 0 {
		return es[0].Field
	}
	return ""
}

func keyOf(err error) string {
	var es validate.Errors
	if errors.As(err, &es) && len(es) > 0 {
		return es[0].Key
	}
	var re *employ.RefusedError
	if errors.As(err, &re) {
		return re.Key
	}
	if errors.Is(err, store.ErrNotFound) {
		return "not_found"
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
