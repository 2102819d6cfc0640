package levy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Channels a declaration is filed through.
const (
	ChannelOnline  = "online"  // the employer's own sign-in
	ChannelCounter = "counter" // a clerk at the counter
)

// DeclaredEmployee is one row of a declaration: a disabled employee
// matched to the registry.
type DeclaredEmployee struct {
	Seq           int               `json:"row"`
	PersonID      string            `json:"person_id"`
	IDNumber      string            `json:"id_number"`
	CertificateNo string            `json:"certificate_no"`
	Name          string            `json:"name"`
	Category      registry.Category `json:"category"`
	Grade         registry.Grade    `json:"grade"`
	Months        int               `json:"months"`
	Contract      bool              `json:"contract"`  // contract of at least one year
	Insurance     bool              `json:"insurance"` // social insurance paid
	MinWage       bool              `json:"min_wage"`  // paid at least the minimum wage
	// Flagged: another employer declared the same person for the year;
	// Others names them (only for levy staff, and only those in scope).
	Flagged bool     `json:"flagged"`
	Others  []string `json:"others,omitempty"`
}

// MaskedIDNumber hides the birth date, for lists.
func (e DeclaredEmployee) MaskedIDNumber() string {
	return registry.Person{IDNumber: e.IDNumber}.MaskedIDNumber()
}

// Declaration is one employer's annual review for a collection year.
type Declaration struct {
	ID           string             `json:"id"`
	EmployerID   string             `json:"employer_id"`
	Year         int                `json:"year"` // collection year; the figures are of Year − 1
	AreaCode     string             `json:"area_code"`
	Status       Status             `json:"status"`
	Channel      string             `json:"channel"`
	Headcounts   []int              `json:"headcounts"`
	AvgWageFen   int64              `json:"avg_wage_fen"`
	ReturnReason string             `json:"return_reason"`
	SubmittedAt  string             `json:"submitted_at"`
	VerifiedBy   string             `json:"verified_by"`
	VerifiedAt   string             `json:"verified_at"`
	IssuedOn     string             `json:"issued_on"`
	Result       StoredResult       `json:"result"`
	CreatedBy    string             `json:"created_by"`
	CreatedAt    string             `json:"created_at"`
	UpdatedAt    string             `json:"updated_at"`
	Version      int                `json:"version"`
	Employees    []DeclaredEmployee `json:"employees"`
}

// StoredResult is the levy as computed on verification, kept so the
// result never changes when settings do.
type StoredResult struct {
	Staff       string   `json:"staff"`
	Required    string   `json:"required"`
	Counted     string   `json:"counted"`
	ActualRatio string   `json:"actual_ratio_percent"`
	WageUsedFen int64    `json:"wage_used_fen"`
	AmountFen   int64    `json:"amount_fen"`
	Tier        Tier     `json:"tier"`
	Steps       []string `json:"steps"`
}

func storedOf(r Result) StoredResult {
	return StoredResult{Staff: Dec(r.Staff), Required: Dec(r.Required), Counted: Dec(r.Counted),
		ActualRatio: Dec(new(big.Rat).Mul(r.ActualRatio, hundred)), WageUsedFen: r.WageUsedFen, AmountFen: r.AmountFen, Tier: r.Tier, Steps: r.Steps}
}

// EmploymentYear is the year whose employment the declaration reports.
func (d Declaration) EmploymentYear() int { return d.Year - 1 }

// StaffSum is the sum of the monthly headcounts.
func (d Declaration) StaffSum() int {
	n := 0
	for _, h := range d.Headcounts {
		n += h
	}
	return n
}

// DeclarationInput is what filing or correcting a declaration takes.
type DeclarationInput struct {
	Headcounts []int // 12 monthly headcounts; a value that is not a number is given as -1
	AvgWage    string
	Employees  []EmployeeInput
}

// EmployeeInput is one disabled employee as declared.
type EmployeeInput struct {
	IDNumber, CertificateNo   string
	Months                    int // 1–12; -1 for what is not a number
	Contract, Insurance, Wage bool
}

// Filer says who files: the employer through its own sign-in, or a clerk
// at the counter.
type Filer struct {
	Perm auth.Perm // auth.PermLevyDeclare (the employer) or auth.PermLevyReview (a clerk)
}

// Employer reports whether the filer is the employer itself.
func (f Filer) Employer() bool { return f.Perm == auth.PermLevyDeclare }

// RefusedError is a move the rules do not allow now.
type RefusedError struct {
	Key  string
	Args []any
}

func (e *RefusedError) Error() string { return i18n.T(i18n.ZH, e.Key, e.Args...) }

// Text renders the refusal in language l.
func (e *RefusedError) Text(l i18n.Lang) string { return i18n.T(l, e.Key, e.Args...) }

func refused(key string, args ...any) error { return &RefusedError{Key: key, Args: args} }

const declarationColumns = `id, employer_id, year, area_code, status, channel, headcounts, avg_wage_fen, return_reason, submitted_at, verified_by, verified_at, issued_on,
	staff, required, counted, actual_ratio, wage_used_fen, amount_fen, tier, steps, created_by, created_at, updated_at, version`

func scanDeclaration(row interface{ Scan(...any) error }) (Declaration, error) {
	var d Declaration
	var heads, steps string
	err := row.Scan(&d.ID, &d.EmployerID, &d.Year, &d.AreaCode, &d.Status, &d.Channel, &heads, &d.AvgWageFen, &d.ReturnReason, &d.SubmittedAt,
		&d.VerifiedBy, &d.VerifiedAt, &d.IssuedOn, &d.Result.Staff, &d.Result.Required, &d.Result.Counted, &d.Result.ActualRatio,
		&d.Result.WageUsedFen, &d.Result.AmountFen, &d.Result.Tier, &steps, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt, &d.Version)
	if err != nil {
		return d, err
	}
	d.Headcounts = parseHeadcounts(heads)
	if steps != "" {
		if err := json.Unmarshal([]byte(steps), &d.Result.Steps); err != nil {
			return d, err
		}
	}
	return d, nil
}

func parseHeadcounts(s string) []int {
	out := make([]int, 12)
	for i, p := range strings.Split(s, ",") {
		if i < 12 {
			out[i], _ = strconv.Atoi(p)
		}
	}
	return out
}

func joinHeadcounts(hs []int) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = strconv.Itoa(h)
	}
	return strings.Join(parts, ",")
}

// GetDeclaration returns one declaration inside scope s with its
// employees (flags filled), or store.ErrNotFound.
func GetDeclaration(ctx context.Context, q store.Querier, s area.Scope, id string) (Declaration, error) {
	cond, args := s.Filter("area_code", 2)
	d, err := scanDeclaration(q.QueryRowContext(ctx, `SELECT `+declarationColumns+` FROM levy_declarations WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Declaration{}, store.ErrNotFound
	}
	if err != nil {
		return Declaration{}, err
	}
	return d, loadEmployees(ctx, q, s, &d)
}

// DeclarationFor returns an employer's declaration for a year, or
// store.ErrNotFound.
func DeclarationFor(ctx context.Context, q store.Querier, s area.Scope, employerID string, year int) (Declaration, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM levy_declarations WHERE employer_id = $1 AND year = $2`, employerID, year).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Declaration{}, store.ErrNotFound
	}
	if err != nil {
		return Declaration{}, err
	}
	return GetDeclaration(ctx, q, s, id)
}

func loadEmployees(ctx context.Context, q store.Querier, s area.Scope, d *Declaration) error {
	rows, err := q.QueryContext(ctx, `SELECT seq, person_id, id_number, certificate_no, name, category, grade, months, contract, insurance, min_wage
		FROM levy_employees WHERE declaration_id = $1 ORDER BY seq`, d.ID)
	if err != nil {
		return err
	}
	d.Employees = nil
	for rows.Next() {
		var e DeclaredEmployee
		if err := rows.Scan(&e.Seq, &e.PersonID, &e.IDNumber, &e.CertificateNo, &e.Name, &e.Category, &e.Grade, &e.Months, &e.Contract, &e.Insurance, &e.MinWage); err != nil {
			rows.Close()
			return err
		}
		if err := crypt.OpenAll(registry.KindIDNumber, &e.IDNumber, registry.KindCertificateNo, &e.CertificateNo); err != nil {
			rows.Close()
			return err
		}
		d.Employees = append(d.Employees, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Flags: the same person on another declaration of the year that counts
	// as declared.
	for i := range d.Employees {
		e := &d.Employees[i]
		others, err := q.QueryContext(ctx, `SELECT m.name, m.area_code FROM levy_employees x
			JOIN levy_declarations o ON o.id = x.declaration_id JOIN levy_employers m ON m.id = o.employer_id
			WHERE x.year = $1 AND x.person_id = $2 AND x.declaration_id <> $3 AND o.status IN ($4, $5, $6) ORDER BY m.name`,
			d.Year, e.PersonID, d.ID, string(Submitted), string(Verified), string(Issued))
		if err != nil {
			return err
		}
		for others.Next() {
			var name, code string
			if err := others.Scan(&name, &code); err != nil {
				others.Close()
				return err
			}
			e.Flagged = true
			if !s.IsAll() && !s.Contains(code) {
				name = "" // another unit outside the caller's scope stays unnamed
			}
			if name != "" {
				e.Others = append(e.Others, name)
			}
		}
		others.Close()
		if err := others.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Audit actions of declarations.
const (
	ActionDeclarationSave = "levy.declaration.save"
	ActionDeclarationMove = "levy.declaration." // + Action
)

// checkYear refuses a collection year a filer may not file for: the
// employer only the current year; a clerk any year up to the current one.
func checkYear(es *validate.Errors, f Filer, year int, today time.Time) {
	switch {
	case year < MinYear || year > today.Year():
		es.Add(0, "levy.year", "levy.error.year", MinYear, today.Year())
	case f.Employer() && year != today.Year():
		es.Add(0, "levy.year", "levy.error.year_own", today.Year())
	}
}

// SaveDeclaration files or corrects the draft declaration of an employer
// for a collection year: every figure checked, every employee matched to
// the registry by ID number and certificate number (refused, naming the
// row, when not found or the certificate is not valid), written with its
// rows and audited — or refused with nothing written. The employer files
// only inside the window; s is the caller's scope (area.All for the
// employer, whose link was checked by the caller).
func SaveDeclaration(ctx context.Context, tx *store.Tx, s area.Scope, f Filer, employerID string, year int, in DeclarationInput, today time.Time) (Declaration, error) {
	emp, err := GetEmployer(ctx, tx, s, employerID)
	if err != nil {
		return Declaration{}, err
	}
	var es validate.Errors
	checkYear(&es, f, year, today)
	if len(es) > 0 {
		return Declaration{}, es
	}
	set, err := LoadSettings(ctx, tx, year)
	if err != nil {
		return Declaration{}, err
	}
	if f.Employer() && !set.WindowOpen(today) {
		from, to := set.Window()
		return Declaration{}, refused("levy.error.window", from, to)
	}
	before, err := DeclarationFor(ctx, tx, s, emp.ID, year)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Declaration{}, err
	}
	if exists && !before.Status.Editable() {
		return Declaration{}, refused("levy.error.not_editable", i18n.T(i18n.ZH, "levy.status."+string(before.Status)))
	}
	d := before
	if !exists {
		channel := ChannelCounter
		if f.Employer() {
			channel = ChannelOnline
		}
		now := store.Now()
		d = Declaration{ID: store.NewID(), EmployerID: emp.ID, Year: year, Status: Draft, Channel: channel, Result: StoredResult{Tier: TierNotDecided},
			CreatedBy: audit.ActorFrom(ctx).ID, CreatedAt: now, Version: 0}
	}
	d.AreaCode = emp.AreaCode
	// Figures.
	if len(in.Headcounts) != 12 {
		es.Add(0, "levy.decl.headcounts", "levy.error.headcounts")
	} else {
		for i, h := range in.Headcounts {
			if h < 0 || h > 1000000 {
				es.Add(0, fmt.Sprintf("levy.month.%d", i+1), "levy.error.headcount")
			}
		}
	}
	wage, ok := ParseYuan(in.AvgWage)
	switch {
	case strings.TrimSpace(in.AvgWage) == "":
		es.Add(0, "levy.decl.avg_wage", "validate.required")
	case !ok:
		es.Add(0, "levy.decl.avg_wage", "levy.error.money")
	}
	rows, err := matchEmployees(ctx, tx, &es, in.Employees, year-1)
	if err != nil {
		return Declaration{}, err
	}
	if len(es) > 0 {
		return Declaration{}, es
	}
	d.Headcounts, d.AvgWageFen, d.Employees = slices.Clone(in.Headcounts), wage, rows
	d.UpdatedAt = store.Now()
	d.Version++
	if !exists {
		_, err = tx.ExecContext(ctx, `INSERT INTO levy_declarations (`+declarationColumns+`) VALUES
			($1, $2, $3, $4, $5, $6, $7, $8, '', '', '', '', '', '', '', '', '', 0, 0, $9, '', $10, $11, $12, $13)`,
			d.ID, d.EmployerID, d.Year, d.AreaCode, string(d.Status), d.Channel, joinHeadcounts(d.Headcounts), d.AvgWageFen, string(TierNotDecided),
			d.CreatedBy, d.CreatedAt, d.UpdatedAt, d.Version)
		if store.IsUniqueViolation(err) {
			return Declaration{}, refused("levy.error.conflict")
		}
	} else {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `UPDATE levy_declarations SET area_code = $2, headcounts = $3, avg_wage_fen = $4, updated_at = $5, version = $6
			WHERE id = $1 AND version = $7 AND status = $8`,
			d.ID, d.AreaCode, joinHeadcounts(d.Headcounts), d.AvgWageFen, d.UpdatedAt, d.Version, before.Version, string(Draft))
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return Declaration{}, refused("levy.error.conflict")
			}
		}
	}
	if err != nil {
		return Declaration{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM levy_employees WHERE declaration_id = $1`, d.ID); err != nil {
		return Declaration{}, err
	}
	for _, e := range d.Employees {
		if _, err := tx.ExecContext(ctx, `INSERT INTO levy_employees (declaration_id, seq, year, person_id, id_number, certificate_no, name, category, grade,
			months, contract, insurance, min_wage) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			d.ID, e.Seq, d.Year, e.PersonID, crypt.Seal(registry.KindIDNumber, e.IDNumber), crypt.Seal(registry.KindCertificateNo, e.CertificateNo), e.Name, int(e.Category), int(e.Grade), e.Months, e.Contract, e.Insurance, e.MinWage); err != nil {
			return Declaration{}, err
		}
	}
	var beforeView any
	if exists {
		beforeView = auditView(before)
	}
	return d, audit.Record(ctx, tx, audit.Entry{Action: ActionDeclarationSave, ObjectType: "levy_declaration", ObjectID: d.ID, AreaCode: d.AreaCode,
		Before: beforeView, After: auditView(d)})
}

// auditView is what the log keeps of a declaration: figures and masked
// employees (the full numbers stay in the tables).
func auditView(d Declaration) map[string]any {
	emps := make([]string, len(d.Employees))
	for i, e := range d.Employees {
		emps[i] = fmt.Sprintf("%s %s %d级 %d个月", e.Name, e.MaskedIDNumber(), e.Grade, e.Months)
	}
	return map[string]any{"employer_id": d.EmployerID, "year": d.Year, "status": d.Status, "headcounts": d.Headcounts,
		"avg_wage_fen": d.AvgWageFen, "employees": emps, "amount_fen": d.Result.AmountFen, "tier": d.Result.Tier}
}

// matchEmployees checks every declared row against the registry. Rows
// are numbered from 1 as the form shows them. The registry is searched
// county-wide (the employee's home is not the employer's township); both
// the ID number and the certificate number must match, so the lookup
// reveals nothing the employer does not already hold.
func matchEmployees(ctx context.Context, q store.Querier, es *validate.Errors, in []EmployeeInput, empYear int) ([]DeclaredEmployee, error) {
	var out []DeclaredEmployee
	seen := map[string]int{}
	yearStart := fmt.Sprintf("%04d-01-01", empYear)
	yearEnd := fmt.Sprintf("%04d-12-31", empYear)
	for i, e := range in {
		row := i + 1
		idn := registry.NormalizeIDNumber(e.IDNumber)
		cert := strings.ToUpper(strings.TrimSpace(e.CertificateNo))
		if idn == "" && cert == "" {
			continue // an empty row of the form
		}
		bad := false
		if e.Months < 1 || e.Months > 12 {
			es.Add(row, "levy.emp.months", "levy.error.months")
			bad = true
		}
		if idn == "" {
			es.Add(row, "levy.emp.id_number", "validate.required")
			continue
		}
		if cert == "" {
			es.Add(row, "levy.emp.certificate_no", "validate.required")
			continue
		}
		p, err := registry.GetByIDNumber(ctx, q, area.All(), idn)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(row, "levy.emp.id_number", "levy.error.not_in_registry", idn)
			continue
		}
		if err != nil {
			return nil, err
		}
		if first, dup := seen[p.ID]; dup {
			es.Add(row, "levy.emp.id_number", "levy.error.duplicate_row", first)
			continue
		}
		seen[p.ID] = row
		switch {
		case p.CertificateNo == "" || !strings.EqualFold(p.CertificateNo, cert):
			es.Add(row, "levy.emp.certificate_no", "levy.error.certificate_mismatch")
			bad = true
		case p.Status == registry.StatusCancelled || p.Status == registry.StatusMerged:
			es.Add(row, "levy.emp.certificate_no", "levy.error.certificate_cancelled")
			bad = true
		case p.CertificateExpiresOn != "" && p.CertificateExpiresOn < yearStart:
			es.Add(row, "levy.emp.certificate_no", "levy.error.certificate_expired", p.CertificateExpiresOn)
			bad = true
		case p.CertificateIssuedOn != "" && p.CertificateIssuedOn > yearEnd:
			es.Add(row, "levy.emp.certificate_no", "levy.error.certificate_later", p.CertificateIssuedOn, empYear)
			bad = true
		}
		if bad {
			continue
		}
		out = append(out, DeclaredEmployee{Seq: len(out) + 1, PersonID: p.ID, IDNumber: p.IDNumber, CertificateNo: p.CertificateNo, Name: p.Name,
			Category: p.Category, Grade: p.Grade, Months: e.Months, Contract: e.Contract, Insurance: e.Insurance, MinWage: e.Wage})
	}
	return out, nil
}

// Compute runs the calculation for a declaration with the settings of its
// year (the verified result is stored; this also previews a draft).
// birth gives each employee's birth date for the working-age rule.
func Compute(ctx context.Context, q store.Querier, d Declaration, set Settings) (Result, error) {
	in := Input{Year: d.Year, Ratio: set.Ratio, Headcounts: d.Headcounts, RoundStaff: set.RoundStaff, AvgWageFen: d.AvgWageFen,
		SocialAvgWageFen: set.SocialAvgWageFen, DoubleGrade: set.DoubleGrade, Reliefs: set.Reliefs}
	if len(in.Headcounts) != 12 {
		in.Headcounts = make([]int, 12)
	}
	empYear := d.EmploymentYear()
	for _, e := range d.Employees {
		var birth string
		if err := q.QueryRowContext(ctx, `SELECT birth_date FROM persons WHERE id = $1`, e.PersonID).Scan(&birth); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Result{}, err
		}
		in.Employees = append(in.Employees, Employee{Key: e.PersonID, Label: fmt.Sprintf("第 %d 行 %s（%s%s）", e.Seq, e.Name, e.Category.ZH(), e.Grade.ZH()),
			Grade: int(e.Grade), Months: e.Months, NotCounted: notCounted(e, birth, empYear, set)})
	}
	return Calculate(in), nil
}

// notCounted applies the qualifying rule (Default, settings): why an
// employee does not count, in Chinese, or "".
func notCounted(e DeclaredEmployee, birth string, empYear int, set Settings) string {
	var why []string
	if set.QualifyWorkingAge {
		if b, err := time.Parse(time.DateOnly, birth); err == nil {
			end := time.Date(empYear, 12, 31, 0, 0, 0, 0, time.UTC)
			start := time.Date(empYear, 1, 1, 0, 0, 0, 0, time.UTC)
			if ageOn(b, end) < set.WorkingAgeMin || ageOn(b, start) >= set.WorkingAgeMax {
				why = append(why, fmt.Sprintf("不在劳动年龄（%d–%d 周岁）内", set.WorkingAgeMin, set.WorkingAgeMax-1))
			}
		}
	}
	if set.QualifyContract && !e.Contract {
		why = append(why, "未签订一年以上劳动合同")
	}
	if set.QualifyInsurance && !e.Insurance {
		why = append(why, "未足额缴纳社会保险")
	}
	if set.QualifyMinWage && !e.MinWage {
		why = append(why, "工资低于当地最低工资标准")
	}
	return strings.Join(why, "；")
}

func ageOn(birth, on time.Time) int {
	age := on.Year() - birth.Year()
	if on.Month() < birth.Month() || (on.Month() == birth.Month() && on.Day() < birth.Day()) {
		age--
	}
	return age
}

// Advance carries out an action on a declaration inside scope s by a
// holder of perm: the table allows it, the guards of the case hold (the
// window for a submission, a reason for a return, the social average wage
// for a verification), it is written and audited in tx — or refused and
// nothing is written.
func Advance(ctx context.Context, tx *store.Tx, s area.Scope, perm auth.Perm, id string, a Action, reason string, today time.Time) (Declaration, error) {
	d, err := GetDeclaration(ctx, tx, s, id)
	if err != nil {
		return Declaration{}, err
	}
	tr, ok := Next(d.Status, a, perm)
	if !ok {
		return Declaration{}, refused("levy.error.refused", i18n.T(i18n.ZH, "levy.status."+string(d.Status)), i18n.T(i18n.ZH, "levy.action."+string(a)))
	}
	set, err := LoadSettings(ctx, tx, d.Year)
	if err != nil {
		return Declaration{}, err
	}
	before := d
	now := store.Now()
	reason = strings.TrimSpace(reason)
	switch a {
	case ActSubmit:
		// The window binds the employer, and a clerk filing a new case at
		// the counter; a declaration the clerk returned may be handed in
		// again after it, or the return would shut the unit out.
		if !set.WindowOpen(today) && (perm == auth.PermLevyDeclare || d.ReturnReason == "") {
			from, to := set.Window()
			return Declaration{}, refused("levy.error.window", from, to)
		}
		if d.StaffSum() == 0 {
			return Declaration{}, validate.Errors{{Field: "levy.decl.headcounts", Key: "levy.error.no_staff"}}
		}
		if d.AvgWageFen <= 0 {
			return Declaration{}, validate.Errors{{Field: "levy.decl.avg_wage", Key: "levy.error.money"}}
		}
		d.SubmittedAt = now
	case ActReturn:
		if reason == "" {
			return Declaration{}, validate.Errors{{Field: "levy.decl.return_reason", Key: "validate.required"}}
		}
		if len([]rune(reason)) > MaxReasonLength {
			return Declaration{}, validate.Errors{{Field: "levy.decl.return_reason", Key: "levy.error.too_long", Args: []any{MaxReasonLength}}}
		}
		d.ReturnReason, d.VerifiedBy, d.VerifiedAt = reason, "", ""
		d.Result = StoredResult{Tier: TierNotDecided}
	case ActVerify:
		if set.SocialAvgWageFen <= 0 {
			return Declaration{}, refused("levy.error.no_social_wage", d.Year)
		}
		r, err := Compute(ctx, tx, d, set)
		if err != nil {
			return Declaration{}, err
		}
		d.Result = storedOf(r)
		d.VerifiedBy, d.VerifiedAt = audit.ActorFrom(ctx).ID, now
	case ActIssue:
		d.IssuedOn = today.Format(time.DateOnly)
	}
	d.Status, d.UpdatedAt, d.Version = tr.To, now, d.Version+1
	steps, _ := json.Marshal(d.Result.Steps)
	if d.Result.Steps == nil {
		steps = []byte("")
	}
	res, err := tx.ExecContext(ctx, `UPDATE levy_declarations SET status = $2, return_reason = $3, submitted_at = $4, verified_by = $5, verified_at = $6,
		issued_on = $7, staff = $8, required = $9, counted = $10, actual_ratio = $11, wage_used_fen = $12, amount_fen = $13, tier = $14, steps = $15,
		updated_at = $16, version = $17 WHERE id = $1 AND version = $18`,
		d.ID, string(d.Status), d.ReturnReason, d.SubmittedAt, d.VerifiedBy, d.VerifiedAt, d.IssuedOn, d.Result.Staff, d.Result.Required, d.Result.Counted,
		d.Result.ActualRatio, d.Result.WageUsedFen, d.Result.AmountFen, string(d.Result.Tier), string(steps), d.UpdatedAt, d.Version, before.Version)
	if err != nil {
		return Declaration{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Declaration{}, refused("levy.error.conflict")
	}
	return d, audit.Record(ctx, tx, audit.Entry{Action: ActionDeclarationMove + string(a), ObjectType: "levy_declaration", ObjectID: d.ID, AreaCode: d.AreaCode,
		Before: map[string]any{"status": before.Status}, After: map[string]any{"status": d.Status, "amount_fen": d.Result.AmountFen, "tier": d.Result.Tier},
		Detail: reason})
}

// Amount is the amount due in yuan, for pages.
func (r StoredResult) Amount() string { return Yuan(r.AmountFen) }

// WageUsed is the average wage the calculation used, in yuan.
func (r StoredResult) WageUsed() string { return Yuan(r.WageUsedFen) }

// Amount is the amount due in yuan, for pages.
func (r Result) Amount() string { return Yuan(r.AmountFen) }

// AvgWage is the declared average wage in yuan.
func (d Declaration) AvgWage() string { return Yuan(d.AvgWageFen) }
