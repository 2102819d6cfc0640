package activity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// DemoOutreach is how many outreach trips (上门评残、下乡义诊) a year the
// demo county makes for a register of persons: about one per 150
// registered persons, at least one per township-month of a small county.
func DemoOutreach(persons int) int { return max(12, persons/150) }

// demoStudies are the themes of the study sessions.
var demoStudies = []string{"学习习近平新时代中国特色社会主义思想", "学习党的二十届四中全会精神", "学习《残疾人保障法》", "学习习近平总书记关于残疾人事业的重要论述",
	"学习《中国共产党纪律处分条例》", "学习中央八项规定精神", "学习《无障碍环境建设法》", "学习省残联工作会议精神"}

// Demo creates a year of activities in the demo county ending on today
// through Create: the monthly party-group study, cadre study twice a
// month, seminars with their reflections, outreach trips round the
// townships, and the year's events (prevention campaigns, the model
// selection, fitness week, the games with their awards, the performance
// on the Day of Persons with Disabilities, an activity in every
// township's 残疾人之家) with registered persons taking part. The
// registry is only read. The same rng and today give the same rows.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	s := area.ScopeOf(DemoCounty)
	var persons []registry.Person
	if err := registry.SearchEach(ctx, db, s, registry.Filter{Today: today, Sort: registry.SortRegistered}, func(p registry.Person) error {
		persons = append(persons, p)
		return nil
	}); err != nil {
		return err
	}
	if len(persons) == 0 {
		return nil
	}
	byTown := map[string][]registry.Person{}
	var towns []string
	for _, p := range persons {
		t := area.ParentOf(p.VillageCode)
		if byTown[t] == nil {
			towns = append(towns, t)
		}
		byTown[t] = append(byTown[t], p)
	}
	sort.Strings(towns)
	names, err := area.Names(ctx, db)
	if err != nil {
		return err
	}
	year := today.Year()
	if today.YearDay() < 60 {
		year-- // early in a year: last year's
	}
	day := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	past := func(d time.Time) bool { return !d.After(today) }
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	// some draws k distinct persons of list.
	some := func(list []registry.Person, k int) []string {
		k = min(k, len(list), 200)
		var ids []string
		for _, i := range rng.Perm(len(list))[:k] {
			ids = append(ids, list[i].ID)
		}
		return ids
	}
	var plans []Input
	add := func(d time.Time, in Input) {
		if past(d) && d.Year() >= year {
			in.StartOn = ymd(d)
			if in.Attendees == "" {
				in.Attendees = "0"
			}
			plans = append(plans, in)
		}
	}
	num := func(lo, hi int) string { return strconv.Itoa(lo + rng.IntN(hi-lo+1)) }
	for m := time.January; m <= time.December; m++ {
		// Party-group central study: monthly; reflections each quarter's end.
		refl := "0"
		if m%3 == 0 {
			refl = num(7, 11)
		}
		add(day(m, 8+rng.IntN(8)), Input{Kind: KindPartyGroupStudy, Title: pick(demoStudies), Place: "县残联三楼会议室", Organiser: "县残联党组",
			AreaCode: DemoCounty, Attendees: num(9, 13), Reflections: refl})
		// Cadre study: twice a month, reflections now and then.
		for _, d := range []int{3 + rng.IntN(5), 18 + rng.IntN(6)} {
			refl := "0"
			if rng.IntN(3) == 0 {
				refl = num(15, 30)
			}
			add(day(m, d), Input{Kind: KindCadreStudy, Title: "党员干部集中学习：" + pick(demoStudies), Place: "县残联三楼会议室", Organiser: "县残联机关党支部",
				AreaCode: DemoCounty, Attendees: num(24, 38), Reflections: refl})
		}
	}
	// Seminars of the “干部新状态” series, each with its reflections.
	for i, m := range []time.Month{time.March, time.May, time.September, time.November} {
		add(day(m, 20+rng.IntN(6)), Input{Kind: KindSeminar, Title: fmt.Sprintf("“干部新状态”系列评论研讨会（第%d期）", i+1), Place: "县残联三楼会议室",
			Organiser: "县残联党组", AreaCode: DemoCounty, Attendees: num(25, 35), Reflections: num(20, 35)})
	}
	// Outreach trips round the townships.
	n := DemoOutreach(len(persons))
	for i := 0; i < n; i++ {
		t := towns[i%len(towns)]
		d := day(time.Month(1+i*12/n), 1+rng.IntN(28))
		title, org := names[t]+"上门评残", "县残联评残办证窗口"
		if i%2 == 1 {
			title, org = names[t]+"下乡义诊", "县残联康复部"
		}
		add(d, Input{Kind: KindOutreach, Title: title, Place: names[t] + "残疾人之家", Organiser: org, AreaCode: t, Attendees: num(6, 20)})
	}
	// The events of the year.
	all := persons
	town := func(i int) string { return towns[i%len(towns)] }
	add(day(time.March, 3), Input{Kind: KindPrevention, Title: "全国爱耳日宣传活动", Place: names[town(0)] + "集贸市场", Organiser: "县残联康复部",
		AreaCode: town(0), Attendees: num(80, 150), Others: num(80, 150)})
	add(day(time.August, 25), Input{Kind: KindPrevention, Title: "残疾预防日宣传教育活动", Place: "县人民广场", Organiser: "县残联康复部",
		AreaCode: DemoCounty, Attendees: num(200, 400), Others: num(200, 400)})
	add(day(time.May, 10+rng.IntN(5)), Input{Kind: KindModelSelection, Title: "自强模范和助残先进评选表彰", Place: "县残联三楼会议室", Organiser: "县残联办公室",
		AreaCode: DemoCounty, Attendees: num(40, 60), PersonIDs: some(all, 5+rng.IntN(4)), Others: num(20, 40)})
	add(day(time.August, 8), Input{Kind: KindFitnessWeek, Title: "残疾人健身周暨全民健身日活动", Place: "县全民健身中心", Organiser: "县残联宣文部",
		AreaCode: DemoCounty, Attendees: num(150, 250), PersonIDs: some(all, 10+len(all)/300), Others: num(80, 150)})
	games := Input{Kind: KindCompetition, Title: "全县残疾人运动会", Place: "县体育馆", Organiser: "县残联宣文部", AreaCode: DemoCounty,
		Attendees: num(120, 200), PersonIDs: some(all, 20+len(all)/200), Others: num(30, 60)}
	for i, prize := range []string{"乒乓球男子单打一等奖", "乒乓球女子单打一等奖", "象棋一等奖", "盲人门球二等奖", "轮椅竞速三等奖"} {
		games.Awards = append(games.Awards, Award{PersonID: games.PersonIDs[i%len(games.PersonIDs)], Award: prize, Level: "county"})
	}
	games.Awards = append(games.Awards, Award{Award: "市残疾人运动会团体三等奖", Level: "city"},
		Award{PersonID: games.PersonIDs[0], Award: "省残疾人运动会乒乓球铜牌", Level: "province"})
	add(day(time.October, 14+rng.IntN(5)), games)
	add(day(time.December, 3), Input{Kind: KindPerformance, Title: "国际残疾人日文艺汇演", Place: "县文化中心", Organiser: "县残联宣文部",
		AreaCode: DemoCounty, Attendees: num(300, 500), PersonIDs: some(all, 12+len(all)/250), Others: num(150, 300)})
	add(day(time.May, 17), Input{Kind: KindPerformance, Title: "全国助残日“共享阳光”文艺演出", Place: "县人民广场", Organiser: "县残联宣文部",
		AreaCode: DemoCounty, Attendees: num(300, 500), PersonIDs: some(all, 8+len(all)/400), Others: num(100, 200)})
	for i, t := range towns {
		add(day(time.Month(3+i%9), 5+rng.IntN(20)), Input{Kind: KindCulture, Title: names[t] + "残疾人之家文体活动", Place: names[t] + "残疾人之家",
			Organiser: names[t] + "残联", AreaCode: t, Attendees: num(15, 40), PersonIDs: some(byTown[t], 3+rng.IntN(6)), Others: num(8, 25)})
	}
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].StartOn < plans[j].StartOn })
	start, _ := time.Parse(time.DateOnly, ymd(day(time.January, 1)))
	clk := &store.DemoClock{Rng: rng, At: start.Add(9 * time.Hour)}
	ctx = store.WithClock(audit.WithActor(ctx, audit.Actor{ID: "demo.activity", Name: "县残联办公室", Kind: "system"}), clk)
	return db.InTx(ctx, func(tx *store.Tx) error {
		for i, in := range plans {
			d, _ := time.Parse(time.DateOnly, in.StartOn)
			clk.At = d.Add(17*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
			if _, err := Create(ctx, tx, area.All(), in, today); err != nil {
				return fmt.Errorf("演示活动 %d %s: %w", i+1, in.Title, err)
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "activity.demo", ObjectType: "activities", ObjectID: DemoCounty,
			Detail: fmt.Sprintf("演示数据：%d 次活动", len(plans))})
	})
}
