package device_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// The test county: two townships with a village each.
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
	monday      = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	countyScope = area.ScopeOf(county)
	scopeA      = area.ScopeOf(townA)
	scopeB      = area.ScopeOf(townB)
)

type env struct {
	t     *testing.T
	db    *store.DB
	kinds map[string]device.Kind // by code
	seq   int
}

func migrations() []store.Migration {
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, device.Migrations} {
		list = append(list, m...)
	}
	return list
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := ctxOf()
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, kinds: map[string]device.Kind{}}
	e.tx(func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	ks, err := device.ListKinds(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		e.kinds[k.Code] = k
	}
	return e
}

func ctxOf() context.Context {
	return audit.WithActor(context.Background(), audit.Actor{ID: "u1", Name: "康复部小王", Kind: "user"})
}

func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(ctxOf(), fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) try(fn func(tx *store.Tx) error) error { return e.db.InTx(ctxOf(), fn) }

// person registers an active person of a village.
func (e *env) person(name, village string, c registry.Category) registry.Person {
	e.t.Helper()
	e.seq++
	idn := registry.MakeIDNumber("341599", time.Date(1960+e.seq, time.March, 3, 0, 0, 0, 0, time.UTC), 100+e.seq, 1+e.seq%2)
	var p registry.Person
	e.tx(func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctxOf(), tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: village, Category: c, Grade: 2, Phone: "13800000000"}, monday)
		return err
	})
	return p
}

// items receives n items of a kind at a location on a day.
func (e *env) items(code, location string, n int, day string) []device.Item {
	e.t.Helper()
	var out []device.Item
	e.tx(func(tx *store.Tx) (err error) {
		out, err = device.Receive(ctxOf(), tx, countyScope, device.Receipt{KindID: e.kinds[code].ID, Quantity: n, Source: "purchase",
			ReceivedOn: day, Condition: device.CondNew, LocationCode: location}, monday)
		return err
	})
	return out
}

func (e *env) lend(s area.Scope, itemID, personID, day string) (device.Loan, error) {
	var l device.Loan
	err := e.try(func(tx *store.Tx) (err error) {
		l, err = device.Lend(ctxOf(), tx, s, device.NewLoan{ItemID: itemID, PersonID: personID, LentOn: day}, monday)
		return err
	})
	return l, err
}

func (e *env) mustLend(s area.Scope, itemID, personID, day string) device.Loan {
	e.t.Helper()
	l, err := e.lend(s, itemID, personID, day)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

func (e *env) item(id string) device.Item {
	e.t.Helper()
	it, err := device.GetItem(context.Background(), e.db, countyScope, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// fieldError returns the first problem of a validation error.
func fieldError(t *testing.T, err error) validate.FieldError {
	t.Helper()
	var es validate.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("want validation errors, got %v", err)
	}
	return es[0]
}
