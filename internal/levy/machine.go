package levy

import (
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Status is the stage of a declaration (年审申报).
type Status string

// Statuses.
const (
	Draft     Status = "draft"     // 填报中 (also after a clerk returned it)
	Submitted Status = "submitted" // 已申报，待审核
	Verified  Status = "verified"  // 已审核，待出具结果
	Issued    Status = "issued"    // 已出具审核结果
)

// Statuses in the order of the work.
var Statuses = []Status{Draft, Submitted, Verified, Issued}

// Declared reports whether a declaration in status s counts as declared.
func (s Status) Declared() bool { return s == Submitted || s == Verified || s == Issued }

// Reviewed reports whether the federation has verified it.
func (s Status) Reviewed() bool { return s == Verified || s == Issued }

// Action moves a declaration from one stage to another.
type Action string

// Actions.
const (
	ActSubmit Action = "submit" // the employer or a clerk at the counter submits
	ActReturn Action = "return" // the clerk sends it back with a reason
	ActVerify Action = "verify" // the clerk verifies: the levy is computed
	ActIssue  Action = "issue"  // the review result is issued (and goes to the tax office)
)

// Actions in display order.
var Actions = []Action{ActSubmit, ActReturn, ActVerify, ActIssue}

// Transition is one allowed move, by whoever holds one of Perms.
type Transition struct {
	From   Status
	Action Action
	To     Status
	Perms  []auth.Perm
}

// Transitions is the state machine: the one table of every allowed move.
// Whatever is not here is refused. Guards that depend on the case (the
// window, complete figures, the social average wage) are checked by the
// functions that carry the moves out.
var Transitions = []Transition{
	{Draft, ActSubmit, Submitted, []auth.Perm{auth.PermLevyDeclare, auth.PermLevyReview}},
	{Submitted, ActReturn, Draft, []auth.Perm{auth.PermLevyReview}},
	{Submitted, ActVerify, Verified, []auth.Perm{auth.PermLevyReview}},
	{Verified, ActReturn, Draft, []auth.Perm{auth.PermLevyReview}},
	{Verified, ActIssue, Issued, []auth.Perm{auth.PermLevyReview}},
}

// Next returns the transition for action a from status s by a holder of
// perm; ok is false when the table does not allow it.
func Next(from Status, a Action, perm auth.Perm) (Transition, bool) {
	for _, tr := range Transitions {
		if tr.From == from && tr.Action == a && slices.Contains(tr.Perms, perm) {
			return tr, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions a holder of perm may take in status s.
func Allowed(s Status, perm auth.Perm) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := Next(s, a, perm); ok {
			out = append(out, a)
		}
	}
	return out
}

// Editable reports whether the figures of a declaration in status s may
// still be changed.
func (s Status) Editable() bool { return s == Draft }
