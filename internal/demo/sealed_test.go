package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/demo"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The demo writes every area through its ordinary paths, so after it no
// registered column holds a value in the clear; `keys rotate` then
// re-seals every one of them with the new key — through the payment
// ledger's and the locked lines' guards — and leaves none behind.
func TestDemoSealedAndRotated(t *testing.T) {
	ctx := context.Background()
	db, err := app.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := demo.Create(ctx, db, demo.Options{Persons: 300, Seed: 11, Today: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	use, err := crypt.KeyUse(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for col, ids := range use {
		if ids["plain"] > 0 {
			t.Errorf("%s: %d values in the clear", col, ids["plain"])
		}
	}
	for _, col := range []string{"cert_applications.id_number", "prog_cases.bank_account", "pay_ledger.bank_account", "pay_batch_lines.payee_id_number",
		"levy_employees.certificate_no"} {
		n := 0
		for _, c := range use[col] {
			n += c
		}
		if n == 0 {
			t.Errorf("the demo left %s empty: nothing was checked", col)
		}
	}

	k := crypt.Active()
	newID, _, err := crypt.Rotate(k.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := crypt.Reseal(ctx, db, 500, nil); err != nil {
		t.Fatal(err)
	}
	use, err = crypt.KeyUse(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for col, ids := range use {
		for id, n := range ids {
			if id != newID {
				t.Errorf("%s: %d values still under %s after the re-seal", col, n, id)
			}
		}
	}
}
