package programme_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
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

// today is the tests' day: Monday 2026-11-30.
var today = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

var countyScope = area.ScopeOf(county)

func migrations() []store.Migration {
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, programme.Migrations} {
		list = append(list, m...)
	}
	return list
}

type env struct {
	t   *testing.T
	db  *store.DB
	seq int
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	return e
}

// users of the tests: the rehabilitation department's clerk, reviewer and
// approver, a township worker, a finance clerk.
var users = map[string]*auth.Principal{
	"clerk":    {Kind: "user", ID: "u-clerk", Name: "clerk", Role: auth.RoleCountyStaff, Department: auth.DeptRehabilitation, Scope: countyScope},
	"reviewer": {Kind: "user", ID: "u-reviewer", Name: "reviewer", Role: auth.RoleCountyStaff, Department: auth.DeptRehabilitation, Scope: countyScope},
	"approver": {Kind: "user", ID: "u-approver", Name: "approver", Role: auth.RoleCountyStaff, Department: auth.DeptRehabilitation, Scope: countyScope},
	"township": {Kind: "user", ID: "u-town", Name: "township", Role: auth.RoleTownshipWorker, Scope: area.ScopeOf(townA)},
	"finance":  {Kind: "user", ID: "u-fin", Name: "finance", Role: auth.RoleCountyStaff, Department: auth.DeptFinance, Scope: countyScope},
}

// as is a context acting as a user.
func (e *env) as(user string) context.Context {
	p := users[user]
	ctx := auth.WithPrincipal(context.Background(), p)
	return audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user"})
}

func (e *env) tx(ctx context.Context, fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) try(ctx context.Context, fn func(tx *store.Tx) error) error { return e.db.InTx(ctx, fn) }

// born makes a birth date for an age in full years on today.
func born(age int) time.Time { return today.AddDate(-age, -2, 0) }

// person registers a person; opts adjust the new person before it is
// created.
func (e *env) person(name string, age int, c registry.Category, g registry.Grade, opts ...func(*registry.NewPerson)) registry.Person {
	e.t.Helper()
	e.seq++
	n := registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", born(age), 100+e.seq, 1+e.seq%2), Name: name, VillageCode: villageA, Category: c, Grade: g}
	if c == registry.Multiple {
		n.Grade = 0
		n.Components = []registry.Component{{Category: registry.Hearing, Grade: g}, {Category: registry.Speech, Grade: g}}
	}
	for _, o := range opts {
		o(&n)
	}
	var p registry.Person
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, countyScope, n, today)
		return err
	})
	return p
}

func dibao(n *registry.NewPerson)   { n.Dibao = true }
func inTownB(n *registry.NewPerson) { n.VillageCode = villageB }

func (e *env) die(p registry.Person, on string) {
	e.t.Helper()
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, countyScope, p.ID, registry.Event{EffectiveDate: on, Source: "公安"}, today)
		return err
	})
}

func (e *env) prog(code string) programme.Programme {
	e.t.Helper()
	p, err := programme.GetByCode(context.Background(), e.db, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// file files a case as the clerk, failing the test on error.
func (e *env) file(n programme.NewCase) programme.Case {
	e.t.Helper()
	c, err := e.fileAs("clerk", n, today)
	if err != nil {
		e.t.Fatalf("file: %v", err)
	}
	return c
}

func (e *env) fileAs(user string, n programme.NewCase, on time.Time) (programme.Case, error) {
	var c programme.Case
	ctx := e.as(user)
	err := e.try(ctx, func(tx *store.Tx) (err error) {
		c, err = programme.Create(ctx, tx, countyScope, n, on)
		return err
	})
	return c, err
}

func (e *env) act(user, id string, m programme.Move) error {
	ctx := e.as(user)
	return e.try(ctx, func(tx *store.Tx) error {
		_, err := programme.Act(ctx, tx, countyScope, id, m, today)
		return err
	})
}

// step carries out a move, failing the test on error.
func (e *env) step(user, id string, m programme.Move) {
	e.t.Helper()
	if err := e.act(user, id, m); err != nil {
		e.t.Fatalf("%s by %s: %v", m.Action, user, err)
	}
}

// approve takes a case from applied to approved with four eyes.
func (e *env) approve(id string) {
	e.t.Helper()
	e.step("township", id, programme.Move{Action: programme.ActCheck})
	e.step("reviewer", id, programme.Move{Action: programme.ActReview})
	e.step("approver", id, programme.Move{Action: programme.ActApprove})
}

func (e *env) get(id string) programme.Case {
	e.t.Helper()
	c, err := programme.GetCase(context.Background(), e.db, countyScope, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// fieldError returns the validation problem with key, failing when there
// is none.
func fieldError(t *testing.T, err error, key string) validate.FieldError {
	t.Helper()
	var es validate.Errors
	if !errors.As(err, &es) {
		t.Fatalf("want validation errors with %s, got %v", key, err)
	}
	for _, fe := range es {
		if fe.Key == key {
			return fe
		}
	}
	t.Fatalf("want %s, got %v", key, es)
	return validate.FieldError{}
}

func refusal(t *testing.T, err error) *programme.RefusedError {
	t.Helper()
	var re *programme.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return re
}

// area_ is the scope of an area code.
func area_(code string) area.Scope { return area.ScopeOf(code) }
