package rights

import (
	"slices"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
)

// Status is the stage of a case.
type Status string

// Statuses.
const (
	Received    Status = "received"    // 已受理（待转办）
	Transferred Status = "transferred" // 已转办（待承办单位答复）
	Replied     Status = "replied"     // 已答复（待回访）
	CalledBack  Status = "called_back" // 已回访（待归档）
	Closed      Status = "closed"      // 已办结归档
)

// Statuses in the order of the work.
var Statuses = []Status{Received, Transferred, Replied, CalledBack, Closed}

// Open reports whether the case is still being worked on.
func (s Status) Open() bool { return s != Closed }

// Action moves a case.
type Action string

// Actions. Intake is the first event of every case, not a move.
const (
	ActIntake    Action = "intake"
	ActTransfer  Action = "transfer"  // 转办 to the unit responsible
	ActExtend    Action = "extend"    // 延期, once, with a reason
	ActReply     Action = "reply"     // the unit's reply (答复)
	ActCallback  Action = "callback"  // 回访 the caller, with satisfaction
	ActClose     Action = "close"     // 办结归档
	ActSupervise Action = "supervise" // 督办 by the leader
	ActLegalAid  Action = "legal_aid" // legal aid given by the legal service centre
	ActCloseNow  Action = "close_now" // a consultation answered at intake (event only)
)

// Actions in display order (the moves; intake and close_now are events).
var Actions = []Action{ActTransfer, ActExtend, ActReply, ActCallback, ActClose, ActSupervise, ActLegalAid}

// Transition is one allowed move, by whoever holds Perm.
type Transition struct {
	From   Status
	Action Action
	To     Status
	Perm   auth.Perm
}

// Transitions is the state machine: every allowed move. Whatever is not
// here is refused. The once-only rules (one extension, one supervision
// note kept, one legal-aid record) and each move's inputs are checked by
// the functions that carry the moves out.
var Transitions = func() []Transition {
	t := []Transition{
		{Received, ActTransfer, Transferred, auth.PermRightsWrite},
		{Transferred, ActExtend, Transferred, auth.PermRightsWrite},
		{Transferred, ActReply, Replied, auth.PermRightsWrite},
		{Replied, ActCallback, CalledBack, auth.PermRightsWrite},
		{CalledBack, ActClose, Closed, auth.PermRightsWrite},
	}
	for _, s := range []Status{Received, Transferred, Replied, CalledBack} {
		t = append(t, Transition{s, ActSupervise, s, auth.PermRightsSupervise}, Transition{s, ActLegalAid, s, auth.PermRightsWrite})
	}
	return t
}()

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

// Channels a case comes in by.
const (
	ChannelHotline  = "hotline"  // 12385 热线
	ChannelOnline   = "online"   // 网络问政
	ChannelVisit    = "visit"    // 来访（接访）
	ChannelOutreach = "outreach" // 下访
	ChannelLetter   = "letter"   // 来信
	ChannelOther    = "other"
)

// Channels in display order.
var Channels = []string{ChannelHotline, ChannelOnline, ChannelVisit, ChannelOutreach, ChannelLetter, ChannelOther}

// Types of matter. Each has a default unit responsible (a setting).
const (
	TypeEmployment     = "employment"      // 就业
	TypeEducation      = "education"       // 教育
	TypeSocialSecurity = "social_security" // 补贴与社会保障
	TypeAccessibility  = "accessibility"   // 无障碍
	TypeViolence       = "violence"        // 暴力、虐待
	TypeFamily         = "family_property" // 婚姻家庭与财产
	TypeLegalAid       = "legal_aid"       // 法律援助
	TypeConsultation   = "consultation"    // 政策咨询
	TypeOther          = "other"
)

// Types in display order.
var Types = []string{TypeEmployment, TypeEducation, TypeSocialSecurity, TypeAccessibility, TypeViolence, TypeFamily, TypeLegalAid, TypeConsultation, TypeOther}

// DefaultUnits are the shipped units responsible by type (a county
// changes them on the settings page).
var DefaultUnits = map[string]string{
	TypeEmployment:     "县人力资源和社会保障局",
	TypeEducation:      "县教育局",
	TypeSocialSecurity: "县民政局",
	TypeAccessibility:  "县住房和城乡建设局",
	TypeViolence:       "县公安局",
	TypeFamily:         "县司法局",
	TypeLegalAid:       "县残疾人法律服务中心（法律援助）",
	TypeConsultation:   "县残联",
	TypeOther:          "县残联",
}

// Satisfaction of the caller at the call back (回访).
var Satisfactions = []string{"satisfied", "basic", "dissatisfied"} // 满意、基本满意、不满意

func validChannel(s string) bool { return slices.Contains(Channels, s) }
func validType(s string) bool    { return slices.Contains(Types, s) }

// ---- time limits (pure) ----

// Limits are the time limits in working days (settings).
type Limits struct {
	AckDays    int // transfer (acknowledge) after receipt. Default 1
	ReplyDays  int // reply after receipt. Default 15
	ExtendDays int // one extension of the reply. Default 15
}

// DefaultLimits are RULES.md §8's.
var DefaultLimits = Limits{AckDays: 1, ReplyDays: 15, ExtendDays: 15}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// Dues returns the day a case received on received must be transferred
// by and replied to by. The day of receipt does not count
// (calendar.AddWorkingDays).
func Dues(cal *calendar.Calendar, received string, l Limits) (ack, reply string) {
	r := day(received)
	return ymd(cal.AddWorkingDays(r, l.AckDays)), ymd(cal.AddWorkingDays(r, l.ReplyDays))
}

// ExtendedDue is the reply due after one extension of days working days.
func ExtendedDue(cal *calendar.Calendar, replyDue string, days int) string {
	return ymd(cal.AddWorkingDays(day(replyDue), days))
}

// Due is the limit the case's present stage runs against: the transfer's
// while received, the reply's while with the unit; none after the reply.
func (c Case) Due() string {
	switch c.Status {
	case Received:
		return c.AckDue
	case Transferred:
		return c.ReplyDue
	}
	return ""
}

// Overdue reports whether the present stage's limit has passed on today.
func (c Case) Overdue(today string) bool {
	d := c.Due()
	return d != "" && today > d
}

// DueSoon reports whether the present stage's limit falls between today
// and soon (today + 3 working days, SoonDay), both included.
func (c Case) DueSoon(today, soon string) bool {
	d := c.Due()
	return d != "" && d >= today && d <= soon
}

// SoonWorkingDays is how near a limit counts as "due soon".
const SoonWorkingDays = 3

// SoonDay is the last day of "due soon" seen from today.
func SoonDay(cal *calendar.Calendar, today string) string {
	return ymd(cal.AddWorkingDays(day(today), SoonWorkingDays))
}

// OnTime reports whether a closed case was replied to within its reply
// limit (extension included); a consultation closed at intake is. The
// figure rights_cases_closed_on_time_rate counts exactly this.
func (c Case) OnTime() bool {
	return c.Status == Closed && c.ReplyOn != "" && c.ReplyOn <= c.ReplyDue
}
