package certify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// step carries out one move as user on day on, failing the test on error.
func (e *env) step(user, id string, act certify.Action, on string) {
	e.t.Helper()
	ctx := e.as(user)
	d := day(on)
	err := e.try(ctx, func(tx *store.Tx) error {
		switch act {
		case certify.ActBook:
			return certify.Book(ctx, tx, countyScope, id, "", "", d)
		case certify.ActScheduleHome:
			return certify.ScheduleHome(ctx, tx, countyScope, id, certify.HomeVisit{Day: on, Reason: "cannot_travel", ExpertIDs: []string{e.experts["dr_bone"].ID}}, d)
		case certify.ActAssess:
			a, _ := certify.Get(ctx, tx, countyScope, id)
			g := registry.Grade3
			if a.Category == registry.Mental {
				g = 0 // the mental cases in these paths fall below the standard
			}
			return certify.Assess(ctx, tx, countyScope, id, certify.Result{Category: a.Category, Grade: g, Findings: "检查所见"}, d)
		case certify.ActReturn, certify.ActPublish, certify.ActRefuse:
			return certify.Review(ctx, tx, countyScope, id, act, "理由", d)
		case certify.ActApprove, certify.ActReject:
			return certify.Decide(ctx, tx, countyScope, id, act, "理由", d)
		case certify.ActIssue:
			_, err := certify.Issue(ctx, tx, countyScope, id, d)
			return err
		case certify.ActComplete:
			return certify.Complete(ctx, tx, countyScope, id, d)
		case certify.ActDeliver:
			return certify.Deliver(ctx, tx, countyScope, id, "counter", d)
		}
		return certify.Advance(ctx, tx, countyScope, id, act, "理由", d)
	})
	if err != nil {
		e.t.Fatalf("%s by %s on %s: %v", act, user, on, err)
	}
}

// Paths through the state machine that together take every allowed move;
// the test fails if one is never taken.
func TestEveryAllowedTransition(t *testing.T) {
	e := setup(t)
	e.session("2026-12-03", registry.Physical, 20, "dr_bone")
	e.session("2026-12-03", registry.Mental, 20, "dr_mind")
	n := 0
	newApp := func(ty certify.Type, c registry.Category) string {
		n++
		idn := idNumber(1950+n, 200+n)
		nw := certify.NewApplication{Type: ty, IDNumber: idn, Category: c, NewName: "改名", CancelReason: "死亡"}
		if ty == certify.TypeNew {
			nw.Name, nw.VillageCode = "路径", villageA
		} else {
			e.person(idn, "在册", villageA, registry.Physical, registry.Grade3, "2016-12-01")
		}
		return e.file(nw, monday).ID
	}
	const d1, d3 = "2026-11-30", "2026-12-03"
	// Session, unbook, return, objection, then to the card in hand.
	a := newApp(certify.TypeNew, registry.Physical)
	e.step("clerk", a, certify.ActBook, d1)
	e.step("clerk", a, certify.ActUnbook, d1)
	e.step("clerk", a, certify.ActBook, d1)
	e.step("dr_bone", a, certify.ActAssess, d3)
	e.step("reviewer", a, certify.ActReturn, d3)
	e.step("dr_bone", a, certify.ActAssess, d3)
	e.step("reviewer", a, certify.ActPublish, d3)
	e.step("clerk", a, certify.ActObject, "2026-12-04")
	e.step("reviewer", a, certify.ActPublish, "2026-12-04")
	e.step("clerk", a, certify.ActEndPublicity, "2026-12-14")
	e.step("reviewer", a, certify.ActApprove, "2026-12-15")
	e.attachPhoto(a)
	e.step("clerk", a, certify.ActIssue, "2026-12-15")
	e.step("clerk", a, certify.ActDeliver, "2026-12-16")
	// Home visit, then withdrawn; withdrawn at once.
	b := newApp(certify.TypeReassess, registry.Physical)
	e.step("clerk", b, certify.ActScheduleHome, "2026-12-02")
	e.step("clerk", b, certify.ActWithdraw, "2026-12-02")
	e.step("clerk", newApp(certify.TypeNew, registry.Physical), certify.ActWithdraw, d1)
	// Below the standard: appeal upheld; and closed after the window.
	c := newApp(certify.TypeNew, registry.Mental)
	e.step("clerk", c, certify.ActBook, d1)
	e.step("dr_mind", c, certify.ActAssess, d3)
	e.step("reviewer", c, certify.ActRefuse, d3)
	e.step("clerk", c, certify.ActAppeal, "2026-12-10")
	e.step("clerk", c, certify.ActReopen, "2026-12-20")
	d := newApp(certify.TypeNew, registry.Mental)
	e.step("clerk", d, certify.ActBook, d1)
	e.step("dr_mind", d, certify.ActAssess, d3)
	e.step("reviewer", d, certify.ActRefuse, d3)
	e.step("clerk", d, certify.ActClose, "2026-12-18")
	// Renewal refused, appeal dismissed; change refused and closed.
	r := newApp(certify.TypeRenew, 0)
	e.step("clerk", r, certify.ActForward, d1)
	e.step("reviewer", r, certify.ActReject, d1)
	e.step("clerk", r, certify.ActAppeal, "2026-12-01")
	e.step("clerk", r, certify.ActDismiss, "2026-12-08")
	ch := newApp(certify.TypeChange, 0)
	e.step("clerk", ch, certify.ActForward, d1)
	e.step("reviewer", ch, certify.ActReject, d1)
	e.step("clerk", ch, certify.ActClose, "2026-12-15")
	// Replacement issued with B1; cancellation carried out.
	rp := newApp(certify.TypeReplace, 0)
	e.step("clerk", rp, certify.ActForward, d1)
	e.step("reviewer", rp, certify.ActApprove, d1)
	e.attachPhoto(rp)
	e.step("clerk", rp, certify.ActIssue, d1)
	if no := e.get(rp).CertificateNo; !strings.HasSuffix(no, "43B1") {
		t.Errorf("replacement number %s, want …43B1", no)
	}
	cn := newApp(certify.TypeCancel, 0)
	e.step("clerk", cn, certify.ActForward, d1)
	e.step("reviewer", cn, certify.ActApprove, d1)
	e.step("clerk", cn, certify.ActComplete, d1)

	taken := map[[3]string]bool{}
	rows, err := e.db.Query(`SELECT DISTINCT from_status, action, to_status FROM cert_events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var f, a, to string
		if err := rows.Scan(&f, &a, &to); err != nil {
			t.Fatal(err)
		}
		taken[[3]string{f, a, to}] = true
	}
	rows.Close()
	for _, tr := range certify.Transitions {
		if !taken[[3]string{string(tr.From), string(tr.Action), string(tr.To)}] {
			t.Errorf("never taken: %s --%s--> %s", tr.From, tr.Action, tr.To)
		}
	}

	// The figures of December from these paths.
	f, err := certify.ComputeFigures(context.Background(), e.db, countyScope, "2026-11-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	tot := f.Total
	checks := []struct {
		name      string
		got, want float64
	}{
		{"applications", float64(tot.Applications), 9},
		{"new delivered", float64(tot.ByType[certify.TypeNew]["done"]), 1},
		{"new withdrawn", float64(tot.ByType[certify.TypeNew]["withdrawn"]), 1},
		{"new below standard (closed)", float64(tot.ByType[certify.TypeNew]["not_qualified"]), 1},
		{"new open (reopened)", float64(tot.ByType[certify.TypeNew]["open"]), 1},
		{"renewals rejected then closed", float64(tot.ByType[certify.TypeRenew]["not_qualified"]), 1},
		{"issued", float64(tot.Issued), 2},
		{"renewed", float64(tot.Renewed), 0},
		{"home assessments (the one withdrawn was never assessed)", float64(tot.HomeAssessments), 0},
		{"sessions held (none marked held)", float64(tot.Sessions), 0},
		{"days filing to delivery", tot.AvgDays, 16},
		{"finished (withdrawn ones do not count)", float64(tot.Finished), 5},
		{"on time %", tot.OnTimeRate, 100},
		{"visits per finished application", tot.Visits, 1.6},
		{"at most one visit %", tot.OneVisitRate, 60},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("figure %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(f.Townships) != 1 || f.Townships[0].Code != townA || f.Townships[0].Applications != 9 {
		t.Errorf("township breakdown: %+v", f.Townships)
	}
}
