package payment_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The bank file: the columns a bank expects, ID numbers and accounts as
// text with every digit, exact amounts with two decimals, the total row,
// and a name that looks like a formula kept as text.
func TestExportBatch(t *testing.T) {
	e := setup(t)
	e.src.owe(living, "2026-03", "case-1", "张一", villageA, 3333)
	e.src.owe(living, "2026-03", "case-2", "=HYPERLINK(\"http://x\")", villageA, 3333)
	e.src.owe(living, "2026-03", "case-3", "李三", villageA2, 3333)
	e.src.dues[living+"|2026-03"][2].PayeeIDNumber = "34159919800101002X"
	e.src.dues[living+"|2026-03"][2].Note = "@SUM(A1)"
	b := e.mustBuild("clerk", countyScope, marchLiving)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "id-clerk", Name: "clerk", Kind: "user"})
	var buf bytes.Buffer
	if err := payment.ExportBatch(ctx, e.db, countyScope, b.ID, &buf); refusal(t, err) != "payment.error.export_state" {
		t.Fatalf("export of a draft: %v", err)
	}
	if err := e.confirm("clerk", countyScope, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := payment.ExportBatch(ctx, e.db, townAScope, b.ID, &buf); refusal(t, err) != "payment.error.outside_scope" {
		t.Fatalf("a township exports part of a county batch: %v", err)
	}
	buf.Reset()
	if err := payment.ExportBatch(ctx, e.db, countyScope, b.ID, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetName(0)
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"序号", "姓名", "身份证号", "开户银行", "银行账号", "金额(元)", "备注"}) {
		t.Fatalf("header: %q", rows[0])
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want header, 3 lines and the total", len(rows))
	}
	ls := e.lines(countyScope, b.ID)
	for i, l := range ls {
		r := rows[i+1]
		if r[0] != []string{"1", "2", "3"}[i] || r[2] != l.PayeeIDNumber || r[3] != "阳光农商银行" || r[4] != l.BankAccount || r[5] != "33.33" {
			t.Errorf("row %d: %q", i+1, r)
		}
	}
	// ID numbers and accounts are text cells, amounts numbers.
	for _, c := range []string{"C2", "E2", "C4"} {
		if ty, _ := x.GetCellType(sheet, c); ty == excelize.CellTypeNumber {
			t.Errorf("%s is a number; it must be text", c)
		}
	}
	if ty, _ := x.GetCellType(sheet, "F2"); ty != excelize.CellTypeNumber && ty != excelize.CellTypeUnset {
		t.Errorf("amount cell type %v", ty)
	}
	raw, _ := x.GetCellValue(sheet, "F2", excelize.Options{RawCellValue: true})
	if raw != "33.33" {
		t.Errorf("raw amount %q", raw)
	}
	// The formula-looking name and note are neutralised, and no cell is a
	// formula.
	names := []string{rows[1][1], rows[2][1], rows[3][1]}
	if !slices.Contains(names, "'=HYPERLINK(\"http://x\")") {
		t.Errorf("names: %q", names)
	}
	notes := []string{rows[1][6], rows[2][6], rows[3][6]}
	if !slices.Contains(notes, "'@SUM(A1)") {
		t.Errorf("notes: %q", notes)
	}
	for r := 1; r <= 5; r++ {
		for c := 'A'; c <= 'G'; c++ {
			if f, _ := x.GetCellFormula(sheet, string(c)+string(rune('0'+r))); f != "" {
				t.Errorf("%c%d is a formula: %s", c, r, f)
			}
		}
	}
	total := rows[4]
	if total[0] != "合计" || total[1] != "3人" || total[5] != "99.99" {
		t.Fatalf("total row: %q", total)
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'payment.batch.export' AND object_id = $1`, b.ID); n != 1 {
		t.Fatalf("export audited %d times", n)
	}
	// Inside a transaction the export is audited in it.
	if err := e.try(ctx, func(tx *store.Tx) error {
		var b2 bytes.Buffer
		return payment.ExportBatch(ctx, tx, countyScope, b.ID, &b2)
	}); err != nil {
		t.Fatal(err)
	}
}

// The ledger export: every entry of the view, masked as on the page,
// reversals negative, and the net total.
func TestExportLedger(t *testing.T) {
	e := setup(t)
	e.march()
	e.paidBatch(countyScope, marchLiving)
	entries, _ := e.ledger(countyScope, payment.LedgerFilter{Person: "赵四"})
	if _, err := e.reverse("cashier", countyScope, entries[0].ID, "错发"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ctx := audit.WithActor(context.Background(), audit.System)
	if err := payment.ExportLedger(ctx, e.db, countyScope, payment.LedgerFilter{FromMonth: "2026-03", ToMonth: "2026-03"}, map[string]string{living: "困难残疾人生活补贴"}, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows(x.GetSheetName(0))
	if len(rows) != 1+5+1 {
		t.Fatalf("%d rows", len(rows))
	}
	last := rows[len(rows)-1]
	if last[0] != "合计" || last[9] != "99.99" {
		t.Fatalf("total: %q", last)
	}
	var reversal []string
	for _, r := range rows[1 : len(rows)-1] {
		if r[2] != "困难残疾人生活补贴" || r[6] == "" || r[6] == e.src.dues[living+"|2026-03"][0].PayeeIDNumber {
			t.Errorf("row not masked or unnamed: %q", r)
		}
		if len(r[8]) < 4 || r[8][:4] != "****" {
			t.Errorf("account not masked: %q", r[8])
		}
		if r[10] == "冲销" {
			reversal = r
		}
	}
	if reversal == nil || reversal[9] != "-100.00" || reversal[11] != "错发" || reversal[5] != "赵四" {
		t.Fatalf("reversal row: %q", reversal)
	}
}

// The report's figures: net of reversals, by programme, month and
// township; a person whose only payment was reversed is not counted.
func TestFigures(t *testing.T) {
	e := setup(t)
	e.march()
	e.src.owe(living, "2026-02", "case-a1", "张一", villageA, 3333)
	e.src.owe(care, "2026-03", "case-c1", "张一", villageA, 5000)
	e.src.dues[care+"|2026-03"][0].PersonID = "person-case-a1" // the same person in both programmes
	e.paidBatch(countyScope, payment.NewBatch{ProgrammeID: living, Month: "2026-02"})
	e.paidBatch(countyScope, marchLiving)
	e.paidBatch(countyScope, payment.NewBatch{ProgrammeID: care, Month: "2026-03"})
	zhao, _ := e.ledger(countyScope, payment.LedgerFilter{Person: "赵四"})
	if _, err := e.reverse("cashier", countyScope, zhao[0].ID, "错发"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f, err := payment.ComputeFigures(ctx, e.db, countyScope, "", "2026-01", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if f.Total.NetFen != 3333+9999+5000 || f.Total.Persons != 3 || f.Total.Net() != "¥183.32" {
		t.Fatalf("total: %+v", f.Total)
	}
	want := []payment.FigureRow{
		{ProgrammeID: care, TownshipCode: townA, NetFen: 5000, Persons: 1},
		{ProgrammeID: living, TownshipCode: townA, NetFen: 3333 + 9999, Persons: 3},
		{ProgrammeID: living, TownshipCode: townB, NetFen: 0, Persons: 0},
	}
	if !slices.Equal(f.Rows, want) {
		t.Fatalf("rows: %+v", f.Rows)
	}
	if !slices.Equal(f.ByProgramme, []payment.FigureRow{{ProgrammeID: care, NetFen: 5000, Persons: 1}, {ProgrammeID: living, NetFen: 13332, Persons: 3}}) {
		t.Fatalf("by programme: %+v", f.ByProgramme)
	}
	if !slices.Equal(f.ByTownship, []payment.FigureRow{{TownshipCode: townA, NetFen: 18332, Persons: 3}, {TownshipCode: townB, NetFen: 0, Persons: 0}}) {
		t.Fatalf("by township: %+v", f.ByTownship)
	}
	// One programme, one month, one township's scope.
	f, _ = payment.ComputeFigures(ctx, e.db, townAScope, living, "2026-03", "2026-03")
	if f.Total.NetFen != 9999 || f.Total.Persons != 3 || len(f.Rows) != 1 {
		t.Fatalf("living, March, township A: %+v", f)
	}
	// The ledger filters agree.
	for _, c := range []struct {
		f   payment.LedgerFilter
		net int64
		n   int
	}{
		{payment.LedgerFilter{ProgrammeID: care}, 5000, 1},
		{payment.LedgerFilter{FromMonth: "2026-03"}, 14999, 6},
		{payment.LedgerFilter{ToMonth: "2026-02"}, 3333, 1},
		{payment.LedgerFilter{AreaCode: townB}, 0, 2},
		{payment.LedgerFilter{AreaCode: villageA2}, 3333, 1},
		{payment.LedgerFilter{Person: "person-case-a1"}, 3333 + 3333 + 5000, 3},
		{payment.LedgerFilter{Person: "李三"}, 3333, 1},
	} {
		if _, tot := e.ledger(countyScope, c.f); tot.NetFen != c.net || tot.Entries != c.n {
			t.Errorf("%+v: %+v", c.f, tot)
		}
	}
	for _, c := range []struct {
		f    payment.LedgerFilter
		want string
	}{
		{payment.LedgerFilter{FromMonth: "2026/03"}, "payment.ledger.from:payment.error.month_format"},
		{payment.LedgerFilter{FromMonth: "2026-04", ToMonth: "2026-03"}, "payment.ledger.to:payment.error.month_order"},
		{payment.LedgerFilter{AreaCode: townB}, "payment.ledger.area:payment.error.area"},
	} {
		if got := fieldErrors(t, c.f.Check(townAScope).Err()); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%+v: %v", c.f, got)
		}
	}
}
