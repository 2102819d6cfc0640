package certify

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Session statuses.
const (
	SessionPlanned   = "planned"
	SessionHeld      = "held"
	SessionCancelled = "cancelled"
)

// Session is one centralised assessment day (集中评残) for a category.
type Session struct {
	ID       string            `json:"id"`
	Day      string            `json:"day"`
	Place    string            `json:"place"`
	Category registry.Category `json:"category"`
	Capacity int               `json:"capacity"`
	Status   string            `json:"status"`
	Booked   int               `json:"booked"` // applications booked into it
}

// Room is how many more applicants the session takes.
func (s Session) Room() int { return max(s.Capacity-s.Booked, 0) }

const sessionSelect = `SELECT s.id, s.day, s.place, s.category, s.capacity, s.status,
	(SELECT COUNT(*) FROM cert_applications a WHERE a.session_id = s.id) FROM cert_sessions s`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.Day, &s.Place, &s.Category, &s.Capacity, &s.Status, &s.Booked)
	return s, err
}

// GetSession returns one session with its booking count.
func GetSession(ctx context.Context, q store.Querier, id string) (Session, error) {
	s, err := scanSession(q.QueryRowContext(ctx, sessionSelect+` WHERE s.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, store.ErrNotFound
	}
	return s, err
}

// ListSessions returns the sessions with a day in [from, to] ("" = open),
// by day.
func ListSessions(ctx context.Context, q store.Querier, from, to string) ([]Session, error) {
	if to == "" {
		to = "9999-12-31"
	}
	rows, err := q.QueryContext(ctx, sessionSelect+` WHERE s.day >= $1 AND s.day <= $2 ORDER BY s.day, s.category, s.id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SessionExperts lists the experts of a session.
func SessionExperts(ctx context.Context, q store.Querier, sessionID string) ([]Expert, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.user_id, e.name, e.speciality, e.hospital, e.qualification, e.phone, e.available
		FROM cert_experts e JOIN cert_session_experts se ON se.expert_id = e.id WHERE se.session_id = $1 ORDER BY e.name, e.id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Expert
	for rows.Next() {
		e, err := scanExpert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// NewSession is what planning a session takes.
type NewSession struct {
	Day       string
	Place     string
	Category  registry.Category
	Capacity  int
	ExpertIDs []string
}

// Audit actions of sessions.
const (
	ActionSessionCreate = "certify.session.create"
	ActionSessionExpert = "certify.session.expert"
	ActionSessionStatus = "certify.session.status"
)

// CreateSession plans a session on a working day from today on, with
// experts whose speciality covers its category.
func CreateSession(ctx context.Context, tx *store.Tx, n NewSession, today time.Time, cal Calendar) (Session, error) {
	var es validate.Errors
	n.Place = strings.TrimSpace(n.Place)
	if es.Required(0, "certify.session.day", n.Day) {
		d, err := time.Parse(time.DateOnly, n.Day)
		switch {
		case err != nil:
			es.Add(0, "certify.session.day", "certify.error.bad_date")
		case d.Before(dateOf(today)):
			es.Add(0, "certify.session.day", "certify.error.past_date")
		case !cal.IsWorkingDay(d):
			es.Add(0, "certify.session.day", "certify.error.not_working_day")
		}
	}
	if es.Required(0, "certify.session.place", n.Place) && utf8.RuneCountInString(n.Place) > 100 {
		es.Add(0, "certify.session.place", "certify.error.too_long", 100)
	}
	if !n.Category.Valid() {
		es.Add(0, "certify.session.category", "validate.choose")
	}
	if n.Capacity < 1 || n.Capacity > 500 {
		es.Add(0, "certify.session.capacity", "certify.error.capacity_range", 1, 500)
	}
	experts, err := checkExperts(ctx, tx, &es, "certify.session.experts", n.ExpertIDs, n.Category)
	if err != nil {
		return Session{}, err
	}
	if len(es) > 0 {
		return Session{}, es
	}
	now := store.Now()
	s := Session{ID: store.NewID(), Day: n.Day, Place: n.Place, Category: n.Category, Capacity: n.Capacity, Status: SessionPlanned}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cert_sessions (id, day, place, category, capacity, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, s.ID, s.Day, s.Place, int(s.Category), s.Capacity, s.Status, now); err != nil {
		return s, err
	}
	for _, e := range experts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cert_session_experts (session_id, expert_id) VALUES ($1, $2)`, s.ID, e.ID); err != nil {
			return s, err
		}
	}
	return s, audit.Record(ctx, tx, audit.Entry{Action: ActionSessionCreate, ObjectType: "cert_session", ObjectID: s.ID,
		After: map[string]any{"session": s, "experts": n.ExpertIDs}})
}

// checkExperts loads the experts named and checks that each exists, is
// available and covers category c; every problem is reported on field.
func checkExperts(ctx context.Context, q store.Querier, es *validate.Errors, field string, ids []string, c registry.Category) ([]Expert, error) {
	var out []Expert
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		e, err := GetExpert(ctx, q, id)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, field, "certify.error.unknown_expert")
			continue
		}
		if err != nil {
			return nil, err
		}
		switch {
		case !e.Available:
			es.Add(0, field, "certify.error.expert_unavailable_named", e.Name)
		case c.Valid() && !e.Speciality.Covers(c):
			es.Add(0, field, "certify.error.expert_speciality_named", e.Name)
		}
		out = append(out, e)
	}
	if len(out) == 0 && len(ids) > 0 && len(*es) == 0 {
		es.Add(0, field, "validate.choose")
	}
	return out, nil
}

// AddSessionExpert adds an expert to a planned session.
func AddSessionExpert(ctx context.Context, tx *store.Tx, sessionID, expertID string) error {
	s, err := GetSession(ctx, tx, sessionID)
	if err != nil {
		return err
	}
	var es validate.Errors
	if s.Status != SessionPlanned {
		es.Add(0, "certify.session.experts", "certify.error.session_not_planned")
		return es
	}
	if _, err := checkExperts(ctx, tx, &es, "certify.session.experts", []string{expertID}, s.Category); err != nil {
		return err
	}
	if expertID == "" {
		es.Add(0, "certify.session.experts", "validate.choose")
	}
	if len(es) > 0 {
		return es
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cert_session_experts (session_id, expert_id) VALUES ($1, $2)`, sessionID, expertID)
	if store.IsUniqueViolation(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSessionExpert, ObjectType: "cert_session", ObjectID: sessionID, After: map[string]string{"expert_id": expertID}})
}

// SetSessionStatus marks a session held or cancelled. A session with
// applicants still booked cannot be cancelled: they are unbooked first, so
// nobody is left waiting for a day that will not happen.
func SetSessionStatus(ctx context.Context, tx *store.Tx, sessionID, status string, today time.Time) error {
	s, err := GetSession(ctx, tx, sessionID)
	if err != nil {
		return err
	}
	var es validate.Errors
	switch {
	case status != SessionHeld && status != SessionCancelled:
		es.Add(0, "certify.session.status", "validate.choose")
	case s.Status != SessionPlanned:
		es.Add(0, "certify.session.status", "certify.error.session_not_planned")
	case status == SessionHeld && s.Day > dateOf(today).Format(time.DateOnly):
		es.Add(0, "certify.session.status", "certify.error.session_future")
	case status == SessionCancelled:
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_applications WHERE session_id = $1 AND status = $2`, sessionID, string(Scheduled)).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			es.Add(0, "certify.session.status", "certify.error.session_has_bookings", open)
		}
	}
	if len(es) > 0 {
		return es
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cert_sessions SET status = $2, updated_at = $3 WHERE id = $1`, sessionID, status, store.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionSessionStatus, ObjectType: "cert_session", ObjectID: sessionID,
		Before: map[string]string{"status": s.Status}, After: map[string]string{"status": status}})
}
