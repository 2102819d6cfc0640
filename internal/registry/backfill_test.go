package registry_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// A database made before pinyin initials existed gets them on upgrade.
func TestInitialsBackfillOnUpgrade(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	var before, after []store.Migration
	for _, list := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations} {
		for _, m := range list {
			if m.Version < 2026112806 {
				before = append(before, m)
			}
			after = append(after, m)
		}
	}
	if err := db.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	now := store.Now()
	for _, q := range []string{
		`INSERT INTO areas (code, name, level, parent_code, updated_at) VALUES ('341599000000', '阳光县', 'county', NULL, '` + now + `')`,
		`INSERT INTO areas (code, name, level, parent_code, updated_at) VALUES ('341599101000', '镇', 'township', '341599000000', '` + now + `')`,
		`INSERT INTO areas (code, name, level, parent_code, updated_at) VALUES ('341599101001', '村', 'village', '341599101000', '` + now + `')`,
		`INSERT INTO persons (id, id_number, name, sex, birth_date, village_code, category, grade, certificate_no, status, created_at, updated_at, version)
		 VALUES ('p1', '11010519491231002X', '张三丰', 2, '1949-12-31', '341599101001', 4, 2, '', 'active', '` + now + `', '` + now + `', 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, after); err != nil {
		t.Fatal(err)
	}
	var initials string
	if err := db.QueryRowContext(ctx, `SELECT name_initials FROM persons WHERE id = 'p1'`).Scan(&initials); err != nil {
		t.Fatal(err)
	}
	if initials != "zsf" {
		t.Fatalf("initials after upgrade = %q, want zsf", initials)
	}
	// The same upgrade sealed the row written in the clear: found by its
	// blind index, read back in the open.
	var stored string
	if err := db.QueryRowContext(ctx, `SELECT id_number FROM persons WHERE id = 'p1'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == "11010519491231002X" {
		t.Fatal("the upgrade left the ID number in the clear")
	}
	p, err := registry.GetByIDNumber(ctx, db, area.ScopeOf("341599000000"), "11010519491231002X")
	if err != nil || p.ID != "p1" || p.IDNumber != "11010519491231002X" {
		t.Fatalf("after sealing: %+v, %v", p, err)
	}
}
