// Package registry keeps the population base data (人口基础数据): one
// record per disabled person, with the full history of every change, limited
// to the caller's region scope in every query.
package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Migrations creates the person table and its history.
//
// The area index ends in status so the category summary of a region (active
// persons only) is answered from the index alone. person_history is unique on
// (person_id, seq): the sequence is per person and the unique index is the
// backstop against two writers numbering the same change.
var Migrations = []store.Migration{{
	Version: 2026112805,
	Name:    "persons",
	SQL: `
CREATE TABLE persons (
	id             TEXT PRIMARY KEY,          -- UUIDv7
	id_number      TEXT NOT NULL UNIQUE,      -- 居民身份证号, 18 characters, normalised
	name           TEXT NOT NULL,
	sex            INTEGER NOT NULL,          -- 1 male, 2 female (GB/T 2261.1), from the ID number
	birth_date     TEXT NOT NULL,             -- YYYY-MM-DD, from the ID number
	village_code   TEXT NOT NULL REFERENCES areas(code),
	category       INTEGER NOT NULL,          -- GB/T 26341-2010 category 1–7
	grade          INTEGER NOT NULL,          -- 1 (most severe) – 4
	certificate_no TEXT NOT NULL,             -- 残疾人证号; '' before certification
	status         TEXT NOT NULL,             -- active, deceased, moved_out, cancelled
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	version        INTEGER NOT NULL           -- 1 on creation, +1 on every change
);
CREATE INDEX persons_area ON persons(village_code, category, grade, status);
CREATE INDEX persons_name ON persons(name);
CREATE TABLE person_history (
	id          TEXT PRIMARY KEY,
	person_id   TEXT NOT NULL REFERENCES persons(id),
	seq         INTEGER NOT NULL,             -- 1, 2, … per person
	at          TEXT NOT NULL,
	actor       TEXT NOT NULL,
	change      TEXT NOT NULL,                -- create, update
	before_json TEXT NOT NULL,                -- '' for a creation
	after_json  TEXT NOT NULL
);
CREATE UNIQUE INDEX person_history_person ON person_history(person_id, seq);
`}}

// Status is where a person stands in the registry.
type Status string

// Statuses.
const (
	StatusActive    Status = "active"    // 在册
	StatusDeceased  Status = "deceased"  // 已故
	StatusMovedOut  Status = "moved_out" // 迁出
	StatusCancelled Status = "cancelled" // 注销
)

// Statuses in display order.
var Statuses = []Status{StatusActive, StatusDeceased, StatusMovedOut, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Categories and Grades in display order, for forms and summaries.
var (
	Categories = []Category{Vision, Hearing, Speech, Physical, Intellectual, Mental, Multiple}
	Grades     = []Grade{Grade1, Grade2, Grade3, Grade4}
)

// Person is one disabled person in the registry. The JSON form is what the
// API returns and what history and audit entries keep.
type Person struct {
	ID            string   `json:"id"`
	IDNumber      string   `json:"id_number"`
	Name          string   `json:"name"`
	Sex           int      `json:"sex"`        // SexMale or SexFemale
	BirthDate     string   `json:"birth_date"` // YYYY-MM-DD
	VillageCode   string   `json:"village_code"`
	Category      Category `json:"category"`
	Grade         Grade    `json:"grade"`
	CertificateNo string   `json:"certificate_no"`
	Status        Status   `json:"status"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
	Version       int      `json:"version"`
}

// Age is the age in full years (周岁) on the given day.
func (p Person) Age(on time.Time) int {
	b, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return 0
	}
	return IDInfo{BirthDate: b}.Age(on)
}

// MaskedIDNumber hides the birth date (341599********123X): lists are seen
// over shoulders and printed, so the full number appears only on the
// person's own page.
func (p Person) MaskedIDNumber() string { return maskBirthDate(p.IDNumber) }

// MaskedCertificateNo hides the birth date in the certificate number too,
// which carries the whole ID number.
func (p Person) MaskedCertificateNo() string { return maskBirthDate(p.CertificateNo) }

// maskBirthDate replaces positions 7–14 of an ID or certificate number.
func maskBirthDate(n string) string {
	if len(n) < 14 {
		return strings.Repeat("*", len(n))
	}
	return n[:6] + "********" + n[14:]
}

const personColumns = `id, id_number, name, sex, birth_date, village_code, category, grade, certificate_no, status, created_at, updated_at, version`

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.IDNumber, &p.Name, &p.Sex, &p.BirthDate, &p.VillageCode, &p.Category, &p.Grade,
		&p.CertificateNo, &p.Status, &p.CreatedAt, &p.UpdatedAt, &p.Version)
	return p, err
}

// Get returns one person inside scope s. A person outside the scope is
// reported exactly like a missing one, so nobody learns what lies elsewhere.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Person, error) {
	cond, args := s.Filter("village_code", 2)
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE id = $1 AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, store.ErrNotFound
	}
	return p, err
}

// Filter narrows a search of the registry. Zero values do not narrow.
type Filter struct {
	// Query is a name prefix, or an ID number or certificate number matched
	// exactly (told apart by a leading digit).
	Query string
	// AreaCode narrows to a township or village inside the scope; an area
	// not inside the scope gives no results.
	AreaCode string
	Category Category
	Grade    Grade
	AfterID  string // keyset page: persons with an id above this
	Limit    int    // default 50, at most 1000
}

// Search lists persons inside scope s matching f, in id order (which is
// creation order, ids being UUIDv7).
func Search(ctx context.Context, q store.Querier, s area.Scope, f Filter) ([]Person, error) {
	s, ok := narrow(s, f.AreaCode)
	if !ok {
		return nil, nil
	}
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	cond, sargs := s.Filter("village_code", 1)
	conds, args = append(conds, cond), append(args, sargs...)
	if query := strings.TrimSpace(f.Query); query != "" {
		idNumber, certNo, name := splitQuery(query)
		switch {
		case certNo != "":
			// The ID part finds the row through the unique index.
			conds = append(conds, "id_number = "+arg(idNumber), "certificate_no = "+arg(certNo))
		case idNumber != "":
			conds = append(conds, "id_number = "+arg(idNumber))
		default:
			// A range, not LIKE, so the name index serves it on both engines.
			conds = append(conds, "name >= "+arg(name), "name < "+arg(name+"\U0010FFFF"))
		}
	}
	if f.Category != 0 {
		conds = append(conds, "category = "+arg(int(f.Category)))
	}
	if f.Grade != 0 {
		conds = append(conds, "grade = "+arg(int(f.Grade)))
	}
	if f.AfterID != "" {
		conds = append(conds, "id > "+arg(f.AfterID))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	rows, err := q.QueryContext(ctx, `SELECT `+personColumns+` FROM persons WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY id LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// narrow returns the scope of code when it lies inside s (s itself when
// code is empty); ok is false when code is not a valid area inside s.
func narrow(s area.Scope, code string) (area.Scope, bool) {
	if code == "" {
		return s, true
	}
	if !area.ValidCode(code) || !s.Contains(code) {
		return s, false
	}
	return area.ScopeOf(code), true
}

// splitQuery tells what a search text is: a certificate number (20+
// characters: the ID number it starts with is returned too), an ID number
// (a legacy 15-digit one upgraded) or else a name prefix. Names do not start
// with a digit; numbers that fail their check are still matched as typed,
// and simply find nothing.
func splitQuery(q string) (idNumber, certNo, name string) {
	n := normalizeCertNumber(q)
	if n == "" || !idIsDigit(n[0]) {
		return "", "", q
	}
	if len(n) >= 20 {
		if id, _, _, _, err := ParseCertificateNumber(n); err == nil {
			return id, n, ""
		}
		return n[:18], n, ""
	}
	if info, err := ParseIDNumber(n, certParseDay); err == nil {
		return info.Number, "", ""
	}
	return n, "", ""
}

// CountByCategory counts the active (在册) persons inside scope s by
// category; total is their sum.
func CountByCategory(ctx context.Context, q store.Querier, s area.Scope) (map[Category]int, int, error) {
	cond, args := s.Filter("village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT category, COUNT(*) FROM persons WHERE status = $1 AND `+cond+` GROUP BY category`,
		append([]any{string(StatusActive)}, args...)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	counts := map[Category]int{}
	total := 0
	for rows.Next() {
		var c Category
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, 0, err
		}
		counts[c] = n
		total += n
	}
	return counts, total, rows.Err()
}

// Audit actions of the registry.
const (
	ActionCreate          = "person.create"
	ActionUpdate          = "person.update"
	ActionView            = "person.view" // a person's full record was read
	ActionBulkLoad        = "person.bulk_load"
	ActionHistoryBulkLoad = "person_history.bulk_load"
)

// Change names what a history entry records.
type Change string

// Changes.
const (
	ChangeCreate Change = "create" // 登记
	ChangeUpdate Change = "update" // 修改
)

// HistoryEntry is one change of one person: the whole record before and
// after, as JSON of Person.
type HistoryEntry struct {
	ID       string
	PersonID string
	Seq      int
	At       string
	Actor    string
	Change   Change
	Before   string // "" for a creation
	After    string
}

// FieldChange is one field that a history entry changed, with the stored
// values (category and grade as their codes, the village as its code).
type FieldChange struct {
	Field  string // i18n key of the field, e.g. "person.grade"
	Before string
	After  string
}

// Changes lists the fields that differ between Before and After; a
// creation lists none.
func (h HistoryEntry) Changes() []FieldChange {
	var before, after Person
	if h.Before == "" || json.Unmarshal([]byte(h.Before), &before) != nil || json.Unmarshal([]byte(h.After), &after) != nil {
		return nil
	}
	var out []FieldChange
	add := func(field, b, a string) {
		if b != a {
			out = append(out, FieldChange{Field: field, Before: b, After: a})
		}
	}
	add("person.name", before.Name, after.Name)
	add("person.village", before.VillageCode, after.VillageCode)
	add("person.category", strconv.Itoa(int(before.Category)), strconv.Itoa(int(after.Category)))
	add("person.grade", strconv.Itoa(int(before.Grade)), strconv.Itoa(int(after.Grade)))
	add("person.certificate_no", before.CertificateNo, after.CertificateNo)
	add("person.status", string(before.Status), string(after.Status))
	return out
}

// History returns the changes of a person inside scope s, newest first.
// A person outside the scope has no visible history.
func History(ctx context.Context, q store.Querier, s area.Scope, personID string) ([]HistoryEntry, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.person_id, h.seq, h.at, h.actor, h.change, h.before_json, h.after_json
		FROM person_history h JOIN persons p ON p.id = h.person_id
		WHERE h.person_id = $1 AND `+cond+` ORDER BY h.seq DESC`, append([]any{personID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.ID, &h.PersonID, &h.Seq, &h.At, &h.Actor, &h.Change, &h.Before, &h.After); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// NewPerson is what registering a person takes; sex and birth date come
// from the ID number, the certificate number from ID, category and grade.
type NewPerson struct {
	IDNumber    string
	Name        string
	VillageCode string
	Category    Category
	Grade       Grade
}

// DuplicateError refuses a person whose ID number is already registered.
// It carries the validation errors (errors.As finds them, with the field
// message "person.error.duplicate") and the existing person's id; InScope
// says whether the caller may open that person, so a page links to it only
// then.
type DuplicateError struct {
	ExistingID string
	InScope    bool
	Errors     validate.Errors
}

func (e *DuplicateError) Error() string { return e.Errors.Error() }

// Unwrap gives the validation errors to errors.As.
func (e *DuplicateError) Unwrap() error { return e.Errors }

// MaxNameLength is the longest name accepted, in characters.
const MaxNameLength = 50

// Create registers a person in tx: validated, written with its first
// history entry and audited, or refused with validate.Errors (a
// *DuplicateError when the ID number is taken) and nothing written. today is
// the day a birth date may not be after.
func Create(ctx context.Context, tx *store.Tx, s area.Scope, n NewPerson, today time.Time) (Person, error) {
	var es validate.Errors
	info, err := ParseIDNumber(n.IDNumber, today)
	if err != nil {
		code := IDErrorCode(err)
		es.Add(0, "person.id_number", "person.error.id_"+code, idErrorArgs(code, NormalizeIDNumber(n.IDNumber))...)
	}
	name := strings.TrimSpace(n.Name)
	if err := checkFields(ctx, tx, s, &es, name, n.VillageCode, n.Category, n.Grade); err != nil {
		return Person{}, err
	}
	var dup *DuplicateError
	if info.Number != "" {
		var existingID, existingVillage string
		err := tx.QueryRowContext(ctx, `SELECT id, village_code FROM persons WHERE id_number = $1`, info.Number).Scan(&existingID, &existingVillage)
		switch {
		case err == nil:
			es.Add(0, "person.id_number", "person.error.duplicate")
			dup = &DuplicateError{ExistingID: existingID, InScope: s.Contains(existingVillage)}
		case !errors.Is(err, sql.ErrNoRows):
			return Person{}, err
		}
	}
	if dup != nil {
		dup.Errors = es
		return Person{}, dup
	}
	if len(es) > 0 {
		return Person{}, es
	}
	now := store.Now()
	p := Person{
		ID: store.NewID(), IDNumber: info.Number, Name: name, Sex: info.Sex, BirthDate: info.BirthDate.Format(time.DateOnly),
		VillageCode: n.VillageCode, Category: n.Category, Grade: n.Grade,
		CertificateNo: CertificateNumber(info.Number, n.Category, n.Grade),
		Status:        StatusActive, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO persons (`+personColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		p.ID, p.IDNumber, p.Name, p.Sex, p.BirthDate, p.VillageCode, int(p.Category), int(p.Grade), p.CertificateNo,
		string(p.Status), p.CreatedAt, p.UpdatedAt, p.Version)
	if store.IsUniqueViolation(err) {
		// Registered by someone else since the check above (PostgreSQL
		// only: SQLite writers are serialised). The transaction is aborted,
		// so the existing id cannot be looked up here.
		return Person{}, &DuplicateError{Errors: validate.Errors{{Field: "person.id_number", Key: "person.error.duplicate"}}}
	}
	if err != nil {
		return Person{}, err
	}
	if err := addHistory(ctx, tx, p.ID, ChangeCreate, nil, &p); err != nil {
		return Person{}, err
	}
	return p, audit.Record(ctx, tx, audit.Entry{Action: ActionCreate, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode, After: p})
}

// idErrorArgs are the values the catalogue message of an ID number error
// shows; n is the normalised input, already past the checks before code.
func idErrorArgs(code, n string) []any {
	switch code {
	case IDErrLength:
		return []any{utf8.RuneCountInString(n)}
	case IDErrProvince:
		return []any{n[:2]}
	case IDErrBirth:
		if len(n) == 15 {
			return []any{"19" + n[6:12]}
		}
		return []any{n[6:14]}
	case IDErrCheck:
		return []any{string(IDCheckChar(n[:17])), n[17:]}
	}
	return nil
}

// checkFields validates what Create and Update share. The village must be
// a village (not a township) inside the caller's scope.
func checkFields(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, name, village string, c Category, g Grade) error {
	if es.Required(0, "person.name", name) && utf8.RuneCountInString(name) > MaxNameLength {
		es.Add(0, "person.name", "person.error.name_long", MaxNameLength)
	}
	if es.Required(0, "person.village", village) {
		a, err := area.Get(ctx, q, village)
		switch {
		case errors.Is(err, store.ErrNotFound):
			es.Add(0, "person.village", "person.error.unknown_village", village)
		case err != nil:
			return err
		case a.Level != area.Village:
			es.Add(0, "person.village", "person.error.not_village", a.Name)
		case !s.Contains(village):
			es.Add(0, "person.village", "person.error.village_outside", a.Name)
		}
	}
	if !c.Valid() {
		es.Add(0, "person.category", "validate.choose")
	}
	if !g.Valid() {
		es.Add(0, "person.grade", "validate.choose")
	}
	return nil
}

// UpdatePerson is what an edit may change. The ID number (and with it sex
// and birth date) is fixed once registered.
type UpdatePerson struct {
	Name        string
	VillageCode string
	Category    Category
	Grade       Grade
	Status      Status
}

// Update changes a person inside scope s in tx, keeping the person inside
// s, with a history entry and an audit entry holding before and after. A
// change of category or grade gives a new certificate number (the card is
// reissued after re-assessment, 变更). An edit that changes nothing writes
// nothing.
func Update(ctx context.Context, tx *store.Tx, s area.Scope, id string, u UpdatePerson) (Person, error) {
	// A write that changes nothing takes the row lock on PostgreSQL (SQLite
	// transactions already hold the database's), so the person cannot
	// change between the read below and the write.
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE persons SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Person{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Person{}, store.ErrNotFound
	}
	before, err := Get(ctx, tx, s, id)
	if err != nil {
		return Person{}, err
	}
	var es validate.Errors
	name := strings.TrimSpace(u.Name)
	if err := checkFields(ctx, tx, s, &es, name, u.VillageCode, u.Category, u.Grade); err != nil {
		return Person{}, err
	}
	if !u.Status.Valid() {
		es.Add(0, "person.status", "validate.choose")
	}
	if len(es) > 0 {
		return Person{}, es
	}
	after := before
	after.Name, after.VillageCode, after.Category, after.Grade, after.Status = name, u.VillageCode, u.Category, u.Grade, u.Status
	if after.CertificateNo != "" && (after.Category != before.Category || after.Grade != before.Grade) {
		after.CertificateNo = CertificateNumber(after.IDNumber, after.Category, after.Grade)
	}
	if after == before {
		return before, nil
	}
	after.UpdatedAt = store.Now()
	after.Version++
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET name = $2, village_code = $3, category = $4, grade = $5, certificate_no = $6,
		status = $7, updated_at = $8, version = $9 WHERE id = $1`,
		id, after.Name, after.VillageCode, int(after.Category), int(after.Grade), after.CertificateNo, string(after.Status), after.UpdatedAt, after.Version); err != nil {
		return Person{}, err
	}
	if err := addHistory(ctx, tx, id, ChangeUpdate, &before, &after); err != nil {
		return Person{}, err
	}
	return after, audit.Record(ctx, tx, audit.Entry{Action: ActionUpdate, ObjectType: "person", ObjectID: id, AreaCode: after.VillageCode,
		Before: before, After: after})
}

// addHistory appends a change to a person's history. The caller holds the
// person's row (just inserted or locked), so the next number is its own.
func addHistory(ctx context.Context, tx *store.Tx, personID string, c Change, before, after *Person) error {
	var b, a []byte
	var err error
	if before != nil {
		if b, err = json.Marshal(before); err != nil {
			return err
		}
	}
	if a, err = json.Marshal(after); err != nil {
		return err
	}
	actor := audit.ActorFrom(ctx)
	name := actor.Name
	if name == "" {
		name = actor.ID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO person_history (id, person_id, seq, at, actor, change, before_json, after_json)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7 FROM person_history WHERE person_id = $2`,
		store.NewID(), personID, store.Now(), name, string(c), string(b), string(a))
	if err != nil {
		return fmt.Errorf("person history: %w", err)
	}
	return nil
}
