package certify

import (
	"context"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// RenewalResult says what one run of the reminder job did.
type RenewalResult struct {
	Skipped bool // not a working day: nothing sent, the next working day's run catches up
	Listed  int  // cards newly put on the worklists
	Notices int  // notices queued (with or without a phone)
}

// ActionRenewals is the audit action of a reminder run.
const ActionRenewals = "certify.renewal_reminders"

// RenewalReminders is the scheduled job (register it daily): every active
// person whose card expires within the lead time (or has expired) and is
// not yet on a worklist is put on his township's worklist with a
// contact-by day in working days, and a notice is queued. It runs only on
// working days, so no text goes out on a holiday and the township's time
// limit starts on a day someone is at work. Running it twice a day adds
// nothing.
func RenewalReminders(ctx context.Context, db *store.DB, today time.Time) (RenewalResult, error) {
	var res RenewalResult
	ctx = audit.WithActor(ctx, audit.System)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		e, err := loadEnv(ctx, tx)
		if err != nil {
			return err
		}
		if !e.cal.IsWorkingDay(today) {
			res.Skipped = true
			return nil
		}
		before := dateOf(today).AddDate(0, 0, e.set.RenewalLeadDays+1).Format(time.DateOnly)
		contactBy := e.addDays(today, e.set.RenewalContactDays)
		var due []registry.Person
		err = registry.SearchEach(ctx, tx, area.All(), registry.Filter{ExpiresBefore: before, Today: today}, func(p registry.Person) error {
			due = append(due, p)
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range due {
			res2, err := tx.ExecContext(ctx, `INSERT INTO cert_renewals (id, person_id, name, certificate_no, village_code, valid_until, contact_by, listed_on, status)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open') ON CONFLICT (person_id, valid_until) DO NOTHING`,
				store.NewID(), p.ID, p.Name, crypt.Seal(registry.KindCertificateNo, p.CertificateNo), p.VillageCode, p.CertificateExpiresOn, contactBy, ymd(today))
			if err != nil {
				return err
			}
			if n, _ := res2.RowsAffected(); n == 0 {
				continue
			}
			res.Listed++
			body := i18n.T(i18n.ZH, "certify.sms.renewal", p.Name, p.CertificateExpiresOn)
			if err := queueText(ctx, tx, "", p.ID, p.VillageCode, p.Phone, "renewal", body); err != nil {
				return err
			}
			res.Notices++
		}
		if res.Listed == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: ActionRenewals, ObjectType: "cert_renewals", ObjectID: ymd(today), After: res})
	})
	return res, err
}

// Renewal is one entry of a township's renewal worklist.
type Renewal struct {
	ID            string `json:"id"`
	PersonID      string `json:"person_id"`
	Name          string `json:"name"`
	CertificateNo string `json:"certificate_no"`
	VillageCode   string `json:"village_code"`
	ValidUntil    string `json:"valid_until"`
	ContactBy     string `json:"contact_by"`
	ListedOn      string `json:"listed_on"`
	Status        string `json:"status"`
}

// Renewals lists the open worklist inside scope s, by village and expiry.
func Renewals(ctx context.Context, q store.Querier, s area.Scope, areaCode string) ([]Renewal, error) {
	if areaCode != "" {
		if !area.ValidCode(areaCode) || !s.Contains(areaCode) {
			return nil, nil
		}
		s = area.ScopeOf(areaCode)
	}
	cond, args := s.Filter("village_code", 1)
	rows, err := q.QueryContext(ctx, `SELECT id, person_id, name, certificate_no, village_code, valid_until, contact_by, listed_on, status
		FROM cert_renewals WHERE status = 'open' AND `+cond+` ORDER BY village_code, valid_until, id LIMIT 5000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Renewal
	for rows.Next() {
		var r Renewal
		if err := rows.Scan(&r.ID, &r.PersonID, &r.Name, &r.CertificateNo, &r.VillageCode, &r.ValidUntil, &r.ContactBy, &r.ListedOn, &r.Status); err != nil {
			return nil, err
		}
		if err := crypt.OpenAll(registry.KindCertificateNo, &r.CertificateNo); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
