package programme_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// A tag is filed in its person's village and follows every move, however
// the person's row is written (tag_area.go).
func TestTagVillageFollowsPerson(t *testing.T) {
	e := setup(t)
	p := e.person("张三", 8, registry.Physical, registry.Grade2)
	q := e.person("李四", 9, registry.Physical, registry.Grade2, inTownB)
	ctx := e.as("clerk")
	e.tx(ctx, func(tx *store.Tx) error {
		if err := programme.SetTag(ctx, tx, countyScope, p.ID, programme.TagAutism, "县人民医院诊断", today); err != nil {
			return err
		}
		return programme.SetTag(ctx, tx, countyScope, q.ID, programme.TagNeedPrefix+programme.CodeHomeRehab, "调查", today)
	})
	village := func(id string) string {
		t.Helper()
		var v string
		if err := e.db.QueryRowContext(ctx, `SELECT village_code FROM prog_person_tags WHERE person_id = $1`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := village(p.ID); v != villageA {
		t.Fatalf("tag filed in %q, want the person's village %s", v, villageA)
	}
	if v := village(q.ID); v != villageB {
		t.Fatalf("tag filed in %q, want %s", v, villageB)
	}
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := registry.Move(ctx, tx, countyScope, p.ID, registry.Event{Version: p.Version, Reason: "迁居", EffectiveDate: "2026-11-01", VillageCode: villageB}, today)
		return err
	})
	if v := village(p.ID); v != villageB {
		t.Fatalf("after the move the tag is in %q, want %s", v, villageB)
	}
	// Any writer of persons, not only the registry's events.
	if _, err := e.db.ExecContext(ctx, `UPDATE persons SET village_code = $1 WHERE id = $2`, villageC, q.ID); err != nil {
		t.Fatal(err)
	}
	if v := village(q.ID); v != villageC {
		t.Fatalf("after a direct update the tag is in %q, want %s", v, villageC)
	}
	if v := village(p.ID); v != villageB {
		t.Fatalf("another person's tag moved to %q", v)
	}
	if n := e.count(`SELECT COUNT(*) FROM prog_person_tags t JOIN persons p ON p.id = t.person_id WHERE t.village_code <> p.village_code`); n != 0 {
		t.Fatalf("%d tags out of step with their persons", n)
	}
}

// Tags noted before the column existed are filed in their persons'
// villages by the migration.
func TestTagAreaMigrationFilesOldTags(t *testing.T) {
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var before []store.Migration
	for _, m := range migrations() {
		if m.Version < 2026120102 {
			before = append(before, m)
		}
	}
	if err := db.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	p := e.person("张三", 8, registry.Physical, registry.Grade2, inTownB)
	if _, err := db.ExecContext(ctx, `INSERT INTO prog_person_tags (person_id, tag, source, noted_on) VALUES ($1, 'autism', '医院', '2026-01-02')`, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, migrations()); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM prog_person_tags WHERE person_id = $1 AND village_code = $2`, p.ID, villageB); n != 1 {
		t.Fatalf("old tag not filed in its person's village (%d)", n)
	}
}
