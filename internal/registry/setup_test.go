package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The test county: two townships with two villages each.
const (
	county   = "341599000000"
	townA    = "341599001000" // 城关街道
	villageA = "341599001001" // 团结社区
	villageC = "341599001200" // 陈楼村, also in township A
	townB    = "341599101000" // 桃园镇
	villageB = "341599101201" // 李庄村
)

var testAreas = []area.Area{
	{Code: county, Name: "阳光县", Level: area.County},
	{Code: townA, Name: "城关街道", Level: area.Township, ParentCode: county},
	{Code: villageA, Name: "团结社区", Level: area.Village, ParentCode: townA},
	{Code: villageC, Name: "陈楼村", Level: area.Village, ParentCode: townA},
	{Code: townB, Name: "桃园镇", Level: area.Township, ParentCode: county},
	{Code: villageB, Name: "李庄村", Level: area.Village, ParentCode: townB},
	{Code: "341599101202", Name: "王湾村", Level: area.Village, ParentCode: townB},
}

// today is the fixed day the tests validate against.
var today = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// setup opens an empty database with the registry's tables (and the
// accounts', for the API tests) and the test county, and a context whose
// actor is a test user.
func setup(t *testing.T) (*store.DB, context.Context) {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-test", Name: "tester", Kind: "user", IP: "127.0.0.1"})
	list := append(append(append(append([]store.Migration{}, area.Migrations...), audit.Migrations...), auth.Migrations...), registry.Migrations...)
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err }); err != nil {
		t.Fatal(err)
	}
	return db, ctx
}

// idNumber is a valid ID number of the demo county born on the given day.
func idNumber(year int, month time.Month, day, seq, sex int) string {
	return registry.MakeIDNumber("341599", time.Date(year, month, day, 0, 0, 0, 0, time.UTC), seq, sex)
}

// mustCreate registers a person in its own transaction with the whole
// county as scope.
func mustCreate(t *testing.T, db *store.DB, ctx context.Context, n registry.NewPerson) registry.Person {
	t.Helper()
	var p registry.Person
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		p, err = registry.Create(ctx, tx, area.ScopeOf(county), n, today)
		return err
	})
	if err != nil {
		t.Fatalf("create %+v: %v", n, err)
	}
	return p
}

// count returns the number of rows of a table.
func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
