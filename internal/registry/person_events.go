package registry

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// MaxReasonLength is the longest reason or source accepted, in characters.
const MaxReasonLength = 200

// UpdatePerson is a general edit: the editable fields (the ID number, and
// with it sex and birth date, is fixed once registered and ignored here),
// why they change, and the version the editor saw.
type UpdatePerson struct {
	NewPerson
	Reason string // required: every change says why (修改原因)
	// Source names where the change came from when it is not the editor's
	// own knowledge, e.g. "动态更新调查 2026" (shown in the timeline).
	Source string
	// Version is the person's version when the form was read; a
	// different stored version means someone changed the person since and
	// nothing is written. 0 skips the check (an import compares itself).
	Version int
}

// Event is a change of a person's standing, recorded with RecordEvent (or
// the helpers Move, Regrade, Died, MovedOut, Cancel, Reinstate).
type Event struct {
	Kind          Change
	Version       int    // as UpdatePerson.Version
	Reason        string // why; required except for died and moved_out
	EffectiveDate string // YYYY-MM-DD the change took effect; required for move, regrade, died, moved_out
	Source        string // died: who reported it (公安, 民政, 家属…); moved_out: where to
	VillageCode   string // move: the new household village
	Category      Category
	Grade         Grade
	Components    []Component // regrade of a 多重 disability
}

// errStaleKey is the message of a change made from a form read before
// someone else's change.
const errStaleKey = "person.error.stale"

// IsStale reports whether err refused a change made from an out-of-date
// version of the person.
func IsStale(err error) bool {
	es, ok := err.(validate.Errors)
	return ok && len(es) == 1 && es[0].Key == errStaleKey
}

// Update changes the editable fields of a person inside scope s in tx,
// keeping the person inside s, with a history entry (change "update",
// with the reason) and an audit entry holding before and after. A change
// of category or grade gives a new certificate number. An edit that changes
// nothing writes nothing.
func Update(ctx context.Context, tx *store.Tx, s area.Scope, id string, u UpdatePerson) (Person, error) {
	before, err := lockPerson(ctx, tx, s, id)
	if err != nil {
		return Person{}, err
	}
	if u.Version != 0 && u.Version != before.Version {
		return Person{}, validate.Errors{{Key: errStaleKey}}
	}
	if before.Status == StatusMerged {
		// The kept record carries this one's history; edits go there.
		return Person{}, validate.Errors{{Field: "person.status", Key: "person.error.merged_record"}}
	}
	var es validate.Errors
	n, err := checkPerson(ctx, tx, s, &es, u.NewPerson, before.BirthDate, time.Now())
	if err != nil {
		return Person{}, err
	}
	reason := checkReason(&es, "person.reason", u.Reason, true)
	if len(es) > 0 {
		return Person{}, es
	}
	after := before
	after.apply(n)
	source := checkReason(&es, "person.source", u.Source, false)
	if len(es) > 0 {
		return Person{}, es
	}
	return writeChange(ctx, tx, before, after, historyNote{Change: ChangeUpdate, Reason: reason, Source: source})
}

// lockPerson reads a person inside s for a change. A write that changes
// nothing takes the row lock on PostgreSQL (SQLite transactions already hold
// the database's), so the person cannot change between this read and the
// write.
func lockPerson(ctx context.Context, tx *store.Tx, s area.Scope, id string) (Person, error) {
	cond, args := s.Filter("village_code", 2)
	res, err := tx.ExecContext(ctx, `UPDATE persons SET version = version WHERE id = $1 AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return Person{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Person{}, store.ErrNotFound
	}
	return Get(ctx, tx, s, id)
}

// writeChange stores after (unless it equals before) with its history and
// audit entries.
func writeChange(ctx context.Context, tx *store.Tx, before, after Person, note historyNote) (Person, error) {
	if after.equal(before) {
		return before, nil
	}
	after.UpdatedAt = store.Now()
	after.Version = before.Version + 1
	var sets strings.Builder
	vals := after.values()
	for i, c := range strings.Split(personColumns, ", ")[1:] {
		if i > 0 {
			sets.WriteString(", ")
		}
		sets.WriteString(c + " = $" + strconv.Itoa(i+2))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET `+sets.String()+` WHERE id = $1`, vals...); err != nil {
		return Person{}, err
	}
	if err := saveComponents(ctx, tx, after.ID, before.Components, after.Components); err != nil {
		return Person{}, err
	}
	if err := addHistory(ctx, tx, after.ID, note, &before, &after); err != nil {
		return Person{}, err
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: "person." + string(note.Change), ObjectType: "person", ObjectID: after.ID,
		AreaCode: after.VillageCode, Before: before, After: after, Detail: note.Reason}); err != nil {
		return Person{}, err
	}
	if before.Active() && !after.Active() {
		for _, h := range leaveHooks {
			if err := h(ctx, tx, after); err != nil {
				return Person{}, err
			}
		}
	}
	return after, nil
}

// LeaveHook is called inside the transaction that takes a person off the
// active register (death, move out of the county, cancellation), so other
// areas (programmes suspending open cases) act in the same transaction.
type LeaveHook func(ctx context.Context, tx *store.Tx, p Person) error

var leaveHooks []LeaveHook

// OnLeave registers h; packages call it from init.
func OnLeave(h LeaveHook) { leaveHooks = append(leaveHooks, h) }

// checkReason trims a reason and checks it is given (when required) and
// not too long.
func checkReason(es *validate.Errors, field, v string, required bool) string {
	v = strings.TrimSpace(v)
	if required && !es.Required(0, field, v) {
		return v
	}
	if utf8.RuneCountInString(v) > MaxReasonLength {
		es.Add(0, field, "person.error.too_long", MaxReasonLength)
	}
	return v
}

// RecordEvent records a change of a person's standing inside scope s in
// tx: checked against the person's status (only an active person moves,
// is re-graded, dies, moves out or is cancelled; only an inactive one is
// reinstated), written with history (reason, effective date, source) and
// audit, or refused with validate.Errors and nothing written. today is the
// day an effective date may not be after.
func RecordEvent(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	before, err := lockPerson(ctx, tx, s, id)
	if err != nil {
		return Person{}, err
	}
	if e.Version != 0 && e.Version != before.Version {
		return Person{}, validate.Errors{{Key: errStaleKey}}
	}
	var es validate.Errors
	after := before
	note := historyNote{Change: e.Kind}
	switch e.Kind {
	case ChangeReinstate:
		if before.Active() {
			es.Add(0, "person.status", "person.error.already_active")
		}
	case ChangeMove, ChangeRegrade, ChangeDied, ChangeMovedOut, ChangeCancel:
		if !before.Active() {
			es.Add(0, "person.status", "person.error.not_active")
		}
	default:
		es.Add(0, "person.event", "validate.choose")
		return Person{}, es
	}
	needsDate := e.Kind != ChangeCancel && e.Kind != ChangeReinstate
	e.EffectiveDate = strings.TrimSpace(e.EffectiveDate)
	if needsDate && es.Required(0, "person.effective_date", e.EffectiveDate) || !needsDate && e.EffectiveDate != "" {
		checkDate(&es, "person.effective_date", e.EffectiveDate, before.BirthDate, today)
	}
	note.EffectiveDate = e.EffectiveDate
	note.Reason = checkReason(&es, "person.reason", e.Reason, e.Kind != ChangeDied && e.Kind != ChangeMovedOut)
	switch e.Kind {
	case ChangeMove:
		e.VillageCode = strings.TrimSpace(e.VillageCode)
		if es.Required(0, "person.village", e.VillageCode) {
			if err := checkVillage(ctx, tx, s, &es, "person.village", e.VillageCode); err != nil {
				return Person{}, err
			}
			if e.VillageCode == before.VillageCode {
				es.Add(0, "person.village", "person.error.same_village")
			}
		}
		in := before.Input()
		in.VillageCode = e.VillageCode
		if in.ResidenceVillageCode == e.VillageCode {
			in.ResidenceVillageCode = ""
		}
		after.apply(in)
	case ChangeRegrade:
		in := before.Input()
		in.Category, in.Grade, in.Components = e.Category, e.Grade, e.Components
		checkDisability(&es, &in)
		if in.Category == before.Category && in.Grade == before.Grade && ComponentsText(in.Components) == ComponentsText(before.Components) {
			es.Add(0, "person.grade", "person.error.same_grade")
		}
		// A re-assessment issues a new card (变更), valid from the day.
		in.CertificateIssuedOn = e.EffectiveDate
		after.apply(in)
	case ChangeDied:
		note.Source = checkReason(&es, "person.death_source", e.Source, true)
		after.Status, after.DeathDate = StatusDeceased, e.EffectiveDate
	case ChangeMovedOut:
		note.Source = checkReason(&es, "person.moved_to", e.Source, true)
		after.Status = StatusMovedOut
	case ChangeCancel:
		after.Status = StatusCancelled
	case ChangeReinstate:
		after.Status, after.DeathDate = StatusActive, ""
	}
	if len(es) > 0 {
		return Person{}, es
	}
	return writeChange(ctx, tx, before, after, note)
}

// Move records a move of the household registration to another village
// inside the scope (迁移), e.g. to another township.
func Move(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	e.Kind = ChangeMove
	return RecordEvent(ctx, tx, s, id, e, today)
}

// Regrade records a re-assessment that changed category or grade (变更);
// the certificate number follows.
func Regrade(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	e.Kind = ChangeRegrade
	return RecordEvent(ctx, tx, s, id, e, today)
}

// Died records a death with its date and source.
func Died(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	e.Kind = ChangeDied
	return RecordEvent(ctx, tx, s, id, e, today)
}

// MovedOut records a move out of the county with its date and destination.
func MovedOut(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	e.Kind = ChangeMovedOut
	return RecordEvent(ctx, tx, s, id, e, today)
}

// Cancel records a cancellation (注销, RULES.md §3) with its reason.
func Cancel(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	e.Kind = ChangeCancel
	return RecordEvent(ctx, tx, s, id, e, today)
}

// Reinstate puts a deceased, moved-out or cancelled person back in the
// register (a correction, or a return to the county), with its reason.
func Reinstate(ctx context.Context, tx *store.Tx, s area.Scope, id string, e Event, today time.Time) (Person, error) {
	e.Kind = ChangeReinstate
	return RecordEvent(ctx, tx, s, id, e, today)
}
