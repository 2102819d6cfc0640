package crypt_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/app/apptest"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// A rotation re-seals every registered column in small batches while
// writers keep changing the same rows; after the passes every value is
// sealed by the new key, reads and lookups give what was written, and
// nothing was lost.
func TestResealAfterRotateUnderWrites(t *testing.T) {
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	if err := db.Migrate(ctx, app.Migrations()); err != nil {
		t.Fatal(err)
	}
	if _, err := area.Import(ctx, db, bytes.NewReader(apptest.CountyCSV(t))); err != nil {
		t.Fatal(err)
	}
	county := area.ScopeOf("341599000000")
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	var persons []registry.Person
	for i := range 7 {
		n := registry.NewPerson{IDNumber: registry.MakeIDNumber("341599", time.Date(1960+i, 1, 2, 0, 0, 0, 0, time.UTC), 10+i, registry.SexMale),
			Name: "测试" + string(rune('甲'+i)), VillageCode: "341599001001", Category: registry.Physical, Grade: 3, Phone: "1390000000" + string(rune('0'+i))}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			p, err := registry.Create(ctx, tx, county, n, today)
			persons = append(persons, p)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	k := crypt.Active()
	before := k.Current()
	if _, _, err := crypt.Rotate(k.Path()); err != nil {
		t.Fatal(err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	if k.Current() == before {
		t.Fatal("rotation did not change the current key")
	}

	// Writers edit the persons' phones while the re-seal runs.
	var wg sync.WaitGroup
	phones := make([]string, len(persons))
	for i := range persons {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for round := range 3 {
				phone := "1370000" + string(rune('0'+i)) + "00" + string(rune('0'+round))
				err := db.InTx(ctx, func(tx *store.Tx) error {
					p, err := registry.Get(ctx, tx, county, persons[i].ID)
					if err != nil {
						return err
					}
					n := p.Input()
					n.Phone = phone
					_, err = registry.Update(ctx, tx, county, p.ID, registry.UpdatePerson{NewPerson: n, Reason: "换号", Version: p.Version})
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				phones[i] = phone
			}
		}(i)
	}
	total := 0
	for pass := 0; pass < 5; pass++ {
		stats, err := crypt.Reseal(ctx, db, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range stats {
			n += s.Resealed
		}
		total += n
		if pass > 0 && n == 0 {
			break
		}
		wg.Wait()
	}
	if total == 0 {
		t.Fatal("nothing was re-sealed")
	}
	use, err := crypt.KeyUse(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for col, ids := range use {
		for id, n := range ids {
			if id != k.Current() {
				t.Errorf("%s: %d values still sealed by %s", col, n, id)
			}
		}
	}
	for i, p := range persons {
		got, err := registry.Get(ctx, db, county, p.ID)
		if err != nil || got.IDNumber != p.IDNumber || got.Phone != phones[i] {
			t.Errorf("person %d after rotation: %+v %v (phone want %s)", i, got, err, phones[i])
		}
		if _, err := registry.GetByIDNumber(ctx, db, county, p.IDNumber); err != nil {
			t.Errorf("lookup by ID number after rotation: %v", err)
		}
	}
}
