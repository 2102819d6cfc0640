package employ_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// figuresFixture builds a year with known answers (see TestFigures).
func figuresFixture(t *testing.T) *env {
	e := setup(t)
	p1, p2, p3 := e.person("甲", villageA), e.person("乙", villageC), e.person("丙", villageA)
	p4, p5 := e.person("丁", villageB), e.person("戊", villageB)
	p6 := e.person("己", villageA)
	s := countyScope
	rec := func(p string, form, start, end string, inc int64) {
		e.tx(func(tx *store.Tx) error {
			_, err := employ.CreateRecord(e.ctx, tx, s, employ.Record{PersonID: p, Form: form, Employer: "某单位", StartDate: start, EndDate: end, MonthlyIncome: inc}, today)
			return err
		})
	}
	rec(p1.ID, "flexible", "2026-01-01", "", 350000)
	rec(p1.ID, "rural", "2026-03-01", "", 50000)
	rec(p2.ID, "ecommerce", "2026-05-01", "", 200000)
	rec(p3.ID, "quota", "2025-01-01", "2026-06-30", 400000)
	rec(p5.ID, "home", "2026-03-01", "", 300000)
	e.tx(func(tx *store.Tx) error {
		post, err := employ.SavePost(e.ctx, tx, s, employ.Post{Name: "保洁", AreaCode: townB, Sponsor: "桃园镇", MonthlyPay: 180000})
		if err != nil {
			return err
		}
		_, err = employ.AssignPost(e.ctx, tx, s, post.ID, p4.ID, "2026-02-01", today)
		return err
	})
	// Projects: one supported in the period, one only applied, one
	// supported before it.
	for _, j := range []struct{ applied, supported string }{{"2026-03-01", "2026-04-01"}, {"2026-05-01", ""}, {"2025-11-01", "2025-12-01"}} {
		e.tx(func(tx *store.Tx) error {
			pj, err := employ.CreateProject(e.ctx, tx, s, employ.Project{PersonID: p1.ID, Name: "项目", AppliedOn: j.applied}, today)
			if err != nil || j.supported == "" {
				return err
			}
			_, err = employ.MoveProject(e.ctx, tx, s, pj.ID, employ.ProjectSupported, j.supported, 500000, "导师")
			return err
		})
	}
	// Greenhouses: two open at the end, one closed during the year.
	for _, g := range []struct{ village, opened, closed string }{{villageA, "2026-03-01", ""}, {villageB, "2025-05-01", ""}, {villageB, "2025-01-01", "2026-06-30"}} {
		e.tx(func(tx *store.Tx) error {
			_, err := employ.SavePlace(e.ctx, tx, s, employ.Place{Kind: employ.PlaceGreenhouse, Name: "大棚", AreaCode: g.village, Operator: "合作社", OpenedOn: g.opened, ClosedOn: g.closed})
			return err
		})
	}
	// One base: a student and a parent still there, a disabled worker gone.
	e.tx(func(tx *store.Tx) error {
		b, err := employ.SavePlace(e.ctx, tx, s, employ.Place{Kind: employ.PlaceTraining, Name: "特教学校车间", AreaCode: villageA, Operator: "县特教学校", OpenedOn: "2026-01-10"})
		if err != nil {
			return err
		}
		for _, w := range []employ.Worker{
			{Role: employ.RoleStudent, PersonID: p2.ID, StartDate: "2026-02-01"},
			{Role: employ.RoleFamily, Name: "乙母", Relation: "陪读家长", StartDate: "2026-02-01"},
			{Role: employ.RoleDisabled, PersonID: p6.ID, StartDate: "2026-02-01"},
		} {
			w.PlaceID = b.ID
			x, err := employ.AddWorker(e.ctx, tx, s, w, today)
			if err != nil {
				return err
			}
			if w.Role == employ.RoleDisabled {
				if _, err := employ.EndWorker(e.ctx, tx, s, x.ID, "2026-08-01"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	// Wishes: three in the period (one fulfilled, one not, one open), one before.
	for i, w := range []struct {
		on     string
		close  string
		fulfil bool
	}{{"2026-02-01", "2026-03-01", true}, {"2026-03-01", "2026-04-01", false}, {"2026-04-01", "", false}, {"2025-12-01", "2026-01-15", true}} {
		e.tx(func(tx *store.Tx) error {
			x, err := employ.CreateWish(e.ctx, tx, s, employ.Wish{PersonID: []string{p1.ID, p2.ID, p4.ID, p5.ID}[i], Type: employ.WishDirection, Text: "愿望", RecordedOn: w.on}, today)
			if err != nil || w.close == "" {
				return err
			}
			_, err = employ.CloseWish(e.ctx, tx, s, x.ID, w.fulfil, w.close, "说明", today)
			return err
		})
	}
	// Campaigns: a county one in the year (40 counted + 甲 named, 3 + 1
	// suggestions) and one the year before.
	e.tx(func(tx *store.Tx) error {
		c, err := employ.SaveCampaign(e.ctx, tx, s, employ.Campaign{Kind: employ.CampaignAidMonth, Name: "援助月", AreaCode: county, Place: "广场",
			StartDate: "2026-01-05", EndDate: "2026-02-05", ReachedCount: 40, SuggestionsCount: 3})
		if err != nil {
			return err
		}
		if err := employ.AddCampaignPerson(e.ctx, tx, s, c.ID, p1.ID); err != nil {
			return err
		}
		if _, err := employ.AddSuggestion(e.ctx, tx, s, c.ID, "多办培训"); err != nil {
			return err
		}
		_, err = employ.SaveCampaign(e.ctx, tx, s, employ.Campaign{Kind: employ.CampaignPromotion, Name: "推介会", AreaCode: townA, Place: "街道",
			StartDate: "2025-06-01", EndDate: "2025-06-01", ReachedCount: 99})
		return err
	})
	// Training: one course, 甲 completes, 乙 does not.
	e.tx(func(tx *store.Tx) error {
		c, err := employ.SaveCourse(e.ctx, tx, s, employ.Course{Kind: employ.KindSkills, Name: "技能班", AreaCode: townA, Place: "街道", Provider: "职校", StartDate: "2026-06-01", EndDate: "2026-06-10"})
		if err != nil {
			return err
		}
		x, err := employ.AddSession(e.ctx, tx, s, c.ID, "2026-06-02", "一")
		if err != nil {
			return err
		}
		for _, p := range []string{p1.ID, p2.ID} {
			if _, err := employ.Enrol(e.ctx, tx, s, c.ID, p, today); err != nil {
				return err
			}
		}
		if err := employ.RecordAttendance(e.ctx, tx, s, x.ID, []string{p1.ID}, today); err != nil {
			return err
		}
		_, err = employ.FinishCourse(e.ctx, tx, s, c.ID, "2026-06-10", today)
		return err
	})
	return e
}

func TestFigures(t *testing.T) {
	e := figuresFixture(t)
	st, err := employ.Figures(e.ctx, e.db, countyScope, "2026-01-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"employed (甲 乙 丁 戊; 丙's job ended)", st.Employed, 4},
		{"flexible", st.EmployedByForm["flexible"], 1},
		{"rural (甲's second job)", st.EmployedByForm["rural"], 1},
		{"ecommerce", st.EmployedByForm["ecommerce"], 1},
		{"public welfare", st.EmployedByForm["public_welfare"], 1},
		{"home", st.EmployedByForm["home"], 1},
		{"quota (ended)", st.EmployedByForm["quota"], 0},
		{"townships", len(st.Townships), 2},
		{"township A", st.Townships[0].Total, 2},
		{"township B", st.Townships[1].Total, 2},
		{"income ≥ 3000 (甲 3500+500, 戊 exactly 3000)", st.IncomeAbove, 2},
		{"income share", st.IncomeShare, 50.0},
		{"person-times", st.PersonTimes, 1},
		{"courses", st.Courses, 1},
		{"projects", st.Projects, 1},
		{"grants", st.GrantsTotal, int64(500000)},
		{"greenhouses", st.Greenhouses, 2},
		{"bases", st.Bases, 1},
		{"base students", st.BaseWorkers[employ.RoleStudent], 1},
		{"base family", st.BaseWorkers[employ.RoleFamily], 1},
		{"base disabled (left)", st.BaseWorkers[employ.RoleDisabled], 0},
		{"wishes collected", st.WishesCollected, 3},
		{"wishes fulfilled", st.WishesFulfilled, 1},
		{"wishes rate", st.WishesRate, 33.3},
		{"campaigns", st.Campaigns, 1},
		{"reach", st.Reach, 41},
		{"suggestions", st.Suggestions, 4},
		{"training target", st.Targets[0], employ.Target{Key: "training", Actual: 1, Target: 200}},
		{"bases target met", st.Targets[3], employ.Target{Key: "bases", Actual: 1, Target: 1, Met: true}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	// Township A sees its own part only.
	a, err := employ.Figures(e.ctx, e.db, scopeA, "2026-01-01", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"A employed", a.Employed, 2}, {"A income", a.IncomeAbove, 1}, {"A greenhouses", a.Greenhouses, 1},
		{"A campaigns (the county's is not A's)", a.Campaigns, 0}, {"A reach (its named person)", a.Reach, 1},
		{"A wishes", a.WishesCollected, 2}, {"A person-times", a.PersonTimes, 1}, {"A projects", a.Projects, 1},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	// Mid-year the quota job still counts and 甲's rural job has not begun.
	mid, _ := employ.Figures(e.ctx, e.db, countyScope, "2026-01-01", "2026-02-15")
	if mid.Employed != 3 || mid.EmployedByForm["quota"] != 1 || mid.EmployedByForm["rural"] != 0 {
		t.Errorf("on 2026-02-15: %d employed, by form %v", mid.Employed, mid.EmployedByForm)
	}
}
