package employ

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// Demo creates a year of employment work in the demo county, ending on
// today, over the persons already registered (of working age, 16–59):
// about 300 employment records of every form, 40 public-welfare posts
// (most held), 12 training courses with sessions and attendance rolling up
// to about 220 person-times, about 100 entrepreneurship projects, 10
// sunshine greenhouses, the special-education school workshop (students
// and 陪读家长) and a support base, a 就业援助月 and a promotion event, and
// about 150 wishes. The same rng and today give the same rows (ids and
// instants come from them); a small registry gives proportionally less.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Name: "demo", Kind: "system"})
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	s := area.ScopeOf(DemoCounty)
	var pool []registry.Person
	if err := registry.SearchEach(ctx, db, s, registry.Filter{Today: today, Sort: registry.SortRegistered}, func(p registry.Person) error {
		if a := p.Age(today); a >= 16 && a <= 59 {
			pool = append(pool, p)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(pool) == 0 {
		return nil // nobody to employ: an empty registry
	}
	all, err := area.InScope(ctx, db, s)
	if err != nil {
		return err
	}
	d := &demo{ctx: ctx, rng: rng, today: today, pool: pool, used: map[string]int{}, names: map[string]string{}}
	for _, a := range all {
		d.names[a.Code] = a.Name
		switch a.Level {
		case area.Township:
			d.towns = append(d.towns, a)
		case area.Village:
			d.villages = append(d.villages, a)
		}
	}
	if len(d.villages) == 0 || len(d.towns) == 0 {
		return fmt.Errorf("演示就业：没有乡镇或村（社区）")
	}
	users, err := auth.ListUsers(ctx, db, s)
	if err != nil {
		return err
	}
	for _, u := range users {
		if !u.Disabled && auth.RoleHas(u.Role, auth.PermEmployWrite) && auth.DeptAllows(u.Role, u.Department, auth.PermEmployWrite) {
			d.staff = append(d.staff, u)
		}
	}
	set, err := LoadSettings(ctx, db)
	if err != nil {
		return err
	}
	d.minPct = set.MinAttendancePct
	return db.InTx(ctx, func(tx *store.Tx) error {
		d.tx = tx
		for _, step := range []func() error{d.posts, d.records, d.seekers, d.courses, d.projects, d.places, d.campaigns, d.wishes} {
			if err := step(); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "employ.demo", ObjectType: "emp_records", ObjectID: DemoCounty, AreaCode: DemoCounty,
			Detail: fmt.Sprintf("%d rows of a demo year", d.rows)})
	})
}

type demo struct {
	ctx      context.Context
	tx       *store.Tx
	rng      *rand.Rand
	today    time.Time
	pool     []registry.Person
	used     map[string]int // person id → times picked, so persons spread
	towns    []area.Area
	villages []area.Area
	names    map[string]string
	staff    []auth.User
	minPct   int
	seq      int
	rows     int
}

// id is a UUIDv7 from the rng and a demo instant, so the same seed gives
// the same ids.
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

// day is a day n days before today.
func (d *demo) day(n int) time.Time { return d.today.AddDate(0, 0, -n) }

// within is a random day of the last n days.
func (d *demo) within(n int) time.Time { return d.day(d.rng.IntN(n)) }

func at(t time.Time) string { return store.FormatTime(t.Add(9 * time.Hour)) }

// person picks a person not picked more than max times yet (false when
// the registry runs out).
func (d *demo) person(max int) (registry.Person, bool) {
	for range 30 {
		p := d.pool[d.rng.IntN(len(d.pool))]
		if d.used[p.ID] < max {
			d.used[p.ID]++
			return p, true
		}
	}
	return registry.Person{}, false
}

// personIn picks a person of a township (any when it has none).
func (d *demo) personIn(town string, max int) (registry.Person, bool) {
	s := area.ScopeOf(town)
	for range 40 {
		p := d.pool[d.rng.IntN(len(d.pool))]
		if s.Contains(p.VillageCode) && d.used[p.ID] < max {
			d.used[p.ID]++
			return p, true
		}
	}
	return d.person(max)
}

func (d *demo) exec(query string, args ...any) error {
	d.rows++
	_, err := d.tx.ExecContext(d.ctx, query, args...)
	return err
}

func (d *demo) record(p registry.Person, form, employer, postID string, start time.Time, end string, income int64, note string) error {
	return d.exec(`INSERT INTO emp_records (id, person_id, form, employer, post_id, start_date, end_date, monthly_income, note, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)`, d.id(start), p.ID, form, employer, postID, ymd(start), end, income, note, at(start))
}

var demoPostNames = []string{"保洁员", "护林员", "河道巡查员", "村级助残员", "图书管理员", "公厕管理员", "绿化管护员", "治安巡逻员"}

func (d *demo) posts() error {
	n := min(40, len(d.pool)/4+1)
	for i := range n {
		t := d.towns[i%len(d.towns)]
		opened := d.day(300 + d.rng.IntN(400))
		id := d.id(opened)
		pay := int64(150000 + 10000*d.rng.IntN(11))
		sponsor := d.names[t.Code] + "人民政府"
		if err := d.exec(`INSERT INTO emp_posts (id, name, area_code, sponsor, monthly_pay, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6)`,
			id, demoPostNames[d.rng.IntN(len(demoPostNames))], t.Code, sponsor, pay, at(opened)); err != nil {
			return err
		}
		if i%10 == 9 {
			continue // a vacancy
		}
		// Some posts changed hands during the year.
		start := opened
		if d.rng.IntN(5) == 0 {
			if p, ok := d.personIn(t.Code, 1); ok {
				end := d.day(60 + d.rng.IntN(120))
				if err := d.record(p, FormPublicWelfare, sponsor, id, start, ymd(end), pay, "公益岗位"); err != nil {
					return err
				}
				start = end.AddDate(0, 0, 1)
			}
		}
		if p, ok := d.personIn(t.Code, 1); ok {
			if err := d.record(p, FormPublicWelfare, sponsor, id, start, "", pay, "公益岗位"); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoForms are the other forms with their weight and monthly income
// range in yuan.
var demoForms = []struct {
	code     string
	weight   int
	lo, hi   int64
	employer []string
}{
	{"quota", 5, 2800, 5200, []string{"阳光县人民医院", "安徽阳光食品有限公司", "阳光县农商银行", "91341500MA2N0QXX1B"}},
	{"centralised", 3, 2400, 3800, []string{"阳光县福利厂", "阳光县盲人按摩中心"}},
	{"self_employed", 5, 1800, 6000, nil},
	{"auxiliary", 2, 800, 1800, []string{"阳光县残疾人辅助性就业中心"}},
	{"rural", 6, 1000, 3500, nil},
	{"flexible", 5, 1200, 3600, nil},
	{"ecommerce", 3, 2000, 6500, nil},
	{"home", 3, 1200, 3400, nil},
}

func (d *demo) records() error {
	total := 0
	for _, f := range demoForms {
		total += f.weight
	}
	n := min(260, len(d.pool)/2)
	for range n {
		p, ok := d.person(1)
		if !ok {
			break
		}
		k := d.rng.IntN(total)
		f := demoForms[0]
		for _, x := range demoForms {
			if k < x.weight {
				f = x
				break
			}
			k -= x.weight
		}
		employer := ""
		if f.employer != nil {
			employer = f.employer[d.rng.IntN(len(f.employer))]
		}
		income := (f.lo + d.rng.Int64N(f.hi-f.lo+1)) * 100
		start := d.day(30 + d.rng.IntN(900))
		end := ""
		if d.rng.IntN(8) == 0 { // a job that ended during the year
			end = ymd(d.day(d.rng.IntN(25)))
		}
		if err := d.record(p, f.code, employer, "", start, end, income, ""); err != nil {
			return err
		}
		// A few work a second job besides (e.g. farming and e-commerce).
		if d.rng.IntN(12) == 0 {
			if err := d.record(p, "ecommerce", "", "", d.day(d.rng.IntN(200)), "", int64(500+d.rng.IntN(1500))*100, "直播带货"); err != nil {
				return err
			}
		}
	}
	return nil
}

var demoSkills = []string{"编织", "电脑操作", "按摩", "种植", "养殖", "手工艺", "缝纫", "电商客服", "面点"}

func (d *demo) seekers() error {
	for i, p := range d.pool {
		if i >= 200 || d.rng.IntN(3) == 0 {
			continue
		}
		on := d.within(700)
		if err := d.exec(`INSERT INTO emp_seekers (person_id, skills, direction, training_wish, limits, availability, registered_on, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`, p.ID, demoSkills[d.rng.IntN(len(demoSkills))], demoSkills[d.rng.IntN(len(demoSkills))],
			demoSkills[d.rng.IntN(len(demoSkills))], "", Availabilities[d.rng.IntN(len(Availabilities))], ymd(on), at(on)); err != nil {
			return err
		}
	}
	return nil
}

var demoCourses = []struct{ kind, name, provider string }{
	{KindSkills, "盲人按摩技能培训班", "阳光县盲人按摩中心"},
	{KindEcommerce, "“电商+直播”第一期", "阳光县电子商务公共服务中心"},
	{KindSkills, "家政服务培训班", "阳光县职业教育中心"},
	{KindEcommerce, "“电商+直播”第二期", "阳光县电子商务公共服务中心"},
	{KindSkills, "特色种植培训班", "阳光县农业技术推广中心"},
	{KindApprentice, "师带徒：竹编", "竹编合作社"},
	{KindSkills, "面点制作培训班", "阳光县职业教育中心"},
	{KindEcommerce, "“电商+直播”第三期", "阳光县电子商务公共服务中心"},
	{KindApprentice, "师带徒：电器维修", "李记家电维修部"},
	{KindSkills, "手工编织培训班", "阳光县妇联手工坊"},
	{KindApprentice, "师带徒：木雕", "王氏木雕工作室"},
	{KindSkills, "养殖技术培训班", "阳光县畜牧兽医站"},
}

var demoMasters = []string{"张师傅", "李师傅", "王师傅"}

func (d *demo) courses() error {
	m := 0
	for i, c := range demoCourses {
		start := d.day(340 - i*28)
		end := start.AddDate(0, 0, 14)
		open := i == len(demoCourses)-1 // the last is still running
		if open {
			end = d.today.AddDate(0, 0, 10)
		}
		areaCode, master := DemoCounty, ""
		if c.kind == KindApprentice {
			areaCode, master = d.towns[i%len(d.towns)].Code, demoMasters[m%len(demoMasters)]
			m++
		}
		id := d.id(start)
		status, finished := CourseFinished, ymd(end)
		if open {
			status, finished = CourseOpen, ""
		}
		if err := d.exec(`INSERT INTO emp_courses (id, kind, name, area_code, place, provider, master, start_date, end_date, status, finished_on, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12)`, id, c.kind, c.name, areaCode, "县残疾人综合服务中心", c.provider, master,
			ymd(start), ymd(end), status, finished, at(start)); err != nil {
			return err
		}
		var sessions []string
		nsess := 4 + d.rng.IntN(4)
		for k := range nsess {
			day := start.AddDate(0, 0, k*2)
			if day.After(d.today) {
				break
			}
			sid := d.id(day)
			if err := d.exec(`INSERT INTO emp_sessions (id, course_id, day, topic) VALUES ($1,$2,$3,$4)`, sid, id, ymd(day), fmt.Sprintf("第%d课", k+1)); err != nil {
				return err
			}
			sessions = append(sessions, sid)
		}
		size := 31
		if c.kind == KindApprentice {
			size = 1
		}
		size = min(size, len(d.pool))
		seen := map[string]bool{}
		cert := 0
		for range size {
			p := d.pool[d.rng.IntN(len(d.pool))]
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			// Most come nearly always; a few drop out.
			rate := 95
			if d.rng.IntN(10) == 0 {
				rate = 40
			}
			attended := 0
			for _, sid := range sessions {
				present := d.rng.IntN(100) < rate
				if present {
					attended++
				}
				if err := d.exec(`INSERT INTO emp_attendance (session_id, person_id, present) VALUES ($1,$2,$3)`, sid, p.ID, present); err != nil {
					return err
				}
			}
			done, on, no := false, "", ""
			if !open && Completes(attended, len(sessions), d.minPct) {
				cert++
				done, on, no = true, ymd(end), certificateNo(Course{ID: id}, ymd(end), cert)
			}
			if err := d.exec(`INSERT INTO emp_enrolments (course_id, person_id, enrolled_on, completed, completed_on, certificate_no, attended)
				VALUES ($1,$2,$3,$4,$5,$6,$7)`, id, p.ID, ymd(start.AddDate(0, 0, -3)), done, on, no, attended); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	demoProjects = []string{"养鸡场", "小超市", "竹编作坊", "网店", "理发店", "果蔬种植", "修车铺", "养蜂", "按摩店", "早餐店"}
	demoMentors  = []string{"县就业局创业导师刘强", "农技站高级农艺师陈芳", "电商中心讲师周敏", "个体协会导师孙伟"}
)

func (d *demo) projects() error {
	n := min(104, len(d.pool)/3+1)
	for i := range n {
		p, ok := d.person(2)
		if !ok {
			break
		}
		applied := d.day(20 + d.rng.IntN(330))
		status, supported, closed := ProjectSupported, ymd(applied.AddDate(0, 0, 7+d.rng.IntN(14))), ""
		switch {
		case i%26 == 5:
			status, supported = ProjectApplied, ""
		case i%26 == 11:
			status, supported, closed = ProjectRefused, "", ymd(applied.AddDate(0, 0, 10))
		case i%9 == 0:
			status, closed = ProjectClosed, ymd(d.day(d.rng.IntN(15)))
		}
		grant := int64(0)
		mentor := ""
		if supported != "" {
			grant, mentor = int64(3000+500*d.rng.IntN(15))*100, demoMentors[d.rng.IntN(len(demoMentors))]
		}
		if err := d.exec(`INSERT INTO emp_projects (id, person_id, name, grant_fen, mentor, status, applied_on, supported_on, closed_on, note, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'',$10,$10)`, d.id(applied), p.ID, demoProjects[d.rng.IntN(len(demoProjects))], grant, mentor, status,
			ymd(applied), supported, closed, at(applied)); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) place(kind, name, village, operator string, opened time.Time) (string, error) {
	id := d.id(opened)
	return id, d.exec(`INSERT INTO emp_places (id, kind, name, area_code, operator, opened_on, closed_on, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'',$7,$7)`,
		id, kind, name, village, operator, ymd(opened), at(opened))
}

func (d *demo) worker(place, role string, p *registry.Person, name, relation string, start time.Time) error {
	pid := ""
	if p != nil {
		pid, name = p.ID, p.Name
	}
	return d.exec(`INSERT INTO emp_place_workers (id, place_id, role, person_id, name, relation, start_date, end_date) VALUES ($1,$2,$3,$4,$5,$6,$7,'')`,
		d.id(start), place, role, pid, name, relation, ymd(start))
}

var demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}

func (d *demo) places() error {
	for i := range 10 {
		v := d.villages[d.rng.IntN(len(d.villages))]
		opened := d.day(30 + d.rng.IntN(320))
		id, err := d.place(PlaceGreenhouse, d.names[v.Code]+"阳光大棚", v.Code, d.names[v.Code]+"种植专业合作社", opened)
		if err != nil {
			return err
		}
		for range 2 + i%4 {
			if p, ok := d.personIn(area.ParentOf(v.Code), 3); ok {
				if err := d.worker(id, RoleDisabled, &p, "", "", opened.AddDate(0, 0, d.rng.IntN(20))); err != nil {
					return err
				}
			}
		}
	}
	// The special-education school workshop: students and their parents
	// who stay with them (陪读家长).
	v := d.villages[0]
	opened := d.day(330)
	ws, err := d.place(PlaceTraining, "县特教学校就业扶贫车间", v.Code, "阳光县特殊教育学校", opened)
	if err != nil {
		return err
	}
	for range 8 {
		p, ok := d.person(3)
		if !ok {
			break
		}
		start := opened.AddDate(0, 0, d.rng.IntN(60))
		if err := d.worker(ws, RoleStudent, &p, "", "", start); err != nil {
			return err
		}
		if d.rng.IntN(4) != 0 {
			parent := demoSurnames[d.rng.IntN(len(demoSurnames))] + []string{"桂兰", "秀英", "建国", "玉梅"}[d.rng.IntN(4)]
			if err := d.worker(ws, RoleFamily, nil, parent, p.Name+"的陪读家长", start); err != nil {
				return err
			}
		}
	}
	v = d.villages[len(d.villages)/2]
	sb, err := d.place(PlaceSupport, d.names[v.Code]+"助残就业基地", v.Code, "阳光县福源农业有限公司", d.day(200))
	if err != nil {
		return err
	}
	for range 10 {
		if p, ok := d.person(3); ok {
			if err := d.worker(sb, RoleDisabled, &p, "", "", d.day(190-d.rng.IntN(100))); err != nil {
				return err
			}
		}
	}
	return nil
}

var demoSuggestions = []string{"希望多举办电商直播培训", "建议增加公益岗位", "希望就近提供种养技术指导", "建议简化创业扶持申请材料", "希望组织招聘会时提供手语翻译"}

func (d *demo) campaigns() error {
	for i, c := range []struct{ kind, name, code, place string }{
		{CampaignAidMonth, "就业援助月", DemoCounty, "县人力资源市场"},
		{CampaignPromotion, "残疾人就业政策宣传推介会", d.towns[0].Code, d.names[d.towns[0].Code] + "便民服务中心"},
	} {
		start := d.day(300 - i*150)
		id := d.id(start)
		if err := d.exec(`INSERT INTO emp_campaigns (id, kind, name, area_code, place, start_date, end_date, reached_count, suggestions_count, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)`, id, c.kind, c.name, c.code, c.place, ymd(start), ymd(start.AddDate(0, 0, 20*(1-i))),
			120+d.rng.IntN(80), 10+d.rng.IntN(15), at(start)); err != nil {
			return err
		}
		seen := map[string]bool{}
		for range 30 {
			p := d.pool[d.rng.IntN(len(d.pool))]
			if seen[p.ID] || (c.code != DemoCounty && !area.ScopeOf(c.code).Contains(p.VillageCode)) {
				continue
			}
			seen[p.ID] = true
			if err := d.exec(`INSERT INTO emp_campaign_persons (campaign_id, person_id) VALUES ($1,$2)`, id, p.ID); err != nil {
				return err
			}
		}
		for k, txt := range demoSuggestions {
			if err := d.exec(`INSERT INTO emp_suggestions (id, campaign_id, text, created_at) VALUES ($1,$2,$3,$4)`, d.id(start), id, txt, at(start.AddDate(0, 0, k%3))); err != nil {
				return err
			}
		}
	}
	return nil
}

var demoWishes = map[string][]string{
	WishDirection: {"想在家门口找份工作", "希望做电商客服", "想开一家小超市", "希望到福利厂工作"},
	WishTraining:  {"想学电商直播", "想学按摩技术", "想学面点制作", "想学电脑"},
	WishOther:     {"需要一台轮椅方便上班", "希望解决上下班交通"},
}

func (d *demo) wishes() error {
	n := min(150, len(d.pool))
	for i := range n {
		p, ok := d.person(4)
		if !ok {
			break
		}
		ty := WishTypes[i%len(WishTypes)]
		if i%7 == 0 {
			ty = WishOther
		}
		on := d.within(330)
		// The township's worker takes it; the county's staff where there is none.
		assigned, assignedName := "", ""
		for _, u := range d.staff {
			if u.Scope().Contains(p.VillageCode) && (assigned == "" || u.Role == auth.RoleTownshipWorker) {
				assigned, assignedName = u.ID, u.DisplayName
			}
		}
		status, closed, note := WishOpen, "", ""
		switch r := d.rng.IntN(10); {
		case r < 6:
			status, closed, note = WishFulfilled, ymd(minTime(on.AddDate(0, 0, 10+d.rng.IntN(60)), d.today)), "已对接落实"
		case r < 7:
			status, closed, note = WishUnfulfilled, ymd(minTime(on.AddDate(0, 0, 30), d.today)), "暂无合适岗位，已纳入重点帮扶"
		}
		texts := demoWishes[ty]
		if err := d.exec(`INSERT INTO emp_wishes (id, person_id, type, text, recorded_on, assigned_to, assigned_name, status, closed_on, note, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`, d.id(on), p.ID, ty, texts[d.rng.IntN(len(texts))], ymd(on), assigned, assignedName,
			status, closed, note, at(on)); err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
