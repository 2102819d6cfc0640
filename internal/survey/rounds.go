package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Round statuses.
const (
	RoundOpen   = "open"
	RoundClosed = "closed"
)

// Round is one year's survey (调查轮次).
type Round struct {
	ID       string `json:"id"`
	Year     int    `json:"year"`
	Status   string `json:"status"`
	OpenedOn string `json:"opened_on"`
	DueOn    string `json:"due_on"`
	ClosedOn string `json:"closed_on"`
	OpenedBy string `json:"opened_by"`
}

// Open reports whether tasks of the round may still change.
func (r Round) Open() bool { return r.Status == RoundOpen }

// Overdue reports whether the round's due date has passed on today.
func (r Round) Overdue(today time.Time) bool { return ymd(today) > r.DueOn }

func ymd(t time.Time) string { return t.Format(time.DateOnly) }

const roundColumns = `id, year, status, opened_on, due_on, closed_on, opened_by`

func scanRound(row interface{ Scan(...any) error }) (Round, error) {
	var r Round
	err := row.Scan(&r.ID, &r.Year, &r.Status, &r.OpenedOn, &r.DueOn, &r.ClosedOn, &r.OpenedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	return r, err
}

// GetRound returns the round of a year.
func GetRound(ctx context.Context, q store.Querier, year int) (Round, error) {
	return scanRound(q.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM survey_rounds WHERE year = $1`, year))
}

// GetRoundByID returns a round by its id.
func GetRoundByID(ctx context.Context, q store.Querier, id string) (Round, error) {
	return scanRound(q.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM survey_rounds WHERE id = $1`, id))
}

// Rounds lists every round, newest first.
func Rounds(ctx context.Context, q store.Querier) ([]Round, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+roundColumns+` FROM survey_rounds ORDER BY year DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Round
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RefusedError is a move the state machine, the round or the caller's role
// does not allow.
type RefusedError struct {
	Action Action
	Status Status
	Key    string // "" for the state machine's own refusal
	Args   []any
}

func (e *RefusedError) Error() string { return e.Text(i18n.ZH) }

// Text renders the refusal in language l.
func (e *RefusedError) Text(l i18n.Lang) string {
	if e.Key == "" {
		return i18n.T(l, "survey.error.refused", i18n.T(l, "survey.status."+string(e.Status)), i18n.T(l, "survey.action."+string(e.Action)))
	}
	return i18n.T(l, e.Key, e.Args...)
}

// Audit actions of rounds.
const (
	ActionOpenRound    = "survey.round.open"
	ActionCloseRound   = "survey.round.close"
	ActionRefreshRound = "survey.round.refresh"
)

// OpenRound opens the round of year for the caller's scope (a county
// member of staff): one task per active registered person in it, in his
// household village's list. dueOn "" takes the setting's due days from
// today. Tasks are created set-wise, one INSERT … SELECT per township.
func OpenRound(ctx context.Context, tx *store.Tx, p *auth.Principal, year int, dueOn string, today time.Time) (Round, int, error) {
	if !ByCounty.Allows(p.Role) {
		return Round{}, 0, &RefusedError{Key: "survey.error.county_only"}
	}
	var es validate.Errors
	if year < today.Year()-1 || year > today.Year()+1 {
		es.Add(0, "survey.round.year", "survey.error.year", today.Year()-1, today.Year()+1)
	}
	if dueOn == "" {
		set, err := LoadSettings(ctx, tx)
		if err != nil {
			return Round{}, 0, err
		}
		dueOn = ymd(today.AddDate(0, 0, set.DueDays))
	}
	if d, err := time.Parse(time.DateOnly, dueOn); err != nil {
		es.Add(0, "survey.round.due_on", "survey.error.date", dueOn)
	} else if ymd(d) <= ymd(today) {
		es.Add(0, "survey.round.due_on", "survey.error.due_past")
	}
	if _, err := GetRound(ctx, tx, year); err == nil {
		es.Add(0, "survey.round.year", "survey.error.round_exists", year)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Round{}, 0, err
	}
	if len(es) > 0 {
		return Round{}, 0, es
	}
	now := store.Now()
	r := Round{ID: store.NewID(), Year: year, Status: RoundOpen, OpenedOn: ymd(today), DueOn: dueOn, OpenedBy: audit.ActorFrom(ctx).ID}
	if _, err := tx.ExecContext(ctx, `INSERT INTO survey_rounds (`+roundColumns+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
		r.ID, r.Year, r.Status, r.OpenedOn, r.DueOn, r.ClosedOn, r.OpenedBy, now); err != nil {
		if store.IsUniqueViolation(err) {
			return Round{}, 0, validate.Errors{{Field: "survey.round.year", Key: "survey.error.round_exists", Args: []any{year}}}
		}
		return Round{}, 0, err
	}
	n, err := addTasks(ctx, tx, p.Scope, year)
	if err != nil {
		return Round{}, 0, err
	}
	return r, n, audit.Record(ctx, tx, audit.Entry{Action: ActionOpenRound, ObjectType: "survey_round", ObjectID: r.ID, AreaCode: p.Scope.Code(),
		After: r, Detail: fmt.Sprintf("%d 年动态更新：%d 项调查任务", year, n)})
}

// addTasks gives every active person inside s without a task of year one,
// township by township (a township's persons are one index range), and
// returns how many it created.
func addTasks(ctx context.Context, tx *store.Tx, s area.Scope, year int) (int, error) {
	parts, err := area.InScope(ctx, tx, s)
	if err != nil {
		return 0, err
	}
	var scopes []area.Scope
	for _, a := range parts {
		if a.Level == area.Township {
			scopes = append(scopes, area.ScopeOf(a.Code))
		}
	}
	if len(scopes) == 0 { // a township's or a village's scope
		scopes = []area.Scope{s}
	}
	now := store.Now()
	total := 0
	for _, sc := range scopes {
		cond, args := sc.Filter("p.village_code", 4)
		res, err := tx.ExecContext(ctx, `INSERT INTO survey_tasks (id, year, person_id, village_code, status, answers, visited_on, return_note,
			submitted_by, submitted_at, checked_by, checked_at, accepted_by, accepted_at, created_at, updated_at, version)
			SELECT CAST($1 AS TEXT) || p.id, $2, p.id, p.village_code, 'pending', '', '', '', '', '', '', '', '', '', $3, $3, 1
			FROM persons p WHERE p.status = 'active' AND `+cond+`
			AND NOT EXISTS (SELECT 1 FROM survey_tasks t WHERE t.person_id = p.id AND t.year = $2)`,
			append([]any{strconv.Itoa(year) + "-", year, now}, args...)...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// Refresh brings the open round of year up to date inside the caller's
// scope: persons registered since it opened get their task, and tasks not
// yet accepted follow a person who moved to another village. Workers run
// it from their list (and the daily job for the whole county), so a person
// added during the round appears in his village's list the same day.
func Refresh(ctx context.Context, tx *store.Tx, s area.Scope, year int) (added, moved int, err error) {
	r, err := GetRound(ctx, tx, year)
	if err != nil {
		return 0, 0, err
	}
	if !r.Open() {
		return 0, 0, &RefusedError{Key: "survey.error.round_closed", Args: []any{year}}
	}
	if added, err = addTasks(ctx, tx, s, year); err != nil {
		return 0, 0, err
	}
	cond, args := s.Filter("survey_tasks.village_code", 3)
	res, err := tx.ExecContext(ctx, `UPDATE survey_tasks SET village_code = (SELECT p.village_code FROM persons p WHERE p.id = survey_tasks.person_id),
		updated_at = $2 WHERE year = $1 AND status <> 'accepted' AND status <> 'void' AND `+cond+`
		AND EXISTS (SELECT 1 FROM persons p WHERE p.id = survey_tasks.person_id AND p.village_code <> survey_tasks.village_code)`,
		append([]any{year, store.Now()}, args...)...)
	if err != nil {
		return 0, 0, err
	}
	n, _ := res.RowsAffected()
	moved = int(n)
	if added+moved == 0 {
		return 0, 0, nil
	}
	// The needs of a moved person follow him too.
	if moved > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE survey_needs SET village_code = (SELECT t.village_code FROM survey_tasks t
			WHERE t.person_id = survey_needs.person_id AND t.year = survey_needs.year) WHERE year = $1`, year); err != nil {
			return 0, 0, err
		}
	}
	return added, moved, audit.Record(ctx, tx, audit.Entry{Action: ActionRefreshRound, ObjectType: "survey_round", ObjectID: r.ID, AreaCode: s.Code(),
		Detail: fmt.Sprintf("新增 %d 项任务，%d 项随迁", added, moved)})
}

// RefreshOpenRounds refreshes every open round for the whole database: the
// daily job (the integrator schedules it).
func RefreshOpenRounds(ctx context.Context, db *store.DB) error {
	rounds, err := Rounds(ctx, db)
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.System)
	for _, r := range rounds {
		if !r.Open() {
			continue
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := Refresh(ctx, tx, area.All(), r.Year)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// CloseRound closes a round: its tasks no longer change; what was not
// accepted stays as it is for the figures.
func CloseRound(ctx context.Context, tx *store.Tx, p *auth.Principal, year int, today time.Time) error {
	if !ByCounty.Allows(p.Role) {
		return &RefusedError{Key: "survey.error.county_only"}
	}
	r, err := GetRound(ctx, tx, year)
	if err != nil {
		return err
	}
	if !r.Open() {
		return &RefusedError{Key: "survey.error.round_closed", Args: []any{year}}
	}
	before := r
	r.Status, r.ClosedOn = RoundClosed, ymd(today)
	if _, err := tx.ExecContext(ctx, `UPDATE survey_rounds SET status = $2, closed_on = $3, updated_at = $4 WHERE id = $1`,
		r.ID, r.Status, r.ClosedOn, store.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionCloseRound, ObjectType: "survey_round", ObjectID: r.ID, AreaCode: p.Scope.Code(), Before: before, After: r})
}
