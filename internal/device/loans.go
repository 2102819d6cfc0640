package device

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Loan is one lending of an item to a person (租借).
type Loan struct {
	ID              string     `json:"id"`
	ItemID          string     `json:"item_id"`
	AssetNo         string     `json:"asset_no"`
	KindID          string     `json:"kind_id"`
	KindName        string     `json:"kind_name"`
	PersonID        string     `json:"person_id"`
	PersonName      string     `json:"person_name"`
	VillageCode     string     `json:"village_code"`
	LocationCode    string     `json:"location_code"`
	LentOn          string     `json:"lent_on"`
	DueOn           string     `json:"due_on"`
	FirstDueOn      string     `json:"first_due_on"`
	DepositFen      int64      `json:"deposit_fen"`
	RentFen         int64      `json:"rent_fen"` // a month
	CaseID          string     `json:"case_id,omitempty"`
	OverrideReason  string     `json:"override_reason,omitempty"`
	Status          LoanStatus `json:"status"`
	ExtendReason    string     `json:"extend_reason,omitempty"`
	ReturnedOn      string     `json:"returned_on,omitempty"`
	ReturnCondition Condition  `json:"return_condition,omitempty"`
	LostOn          string     `json:"lost_on,omitempty"`
	Note            string     `json:"note,omitempty"`
	CreatedAt       string     `json:"created_at"`
}

// Extended reports whether the loan has had its one extension.
func (l Loan) Extended() bool { return l.ExtendReason != "" }

// Overdue reports whether an open loan is past its due day on today.
func (l Loan) Overdue(today time.Time) bool { return l.Status == LoanOpen && l.DueOn < ymd(today) }

// DaysOverdue is how many days an open loan is past its due day (0 if not).
func (l Loan) DaysOverdue(today time.Time) int {
	if !l.Overdue(today) {
		return 0
	}
	d, err := time.Parse(time.DateOnly, l.DueOn)
	if err != nil {
		return 0
	}
	return int(dateOf(today).Sub(d).Hours() / 24)
}

const loanSelect = `SELECT l.id, l.item_id, i.asset_no, l.kind_id, k.name, l.person_id, l.person_name, l.village_code, l.location_code,
	l.lent_on, l.due_on, l.first_due_on, l.deposit_fen, l.rent_fen, l.case_id, l.override_reason, l.status, l.extend_reason,
	l.returned_on, l.return_condition, l.lost_on, l.note, l.created_at
	FROM device_loans l JOIN device_items i ON i.id = l.item_id JOIN device_kinds k ON k.id = l.kind_id`

func scanLoan(row interface{ Scan(...any) error }) (Loan, error) {
	var l Loan
	err := row.Scan(&l.ID, &l.ItemID, &l.AssetNo, &l.KindID, &l.KindName, &l.PersonID, &l.PersonName, &l.VillageCode, &l.LocationCode,
		&l.LentOn, &l.DueOn, &l.FirstDueOn, &l.DepositFen, &l.RentFen, &l.CaseID, &l.OverrideReason, &l.Status, &l.ExtendReason,
		&l.ReturnedOn, &l.ReturnCondition, &l.LostOn, &l.Note, &l.CreatedAt)
	return l, err
}

func queryLoans(ctx context.Context, q store.Querier, query string, args ...any) ([]Loan, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Loan
	for rows.Next() {
		l, err := scanLoan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// GetLoan returns one loan of a person of scope s.
func GetLoan(ctx context.Context, q store.Querier, s area.Scope, id string) (Loan, error) {
	cond, args := s.Filter("l.village_code", 2)
	l, err := scanLoan(q.QueryRowContext(ctx, loanSelect+` WHERE l.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Loan{}, store.ErrNotFound
	}
	return l, err
}

// LoanFilter narrows a list of loans. Zero values do not narrow.
type LoanFilter struct {
	AreaCode string     // a township or village inside the scope
	Status   LoanStatus // "" every status
	Overdue  string     // YYYY-MM-DD: only open loans due before it
	PersonID string
	ItemID   string
	Limit    int // default 500, at most 5000
}

// ListLoans lists the loans of persons inside scope s matching f, the
// most overdue (earliest due) first for open loans, else newest first.
func ListLoans(ctx context.Context, q store.Querier, s area.Scope, f LoanFilter) ([]Loan, error) {
	if f.AreaCode != "" {
		if !area.ValidCode(f.AreaCode) || !s.Contains(f.AreaCode) {
			return nil, nil
		}
		s = area.ScopeOf(f.AreaCode)
	}
	cond, args := s.Filter("l.village_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		conds = append(conds, "l.status = "+arg(string(f.Status)))
	}
	if f.Overdue != "" {
		conds = append(conds, "l.status = "+arg(string(LoanOpen)), "l.due_on < "+arg(f.Overdue))
	}
	if f.PersonID != "" {
		conds = append(conds, "l.person_id = "+arg(f.PersonID))
	}
	if f.ItemID != "" {
		conds = append(conds, "l.item_id = "+arg(f.ItemID))
	}
	order := "l.lent_on DESC, l.id DESC"
	if f.Overdue != "" || f.Status == LoanOpen {
		order = "l.due_on, l.id"
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	return queryLoans(ctx, q, loanSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY `+order+` LIMIT `+strconv.Itoa(min(f.Limit, 5000)), args...)
}

// PersonLoans lists every loan of a person (newest first), for the
// person's page: the devices he holds and has held.
func PersonLoans(ctx context.Context, q store.Querier, s area.Scope, personID string) ([]Loan, error) {
	return ListLoans(ctx, q, s, LoanFilter{PersonID: personID})
}

// NewLoan is what lending takes.
type NewLoan struct {
	ItemID   string
	PersonID string
	LentOn   string // YYYY-MM-DD, not after today
	DueOn    string // "" = LentOn + the kind's loan period (or the setting)
	// Deposit and Rent are yuan as typed ("" = the setting: Default 0,
	// the pilot is free).
	Deposit, Rent string
	CaseID        string // a programme case (fitting) id, free text for now
	// OverrideReason lets a person hold a second item of a kind (a
	// wheelchair for home and one for school, say).
	OverrideReason string
}

// Audit actions of loans.
const (
	ActionLend   = "device.loan.lend"
	ActionReturn = "device.loan.return"
	ActionExtend = "device.loan.extend"
	ActionLose   = "device.loan.lose"
)

// Lend lends an item kept inside scope s to an active person of scope s:
// refused (with every problem, nothing written) for an item not in stock
// or not loanable, a person who died, moved out or was cancelled, or a
// person already holding an item of the kind without a reason to
// override. The item goes on loan in the same transaction.
func Lend(ctx context.Context, tx *store.Tx, s area.Scope, n NewLoan, today time.Time) (Loan, error) {
	var es validate.Errors
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return Loan{}, err
	}
	var it Item
	var k Kind
	if es.Required(0, "device.loan.item", n.ItemID) {
		it, err = lockItem(ctx, tx, s, n.ItemID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			es.Add(0, "device.loan.item", "device.error.item_not_found")
		case err != nil:
			return Loan{}, err
		case it.Status != InStock:
			es = append(es, refuse(it, "device.loan.item")...)
		}
		if err == nil {
			if k, err = GetKind(ctx, tx, it.KindID); err != nil {
				return Loan{}, err
			}
			if !k.Loanable {
				es.Add(0, "device.loan.item", "device.error.not_loanable", k.Name)
			}
		}
	}
	var p registry.Person
	if es.Required(0, "device.loan.person", n.PersonID) {
		p, err = registry.Get(ctx, tx, s, n.PersonID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			es.Add(0, "device.loan.person", "device.error.person_not_found")
		case err != nil:
			return Loan{}, err
		case !p.Active():
			es.Add(0, "device.loan.person", "device.error.person_"+string(p.Status))
		}
	}
	override := checkNote(&es, "device.loan.override_reason", n.OverrideReason, false)
	if k.ID != "" && p.ID != "" {
		var held string
		err := tx.QueryRowContext(ctx, `SELECT i.asset_no FROM device_loans l JOIN device_items i ON i.id = l.item_id
			WHERE l.person_id = $1 AND l.kind_id = $2 AND l.status = 'open' ORDER BY l.lent_on LIMIT 1`, p.ID, k.ID).Scan(&held)
		if err == nil && override == "" {
			es.Add(0, "device.loan.override_reason", "device.error.same_kind", k.Name, held)
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Loan{}, err
		}
	}
	checkDay(&es, "device.loan.lent_on", n.LentOn, it.ReceivedOn, today)
	lent, lentErr := time.Parse(time.DateOnly, n.LentOn)
	due := strings.TrimSpace(n.DueOn)
	if due == "" && lentErr == nil {
		days := set.LoanDays
		if k.LoanDays > 0 {
			days = k.LoanDays
		}
		due = ymd(lent.AddDate(0, 0, days))
	} else if d, err := time.Parse(time.DateOnly, due); err != nil {
		es.Add(0, "device.loan.due_on", "device.error.date")
	} else if lentErr == nil && (!d.After(lent) || d.After(lent.AddDate(3, 0, 0))) {
		es.Add(0, "device.loan.due_on", "device.error.due_range")
	}
	deposit := money(&es, "device.loan.deposit", n.Deposit, set.DepositFen)
	rent := money(&es, "device.loan.rent", n.Rent, set.RentFen)
	caseID := strings.TrimSpace(n.CaseID)
	if utf8.RuneCountInString(caseID) > 64 {
		es.Add(0, "device.loan.case_id", "device.error.too_long", 64)
	}
	if len(es) > 0 {
		return Loan{}, es
	}
	now := store.Now()
	l := Loan{ID: store.NewID(), ItemID: it.ID, AssetNo: it.AssetNo, KindID: k.ID, KindName: k.Name, PersonID: p.ID, PersonName: p.Name,
		VillageCode: p.VillageCode, LocationCode: it.LocationCode, LentOn: n.LentOn, DueOn: due, FirstDueOn: due,
		DepositFen: deposit, RentFen: rent, CaseID: caseID, OverrideReason: override, Status: LoanOpen, CreatedAt: now}
	if err := insertLoan(ctx, tx, l, audit.ActorFrom(ctx).ID); err != nil {
		return Loan{}, err
	}
	after := it
	after.Status, after.LoanID, after.UpdatedAt = OnLoan, l.ID, now
	if err := saveItem(ctx, tx, after); err != nil {
		return Loan{}, err
	}
	if err := addEvent(ctx, tx, store.NewID(), now, audit.ActorFrom(ctx), after, ActLend, l.LentOn, it.Status, p.Name+" "+l.LentOn+"—"+l.DueOn); err != nil {
		return Loan{}, err
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: ActionLend, ObjectType: "device_loan", ObjectID: l.ID, AreaCode: l.VillageCode, After: l, Detail: override})
}

// money reads an amount in yuan, the default when blank.
func money(es *validate.Errors, field, v string, def int64) int64 {
	if strings.TrimSpace(v) == "" {
		return def
	}
	fen, ok := ParseYuan(v)
	if !ok || fen > 10_000_000 {
		es.Add(0, field, "device.error.money")
	}
	return fen
}

func insertLoan(ctx context.Context, tx *store.Tx, l Loan, by string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO device_loans (id, item_id, kind_id, person_id, person_name, village_code, location_code, lent_on,
		due_on, first_due_on, deposit_fen, rent_fen, case_id, override_reason, status, extend_reason, returned_on, return_condition, lost_on, note,
		created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$22)`,
		l.ID, l.ItemID, l.KindID, l.PersonID, l.PersonName, l.VillageCode, l.LocationCode, l.LentOn, l.DueOn, l.FirstDueOn, l.DepositFen, l.RentFen,
		l.CaseID, l.OverrideReason, string(l.Status), l.ExtendReason, l.ReturnedOn, string(l.ReturnCondition), l.LostOn, l.Note, by, l.CreatedAt)
	return err
}

func saveLoan(ctx context.Context, tx *store.Tx, l Loan) error {
	_, err := tx.ExecContext(ctx, `UPDATE device_loans SET due_on = $2, status = $3, extend_reason = $4, returned_on = $5, return_condition = $6,
		lost_on = $7, note = $8, updated_at = $9 WHERE id = $1`,
		l.ID, l.DueOn, string(l.Status), l.ExtendReason, l.ReturnedOn, string(l.ReturnCondition), l.LostOn, l.Note, store.Now())
	return err
}

// openLoan reads an open loan of scope s for a change, and its item
// (wherever it is kept: a township worker takes back a county item lent
// to a person of his township).
func openLoan(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Loan, Item, error) {
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE device_loans SET status = status WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Loan{}, Item{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Loan{}, Item{}, store.ErrNotFound
	}
	l, err := GetLoan(ctx, tx, s, id)
	if err != nil {
		return Loan{}, Item{}, err
	}
	if l.Status != LoanOpen {
		return l, Item{}, validate.Errors{{Field: "device.loan.status", Key: "device.error.loan_" + string(l.Status)}}
	}
	it, err := lockItem(ctx, tx, area.All(), l.ItemID)
	return l, it, err
}

// Return is what the end of a loan records.
type Return struct {
	ReturnedOn string
	Condition  Condition // good, worn, needs_repair (the item goes to repair)
	Note       string
}

// ReturnLoan ends an open loan of scope s: the item comes back in stock,
// or goes to repair when returned needing it.
func ReturnLoan(ctx context.Context, tx *store.Tx, s area.Scope, id string, r Return, today time.Time) (Loan, error) {
	l, it, err := openLoan(ctx, tx, s, id)
	if err != nil {
		return Loan{}, err
	}
	var es validate.Errors
	checkDay(&es, "device.loan.returned_on", r.ReturnedOn, l.LentOn, today)
	if !slices.Contains(ReturnConditions, r.Condition) {
		es.Add(0, "device.loan.return_condition", "validate.choose")
	}
	note := checkNote(&es, "device.loan.note", r.Note, r.Condition == CondNeedsRepair)
	if len(es) > 0 {
		return Loan{}, es
	}
	act := ActReturn
	if r.Condition == CondNeedsRepair {
		act = ActReturnRepair
	}
	tr, ok := Next(it.Status, act)
	if !ok {
		return Loan{}, refuse(it, "device.loan.item")
	}
	before := l
	l.Status, l.ReturnedOn, l.ReturnCondition, l.Note = LoanReturned, r.ReturnedOn, r.Condition, note
	if err := saveLoan(ctx, tx, l); err != nil {
		return Loan{}, err
	}
	after := it
	after.Status, after.Condition, after.LoanID, after.UpdatedAt = tr.To, r.Condition, "", store.Now()
	if err := saveItem(ctx, tx, after); err != nil {
		return Loan{}, err
	}
	if err := addEvent(ctx, tx, store.NewID(), store.Now(), audit.ActorFrom(ctx), withLoan(after, l.ID), act, r.ReturnedOn, it.Status, joinNote(l.PersonName, note)); err != nil {
		return Loan{}, err
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: ActionReturn, ObjectType: "device_loan", ObjectID: l.ID, AreaCode: l.VillageCode, Before: before, After: l, Detail: note})
}

// withLoan is the item as its history line shows it: naming the loan the
// event belongs to even once the item is free again.
func withLoan(it Item, loanID string) Item { it.LoanID = loanID; return it }

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + "：" + b
}

// Extension is what extending a loan takes.
type Extension struct {
	DueOn  string // "" = the due day + the extension setting
	Reason string // required
}

// Extend moves the due day of an open loan of scope s once, with a reason.
func Extend(ctx context.Context, tx *store.Tx, s area.Scope, id string, x Extension, today time.Time) (Loan, error) {
	l, it, err := openLoan(ctx, tx, s, id)
	if err != nil {
		return Loan{}, err
	}
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return Loan{}, err
	}
	var es validate.Errors
	if l.Extended() {
		es.Add(0, "device.loan.status", "device.error.extended_once", l.FirstDueOn)
	}
	reason := checkNote(&es, "device.loan.extend_reason", x.Reason, true)
	cur, _ := time.Parse(time.DateOnly, l.DueOn)
	due := strings.TrimSpace(x.DueOn)
	if due == "" {
		due = ymd(cur.AddDate(0, 0, set.ExtendDays))
	} else if d, err := time.Parse(time.DateOnly, due); err != nil {
		es.Add(0, "device.loan.new_due_on", "device.error.date")
	} else if !d.After(cur) || d.After(cur.AddDate(0, 0, set.MaxExtendDays)) {
		es.Add(0, "device.loan.new_due_on", "device.error.extend_range", l.DueOn, set.MaxExtendDays)
	}
	if len(es) > 0 {
		return Loan{}, es
	}
	if _, ok := Next(it.Status, ActExtend); !ok {
		return Loan{}, refuse(it, "device.loan.item")
	}
	before := l
	l.DueOn, l.ExtendReason = due, reason
	if err := saveLoan(ctx, tx, l); err != nil {
		return Loan{}, err
	}
	if err := addEvent(ctx, tx, store.NewID(), store.Now(), audit.ActorFrom(ctx), it, ActExtend, ymd(today), it.Status, before.DueOn+" → "+due+"："+reason); err != nil {
		return Loan{}, err
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: ActionExtend, ObjectType: "device_loan", ObjectID: l.ID, AreaCode: l.VillageCode, Before: before, After: l, Detail: reason})
}

// Loss is what reporting a lent item lost takes.
type Loss struct {
	LostOn string
	Note   string // required: how it was lost
}

// MarkLost ends an open loan of scope s with the item lost.
func MarkLost(ctx context.Context, tx *store.Tx, s area.Scope, id string, x Loss, today time.Time) (Loan, error) {
	l, it, err := openLoan(ctx, tx, s, id)
	if err != nil {
		return Loan{}, err
	}
	var es validate.Errors
	checkDay(&es, "device.loan.lost_on", x.LostOn, l.LentOn, today)
	note := checkNote(&es, "device.loan.lost_note", x.Note, true)
	if len(es) > 0 {
		return Loan{}, es
	}
	if _, ok := Next(it.Status, ActLose); !ok {
		return Loan{}, refuse(it, "device.loan.item")
	}
	before := l
	l.Status, l.LostOn, l.Note = LoanLost, x.LostOn, note
	if err := saveLoan(ctx, tx, l); err != nil {
		return Loan{}, err
	}
	after := it
	after.Status, after.LoanID, after.UpdatedAt = Lost, "", store.Now()
	if err := saveItem(ctx, tx, after); err != nil {
		return Loan{}, err
	}
	if err := addEvent(ctx, tx, store.NewID(), store.Now(), audit.ActorFrom(ctx), withLoan(after, l.ID), ActLose, x.LostOn, it.Status, joinNote(l.PersonName, note)); err != nil {
		return Loan{}, err
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: ActionLose, ObjectType: "device_loan", ObjectID: l.ID, AreaCode: l.VillageCode, Before: before, After: l, Detail: note})
}

// Deposit and Rent are the loan's money in yuan, for display.
func (l Loan) Deposit() string { return Yuan(l.DepositFen) }

// Rent is the monthly rent in yuan, for display.
func (l Loan) Rent() string { return Yuan(l.RentFen) }
