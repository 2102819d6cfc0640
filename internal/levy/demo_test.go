package levy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// demoRun builds the demo review on a fresh database and returns a
// summary of it, one line per employer.
func demoRun(t *testing.T) ([]string, *env) {
	e := setup(t)
	for i := 0; i < 40; i++ {
		e.person(idNumber(1975+i%25, 100+i), fmt.Sprintf("演示%02d", i), registry.Category(1+i%6), registry.Grade(1+i%4), "2018-04-01")
	}
	ctx := e.as("clerk")
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if err := levy.Demo(ctx, e.db, rand.New(rand.NewPCG(7, 9)), today); err != nil {
		t.Fatal(err)
	}
	emps, err := levy.ListEmployers(context.Background(), e.db, area.All(), levy.EmployerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, emp := range emps {
		line := emp.CreditCode + " " + emp.Name + " " + string(emp.Kind)
		if d, err := levy.DeclarationFor(context.Background(), e.db, area.All(), emp.ID, 2026); err == nil {
			line += fmt.Sprintf(" %s %d %d", d.Status, d.Result.AmountFen, len(d.Employees))
		} else if err != store.ErrNotFound {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	return out, e
}

func TestDemo(t *testing.T) {
	first, e := demoRun(t)
	if len(first) != 60 {
		t.Fatalf("%d employers", len(first))
	}
	emps, _ := levy.ListEmployers(context.Background(), e.db, area.All(), levy.EmployerFilter{})
	for _, emp := range emps {
		if levy.CheckCreditCode(emp.CreditCode) != "" {
			t.Errorf("invalid credit code %s", emp.CreditCode)
		}
	}
	st, err := levy.Figures(context.Background(), e.db, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if st.Units != 60 || st.Reviewed < 30 || st.Declared-st.Reviewed < 1 || st.NotDeclared < 5 || st.Issued < 10 || st.LevyDueFen <= 0 || st.Flagged < 1 {
		t.Errorf("demo figures: %+v", st)
	}
	drafts, _ := levy.ListDeclarations(context.Background(), e.db, area.All(), 2026, levy.Draft)
	if len(drafts) == 0 {
		t.Error("no declaration being filled in")
	}
	// The same seed on the same registry gives the same review.
	second, _ := demoRun(t)
	if !slices.Equal(first, second) {
		t.Errorf("demo not deterministic:\n%v\n%v", first, second)
	}
}
