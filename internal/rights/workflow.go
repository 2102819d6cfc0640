package rights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// Limits of free text, in characters.
const (
	MaxName    = 50
	MaxText    = 2000 // the account, a reply
	MaxNote    = 500
	MaxPersons = 99 // persons helped by one legal-aid record
)

func checkLen(es *validate.Errors, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		es.Add(0, field, "rights.error.too_long", max)
	}
}

// checkDay requires a YYYY-MM-DD day between notBefore ("" none) and today.
func checkDay(es *validate.Errors, field, v, notBefore string, today time.Time) string {
	v = strings.TrimSpace(v)
	if !es.Required(0, field, v) {
		return v
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		es.Add(0, field, "rights.error.bad_date")
	} else if v > ymd(today) {
		es.Add(0, field, "rights.error.future_date")
	} else if v < "2000-01-01" {
		es.Add(0, field, "rights.error.bad_date")
	} else if notBefore != "" && v < notBefore {
		es.Add(0, field, "rights.error.date_before", notBefore)
	}
	return v
}

// text trims v and requires it (when required) within max characters.
func text(es *validate.Errors, field, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	if required && !es.Required(0, field, v) {
		return v
	}
	checkLen(es, field, v, max)
	return v
}

// NewCase is a case as taken in (受理登记).
type NewCase struct {
	Channel     string
	CallerName  string
	CallerPhone string
	PersonID    string // optional: the registered person it concerns
	AreaCode    string // village or township; the person's village when empty
	Type        string
	Account     string
	ReceivedOn  string
	// CloseNow closes a consultation answered on the spot, with Answer.
	CloseNow bool
	Answer   string
}

// Create records a case in tx, or refuses with validate.Errors and
// nothing written. The limits are fixed now from the settings and the
// calendar, so a later change of either does not move them.
func Create(ctx context.Context, tx *store.Tx, s area.Scope, cal *calendar.Calendar, n NewCase, today time.Time) (Case, error) {
	var es validate.Errors
	if !validChannel(n.Channel) {
		es.Add(0, "rights.case.channel", "validate.choose")
	}
	name := text(&es, "rights.case.caller_name", n.CallerName, MaxName, true)
	phone := registry.NormalizePhone(n.CallerPhone)
	if es.Required(0, "rights.case.caller_phone", phone) && !registry.ValidPhone(phone) {
		es.Add(0, "rights.case.caller_phone", "rights.error.phone")
	}
	var p registry.Person
	if id := strings.TrimSpace(n.PersonID); id != "" {
		var err error
		p, err = registry.Get(ctx, tx, s, id)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, "rights.case.person", "rights.error.person_not_found")
		} else if err != nil {
			return Case{}, err
		}
	}
	code := strings.TrimSpace(n.AreaCode)
	if code == "" && p.ID != "" {
		code = p.VillageCode
	}
	if es.Required(0, "rights.case.area", code) {
		lvl := area.Level("")
		if area.ValidCode(code) && s.Contains(code) {
			if a, err := area.Get(ctx, tx, code); err == nil {
				lvl = a.Level
			} else if !errors.Is(err, store.ErrNotFound) {
				return Case{}, err
			}
		}
		if lvl != area.Village && lvl != area.Township {
			es.Add(0, "rights.case.area", "rights.error.area")
		}
	}
	if !validType(n.Type) {
		es.Add(0, "rights.case.type", "validate.choose")
	}
	account := text(&es, "rights.case.account", n.Account, MaxText, true)
	received := checkDay(&es, "rights.case.received_on", n.ReceivedOn, "", today)
	answer := ""
	if n.CloseNow {
		if n.Type != TypeConsultation {
			es.Add(0, "rights.case.close_now", "rights.error.close_now_type")
		}
		answer = text(&es, "rights.case.answer", n.Answer, MaxText, true)
	}
	if len(es) > 0 {
		return Case{}, es
	}
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return Case{}, err
	}
	c := Case{ID: store.NewIDIn(ctx), Channel: n.Channel, CallerName: name, CallerPhone: phone, PersonID: p.ID, PersonName: p.Name, AreaCode: code,
		Type: n.Type, Account: account, Status: Received, ReceivedOn: received, CreatedBy: audit.ActorFrom(ctx).ID, CreatedAt: store.NowIn(ctx), Version: 1}
	c.UpdatedAt = c.CreatedAt
	c.AckDue, c.ReplyDue = Dues(cal, received, set.Limits)
	if c.Code, err = nextCode(ctx, tx, received[:4]); err != nil {
		return Case{}, err
	}
	if n.CloseNow {
		c.Status, c.ReplyOn, c.Reply, c.ClosedOn, c.ClosedAtIntake = Closed, received, answer, received, true
		c.Unit = set.Units[TypeConsultation]
	}
	v := c.values()
	marks := make([]string, len(v))
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rights_cases (`+columns+`) VALUES (`+strings.Join(marks, ", ")+`)`, v...); err != nil {
		return Case{}, err
	}
	if err := addEvent(ctx, tx, c.ID, ActIntake, received, "", Received, n.Channel); err != nil {
		return Case{}, err
	}
	if n.CloseNow {
		if err := addEvent(ctx, tx, c.ID, ActCloseNow, received, Received, Closed, answer); err != nil {
			return Case{}, err
		}
	}
	return c, audit.Record(ctx, tx, audit.Entry{Action: "rights.intake", ObjectType: "rights_case", ObjectID: c.ID, AreaCode: c.AreaCode,
		After: c.auditCopy(), Detail: c.Code})
}

// nextCode numbers the year's cases WQ2026-0001, … in order of entry. The
// year's counter is a row of rights_settings ("seq.2026") taken by an
// UPDATE, so two intakes at once on PostgreSQL queue on it instead of
// both reading the same highest number.
func nextCode(ctx context.Context, tx *store.Tx, year string) (string, error) {
	prefix, key := "WQ"+year+"-", "seq."+year
	var last string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(code), '') FROM rights_cases WHERE code >= $1 AND code < $2`, prefix, prefix+"~").Scan(&last); err != nil {
		return "", err
	}
	n := 0
	if last != "" {
		fmt.Sscanf(strings.TrimPrefix(last, prefix), "%d", &n)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rights_settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
		key, fmt.Sprint(n), store.NowIn(ctx)); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rights_settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT), updated_at = $2 WHERE key = $1`,
		key, store.NowIn(ctx)); err != nil {
		return "", err
	}
	if err := tx.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM rights_settings WHERE key = $1`, key).Scan(&n); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%04d", prefix, n), nil
}

// Transfer sends the case to the unit responsible (转办); its day must
// not be before the receipt.
func Transfer(ctx context.Context, tx *store.Tx, s area.Scope, id, unit, dayOn, note string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActTransfer)
	if err != nil {
		return err
	}
	var es validate.Errors
	unit = text(&es, "rights.transfer.unit", unit, MaxUnit, true)
	dayOn = checkDay(&es, "rights.transfer.day", dayOn, c.ReceivedOn, today)
	note = text(&es, "rights.transfer.note", note, MaxNote, false)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &c, ActTransfer, dayOn, unit+tail(note), func(c *Case) { c.Unit, c.TransferredOn, c.TransferNote = unit, dayOn, note })
}

func tail(note string) string {
	if note == "" {
		return ""
	}
	return "：" + note
}

// Extend moves the reply limit once by the setting's working days, with a
// reason, before the limit has passed.
func Extend(ctx context.Context, tx *store.Tx, s area.Scope, cal *calendar.Calendar, id, reason, dayOn string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActExtend)
	if err != nil {
		return err
	}
	if c.ExtendedOn != "" {
		return refuse(&c, ActExtend, "rights.error.extended_once", c.ExtendedOn)
	}
	var es validate.Errors
	reason = text(&es, "rights.extend.reason", reason, MaxNote, true)
	dayOn = checkDay(&es, "rights.extend.day", dayOn, c.TransferredOn, today)
	if len(es) == 0 && dayOn > c.ReplyDue {
		es.Add(0, "rights.extend.day", "rights.error.extend_late", c.ReplyDue)
	}
	if len(es) > 0 {
		return es
	}
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return err
	}
	due := ExtendedDue(cal, c.ReplyDue, set.ExtendDays)
	return move(ctx, tx, &c, ActExtend, dayOn, c.ReplyDue+" → "+due+"："+reason, func(c *Case) {
		c.ExtendedOn, c.ExtendReason, c.ReplyDue = dayOn, reason, due
	})
}

// Reply records the unit's reply (答复).
func Reply(ctx context.Context, tx *store.Tx, s area.Scope, id, reply, dayOn string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActReply)
	if err != nil {
		return err
	}
	var es validate.Errors
	reply = text(&es, "rights.reply.text", reply, MaxText, true)
	dayOn = checkDay(&es, "rights.reply.day", dayOn, c.TransferredOn, today)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &c, ActReply, dayOn, reply, func(c *Case) { c.Reply, c.ReplyOn = reply, dayOn })
}

// Callback records the call back to the caller (回访) with satisfaction.
func Callback(ctx context.Context, tx *store.Tx, s area.Scope, id, satisfaction, dayOn, note string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActCallback)
	if err != nil {
		return err
	}
	var es validate.Errors
	if !slices.Contains(Satisfactions, satisfaction) {
		es.Add(0, "rights.callback.satisfaction", "validate.choose")
	}
	dayOn = checkDay(&es, "rights.callback.day", dayOn, c.ReplyOn, today)
	note = text(&es, "rights.callback.note", note, MaxNote, false)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &c, ActCallback, dayOn, satisfaction+tail(note), func(c *Case) {
		c.Satisfaction, c.CallbackOn, c.CallbackNote = satisfaction, dayOn, note
	})
}

// Close files the case (办结归档) after the call back.
func Close(ctx context.Context, tx *store.Tx, s area.Scope, id, dayOn, note string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActClose)
	if err != nil {
		return err
	}
	var es validate.Errors
	dayOn = checkDay(&es, "rights.close.day", dayOn, c.CallbackOn, today)
	note = text(&es, "rights.close.note", note, MaxNote, false)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &c, ActClose, dayOn, note, func(c *Case) { c.ClosedOn = dayOn })
}

// Supervise marks an open case supervised (督办) with a note; the latest
// note is kept on the case, every one in the timeline.
func Supervise(ctx context.Context, tx *store.Tx, s area.Scope, id, note string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActSupervise)
	if err != nil {
		return err
	}
	var es validate.Errors
	note = text(&es, "rights.supervise.note", note, MaxNote, true)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &c, ActSupervise, ymd(today), note, func(c *Case) { c.SupervisedOn, c.SuperviseNote = ymd(today), note })
}

// LegalAid records, once, that the legal service centre gave legal aid in
// the case, with the number of persons helped (legal_aid_persons counts
// them by this day).
func LegalAid(ctx context.Context, tx *store.Tx, s area.Scope, id string, persons int, dayOn, note string, today time.Time) error {
	c, err := begin(ctx, tx, s, id, ActLegalAid)
	if err != nil {
		return err
	}
	if c.LegalAidOn != "" {
		return refuse(&c, ActLegalAid, "rights.error.legal_aid_once", c.LegalAidOn)
	}
	var es validate.Errors
	if persons < 1 || persons > MaxPersons {
		es.Add(0, "rights.legal_aid.persons", "rights.error.range", 1, MaxPersons)
	}
	dayOn = checkDay(&es, "rights.legal_aid.day", dayOn, c.ReceivedOn, today)
	note = text(&es, "rights.legal_aid.note", note, MaxNote, false)
	if len(es) > 0 {
		return es
	}
	return move(ctx, tx, &c, ActLegalAid, dayOn, fmt.Sprintf("%d%s", persons, tail(note)), func(c *Case) {
		c.LegalAidOn, c.LegalAidPersons, c.LegalAidNote = dayOn, persons, note
	})
}
