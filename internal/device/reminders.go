package device

import (
	"context"
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
)

// Notice is one message in the outbox: a reminder to a borrower, or a
// note to staff. Sending is a later gateway's; staff see them here.
type Notice struct {
	ID          string `json:"id"`
	LoanID      string `json:"loan_id"`
	PersonID    string `json:"person_id"`
	VillageCode string `json:"village_code"`
	Phone       string `json:"phone"`
	Kind        string `json:"kind"`   // overdue, holder_left
	Body        string `json:"body"`   // Chinese: borrowers read Chinese
	Status      string `json:"status"` // queued, no_phone, staff
	NoticeDay   string `json:"notice_day"`
	CreatedAt   string `json:"created_at"`
}

// Notice kinds.
const (
	NoticeOverdue    = "overdue"
	NoticeHolderLeft = "holder_left"
)

// queueNotice puts a notice in the outbox unless the loan already has one
// of the kind for the day; added reports whether it did.
func queueNotice(ctx context.Context, tx *store.Tx, n Notice) (added bool, err error) {
	if n.Status == "" {
		n.Status = "queued"
		if n.Phone == "" {
			n.Status = "no_phone"
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO device_notices (id, loan_id, person_id, village_code, phone, kind, body, status, notice_day, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (loan_id, kind, notice_day) DO NOTHING`,
		store.NewID(), n.LoanID, n.PersonID, n.VillageCode, crypt.Seal(registry.KindPhone, n.Phone), n.Kind, n.Body, n.Status, n.NoticeDay, store.Now())
	if err != nil {
		return false, err
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}

// ActionReminders is the audit action of a reminder run.
const ActionReminders = "device.overdue_reminders"

// OverdueReminders is the scheduled job (register it daily): every open
// loan past its due day gets a reminder in the outbox, to the person's
// phone or else the guardian's, unless it had one within the reminder
// interval (Default 7 days). Running it twice a day adds nothing. It
// returns how many reminders it queued.
func OverdueReminders(ctx context.Context, db *store.DB, today time.Time) (int, error) {
	ctx = audit.WithActor(ctx, audit.System)
	day := ymd(today)
	n := 0
	err := db.InTx(ctx, func(tx *store.Tx) error {
		n = 0
		set, err := LoadSettings(ctx, tx)
		if err != nil {
			return err
		}
		loans, err := ListLoans(ctx, tx, area.All(), LoanFilter{Overdue: day, Limit: 5000})
		if err != nil {
			return err
		}
		since := ymd(dateOf(today).AddDate(0, 0, -set.ReminderEvery+1))
		for _, l := range loans {
			var recent int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_notices WHERE loan_id = $1 AND kind = $2 AND notice_day >= $3 AND notice_day <= $4`,
				l.ID, NoticeOverdue, since, day).Scan(&recent); err != nil {
				return err
			}
			if recent > 0 {
				continue
			}
			phone := ""
			if p, err := registry.Get(ctx, tx, area.All(), l.PersonID); err == nil {
				phone = p.Phone
				if phone == "" {
					phone = p.GuardianPhone
				}
			}
			body := i18n.T(i18n.ZH, "device.notice.overdue", l.PersonName, l.KindName, l.AssetNo, l.DueOn, l.DaysOverdue(today))
			added, err := queueNotice(ctx, tx, Notice{LoanID: l.ID, PersonID: l.PersonID, VillageCode: l.VillageCode, Phone: phone,
				Kind: NoticeOverdue, Body: body, NoticeDay: day})
			if err != nil {
				return err
			}
			if added {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: ActionReminders, ObjectType: "device_notices", ObjectID: day, Detail: strconv.Itoa(n) + " reminders"})
	})
	return n, err
}

// personLeft is the registry's leave hook: a borrower who died, moved out
// of the county or was cancelled keeps his loans open (the device must
// come back), and staff get a notice for each to recover it.
func personLeft(ctx context.Context, tx *store.Tx, p registry.Person) error {
	loans, err := ListLoans(ctx, tx, area.All(), LoanFilter{PersonID: p.ID, Status: LoanOpen})
	if err != nil {
		return err
	}
	day := ymd(time.Now())
	for _, l := range loans {
		body := i18n.T(i18n.ZH, "device.notice.holder_left", l.PersonName, i18n.T(i18n.ZH, "device.person_status."+string(p.Status)), l.KindName, l.AssetNo)
		if _, err := queueNotice(ctx, tx, Notice{LoanID: l.ID, PersonID: p.ID, VillageCode: l.VillageCode, Kind: NoticeHolderLeft,
			Body: body, Status: "staff", NoticeDay: day}); err != nil {
			return err
		}
	}
	return nil
}

func init() { registry.OnLeave(personLeft) }

// Notices lists the outbox inside scope s, newest first; loanID narrows
// it to one loan.
func Notices(ctx context.Context, q store.Querier, s area.Scope, loanID string, limit int) ([]Notice, error) {
	cond, args := s.Filter("village_code", 1)
	query := `SELECT id, loan_id, person_id, village_code, phone, kind, body, status, notice_day, created_at FROM device_notices WHERE ` + cond
	if loanID != "" {
		args = append(args, loanID)
		query += ` AND loan_id = $3`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(max(limit, 1)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		var m Notice
		if err := rows.Scan(&m.ID, &m.LoanID, &m.PersonID, &m.VillageCode, &m.Phone, &m.Kind, &m.Body, &m.Status, &m.NoticeDay, &m.CreatedAt); err != nil {
			return nil, err
		}
		if err := crypt.OpenAll(registry.KindPhone, &m.Phone); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// TownshipOverdue is one township's part of the overdue worklist.
type TownshipOverdue struct {
	Code  string `json:"township_code"`
	Name  string `json:"township"`
	Loans []Loan `json:"loans"`
}

// OverdueByTownship is the worklist: the open loans of scope s past their
// due day on today, grouped by the person's township, most overdue first.
func OverdueByTownship(ctx context.Context, q store.Querier, s area.Scope, areaCode string, today time.Time) ([]TownshipOverdue, error) {
	loans, err := ListLoans(ctx, q, s, LoanFilter{AreaCode: areaCode, Overdue: ymd(today), Limit: 5000})
	if err != nil {
		return nil, err
	}
	names, err := area.Names(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []TownshipOverdue
	at := map[string]int{}
	for _, l := range loans {
		t := area.ParentOf(l.VillageCode)
		i, ok := at[t]
		if !ok {
			i = len(out)
			at[t] = i
			out = append(out, TownshipOverdue{Code: t, Name: names[t]})
		}
		out[i].Loans = append(out[i].Loans, l)
	}
	slices.SortFunc(out, func(a, b TownshipOverdue) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}
