package levy_test

import (
	"context"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The declared employees' ID and certificate numbers are sealed; the
// declaration and the duplicates review read them back, and `keys rotate`
// walks the table by its two-column key.
func TestSealedAtRest(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	clerk := e.as("clerk")
	a := e.employer(codeA, "阳光机械有限公司", townA)
	b := e.employer(codeB, "桃园食品厂", townB)
	p1, p2 := e.workedPersons()
	counter := levy.Filer{Perm: auth.PermLevyReview}
	var da, db levy.Declaration
	e.tx(clerk, func(tx *store.Tx) (err error) {
		if da, err = levy.SaveDeclaration(clerk, tx, countyScope, counter, a.ID, 2026, workedInput(p1, p2), june); err != nil {
			return err
		}
		in := levy.DeclarationInput{Headcounts: fullYear(20), AvgWage: "50000", Employees: []levy.EmployeeInput{
			{IDNumber: p1.IDNumber, CertificateNo: p1.CertificateNo, Months: 3, Contract: true, Insurance: true, Wage: true}}}
		db, err = levy.SaveDeclaration(clerk, tx, countyScope, counter, b.ID, 2026, in, june)
		return err
	})
	for _, id := range []string{da.ID, db.ID} {
		e.tx(clerk, func(tx *store.Tx) error {
			_, err := levy.Advance(clerk, tx, countyScope, auth.PermLevyReview, id, levy.ActSubmit, "", june)
			return err
		})
	}
	storetest.NoPlaintext(t, e.db, []string{"levy_employees", "audit_log"}, []string{p1.IDNumber, p2.IDNumber, p1.CertificateNo, p2.CertificateNo})

	got, err := levy.GetDeclaration(ctx, e.db, countyScope, da.ID)
	if err != nil || len(got.Employees) != 2 || got.Employees[0].IDNumber != p1.IDNumber || got.Employees[0].CertificateNo != p1.CertificateNo ||
		got.Employees[1].IDNumber != p2.IDNumber || !got.Employees[0].Flagged {
		t.Fatalf("declaration read back %+v %v", got.Employees, err)
	}
	dups, err := levy.Duplicates(ctx, e.db, countyScope, 2026)
	if err != nil || len(dups) != 1 || dups[0].IDNumber != p1.IDNumber || dups[0].MaskedIDNumber() != p1.IDNumber[:6]+"********"+p1.IDNumber[14:] {
		t.Fatalf("duplicates %+v %v", dups, err)
	}
	// The re-seal pass reads levy_employees a row at a time by its key.
	stats, err := crypt.Reseal(ctx, e.db, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	scanned := map[string]int{}
	for _, s := range stats {
		scanned[s.Column] = s.Scanned
	}
	if scanned["levy_employees.id_number"] != 3 || scanned["levy_employees.certificate_no"] != 3 {
		t.Errorf("re-seal pass scanned %v", scanned)
	}
}

// Rows stored before the sealing are sealed in place by the migration's
// step, walking the table by its two-column key.
func TestSealingMigration(t *testing.T) {
	e := setup(t)
	ctx := e.as("clerk")
	a := e.employer(codeA, "阳光机械有限公司", townA)
	p1, p2 := e.workedPersons()
	var d levy.Declaration
	e.tx(ctx, func(tx *store.Tx) (err error) {
		d, err = levy.SaveDeclaration(ctx, tx, countyScope, levy.Filer{Perm: auth.PermLevyReview}, a.ID, 2026, workedInput(p1, p2), june)
		return err
	})
	for seq, p := range map[int]registry.Person{1: p1, 2: p2} {
		if _, err := e.db.ExecContext(ctx, `UPDATE levy_employees SET id_number = $1, certificate_no = $2 WHERE declaration_id = $3 AND seq = $4`,
			p.IDNumber, p.CertificateNo, d.ID, seq); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range levy.Migrations {
		if m.Version == 2026113124 {
			e.tx(ctx, func(tx *store.Tx) error { return m.Go(ctx, tx) })
		}
	}
	storetest.NoPlaintext(t, e.db, []string{"levy_employees"}, []string{p1.IDNumber, p2.IDNumber, p1.CertificateNo, p2.CertificateNo})
	got, err := levy.GetDeclaration(ctx, e.db, countyScope, d.ID)
	if err != nil || len(got.Employees) != 2 || got.Employees[1].IDNumber != p2.IDNumber || got.Employees[1].CertificateNo != p2.CertificateNo {
		t.Fatalf("after sealing %+v %v", got.Employees, err)
	}
}
