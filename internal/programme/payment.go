package programme

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// PaymentSource is the programme engine as the payment batches see it
// (payment.Source): what each paying programme owes for a month, and the
// case moves when a line is paid or reversed.
type PaymentSource struct{}

var _ payment.Source = PaymentSource{}

// Programmes lists the active programmes that pay money (cash and
// grants), in configuration order.
func (PaymentSource) Programmes(ctx context.Context, q store.Querier) ([]payment.Programme, error) {
	ps, err := List(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []payment.Programme
	for _, p := range ps {
		if p.Active && p.Kind.Pays() {
			out = append(out, payment.Programme{ID: p.ID, Name: p.Name})
		}
	}
	return out, nil
}

// Due lists what a programme owes for month (YYYY-MM) inside scope s:
//   - monthly: every case entitled from start_month, for each month up to
//     its end_month (set by a stop, a suspension or a death) and within its
//     period, whatever its stage now;
//   - one-off: entitled cases due this month or earlier and not yet paid,
//     and those paid for this month;
//   - claims: approved claims due this month or earlier, and those paid for
//     this month.
//
// The ledger leaves out what it has already paid.
func (PaymentSource) Due(ctx context.Context, q store.Querier, s area.Scope, programmeID, month string) ([]payment.Due, error) {
	prog, err := Get(ctx, q, programmeID)
	if err != nil {
		return nil, err
	}
	if !validMonth(month) {
		return nil, errors.New("month must be YYYY-MM")
	}
	if !prog.Kind.Pays() {
		return nil, nil
	}
	cond, args := s.Filter("c.village_code", 3)
	args = append([]any{programmeID, month}, args...)
	var query string
	switch prog.Frequency {
	case Monthly:
		query = `SELECT ` + prefixed("c.", caseColumns) + `, '' FROM prog_cases c WHERE c.programme_id = $1 AND ` + cond + `
			AND c.status IN ('entitled', 'suspended', 'closed') AND c.start_month <> '' AND c.start_month <= $2
			AND (c.end_month = '' OR c.end_month >= $2) AND substr(c.period_to, 1, 7) >= $2 AND substr(c.period_from, 1, 7) <= $2`
	case OneOff:
		query = `SELECT ` + prefixed("c.", caseColumns) + `, '' FROM prog_cases c WHERE c.programme_id = $1 AND ` + cond + `
			AND (c.status = 'entitled' AND c.due_month <> '' AND c.due_month <= $2 OR c.paid_month = $2)`
	case ByClaim:
		query = `SELECT ` + prefixed("c.", caseColumns) + `, cl.id FROM prog_claims cl JOIN prog_cases c ON c.id = cl.case_id
			WHERE cl.programme_id = $1 AND ` + cond + ` AND (cl.status = 'approved' AND cl.due_month <= $2 OR cl.status = 'paid' AND cl.paid_month = $2)`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY c.village_code, c.id`, args...)
	if err != nil {
		return nil, err
	}
	type line struct {
		c       Case
		claimID string
	}
	var lines []line
	for rows.Next() {
		var l line
		if err := rows.Scan(append(l.c.fields(), &l.claimID)...); err != nil {
			rows.Close()
			return nil, err
		}
		if err := l.c.open(); err != nil {
			rows.Close()
			return nil, err
		}
		lines = append(lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]payment.Due, 0, len(lines))
	for _, l := range lines {
		d := payment.Due{CaseID: l.c.ID, ProgrammeID: prog.ID, PersonID: l.c.PersonID, VillageCode: l.c.VillageCode,
			PayeeName: l.c.PayeeName, PayeeIDNumber: l.c.PayeeIDNumber, BankName: l.c.BankName, BankAccount: l.c.BankAccount, AmountFen: l.c.AmountFen}
		switch prog.Frequency {
		case Monthly:
			d.Note = i18n.T(i18n.ZH, "programme.pay_note.monthly", month[:4], strings.TrimPrefix(month[5:], "0"), prog.Name)
		case OneOff:
			d.Note = i18n.T(i18n.ZH, "programme.pay_note.one_off", prog.Name, l.c.Code)
		case ByClaim:
			cl, err := getClaim(ctx, q, l.claimID)
			if err != nil {
				return nil, err
			}
			d.AmountFen, d.Note = cl.AmountFen, cl.PaymentNote()
		}
		out = append(out, d)
	}
	return out, nil
}

// prefixed puts a table alias before every column of a column list.
func prefixed(alias, cols string) string {
	parts := strings.Split(strings.NewReplacer("\n", "", "\t", "").Replace(cols), ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// Paid is called in the transaction that pays a batch, once per line: a
// one-off case becomes paid, a claim paid; every line is kept in
// prog_paid for the figures and noted on the case's timeline.
func (PaymentSource) Paid(ctx context.Context, tx *store.Tx, d payment.Due, batchID, month string) error {
	return settle(ctx, tx, d, batchID, month, false)
}

// Reversed is called in the transaction that reverses a paid line: the
// one-off case or the claim is owed again, and a negative line is kept
// (never an edit).
func (PaymentSource) Reversed(ctx context.Context, tx *store.Tx, d payment.Due, batchID, month string) error {
	return settle(ctx, tx, d, batchID, month, true)
}

func settle(ctx context.Context, tx *store.Tx, d payment.Due, batchID, month string, reversal bool) error {
	c, err := lock(ctx, tx, area.All(), d.CaseID)
	if err != nil {
		return err
	}
	prog, err := Get(ctx, tx, c.ProgrammeID)
	if err != nil {
		return err
	}
	today := time.Now()
	amount, action := d.AmountFen, "paid"
	if reversal {
		amount, action = -d.AmountFen, "reversed"
	}
	switch prog.Frequency {
	case OneOff:
		act, note := ActPay, batchID
		if reversal {
			act, note = ActReverse, i18n.T(i18n.ZH, "programme.reversal_note", batchID)
		}
		if _, ok := Next(c.Status, act); !ok {
			return refuse(&c, act, "")
		}
		if err := move(ctx, tx, &c, act, today, note, func(c *Case) error {
			c.PaidMonth = month
			if reversal {
				c.PaidMonth = ""
			}
			return nil
		}); err != nil {
			return err
		}
	case ByClaim:
		from, to := ClaimApproved, ClaimPaid
		paidMonth := month
		if reversal {
			from, to, paidMonth = ClaimPaid, ClaimApproved, ""
		}
		res, err := tx.ExecContext(ctx, `UPDATE prog_claims SET status = $3, paid_month = $4 WHERE case_id = $1 AND 'receipt ' || receipt_no = $2 AND status = $5`,
			c.ID, "receipt "+strings.TrimPrefix(d.Note, "收据 "), to, paidMonth, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(&c, Action(action), "programme.error.claim_not_payable", d.Note)
		}
		if err := addEvent(ctx, tx, c.ID, action, c.Status, c.Status, month+" "+d.Note+" "+batchID); err != nil {
			return err
		}
	default:
		if err := addEvent(ctx, tx, c.ID, action, c.Status, c.Status, month+" ¥"+Yuan(d.AmountFen)+" "+batchID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO prog_paid (id, case_id, programme_id, village_code, category, month, batch_id, amount_fen, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, store.NewID(), c.ID, c.ProgrammeID, c.VillageCode, int(c.Category), month, batchID,
		amount, d.Note, store.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "programme.case." + action, ObjectType: "programme_case", ObjectID: c.ID,
		AreaCode: c.VillageCode, Detail: batchID + " " + month, After: d})
}
