package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kind of a ledger entry.
type Kind string

// Kinds.
const (
	KindPay      Kind = "pay"      // 发放
	KindReversal Kind = "reversal" // 冲销: a negative entry undoing a payment
)

// Entry is one line of the ledger (发放台账). Entries are only ever
// added: a payment made in error is undone by a reversal entry, and the
// database refuses to change or delete an entry.
type Entry struct {
	ID            string `json:"id"`
	BatchID       string `json:"batch_id"`
	LineID        string `json:"line_id"`
	CaseID        string `json:"case_id"`
	ProgrammeID   string `json:"programme_id"`
	PersonID      string `json:"person_id"`
	VillageCode   string `json:"village_code"`
	PayeeName     string `json:"payee_name"`
	PayeeIDNumber string `json:"payee_id_number"`
	BankName      string `json:"bank_name"`
	BankAccount   string `json:"bank_account"`
	AmountFen     int64  `json:"amount_fen"` // negative for a reversal
	Month         string `json:"month"`
	Kind          Kind   `json:"kind"`
	ReversalOf    string `json:"reversal_of,omitempty"`
	Attempt       int    `json:"attempt"`
	Note          string `json:"note"`
	BookedOn      string `json:"booked_on"`
	CreatedBy     string `json:"created_by"`
	CreatedByName string `json:"created_by_name"`
	CreatedAt     string `json:"created_at"`
	// Reversed is set on a pay entry that a reversal has undone.
	Reversed bool `json:"reversed"`
}

// Amount renders the entry's amount as ¥1,234.50 (-¥… for a reversal).
func (e Entry) Amount() string { return Yuan(e.AmountFen) }

// Due is the entry as the Source described it (a reversal's amount is
// the amount paid, positive).
func (e Entry) Due() Due {
	amt := e.AmountFen
	if amt < 0 {
		amt = -amt
	}
	return Due{CaseID: e.CaseID, ProgrammeID: e.ProgrammeID, PersonID: e.PersonID, VillageCode: e.VillageCode,
		PayeeName: e.PayeeName, PayeeIDNumber: e.PayeeIDNumber, BankName: e.BankName, BankAccount: e.BankAccount,
		AmountFen: amt, Note: e.Note}
}

const entryColumns = `id, batch_id, line_id, case_id, programme_id, person_id, village_code, payee_name, payee_id_number,
	bank_name, bank_account, amount_fen, month, kind, reversal_of, attempt, note, booked_on, created_by, created_by_name, created_at, payee_hash`

// entrySelect reads entries as l with their Reversed flag.
const entrySelect = `SELECT l.id, l.batch_id, l.line_id, l.case_id, l.programme_id, l.person_id, l.village_code, l.payee_name, l.payee_id_number,
	l.bank_name, l.bank_account, l.amount_fen, l.month, l.kind, l.reversal_of, l.attempt, l.note, l.booked_on, l.created_by, l.created_by_name, l.created_at,
	CASE WHEN l.kind = 'pay' AND EXISTS (SELECT 1 FROM pay_ledger r WHERE r.kind = 'reversal' AND r.reversal_of = l.id) THEN 1 ELSE 0 END
	FROM pay_ledger l`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var rev int
	err := sc.Scan(&e.ID, &e.BatchID, &e.LineID, &e.CaseID, &e.ProgrammeID, &e.PersonID, &e.VillageCode, &e.PayeeName, &e.PayeeIDNumber,
		&e.BankName, &e.BankAccount, &e.AmountFen, &e.Month, &e.Kind, &e.ReversalOf, &e.Attempt, &e.Note, &e.BookedOn,
		&e.CreatedBy, &e.CreatedByName, &e.CreatedAt, &rev)
	e.Reversed = rev == 1
	if err != nil {
		return e, err
	}
	return e, openPayee(&e.PayeeIDNumber, &e.BankAccount)
}

// insertEntry appends to the ledger; the unique indexes turn a second
// payment of a (case, month, attempt), or a second reversal of one
// payment, into a refusal.
func insertEntry(ctx context.Context, tx *store.Tx, e Entry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pay_ledger (`+entryColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
		e.ID, e.BatchID, e.LineID, e.CaseID, e.ProgrammeID, e.PersonID, e.VillageCode, e.PayeeName, crypt.Seal(registry.KindIDNumber, e.PayeeIDNumber),
		e.BankName, crypt.Seal(KindBankAccount, e.BankAccount), e.AmountFen, e.Month, string(e.Kind), e.ReversalOf, e.Attempt, e.Note, e.BookedOn,
		e.CreatedBy, e.CreatedByName, e.CreatedAt, registry.IDHash(e.PayeeIDNumber))
	if store.IsUniqueViolation(err) {
		if e.Kind == KindReversal {
			return refuse("payment.error.reversed_twice")
		}
		return refuse("payment.error.already_paid", e.PayeeName, e.Month)
	}
	return err
}

// GetEntry returns a ledger entry inside s.
func GetEntry(ctx context.Context, q store.Querier, s area.Scope, id string) (Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, entrySelect+` WHERE l.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !s.Contains(e.VillageCode) {
		return Entry{}, store.ErrNotFound
	}
	return e, err
}

// Reverse undoes a payment with a reason: a new negative entry referring
// to it, and the Source hears of it so the case is owed again and a later
// batch may pay it. The payment itself is never changed.
func Reverse(ctx context.Context, tx *store.Tx, src Source, s area.Scope, entryID, reason string, today time.Time) (Entry, error) {
	p, err := GetEntry(ctx, tx, s, entryID)
	if err != nil {
		return Entry{}, err
	}
	if p.Kind != KindPay {
		return Entry{}, refuse("payment.error.reverse_reversal")
	}
	if p.Reversed {
		return Entry{}, refuse("payment.error.reversed_twice")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Entry{}, validate.Errors{{Field: "payment.reverse.reason", Key: "payment.error.reason_required"}}
	}
	a := actor(ctx)
	r := p
	r.ID, r.AmountFen, r.Kind, r.ReversalOf, r.Note, r.Reversed = newID(ctx), -p.AmountFen, KindReversal, p.ID, reason, false
	r.BookedOn, r.CreatedBy, r.CreatedByName, r.CreatedAt = today.Format(time.DateOnly), a.ID, a.Name, now(ctx)
	if err := insertEntry(ctx, tx, r); err != nil {
		return Entry{}, err
	}
	if err := src.Reversed(ctx, tx, p.Due(), p.BatchID, p.Month); err != nil {
		return Entry{}, err
	}
	return r, audit.Record(ctx, tx, audit.Entry{Action: "payment.reverse", ObjectType: "payment_entry", ObjectID: p.ID, AreaCode: p.VillageCode,
		Before: p, After: r, Detail: fmt.Sprintf("%s %s %s: %s", p.PayeeName, p.Month, Yuan(p.AmountFen), reason)})
}

// LedgerFilter narrows the ledger.
type LedgerFilter struct {
	ProgrammeID string `json:"programme_id"`
	FromMonth   string `json:"from"` // YYYY-MM, inclusive
	ToMonth     string `json:"to"`   // YYYY-MM, inclusive
	AreaCode    string `json:"area"` // a township or village inside the scope
	Person      string `json:"person"`
	BatchID     string `json:"batch_id"`
	Limit       int    `json:"-"`
}

// Check validates the filter against the viewer's scope.
func (f LedgerFilter) Check(s area.Scope) validate.Errors {
	var es validate.Errors
	if f.FromMonth != "" && !validMonth(f.FromMonth) {
		es.Add(0, "payment.ledger.from", "payment.error.month_format")
	}
	if f.ToMonth != "" && !validMonth(f.ToMonth) {
		es.Add(0, "payment.ledger.to", "payment.error.month_format")
	}
	if len(es) == 0 && f.FromMonth != "" && f.ToMonth != "" && f.FromMonth > f.ToMonth {
		es.Add(0, "payment.ledger.to", "payment.error.month_order")
	}
	if f.AreaCode != "" && (!area.ValidCode(f.AreaCode) || !s.Contains(f.AreaCode)) {
		es.Add(0, "payment.ledger.area", "payment.error.area")
	}
	return es
}

// where builds the filter's conditions on pay_ledger l, limited to s.
func (f LedgerFilter) where(s area.Scope) (string, []any) {
	if f.AreaCode != "" && area.ValidCode(f.AreaCode) && s.Contains(f.AreaCode) {
		s = area.ScopeOf(f.AreaCode)
	}
	cond, args := s.Filter("l.village_code", 1)
	conds := []string{cond}
	add := func(c string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(c, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.ProgrammeID != "" {
		add("l.programme_id = ?", f.ProgrammeID)
	}
	if f.FromMonth != "" {
		add("l.month >= ?", f.FromMonth)
	}
	if f.ToMonth != "" {
		add("l.month <= ?", f.ToMonth)
	}
	if p := strings.TrimSpace(f.Person); p != "" {
		add("(l.person_id = ? OR l.payee_id_number = ? OR l.payee_name = ?)", p)
	}
	if f.BatchID != "" {
		add("l.batch_id = ?", f.BatchID)
	}
	return strings.Join(conds, " AND "), args
}

// LedgerTotals sum a ledger view.
type LedgerTotals struct {
	Entries     int   `json:"entries"`
	PaidFen     int64 `json:"paid_fen"`
	ReversedFen int64 `json:"reversed_fen"` // negative
	NetFen      int64 `json:"net_fen"`
	Persons     int   `json:"persons"` // persons with a net amount above zero
}

// Paid, Reversed and Net render the totals as ¥1,234.50.
func (t LedgerTotals) Paid() string     { return Yuan(t.PaidFen) }
func (t LedgerTotals) Reversed() string { return Yuan(t.ReversedFen) }
func (t LedgerTotals) Net() string      { return Yuan(t.NetFen) }

// Ledger returns the entries f finds inside s, newest first (at most
// f.Limit, default 500), and the totals of all of them.
func Ledger(ctx context.Context, q store.Querier, s area.Scope, f LedgerFilter) ([]Entry, LedgerTotals, error) {
	var t LedgerTotals
	if f.Limit <= 0 {
		f.Limit = 500
	}
	var out []Entry
	err := EachEntry(ctx, q, s, f, func(e Entry) error { out = append(out, e); return nil })
	if err != nil {
		return nil, t, err
	}
	cond, args := f.where(s)
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN l.kind = 'pay' THEN l.amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN l.kind = 'reversal' THEN l.amount_fen ELSE 0 END), 0)
		FROM pay_ledger l WHERE `+cond, args...).Scan(&t.Entries, &t.PaidFen, &t.ReversedFen); err != nil {
		return nil, t, err
	}
	t.NetFen = t.PaidFen + t.ReversedFen
	rows, err := q.QueryContext(ctx, `SELECT CASE WHEN l.person_id <> '' THEN l.person_id ELSE l.payee_hash END, SUM(l.amount_fen)
		FROM pay_ledger l WHERE `+cond+` GROUP BY CASE WHEN l.person_id <> '' THEN l.person_id ELSE l.payee_hash END`, args...)
	if err != nil {
		return nil, t, err
	}
	defer rows.Close()
	for rows.Next() {
		var who string
		var net int64
		if err := rows.Scan(&who, &net); err != nil {
			return nil, t, err
		}
		if net > 0 {
			t.Persons++
		}
	}
	return out, t, rows.Err()
}

// EachEntry calls fn for each entry f finds inside s, newest first, up to
// f.Limit (0: all).
func EachEntry(ctx context.Context, q store.Querier, s area.Scope, f LedgerFilter, fn func(Entry) error) error {
	cond, args := f.where(s)
	query := entrySelect + ` WHERE ` + cond + ` ORDER BY l.created_at DESC, l.id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FigureRow is the money one programme paid in one township (either may
// be "" for a total), net of reversals, and the persons it reached.
type FigureRow struct {
	ProgrammeID  string `json:"programme_id,omitempty"`
	TownshipCode string `json:"township_code,omitempty"`
	NetFen       int64  `json:"net_fen"`
	Persons      int    `json:"persons"` // persons with a net amount above zero
}

// Net renders the row's amount as ¥1,234.50.
func (r FigureRow) Net() string { return Yuan(r.NetFen) }

// Figures is what the report needs of the money side for a period.
type Figures struct {
	FromMonth   string      `json:"from"`
	ToMonth     string      `json:"to"`
	Rows        []FigureRow `json:"rows"`         // by programme and township
	ByProgramme []FigureRow `json:"by_programme"` // every township
	ByTownship  []FigureRow `json:"by_township"`  // every programme
	Total       FigureRow   `json:"total"`
}

// ComputeFigures sums the ledger inside s for the months from..to
// (YYYY-MM, inclusive; "" open), optionally for one programme: amounts
// net of reversals, and persons paid (a person whose payments were all
// reversed is not counted).
func ComputeFigures(ctx context.Context, q store.Querier, s area.Scope, programmeID, from, to string) (Figures, error) {
	fig := Figures{FromMonth: from, ToMonth: to}
	cond, args := LedgerFilter{ProgrammeID: programmeID, FromMonth: from, ToMonth: to}.where(s)
	rows, err := q.QueryContext(ctx, `SELECT l.programme_id, l.village_code, CASE WHEN l.person_id <> '' THEN l.person_id ELSE l.payee_hash END, SUM(l.amount_fen)
		FROM pay_ledger l WHERE `+cond+` GROUP BY l.programme_id, l.village_code, CASE WHEN l.person_id <> '' THEN l.person_id ELSE l.payee_hash END`, args...)
	if err != nil {
		return fig, err
	}
	defer rows.Close()
	type key struct{ prog, town string }
	net := map[key]int64{}
	persons := map[key]map[string]int64{}
	addTo := func(k key, who string, fen int64) {
		net[k] += fen
		if persons[k] == nil {
			persons[k] = map[string]int64{}
		}
		persons[k][who] += fen
	}
	for rows.Next() {
		var prog, village, who string
		var fen int64
		if err := rows.Scan(&prog, &village, &who, &fen); err != nil {
			return fig, err
		}
		town := area.ParentOf(village)
		addTo(key{prog, town}, who, fen)
		addTo(key{prog, ""}, who, fen)
		addTo(key{"", town}, who, fen)
		addTo(key{"", ""}, who, fen)
	}
	if err := rows.Err(); err != nil {
		return fig, err
	}
	row := func(k key) FigureRow {
		r := FigureRow{ProgrammeID: k.prog, TownshipCode: k.town, NetFen: net[k]}
		for _, v := range persons[k] {
			if v > 0 {
				r.Persons++
			}
		}
		return r
	}
	for k := range net {
		switch {
		case k.prog != "" && k.town != "":
			fig.Rows = append(fig.Rows, row(k))
		case k.prog != "":
			fig.ByProgramme = append(fig.ByProgramme, row(k))
		case k.town != "":
			fig.ByTownship = append(fig.ByTownship, row(k))
		}
	}
	fig.Total = row(key{"", ""})
	order := func(a, b FigureRow) int {
		if c := strings.Compare(a.ProgrammeID, b.ProgrammeID); c != 0 {
			return c
		}
		return strings.Compare(a.TownshipCode, b.TownshipCode)
	}
	slices.SortFunc(fig.Rows, order)
	slices.SortFunc(fig.ByProgramme, order)
	slices.SortFunc(fig.ByTownship, order)
	return fig, nil
}
