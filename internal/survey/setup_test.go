package survey_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
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
	monday      = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	countyScope = area.ScopeOf(county)
)

// Principals of the tests, by role and scope.
var (
	staff    = &auth.Principal{Kind: "user", ID: "u-staff", Name: "staff", Role: auth.RoleCountyStaff, Department: auth.DeptRehabilitation, Scope: area.ScopeOf(county)}
	townWA   = &auth.Principal{Kind: "user", ID: "u-town", Name: "town", Role: auth.RoleTownshipWorker, Scope: area.ScopeOf(townA)}
	villWA   = &auth.Principal{Kind: "user", ID: "u-vill", Name: "vill", Role: auth.RoleVillageWorker, Scope: area.ScopeOf(villageA)}
	villWB   = &auth.Principal{Kind: "user", ID: "u-villb", Name: "villb", Role: auth.RoleVillageWorker, Scope: area.ScopeOf(villageB)}
	leader   = &auth.Principal{Kind: "user", ID: "u-leader", Name: "leader", Role: auth.RoleLeader, Scope: area.ScopeOf(county)}
	hookOnce sync.Once
)

type env struct {
	t  *testing.T
	db *store.DB
}

func migrations() []store.Migration {
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, survey.Migrations} {
		list = append(list, m...)
	}
	return list
}

func setup(t *testing.T) *env {
	t.Helper()
	hookOnce.Do(func() { registry.OnLeave(survey.PersonLeft) })
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	return e
}

// as is a context acting as p.
func as(p *auth.Principal) context.Context {
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

var seq int

// person registers an active person in village with the given facts.
func (e *env) person(name, village string, edit func(n *registry.NewPerson)) registry.Person {
	e.t.Helper()
	seq++
	n := registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", time.Date(1970+seq%30, 5, 6, 0, 0, 0, 0, time.UTC), 100+seq, 1+seq%2),
		Name: name, VillageCode: village, Category: registry.Physical, Grade: registry.Grade3}
	if edit != nil {
		edit(&n)
	}
	var p registry.Person
	ctx := as(staff)
	e.tx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, countyScope, n, monday)
		return err
	})
	return p
}

func (e *env) open(year int, due string, today time.Time) survey.Round {
	e.t.Helper()
	var r survey.Round
	ctx := as(staff)
	e.tx(ctx, func(tx *store.Tx) (err error) {
		r, _, err = survey.OpenRound(ctx, tx, staff, year, due, today)
		return err
	})
	return r
}

func (e *env) task(id string) survey.Task {
	e.t.Helper()
	t, err := survey.GetTask(context.Background(), e.db, countyScope, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) save(p *auth.Principal, id, section string, a survey.Answers, visited string) error {
	ctx := as(p)
	return e.try(ctx, func(tx *store.Tx) error {
		_, err := survey.SaveSection(ctx, tx, p, id, section, a, visited, monday)
		return err
	})
}

func (e *env) act(p *auth.Principal, id string, act survey.Action, note string) error {
	ctx := as(p)
	return e.try(ctx, func(tx *store.Tx) error {
		_, err := survey.Act(ctx, tx, p, id, act, note, monday)
		return err
	})
}

// complete are answers to every required item.
var complete = map[string]survey.Answers{
	"household":      {"household_type": "agricultural", "marital": "married", "education": "junior", "poverty_registered": "no"},
	"employment":     {"employment": "unemployed", "income_source": "family", "unemployed_reason": "no_job", "employment_need": "training"},
	"assistance":     {"social_assistance": "dibao", "medical_insurance": "yes", "pension_insurance": "yes"},
	"care":           {"care_received": "none", "care_needed": "none"},
	"rehabilitation": {"rehab_needed": "medical", "device_needed": "none"},
	"home":           {"renovation_needed": "yes", "renovation_items": "ramp,toilet"},
	"culture":        {"culture": "reading"},
	"wish":           {"wish": "想要一台轮椅"},
}

// fill saves every section of a task with complete answers and a visit day.
func (e *env) fill(p *auth.Principal, id string) {
	e.t.Helper()
	for _, sec := range survey.Sections {
		if err := e.save(p, id, sec, complete[sec], "2026-03-01"); err != nil {
			e.t.Fatalf("save %s: %v", sec, err)
		}
	}
}

func fieldErr(t *testing.T, err error) validate.FieldError {
	t.Helper()
	var es validate.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("want validation errors, got %v", err)
	}
	return es[0]
}

func refusal(t *testing.T, err error) *survey.RefusedError {
	t.Helper()
	var re *survey.RefusedError
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
