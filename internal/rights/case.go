package rights

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Case is one rights-protection case. The JSON form is what the API
// returns; audit entries keep it with the phone masked (auditCopy).
type Case struct {
	ID              string `json:"id"`
	Code            string `json:"code"`
	Channel         string `json:"channel"`
	CallerName      string `json:"caller_name"`
	CallerPhone     string `json:"caller_phone"` // open; masked for viewers without registry.unmask
	PersonID        string `json:"person_id"`
	PersonName      string `json:"person_name"`
	AreaCode        string `json:"area_code"`
	Type            string `json:"type"`
	Account         string `json:"account"`
	Status          Status `json:"status"`
	ReceivedOn      string `json:"received_on"`
	AckDue          string `json:"ack_due"`
	ReplyDue        string `json:"reply_due"`
	Unit            string `json:"unit"`
	TransferredOn   string `json:"transferred_on"`
	TransferNote    string `json:"transfer_note"`
	ExtendedOn      string `json:"extended_on"`
	ExtendReason    string `json:"extend_reason"`
	ReplyOn         string `json:"reply_on"`
	Reply           string `json:"reply"`
	CallbackOn      string `json:"callback_on"`
	Satisfaction    string `json:"satisfaction"`
	CallbackNote    string `json:"callback_note"`
	ClosedOn        string `json:"closed_on"`
	ClosedAtIntake  bool   `json:"closed_at_intake"`
	SupervisedOn    string `json:"supervised_on"`
	SuperviseNote   string `json:"supervise_note"`
	LegalAidOn      string `json:"legal_aid_on"`
	LegalAidPersons int    `json:"legal_aid_persons"`
	LegalAidNote    string `json:"legal_aid_note"`
	CreatedBy       string `json:"created_by"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
	Version         int    `json:"version"`

	phoneHash string // stored index; values() derives it from the phone
}

const columns = `id, code, channel, caller_name, caller_phone, phone_hash, person_id, person_name, area_code, type, account, status, received_on, ack_due, reply_due,
unit, transferred_on, transfer_note, extended_on, extend_reason, reply_on, reply, callback_on, satisfaction, callback_note, closed_on, closed_at_intake,
supervised_on, supervise_note, legal_aid_on, legal_aid_persons, legal_aid_note, created_by, created_at, updated_at, version`

func (c *Case) fields() []any {
	return []any{&c.ID, &c.Code, &c.Channel, &c.CallerName, &c.CallerPhone, &c.phoneHash, &c.PersonID, &c.PersonName, &c.AreaCode, &c.Type, &c.Account, &c.Status,
		&c.ReceivedOn, &c.AckDue, &c.ReplyDue, &c.Unit, &c.TransferredOn, &c.TransferNote, &c.ExtendedOn, &c.ExtendReason, &c.ReplyOn, &c.Reply,
		&c.CallbackOn, &c.Satisfaction, &c.CallbackNote, &c.ClosedOn, &c.ClosedAtIntake, &c.SupervisedOn, &c.SuperviseNote, &c.LegalAidOn,
		&c.LegalAidPersons, &c.LegalAidNote, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.Version}
}

// values are the stored values: the phone sealed.
func (c *Case) values() []any {
	return []any{c.ID, c.Code, c.Channel, c.CallerName, crypt.Seal(registry.KindPhone, c.CallerPhone), registry.PhoneHash(c.CallerPhone), c.PersonID, c.PersonName, c.AreaCode, c.Type,
		c.Account, string(c.Status), c.ReceivedOn, c.AckDue, c.ReplyDue, c.Unit, c.TransferredOn, c.TransferNote, c.ExtendedOn, c.ExtendReason,
		c.ReplyOn, c.Reply, c.CallbackOn, c.Satisfaction, c.CallbackNote, c.ClosedOn, c.ClosedAtIntake, c.SupervisedOn, c.SuperviseNote,
		c.LegalAidOn, c.LegalAidPersons, c.LegalAidNote, c.CreatedBy, c.CreatedAt, c.UpdatedAt, c.Version}
}

// auditCopy is c as the audit log keeps it: the phone masked.
func (c Case) auditCopy() Case {
	c.CallerPhone = registry.MaskPhone(c.CallerPhone)
	return c
}

// Masked returns c with the phone masked, as viewers without
// registry.unmask see it.
func (c Case) Masked() Case { return c.auditCopy() }

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	if err := sc.Scan(c.fields()...); err != nil {
		return c, err
	}
	return c, crypt.OpenAll(registry.KindPhone, &c.CallerPhone)
}

// Get returns one case inside scope s; one outside is reported exactly
// like a missing one.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Case, error) {
	cond, args := s.Filter("area_code", 2)
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+columns+` FROM rights_cases WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	return c, err
}

// lock takes the case's row for the rest of tx, so two moves on one case
// queue instead of both succeeding.
func lock(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Case, error) {
	cond, args := s.Filter("area_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE rights_cases SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Case{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Case{}, store.ErrNotFound
	}
	return Get(ctx, tx, s, id)
}

// Filter narrows the list.
type Filter struct {
	Status   Status // "": every stage
	Channel  string
	Type     string
	AreaCode string // a township or village inside the scope
	From, To string // received between, YYYY-MM-DD, both included ("" open)
	// Overdue and DueSoon look at the present stage's limit on Today
	// (DueSoon: up to Soon, SoonDay of Today).
	Overdue, DueSoon bool
	Today, Soon      string
	Supervised       bool
	Limit            int
}

// List returns the cases inside s that match f, newest received first.
func List(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Case, error) {
	if f.AreaCode != "" {
		// Checked before ScopeOf reads its digit groups: a short code from
		// a query string must not panic.
		if !area.ValidCode(f.AreaCode) {
			return nil, nil
		}
		a := area.ScopeOf(f.AreaCode)
		if !s.Covers(a) {
			return nil, nil
		}
		s = a
	}
	cond, args := s.Filter("area_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if f.Channel != "" {
		conds = append(conds, "channel = "+arg(f.Channel))
	}
	if f.Type != "" {
		conds = append(conds, "type = "+arg(f.Type))
	}
	if f.From != "" {
		conds = append(conds, "received_on >= "+arg(f.From))
	}
	if f.To != "" {
		conds = append(conds, "received_on <= "+arg(f.To))
	}
	if f.Supervised {
		conds = append(conds, "supervised_on <> ''")
	}
	// The present stage's limit (Case.Due) in SQL.
	due := "(CASE status WHEN 'received' THEN ack_due WHEN 'transferred' THEN reply_due ELSE '' END)"
	if f.Overdue {
		conds = append(conds, due+" <> '' AND "+due+" < "+arg(f.Today))
	}
	if f.DueSoon {
		conds = append(conds, due+" >= "+arg(f.Today)+" AND "+due+" <= "+arg(f.Soon))
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM rights_cases WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY received_on DESC, code DESC LIMIT `+strconv.Itoa(f.Limit), args...)
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

// CountOverdue counts the open cases inside s whose present limit has
// passed on today (the worker's list and the home page's worklist).
func CountOverdue(ctx context.Context, q store.Querier, s area.Scope, today string) (int, error) {
	cond, args := s.Filter("area_code", 2)
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM rights_cases WHERE (
	(status = 'received' AND ack_due < $1) OR (status = 'transferred' AND reply_due < $1)) AND `+cond, append([]any{today}, args...)...).Scan(&n)
	return n, err
}

// RefusedError is a move the state machine or a rule of the case does not
// allow now.
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
		return i18n.T(l, "rights.error.refused", i18n.T(l, "rights.status."+string(e.Status)), i18n.T(l, "rights.action."+string(e.Action)))
	}
	return i18n.T(l, e.Key, e.Args...)
}

func refuse(c *Case, act Action, key string, args ...any) error {
	return &RefusedError{Action: act, Status: c.Status, Key: key, Args: args}
}

// ---- events (the case's timeline) ----

// Event is one step of a case's timeline.
type Event struct {
	Seq       int    `json:"seq"`
	Day       string `json:"day"`
	At        string `json:"at"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	Action    string `json:"action"`
	From      Status `json:"from_status"`
	To        Status `json:"to_status"`
	Note      string `json:"note"`
}

func addEvent(ctx context.Context, tx *store.Tx, id string, act Action, dayOf string, from, to Status, note string) error {
	a := audit.ActorFrom(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO rights_events (id, case_id, seq, day, at, actor_id, actor_name, action, from_status, to_status, note)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10 FROM rights_events WHERE case_id = $2`,
		store.NewIDIn(ctx), id, dayOf, store.NowIn(ctx), a.ID, a.Name, string(act), string(from), string(to), note)
	return err
}

// Events returns the timeline of a case, oldest first. The caller has
// checked the case is in scope.
func Events(ctx context.Context, q store.Querier, id string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, day, at, actor_id, actor_name, action, from_status, to_status, note FROM rights_events
		WHERE case_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Seq, &e.Day, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.From, &e.To, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// save writes every column of c (after a move).
func save(ctx context.Context, tx *store.Tx, c *Case) error {
	c.UpdatedAt = store.NowIn(ctx)
	c.Version++
	v := c.values()
	cols := strings.Split(strings.ReplaceAll(columns, "\n", " "), ",")
	var parts []string
	for i, col := range cols[1:] {
		parts = append(parts, strings.TrimSpace(col)+" = $"+strconv.Itoa(i+2))
	}
	_, err := tx.ExecContext(ctx, `UPDATE rights_cases SET `+strings.Join(parts, ", ")+` WHERE id = $1`, v...)
	return err
}

// move carries out act on c: the table must allow it, apply makes the
// changes of the step; then the stage is set, the row saved and the
// timeline and the audit log written.
func move(ctx context.Context, tx *store.Tx, c *Case, act Action, dayOf, note string, apply func(*Case)) error {
	tr, ok := Next(c.Status, act)
	if !ok {
		return refuse(c, act, "")
	}
	before := *c
	if apply != nil {
		apply(c)
	}
	c.Status = tr.To
	if err := save(ctx, tx, c); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, c.ID, act, dayOf, before.Status, c.Status, note); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "rights." + string(act), ObjectType: "rights_case", ObjectID: c.ID,
		AreaCode: c.AreaCode, Before: before.auditCopy(), After: c.auditCopy(), Detail: note})
}

// begin locks the case and checks the table allows act now, before any
// input is looked at.
func begin(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action) (Case, error) {
	c, err := lock(ctx, tx, s, id)
	if err != nil {
		return c, err
	}
	if _, ok := Next(c.Status, act); !ok {
		return c, refuse(&c, act, "")
	}
	return c, nil
}
