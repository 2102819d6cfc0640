package survey

import (
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Status is the stage of a survey task.
type Status string

// Statuses.
const (
	Pending    Status = "pending"     // 待调查
	InProgress Status = "in_progress" // 调查中（已保存部分内容）
	Submitted  Status = "submitted"   // 村已提交，待乡镇审核
	Checked    Status = "checked"     // 乡镇已审核，待县残联验收
	Accepted   Status = "accepted"    // 县残联已验收（办结）
	Returned   Status = "returned"    // 已退回村，待修改
	Void       Status = "void"        // 作废：本人已离册（死亡、迁出、注销）
)

// Statuses in the order of the work.
var Statuses = []Status{Pending, InProgress, Submitted, Checked, Accepted, Returned, Void}

// Final reports whether nothing more happens to a task.
func (s Status) Final() bool { return s == Accepted || s == Void }

// Open reports whether the village still has to act: such a task counts
// as overdue after the round's due date.
func (s Status) Open() bool { return s == Pending || s == InProgress || s == Returned }

// Recorded reports whether the visit's answers stand (submitted or later,
// not returned): the needs of such a task are what Needs reports.
func (s Status) Recorded() bool { return s == Submitted || s == Checked || s == Accepted }

// Action moves a task from one stage to another.
type Action string

// Actions.
const (
	ActStart  Action = "start"  // first section saved
	ActSubmit Action = "submit" // the village submits the visit
	ActCheck  Action = "check"  // the township has checked it
	ActAccept Action = "accept" // the county accepts it; the registry is updated
	ActReturn Action = "return" // back to the village worker, with a reason
	ActResume Action = "resume" // the village worker edits a returned task
	ActVoid   Action = "void"   // the person left the register
)

// Actions in display order.
var Actions = []Action{ActStart, ActSubmit, ActCheck, ActAccept, ActReturn, ActResume, ActVoid}

// Actor is who may carry out a move, beyond holding auth.PermRegistryWrite
// and the task lying in his scope.
type Actor string

// Actors.
const (
	ByWorker   Actor = "worker"   // any worker of the area: village, township or county
	ByTownship Actor = "township" // a township worker or county staff (乡镇审核)
	ByCounty   Actor = "county"   // county staff or the county administrator (县级验收)
	BySystem   Actor = "system"   // the registry, when the person leaves it
)

// Allows reports whether a role may act as a.
func (a Actor) Allows(r auth.Role) bool {
	switch a {
	case ByWorker:
		return r == auth.RoleVillageWorker || r == auth.RoleTownshipWorker || r == auth.RoleCountyStaff || r == auth.RoleCountyAdmin
	case ByTownship:
		return r == auth.RoleTownshipWorker || r == auth.RoleCountyStaff || r == auth.RoleCountyAdmin
	case ByCounty:
		return r == auth.RoleCountyStaff || r == auth.RoleCountyAdmin
	}
	return false
}

// Transition is one allowed move.
type Transition struct {
	From   Status
	Action Action
	To     Status
	By     Actor
}

// Transitions is the state machine: the one table of every allowed move.
// Whatever is not here is refused.
var Transitions = []Transition{
	{Pending, ActStart, InProgress, ByWorker},
	{InProgress, ActSubmit, Submitted, ByWorker},
	{Submitted, ActCheck, Checked, ByTownship},
	{Submitted, ActReturn, Returned, ByTownship},
	{Checked, ActAccept, Accepted, ByCounty},
	{Checked, ActReturn, Returned, ByCounty},
	{Returned, ActResume, InProgress, ByWorker},
	{Pending, ActVoid, Void, BySystem},
	{InProgress, ActVoid, Void, BySystem},
	{Submitted, ActVoid, Void, BySystem},
	{Checked, ActVoid, Void, BySystem},
	{Returned, ActVoid, Void, BySystem},
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

// AllowedFor lists the actions in status s that role r may take by hand
// (the system's void and the implicit start and resume left out).
func AllowedFor(s Status, r auth.Role) []Action {
	var out []Action
	for _, a := range Allowed(s) {
		tr, _ := Next(s, a)
		if tr.By.Allows(r) && !slices.Contains([]Action{ActStart, ActResume}, a) {
			out = append(out, a)
		}
	}
	return out
}
