// Package payment is the money side of programmes: monthly payment batches
// (发放批次) with an append-only ledger, the bank/finance xlsx export, the
// guard against paying twice and reversals as new entries. It knows nothing
// about why money is owed; a Source (the programme engine) says what is due.
package payment

import (
	"context"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Programme is a programme that pays money, as the batch pages list it.
type Programme struct {
	ID   string
	Name string // display name, e.g. 困难残疾人生活补贴
}

// Due is one payment a case is owed for one month (YYYY-MM): a monthly
// subsidy's instalment, a one-off grant, an approved claim. AmountFen is in
// fen (分), never a float.
type Due struct {
	CaseID        string
	ProgrammeID   string
	PersonID      string
	VillageCode   string // the person's household village: scope and totals by township
	PayeeName     string // the person, or the guardian/family member paid instead
	PayeeIDNumber string // full ID number of the payee, for the bank file
	BankName      string
	BankAccount   string
	AmountFen     int64
	Note          string // e.g. "2026年3月生活补贴" or the claim's receipt number
}

// Source is what the programme engine offers the payment side.
type Source interface {
	// Programmes lists the programmes that pay money.
	Programmes(ctx context.Context, q store.Querier) ([]Programme, error)
	// Due lists what programme owes for month inside scope s: every due
	// item, whether or not the ledger has already paid it (the ledger
	// leaves out what it has paid).
	Due(ctx context.Context, q store.Querier, s area.Scope, programmeID, month string) ([]Due, error)
	// Paid is called inside the transaction that marks a batch paid, once
	// per line, so the case can move on (a one-off grant becomes paid).
	Paid(ctx context.Context, tx *store.Tx, d Due, batchID, month string) error
	// Reversed is called inside the transaction that records a reversal
	// of a paid line, so the case can be owed again.
	Reversed(ctx context.Context, tx *store.Tx, d Due, batchID, month string) error
}
