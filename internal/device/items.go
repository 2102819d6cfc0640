package device

import (
	"context"
	"database/sql"
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

// Item is one device in the inventory.
type Item struct {
	ID           string     `json:"id"`
	AssetNo      string     `json:"asset_no"`
	KindID       string     `json:"kind_id"`
	KindCode     string     `json:"kind_code"`
	KindName     string     `json:"kind_name"`
	Source       string     `json:"source"`
	ReceivedOn   string     `json:"received_on"`
	Condition    Condition  `json:"condition"`
	LocationCode string     `json:"location_code"`
	Status       ItemStatus `json:"status"`
	LoanID       string     `json:"loan_id,omitempty"`
	Note         string     `json:"note"`
	CreatedAt    string     `json:"created_at"`
	UpdatedAt    string     `json:"updated_at"`
}

// Event is one line of an item's history: who did what, when.
type Event struct {
	Seq          int        `json:"seq"`
	At           string     `json:"at"`
	ActorName    string     `json:"actor"`
	Action       Action     `json:"action"`
	Day          string     `json:"day"`
	FromStatus   ItemStatus `json:"from_status"`
	ToStatus     ItemStatus `json:"to_status"`
	LocationCode string     `json:"location_code"`
	Condition    Condition  `json:"condition"`
	LoanID       string     `json:"loan_id,omitempty"`
	Note         string     `json:"note"`
}

const itemSelect = `SELECT i.id, i.asset_no, i.kind_id, k.code, k.name, i.source, i.received_on, i.condition, i.location_code, i.status,
	i.loan_id, i.note, i.created_at, i.updated_at FROM device_items i JOIN device_kinds k ON k.id = i.kind_id`

func scanItem(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.AssetNo, &it.KindID, &it.KindCode, &it.KindName, &it.Source, &it.ReceivedOn, &it.Condition,
		&it.LocationCode, &it.Status, &it.LoanID, &it.Note, &it.CreatedAt, &it.UpdatedAt)
	return it, err
}

// GetItem returns one item kept inside scope s; an item kept elsewhere is
// reported exactly like a missing one.
func GetItem(ctx context.Context, q store.Querier, s area.Scope, id string) (Item, error) {
	cond, args := s.Filter("i.location_code", 2)
	it, err := scanItem(q.QueryRowContext(ctx, itemSelect+` WHERE i.id = $1 AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, store.ErrNotFound
	}
	return it, err
}

// ItemFilter narrows the inventory list. Zero values do not narrow.
type ItemFilter struct {
	Location string // a township (or the county) inside the scope
	KindID   string
	Class    Class
	Status   ItemStatus
	AssetNo  string // the beginning of an asset number
	Loanable bool   // only kinds that may be lent
	Limit    int    // default 500, at most 5000
}

// ListItems lists the items kept inside scope s matching f, by asset number.
func ListItems(ctx context.Context, q store.Querier, s area.Scope, f ItemFilter) ([]Item, error) {
	if f.Location != "" {
		if !area.ValidCode(f.Location) || !s.Contains(f.Location) {
			return nil, nil
		}
		s = area.ScopeOf(f.Location)
	}
	cond, args := s.Filter("i.location_code", 1)
	conds := []string{cond}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	// The county centre holds its own stock: its code names that place
	// here, not the whole county.
	if f.Location != "" && area.LevelOf(f.Location) == area.County {
		conds = append(conds, "i.location_code = "+arg(f.Location))
	}
	if f.KindID != "" {
		conds = append(conds, "i.kind_id = "+arg(f.KindID))
	}
	if f.Class != "" {
		conds = append(conds, "k.class = "+arg(string(f.Class)))
	}
	if f.Status != "" {
		conds = append(conds, "i.status = "+arg(string(f.Status)))
	}
	if a := strings.ToUpper(strings.TrimSpace(f.AssetNo)); a != "" {
		// A range, not LIKE, so the unique index serves it.
		conds = append(conds, "i.asset_no >= "+arg(a)+" AND i.asset_no < "+arg(a+"\U0010FFFF"))
	}
	if f.Loanable {
		conds = append(conds, "k.loanable = "+arg(true))
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	rows, err := q.QueryContext(ctx, itemSelect+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY i.asset_no LIMIT `+strconv.Itoa(min(f.Limit, 5000)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ItemEvents returns an item's history, oldest first.
func ItemEvents(ctx context.Context, q store.Querier, itemID string) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_name, action, day, from_status, to_status, location_code, condition, loan_id, note
		FROM device_item_events WHERE item_id = $1 ORDER BY seq`, itemID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Seq, &e.At, &e.ActorName, &e.Action, &e.Day, &e.FromStatus, &e.ToStatus, &e.LocationCode, &e.Condition, &e.LoanID, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// addEvent appends a line to an item's history; at and the actor are
// given so the demo can write a past year.
func addEvent(ctx context.Context, tx *store.Tx, id, at string, actor audit.Actor, it Item, act Action, day string, from ItemStatus, note string) error {
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM device_item_events WHERE item_id = $1`, it.ID).Scan(&seq); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO device_item_events (id, item_id, seq, at, actor_id, actor_name, action, day, from_status, to_status,
		location_code, condition, loan_id, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		id, it.ID, seq, at, actor.ID, actor.Name, string(act), day, string(from), string(it.Status), it.LocationCode, string(it.Condition), it.LoanID, note)
	return err
}

// event records an action of now by the context's actor, with its audit
// entry holding the item before and after.
func event(ctx context.Context, tx *store.Tx, before, after Item, act Action, day, note string) error {
	if err := addEvent(ctx, tx, store.NewID(), store.Now(), audit.ActorFrom(ctx), after, act, day, before.Status, note); err != nil {
		return err
	}
	var b any
	if before.ID != "" {
		b = before
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "device.item." + string(act), ObjectType: "device_item", ObjectID: after.ID,
		AreaCode: after.LocationCode, Before: b, After: after, Detail: note})
}

func insertItem(ctx context.Context, tx *store.Tx, it Item) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO device_items (id, asset_no, kind_id, source, received_on, condition, location_code, status, loan_id, note, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`, it.ID, it.AssetNo, it.KindID, it.Source, it.ReceivedOn, string(it.Condition),
		it.LocationCode, string(it.Status), it.LoanID, it.Note, it.CreatedAt)
	return err
}

// saveItem writes an item's changing fields.
func saveItem(ctx context.Context, tx *store.Tx, it Item) error {
	_, err := tx.ExecContext(ctx, `UPDATE device_items SET condition = $2, location_code = $3, status = $4, loan_id = $5, updated_at = $6 WHERE id = $1`,
		it.ID, string(it.Condition), it.LocationCode, string(it.Status), it.LoanID, it.UpdatedAt)
	return err
}

// nextAssetNo numbers asset numbers per kind and year: LY01-2026-0001.
func nextAssetNo(ctx context.Context, tx *store.Tx, kindCode string, year int) (string, error) {
	name := kindCode + "-" + strconv.Itoa(year)
	if _, err := tx.ExecContext(ctx, `INSERT INTO device_sequences (name, n) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return "", err
	}
	for {
		var n int64
		if err := tx.QueryRowContext(ctx, `UPDATE device_sequences SET n = n + 1 WHERE name = $1 RETURNING n`, name).Scan(&n); err != nil {
			return "", err
		}
		no := fmt.Sprintf("%s-%04d", name, n)
		// A number typed by hand may have taken it.
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_items WHERE asset_no = $1`, no).Scan(&taken); err != nil {
			return "", err
		}
		if taken == 0 {
			return no, nil
		}
	}
}

// MaxReceive is the most items one receipt creates.
const MaxReceive = 200

// MaxNote is the longest note or reason, in characters.
const MaxNote = 200

// Receipt is what receiving items takes (入库).
type Receipt struct {
	KindID       string
	Quantity     int    // several identical items at once; 0 means 1
	AssetNo      string // optional, for one item with a number of its own
	Source       string // purchase, donation
	ReceivedOn   string // YYYY-MM-DD
	Condition    Condition
	LocationCode string // the county centre or a township inside the scope
	Note         string
}

// Receive puts items into stock at a location inside scope s, numbered
// per kind and year unless one number is given, each with its history
// line and audit entry; nothing is written if anything is wrong.
func Receive(ctx context.Context, tx *store.Tx, s area.Scope, r Receipt, today time.Time) ([]Item, error) {
	var es validate.Errors
	k, err := GetKind(ctx, tx, r.KindID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !k.Active) {
		es.Add(0, "device.item.kind", "validate.choose")
	} else if err != nil {
		return nil, err
	}
	if r.Quantity == 0 {
		r.Quantity = 1
	}
	if r.Quantity < 1 || r.Quantity > MaxReceive {
		es.Add(0, "device.item.quantity", "device.error.range", 1, MaxReceive)
	}
	r.AssetNo = strings.ToUpper(strings.TrimSpace(r.AssetNo))
	if r.AssetNo != "" {
		if r.Quantity > 1 {
			es.Add(0, "device.item.asset_no", "device.error.asset_no_one")
		} else if utf8.RuneCountInString(r.AssetNo) > 40 {
			es.Add(0, "device.item.asset_no", "device.error.too_long", 40)
		} else {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_items WHERE asset_no = $1`, r.AssetNo).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				es.Add(0, "device.item.asset_no", "device.error.asset_no_taken")
			}
		}
	}
	if !slices.Contains(Sources, r.Source) {
		es.Add(0, "device.item.source", "validate.choose")
	}
	checkDay(&es, "device.item.received_on", r.ReceivedOn, "", today)
	if !slices.Contains(ReceiveConditions, r.Condition) {
		es.Add(0, "device.item.condition", "validate.choose")
	}
	if err := checkLocation(ctx, tx, s, &es, "device.item.location", r.LocationCode); err != nil {
		return nil, err
	}
	note := checkNote(&es, "device.item.note", r.Note, false)
	if len(es) > 0 {
		return nil, es
	}
	year, _ := strconv.Atoi(r.ReceivedOn[:4])
	now := store.Now()
	out := make([]Item, 0, r.Quantity)
	for range r.Quantity {
		no := r.AssetNo
		if no == "" {
			if no, err = nextAssetNo(ctx, tx, k.Code, year); err != nil {
				return nil, err
			}
		}
		it := Item{ID: store.NewID(), AssetNo: no, KindID: k.ID, KindCode: k.Code, KindName: k.Name, Source: r.Source, ReceivedOn: r.ReceivedOn,
			Condition: r.Condition, LocationCode: r.LocationCode, Status: InStock, Note: note, CreatedAt: now, UpdatedAt: now}
		if err := insertItem(ctx, tx, it); err != nil {
			return nil, err
		}
		if err := event(ctx, tx, Item{Status: ""}, it, ActReceive, r.ReceivedOn, note); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// checkLocation accepts the county or one of its townships inside s: the
// places stock is kept (县辅具中心, 乡镇残疾人之家).
func checkLocation(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, field, code string) error {
	if !es.Required(0, field, code) {
		return nil
	}
	a, err := area.Get(ctx, q, code)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!s.Contains(code) || (a.Level != area.County && a.Level != area.Township))) {
		es.Add(0, field, "device.error.location")
		return nil
	}
	return err
}

// checkDay checks a YYYY-MM-DD day that may not be after today nor
// before notBefore (when given).
func checkDay(es *validate.Errors, field, v, notBefore string, today time.Time) {
	if !es.Required(0, field, v) {
		return
	}
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil:
		es.Add(0, field, "device.error.date")
	case d.After(dateOf(today)):
		es.Add(0, field, "device.error.future")
	case notBefore != "" && v < notBefore:
		es.Add(0, field, "device.error.before", notBefore)
	}
}

func checkNote(es *validate.Errors, field, v string, required bool) string {
	v = strings.TrimSpace(v)
	if required && !es.Required(0, field, v) {
		return v
	}
	if utf8.RuneCountInString(v) > MaxNote {
		es.Add(0, field, "device.error.too_long", MaxNote)
	}
	return v
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }

// lockItem reads an item inside s for a change; the no-op write takes the
// row lock on PostgreSQL so two people cannot lend it at once.
func lockItem(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Item, error) {
	cond, args := s.Filter("location_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE device_items SET status = status WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Item{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Item{}, store.ErrNotFound
	}
	return GetItem(ctx, tx, s, id)
}

// refuse is the error of a move the table does not allow: the message
// says what state the item is in.
func refuse(it Item, field string) validate.Errors {
	return validate.Errors{{Field: field, Key: "device.error.refused." + string(it.Status)}}
}

// change carries out one move of the table on an item inside s: fn sets
// the new fields; the status comes from the table.
func change(ctx context.Context, tx *store.Tx, s area.Scope, id string, act Action, day, note string, fn func(*Item, *validate.Errors) error) (Item, error) {
	before, err := lockItem(ctx, tx, s, id)
	if err != nil {
		return Item{}, err
	}
	tr, ok := Next(before.Status, act)
	if !ok {
		return Item{}, refuse(before, "device.item.status")
	}
	after := before
	after.Status = tr.To
	var es validate.Errors
	if err := fn(&after, &es); err != nil {
		return Item{}, err
	}
	if len(es) > 0 {
		return Item{}, es
	}
	after.UpdatedAt = store.Now()
	if err := saveItem(ctx, tx, after); err != nil {
		return Item{}, err
	}
	return after, event(ctx, tx, before, after, act, day, note)
}

// Move sends an item in stock to another place inside s (调拨).
func Move(ctx context.Context, tx *store.Tx, s area.Scope, id, to, note string, today time.Time) (Item, error) {
	return change(ctx, tx, s, id, ActMove, ymd(today), strings.TrimSpace(note), func(it *Item, es *validate.Errors) error {
		if to != "" && to == it.LocationCode {
			es.Add(0, "device.item.move_to", "device.error.same_location")
		} else if err := checkLocation(ctx, tx, s, es, "device.item.move_to", to); err != nil {
			return err
		}
		checkNote(es, "device.item.note", note, false)
		it.LocationCode = to
		return nil
	})
}

// SendToRepair takes an item out of stock for repair (送修).
func SendToRepair(ctx context.Context, tx *store.Tx, s area.Scope, id, note string, today time.Time) (Item, error) {
	return change(ctx, tx, s, id, ActRepair, ymd(today), strings.TrimSpace(note), func(it *Item, es *validate.Errors) error {
		checkNote(es, "device.item.note", note, true)
		it.Condition = CondNeedsRepair
		return nil
	})
}

// Repaired puts a repaired item back in stock in the condition given.
func Repaired(ctx context.Context, tx *store.Tx, s area.Scope, id string, c Condition, note string, today time.Time) (Item, error) {
	return change(ctx, tx, s, id, ActRepaired, ymd(today), strings.TrimSpace(note), func(it *Item, es *validate.Errors) error {
		if !slices.Contains(RepairedConditions, c) {
			es.Add(0, "device.item.condition", "validate.choose")
		}
		checkNote(es, "device.item.note", note, false)
		it.Condition = c
		return nil
	})
}

// Scrap takes an item out of use for good (报废), with the reason.
func Scrap(ctx context.Context, tx *store.Tx, s area.Scope, id, reason string, today time.Time) (Item, error) {
	return change(ctx, tx, s, id, ActScrap, ymd(today), strings.TrimSpace(reason), func(it *Item, es *validate.Errors) error {
		checkNote(es, "device.item.reason", reason, true)
		it.Condition = CondScrapped
		return nil
	})
}

// Found puts a lost item back in stock in the condition given.
func Found(ctx context.Context, tx *store.Tx, s area.Scope, id string, c Condition, note string, today time.Time) (Item, error) {
	return change(ctx, tx, s, id, ActFound, ymd(today), strings.TrimSpace(note), func(it *Item, es *validate.Errors) error {
		if !slices.Contains(RepairedConditions, c) {
			es.Add(0, "device.item.condition", "validate.choose")
		}
		checkNote(es, "device.item.note", note, false)
		it.Condition = c
		return nil
	})
}
