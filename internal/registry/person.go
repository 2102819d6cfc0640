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
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
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
`}, {
	// The person's circumstances, the columns search needs (reversed ID
	// number for "last 4–6 digits", pinyin initials, phones, expiry), the
	// components of a 多重 disability, the why/when/source of each history
	// entry and each user's saved filters. Sort indexes end in id, the
	// tie-break of keyset paging.
	Version: 2026112806,
	Name:    "person_details",
	SQL: `
ALTER TABLE persons ADD COLUMN residence_village_code TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN household_address TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN residence_address TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN guardian_name TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN guardian_relation TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN guardian_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN dibao BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE persons ADD COLUMN tekun BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE persons ADD COLUMN poverty_registered BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE persons ADD COLUMN education TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN employment TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN marital TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN medical_insurance BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE persons ADD COLUMN pension_insurance BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE persons ADD COLUMN certificate_issued_on TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN certificate_expires_on TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN name_initials TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN death_date TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN id_number_reversed TEXT NOT NULL DEFAULT '';
UPDATE persons SET id_number_reversed =
	substr(id_number, 18, 1) || substr(id_number, 17, 1) || substr(id_number, 16, 1) || substr(id_number, 15, 1) ||
	substr(id_number, 14, 1) || substr(id_number, 13, 1) || substr(id_number, 12, 1) || substr(id_number, 11, 1) ||
	substr(id_number, 10, 1) || substr(id_number, 9, 1) || substr(id_number, 8, 1) || substr(id_number, 7, 1) ||
	substr(id_number, 6, 1) || substr(id_number, 5, 1) || substr(id_number, 4, 1) || substr(id_number, 3, 1) ||
	substr(id_number, 2, 1) || substr(id_number, 1, 1);
DROP INDEX persons_name;
CREATE INDEX persons_name ON persons(name, id);
CREATE INDEX persons_id_reversed ON persons(id_number_reversed);
CREATE INDEX persons_initials ON persons(name_initials, id);
CREATE INDEX persons_phone ON persons(phone);
CREATE INDEX persons_guardian_phone ON persons(guardian_phone);
CREATE INDEX persons_birth ON persons(birth_date, id);
CREATE INDEX persons_village_id ON persons(village_code, id);
CREATE INDEX persons_expiry ON persons(certificate_expires_on);
CREATE TABLE person_components (
	person_id TEXT NOT NULL REFERENCES persons(id),
	category  INTEGER NOT NULL,               -- 1–6, a component of 多重
	grade     INTEGER NOT NULL,
	PRIMARY KEY (person_id, category)
);
ALTER TABLE person_history ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE person_history ADD COLUMN effective_date TEXT NOT NULL DEFAULT '';  -- YYYY-MM-DD the change took effect
ALTER TABLE person_history ADD COLUMN source TEXT NOT NULL DEFAULT '';          -- who reported it (公安, 民政, 家属…) or where to
CREATE TABLE saved_filters (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	name       TEXT NOT NULL,
	query      TEXT NOT NULL,                 -- the search's query string, read by ParseFilter
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX saved_filters_user ON saved_filters(user_id, name);
`}, backfillInitials, photoMigration, duplicateMigration, personCounts, sealedMigration, sealedIndexes}

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
var Statuses = []Status{StatusActive, StatusDeceased, StatusMovedOut, StatusCancelled, StatusMerged}

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

	Components           []Component `json:"components,omitempty"` // 多重 only
	ResidenceVillageCode string      `json:"residence_village_code"`
	HouseholdAddress     string      `json:"household_address"`
	ResidenceAddress     string      `json:"residence_address"`
	Phone                string      `json:"phone"` // digits only, see NormalizePhone
	GuardianName         string      `json:"guardian_name"`
	GuardianRelation     string      `json:"guardian_relation"`
	GuardianPhone        string      `json:"guardian_phone"`
	Dibao                bool        `json:"dibao"`              // 低保
	Tekun                bool        `json:"tekun"`              // 特困
	PovertyRegistered    bool        `json:"poverty_registered"` // 建档立卡/监测户
	Education            string      `json:"education"`
	Employment           string      `json:"employment"`
	Marital              string      `json:"marital"`
	MedicalInsurance     bool        `json:"medical_insurance"`
	PensionInsurance     bool        `json:"pension_insurance"`
	CertificateIssuedOn  string      `json:"certificate_issued_on"`  // YYYY-MM-DD or ""
	CertificateExpiresOn string      `json:"certificate_expires_on"` // last valid day, from the issue date
	NameInitials         string      `json:"name_initials"`          // pinyin initials, 张三丰 → zsf
	DeathDate            string      `json:"death_date"`             // YYYY-MM-DD when deceased
}

// Input returns the editable fields of a stored person, as a form or an
// import row gives them, so the two can be compared field by field.
func (p Person) Input() NewPerson {
	return NewPerson{
		IDNumber: p.IDNumber, Name: p.Name, VillageCode: p.VillageCode, Category: p.Category, Grade: p.Grade,
		Components: slices.Clone(p.Components), ResidenceVillageCode: p.ResidenceVillageCode,
		HouseholdAddress: p.HouseholdAddress, ResidenceAddress: p.ResidenceAddress,
		Phone: p.Phone, GuardianName: p.GuardianName, GuardianRelation: p.GuardianRelation, GuardianPhone: p.GuardianPhone,
		Dibao: p.Dibao, Tekun: p.Tekun, PovertyRegistered: p.PovertyRegistered,
		Education: p.Education, Employment: p.Employment, Marital: p.Marital,
		MedicalInsurance: p.MedicalInsurance, PensionInsurance: p.PensionInsurance,
		CertificateIssuedOn: p.CertificateIssuedOn,
	}
}

// Active reports whether the person is in the register (在册): only those
// appear in active lists and may be moved or re-graded.
func (p Person) Active() bool { return p.Status == StatusActive }

// CertificateExpired reports whether the card's validity has run out
// before day on (a person without an issue date has nothing to expire).
func (p Person) CertificateExpired(on time.Time) bool {
	return p.CertificateExpiresOn != "" && p.CertificateExpiresOn < on.Format(time.DateOnly)
}

// equal reports whether two stored states are the same; Person holds a
// slice, so == cannot tell.
func (p Person) equal(o Person) bool {
	if len(p.Components) == 0 && len(o.Components) == 0 {
		p.Components, o.Components = nil, nil
	}
	return reflect.DeepEqual(p, o)
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

// personColumns are the persons table's columns in the order of values
// and scanPerson. The hashes (blind indexes, see sealed.go) are written,
// never read; id_number_reversed is kept empty since the numbers were sealed.
const personColumns = `id, id_number, name, sex, birth_date, village_code, category, grade, certificate_no, status, created_at, updated_at, version, ` +
	`residence_village_code, household_address, residence_address, phone, guardian_name, guardian_relation, guardian_phone, ` +
	`dibao, tekun, poverty_registered, education, employment, marital, medical_insurance, pension_insurance, ` +
	`certificate_issued_on, certificate_expires_on, name_initials, death_date, ` +
	`id_hash, id_tail4, id_tail5, id_tail6, cert_hash, phone_hash, guardian_phone_hash`

const personColumnCount = 39

// selectColumns are the columns scanPerson reads.
const selectColumns = `id, id_number, name, sex, birth_date, village_code, category, grade, certificate_no, status, created_at, updated_at, version, ` +
	`residence_village_code, household_address, residence_address, phone, guardian_name, guardian_relation, guardian_phone, ` +
	`dibao, tekun, poverty_registered, education, employment, marital, medical_insurance, pension_insurance, ` +
	`certificate_issued_on, certificate_expires_on, name_initials, death_date`

// values are p's column values in personColumns order, the personal
// numbers sealed and their blind indexes beside them.
func (p *Person) values() []any {
	t4, t5, t6 := idTails(p.IDNumber)
	return []any{p.ID, crypt.Seal(KindIDNumber, p.IDNumber), p.Name, p.Sex, p.BirthDate, p.VillageCode, int(p.Category), int(p.Grade),
		crypt.Seal(KindCertificateNo, p.CertificateNo), string(p.Status), p.CreatedAt, p.UpdatedAt, p.Version,
		p.ResidenceVillageCode, p.HouseholdAddress, p.ResidenceAddress, crypt.Seal(KindPhone, p.Phone), p.GuardianName, p.GuardianRelation,
		crypt.Seal(KindPhone, p.GuardianPhone),
		p.Dibao, p.Tekun, p.PovertyRegistered, p.Education, p.Employment, p.Marital, p.MedicalInsurance, p.PensionInsurance,
		p.CertificateIssuedOn, p.CertificateExpiresOn, p.NameInitials, p.DeathDate,
		IDHash(p.IDNumber), t4, t5, t6, CertificateHash(p.CertificateNo), PhoneHash(p.Phone), PhoneHash(p.GuardianPhone)}
}

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.IDNumber, &p.Name, &p.Sex, &p.BirthDate, &p.VillageCode, &p.Category, &p.Grade,
		&p.CertificateNo, &p.Status, &p.CreatedAt, &p.UpdatedAt, &p.Version,
		&p.ResidenceVillageCode, &p.HouseholdAddress, &p.ResidenceAddress, &p.Phone, &p.GuardianName, &p.GuardianRelation, &p.GuardianPhone,
		&p.Dibao, &p.Tekun, &p.PovertyRegistered, &p.Education, &p.Employment, &p.Marital, &p.MedicalInsurance, &p.PensionInsurance,
		&p.CertificateIssuedOn, &p.CertificateExpiresOn, &p.NameInitials, &p.DeathDate)
	if err != nil {
		return p, err
	}
	err = crypt.OpenAll(KindIDNumber, &p.IDNumber, KindCertificateNo, &p.CertificateNo, KindPhone, &p.Phone, KindPhone, &p.GuardianPhone)
	return p, err
}

// Get returns one person inside scope s. A person outside the scope is
// reported exactly like a missing one, so nobody learns what lies elsewhere.
func Get(ctx context.Context, q store.Querier, s area.Scope, id string) (Person, error) {
	cond, args := s.Filter("village_code", 2)
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+selectColumns+` FROM persons WHERE id = $1 AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, store.ErrNotFound
	}
	if err != nil {
		return Person{}, err
	}
	ps := []Person{p}
	err = loadComponents(ctx, q, ps)
	return ps[0], err
}

// Names returns the names of the persons among ids registered inside
// scope s, by id, in one query: for lists that name many persons (an
// event's participants) without reading and opening each whole record.
// Ids outside s or unknown are absent.
func Names(ctx context.Context, q store.Querier, s area.Scope, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(ids)+2)
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	cond, sargs := s.Filter("village_code", len(ids)+1)
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM persons WHERE id IN (`+strings.Join(marks, ", ")+`) AND `+cond, append(args, sargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// GetByIDNumber returns the person with an ID number (normalised first)
// inside scope s, or store.ErrNotFound.
func GetByIDNumber(ctx context.Context, q store.Querier, s area.Scope, idNumber string) (Person, error) {
	n := NormalizeIDNumber(idNumber)
	if info, err := ParseIDNumber(n, certParseDay); err == nil {
		n = info.Number
	}
	var id string
	cond, args := s.Filter("village_code", 2)
	err := q.QueryRowContext(ctx, `SELECT id FROM persons WHERE id_hash = $1 AND `+cond, append([]any{IDHash(n)}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, store.ErrNotFound
	}
	if err != nil {
		return Person{}, err
	}
	return Get(ctx, q, s, id)
}

// CountByCategory counts the active (在册) persons inside scope s by
// category; total is their sum. It reads the maintained person_counts.
func CountByCategory(ctx context.Context, q store.Querier, s area.Scope) (map[Category]int, int, error) {
	cond, args := s.Filter("village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT category, SUM(n) FROM person_counts WHERE status = $1 AND `+cond+` GROUP BY category`,
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
	ActionView            = "person.view"   // a person's full record was read
	ActionUnmask          = "person.unmask" // full ID number and phones were shown
	ActionBulkLoad        = "person.bulk_load"
	ActionHistoryBulkLoad = "person_history.bulk_load"
	// ActionComponentBulkLoad loads the components of 多重 disabilities.
	ActionComponentBulkLoad = "person_component.bulk_load"
)

// Change names what a history entry records.
type Change string

// Changes.
const (
	ChangeCreate    Change = "create"    // 登记
	ChangeUpdate    Change = "update"    // 修改
	ChangeMove      Change = "move"      // 迁移（县内户籍变动）
	ChangeRegrade   Change = "regrade"   // 重新评定（变更类别、等级）
	ChangeDied      Change = "died"      // 死亡
	ChangeMovedOut  Change = "moved_out" // 迁出本县
	ChangeCancel    Change = "cancel"    // 注销
	ChangeReinstate Change = "reinstate" // 恢复
)

// EventKinds are the changes recorded with RecordEvent, in form order.
var EventKinds = []Change{ChangeMove, ChangeRegrade, ChangeDied, ChangeMovedOut, ChangeCancel, ChangeReinstate}

// HistoryEntry is one change of one person: the whole record before and
// after, as JSON of Person, and why, from when and on whose word.
type HistoryEntry struct {
	ID            string
	PersonID      string
	Seq           int
	At            string
	Actor         string
	Change        Change
	Before        string // "" for a creation
	After         string
	Reason        string
	EffectiveDate string // YYYY-MM-DD, "" when the change took effect when recorded
	Source        string // who reported a death, where a person moved to
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
	flag := func(b bool) string { return strconv.FormatBool(b) }
	add("person.name", before.Name, after.Name)
	add("person.village", before.VillageCode, after.VillageCode)
	add("person.category", strconv.Itoa(int(before.Category)), strconv.Itoa(int(after.Category)))
	add("person.grade", strconv.Itoa(int(before.Grade)), strconv.Itoa(int(after.Grade)))
	add("person.components", ComponentsText(before.Components), ComponentsText(after.Components))
	add("person.certificate_no", before.CertificateNo, after.CertificateNo)
	add("person.certificate_issued_on", before.CertificateIssuedOn, after.CertificateIssuedOn)
	add("person.status", string(before.Status), string(after.Status))
	add("person.death_date", before.DeathDate, after.DeathDate)
	add("person.residence_village", before.ResidenceVillageCode, after.ResidenceVillageCode)
	add("person.household_address", before.HouseholdAddress, after.HouseholdAddress)
	add("person.residence_address", before.ResidenceAddress, after.ResidenceAddress)
	add("person.phone", before.Phone, after.Phone)
	add("person.guardian_name", before.GuardianName, after.GuardianName)
	add("person.guardian_relation", before.GuardianRelation, after.GuardianRelation)
	add("person.guardian_phone", before.GuardianPhone, after.GuardianPhone)
	add("person.dibao", flag(before.Dibao), flag(after.Dibao))
	add("person.tekun", flag(before.Tekun), flag(after.Tekun))
	add("person.poverty_registered", flag(before.PovertyRegistered), flag(after.PovertyRegistered))
	add("person.education", before.Education, after.Education)
	add("person.employment", before.Employment, after.Employment)
	add("person.marital", before.Marital, after.Marital)
	add("person.medical_insurance", flag(before.MedicalInsurance), flag(after.MedicalInsurance))
	add("person.pension_insurance", flag(before.PensionInsurance), flag(after.PensionInsurance))
	return out
}

// ComponentsText writes components as stored codes, "2:3,4:2" (听力三级,
// 肢体二级), for comparing and for history.
func ComponentsText(cs []Component) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = strconv.Itoa(int(c.Category)) + ":" + strconv.Itoa(int(c.Grade))
	}
	return strings.Join(parts, ",")
}

// History returns the changes of a person inside scope s, newest first.
// A person outside the scope has no visible history.
func History(ctx context.Context, q store.Querier, s area.Scope, personID string) ([]HistoryEntry, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.person_id, h.seq, h.at, h.actor, h.change, h.before_json, h.after_json,
		h.reason, h.effective_date, h.source
		FROM person_history h JOIN persons p ON p.id = h.person_id
		WHERE h.person_id = $1 AND `+cond+` ORDER BY h.seq DESC`, append([]any{personID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.ID, &h.PersonID, &h.Seq, &h.At, &h.Actor, &h.Change, &h.Before, &h.After,
			&h.Reason, &h.EffectiveDate, &h.Source); err != nil {
			return nil, err
		}
		if err := crypt.OpenAll(KindHistory, &h.Before, KindHistory, &h.After); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// NewPerson is what registering a person takes; sex and birth date come
// from the ID number, the certificate number from ID, category and grade.
type NewPerson struct {
	IDNumber, Name, VillageCode string // VillageCode = household registration (户籍) village
	Category                    Category
	Grade                       Grade
	// Components are the categories of a 多重 disability with their
	// grades (Category must be Multiple; Grade is the most severe, see
	// MultipleGrade, and is filled in from them when 0).
	Components                                           []Component
	ResidenceVillageCode                                 string // 居住地村（社区）; "" = same as household
	HouseholdAddress, ResidenceAddress                   string
	Phone, GuardianName, GuardianRelation, GuardianPhone string
	Dibao, Tekun, PovertyRegistered                      bool   // 低保, 特困, 建档立卡/监测户
	Education                                            string // "", or one of Educations
	Employment                                           string // "", or one of Employments (RULES.md §7)
	Marital                                              string // "", or one of Maritals
	MedicalInsurance, PensionInsurance                   bool
	CertificateIssuedOn                                  string // YYYY-MM-DD; the card is valid 10 years (RULES.md §3)
}

// Code lists of the person's circumstances, in display order; the i18n
// keys are "person.education.<code>" and so on.
var (
	// Educations: 文化程度.
	Educations = []string{"none", "primary", "junior", "senior", "vocational", "college", "bachelor", "postgraduate"}
	// Employments: 就业形式 of RULES.md §7 (按比例, 集中, 个体, 公益岗,
	// 辅助性, 农村种养加, 灵活) and the two states of not being employed.
	Employments = []string{"quota", "centralised", "self_employed", "public_welfare", "auxiliary", "rural", "flexible", "unemployed", "not_working_age"}
	// Maritals: 婚姻状况.
	Maritals = []string{"unmarried", "married", "divorced", "widowed"}
)

// Limits of free-text fields, in characters.
const (
	MaxNameLength     = 50
	MaxAddressLength  = 200
	MaxRelationLength = 20
)

// CertificateValidYears is how long a card is valid (RULES.md §3).
const CertificateValidYears = 10

// certificateExpiry is the last valid day of a card issued on issued
// ("" when there is no issue date).
func certificateExpiry(issued string) string {
	t, err := time.Parse(time.DateOnly, issued)
	if err != nil {
		return ""
	}
	return t.AddDate(CertificateValidYears, 0, -1).Format(time.DateOnly)
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

// Create registers a person in tx: validated, written with its first
// history entry and audited, or refused with validate.Errors (a
// *DuplicateError when the ID number is taken) and nothing written. today is
// the day a birth date may not be after.
func Create(ctx context.Context, tx *store.Tx, s area.Scope, n NewPerson, today time.Time) (Person, error) {
	return CreateBecause(ctx, tx, s, n, "", today)
}

// CreateBecause is Create with the reason the registration's history entry
// shows, such as the certification application that issued the card.
func CreateBecause(ctx context.Context, tx *store.Tx, s area.Scope, n NewPerson, reason string, today time.Time) (Person, error) {
	var es validate.Errors
	info, err := ParseIDNumber(n.IDNumber, today)
	if err != nil {
		code := IDErrorCode(err)
		es.Add(0, "person.id_number", "person.error.id_"+code, idErrorArgs(code, NormalizeIDNumber(n.IDNumber))...)
	}
	birth := ""
	if err == nil {
		birth = info.BirthDate.Format(time.DateOnly)
	}
	n, err = checkPerson(ctx, tx, s, &es, n, birth, today)
	if err != nil {
		return Person{}, err
	}
	var dup *DuplicateError
	if info.Number != "" {
		var existingID, existingVillage string
		err := tx.QueryRowContext(ctx, `SELECT id, village_code FROM persons WHERE id_hash = $1`, IDHash(info.Number)).Scan(&existingID, &existingVillage)
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
		ID: store.NewID(), IDNumber: info.Number, Sex: info.Sex, BirthDate: birth,
		Status: StatusActive, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	p.apply(n)
	_, err = tx.ExecContext(ctx, `INSERT INTO persons (`+personColumns+`) VALUES (`+placeholders(personColumnCount)+`)`, p.values()...)
	if store.IsUniqueViolation(err) {
		// Registered by someone else since the check above (PostgreSQL
		// only: SQLite writers are serialised). The transaction is aborted,
		// so the existing id cannot be looked up here.
		return Person{}, &DuplicateError{Errors: validate.Errors{{Field: "person.id_number", Key: "person.error.duplicate"}}}
	}
	if err != nil {
		return Person{}, err
	}
	if err := saveComponents(ctx, tx, p.ID, nil, p.Components); err != nil {
		return Person{}, err
	}
	if err := addHistory(ctx, tx, p.ID, historyNote{Change: ChangeCreate, Reason: reason}, nil, &p); err != nil {
		return Person{}, err
	}
	return p, audit.Record(ctx, tx, audit.Entry{Action: ActionCreate, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode, After: p})
}

// apply copies the editable fields of n (already checked and normalised)
// onto p, with what follows from them: certificate number, expiry, initials.
func (p *Person) apply(n NewPerson) {
	p.Name, p.VillageCode, p.Category, p.Grade = n.Name, n.VillageCode, n.Category, n.Grade
	p.Components = n.Components
	p.ResidenceVillageCode, p.HouseholdAddress, p.ResidenceAddress = n.ResidenceVillageCode, n.HouseholdAddress, n.ResidenceAddress
	p.Phone, p.GuardianName, p.GuardianRelation, p.GuardianPhone = n.Phone, n.GuardianName, n.GuardianRelation, n.GuardianPhone
	p.Dibao, p.Tekun, p.PovertyRegistered = n.Dibao, n.Tekun, n.PovertyRegistered
	p.Education, p.Employment, p.Marital = n.Education, n.Employment, n.Marital
	p.MedicalInsurance, p.PensionInsurance = n.MedicalInsurance, n.PensionInsurance
	p.CertificateIssuedOn, p.CertificateExpiresOn = n.CertificateIssuedOn, certificateExpiry(n.CertificateIssuedOn)
	p.NameInitials = NameInitials(n.Name)
	// A lost card's reissue suffix (补领 B1…) survives an edit that keeps
	// category and grade.
	if base := CertificateNumber(p.IDNumber, p.Category, p.Grade); !strings.HasPrefix(p.CertificateNo, base) {
		p.CertificateNo = base
	}
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

// checkPerson validates and normalises the editable fields that Create and
// Update share, adding every problem to es; birth is the person's birth
// date ("" when unknown), before which no card is issued. Villages must be
// villages (not townships) inside the caller's scope.
func checkPerson(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, n NewPerson, birth string, today time.Time) (NewPerson, error) {
	n.Name = strings.TrimSpace(n.Name)
	if es.Required(0, "person.name", n.Name) && utf8.RuneCountInString(n.Name) > MaxNameLength {
		es.Add(0, "person.name", "person.error.name_long", MaxNameLength)
	}
	n.VillageCode = strings.TrimSpace(n.VillageCode)
	if es.Required(0, "person.village", n.VillageCode) {
		if err := checkVillage(ctx, q, s, es, "person.village", n.VillageCode); err != nil {
			return n, err
		}
	}
	n.ResidenceVillageCode = strings.TrimSpace(n.ResidenceVillageCode)
	if n.ResidenceVillageCode == n.VillageCode {
		n.ResidenceVillageCode = "" // the same village is kept as "same as household"
	}
	if n.ResidenceVillageCode != "" {
		if err := checkVillage(ctx, q, s, es, "person.residence_village", n.ResidenceVillageCode); err != nil {
			return n, err
		}
	}
	checkDisability(es, &n)
	for _, f := range []struct {
		field string
		v     *string
		max   int
	}{
		{"person.household_address", &n.HouseholdAddress, MaxAddressLength},
		{"person.residence_address", &n.ResidenceAddress, MaxAddressLength},
		{"person.guardian_name", &n.GuardianName, MaxNameLength},
		{"person.guardian_relation", &n.GuardianRelation, MaxRelationLength},
	} {
		*f.v = strings.TrimSpace(*f.v)
		if utf8.RuneCountInString(*f.v) > f.max {
			es.Add(0, f.field, "person.error.too_long", f.max)
		}
	}
	for _, f := range []struct {
		field string
		v     *string
	}{{"person.phone", &n.Phone}, {"person.guardian_phone", &n.GuardianPhone}} {
		raw := *f.v
		*f.v = NormalizePhone(raw)
		if *f.v != "" && !ValidPhone(*f.v) {
			es.Add(0, f.field, "person.error.phone", strings.TrimSpace(raw))
		}
	}
	for _, f := range []struct {
		field string
		v     *string
		codes []string
	}{
		{"person.education", &n.Education, Educations},
		{"person.employment", &n.Employment, Employments},
		{"person.marital", &n.Marital, Maritals},
	} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v != "" && !slices.Contains(f.codes, *f.v) {
			es.Add(0, f.field, "validate.choose")
		}
	}
	n.CertificateIssuedOn = strings.TrimSpace(n.CertificateIssuedOn)
	if n.CertificateIssuedOn != "" {
		checkDate(es, "person.certificate_issued_on", n.CertificateIssuedOn, birth, today)
	}
	return n, nil
}

// checkDate adds a problem unless v is a real YYYY-MM-DD day from notBefore
// ("" for no bound) to today.
func checkDate(es *validate.Errors, field, v, notBefore string, today time.Time) {
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil:
		es.Add(0, field, "person.error.date", v)
	case d.After(today):
		es.Add(0, field, "person.error.date_future")
	case notBefore != "" && v < notBefore:
		es.Add(0, field, "person.error.date_before_birth")
	}
}

// checkVillage adds a problem unless code is a village inside scope s.
func checkVillage(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, field, code string) error {
	a, err := area.Get(ctx, q, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		es.Add(0, field, "person.error.unknown_village", code)
	case err != nil:
		return err
	case a.Level != area.Village:
		es.Add(0, field, "person.error.not_village", a.Name)
	case !s.Contains(code):
		es.Add(0, field, "person.error.village_outside", a.Name)
	}
	return nil
}

// checkDisability checks category, grade and the components of a 多重
// disability, whose grade is that of the most severe component.
func checkDisability(es *validate.Errors, n *NewPerson) {
	if !n.Category.Valid() {
		es.Add(0, "person.category", "validate.choose")
	}
	if n.Category != Multiple {
		if len(n.Components) > 0 {
			es.Add(0, "person.components", "person.error.components_not_multiple")
		}
		n.Components = nil
		if !n.Grade.Valid() {
			es.Add(0, "person.grade", "validate.choose")
		}
		return
	}
	if len(n.Components) < 2 {
		es.Add(0, "person.components", "person.error.components_few")
	}
	seen := map[Category]bool{}
	for _, c := range n.Components {
		switch {
		case !c.Category.Valid() || c.Category == Multiple:
			es.Add(0, "person.components", "person.error.component_category")
		case seen[c.Category]:
			es.Add(0, "person.components", "person.error.component_twice", c.Category.ZH())
		case !c.Grade.Valid():
			es.Add(0, "person.components", "person.error.component_grade", c.Category.ZH())
		}
		seen[c.Category] = true
	}
	// Stored in category order, so equal sets compare equal.
	n.Components = slices.Clone(n.Components)
	slices.SortFunc(n.Components, func(a, b Component) int { return int(a.Category) - int(b.Category) })
	worst := MultipleGrade(n.Components)
	switch {
	case n.Grade == 0:
		n.Grade = worst
		if !worst.Valid() {
			es.Add(0, "person.grade", "validate.choose")
		}
	case !n.Grade.Valid():
		es.Add(0, "person.grade", "validate.choose")
	case worst.Valid() && n.Grade != worst:
		es.Add(0, "person.grade", "person.error.multiple_grade", worst.ZH())
	}
}

// saveComponents replaces the stored components of a 多重 person when they
// changed.
func saveComponents(ctx context.Context, tx *store.Tx, personID string, before, after []Component) error {
	if slices.Equal(before, after) {
		return nil
	}
	if len(before) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_components WHERE person_id = $1`, personID); err != nil {
			return err
		}
	}
	for _, c := range after {
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_components (person_id, category, grade) VALUES ($1, $2, $3)`,
			personID, int(c.Category), int(c.Grade)); err != nil {
			return err
		}
	}
	return nil
}

// loadComponents fills in the components of the 多重 persons in ps.
func loadComponents(ctx context.Context, q store.Querier, ps []Person) error {
	idx := map[string]int{}
	var args []any
	for i, p := range ps {
		if p.Category == Multiple {
			idx[p.ID] = i
			args = append(args, p.ID)
		}
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT person_id, category, grade FROM person_components WHERE person_id IN (`+
		placeholders(len(args))+`) ORDER BY person_id, category`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c Component
		if err := rows.Scan(&id, &c.Category, &c.Grade); err != nil {
			return err
		}
		p := &ps[idx[id]]
		p.Components = append(p.Components, c)
	}
	return rows.Err()
}

// placeholders is "$1,$2,…,$n".
func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

// historyNote is what a history entry says beyond before and after: the
// kind of change, why, from when, and on whose word.
type historyNote struct {
	Change        Change
	Reason        string
	EffectiveDate string
	Source        string
}

// addHistory appends a change to a person's history. The caller holds the
// person's row (just inserted or locked), so the next number is its own.
func addHistory(ctx context.Context, tx *store.Tx, personID string, n historyNote, before, after *Person) error {
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
	_, err = tx.ExecContext(ctx, `INSERT INTO person_history (id, person_id, seq, at, actor, change, before_json, after_json, reason, effective_date, source)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10 FROM person_history WHERE person_id = $2`,
		store.NewID(), personID, store.Now(), name, string(n.Change), crypt.Seal(KindHistory, string(b)), crypt.Seal(KindHistory, string(a)),
		n.Reason, n.EffectiveDate, n.Source)
	if err != nil {
		return fmt.Errorf("person history: %w", err)
	}
	return nil
}
