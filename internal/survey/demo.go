package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// demoMaxVisits caps the simulated visits of a demo round.
const demoMaxVisits = 50_000

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// Demo creates two survey rounds in the demo county: last year's, closed
// with every task accepted, and this year's, opened 100 days before today
// and due 10 days before it, about 85 % done (submitted, checked or
// accepted), the rest pending, in progress or returned — all of those
// overdue. Answers start from the registry (so acceptance changes nothing
// there: the registry is only read) with needs drawn at plausible rates.
// The same rng and today give the same rows.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Name: "demo", Kind: "system"})
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var persons []registry.Person
	s := area.ScopeOf(DemoCounty)
	// Every person gets his task (set-based, fast at any size); the visits
	// are simulated for at most demoMaxVisits persons a round, drawn
	// evenly (a reservoir sample), so a province-sized bench database
	// builds in minutes; below that size every person is visited.
	seen := 0
	if err := registry.SearchEach(ctx, db, s, registry.Filter{Today: today, Sort: registry.SortRegistered}, func(p registry.Person) error {
		seen++
		if len(persons) < demoMaxVisits {
			persons = append(persons, p)
		} else if j := rng.IntN(seen); j < demoMaxVisits {
			persons[j] = p
		}
		return nil
	}); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		d := &demo{ctx: ctx, tx: tx, rng: rng}
		last, this := today.Year()-1, today.Year()
		if err := d.round(last, today.AddDate(-1, 0, -100), today.AddDate(-1, 0, -10), true, persons); err != nil {
			return err
		}
		if err := d.round(this, today.AddDate(0, 0, -100), today.AddDate(0, 0, -10), false, persons); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "survey.demo", ObjectType: "survey_rounds", ObjectID: DemoCounty,
			Detail: fmt.Sprintf("演示数据：%d、%d 年动态更新，%d 项任务", last, this, d.tasks)})
	})
}

type demo struct {
	ctx   context.Context
	tx    *store.Tx
	rng   *rand.Rand
	seq   int
	tasks int
}

// id is a UUIDv7 from the rng and an instant, so reruns give the same ids.
func (d *demo) id(at time.Time) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(d.rng.UintN(256))
	}
	ms := uint64(at.UnixMilli()) + uint64(d.seq)
	d.seq++
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	return uuid.UUID(b).String()
}

func (d *demo) round(year int, opened, due time.Time, closed bool, persons []registry.Person) error {
	ctx, tx := d.ctx, d.tx
	r := Round{ID: d.id(opened), Year: year, Status: RoundOpen, OpenedOn: ymd(opened), DueOn: ymd(due), OpenedBy: "demo"}
	if closed {
		r.Status, r.ClosedOn = RoundClosed, ymd(due.AddDate(0, 0, 20))
	}
	at := store.FormatTime(opened.Add(9 * time.Hour))
	if _, err := tx.ExecContext(ctx, `INSERT INTO survey_rounds (`+roundColumns+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
		r.ID, r.Year, r.Status, r.OpenedOn, r.DueOn, r.ClosedOn, r.OpenedBy, at); err != nil {
		return err
	}
	if _, err := addTasks(ctx, tx, area.ScopeOf(DemoCounty), year); err != nil {
		return err
	}
	for _, p := range persons {
		st := Accepted
		if !closed {
			switch x := d.rng.IntN(100); {
			case x < 8:
				st = Pending
			case x < 12:
				st = InProgress
			case x < 15:
				st = Returned
			case x < 35:
				st = Submitted
			case x < 60:
				st = Checked
			}
		}
		if err := d.task(year, p, st, opened, due); err != nil {
			return err
		}
	}
	return nil
}

// demoAnswers are a plausible survey of p: the registry's facts, then the
// other items at rough rates of a rural county.
func (d *demo) answers(p registry.Person, today time.Time) Answers {
	a := fromRegistry(p)
	pick := func(k string, opts ...string) { a[k] = opts[d.rng.IntN(len(opts))] }
	pick("household_type", "agricultural", "agricultural", "agricultural", "non_agricultural")
	if a["marital"] == "" {
		pick("marital", "married", "married", "unmarried", "widowed")
	}
	if a["education"] == "" {
		pick("education", "none", "primary", "junior", "junior", "senior")
	}
	if a["employment"] == "" {
		if age := p.Age(today); age < 16 || age > 59 {
			a["employment"] = "not_working_age"
		} else {
			pick("employment", "unemployed", "rural", "rural", "flexible", "public_welfare", "auxiliary")
		}
	}
	switch a["employment"] {
	case "unemployed":
		pick("income_source", "family", "family", "assistance", "land")
		pick("unemployed_reason", "severe", "no_skill", "no_job", "family_care")
	case "not_working_age":
		pick("income_source", "family", "pension", "assistance")
	}
	pick("employment_help", "none", "none", "training", "rural_skills", "referral")
	pick("employment_need", "none", "none", "none", "job", "training", "job,training")
	if _, ok := a["social_assistance"]; !ok {
		a["social_assistance"] = "none"
	}
	pick("subsidies", "none", "living", "nursing", "living,nursing")
	pick("care_received", "none", "none", "none", "none", "home")
	pick("care_needed", "none", "none", "none", "none", "none", "home", "day")
	pick("rehab_received", "none", "medical", "training", "none")
	pick("rehab_needed", "none", "none", "medical", "training", "medical,training", "counselling")
	pick("device_received", "none", "none", "none", "wheelchair", "walking", "hearing")
	pick("device_needed", "none", "none", "none", "none", "wheelchair", "walking", "hearing", "vision")
	pick("renovation_needed", "no", "no", "no", "no", "no", "no", "no", "no", "no", "yes")
	if a["renovation_needed"] == "yes" {
		pick("renovation_items", "ramp,handrail", "toilet,handrail", "ramp,toilet,kitchen", "threshold")
	}
	pick("culture", "none", "none", "reading", "sports", "community")
	if d.rng.IntN(5) == 0 {
		pick("wish", "希望能有一台轮椅", "想学一门手艺", "希望家门口修个坡道", "想找一份能在家做的工作", "希望孩子能继续上学")
	}
	return a
}

func (d *demo) task(year int, p registry.Person, st Status, opened, due time.Time) error {
	ctx, tx := d.ctx, d.tx
	id := TaskID(year, p.ID)
	d.tasks++
	created := store.FormatTime(opened.Add(9 * time.Hour))
	t := Task{ID: id, Year: year, PersonID: p.ID, VillageCode: p.VillageCode, Status: st, CreatedAt: created, UpdatedAt: created, Version: 1}
	span := int(due.Sub(opened).Hours() / 24)
	day := opened.AddDate(0, 0, 1+d.rng.IntN(max(1, span)))
	stamp := func(n int) string { return store.FormatTime(day.AddDate(0, 0, n).Add(10 * time.Hour)) }
	steps := map[Status][]Action{
		InProgress: {ActStart},
		Submitted:  {ActStart, ActSubmit},
		Checked:    {ActStart, ActSubmit, ActCheck},
		Accepted:   {ActStart, ActSubmit, ActCheck, ActAccept},
		Returned:   {ActStart, ActSubmit, ActReturn},
	}[st]
	if len(steps) > 0 {
		t.Answers = d.answers(p, opened)
		t.VisitedOn = ymd(day)
	}
	if st == InProgress {
		// Only the first sections saved.
		for _, sec := range Sections[3:] {
			for _, it := range ItemsOf(sec) {
				delete(t.Answers, it.Key)
			}
		}
	}
	from := Pending
	for i, act := range steps {
		tr, _ := Next(from, act)
		who := "村专职委员"
		switch act {
		case ActSubmit:
			t.SubmittedBy, t.SubmittedAt = "demo", stamp(i)
		case ActCheck:
			t.CheckedBy, t.CheckedAt, who = "demo", stamp(i), "乡镇专职委员"
		case ActAccept:
			t.AcceptedBy, t.AcceptedAt, who = "demo", stamp(i), "县残联"
		case ActReturn:
			t.ReturnNote, who = "就业情况与实际不符，请核实", "乡镇专职委员"
		}
		note := ""
		if act == ActReturn {
			note = t.ReturnNote
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO survey_events (id, task_id, seq, at, actor_id, actor_name, action, from_status, to_status, note)
			VALUES ($1, $2, $3, $4, 'demo', $5, $6, $7, $8, $9)`, d.id(day), id, i+1, stamp(i), who, string(act), string(from), string(tr.To), note); err != nil {
			return err
		}
		from = tr.To
		t.UpdatedAt = stamp(i)
		t.Version++
	}
	answers := ""
	if len(t.Answers) > 0 {
		b, _ := json.Marshal(t.Answers)
		answers = string(b)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE survey_tasks SET status = $2, answers = $3, visited_on = $4, return_note = $5, submitted_by = $6,
		submitted_at = $7, checked_by = $8, checked_at = $9, accepted_by = $10, accepted_at = $11, created_at = $12, updated_at = $13, version = $14
		WHERE id = $1`, id, string(st), answers, t.VisitedOn, t.ReturnNote, t.SubmittedBy, t.SubmittedAt, t.CheckedBy, t.CheckedAt,
		t.AcceptedBy, t.AcceptedAt, t.CreatedAt, t.UpdatedAt, t.Version); err != nil {
		return err
	}
	if st.Recorded() {
		return writeNeeds(ctx, tx, t)
	}
	return nil
}
