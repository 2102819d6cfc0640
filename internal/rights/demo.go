package rights

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// DemoCases is how many cases a year the demo county gets for a register
// of persons: about one case a year per 2,000 residents, and about 6 % of
// residents are disabled, so one per ~125 registered persons — at least 24,
// so a small demo still shows every stage.
func DemoCases(persons int) int { return max(24, persons/125) }

// Demo texts by type: what the caller says and what the unit replies.
var demoMatters = map[string][2][]string{
	TypeEmployment: {{"用人单位拖欠工资两个月，多次讨要未果。", "公司以身体原因为由要求其离职。", "公益性岗位补贴未按月发放。"},
		{"经劳动监察大队调查，用人单位已补发拖欠工资。", "已约谈用人单位，撤销解除劳动合同决定。"}},
	TypeEducation: {{"孩子随班就读被学校劝退。", "送教上门次数不足。"}, {"教育局已协调学校接收随班就读。", "已调整送教上门计划，每月不少于两次。"}},
	TypeSocialSecurity: {{"重度残疾人护理补贴停发三个月。", "申请低保被告知不符合条件，对结果有异议。"},
		{"经核实系银行账户变更所致，已补发。", "民政局复核后纳入低保。"}},
	TypeAccessibility: {{"新建小区出入口没有坡道，轮椅无法通行。", "银行网点无障碍通道被占用。"}, {"住建局已责令开发商整改，增设坡道。", "已督促网点清理通道。"}},
	TypeViolence:      {{"智力残疾女儿在外务工期间疑遭虐待。", "精神残疾人被邻居殴打。"}, {"公安机关已立案调查，已协调临时救助。", "派出所已调解处理，加害人赔偿医药费。"}},
	TypeFamily:        {{"兄弟侵占其承包地，不让耕种。", "离婚时财产分割受到不公对待。"}, {"司法所已组织调解，达成协议归还土地。", "已引导当事人通过诉讼解决，法律援助律师代理。"}},
	TypeLegalAid:      {{"工伤赔偿纠纷，请求法律援助。", "交通事故致残，对方拒绝赔偿。"}, {"法律援助中心已指派律师代理。", "已受理法律援助申请，律师代为起诉。"}},
	TypeConsultation: {{"咨询残疾人两项补贴申请条件。", "咨询残疾证办理流程。", "咨询残疾人机动轮椅车燃油补贴。"},
		{"已当场解答两项补贴申请条件和所需材料。", "已告知评残办证流程和所需材料。", "已告知补贴申领时间和地点。"}},
	TypeOther: {{"反映村里残疾人活动室长期关闭。"}, {"已督促村委会恢复开放。"}},
}

// demoTypes weights the types as a hotline sees them: consultations and
// social security most, violence rarely.
var demoTypes = []string{TypeConsultation, TypeConsultation, TypeConsultation, TypeSocialSecurity, TypeSocialSecurity, TypeSocialSecurity,
	TypeEmployment, TypeEmployment, TypeAccessibility, TypeEducation, TypeFamily, TypeLegalAid, TypeViolence, TypeOther}

var demoChannels = []string{ChannelHotline, ChannelHotline, ChannelHotline, ChannelHotline, ChannelOnline, ChannelOnline, ChannelVisit, ChannelVisit, ChannelOutreach, ChannelLetter}

var demoKin = []string{"", "", "（家属）", "（母亲）", "（儿子）"}

// Demo creates a year of rights cases in the demo county ending on today
// through the workflow, each step on its simulated day: most closed on
// time, some replied late, a few extended, the recent ones in every stage,
// a few open past their limit (supervised), some with legal
// aid. The registry is only read. The same rng and today give the same
// rows.
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
	cal, err := calendar.Load(ctx, db)
	if err != nil {
		return err
	}
	set0, err := LoadSettings(ctx, db)
	if err != nil {
		return err
	}
	start := time.Date(today.Year(), 1, 2, 0, 0, 0, 0, time.UTC)
	if today.Sub(start) < 90*24*time.Hour {
		start = today.AddDate(-1, 0, 0) // early in a year: last year's
	}
	span := int(today.Sub(start).Hours()/24) + 1
	n := DemoCases(len(persons))
	type plan struct {
		day   time.Time
		force string // "": as drawn; overdue: never replied; extend: extended once
	}
	plans := make([]plan, n)
	for i := range plans {
		plans[i].day = start.AddDate(0, 0, rng.IntN(span))
	}
	// Every stage shows however few the cases: the last three were
	// received recently (one left past its reply limit), one earlier was
	// extended.
	plans[n-3] = plan{cal.AddWorkingDays(today, -(set0.ReplyDays + 3)), "overdue"}
	plans[n-2] = plan{cal.AddWorkingDays(today, -8), ""}
	plans[n-1] = plan{cal.AddWorkingDays(today, -1), ""}
	plans[n/2] = plan{cal.AddWorkingDays(today, -(set0.ReplyDays + set0.ExtendDays + 8)), "extend"}
	// Entered in order of receipt, so the numbers run with the days.
	sort.SliceStable(plans, func(i, j int) bool { return plans[i].day.Before(plans[j].day) })
	clk := &store.DemoClock{Rng: rng, At: start.Add(9 * time.Hour)}
	ctx = store.WithClock(ctx, clk)
	actor := func(id, name string) context.Context {
		return audit.WithActor(ctx, audit.Actor{ID: id, Name: name, Kind: "system"})
	}
	worker, leader := actor("demo.rights", "褚卫东"), actor("demo.leader", "郑红梅")
	set := set0
	return db.InTx(ctx, func(tx *store.Tx) error {
		for i, pl := range plans {
			// Round the townships, so every township has its cases.
			group := byTown[towns[i%len(towns)]]
			p := group[rng.IntN(len(group))]
			if err := demoCase(tx, rng, clk, cal, set, p, pl.day, pl.force, today, worker, leader); err != nil {
				return fmt.Errorf("演示维权案件 %d: %w", i+1, err)
			}
		}
		return audit.Record(worker, tx, audit.Entry{Action: "rights.demo", ObjectType: "rights_cases", ObjectID: DemoCounty,
			Detail: fmt.Sprintf("演示数据：%d 件维权案件", n)})
	})
}

// demoCase takes in one case received on day and walks it as far as today
// allows.
func demoCase(tx *store.Tx, rng *rand.Rand, clk *store.DemoClock, cal *calendar.Calendar, set Settings, p registry.Person, day time.Time, force string,
	today time.Time, worker, leader context.Context) error {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	at := func(d time.Time) { clk.At = d.Add(9*time.Hour + time.Duration(rng.IntN(8*3600))*time.Second) }
	typ := pick(demoTypes)
	texts := demoMatters[typ]
	n := NewCase{Channel: pick(demoChannels), CallerName: p.Name + pick(demoKin), CallerPhone: fmt.Sprintf("1%d%09d", 3+rng.IntN(7), rng.IntN(1_000_000_000)),
		Type: typ, Account: pick(texts[0]), ReceivedOn: ymd(day)}
	if rng.IntN(10) < 7 { // most cases concern a registered person
		n.PersonID = p.ID
	} else {
		n.AreaCode = p.VillageCode
		n.CallerName = string([]rune(p.Name)[:1]) + "某" // a neighbour or a relative who gives no full name
	}
	s := area.All()
	at(day)
	if force != "" && typ == TypeConsultation {
		typ, texts = TypeSocialSecurity, demoMatters[TypeSocialSecurity]
		n.Type, n.Account = typ, pick(texts[0])
	}
	if typ == TypeConsultation && rng.IntN(10) < 8 {
		n.CloseNow, n.Answer = true, pick(texts[1])
		_, err := Create(worker, tx, s, cal, n, today)
		return err
	}
	c, err := Create(worker, tx, s, cal, n, today)
	if err != nil {
		return err
	}
	wd := func(from time.Time, k int) time.Time { return cal.AddWorkingDays(from, k) }
	past := func(d time.Time) bool { return !d.After(today) }
	// The plan of the case: transfer the next working day (now and then
	// two), reply within the limit mostly, late for about one in twelve,
	// extended for about one in ten.
	tday := wd(day, 1)
	if rng.IntN(15) == 0 {
		tday = wd(day, 2)
	}
	extend := rng.IntN(10) == 0 || force == "extend"
	replyIn := 3 + rng.IntN(11)
	switch {
	case force == "overdue":
		extend, replyIn = false, set.ReplyDays+set.ExtendDays+10
	case extend:
		replyIn = set.ReplyDays + 2 + rng.IntN(max(1, set.ExtendDays-4))
	case rng.IntN(12) == 0:
		replyIn = set.ReplyDays + 1 + rng.IntN(6)
	}
	rday := wd(day, replyIn)
	if !past(tday) {
		return demoSupervise(tx, rng, c.ID, today, leader)
	}
	at(tday)
	if err := Transfer(worker, tx, s, c.ID, set.Units[typ], ymd(tday), "", today); err != nil {
		return err
	}
	// Legal aid for some matters of law, while the case is with the unit.
	if (typ == TypeLegalAid || typ == TypeFamily || typ == TypeEmployment || typ == TypeViolence) && rng.IntN(3) > 0 {
		aid := wd(tday, 1+rng.IntN(max(1, replyIn-2)))
		if aid.Before(rday) && past(aid) {
			at(aid)
			if err := LegalAid(worker, tx, s, c.ID, 1+rng.IntN(3)/2, ymd(aid), "县残疾人法律服务中心指派律师", today); err != nil {
				return err
			}
		}
	}
	if extend {
		eday := wd(day, set.ReplyDays-2)
		if !past(eday) {
			return demoSupervise(tx, rng, c.ID, today, leader)
		}
		at(eday)
		if err := Extend(worker, tx, s, cal, c.ID, "需承办单位进一步调查核实", ymd(eday), today); err != nil {
			return err
		}
	}
	if !past(rday) {
		return demoSupervise(tx, rng, c.ID, today, leader)
	}
	at(rday)
	if err := Reply(worker, tx, s, c.ID, pick(texts[1]), ymd(rday), today); err != nil {
		return err
	}
	cday := wd(rday, 1+rng.IntN(3))
	if !past(cday) {
		return nil
	}
	at(cday)
	sat := "satisfied"
	if k := rng.IntN(10); k == 0 {
		sat = "dissatisfied"
	} else if k < 3 {
		sat = "basic"
	}
	if err := Callback(worker, tx, s, c.ID, sat, ymd(cday), "电话回访", today); err != nil {
		return err
	}
	fday := wd(cday, rng.IntN(3))
	if !past(fday) {
		return nil
	}
	at(fday)
	return Close(worker, tx, s, c.ID, ymd(fday), "", today)
}

// demoSupervise has the leader supervise the open cases past their limit
// and now and then one that is not.
func demoSupervise(tx *store.Tx, rng *rand.Rand, id string, today time.Time, leader context.Context) error {
	c, err := Get(leader, tx, area.All(), id)
	if err != nil {
		return err
	}
	if c.Overdue(ymd(today)) || rng.IntN(25) == 0 {
		return Supervise(leader, tx, area.All(), id, "请承办单位抓紧办理，按时答复来电人", today)
	}
	return nil
}
