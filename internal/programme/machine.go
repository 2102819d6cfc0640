package programme

import (
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Status is the stage a case is in.
type Status string

// Statuses.
const (
	Applied   Status = "applied"   // 已申请，待乡镇审核
	Checked   Status = "checked"   // 乡镇已审核，待县级审核
	Reviewed  Status = "reviewed"  // 县级已审核，待审批（另一人）
	Approved  Status = "approved"  // 已审批，待确定待遇
	Entitled  Status = "entitled"  // 享受待遇中 / 待发放、待服务
	Paid      Status = "paid"      // 已发放（一次性）
	Delivered Status = "delivered" // 已交付（服务、辅具）
	FollowUp  Status = "follow_up" // 回访中
	Closed    Status = "closed"    // 已结案
	Refused   Status = "refused"   // 不予受理/不予批准
	Withdrawn Status = "withdrawn" // 已撤回
	Suspended Status = "suspended" // 已暂停（人员死亡、迁出或人工暂停）
)

// Statuses in the order of the work.
var Statuses = []Status{Applied, Checked, Reviewed, Approved, Entitled, Paid, Delivered, FollowUp, Closed, Refused, Withdrawn, Suspended}

// Final reports whether nothing more happens to a case.
func (s Status) Final() bool { return s == Closed || s == Refused || s == Withdrawn }

// Live reports whether a case in s counts against a second case of the
// same programme and period, and keeps its person off the radar.
func (s Status) Live() bool { return s != Refused && s != Withdrawn }

// Granted reports whether the person holds the benefit: approved or
// further, not suspended. enrolled("code") in rules and "served" in the
// figures mean this.
func (s Status) Granted() bool {
	return s == Approved || s == Entitled || s == Paid || s == Delivered || s == FollowUp || s == Closed
}

// Action moves a case from one stage to another.
type Action string

// Actions.
const (
	ActCheck    Action = "check"     // the township checks the application (乡镇审核)
	ActReview   Action = "review"    // the county reviews it (县级审核)
	ActApprove  Action = "approve"   // a second county person approves (审批, four-eyes)
	ActEntitle  Action = "entitle"   // the benefit is set: amount, months, payee
	ActPay      Action = "pay"       // a one-off is paid (by the payment batch)
	ActReverse  Action = "reverse"   // a payment is reversed: owed again
	ActDeliver  Action = "deliver"   // the service or device is delivered
	ActFollowUp Action = "follow_up" // the follow-up visit begins
	ActClose    Action = "close"     // the case is finished
	ActStop     Action = "stop"      // a recurring benefit stops (from a month)
	ActRefuse   Action = "refuse"    // refused, with a reason
	ActWithdraw Action = "withdraw"  // withdrawn by the applicant, with a reason
	ActSuspend  Action = "suspend"   // suspended, with a reason (or by the registry on death/move-out)
	ActResume   Action = "resume"    // a suspension is lifted: the case is checked again
)

// Actions in display order.
var Actions = []Action{ActCheck, ActReview, ActApprove, ActEntitle, ActPay, ActReverse, ActDeliver, ActFollowUp, ActClose, ActStop,
	ActRefuse, ActWithdraw, ActSuspend, ActResume}

// Transition is one allowed move, by whoever holds Perm.
type Transition struct {
	From   Status
	Action Action
	To     Status
	Perm   auth.Perm
}

// open are the stages before a decision that a case may be withdrawn or
// suspended from.
var suspendable = []Status{Applied, Checked, Reviewed, Approved, Entitled, Paid, Delivered, FollowUp}

// Transitions is the state machine: the one table of every allowed move.
// Whatever is not here is refused. Guards that depend on the case (four
// eyes, the programme's frequency, a reason) are checked by Act.
var Transitions = func() []Transition {
	t := []Transition{
		{Applied, ActCheck, Checked, auth.PermProgrammeApply},
		{Checked, ActReview, Reviewed, auth.PermProgrammeReview},
		{Reviewed, ActApprove, Approved, auth.PermProgrammeReview},
		{Approved, ActEntitle, Entitled, auth.PermProgrammeWrite},
		{Entitled, ActPay, Paid, auth.PermPaymentWrite},
		{Paid, ActReverse, Entitled, auth.PermPaymentWrite},
		{Entitled, ActDeliver, Delivered, auth.PermProgrammeApply},
		{Paid, ActFollowUp, FollowUp, auth.PermProgrammeApply},
		{Delivered, ActFollowUp, FollowUp, auth.PermProgrammeApply},
		{FollowUp, ActClose, Closed, auth.PermProgrammeApply},
		{Paid, ActClose, Closed, auth.PermProgrammeApply},
		{Delivered, ActClose, Closed, auth.PermProgrammeApply},
		{Entitled, ActStop, Closed, auth.PermProgrammeWrite},
		{Suspended, ActClose, Closed, auth.PermProgrammeWrite},
		{Applied, ActRefuse, Refused, auth.PermProgrammeApply},
		{Checked, ActRefuse, Refused, auth.PermProgrammeReview},
		{Reviewed, ActRefuse, Refused, auth.PermProgrammeReview},
		{Applied, ActWithdraw, Withdrawn, auth.PermProgrammeApply},
		{Checked, ActWithdraw, Withdrawn, auth.PermProgrammeApply},
		{Reviewed, ActWithdraw, Withdrawn, auth.PermProgrammeApply},
		{Approved, ActWithdraw, Withdrawn, auth.PermProgrammeApply},
		{Suspended, ActResume, Applied, auth.PermProgrammeWrite},
	}
	for _, s := range suspendable {
		t = append(t, Transition{s, ActSuspend, Suspended, auth.PermProgrammeWrite})
	}
	return t
}()

// Next returns the transition for action a from status s; ok is false when
// the table does not allow it.
func Next(s Status, a Action) (Transition, bool) {
	for _, tr := range Transitions {
		if tr.From == s && tr.Action == a {
			return tr, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions the table allows from s.
func Allowed(s Status) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := Next(s, a); ok {
			out = append(out, a)
		}
	}
	return out
}

// NeedsReason reports whether an action must say why.
func NeedsReason(a Action) bool {
	return slices.Contains([]Action{ActRefuse, ActWithdraw, ActSuspend, ActStop, ActResume, ActReverse}, a)
}

// Holder is who has to act on a case in status s (an i18n key).
func Holder(s Status) string {
	switch s {
	case Applied:
		return "programme.holder.township"
	case Checked:
		return "programme.holder.reviewer"
	case Reviewed:
		return "programme.holder.approver"
	case Approved, Suspended:
		return "programme.holder.staff"
	case Entitled:
		return "programme.holder.payment_or_provider"
	case Paid, Delivered, FollowUp:
		return "programme.holder.follow_up"
	}
	return "programme.holder.none"
}
