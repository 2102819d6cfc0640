package renovate

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

func actorID(ctx context.Context) string { return audit.ActorFrom(ctx).ID }

func checkLen(es *validate.Errors, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		es.Add(0, field, "renovate.error.too_long", max)
	}
}

// checkDay requires a YYYY-MM-DD day between notBefore ("" none) and today.
func checkDay(es *validate.Errors, field, v, notBefore string, today time.Time) string {
	v = strings.TrimSpace(v)
	if !es.Required(0, field, v) {
		return v
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		es.Add(0, field, "renovate.error.bad_date")
	} else if v > ymd(today) {
		es.Add(0, field, "renovate.error.future_date")
	} else if notBefore != "" && v < notBefore {
		es.Add(0, field, "renovate.error.date_before", notBefore)
	}
	return v
}

// Code lists of the survey visit; i18n keys "renovate.<list>.<code>".
var (
	Entrances = []string{"level", "steps", "slope"}                       // 入户：平地、台阶、陡坡
	Toilets   = []string{"sit", "squat", "outdoor", "none"}               // 厕所：坐便、蹲便、室外旱厕、无
	Kitchens  = []string{"standard", "high", "none"}                      // 厨房：普通、灶台过高、无独立厨房
	DoorKinds = []string{"ok", "narrow", "threshold", "narrow_threshold"} // 门：合适、过窄、有门槛、窄且有门槛
)

// Visit is the survey visit of the home (入户勘查).
type Visit struct {
	Day      string
	Rooms    int
	Steps    int // steps at the entrance
	Entrance string
	Toilet   string
	Kitchen  string
	Doors    string
	Notes    string
}

// Survey records the visit of the home (again, before the plan).
func Survey(ctx context.Context, tx *store.Tx, s area.Scope, id string, v Visit, today time.Time) error {
	r, err := begin(ctx, tx, s, id, ActSurvey)
	if err != nil {
		return err
	}
	var es validate.Errors
	v.Day = checkDay(&es, "renovate.visit.day", v.Day, "", today)
	if v.Rooms < 1 || v.Rooms > 20 {
		es.Add(0, "renovate.visit.rooms", "renovate.error.range", 1, 20)
	}
	if v.Steps < 0 || v.Steps > 50 {
		es.Add(0, "renovate.visit.steps", "renovate.error.range", 0, 50)
	}
	for _, c := range []struct {
		field, v string
		list     []string
	}{{"renovate.visit.entrance", v.Entrance, Entrances}, {"renovate.visit.toilet", v.Toilet, Toilets},
		{"renovate.visit.kitchen", v.Kitchen, Kitchens}, {"renovate.visit.doors", v.Doors, DoorKinds}} {
		if !slices.Contains(c.list, c.v) {
			es.Add(0, c.field, "validate.choose")
		}
	}
	v.Notes = strings.TrimSpace(v.Notes)
	checkLen(&es, "renovate.visit.notes", v.Notes, MaxNote)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &r, ActSurvey, v.Day, func(r *Renovation) {
		r.VisitOn, r.Rooms, r.Steps, r.Entrance, r.Toilet, r.Kitchen, r.Doors, r.SurveyNotes = v.Day, v.Rooms, v.Steps, v.Entrance, v.Toilet, v.Kitchen, v.Doors, v.Notes
		r.SurveyedBy = actorID(ctx)
	})
}

// PlanLine is one item of a plan as entered.
type PlanLine struct {
	Code     string `json:"code"`
	Quantity int    `json:"quantity"`
	Note     string `json:"note"`
}

// PlanInput is a plan (一户一策) with the family's agreement.
type PlanInput struct {
	Lines    []PlanLine `json:"items"`
	AgreedOn string     `json:"agreed_on"`
	AgreedBy string     `json:"agreed_by"` // the family member who agreed
}

// Item is one stored line of a plan.
type Item struct {
	Seq      int    `json:"seq"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	UnitFen  int64  `json:"unit_fen"`
	Quantity int    `json:"quantity"`
	CostFen  int64  `json:"cost_fen"`
	Note     string `json:"note"`
}

// MaxQuantity bounds a line, so a slip of the keyboard cannot plan a
// thousand ramps and no cost can overflow.
const MaxQuantity = 999

// Plan makes (or revises, before approval) the household's plan from
// catalogue items at their current unit costs; the cost is the exact sum
// of unit cost × quantity in fen. Whoever plans may not approve.
func Plan(ctx context.Context, tx *store.Tx, s area.Scope, id string, in PlanInput, today time.Time) ([]Item, error) {
	r, err := begin(ctx, tx, s, id, ActPlan)
	if err != nil {
		return nil, err
	}
	cat, err := Catalogue(ctx, tx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]CatalogueItem{}
	for _, c := range cat {
		if c.Active {
			byCode[c.Code] = c
		}
	}
	var es validate.Errors
	var items []Item
	seen := map[string]bool{}
	var total int64
	for i, l := range in.Lines {
		if l.Quantity == 0 && strings.TrimSpace(l.Note) == "" {
			continue // an untouched row of the editor
		}
		c, ok := byCode[l.Code]
		// One field for every line: the message names the item, and the
		// editor shows it beside that item's input.
		field := "renovate.plan.quantity"
		switch {
		case !ok:
			es.Add(i+1, "renovate.plan.item", "renovate.error.unknown_item", l.Code)
			continue
		case seen[l.Code]:
			es.Add(0, field, "renovate.error.duplicate_item", c.Name)
			continue
		case l.Quantity < 1 || l.Quantity > MaxQuantity:
			es.Add(0, field, "renovate.error.quantity", c.Name, MaxQuantity)
			continue
		}
		seen[l.Code] = true
		note := strings.TrimSpace(l.Note)
		if utf8.RuneCountInString(note) > 200 {
			es.Add(0, "renovate.plan.note", "renovate.error.note_too_long", c.Name, 200)
		}
		cost := c.UnitFen * int64(l.Quantity)
		total += cost
		items = append(items, Item{Seq: len(items) + 1, Code: c.Code, Name: c.Name, Unit: c.Unit, UnitFen: c.UnitFen, Quantity: l.Quantity, CostFen: cost, Note: note})
	}
	if len(items) == 0 && len(es) == 0 {
		es.Add(0, "renovate.plan.items", "renovate.error.no_items")
	}
	agreedOn := checkDay(&es, "renovate.plan.agreed_on", in.AgreedOn, r.VisitOn, today)
	agreedBy := strings.TrimSpace(in.AgreedBy)
	if es.Required(0, "renovate.plan.agreed_by", agreedBy) {
		checkLen(&es, "renovate.plan.agreed_by", agreedBy, MaxName)
	}
	if len(es) > 0 {
		return nil, es
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM renovation_items WHERE renovation_id = $1`, r.ID); err != nil {
		return nil, err
	}
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO renovation_items (id, renovation_id, seq, item_code, name, unit, unit_fen, quantity, cost_fen, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, store.NewIDIn(ctx), r.ID, it.Seq, it.Code, it.Name, it.Unit, it.UnitFen, it.Quantity, it.CostFen, it.Note); err != nil {
			return nil, err
		}
	}
	err = move(ctx, tx, &r, ActPlan, Yuan(total), func(r *Renovation) {
		r.TotalFen, r.AgreedOn, r.AgreedBy, r.PlannedBy, r.PlannedAt = total, agreedOn, agreedBy, actorID(ctx), store.NowIn(ctx)
	})
	return items, err
}

// Items returns a renovation's plan. The caller has checked scope.
func Items(ctx context.Context, q store.Querier, id string) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, item_code, name, unit, unit_fen, quantity, cost_fen, note FROM renovation_items
		WHERE renovation_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.Seq, &it.Code, &it.Name, &it.Unit, &it.UnitFen, &it.Quantity, &it.CostFen, &it.Note); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Review approves the plan or returns it (with a reason) to the planner.
// The approver may not be whoever made the plan (四眼原则).
func Review(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action, note string, today time.Time) error {
	if act != ActApprove && act != ActReturn {
		return &RefusedError{Action: act, Key: "renovate.error.bad_action"}
	}
	r, err := begin(ctx, tx, s, id, act)
	if err != nil {
		return err
	}
	if act == ActApprove && actorID(ctx) == r.PlannedBy {
		return refuse(&r, act, "renovate.error.four_eyes")
	}
	var es validate.Errors
	note = strings.TrimSpace(note)
	if act == ActReturn {
		es.Required(0, "renovate.review.note", note)
	}
	checkLen(&es, "renovate.review.note", note, MaxNote)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &r, act, note, func(r *Renovation) {
		if act == ActApprove {
			r.ApprovedBy, r.ApprovedOn = actorID(ctx), ymd(today)
		}
	})
}

// Start records the start of construction by a contractor (施工单位).
func Start(ctx context.Context, tx *store.Tx, s area.Scope, id, contractor, day string, today time.Time) error {
	r, err := begin(ctx, tx, s, id, ActStart)
	if err != nil {
		return err
	}
	var es validate.Errors
	contractor = strings.TrimSpace(contractor)
	if es.Required(0, "renovate.start.contractor", contractor) {
		checkLen(&es, "renovate.start.contractor", contractor, 100)
	}
	day = checkDay(&es, "renovate.start.day", day, r.ApprovedOn, today)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &r, ActStart, contractor, func(r *Renovation) { r.Contractor, r.StartedOn = contractor, day })
}

// Acceptance is the inspection of finished work (验收).
type Acceptance struct {
	Day      string
	SignedBy string // the family member who signed
	Notes    string
}

// Accept records the inspection: at least one acceptance photo must be
// attached and the family's signature recorded.
func Accept(ctx context.Context, tx *store.Tx, s area.Scope, id string, a Acceptance, today time.Time) error {
	r, err := begin(ctx, tx, s, id, ActAccept)
	if err != nil {
		return err
	}
	var es validate.Errors
	a.Day = checkDay(&es, "renovate.accept.day", a.Day, r.StartedOn, today)
	a.SignedBy = strings.TrimSpace(a.SignedBy)
	if es.Required(0, "renovate.accept.signed_by", a.SignedBy) {
		checkLen(&es, "renovate.accept.signed_by", a.SignedBy, MaxName)
	}
	a.Notes = strings.TrimSpace(a.Notes)
	checkLen(&es, "renovate.accept.notes", a.Notes, MaxNote)
	var photos int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM renovation_files WHERE renovation_id = $1 AND stage = $2`, r.ID, StageAcceptance).Scan(&photos); err != nil {
		return err
	}
	if photos == 0 {
		es.Add(0, "renovate.accept.photos", "renovate.error.acceptance_photo")
	}
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &r, ActAccept, a.Notes, func(r *Renovation) {
		r.AcceptedOn, r.SignedBy, r.InspectionNotes, r.AcceptedBy = a.Day, a.SignedBy, a.Notes, actorID(ctx)
	})
}

// Pay records the payment of an accepted renovation: an amount in fen, not
// above the approved plan's cost.
func Pay(ctx context.Context, tx *store.Tx, s area.Scope, id, day string, amountFen int64, today time.Time) error {
	r, err := begin(ctx, tx, s, id, ActPay)
	if err != nil {
		return err
	}
	var es validate.Errors
	day = checkDay(&es, "renovate.pay.day", day, r.AcceptedOn, today)
	if amountFen <= 0 || amountFen > r.TotalFen {
		es.Add(0, "renovate.pay.amount", "renovate.error.amount", Yuan(r.TotalFen))
	}
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &r, ActPay, Yuan(amountFen), func(r *Renovation) { r.PaidOn, r.PaidFen, r.PaidBy = day, amountFen, actorID(ctx) })
}

// Cancel stops a renovation that is not finished, with a reason.
func Cancel(ctx context.Context, tx *store.Tx, s area.Scope, id, reason string, today time.Time) error {
	r, err := begin(ctx, tx, s, id, ActCancel)
	if err != nil {
		return err
	}
	var es validate.Errors
	reason = strings.TrimSpace(reason)
	if es.Required(0, "renovate.cancel.reason", reason) {
		checkLen(&es, "renovate.cancel.reason", reason, 500)
	}
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &r, ActCancel, reason, func(r *Renovation) { r.CancelReason, r.CancelledOn = reason, ymd(today) })
}

// ---- photos ----

// File is a reference to a stored photo or document of a renovation.
type File struct {
	ID        string `json:"id"`
	Stage     string `json:"stage"`
	Hash      string `json:"-"`
	Kind      string `json:"kind"`
	Size      int64  `json:"size"`
	Caption   string `json:"caption"`
	CreatedAt string `json:"created_at"`
}

// stagesFor are the photo stages open in each status.
var stagesFor = map[Status][]string{
	Requested:    {StageSurvey},
	Surveyed:     {StageSurvey},
	Planned:      {StageSurvey},
	Approved:     {StageConstruction},
	Construction: {StageConstruction, StageAcceptance},
	Accepted:     {StageAcceptance},
}

// OpenStages lists the photo stages a renovation in status st takes.
func OpenStages(st Status) []string { return stagesFor[st] }

// AttachFile records a file already put in the files store as a photo of
// the renovation at a stage open now.
func AttachFile(ctx context.Context, tx *store.Tx, s area.Scope, id, stage, hash string, kind files.Kind, size int64, caption string) (File, error) {
	r, err := lock(ctx, tx, s, id)
	if err != nil {
		return File{}, err
	}
	if !slices.Contains(stagesFor[r.Status], stage) {
		var es validate.Errors
		es.Add(0, "renovate.photo.stage", "renovate.error.stage_closed")
		return File{}, es
	}
	var es validate.Errors
	caption = strings.TrimSpace(caption)
	checkLen(&es, "renovate.photo.caption", caption, 200)
	if len(es) > 0 {
		return File{}, es
	}
	f := File{ID: store.NewIDIn(ctx), Stage: stage, Hash: hash, Kind: string(kind), Size: size, Caption: caption, CreatedAt: store.NowIn(ctx)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO renovation_files (id, renovation_id, village_code, stage, hash, kind, size, caption, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, f.ID, r.ID, r.VillageCode, stage, hash, f.Kind, size, caption, actorID(ctx), f.CreatedAt); err != nil {
		return File{}, err
	}
	if err := addEvent(ctx, tx, r.ID, "photo", r.Status, r.Status, caption); err != nil {
		return File{}, err
	}
	return f, audit.Record(ctx, tx, audit.Entry{Action: "renovation.photo", ObjectType: "renovation", ObjectID: r.ID, AreaCode: r.VillageCode,
		After: f, Detail: stage + " " + hash})
}

// Files lists a renovation's files. The caller has checked scope.
func Files(ctx context.Context, q store.Querier, id string) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, stage, hash, kind, size, caption, created_at FROM renovation_files WHERE renovation_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.Stage, &f.Hash, &f.Kind, &f.Size, &f.Caption, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// GetFile returns one file of a renovation inside scope s: the file's own
// village code is checked, so a file is never reached through another
// household or outside the caller's area.
func GetFile(ctx context.Context, q store.Querier, s area.Scope, renovationID, fileID string) (File, error) {
	cond, args := s.Filter("village_code", 3)
	var f File
	err := q.QueryRowContext(ctx, `SELECT id, stage, hash, kind, size, caption, created_at FROM renovation_files
		WHERE id = $1 AND renovation_id = $2 AND `+cond, append([]any{fileID, renovationID}, args...)...).
		Scan(&f.ID, &f.Stage, &f.Hash, &f.Kind, &f.Size, &f.Caption, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return f, store.ErrNotFound
	}
	return f, err
}

// ---- a person leaves the register ----

func init() {
	registry.OnLeave(onLeave)
}

// onLeave cancels the person's renovations not yet under construction
// when the person dies, moves away or is cancelled: work already
// contracted goes on and is settled.
func onLeave(ctx context.Context, tx *store.Tx, p registry.Person) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM renovations WHERE person_id = $1 AND status IN ($2, $3, $4, $5)`,
		p.ID, string(Requested), string(Surveyed), string(Planned), string(Approved))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		r, err := lock(ctx, tx, area.All(), id)
		if err != nil {
			return err
		}
		reason := i18n.T(i18n.ZH, "renovate.leave_reason", i18n.T(i18n.ZH, "person.status."+string(p.Status)))
		if err := move(ctx, tx, &r, ActCancel, reason, func(r *Renovation) {
			r.CancelReason, r.CancelledOn = reason, time.Now().Format(time.DateOnly)
		}); err != nil {
			return err
		}
	}
	return nil
}
