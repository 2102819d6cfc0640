package employ_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// The one table of project moves: every allowed move and every refused one.
func TestProjectMoves(t *testing.T) {
	allowed := map[[2]string]bool{
		{employ.ProjectApplied, employ.ProjectSupported}: true,
		{employ.ProjectApplied, employ.ProjectRefused}:   true,
		{employ.ProjectSupported, employ.ProjectClosed}:  true,
	}
	for _, from := range employ.ProjectStatuses {
		for _, to := range employ.ProjectStatuses {
			if got := employ.ProjectMoveAllowed(from, to); got != allowed[[2]string{from, to}] {
				t.Errorf("%s → %s allowed = %v", from, to, got)
			}
		}
	}
}

func TestProjectRules(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	var j employ.Project
	e.tx(func(tx *store.Tx) (err error) {
		j, err = employ.CreateProject(e.ctx, tx, scopeA, employ.Project{PersonID: p.ID, Name: "养鸡场", AppliedOn: "2026-03-01"}, today)
		return err
	})
	for _, c := range []struct {
		name, to, day string
		grant         int64
		mentor, key   string
	}{
		{"support needs a grant", employ.ProjectSupported, "2026-04-01", 0, "李老师", "employ.error.grant_required"},
		{"support needs a mentor", employ.ProjectSupported, "2026-04-01", 500000, "", "validate.required"},
		{"not before the application", employ.ProjectSupported, "2026-02-01", 500000, "李老师", "employ.error.before_applied"},
		{"cannot close an application", employ.ProjectClosed, "2026-04-01", 0, "", "employ.error.project_move"},
		{"supported", employ.ProjectSupported, "2026-04-01", 500000, "李老师", ""},
		{"not supported twice", employ.ProjectSupported, "2026-05-01", 500000, "李老师", "employ.error.project_move"},
	} {
		err := e.try(func(tx *store.Tx) error {
			_, err := employ.MoveProject(e.ctx, tx, scopeA, j.ID, c.to, c.day, c.grant, c.mentor)
			return err
		})
		if keyOf(err) != c.key {
			t.Errorf("%s: got %q (%v), want %q", c.name, keyOf(err), err, c.key)
		}
	}
	got, _ := employ.GetProject(e.ctx, e.db, countyScope, j.ID)
	if got.Status != employ.ProjectSupported || got.Grant != 500000 || got.SupportedOn != "2026-04-01" {
		t.Fatalf("project %+v", got)
	}
	if _, err := employ.GetProject(e.ctx, e.db, scopeB, j.ID); keyOf(err) != "not_found" {
		t.Errorf("township B sees A's project: %v", err)
	}
}

// Bases employ disabled persons, students and family members (陪读家长);
// each role has its rules.
func TestPlaceWorkers(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	pb := e.person("李秀英", villageB)
	var base employ.Place
	e.tx(func(tx *store.Tx) (err error) {
		base, err = employ.SavePlace(e.ctx, tx, scopeA, employ.Place{Kind: employ.PlaceTraining, Name: "特教学校就业扶贫车间", AreaCode: villageA, Operator: "县特教学校", OpenedOn: "2026-02-01"})
		return err
	})
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.SavePlace(e.ctx, tx, scopeA, employ.Place{Kind: employ.PlaceGreenhouse, Name: "x", AreaCode: townA, Operator: "y", OpenedOn: "2026-02-01"})
		return err
	}); fieldOf(err) != "employ.place.area" {
		t.Errorf("a greenhouse in a township, not a village: %v", err)
	}
	for _, c := range []struct {
		name string
		w    employ.Worker
		key  string
	}{
		{"student", employ.Worker{Role: employ.RoleStudent, PersonID: p.ID, StartDate: "2026-03-01"}, ""},
		{"same student twice", employ.Worker{Role: employ.RoleStudent, PersonID: p.ID, StartDate: "2026-04-01"}, "employ.error.works_there"},
		{"person of another township", employ.Worker{Role: employ.RoleDisabled, PersonID: pb.ID, StartDate: "2026-03-01"}, "employ.error.person"},
		{"parent", employ.Worker{Role: employ.RoleFamily, Name: "王母", Relation: "王明的陪读家长", StartDate: "2026-03-01"}, ""},
		{"parent needs a name", employ.Worker{Role: employ.RoleFamily, Relation: "陪读家长", StartDate: "2026-03-01"}, "validate.required"},
		{"before the base opened", employ.Worker{Role: employ.RoleFamily, Name: "赵父", Relation: "陪读家长", StartDate: "2026-01-01"}, "employ.error.before_opened"},
		{"role", employ.Worker{Role: "boss", Name: "x", StartDate: "2026-03-01"}, "validate.choose"},
	} {
		c.w.PlaceID = base.ID
		err := e.try(func(tx *store.Tx) error { _, err := employ.AddWorker(e.ctx, tx, scopeA, c.w, today); return err })
		if keyOf(err) != c.key {
			t.Errorf("%s: got %q (%v), want %q", c.name, keyOf(err), err, c.key)
		}
	}
	ws, err := employ.Workers(e.ctx, e.db, countyScope, base.ID)
	if err != nil || len(ws) != 2 {
		t.Fatalf("workers %+v %v", ws, err)
	}
	if _, err := employ.Workers(e.ctx, e.db, scopeB, base.ID); keyOf(err) != "not_found" {
		t.Errorf("township B sees A's base: %v", err)
	}
}

func TestWishRules(t *testing.T) {
	e := setup(t)
	p := e.person("王明", villageA)
	good := employ.Wish{PersonID: p.ID, Type: employ.WishTraining, Text: "想学电商", RecordedOn: "2026-05-01", AssignedTo: e.users["workerA"]}
	for _, c := range []struct {
		name string
		edit func(w *employ.Wish)
		key  string
	}{
		{"assignee of another township", func(w *employ.Wish) { w.AssignedTo = e.users["workerB"] }, "employ.error.assignee"},
		{"assignee of another department", func(w *employ.Wish) { w.AssignedTo = e.users["cert"] }, "employ.error.assignee"},
		{"type", func(w *employ.Wish) { w.Type = "" }, "validate.choose"},
		{"text", func(w *employ.Wish) { w.Text = "" }, "validate.required"},
		{"future", func(w *employ.Wish) { w.RecordedOn = "2027-01-01" }, "employ.error.future"},
		{"good", func(w *employ.Wish) {}, ""},
	} {
		w := good
		c.edit(&w)
		err := e.try(func(tx *store.Tx) error { _, err := employ.CreateWish(e.ctx, tx, scopeA, w, today); return err })
		if keyOf(err) != c.key {
			t.Errorf("%s: got %q (%v), want %q", c.name, keyOf(err), err, c.key)
		}
	}
	ws, _ := employ.ListWishes(e.ctx, e.db, countyScope, employ.WishFilter{})
	if len(ws) != 1 || ws[0].AssignedName != "workerA" {
		t.Fatalf("wishes %+v", ws)
	}
	id := ws[0].ID
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.CloseWish(e.ctx, tx, scopeA, id, false, "2026-06-01", "", today)
		return err
	}); keyOf(err) != "validate.required" {
		t.Errorf("unfulfilled without a note: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.CloseWish(e.ctx, tx, scopeA, id, true, "2026-04-01", "", today)
		return err
	}); keyOf(err) != "employ.error.before_recorded" {
		t.Errorf("closed before recorded: %v", err)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := employ.CloseWish(e.ctx, tx, scopeA, id, true, "2026-06-01", "报名电商班", today)
		return err
	})
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.AssignWish(e.ctx, tx, scopeA, id, e.users["employ"])
		return err
	}); keyOf(err) != "employ.error.wish_closed" {
		t.Errorf("assigned a closed wish: %v", err)
	}
}

func TestCampaignRules(t *testing.T) {
	e := setup(t)
	pa, pb := e.person("王明", villageA), e.person("李秀英", villageB)
	var c employ.Campaign
	e.tx(func(tx *store.Tx) (err error) {
		c, err = employ.SaveCampaign(e.ctx, tx, countyScope, employ.Campaign{Kind: employ.CampaignAidMonth, Name: "就业援助月", AreaCode: county, Place: "县人社局广场",
			StartDate: "2026-01-05", EndDate: "2026-02-05", ReachedCount: 40, SuggestionsCount: 3})
		return err
	})
	// Township A sees the county's campaign and adds its own person, not B's.
	e.tx(func(tx *store.Tx) error { return employ.AddCampaignPerson(e.ctx, tx, scopeA, c.ID, pa.ID) })
	if err := e.try(func(tx *store.Tx) error { return employ.AddCampaignPerson(e.ctx, tx, scopeA, c.ID, pb.ID) }); keyOf(err) != "employ.error.person" {
		t.Errorf("added a person of B: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error { return employ.AddCampaignPerson(e.ctx, tx, scopeA, c.ID, pa.ID) }); keyOf(err) != "employ.error.already_reached" {
		t.Errorf("added twice: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error { _, err := employ.AddSuggestion(e.ctx, tx, scopeA, c.ID, "x"); return err }); keyOf(err) != "employ.error.campaign_not_yours" {
		t.Errorf("township wrote on the county campaign: %v", err)
	}
	e.tx(func(tx *store.Tx) error {
		_, err := employ.AddSuggestion(e.ctx, tx, countyScope, c.ID, "希望多办电商培训")
		return err
	})
	got, _ := employ.GetCampaign(e.ctx, e.db, scopeA, c.ID)
	if got.Reach() != 41 || got.Suggestions() != 4 {
		t.Errorf("reach %d suggestions %d, want 41 and 4", got.Reach(), got.Suggestions())
	}
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.SaveCampaign(e.ctx, tx, countyScope, employ.Campaign{Kind: employ.CampaignPromotion, Name: "x", AreaCode: county, Place: "y", StartDate: "2026-01-05", EndDate: "2026-01-05", ReachedCount: -1})
		return err
	}); keyOf(err) != "employ.error.count" {
		t.Errorf("negative head count: %v", err)
	}
}
