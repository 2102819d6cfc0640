package registry_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// Names reads many persons' names at once, only inside the scope.
func TestNamesInScope(t *testing.T) {
	db, ctx := setup(t)
	a := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1950, 2, 3, 41, registry.SexMale), Name: "王建国", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade2})
	b := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1960, 4, 5, 42, registry.SexFemale), Name: "李秀英", VillageCode: villageB,
		Category: registry.Vision, Grade: registry.Grade3})
	got, err := registry.Names(ctx, db, area.ScopeOf(county), []string{a.ID, b.ID, "no-such-person"})
	if err != nil || len(got) != 2 || got[a.ID] != "王建国" || got[b.ID] != "李秀英" {
		t.Fatalf("county: %v %v", got, err)
	}
	got, err = registry.Names(ctx, db, area.ScopeOf(townA), []string{a.ID, b.ID})
	if err != nil || len(got) != 1 || got[a.ID] != "王建国" {
		t.Fatalf("township A sees %v (%v), want only 王建国", got, err)
	}
	if got, err := registry.Names(ctx, db, area.ScopeOf(county), nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %v", got, err)
	}
}
