package rights_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/rights"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

const (
	county   = "341599000000"
	townA    = "341599001000"
	villageA = "341599001001"
	townB    = "341599101000"
	villageB = "341599101201"
)

var testAreas = []area.Area{
	{Code: county, Name: "阳光县", Level: area.County},
	{Code: townA, Name: "城关街道", Level: area.Township, ParentCode: county},
	{Code: villageA, Name: "团结社区", Level: area.Village, ParentCode: townA},
	{Code: townB, Name: "桃园镇", Level: area.Township, ParentCode: county},
	{Code: villageB, Name: "李庄村", Level: area.Village, ParentCode: townB},
}

var (
	countyScope = area.ScopeOf(county)
	today       = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	cal         = calendar.New(calendar.Default2026)
)

type env struct {
	t   *testing.T
	db  *store.DB
	ctx context.Context
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-rights", Name: "褚卫东", Kind: "user"})
	var list []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, calendar.Migrations, rights.Migrations} {
		list = append(list, m...)
	}
	if err := db.Migrate(ctx, list); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, ctx: ctx}
	e.tx(func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	return e
}

func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(e.ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// person registers a person in village.
func (e *env) person(name, village string) registry.Person {
	e.t.Helper()
	var p registry.Person
	idn := registry.MakeIDNumber("341599", time.Date(1970, time.May, 5, 0, 0, 0, 0, time.UTC), 321, 1)
	e.tx(func(tx *store.Tx) (err error) {
		p, err = registry.Create(e.ctx, tx, countyScope, registry.NewPerson{IDNumber: idn, Name: name, VillageCode: village,
			Category: registry.Physical, Grade: registry.Grade2}, today)
		return err
	})
	return p
}

func (e *env) try(fn func(tx *store.Tx) error) error { return e.db.InTx(e.ctx, fn) }

func (e *env) create(s area.Scope, n rights.NewCase) (rights.Case, error) {
	var c rights.Case
	err := e.try(func(tx *store.Tx) (err error) {
		c, err = rights.Create(e.ctx, tx, s, cal, n, today)
		return err
	})
	return c, err
}

func hotline(areaCode string) rights.NewCase {
	return rights.NewCase{Channel: rights.ChannelHotline, CallerName: "张桂英", CallerPhone: "139 1234 5678", AreaCode: areaCode,
		Type: rights.TypeEmployment, Account: "用人单位拖欠残疾职工工资三个月。", ReceivedOn: "2026-10-30"}
}

// fieldOf returns the fields named by validation errors.
func fieldsOf(err error) []string {
	var es validate.Errors
	if !errors.As(err, &es) {
		return nil
	}
	var out []string
	for _, fe := range es {
		out = append(out, fe.Field)
	}
	return out
}

// A case through every step: intake, transfer, one extension, reply,
// call back and filing; each a timeline event and an audit entry, the
// limits from the calendar, the phone sealed.
func TestCaseLifecycle(t *testing.T) {
	e := setup(t)
	c, err := e.create(countyScope, hotline(villageA))
	if err != nil {
		t.Fatal(err)
	}
	// Friday 10-30: transfer by Monday 11-02, reply 15 working days on.
	if c.Code != "WQ2026-0001" || c.Status != rights.Received || c.AckDue != "2026-11-02" || c.ReplyDue != "2026-11-20" || c.CallerPhone != "13912345678" {
		t.Fatalf("created %+v", c)
	}
	var stored, hash string
	if err := e.db.QueryRowContext(e.ctx, `SELECT caller_phone, phone_hash FROM rights_cases WHERE id = $1`, c.ID).Scan(&stored, &hash); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "13912345678") || !strings.HasPrefix(stored, "enc1:") {
		t.Errorf("phone stored as %q", stored)
	}
	// A second case gets the next number.
	if c2, err := e.create(countyScope, hotline(villageB)); err != nil || c2.Code != "WQ2026-0002" {
		t.Fatalf("second case %v %v", c2.Code, err)
	}
	id := c.ID
	step := func(name string, fn func(tx *store.Tx) error) {
		t.Helper()
		if err := e.try(fn); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Reply before the transfer is refused by the machine, in Chinese.
	err = e.try(func(tx *store.Tx) error {
		return rights.Reply(e.ctx, tx, countyScope, id, "已处理", "2026-11-02", today)
	})
	var re *rights.RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Text(i18n.ZH), "已受理待转办") {
		t.Fatalf("reply before transfer: %v", err)
	}
	// A transfer before the receipt names the field.
	err = e.try(func(tx *store.Tx) error {
		return rights.Transfer(e.ctx, tx, countyScope, id, "县人力资源和社会保障局", "2026-10-29", "", today)
	})
	if f := fieldsOf(err); len(f) != 1 || f[0] != "rights.transfer.day" {
		t.Fatalf("early transfer: %v", err)
	}
	step("transfer", func(tx *store.Tx) error {
		return rights.Transfer(e.ctx, tx, countyScope, id, "县人力资源和社会保障局", "2026-11-02", "请核查", today)
	})
	step("extend", func(tx *store.Tx) error {
		return rights.Extend(e.ctx, tx, countyScope, cal, id, "需劳动监察大队调查取证", "2026-11-16", today)
	})
	err = e.try(func(tx *store.Tx) error {
		return rights.Extend(e.ctx, tx, countyScope, cal, id, "再延", "2026-11-17", today)
	})
	if !errors.As(err, &re) || !strings.Contains(re.Text(i18n.ZH), "只能延期一次") {
		t.Fatalf("second extension: %v", err)
	}
	step("supervise", func(tx *store.Tx) error {
		return rights.Supervise(e.ctx, tx, countyScope, id, "请加快办理", today)
	})
	step("legal aid", func(tx *store.Tx) error {
		return rights.LegalAid(e.ctx, tx, countyScope, id, 2, "2026-11-10", "法律服务中心指派律师代理", today)
	})
	step("reply", func(tx *store.Tx) error {
		return rights.Reply(e.ctx, tx, countyScope, id, "已责令用人单位补发工资。", "2026-11-19", today)
	})
	err = e.try(func(tx *store.Tx) error {
		return rights.Callback(e.ctx, tx, countyScope, id, "happy", "2026-11-19", "", today)
	})
	if f := fieldsOf(err); len(f) != 1 || f[0] != "rights.callback.satisfaction" {
		t.Fatalf("bad satisfaction: %v", err)
	}
	step("callback", func(tx *store.Tx) error {
		return rights.Callback(e.ctx, tx, countyScope, id, "satisfied", "2026-11-20", "", today)
	})
	step("close", func(tx *store.Tx) error { return rights.Close(e.ctx, tx, countyScope, id, "2026-11-20", "", today) })
	got, err := rights.Get(e.ctx, e.db, countyScope, id)
	if err != nil {
		t.Fatal(err)
	}
	// Extended by 15 working days from 11-20: 12-11; replied 11-19: on time.
	if got.Status != rights.Closed || got.ReplyDue != "2026-12-11" || !got.OnTime() || got.LegalAidPersons != 2 || got.SupervisedOn != "2026-11-20" {
		t.Fatalf("closed case %+v", got)
	}
	evs, err := rights.Events(e.ctx, e.db, id)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, ev := range evs {
		acts = append(acts, ev.Action)
	}
	if strings.Join(acts, ",") != "intake,transfer,extend,supervise,legal_aid,reply,callback,close" {
		t.Errorf("timeline %v", acts)
	}
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit_log WHERE object_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(evs) {
		t.Errorf("%d audit entries for %d steps", n, len(evs))
	}
	// Nothing more after filing.
	err = e.try(func(tx *store.Tx) error { return rights.Supervise(e.ctx, tx, countyScope, id, "再督办", today) })
	if !errors.As(err, &re) {
		t.Errorf("supervising a filed case: %v", err)
	}
}

// A consultation can be closed at intake; nothing else can.
func TestCloseAtIntake(t *testing.T) {
	e := setup(t)
	n := hotline(villageA)
	n.CloseNow, n.Answer = true, "已解答两项补贴申请条件。"
	_, err := e.create(countyScope, n)
	if f := fieldsOf(err); len(f) != 1 || f[0] != "rights.case.close_now" {
		t.Fatalf("employment closed at intake: %v", err)
	}
	n.Type = rights.TypeConsultation
	c, err := e.create(countyScope, n)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != rights.Closed || !c.OnTime() || c.ClosedOn != "2026-10-30" {
		t.Fatalf("consultation %+v", c)
	}
}

// Intake refuses what is missing or wrong, naming each field, and a
// township worker records and sees only his township's cases.
func TestIntakeChecksAndScope(t *testing.T) {
	e := setup(t)
	_, err := e.create(countyScope, rights.NewCase{Channel: "fax", CallerPhone: "12", Type: "x", ReceivedOn: "2026-12-31"})
	want := []string{"rights.case.channel", "rights.case.caller_name", "rights.case.caller_phone", "rights.case.area", "rights.case.type",
		"rights.case.account", "rights.case.received_on"}
	if got := fieldsOf(err); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v", got, want)
	}
	a := area.ScopeOf(townA)
	if _, err := e.create(a, hotline(villageB)); len(fieldsOf(err)) != 1 {
		t.Fatalf("township A recording for B: %v", err)
	}
	ca, err := e.create(a, hotline(villageA))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := e.create(countyScope, hotline(townB)) // a township itself
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rights.Get(e.ctx, e.db, a, cb.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("township A reads B's case: %v", err)
	}
	err = e.try(func(tx *store.Tx) error {
		return rights.Transfer(e.ctx, tx, a, cb.ID, "县教育局", "2026-11-02", "", today)
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("township A moves B's case: %v", err)
	}
	list, err := rights.List(e.ctx, e.db, a, rights.Filter{})
	if err != nil || len(list) != 1 || list[0].ID != ca.ID {
		t.Errorf("township A lists %v %v", list, err)
	}
	// Overdue on 2026-11-03 (transfer limit 11-02) for both; A sees one.
	if n, err := rights.CountOverdue(e.ctx, e.db, a, "2026-11-03"); err != nil || n != 1 {
		t.Errorf("A overdue %d %v", n, err)
	}
	if list, err := rights.List(e.ctx, e.db, countyScope, rights.Filter{Overdue: true, Today: "2026-11-03"}); err != nil || len(list) != 2 {
		t.Errorf("county overdue list %d %v", len(list), err)
	}
	if list, err := rights.List(e.ctx, e.db, countyScope, rights.Filter{DueSoon: true, Today: "2026-10-30", Soon: "2026-11-04"}); err != nil || len(list) != 2 {
		t.Errorf("due soon list %d %v", len(list), err)
	}
}

// The person it concerns is stored by id; his village is the case's
// area unless another is given.
func TestIntakeForAPerson(t *testing.T) {
	e := setup(t)
	p := e.person("王德明", villageA)
	n := hotline("")
	n.PersonID = p.ID
	c, err := e.create(countyScope, n)
	if err != nil {
		t.Fatal(err)
	}
	if c.PersonID != p.ID || c.PersonName != "王德明" || c.AreaCode != villageA {
		t.Errorf("case %+v", c)
	}
	// A township worker of B cannot name A's person.
	_, err = e.create(area.ScopeOf(townB), n)
	if f := fieldsOf(err); len(f) == 0 || f[0] != "rights.case.person" {
		t.Errorf("B naming A's person: %v", err)
	}
}

// The limits are settings: changed, they apply to cases received after.
func TestLimitSettings(t *testing.T) {
	e := setup(t)
	set, err := rights.LoadSettings(e.ctx, e.db)
	if err != nil || set.Limits != rights.DefaultLimits || set.Units[rights.TypeViolence] != "县公安局" {
		t.Fatalf("defaults %+v %v", set, err)
	}
	set.AckDays, set.ReplyDays = 0, 200
	err = e.try(func(tx *store.Tx) error { return rights.SaveSettings(e.ctx, tx, set) })
	if f := fieldsOf(err); strings.Join(f, ",") != "rights.setting.ack_days,rights.setting.reply_days" {
		t.Fatalf("bad limits: %v", err)
	}
	set.AckDays, set.ReplyDays = 2, 10
	e.tx(func(tx *store.Tx) error { return rights.SaveSettings(e.ctx, tx, set) })
	c, err := e.create(countyScope, hotline(villageA))
	if err != nil {
		t.Fatal(err)
	}
	if c.AckDue != "2026-11-03" || c.ReplyDue != "2026-11-13" {
		t.Errorf("limits %s %s under the new settings", c.AckDue, c.ReplyDue)
	}
}

// Intakes at the same time get distinct numbers (the year's counter row
// queues them), on both engines.
func TestConcurrentIntakeNumbers(t *testing.T) {
	e := setup(t)
	const n = 6
	codes := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			c, err := e.create(countyScope, hotline(villageA))
			codes <- c.Code
			errs <- err
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen[<-codes] = true
	}
	if len(seen) != n || !seen["WQ2026-0001"] || !seen["WQ2026-0006"] {
		t.Errorf("codes %v", seen)
	}
}
