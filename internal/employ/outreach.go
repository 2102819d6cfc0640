package employ

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// ---- campaigns (就业援助月) and promotion events (宣传推介) ----

// Campaign kinds.
const (
	CampaignAidMonth  = "aid_month" // 就业援助月
	CampaignPromotion = "promotion" // 宣传推介
)

// CampaignKinds in display order.
var CampaignKinds = []string{CampaignAidMonth, CampaignPromotion}

// MaxCount bounds a head count typed in.
const MaxCount = 1_000_000

// Campaign is a campaign or promotion event.
type Campaign struct {
	ID               string `json:"id"`
	Kind             string `json:"kind"`
	Name             string `json:"name"`
	AreaCode         string `json:"area_code"`
	Place            string `json:"place"`
	StartDate        string `json:"start_date"`
	EndDate          string `json:"end_date"`
	ReachedCount     int    `json:"reached_count"`     // reached, not named
	SuggestionsCount int    `json:"suggestions_count"` // collected, not written down one by one
	UpdatedAt        string `json:"updated_at"`

	NamedPersons    int `json:"named_persons"`    // registry persons reached
	SuggestionTexts int `json:"suggestion_texts"` // suggestions written down
}

// Reach is everyone the event reached: the named persons and the head count.
func (c Campaign) Reach() int { return c.NamedPersons + c.ReachedCount }

// Suggestions is every suggestion collected.
func (c Campaign) Suggestions() int { return c.SuggestionTexts + c.SuggestionsCount }

// Suggestion is one suggestion written down.
type Suggestion struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	CreatedAt string `json:"created_at"`
}

const campaignColumns = `c.id, c.kind, c.name, c.area_code, c.place, c.start_date, c.end_date, c.reached_count, c.suggestions_count, c.updated_at,
	(SELECT COUNT(*) FROM emp_campaign_persons x WHERE x.campaign_id = c.id),
	(SELECT COUNT(*) FROM emp_suggestions x WHERE x.campaign_id = c.id)`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.AreaCode, &c.Place, &c.StartDate, &c.EndDate, &c.ReachedCount, &c.SuggestionsCount, &c.UpdatedAt,
		&c.NamedPersons, &c.SuggestionTexts)
	return c, err
}

// ListCampaigns lists the campaigns visible in the scope (held inside it
// or by the county above), newest first; from/to narrow to those that
// began in the period.
func ListCampaigns(ctx context.Context, q store.Querier, s area.Scope, from, to string) ([]Campaign, error) {
	cond, args := visible(s, "c.area_code", 1)
	if from != "" {
		args = append(args, from)
		cond += " AND c.start_date >= $" + strconv.Itoa(len(args))
	}
	if to != "" {
		args = append(args, to)
		cond += " AND c.start_date <= $" + strconv.Itoa(len(args))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+campaignColumns+` FROM emp_campaigns c WHERE `+cond+` ORDER BY c.start_date DESC, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetCampaign returns one campaign visible in the scope.
func GetCampaign(ctx context.Context, q store.Querier, s area.Scope, id string) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM emp_campaigns c WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !canSee(s, c.AreaCode)) {
		return Campaign{}, store.ErrNotFound
	}
	return c, err
}

// Audit actions of campaigns.
const (
	ActionCampaignSave       = "employ.campaign.save"
	ActionCampaignPerson     = "employ.campaign.person"
	ActionCampaignSuggestion = "employ.campaign.suggestion"
)

// SaveCampaign creates (ID "") or changes a campaign held in the scope.
func SaveCampaign(ctx context.Context, tx *store.Tx, s area.Scope, c Campaign) (Campaign, error) {
	var before *Campaign
	if c.ID != "" {
		if _, err := lockRow(ctx, tx, "emp_campaigns", c.ID); err != nil {
			return c, err
		}
		b, err := GetCampaign(ctx, tx, s, c.ID)
		if err != nil {
			return c, err
		}
		if !s.Contains(b.AreaCode) {
			return c, refuse("employ.error.campaign_not_yours")
		}
		before = &b
	}
	var es validate.Errors
	if !contains(CampaignKinds, c.Kind) {
		es.Add(0, "employ.campaign.kind", "validate.choose")
	}
	c.Name = text(&es, "employ.campaign.name", c.Name, true, MaxShort)
	c.Place = text(&es, "employ.campaign.place", c.Place, true, MaxShort)
	if err := checkArea(ctx, tx, s, &es, "employ.campaign.area", c.AreaCode, false); err != nil {
		return c, err
	}
	c.StartDate = date(&es, "employ.campaign.start_date", c.StartDate, true)
	c.EndDate = date(&es, "employ.campaign.end_date", c.EndDate, true)
	if validDate(c.StartDate) && validDate(c.EndDate) && c.EndDate < c.StartDate {
		es.Add(0, "employ.campaign.end_date", "employ.error.end_before_start")
	}
	if c.ReachedCount < 0 || c.ReachedCount > MaxCount {
		es.Add(0, "employ.campaign.reached_count", "employ.error.count", MaxCount)
	}
	if c.SuggestionsCount < 0 || c.SuggestionsCount > MaxCount {
		es.Add(0, "employ.campaign.suggestions_count", "employ.error.count", MaxCount)
	}
	if len(es) > 0 {
		return c, es
	}
	c.UpdatedAt = store.Now()
	var err error
	if before == nil {
		c.ID = store.NewID()
		_, err = tx.ExecContext(ctx, `INSERT INTO emp_campaigns (id, kind, name, area_code, place, start_date, end_date, reached_count, suggestions_count, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)`, c.ID, c.Kind, c.Name, c.AreaCode, c.Place, c.StartDate, c.EndDate, c.ReachedCount, c.SuggestionsCount, c.UpdatedAt)
	} else {
		c.NamedPersons, c.SuggestionTexts = before.NamedPersons, before.SuggestionTexts
		_, err = tx.ExecContext(ctx, `UPDATE emp_campaigns SET kind = $2, name = $3, area_code = $4, place = $5, start_date = $6, end_date = $7, reached_count = $8,
			suggestions_count = $9, updated_at = $10 WHERE id = $1`, c.ID, c.Kind, c.Name, c.AreaCode, c.Place, c.StartDate, c.EndDate, c.ReachedCount, c.SuggestionsCount, c.UpdatedAt)
	}
	if err != nil {
		return c, err
	}
	var b any
	if before != nil {
		b = before
	}
	return c, audit.Record(ctx, tx, audit.Entry{Action: ActionCampaignSave, ObjectType: "emp_campaign", ObjectID: c.ID, AreaCode: c.AreaCode, Before: b, After: c})
}

// CampaignPersons lists the named persons a campaign reached, those in
// the scope.
func CampaignPersons(ctx context.Context, q store.Querier, s area.Scope, campaignID string) ([]registry.Person, error) {
	cond, args := s.Filter("p.village_code", 2)
	rows, err := q.QueryContext(ctx, `SELECT p.id FROM emp_campaign_persons x JOIN persons p ON p.id = x.person_id WHERE x.campaign_id = $1 AND `+cond+` ORDER BY p.name, p.id`,
		append([]any{campaignID}, args...)...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]registry.Person, 0, len(ids))
	for _, id := range ids {
		p, err := registry.Get(ctx, q, s, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// AddCampaignPerson records that a campaign reached a registry person of
// the scope (a township worker adds her township's persons to a county
// campaign).
func AddCampaignPerson(ctx context.Context, tx *store.Tx, s area.Scope, campaignID, personID string) error {
	if _, err := lockRow(ctx, tx, "emp_campaigns", campaignID); err != nil {
		return err
	}
	c, err := GetCampaign(ctx, tx, s, campaignID)
	if err != nil {
		return err
	}
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", personID, false)
	if err != nil {
		return err
	}
	if len(es) > 0 {
		return es
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM emp_campaign_persons WHERE campaign_id = $1 AND person_id = $2`, c.ID, p.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return validate.Errors{{Field: "employ.person", Key: "employ.error.already_reached", Args: []any{p.Name}}}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_campaign_persons (campaign_id, person_id) VALUES ($1,$2)`, c.ID, p.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: ActionCampaignPerson, ObjectType: "emp_campaign", ObjectID: c.ID, AreaCode: p.VillageCode, After: map[string]string{"person_id": p.ID}})
}

// Suggestions lists a campaign's written suggestions.
func Suggestions(ctx context.Context, q store.Querier, s area.Scope, campaignID string) ([]Suggestion, error) {
	if _, err := GetCampaign(ctx, q, s, campaignID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, text, created_at FROM emp_suggestions WHERE campaign_id = $1 ORDER BY created_at, id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Suggestion
	for rows.Next() {
		var x Suggestion
		if err := rows.Scan(&x.ID, &x.Text, &x.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// AddSuggestion writes down one suggestion collected at a campaign held in
// the scope.
func AddSuggestion(ctx context.Context, tx *store.Tx, s area.Scope, campaignID, txt string) (Suggestion, error) {
	if _, err := lockRow(ctx, tx, "emp_campaigns", campaignID); err != nil {
		return Suggestion{}, err
	}
	c, err := GetCampaign(ctx, tx, s, campaignID)
	if err != nil {
		return Suggestion{}, err
	}
	if !s.Contains(c.AreaCode) {
		return Suggestion{}, refuse("employ.error.campaign_not_yours")
	}
	var es validate.Errors
	txt = text(&es, "employ.suggestion.text", txt, true, MaxLong)
	if len(es) > 0 {
		return Suggestion{}, es
	}
	x := Suggestion{ID: store.NewID(), Text: txt, CreatedAt: store.Now()}
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_suggestions (id, campaign_id, text, created_at) VALUES ($1,$2,$3,$4)`, x.ID, c.ID, x.Text, x.CreatedAt); err != nil {
		return x, err
	}
	return x, audit.Record(ctx, tx, audit.Entry{Action: ActionCampaignSuggestion, ObjectType: "emp_campaign", ObjectID: c.ID, AreaCode: c.AreaCode, After: x})
}

// ---- wishes (微心愿) ----

// Wish types.
const (
	WishDirection = "direction" // 就业方向
	WishTraining  = "training"  // 培训意向
	WishOther     = "other"
)

// WishTypes in display order.
var WishTypes = []string{WishDirection, WishTraining, WishOther}

// Wish statuses.
const (
	WishOpen        = "open"
	WishFulfilled   = "fulfilled"
	WishUnfulfilled = "unfulfilled"
)

// WishStatuses in display order.
var WishStatuses = []string{WishOpen, WishFulfilled, WishUnfulfilled}

// Wish is a person's wish.
type Wish struct {
	ID           string `json:"id"`
	PersonID     string `json:"person_id"`
	Type         string `json:"type"`
	Text         string `json:"text"`
	RecordedOn   string `json:"recorded_on"`
	AssignedTo   string `json:"assigned_to,omitempty"` // account id
	AssignedName string `json:"assigned_name,omitempty"`
	Status       string `json:"status"`
	ClosedOn     string `json:"closed_on,omitempty"`
	Note         string `json:"note,omitempty"`
	UpdatedAt    string `json:"updated_at"`

	PersonName  string `json:"person_name,omitempty"`
	VillageCode string `json:"village_code,omitempty"`
}

const wishColumns = `w.id, w.person_id, w.type, w.text, w.recorded_on, w.assigned_to, w.assigned_name, w.status, w.closed_on, w.note, w.updated_at, p.name, p.village_code`

func scanWish(row interface{ Scan(...any) error }) (Wish, error) {
	var w Wish
	err := row.Scan(&w.ID, &w.PersonID, &w.Type, &w.Text, &w.RecordedOn, &w.AssignedTo, &w.AssignedName, &w.Status, &w.ClosedOn, &w.Note, &w.UpdatedAt, &w.PersonName, &w.VillageCode)
	return w, err
}

// WishFilter narrows a list of wishes.
type WishFilter struct {
	PersonID, Type, Status, AssignedTo string
}

// ListWishes lists the wishes of persons in the scope, newest first.
func ListWishes(ctx context.Context, q store.Querier, s area.Scope, f WishFilter) ([]Wish, error) {
	cond, args := s.Filter("p.village_code", 1)
	for col, v := range map[string]string{"w.person_id": f.PersonID, "w.type": f.Type, "w.status": f.Status, "w.assigned_to": f.AssignedTo} {
		if v != "" {
			args = append(args, v)
			cond += " AND " + col + " = $" + strconv.Itoa(len(args))
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+wishColumns+` FROM emp_wishes w JOIN persons p ON p.id = w.person_id WHERE `+cond+` ORDER BY w.recorded_on DESC, w.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Wish
	for rows.Next() {
		w, err := scanWish(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// GetWish returns one wish inside the scope.
func GetWish(ctx context.Context, q store.Querier, s area.Scope, id string) (Wish, error) {
	cond, args := s.Filter("p.village_code", 2)
	w, err := scanWish(q.QueryRowContext(ctx, `SELECT `+wishColumns+` FROM emp_wishes w JOIN persons p ON p.id = w.person_id WHERE w.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Wish{}, store.ErrNotFound
	}
	return w, err
}

// Audit actions of wishes.
const (
	ActionWishCreate = "employ.wish.create"
	ActionWishAssign = "employ.wish.assign"
	ActionWishClose  = "employ.wish.close"
)

// checkAssignee checks that an account may take a wish of a person of
// village: it exists, is not disabled, keeps employment records and its
// scope holds the village.
func checkAssignee(ctx context.Context, q store.Querier, es *validate.Errors, userID, village string) (string, error) {
	u, err := auth.GetUser(ctx, q, userID)
	if errors.Is(err, store.ErrNotFound) {
		es.Add(0, "employ.wish.assigned_to", "employ.error.assignee")
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if u.Disabled || !auth.RoleHas(u.Role, auth.PermEmployWrite) || !auth.DeptAllows(u.Role, u.Department, auth.PermEmployWrite) || !u.Scope().Contains(village) {
		es.Add(0, "employ.wish.assigned_to", "employ.error.assignee")
		return "", nil
	}
	return u.DisplayName, nil
}

// CreateWish records a wish of a person of the scope, assigned to a
// staff member when AssignedTo is given.
func CreateWish(ctx context.Context, tx *store.Tx, s area.Scope, w Wish, today time.Time) (Wish, error) {
	var es validate.Errors
	p, err := personIn(ctx, tx, s, &es, "employ.person", w.PersonID, true)
	if err != nil {
		return w, err
	}
	if !contains(WishTypes, w.Type) {
		es.Add(0, "employ.wish.type", "validate.choose")
	}
	w.Text = text(&es, "employ.wish.text", w.Text, true, MaxLong)
	w.RecordedOn = date(&es, "employ.wish.recorded_on", w.RecordedOn, true)
	future(&es, "employ.wish.recorded_on", w.RecordedOn, today)
	w.AssignedName = ""
	if w.AssignedTo != "" && p.ID != "" {
		if w.AssignedName, err = checkAssignee(ctx, tx, &es, w.AssignedTo, p.VillageCode); err != nil {
			return w, err
		}
	}
	if len(es) > 0 {
		return w, es
	}
	w.ID, w.PersonID, w.Status, w.ClosedOn, w.Note, w.UpdatedAt = store.NewID(), p.ID, WishOpen, "", "", store.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO emp_wishes (id, person_id, type, text, recorded_on, assigned_to, assigned_name, status, closed_on, note, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'','',$9,$9)`, w.ID, w.PersonID, w.Type, w.Text, w.RecordedOn, w.AssignedTo, w.AssignedName, w.Status, w.UpdatedAt); err != nil {
		return w, err
	}
	w.PersonName, w.VillageCode = p.Name, p.VillageCode
	return w, audit.Record(ctx, tx, audit.Entry{Action: ActionWishCreate, ObjectType: "emp_wish", ObjectID: w.ID, AreaCode: p.VillageCode, After: w})
}

// wishToChange locks an open wish of the scope.
func wishToChange(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Wish, error) {
	if ok, err := lockRow(ctx, tx, "emp_wishes", id); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return Wish{}, err
	}
	w, err := GetWish(ctx, tx, s, id)
	if err != nil {
		return w, err
	}
	if w.Status != WishOpen {
		return w, refuse("employ.error.wish_closed")
	}
	return w, nil
}

// AssignWish gives an open wish to a staff member.
func AssignWish(ctx context.Context, tx *store.Tx, s area.Scope, id, userID string) (Wish, error) {
	w, err := wishToChange(ctx, tx, s, id)
	if err != nil {
		return w, err
	}
	before := w
	var es validate.Errors
	if userID == "" {
		es.Add(0, "employ.wish.assigned_to", "validate.choose")
		return w, es
	}
	name, err := checkAssignee(ctx, tx, &es, userID, w.VillageCode)
	if err != nil {
		return w, err
	}
	if len(es) > 0 {
		return w, es
	}
	w.AssignedTo, w.AssignedName, w.UpdatedAt = userID, name, store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE emp_wishes SET assigned_to = $2, assigned_name = $3, updated_at = $4 WHERE id = $1`, w.ID, w.AssignedTo, w.AssignedName, w.UpdatedAt); err != nil {
		return w, err
	}
	return w, audit.Record(ctx, tx, audit.Entry{Action: ActionWishAssign, ObjectType: "emp_wish", ObjectID: w.ID, AreaCode: w.VillageCode, Before: before, After: w})
}

// CloseWish records an open wish as fulfilled or not on day, with a note
// (required when it was not fulfilled: the person is told why).
func CloseWish(ctx context.Context, tx *store.Tx, s area.Scope, id string, fulfilled bool, day, note string, today time.Time) (Wish, error) {
	w, err := wishToChange(ctx, tx, s, id)
	if err != nil {
		return w, err
	}
	before := w
	var es validate.Errors
	day = date(&es, "employ.wish.closed_on", day, true)
	if validDate(day) && day < w.RecordedOn {
		es.Add(0, "employ.wish.closed_on", "employ.error.before_recorded", w.RecordedOn)
	}
	future(&es, "employ.wish.closed_on", day, today)
	note = text(&es, "employ.wish.note", note, !fulfilled, MaxLong)
	if len(es) > 0 {
		return w, es
	}
	w.Status = WishUnfulfilled
	if fulfilled {
		w.Status = WishFulfilled
	}
	w.ClosedOn, w.Note, w.UpdatedAt = day, note, store.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE emp_wishes SET status = $2, closed_on = $3, note = $4, updated_at = $5 WHERE id = $1`, w.ID, w.Status, w.ClosedOn, w.Note, w.UpdatedAt); err != nil {
		return w, err
	}
	return w, audit.Record(ctx, tx, audit.Entry{Action: ActionWishClose, ObjectType: "emp_wish", ObjectID: w.ID, AreaCode: w.VillageCode, Before: before, After: w})
}

// Assignees lists the accounts a wish in the scope may be given to.
func Assignees(ctx context.Context, q store.Querier, s area.Scope) ([]auth.User, error) {
	all, err := auth.ListUsers(ctx, q, s)
	if err != nil {
		return nil, err
	}
	var out []auth.User
	for _, u := range all {
		if !u.Disabled && auth.RoleHas(u.Role, auth.PermEmployWrite) && auth.DeptAllows(u.Role, u.Department, auth.PermEmployWrite) {
			out = append(out, u)
		}
	}
	return out, nil
}
