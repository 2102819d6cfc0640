package device_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/device"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func TestFigures(t *testing.T) {
	e := setup(t)
	ctx := ctxOf()
	a := e.items("LY01", townA, 4, "2026-01-05")
	b := e.items("ZT01", townB, 2, "2026-01-05")
	c := e.items("ZX01", county, 2, "2026-01-05")
	p1 := e.person("甲", villageA, registry.Physical)
	p2 := e.person("乙", villageA, registry.Physical)
	p3 := e.person("丙", villageB, registry.Hearing)
	// Before the period, returned before it: not counted at all.
	old := e.mustLend(countyScope, a[0].ID, p1.ID, "2026-01-10")
	e.tx(func(tx *store.Tx) error {
		_, err := device.ReturnLoan(ctx, tx, countyScope, old.ID, device.Return{ReturnedOn: "2026-02-10", Condition: device.CondGood}, monday)
		return err
	})
	// Before the period, still out and overdue at its end: served, on loan, overdue.
	e.mustLend(countyScope, a[1].ID, p1.ID, "2026-02-01") // due 2026-07-31
	// In the period, returned in it, needing repair.
	r := e.mustLend(countyScope, b[0].ID, p3.ID, "2026-07-01")
	e.tx(func(tx *store.Tx) error {
		_, err := device.ReturnLoan(ctx, tx, countyScope, r.ID, device.Return{ReturnedOn: "2026-08-01", Condition: device.CondNeedsRepair, Note: "进水"}, monday)
		return err
	})
	// In the period, lost in it.
	lost := e.mustLend(countyScope, c[0].ID, p2.ID, "2026-07-05")
	e.tx(func(tx *store.Tx) error {
		_, err := device.MarkLost(ctx, tx, countyScope, lost.ID, device.Loss{LostOn: "2026-08-05", Note: "遗失"}, monday)
		return err
	})
	// After the period: not counted in it.
	e.mustLend(countyScope, a[2].ID, p2.ID, "2026-11-01")

	st, err := device.Figures(context.Background(), e.db, countyScope, "2026-06-01", "2026-09-30")
	if err != nil {
		t.Fatal(err)
	}
	want := device.StatRow{InStock: 4, InRepair: 1, OnLoan: 1, LoansMade: 2, PersonsServed: 3, Overdue: 1, Returned: 1, Lost: 1}
	got := st.Total
	got.Key, got.Name = "", ""
	if got != want {
		t.Fatalf("total %+v\nwant  %+v", got, want)
	}
	rows := map[string]device.StatRow{}
	for _, r := range append(st.ByKind, st.ByTownship...) {
		rows[r.Key] = r
	}
	for _, c := range []struct {
		key                                         string
		inStock, onLoan, made, served, returned, lo int
	}{
		{"LY01", 2, 1, 0, 1, 0, 0}, // a[0] back and a[3] in stock; a[2], lent after the period, is out now
		{"ZT01", 1, 0, 1, 1, 1, 0},
		{"ZX01", 1, 0, 1, 1, 0, 1},
		{townA, 2, 1, 1, 2, 0, 1},
		{townB, 1, 0, 1, 1, 1, 0},
		{county, 1, 0, 0, 0, 0, 0},
	} {
		r := rows[c.key]
		if r.InStock != c.inStock || r.OnLoan != c.onLoan || r.LoansMade != c.made || r.PersonsServed != c.served || r.Returned != c.returned || r.Lost != c.lo {
			t.Errorf("%s: %+v", c.key, r)
		}
	}
	// A township sees only its own.
	sa, err := device.Figures(context.Background(), e.db, scopeA, "2026-06-01", "2026-09-30")
	if err != nil || sa.Total.InStock != 2 || sa.Total.PersonsServed != 2 || len(sa.ByTownship) != 1 {
		t.Fatalf("township A: %+v %v", sa, err)
	}
}
