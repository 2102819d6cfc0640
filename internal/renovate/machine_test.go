package renovate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/renovate"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

// allowed is the state machine written out independently of the code's
// table: from, action, to, permission. Every other status × action pair
// must be refused.
const allowed = `
requested          survey  surveyed           programme.apply
surveyed           survey  surveyed           programme.apply
surveyed           plan    planned            programme.write
planned            plan    planned            programme.write
planned            return  surveyed           programme.review
planned            approve approved           programme.review
approved           start   under_construction programme.write
under_construction accept  accepted           programme.review
accepted           pay     paid               payment.write
requested          cancel  cancelled          programme.write
surveyed           cancel  cancelled          programme.write
planned            cancel  cancelled          programme.write
approved           cancel  cancelled          programme.write
under_construction cancel  cancelled          programme.write
`

type move struct {
	to   renovate.Status
	perm auth.Perm
}

func expected() map[[2]string]move {
	want := map[[2]string]move{}
	for _, line := range strings.Split(strings.TrimSpace(allowed), "\n") {
		f := strings.Fields(line)
		want[[2]string{f[0], f[1]}] = move{renovate.Status(f[2]), auth.Perm(f[3])}
	}
	return want
}

func TestTransitionTable(t *testing.T) {
	want := expected()
	for _, st := range renovate.Statuses {
		for _, act := range renovate.Actions {
			tr, ok := renovate.Next(st, act)
			w, allowed := want[[2]string{string(st), string(act)}]
			if ok != allowed || ok && (tr.To != w.to || tr.Perm != w.perm) {
				t.Errorf("%s × %s: table gives %v %+v, want %v %+v", st, act, ok, tr, allowed, w)
			}
		}
	}
	if renovate.Paid.Final() != true || renovate.Cancelled.Final() != true || renovate.Accepted.Final() {
		t.Error("final stages wrong")
	}
}

// force puts a renovation in a stage with everything the later stages
// read, so each move can be tried from each stage.
func (e *env) force(id string, st renovate.Status) {
	e.t.Helper()
	if _, err := e.db.Exec(`UPDATE renovations SET status = $1, visit_on = '2026-12-01', approved_on = '2026-12-03', started_on = '2026-12-04',
		accepted_on = '2026-12-08', total_fen = 100000, planned_by = 'someone-else' WHERE id = $2`, string(st), id); err != nil {
		e.t.Fatal(err)
	}
}

// act tries act on id with good input, as a user allowed to.
func (e *env) act(id string, act renovate.Action) error {
	ctx := e.as("reviewer")
	return e.try(ctx, func(tx *store.Tx) error {
		switch act {
		case renovate.ActSurvey:
			return renovate.Survey(ctx, tx, countyScope, id, goodVisit, today)
		case renovate.ActPlan:
			_, err := renovate.Plan(ctx, tx, countyScope, id, goodPlan, today)
			return err
		case renovate.ActReturn:
			return renovate.Review(ctx, tx, countyScope, id, act, "方案需调整", today)
		case renovate.ActApprove:
			return renovate.Review(ctx, tx, countyScope, id, act, "", today)
		case renovate.ActStart:
			return renovate.Start(ctx, tx, countyScope, id, "县建安公司", "2026-12-05", today)
		case renovate.ActAccept:
			return renovate.Accept(ctx, tx, countyScope, id, renovate.Acceptance{Day: "2026-12-08", SignedBy: "王秀英"}, today)
		case renovate.ActPay:
			return renovate.Pay(ctx, tx, countyScope, id, "2026-12-09", 100000, today)
		case renovate.ActCancel:
			return renovate.Cancel(ctx, tx, countyScope, id, "家庭放弃", today)
		}
		return errors.New("unknown action")
	})
}

// Every allowed move is carried out; every refused one is refused as
// such and changes nothing.
func TestEveryTransition(t *testing.T) {
	e := setup(t)
	want := expected()
	p := e.person("张建国", villageA, true)
	r := e.add(p, 2026)
	e.photo(r.ID, renovate.StageSurvey)
	if _, err := e.db.Exec(`INSERT INTO renovation_files (id, renovation_id, village_code, stage, hash, kind, size, caption, created_by, created_at)
		SELECT 'accept-photo', renovation_id, village_code, 'acceptance', hash, kind, size, '', '', '' FROM renovation_files WHERE renovation_id = $1`, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, st := range renovate.Statuses {
		for _, act := range renovate.Actions {
			t.Run(string(st)+"/"+string(act), func(t *testing.T) {
				e.t = t
				e.force(r.ID, st)
				before := e.get(r.ID)
				err := e.act(r.ID, act)
				after := e.get(r.ID)
				w, ok := want[[2]string{string(st), string(act)}]
				if ok {
					if err != nil || after.Status != w.to {
						t.Fatalf("allowed move: err %v, status %s want %s", err, after.Status, w.to)
					}
					return
				}
				var re *renovate.RefusedError
				if !errors.As(err, &re) {
					t.Fatalf("refused move gave %v", err)
				}
				if after.Version != before.Version || after.Status != st {
					t.Fatalf("refused move changed the renovation")
				}
			})
		}
	}
}

// The approver may not be whoever made the plan.
func TestFourEyesAtApproval(t *testing.T) {
	e := setup(t)
	r := e.add(e.person("李梅", villageA, false), 2026)
	e.walk(r.ID, renovate.Planned)
	ctx := e.as("planner")
	err := e.try(ctx, func(tx *store.Tx) error {
		return renovate.Review(ctx, tx, countyScope, r.ID, renovate.ActApprove, "", today)
	})
	var re *renovate.RefusedError
	if !errors.As(err, &re) || re.Key != "renovate.error.four_eyes" || !strings.Contains(err.Error(), "四眼原则") {
		t.Fatalf("planner approving own plan: %v", err)
	}
	if e.get(r.ID).Status != renovate.Planned {
		t.Fatal("refused approval changed the stage")
	}
	// The planner may still return it? No: returning is the reviewer's;
	// another reviewer approves.
	ctx = e.as("reviewer")
	e.tx(ctx, func(tx *store.Tx) error {
		return renovate.Review(ctx, tx, countyScope, r.ID, renovate.ActApprove, "同意", today)
	})
	if got := e.get(r.ID); got.Status != renovate.Approved || got.ApprovedBy != e.users["reviewer"] {
		t.Fatalf("approval: %+v", got)
	}
}

// Each move checks its input; a refusal names the field in Chinese and
// writes nothing.
func TestMovesCheckInput(t *testing.T) {
	e := setup(t)
	r := e.add(e.person("周强", villageA, false), 2026)
	cases := []struct {
		name  string
		stage renovate.Status
		fn    func(ctx context.Context, tx *store.Tx) error
		field string
		text  string
	}{
		{"visit in the future", renovate.Requested, func(ctx context.Context, tx *store.Tx) error {
			v := goodVisit
			v.Day = "2027-01-01"
			return renovate.Survey(ctx, tx, countyScope, r.ID, v, today)
		}, "renovate.visit.day", "不能晚于今天"},
		{"visit without toilet", renovate.Requested, func(ctx context.Context, tx *store.Tx) error {
			v := goodVisit
			v.Toilet = ""
			return renovate.Survey(ctx, tx, countyScope, r.ID, v, today)
		}, "renovate.visit.toilet", "请选择"},
		{"plan without agreement", renovate.Surveyed, func(ctx context.Context, tx *store.Tx) error {
			in := goodPlan
			in.AgreedBy = " "
			_, err := renovate.Plan(ctx, tx, countyScope, r.ID, in, today)
			return err
		}, "renovate.plan.agreed_by", "家庭同意人"},
		{"plan with no item", renovate.Surveyed, func(ctx context.Context, tx *store.Tx) error {
			_, err := renovate.Plan(ctx, tx, countyScope, r.ID, renovate.PlanInput{AgreedOn: "2026-12-02", AgreedBy: "王"}, today)
			return err
		}, "renovate.plan.items", "至少填写一个"},
		{"plan with too many ramps", renovate.Surveyed, func(ctx context.Context, tx *store.Tx) error {
			in := renovate.PlanInput{Lines: []renovate.PlanLine{{Code: "ramp", Quantity: 1000}}, AgreedOn: "2026-12-02", AgreedBy: "王"}
			_, err := renovate.Plan(ctx, tx, countyScope, r.ID, in, today)
			return err
		}, "renovate.plan.quantity", "坡道的数量须为 1 至 999"},
		{"plan with unknown item", renovate.Surveyed, func(ctx context.Context, tx *store.Tx) error {
			in := renovate.PlanInput{Lines: []renovate.PlanLine{{Code: "swimming_pool", Quantity: 1}}, AgreedOn: "2026-12-02", AgreedBy: "王"}
			_, err := renovate.Plan(ctx, tx, countyScope, r.ID, in, today)
			return err
		}, "renovate.plan.item", "swimming_pool"},
		{"return without reason", renovate.Planned, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Review(ctx, tx, countyScope, r.ID, renovate.ActReturn, "", today)
		}, "renovate.review.note", "必须填写"},
		{"start without contractor", renovate.Approved, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Start(ctx, tx, countyScope, r.ID, "", "2026-12-05", today)
		}, "renovate.start.contractor", "施工单位"},
		{"start before approval", renovate.Approved, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Start(ctx, tx, countyScope, r.ID, "县建安公司", "2026-12-02", today)
		}, "renovate.start.day", "不能早于 2026-12-03"},
		{"accept without photo", renovate.Construction, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Accept(ctx, tx, countyScope, r.ID, renovate.Acceptance{Day: "2026-12-08", SignedBy: "王"}, today)
		}, "renovate.accept.photos", "验收照片"},
		{"accept without signature", renovate.Construction, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Accept(ctx, tx, countyScope, r.ID, renovate.Acceptance{Day: "2026-12-08"}, today)
		}, "renovate.accept.signed_by", "家庭签字人"},
		{"pay more than the plan", renovate.Accepted, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Pay(ctx, tx, countyScope, r.ID, "2026-12-09", 100001, today)
		}, "renovate.pay.amount", "不超过方案金额 1000.00 元"},
		{"pay nothing", renovate.Accepted, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Pay(ctx, tx, countyScope, r.ID, "2026-12-09", 0, today)
		}, "renovate.pay.amount", "大于 0"},
		{"cancel without reason", renovate.Approved, func(ctx context.Context, tx *store.Tx) error {
			return renovate.Cancel(ctx, tx, countyScope, r.ID, "  ", today)
		}, "renovate.cancel.reason", "取消原因"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.force(r.ID, c.stage)
			before := e.get(r.ID)
			err := e.try(e.as("reviewer"), func(tx *store.Tx) error { return c.fn(e.as("reviewer"), tx) })
			var es validate.Errors
			if !errors.As(err, &es) {
				t.Fatalf("want validation errors, got %v", err)
			}
			found := false
			for _, fe := range es {
				found = found || fe.Field == c.field
			}
			if !found || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("want %s «%s», got %q", c.field, c.text, err.Error())
			}
			if after := e.get(r.ID); after.Version != before.Version {
				t.Fatal("refused input changed the renovation")
			}
		})
	}
}
