package registry_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

func TestEvents(t *testing.T) {
	db, ctx := setup(t)
	county := area.ScopeOf(county)
	record := func(s area.Scope, id string, e registry.Event) (registry.Person, error) {
		var p registry.Person
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			p, err = registry.RecordEvent(ctx, tx, s, id, e, today)
			return err
		})
		return p, err
	}
	active := func(id string) bool {
		ps, err := registry.Search(ctx, db, county, registry.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return containsPerson(ps, id)
	}
	cases := []struct {
		name   string
		e      registry.Event
		check  func(p registry.Person) bool
		change string // a field the history entry must show changed
		source string
		active bool
	}{
		{"move to another township", registry.Event{Kind: registry.ChangeMove, VillageCode: villageB, EffectiveDate: "2026-10-01", Reason: "婚迁"},
			func(p registry.Person) bool { return p.VillageCode == villageB && p.Active() }, "person.village", "", true},
		{"regrade", registry.Event{Kind: registry.ChangeRegrade, Category: registry.Physical, Grade: registry.Grade1, EffectiveDate: "2026-10-02", Reason: "病情加重"},
			func(p registry.Person) bool {
				return p.Grade == registry.Grade1 && p.CertificateNo == p.IDNumber+"41" && p.CertificateIssuedOn == "2026-10-02" && p.CertificateExpiresOn == "2036-10-01"
			}, "person.grade", "", true},
		{"regrade to 多重", registry.Event{Kind: registry.ChangeRegrade, Category: registry.Multiple, EffectiveDate: "2026-10-02", Reason: "复评",
			Components: []registry.Component{{Category: registry.Vision, Grade: registry.Grade3}, {Category: registry.Physical, Grade: registry.Grade2}}},
			func(p registry.Person) bool {
				return p.Category == registry.Multiple && p.Grade == registry.Grade2 && len(p.Components) == 2 && p.CertificateNo == p.IDNumber+"72"
			}, "person.components", "", true},
		{"died", registry.Event{Kind: registry.ChangeDied, EffectiveDate: "2026-11-01", Source: "公安"},
			func(p registry.Person) bool {
				return p.Status == registry.StatusDeceased && p.DeathDate == "2026-11-01"
			}, "person.death_date", "公安", false},
		{"moved out", registry.Event{Kind: registry.ChangeMovedOut, EffectiveDate: "2026-11-02", Source: "合肥市蜀山区"},
			func(p registry.Person) bool { return p.Status == registry.StatusMovedOut }, "person.status", "合肥市蜀山区", false},
		{"cancel", registry.Event{Kind: registry.ChangeCancel, Reason: "康复"},
			func(p registry.Person) bool { return p.Status == registry.StatusCancelled }, "person.status", "", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1970, 1, 1+i, 20, registry.SexMale), Name: "事件" + c.name,
				VillageCode: villageA, Category: registry.Physical, Grade: registry.Grade3, CertificateIssuedOn: "2020-01-01"})
			// Outside the scope the person does not exist.
			if _, err := record(area.ScopeOf(townB), p.ID, c.e); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("outside the scope: %v", err)
			}
			stale := c.e
			stale.Version = p.Version + 1
			if _, err := record(county, p.ID, stale); !registry.IsStale(err) {
				t.Errorf("stale version: %v", err)
			}
			c.e.Version = p.Version
			after, err := record(county, p.ID, c.e)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(after) || after.Version != 2 {
				t.Errorf("after %s: %+v", c.name, after)
			}
			if active(p.ID) != c.active {
				t.Errorf("in the active list: %v, want %v", !c.active, c.active)
			}
			if ps, _ := registry.Search(ctx, db, county, registry.Filter{Status: registry.StatusAll, Query: p.IDNumber}); len(ps) != 1 {
				t.Error("not findable with status=all")
			}
			hist, err := registry.History(ctx, db, county, p.ID)
			if err != nil || len(hist) != 2 {
				t.Fatalf("history %+v, %v", hist, err)
			}
			h := hist[0]
			if h.Change != c.e.Kind || h.Reason != c.e.Reason || h.EffectiveDate != c.e.EffectiveDate || h.Source != c.source || h.Actor != "tester" {
				t.Errorf("history entry %+v", h)
			}
			found := false
			for _, fc := range h.Changes() {
				found = found || fc.Field == c.change
			}
			if !found {
				t.Errorf("changes %+v lack %s", h.Changes(), c.change)
			}
			rows, err := audit.Search(ctx, db, audit.Filter{Object: p.ID, Action: "person." + string(c.e.Kind)})
			if err != nil || len(rows) != 1 {
				t.Fatalf("audit %+v, %v", rows, err)
			}
			var audited registry.Person
			if json.Unmarshal([]byte(rows[0].After), &audited) != nil || audited.Version != 2 {
				t.Errorf("audit after = %s", rows[0].After)
			}
			if !c.active {
				// Only an active person has these; then reinstatement.
				if _, err := record(county, p.ID, registry.Event{Kind: registry.ChangeMove, VillageCode: villageC, EffectiveDate: "2026-11-03", Reason: "x"}); !hasKey(err, "person.error.not_active") {
					t.Errorf("moving an inactive person: %v", err)
				}
				back, err := record(county, p.ID, registry.Event{Kind: registry.ChangeReinstate, Reason: "误登记"})
				if err != nil || !back.Active() || back.DeathDate != "" || !active(p.ID) {
					t.Errorf("reinstate: %+v, %v", back, err)
				}
			} else if _, err := record(county, p.ID, registry.Event{Kind: registry.ChangeReinstate, Reason: "x"}); !hasKey(err, "person.error.already_active") {
				t.Errorf("reinstating an active person: %v", err)
			}
		})
	}
}

func TestEventsRefuseBadInput(t *testing.T) {
	db, ctx := setup(t)
	p := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1970, 1, 1, 20, registry.SexMale), Name: "甲", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade3})
	cases := []struct {
		name       string
		e          registry.Event
		field, key string
	}{
		{"unknown kind", registry.Event{Kind: "vanish"}, "person.event", "validate.choose"},
		{"move without date", registry.Event{Kind: registry.ChangeMove, VillageCode: villageC, Reason: "x"}, "person.effective_date", "validate.required"},
		{"move without reason", registry.Event{Kind: registry.ChangeMove, VillageCode: villageC, EffectiveDate: "2026-01-01"}, "person.reason", "validate.required"},
		{"move to the same village", registry.Event{Kind: registry.ChangeMove, VillageCode: villageA, EffectiveDate: "2026-01-01", Reason: "x"}, "person.village", "person.error.same_village"},
		{"move out of scope", registry.Event{Kind: registry.ChangeMove, VillageCode: villageB, EffectiveDate: "2026-01-01", Reason: "x"}, "person.village", "person.error.village_outside"},
		{"move in the future", registry.Event{Kind: registry.ChangeMove, VillageCode: villageC, EffectiveDate: "2027-01-01", Reason: "x"}, "person.effective_date", "person.error.date_future"},
		{"died before birth", registry.Event{Kind: registry.ChangeDied, EffectiveDate: "1960-01-01", Source: "家属"}, "person.effective_date", "person.error.date_before_birth"},
		{"died without source", registry.Event{Kind: registry.ChangeDied, EffectiveDate: "2026-01-01"}, "person.death_source", "validate.required"},
		{"moved out nowhere", registry.Event{Kind: registry.ChangeMovedOut, EffectiveDate: "2026-01-01"}, "person.moved_to", "validate.required"},
		{"regrade to the same", registry.Event{Kind: registry.ChangeRegrade, Category: registry.Physical, Grade: registry.Grade3, EffectiveDate: "2026-01-01", Reason: "x"}, "person.grade", "person.error.same_grade"},
		{"regrade without grade", registry.Event{Kind: registry.ChangeRegrade, Category: registry.Physical, EffectiveDate: "2026-01-01", Reason: "x"}, "person.grade", "validate.choose"},
		{"cancel without reason", registry.Event{Kind: registry.ChangeCancel}, "person.reason", "validate.required"},
	}
	for _, c := range cases {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := registry.RecordEvent(ctx, tx, area.ScopeOf(townA), p.ID, c.e, today)
			return err
		})
		var es validate.Errors
		if !errors.As(err, &es) || !hasError(es, c.field, c.key) {
			t.Errorf("%s: %v, want %s on %s", c.name, err, c.key, c.field)
		}
	}
	if n := count(t, db, "person_history"); n != 1 {
		t.Errorf("%d history entries after refused events, want 1", n)
	}
}

func TestUpdateRefusesStaleVersion(t *testing.T) {
	db, ctx := setup(t)
	p := mustCreate(t, db, ctx, registry.NewPerson{IDNumber: idNumber(1970, 1, 1, 20, registry.SexMale), Name: "甲", VillageCode: villageA,
		Category: registry.Physical, Grade: registry.Grade3})
	update := func(u registry.UpdatePerson) error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			_, err := registry.Update(ctx, tx, area.ScopeOf(townA), p.ID, u)
			return err
		})
	}
	in := p.Input()
	in.Phone = "13812345678"
	if err := update(registry.UpdatePerson{NewPerson: in, Reason: "补录电话", Version: 1}); err != nil {
		t.Fatal(err)
	}
	// A second form read at version 1 is refused, and nothing is written.
	in.Name = "乙"
	if err := update(registry.UpdatePerson{NewPerson: in, Reason: "改名", Version: 1}); !registry.IsStale(err) {
		t.Fatalf("stale update: %v", err)
	}
	got, _ := registry.Get(ctx, db, area.All(), p.ID)
	if got.Name != "甲" || got.Version != 2 || count(t, db, "person_history") != 2 {
		t.Errorf("after a stale update: %+v", got)
	}
	hist, _ := registry.History(ctx, db, area.All(), p.ID)
	if hist[0].Reason != "补录电话" || hist[0].Change != registry.ChangeUpdate {
		t.Errorf("history %+v", hist[0])
	}
}

// hasKey reports whether err holds a validation problem with message key.
func hasKey(err error, key string) bool {
	var es validate.Errors
	if !errors.As(err, &es) {
		return false
	}
	for _, e := range es {
		if e.Key == key {
			return true
		}
	}
	return false
}
