package certify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Calendar is the working-day calendar the deadlines are computed with.
type Calendar = *calendar.Calendar

// dateOf is the civil date of t.
func dateOf(t time.Time) time.Time { return calendar.Date(t) }

func ymd(t time.Time) string { return dateOf(t).Format(time.DateOnly) }

// farFuture lets an ID number be checked without a "today" (birth dates in
// the future are caught where a person is registered).
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Channels an application comes through.
const (
	ChannelCounter  = "counter"  // 窗口受理
	ChannelTownship = "township" // 乡镇代办
	ChannelOnline   = "online"   // 网上申请（本人或家属）
)

// Channels in display order.
var Channels = []string{ChannelCounter, ChannelTownship, ChannelOnline}

// Home assessment reasons (上门评残).
var HomeReasons = []string{"bedridden", "severe_mental", "cannot_travel"}

// Delivery methods.
var DeliveryMethods = []string{"counter", "township", "home"}

// Application is one request for a certificate service.
type Application struct {
	ID               string            `json:"id"`
	Code             string            `json:"code"`
	Type             Type              `json:"type"`
	Status           Status            `json:"status"`
	Channel          string            `json:"channel"`
	PersonID         string            `json:"person_id"`
	IDNumber         string            `json:"id_number"`
	Name             string            `json:"name"`
	VillageCode      string            `json:"village_code"`
	Phone            string            `json:"phone"`
	Category         registry.Category `json:"category"`
	NewName          string            `json:"new_name,omitempty"`
	NewVillageCode   string            `json:"new_village_code,omitempty"`
	CancelReason     string            `json:"cancel_reason,omitempty"`
	Home             bool              `json:"home"`
	HomeReason       string            `json:"home_reason,omitempty"`
	SessionID        string            `json:"session_id,omitempty"`
	AssessDay        string            `json:"assess_day,omitempty"`
	ExpertID         string            `json:"expert_id,omitempty"`
	ResultCategory   registry.Category `json:"result_category"`
	ResultGrade      registry.Grade    `json:"result_grade"`
	ResultComponents string            `json:"result_components,omitempty"`
	Findings         string            `json:"findings,omitempty"`
	AssessedBy       string            `json:"assessed_by,omitempty"`
	AssessedAt       string            `json:"assessed_at,omitempty"`
	ReviewedBy       string            `json:"reviewed_by,omitempty"`
	PublicityFrom    string            `json:"publicity_from,omitempty"`
	PublicityTo      string            `json:"publicity_to,omitempty"`
	ReviewDue        string            `json:"review_due,omitempty"`
	DecidedBy        string            `json:"decided_by,omitempty"`
	AppealUntil      string            `json:"appeal_until,omitempty"`
	CertificateNo    string            `json:"certificate_no,omitempty"`
	IssuedOn         string            `json:"issued_on,omitempty"`
	Delivery         string            `json:"delivery,omitempty"`
	DeliveredOn      string            `json:"delivered_on,omitempty"`
	Due              string            `json:"due,omitempty"`
	LateStages       int               `json:"late_stages"`
	StageSince       string            `json:"stage_since"`
	FiledOn          string            `json:"filed_on"`
	ClosedOn         string            `json:"closed_on,omitempty"`
	CreatedBy        string            `json:"created_by"`
	CreatedAt        string            `json:"created_at"`
	UpdatedAt        string            `json:"updated_at"`
	Version          int               `json:"version"`
	Visits           int               `json:"visits"`
}

// Overdue reports whether the current stage is past its time limit.
func (a Application) Overdue(today time.Time) bool {
	return a.Due != "" && !a.Status.Final() && ymd(today) > a.Due
}

// Holder is the i18n key of who holds the application now.
func (a Application) Holder() string { return Holder(a.Status) }

// MaskedIDNumber hides the birth date, as the registry's lists do.
func (a Application) MaskedIDNumber() string {
	if len(a.IDNumber) < 14 {
		return a.IDNumber
	}
	return a.IDNumber[:6] + "********" + a.IDNumber[14:]
}

const appColumns = `id, code, type, status, channel, person_id, id_number, name, village_code, phone, category, new_name, new_village_code,
	cancel_reason, home, home_reason, session_id, assess_day, expert_id, result_category, result_grade, result_components, findings, assessed_by, assessed_at,
	reviewed_by, publicity_from, publicity_to, review_due, decided_by, appeal_until, certificate_no, issued_on, delivery, delivered_on,
	due, late_stages, stage_since, filed_on, closed_on, created_by, created_at, updated_at, version, id_hash`

const appSelect = `SELECT ` + appColumns + `, (SELECT COUNT(*) FROM cert_visits v WHERE v.application_id = cert_applications.id) FROM cert_applications`

func (a *Application) fields() []any {
	return []any{&a.ID, &a.Code, &a.Type, &a.Status, &a.Channel, &a.PersonID, &a.IDNumber, &a.Name, &a.VillageCode, &a.Phone, &a.Category,
		&a.NewName, &a.NewVillageCode, &a.CancelReason, &a.Home, &a.HomeReason, &a.SessionID, &a.AssessDay, &a.ExpertID, &a.ResultCategory,
		&a.ResultGrade, &a.ResultComponents, &a.Findings, &a.AssessedBy, &a.AssessedAt, &a.ReviewedBy, &a.PublicityFrom, &a.PublicityTo, &a.ReviewDue,
		&a.DecidedBy, &a.AppealUntil, &a.CertificateNo, &a.IssuedOn, &a.Delivery, &a.DeliveredOn, &a.Due, &a.LateStages, &a.StageSince,
		&a.FiledOn, &a.ClosedOn, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.Version, new(string)}
}

// values are the stored columns: the personal numbers and the findings
// sealed, with the ID number's blind index (see sealed.go).
func (a *Application) values() []any {
	return []any{a.ID, a.Code, string(a.Type), string(a.Status), a.Channel, a.PersonID, crypt.Seal(registry.KindIDNumber, a.IDNumber), a.Name,
		a.VillageCode, crypt.Seal(registry.KindPhone, a.Phone), int(a.Category),
		a.NewName, a.NewVillageCode, a.CancelReason, a.Home, a.HomeReason, a.SessionID, a.AssessDay, a.ExpertID, int(a.ResultCategory),
		int(a.ResultGrade), a.ResultComponents, crypt.Seal(KindFindings, a.Findings), a.AssessedBy, a.AssessedAt, a.ReviewedBy, a.PublicityFrom,
		a.PublicityTo, a.ReviewDue, a.DecidedBy, a.AppealUntil, crypt.Seal(registry.KindCertificateNo, a.CertificateNo), a.IssuedOn, a.Delivery,
		a.DeliveredOn, a.Due, a.LateStages, a.StageSince, a.FiledOn, a.ClosedOn, a.CreatedBy, a.CreatedAt, a.UpdatedAt, a.Version,
		registry.IDHash(a.IDNumber)}
}

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	if err := row.Scan(append(a.fields(), &a.Visits)...); err != nil {
		return a, err
	}
	err := crypt.OpenAll(registry.KindIDNumber, &a.IDNumber, registry.KindPhone, &a.Phone, KindFindings, &a.Findings,
		registry.KindCertificateNo, &a.CertificateNo)
	return a, err
}

// Get returns one application inside scope s; one outside is reported as
// missing, like the registry does.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Application, error) {
	cond, args := s.Filter("village_code", 2)
	a, err := scanApp(q.QueryRowContext(ctx, appSelect+` WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	return a, err
}

// GetByCode returns the application with an applicant's code, for the
// applicant following his own case (the code is the secret he holds).
func GetByCode(ctx context.Context, q store.Querier, code string) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, appSelect+` WHERE code = $1`, strings.ToUpper(strings.TrimSpace(code))))
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	return a, err
}

// Filter narrows a list of applications. Zero values do not narrow.
type Filter struct {
	AreaCode  string // township or village inside the scope
	Status    Status
	Type      Type
	Open      bool   // only applications not yet final
	Overdue   string // YYYY-MM-DD: only those past their time limit on this day
	ExpertID  string
	SessionID string
	Limit     int // default 200, at most 2000
}

// List returns applications inside scope s, newest first.
func List(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Application, error) {
	if f.AreaCode != "" {
		if !area.ValidCode(f.AreaCode) || !s.Contains(f.AreaCode) {
			return nil, nil
		}
		s = area.ScopeOf(f.AreaCode)
	}
	cond, args := s.Filter("village_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if f.Type != "" {
		conds = append(conds, "type = "+arg(string(f.Type)))
	}
	if f.Open || f.Overdue != "" {
		conds = append(conds, "status NOT IN ('delivered', 'completed', 'closed', 'withdrawn')")
	}
	if f.Overdue != "" {
		conds = append(conds, "due <> ''", "due < "+arg(f.Overdue))
	}
	if f.ExpertID != "" {
		conds = append(conds, "expert_id = "+arg(f.ExpertID))
	}
	if f.SessionID != "" {
		conds = append(conds, "session_id = "+arg(f.SessionID))
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	rows, err := q.QueryContext(ctx, appSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY filed_on DESC, id DESC LIMIT `+strconv.Itoa(min(f.Limit, 2000)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ---- errors ----

// RefusedError is a move the state machine or a rule of the case does not
// allow. Key names the reason ("" for a move the table does not have).
type RefusedError struct {
	Action Action
	Status Status
	Key    string
	Args   []any
}

func (e *RefusedError) Error() string { return e.Text(i18n.ZH) }

// Text renders the refusal in language l.
func (e *RefusedError) Text(l i18n.Lang) string {
	if e.Key == "" {
		return i18n.T(l, "certify.error.refused", i18n.T(l, "certify.status."+string(e.Status)), i18n.T(l, "certify.action."+string(e.Action)))
	}
	return i18n.T(l, e.Key, e.Args...)
}

func refuse(a *Application, act Action, key string, args ...any) error {
	return &RefusedError{Action: act, Status: a.Status, Key: key, Args: args}
}

// ---- environment of a transaction ----

// env is what deadlines need, read once per transaction.
type env struct {
	cal Calendar
	set Settings
}

func loadEnv(ctx context.Context, q store.Querier) (env, error) {
	cal, err := calendar.Load(ctx, q)
	if err != nil {
		return env{}, err
	}
	set, err := LoadSettings(ctx, q)
	return env{cal: cal, set: set}, err
}

func (e env) addDays(t time.Time, n int) string {
	return e.cal.AddWorkingDays(t, n).Format(time.DateOnly)
}

// dueFor is the time limit of the stage a has just entered on day today.
func (e env) dueFor(a *Application, today time.Time) string {
	switch a.Status {
	case Submitted:
		return e.addDays(today, e.set.BookingDays)
	case Scheduled:
		return a.AssessDay
	case Assessed:
		return e.addDays(today, e.set.SecondReviewDays)
	case Publicity:
		// Moved on the working day after 公示 ends.
		to, _ := time.Parse(time.DateOnly, a.PublicityTo)
		return e.addDays(to, 1)
	case CountyReview:
		return a.ReviewDue
	case Approved:
		return e.addDays(today, e.set.IssueDays)
	case Issued:
		return e.addDays(today, e.set.DeliveryDays)
	case NotQualified, Rejected:
		until, _ := time.Parse(time.DateOnly, a.AppealUntil)
		return e.addDays(until, 1)
	}
	return ""
}

// ---- the write path ----

// lock takes the application's row (PostgreSQL; SQLite transactions hold
// the database) and reads it, inside scope s.
func lock(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Application, error) {
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE cert_applications SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Application{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Application{}, store.ErrNotFound
	}
	return Get(ctx, tx, s, id)
}

// move carries out action act on a: the table must allow it, apply makes
// the changes of the case, then the stage, its time limit and lateness are
// set, the row saved, the event and the audit entry written.
func move(ctx context.Context, tx *store.Tx, a *Application, act Action, today time.Time, e env, note string, apply func(*Application) error) error {
	tr, ok := Next(a.Status, act, a.Type)
	if !ok {
		return refuse(a, act, "")
	}
	before := *a
	late := a.Due != "" && ymd(today) > a.Due
	if apply != nil {
		if err := apply(a); err != nil {
			return err
		}
	}
	a.Status = tr.To
	if late {
		a.LateStages++
	}
	a.Due = e.dueFor(a, today)
	now := store.Now()
	a.StageSince, a.UpdatedAt = now, now
	if tr.To.Final() {
		a.ClosedOn = ymd(today)
	}
	a.Version++
	if err := save(ctx, tx, a); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, a.ID, string(act), before.Status, a.Status, note, late); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "certify.application." + string(act), ObjectType: "cert_application", ObjectID: a.ID,
		AreaCode: a.VillageCode, Detail: note, Before: before, After: a})
}

func save(ctx context.Context, tx *store.Tx, a *Application) error {
	cols := strings.Split(strings.NewReplacer("\n", "", "\t", "").Replace(appColumns), ",")
	var sets []string
	for i, c := range cols[1:] {
		sets = append(sets, strings.TrimSpace(c)+" = $"+strconv.Itoa(i+2))
	}
	_, err := tx.ExecContext(ctx, `UPDATE cert_applications SET `+strings.Join(sets, ", ")+` WHERE id = $1`, a.values()...)
	return err
}

func addEvent(ctx context.Context, tx *store.Tx, appID, action string, from, to Status, note string, late bool) error {
	actor := audit.ActorFrom(ctx)
	name := actor.Name
	if name == "" {
		name = actor.ID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cert_events (id, application_id, seq, at, actor_id, actor_name, action, from_status, to_status, note, late)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10 FROM cert_events WHERE application_id = $2`,
		store.NewID(), appID, store.Now(), actor.ID, name, action, string(from), string(to), note, late)
	return err
}

// Event is one step in an application's history.
type Event struct {
	Seq       int    `json:"seq"`
	At        string `json:"at"`
	ActorName string `json:"actor"`
	Action    string `json:"action"`
	From      Status `json:"from"`
	To        Status `json:"to"`
	Note      string `json:"note,omitempty"`
	Late      bool   `json:"late"`
}

// Events returns the history of an application (the caller has checked
// its scope), oldest first.
func Events(ctx context.Context, q store.Querier, appID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_name, action, from_status, to_status, note, late FROM cert_events WHERE application_id = $1 ORDER BY seq`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.Seq, &ev.At, &ev.ActorName, &ev.Action, &ev.From, &ev.To, &ev.Note, &ev.Late); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// ---- filing ----

// NewApplication is what filing takes. For every type but TypeNew the
// person is found in the registry by ID number, and name and village come
// from there.
type NewApplication struct {
	Type           Type
	Channel        string
	IDNumber       string
	Name           string
	VillageCode    string
	Phone          string
	Category       registry.Category // TypeNew and TypeReassess
	NewName        string            // TypeChange
	NewVillageCode string            // TypeChange
	CancelReason   string            // TypeCancel
}

var phoneRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

func validPhone(s string) bool { return phoneRE.MatchString(s) }

// codeAlphabet leaves out 0/O and 1/I, which are misread over the phone.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return "YG" + string(b)
}

// ActionFile is the event and audit action of filing.
const ActionFile = "file"

// Create files an application inside scope s: validated (all problems at
// once), written with its first event, a counter visit when filed at the
// counter, and audited; or refused with validate.Errors and nothing written.
func Create(ctx context.Context, tx *store.Tx, s area.Scope, n NewApplication, today time.Time) (Application, error) {
	e, err := loadEnv(ctx, tx)
	if err != nil {
		return Application{}, err
	}
	var es validate.Errors
	if !n.Type.Valid() {
		es.Add(0, "certify.app.type", "validate.choose")
	}
	if n.Channel == "" {
		n.Channel = ChannelCounter
	}
	if !validChannel(n.Channel) {
		es.Add(0, "certify.app.channel", "validate.choose")
	}
	n.Phone = strings.TrimSpace(n.Phone)
	if n.Phone != "" && !validPhone(n.Phone) {
		es.Add(0, "certify.app.phone", "certify.error.phone")
	}
	info, idErr := registry.ParseIDNumber(n.IDNumber, today)
	if idErr != nil {
		es.Add(0, "certify.app.id_number", "certify.error.id_number")
	}
	a := Application{Type: n.Type, Channel: n.Channel, IDNumber: info.Number, Phone: n.Phone, Status: Submitted}
	if n.Type.Assessed() {
		if !n.Category.Valid() {
			es.Add(0, "certify.app.category", "validate.choose")
		}
		a.Category = n.Category
	}
	switch {
	case n.Type == TypeNew:
		a.Name = strings.TrimSpace(n.Name)
		if es.Required(0, "certify.app.name", a.Name) && utf8.RuneCountInString(a.Name) > registry.MaxNameLength {
			es.Add(0, "certify.app.name", "certify.error.too_long", registry.MaxNameLength)
		}
		a.VillageCode = n.VillageCode
		if err := checkVillage(ctx, tx, s, &es, "certify.app.village", n.VillageCode); err != nil {
			return a, err
		}
		if idErr == nil {
			if err := checkNewAllowed(ctx, tx, &es, info.Number, today, e.set); err != nil {
				return a, err
			}
		}
	case n.Type.Valid() && idErr == nil:
		p, err := personByIDNumber(ctx, tx, s, info.Number)
		switch {
		case errors.Is(err, store.ErrNotFound):
			es.Add(0, "certify.app.id_number", "certify.error.not_registered")
		case err != nil:
			return a, err
		case p.Status != registry.StatusActive:
			es.Add(0, "certify.app.id_number", "certify.error.person_not_active")
		default:
			a.PersonID, a.Name, a.VillageCode = p.ID, p.Name, p.VillageCode
			if a.Phone == "" {
				a.Phone = p.Phone
			}
		}
	}
	switch n.Type {
	case TypeChange:
		a.NewName = strings.TrimSpace(n.NewName)
		a.NewVillageCode = n.NewVillageCode
		if a.NewName == "" && a.NewVillageCode == "" {
			es.Add(0, "certify.app.new_name", "certify.error.change_nothing")
		}
		if a.NewName != "" && utf8.RuneCountInString(a.NewName) > registry.MaxNameLength {
			es.Add(0, "certify.app.new_name", "certify.error.too_long", registry.MaxNameLength)
		}
		if a.NewVillageCode != "" {
			if err := checkVillage(ctx, tx, s, &es, "certify.app.new_village", a.NewVillageCode); err != nil {
				return a, err
			}
		}
	case TypeCancel:
		a.CancelReason = strings.TrimSpace(n.CancelReason)
		if !containsString(e.set.CancelReasons, a.CancelReason) {
			es.Add(0, "certify.app.cancel_reason", "validate.choose")
		}
	}
	if idErr == nil && n.Type.Valid() {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_applications WHERE id_hash = $1
			AND status NOT IN ('delivered', 'completed', 'closed', 'withdrawn')`, registry.IDHash(info.Number)).Scan(&open); err != nil {
			return a, err
		}
		if open > 0 {
			es.Add(0, "certify.app.id_number", "certify.error.open_application")
		}
	}
	if len(es) > 0 {
		return Application{}, es
	}
	now := store.Now()
	actor := audit.ActorFrom(ctx)
	a.ID, a.Code, a.FiledOn, a.CreatedBy, a.CreatedAt, a.UpdatedAt, a.StageSince, a.Version = store.NewID(), newCode(), ymd(today), actor.ID, now, now, now, 1
	a.Due = e.dueFor(&a, today)
	if _, err := tx.ExecContext(ctx, `INSERT INTO cert_applications (`+appColumns+`) VALUES (`+placeholders(45)+`)`, a.values()...); err != nil {
		if store.IsUniqueViolation(err) {
			return Application{}, errors.New("受理编号重复，请重试")
		}
		return Application{}, err
	}
	// The note is read by people: the channel's name, not its code.
	if err := addEvent(ctx, tx, a.ID, ActionFile, "", Submitted, i18n.T(i18n.ZH, "certify.channel."+a.Channel), false); err != nil {
		return a, err
	}
	if a.Channel == ChannelCounter {
		if err := addVisit(ctx, tx, a.ID, a.FiledOn, "counter_filing"); err != nil {
			return a, err
		}
		a.Visits = 1
	}
	if err := queueSMS(ctx, tx, &a, "filed", a.Code, i18n.T(i18n.ZH, "certify.type."+string(a.Type))); err != nil {
		return a, err
	}
	return a, audit.Record(ctx, tx, audit.Entry{Action: "certify.application.file", ObjectType: "cert_application", ObjectID: a.ID, AreaCode: a.VillageCode, After: a})
}

func placeholders(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(p, ", ")
}

func validChannel(c string) bool { return containsString(Channels, c) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkVillage requires a village (not a township) inside the scope.
func checkVillage(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, field, code string) error {
	if !es.Required(0, field, code) {
		return nil
	}
	a, err := area.Get(ctx, q, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		es.Add(0, field, "certify.error.unknown_village")
	case err != nil:
		return err
	case a.Level != area.Village:
		es.Add(0, field, "certify.error.not_village")
	case !s.Contains(code):
		es.Add(0, field, "certify.error.village_outside")
	}
	return nil
}

// personByIDNumber finds a registered person inside scope s.
func personByIDNumber(ctx context.Context, q store.Querier, s area.Scope, idNumber string) (registry.Person, error) {
	return registry.GetByIDNumber(ctx, q, s, idNumber)
}

// checkNewAllowed refuses a new certificate for someone who holds one
// (anywhere in the database: only the fact is told) and, after a
// cancellation, before the waiting time is over (RULES.md §3: one year).
func checkNewAllowed(ctx context.Context, q store.Querier, es *validate.Errors, idNumber string, today time.Time, set Settings) error {
	p, err := personByIDNumber(ctx, q, area.All(), idNumber)
	if err == nil && p.Status == registry.StatusActive {
		es.Add(0, "certify.app.id_number", "certify.error.already_registered")
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var last sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT MAX(closed_on) FROM cert_applications WHERE id_hash = $1 AND type = $2 AND status = $3`,
		registry.IDHash(idNumber), string(TypeCancel), string(Completed)).Scan(&last); err != nil {
		return err
	}
	if last.Valid && last.String != "" {
		c, _ := time.Parse(time.DateOnly, last.String)
		from := c.AddDate(0, 0, set.ReapplyWaitDays)
		if dateOf(today).Before(from) {
			es.Add(0, "certify.app.id_number", "certify.error.reapply_wait", last.String, from.Format(time.DateOnly))
		}
	}
	return nil
}

// ---- visits ----

// Visit reasons.
var VisitReasons = []string{"counter_filing", "documents", "photo", "session", "collection", "other"}

func addVisit(ctx context.Context, tx *store.Tx, appID, day, reason string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_visits WHERE application_id = $1 AND day = $2`, appID, day).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil // several counters on one trip are one visit: 最多跑一次 counts trips
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cert_visits (application_id, day, reason) VALUES ($1, $2, $3)`, appID, day, reason)
	return err
}

// RecordVisit records that the applicant came in person on a day. Visits
// on the same day count once.
func RecordVisit(ctx context.Context, tx *store.Tx, s area.Scope, id, day, reason string, today time.Time) error {
	a, err := lock(ctx, tx, s, id)
	if err != nil {
		return err
	}
	var es validate.Errors
	if d, err := time.Parse(time.DateOnly, day); err != nil {
		es.Add(0, "certify.visit.day", "certify.error.bad_date")
	} else if d.After(dateOf(today)) || day < a.FiledOn {
		es.Add(0, "certify.visit.day", "certify.error.visit_day")
	}
	if !containsString(VisitReasons, reason) {
		es.Add(0, "certify.visit.reason", "validate.choose")
	}
	if len(es) > 0 {
		return es
	}
	if err := addVisit(ctx, tx, id, day, reason); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, id, "visit", a.Status, a.Status, day+" "+reason, false); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "certify.application.visit", ObjectType: "cert_application", ObjectID: id, AreaCode: a.VillageCode,
		After: map[string]string{"day": day, "reason": reason}})
}

// ---- SMS outbox ----

// SMS is one queued text message.
type SMS struct {
	ID            string `json:"id"`
	ApplicationID string `json:"application_id"`
	VillageCode   string `json:"village_code"`
	Phone         string `json:"phone"`
	Kind          string `json:"kind"`
	Body          string `json:"body"`
	Status        string `json:"status"`
	CreatedAt     string `json:"created_at"`
}

// queueSMS puts a notice in the outbox (text from the Chinese catalogue:
// applicants read Chinese). Without a phone it is kept as no_phone, so
// staff see who must be told another way.
func queueSMS(ctx context.Context, tx *store.Tx, a *Application, kind string, args ...any) error {
	return queueText(ctx, tx, a.ID, a.PersonID, a.VillageCode, a.Phone, kind, i18n.T(i18n.ZH, "certify.sms."+kind, args...))
}

func queueText(ctx context.Context, tx *store.Tx, appID, personID, village, phone, kind, body string) error {
	status := "queued"
	if phone == "" {
		status = "no_phone"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cert_sms_outbox (id, application_id, person_id, village_code, phone, kind, body, status, created_at, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '')`, store.NewID(), appID, personID, village, crypt.Seal(registry.KindPhone, phone), kind, body, status, store.Now())
	return err
}

// Outbox lists the messages inside scope s, newest first.
func Outbox(ctx context.Context, q store.Querier, s area.Scope, appID string, limit int) ([]SMS, error) {
	cond, args := s.Filter("village_code", 1)
	query := `SELECT id, application_id, village_code, phone, kind, body, status, created_at FROM cert_sms_outbox WHERE ` + cond
	if appID != "" {
		args = append(args, appID)
		query += ` AND application_id = $3`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(max(limit, 1)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SMS
	for rows.Next() {
		var m SMS
		if err := rows.Scan(&m.ID, &m.ApplicationID, &m.VillageCode, &m.Phone, &m.Kind, &m.Body, &m.Status, &m.CreatedAt); err != nil {
			return nil, err
		}
		if err := crypt.OpenAll(registry.KindPhone, &m.Phone); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
