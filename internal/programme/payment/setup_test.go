package payment_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// The test county: two townships with villages.
const (
	county    = "341599000000"
	townA     = "341599001000"
	villageA  = "341599001001"
	villageA2 = "341599001200"
	townB     = "341599101000"
	villageB  = "341599101201"
)

var testAreas = []area.Area{
	{Code: county, Name: "阳光县", Level: area.County},
	{Code: townA, Name: "城关街道", Level: area.Township, ParentCode: county},
	{Code: villageA, Name: "团结社区", Level: area.Village, ParentCode: townA},
	{Code: villageA2, Name: "陈楼村", Level: area.Village, ParentCode: townA},
	{Code: townB, Name: "桃园镇", Level: area.Township, ParentCode: county},
	{Code: villageB, Name: "李庄村", Level: area.Village, ParentCode: townB},
}

var (
	countyScope = area.ScopeOf(county)
	townAScope  = area.ScopeOf(townA)
	townBScope  = area.ScopeOf(townB)
)

// today is the tests' day: the end of March 2026.
var today = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

const (
	living = "prog-living" // 困难残疾人生活补贴
	care   = "prog-care"   // 重度残疾人护理补贴
)

// fakeSource is the programme engine as the payment side sees it: dues
// per programme and month, and Paid/Reversed written to a table inside
// the caller's transaction, so a rolled-back payment leaves no trace
// there either.
type fakeSource struct {
	progs []payment.Programme
	dues  map[string][]payment.Due // programme|month
	// failPaid makes Paid fail for this case (the engine refusing).
	failPaid string
}

func newSource() *fakeSource {
	return &fakeSource{progs: []payment.Programme{{ID: living, Name: "困难残疾人生活补贴"}, {ID: care, Name: "重度残疾人护理补贴"}},
		dues: map[string][]payment.Due{}}
}

func (f *fakeSource) Programmes(ctx context.Context, q store.Querier) ([]payment.Programme, error) {
	return f.progs, nil
}

func (f *fakeSource) Due(ctx context.Context, q store.Querier, s area.Scope, programmeID, month string) ([]payment.Due, error) {
	var out []payment.Due
	for _, d := range f.dues[programmeID+"|"+month] {
		if s.Contains(d.VillageCode) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fakeSource) Paid(ctx context.Context, tx *store.Tx, d payment.Due, batchID, month string) error {
	if d.CaseID == f.failPaid {
		return errors.New("engine refuses case " + d.CaseID)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO fake_events (case_id, month, batch_id, kind, amount_fen) VALUES ($1, $2, $3, 'paid', $4)`, d.CaseID, month, batchID, d.AmountFen)
	return err
}

func (f *fakeSource) Reversed(ctx context.Context, tx *store.Tx, d payment.Due, batchID, month string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO fake_events (case_id, month, batch_id, kind, amount_fen) VALUES ($1, $2, $3, 'reversed', $4)`, d.CaseID, month, batchID, d.AmountFen)
	return err
}

// owe adds a due: case c of programme p owes amount fen for month to a
// payee living in village.
func (f *fakeSource) owe(p, month, c, name, village string, fen int64) payment.Due {
	d := payment.Due{CaseID: c, ProgrammeID: p, PersonID: "person-" + c, VillageCode: village, PayeeName: name,
		PayeeIDNumber: fmt.Sprintf("34159919800101%04d", len(c)*97%10000), BankName: "阳光农商银行",
		BankAccount: "6228480" + fmt.Sprintf("%012d", len(f.dues[p+"|"+month])+len(c)*1000), AmountFen: fen, Note: month + " " + name}
	f.dues[p+"|"+month] = append(f.dues[p+"|"+month], d)
	return d
}

// env is a migrated test database with the county and a fake source.
type env struct {
	t   *testing.T
	db  *store.DB
	src *fakeSource
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, payment.Migrations} {
		list = append(list, m...)
	}
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE fake_events (case_id TEXT NOT NULL, month TEXT NOT NULL, batch_id TEXT NOT NULL, kind TEXT NOT NULL, amount_fen BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, src: newSource()}
	e.tx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	return e
}

// as is a context acting as a user.
func as(user string) context.Context {
	return audit.WithActor(context.Background(), audit.Actor{ID: "id-" + user, Name: user, Kind: "user"})
}

func (e *env) tx(ctx context.Context, fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) try(ctx context.Context, fn func(tx *store.Tx) error) error { return e.db.InTx(ctx, fn) }

func (e *env) build(user string, s area.Scope, n payment.NewBatch) (payment.Batch, error) {
	var b payment.Batch
	ctx := as(user)
	err := e.try(ctx, func(tx *store.Tx) (err error) {
		b, err = payment.Build(ctx, tx, e.src, s, n, today)
		return err
	})
	return b, err
}

func (e *env) mustBuild(user string, s area.Scope, n payment.NewBatch) payment.Batch {
	e.t.Helper()
	b, err := e.build(user, s, n)
	if err != nil {
		e.t.Fatalf("build %+v: %v", n, err)
	}
	return b
}

func (e *env) confirm(user string, s area.Scope, id string) error {
	ctx := as(user)
	return e.try(ctx, func(tx *store.Tx) error { _, err := payment.Confirm(ctx, tx, s, id); return err })
}

func (e *env) pay(user string, s area.Scope, id string) error {
	ctx := as(user)
	return e.try(ctx, func(tx *store.Tx) error {
		_, err := payment.Pay(ctx, tx, e.src, s, id, "", today)
		return err
	})
}

func (e *env) reverse(user string, s area.Scope, entryID, reason string) (payment.Entry, error) {
	ctx := as(user)
	var r payment.Entry
	err := e.try(ctx, func(tx *store.Tx) (err error) {
		r, err = payment.Reverse(ctx, tx, e.src, s, entryID, reason, today)
		return err
	})
	return r, err
}

// paidBatch builds, confirms (clerk) and pays (cashier) a batch.
func (e *env) paidBatch(s area.Scope, n payment.NewBatch) payment.Batch {
	e.t.Helper()
	b := e.mustBuild("clerk", s, n)
	if err := e.confirm("clerk", s, b.ID); err != nil {
		e.t.Fatal(err)
	}
	if err := e.pay("cashier", s, b.ID); err != nil {
		e.t.Fatal(err)
	}
	return e.get(s, b.ID)
}

func (e *env) get(s area.Scope, id string) payment.Batch {
	e.t.Helper()
	b, err := payment.Get(context.Background(), e.db, s, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) lines(s area.Scope, id string) []payment.Line {
	e.t.Helper()
	ls, err := payment.Lines(context.Background(), e.db, s, id, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return ls
}

func (e *env) ledger(s area.Scope, f payment.LedgerFilter) ([]payment.Entry, payment.LedgerTotals) {
	e.t.Helper()
	es, t, err := payment.Ledger(context.Background(), e.db, s, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return es, t
}

// count returns a count from SQL.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// refusal returns the key of err's refusal, failing when it is not one.
func refusal(t *testing.T, err error) string {
	t.Helper()
	var re *payment.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return re.Key
}

// fieldErrors returns "field:key" of err's validation problems.
func fieldErrors(t *testing.T, err error) []string {
	t.Helper()
	var es validate.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("want validation errors, got %v", err)
	}
	var out []string
	for _, fe := range es {
		out = append(out, fe.Field+":"+fe.Key)
	}
	slices.Sort(out)
	return out
}

func caseIDs(ls []payment.Line) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.CaseID)
	}
	slices.Sort(out)
	return out
}
