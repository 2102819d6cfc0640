package survey_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/survey"
)

// Opening a round gives every active person one task in his household
// village, and nobody else; a second round of the same year is refused.
func TestOpenRound(t *testing.T) {
	e := setup(t)
	a := e.person("甲", villageA, nil)
	b := e.person("乙", villageB, nil)
	dead := e.person("丙", villageC, nil)
	ctx := as(staff)
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, countyScope, dead.ID, registry.Event{EffectiveDate: "2026-01-05", Source: "公安"}, monday)
		return err
	})
	var n int
	e.tx(ctx, func(tx *store.Tx) (err error) {
		_, n, err = survey.OpenRound(ctx, tx, staff, 2026, "", monday)
		return err
	})
	if n != 2 {
		t.Fatalf("%d tasks, want 2", n)
	}
	if tk := e.task(survey.TaskID(2026, a.ID)); tk.VillageCode != villageA || tk.Status != survey.Pending {
		t.Errorf("task of 甲: %+v", tk)
	}
	r, err := survey.GetRound(context.Background(), e.db, 2026)
	if err != nil || r.DueOn != "2026-05-31" || !r.Open() {
		t.Errorf("round: %+v %v (due = 90 days by default)", r, err)
	}
	cases := []struct {
		name  string
		year  int
		due   string
		field string
		key   string
	}{
		{"same year", 2026, "2026-12-31", "survey.round.year", "survey.error.round_exists"},
		{"far year", 2030, "2030-12-31", "survey.round.year", "survey.error.year"},
		{"past due", 2027, "2026-01-01", "survey.round.due_on", "survey.error.due_past"},
		{"bad due", 2027, "2026-13-01", "survey.round.due_on", "survey.error.date"},
	}
	for _, c := range cases {
		err := e.try(ctx, func(tx *store.Tx) error {
			_, _, err := survey.OpenRound(ctx, tx, staff, c.year, c.due, monday)
			return err
		})
		if fe := fieldErr(t, err); fe.Field != c.field || fe.Key != c.key {
			t.Errorf("%s: %+v", c.name, fe)
		}
	}
	// Only the county opens rounds.
	err = e.try(as(townWA), func(tx *store.Tx) error {
		_, _, err := survey.OpenRound(as(townWA), tx, townWA, 2027, "", monday)
		return err
	})
	if re := refusal(t, err); re.Key != "survey.error.county_only" {
		t.Errorf("township opens: %v", err)
	}
	// A person registered during the round gets his task on refresh.
	c := e.person("丁", villageB, nil)
	var added int
	e.tx(as(villWB), func(tx *store.Tx) (err error) {
		added, _, err = survey.Refresh(as(villWB), tx, villWB.Scope, 2026)
		return err
	})
	if added != 1 || e.task(survey.TaskID(2026, c.ID)).VillageCode != villageB {
		t.Fatalf("refresh added %d", added)
	}
	_ = b
}

// The whole walk: pre-filled from the registry, saved section by section,
// submitted, checked, accepted; the registry follows with the survey named
// in its history; needs appear from submission.
func TestWalkUpdatesRegistry(t *testing.T) {
	e := setup(t)
	p := e.person("李四", villageA, func(n *registry.NewPerson) {
		n.Marital, n.Education, n.Employment, n.MedicalInsurance = "unmarried", "junior", "rural", true
	})
	e.open(2026, "2026-06-30", monday)
	id := survey.TaskID(2026, p.ID)
	shown, src, err := survey.Shown(context.Background(), e.db, e.task(id))
	if err != nil || src != 0 || shown["marital"] != "unmarried" || shown["employment"] != "rural" || shown["medical_insurance"] != "yes" || shown["pension_insurance"] != "no" {
		t.Fatalf("pre-fill from the registry: %v %d %v", shown, src, err)
	}
	// Submitting before every item is answered names the missing ones.
	if err := e.save(villWA, id, "household", complete["household"], "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	if e.task(id).Status != survey.InProgress {
		t.Fatal("first save did not start the task")
	}
	if fe := fieldErr(t, e.act(villWA, id, survey.ActSubmit, "")); fe.Key != "validate.required" {
		t.Fatalf("incomplete submit: %+v", fe)
	}
	e.fill(villWA, id)
	if err := e.act(villWA, id, survey.ActSubmit, ""); err != nil {
		t.Fatal(err)
	}
	ids, err := survey.Needs(context.Background(), e.db, countyScope, 2026, survey.NeedRenovation)
	if err != nil || !slices.Equal(ids, []string{p.ID}) {
		t.Fatalf("renovation needs after submit: %v %v", ids, err)
	}
	if err := e.act(townWA, id, survey.ActCheck, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.act(staff, id, survey.ActAccept, ""); err != nil {
		t.Fatal(err)
	}
	got, err := registry.Get(context.Background(), e.db, countyScope, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Marital != "married" || got.Employment != "unemployed" || !got.Dibao || !got.PensionInsurance || got.Education != "junior" {
		t.Fatalf("registry after acceptance: %+v", got)
	}
	hist, err := registry.History(context.Background(), e.db, countyScope, p.ID)
	if err != nil || len(hist) != 2 || hist[0].Reason != "2026年动态更新" || !strings.HasPrefix(hist[0].Source, "动态更新调查表 2026-") {
		t.Fatalf("history: %+v %v", hist, err)
	}
	var fields []string
	for _, c := range hist[0].Changes() {
		fields = append(fields, c.Field)
	}
	want := []string{"person.dibao", "person.employment", "person.marital", "person.pension_insurance"}
	if !slices.Equal(fields, want) {
		t.Errorf("changed fields %v, want only %v", fields, want)
	}
	if e.task(id).Status != survey.Accepted {
		t.Fatal("not accepted")
	}
	// Next year's form starts from this year's answers, without the wish.
	e.tx(as(staff), func(tx *store.Tx) error { return survey.CloseRound(as(staff), tx, staff, 2026, monday) })
	e.open(2027, "2027-06-30", monday)
	shown, src, err = survey.Shown(context.Background(), e.db, e.task(survey.TaskID(2027, p.ID)))
	if err != nil || src != 2026 || shown["renovation_needed"] != "yes" || shown["household_type"] != "agricultural" || shown["wish"] != "" {
		t.Fatalf("pre-fill from last year: %v %d %v", shown, src, err)
	}
	// A closed round changes no more.
	if re := refusal(t, e.act(staff, id, survey.ActReturn, "x")); re.Key != "survey.error.round_closed" {
		t.Errorf("closed round: %q", re.Key)
	}
}

// An acceptance that changes no registry fact writes no history.
func TestAcceptWithoutChangesWritesNoHistory(t *testing.T) {
	e := setup(t)
	p := e.person("赵六", villageA, func(n *registry.NewPerson) {
		n.Marital, n.Education, n.Employment, n.Dibao, n.MedicalInsurance, n.PensionInsurance = "married", "junior", "unemployed", true, true, true
	})
	e.open(2026, "2026-06-30", monday)
	id := survey.TaskID(2026, p.ID)
	e.fill(villWA, id)
	if err := e.act(villWA, id, survey.ActSubmit, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.act(staff, id, survey.ActCheck, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.act(staff, id, survey.ActAccept, ""); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT COUNT(*) FROM person_history WHERE person_id = $1`, p.ID); n != 1 {
		t.Fatalf("%d history entries, want only the creation", n)
	}
}

// Returning needs a reason, drops the needs and sends the task back to
// the village; the next save resumes it.
func TestReturn(t *testing.T) {
	e := setup(t)
	p := e.person("钱七", villageA, nil)
	e.open(2026, "2026-06-30", monday)
	id := survey.TaskID(2026, p.ID)
	e.fill(villWA, id)
	if err := e.act(villWA, id, survey.ActSubmit, ""); err != nil {
		t.Fatal(err)
	}
	if fe := fieldErr(t, e.act(townWA, id, survey.ActReturn, "  ")); fe.Field != "survey.return_note" || fe.Key != "survey.error.reason_required" {
		t.Fatalf("return without reason: %+v", fe)
	}
	if err := e.act(townWA, id, survey.ActReturn, "就业情况与实际不符"); err != nil {
		t.Fatal(err)
	}
	if tk := e.task(id); tk.Status != survey.Returned || tk.ReturnNote != "就业情况与实际不符" {
		t.Fatalf("returned: %+v", tk)
	}
	if n := e.count(`SELECT COUNT(*) FROM survey_needs WHERE person_id = $1`, p.ID); n != 0 {
		t.Fatalf("%d needs left after return", n)
	}
	if err := e.save(villWA, id, "employment", survey.Answers{"employment": "flexible"}, ""); err != nil {
		t.Fatal(err)
	}
	if tk := e.task(id); tk.Status != survey.InProgress || tk.Answers["income_source"] != "" {
		t.Fatalf("resumed: %+v (income source no longer applies)", tk)
	}
}

// Bad answers are refused with the item named, and nothing is written.
func TestAnswerValidation(t *testing.T) {
	e := setup(t)
	p := e.person("孙八", villageA, nil)
	e.open(2026, "2026-06-30", monday)
	id := survey.TaskID(2026, p.ID)
	long := ""
	for range 201 {
		long += "好"
	}
	cases := []struct {
		name, section string
		a             survey.Answers
		visited       string
		field, key    string
	}{
		{"unknown option", "household", survey.Answers{"marital": "complicated"}, "", "survey.item.marital", "validate.choose"},
		{"none and other", "rehabilitation", survey.Answers{"device_needed": "none,wheelchair"}, "", "survey.item.device_needed", "survey.error.none_and_other"},
		{"unknown multi", "culture", survey.Answers{"culture": "reading,chess"}, "", "survey.item.culture", "validate.choose"},
		{"long wish", "wish", survey.Answers{"wish": long}, "", "survey.item.wish", "survey.error.too_long"},
		{"future visit", "household", survey.Answers{}, "2026-03-09", "survey.visited_on", "survey.error.date_future"},
		{"bad visit", "household", survey.Answers{}, "2026-02-30", "survey.visited_on", "survey.error.date"},
		{"unknown section", "garden", survey.Answers{}, "", "survey.section_name", "validate.choose"},
	}
	for _, c := range cases {
		err := e.save(villWA, id, c.section, c.a, c.visited)
		if fe := fieldErr(t, err); fe.Field != c.field || fe.Key != c.key {
			t.Errorf("%s: %+v", c.name, fe)
		}
		if !containsRune(err.Error()) {
			t.Errorf("%s: message %q not Chinese", c.name, err)
		}
	}
	if tk := e.task(id); tk.Status != survey.Pending || len(tk.Answers) != 0 || tk.Version != 1 {
		t.Fatalf("refused saves wrote: %+v", tk)
	}
}

func containsRune(s string) bool {
	for _, r := range s {
		if r > 0x4e00 {
			return true
		}
	}
	return false
}

// Needs and NeedCounts on a fixture with known answers, limited to scope
// and year; returned and pending surveys count for nothing.
func TestNeeds(t *testing.T) {
	e := setup(t)
	e.open(2026, "2026-06-30", monday)
	type fx struct {
		village string
		answers map[string]survey.Answers // section overrides
		to      survey.Status
	}
	fixtures := []fx{
		{villageA, nil, survey.Accepted}, // rehabilitation, renovation, training, wish
		{villageA, map[string]survey.Answers{"care": {"care_received": "none", "care_needed": "day"}, "home": {"renovation_needed": "no"}}, survey.Submitted},
		{villageC, map[string]survey.Answers{"rehabilitation": {"rehab_needed": "none", "device_needed": "wheelchair"}, "wish": {"wish": ""}}, survey.Checked},
		{villageB, map[string]survey.Answers{"employment": {"employment": "unemployed", "income_source": "family", "unemployed_reason": "no_job", "employment_need": "job,training"}}, survey.Submitted},
		{villageB, nil, survey.Returned},
		{villageB, nil, survey.InProgress},
	}
	var ids []string
	for i, f := range fixtures {
		p := e.person("需"+string(rune('甲'+i)), f.village, nil)
		ids = append(ids, p.ID)
		e.tx(as(staff), func(tx *store.Tx) error { _, _, err := survey.Refresh(as(staff), tx, countyScope, 2026); return err })
		id := survey.TaskID(2026, p.ID)
		for _, sec := range survey.Sections {
			a := complete[sec]
			if o, ok := f.answers[sec]; ok {
				a = o
			}
			if err := e.save(staff, id, sec, a, "2026-03-01"); err != nil {
				t.Fatal(err)
			}
		}
		steps := map[survey.Status][]survey.Action{
			survey.Submitted: {survey.ActSubmit},
			survey.Checked:   {survey.ActSubmit, survey.ActCheck},
			survey.Accepted:  {survey.ActSubmit, survey.ActCheck, survey.ActAccept},
			survey.Returned:  {survey.ActSubmit, survey.ActReturn},
		}[f.to]
		for _, a := range steps {
			if err := e.act(staff, id, a, "退回"); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[survey.Need][]int{
		survey.NeedRehabilitation: {0, 1, 3},
		survey.NeedDevice:         {2},
		survey.NeedCare:           {1},
		survey.NeedRenovation:     {0, 2, 3},
		survey.NeedEmployment:     {3},
		survey.NeedTraining:       {0, 1, 2, 3},
		survey.NeedWish:           {0, 1, 3},
	}
	counts, err := survey.NeedCounts(context.Background(), e.db, countyScope, 2026)
	if err != nil {
		t.Fatal(err)
	}
	for need, idx := range want {
		var w []string
		for _, i := range idx {
			w = append(w, ids[i])
		}
		slices.Sort(w)
		got, err := survey.Needs(context.Background(), e.db, countyScope, 2026, need)
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v (%v)", need, got, w, err)
		}
		if counts[need] != len(w) {
			t.Errorf("count %s: %d, want %d", need, counts[need], len(w))
		}
	}
	// Scope: township A sees only its persons; another year nothing.
	got, _ := survey.Needs(context.Background(), e.db, area.ScopeOf(townA), 2026, survey.NeedRenovation)
	if !slices.Equal(got, sorted(ids[0], ids[2])) {
		t.Errorf("township A renovation: %v", got)
	}
	if c, _ := survey.NeedCounts(context.Background(), e.db, countyScope, 2025); c[survey.NeedWish] != 0 || len(c) != len(survey.AllNeeds) {
		t.Errorf("2025 counts: %v", c)
	}
}

func sorted(s ...string) []string { slices.Sort(s); return s }

// A village worker sees and changes only his village's tasks; a township
// worker his township's.
func TestScope(t *testing.T) {
	e := setup(t)
	a := e.person("本村", villageA, nil)
	b := e.person("外村", villageB, nil)
	e.open(2026, "2026-06-30", monday)
	ctx := context.Background()
	rows, err := survey.ListTasks(ctx, e.db, villWA.Scope, survey.TaskFilter{Year: 2026}, monday)
	if err != nil || len(rows) != 1 || rows[0].PersonID != a.ID || rows[0].Name != "本村" {
		t.Fatalf("village A list: %+v %v", rows, err)
	}
	if rows, _ := survey.ListTasks(ctx, e.db, villWA.Scope, survey.TaskFilter{Year: 2026, AreaCode: villageB}, monday); len(rows) != 0 {
		t.Fatalf("village A asked for village B: %d rows", len(rows))
	}
	if _, err := survey.GetTask(ctx, e.db, villWA.Scope, survey.TaskID(2026, b.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("village A opens B's task: %v", err)
	}
	if err := e.save(villWA, survey.TaskID(2026, b.ID), "household", complete["household"], ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("village A saves B's task: %v", err)
	}
	if rows, _ := survey.ListTasks(ctx, e.db, townWA.Scope, survey.TaskFilter{Year: 2026}, monday); len(rows) != 1 {
		t.Fatalf("township A sees %d tasks", len(rows))
	}
	if err := e.save(leader, survey.TaskID(2026, a.ID), "household", complete["household"], ""); refusal(t, err).Key != "survey.error.role_worker" {
		t.Fatalf("leader saves: %v", err)
	}
}

// Progress on a fixture with known states: totals per village and
// township, returned and overdue after the due date; a person who dies
// leaves the totals.
func TestProgress(t *testing.T) {
	e := setup(t)
	var ps []registry.Person
	for i, v := range []string{villageA, villageA, villageA, villageC, villageB, villageB} {
		ps = append(ps, e.person("进"+string(rune('甲'+i)), v, nil))
	}
	e.open(2026, "2026-03-05", monday)
	id := func(i int) string { return survey.TaskID(2026, ps[i].ID) }
	e.fill(villWA, id(0))
	_ = e.act(villWA, id(0), survey.ActSubmit, "")
	e.fill(villWA, id(1))
	_ = e.act(villWA, id(1), survey.ActSubmit, "")
	if err := e.act(townWA, id(1), survey.ActReturn, "重填"); err != nil {
		t.Fatal(err)
	}
	e.fill(staff, id(3))
	for _, a := range []survey.Action{survey.ActSubmit, survey.ActCheck, survey.ActAccept} {
		if err := e.act(staff, id(3), a, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.save(villWB, id(4), "household", complete["household"], ""); err != nil {
		t.Fatal(err)
	}
	ctx := as(staff)
	e.tx(ctx, func(tx *store.Tx) error {
		_, err := registry.Died(ctx, tx, countyScope, ps[5].ID, registry.Event{EffectiveDate: "2026-03-01", Source: "家属"}, monday)
		return err
	})
	if e.task(id(5)).Status != survey.Void {
		t.Fatal("the task of a person who died was not voided")
	}
	after := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	rp, err := survey.ProgressOf(context.Background(), e.db, countyScope, 2026, after)
	if err != nil {
		t.Fatal(err)
	}
	want := survey.Progress{Total: 5, Pending: 1, InProgress: 1, Submitted: 1, Accepted: 1, Returned: 1, Overdue: 3, Done: 2}
	if rp.Total != want {
		t.Errorf("total %+v, want %+v", rp.Total, want)
	}
	if len(rp.Townships) != 2 || rp.Townships[0].Code != townA || rp.Townships[0].Total != 4 || rp.Townships[0].Done != 2 || rp.Townships[0].Returned != 1 || rp.Townships[0].Overdue != 2 {
		t.Errorf("township A %+v", rp.Townships)
	}
	if len(rp.Villages) != 3 || rp.Villages[0].Code != villageA || rp.Villages[0].Total != 3 || rp.Villages[0].Done != 1 || rp.Villages[2].Total != 1 || rp.Villages[2].Overdue != 1 {
		t.Errorf("villages %+v", rp.Villages)
	}
	if rp.Townships[0].Name != "城关街道" || rp.Total.Permille() != 400 {
		t.Errorf("names or share: %s %d", rp.Townships[0].Name, rp.Total.Permille())
	}
	// Before the due date nothing is overdue; the township sees its own.
	rp, _ = survey.ProgressOf(context.Background(), e.db, townWA.Scope, 2026, monday)
	if rp.Total.Overdue != 0 || rp.Total.Total != 4 || len(rp.Townships) != 1 {
		t.Errorf("township A before due: %+v", rp.Total)
	}
	rows, _ := survey.ListTasks(context.Background(), e.db, countyScope, survey.TaskFilter{Year: 2026, Overdue: true}, after)
	if len(rows) != 3 || !rows[0].Overdue {
		t.Errorf("overdue list: %d", len(rows))
	}
}
