package certify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	_ "image/jpeg" // photo formats accepted
	_ "image/png"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// begin locks the application and checks that the table allows act now,
// before any input is looked at: a refused move is reported as such.
func begin(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action) (Application, env, error) {
	a, err := lock(ctx, tx, s, id)
	if err != nil {
		return a, env{}, err
	}
	if _, ok := Next(a.Status, act, a.Type); !ok {
		return a, env{}, refuse(&a, act, "")
	}
	e, err := loadEnv(ctx, tx)
	return a, e, err
}

func actorID(ctx context.Context) string { return audit.ActorFrom(ctx).ID }

// ---- scheduling ----

// Book books an application into a centralised session: the one named, or
// the next planned one of its category with room. The expert is the one
// named or, by rotation, an eligible expert of the session.
func Book(ctx context.Context, tx *store.Tx, s area.Scope, id, sessionID, expertID string, today time.Time) error {
	a, e, err := begin(ctx, tx, s, id, ActBook)
	if err != nil {
		return err
	}
	var es validate.Errors
	var sess Session
	if sessionID == "" {
		sess, err = nextSession(ctx, tx, a.Category, today)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, "certify.book.session", "certify.error.no_session")
			return es
		}
	} else {
		// Taking the session's row first serialises bookings, so two
		// clerks cannot both fill its last place.
		if _, err := tx.ExecContext(ctx, `UPDATE cert_sessions SET updated_at = updated_at WHERE id = $1`, sessionID); err != nil {
			return err
		}
		sess, err = GetSession(ctx, tx, sessionID)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, "certify.book.session", "certify.error.unknown_session")
			return es
		}
	}
	if err != nil {
		return err
	}
	switch {
	case sess.Status != SessionPlanned:
		es.Add(0, "certify.book.session", "certify.error.session_not_planned")
	case sess.Day < ymd(today):
		es.Add(0, "certify.book.session", "certify.error.past_date")
	case sess.Category != a.Category:
		es.Add(0, "certify.book.session", "certify.error.session_category")
	case sess.Room() == 0:
		es.Add(0, "certify.book.session", "certify.error.session_full", sess.Capacity)
	}
	if len(es) > 0 {
		return es
	}
	experts, err := SessionExperts(ctx, tx, sess.ID)
	if err != nil {
		return err
	}
	var ex Expert
	if expertID != "" {
		found := false
		for _, x := range experts {
			if x.ID == expertID {
				ex, found = x, true
			}
		}
		if !found {
			es.Add(0, "certify.book.expert", "certify.error.expert_not_in_session")
			return es
		}
		why, err := eligibility(ctx, tx, ex, a.IDNumber, a.Category, a.ID)
		if err != nil {
			return err
		}
		if why != "" {
			es.Add(0, "certify.book.expert", why)
			return es
		}
	} else {
		ex, err = pickExpert(ctx, tx, experts, a.IDNumber, a.Category, a.ID)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, "certify.book.expert", "certify.error.no_eligible_expert")
			return es
		}
		if err != nil {
			return err
		}
	}
	err = move(ctx, tx, &a, ActBook, today, e, sess.Day+" "+sess.Place, func(a *Application) error {
		a.SessionID, a.AssessDay, a.ExpertID, a.Home = sess.ID, sess.Day, ex.ID, false
		return nil
	})
	if err != nil {
		return err
	}
	if err := assign(ctx, tx, a.ID, ex.ID, today, "session"); err != nil {
		return err
	}
	return queueSMS(ctx, tx, &a, "booked", a.Name, sess.Day, sess.Place, a.Code)
}

func nextSession(ctx context.Context, q store.Querier, c registry.Category, today time.Time) (Session, error) {
	rows, err := q.QueryContext(ctx, sessionSelect+` WHERE s.status = $1 AND s.day >= $2 AND s.category = $3 ORDER BY s.day, s.id`,
		SessionPlanned, ymd(today), int(c))
	if err != nil {
		return Session{}, err
	}
	defer rows.Close()
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return Session{}, err
		}
		if sess.Room() > 0 {
			return sess, nil
		}
	}
	if err := rows.Err(); err != nil {
		return Session{}, err
	}
	return Session{}, store.ErrNotFound
}

func assign(ctx context.Context, tx *store.Tx, appID, expertID string, today time.Time, kind string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cert_assignments (application_id, expert_id, assigned_on, kind) VALUES ($1, $2, $3, $4)
		ON CONFLICT (application_id, expert_id) DO NOTHING`, appID, expertID, ymd(today), kind)
	return err
}

// HomeVisit is a home assessment (上门评残): the day, why the applicant
// cannot come, and the expert team (the first expert assesses).
type HomeVisit struct {
	Day       string
	Reason    string
	ExpertIDs []string
}

// ScheduleHome arranges a home assessment on a working day from today on,
// by experts each eligible for the applicant.
func ScheduleHome(ctx context.Context, tx *store.Tx, s area.Scope, id string, h HomeVisit, today time.Time) error {
	a, e, err := begin(ctx, tx, s, id, ActScheduleHome)
	if err != nil {
		return err
	}
	var es validate.Errors
	if !containsString(HomeReasons, h.Reason) {
		es.Add(0, "certify.home.reason", "validate.choose")
	}
	if es.Required(0, "certify.home.day", h.Day) {
		d, err := time.Parse(time.DateOnly, h.Day)
		switch {
		case err != nil:
			es.Add(0, "certify.home.day", "certify.error.bad_date")
		case d.Before(dateOf(today)):
			es.Add(0, "certify.home.day", "certify.error.past_date")
		case !e.cal.IsWorkingDay(d):
			es.Add(0, "certify.home.day", "certify.error.not_working_day")
		}
	}
	var team []Expert
	for _, xid := range h.ExpertIDs {
		if xid == "" {
			continue
		}
		ex, err := GetExpert(ctx, tx, xid)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, "certify.home.experts", "certify.error.unknown_expert")
			continue
		}
		if err != nil {
			return err
		}
		why, err := eligibility(ctx, tx, ex, a.IDNumber, a.Category, a.ID)
		if err != nil {
			return err
		}
		if why != "" {
			es.Add(0, "certify.home.experts", why+"_named", ex.Name)
			continue
		}
		team = append(team, ex)
	}
	if len(h.ExpertIDs) == 0 || len(team) == 0 && len(es) == 0 {
		es.Add(0, "certify.home.experts", "validate.choose")
	}
	if len(es) > 0 {
		return es
	}
	err = move(ctx, tx, &a, ActScheduleHome, today, e, h.Day+" "+h.Reason, func(a *Application) error {
		a.Home, a.HomeReason, a.AssessDay, a.ExpertID, a.SessionID = true, h.Reason, h.Day, team[0].ID, ""
		return nil
	})
	if err != nil {
		return err
	}
	for _, ex := range team {
		if err := assign(ctx, tx, a.ID, ex.ID, today, "home"); err != nil {
			return err
		}
	}
	return queueSMS(ctx, tx, &a, "home", a.Name, h.Day, a.Code)
}

// ---- assessment and review ----

// Result is what the expert records. Grade 0 means the findings do not
// meet the standard of any grade. A 多重 result lists its components; its
// grade is that of the most severe (RULES.md §3).
type Result struct {
	Category   registry.Category
	Grade      registry.Grade
	Components []registry.Component
	Findings   string
}

// Assess records the assigned expert's result. Only the expert whose
// account is linked to the assignment may, on or after the assessment day.
func Assess(ctx context.Context, tx *store.Tx, s area.Scope, id string, r Result, today time.Time) error {
	a, e, err := begin(ctx, tx, s, id, ActAssess)
	if err != nil {
		return err
	}
	ex, err := GetExpert(ctx, tx, a.ExpertID)
	if err != nil {
		return err
	}
	if ex.UserID == "" || ex.UserID != actorID(ctx) {
		return refuse(&a, ActAssess, "certify.error.not_your_case")
	}
	if ymd(today) < a.AssessDay {
		return refuse(&a, ActAssess, "certify.error.before_assess_day", a.AssessDay)
	}
	var es validate.Errors
	if !r.Category.Valid() {
		es.Add(0, "certify.assess.category", "validate.choose")
	} else if !ex.Speciality.Covers(r.Category) {
		es.Add(0, "certify.assess.category", "certify.error.expert_speciality")
	}
	comps := ""
	if r.Category == registry.Multiple && r.Grade != 0 {
		seen := map[registry.Category]bool{}
		var cs []registry.Component
		for _, c := range r.Components {
			if c.Category == 0 && c.Grade == 0 {
				continue
			}
			if !c.Category.Valid() || c.Category == registry.Multiple || seen[c.Category] || !c.Grade.Valid() {
				es.Add(0, "certify.assess.components", "certify.error.components")
				break
			}
			seen[c.Category] = true
			cs = append(cs, c)
		}
		if len(cs) < 2 {
			es.Add(0, "certify.assess.components", "certify.error.components_few")
		}
		slices.SortFunc(cs, func(x, y registry.Component) int { return int(x.Category) - int(y.Category) })
		r.Grade, comps = registry.MultipleGrade(cs), registry.ComponentsText(cs)
	} else if r.Grade != 0 && !r.Grade.Valid() {
		es.Add(0, "certify.assess.grade", "validate.choose")
	}
	r.Findings = strings.TrimSpace(r.Findings)
	if es.Required(0, "certify.assess.findings", r.Findings) && utf8.RuneCountInString(r.Findings) > 2000 {
		es.Add(0, "certify.assess.findings", "certify.error.too_long", 2000)
	}
	if len(es) > 0 {
		return es
	}
	err = move(ctx, tx, &a, ActAssess, today, e, "", func(a *Application) error {
		a.ResultCategory, a.ResultGrade, a.ResultComponents, a.Findings = r.Category, r.Grade, comps, r.Findings
		a.AssessedBy, a.AssessedAt, a.ReviewedBy = actorID(ctx), store.Now(), ""
		return nil
	})
	if err != nil || a.Home {
		return err
	}
	// The applicant came to the session: an in-person trip.
	return addVisit(ctx, tx, a.ID, a.AssessDay, "session")
}

// Review is the second person's check of an assessment (四眼原则): return
// it to the expert, publish a qualifying result (公示), or confirm a result
// below the standard. The reviewer may not be the assessor.
func Review(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action, note string, today time.Time) error {
	if act != ActReturn && act != ActPublish && act != ActRefuse {
		return &RefusedError{Action: act, Key: "certify.error.bad_action"}
	}
	a, e, err := begin(ctx, tx, s, id, act)
	if err != nil {
		return err
	}
	me := actorID(ctx)
	if me == a.AssessedBy {
		return refuse(&a, act, "certify.error.four_eyes")
	}
	note = strings.TrimSpace(note)
	switch act {
	case ActReturn:
		if note == "" {
			return validate.Errors{{Field: "certify.review.note", Key: "certify.error.reason_required"}}
		}
		err = move(ctx, tx, &a, act, today, e, note, func(a *Application) error {
			a.ResultCategory, a.ResultGrade, a.ResultComponents, a.Findings, a.AssessedBy, a.AssessedAt = 0, 0, "", "", "", ""
			return nil
		})
	case ActPublish:
		if !a.ResultGrade.Valid() {
			return refuse(&a, act, "certify.error.publish_unqualified")
		}
		err = move(ctx, tx, &a, act, today, e, note, func(a *Application) error {
			a.ReviewedBy = me
			a.PublicityFrom = ymd(today)
			a.PublicityTo = e.addDays(today, e.set.PublicityDays)
			to, _ := time.Parse(time.DateOnly, a.PublicityTo)
			a.ReviewDue = e.addDays(to, e.set.ReviewDays)
			return nil
		})
		if err == nil {
			err = queueSMS(ctx, tx, &a, "publicity", a.Name, a.PublicityFrom, a.PublicityTo)
		}
	case ActRefuse:
		if a.ResultGrade != 0 {
			return refuse(&a, act, "certify.error.refuse_qualified")
		}
		err = move(ctx, tx, &a, act, today, e, note, func(a *Application) error {
			a.ReviewedBy = me
			a.AppealUntil = e.addDays(today, e.set.AppealDays)
			return nil
		})
		if err == nil {
			err = queueSMS(ctx, tx, &a, "not_qualified", a.Name, a.AppealUntil)
		}
	}
	return err
}

// Decide is the county review: approve or reject. The decider may not be
// the assessor, nor, for a case without assessment, the clerk who filed it.
func Decide(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action, note string, today time.Time) error {
	if act != ActApprove && act != ActReject {
		return &RefusedError{Action: act, Key: "certify.error.bad_action"}
	}
	a, e, err := begin(ctx, tx, s, id, act)
	if err != nil {
		return err
	}
	me := actorID(ctx)
	if me == a.AssessedBy || !a.Type.Assessed() && me == a.CreatedBy {
		return refuse(&a, act, "certify.error.four_eyes")
	}
	note = strings.TrimSpace(note)
	if act == ActReject && note == "" {
		return validate.Errors{{Field: "certify.decide.note", Key: "certify.error.reason_required"}}
	}
	err = move(ctx, tx, &a, act, today, e, note, func(a *Application) error {
		a.DecidedBy = me
		if act == ActReject {
			a.AppealUntil = e.addDays(today, e.set.AppealDays)
		}
		return nil
	})
	if err == nil && act == ActReject {
		err = queueSMS(ctx, tx, &a, "rejected", a.Name, note, a.AppealUntil)
	}
	return err
}

// advanceActions are the moves Advance carries out.
var advanceActions = []Action{ActUnbook, ActObject, ActEndPublicity, ActForward, ActAppeal, ActReopen, ActDismiss, ActClose, ActWithdraw}

// Advance carries out the moves that need no more than a note: unbook,
// objection during 公示, end of 公示, forwarding to county review, appeal,
// reopening or dismissing an appeal, closing after the appeal window, and
// withdrawal. Deadlines are checked here.
func Advance(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action, note string, today time.Time) error {
	if !containsAction(advanceActions, act) {
		return &RefusedError{Action: act, Key: "certify.error.bad_action"}
	}
	a, e, err := begin(ctx, tx, s, id, act)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	day := ymd(today)
	needNote := act == ActObject || act == ActDismiss || act == ActUnbook
	if needNote && note == "" {
		return validate.Errors{{Field: "certify.advance.note", Key: "certify.error.reason_required"}}
	}
	var apply func(*Application) error
	switch act {
	case ActUnbook, ActWithdraw:
		apply = func(a *Application) error {
			a.SessionID, a.AssessDay, a.ExpertID = "", "", ""
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cert_assignments WHERE application_id = $1`, a.ID); err != nil {
			return err
		}
	case ActObject:
		apply = func(a *Application) error {
			a.PublicityFrom, a.PublicityTo, a.ReviewDue, a.ReviewedBy = "", "", "", ""
			return nil
		}
	case ActEndPublicity:
		if day <= a.PublicityTo {
			return refuse(&a, act, "certify.error.publicity_running", a.PublicityTo)
		}
	case ActForward:
		apply = func(a *Application) error { a.ReviewDue = e.addDays(today, e.set.ReviewDays); return nil }
	case ActAppeal:
		if day > a.AppealUntil {
			return refuse(&a, act, "certify.error.appeal_window_over", a.AppealUntil)
		}
	case ActClose:
		if day <= a.AppealUntil {
			return refuse(&a, act, "certify.error.appeal_window_open", a.AppealUntil)
		}
	case ActReopen:
		apply = func(a *Application) error {
			a.SessionID, a.AssessDay, a.ExpertID, a.ResultCategory, a.ResultGrade, a.ResultComponents, a.Findings = "", "", "", 0, 0, "", ""
			a.AssessedBy, a.AssessedAt, a.ReviewedBy, a.PublicityFrom, a.PublicityTo, a.ReviewDue = "", "", "", "", "", ""
			a.DecidedBy, a.AppealUntil = "", ""
			return nil
		}
	}
	return move(ctx, tx, &a, act, today, e, note, apply)
}

func containsAction(list []Action, a Action) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// ---- issue, completion, delivery ----

// Certificate is one card issued.
type Certificate struct {
	ID            string `json:"id"`
	PersonID      string `json:"person_id"`
	ApplicationID string `json:"application_id"`
	CertificateNo string `json:"certificate_no"`
	VillageCode   string `json:"village_code"`
	IssuedOn      string `json:"issued_on"`
	ValidUntil    string `json:"valid_until"`
	Kind          Type   `json:"kind"`
	Status        string `json:"status"`
}

// Issue makes the certificate of an approved application and updates the
// registry in the same transaction, with a history event naming the
// application: a new person (or one no longer active reinstated) for a new
// certificate, Regrade for a re-assessment, Move and Update for a change
// of details, a new issue date for a renewal. The number follows RULES.md
// §3 (ID + category + grade; B1, B2 … for a replacement).
func Issue(ctx context.Context, tx *store.Tx, s area.Scope, id string, today time.Time) (Certificate, error) {
	a, e, err := begin(ctx, tx, s, id, ActIssue)
	if err != nil {
		return Certificate{}, err
	}
	var photos int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_attachments WHERE application_id = $1 AND kind = 'photo'`, a.ID).Scan(&photos); err != nil {
		return Certificate{}, err
	}
	if photos == 0 {
		return Certificate{}, refuse(&a, ActIssue, "certify.error.no_photo")
	}
	day := ymd(today)
	reason := i18n.T(i18n.ZH, "certify.registry_reason", i18n.T(i18n.ZH, "certify.type."+string(a.Type)), a.Code)
	comps := parseComponents(a.ResultComponents)
	var p registry.Person
	switch a.Type {
	case TypeNew:
		p, err = registerNew(ctx, tx, s, a, comps, reason, today)
	case TypeReassess:
		p, err = registry.Get(ctx, tx, s, a.PersonID)
		if err != nil {
			break
		}
		if p.Category != a.ResultCategory || p.Grade != a.ResultGrade || registry.ComponentsText(p.Components) != a.ResultComponents {
			p, err = registry.Regrade(ctx, tx, s, p.ID, registry.Event{Reason: reason, EffectiveDate: day,
				Category: a.ResultCategory, Grade: a.ResultGrade, Components: comps}, today)
		} else {
			// Confirmed at the same grade: a new card from today.
			in := p.Input()
			in.CertificateIssuedOn = day
			p, err = registry.Update(ctx, tx, s, p.ID, registry.UpdatePerson{NewPerson: in, Reason: reason})
		}
	case TypeChange:
		p, err = registry.Get(ctx, tx, s, a.PersonID)
		if err == nil && a.NewVillageCode != "" && a.NewVillageCode != p.VillageCode {
			p, err = registry.Move(ctx, tx, s, p.ID, registry.Event{Reason: reason, EffectiveDate: day, VillageCode: a.NewVillageCode}, today)
		}
		if err == nil && a.NewName != "" && a.NewName != p.Name {
			in := p.Input()
			in.Name = a.NewName
			p, err = registry.Update(ctx, tx, s, p.ID, registry.UpdatePerson{NewPerson: in, Reason: reason})
		}
	case TypeRenew:
		p, err = registry.Get(ctx, tx, s, a.PersonID)
		if err == nil {
			in := p.Input()
			in.CertificateIssuedOn = day
			p, err = registry.Update(ctx, tx, s, p.ID, registry.UpdatePerson{NewPerson: in, Reason: reason})
		}
	case TypeReplace:
		p, err = registry.Get(ctx, tx, s, a.PersonID)
	}
	if err != nil {
		return Certificate{}, err
	}
	no := registry.CertificateNumber(p.IDNumber, p.Category, p.Grade)
	if a.Type == TypeReplace {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_certificates WHERE person_id = $1 AND kind = $2`, p.ID, string(TypeReplace)).Scan(&n); err != nil {
			return Certificate{}, err
		}
		no = registry.ReissueNumber(no, n+1)
	}
	// A change of details or a replacement keeps the card's validity; the
	// others start ten years from today.
	until := p.CertificateExpiresOn
	if until == "" || a.Type != TypeChange && a.Type != TypeReplace {
		until = dateOf(today).AddDate(e.set.ValidityYears, 0, -1).Format(time.DateOnly)
	}
	c := Certificate{ID: store.NewID(), PersonID: p.ID, ApplicationID: a.ID, CertificateNo: no, VillageCode: p.VillageCode,
		IssuedOn: day, ValidUntil: until, Kind: a.Type, Status: "valid"}
	if _, err := tx.ExecContext(ctx, `UPDATE cert_certificates SET status = 'superseded' WHERE person_id = $1 AND status = 'valid'`, p.ID); err != nil {
		return c, err
	}
	if err := insertCertificate(ctx, tx, c); err != nil {
		return c, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cert_renewals SET status = 'done' WHERE person_id = $1 AND status = 'open'`, p.ID); err != nil {
		return c, err
	}
	// The event and the audit entry name the card masked: the number is
	// sealed in the application and the certificate, not copied in clear.
	err = move(ctx, tx, &a, ActIssue, today, e, audit.MaskValue(no), func(a *Application) error {
		a.PersonID, a.CertificateNo, a.IssuedOn, a.VillageCode, a.Name = p.ID, no, day, p.VillageCode, p.Name
		return nil
	})
	if err != nil {
		return c, err
	}
	return c, queueSMS(ctx, tx, &a, "issued", a.Name, a.Code)
}

// parseComponents reads "category:grade,…".
func parseComponents(s string) []registry.Component {
	var out []registry.Component
	for _, part := range strings.Split(s, ",") {
		c, g, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		ci, _ := strconv.Atoi(c)
		gi, _ := strconv.Atoi(g)
		out = append(out, registry.Component{Category: registry.Category(ci), Grade: registry.Grade(gi)})
	}
	return out
}

func insertCertificate(ctx context.Context, tx *store.Tx, c Certificate) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cert_certificates (id, person_id, application_id, certificate_no, village_code, issued_on, valid_until, kind, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.PersonID, c.ApplicationID, crypt.Seal(registry.KindCertificateNo, c.CertificateNo), c.VillageCode, c.IssuedOn, c.ValidUntil,
		string(c.Kind), c.Status, store.Now())
	return err
}

// registerNew puts the applicant into the registry: a new person, or a
// person registered before and no longer active (after a cancellation)
// reinstated with the new result.
func registerNew(ctx context.Context, tx *store.Tx, s area.Scope, a Application, comps []registry.Component, reason string, today time.Time) (registry.Person, error) {
	old, err := personByIDNumber(ctx, tx, s, a.IDNumber)
	if errors.Is(err, store.ErrNotFound) {
		return registry.CreateBecause(ctx, tx, s, registry.NewPerson{IDNumber: a.IDNumber, Name: a.Name, VillageCode: a.VillageCode,
			Category: a.ResultCategory, Grade: a.ResultGrade, Components: comps, Phone: a.Phone, CertificateIssuedOn: ymd(today)}, reason, today)
	}
	if err != nil {
		return old, err
	}
	if !old.Active() {
		if old, err = registry.Reinstate(ctx, tx, s, old.ID, registry.Event{Reason: reason}, today); err != nil {
			return old, err
		}
	}
	in := old.Input()
	in.Name, in.VillageCode, in.Category, in.Grade, in.Components, in.CertificateIssuedOn = a.Name, a.VillageCode, a.ResultCategory, a.ResultGrade, comps, ymd(today)
	return registry.Update(ctx, tx, s, old.ID, registry.UpdatePerson{NewPerson: in, Reason: reason})
}

// Complete carries out an approved cancellation (注销): the person is
// cancelled in the registry and every valid card with him.
func Complete(ctx context.Context, tx *store.Tx, s area.Scope, id string, today time.Time) error {
	a, e, err := begin(ctx, tx, s, id, ActComplete)
	if err != nil {
		return err
	}
	reason := i18n.T(i18n.ZH, "certify.registry_reason", i18n.T(i18n.ZH, "certify.type."+string(a.Type)), a.Code) + " " + a.CancelReason
	if _, err := registry.Cancel(ctx, tx, s, a.PersonID, registry.Event{Reason: reason}, today); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cert_certificates SET status = 'cancelled' WHERE person_id = $1 AND status = 'valid'`, a.PersonID); err != nil {
		return err
	}
	if err := move(ctx, tx, &a, ActComplete, today, e, a.CancelReason, nil); err != nil {
		return err
	}
	return queueSMS(ctx, tx, &a, "cancelled", a.Name)
}

// Deliver records how the card reached the holder. Collection at the
// counter is an in-person trip.
func Deliver(ctx context.Context, tx *store.Tx, s area.Scope, id, method string, today time.Time) error {
	a, e, err := begin(ctx, tx, s, id, ActDeliver)
	if err != nil {
		return err
	}
	if !containsString(DeliveryMethods, method) {
		return validate.Errors{{Field: "certify.deliver.method", Key: "validate.choose"}}
	}
	if err := move(ctx, tx, &a, ActDeliver, today, e, i18n.T(i18n.ZH, "certify.delivery."+method), func(a *Application) error {
		a.Delivery, a.DeliveredOn = method, ymd(today)
		return nil
	}); err != nil {
		return err
	}
	if method == "counter" {
		return addVisit(ctx, tx, a.ID, ymd(today), "collection")
	}
	return nil
}

// ---- photo and documents ----

// Photo rules: JPEG or PNG, not larger than the setting, at least the
// pixels of a 1-inch photo at 300 dpi (295 × 413), upright.
const (
	PhotoMinWidth  = 295
	PhotoMinHeight = 413
)

// CheckPhoto reports every problem of a photo file, on field
// "certify.app.photo".
func CheckPhoto(data []byte, maxKB int) validate.Errors {
	var es validate.Errors
	const field = "certify.app.photo"
	if len(data) == 0 {
		es.Add(0, field, "validate.required")
		return es
	}
	if len(data) > maxKB*1024 {
		es.Add(0, field, "certify.error.photo_size", maxKB)
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		es.Add(0, field, "certify.error.photo_format")
		return es
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case err != nil:
		es.Add(0, field, "certify.error.photo_format")
	case cfg.Width < PhotoMinWidth || cfg.Height < PhotoMinHeight:
		es.Add(0, field, "certify.error.photo_small", cfg.Width, cfg.Height, PhotoMinWidth, PhotoMinHeight)
	case cfg.Height <= cfg.Width:
		es.Add(0, field, "certify.error.photo_portrait")
	}
	return es
}

// Document rules: PDF, JPEG or PNG up to 5 MB.
const DocumentMaxBytes = 5 << 20

// Attach stores the applicant's photo (replacing an earlier one) or a
// document, after checking it; the file itself is not put in the audit
// log, only its name and size.
func Attach(ctx context.Context, tx *store.Tx, s area.Scope, id, kind, filename string, data []byte) error {
	a, err := lock(ctx, tx, s, id)
	if err != nil {
		return err
	}
	if a.Status.Final() {
		return refuse(&a, "attach", "certify.error.final")
	}
	var es validate.Errors
	mime := http.DetectContentType(data)
	switch kind {
	case "photo":
		set, err := LoadSettings(ctx, tx)
		if err != nil {
			return err
		}
		es = CheckPhoto(data, set.PhotoMaxKB)
	case "document":
		const field = "certify.app.document"
		switch {
		case len(data) == 0:
			es.Add(0, field, "validate.required")
		case len(data) > DocumentMaxBytes:
			es.Add(0, field, "certify.error.document_size", DocumentMaxBytes>>20)
		case mime != "application/pdf" && mime != "image/jpeg" && mime != "image/png":
			es.Add(0, field, "certify.error.document_format")
		}
	default:
		es.Add(0, "certify.app.document", "validate.choose")
	}
	if len(es) > 0 {
		return es
	}
	filename = path.Base(strings.ReplaceAll(filename, "\\", "/"))
	if utf8.RuneCountInString(filename) > 100 {
		filename = string([]rune(filename)[:100])
	}
	if kind == "photo" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM cert_attachments WHERE application_id = $1 AND kind = 'photo'`, a.ID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cert_attachments (id, application_id, kind, filename, mime, size, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, store.NewID(), a.ID, kind, filename, mime, len(data), base64.StdEncoding.EncodeToString(data), store.Now()); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, a.ID, kind, a.Status, a.Status, filename, false); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "certify.application." + kind, ObjectType: "cert_application", ObjectID: a.ID, AreaCode: a.VillageCode,
		After: map[string]any{"filename": filename, "size": len(data), "mime": mime}})
}

// Attachment is a stored file's description (and, for the photo, its data
// as base64 for a data: URL).
type Attachment struct {
	ID       string
	Kind     string
	Filename string
	Mime     string
	Size     int
	Data     string
}

// Attachments lists an application's files; the data is read only for the
// photo.
func Attachments(ctx context.Context, q store.Querier, appID string) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, filename, mime, size, CASE WHEN kind = 'photo' THEN data ELSE '' END
		FROM cert_attachments WHERE application_id = $1 ORDER BY created_at, id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var at Attachment
		if err := rows.Scan(&at.ID, &at.Kind, &at.Filename, &at.Mime, &at.Size, &at.Data); err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// CertificateOf returns the card issued by an application.
func CertificateOf(ctx context.Context, q store.Querier, appID string) (Certificate, error) {
	var c Certificate
	err := q.QueryRowContext(ctx, `SELECT id, person_id, application_id, certificate_no, village_code, issued_on, valid_until, kind, status
		FROM cert_certificates WHERE application_id = $1`, appID).Scan(&c.ID, &c.PersonID, &c.ApplicationID, &c.CertificateNo, &c.VillageCode,
		&c.IssuedOn, &c.ValidUntil, &c.Kind, &c.Status)
	if err != nil {
		return c, store.ErrNotFound
	}
	return c, crypt.OpenAll(registry.KindCertificateNo, &c.CertificateNo)
}
