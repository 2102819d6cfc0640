package employ

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Course kinds (培训班类型).
const (
	KindSkills     = "skills"     // 职业技能培训
	KindEcommerce  = "ecommerce"  // 电商+直播
	KindApprentice = "apprentice" // 师带徒结对: one master, one apprentice
)

// CourseKinds in display order.
var CourseKinds = []string{KindSkills, KindEcommerce, KindApprentice}

// Course statuses.
const (
	CourseOpen     = "open"
	CourseFinished = "finished"
)

// Course is a training course.
type Course struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	AreaCode   string `json:"area_code"` // where it is held; the county's code for a county course
	Place      string `json:"place"`
	Provider   string `json:"provider"`
	Master     string `json:"master,omitempty"` // 师带徒
	StartDate  string `json:"start_date"`
	EndDate    string `json:"end_date"`
	Status     string `json:"status"`
	FinishedOn string `json:"finished_on,omitempty"`
	UpdatedAt  string `json:"updated_at"`

	Enrolled  int `json:"enrolled"`
	Completed int `json:"completed"`
	Sessions  int `json:"sessions"`
}

// Session is one meeting of a course.
type Session struct {
	ID       string `json:"id"`
	CourseID string `json:"course_id"`
	Day      string `json:"day"`
	Topic    string `json:"topic"`
	Present  int    `json:"present"` // persons marked present (in the caller's scope)
}

// Enrolment is a person on a course.
type Enrolment struct {
	CourseID      string `json:"course_id"`
	PersonID      string `json:"person_id"`
	Name          string `json:"name"`
	IDNumber      string `json:"id_number"` // masked
	VillageCode   string `json:"village_code"`
	EnrolledOn    string `json:"enrolled_on"`
	Completed     bool   `json:"completed"`
	CompletedOn   string `json:"completed_on,omitempty"`
	CertificateNo string `json:"certificate_no,omitempty"`
	Attended      int    `json:"attended"` // sessions attended (counted now while open)
}

const courseColumns = `c.id, c.kind, c.name, c.area_code, c.place, c.provider, c.master, c.start_date, c.end_date, c.status, c.finished_on, c.updated_at,
	(SELECT COUNT(*) FROM emp_enrolments e WHERE e.course_id = c.id),
	(SELECT COUNT(*) FROM emp_enrolments e WHERE e.course_id = c.id AND e.completed = TRUE),
	(SELECT COUNT(*) FROM emp_sessions x WHERE x.course_id = c.id)`

func scanCourse(row interface{ Scan(...any) error }) (Course, error) {
	var c Course
	err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.AreaCode, &c.Place, &c.Provider, &c.Master, &c.StartDate, &c.EndDate, &c.Status, &c.FinishedOn, &c.UpdatedAt,
		&c.Enrolled, &c.Completed, &c.Sessions)
	return c, err
}

// ListCourses lists the courses visible in the scope (held inside it or
// by the county above it), newest first; from/to ("" for none) narrow to
// courses starting in that period.
func ListCourses(ctx context.Context, q store.Querier, s area.Scope, from, to string) ([]Course, error) {
	cond, args := visible(s, "c.area_code", 1)
	if from != "" {
		args = append(args, from)
		cond += " AND c.start_date >= $" + strconv.Itoa(len(args))
	}
	if to != "" {
		args = append(args, to)
		cond += " AND c.start_date <= $" + strconv.Itoa(len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+courseColumns+` FROM emp_courses c WHERE `+cond+` ORDER BY c.start_date DESC, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetCourse returns one course visible in the scope.
func GetCourse(ctx context.Context, q store.Querier, s area.Scope, id string) (Course, error) {
	c, err := scanCourse(q.QueryRowContext(ctx, `SELECT `+courseColumns+` FROM emp_courses c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !canSee(s, c.AreaCode)) {
		return Course{}, store.ErrNotFound
	}
	return c, err
}

// courseToChange locks a course the caller may change: held inside the
// scope (a county course is the county's to change) and still open.
func courseToChange(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Course, error) {
	if _, err := lockRow(ctx, tx, "emp_courses", id); err != nil {
		return Course{}, err
	}
	c, err := GetCourse(ctx, tx, s, id)
	if err != nil {
		return c, err
	}
	if !s.Contains(c.AreaCode) {
		return c, refuse("employ.error.course_not_yours")
	}
	if c.Status != CourseOpen {
		return c, refuse("employ.error.course_finished")
	}
	return c, nil
}

// Audit actions of training.
const (
	ActionCourseSave   = "employ.course.save"
	ActionSessionAdd   = "employ.course.session"
	ActionEnrol        = "employ.course.enrol"
	ActionAttendance   = "employ.course.attendance"
	ActionCourseFinish = "employ.course.finish"
)

// SaveCourse creates (ID "") or changes an open course.
func SaveCourse(ctx context.Context, tx *store.Tx, s area.Scope, c Course) (Course, error) {
	var before *Course
	if c.ID != "" {
		b, err := courseToChange(ctx, tx, s, c.ID)
		if err != nil {
			return c, err
		}
		before = &b
	}
	var es validate.Errors
	if !contains(CourseKinds, c.Kind) {
		es.Add(0, "employ.course.kind", "validate.choose")
	}
	c.Name = text(&es, "employ.course.name", c.Name, true, MaxShort)
	c.Place = text(&es, "employ.course.place", c.Place, true, MaxShort)
	c.Provider = text(&es, "employ.course.provider", c.Provider, true, MaxShort)
	c.Master = text(&es, "employ.course.master", c.Master, c.Kind == KindApprentice, MaxShort)
	if c.Kind != KindApprentice {
		c.Master = ""
	}
	if err := checkArea(ctx, tx, s, &es, "employ.course.area", c.AreaCode, false); err != nil {
		return c, err
	}
	c.StartDate = date(&es, "employ.course.start_date", c.StartDate, true)
	c.EndDate = date(&es, "employ.course.end_date", c.EndDate, true)
	if validDate(c.StartDate) && validDate(c.EndDate) && c.EndDate < c.StartDate {
		es.Add(0, "employ.course.end_date", "employ.error.end_before_start")
	}
	if before != nil && before.Kind != c.Kind && before.Enrolled > 0 {
		es.Add(0, "employ.course.kind", "employ.error.kind_fixed")
	}
	if len(es) > 0 {
		return c, es
	}
	c.Status, c.UpdatedAt = CourseOpen, store.Now()
	var err error
	if before == nil {
		c.ID = store.NewID()
		_, err = tx.ExecContext(ctx, `INSERT INTO emp_courses (id, kind, name, area_code, place, provider, master, start_date, end_date, status, finished_on, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'',$11,$11)`, c.ID, c.Kind, c.Name, c.AreaCode, c.Place, c.Provider, c.Master, c.StartDate, c.EndDate, c.Status, c.UpdatedAt)
	} else {
		c.Enrolled, c.Completed, c.Sessions = before.Enrolled, before.Completed, before.Sessions
		_, err = tx.ExecContext(ctx, `UPDATE emp_courses SET kind = $2, name = $3, area_code = $4, place = $5, provider = $6, master = $7, start_date = $8, end_date = $9, updated_at = $10 WHERE id = $1`,
			c.ID, c.Kind, c.Name, c.AreaCode, c.Place, c.Provider, c.Master, c.StartDate, c.EndDate, c.UpdatedAt)
	}
	if err != nil {
		return c, err
	}
	var b any
	if before != nil {
		b = before
	}
	return c, audit.Record(ctx, tx, audit.Entry{Action: ActionCourseSave, ObjectType: "emp_course", ObjectID: c.ID, AreaCode: c.AreaCode, Before: b, After: c})
}

// Sessions lists a course's sessions, with how many of the persons in the
// scope were present at each.
func Sessions(ctx context.Context, q store.Querier, s area.Scope, courseID string) ([]Session, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT x.id, x.course_id, x.day, x.topic,
		(SELECT COUNT(*) FROM emp_attendance a JOIN persons p ON p.id = a.person_id WHERE a.session_id = x.id AND a.present = TRUE AND `+cond+`)
		FROM emp_sessions x WHERE x.course_id = $1 ORDER BY x.day, x.id`, append([]any{courseID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		if err := rows.Scan(&x.ID, &x.CourseID, &x.Day, &x.Topic, &x.Present); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// AddSession adds a session to an open course, on a day within the
// course's dates.
func AddSession(ctx context.Context, tx *store.Tx, s area.Scope, courseID, day, topic string) (Session, error) {
	c, err := courseToChange(ctx, tx, s, courseID)
	if err != nil {
		return Session{}, err
	}
	var es validate.Errors
	day = date(&es, "employ.session.day", day, true)
	if validDate(day) && (day < c.StartDate || day > c.EndDate) {
		es.Add(0, "employ.session.day", "employ.error.outside_course", c.StartDate, c.EndDate)
	}
	topic = text(&es, "employ.session.topic", topic, true, MaxShort)
	if len(es) > 0 {
		return Session{}, es
	}
	x := Session{ID: store.NewID(), CourseID: c.ID, Day: day, Topic: topic}
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_sessions (id, course_id, day, topic) VALUES ($1,$2,$3,$4)`, x.ID, x.CourseID, x.Day, x.Topic); err != nil {
		return x, err
	}
	return x, audit.Record(ctx, tx, audit.Entry{Action: ActionSessionAdd, ObjectType: "emp_course", ObjectID: c.ID, AreaCode: c.AreaCode, After: x})
}

// Enrolments lists the persons of a course inside the scope, with the
// sessions each attended.
func Enrolments(ctx context.Context, q store.Querier, s area.Scope, courseID string) ([]Enrolment, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT e.course_id, e.person_id, p.name, p.id_number, p.village_code, e.enrolled_on, e.completed, e.completed_on, e.certificate_no,
		(SELECT COUNT(*) FROM emp_attendance a JOIN emp_sessions x ON x.id = a.session_id WHERE x.course_id = e.course_id AND a.person_id = e.person_id AND a.present = TRUE)
		FROM emp_enrolments e JOIN persons p ON p.id = e.person_id WHERE e.course_id = $1 AND `+cond+` ORDER BY p.name, p.id`, append([]any{courseID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Enrolment
	for rows.Next() {
		var e Enrolment
		if err := rows.Scan(&e.CourseID, &e.PersonID, &e.Name, &e.IDNumber, &e.VillageCode, &e.EnrolledOn, &e.Completed, &e.CompletedOn, &e.CertificateNo, &e.Attended); err != nil {
			return nil, err
		}
		var err error
		if e.IDNumber, err = registry.MaskSealedIDNumber(e.IDNumber); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Enrol puts an active person of the scope on a course. A township worker
// may enrol her township's persons in a county course she can see; a
// 师带徒 pair takes one apprentice.
func Enrol(ctx context.Context, tx *store.Tx, s area.Scope, courseID, personID string, today time.Time) (Enrolment, error) {
	if _, err := lockRow(ctx, tx, "emp_courses", courseID); err != nil {
		return Enrolment{}, err
	}
	c, err := GetCourse(ctx, tx, s, courseID)
	if err != nil {
		return Enrolment{}, err
	}
	if c.Status != CourseOpen {
		return Enrolment{}, refuse("employ.error.course_finished")
	}
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", personID, true)
	if err != nil {
		return Enrolment{}, err
	}
	if len(es) > 0 {
		return Enrolment{}, es
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM emp_enrolments WHERE course_id = $1 AND person_id = $2`, c.ID, p.ID).Scan(&n); err != nil {
		return Enrolment{}, err
	}
	if n > 0 {
		return Enrolment{}, validate.Errors{{Field: "employ.person", Key: "employ.error.enrolled", Args: []any{p.Name}}}
	}
	if c.Kind == KindApprentice && c.Enrolled > 0 {
		return Enrolment{}, validate.Errors{{Field: "employ.person", Key: "employ.error.one_apprentice"}}
	}
	e := Enrolment{CourseID: c.ID, PersonID: p.ID, Name: p.Name, IDNumber: p.MaskedIDNumber(), VillageCode: p.VillageCode, EnrolledOn: ymd(today)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_enrolments (course_id, person_id, enrolled_on, completed, completed_on, certificate_no, attended)
		VALUES ($1,$2,$3,FALSE,'','',0)`, e.CourseID, e.PersonID, e.EnrolledOn); err != nil {
		return e, err
	}
	return e, audit.Record(ctx, tx, audit.Entry{Action: ActionEnrol, ObjectType: "emp_course", ObjectID: c.ID, AreaCode: p.VillageCode, After: e})
}

// RecordAttendance saves the attendance sheet of one session: present
// lists the persons who came; every other enrolled person of the scope is
// marked absent. Persons outside the scope keep their marks, so two
// townships can keep the sheet of a county course each for their own. A
// session in the future cannot be marked.
func RecordAttendance(ctx context.Context, tx *store.Tx, s area.Scope, sessionID string, present []string, today time.Time) error {
	var courseID, day string
	err := tx.QueryRowContext(ctx, `SELECT course_id, day FROM emp_sessions WHERE id = $1`, sessionID).Scan(&courseID, &day)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	if _, err := lockRow(ctx, tx, "emp_courses", courseID); err != nil {
		return err
	}
	c, err := GetCourse(ctx, tx, s, courseID)
	if err != nil {
		return err
	}
	if c.Status != CourseOpen {
		return refuse("employ.error.course_finished")
	}
	if day > ymd(today) {
		return validate.Errors{{Field: "employ.session.day", Key: "employ.error.session_future", Args: []any{day}}}
	}
	enrolled, err := Enrolments(ctx, tx, s, c.ID)
	if err != nil {
		return err
	}
	mine := map[string]bool{}
	for _, e := range enrolled {
		mine[e.PersonID] = true
	}
	marked := map[string]bool{}
	for _, id := range present {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !mine[id] {
			return validate.Errors{{Field: "employ.attendance", Key: "employ.error.not_enrolled"}}
		}
		marked[id] = true
	}
	var before, after []string
	for _, e := range enrolled {
		var was bool
		err := tx.QueryRowContext(ctx, `SELECT present FROM emp_attendance WHERE session_id = $1 AND person_id = $2`, sessionID, e.PersonID).Scan(&was)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO emp_attendance (session_id, person_id, present) VALUES ($1,$2,$3)`, sessionID, e.PersonID, marked[e.PersonID])
		case err == nil:
			if was {
				before = append(before, e.PersonID)
			}
			_, err = tx.ExecContext(ctx, `UPDATE emp_attendance SET present = $3 WHERE session_id = $1 AND person_id = $2`, sessionID, e.PersonID, marked[e.PersonID])
		}
		if err != nil {
			return err
		}
		if marked[e.PersonID] {
			after = append(after, e.PersonID)
		}
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionAttendance, ObjectType: "emp_session", ObjectID: sessionID, AreaCode: s.Code(),
		Before: before, After: after, Detail: fmt.Sprintf("%d of %d present", len(after), len(enrolled))})
}

// Attendance returns who was present at a session (person id → present),
// for the persons in the scope.
func Attendance(ctx context.Context, q store.Querier, s area.Scope, sessionID string) (map[string]bool, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT a.person_id, a.present FROM emp_attendance a JOIN persons p ON p.id = a.person_id WHERE a.session_id = $1 AND `+cond,
		append([]any{sessionID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var v bool
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// Completes reports whether attending attended of sessions sessions
// completes a course at minPct per cent: attended/sessions ≥ minPct/100,
// in integers so 4 of 5 at 80 % completes. A course without sessions
// completes nobody.
func Completes(attended, sessions, minPct int) bool {
	return sessions > 0 && attended*100 >= minPct*sessions
}

// FinishResult says what finishing a course did.
type FinishResult struct {
	Completed, NotCompleted int
}

// FinishCourse closes a course on day (not before its last session, not
// after today):
// every enrolled person whose attendance reaches the setting's share
// completes it on day and gets a certificate number; the course takes no
// more attendance. This is where attendance rolls up to person-times.
func FinishCourse(ctx context.Context, tx *store.Tx, s area.Scope, courseID, day string, today time.Time) (FinishResult, error) {
	var res FinishResult
	c, err := courseToChange(ctx, tx, s, courseID)
	if err != nil {
		return res, err
	}
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return res, err
	}
	var es validate.Errors
	day = date(&es, "employ.course.finished_on", day, true)
	future(&es, "employ.course.finished_on", day, today)
	sessions, err := Sessions(ctx, tx, area.All(), c.ID)
	if err != nil {
		return res, err
	}
	if len(sessions) == 0 {
		es.Add(0, "employ.course.finished_on", "employ.error.no_sessions")
	} else if last := sessions[len(sessions)-1].Day; validDate(day) && day < last {
		es.Add(0, "employ.course.finished_on", "employ.error.finish_before_session", last)
	}
	if len(es) > 0 {
		return res, es
	}
	all, err := Enrolments(ctx, tx, area.All(), c.ID)
	if err != nil {
		return res, err
	}
	seq := 0
	for _, e := range all {
		done := Completes(e.Attended, len(sessions), set.MinAttendancePct)
		cert, on := "", ""
		if done {
			seq++
			res.Completed++
			cert, on = certificateNo(c, day, seq), day
		} else {
			res.NotCompleted++
		}
		if _, err := tx.ExecContext(ctx, `UPDATE emp_enrolments SET completed = $3, completed_on = $4, certificate_no = $5, attended = $6 WHERE course_id = $1 AND person_id = $2`,
			c.ID, e.PersonID, done, on, cert, e.Attended); err != nil {
			return res, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE emp_courses SET status = $2, finished_on = $3, updated_at = $4 WHERE id = $1`, c.ID, CourseFinished, day, store.Now()); err != nil {
		return res, err
	}
	return res, audit.Record(ctx, tx, audit.Entry{Action: ActionCourseFinish, ObjectType: "emp_course", ObjectID: c.ID, AreaCode: c.AreaCode,
		After: res, Detail: fmt.Sprintf("min attendance %d%%, %d sessions", set.MinAttendancePct, len(sessions))})
}

// certificateNo numbers a completion certificate: PX, the finishing day,
// the course id's last characters and the sequence in the course.
func certificateNo(c Course, day string, seq int) string {
	return fmt.Sprintf("PX%s-%s-%03d", strings.ReplaceAll(day, "-", ""), strings.ToUpper(c.ID[len(c.ID)-4:]), seq)
}

// PersonCourses lists the courses a person (in the scope) is enrolled in.
func PersonCourses(ctx context.Context, q store.Querier, s area.Scope, personID string) ([]Course, []Enrolment, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT `+courseColumns+`, e.enrolled_on, e.completed, e.completed_on, e.certificate_no
		FROM emp_enrolments e JOIN emp_courses c ON c.id = e.course_id JOIN persons p ON p.id = e.person_id
		WHERE e.person_id = $1 AND `+cond+` ORDER BY c.start_date DESC`, append([]any{personID}, args...)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cs []Course
	var es []Enrolment
	for rows.Next() {
		var c Course
		e := Enrolment{PersonID: personID}
		if err := rows.Scan(&c.ID, &c.Kind, &c.Name, &c.AreaCode, &c.Place, &c.Provider, &c.Master, &c.StartDate, &c.EndDate, &c.Status, &c.FinishedOn, &c.UpdatedAt,
			&c.Enrolled, &c.Completed, &c.Sessions, &e.EnrolledOn, &e.Completed, &e.CompletedOn, &e.CertificateNo); err != nil {
			return nil, nil, err
		}
		e.CourseID = c.ID
		cs, es = append(cs, c), append(es, e)
	}
	return cs, es, rows.Err()
}

// PersonTimes counts the training person-times (人次) of persons in the
// scope for the period from..to, on the settings' basis: completions
// (Default: a (person, course) completed in the period) or enrolments (a
// (person, course) of a course begun in the period).
func PersonTimes(ctx context.Context, q store.Querier, s area.Scope, from, to, basis string) (int, error) {
	cond, args := s.Filter("p.village_code", 3)
	var query string
	if basis == BasisEnrolments {
		query = `SELECT COUNT(*) FROM emp_enrolments e JOIN emp_courses c ON c.id = e.course_id JOIN persons p ON p.id = e.person_id
			WHERE c.start_date >= $1 AND c.start_date <= $2 AND ` + cond
	} else {
		query = `SELECT COUNT(*) FROM emp_enrolments e JOIN persons p ON p.id = e.person_id
			WHERE e.completed = TRUE AND e.completed_on >= $1 AND e.completed_on <= $2 AND ` + cond
	}
	var n int
	err := q.QueryRowContext(ctx, query, append([]any{from, to}, args...)...).Scan(&n)
	return n, err
}
