package programme

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
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// ---- providers (服务机构) ----

// ProviderKinds in display order.
var ProviderKinds = []string{"rehab_centre", "hospital", "care_home", "school", "device_centre", "other"}

// Provider is a service provider cases refer to: a rehabilitation centre,
// a hospital, a care home. Providers are county-wide records.
type Provider struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Address    string `json:"address"`
	Phone      string `json:"phone"`
	Designated bool   `json:"designated"` // 定点机构
	Active     bool   `json:"active"`
}

const providerSelect = `SELECT id, name, kind, address, phone, designated, active FROM prog_providers`

func scanProvider(row interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.Address, &p.Phone, &p.Designated, &p.Active)
	return p, err
}

// GetProvider returns one provider.
func GetProvider(ctx context.Context, q store.Querier, id string) (Provider, error) {
	p, err := scanProvider(q.QueryRowContext(ctx, providerSelect+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	return p, err
}

// ListProviders returns the providers, active first, by name.
func ListProviders(ctx context.Context, q store.Querier) ([]Provider, error) {
	rows, err := q.QueryContext(ctx, providerSelect+` ORDER BY active DESC, name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Provider
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveProvider checks and stores a provider (a new one when p.ID is "").
func SaveProvider(ctx context.Context, tx *store.Tx, p Provider) (Provider, error) {
	var es validate.Errors
	p.Name, p.Address, p.Phone = strings.TrimSpace(p.Name), strings.TrimSpace(p.Address), strings.TrimSpace(p.Phone)
	if es.Required(0, "programme.provider.name", p.Name) && utf8.RuneCountInString(p.Name) > MaxNameLength {
		es.Add(0, "programme.provider.name", "programme.error.too_long", MaxNameLength)
	}
	if !slices.Contains(ProviderKinds, p.Kind) {
		es.Add(0, "programme.provider.kind", "validate.choose")
	}
	if utf8.RuneCountInString(p.Address) > 200 {
		es.Add(0, "programme.provider.address", "programme.error.too_long", 200)
	}
	if utf8.RuneCountInString(p.Phone) > 30 {
		es.Add(0, "programme.provider.phone", "programme.error.too_long", 30)
	}
	if len(es) > 0 {
		return p, es
	}
	now := store.Now()
	var before any
	if p.ID == "" {
		p.ID = store.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO prog_providers (id, name, kind, address, phone, designated, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, p.ID, p.Name, p.Kind, p.Address, p.Phone, p.Designated, p.Active, now); err != nil {
			return p, err
		}
	} else {
		old, err := GetProvider(ctx, tx, p.ID)
		if err != nil {
			return p, err
		}
		before = old
		if _, err := tx.ExecContext(ctx, `UPDATE prog_providers SET name = $2, kind = $3, address = $4, phone = $5, designated = $6, active = $7, updated_at = $8 WHERE id = $1`,
			p.ID, p.Name, p.Kind, p.Address, p.Phone, p.Designated, p.Active, now); err != nil {
			return p, err
		}
	}
	return p, audit.Record(ctx, tx, audit.Entry{Action: "programme.provider.save", ObjectType: "programme_provider", ObjectID: p.ID, Before: before, After: p})
}

// ---- services on a case ----

// ServiceTypes are what a service record says was done; quantity counts
// sessions, visits, days or items.
var ServiceTypes = []string{"assessment", "training_session", "surgery", "fitting", "rehab_visit", "counselling", "care_day", "follow_up_visit", "other"}

// Service is one service given on a case: child-rescue sessions, home
// rehabilitation visits, counselling, care days, a device fitting.
type Service struct {
	ID         string `json:"id"`
	CaseID     string `json:"case_id"`
	Day        string `json:"day"`
	ProviderID string `json:"provider_id,omitempty"`
	Type       string `json:"type"`
	Quantity   int    `json:"quantity"`
	Note       string `json:"note,omitempty"`
}

// AddService records a service on a case inside scope s: on a case not
// final and not suspended, on a real day not in the future, with a known
// provider when one is named, a quantity of 1–366.
func AddService(ctx context.Context, tx *store.Tx, s area.Scope, caseID string, sv Service, today time.Time) (Service, error) {
	c, err := lock(ctx, tx, s, caseID)
	if err != nil {
		return sv, err
	}
	if c.Status.Final() || c.Status == Suspended {
		return sv, refuse(&c, "service", "programme.error.case_closed")
	}
	var es validate.Errors
	if es.Required(0, "programme.service.day", sv.Day) {
		d, err := time.Parse(time.DateOnly, sv.Day)
		switch {
		case err != nil:
			es.Add(0, "programme.service.day", "programme.error.date")
		case d.After(today):
			es.Add(0, "programme.service.day", "programme.error.future")
		case sv.Day < c.PeriodFrom[:4]+"-01-01" && sv.Day < c.FiledOn:
			es.Add(0, "programme.service.day", "programme.error.before_period", c.PeriodFrom)
		}
	}
	if !slices.Contains(ServiceTypes, sv.Type) {
		es.Add(0, "programme.service.type", "validate.choose")
	}
	if sv.Quantity < 1 || sv.Quantity > 366 {
		es.Add(0, "programme.service.quantity", "programme.error.quantity", 1, 366)
	}
	if sv.ProviderID != "" {
		if _, err := GetProvider(ctx, tx, sv.ProviderID); errors.Is(err, store.ErrNotFound) {
			es.Add(0, "programme.service.provider", "validate.choose")
		} else if err != nil {
			return sv, err
		}
	}
	sv.Note = strings.TrimSpace(sv.Note)
	if utf8.RuneCountInString(sv.Note) > MaxTextLength {
		es.Add(0, "programme.service.note", "programme.error.too_long", MaxTextLength)
	}
	if len(es) > 0 {
		return sv, es
	}
	sv.ID, sv.CaseID = store.NewID(), c.ID
	if _, err := tx.ExecContext(ctx, `INSERT INTO prog_services (id, case_id, village_code, day, provider_id, type, quantity, note, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, sv.ID, c.ID, c.VillageCode, sv.Day, sv.ProviderID, sv.Type, sv.Quantity, sv.Note,
		actorID(ctx), store.Now()); err != nil {
		return sv, err
	}
	if err := addEvent(ctx, tx, c.ID, "service", c.Status, c.Status, sv.Day+" "+sv.Type+" ×"+itoa(sv.Quantity)); err != nil {
		return sv, err
	}
	return sv, audit.Record(ctx, tx, audit.Entry{Action: "programme.service.add", ObjectType: "programme_case", ObjectID: c.ID, AreaCode: c.VillageCode, After: sv})
}

// Services lists the services of a case, by day.
func Services(ctx context.Context, q store.Querier, caseID string) ([]Service, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, case_id, day, provider_id, type, quantity, note FROM prog_services WHERE case_id = $1 ORDER BY day, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		var sv Service
		if err := rows.Scan(&sv.ID, &sv.CaseID, &sv.Day, &sv.ProviderID, &sv.Type, &sv.Quantity, &sv.Note); err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// ---- claims against receipts ----

// Claim statuses.
const (
	ClaimSubmitted = "submitted"
	ClaimApproved  = "approved"
	ClaimRejected  = "rejected"
	ClaimPaid      = "paid"
)

// Claim is a claim against a receipt (门诊药费收据) on an entitled case.
type Claim struct {
	ID         string `json:"id"`
	CaseID     string `json:"case_id"`
	ReceiptNo  string `json:"receipt_no"`
	ReceiptDay string `json:"receipt_day"`
	AmountFen  int64  `json:"amount_fen"`
	Status     string `json:"status"`
	DueMonth   string `json:"due_month,omitempty"`
	PaidMonth  string `json:"paid_month,omitempty"`
	Note       string `json:"note,omitempty"`
}

// PaymentNote is the note of a claim's payment line: its receipt number.
func (cl Claim) PaymentNote() string { return "收据 " + cl.ReceiptNo }

// AddClaim records a claim on an entitled case of a claim programme inside
// scope s: a receipt not claimed before in the programme, dated in the
// case's period and not in the future, an amount within the per-receipt
// standard and, with the person's other claims of the year, within the
// annual cap.
func AddClaim(ctx context.Context, tx *store.Tx, s area.Scope, caseID string, cl Claim, today time.Time) (Claim, error) {
	c, err := lock(ctx, tx, s, caseID)
	if err != nil {
		return cl, err
	}
	prog, err := Get(ctx, tx, c.ProgrammeID)
	if err != nil {
		return cl, err
	}
	if prog.Frequency != ByClaim {
		return cl, refuse(&c, "claim", "programme.error.not_claims")
	}
	if c.Status != Entitled {
		return cl, refuse(&c, "claim", "programme.error.claim_not_entitled")
	}
	var es validate.Errors
	cl.ReceiptNo = strings.ToUpper(strings.TrimSpace(cl.ReceiptNo))
	if es.Required(0, "programme.claim.receipt_no", cl.ReceiptNo) && utf8.RuneCountInString(cl.ReceiptNo) > 40 {
		es.Add(0, "programme.claim.receipt_no", "programme.error.too_long", 40)
	}
	if es.Required(0, "programme.claim.receipt_day", cl.ReceiptDay) {
		d, err := time.Parse(time.DateOnly, cl.ReceiptDay)
		switch {
		case err != nil:
			es.Add(0, "programme.claim.receipt_day", "programme.error.date")
		case d.After(today):
			es.Add(0, "programme.claim.receipt_day", "programme.error.future")
		case cl.ReceiptDay < c.PeriodFrom || cl.ReceiptDay > c.PeriodTo:
			es.Add(0, "programme.claim.receipt_day", "programme.error.outside_period", c.PeriodFrom, c.PeriodTo)
		}
	}
	tier, _ := prog.Tier(c.Tier)
	switch {
	case cl.AmountFen <= 0:
		es.Add(0, "programme.claim.amount", "programme.error.amount")
	case tier.AmountFen > 0 && cl.AmountFen > tier.AmountFen:
		es.Add(0, "programme.claim.amount", "programme.error.over_standard", Yuan(cl.AmountFen), Yuan(tier.AmountFen))
	case prog.AnnualCapFen > 0:
		year := c.PeriodFrom[:4]
		var sum sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT SUM(cl.amount_fen) FROM prog_claims cl JOIN prog_cases c ON c.id = cl.case_id
			WHERE c.person_id = $1 AND cl.programme_id = $2 AND cl.status <> 'rejected' AND cl.receipt_day >= $3 AND cl.receipt_day <= $4`,
			c.PersonID, prog.ID, year+"-01-01", year+"-12-31").Scan(&sum); err != nil {
			return cl, err
		}
		if total := sum.Int64 + cl.AmountFen; total > prog.AnnualCapFen {
			es.Add(0, "programme.claim.amount", "programme.error.over_cap", Yuan(total), Yuan(prog.AnnualCapFen))
		}
	}
	if cl.ReceiptNo != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM prog_claims WHERE programme_id = $1 AND receipt_no = $2`, prog.ID, cl.ReceiptNo).Scan(&n); err != nil {
			return cl, err
		}
		if n > 0 {
			es.Add(0, "programme.claim.receipt_no", "programme.error.receipt_twice", cl.ReceiptNo)
		}
	}
	cl.Note = strings.TrimSpace(cl.Note)
	if utf8.RuneCountInString(cl.Note) > MaxTextLength {
		es.Add(0, "programme.claim.note", "programme.error.too_long", MaxTextLength)
	}
	if len(es) > 0 {
		return cl, es
	}
	cl.ID, cl.CaseID, cl.Status = store.NewID(), c.ID, ClaimSubmitted
	if _, err := tx.ExecContext(ctx, `INSERT INTO prog_claims (id, case_id, programme_id, village_code, receipt_no, receipt_day, amount_fen, status, due_month, paid_month, decided_by, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', '', '', $9, $10)`, cl.ID, c.ID, prog.ID, c.VillageCode, cl.ReceiptNo, cl.ReceiptDay, cl.AmountFen,
		cl.Status, cl.Note, store.Now()); err != nil {
		return cl, err
	}
	if err := addEvent(ctx, tx, c.ID, "claim", c.Status, c.Status, cl.ReceiptNo+" ¥"+Yuan(cl.AmountFen)); err != nil {
		return cl, err
	}
	return cl, audit.Record(ctx, tx, audit.Entry{Action: "programme.claim.add", ObjectType: "programme_case", ObjectID: c.ID, AreaCode: c.VillageCode, After: cl})
}

// DecideClaim approves (payable from this month) or rejects a submitted
// claim on a case inside scope s.
func DecideClaim(ctx context.Context, tx *store.Tx, s area.Scope, caseID, claimID string, approve bool, note string, today time.Time) error {
	c, err := lock(ctx, tx, s, caseID)
	if err != nil {
		return err
	}
	cl, err := getClaim(ctx, tx, claimID)
	if err != nil || cl.CaseID != c.ID {
		return store.ErrNotFound
	}
	if cl.Status != ClaimSubmitted {
		return refuse(&c, "claim", "programme.error.claim_decided")
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return validate.Errors{{Field: "programme.claim.decision_note", Key: "validate.required"}}
	}
	status, due := ClaimRejected, ""
	if approve {
		status, due = ClaimApproved, ym(today)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE prog_claims SET status = $2, due_month = $3, decided_by = $4, note = CASE WHEN $5 = '' THEN note ELSE $5 END WHERE id = $1`,
		cl.ID, status, due, actorID(ctx), note); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, c.ID, "claim_"+status, c.Status, c.Status, cl.ReceiptNo+" "+note); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "programme.claim." + status, ObjectType: "programme_case", ObjectID: c.ID, AreaCode: c.VillageCode,
		Before: cl, Detail: note})
}

func getClaim(ctx context.Context, q store.Querier, id string) (Claim, error) {
	var cl Claim
	err := q.QueryRowContext(ctx, `SELECT id, case_id, receipt_no, receipt_day, amount_fen, status, due_month, paid_month, note FROM prog_claims WHERE id = $1`, id).
		Scan(&cl.ID, &cl.CaseID, &cl.ReceiptNo, &cl.ReceiptDay, &cl.AmountFen, &cl.Status, &cl.DueMonth, &cl.PaidMonth, &cl.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return cl, store.ErrNotFound
	}
	return cl, err
}

// Claims lists the claims of a case, by receipt day.
func Claims(ctx context.Context, q store.Querier, caseID string) ([]Claim, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, case_id, receipt_no, receipt_day, amount_fen, status, due_month, paid_month, note FROM prog_claims WHERE case_id = $1 ORDER BY receipt_day, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		var cl Claim
		if err := rows.Scan(&cl.ID, &cl.CaseID, &cl.ReceiptNo, &cl.ReceiptDay, &cl.AmountFen, &cl.Status, &cl.DueMonth, &cl.PaidMonth, &cl.Note); err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, rows.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }
