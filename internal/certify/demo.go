package certify

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// demoPhoto is a plain grey 1-inch PNG standing in for applicants' photos.
var demoPhoto, demoPhotoSize = func() (string, int) {
	img := image.NewGray(image.Rect(0, 0, PhotoMinWidth, PhotoMinHeight))
	for i := range img.Pix {
		img.Pix[i] = 0xd0
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return base64.StdEncoding.EncodeToString(b.Bytes()), b.Len()
}()

// Demo creates a year of certification work in the demo county, ending on
// today: the expert pool (linked to the demo accounts expert1 and expert2
// when they exist), twelve monthly centralised sessions and two coming
// ones, about thirty home assessments, and applications of every type in
// every stage — some overdue, some appealed — with their events, visits,
// certificates and SMS notices, and the renewal worklist of today. The
// same rng and today give the same rows (ids and instants come from them),
// and the registry is only read: the applications that issued cards are
// the past of persons already registered.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Name: "demo", Kind: "system"})
	today = dateOf(today)
	var active, cancelled []registry.Person
	s := area.ScopeOf(DemoCounty)
	if err := registry.SearchEach(ctx, db, s, registry.Filter{Today: today, Sort: registry.SortRegistered}, func(p registry.Person) error {
		active = append(active, p)
		return nil
	}); err != nil {
		return err
	}
	// Finished cancellations are the past of persons no longer active.
	for _, st := range []registry.Status{registry.StatusCancelled, registry.StatusDeceased} {
		if err := registry.SearchEach(ctx, db, s, registry.Filter{Today: today, Status: st}, func(p registry.Person) error {
			cancelled = append(cancelled, p)
			return nil
		}); err != nil {
			return err
		}
	}
	villages, err := area.InScope(ctx, db, s)
	if err != nil {
		return err
	}
	var vcodes []string
	for _, v := range villages {
		if v.Level == area.Village {
			vcodes = append(vcodes, v.Code)
		}
	}
	if len(vcodes) == 0 {
		return fmt.Errorf("演示评残办证：没有村（社区）")
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		e, err := loadEnv(ctx, tx)
		if err != nil {
			return err
		}
		d := &demo{ctx: ctx, tx: tx, rng: rng, e: e, today: today, vcodes: vcodes, used: map[string]bool{}, clock: today.AddDate(-1, 0, 0)}
		if err := d.experts(); err != nil {
			return err
		}
		d.byCat = map[registry.Category][]registry.Person{}
		for _, p := range active {
			d.byCat[p.Category] = append(d.byCat[p.Category], p)
		}
		d.active, d.cancelled = active, cancelled
		if err := d.year(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "certify.demo", ObjectType: "cert_applications", ObjectID: DemoCounty,
			Detail: fmt.Sprintf("演示数据：%d 件申请，%d 场集中评残", d.apps, d.sessions)})
	})
}

type demo struct {
	ctx       context.Context
	tx        *store.Tx
	rng       *rand.Rand
	e         env
	today     time.Time
	clock     time.Time // advances to make ids time-ordered
	vcodes    []string
	xs        []Expert
	byCat     map[registry.Category][]registry.Person
	active    []registry.Person
	cancelled []registry.Person
	used      map[string]bool // person ids already given an application
	apps      int
	sessions  int
	seq       int
}

// id is a UUIDv7 made from the rng and the simulated day, so reruns give
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

func at(day time.Time, hour int) string {
	return store.FormatTime(day.Add(time.Duration(hour) * time.Hour))
}

var demoExperts = []struct {
	name, hospital, qual string
	sp                   Speciality
	user                 string
}{
	{"蒋文涛", "县人民医院", "主任医师", Orthopaedics, "expert1"},
	{"沈丽华", "县精神卫生中心", "副主任医师", Psychiatry, "expert2"},
	{"韩建平", "县中医院", "副主任医师", Orthopaedics, ""},
	{"杨晓梅", "县人民医院", "主任医师", Ophthalmology, ""},
	{"朱国栋", "市第一人民医院", "副主任医师", Ophthalmology, ""},
	{"秦明", "县人民医院", "主治医师", ENT, ""},
	{"许红", "市第一人民医院", "副主任医师", ENT, ""},
	{"何志远", "县人民医院", "主任医师", Neurology, ""},
	{"吕静", "县精神卫生中心", "主治医师", Psychiatry, ""},
	{"施雨", "县妇幼保健院", "副主任医师", Paediatrics, ""},
	{"孔德胜", "县康复医院", "主治医师", Rehabilitation, ""},
}

func (d *demo) experts() error {
	for _, x := range demoExperts {
		userID := ""
		if x.user != "" {
			if u, err := auth.GetUserByName(d.ctx, d.tx, x.user); err == nil && u.Role == auth.RoleExpert {
				userID = u.ID
			}
		}
		ex := Expert{ID: d.id(d.clock), UserID: userID, Name: x.name, Speciality: x.sp, Hospital: x.hospital, Qualification: x.qual,
			Phone: fmt.Sprintf("139%08d", d.rng.IntN(1e8)), Available: x.name != "孔德胜"}
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_experts (`+expertColumns+`, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)`,
			ex.ID, ex.UserID, ex.Name, string(ex.Speciality), ex.Hospital, ex.Qualification, ex.Phone, ex.Available, at(d.clock, 1)); err != nil {
			return err
		}
		d.xs = append(d.xs, ex)
	}
	return nil
}

// expertsFor are the available experts covering c, in pool order.
func (d *demo) expertsFor(c registry.Category) []Expert {
	var out []Expert
	for _, x := range d.xs {
		if x.Available && x.Speciality.Covers(c) {
			out = append(out, x)
		}
	}
	return out
}

var monthCategories = []registry.Category{registry.Physical, registry.Vision, registry.Hearing, registry.Intellectual, registry.Mental, registry.Physical,
	registry.Speech, registry.Physical, registry.Vision, registry.Mental, registry.Hearing, registry.Physical}

func (d *demo) session(day time.Time, c registry.Category, status string) (Session, error) {
	s := Session{ID: d.id(day), Day: day.Format(time.DateOnly), Place: "县残联康复中心三楼评定室", Category: c, Capacity: 20, Status: status}
	if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_sessions (id, day, place, category, capacity, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, s.ID, s.Day, s.Place, int(s.Category), s.Capacity, s.Status, at(day.AddDate(0, 0, -20), 2)); err != nil {
		return s, err
	}
	for _, x := range d.expertsFor(c) {
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_session_experts (session_id, expert_id) VALUES ($1, $2)`, s.ID, x.ID); err != nil {
			return s, err
		}
	}
	d.sessions++
	return s, nil
}

// year lays out the twelve months and today's open work.
func (d *demo) year() error {
	for i := 11; i >= 0; i-- {
		m := d.today.AddDate(0, -i, 0)
		tenth := time.Date(m.Year(), m.Month(), 9, 0, 0, 0, 0, time.UTC)
		day := d.e.cal.AddWorkingDays(tenth, 1)
		if i == 0 {
			// This month's session was a week and a half ago, so its
			// cases are now in 公示 and county review.
			day = d.e.cal.AddWorkingDays(d.today, -7)
		}
		c := monthCategories[(int(m.Month())-1)%len(monthCategories)]
		s, err := d.session(day, c, SessionHeld)
		if err != nil {
			return err
		}
		for range 8 + d.rng.IntN(7) {
			if err := d.assessed(s.Day, c, &s, modeRandom); err != nil {
				return err
			}
		}
		// Home assessments through the month, about thirty in the year.
		for range 2 + d.rng.IntN(2) {
			hc := []registry.Category{registry.Physical, registry.Physical, registry.Mental, registry.Intellectual}[d.rng.IntN(4)]
			hday := d.e.cal.AddWorkingDays(day, 3+d.rng.IntN(8))
			if hday.After(d.today) {
				hday = d.today
			}
			if err := d.assessed(hday.Format(time.DateOnly), hc, nil, modeRandom); err != nil {
				return err
			}
		}
		// Services without assessment.
		for range 2 + d.rng.IntN(3) {
			ty := []Type{TypeRenew, TypeRenew, TypeChange, TypeReplace, TypeCancel}[d.rng.IntN(5)]
			if err := d.direct(ty, d.e.cal.AddWorkingDays(m, 1+d.rng.IntN(15)), modeRandom); err != nil {
				return err
			}
		}
	}
	// Cases now in every stage: below the standard (one appealed),
	// assessed today awaiting review, recent services being issued, one
	// refused at county review, a cancellation under way.
	recent := d.e.cal.AddWorkingDays(d.today, -8)
	for _, mode := range []int{modeRefused, modeAppeal} {
		if err := d.assessed(recent.Format(time.DateOnly), registry.Mental, nil, mode); err != nil {
			return err
		}
	}
	for range 2 {
		if err := d.assessed(d.today.Format(time.DateOnly), registry.Physical, nil, modeRandom); err != nil {
			return err
		}
	}
	for i := range 6 {
		if err := d.direct(TypeRenew, d.e.cal.AddWorkingDays(d.today, -(6+i)), modeRandom); err != nil {
			return err
		}
	}
	if err := d.direct(TypeReplace, d.e.cal.AddWorkingDays(d.today, -3), modeReject); err != nil {
		return err
	}
	if err := d.direct(TypeCancel, d.e.cal.AddWorkingDays(d.today, -2), modeRandom); err != nil {
		return err
	}
	// Coming sessions and the applicants waiting for them; some waiting too long.
	for _, c := range []registry.Category{registry.Physical, registry.Mental} {
		day := d.e.cal.AddWorkingDays(d.today, 8+int(c))
		s, err := d.session(day, c, SessionPlanned)
		if err != nil {
			return err
		}
		for range 5 {
			if err := d.booked(&s, c); err != nil {
				return err
			}
		}
	}
	for i := range 10 {
		filed := d.e.cal.AddWorkingDays(d.today, -i)
		if err := d.submitted(filed, i == 3); err != nil {
			return err
		}
	}
	return nil
}

// person picks an unused registered person of category c (any category
// when none is left).
func (d *demo) person(c registry.Category) (registry.Person, bool) {
	pool := d.byCat[c]
	for range 20 {
		if len(pool) == 0 {
			pool = d.active
		}
		if len(pool) == 0 {
			return registry.Person{}, false
		}
		p := pool[d.rng.IntN(len(pool))]
		if !d.used[p.ID] {
			d.used[p.ID] = true
			return p, true
		}
	}
	return registry.Person{}, false
}

var demoNames = []string{"王秀兰", "李建军", "张桂英", "刘德明", "陈玉梅", "杨志强", "赵春燕", "黄永福", "周丽娟", "吴国华", "徐淑珍", "孙海涛"}

// stranger is an applicant not in the registry (his result fell below the
// standard, or his case is still open).
func (d *demo) stranger() (idNumber, name, village string) {
	birth := time.Date(1940+d.rng.IntN(70), time.Month(1+d.rng.IntN(12)), 1+d.rng.IntN(28), 0, 0, 0, 0, time.UTC)
	idNumber = registry.MakeIDNumber("341599", birth, 500+d.rng.IntN(400), 1+d.rng.IntN(2))
	return idNumber, demoNames[d.rng.IntN(len(demoNames))], d.vcodes[d.rng.IntN(len(d.vcodes))]
}

// timeline builds one application step by step; a step dated after today
// is not taken, so recent cases stop in the stage they are in now.
type timeline struct {
	d       *demo
	a       Application
	events  []Event
	visits  map[string]string
	sms     []string
	stopped bool
	day     time.Time
}

func (d *demo) start(a Application, filed time.Time) *timeline {
	t := &timeline{d: d, a: a, visits: map[string]string{}, day: filed}
	t.a.ID, t.a.Code = d.id(filed), d.code()
	t.a.Status, t.a.FiledOn, t.a.CreatedBy = Submitted, filed.Format(time.DateOnly), "demo"
	t.a.CreatedAt, t.a.StageSince, t.a.Version = at(filed, 1+d.rng.IntN(8)), at(filed, 1), 1
	t.a.Due = d.e.dueFor(&t.a, filed)
	t.events = append(t.events, Event{At: t.a.CreatedAt, ActorName: "吴晓燕", Action: ActionFile, To: Submitted, Note: a.Channel})
	if a.Channel == ChannelCounter {
		t.visits[t.a.FiledOn] = "counter_filing"
	}
	t.sms = append(t.sms, "filed")
	return t
}

func (d *demo) code() string {
	b := make([]byte, 10)
	for i := range b {
		b[i] = codeAlphabet[d.rng.IntN(len(codeAlphabet))]
	}
	return "YG" + string(b)
}

// step moves on day, applying fn, unless the day is still to come.
func (t *timeline) step(day time.Time, act Action, actor string, fn func(a *Application)) bool {
	if t.stopped || day.After(t.d.today) {
		t.stopped = true
		return false
	}
	tr, ok := Next(t.a.Status, act, t.a.Type)
	if !ok {
		panic("demo: " + string(t.a.Status) + " " + string(act))
	}
	late := t.a.Due != "" && day.Format(time.DateOnly) > t.a.Due
	if late {
		t.a.LateStages++
	}
	if fn != nil {
		fn(&t.a)
	}
	from := t.a.Status
	t.a.Status = tr.To
	t.a.Due = t.d.e.dueFor(&t.a, day)
	t.a.StageSince = at(day, 2+len(t.events)%6)
	if tr.To.Final() {
		t.a.ClosedOn, t.a.Due = day.Format(time.DateOnly), ""
	}
	t.a.Version++
	t.events = append(t.events, Event{At: t.a.StageSince, ActorName: actor, Action: string(act), From: from, To: tr.To, Late: late})
	t.day = day
	return true
}

func (d *demo) wd(t time.Time, n int) time.Time { return d.e.cal.AddWorkingDays(t, n) }

// assessed is a new certificate or re-assessment assessed on day assessDay,
// at a session (s) or at home (s nil).
// Modes of a demo case.
const (
	modeRandom  = iota
	modeRefused // below the standard, no appeal
	modeAppeal  // below the standard, appealed
	modeReject  // refused at county review
)

func (d *demo) assessed(assessDay string, c registry.Category, s *Session, mode int) error {
	aday, _ := time.Parse(time.DateOnly, assessDay)
	qualified := mode == modeRandom && d.rng.IntN(100) < 85
	ty := TypeNew
	if d.rng.IntN(10) < 3 {
		ty = TypeReassess
	}
	a := Application{Type: ty, Category: c, Channel: []string{ChannelCounter, ChannelCounter, ChannelTownship, ChannelOnline}[d.rng.IntN(4)]}
	var p registry.Person
	// A recent new case may not be issued yet, so its applicant is not in
	// the registry; older ones are the past of registered persons.
	recent := aday.After(d.today.AddDate(0, 0, -30))
	if (qualified && !(ty == TypeNew && recent)) || ty == TypeReassess {
		var ok bool
		if p, ok = d.person(c); !ok {
			return nil
		}
		a.IDNumber, a.Name, a.VillageCode, a.Phone = p.IDNumber, p.Name, p.VillageCode, p.Phone
		if ty == TypeReassess {
			a.PersonID = p.ID
		}
	} else {
		a.IDNumber, a.Name, a.VillageCode = d.stranger()
	}
	xs := d.expertsFor(c)
	if len(xs) == 0 {
		return nil
	}
	ex := xs[d.rng.IntN(len(xs))]
	filed := d.wd(aday, -(5 + d.rng.IntN(12)))
	t := d.start(a, filed)
	book := d.wd(filed, 1+d.rng.IntN(3))
	if s != nil {
		t.step(book, ActBook, "吴晓燕", func(a *Application) { a.SessionID, a.AssessDay, a.ExpertID = s.ID, s.Day, ex.ID })
		t.sms = append(t.sms, "booked")
	} else {
		reason := HomeReasons[d.rng.IntN(len(HomeReasons))]
		t.step(book, ActScheduleHome, "吴晓燕", func(a *Application) {
			a.Home, a.HomeReason, a.AssessDay, a.ExpertID = true, reason, assessDay, ex.ID
		})
		t.sms = append(t.sms, "home")
	}
	grade := registry.Grade(0)
	if qualified {
		grade = max(p.Grade, registry.Grade(1+d.rng.IntN(4)))
		if p.ID != "" {
			grade = p.Grade
		}
	}
	if !t.step(aday, ActAssess, ex.Name, func(a *Application) {
		a.ResultCategory, a.ResultGrade, a.Findings = c, grade, demoFindings[c]
		a.AssessedBy, a.AssessedAt = "expert:"+ex.ID, at(aday, 3)
		if p.Category == registry.Multiple && qualified {
			a.ResultCategory, a.ResultComponents = registry.Multiple, registry.ComponentsText(p.Components)
		}
	}) {
		return d.save(t)
	}
	if s != nil { // at home there is no trip
		t.visits[assessDay] = "session"
	}
	review := d.wd(aday, 1+d.rng.IntN(4))
	if mode != modeRandom {
		review = d.wd(aday, 1)
	}
	if !qualified {
		if !t.step(review, ActRefuse, "郑红梅", func(a *Application) {
			a.ReviewedBy, a.AppealUntil = "demo-reviewer", d.e.addDays(review, d.e.set.AppealDays)
		}) {
			return d.save(t)
		}
		t.sms = append(t.sms, "not_qualified")
		until, _ := time.Parse(time.DateOnly, t.a.AppealUntil)
		if mode == modeAppeal || mode == modeRandom && d.rng.IntN(3) == 0 {
			appeal := d.wd(review, 2+d.rng.IntN(6))
			if mode == modeAppeal {
				appeal = d.wd(review, 1)
			}
			if t.step(appeal, ActAppeal, "吴晓燕", nil) {
				if d.rng.IntN(2) == 0 {
					t.step(d.wd(until, 15), ActDismiss, "吴晓燕", nil)
				} else {
					t.step(d.wd(until, 15), ActReopen, "吴晓燕", func(a *Application) {
						a.SessionID, a.AssessDay, a.ExpertID, a.ResultCategory, a.ResultGrade, a.Findings = "", "", "", 0, 0, ""
						a.AssessedBy, a.AssessedAt, a.ReviewedBy, a.AppealUntil = "", "", "", ""
					})
				}
			}
		} else if mode != modeRefused {
			t.step(d.wd(until, 1+d.rng.IntN(3)), ActClose, "吴晓燕", nil)
		}
		return d.save(t)
	}
	if !t.step(review, ActPublish, "郑红梅", func(a *Application) {
		a.ReviewedBy, a.PublicityFrom = "demo-reviewer", review.Format(time.DateOnly)
		a.PublicityTo = d.e.addDays(review, d.e.set.PublicityDays)
		to, _ := time.Parse(time.DateOnly, a.PublicityTo)
		a.ReviewDue = d.e.addDays(to, d.e.set.ReviewDays)
	}) {
		return d.save(t)
	}
	t.sms = append(t.sms, "publicity")
	to, _ := time.Parse(time.DateOnly, t.a.PublicityTo)
	if !t.step(d.wd(to, 1), ActEndPublicity, "吴晓燕", nil) {
		return d.save(t)
	}
	// One in ten county reviews runs past its ten working days.
	decide := d.wd(to, 2+d.rng.IntN(7))
	if d.rng.IntN(10) == 0 {
		decide = d.wd(to, 12+d.rng.IntN(4))
	}
	if !t.step(decide, ActApprove, "郑红梅", func(a *Application) { a.DecidedBy = "demo-reviewer" }) {
		return d.save(t)
	}
	return d.issueAndDeliver(t, p, decide)
}

var demoFindings = map[registry.Category]string{
	registry.Vision:       "双眼最佳矫正视力 0.04，视野半径约 15°",
	registry.Hearing:      "较好耳平均听力损失 75 dB HL",
	registry.Speech:       "构音障碍，言语清晰度 30%",
	registry.Physical:     "一侧下肢膝上截肢，步行需辅助器具",
	registry.Intellectual: "智商 45，适应行为中度缺陷",
	registry.Mental:       "WHO-DAS II 评分 108，社会功能明显受限",
	registry.Multiple:     "多重残疾，各类别分别评定",
}

func (d *demo) issueAndDeliver(t *timeline, p registry.Person, decided time.Time) error {
	if p.ID == "" {
		return d.save(t) // not registered yet: waits to be issued
	}
	issue := d.wd(decided, 1+d.rng.IntN(3))
	no := registry.CertificateNumber(p.IDNumber, p.Category, p.Grade)
	if t.a.Type == TypeReplace {
		no = registry.ReissueNumber(no, 1)
	}
	if !t.step(issue, ActIssue, "吴晓燕", func(a *Application) {
		a.PersonID, a.CertificateNo, a.IssuedOn = p.ID, no, issue.Format(time.DateOnly)
	}) {
		return d.save(t)
	}
	t.sms = append(t.sms, "issued")
	until := issue.AddDate(d.e.set.ValidityYears, 0, -1).Format(time.DateOnly)
	if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_certificates (id, person_id, application_id, certificate_no, village_code, issued_on, valid_until, kind, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'valid', $9)`, d.id(issue), p.ID, t.a.ID, crypt.Seal(registry.KindCertificateNo, no), p.VillageCode, t.a.IssuedOn, until, string(t.a.Type), at(issue, 4)); err != nil {
		return err
	}
	method := []string{"counter", "township", "township", "home"}[d.rng.IntN(4)]
	deliver := d.wd(issue, 1+d.rng.IntN(6))
	if t.step(deliver, ActDeliver, "吴晓燕", func(a *Application) { a.Delivery, a.DeliveredOn = method, deliver.Format(time.DateOnly) }) && method == "counter" {
		t.visits[t.a.DeliveredOn] = "collection"
	}
	return d.save(t)
}

// direct is a renewal, change, replacement or cancellation filed on day.
func (d *demo) direct(ty Type, filed time.Time, mode int) error {
	var p registry.Person
	if ty == TypeCancel && filed.Before(d.today.AddDate(0, 0, -20)) {
		for _, c := range d.cancelled {
			if !d.used[c.ID] {
				p = c
				d.used[c.ID] = true
				break
			}
		}
		if p.ID == "" {
			return nil
		}
	} else {
		var ok bool
		if p, ok = d.person(registry.Category(1 + d.rng.IntN(7))); !ok {
			return nil
		}
	}
	a := Application{Type: ty, Channel: []string{ChannelCounter, ChannelTownship}[d.rng.IntN(2)], PersonID: p.ID, IDNumber: p.IDNumber,
		Name: p.Name, VillageCode: p.VillageCode, Phone: p.Phone}
	switch ty {
	case TypeChange:
		a.NewName = p.Name
		a.NewVillageCode = d.vcodes[d.rng.IntN(len(d.vcodes))]
	case TypeCancel:
		a.CancelReason = []string{"死亡", "康复", "弄虚作假"}[d.rng.IntN(3)]
		if p.Status == registry.StatusDeceased {
			a.CancelReason = "死亡"
		}
	}
	t := d.start(a, filed)
	fwd := d.wd(filed, d.rng.IntN(2))
	if !t.step(fwd, ActForward, "吴晓燕", func(a *Application) { a.ReviewDue = d.e.addDays(fwd, d.e.set.ReviewDays) }) {
		return d.save(t)
	}
	decide := d.wd(fwd, 1+d.rng.IntN(8))
	if mode == modeReject {
		decide = d.wd(fwd, 1)
	}
	if mode == modeReject || d.rng.IntN(12) == 0 {
		if t.step(decide, ActReject, "郑红梅", func(a *Application) {
			a.DecidedBy, a.AppealUntil = "demo-reviewer", d.e.addDays(decide, d.e.set.AppealDays)
		}) {
			t.sms = append(t.sms, "rejected")
			until, _ := time.Parse(time.DateOnly, t.a.AppealUntil)
			if mode != modeReject {
				t.step(d.wd(until, 1), ActClose, "吴晓燕", nil)
			}
		}
		return d.save(t)
	}
	if !t.step(decide, ActApprove, "郑红梅", func(a *Application) { a.DecidedBy = "demo-reviewer" }) {
		return d.save(t)
	}
	if ty == TypeCancel {
		if t.step(d.wd(decide, 1), ActComplete, "吴晓燕", nil) {
			t.sms = append(t.sms, "cancelled")
		}
		return d.save(t)
	}
	return d.issueAndDeliver(t, p, decide)
}

// booked waits for a coming session.
func (d *demo) booked(s *Session, c registry.Category) error {
	idn, name, village := d.stranger()
	filed := d.wd(d.today, -(1 + d.rng.IntN(4)))
	t := d.start(Application{Type: TypeNew, Category: c, Channel: ChannelCounter, IDNumber: idn, Name: name, VillageCode: village}, filed)
	xs := d.expertsFor(c)
	t.step(d.wd(filed, 1), ActBook, "吴晓燕", func(a *Application) { a.SessionID, a.AssessDay, a.ExpertID = s.ID, s.Day, xs[d.rng.IntN(len(xs))].ID })
	t.sms = append(t.sms, "booked")
	return d.save(t)
}

// submitted was filed on day and waits to be scheduled; the older ones are
// overdue.
func (d *demo) submitted(filed time.Time, withdraw bool) error {
	idn, name, village := d.stranger()
	c := registry.Category(1 + d.rng.IntN(6))
	t := d.start(Application{Type: TypeNew, Category: c, Channel: []string{ChannelCounter, ChannelOnline, ChannelTownship}[d.rng.IntN(3)],
		IDNumber: idn, Name: name, VillageCode: village, Phone: fmt.Sprintf("138%08d", d.rng.IntN(1e8))}, filed)
	if withdraw {
		t.step(d.wd(filed, 1), ActWithdraw, "吴晓燕", nil)
	}
	return d.save(t)
}

// save writes the application with its events, visits, photo, assignment
// and notices.
func (d *demo) save(t *timeline) error {
	a := &t.a
	if a.Due != "" && a.Status.Final() {
		a.Due = ""
	}
	a.UpdatedAt = a.StageSince
	if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_applications (`+appColumns+`) VALUES (`+placeholders(45)+`)`, a.values()...); err != nil {
		return fmt.Errorf("demo application: %w", err)
	}
	for i, ev := range t.events {
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_events (id, application_id, seq, at, actor_id, actor_name, action, from_status, to_status, note, late)
			VALUES ($1, $2, $3, $4, 'demo', $5, $6, $7, $8, $9, $10)`, d.id(t.day), a.ID, i+1, ev.At, ev.ActorName, ev.Action, string(ev.From), string(ev.To), ev.Note, ev.Late); err != nil {
			return err
		}
	}
	for day, reason := range t.visits {
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_visits (application_id, day, reason) VALUES ($1, $2, $3)`, a.ID, day, reason); err != nil {
			return err
		}
	}
	if a.ExpertID != "" {
		kind := "session"
		if a.Home {
			kind = "home"
		}
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_assignments (application_id, expert_id, assigned_on, kind) VALUES ($1, $2, $3, $4)`,
			a.ID, a.ExpertID, a.FiledOn, kind); err != nil {
			return err
		}
	}
	if a.Status != Submitted || d.rng.IntN(2) == 0 {
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_attachments (id, application_id, kind, filename, mime, size, data, created_at)
			VALUES ($1, $2, 'photo', 'photo.png', 'image/png', $3, $4, $5)`, d.id(t.day), a.ID, demoPhotoSize, demoPhoto, a.CreatedAt); err != nil {
			return err
		}
	}
	for _, kind := range t.sms {
		body := i18n.T(i18n.ZH, "certify.sms."+kind, smsArgs(kind, a)...)
		status := "sent"
		if a.Phone == "" {
			status = "no_phone"
		}
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO cert_sms_outbox (id, application_id, person_id, village_code, phone, kind, body, status, created_at, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, d.id(t.day), a.ID, a.PersonID, a.VillageCode, crypt.Seal(registry.KindPhone, a.Phone), kind, body, status, a.CreatedAt); err != nil {
			return err
		}
	}
	d.apps++
	return nil
}

// smsArgs are the values of each notice's text, as the workflow fills them.
func smsArgs(kind string, a *Application) []any {
	switch kind {
	case "filed":
		return []any{a.Code, i18n.T(i18n.ZH, "certify.type."+string(a.Type))}
	case "booked":
		return []any{a.Name, a.AssessDay, "县残联康复中心三楼评定室", a.Code}
	case "home":
		return []any{a.Name, a.AssessDay, a.Code}
	case "publicity":
		return []any{a.Name, a.PublicityFrom, a.PublicityTo}
	case "not_qualified":
		return []any{a.Name, a.AppealUntil}
	case "rejected":
		return []any{a.Name, "材料不全", a.AppealUntil}
	case "issued":
		return []any{a.Name, a.Code}
	}
	return []any{a.Name}
}
