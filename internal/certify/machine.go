package certify

import (
	"slices"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

// Type is what an application asks for.
type Type string

// Application types.
const (
	TypeNew      Type = "new"      // 新办
	TypeReassess Type = "reassess" // 重新评定（类别、等级变更）
	TypeRenew    Type = "renew"    // 换领（到期）
	TypeChange   Type = "change"   // 信息变更（姓名、住址）
	TypeReplace  Type = "replace"  // 补领（遗失）
	TypeCancel   Type = "cancel"   // 注销
)

// Types in display order.
var Types = []Type{TypeNew, TypeReassess, TypeRenew, TypeChange, TypeReplace, TypeCancel}

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// Assessed reports whether the type goes through an assessment (评定).
func (t Type) Assessed() bool { return t == TypeNew || t == TypeReassess }

// Card reports whether the type ends with a certificate handed over.
func (t Type) Card() bool { return t != TypeCancel && t.Valid() }

// Status is the stage an application is in.
type Status string

// Statuses.
const (
	Submitted    Status = "submitted"     // 已受理
	Scheduled    Status = "scheduled"     // 已安排评定（集中或上门）
	Assessed     Status = "assessed"      // 已评定，待复核
	Publicity    Status = "publicity"     // 公示中
	CountyReview Status = "county_review" // 县级审核
	Approved     Status = "approved"      // 审核通过，待制证
	Issued       Status = "issued"        // 已制证，待送达
	Delivered    Status = "delivered"     // 已送达（办结）
	Completed    Status = "completed"     // 已办结（注销）
	NotQualified Status = "not_qualified" // 未达评残标准（申诉期）
	Rejected     Status = "rejected"      // 不予办理（申诉期）
	Appealed     Status = "appealed"      // 申诉中
	Closed       Status = "closed"        // 已结案
	Withdrawn    Status = "withdrawn"     // 已撤回
)

// Statuses in the order of the work.
var Statuses = []Status{Submitted, Scheduled, Assessed, Publicity, CountyReview, Approved, Issued, Delivered, Completed,
	NotQualified, Rejected, Appealed, Closed, Withdrawn}

// Final reports whether nothing more happens to an application.
func (s Status) Final() bool {
	return s == Delivered || s == Completed || s == Closed || s == Withdrawn
}

// Action moves an application from one stage to another.
type Action string

// Actions.
const (
	ActBook         Action = "book"          // book into a centralised session
	ActScheduleHome Action = "schedule_home" // arrange a home assessment
	ActUnbook       Action = "unbook"        // cancel the booking (no-show, reschedule)
	ActAssess       Action = "assess"        // the expert records the result
	ActReturn       Action = "return"        // the second reviewer sends it back to the expert
	ActPublish      Action = "publish"       // the second reviewer confirms a qualifying result: 公示 starts
	ActRefuse       Action = "refuse"        // the second reviewer confirms a result below the standard
	ActObject       Action = "object"        // an objection during 公示 sends it back to review
	ActEndPublicity Action = "end_publicity" // 公示 over without objection: county review
	ActForward      Action = "forward"       // a type without assessment goes straight to county review
	ActApprove      Action = "approve"       // county review approves
	ActReject       Action = "reject"        // county review refuses
	ActIssue        Action = "issue"         // certificate made, registry updated
	ActComplete     Action = "complete"      // cancellation carried out
	ActDeliver      Action = "deliver"       // certificate handed over
	ActAppeal       Action = "appeal"        // the applicant appeals within the window
	ActReopen       Action = "reopen"        // appeal upheld: the case starts again
	ActDismiss      Action = "dismiss"       // appeal dismissed
	ActClose        Action = "close"         // appeal window over without appeal
	ActWithdraw     Action = "withdraw"      // the applicant withdraws
)

// Actions in display order.
var Actions = []Action{ActBook, ActScheduleHome, ActUnbook, ActAssess, ActReturn, ActPublish, ActRefuse, ActObject,
	ActEndPublicity, ActForward, ActApprove, ActReject, ActIssue, ActComplete, ActDeliver, ActAppeal, ActReopen,
	ActDismiss, ActClose, ActWithdraw}

// Transition is one allowed move: from a status, by an action, for some
// types, to a status, by whoever holds Perm.
type Transition struct {
	From   Status
	Action Action
	To     Status
	Perm   auth.Perm
	Types  []Type // nil: every type
}

var (
	assessedTypes = []Type{TypeNew, TypeReassess}
	directTypes   = []Type{TypeRenew, TypeChange, TypeReplace, TypeCancel}
	cardTypes     = []Type{TypeNew, TypeReassess, TypeRenew, TypeChange, TypeReplace}
)

// Transitions is the state machine: the one table of every allowed move.
// Whatever is not here is refused. Guards that depend on the case (the
// four-eyes rule, deadlines, capacity) are checked by the functions that
// carry the moves out.
var Transitions = []Transition{
	{Submitted, ActBook, Scheduled, auth.PermCertifyWrite, assessedTypes},
	{Submitted, ActScheduleHome, Scheduled, auth.PermCertifyWrite, assessedTypes},
	{Scheduled, ActUnbook, Submitted, auth.PermCertifyWrite, assessedTypes},
	{Scheduled, ActAssess, Assessed, auth.PermCertifyAssess, assessedTypes},
	{Assessed, ActReturn, Scheduled, auth.PermCertifyReview, assessedTypes},
	{Assessed, ActPublish, Publicity, auth.PermCertifyReview, assessedTypes},
	{Assessed, ActRefuse, NotQualified, auth.PermCertifyReview, assessedTypes},
	{Publicity, ActObject, Assessed, auth.PermCertifyWrite, assessedTypes},
	{Publicity, ActEndPublicity, CountyReview, auth.PermCertifyWrite, assessedTypes},
	{Submitted, ActForward, CountyReview, auth.PermCertifyWrite, directTypes},
	{CountyReview, ActApprove, Approved, auth.PermCertifyReview, nil},
	{CountyReview, ActReject, Rejected, auth.PermCertifyReview, nil},
	{Approved, ActIssue, Issued, auth.PermCertifyWrite, cardTypes},
	{Approved, ActComplete, Completed, auth.PermCertifyWrite, []Type{TypeCancel}},
	{Issued, ActDeliver, Delivered, auth.PermCertifyWrite, cardTypes},
	{NotQualified, ActAppeal, Appealed, auth.PermCertifyApply, assessedTypes},
	{Rejected, ActAppeal, Appealed, auth.PermCertifyApply, nil},
	{Appealed, ActReopen, Submitted, auth.PermCertifyWrite, nil},
	{Appealed, ActDismiss, Closed, auth.PermCertifyWrite, nil},
	{NotQualified, ActClose, Closed, auth.PermCertifyWrite, assessedTypes},
	{Rejected, ActClose, Closed, auth.PermCertifyWrite, nil},
	{Submitted, ActWithdraw, Withdrawn, auth.PermCertifyApply, nil},
	{Scheduled, ActWithdraw, Withdrawn, auth.PermCertifyApply, assessedTypes},
}

// Next returns the transition for action a on an application of type t in
// status from; ok is false when the table does not allow it.
func Next(from Status, a Action, t Type) (Transition, bool) {
	for _, tr := range Transitions {
		if tr.From == from && tr.Action == a && (tr.Types == nil || slices.Contains(tr.Types, t)) {
			return tr, true
		}
	}
	return Transition{}, false
}

// Allowed lists the actions the table allows for type t in status s.
func Allowed(s Status, t Type) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := Next(s, a, t); ok {
			out = append(out, a)
		}
	}
	return out
}

// Holder is who has to act on an application in status s (an i18n key).
func Holder(s Status) string {
	switch s {
	case Submitted, Approved, Issued:
		return "certify.holder.staff"
	case Scheduled:
		return "certify.holder.expert"
	case Assessed, CountyReview:
		return "certify.holder.reviewer"
	case Publicity:
		return "certify.holder.village"
	case NotQualified, Rejected:
		return "certify.holder.applicant"
	case Appealed:
		return "certify.holder.city"
	}
	return "certify.holder.none"
}
