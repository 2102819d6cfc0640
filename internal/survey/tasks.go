package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Task is one person's survey of one year.
type Task struct {
	ID          string  `json:"id"`
	Year        int     `json:"year"`
	PersonID    string  `json:"person_id"`
	VillageCode string  `json:"village_code"`
	Status      Status  `json:"status"`
	Answers     Answers `json:"answers"`
	VisitedOn   string  `json:"visited_on"`
	ReturnNote  string  `json:"return_note"`
	SubmittedBy string  `json:"submitted_by"`
	SubmittedAt string  `json:"submitted_at"`
	CheckedBy   string  `json:"checked_by"`
	CheckedAt   string  `json:"checked_at"`
	AcceptedBy  string  `json:"accepted_by"`
	AcceptedAt  string  `json:"accepted_at"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	Version     int     `json:"version"`
}

// TaskID is the id of a person's task of a year.
func TaskID(year int, personID string) string { return strconv.Itoa(year) + "-" + personID }

const taskColumns = `id, year, person_id, village_code, status, answers, visited_on, return_note, submitted_by, submitted_at,
	checked_by, checked_at, accepted_by, accepted_at, created_at, updated_at, version`

func scanTask(row interface{ Scan(...any) error }) (Task, error) {
	var t Task
	var answers string
	err := row.Scan(&t.ID, &t.Year, &t.PersonID, &t.VillageCode, &t.Status, &answers, &t.VisitedOn, &t.ReturnNote, &t.SubmittedBy,
		&t.SubmittedAt, &t.CheckedBy, &t.CheckedAt, &t.AcceptedBy, &t.AcceptedAt, &t.CreatedAt, &t.UpdatedAt, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.Answers = Answers{}
	if answers != "" {
		err = json.Unmarshal([]byte(answers), &t.Answers)
	}
	return t, err
}

// GetTask returns a task inside scope s; one outside is reported as
// missing.
func GetTask(ctx context.Context, q store.Querier, s area.Scope, id string) (Task, error) {
	cond, args := s.Filter("village_code", 2)
	return scanTask(q.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM survey_tasks WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
}

// lockTask takes the task's row (PostgreSQL; SQLite transactions hold the
// database) and reads it, inside scope s.
func lockTask(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Task, error) {
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE survey_tasks SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Task{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Task{}, store.ErrNotFound
	}
	return GetTask(ctx, tx, s, id)
}

func saveTask(ctx context.Context, tx *store.Tx, t *Task) error {
	answers := ""
	if len(t.Answers) > 0 {
		b, err := json.Marshal(t.Answers)
		if err != nil {
			return err
		}
		answers = string(b)
	}
	t.UpdatedAt = store.Now()
	t.Version++
	_, err := tx.ExecContext(ctx, `UPDATE survey_tasks SET village_code = $2, status = $3, answers = $4, visited_on = $5, return_note = $6,
		submitted_by = $7, submitted_at = $8, checked_by = $9, checked_at = $10, accepted_by = $11, accepted_at = $12, updated_at = $13, version = $14
		WHERE id = $1`, t.ID, t.VillageCode, string(t.Status), answers, t.VisitedOn, t.ReturnNote, t.SubmittedBy, t.SubmittedAt,
		t.CheckedBy, t.CheckedAt, t.AcceptedBy, t.AcceptedAt, t.UpdatedAt, t.Version)
	return err
}

func addEvent(ctx context.Context, tx *store.Tx, taskID, action string, from, to Status, note string) error {
	a := audit.ActorFrom(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO survey_events (id, task_id, seq, at, actor_id, actor_name, action, from_status, to_status, note)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM survey_events WHERE task_id = $2`,
		store.NewID(), taskID, store.Now(), a.ID, a.Name, action, string(from), string(to), note)
	return err
}

// Event is one step in a task's life.
type Event struct {
	Seq       int    `json:"seq"`
	At        string `json:"at"`
	ActorName string `json:"actor_name"`
	Action    string `json:"action"`
	From      Status `json:"from"`
	To        Status `json:"to"`
	Note      string `json:"note"`
}

// Events lists a task's steps, oldest first.
func Events(ctx context.Context, q store.Querier, taskID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_name, action, from_status, to_status, note FROM survey_events WHERE task_id = $1 ORDER BY seq`, taskID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorName, &e.Action, &e.From, &e.To, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// begin locks a task for a move by p: inside p's scope, its round open,
// the move in the table and p's role the one the move needs.
func begin(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, act Action) (Task, Round, Transition, error) {
	t, err := lockTask(ctx, tx, p.Scope, id)
	if err != nil {
		return t, Round{}, Transition{}, err
	}
	r, err := GetRound(ctx, tx, t.Year)
	if err != nil {
		return t, r, Transition{}, err
	}
	if !r.Open() {
		return t, r, Transition{}, &RefusedError{Action: act, Status: t.Status, Key: "survey.error.round_closed", Args: []any{t.Year}}
	}
	tr, ok := Next(t.Status, act)
	if !ok {
		return t, r, tr, &RefusedError{Action: act, Status: t.Status}
	}
	if !tr.By.Allows(p.Role) {
		return t, r, tr, &RefusedError{Action: act, Status: t.Status, Key: "survey.error.role_" + string(tr.By)}
	}
	return t, r, tr, nil
}

// move records the step tr on t: status, event, audit. The caller has
// changed t's other fields.
func move(ctx context.Context, tx *store.Tx, t *Task, before Task, tr Transition, note string) error {
	t.Status = tr.To
	if err := saveTask(ctx, tx, t); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, t.ID, string(tr.Action), before.Status, t.Status, note); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "survey.task." + string(tr.Action), ObjectType: "survey_task", ObjectID: t.ID,
		AreaCode: t.VillageCode, Detail: note, Before: before, After: t})
}

// Prefill is what the form shows before anything is saved: the answers
// of the person's latest recorded survey of an earlier year (Fresh items
// left out), or else what the registry knows. source is the year of that
// survey, or 0 for the registry.
func Prefill(ctx context.Context, q store.Querier, t Task) (Answers, int, error) {
	prev, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM survey_tasks
		WHERE person_id = $1 AND year < $2 AND status IN ('submitted', 'checked', 'accepted') ORDER BY year DESC LIMIT 1`, t.PersonID, t.Year))
	switch {
	case err == nil:
		a := Answers{}
		for k, v := range prev.Answers {
			if it, ok := item(k); ok && !it.Fresh {
				a[k] = v
			}
		}
		return a, prev.Year, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, 0, err
	}
	p, err := registry.Get(ctx, q, area.All(), t.PersonID)
	if err != nil {
		return nil, 0, err
	}
	return fromRegistry(p), 0, nil
}

// Shown is what the form shows of a task: its answers once saved, the
// pre-fill before.
func Shown(ctx context.Context, q store.Querier, t Task) (Answers, int, error) {
	if len(t.Answers) > 0 || t.Status != Pending {
		return t.Answers, -1, nil
	}
	return Prefill(ctx, q, t)
}

// SaveSection stores the answers of one section of the form (the rest are
// kept; the first save starts from the pre-fill), and for the household
// section the day of the visit. The first save starts a pending task and
// resumes a returned one. Answers are checked but not yet required: the
// worker may come back; Submit requires them.
func SaveSection(ctx context.Context, tx *store.Tx, p *auth.Principal, id, section string, in Answers, visitedOn string, today time.Time) (Task, error) {
	t, err := lockTask(ctx, tx, p.Scope, id)
	if err != nil {
		return t, err
	}
	act := ActStart
	switch t.Status {
	case InProgress:
		act = ""
	case Returned:
		act = ActResume
	}
	var tr Transition
	if act != "" {
		if _, _, tr, err = begin(ctx, tx, p, id, act); err != nil {
			return t, err
		}
	} else {
		r, err := GetRound(ctx, tx, t.Year)
		if err != nil {
			return t, err
		}
		if !r.Open() {
			return t, &RefusedError{Status: t.Status, Key: "survey.error.round_closed", Args: []any{t.Year}}
		}
		if !ByWorker.Allows(p.Role) {
			return t, &RefusedError{Status: t.Status, Key: "survey.error.role_worker"}
		}
	}
	items := ItemsOf(section)
	if len(items) == 0 {
		return t, validate.Errors{{Field: "survey.section_name", Key: "validate.choose"}}
	}
	before := t
	all := Answers{}
	if len(t.Answers) == 0 {
		if all, _, err = Prefill(ctx, tx, t); err != nil {
			return t, err
		}
	} else {
		for k, v := range t.Answers {
			all[k] = v
		}
	}
	for _, it := range items {
		delete(all, it.Key)
		if v := strings.TrimSpace(in[it.Key]); v != "" {
			all[it.Key] = v
		}
	}
	var es validate.Errors
	checkSection(&es, all, items, false)
	if section == Sections[0] {
		// A blank day keeps the one stored (the API may leave it out).
		if visitedOn = strings.TrimSpace(visitedOn); visitedOn != "" {
			checkVisit(&es, visitedOn, t.Year, today)
			t.VisitedOn = visitedOn
		}
	}
	if len(es) > 0 {
		return t, es
	}
	t.Answers = all
	if act != "" {
		return t, move(ctx, tx, &t, before, tr, "")
	}
	if err := saveTask(ctx, tx, &t); err != nil {
		return t, err
	}
	return t, audit.Record(ctx, tx, audit.Entry{Action: "survey.task.save", ObjectType: "survey_task", ObjectID: t.ID, AreaCode: t.VillageCode,
		Detail: section, Before: before.Answers, After: t.Answers})
}

// checkVisit adds a problem unless v is a real day of the survey's year
// not after today.
func checkVisit(es *validate.Errors, v string, year int, today time.Time) {
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil:
		es.Add(0, "survey.visited_on", "survey.error.date", v)
	case ymd(d) > ymd(today):
		es.Add(0, "survey.visited_on", "survey.error.date_future")
	case d.Year() != year && d.Year() != year+1:
		es.Add(0, "survey.visited_on", "survey.error.visit_year", year)
	}
}

// Act carries out a move by hand: submit (the whole form must be
// answered), check, accept (the registry updated in the same
// transaction), or return (with a reason).
func Act(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, act Action, note string, today time.Time) (Task, error) {
	if act != ActSubmit && act != ActCheck && act != ActAccept && act != ActReturn {
		return Task{}, &RefusedError{Action: act, Key: "survey.error.bad_action"}
	}
	t, _, tr, err := begin(ctx, tx, p, id, act)
	if err != nil {
		return t, err
	}
	before := t
	before.Answers = Answers{}
	for k, v := range t.Answers {
		before.Answers[k] = v
	}
	note = strings.TrimSpace(note)
	me := audit.ActorFrom(ctx).ID
	now := store.Now()
	switch act {
	case ActSubmit:
		var es validate.Errors
		for _, sec := range Sections {
			checkSection(&es, t.Answers, ItemsOf(sec), true)
		}
		if es.Required(0, "survey.visited_on", t.VisitedOn) {
			checkVisit(&es, t.VisitedOn, t.Year, today)
		}
		if len(es) > 0 {
			return t, es
		}
		t.SubmittedBy, t.SubmittedAt, t.ReturnNote = me, now, ""
		if err := writeNeeds(ctx, tx, t); err != nil {
			return t, err
		}
	case ActCheck:
		t.CheckedBy, t.CheckedAt = me, now
	case ActAccept:
		t.AcceptedBy, t.AcceptedAt = me, now
		if err := updateRegistry(ctx, tx, p.Scope, t, today); err != nil {
			return t, err
		}
	case ActReturn:
		if note == "" {
			return t, validate.Errors{{Field: "survey.return_note", Key: "survey.error.reason_required"}}
		}
		if len([]rune(note)) > 200 {
			return t, validate.Errors{{Field: "survey.return_note", Key: "survey.error.too_long", Args: []any{200}}}
		}
		t.ReturnNote, t.CheckedBy, t.CheckedAt = note, "", ""
		if _, err := tx.ExecContext(ctx, `DELETE FROM survey_needs WHERE person_id = $1 AND year = $2`, t.PersonID, t.Year); err != nil {
			return t, err
		}
	}
	return t, move(ctx, tx, &t, before, tr, note)
}

// writeNeeds replaces the person's needs of the year with those of t.
func writeNeeds(ctx context.Context, tx *store.Tx, t Task) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM survey_needs WHERE person_id = $1 AND year = $2`, t.PersonID, t.Year); err != nil {
		return err
	}
	for _, n := range NeedsOf(t.Answers) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_needs (year, need, village_code, person_id) VALUES ($1, $2, $3, $4)`,
			t.Year, string(n), t.VillageCode, t.PersonID); err != nil {
			return err
		}
	}
	return nil
}

// RegistryReason is the reason the registry's history shows for a change
// made by an accepted survey: the survey is its source.
func RegistryReason(year int) string { return strconv.Itoa(year) + "年动态更新" }

// updateRegistry writes the registry facts of t's answers (marital status,
// education, employment, insurance, 低保/特困, 建档立卡) to the person, only
// the fields that changed, as one history entry whose reason names the
// survey. Nothing changed writes nothing.
func updateRegistry(ctx context.Context, tx *store.Tx, s area.Scope, t Task, today time.Time) error {
	p, err := registry.Get(ctx, tx, s, t.PersonID)
	if err != nil {
		return err
	}
	if !p.Active() {
		return nil
	}
	in := p.Input()
	if len(applyToPerson(t.Answers, &in)) == 0 {
		return nil
	}
	_, err = registry.Update(ctx, tx, s, p.ID, registry.UpdatePerson{NewPerson: in, Reason: RegistryReason(t.Year), Source: "动态更新调查表 " + t.ID, Version: p.Version})
	return err
}

// PersonLeft is the registry's leave hook (register it with
// registry.OnLeave): a person who dies, moves out of the county or is
// cancelled has his unfinished tasks voided in the same transaction, so
// they leave the village's list and the totals.
func PersonLeft(ctx context.Context, tx *store.Tx, p registry.Person) error {
	rows, err := tx.QueryContext(ctx, `SELECT t.id FROM survey_tasks t JOIN survey_rounds r ON r.year = t.year
		WHERE t.person_id = $1 AND r.status = 'open' AND t.status <> 'accepted' AND t.status <> 'void'`, p.ID)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		t, err := lockTask(ctx, tx, area.All(), id)
		if err != nil {
			return err
		}
		tr, ok := Next(t.Status, ActVoid)
		if !ok {
			continue
		}
		before := t
		if _, err := tx.ExecContext(ctx, `DELETE FROM survey_needs WHERE person_id = $1 AND year = $2`, t.PersonID, t.Year); err != nil {
			return err
		}
		if err := move(ctx, tx, &t, before, tr, string(p.Status)); err != nil {
			return err
		}
	}
	return nil
}
