package employ

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// ---- entrepreneurship support (创业扶持) ----

// Project statuses.
const (
	ProjectApplied   = "applied"   // 申请
	ProjectSupported = "supported" // 已扶持: grant paid, mentor assigned
	ProjectClosed    = "closed"    // 已结项
	ProjectRefused   = "refused"   // 未予扶持
)

// ProjectStatuses in display order.
var ProjectStatuses = []string{ProjectApplied, ProjectSupported, ProjectClosed, ProjectRefused}

// projectMoves is the one table of allowed status changes of a project.
var projectMoves = map[string][]string{
	ProjectApplied:   {ProjectSupported, ProjectRefused},
	ProjectSupported: {ProjectClosed},
}

// ProjectMoveAllowed reports whether a project may go from one status to
// another.
func ProjectMoveAllowed(from, to string) bool { return contains(projectMoves[from], to) }

// Project is an entrepreneurship support project of a person.
type Project struct {
	ID          string `json:"id"`
	PersonID    string `json:"person_id"`
	Name        string `json:"name"`
	Grant       int64  `json:"grant_fen"`
	Mentor      string `json:"mentor"`
	Status      string `json:"status"`
	AppliedOn   string `json:"applied_on"`
	SupportedOn string `json:"supported_on,omitempty"`
	ClosedOn    string `json:"closed_on,omitempty"`
	Note        string `json:"note"`
	UpdatedAt   string `json:"updated_at"`

	PersonName  string `json:"person_name,omitempty"`
	VillageCode string `json:"village_code,omitempty"`
}

// GrantYuan is the grant in yuan, for pages.
func (p Project) GrantYuan() string { return Yuan(p.Grant) }

const projectColumns = `j.id, j.person_id, j.name, j.grant_fen, j.mentor, j.status, j.applied_on, j.supported_on, j.closed_on, j.note, j.updated_at, p.name, p.village_code`

func scanProject(row interface{ Scan(...any) error }) (Project, error) {
	var j Project
	err := row.Scan(&j.ID, &j.PersonID, &j.Name, &j.Grant, &j.Mentor, &j.Status, &j.AppliedOn, &j.SupportedOn, &j.ClosedOn, &j.Note, &j.UpdatedAt, &j.PersonName, &j.VillageCode)
	return j, err
}

// ListProjects lists the projects of persons in the scope (of one person
// when personID is given; of one status when status is given).
func ListProjects(ctx context.Context, q store.Querier, s area.Scope, personID, status string) ([]Project, error) {
	cond, args := s.Filter("p.village_code", 1)
	if personID != "" {
		args = append(args, personID)
		cond += " AND j.person_id = $" + strconv.Itoa(len(args))
	}
	if status != "" {
		args = append(args, status)
		cond += " AND j.status = $" + strconv.Itoa(len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+projectColumns+` FROM emp_projects j JOIN persons p ON p.id = j.person_id WHERE `+cond+` ORDER BY j.applied_on DESC, j.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		j, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// GetProject returns one project inside the scope.
func GetProject(ctx context.Context, q store.Querier, s area.Scope, id string) (Project, error) {
	cond, args := s.Filter("p.village_code", 2)
	j, err := scanProject(q.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM emp_projects j JOIN persons p ON p.id = j.person_id WHERE j.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Project{}, store.ErrNotFound
	}
	return j, err
}

// Audit actions of projects.
const (
	ActionProjectCreate = "employ.project.create"
	ActionProjectMove   = "employ.project.move"
)

// CreateProject records an application for support by an active person of
// the scope.
func CreateProject(ctx context.Context, tx *store.Tx, s area.Scope, j Project, today time.Time) (Project, error) {
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", j.PersonID, true)
	if err != nil {
		return j, err
	}
	j.Name = text(&es, "employ.project.name", j.Name, true, MaxShort)
	j.Mentor = text(&es, "employ.project.mentor", j.Mentor, false, MaxShort)
	j.Note = text(&es, "employ.project.note", j.Note, false, MaxLong)
	money(&es, "employ.project.grant", j.Grant, MaxGrantFen)
	j.AppliedOn = date(&es, "employ.project.applied_on", j.AppliedOn, true)
	future(&es, "employ.project.applied_on", j.AppliedOn, today)
	if len(es) > 0 {
		return j, es
	}
	j.ID, j.PersonID, j.Status, j.UpdatedAt = store.NewID(), p.ID, ProjectApplied, store.Now()
	j.SupportedOn, j.ClosedOn = "", ""
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_projects (id, person_id, name, grant_fen, mentor, status, applied_on, supported_on, closed_on, note, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,'','',$8,$9,$9)`, j.ID, j.PersonID, j.Name, j.Grant, j.Mentor, j.Status, j.AppliedOn, j.Note, j.UpdatedAt); err != nil {
		return j, err
	}
	j.PersonName, j.VillageCode = p.Name, p.VillageCode
	return j, audit.Record(ctx, tx, audit.Entry{Action: ActionProjectCreate, ObjectType: "emp_project", ObjectID: j.ID, AreaCode: p.VillageCode, After: j})
}

// MoveProject changes a project's status on day: supporting it needs a
// grant above zero and a mentor (创业扶持 = 资金扶持 + 技术指导).
func MoveProject(ctx context.Context, tx *store.Tx, s area.Scope, id, to, day string, grant int64, mentor string) (Project, error) {
	if ok, err := lockRow(ctx, tx, "emp_projects", id); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return Project{}, err
	}
	j, err := GetProject(ctx, tx, s, id)
	if err != nil {
		return j, err
	}
	if !ProjectMoveAllowed(j.Status, to) {
		return j, refuse("employ.error.project_move")
	}
	before := j
	var es validate.Errors
	day = date(&es, "employ.project.day", day, true)
	if validDate(day) && day < j.AppliedOn {
		es.Add(0, "employ.project.day", "employ.error.before_applied", j.AppliedOn)
	}
	switch to {
	case ProjectSupported:
		if grant > 0 {
			j.Grant = grant
		}
		money(&es, "employ.project.grant", j.Grant, MaxGrantFen)
		if j.Grant <= 0 {
			es.Add(0, "employ.project.grant", "employ.error.grant_required")
		}
		if mentor != "" {
			j.Mentor = mentor
		}
		j.Mentor = text(&es, "employ.project.mentor", j.Mentor, true, MaxShort)
		j.SupportedOn = day
	default:
		j.ClosedOn = day
	}
	if len(es) > 0 {
		return before, es
	}
	j.Status, j.UpdatedAt = to, store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE emp_projects SET status = $2, grant_fen = $3, mentor = $4, supported_on = $5, closed_on = $6, updated_at = $7 WHERE id = $1`,
		j.ID, j.Status, j.Grant, j.Mentor, j.SupportedOn, j.ClosedOn, j.UpdatedAt); err != nil {
		return j, err
	}
	return j, audit.Record(ctx, tx, audit.Entry{Action: ActionProjectMove, ObjectType: "emp_project", ObjectID: j.ID, AreaCode: j.VillageCode, Before: before, After: j})
}

// ---- greenhouses and bases (阳光大棚, 助残基地, 就业实训基地) ----

// Place kinds.
const (
	PlaceGreenhouse = "greenhouse" // 阳光大棚
	PlaceSupport    = "support"    // 助残基地
	PlaceTraining   = "training"   // 就业实训基地 (e.g. the special-education school workshop)
)

// PlaceKinds in display order.
var PlaceKinds = []string{PlaceGreenhouse, PlaceSupport, PlaceTraining}

// IsBase reports whether a kind is a base (not a greenhouse).
func IsBase(kind string) bool { return kind == PlaceSupport || kind == PlaceTraining }

// Worker roles at a place.
const (
	RoleDisabled = "disabled" // 残疾人
	RoleStudent  = "student"  // 残疾学生
	RoleFamily   = "family"   // 家庭成员, e.g. 陪读家长
)

// WorkerRoles in display order.
var WorkerRoles = []string{RoleDisabled, RoleStudent, RoleFamily}

// Place is a greenhouse or a base.
type Place struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"` // a greenhouse's site
	AreaCode  string `json:"area_code"`
	Operator  string `json:"operator"`
	OpenedOn  string `json:"opened_on"`
	ClosedOn  string `json:"closed_on,omitempty"`
	UpdatedAt string `json:"updated_at"`
	Workers   int    `json:"workers"` // employed on the day asked for
}

// Worker is a person employed at a place.
type Worker struct {
	ID        string `json:"id"`
	PlaceID   string `json:"place_id"`
	Role      string `json:"role"`
	PersonID  string `json:"person_id,omitempty"` // '' for a family member
	Name      string `json:"name"`
	Relation  string `json:"relation,omitempty"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date,omitempty"`
}

// ListPlaces lists the places of kinds (all when none) inside the scope,
// with the persons employed on day.
func ListPlaces(ctx context.Context, q store.Querier, s area.Scope, day string, kinds ...string) ([]Place, error) {
	cond, args := s.Filter("l.area_code", 2)
	args = append([]any{day}, args...)
	if len(kinds) > 0 {
		cond += " AND l.kind IN ("
		for i, k := range kinds {
			args = append(args, k)
			if i > 0 {
				cond += ", "
			}
			cond += "$" + strconv.Itoa(len(args))
		}
		cond += ")"
	}
	rows, err := q.QueryContext(ctx, `SELECT l.id, l.kind, l.name, l.area_code, l.operator, l.opened_on, l.closed_on, l.updated_at,
		(SELECT COUNT(*) FROM emp_place_workers w WHERE w.place_id = l.id AND w.start_date <= $1 AND (w.end_date = '' OR w.end_date >= $1))
		FROM emp_places l WHERE `+cond+` ORDER BY l.kind, l.area_code, l.name, l.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		var l Place
		if err := rows.Scan(&l.ID, &l.Kind, &l.Name, &l.AreaCode, &l.Operator, &l.OpenedOn, &l.ClosedOn, &l.UpdatedAt, &l.Workers); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// GetPlace returns one place inside the scope.
func GetPlace(ctx context.Context, q store.Querier, s area.Scope, id string) (Place, error) {
	cond, args := s.Filter("area_code", 2)
	var l Place
	err := q.QueryRowContext(ctx, `SELECT id, kind, name, area_code, operator, opened_on, closed_on, updated_at FROM emp_places WHERE id = $1 AND `+cond,
		append([]any{id}, args...)...).Scan(&l.ID, &l.Kind, &l.Name, &l.AreaCode, &l.Operator, &l.OpenedOn, &l.ClosedOn, &l.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Place{}, store.ErrNotFound
	}
	return l, err
}

// Audit actions of places.
const (
	ActionPlaceSave = "employ.place.save"
	ActionWorkerAdd = "employ.place.worker"
	ActionWorkerEnd = "employ.place.worker_end"
)

// SavePlace creates (ID "") or changes a greenhouse or base, which stands
// in a village of the scope.
func SavePlace(ctx context.Context, tx *store.Tx, s area.Scope, l Place) (Place, error) {
	var before *Place
	if l.ID != "" {
		if _, err := lockRow(ctx, tx, "emp_places", l.ID); err != nil {
			return l, err
		}
		b, err := GetPlace(ctx, tx, s, l.ID)
		if err != nil {
			return l, err
		}
		before = &b
		l.Kind = b.Kind // a greenhouse does not become a base
	}
	var es validate.Errors
	if !contains(PlaceKinds, l.Kind) {
		es.Add(0, "employ.place.kind", "validate.choose")
	}
	l.Name = text(&es, "employ.place.name", l.Name, true, MaxShort)
	l.Operator = text(&es, "employ.place.operator", l.Operator, true, MaxShort)
	if err := checkArea(ctx, tx, s, &es, "employ.place.area", l.AreaCode, true); err != nil {
		return l, err
	}
	l.OpenedOn = date(&es, "employ.place.opened_on", l.OpenedOn, true)
	l.ClosedOn = date(&es, "employ.place.closed_on", l.ClosedOn, false)
	if l.ClosedOn != "" && validDate(l.OpenedOn) && l.ClosedOn < l.OpenedOn {
		es.Add(0, "employ.place.closed_on", "employ.error.end_before_start")
	}
	if len(es) > 0 {
		return l, es
	}
	l.UpdatedAt = store.Now()
	var err error
	if before == nil {
		l.ID = store.NewID()
		_, err = tx.ExecContext(ctx, `INSERT INTO emp_places (id, kind, name, area_code, operator, opened_on, closed_on, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
			l.ID, l.Kind, l.Name, l.AreaCode, l.Operator, l.OpenedOn, l.ClosedOn, l.UpdatedAt)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE emp_places SET name = $2, area_code = $3, operator = $4, opened_on = $5, closed_on = $6, updated_at = $7 WHERE id = $1`,
			l.ID, l.Name, l.AreaCode, l.Operator, l.OpenedOn, l.ClosedOn, l.UpdatedAt)
	}
	if err != nil {
		return l, err
	}
	var b any
	if before != nil {
		b = before
	}
	return l, audit.Record(ctx, tx, audit.Entry{Action: ActionPlaceSave, ObjectType: "emp_place", ObjectID: l.ID, AreaCode: l.AreaCode, Before: b, After: l})
}

// Workers lists the workers of a place (inside the scope), current first.
func Workers(ctx context.Context, q store.Querier, s area.Scope, placeID string) ([]Worker, error) {
	if _, err := GetPlace(ctx, q, s, placeID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, place_id, role, person_id, name, relation, start_date, end_date FROM emp_place_workers WHERE place_id = $1
		ORDER BY CASE WHEN end_date = '' THEN 0 ELSE 1 END, role, name, id`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Worker
	for rows.Next() {
		var w Worker
		if err := rows.Scan(&w.ID, &w.PlaceID, &w.Role, &w.PersonID, &w.Name, &w.Relation, &w.StartDate, &w.EndDate); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// AddWorker records a person employed at a place from w.StartDate. A
// disabled person or student is a registry person of the scope and may
// not be employed at the same place twice at once; a family member is
// named (and says whose family, e.g. 陪读家长).
func AddWorker(ctx context.Context, tx *store.Tx, s area.Scope, w Worker, today time.Time) (Worker, error) {
	if _, err := lockRow(ctx, tx, "emp_places", w.PlaceID); err != nil {
		return w, err
	}
	l, err := GetPlace(ctx, tx, s, w.PlaceID)
	if err != nil {
		return w, err
	}
	if l.ClosedOn != "" {
		return w, refuse("employ.error.place_closed", l.ClosedOn)
	}
	var es validate.Errors
	var p registry.Person
	switch w.Role {
	case RoleDisabled, RoleStudent:
		if p, err = personIn(ctx, tx, s, &es, "employ.person", w.PersonID, true); err != nil {
			return w, err
		}
		w.Name, w.Relation = p.Name, ""
	case RoleFamily:
		w.PersonID = ""
		w.Name = text(&es, "employ.worker.name", w.Name, true, MaxShort)
		w.Relation = text(&es, "employ.worker.relation", w.Relation, true, MaxShort)
	default:
		es.Add(0, "employ.worker.role", "validate.choose")
	}
	w.StartDate = date(&es, "employ.worker.start_date", w.StartDate, true)
	future(&es, "employ.worker.start_date", w.StartDate, today)
	if validDate(w.StartDate) && w.StartDate < l.OpenedOn {
		es.Add(0, "employ.worker.start_date", "employ.error.before_opened", l.OpenedOn)
	}
	if len(es) > 0 {
		return w, es
	}
	if w.PersonID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM emp_place_workers WHERE place_id = $1 AND person_id = $2 AND (end_date = '' OR end_date >= $3)`,
			l.ID, w.PersonID, w.StartDate).Scan(&n); err != nil {
			return w, err
		}
		if n > 0 {
			return w, validate.Errors{{Field: "employ.person", Key: "employ.error.works_there", Args: []any{w.Name}}}
		}
	}
	w.ID, w.EndDate = store.NewID(), ""
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_place_workers (id, place_id, role, person_id, name, relation, start_date, end_date) VALUES ($1,$2,$3,$4,$5,$6,$7,'')`,
		w.ID, w.PlaceID, w.Role, w.PersonID, w.Name, w.Relation, w.StartDate); err != nil {
		return w, err
	}
	return w, audit.Record(ctx, tx, audit.Entry{Action: ActionWorkerAdd, ObjectType: "emp_place", ObjectID: l.ID, AreaCode: l.AreaCode, After: w})
}

// EndWorker records that a worker left a place on day.
func EndWorker(ctx context.Context, tx *store.Tx, s area.Scope, workerID, day string) (Worker, error) {
	var w Worker
	err := tx.QueryRowContext(ctx, `SELECT id, place_id, role, person_id, name, relation, start_date, end_date FROM emp_place_workers WHERE id = $1`, workerID).
		Scan(&w.ID, &w.PlaceID, &w.Role, &w.PersonID, &w.Name, &w.Relation, &w.StartDate, &w.EndDate)
	if errors.Is(err, sql.ErrNoRows) {
		return w, store.ErrNotFound
	}
	if err != nil {
		return w, err
	}
	l, err := GetPlace(ctx, tx, s, w.PlaceID)
	if err != nil {
		return w, err
	}
	if w.EndDate != "" {
		return w, refuse("employ.error.already_ended", w.EndDate)
	}
	var es validate.Errors
	day = date(&es, "employ.worker.end_date", day, true)
	if validDate(day) && day < w.StartDate {
		es.Add(0, "employ.worker.end_date", "employ.error.end_before_start")
	}
	if len(es) > 0 {
		return w, es
	}
	before := w
	w.EndDate = day
	if _, err := tx.ExecContext(ctx, `UPDATE emp_place_workers SET end_date = $2 WHERE id = $1`, w.ID, w.EndDate); err != nil {
		return w, err
	}
	return w, audit.Record(ctx, tx, audit.Entry{Action: ActionWorkerEnd, ObjectType: "emp_place", ObjectID: l.ID, AreaCode: l.AreaCode, Before: before, After: w})
}
