package activity

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
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Kinds of activity (a fixed list; names in the activity catalogue).
const (
	KindPartyGroupStudy = "party_group_study"   // 党组理论学习中心组学习
	KindCadreStudy      = "cadre_study"         // 党员干部集中学习
	KindSeminar         = "seminar"             // 研讨会
	KindOutreach        = "outreach"            // 上门评残、下乡义诊
	KindPrevention      = "prevention_campaign" // 残疾预防宣传
	KindModelSelection  = "model_selection"     // 典型人物评选
	KindFitnessWeek     = "fitness_week"        // 健身周、全民健身
	KindCompetition     = "competition"         // 赛事
	KindPerformance     = "performance"         // 艺术汇演
	KindCulture         = "culture"             // other cultural or sports activity
)

// Kinds lists every kind in the form's order.
var Kinds = []string{KindPartyGroupStudy, KindCadreStudy, KindSeminar, KindOutreach, KindPrevention, KindModelSelection,
	KindFitnessWeek, KindCompetition, KindPerformance, KindCulture}

// StudyKinds have written reflections (心得体会).
var StudyKinds = []string{KindPartyGroupStudy, KindCadreStudy, KindSeminar}

// EventKinds are the events of the report's (五): held, their
// participants (listed persons and others) and awards.
var EventKinds = []string{KindPrevention, KindModelSelection, KindFitnessWeek, KindCompetition, KindPerformance, KindCulture}

// Award levels.
var Levels = []string{"county", "city", "province", "national"}

// IsStudy reports whether kind counts reflections.
func IsStudy(kind string) bool { return slices.Contains(StudyKinds, kind) }

// IsEvent reports whether kind lists participants.
func IsEvent(kind string) bool { return slices.Contains(EventKinds, kind) }

// Limits of the fields.
const (
	MaxTitle        = 100
	MaxPlace        = 100
	MaxOrganiser    = 50
	MaxNotes        = 2000
	MaxAward        = 50
	MaxCount        = 100000 // attendees, others
	MaxReflections  = 10000
	MaxParticipants = 500
	MaxAwards       = 50
)

// Participant is a registered person who took part.
type Participant struct {
	PersonID   string `json:"person_id"`
	PersonName string `json:"person_name"`
}

// Award is one award won at a competition.
type Award struct {
	PersonID   string `json:"person_id"` // '' a team or someone not registered
	PersonName string `json:"person_name"`
	Award      string `json:"award"`
	Level      string `json:"level"`
}

// Activity is one activity of the log. The JSON form is what the API
// returns and the audit log keeps.
type Activity struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Title        string        `json:"title"`
	StartOn      string        `json:"start_on"`
	EndOn        string        `json:"end_on"`
	Place        string        `json:"place"`
	Organiser    string        `json:"organiser"`
	AreaCode     string        `json:"area_code"`
	Attendees    int           `json:"attendees"`
	Reflections  int           `json:"reflections"`
	Others       int           `json:"others"`
	Notes        string        `json:"notes"`
	Participants []Participant `json:"participants"`
	Awards       []Award       `json:"awards"`
	CreatedBy    string        `json:"created_by"`
	CreatedAt    string        `json:"created_at"`
	UpdatedAt    string        `json:"updated_at"`
	Version      int           `json:"version"`
}

// PersonTimes is what the activity adds to event_participants.
func (a Activity) PersonTimes() int { return len(a.Participants) + a.Others }

const columns = `id, kind, title, start_on, end_on, place, organiser, area_code, attendees, reflections, others, notes, created_by, created_at, updated_at, version`

func scan(sc interface{ Scan(...any) error }) (Activity, error) {
	var a Activity
	err := sc.Scan(&a.ID, &a.Kind, &a.Title, &a.StartOn, &a.EndOn, &a.Place, &a.Organiser, &a.AreaCode, &a.Attendees, &a.Reflections,
		&a.Others, &a.Notes, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.Version)
	return a, err
}

// Get returns one activity inside scope s with its participants and
// awards; one outside is reported exactly like a missing one.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Activity, error) {
	cond, args := s.Filter("area_code", 2)
	a, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM activities WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	if err != nil {
		return a, err
	}
	return a, loadChildren(ctx, q, &a)
}

func loadChildren(ctx context.Context, q store.Querier, a *Activity) error {
	a.Participants, a.Awards = []Participant{}, []Award{}
	rows, err := q.QueryContext(ctx, `SELECT person_id, person_name FROM activity_participants WHERE activity_id = $1 ORDER BY seq`, a.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p Participant
		if err := rows.Scan(&p.PersonID, &p.PersonName); err != nil {
			rows.Close()
			return err
		}
		a.Participants = append(a.Participants, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT person_id, person_name, award, level FROM activity_awards WHERE activity_id = $1 ORDER BY seq`, a.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var w Award
		if err := rows.Scan(&w.PersonID, &w.PersonName, &w.Award, &w.Level); err != nil {
			return err
		}
		a.Awards = append(a.Awards, w)
	}
	return rows.Err()
}

// Filter narrows the list.
type Filter struct {
	Kind     string
	AreaCode string // a township or village inside the scope
	From, To string // held between, YYYY-MM-DD, both included ("" open)
	Limit    int
}

// Row is an activity of the list with its counts.
type Row struct {
	Activity
	Listed  int // participants listed by name
	Awarded int
}

// PersonTimes is what the row adds to event_participants.
func (r Row) PersonTimes() int { return r.Listed + r.Others }

// List returns the activities inside s that match f, newest first.
func List(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Row, error) {
	if f.AreaCode != "" {
		if !area.ValidCode(f.AreaCode) {
			return nil, nil
		}
		a := area.ScopeOf(f.AreaCode)
		if !s.Covers(a) {
			return nil, nil
		}
		s = a
	}
	cond, args := s.Filter("a.area_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Kind != "" {
		conds = append(conds, "a.kind = "+arg(f.Kind))
	}
	if f.From != "" {
		conds = append(conds, "a.start_on >= "+arg(f.From))
	}
	if f.To != "" {
		conds = append(conds, "a.start_on <= "+arg(f.To))
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	cols := "a." + strings.ReplaceAll(columns, ", ", ", a.")
	rows, err := q.QueryContext(ctx, `SELECT `+cols+`,
	(SELECT COUNT(*) FROM activity_participants p WHERE p.activity_id = a.id),
	(SELECT COUNT(*) FROM activity_awards w WHERE w.activity_id = a.id)
FROM activities a WHERE `+strings.Join(conds, " AND ")+` ORDER BY a.start_on DESC, a.id DESC LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		a := &r.Activity
		if err := rows.Scan(&a.ID, &a.Kind, &a.Title, &a.StartOn, &a.EndOn, &a.Place, &a.Organiser, &a.AreaCode, &a.Attendees, &a.Reflections,
			&a.Others, &a.Notes, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &a.Version, &r.Listed, &r.Awarded); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Input is an activity as a form or the API gives it.
type Input struct {
	Kind        string
	Title       string
	StartOn     string
	EndOn       string
	Place       string
	Organiser   string
	AreaCode    string
	Attendees   string // numbers as typed: the form's errors name them
	Reflections string
	Others      string
	Notes       string
	PersonIDs   []string // participants (events only)
	Awards      []Award  // competitions only; PersonID optional, among PersonIDs or the registry
	Version     int      // on update: the version edited
}

func checkLen(es *validate.Errors, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		es.Add(0, field, "activity.error.too_long", max)
	}
}

func text(es *validate.Errors, field, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	if required && !es.Required(0, field, v) {
		return v
	}
	checkLen(es, field, v, max)
	return v
}

func number(es *validate.Errors, field, v string, max int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		es.Add(0, field, "activity.error.range", 0, max)
		return 0
	}
	return n
}

func day(es *validate.Errors, field, v string, required bool, today time.Time) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			es.Required(0, field, v)
		}
		return v
	}
	if t, err := time.Parse(time.DateOnly, v); err != nil || v < "2000-01-01" {
		es.Add(0, field, "activity.error.bad_date")
	} else if t.After(today.AddDate(1, 0, 0)) {
		es.Add(0, field, "activity.error.bad_date")
	}
	return v
}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }

// check validates in against s and returns the activity it describes
// (without id and bookkeeping), or validate.Errors.
func check(ctx context.Context, q store.Querier, s area.Scope, in Input, today time.Time) (Activity, error) {
	var es validate.Errors
	a := Activity{Kind: strings.TrimSpace(in.Kind), Participants: []Participant{}, Awards: []Award{}}
	if !slices.Contains(Kinds, a.Kind) {
		es.Add(0, "activity.f.kind", "validate.choose")
	}
	a.Title = text(&es, "activity.f.title", in.Title, MaxTitle, true)
	a.StartOn = day(&es, "activity.f.start_on", in.StartOn, true, today)
	a.EndOn = day(&es, "activity.f.end_on", in.EndOn, false, today)
	if a.EndOn != "" && a.StartOn != "" && a.EndOn < a.StartOn {
		es.Add(0, "activity.f.end_on", "activity.error.end_before")
	}
	if a.EndOn == a.StartOn {
		a.EndOn = ""
	}
	a.Place = text(&es, "activity.f.place", in.Place, MaxPlace, false)
	a.Organiser = text(&es, "activity.f.organiser", in.Organiser, MaxOrganiser, true)
	a.Notes = text(&es, "activity.f.notes", in.Notes, MaxNotes, false)
	a.Attendees = number(&es, "activity.f.attendees", in.Attendees, MaxCount)
	a.Reflections = number(&es, "activity.f.reflections", in.Reflections, MaxReflections)
	a.Others = number(&es, "activity.f.others", in.Others, MaxCount)
	if !IsStudy(a.Kind) && a.Reflections != 0 {
		es.Add(0, "activity.f.reflections", "activity.error.study_only")
	}
	if !IsEvent(a.Kind) && a.Others != 0 {
		es.Add(0, "activity.f.others", "activity.error.event_only")
	}
	a.AreaCode = strings.TrimSpace(in.AreaCode)
	if es.Required(0, "activity.f.area", a.AreaCode) {
		lvl := area.Level("")
		if area.ValidCode(a.AreaCode) && s.Contains(a.AreaCode) {
			if x, err := area.Get(ctx, q, a.AreaCode); err == nil {
				lvl = x.Level
			} else if !errors.Is(err, store.ErrNotFound) {
				return a, err
			}
		}
		if lvl != area.County && lvl != area.Township && lvl != area.Village {
			es.Add(0, "activity.f.area", "activity.error.area")
		}
	}
	// Participants: registered persons inside the scope, each once.
	var ids []string
	for _, id := range in.PersonIDs {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 && !IsEvent(a.Kind) {
		es.Add(0, "activity.f.participants", "activity.error.event_only")
	} else if len(ids) > MaxParticipants {
		es.Add(0, "activity.f.participants", "activity.error.too_many", MaxParticipants)
	} else {
		names, err := registry.Names(ctx, q, s, ids)
		if err != nil {
			return a, err
		}
		for _, id := range ids {
			name, ok := names[id]
			if !ok {
				es.Add(0, "activity.f.participants", "activity.error.person_not_found")
				break
			}
			a.Participants = append(a.Participants, Participant{PersonID: id, PersonName: name})
		}
	}
	// Awards: competitions only; the person, when given, a participant.
	var awards []Award
	for _, w := range in.Awards {
		w.Award, w.Level, w.PersonID = strings.TrimSpace(w.Award), strings.TrimSpace(w.Level), strings.TrimSpace(w.PersonID)
		if w.Award == "" && w.Level == "" && w.PersonID == "" {
			continue // an empty row of the form
		}
		awards = append(awards, w)
	}
	if len(awards) > 0 && a.Kind != KindCompetition {
		es.Add(0, "activity.f.awards", "activity.error.competition_only")
		awards = nil
	} else if len(awards) > MaxAwards {
		es.Add(0, "activity.f.awards", "activity.error.too_many", MaxAwards)
		awards = nil
	}
	for i, w := range awards {
		row := i + 1
		if w.Award == "" {
			es.Add(0, "activity.f.awards", "activity.error.award_name", row)
		}
		checkLen(&es, "activity.f.awards", w.Award, MaxAward)
		if !slices.Contains(Levels, w.Level) {
			es.Add(0, "activity.f.awards", "activity.error.award_level", row)
		}
		if w.PersonID != "" {
			j := slices.IndexFunc(a.Participants, func(p Participant) bool { return p.PersonID == w.PersonID })
			if j < 0 {
				es.Add(0, "activity.f.awards", "activity.error.award_person", row)
				continue
			}
			w.PersonName = a.Participants[j].PersonName
		} else {
			w.PersonName = ""
		}
		a.Awards = append(a.Awards, w)
	}
	if len(es) > 0 {
		return a, es
	}
	return a, nil
}

// writeChildren replaces the participants and awards of a.
func writeChildren(ctx context.Context, tx *store.Tx, a Activity) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM activity_participants WHERE activity_id = $1`, a.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM activity_awards WHERE activity_id = $1`, a.ID); err != nil {
		return err
	}
	for i, p := range a.Participants {
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_participants (id, activity_id, seq, person_id, person_name) VALUES ($1, $2, $3, $4, $5)`,
			store.NewIDIn(ctx), a.ID, i+1, p.PersonID, p.PersonName); err != nil {
			return err
		}
	}
	for i, w := range a.Awards {
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_awards (id, activity_id, seq, person_id, person_name, award, level) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			store.NewIDIn(ctx), a.ID, i+1, w.PersonID, w.PersonName, w.Award, w.Level); err != nil {
			return err
		}
	}
	return nil
}

// Create records an activity in tx, audited, or refuses with
// validate.Errors and nothing written.
func Create(ctx context.Context, tx *store.Tx, s area.Scope, in Input, today time.Time) (Activity, error) {
	a, err := check(ctx, tx, s, in, today)
	if err != nil {
		return a, err
	}
	a.ID, a.CreatedBy, a.CreatedAt, a.Version = store.NewIDIn(ctx), audit.ActorFrom(ctx).ID, store.NowIn(ctx), 1
	a.UpdatedAt = a.CreatedAt
	if _, err := tx.ExecContext(ctx, `INSERT INTO activities (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		a.ID, a.Kind, a.Title, a.StartOn, a.EndOn, a.Place, a.Organiser, a.AreaCode, a.Attendees, a.Reflections, a.Others, a.Notes,
		a.CreatedBy, a.CreatedAt, a.UpdatedAt, a.Version); err != nil {
		return a, err
	}
	if err := writeChildren(ctx, tx, a); err != nil {
		return a, err
	}
	return a, audit.Record(ctx, tx, audit.Entry{Action: "activity.create", ObjectType: "activity", ObjectID: a.ID, AreaCode: a.AreaCode, After: a})
}

// lock takes the activity's row for the rest of tx.
func lock(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Activity, error) {
	cond, args := s.Filter("area_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE activities SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Activity{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Activity{}, store.ErrNotFound
	}
	return Get(ctx, tx, s, id)
}

// Update changes an activity inside s; in.Version must be the one edited
// (0: the API's last write wins).
func Update(ctx context.Context, tx *store.Tx, s area.Scope, id string, in Input, today time.Time) (Activity, error) {
	before, err := lock(ctx, tx, s, id)
	if err != nil {
		return before, err
	}
	if in.Version != 0 && in.Version != before.Version {
		return before, validate.Errors{{Field: "activity.f.version", Key: "activity.error.stale"}}
	}
	a, err := check(ctx, tx, s, in, today)
	if err != nil {
		return a, err
	}
	a.ID, a.CreatedBy, a.CreatedAt = before.ID, before.CreatedBy, before.CreatedAt
	a.UpdatedAt, a.Version = store.NowIn(ctx), before.Version+1
	if _, err := tx.ExecContext(ctx, `UPDATE activities SET kind = $2, title = $3, start_on = $4, end_on = $5, place = $6, organiser = $7, area_code = $8,
	attendees = $9, reflections = $10, others = $11, notes = $12, updated_at = $13, version = $14 WHERE id = $1`,
		a.ID, a.Kind, a.Title, a.StartOn, a.EndOn, a.Place, a.Organiser, a.AreaCode, a.Attendees, a.Reflections, a.Others, a.Notes, a.UpdatedAt, a.Version); err != nil {
		return a, err
	}
	if err := writeChildren(ctx, tx, a); err != nil {
		return a, err
	}
	return a, audit.Record(ctx, tx, audit.Entry{Action: "activity.update", ObjectType: "activity", ObjectID: a.ID, AreaCode: a.AreaCode, Before: before, After: a})
}

// Delete removes an activity inside s with its participants and awards,
// audited with what it was.
func Delete(ctx context.Context, tx *store.Tx, s area.Scope, id string) error {
	before, err := lock(ctx, tx, s, id)
	if err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM activity_participants WHERE activity_id = $1`, `DELETE FROM activity_awards WHERE activity_id = $1`,
		`DELETE FROM activities WHERE id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "activity.delete", ObjectType: "activity", ObjectID: id, AreaCode: before.AreaCode, Before: before})
}
