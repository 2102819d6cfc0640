package employ

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Form is a form of employment (就业形式). The forms are rows of
// emp_forms, so a county may add one without a release.
type Form struct {
	Code          string `json:"code"`
	NameZH        string `json:"name_zh"`
	NameEN        string `json:"name_en"`
	NeedsEmployer bool   `json:"needs_employer"`
}

// Name is the form's name in language l.
func (f Form) Name(l i18n.Lang) string {
	if l == i18n.EN {
		return f.NameEN
	}
	return f.NameZH
}

// The forms the code itself relies on.
const (
	FormPublicWelfare = "public_welfare" // 公益岗: the form of a post holding
)

// Forms lists the forms of employment in display order.
func Forms(ctx context.Context, q store.Querier) ([]Form, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, name_zh, name_en, needs_employer FROM emp_forms ORDER BY sort, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Form
	for rows.Next() {
		var f Form
		if err := rows.Scan(&f.Code, &f.NameZH, &f.NameEN, &f.NeedsEmployer); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func formOf(forms []Form, code string) (Form, bool) {
	for _, f := range forms {
		if f.Code == code {
			return f, true
		}
	}
	return Form{}, false
}

// ---- job-seeker profile (求职登记) ----

// Availabilities of a job seeker.
var Availabilities = []string{"full_time", "part_time", "home_only", "not_now"}

// Seeker is a person's job-seeker profile.
type Seeker struct {
	PersonID     string `json:"person_id"`
	Skills       string `json:"skills"`
	Direction    string `json:"direction"`     // 就业方向
	TrainingWish string `json:"training_wish"` // 培训意向
	Limits       string `json:"limits"`
	Availability string `json:"availability"`
	RegisteredOn string `json:"registered_on"`
	UpdatedAt    string `json:"updated_at"`
}

// GetSeeker returns a person's profile (store.ErrNotFound when the person
// has none or is outside the scope).
func GetSeeker(ctx context.Context, q store.Querier, s area.Scope, personID string) (Seeker, error) {
	cond, args := s.Filter("p.village_code", 2)
	var k Seeker
	err := q.QueryRowContext(ctx, `SELECT k.person_id, k.skills, k.direction, k.training_wish, k.limits, k.availability, k.registered_on, k.updated_at
		FROM emp_seekers k JOIN persons p ON p.id = k.person_id WHERE k.person_id = $1 AND `+cond, append([]any{personID}, args...)...).
		Scan(&k.PersonID, &k.Skills, &k.Direction, &k.TrainingWish, &k.Limits, &k.Availability, &k.RegisteredOn, &k.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Seeker{}, store.ErrNotFound
	}
	return k, err
}

// ActionSeeker is the audit action of a profile saved.
const ActionSeeker = "employ.seeker"

// SaveSeeker creates or replaces a person's profile. RegisteredOn "" is
// today on creation and unchanged after.
func SaveSeeker(ctx context.Context, tx *store.Tx, s area.Scope, k Seeker, today time.Time) (Seeker, error) {
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", k.PersonID, true)
	if err != nil {
		return k, err
	}
	k.Skills = text(&es, "employ.seeker.skills", k.Skills, false, MaxLong)
	k.Direction = text(&es, "employ.seeker.direction", k.Direction, false, MaxLong)
	k.TrainingWish = text(&es, "employ.seeker.training_wish", k.TrainingWish, false, MaxLong)
	k.Limits = text(&es, "employ.seeker.limits", k.Limits, false, MaxLong)
	if !contains(Availabilities, k.Availability) {
		es.Add(0, "employ.seeker.availability", "validate.choose")
	}
	k.RegisteredOn = date(&es, "employ.seeker.registered_on", k.RegisteredOn, false)
	future(&es, "employ.seeker.registered_on", k.RegisteredOn, today)
	if len(es) > 0 {
		return k, es
	}
	before, err := GetSeeker(ctx, tx, s, p.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return k, err
	}
	k.PersonID, k.UpdatedAt = p.ID, store.Now()
	if k.RegisteredOn == "" {
		k.RegisteredOn = ymd(today)
		if exists {
			k.RegisteredOn = before.RegisteredOn
		}
	}
	if exists {
		_, err = tx.ExecContext(ctx, `UPDATE emp_seekers SET skills = $2, direction = $3, training_wish = $4, limits = $5, availability = $6,
			registered_on = $7, updated_at = $8 WHERE person_id = $1`,
			k.PersonID, k.Skills, k.Direction, k.TrainingWish, k.Limits, k.Availability, k.RegisteredOn, k.UpdatedAt)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO emp_seekers (person_id, skills, direction, training_wish, limits, availability, registered_on, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`, k.PersonID, k.Skills, k.Direction, k.TrainingWish, k.Limits, k.Availability, k.RegisteredOn, k.UpdatedAt)
	}
	if err != nil {
		return k, err
	}
	var b any
	if exists {
		b = before
	}
	return k, audit.Record(ctx, tx, audit.Entry{Action: ActionSeeker, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode, Before: b, After: k})
}

// ---- employment records (就业登记) ----

// Record is one period of employment of a person.
type Record struct {
	ID            string `json:"id"`
	PersonID      string `json:"person_id"`
	Form          string `json:"form"`
	Employer      string `json:"employer"`
	PostID        string `json:"post_id,omitempty"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"` // "" while it lasts
	MonthlyIncome int64  `json:"monthly_income_fen"`
	Note          string `json:"note"`
	UpdatedAt     string `json:"updated_at"`

	// From the registry, for lists.
	Name        string `json:"name,omitempty"`
	IDNumber    string `json:"id_number,omitempty"` // masked
	VillageCode string `json:"village_code,omitempty"`
}

// Covers reports whether the record covers day (YYYY-MM-DD): the rule of
// "employed on day D".
func (r Record) Covers(day string) bool {
	return r.StartDate <= day && (r.EndDate == "" || r.EndDate >= day)
}

// Income is the monthly income in yuan, for pages.
func (r Record) Income() string { return Yuan(r.MonthlyIncome) }

const recordColumns = `r.id, r.person_id, r.form, r.employer, r.post_id, r.start_date, r.end_date, r.monthly_income, r.note, r.updated_at, p.name, p.id_number, p.village_code`

func scanRecord(row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	err := row.Scan(&r.ID, &r.PersonID, &r.Form, &r.Employer, &r.PostID, &r.StartDate, &r.EndDate, &r.MonthlyIncome, &r.Note, &r.UpdatedAt,
		&r.Name, &r.IDNumber, &r.VillageCode)
	if err != nil {
		return r, err
	}
	r.IDNumber, err = registry.MaskSealedIDNumber(r.IDNumber)
	return r, err
}

// coversSQL is the condition "covers day" on emp_records r with the day
// as argument $n.
func coversSQL(n int) string {
	d := "$" + strconv.Itoa(n)
	return "(r.start_date <= " + d + " AND (r.end_date = '' OR r.end_date >= " + d + "))"
}

// RecordFilter narrows a list of records. Zero values do not narrow.
type RecordFilter struct {
	PersonID string
	AreaCode string // a township or village inside the scope
	Form     string
	On       string // YYYY-MM-DD: only records covering this day (employed on D)
	// MinIncome keeps persons whose covering records together bring at
	// least this much a month (fen); needs On.
	MinIncome int64
	Query     string // beginning of a name, or an ID number
	Limit     int    // default 500, at most 5000
}

// ListRecords lists the records inside scope s matching f, newest first.
func ListRecords(ctx context.Context, q store.Querier, s area.Scope, f RecordFilter) ([]Record, error) {
	if f.AreaCode != "" {
		if !s.Contains(f.AreaCode) {
			return nil, nil
		}
		s = area.ScopeOf(f.AreaCode)
	}
	cond, args := s.Filter("p.village_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.PersonID != "" {
		conds = append(conds, "r.person_id = "+arg(f.PersonID))
	}
	if f.Form != "" {
		conds = append(conds, "r.form = "+arg(f.Form))
	}
	if f.On != "" {
		args = append(args, f.On)
		conds = append(conds, coversSQL(len(args)))
		if f.MinIncome > 0 {
			args = append(args, f.On)
			n := len(args)
			conds = append(conds, `r.person_id IN (SELECT x.person_id FROM emp_records x WHERE x.start_date <= $`+strconv.Itoa(n)+
				` AND (x.end_date = '' OR x.end_date >= $`+strconv.Itoa(n)+`) GROUP BY x.person_id HAVING SUM(x.monthly_income) >= `+arg(f.MinIncome)+`)`)
		}
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		if n := registry.NormalizeIDNumber(qs); len(n) == 18 {
			conds = append(conds, "p.id_hash = "+arg(registry.IDHash(n)))
		} else {
			// A prefix range on the name, as the registry's name index serves.
			conds = append(conds, "p.name >= "+arg(qs), "p.name < "+arg(qs+"\U0010FFFF"))
		}
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM emp_records r JOIN persons p ON p.id = r.person_id WHERE `+
		strings.Join(conds, " AND ")+` ORDER BY r.start_date DESC, r.id DESC LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRecord returns one record inside the scope.
func GetRecord(ctx context.Context, q store.Querier, s area.Scope, id string) (Record, error) {
	cond, args := s.Filter("p.village_code", 2)
	r, err := scanRecord(q.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM emp_records r JOIN persons p ON p.id = r.person_id WHERE r.id = $1 AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, store.ErrNotFound
	}
	return r, err
}

// Audit actions of records.
const (
	ActionRecordCreate = "employ.record.create"
	ActionRecordUpdate = "employ.record.update"
)

// checkRecord validates a record's own fields.
func checkRecord(ctx context.Context, q store.Querier, es *validate.Errors, r *Record) error {
	forms, err := Forms(ctx, q)
	if err != nil {
		return err
	}
	f, ok := formOf(forms, r.Form)
	if !ok {
		es.Add(0, "employ.record.form", "validate.choose")
	}
	r.Employer = text(es, "employ.record.employer", r.Employer, ok && f.NeedsEmployer, MaxShort)
	r.StartDate = date(es, "employ.record.start_date", r.StartDate, true)
	r.EndDate = date(es, "employ.record.end_date", r.EndDate, false)
	if r.EndDate != "" && validDate(r.StartDate) && r.EndDate < r.StartDate {
		es.Add(0, "employ.record.end_date", "employ.error.end_before_start")
	}
	money(es, "employ.record.monthly_income", r.MonthlyIncome, MaxMonthlyFen)
	r.Note = text(es, "employ.record.note", r.Note, false, MaxLong)
	return nil
}

// CreateRecord registers a period of employment of an active person in
// the scope. A public-welfare post is held with AssignPost, not here.
func CreateRecord(ctx context.Context, tx *store.Tx, s area.Scope, r Record, today time.Time) (Record, error) {
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", r.PersonID, true)
	if err != nil {
		return r, err
	}
	if err := checkRecord(ctx, tx, &es, &r); err != nil {
		return r, err
	}
	if r.Form == FormPublicWelfare {
		es.Add(0, "employ.record.form", "employ.error.use_post")
	}
	r.PostID = ""
	future(&es, "employ.record.start_date", r.StartDate, today)
	if len(es) > 0 {
		return r, es
	}
	r.ID, r.PersonID, r.UpdatedAt = store.NewID(), p.ID, store.Now()
	if err := insertRecord(ctx, tx, r); err != nil {
		return r, err
	}
	r.Name, r.IDNumber, r.VillageCode = p.Name, p.MaskedIDNumber(), p.VillageCode
	return r, audit.Record(ctx, tx, audit.Entry{Action: ActionRecordCreate, ObjectType: "emp_record", ObjectID: r.ID, AreaCode: p.VillageCode, After: r})
}

func insertRecord(ctx context.Context, tx *store.Tx, r Record) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO emp_records (id, person_id, form, employer, post_id, start_date, end_date, monthly_income, note, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)`, r.ID, r.PersonID, r.Form, r.Employer, r.PostID, r.StartDate, r.EndDate, r.MonthlyIncome, r.Note, r.UpdatedAt)
	return err
}

// UpdateRecord changes a record's form, employer, dates, income and note
// (the person and the post stay).
func UpdateRecord(ctx context.Context, tx *store.Tx, s area.Scope, r Record) (Record, error) {
	if ok, err := lockRow(ctx, tx, "emp_records", r.ID); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return r, err
	}
	before, err := GetRecord(ctx, tx, s, r.ID)
	if err != nil {
		return r, err
	}
	var es validate.Errors
	if err := checkRecord(ctx, tx, &es, &r); err != nil {
		return r, err
	}
	// A post holding stays a post holding, and nothing else becomes one.
	if (before.PostID != "") != (r.Form == FormPublicWelfare) {
		es.Add(0, "employ.record.form", "employ.error.use_post")
	}
	if len(es) > 0 {
		return r, es
	}
	if before.PostID != "" && r.EndDate == "" {
		if err := checkPostFree(ctx, tx, before.PostID, r.StartDate, r.ID); err != nil {
			return r, err
		}
	}
	r.PersonID, r.PostID, r.UpdatedAt = before.PersonID, before.PostID, store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE emp_records SET form = $2, employer = $3, start_date = $4, end_date = $5, monthly_income = $6, note = $7, updated_at = $8 WHERE id = $1`,
		r.ID, r.Form, r.Employer, r.StartDate, r.EndDate, r.MonthlyIncome, r.Note, r.UpdatedAt); err != nil {
		return r, err
	}
	r.Name, r.IDNumber, r.VillageCode = before.Name, before.IDNumber, before.VillageCode
	return r, audit.Record(ctx, tx, audit.Entry{Action: ActionRecordUpdate, ObjectType: "emp_record", ObjectID: r.ID, AreaCode: before.VillageCode, Before: before, After: r})
}

// EmployedOn reports whether a person (inside the scope) has a record
// covering day, and those records.
func EmployedOn(ctx context.Context, q store.Querier, s area.Scope, personID, day string) (bool, []Record, error) {
	rs, err := ListRecords(ctx, q, s, RecordFilter{PersonID: personID, On: day})
	return len(rs) > 0, rs, err
}

// ---- public-welfare posts (公益岗位) ----

// Post is a public-welfare post.
type Post struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	AreaCode   string `json:"area_code"`
	Sponsor    string `json:"sponsor"`
	MonthlyPay int64  `json:"monthly_pay_fen"`
	UpdatedAt  string `json:"updated_at"`
	// The holding covering the day asked for, if any.
	Holder *Record `json:"holder,omitempty"`
}

// Pay is the monthly pay in yuan, for pages.
func (p Post) Pay() string { return Yuan(p.MonthlyPay) }

const postColumns = `id, name, area_code, sponsor, monthly_pay, updated_at`

func scanPost(row interface{ Scan(...any) error }) (Post, error) {
	var p Post
	err := row.Scan(&p.ID, &p.Name, &p.AreaCode, &p.Sponsor, &p.MonthlyPay, &p.UpdatedAt)
	return p, err
}

// ListPosts lists the posts inside the scope with their holders on day.
func ListPosts(ctx context.Context, q store.Querier, s area.Scope, day string) ([]Post, error) {
	cond, args := s.Filter("area_code", 1)
	rows, err := q.QueryContext(ctx, `SELECT `+postColumns+` FROM emp_posts WHERE `+cond+` ORDER BY area_code, name, id`, args...)
	if err != nil {
		return nil, err
	}
	var out []Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Holders: the post holdings covering day, in one query.
	holders, err := ListRecords(ctx, q, area.All(), RecordFilter{Form: FormPublicWelfare, On: day, Limit: 5000})
	if err != nil {
		return nil, err
	}
	byPost := map[string]*Record{}
	for i := range holders {
		if h := holders[i]; h.PostID != "" && s.Contains(h.VillageCode) {
			byPost[h.PostID] = &holders[i]
		}
	}
	for i := range out {
		out[i].Holder = byPost[out[i].ID]
	}
	return out, nil
}

// GetPost returns one post inside the scope.
func GetPost(ctx context.Context, q store.Querier, s area.Scope, id string) (Post, error) {
	cond, args := s.Filter("area_code", 2)
	p, err := scanPost(q.QueryRowContext(ctx, `SELECT `+postColumns+` FROM emp_posts WHERE id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Post{}, store.ErrNotFound
	}
	return p, err
}

// ActionPost is the audit action of a post saved.
const ActionPost = "employ.post.save"

// SavePost creates (ID "") or changes a post.
func SavePost(ctx context.Context, tx *store.Tx, s area.Scope, p Post) (Post, error) {
	var before *Post
	if p.ID != "" {
		if _, err := lockRow(ctx, tx, "emp_posts", p.ID); err != nil {
			return p, err
		}
		b, err := GetPost(ctx, tx, s, p.ID)
		if err != nil {
			return p, err
		}
		before = &b
	}
	var es validate.Errors
	p.Name = text(&es, "employ.post.name", p.Name, true, MaxShort)
	p.Sponsor = text(&es, "employ.post.sponsor", p.Sponsor, true, MaxShort)
	if err := checkArea(ctx, tx, s, &es, "employ.post.area", p.AreaCode, false); err != nil {
		return p, err
	}
	money(&es, "employ.post.monthly_pay", p.MonthlyPay, MaxMonthlyFen)
	if len(es) > 0 {
		return p, es
	}
	p.UpdatedAt = store.Now()
	var err error
	if before == nil {
		p.ID = store.NewID()
		_, err = tx.ExecContext(ctx, `INSERT INTO emp_posts (id, name, area_code, sponsor, monthly_pay, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6)`,
			p.ID, p.Name, p.AreaCode, p.Sponsor, p.MonthlyPay, p.UpdatedAt)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE emp_posts SET name = $2, area_code = $3, sponsor = $4, monthly_pay = $5, updated_at = $6 WHERE id = $1`,
			p.ID, p.Name, p.AreaCode, p.Sponsor, p.MonthlyPay, p.UpdatedAt)
	}
	if err != nil {
		return p, err
	}
	var b any
	if before != nil {
		b = before
	}
	return p, audit.Record(ctx, tx, audit.Entry{Action: ActionPost, ObjectType: "emp_post", ObjectID: p.ID, AreaCode: p.AreaCode, Before: b, After: p})
}

// checkPostFree refuses a holding from day on when another holding of the
// post (not except) is open or runs past day: a post has one holder at a
// time.
func checkPostFree(ctx context.Context, tx *store.Tx, postID, day, except string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM emp_records WHERE post_id = $1 AND id <> $2 AND (end_date = '' OR end_date >= $3)`,
		postID, except, day).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return validate.Errors{{Field: "employ.post.holder", Key: "employ.error.post_taken"}}
	}
	return nil
}

// ActionPostAssign is the audit action of a post given to a person.
const ActionPostAssign = "employ.post.assign"

// AssignPost gives the post to a person from start: an employment record
// of form 公益岗 with the sponsor as employer and the post's pay as
// income. The post must be free from start on, and both the post and the
// person inside the scope.
func AssignPost(ctx context.Context, tx *store.Tx, s area.Scope, postID, personID, start string, today time.Time) (Record, error) {
	if _, err := lockRow(ctx, tx, "emp_posts", postID); err != nil {
		return Record{}, err
	}
	post, err := GetPost(ctx, tx, s, postID)
	if err != nil {
		return Record{}, err
	}
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", personID, true)
	if err != nil {
		return Record{}, err
	}
	start = date(&es, "employ.record.start_date", start, true)
	future(&es, "employ.record.start_date", start, today)
	if len(es) > 0 {
		return Record{}, es
	}
	if err := checkPostFree(ctx, tx, post.ID, start, ""); err != nil {
		return Record{}, err
	}
	r := Record{ID: store.NewID(), PersonID: p.ID, Form: FormPublicWelfare, Employer: post.Sponsor, PostID: post.ID,
		StartDate: start, MonthlyIncome: post.MonthlyPay, Note: post.Name, UpdatedAt: store.Now()}
	if err := insertRecord(ctx, tx, r); err != nil {
		return r, err
	}
	r.Name, r.IDNumber, r.VillageCode = p.Name, p.MaskedIDNumber(), p.VillageCode
	return r, audit.Record(ctx, tx, audit.Entry{Action: ActionPostAssign, ObjectType: "emp_post", ObjectID: post.ID, AreaCode: p.VillageCode, After: r})
}

// ActionRecordEnd is the audit action of a record ended.
const ActionRecordEnd = "employ.record.end"

// EndRecord ends an open record on day (a post holder leaving the post,
// a job lost).
func EndRecord(ctx context.Context, tx *store.Tx, s area.Scope, id, day string) (Record, error) {
	if ok, err := lockRow(ctx, tx, "emp_records", id); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return Record{}, err
	}
	r, err := GetRecord(ctx, tx, s, id)
	if err != nil {
		return r, err
	}
	if r.EndDate != "" {
		return r, refuse("employ.error.already_ended", r.EndDate)
	}
	var es validate.Errors
	day = date(&es, "employ.record.end_date", day, true)
	if validDate(day) && day < r.StartDate {
		es.Add(0, "employ.record.end_date", "employ.error.end_before_start")
	}
	if len(es) > 0 {
		return r, es
	}
	before := r
	r.EndDate, r.UpdatedAt = day, store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE emp_records SET end_date = $2, updated_at = $3 WHERE id = $1`, r.ID, r.EndDate, r.UpdatedAt); err != nil {
		return r, err
	}
	return r, audit.Record(ctx, tx, audit.Entry{Action: ActionRecordEnd, ObjectType: "emp_record", ObjectID: r.ID, AreaCode: r.VillageCode, Before: before, After: r})
}

// ActionLeave is the audit action of a person's open records ended
// because the person left the register.
const ActionLeave = "employ.leave"

// leave ends the open employment records and place work of a person
// taken off the register (death, moving away, cancellation), on the day it
// took effect, so the figures stop counting them and a post becomes free.
func leave(ctx context.Context, tx *store.Tx, p registry.Person) error {
	day := p.DeathDate
	if day == "" && len(p.UpdatedAt) >= 10 {
		day = p.UpdatedAt[:10]
	}
	if day == "" {
		day = ymd(time.Now())
	}
	res, err := tx.ExecContext(ctx, `UPDATE emp_records SET end_date = CASE WHEN start_date > $2 THEN start_date ELSE $2 END, updated_at = $3
		WHERE person_id = $1 AND end_date = ''`, p.ID, day, store.Now())
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	res, err = tx.ExecContext(ctx, `UPDATE emp_place_workers SET end_date = CASE WHEN start_date > $2 THEN start_date ELSE $2 END
		WHERE person_id = $1 AND end_date = ''`, p.ID, day)
	if err != nil {
		return err
	}
	m, _ := res.RowsAffected()
	if n+m == 0 {
		return nil
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionLeave, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode,
		Detail: strconv.FormatInt(n, 10) + " records, " + strconv.FormatInt(m, 10) + " place workers ended on " + day})
}

func init() { registry.OnLeave(leave) }
