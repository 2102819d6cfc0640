package levy

import (
	"context"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Row is a declaration in a list, with its employer.
type Row struct {
	Declaration
	EmployerName string `json:"employer_name"`
	CreditCode   string `json:"credit_code"`
	Kind         Kind   `json:"kind"`
	Flagged      int    `json:"flagged"` // employees also declared by another employer
}

// ListDeclarations lists the declarations of a collection year inside
// scope s (status "" for all), by employer name; employees are not loaded.
func ListDeclarations(ctx context.Context, q store.Querier, s area.Scope, year int, status Status) ([]Row, error) {
	cond, args := s.Filter("d.area_code", 2)
	args = append([]any{year}, args...)
	where := "d.year = $1 AND " + cond
	if status != "" {
		args = append(args, string(status))
		where += " AND d.status = $" + itoa(len(args))
	}
	args = append(args, string(Submitted), string(Verified), string(Issued))
	n := len(args)
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("d.", declarationColumns)+`, e.name, e.credit_code, e.kind,
		(SELECT COUNT(*) FROM levy_employees x WHERE x.declaration_id = d.id AND EXISTS (
			SELECT 1 FROM levy_employees y JOIN levy_declarations o ON o.id = y.declaration_id
			WHERE y.year = x.year AND y.person_id = x.person_id AND y.declaration_id <> x.declaration_id AND o.status IN ($`+itoa(n-2)+`, $`+itoa(n-1)+`, $`+itoa(n)+`)))
		FROM levy_declarations d JOIN levy_employers e ON e.id = d.employer_id WHERE `+where+` ORDER BY e.name, d.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var heads, steps string
		d := &r.Declaration
		if err := rows.Scan(&d.ID, &d.EmployerID, &d.Year, &d.AreaCode, &d.Status, &d.Channel, &heads, &d.AvgWageFen, &d.ReturnReason, &d.SubmittedAt,
			&d.VerifiedBy, &d.VerifiedAt, &d.IssuedOn, &d.Result.Staff, &d.Result.Required, &d.Result.Counted, &d.Result.ActualRatio,
			&d.Result.WageUsedFen, &d.Result.AmountFen, &d.Result.Tier, &steps, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt, &d.Version,
			&r.EmployerName, &r.CreditCode, &r.Kind, &r.Flagged); err != nil {
			return nil, err
		}
		d.Headcounts = parseHeadcounts(heads)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Undeclared is an employer without a declaration that counts for the
// year, with its draft if it began one.
type Undeclared struct {
	Employer
	DraftID string `json:"draft_id"` // "" when nothing was begun
}

// NotDeclared lists the employers inside scope s that have not declared
// for a collection year. Once the window is over they count as employing
// none (RULES.md §4); LevyNotDeclared computes their levy.
func NotDeclared(ctx context.Context, q store.Querier, s area.Scope, year int) ([]Undeclared, error) {
	cond, args := s.Filter("e.area_code", 2)
	args = append([]any{year}, args...)
	args = append(args, string(Submitted), string(Verified), string(Issued))
	rows, err := q.QueryContext(ctx, `SELECT `+prefixed("e.", employerColumns)+`, COALESCE(d.id, '') FROM levy_employers e
		LEFT JOIN levy_declarations d ON d.employer_id = e.id AND d.year = $1
		WHERE `+cond+` AND (d.id IS NULL OR d.status NOT IN ($4, $5, $6)) ORDER BY e.name, e.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Undeclared
	for rows.Next() {
		var u Undeclared
		e := &u.Employer
		if err := rows.Scan(&e.ID, &e.CreditCode, &e.Name, &e.Address, &e.Contact, &e.Phone, &e.Kind, &e.AreaCode, &e.CreatedAt, &e.UpdatedAt, &e.Version, &u.DraftID); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// LevyNotDeclared computes the levy of a unit that did not declare in
// time: employing none. The staff and wage are those of its draft when
// it began one; ok is false when there are none (the tax office assesses
// the unit from its own records).
func LevyNotDeclared(ctx context.Context, q store.Querier, u Undeclared, set Settings) (Result, bool, error) {
	if u.DraftID == "" {
		return Result{}, false, nil
	}
	d, err := GetDeclaration(ctx, q, area.All(), u.DraftID)
	if err != nil {
		return Result{}, false, err
	}
	if d.StaffSum() == 0 || d.AvgWageFen == 0 {
		return Result{}, false, nil
	}
	in := Input{Year: d.Year, Ratio: set.Ratio, Headcounts: d.Headcounts, RoundStaff: set.RoundStaff, AvgWageFen: d.AvgWageFen,
		SocialAvgWageFen: set.SocialAvgWageFen, DoubleGrade: set.DoubleGrade, Reliefs: set.Reliefs, NotDeclared: true}
	return Calculate(in), true, nil
}

// Duplicate is a disabled employee declared by more than one employer
// for the same year.
type Duplicate struct {
	PersonID string           `json:"person_id"`
	Name     string           `json:"name"`
	IDNumber string           `json:"-"`
	Entries  []DuplicateEntry `json:"entries"`
	Months   int              `json:"months"` // months declared in all
}

// MaskedIDNumber hides the birth date.
func (d Duplicate) MaskedIDNumber() string {
	return registry.Person{IDNumber: d.IDNumber}.MaskedIDNumber()
}

// DuplicateEntry is one declaration that counts the person.
type DuplicateEntry struct {
	DeclarationID string `json:"declaration_id"`
	EmployerID    string `json:"employer_id"`
	EmployerName  string `json:"employer_name"` // "" for a unit outside the caller's scope
	Status        Status `json:"status"`
	Months        int    `json:"months"`
}

// Duplicates lists the persons declared by two or more employers for a
// collection year, where at least one of them lies inside scope s.
func Duplicates(ctx context.Context, q store.Querier, s area.Scope, year int) ([]Duplicate, error) {
	rows, err := q.QueryContext(ctx, `SELECT x.person_id, x.name, x.id_number, d.id, d.employer_id, e.name, d.area_code, d.status, x.months
		FROM levy_employees x JOIN levy_declarations d ON d.id = x.declaration_id JOIN levy_employers e ON e.id = d.employer_id
		WHERE x.year = $1 AND d.status IN ($2, $3, $4) AND x.person_id IN (
			SELECT y.person_id FROM levy_employees y JOIN levy_declarations o ON o.id = y.declaration_id
			WHERE y.year = $1 AND o.status IN ($2, $3, $4) GROUP BY y.person_id HAVING COUNT(DISTINCT y.declaration_id) > 1)
		ORDER BY x.name, x.person_id, e.name`, year, string(Submitted), string(Verified), string(Issued))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Duplicate
	inScope := map[string]bool{}
	for rows.Next() {
		var pid, name, idn, code string
		var en DuplicateEntry
		if err := rows.Scan(&pid, &name, &idn, &en.DeclarationID, &en.EmployerID, &en.EmployerName, &code, &en.Status, &en.Months); err != nil {
			return nil, err
		}
		if idn, err = registry.OpenIDNumber(idn); err != nil {
			return nil, err
		}
		if s.Contains(code) || s.IsAll() {
			inScope[pid] = true
		} else {
			en.EmployerName, en.DeclarationID, en.EmployerID = "", "", ""
		}
		if len(out) == 0 || out[len(out)-1].PersonID != pid {
			out = append(out, Duplicate{PersonID: pid, Name: name, IDNumber: idn})
		}
		last := &out[len(out)-1]
		last.Entries = append(last.Entries, en)
		last.Months += en.Months
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var kept []Duplicate
	for _, d := range out {
		if inScope[d.PersonID] {
			kept = append(kept, d)
		}
	}
	return kept, nil
}

// Stats are the quota-review figures of a collection year.
type Stats struct {
	Year             int   `json:"year"`
	Units            int   `json:"units"`             // employers registered
	Declared         int   `json:"declared"`          // declarations submitted, verified or issued
	Reviewed         int   `json:"reviewed"`          // verified or issued (units reviewed, 年审单位)
	Issued           int   `json:"issued"`            // results issued
	NotDeclared      int   `json:"not_declared"`      // units without a declaration that counts
	LevyDueFen       int64 `json:"levy_due_fen"`      // total levy due of the reviewed units
	DisabledEmployed int   `json:"disabled_employed"` // distinct disabled persons on reviewed declarations
	Flagged          int   `json:"flagged"`           // persons declared by two or more employers
}

// Figures returns the county-wide quota-review figures of a collection
// year (the federation's report).
func Figures(ctx context.Context, q store.Querier, year int) (Stats, error) {
	st := Stats{Year: year}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM levy_employers`).Scan(&st.Units); err != nil {
		return st, err
	}
	if err := q.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN status IN ($2, $3, $4) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status IN ($3, $4) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = $4 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status IN ($3, $4) THEN amount_fen ELSE 0 END), 0)
		FROM levy_declarations WHERE year = $1`, year, string(Submitted), string(Verified), string(Issued)).
		Scan(&st.Declared, &st.Reviewed, &st.Issued, &st.LevyDueFen); err != nil {
		return st, err
	}
	st.NotDeclared = st.Units - st.Declared
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT x.person_id) FROM levy_employees x JOIN levy_declarations d ON d.id = x.declaration_id
		WHERE x.year = $1 AND d.status IN ($2, $3)`, year, string(Verified), string(Issued)).Scan(&st.DisabledEmployed); err != nil {
		return st, err
	}
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT y.person_id FROM levy_employees y JOIN levy_declarations o ON o.id = y.declaration_id
		WHERE y.year = $1 AND o.status IN ($2, $3, $4) GROUP BY y.person_id HAVING COUNT(DISTINCT y.declaration_id) > 1) t`,
		year, string(Submitted), string(Verified), string(Issued)).Scan(&st.Flagged)
	return st, err
}

// OpenYear is the collection year whose review runs on today.
func OpenYear(today time.Time) int { return today.Year() }

// DeclarationsOf lists an employer's declarations inside scope s, the
// latest year first; employees are not loaded.
func DeclarationsOf(ctx context.Context, q store.Querier, s area.Scope, employerID string) ([]Declaration, error) {
	cond, args := s.Filter("area_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT `+declarationColumns+` FROM levy_declarations WHERE employer_id = $1 AND `+cond+` ORDER BY year DESC`,
		append([]any{employerID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Declaration
	for rows.Next() {
		d, err := scanDeclaration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LevyDue is the total levy due in yuan, for pages.
func (s Stats) LevyDue() string { return Yuan(s.LevyDueFen) }
