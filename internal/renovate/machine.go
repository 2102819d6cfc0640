package renovate

import (
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Status is the stage of a household's renovation.
type Status string

// Statuses.
const (
	Requested    Status = "requested"          // 已列入（待入户勘查）
	Surveyed     Status = "surveyed"           // 已勘查
	Planned      Status = "planned"            // 已制定方案（一户一策），待审批
	Approved     Status = "approved"           // 已审批，待施工
	Construction Status = "under_construction" // 施工中
	Accepted     Status = "accepted"           // 已验收
	Paid         Status = "paid"               // 已支付（办结）
	Cancelled    Status = "cancelled"          // 已取消
)

// Statuses in the order of the work.
var Statuses = []Status{Requested, Surveyed, Planned, Approved, Construction, Accepted, Paid, Cancelled}

// Final reports whether nothing more happens to a renovation.
func (s Status) Final() bool { return s == Paid || s == Cancelled }

// Completed reports whether the home is renovated (accepted or paid).
func (s Status) Completed() bool { return s == Accepted || s == Paid }

// InPreparation reports whether the renovation is in design or
// preparation (前期设计、改造筹备): surveyed, planned or approved.
func (s Status) InPreparation() bool { return s == Surveyed || s == Planned || s == Approved }

// Action moves a renovation from one stage to another.
type Action string

// Actions.
const (
	ActSurvey  Action = "survey"  // record the survey visit (again)
	ActPlan    Action = "plan"    // make or revise the plan with the family's agreement
	ActReturn  Action = "return"  // the reviewer sends the plan back
	ActApprove Action = "approve" // the reviewer approves the plan (not its planner)
	ActStart   Action = "start"   // construction starts with a contractor
	ActAccept  Action = "accept"  // inspection with photos and the family's signature
	ActPay     Action = "pay"     // finance pays
	ActCancel  Action = "cancel"  // stopped, with a reason
)

// Actions in display order.
var Actions = []Action{ActSurvey, ActPlan, ActReturn, ActApprove, ActStart, ActAccept, ActPay, ActCancel}

// Transition is one allowed move, by whoever holds Perm.
type Transition struct {
	From   Status
	Action Action
	To     Status
	Perm   auth.Perm
}

// Transitions is the state machine: the one table of every allowed move.
// Whatever is not here is refused. The four-eyes rule and the inputs each
// move needs are checked by the functions that carry the moves out.
var Transitions = []Transition{
	{Requested, ActSurvey, Surveyed, auth.PermProgrammeApply},
	{Surveyed, ActSurvey, Surveyed, auth.PermProgrammeApply},
	{Surveyed, ActPlan, Planned, auth.PermProgrammeWrite},
	{Planned, ActPlan, Planned, auth.PermProgrammeWrite},
	{Planned, ActReturn, Surveyed, auth.PermProgrammeReview},
	{Planned, ActApprove, Approved, auth.PermProgrammeReview},
	{Approved, ActStart, Construction, auth.PermProgrammeWrite},
	{Construction, ActAccept, Accepted, auth.PermProgrammeReview},
	{Accepted, ActPay, Paid, auth.PermPaymentWrite},
	{Requested, ActCancel, Cancelled, auth.PermProgrammeWrite},
	{Surveyed, ActCancel, Cancelled, auth.PermProgrammeWrite},
	{Planned, ActCancel, Cancelled, auth.PermProgrammeWrite},
	{Approved, ActCancel, Cancelled, auth.PermProgrammeWrite},
	{Construction, ActCancel, Cancelled, auth.PermProgrammeWrite},
}

// Next returns the transition for action a in status from; ok is false
// when the table does not allow it.
func Next(from Status, a Action) (Transition, bool) {
	for _, tr := range Transitions {
		if tr.From == from && tr.Action == a {
			return tr, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions the table allows in status s.
func Allowed(s Status) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := Next(s, a); ok {
			out = append(out, a)
		}
	}
	return out
}

// Sources: how a household entered the list.
const (
	SourceSurvey      = "survey"      // a renovation need in the yearly survey
	SourceTownship    = "township"    // the township asked
	SourceApplication = "application" // the family applied
)

// Sources in display order.
var Sources = []string{SourceSurvey, SourceTownship, SourceApplication}

// Stages of photos.
const (
	StageSurvey       = "survey"
	StageConstruction = "construction"
	StageAcceptance   = "acceptance"
)

// PhotoStages in display order.
var PhotoStages = []string{StageSurvey, StageConstruction, StageAcceptance}

func validSource(s string) bool { return slices.Contains(Sources, s) }
