package programme_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
)

// allowed is the state machine written out independently of the code's
// table, one move per line: from, action, to, the permission it needs.
// Every status × action not listed must be refused.
const allowed = `
applied   check     checked   programme.apply
checked   review    reviewed  programme.review
reviewed  approve   approved  programme.review
approved  entitle   entitled  programme.write
entitled  pay       paid      payment.write
paid      reverse   entitled  payment.write
entitled  deliver   delivered programme.apply
paid      follow_up follow_up programme.apply
delivered follow_up follow_up programme.apply
follow_up close     closed    programme.apply
paid      close     closed    programme.apply
delivered close     closed    programme.apply
entitled  stop      closed    programme.write
suspended close     closed    programme.write
applied   refuse    refused   programme.apply
checked   refuse    refused   programme.review
reviewed  refuse    refused   programme.review
applied   withdraw  withdrawn programme.apply
checked   withdraw  withdrawn programme.apply
reviewed  withdraw  withdrawn programme.apply
approved  withdraw  withdrawn programme.apply
suspended resume    applied   programme.write
applied   suspend   suspended programme.write
checked   suspend   suspended programme.write
reviewed  suspend   suspended programme.write
approved  suspend   suspended programme.write
entitled  suspend   suspended programme.write
paid      suspend   suspended programme.write
delivered suspend   suspended programme.write
follow_up suspend   suspended programme.write
`

type want struct {
	to   programme.Status
	perm auth.Perm
}

func expected() map[[2]string]want {
	out := map[[2]string]want{}
	for _, line := range strings.Split(strings.TrimSpace(allowed), "\n") {
		f := strings.Fields(line)
		out[[2]string{f[0], f[1]}] = want{programme.Status(f[2]), auth.Perm(f[3])}
	}
	return out
}

// Every status × action: allowed exactly when listed, to the listed
// status, needing the listed permission.
func TestTransitionTable(t *testing.T) {
	exp := expected()
	n := 0
	for _, s := range programme.Statuses {
		for _, a := range programme.Actions {
			w, ok := exp[[2]string{string(s), string(a)}]
			tr, got := programme.Next(s, a)
			switch {
			case ok != got:
				t.Errorf("%s --%s-->: allowed = %v, want %v", s, a, got, ok)
			case ok && (tr.To != w.to || tr.Perm != w.perm):
				t.Errorf("%s --%s--> %s needing %s, want %s needing %s", s, a, tr.To, tr.Perm, w.to, w.perm)
			case ok:
				n++
			}
		}
	}
	if n != len(exp) || len(programme.Transitions) != len(exp) {
		t.Fatalf("checked %d allowed moves, table has %d, want %d", n, len(programme.Transitions), len(exp))
	}
	for _, s := range programme.Statuses {
		if s.Final() && len(programme.Allowed(s)) > 0 {
			t.Errorf("final %s allows %v", s, programme.Allowed(s))
		}
		if h := programme.Holder(s); s.Final() != (h == "programme.holder.none") {
			t.Errorf("%s: holder %s", s, h)
		}
	}
	// The roles that hold each permission: the township worker files and
	// checks but cannot review; only finance pays.
	for _, c := range []struct {
		role auth.Role
		perm auth.Perm
		has  bool
	}{
		{auth.RoleTownshipWorker, auth.PermProgrammeApply, true},
		{auth.RoleTownshipWorker, auth.PermProgrammeReview, false},
		{auth.RoleVillageWorker, auth.PermProgrammeApply, true},
		{auth.RoleLeader, auth.PermProgrammeApply, false},
	} {
		if auth.RoleHas(c.role, c.perm) != c.has {
			t.Errorf("%s has %s = %v", c.role, c.perm, !c.has)
		}
	}
	if auth.DeptAllows(auth.RoleCountyStaff, auth.DeptFinance, auth.PermProgrammeReview) ||
		!auth.DeptAllows(auth.RoleCountyStaff, auth.DeptFinance, auth.PermPaymentWrite) {
		t.Error("department rules of programme permissions changed")
	}
}

// Every refused move, tried on a stored case in each status, is refused
// as the state machine's refusal with a clear message, and changes
// nothing.
func TestEveryRefusedTransitionChangesNothing(t *testing.T) {
	e := setup(t)
	exp := expected()
	p := e.person("甲", 40, registry.Mental, registry.Grade2, dibao)
	// A one-off paying programme, so pay and reverse reach the table.
	c := e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeCochlear).ID, PersonID: e.person("乙", 10, registry.Hearing, registry.Grade1).ID,
		PayeeName: "乙父", PayeeIDNumber: registry.MakeIDNumber("341599", born(40), 901, 1), PayeeRelation: "父亲", BankName: "农商行", BankAccount: "6222000011112222"})
	_ = p
	checked := 0
	for _, s := range programme.Statuses {
		if _, err := e.db.Exec(`UPDATE prog_cases SET status = $1 WHERE id = $2`, string(s), c.ID); err != nil {
			t.Fatal(err)
		}
		before := e.get(c.ID)
		events := e.count(`SELECT COUNT(*) FROM prog_events WHERE case_id = $1`, c.ID)
		for _, a := range programme.Actions {
			if _, ok := exp[[2]string{string(s), string(a)}]; ok {
				continue
			}
			err := e.act("approver", c.ID, programme.Move{Action: a, Reason: "理由", EndMonth: "2026-12"})
			re := refusal(t, err)
			if re.Key != "" || re.Status != s || re.Action != a {
				t.Errorf("%s %s: refused for %q, want the state machine's refusal", s, a, re.Key)
			}
			if !strings.Contains(err.Error(), "不能") {
				t.Errorf("%s %s: message %q is not clear", s, a, err)
			}
			checked++
		}
		after := e.get(c.ID)
		if after.Version != before.Version || after.Status != s || e.count(`SELECT COUNT(*) FROM prog_events WHERE case_id = $1`, c.ID) != events {
			t.Fatalf("refused moves on %s changed the case", s)
		}
	}
	if total := len(programme.Statuses)*len(programme.Actions) - len(exp); checked != total {
		t.Fatalf("checked %d refused moves, want %d", checked, total)
	}
}

// Paths through the state machine that together take every allowed move.
func TestEveryAllowedTransition(t *testing.T) {
	e := setup(t)
	taken := map[[2]string]bool{}
	do := func(user, id string, m programme.Move) {
		t.Helper()
		before := e.get(id).Status
		e.step(user, id, m)
		taken[[2]string{string(before), string(m.Action)}] = true
	}
	payee := programme.NewCase{PayeeName: "父亲", PayeeIDNumber: registry.MakeIDNumber("341599", born(40), 902, 1), PayeeRelation: "父亲",
		BankName: "农商行", BankAccount: "6222000011113333"}
	cochlear := func() string {
		n := payee
		n.ProgrammeID, n.PersonID = e.prog(programme.CodeCochlear).ID, e.person("耳蜗", 8, registry.Hearing, registry.Grade1).ID
		return e.file(n).ID
	}
	device := func() string {
		return e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeDevices).ID, PersonID: e.person("辅具", 50, registry.Physical, registry.Grade3).ID, Subtype: "assistive_device"}).ID
	}
	living := func() string {
		return e.file(programme.NewCase{ProgrammeID: e.prog(programme.CodeLivingSubsidy).ID, PersonID: e.person("低保", 50, registry.Physical, registry.Grade3, dibao).ID,
			BankName: "农商行", BankAccount: "6222000011114444"}).ID
	}
	r := func(a programme.Action) programme.Move { return programme.Move{Action: a, Reason: "理由"} }
	// Cash one-off: to paid, reversed, paid again, follow-up, closed.
	id := cochlear()
	do("township", id, r(programme.ActCheck))
	do("reviewer", id, r(programme.ActReview))
	do("approver", id, r(programme.ActApprove))
	do("clerk", id, r(programme.ActEntitle))
	do("finance", id, r(programme.ActPay))
	do("finance", id, r(programme.ActReverse))
	do("finance", id, r(programme.ActPay))
	do("clerk", id, r(programme.ActFollowUp))
	do("clerk", id, r(programme.ActClose))
	// Paid and closed at once; paid then suspended.
	id = cochlear()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("finance", id, r(programme.ActPay))
	do("clerk", id, r(programme.ActSuspend))
	do("clerk", id, r(programme.ActClose))
	id = cochlear()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("finance", id, r(programme.ActPay))
	do("clerk", id, r(programme.ActClose))
	// Devices: delivered, follow-up, suspended there, resumed, withdrawn.
	id = device()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("clerk", id, r(programme.ActDeliver))
	do("clerk", id, r(programme.ActFollowUp))
	do("clerk", id, r(programme.ActSuspend))
	do("clerk", id, r(programme.ActResume))
	do("clerk", id, r(programme.ActWithdraw))
	id = device()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("clerk", id, r(programme.ActDeliver))
	do("clerk", id, r(programme.ActSuspend))
	id = device()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("clerk", id, r(programme.ActDeliver))
	do("clerk", id, r(programme.ActClose))
	// Monthly: entitled, stopped; suspended while entitled.
	id = living()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("clerk", id, programme.Move{Action: programme.ActStop, Reason: "本人申请停发", EndMonth: "2026-12"})
	id = living()
	e.approve(id)
	do("clerk", id, r(programme.ActEntitle))
	do("clerk", id, r(programme.ActSuspend))
	// Refusals, withdrawals and suspensions from the early stages.
	for _, path := range [][]programme.Action{
		{programme.ActRefuse}, {programme.ActWithdraw}, {programme.ActSuspend},
		{programme.ActCheck, programme.ActRefuse}, {programme.ActCheck, programme.ActWithdraw}, {programme.ActCheck, programme.ActSuspend},
		{programme.ActCheck, programme.ActReview, programme.ActRefuse}, {programme.ActCheck, programme.ActReview, programme.ActWithdraw},
		{programme.ActCheck, programme.ActReview, programme.ActSuspend},
		{programme.ActCheck, programme.ActReview, programme.ActApprove, programme.ActWithdraw},
		{programme.ActCheck, programme.ActReview, programme.ActApprove, programme.ActSuspend},
	} {
		id := device()
		for _, a := range path {
			user := map[programme.Action]string{programme.ActCheck: "township", programme.ActReview: "reviewer", programme.ActApprove: "approver"}[a]
			if user == "" {
				user = "clerk"
			}
			do(user, id, r(a))
		}
	}
	for key := range expected() {
		if !taken[key] {
			t.Errorf("never took %s --%s-->", key[0], key[1])
		}
	}
	_ = context.Background()
}
