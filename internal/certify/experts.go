package certify

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Speciality is an expert's field.
type Speciality string

// Specialities.
const (
	Ophthalmology  Speciality = "ophthalmology"  // 眼科
	ENT            Speciality = "ent"            // 耳鼻喉科
	Orthopaedics   Speciality = "orthopaedics"   // 骨科
	Neurology      Speciality = "neurology"      // 神经内科
	Psychiatry     Speciality = "psychiatry"     // 精神科
	Paediatrics    Speciality = "paediatrics"    // 儿科（发育行为）
	Rehabilitation Speciality = "rehabilitation" // 康复医学科
)

// Specialities in display order.
var Specialities = []Speciality{Ophthalmology, ENT, Orthopaedics, Neurology, Psychiatry, Paediatrics, Rehabilitation}

// specialityCategories says which categories each speciality may assess:
// the assessment standard (GB/T 26341) names the examinations, and these
// are the departments that carry them out. 多重 is assessed by a team, so
// any speciality may take part.
var specialityCategories = map[Speciality][]registry.Category{
	Ophthalmology:  {registry.Vision},
	ENT:            {registry.Hearing, registry.Speech},
	Orthopaedics:   {registry.Physical},
	Neurology:      {registry.Physical, registry.Speech, registry.Intellectual},
	Psychiatry:     {registry.Mental, registry.Intellectual},
	Paediatrics:    {registry.Intellectual, registry.Speech},
	Rehabilitation: {registry.Physical},
}

// Covers reports whether speciality s may assess category c.
func (s Speciality) Covers(c registry.Category) bool {
	return c == registry.Multiple && slices.Contains(Specialities, s) || slices.Contains(specialityCategories[s], c)
}

// Valid reports whether s is known.
func (s Speciality) Valid() bool { return slices.Contains(Specialities, s) }

// Expert is one member of the expert pool (专家库).
type Expert struct {
	ID            string     `json:"id"`
	UserID        string     `json:"user_id"`
	Name          string     `json:"name"`
	Speciality    Speciality `json:"speciality"`
	Hospital      string     `json:"hospital"`
	Qualification string     `json:"qualification"`
	Phone         string     `json:"phone"`
	Available     bool       `json:"available"`
}

const expertColumns = `id, user_id, name, speciality, hospital, qualification, phone, available`

func scanExpert(row interface{ Scan(...any) error }) (Expert, error) {
	var e Expert
	err := row.Scan(&e.ID, &e.UserID, &e.Name, &e.Speciality, &e.Hospital, &e.Qualification, &e.Phone, &e.Available)
	return e, err
}

// GetExpert returns one expert.
func GetExpert(ctx context.Context, q store.Querier, id string) (Expert, error) {
	e, err := scanExpert(q.QueryRowContext(ctx, `SELECT `+expertColumns+` FROM cert_experts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, store.ErrNotFound
	}
	return e, err
}

// ExpertOfUser returns the expert record an account signs in as.
func ExpertOfUser(ctx context.Context, q store.Querier, userID string) (Expert, error) {
	e, err := scanExpert(q.QueryRowContext(ctx, `SELECT `+expertColumns+` FROM cert_experts WHERE user_id = $1 AND user_id <> ''`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, store.ErrNotFound
	}
	return e, err
}

// ListExperts returns the pool, by speciality and name.
func ListExperts(ctx context.Context, q store.Querier) ([]Expert, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+expertColumns+` FROM cert_experts ORDER BY speciality, name, id`)
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

// Audit actions of the expert pool.
const (
	ActionExpertSave     = "certify.expert.save"
	ActionExpertConflict = "certify.expert.conflict"
)

// SaveExpert adds (empty ID) or changes an expert. A linked account must
// exist and have the expert role, so the assessment form knows who signs.
func SaveExpert(ctx context.Context, tx *store.Tx, e Expert) (Expert, error) {
	var es validate.Errors
	e.Name, e.Hospital, e.Qualification, e.Phone = strings.TrimSpace(e.Name), strings.TrimSpace(e.Hospital), strings.TrimSpace(e.Qualification), strings.TrimSpace(e.Phone)
	if es.Required(0, "certify.expert.name", e.Name) && utf8.RuneCountInString(e.Name) > 50 {
		es.Add(0, "certify.expert.name", "certify.error.too_long", 50)
	}
	if !e.Speciality.Valid() {
		es.Add(0, "certify.expert.speciality", "validate.choose")
	}
	es.Required(0, "certify.expert.hospital", e.Hospital)
	es.Required(0, "certify.expert.qualification", e.Qualification)
	if e.Phone != "" && !validPhone(e.Phone) {
		es.Add(0, "certify.expert.phone", "certify.error.phone")
	}
	if e.UserID != "" {
		u, err := auth.GetUser(ctx, tx, e.UserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			es.Add(0, "certify.expert.user", "certify.error.unknown_user")
		case err != nil:
			return e, err
		case u.Role != auth.RoleExpert:
			es.Add(0, "certify.expert.user", "certify.error.not_expert_account")
		default:
			var other string
			err := tx.QueryRowContext(ctx, `SELECT id FROM cert_experts WHERE user_id = $1 AND id <> $2`, e.UserID, e.ID).Scan(&other)
			if err == nil {
				es.Add(0, "certify.expert.user", "certify.error.account_taken")
			} else if !errors.Is(err, sql.ErrNoRows) {
				return e, err
			}
		}
	}
	if len(es) > 0 {
		return e, es
	}
	now := store.Now()
	var before any
	if e.ID == "" {
		e.ID = store.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO cert_experts (`+expertColumns+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)`,
			e.ID, e.UserID, e.Name, string(e.Speciality), e.Hospital, e.Qualification, e.Phone, e.Available, now); err != nil {
			return e, err
		}
	} else {
		old, err := GetExpert(ctx, tx, e.ID)
		if err != nil {
			return e, err
		}
		before = old
		if _, err := tx.ExecContext(ctx, `UPDATE cert_experts SET user_id = $2, name = $3, speciality = $4, hospital = $5, qualification = $6,
			phone = $7, available = $8, updated_at = $9 WHERE id = $1`,
			e.ID, e.UserID, e.Name, string(e.Speciality), e.Hospital, e.Qualification, e.Phone, e.Available, now); err != nil {
			return e, err
		}
	}
	return e, audit.Record(ctx, tx, audit.Entry{Action: ActionExpertSave, ObjectType: "cert_expert", ObjectID: e.ID, Before: before, After: e})
}

// Conflict is a person an expert declared a relative of.
type Conflict struct {
	IDNumber string `json:"id_number"`
	Relation string `json:"relation"`
}

// AddConflict records that an expert may not assess a person (a relative).
func AddConflict(ctx context.Context, tx *store.Tx, expertID string, c Conflict) error {
	var es validate.Errors
	info, err := registry.ParseIDNumber(c.IDNumber, farFuture)
	if err != nil {
		es.Add(0, "certify.conflict.id_number", "certify.error.id_number")
	}
	c.Relation = strings.TrimSpace(c.Relation)
	es.Required(0, "certify.conflict.relation", c.Relation)
	if len(es) > 0 {
		return es
	}
	if _, err := GetExpert(ctx, tx, expertID); err != nil {
		return err
	}
	// ON CONFLICT rather than catching the violation: on PostgreSQL a failed
	// statement would spoil the whole transaction.
	res, err := tx.ExecContext(ctx, `INSERT INTO cert_expert_conflicts (id, expert_id, id_hash, id_number, relation) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (expert_id, id_hash) DO NOTHING`,
		store.NewID(), expertID, registry.IDHash(info.Number), crypt.Seal(registry.KindIDNumber, info.Number), c.Relation)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // declared already
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionExpertConflict, ObjectType: "cert_expert", ObjectID: expertID, After: c})
}

// Conflicts lists an expert's declared relatives.
func Conflicts(ctx context.Context, q store.Querier, expertID string) ([]Conflict, error) {
	rows, err := q.QueryContext(ctx, `SELECT id_number, relation FROM cert_expert_conflicts WHERE expert_id = $1`, expertID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		if err := rows.Scan(&c.IDNumber, &c.Relation); err != nil {
			return nil, err
		}
		if err := crypt.OpenAll(registry.KindIDNumber, &c.IDNumber); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	// Sealed numbers do not sort in the database: in the open, here.
	slices.SortFunc(out, func(a, b Conflict) int { return strings.Compare(a.IDNumber, b.IDNumber) })
	return out, rows.Err()
}

// eligibility checks whether expert e may assess the applicant with the
// given ID number for category c: available, speciality matching, not a
// declared relative, and not the assessor of this person's last assessment
// (风险点: nobody assesses the same person twice in a row). It returns the
// i18n key of the reason, or "" when eligible.
func eligibility(ctx context.Context, q store.Querier, e Expert, idNumber string, c registry.Category, excludeApp string) (string, error) {
	if !e.Available {
		return "certify.error.expert_unavailable", nil
	}
	if !e.Speciality.Covers(c) {
		return "certify.error.expert_speciality", nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_expert_conflicts WHERE expert_id = $1 AND id_hash = $2`, e.ID, registry.IDHash(idNumber)).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "certify.error.expert_relative", nil
	}
	last, err := lastAssessor(ctx, q, idNumber, excludeApp)
	if err != nil {
		return "", err
	}
	if last == e.ID {
		return "certify.error.expert_twice", nil
	}
	return "", nil
}

// lastAssessor is the expert of the person's most recent assessment, ""
// if none.
func lastAssessor(ctx context.Context, q store.Querier, idNumber, excludeApp string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT expert_id FROM cert_applications WHERE id_hash = $1 AND id <> $2 AND assessed_at <> ''
		ORDER BY assessed_at DESC LIMIT 1`, registry.IDHash(idNumber), excludeApp).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// pickExpert chooses from candidates by rotation: the eligible expert with
// the fewest assignments, then the longest since the last one, then by id,
// so work is spread and nobody is chosen by preference.
func pickExpert(ctx context.Context, q store.Querier, candidates []Expert, idNumber string, c registry.Category, excludeApp string) (Expert, error) {
	type scored struct {
		e      Expert
		n      int
		lastOn string
	}
	var ok []scored
	for _, e := range candidates {
		why, err := eligibility(ctx, q, e, idNumber, c, excludeApp)
		if err != nil {
			return Expert{}, err
		}
		if why != "" {
			continue
		}
		s := scored{e: e}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(assigned_on), '') FROM cert_assignments WHERE expert_id = $1`, e.ID).Scan(&s.n, &s.lastOn); err != nil {
			return Expert{}, err
		}
		ok = append(ok, s)
	}
	if len(ok) == 0 {
		return Expert{}, store.ErrNotFound
	}
	slices.SortFunc(ok, func(a, b scored) int {
		if a.n != b.n {
			return a.n - b.n
		}
		if a.lastOn != b.lastOn {
			return strings.Compare(a.lastOn, b.lastOn)
		}
		return strings.Compare(a.e.ID, b.e.ID)
	})
	return ok[0].e, nil
}
