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
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Batch is a payment batch (发放批次): what one programme pays for one
// month in one area, sent to the bank as one file.
type Batch struct {
	ID              string `json:"id"`
	ProgrammeID     string `json:"programme_id"`
	ProgrammeName   string `json:"programme_name"`
	Month           string `json:"month"`
	ScopeCode       string `json:"scope_code"` // the county or township covered; "" everything
	State           State  `json:"state"`
	LineCount       int    `json:"line_count"` // live lines the viewer may see
	TotalFen        int64  `json:"total_fen"`
	CreatedBy       string `json:"created_by"`
	CreatedByName   string `json:"created_by_name"`
	CreatedAt       string `json:"created_at"`
	ConfirmedBy     string `json:"confirmed_by,omitempty"`
	ConfirmedByName string `json:"confirmed_by_name,omitempty"`
	ConfirmedAt     string `json:"confirmed_at,omitempty"`
	PaidBy          string `json:"paid_by,omitempty"`
	PaidByName      string `json:"paid_by_name,omitempty"`
	PaidAt          string `json:"paid_at,omitempty"`
	PaidOn          string `json:"paid_on,omitempty"`
	CancelledBy     string `json:"cancelled_by,omitempty"`
	CancelledAt     string `json:"cancelled_at,omitempty"`
	CancelReason    string `json:"cancel_reason,omitempty"`
	UpdatedAt       string `json:"updated_at"`
	Version         int    `json:"version"`
	// Partial is set when the viewer's scope is narrower than the batch's:
	// counts and totals are then of the viewer's part only.
	Partial bool `json:"partial,omitempty"`
}

// Total renders the batch's total as ¥1,234.50.
func (b Batch) Total() string { return Yuan(b.TotalFen) }

// Scope is the area the batch covers.
func (b Batch) Scope() area.Scope { return area.ScopeOf(b.ScopeCode) }

// LineStatus says whether a line still counts.
type LineStatus string

// Line statuses.
const (
	LineLive      LineStatus = "live"      // in the batch
	LineRemoved   LineStatus = "removed"   // taken out of a draft, with a reason
	LineCancelled LineStatus = "cancelled" // the batch was cancelled
)

// Line is one payment in a batch: a snapshot of the Due it came from.
type Line struct {
	ID            string     `json:"id"`
	BatchID       string     `json:"batch_id"`
	Seq           int        `json:"seq"`
	CaseID        string     `json:"case_id"`
	ProgrammeID   string     `json:"programme_id"`
	PersonID      string     `json:"person_id"`
	VillageCode   string     `json:"village_code"`
	PayeeName     string     `json:"payee_name"`
	PayeeIDNumber string     `json:"payee_id_number"`
	BankName      string     `json:"bank_name"`
	BankAccount   string     `json:"bank_account"`
	AmountFen     int64      `json:"amount_fen"`
	Month         string     `json:"month"`
	Attempt       int        `json:"attempt"` // 2 and up: paid again after a reversal
	Note          string     `json:"note"`
	Status        LineStatus `json:"status"`
	RemovedReason string     `json:"removed_reason,omitempty"`
	RemovedBy     string     `json:"removed_by,omitempty"`
	RemovedAt     string     `json:"removed_at,omitempty"`
}

// Amount renders the line's amount as ¥1,234.50.
func (l Line) Amount() string { return Yuan(l.AmountFen) }

// Due is the line as the Source described it.
func (l Line) Due() Due {
	return Due{CaseID: l.CaseID, ProgrammeID: l.ProgrammeID, PersonID: l.PersonID, VillageCode: l.VillageCode,
		PayeeName: l.PayeeName, PayeeIDNumber: l.PayeeIDNumber, BankName: l.BankName, BankAccount: l.BankAccount,
		AmountFen: l.AmountFen, Note: l.Note}
}

// Incomplete lists the i18n keys of the fields a bank file needs that the
// line lacks.
func (l Line) Incomplete() []string {
	var out []string
	for _, f := range []struct{ key, v string }{
		{"payment.line.payee_name", l.PayeeName}, {"payment.line.payee_id_number", l.PayeeIDNumber},
		{"payment.line.bank_name", l.BankName}, {"payment.line.bank_account", l.BankAccount},
	} {
		if strings.TrimSpace(f.v) == "" {
			out = append(out, f.key)
		}
	}
	return out
}

// RefusedError is a move the rules do not allow (paying twice, an empty
// batch, the builder paying): a catalogue message for people.
type RefusedError struct {
	Key  string
	Args []any
}

func (e *RefusedError) Error() string { return e.Text(i18n.ZH) }

// Text renders the refusal in language l.
func (e *RefusedError) Text(l i18n.Lang) string { return i18n.T(l, e.Key, e.ArgsIn(l)...) }

// ArgsIn returns the arguments with catalogue terms (a state, an action)
// translated into l.
func (e *RefusedError) ArgsIn(l i18n.Lang) []any {
	out := make([]any, len(e.Args))
	for i, a := range e.Args {
		if k, ok := a.(term); ok {
			a = i18n.T(l, string(k))
		}
		out[i] = a
	}
	return out
}

// Errors is the refusal as a form's error summary in language l.
func (e *RefusedError) Errors(l i18n.Lang) validate.Errors {
	return validate.Errors{{Key: e.Key, Args: e.ArgsIn(l)}}
}

// term is a message argument that is itself a catalogue key.
type term string

func refuse(key string, args ...any) error { return &RefusedError{Key: key, Args: args} }

// ---- ids and instants ----

// clock gives ids and instants; Demo puts a deterministic one in the
// context so the same seed gives the same rows.
type clock interface {
	id() string
	now() string
}

type clockKey struct{}

func newID(ctx context.Context) string {
	if c, ok := ctx.Value(clockKey{}).(clock); ok {
		return c.id()
	}
	return store.NewID()
}

func now(ctx context.Context) string {
	if c, ok := ctx.Value(clockKey{}).(clock); ok {
		return c.now()
	}
	return store.Now()
}

func actor(ctx context.Context) audit.Actor { return audit.ActorFrom(ctx) }

// ---- reading ----

const batchColumns = `id, programme_id, programme_name, month, scope_code, state, line_count, total_fen,
	created_by, created_by_name, created_at, confirmed_by, confirmed_by_name, confirmed_at,
	paid_by, paid_by_name, paid_at, paid_on, cancelled_by, cancelled_at, cancel_reason, updated_at, version`

func scanBatch(sc interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	err := sc.Scan(&b.ID, &b.ProgrammeID, &b.ProgrammeName, &b.Month, &b.ScopeCode, &b.State, &b.LineCount, &b.TotalFen,
		&b.CreatedBy, &b.CreatedByName, &b.CreatedAt, &b.ConfirmedBy, &b.ConfirmedByName, &b.ConfirmedAt,
		&b.PaidBy, &b.PaidByName, &b.PaidAt, &b.PaidOn, &b.CancelledBy, &b.CancelledAt, &b.CancelReason, &b.UpdatedAt, &b.Version)
	return b, err
}

// visible reports whether a viewer with scope s may see batch scope bs:
// the batch lies inside s, or s lies inside the batch (a township worker
// sees her township's lines of a county batch).
func visible(s, bs area.Scope) bool { return s.Covers(bs) || bs.Covers(s) }

// Get returns a batch the viewer may see, ErrNotFound otherwise. For a
// viewer inside a wider batch, the counts are of her part.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Batch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM pay_batches WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !visible(s, b.Scope()) {
		return Batch{}, store.ErrNotFound
	}
	if err != nil {
		return Batch{}, err
	}
	return b, partial(ctx, q, s, &b)
}

func partial(ctx context.Context, q store.Querier, s area.Scope, b *Batch) error {
	if s.Covers(b.Scope()) {
		return nil
	}
	b.Partial = true
	cond, args := s.Filter("village_code", 2)
	return q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM pay_batch_lines
		WHERE batch_id = $1 AND status = 'live' AND `+cond, append([]any{b.ID}, args...)...).Scan(&b.LineCount, &b.TotalFen)
}

// getForWrite returns a batch the caller may change: her scope must
// cover all of it, so nobody pays or confirms lines she cannot see.
func getForWrite(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Batch, error) {
	b, err := scanBatch(tx.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM pay_batches WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !visible(s, b.Scope()) {
		return Batch{}, store.ErrNotFound
	}
	if err != nil {
		return Batch{}, err
	}
	if !s.Covers(b.Scope()) {
		return Batch{}, refuse("payment.error.outside_scope")
	}
	return b, nil
}

// Filter narrows the batch list.
type Filter struct {
	ProgrammeID string
	Month       string // YYYY-MM
	State       State
	Limit       int
}

// ancestors are the scope codes of the areas above s (and the empty code for
// everything): the batches wider than s that it sees a part of.
func ancestors(s area.Scope) []any {
	out := []any{""}
	if s.IsAll() {
		return out
	}
	for c := s.Code(); c != ""; c = area.ParentOf(c) {
		out = append(out, c)
	}
	return out
}

// List returns the batches the viewer may see, newest month first.
func List(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Batch, error) {
	cond, args := s.Filter("scope_code", 1)
	var in []string
	for _, a := range ancestors(s) {
		args = append(args, a)
		in = append(in, "$"+strconv.Itoa(len(args)))
	}
	where := []string{"(" + cond + " OR scope_code IN (" + strings.Join(in, ", ") + "))"}
	add := func(col string, v any) {
		args = append(args, v)
		where = append(where, col+" = $"+strconv.Itoa(len(args)))
	}
	if f.ProgrammeID != "" {
		add("programme_id", f.ProgrammeID)
	}
	if f.Month != "" {
		add("month", f.Month)
	}
	if f.State != "" {
		add("state", string(f.State))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	rows, err := q.QueryContext(ctx, `SELECT `+batchColumns+` FROM pay_batches WHERE `+strings.Join(where, " AND ")+
		` ORDER BY month DESC, created_at DESC, id DESC LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	var out []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := partial(ctx, q, s, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const lineColumns = `id, batch_id, seq, case_id, programme_id, person_id, village_code, payee_name, payee_id_number,
	bank_name, bank_account, amount_fen, month, attempt, note, status, removed_reason, removed_by, removed_at`

func scanLine(sc interface{ Scan(...any) error }) (Line, error) {
	var l Line
	err := sc.Scan(&l.ID, &l.BatchID, &l.Seq, &l.CaseID, &l.ProgrammeID, &l.PersonID, &l.VillageCode, &l.PayeeName, &l.PayeeIDNumber,
		&l.BankName, &l.BankAccount, &l.AmountFen, &l.Month, &l.Attempt, &l.Note, &l.Status, &l.RemovedReason, &l.RemovedBy, &l.RemovedAt)
	if err != nil {
		return l, err
	}
	return l, openPayee(&l.PayeeIDNumber, &l.BankAccount)
}

// Lines returns the lines of a batch inside s, in the batch's order; the
// removed and cancelled ones too when all is set.
func Lines(ctx context.Context, q store.Querier, s area.Scope, batchID string, all bool) ([]Line, error) {
	cond, args := s.Filter("village_code", 2)
	query := `SELECT ` + lineColumns + ` FROM pay_batch_lines WHERE batch_id = $1 AND ` + cond
	if !all {
		query += ` AND status = 'live'`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY seq`, append([]any{batchID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		l, err := scanLine(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// TownshipTotal is one township's part of a batch.
type TownshipTotal struct {
	Code     string `json:"code"` // township's 12-digit code
	Lines    int    `json:"lines"`
	TotalFen int64  `json:"total_fen"`
}

// Total renders the township's total as ¥1,234.50.
func (t TownshipTotal) Total() string { return Yuan(t.TotalFen) }

// TownshipTotals sums live lines by township, in code order.
func TownshipTotals(lines []Line) []TownshipTotal {
	var out []TownshipTotal
	idx := map[string]int{}
	for _, l := range lines {
		if l.Status != LineLive {
			continue
		}
		t := area.ParentOf(l.VillageCode)
		i, ok := idx[t]
		if !ok {
			i = len(out)
			idx[t] = i
			out = append(out, TownshipTotal{Code: t})
		}
		out[i].Lines++
		out[i].TotalFen += l.AmountFen
	}
	slices.SortFunc(out, func(a, b TownshipTotal) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// ---- building ----

// NewBatch is what a batch is built from.
type NewBatch struct {
	ProgrammeID string `json:"programme_id"`
	Month       string `json:"month"`     // YYYY-MM
	AreaCode    string `json:"area_code"` // a township (or the county) inside the caller's scope; "" = the caller's scope
}

// validMonth reports whether m is YYYY-MM.
func validMonth(m string) bool {
	_, err := time.Parse("2006-01", m)
	return err == nil && len(m) == 7
}

// claims tells, for one programme and month, which attempt each case is
// at (1 + its reversals) and which (case, attempt) are already claimed by
// a live line, and whether that line's batch is paid.
type claims struct {
	attempt map[string]int         // case → next attempt
	claimed map[claimKey]claimedBy // live lines
}

type claimKey struct {
	caseID  string
	attempt int
}

type claimedBy struct {
	batchID string
	state   State
}

func loadClaims(ctx context.Context, q store.Querier, programmeID, month string) (claims, error) {
	c := claims{attempt: map[string]int{}, claimed: map[claimKey]claimedBy{}}
	rows, err := q.QueryContext(ctx, `SELECT case_id, COUNT(*) FROM pay_ledger
		WHERE programme_id = $1 AND month = $2 AND kind = 'reversal' GROUP BY case_id`, programmeID, month)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return c, err
		}
		c.attempt[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	rows, err = q.QueryContext(ctx, `SELECT l.case_id, l.attempt, l.batch_id, b.state FROM pay_batch_lines l JOIN pay_batches b ON b.id = l.batch_id
		WHERE l.programme_id = $1 AND l.month = $2 AND l.status = 'live'`, programmeID, month)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var k claimKey
		var by claimedBy
		if err := rows.Scan(&k.caseID, &k.attempt, &by.batchID, &by.state); err != nil {
			return c, err
		}
		c.claimed[k] = by
	}
	return c, rows.Err()
}

func (c claims) next(caseID string) int { return c.attempt[caseID] + 1 }

// Build creates a draft batch: what the Source says programme owes for
// the month inside the batch's area, less what is already paid (and not
// reversed) or already in another live batch. A case already paid for the
// month is left out, not paid twice.
func Build(ctx context.Context, tx *store.Tx, src Source, s area.Scope, n NewBatch, today time.Time) (Batch, error) {
	var es validate.Errors
	n.ProgrammeID, n.Month, n.AreaCode = strings.TrimSpace(n.ProgrammeID), strings.TrimSpace(n.Month), strings.TrimSpace(n.AreaCode)
	var prog Programme
	if es.Required(0, "payment.batch.programme", n.ProgrammeID) {
		progs, err := src.Programmes(ctx, tx)
		if err != nil {
			return Batch{}, err
		}
		i := slices.IndexFunc(progs, func(p Programme) bool { return p.ID == n.ProgrammeID })
		if i < 0 {
			es.Add(0, "payment.batch.programme", "payment.error.no_programme")
		} else {
			prog = progs[i]
		}
	}
	if es.Required(0, "payment.batch.month", n.Month) {
		switch {
		case !validMonth(n.Month):
			es.Add(0, "payment.batch.month", "payment.error.month_format")
		case n.Month > today.Format("2006-01"):
			es.Add(0, "payment.batch.month", "payment.error.month_future")
		}
	}
	bs := s
	if n.AreaCode != "" {
		if !area.ValidCode(n.AreaCode) || !s.Contains(n.AreaCode) || area.LevelOf(n.AreaCode) != area.Township && area.LevelOf(n.AreaCode) != area.County {
			es.Add(0, "payment.batch.area", "payment.error.area")
		} else {
			bs = area.ScopeOf(n.AreaCode)
		}
	}
	if err := es.Err(); err != nil {
		return Batch{}, err
	}
	dues, err := src.Due(ctx, tx, bs, prog.ID, n.Month)
	if err != nil {
		return Batch{}, err
	}
	c, err := loadClaims(ctx, tx, prog.ID, n.Month)
	if err != nil {
		return Batch{}, err
	}
	seen := map[string]bool{}
	var lines []Line
	for _, d := range dues {
		// Outside the batch's area, for another programme, nothing owed, or
		// listed twice: not this batch's to pay.
		if !bs.Contains(d.VillageCode) || d.ProgrammeID != "" && d.ProgrammeID != prog.ID || d.AmountFen <= 0 || seen[d.CaseID] || d.CaseID == "" {
			continue
		}
		seen[d.CaseID] = true
		at := c.next(d.CaseID)
		if _, taken := c.claimed[claimKey{d.CaseID, at}]; taken {
			continue
		}
		if d.AmountFen > maxFen {
			return Batch{}, fmt.Errorf("payment: due of case %s is %d fen, beyond any benefit", d.CaseID, d.AmountFen)
		}
		lines = append(lines, lineOf(d, prog.ID, n.Month, at))
	}
	if len(lines) == 0 {
		return Batch{}, refuse("payment.error.nothing_due", prog.Name, n.Month)
	}
	slices.SortStableFunc(lines, func(a, b Line) int {
		if c := strings.Compare(a.VillageCode, b.VillageCode); c != 0 {
			return c
		}
		if c := strings.Compare(a.PayeeName, b.PayeeName); c != 0 {
			return c
		}
		return strings.Compare(a.CaseID, b.CaseID)
	})
	a := actor(ctx)
	at := now(ctx)
	b := Batch{ID: newID(ctx), ProgrammeID: prog.ID, ProgrammeName: prog.Name, Month: n.Month, ScopeCode: bs.Code(), State: Draft,
		CreatedBy: a.ID, CreatedByName: a.Name, CreatedAt: at, UpdatedAt: at, Version: 1}
	for _, l := range lines {
		b.LineCount++
		b.TotalFen += l.AmountFen
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pay_batches (`+batchColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'','','','','','','','','','',$12,$13)`,
		b.ID, b.ProgrammeID, b.ProgrammeName, b.Month, b.ScopeCode, string(b.State), b.LineCount, b.TotalFen,
		b.CreatedBy, b.CreatedByName, b.CreatedAt, b.UpdatedAt, b.Version); err != nil {
		return Batch{}, err
	}
	for i := range lines {
		lines[i].ID, lines[i].BatchID, lines[i].Seq = newID(ctx), b.ID, i+1
		if err := insertLine(ctx, tx, lines[i]); err != nil {
			return Batch{}, err
		}
	}
	return b, audit.Record(ctx, tx, audit.Entry{Action: "payment.batch.create", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: b.ScopeCode,
		After: summary(b), Detail: fmt.Sprintf("%s %s: %d lines, %s", b.ProgrammeName, b.Month, b.LineCount, Yuan(b.TotalFen))})
}

func lineOf(d Due, programmeID, month string, attempt int) Line {
	return Line{CaseID: d.CaseID, ProgrammeID: programmeID, PersonID: d.PersonID, VillageCode: d.VillageCode,
		PayeeName: strings.TrimSpace(d.PayeeName), PayeeIDNumber: strings.TrimSpace(d.PayeeIDNumber),
		BankName: strings.TrimSpace(d.BankName), BankAccount: strings.TrimSpace(d.BankAccount),
		AmountFen: d.AmountFen, Month: month, Attempt: attempt, Note: strings.TrimSpace(d.Note), Status: LineLive}
}

// insertLine adds a live line; the claim index turns a (case, month)
// already in a live batch into a refusal.
func insertLine(ctx context.Context, tx *store.Tx, l Line) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pay_batch_lines (`+lineColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,'live','','','')`,
		l.ID, l.BatchID, l.Seq, l.CaseID, l.ProgrammeID, l.PersonID, l.VillageCode, l.PayeeName, crypt.Seal(registry.KindIDNumber, l.PayeeIDNumber),
		l.BankName, crypt.Seal(KindBankAccount, l.BankAccount), l.AmountFen, l.Month, l.Attempt, l.Note)
	if store.IsUniqueViolation(err) {
		return refuse("payment.error.already_in_batch", l.PayeeName, l.Month)
	}
	return err
}

// summary is what the audit log keeps of a batch.
func summary(b Batch) map[string]any {
	return map[string]any{"programme": b.ProgrammeID, "month": b.Month, "scope": b.ScopeCode, "state": b.State,
		"lines": b.LineCount, "total_fen": b.TotalFen}
}

// recount stores the batch's live line count and total.
func recount(ctx context.Context, tx *store.Tx, b *Batch) error {
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM pay_batch_lines WHERE batch_id = $1 AND status = 'live'`,
		b.ID).Scan(&b.LineCount, &b.TotalFen); err != nil {
		return err
	}
	b.UpdatedAt = now(ctx)
	_, err := tx.ExecContext(ctx, `UPDATE pay_batches SET line_count = $1, total_fen = $2, updated_at = $3, version = version + 1 WHERE id = $4`,
		b.LineCount, b.TotalFen, b.UpdatedAt, b.ID)
	b.Version++
	return err
}

// RemoveLine takes a line out of a draft batch with a reason; the case is
// owed again and a later batch (or AddCase) picks it up.
func RemoveLine(ctx context.Context, tx *store.Tx, s area.Scope, batchID, lineID, reason string) error {
	b, err := getForWrite(ctx, tx, s, batchID)
	if err != nil {
		return err
	}
	if b.State != Draft {
		return refuse("payment.error.not_draft", stateText(b.State))
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return validate.Errors{{Field: "payment.remove.reason", Key: "payment.error.reason_required"}}
	}
	l, err := scanLine(tx.QueryRowContext(ctx, `SELECT `+lineColumns+` FROM pay_batch_lines WHERE id = $1 AND batch_id = $2`, lineID, b.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	if l.Status != LineLive {
		return refuse("payment.error.line_not_live")
	}
	a := actor(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE pay_batch_lines SET status = 'removed', removed_reason = $1, removed_by = $2, removed_at = $3 WHERE id = $4`,
		reason, a.Name, now(ctx), l.ID); err != nil {
		return err
	}
	if err := recount(ctx, tx, &b); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "payment.line.remove", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: l.VillageCode,
		Before: l, Detail: fmt.Sprintf("%d %s %s: %s", l.Seq, l.PayeeName, Yuan(l.AmountFen), reason)})
}

// AddCase puts one case's due for the batch's month into a draft batch
// (a case approved after the batch was built, or a line removed by
// mistake). A case already paid for the month, or already in another live
// batch, is refused.
func AddCase(ctx context.Context, tx *store.Tx, src Source, s area.Scope, batchID, caseID string) (Line, error) {
	b, err := getForWrite(ctx, tx, s, batchID)
	if err != nil {
		return Line{}, err
	}
	if b.State != Draft {
		return Line{}, refuse("payment.error.not_draft", stateText(b.State))
	}
	caseID = strings.TrimSpace(caseID)
	if caseID == "" {
		return Line{}, validate.Errors{{Field: "payment.add.case", Key: "validate.required"}}
	}
	dues, err := src.Due(ctx, tx, b.Scope(), b.ProgrammeID, b.Month)
	if err != nil {
		return Line{}, err
	}
	i := slices.IndexFunc(dues, func(d Due) bool { return d.CaseID == caseID })
	if i < 0 || !b.Scope().Contains(dues[i].VillageCode) || dues[i].AmountFen <= 0 {
		return Line{}, validate.Errors{{Field: "payment.add.case", Key: "payment.error.not_due", Args: []any{b.Month}}}
	}
	d := dues[i]
	c, err := loadClaims(ctx, tx, b.ProgrammeID, b.Month)
	if err != nil {
		return Line{}, err
	}
	at := c.next(caseID)
	if by, taken := c.claimed[claimKey{caseID, at}]; taken {
		if by.state == Paid {
			return Line{}, refuse("payment.error.already_paid", d.PayeeName, b.Month)
		}
		return Line{}, refuse("payment.error.already_in_batch", d.PayeeName, b.Month)
	}
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM pay_batch_lines WHERE batch_id = $1`, b.ID).Scan(&seq); err != nil {
		return Line{}, err
	}
	l := lineOf(d, b.ProgrammeID, b.Month, at)
	l.ID, l.BatchID, l.Seq = newID(ctx), b.ID, seq+1
	if err := insertLine(ctx, tx, l); err != nil {
		return Line{}, err
	}
	if err := recount(ctx, tx, &b); err != nil {
		return Line{}, err
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: "payment.line.add", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: l.VillageCode,
		After: l, Detail: fmt.Sprintf("%d %s %s", l.Seq, l.PayeeName, Yuan(l.AmountFen))})
}

// move changes a batch's state if it is still in from, so two people
// acting at once cannot both succeed.
func move(ctx context.Context, tx *store.Tx, b *Batch, act Action, set string, args ...any) error {
	tr, ok := Next(b.State, act)
	if !ok {
		return refusal(b.State, act)
	}
	b.UpdatedAt = now(ctx)
	n := len(args)
	args = append(args, string(tr.To), b.UpdatedAt, b.ID, string(b.State))
	res, err := tx.ExecContext(ctx, `UPDATE pay_batches SET `+set+`, state = $`+strconv.Itoa(n+1)+`, updated_at = $`+strconv.Itoa(n+2)+
		`, version = version + 1 WHERE id = $`+strconv.Itoa(n+3)+` AND state = $`+strconv.Itoa(n+4), args...)
	if err != nil {
		return err
	}
	if k, err := res.RowsAffected(); err != nil || k != 1 {
		return refuse("payment.error.changed")
	}
	b.State = tr.To
	b.Version++
	return nil
}

// refusal names why action a is not possible in state s.
func refusal(s State, a Action) error {
	switch {
	case a == ActPay && s == Paid:
		return refuse("payment.error.paid_twice")
	case a == ActPay && s == Draft:
		return refuse("payment.error.pay_unconfirmed")
	case a == ActConfirm && s != Draft:
		return refuse("payment.error.confirmed_twice", stateText(s))
	}
	return refuse("payment.error.refused", stateText(s), term("payment.action."+string(a)))
}

func stateText(s State) term { return term("payment.state." + string(s)) }

// Confirm locks a draft: from now on its lines cannot change and its
// export is the file for the bank. An empty batch, or one whose lines lack
// what the bank needs, is refused.
func Confirm(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Batch, error) {
	b, err := getForWrite(ctx, tx, s, id)
	if err != nil {
		return b, err
	}
	if _, ok := Next(b.State, ActConfirm); !ok {
		return b, refusal(b.State, ActConfirm)
	}
	if b.LineCount == 0 {
		return b, refuse("payment.error.empty")
	}
	lines, err := Lines(ctx, tx, area.All(), b.ID, false)
	if err != nil {
		return b, err
	}
	var es validate.Errors
	for _, l := range lines {
		for _, f := range l.Incomplete() {
			es.Add(l.Seq, f, "validate.required")
		}
	}
	if err := es.Err(); err != nil {
		return b, err
	}
	a := actor(ctx)
	at := now(ctx)
	if err := move(ctx, tx, &b, ActConfirm, `confirmed_by = $1, confirmed_by_name = $2, confirmed_at = $3`, a.ID, a.Name, at); err != nil {
		return b, err
	}
	b.ConfirmedBy, b.ConfirmedByName, b.ConfirmedAt = a.ID, a.Name, at
	return b, audit.Record(ctx, tx, audit.Entry{Action: "payment.batch.confirm", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: b.ScopeCode,
		After: summary(b)})
}

// Cancel drops a draft with a reason; its cases are owed again.
func Cancel(ctx context.Context, tx *store.Tx, s area.Scope, id, reason string) (Batch, error) {
	b, err := getForWrite(ctx, tx, s, id)
	if err != nil {
		return b, err
	}
	if _, ok := Next(b.State, ActCancel); !ok {
		return b, refusal(b.State, ActCancel)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return b, validate.Errors{{Field: "payment.cancel.reason", Key: "payment.error.reason_required"}}
	}
	// Lines first: the lock trigger lets lines change only while the
	// batch is a draft.
	if _, err := tx.ExecContext(ctx, `UPDATE pay_batch_lines SET status = 'cancelled' WHERE batch_id = $1 AND status = 'live'`, b.ID); err != nil {
		return b, err
	}
	a := actor(ctx)
	at := now(ctx)
	if err := move(ctx, tx, &b, ActCancel, `cancelled_by = $1, cancelled_at = $2, cancel_reason = $3, line_count = 0, total_fen = 0`, a.Name, at, reason); err != nil {
		return b, err
	}
	before := summary(b)
	b.CancelledBy, b.CancelledAt, b.CancelReason, b.LineCount, b.TotalFen = a.Name, at, reason, 0, 0
	return b, audit.Record(ctx, tx, audit.Entry{Action: "payment.batch.cancel", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: b.ScopeCode,
		Before: before, After: summary(b), Detail: reason})
}

// Pay records that the bank has paid a confirmed batch on paidOn
// (YYYY-MM-DD, default today): every line goes into the ledger and the
// Source hears of each, all in this transaction. The person who built the
// batch may not mark it paid (four-eyes), and a batch is paid once.
func Pay(ctx context.Context, tx *store.Tx, src Source, s area.Scope, id, paidOn string, today time.Time) (Batch, error) {
	b, err := getForWrite(ctx, tx, s, id)
	if err != nil {
		return b, err
	}
	if _, ok := Next(b.State, ActPay); !ok {
		return b, refusal(b.State, ActPay)
	}
	a := actor(ctx)
	if a.ID == b.CreatedBy {
		return b, refuse("payment.error.four_eyes")
	}
	paidOn = strings.TrimSpace(paidOn)
	if paidOn == "" {
		paidOn = today.Format(time.DateOnly)
	}
	if d, err := time.Parse(time.DateOnly, paidOn); err != nil || d.Format(time.DateOnly) != paidOn {
		return b, validate.Errors{{Field: "payment.pay.paid_on", Key: "payment.error.date_format"}}
	}
	if paidOn > today.Format(time.DateOnly) {
		return b, validate.Errors{{Field: "payment.pay.paid_on", Key: "payment.error.date_future"}}
	}
	at := now(ctx)
	if err := move(ctx, tx, &b, ActPay, `paid_by = $1, paid_by_name = $2, paid_at = $3, paid_on = $4`, a.ID, a.Name, at, paidOn); err != nil {
		return b, err
	}
	b.PaidBy, b.PaidByName, b.PaidAt, b.PaidOn = a.ID, a.Name, at, paidOn
	lines, err := Lines(ctx, tx, area.All(), b.ID, false)
	if err != nil {
		return b, err
	}
	for _, l := range lines {
		e := Entry{ID: newID(ctx), BatchID: b.ID, LineID: l.ID, CaseID: l.CaseID, ProgrammeID: l.ProgrammeID, PersonID: l.PersonID,
			VillageCode: l.VillageCode, PayeeName: l.PayeeName, PayeeIDNumber: l.PayeeIDNumber, BankName: l.BankName, BankAccount: l.BankAccount,
			AmountFen: l.AmountFen, Month: l.Month, Kind: KindPay, Attempt: l.Attempt, Note: l.Note, BookedOn: paidOn,
			CreatedBy: a.ID, CreatedByName: a.Name, CreatedAt: at}
		if err := insertEntry(ctx, tx, e); err != nil {
			return b, err
		}
		if err := src.Paid(ctx, tx, l.Due(), b.ID, b.Month); err != nil {
			return b, err
		}
	}
	return b, audit.Record(ctx, tx, audit.Entry{Action: "payment.batch.pay", ObjectType: "payment_batch", ObjectID: b.ID, AreaCode: b.ScopeCode,
		After: summary(b), Detail: fmt.Sprintf("paid on %s: %d lines, %s", paidOn, b.LineCount, Yuan(b.TotalFen))})
}
