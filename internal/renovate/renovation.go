package renovate

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// SurveyNeeds returns the ids of persons inside s whose yearly survey
// (动态更新) of year records a home renovation need. The application sets
// it to the survey package's function; nil means no survey is available.
var SurveyNeeds func(ctx context.Context, q store.Querier, s area.Scope, year int) ([]string, error)

// NeedCount returns the number of households inside s with a renovation
// need in year, the denominator of coverage. The application sets it from
// the survey; nil means every household in the year's list (not
// cancelled) counts as needing.
var NeedCount func(ctx context.Context, q store.Querier, s area.Scope, year int) (int, error)

// Renovation is one household's renovation of one year. The JSON form is
// what the API returns and what audit entries keep.
type Renovation struct {
	ID              string `json:"id"`
	PersonID        string `json:"person_id"`
	Name            string `json:"name"`
	VillageCode     string `json:"village_code"`
	Year            int    `json:"year"`
	Source          string `json:"source"`
	Poverty         bool   `json:"poverty_registered"`
	Status          Status `json:"status"`
	RequestNote     string `json:"request_note"`
	VisitOn         string `json:"visit_on"`
	Rooms           int    `json:"rooms"`
	Steps           int    `json:"steps"`
	Entrance        string `json:"entrance"`
	Toilet          string `json:"toilet"`
	Kitchen         string `json:"kitchen"`
	Doors           string `json:"doors"`
	SurveyNotes     string `json:"survey_notes"`
	SurveyedBy      string `json:"surveyed_by"`
	PlannedBy       string `json:"planned_by"`
	PlannedAt       string `json:"planned_at"`
	TotalFen        int64  `json:"total_fen"`
	AgreedOn        string `json:"agreed_on"`
	AgreedBy        string `json:"agreed_by"`
	ApprovedBy      string `json:"approved_by"`
	ApprovedOn      string `json:"approved_on"`
	Contractor      string `json:"contractor"`
	StartedOn       string `json:"started_on"`
	AcceptedOn      string `json:"accepted_on"`
	AcceptedBy      string `json:"accepted_by"`
	SignedBy        string `json:"signed_by"`
	InspectionNotes string `json:"inspection_notes"`
	PaidOn          string `json:"paid_on"`
	PaidFen         int64  `json:"paid_fen"`
	PaidBy          string `json:"paid_by"`
	CancelReason    string `json:"cancel_reason"`
	CancelledOn     string `json:"cancelled_on"`
	CreatedBy       string `json:"created_by"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
	Version         int    `json:"version"`
}

const columns = `id, person_id, name, village_code, year, source, poverty, status, request_note, visit_on, rooms, steps, entrance, toilet, kitchen, doors, survey_notes, surveyed_by,
planned_by, planned_at, total_fen, agreed_on, agreed_by, approved_by, approved_on, contractor, started_on, accepted_on, accepted_by, signed_by, inspection_notes,
paid_on, paid_fen, paid_by, cancel_reason, cancelled_on, created_by, created_at, updated_at, version`

func (r *Renovation) fields() []any {
	return []any{&r.ID, &r.PersonID, &r.Name, &r.VillageCode, &r.Year, &r.Source, &r.Poverty, &r.Status, &r.RequestNote, &r.VisitOn, &r.Rooms, &r.Steps,
		&r.Entrance, &r.Toilet, &r.Kitchen, &r.Doors, &r.SurveyNotes, &r.SurveyedBy, &r.PlannedBy, &r.PlannedAt, &r.TotalFen, &r.AgreedOn, &r.AgreedBy,
		&r.ApprovedBy, &r.ApprovedOn, &r.Contractor, &r.StartedOn, &r.AcceptedOn, &r.AcceptedBy, &r.SignedBy, &r.InspectionNotes,
		&r.PaidOn, &r.PaidFen, &r.PaidBy, &r.CancelReason, &r.CancelledOn, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &r.Version}
}

func (r *Renovation) values() []any {
	return []any{r.ID, r.PersonID, r.Name, r.VillageCode, r.Year, r.Source, r.Poverty, string(r.Status), r.RequestNote, r.VisitOn, r.Rooms, r.Steps,
		r.Entrance, r.Toilet, r.Kitchen, r.Doors, r.SurveyNotes, r.SurveyedBy, r.PlannedBy, r.PlannedAt, r.TotalFen, r.AgreedOn, r.AgreedBy,
		r.ApprovedBy, r.ApprovedOn, r.Contractor, r.StartedOn, r.AcceptedOn, r.AcceptedBy, r.SignedBy, r.InspectionNotes,
		r.PaidOn, r.PaidFen, r.PaidBy, r.CancelReason, r.CancelledOn, r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.Version}
}

// Get returns one renovation inside scope s; one outside is reported
// exactly like a missing one.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Renovation, error) {
	cond, args := s.Filter("village_code", 2)
	var r Renovation
	err := q.QueryRowContext(ctx, `SELECT `+columns+` FROM renovations WHERE id = $1 AND `+cond, append([]any{id}, args...)...).Scan(r.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	return r, err
}

// lock takes the renovation's row for the rest of tx, so two moves on one
// household queue instead of both succeeding.
func lock(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Renovation, error) {
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE renovations SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Renovation{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Renovation{}, store.ErrNotFound
	}
	return Get(ctx, tx, s, id)
}

// Filter narrows the list.
type Filter struct {
	Year     int    // 0: every year
	Status   Status // "": every stage
	AreaCode string // a township or village inside the scope
	Query    string // beginning of the name
	Limit    int
}

// List returns the renovations inside s that match f, by village then
// name.
func List(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Renovation, error) {
	if f.AreaCode != "" {
		// The code is checked before ScopeOf reads its digit groups: a
		// short one from a query string must not panic.
		if !area.ValidCode(f.AreaCode) {
			return nil, nil
		}
		a := area.ScopeOf(f.AreaCode)
		if !s.Covers(a) {
			return nil, nil
		}
		s = a
	}
	cond, args := s.Filter("village_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Year != 0 {
		conds = append(conds, "year = "+arg(f.Year))
	}
	if f.Status != "" {
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, "name >= "+arg(q)+" AND name < "+arg(q+"\U0010FFFF"))
	}
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 500
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM renovations WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY village_code, name, id LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Renovation
	for rows.Next() {
		var r Renovation
		if err := rows.Scan(r.fields()...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
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
		return i18n.T(l, "renovate.error.refused", i18n.T(l, "renovate.status."+string(e.Status)), i18n.T(l, "renovate.action."+string(e.Action)))
	}
	return i18n.T(l, e.Key, e.Args...)
}

func refuse(r *Renovation, act Action, key string, args ...any) error {
	return &RefusedError{Action: act, Status: r.Status, Key: key, Args: args}
}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }

// ---- events (the household's timeline) ----

// Event is one step of a renovation's timeline.
type Event struct {
	Seq       int    `json:"seq"`
	At        string `json:"at"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	Action    string `json:"action"`
	From      Status `json:"from_status"`
	To        Status `json:"to_status"`
	Note      string `json:"note"`
}

func addEvent(ctx context.Context, tx *store.Tx, id, action string, from, to Status, note string) error {
	a := audit.ActorFrom(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO renovation_events (id, renovation_id, seq, at, actor_id, actor_name, action, from_status, to_status, note)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM renovation_events WHERE renovation_id = $2`,
		store.NewIDIn(ctx), id, store.NowIn(ctx), a.ID, a.Name, action, string(from), string(to), note)
	return err
}

// Events returns the timeline of a renovation, oldest first. The caller
// has checked the renovation is in scope.
func Events(ctx context.Context, q store.Querier, id string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_id, actor_name, action, from_status, to_status, note FROM renovation_events
		WHERE renovation_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.From, &e.To, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// save writes every column of r (after a move).
func save(ctx context.Context, tx *store.Tx, r *Renovation) error {
	r.UpdatedAt = store.NowIn(ctx)
	r.Version++
	v := r.values()
	sets := strings.Split(strings.ReplaceAll(columns, "\n", " "), ",")
	var parts []string
	for i, c := range sets[1:] {
		parts = append(parts, strings.TrimSpace(c)+" = $"+strconv.Itoa(i+2))
	}
	_, err := tx.ExecContext(ctx, `UPDATE renovations SET `+strings.Join(parts, ", ")+` WHERE id = $1`, v...)
	return err
}

// move carries out act on r: the table must allow it, apply makes the
// changes of the case; then the stage is set, the row saved and the
// timeline and the audit log written.
func move(ctx context.Context, tx *store.Tx, r *Renovation, act Action, note string, apply func(*Renovation)) error {
	tr, ok := Next(r.Status, act)
	if !ok {
		return refuse(r, act, "")
	}
	before := *r
	if apply != nil {
		apply(r)
	}
	r.Status = tr.To
	if err := save(ctx, tx, r); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, r.ID, string(act), before.Status, r.Status, note); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "renovation." + string(act), ObjectType: "renovation", ObjectID: r.ID,
		AreaCode: r.VillageCode, Before: before, After: *r, Detail: note})
}

// begin locks the renovation and checks the table allows act now, before
// any input is looked at.
func begin(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action) (Renovation, error) {
	r, err := lock(ctx, tx, s, id)
	if err != nil {
		return r, err
	}
	if _, ok := Next(r.Status, act); !ok {
		return r, refuse(&r, act, "")
	}
	return r, nil
}

// ---- entering the list ----

// NewRenovation is a household entering the year's list: the disabled
// person by id or ID number, how it came, and a note.
type NewRenovation struct {
	PersonID string
	IDNumber string
	Year     int
	Source   string
	Note     string
}

// Limits of free text, in characters.
const (
	MaxNote = 1000
	MaxName = 50
)

// Add puts a household on the year's list in tx, or refuses with
// validate.Errors and nothing written: the person must be active and in
// scope, eligible under the settings, and not already listed (one open
// renovation per person, one per person and year).
func Add(ctx context.Context, tx *store.Tx, s area.Scope, n NewRenovation, today time.Time) (Renovation, error) {
	var es validate.Errors
	var p registry.Person
	var err error
	switch {
	case n.PersonID != "":
		p, err = registry.Get(ctx, tx, s, n.PersonID)
	case strings.TrimSpace(n.IDNumber) != "":
		p, err = registry.GetByIDNumber(ctx, tx, s, n.IDNumber)
	default:
		es.Add(0, "renovate.add.id_number", "validate.required")
	}
	if errors.Is(err, store.ErrNotFound) {
		es.Add(0, "renovate.add.id_number", "renovate.error.person_not_found")
	} else if err != nil {
		return Renovation{}, err
	}
	if p.ID != "" && !p.Active() {
		es.Add(0, "renovate.add.id_number", "renovate.error.person_inactive", p.Name)
	}
	if !validSource(n.Source) {
		es.Add(0, "renovate.add.source", "validate.choose")
	}
	if n.Year < today.Year()-1 || n.Year > today.Year()+1 {
		es.Add(0, "renovate.add.year", "renovate.error.year", today.Year()-1, today.Year()+1)
	}
	n.Note = strings.TrimSpace(n.Note)
	checkLen(&es, "renovate.add.note", n.Note, MaxNote)
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return Renovation{}, err
	}
	if p.ID != "" && set.Eligibility == EligiblePovertyOnly && !p.PovertyRegistered {
		es.Add(0, "renovate.add.id_number", "renovate.error.not_poverty", p.Name)
	}
	if p.ID != "" && len(es) == 0 {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM renovations WHERE person_id = $1 AND status <> $2 AND (year = $3 OR status <> $4)`,
			p.ID, string(Cancelled), n.Year, string(Paid)).Scan(&open); err != nil {
			return Renovation{}, err
		}
		if open > 0 {
			es.Add(0, "renovate.add.id_number", "renovate.error.already_listed", p.Name)
		}
	}
	if len(es) > 0 {
		return Renovation{}, es
	}
	at := store.NowIn(ctx)
	r := Renovation{ID: store.NewIDIn(ctx), PersonID: p.ID, Name: p.Name, VillageCode: p.VillageCode, Year: n.Year, Source: n.Source,
		Poverty: p.PovertyRegistered, Status: Requested, RequestNote: n.Note, CreatedBy: audit.ActorFrom(ctx).ID, CreatedAt: at, UpdatedAt: at, Version: 1}
	ph := make([]string, len(r.values()))
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO renovations (`+columns+`) VALUES (`+strings.Join(ph, ",")+`)`, r.values()...); err != nil {
		return Renovation{}, err
	}
	if err := addEvent(ctx, tx, r.ID, "add", "", Requested, n.Note); err != nil {
		return Renovation{}, err
	}
	return r, audit.Record(ctx, tx, audit.Entry{Action: "renovation.add", ObjectType: "renovation", ObjectID: r.ID, AreaCode: r.VillageCode,
		After: r, Detail: n.Source})
}

// NeedCandidates lists the persons inside s whom the survey of year
// records as needing a renovation and who are not on that year's list
// (nor in an open renovation). ok is false when no survey is wired in.
func NeedCandidates(ctx context.Context, q store.Querier, s area.Scope, year int) (ps []registry.Person, ok bool, err error) {
	if SurveyNeeds == nil {
		return nil, false, nil
	}
	ids, err := SurveyNeeds(ctx, q, s, year)
	if err != nil {
		return nil, true, err
	}
	for _, id := range ids {
		var listed int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM renovations WHERE person_id = $1 AND status <> $2 AND (year = $3 OR status <> $4)`,
			id, string(Cancelled), year, string(Paid)).Scan(&listed); err != nil {
			return nil, true, err
		}
		if listed > 0 {
			continue
		}
		p, err := registry.Get(ctx, q, s, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, true, err
		}
		if p.Active() {
			ps = append(ps, p)
		}
	}
	return ps, true, nil
}

// AddFromSurvey lists the chosen persons, each of whom the survey of year
// must record as needing a renovation; all are added or none.
func AddFromSurvey(ctx context.Context, tx *store.Tx, s area.Scope, year int, personIDs []string, today time.Time) ([]Renovation, error) {
	var es validate.Errors
	if len(personIDs) == 0 {
		es.Add(0, "renovate.needs.persons", "validate.choose")
		return nil, es
	}
	if SurveyNeeds == nil {
		es.Add(0, "renovate.needs.persons", "renovate.error.no_survey")
		return nil, es
	}
	ids, err := SurveyNeeds(ctx, tx, s, year)
	if err != nil {
		return nil, err
	}
	need := map[string]bool{}
	for _, id := range ids {
		need[id] = true
	}
	var out []Renovation
	for i, id := range personIDs {
		if !need[id] {
			es.Add(i+1, "renovate.needs.persons", "renovate.error.not_a_need")
			continue
		}
		r, err := Add(ctx, tx, s, NewRenovation{PersonID: id, Year: year, Source: SourceSurvey}, today)
		var fes validate.Errors
		if errors.As(err, &fes) {
			for _, fe := range fes {
				fe.Row = i + 1
				es = append(es, fe)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(es) > 0 {
		return nil, es
	}
	return out, nil
}
