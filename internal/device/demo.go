package device

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// demoStock is what the pilot holds: per kind code, how many at the
// county centre and how many in each of the first townships.
var demoStock = []struct {
	code           string
	county, perTwn int
	category       registry.Category // who borrows it
}{
	{"LY01", 16, 5, registry.Physical},
	{"LY02", 6, 1, registry.Physical},
	{"ZX01", 8, 2, registry.Physical},
	{"GZ01", 6, 1, registry.Physical},
	{"GZ02", 4, 1, registry.Physical},
	{"ZT01", 8, 0, registry.Hearing},
	{"ZS01", 4, 0, registry.Vision},
	{"ZB01", 8, 2, registry.Physical},
	{"XY01", 4, 1, registry.Physical},
	{"HL01", 4, 0, registry.Physical},
}

// Demo creates a year of the loan pilot in the demo county, ending on
// today: about 150 items at the county centre and in six townships'
// 残疾人之家 (received in a purchase at the start of the year and a
// donation half-way), about 80 loans to active persons of fitting
// categories (肢体 for wheelchairs, 听力 for hearing aids, 视力 for
// magnifiers) living in the item's township, some returned (a few
// needing repair, some of those still in repair), some overdue, one lost
// and one scrapped, and today's overdue reminders. The same rng and
// today give the same rows (ids and instants come from them); the
// registry is only read.
func Demo(ctx context.Context, db *store.DB, rng *rand.Rand, today time.Time) error {
	actor := audit.Actor{ID: "demo", Name: "demo", Kind: "system"}
	ctx = audit.WithActor(ctx, actor)
	today = dateOf(today)
	byTown := map[string]map[registry.Category][]registry.Person{}
	if err := registry.SearchEach(ctx, db, area.ScopeOf(DemoCounty), registry.Filter{Today: today, Sort: registry.SortRegistered}, func(p registry.Person) error {
		t := area.ParentOf(p.VillageCode)
		if byTown[t] == nil {
			byTown[t] = map[registry.Category][]registry.Person{}
		}
		byTown[t][p.Category] = append(byTown[t][p.Category], p)
		return nil
	}); err != nil {
		return err
	}
	all, err := area.InScope(ctx, db, area.ScopeOf(DemoCounty))
	if err != nil {
		return err
	}
	var towns []string
	for _, a := range all {
		if a.Level == area.Township && len(towns) < 6 {
			towns = append(towns, a.Code)
		}
	}
	if len(towns) == 0 {
		return fmt.Errorf("演示辅助器具：没有乡镇")
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		d := &demoRun{ctx: ctx, tx: tx, rng: rng, actor: actor, today: today, start: today.AddDate(-1, 0, 0), byTown: byTown, busy: map[string]bool{}}
		if err := d.stock(towns); err != nil {
			return err
		}
		if err := d.loans(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "device.demo", ObjectType: "device_items", ObjectID: DemoCounty,
			Detail: fmt.Sprintf("演示数据：%d 件器具，%d 笔借用", len(d.items), d.nLoans)})
	})
	if err != nil {
		return err
	}
	_, err = OverdueReminders(ctx, db, today)
	return err
}

type demoItem struct {
	Item
	cat       registry.Category
	loanDays  int
	freeFrom  time.Time // the first day it may be lent again
	repairing bool
}

type demoRun struct {
	ctx    context.Context
	tx     *store.Tx
	rng    *rand.Rand
	actor  audit.Actor
	today  time.Time
	start  time.Time
	seq    int
	byTown map[string]map[registry.Category][]registry.Person
	items  []*demoItem
	busy   map[string]bool // persons holding a demo loan now
	nLoans int
}

// id is a UUIDv7 made from the rng and the simulated day.
func (d *demoRun) id(at time.Time) string {
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

func stamp(day time.Time, hour int) string {
	return store.FormatTime(day.Add(time.Duration(hour) * time.Hour))
}

func (d *demoRun) event(it *demoItem, act Action, day time.Time, from ItemStatus, note string) error {
	return addEvent(d.ctx, d.tx, d.id(day), stamp(day, 9+d.rng.IntN(8)), d.actor, it.Item, act, ymd(day), from, note)
}

func (d *demoRun) stock(towns []string) error {
	set, err := LoadSettings(d.ctx, d.tx)
	if err != nil {
		return err
	}
	donation := d.start.AddDate(0, 6, 0)
	n := map[string]int{}
	for _, s := range demoStock {
		k, err := GetKindByCode(d.ctx, d.tx, s.code)
		if err != nil {
			return fmt.Errorf("演示辅助器具：目录中没有 %s", s.code)
		}
		days := set.LoanDays
		if k.LoanDays > 0 {
			days = k.LoanDays
		}
		place := func(loc string, count int) error {
			for i := range count {
				day, source := d.start.AddDate(0, 0, 3), "purchase"
				if i%3 == 2 {
					day, source = donation, "donation"
				}
				n[s.code]++
				it := &demoItem{cat: s.category, loanDays: days, freeFrom: day}
				it.Item = Item{ID: d.id(day), AssetNo: fmt.Sprintf("%s-%d-%04d", s.code, day.Year(), n[s.code]), KindID: k.ID, KindCode: k.Code, KindName: k.Name,
					Source: source, ReceivedOn: ymd(day), Condition: CondNew, LocationCode: loc, Status: InStock, CreatedAt: stamp(day, 10)}
				it.UpdatedAt = it.CreatedAt
				if err := insertItem(d.ctx, d.tx, it.Item); err != nil {
					return err
				}
				if err := d.event(it, ActReceive, day, "", "演示：入库"); err != nil {
					return err
				}
				d.items = append(d.items, it)
			}
			return nil
		}
		if err := place(DemoCounty, s.county); err != nil {
			return err
		}
		for _, t := range towns {
			if err := place(t, s.perTwn); err != nil {
				return err
			}
		}
	}
	// Asset numbers count on from the demo's, so items received later
	// do not collide.
	for code, c := range n {
		name := code + "-" + fmt.Sprint(d.start.Year())
		if _, err := d.tx.ExecContext(d.ctx, `INSERT INTO device_sequences (name, n) VALUES ($1, $2)`, name, c); err != nil {
			return err
		}
	}
	return nil
}

// borrower picks an active person of the category who holds nothing
// from the item's township (any township for the county centre's).
func (d *demoRun) borrower(it *demoItem) (registry.Person, bool) {
	var pool []registry.Person
	if it.LocationCode == DemoCounty {
		var ts []string
		for t := range d.byTown {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		t := ts[d.rng.IntN(len(ts))]
		pool = d.byTown[t][it.cat]
	} else {
		pool = d.byTown[it.LocationCode][it.cat]
	}
	for range 8 {
		if len(pool) == 0 {
			return registry.Person{}, false
		}
		p := pool[d.rng.IntN(len(pool))]
		if !d.busy[p.ID] {
			return p, true
		}
	}
	return registry.Person{}, false
}

// loans lends through the year in day order: each loan takes a free item
// and a free person, then its end is decided (returned on time or late,
// needing repair, lost, or still out) so the item is free again after it.
func (d *demoRun) loans() error {
	const target = 80
	span := int(d.today.Sub(d.start).Hours() / 24)
	days := make([]int, target)
	for i := range days {
		days[i] = 7 + d.rng.IntN(span-10)
	}
	slices.Sort(days)
	type open struct {
		it     *demoItem
		l      Loan
		person string
		end    time.Time // zero: still out today
		cond   Condition
		lost   bool
	}
	var pending []open
	settle := func(until time.Time) error {
		keep := pending[:0]
		for _, o := range pending {
			if o.end.IsZero() || o.end.After(until) {
				keep = append(keep, o)
				continue
			}
			delete(d.busy, o.person)
			from := o.it.Status
			if o.lost {
				o.l.Status, o.l.LostOn, o.l.Note = LoanLost, ymd(o.end), "演示：借用人报失"
				o.it.Status, o.it.LoanID = Lost, ""
				if err := saveLoan(d.ctx, d.tx, o.l); err != nil {
					return err
				}
				if err := saveItem(d.ctx, d.tx, o.it.Item); err != nil {
					return err
				}
				if err := d.event(o.it, ActLose, o.end, from, o.l.PersonName+"：演示：报失"); err != nil {
					return err
				}
				continue
			}
			o.l.Status, o.l.ReturnedOn, o.l.ReturnCondition = LoanReturned, ymd(o.end), o.cond
			act := ActReturn
			o.it.Status, o.it.Condition, o.it.LoanID = InStock, o.cond, ""
			if o.cond == CondNeedsRepair {
				act, o.it.Status, o.l.Note = ActReturnRepair, InRepair, "演示：轮子损坏"
			}
			if err := saveLoan(d.ctx, d.tx, o.l); err != nil {
				return err
			}
			if err := saveItem(d.ctx, d.tx, o.it.Item); err != nil {
				return err
			}
			if err := d.event(&demoItem{Item: withLoan(o.it.Item, o.l.ID)}, act, o.end, from, o.l.PersonName); err != nil {
				return err
			}
			if o.cond == CondNeedsRepair {
				back := o.end.AddDate(0, 0, 14+d.rng.IntN(45))
				if !back.After(d.today) {
					o.it.Status, o.it.Condition = InStock, CondGood
					if err := saveItem(d.ctx, d.tx, o.it.Item); err != nil {
						return err
					}
					if err := d.event(o.it, ActRepaired, back, InRepair, "演示：修复"); err != nil {
						return err
					}
				}
				o.it.freeFrom = back.AddDate(0, 0, 1)
			} else {
				o.it.freeFrom = o.end.AddDate(0, 0, 1)
			}
		}
		pending = keep
		return nil
	}
	for _, off := range days {
		day := d.start.AddDate(0, 0, off)
		if err := settle(day); err != nil {
			return err
		}
		// A free loanable item, preferring the county centre's half the time.
		var free []*demoItem
		for _, it := range d.items {
			if it.Status == InStock && !it.freeFrom.After(day) {
				free = append(free, it)
			}
		}
		if len(free) == 0 {
			continue
		}
		it := free[d.rng.IntN(len(free))]
		p, ok := d.borrower(it)
		if !ok {
			continue
		}
		due := day.AddDate(0, 0, it.loanDays)
		l := Loan{ID: d.id(day), ItemID: it.ID, AssetNo: it.AssetNo, KindID: it.KindID, KindName: it.KindName, PersonID: p.ID, PersonName: p.Name,
			VillageCode: p.VillageCode, LocationCode: it.LocationCode, LentOn: ymd(day), DueOn: ymd(due), FirstDueOn: ymd(due), Status: LoanOpen, CreatedAt: stamp(day, 10)}
		if err := insertLoan(d.ctx, d.tx, l, "demo"); err != nil {
			return err
		}
		from := it.Status
		it.Status, it.LoanID = OnLoan, l.ID
		if err := saveItem(d.ctx, d.tx, it.Item); err != nil {
			return err
		}
		if err := d.event(it, ActLend, day, from, p.Name+" "+l.LentOn+"—"+l.DueOn); err != nil {
			return err
		}
		d.nLoans++
		d.busy[p.ID] = true
		o := open{it: it, l: l, person: p.ID, cond: CondGood}
		// How it ends: most come back around the due day, some early,
		// some late; a few need repair; one is lost; the rest are out.
		switch r := d.rng.IntN(100); {
		case d.nLoans == 17:
			o.lost, o.end = true, day.AddDate(0, 0, 30+d.rng.IntN(60))
		case r < 45:
			o.end = due.AddDate(0, 0, -d.rng.IntN(40))
		case r < 65:
			o.end = due.AddDate(0, 0, d.rng.IntN(30))
		case r < 78:
			o.end, o.cond = due.AddDate(0, 0, -d.rng.IntN(20)), CondNeedsRepair
		case r < 85:
			o.end, o.cond = due.AddDate(0, 0, -d.rng.IntN(60)), CondWorn
		}
		if !o.end.IsZero() && (!o.end.After(day) || o.end.After(d.today)) {
			o.end = time.Time{} // not yet back
		}
		if o.end.IsZero() && d.rng.IntN(4) == 0 && due.Before(d.today) {
			// Some late loans were extended once.
			o.l.DueOn, o.l.ExtendReason = ymd(due.AddDate(0, 0, 90)), "演示：康复训练未结束"
			if err := saveLoan(d.ctx, d.tx, o.l); err != nil {
				return err
			}
			if err := d.event(it, ActExtend, due.AddDate(0, 0, -3), OnLoan, l.DueOn+" → "+o.l.DueOn); err != nil {
				return err
			}
		}
		pending = append(pending, o)
	}
	if err := settle(d.today); err != nil {
		return err
	}
	// One worn-out item scrapped.
	for _, it := range d.items {
		if it.Status == InStock && it.Source == "donation" && it.KindCode == "GZ02" {
			from := it.Status
			it.Status, it.Condition = Scrapped, CondScrapped
			if err := saveItem(d.ctx, d.tx, it.Item); err != nil {
				return err
			}
			return d.event(it, ActScrap, d.today.AddDate(0, 0, -20), from, "演示：老化断裂")
		}
	}
	return nil
}
