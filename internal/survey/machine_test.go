package survey_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// allowed is the state machine written out independently of the code's
// table: from, action, to, who. Every other status × action is refused.
const allowed = `
pending     start  in_progress worker
in_progress submit submitted   worker
submitted   check  checked     township
submitted   return returned    township
checked     accept accepted    county
checked     return returned    county
returned    resume in_progress worker
pending     void   void        system
in_progress void   void        system
submitted   void   void        system
checked     void   void        system
returned    void   void        system
`

func expected() map[[2]string][2]string {
	want := map[[2]string][2]string{}
	for _, line := range strings.Split(strings.TrimSpace(allowed), "\n") {
		f := strings.Fields(line)
		want[[2]string{f[0], f[1]}] = [2]string{f[2], f[3]}
	}
	return want
}

func TestTransitionTable(t *testing.T) {
	want := expected()
	n, refused := 0, 0
	for _, s := range survey.Statuses {
		for _, a := range survey.Actions {
			w, ok := want[[2]string{string(s), string(a)}]
			tr, got := survey.Next(s, a)
			switch {
			case ok != got:
				t.Errorf("%s --%s-->: allowed = %v, want %v", s, a, got, ok)
			case ok && (string(tr.To) != w[0] || string(tr.By) != w[1]):
				t.Errorf("%s --%s--> %s by %s, want %s by %s", s, a, tr.To, tr.By, w[0], w[1])
			case ok:
				n++
			default:
				refused++
			}
		}
	}
	if n != len(want) || n+refused != len(survey.Statuses)*len(survey.Actions) {
		t.Fatalf("checked %d allowed, %d refused", n, refused)
	}
	for _, s := range survey.Statuses {
		if s.Final() && len(survey.Allowed(s)) > 0 {
			t.Errorf("final %s allows %v", s, survey.Allowed(s))
		}
	}
}

// Who may act as whom: the role rule of each step.
func TestActorRoles(t *testing.T) {
	cases := []struct {
		by   survey.Actor
		role auth.Role
		ok   bool
	}{
		{survey.ByWorker, auth.RoleVillageWorker, true},
		{survey.ByWorker, auth.RoleTownshipWorker, true},
		{survey.ByWorker, auth.RoleCountyStaff, true},
		{survey.ByWorker, auth.RoleLeader, false},
		{survey.ByWorker, auth.RoleExpert, false},
		{survey.ByTownship, auth.RoleVillageWorker, false},
		{survey.ByTownship, auth.RoleTownshipWorker, true},
		{survey.ByTownship, auth.RoleCountyStaff, true},
		{survey.ByTownship, auth.RoleCountyAdmin, true},
		{survey.ByCounty, auth.RoleTownshipWorker, false},
		{survey.ByCounty, auth.RoleVillageWorker, false},
		{survey.ByCounty, auth.RoleCountyStaff, true},
		{survey.ByCounty, auth.RoleCountyAdmin, true},
		{survey.ByCounty, auth.RoleAuditor, false},
		{survey.BySystem, auth.RoleCountyAdmin, false},
	}
	for _, c := range cases {
		if got := c.by.Allows(c.role); got != c.ok {
			t.Errorf("%s as %s: %v, want %v", c.role, c.by, got, c.ok)
		}
	}
	if got := survey.AllowedFor(survey.Submitted, auth.RoleTownshipWorker); !slices.Equal(got, []survey.Action{survey.ActCheck, survey.ActReturn}) {
		t.Errorf("township on submitted: %v", got)
	}
	if got := survey.AllowedFor(survey.Checked, auth.RoleTownshipWorker); len(got) != 0 {
		t.Errorf("township on checked: %v", got)
	}
}

// Every move by hand, tried on a stored task in every status: refused
// exactly when the table (or the role) refuses it, and a refusal changes
// nothing.
func TestEveryRefusedMoveChangesNothing(t *testing.T) {
	e := setup(t)
	p := e.person("王五", villageA, nil)
	e.open(2026, "2026-06-30", monday)
	id := survey.TaskID(2026, p.ID)
	e.fill(villWA, id)
	want := expected()
	checked := 0
	for _, s := range survey.Statuses {
		for _, a := range []survey.Action{survey.ActSubmit, survey.ActCheck, survey.ActAccept, survey.ActReturn} {
			if _, ok := want[[2]string{string(s), string(a)}]; ok {
				continue
			}
			if _, err := e.db.Exec(`UPDATE survey_tasks SET status = $1 WHERE id = $2`, string(s), id); err != nil {
				t.Fatal(err)
			}
			before := e.task(id)
			events := e.count(`SELECT COUNT(*) FROM survey_events WHERE task_id = $1`, id)
			err := e.act(staff, id, a, "理由")
			if re := refusal(t, err); re.Key != "" || re.Status != s {
				t.Errorf("%s %s: refused with %q", s, a, re.Key)
			}
			if !strings.Contains(err.Error(), "不能") {
				t.Errorf("%s %s: unclear message %q", s, a, err)
			}
			if after := e.task(id); after.Version != before.Version || after.Status != s ||
				e.count(`SELECT COUNT(*) FROM survey_events WHERE task_id = $1`, id) != events {
				t.Fatalf("refused %s on %s changed the task", a, s)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
	// The role rule: a village worker may not check, a township worker
	// may not accept.
	if _, err := e.db.Exec(`UPDATE survey_tasks SET status = 'submitted' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if re := refusal(t, e.act(villWA, id, survey.ActCheck, "")); re.Key != "survey.error.role_township" {
		t.Errorf("village worker checks: %q", re.Key)
	}
	if _, err := e.db.Exec(`UPDATE survey_tasks SET status = 'checked' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if re := refusal(t, e.act(townWA, id, survey.ActAccept, "")); re.Key != "survey.error.role_county" {
		t.Errorf("township worker accepts: %q", re.Key)
	}
	var _ store.Querier = e.db
}
