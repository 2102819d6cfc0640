package programme

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/programme/payment"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Channels a case comes through. Online (the person or family on the
// self-service site) is accepted by Create already; only its site is
// missing.
const (
	ChannelStaff    = "staff"    // 县残联窗口
	ChannelTownship = "township" // 乡镇专职委员
	ChannelVillage  = "village"  // 村专职委员
	ChannelOnline   = "online"   // 网上申请（本人或家属）
)

// Channels in display order.
var Channels = []string{ChannelStaff, ChannelTownship, ChannelVillage, ChannelOnline}

// Case is one person's case in one programme and period (个案).
type Case struct {
	ID             string            `json:"id"`
	Code           string            `json:"code"`
	ProgrammeID    string            `json:"programme_id"`
	PersonID       string            `json:"person_id"`
	Name           string            `json:"name"`
	IDNumber       string            `json:"id_number"`
	VillageCode    string            `json:"village_code"`
	Category       registry.Category `json:"category"`
	Grade          registry.Grade    `json:"grade"`
	Status         Status            `json:"status"`
	Channel        string            `json:"channel"`
	Subtype        string            `json:"subtype,omitempty"`
	Tier           string            `json:"tier"`
	AmountFen      int64             `json:"amount_fen"`
	PeriodFrom     string            `json:"period_from"`
	PeriodTo       string            `json:"period_to"`
	StartMonth     string            `json:"start_month,omitempty"`
	EndMonth       string            `json:"end_month,omitempty"`
	DueMonth       string            `json:"due_month,omitempty"`
	PaidMonth      string            `json:"paid_month,omitempty"`
	ProviderID     string            `json:"provider_id,omitempty"`
	PayeeName      string            `json:"payee_name"`
	PayeeIDNumber  string            `json:"payee_id_number"`
	PayeeRelation  string            `json:"payee_relation"`
	BankName       string            `json:"bank_name,omitempty"`
	BankAccount    string            `json:"bank_account,omitempty"`
	OverrideReason string            `json:"override_reason,omitempty"`
	OverrideBy     string            `json:"override_by,omitempty"`
	Reason         string            `json:"reason,omitempty"`
	Note           string            `json:"note,omitempty"`
	CheckedBy      string            `json:"checked_by,omitempty"`
	ReviewedBy     string            `json:"reviewed_by,omitempty"`
	ApprovedBy     string            `json:"approved_by,omitempty"`
	SuspendedFrom  Status            `json:"suspended_from,omitempty"`
	FiledOn        string            `json:"filed_on"`
	DecidedOn      string            `json:"decided_on,omitempty"`
	ClosedOn       string            `json:"closed_on,omitempty"`
	CreatedBy      string            `json:"created_by"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
	Version        int               `json:"version"`
}

// MaskedIDNumber hides the birth date, as the registry's lists do.
func (c Case) MaskedIDNumber() string { return mask(c.IDNumber) }

// MaskedAccount shows the last four digits of the bank account.
func (c Case) MaskedAccount() string {
	if len(c.BankAccount) <= 4 {
		return c.BankAccount
	}
	return strings.Repeat("*", len(c.BankAccount)-4) + c.BankAccount[len(c.BankAccount)-4:]
}

// Holder is the i18n key of who holds the case now.
func (c Case) Holder() string { return Holder(c.Status) }

func mask(n string) string {
	if len(n) < 14 {
		return n
	}
	return n[:6] + "********" + n[14:]
}

// maskSealed masks an ID number read sealed from persons (the radar reads
// the whole register and opens only what it shows). A value that does not
// open shows as all stars rather than failing a page of figures; the
// registry's own pages report such a row as an error.
func maskSealed(sealed string) string {
	n, err := registry.OpenIDNumber(sealed)
	if err != nil {
		return "******************"
	}
	return mask(n)
}

const caseColumns = `id, code, programme_id, person_id, name, id_number, village_code, category, grade, status, channel, subtype, tier,
	amount_fen, period_from, period_to, start_month, end_month, due_month, paid_month, provider_id, payee_name, payee_id_number,
	payee_relation, bank_name, bank_account, override_reason, override_by, reason, note, checked_by, reviewed_by, approved_by,
	suspended_from, filed_on, decided_on, closed_on, created_by, created_at, updated_at, version, id_hash`

const caseColumnCount = 42

func (c *Case) fields() []any {
	return []any{&c.ID, &c.Code, &c.ProgrammeID, &c.PersonID, &c.Name, &c.IDNumber, &c.VillageCode, &c.Category, &c.Grade, &c.Status,
		&c.Channel, &c.Subtype, &c.Tier, &c.AmountFen, &c.PeriodFrom, &c.PeriodTo, &c.StartMonth, &c.EndMonth, &c.DueMonth, &c.PaidMonth,
		&c.ProviderID, &c.PayeeName, &c.PayeeIDNumber, &c.PayeeRelation, &c.BankName, &c.BankAccount, &c.OverrideReason, &c.OverrideBy,
		&c.Reason, &c.Note, &c.CheckedBy, &c.ReviewedBy, &c.ApprovedBy, &c.SuspendedFrom, &c.FiledOn, &c.DecidedOn, &c.ClosedOn,
		&c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.Version, new(string)}
}

// values are the stored columns, the numbers sealed (see sealed.go).
func (c *Case) values() []any {
	return []any{c.ID, c.Code, c.ProgrammeID, c.PersonID, c.Name, crypt.Seal(registry.KindIDNumber, c.IDNumber), c.VillageCode, int(c.Category),
		int(c.Grade), string(c.Status), c.Channel, c.Subtype, c.Tier, c.AmountFen, c.PeriodFrom, c.PeriodTo, c.StartMonth, c.EndMonth, c.DueMonth,
		c.PaidMonth, c.ProviderID, c.PayeeName, crypt.Seal(registry.KindIDNumber, c.PayeeIDNumber), c.PayeeRelation, c.BankName,
		crypt.Seal(payment.KindBankAccount, c.BankAccount), c.OverrideReason, c.OverrideBy,
		c.Reason, c.Note, c.CheckedBy, c.ReviewedBy, c.ApprovedBy, string(c.SuspendedFrom), c.FiledOn, c.DecidedOn, c.ClosedOn,
		c.CreatedBy, c.CreatedAt, c.UpdatedAt, c.Version, registry.IDHash(c.IDNumber)}
}

const caseSelect = `SELECT ` + caseColumns + ` FROM prog_cases`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	if err := row.Scan(c.fields()...); err != nil {
		return c, err
	}
	return c, c.open()
}

// GetCase returns one case inside scope s; one outside is reported as
// missing, like the registry does.
func GetCase(ctx context.Context, q store.Querier, s area.Scope, id string) (Case, error) {
	cond, args := s.Filter("village_code", 2)
	c, err := scanCase(q.QueryRowContext(ctx, caseSelect+` WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	return c, err
}

// CaseFilter narrows a list of cases. Zero values do not narrow.
type CaseFilter struct {
	ProgrammeID string
	AreaCode    string // township or village inside the scope
	Status      Status
	PersonID    string
	Year        int // cases whose period starts in this year
	Query       string
	Limit       int // default 200, at most 2000
}

// ListCases returns cases inside scope s, newest first.
func ListCases(ctx context.Context, q store.Querier, s area.Scope, f CaseFilter) ([]Case, error) {
	if f.AreaCode != "" {
		if !area.ValidCode(f.AreaCode) || !s.Contains(f.AreaCode) {
			return nil, nil
		}
		s = area.ScopeOf(f.AreaCode)
	}
	cond, args := s.Filter("village_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.ProgrammeID != "" {
		conds = append(conds, "programme_id = "+arg(f.ProgrammeID))
	}
	if f.Status != "" {
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if f.PersonID != "" {
		conds = append(conds, "person_id = "+arg(f.PersonID))
	}
	if f.Year > 0 {
		y := strconv.Itoa(f.Year)
		conds = append(conds, "period_from >= "+arg(y+"-01-01"), "period_from <= "+arg(y+"-12-31"))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// The ID number is sealed: matched whole, by its blind index.
		if n := registry.NormalizeIDNumber(q); len(n) >= 4 && strings.Trim(n, "0123456789X") == "" {
			conds = append(conds, "(id_hash = "+arg(registry.IDHash(n))+" OR code = "+arg(strings.ToUpper(q))+")")
		} else {
			conds = append(conds, "(name = "+arg(q)+" OR code = "+arg(strings.ToUpper(q))+")")
		}
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	rows, err := q.QueryContext(ctx, caseSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY filed_on DESC, id DESC LIMIT `+strconv.Itoa(min(f.Limit, 2000)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ---- refusals ----

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
		return i18n.T(l, "programme.error.refused", i18n.T(l, "programme.status."+string(e.Status)), i18n.T(l, "programme.action."+string(e.Action)))
	}
	return i18n.T(l, e.Key, e.Args...)
}

func refuse(c *Case, act Action, key string, args ...any) error {
	return &RefusedError{Action: act, Status: c.Status, Key: key, Args: args}
}

// ---- events ----

// Event is one step of a case's timeline.
type Event struct {
	Seq       int    `json:"seq"`
	At        string `json:"at"`
	ActorName string `json:"actor"`
	Action    string `json:"action"`
	From      Status `json:"from"`
	To        Status `json:"to"`
	Note      string `json:"note,omitempty"`
}

func addEvent(ctx context.Context, tx *store.Tx, caseID, action string, from, to Status, note string) error {
	actor := audit.ActorFrom(ctx)
	name := actor.Name
	if name == "" {
		name = actor.ID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO prog_events (id, case_id, seq, at, actor_id, actor_name, action, from_status, to_status, note)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM prog_events WHERE case_id = $2`,
		store.NewID(), caseID, store.Now(), actor.ID, name, action, string(from), string(to), note)
	return err
}

// Events returns a case's timeline (the caller has checked its scope),
// oldest first.
func Events(ctx context.Context, q store.Querier, caseID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_name, action, from_status, to_status, note FROM prog_events WHERE case_id = $1 ORDER BY seq`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.Seq, &ev.At, &ev.ActorName, &ev.Action, &ev.From, &ev.To, &ev.Note); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// ---- filing ----

// NewCase is what filing a case takes.
type NewCase struct {
	ProgrammeID string
	PersonID    string // or IDNumber
	IDNumber    string
	Channel     string
	Subtype     string
	Tier        string // "" = the first tier whose condition holds
	AmountFen   int64  // 0 = the tier's amount
	ProviderID  string
	// Payee: "" name is the person himself. A programme that pays the
	// family needs another payee with an ID number.
	PayeeName, PayeeIDNumber, PayeeRelation, BankName, BankAccount string
	// Tags are diagnoses to note on the person with this filing (autism,
	// cerebral_palsy), from TagSource (e.g. 县人民医院诊断).
	Tags      []string
	TagSource string
	// OverrideReason admits a person who does not meet the rule; only a
	// holder of PermProgrammeReview may give it, and it is recorded.
	OverrideReason string
	Note           string
}

// Diagnoses are the tags a filing may note.
var Diagnoses = []string{TagAutism, TagCerebralPalsy}

// MaxTextLength bounds reasons and notes, in characters.
const MaxTextLength = 500

// ActionFile is the event and audit action of filing.
const ActionFile = "file"

// codeAlphabet leaves out 0/O and 1/I, which are misread over the phone.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newCode() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return "GA" + string(b)
}

// canOverride reports whether the caller may admit a person who does not
// meet the rule: a principal holding the review permission (and, for
// county staff, in the rehabilitation department), or the system (demo,
// command line) when there is no principal.
func canOverride(ctx context.Context) bool {
	p := auth.From(ctx)
	if p == nil {
		return audit.ActorFrom(ctx).Kind == "system"
	}
	return p.Can(auth.PermProgrammeReview)
}

func ym(t time.Time) string  { return t.Format("2006-01") }
func ymd(t time.Time) string { return t.Format(time.DateOnly) }

// Create files a case inside scope s: the person must be active and in
// scope, the programme active and in its window, the person must meet the
// rule (or a reviewer overrides it with a written reason), no second live
// case of the programme in the period, the amount within the annual cap.
// Every problem is reported at once and nothing is written.
func Create(ctx context.Context, tx *store.Tx, s area.Scope, n NewCase, today time.Time) (Case, error) {
	var es validate.Errors
	prog, err := Get(ctx, tx, n.ProgrammeID)
	if errors.Is(err, store.ErrNotFound) {
		es.Add(0, "programme.case.programme", "validate.choose")
		return Case{}, es
	}
	if err != nil {
		return Case{}, err
	}
	if !prog.Active {
		es.Add(0, "programme.case.programme", "programme.error.inactive", prog.Name)
	}
	var p registry.Person
	switch {
	case n.PersonID != "":
		p, err = registry.Get(ctx, tx, s, n.PersonID)
	case strings.TrimSpace(n.IDNumber) != "":
		p, err = registry.GetByIDNumber(ctx, tx, s, n.IDNumber)
	default:
		es.Add(0, "programme.case.id_number", "validate.required")
		return Case{}, es
	}
	if errors.Is(err, store.ErrNotFound) {
		es.Add(0, "programme.case.id_number", "programme.error.person_unknown")
		return Case{}, es
	}
	if err != nil {
		return Case{}, err
	}
	if !p.Active() {
		es.Add(0, "programme.case.id_number", "programme.error.person_not_active", p.Name, i18n.T(i18n.ZH, "person.status."+string(p.Status)))
	}
	if n.Channel == "" {
		n.Channel = ChannelStaff
	}
	if !slices.Contains(Channels, n.Channel) {
		es.Add(0, "programme.case.channel", "validate.choose")
	}
	n.Subtype = strings.TrimSpace(n.Subtype)
	switch {
	case len(prog.Subtypes) > 0 && !slices.Contains(prog.Subtypes, n.Subtype):
		es.Add(0, "programme.case.subtype", "validate.choose")
	case len(prog.Subtypes) == 0:
		n.Subtype = ""
	}
	if !prog.InWindow(today, n.Subtype) {
		es.Add(0, "programme.case.programme", "programme.error.window", prog.WindowFrom, prog.WindowTo)
	}
	for _, t := range n.Tags {
		if !slices.Contains(Diagnoses, t) {
			es.Add(0, "programme.case.tags", "validate.choose")
		}
	}
	from, to := prog.Period(today)
	tags, err := TagsOf(ctx, tx, p.ID)
	if err != nil {
		return Case{}, err
	}
	for _, t := range n.Tags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	enrol, err := enrolmentsOf(ctx, tx, p.ID, ymd(today))
	if err != nil {
		return Case{}, err
	}
	facts := FactsOf(p, today, tags, enrol, n.Subtype)
	rule, err := Compile(prog.Rule)
	if err != nil {
		return Case{}, err
	}
	meets, err := rule.Match(&facts)
	if err != nil {
		return Case{}, err
	}
	c := Case{ProgrammeID: prog.ID, PersonID: p.ID, Name: p.Name, IDNumber: p.IDNumber, VillageCode: p.VillageCode, Category: p.Category,
		Grade: p.Grade, Status: Applied, Channel: n.Channel, Subtype: n.Subtype, PeriodFrom: from, PeriodTo: to}
	override := strings.TrimSpace(n.OverrideReason)
	switch {
	case meets:
		override = ""
	case override == "":
		es.Add(0, "programme.case.id_number", "programme.error.not_eligible", p.Name, prog.Name)
	case !canOverride(ctx):
		es.Add(0, "programme.case.override_reason", "programme.error.override_perm")
	case utf8.RuneCountInString(override) > MaxTextLength:
		es.Add(0, "programme.case.override_reason", "programme.error.too_long", MaxTextLength)
	default:
		c.OverrideReason, c.OverrideBy = override, audit.ActorFrom(ctx).ID
	}
	tier, ok, err := prog.TierFor(strings.TrimSpace(n.Tier), &facts)
	if err != nil {
		return Case{}, err
	}
	if !ok {
		es.Add(0, "programme.case.tier", "validate.choose")
	}
	c.Tier = tier.Key
	c.AmountFen = tier.AmountFen
	if n.AmountFen > 0 {
		c.AmountFen = n.AmountFen
	}
	if n.AmountFen < 0 {
		es.Add(0, "programme.case.amount", "programme.error.negative")
	}
	if prog.Frequency == ByClaim {
		c.AmountFen = 0 // claims carry the amounts
	}
	if p.Active() {
		if err := checkCap(ctx, tx, &es, prog, c, ym(today), ""); err != nil {
			return Case{}, err
		}
	}
	if n.ProviderID != "" {
		if _, err := GetProvider(ctx, tx, n.ProviderID); errors.Is(err, store.ErrNotFound) {
			es.Add(0, "programme.case.provider", "validate.choose")
		} else if err != nil {
			return Case{}, err
		}
		c.ProviderID = n.ProviderID
	}
	if err := c.setPayee(&es, prog, p, n, today); err != nil {
		return Case{}, err
	}
	c.Note = strings.TrimSpace(n.Note)
	if utf8.RuneCountInString(c.Note) > MaxTextLength {
		es.Add(0, "programme.case.note", "programme.error.too_long", MaxTextLength)
	}
	var dup string
	err = tx.QueryRowContext(ctx, `SELECT code FROM prog_cases WHERE person_id = $1 AND programme_id = $2 AND period_from = $3
		AND status NOT IN ('refused', 'withdrawn') ORDER BY filed_on LIMIT 1`, p.ID, prog.ID, from).Scan(&dup)
	switch {
	case err == nil:
		es.Add(0, "programme.case.id_number", "programme.error.duplicate", p.Name, prog.Name, from[:4], dup)
	case !errors.Is(err, sql.ErrNoRows):
		return Case{}, err
	}
	if len(es) > 0 {
		return Case{}, es
	}
	now := store.Now()
	actor := audit.ActorFrom(ctx)
	c.ID, c.Code, c.FiledOn, c.CreatedBy, c.CreatedAt, c.UpdatedAt, c.Version = store.NewID(), newCode(), ymd(today), actor.ID, now, now, 1
	if _, err := tx.ExecContext(ctx, `INSERT INTO prog_cases (`+caseColumns+`) VALUES (`+placeholders(caseColumnCount)+`)`, c.values()...); err != nil {
		return Case{}, err
	}
	source := strings.TrimSpace(n.TagSource)
	if source == "" {
		source = i18n.T(i18n.ZH, "programme.tag_source_filing", c.Code)
	}
	for _, t := range n.Tags {
		if err := setTag(ctx, tx, p.ID, t, source, today); err != nil {
			return c, err
		}
	}
	note := i18n.T(i18n.ZH, "programme.channel."+c.Channel)
	if c.OverrideReason != "" {
		note += "；" + i18n.T(i18n.ZH, "programme.override_note", c.OverrideReason)
	}
	if err := addEvent(ctx, tx, c.ID, ActionFile, "", Applied, note); err != nil {
		return c, err
	}
	return c, audit.Record(ctx, tx, audit.Entry{Action: "programme.case.file", ObjectType: "programme_case", ObjectID: c.ID,
		AreaCode: c.VillageCode, After: c, Detail: c.OverrideReason})
}

// setPayee fills in and checks the payee: the person by default; a family
// member (with a valid ID number and a relation) where the programme pays
// the family. A bank account, when given, is 10–30 digits.
func (c *Case) setPayee(es *validate.Errors, prog Programme, p registry.Person, n NewCase, today time.Time) error {
	c.PayeeName, c.PayeeRelation = strings.TrimSpace(n.PayeeName), strings.TrimSpace(n.PayeeRelation)
	c.BankName, c.BankAccount = strings.TrimSpace(n.BankName), strings.ReplaceAll(strings.TrimSpace(n.BankAccount), " ", "")
	idn := strings.TrimSpace(n.PayeeIDNumber)
	if c.PayeeName == "" && idn == "" && !prog.PayFamily {
		c.PayeeName, c.PayeeIDNumber, c.PayeeRelation = p.Name, p.IDNumber, "self"
	} else {
		if c.PayeeName == "" {
			es.Add(0, "programme.case.payee_name", "validate.required")
		}
		info, err := registry.ParseIDNumber(idn, today)
		if err != nil {
			es.Add(0, "programme.case.payee_id_number", "programme.error.id_number")
		}
		c.PayeeIDNumber = info.Number
		if c.PayeeRelation == "" || c.PayeeRelation == "self" {
			if prog.PayFamily || info.Number != p.IDNumber {
				es.Add(0, "programme.case.payee_relation", "programme.error.relation")
			}
		}
		if prog.PayFamily && info.Number == p.IDNumber && err == nil {
			es.Add(0, "programme.case.payee_id_number", "programme.error.pay_family")
		}
		if utf8.RuneCountInString(c.PayeeName) > registry.MaxNameLength || utf8.RuneCountInString(c.PayeeRelation) > registry.MaxRelationLength {
			es.Add(0, "programme.case.payee_name", "programme.error.too_long", registry.MaxNameLength)
		}
	}
	if c.BankAccount != "" && !validAccount(c.BankAccount) {
		es.Add(0, "programme.case.bank_account", "programme.error.bank_account")
	}
	if utf8.RuneCountInString(c.BankName) > MaxNameLength {
		es.Add(0, "programme.case.bank_name", "programme.error.too_long", MaxNameLength)
	}
	return nil
}

func validAccount(s string) bool {
	if len(s) < 10 || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// annualAmount is what case c costs in the calendar year of month from
// its first month: the amount of a one-off, or the monthly amount times
// the months from start (or the given month) to the year's end, or to its
// end month.
func annualAmount(prog Programme, c Case, month string) int64 {
	if prog.Frequency != Monthly {
		return c.AmountFen
	}
	start := c.StartMonth
	if start == "" {
		start = month
	}
	m, _ := strconv.Atoi(start[5:7])
	last := 12
	if c.EndMonth != "" && c.EndMonth[:4] == start[:4] {
		last, _ = strconv.Atoi(c.EndMonth[5:7])
	}
	if pt := c.PeriodTo; len(pt) >= 7 && pt[:4] == start[:4] {
		if l, _ := strconv.Atoi(pt[5:7]); l < last {
			last = l
		}
	}
	return c.AmountFen * int64(max(last-m+1, 0))
}

// checkCap refuses an amount that, with the person's other live cases of
// the programme in the same year, exceeds the annual cap. except is a case
// left out (the one being changed).
func checkCap(ctx context.Context, q store.Querier, es *validate.Errors, prog Programme, c Case, month, except string) error {
	if prog.AnnualCapFen <= 0 || prog.Frequency == ByClaim {
		return nil
	}
	year := month[:4]
	rows, err := q.QueryContext(ctx, caseSelect+` WHERE person_id = $1 AND programme_id = $2 AND id <> $3 AND status NOT IN ('refused', 'withdrawn')
		AND period_from <= $4 AND period_to >= $5`, c.PersonID, prog.ID, except, year+"-12-31", year+"-01-01")
	if err != nil {
		return err
	}
	defer rows.Close()
	total := annualAmount(prog, c, month)
	for rows.Next() {
		o, err := scanCase(rows)
		if err != nil {
			return err
		}
		total += annualAmount(prog, o, month)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if total > prog.AnnualCapFen {
		es.Add(0, "programme.case.amount", "programme.error.over_cap", Yuan(total), Yuan(prog.AnnualCapFen))
	}
	return nil
}

// ---- moves ----

// Move is what carrying out an action takes beyond the action itself.
type Move struct {
	Action Action
	Reason string // refusals, withdrawals, suspensions, stops, resumptions, reversals; a note otherwise
	// Entitle: the first month (YYYY-MM; default the month of filing, as
	// RULES.md §5 pays from the month of application), the amount (0 keeps
	// the case's) and the bank details if not given at filing.
	StartMonth  string
	AmountFen   int64
	BankName    string
	BankAccount string
	EndMonth    string // stop: the last month paid
}

// lock takes the case's row (PostgreSQL; SQLite transactions hold the
// database) and reads it, inside scope s.
func lock(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Case, error) {
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE prog_cases SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Case{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Case{}, store.ErrNotFound
	}
	return GetCase(ctx, tx, s, id)
}

func actorID(ctx context.Context) string { return audit.ActorFrom(ctx).ID }

// Act carries out one move on a case inside scope s. The table must allow
// it (else a RefusedError naming status and action); then the guards of the
// case: the approver is not the county reviewer (four eyes); payment and
// reversal only for one-off money; delivery only for services and devices;
// entitlement of money needs a bank account and stays within the cap;
// refusals, withdrawals, suspensions and stops say why.
func Act(ctx context.Context, tx *store.Tx, s area.Scope, id string, m Move, today time.Time) (Case, error) {
	c, err := lock(ctx, tx, s, id)
	if err != nil {
		return c, err
	}
	if _, ok := Next(c.Status, m.Action); !ok {
		return c, refuse(&c, m.Action, "")
	}
	prog, err := Get(ctx, tx, c.ProgrammeID)
	if err != nil {
		return c, err
	}
	var es validate.Errors
	m.Reason = strings.TrimSpace(m.Reason)
	needReason := NeedsReason(m.Action) || m.Action == ActClose && c.Status == Suspended
	if needReason && es.Required(0, "programme.move.reason", m.Reason) || utf8.RuneCountInString(m.Reason) > MaxTextLength {
		if utf8.RuneCountInString(m.Reason) > MaxTextLength {
			es.Add(0, "programme.move.reason", "programme.error.too_long", MaxTextLength)
		}
	}
	if len(es) > 0 {
		return c, es
	}
	me := actorID(ctx)
	month := ym(today)
	var apply func(*Case) error
	switch m.Action {
	case ActCheck:
		apply = func(c *Case) error { c.CheckedBy = me; return nil }
	case ActReview:
		apply = func(c *Case) error { c.ReviewedBy = me; return nil }
	case ActApprove:
		if me == c.ReviewedBy {
			return c, refuse(&c, m.Action, "programme.error.four_eyes")
		}
		apply = func(c *Case) error { c.ApprovedBy, c.DecidedOn = me, ymd(today); return nil }
	case ActEntitle:
		after := c
		if m.AmountFen < 0 {
			es.Add(0, "programme.move.amount", "programme.error.negative")
		} else if m.AmountFen > 0 {
			after.AmountFen = m.AmountFen
		}
		if b := strings.ReplaceAll(strings.TrimSpace(m.BankAccount), " ", ""); b != "" {
			after.BankAccount = b
			if !validAccount(b) {
				es.Add(0, "programme.move.bank_account", "programme.error.bank_account")
			}
		}
		if b := strings.TrimSpace(m.BankName); b != "" {
			after.BankName = b
		}
		if prog.Kind.Pays() && (after.BankAccount == "" || after.BankName == "") {
			es.Add(0, "programme.move.bank_account", "programme.error.bank_needed")
		}
		switch prog.Frequency {
		case Monthly:
			after.StartMonth = strings.TrimSpace(m.StartMonth)
			if after.StartMonth == "" {
				after.StartMonth = c.FiledOn[:7]
			}
			if !validMonth(after.StartMonth) {
				es.Add(0, "programme.move.start_month", "programme.error.month")
			} else if after.StartMonth < c.PeriodFrom[:7] || after.StartMonth > c.PeriodTo[:7] {
				es.Add(0, "programme.move.start_month", "programme.error.month_outside", c.PeriodFrom[:7], c.PeriodTo[:7])
			}
			after.EndMonth = ""
		case OneOff:
			after.DueMonth = month
		}
		if len(es) == 0 {
			if err := checkCap(ctx, tx, &es, prog, after, month, c.ID); err != nil {
				return c, err
			}
		}
		if len(es) > 0 {
			return c, es
		}
		apply = func(c *Case) error {
			c.AmountFen, c.BankAccount, c.BankName, c.StartMonth, c.EndMonth, c.DueMonth = after.AmountFen, after.BankAccount, after.BankName,
				after.StartMonth, after.EndMonth, after.DueMonth
			return nil
		}
	case ActPay, ActReverse:
		if prog.Frequency != OneOff || !prog.Kind.Pays() {
			return c, refuse(&c, m.Action, "programme.error.pay_one_off")
		}
		apply = func(c *Case) error {
			if m.Action == ActPay {
				c.PaidMonth = month
			} else {
				c.PaidMonth = ""
			}
			return nil
		}
	case ActDeliver:
		if prog.Kind.Pays() {
			return c, refuse(&c, m.Action, "programme.error.deliver_service")
		}
	case ActStop:
		m.EndMonth = strings.TrimSpace(m.EndMonth)
		if m.EndMonth == "" {
			m.EndMonth = month
		}
		if !validMonth(m.EndMonth) {
			return c, validate.Errors{{Field: "programme.move.end_month", Key: "programme.error.month"}}
		}
		if c.StartMonth != "" && m.EndMonth < c.StartMonth {
			return c, validate.Errors{{Field: "programme.move.end_month", Key: "programme.error.end_before_start", Args: []any{c.StartMonth}}}
		}
		apply = func(c *Case) error { c.EndMonth, c.Reason = m.EndMonth, m.Reason; return nil }
	case ActSuspend:
		apply = func(c *Case) error {
			c.SuspendedFrom, c.Reason = c.Status, m.Reason
			if c.StartMonth != "" && (c.EndMonth == "" || c.EndMonth > month) {
				c.EndMonth = month // paid to the end of this month, stopped from the next
			}
			return nil
		}
	case ActResume:
		apply = func(c *Case) error { c.SuspendedFrom, c.Reason = "", m.Reason; return nil }
	case ActRefuse, ActWithdraw, ActClose:
		apply = func(c *Case) error {
			if m.Reason != "" {
				c.Reason = m.Reason
			}
			return nil
		}
	}
	err = move(ctx, tx, &c, m.Action, today, m.Reason, apply)
	return c, err
}

func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

// move sets the new stage, saves the row, writes the event and the audit
// entry.
func move(ctx context.Context, tx *store.Tx, c *Case, act Action, today time.Time, note string, apply func(*Case) error) error {
	tr, ok := Next(c.Status, act)
	if !ok {
		return refuse(c, act, "")
	}
	before := *c
	if apply != nil {
		if err := apply(c); err != nil {
			return err
		}
	}
	c.Status = tr.To
	if tr.To.Final() {
		c.ClosedOn = ymd(today)
	}
	c.UpdatedAt = store.Now()
	c.Version++
	if err := saveCase(ctx, tx, c); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, c.ID, string(act), before.Status, c.Status, note); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "programme.case." + string(act), ObjectType: "programme_case", ObjectID: c.ID,
		AreaCode: c.VillageCode, Detail: note, Before: before, After: c})
}

func saveCase(ctx context.Context, tx *store.Tx, c *Case) error {
	cols := strings.Split(strings.NewReplacer("\n", "", "\t", "").Replace(caseColumns), ",")
	var sets []string
	for i, col := range cols[1:] {
		sets = append(sets, strings.TrimSpace(col)+" = $"+strconv.Itoa(i+2))
	}
	_, err := tx.ExecContext(ctx, `UPDATE prog_cases SET `+strings.Join(sets, ", ")+` WHERE id = $1`, c.values()...)
	return err
}

// ---- leaving the register ----

// init hooks the programme engine into the registry: open cases are
// suspended when a person leaves the register, and the registry's search
// may narrow to the holders of a shipped programme (?programme=<code>,
// named by the i18n key programme.<code>).
func init() {
	registry.OnLeave(SuspendOnLeave)
	for _, p := range Shipped {
		registry.RegisterProgramme(p.Code, `id IN (SELECT c.person_id FROM prog_cases c JOIN prog_programmes g ON g.id = c.programme_id
			WHERE g.code = '`+p.Code+`' AND c.status IN `+grantedList+`)`)
		registry.ListProgramme(p.Code)
	}
}

// SuspendOnLeave suspends every open case of a person taken off the
// active register (death, move out of the county, cancellation), in the
// registry's transaction, with a case event naming why. A monthly benefit
// stops from the month after the death (RULES.md §5), or after this month
// for the other reasons. It is registered with registry.OnLeave by init.
func SuspendOnLeave(ctx context.Context, tx *store.Tx, p registry.Person) error {
	rows, err := tx.QueryContext(ctx, caseSelect+` WHERE person_id = $1 AND status IN ('applied', 'checked', 'reviewed', 'approved', 'entitled', 'paid', 'delivered', 'follow_up')`, p.ID)
	if err != nil {
		return err
	}
	var open []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return err
		}
		open = append(open, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	last := ym(time.Now())
	reason := i18n.T(i18n.ZH, "programme.leave."+string(p.Status))
	if p.Status == registry.StatusDeceased && len(p.DeathDate) >= 7 {
		last = p.DeathDate[:7]
		reason = i18n.T(i18n.ZH, "programme.leave.deceased_on", p.DeathDate)
	}
	for i := range open {
		c := &open[i]
		err := move(ctx, tx, c, ActSuspend, time.Now(), reason, func(c *Case) error {
			c.SuspendedFrom, c.Reason = c.Status, reason
			if c.StartMonth != "" && (c.EndMonth == "" || c.EndMonth > last) {
				c.EndMonth = last
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ---- tags and enrolments ----

// TagsOf lists a person's tags.
func TagsOf(ctx context.Context, q store.Querier, personID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT tag FROM prog_person_tags WHERE person_id = $1 ORDER BY tag`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func setTag(ctx context.Context, tx *store.Tx, personID, tag, source string, today time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO prog_person_tags (person_id, tag, source, noted_on, village_code)
		SELECT $1, $2, $3, $4, village_code FROM persons WHERE id = $1
		ON CONFLICT (person_id, tag) DO NOTHING`, personID, tag, source, ymd(today))
	return err
}

// SetTag notes a tag on a person inside scope s (a diagnosis such as
// autism, or a need need.<programme code> from the survey), audited.
func SetTag(ctx context.Context, tx *store.Tx, s area.Scope, personID, tag, source string, today time.Time) error {
	p, err := registry.Get(ctx, tx, s, personID)
	if err != nil {
		return err
	}
	if !slices.Contains(Diagnoses, tag) && !(strings.HasPrefix(tag, TagNeedPrefix) && validCode(strings.TrimPrefix(tag, TagNeedPrefix))) {
		return validate.Errors{{Field: "programme.case.tags", Key: "validate.choose"}}
	}
	if err := setTag(ctx, tx, p.ID, tag, strings.TrimSpace(source), today); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "programme.tag", ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode,
		After: map[string]string{"tag": tag, "source": source}})
}

// grantedList is the SQL list of statuses that hold a benefit.
const grantedList = `('approved', 'entitled', 'paid', 'delivered', 'follow_up', 'closed')`

// enrolmentsOf lists the codes of programmes the person holds a benefit of
// on day (a granted case whose period contains it).
func enrolmentsOf(ctx context.Context, q store.Querier, personID, day string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT p.code FROM prog_cases c JOIN prog_programmes p ON p.id = c.programme_id
		WHERE c.person_id = $1 AND c.status IN `+grantedList+` AND c.period_from <= $2 AND c.period_to >= $2 ORDER BY p.code`, personID, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, rows.Err()
}
