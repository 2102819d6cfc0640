package rights

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
)

// Every move of the table, and what it refuses.
func TestTransitions(t *testing.T) {
	cases := []struct {
		from Status
		act  Action
		to   Status
		ok   bool
		perm auth.Perm
	}{
		{Received, ActTransfer, Transferred, true, auth.PermRightsWrite},
		{Received, ActReply, "", false, ""}, // no reply before the transfer
		{Received, ActClose, "", false, ""}, // nor filing
		{Transferred, ActExtend, Transferred, true, auth.PermRightsWrite},
		{Transferred, ActReply, Replied, true, auth.PermRightsWrite},
		{Transferred, ActCallback, "", false, ""},
		{Replied, ActCallback, CalledBack, true, auth.PermRightsWrite},
		{Replied, ActExtend, "", false, ""}, // the reply is in: nothing to extend
		{CalledBack, ActClose, Closed, true, auth.PermRightsWrite},
		{Received, ActSupervise, Received, true, auth.PermRightsSupervise},
		{CalledBack, ActSupervise, CalledBack, true, auth.PermRightsSupervise},
		{Closed, ActSupervise, "", false, ""}, // a filed case is not supervised
		{Transferred, ActLegalAid, Transferred, true, auth.PermRightsWrite},
		{Closed, ActLegalAid, "", false, ""},
		{Closed, ActTransfer, "", false, ""},
		{Closed, ActReply, "", false, ""},
	}
	for _, c := range cases {
		tr, ok := Next(c.from, c.act)
		if ok != c.ok || (ok && (tr.To != c.to || tr.Perm != c.perm)) {
			t.Errorf("%s %s: %+v %v, want to %s by %s (%v)", c.from, c.act, tr, ok, c.to, c.perm, c.ok)
		}
	}
	if got := Allowed(Closed); len(got) != 0 {
		t.Errorf("a closed case allows %v", got)
	}
}

// The limits count working days on the calendar, holidays and make-up
// workdays included; the day of receipt does not count.
func TestDues(t *testing.T) {
	cal := calendar.New(calendar.Default2026)
	cases := []struct {
		received, ack, reply string
		l                    Limits
	}{
		// Wednesday before 国庆 (10-01..07 off, Saturday 10-10 worked).
		{"2026-09-30", "2026-10-08", "2026-10-27", DefaultLimits},
		// A Friday: the weekend does not count.
		{"2026-11-27", "2026-11-30", "2026-12-18", DefaultLimits},
		// Received on a Sunday: Monday is the first working day.
		{"2026-11-29", "2026-11-30", "2026-12-01", Limits{AckDays: 1, ReplyDays: 2, ExtendDays: 1}},
	}
	for _, c := range cases {
		ack, reply := Dues(cal, c.received, c.l)
		if ack != c.ack || reply != c.reply {
			t.Errorf("received %s: ack %s reply %s, want %s %s", c.received, ack, reply, c.ack, c.reply)
		}
	}
	// One extension of 15 working days from 2026-10-27.
	if got := ExtendedDue(cal, "2026-10-27", 15); got != "2026-11-17" {
		t.Errorf("extended due %s, want 2026-11-17", got)
	}
	if got := SoonDay(cal, "2026-09-30"); got != "2026-10-10" { // 10-08, 10-09, 10-10 (worked Saturday)
		t.Errorf("soon day %s, want 2026-10-10", got)
	}
}

// Overdue and due soon look at the present stage's limit; on time is the
// reply within the (extended) reply limit.
func TestOverdueDueSoonOnTime(t *testing.T) {
	base := Case{AckDue: "2026-10-08", ReplyDue: "2026-10-27"}
	with := func(s Status, f func(*Case)) Case {
		c := base
		c.Status = s
		if f != nil {
			f(&c)
		}
		return c
	}
	cases := []struct {
		name          string
		c             Case
		today         string
		overdue, soon bool
		onTime        bool
	}{
		{"received, ack today", with(Received, nil), "2026-10-08", false, true, false},
		{"received, ack passed", with(Received, nil), "2026-10-09", true, false, false},
		{"transferred, reply far", with(Transferred, nil), "2026-10-09", false, false, false},
		{"transferred, reply in 3 working days", with(Transferred, nil), "2026-10-22", false, true, false},
		{"transferred, reply passed", with(Transferred, nil), "2026-10-28", true, false, false},
		{"replied: no limit runs", with(Replied, func(c *Case) { c.ReplyOn = "2026-11-01" }), "2026-12-01", false, false, false},
		{"closed on time", with(Closed, func(c *Case) { c.ReplyOn = "2026-10-27" }), "2026-12-01", false, false, true},
		{"closed late", with(Closed, func(c *Case) { c.ReplyOn = "2026-10-28" }), "2026-12-01", false, false, false},
		{"closed at intake", with(Closed, func(c *Case) { c.ReplyOn, c.ClosedAtIntake = "2026-09-30", true }), "2026-12-01", false, false, true},
	}
	cal := calendar.New(calendar.Default2026)
	for _, c := range cases {
		soon := SoonDay(cal, c.today)
		if got := c.c.Overdue(c.today); got != c.overdue {
			t.Errorf("%s: overdue %v", c.name, got)
		}
		if got := c.c.DueSoon(c.today, soon); got != c.soon {
			t.Errorf("%s: due soon %v (soon day %s)", c.name, got, soon)
		}
		if got := c.c.OnTime(); got != c.onTime {
			t.Errorf("%s: on time %v", c.name, got)
		}
	}
}
