package payment

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// Demo accounts of the finance department: one builds and confirms, the
// other records the payment (four-eyes).
var (
	demoBuilder = audit.Actor{ID: "demo-finance-1", Name: "财务 王会计", Kind: "system"}
	demoPayer   = audit.Actor{ID: "demo-finance-2", Name: "财务 李出纳", Kind: "system"}
)

// demoClock gives the demo deterministic ids and instants: the same rng
// and today give the same rows.
type demoClock struct {
	rng *rand.Rand
	at  time.Time
	seq int
}

func (c *demoClock) now() string {
	return store.FormatTime(c.at.Add(time.Duration(c.seq) * time.Millisecond))
}

func (c *demoClock) id() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(c.rng.UintN(256))
	}
	c.seq++
	ms := uint64(c.at.UnixMilli()) + uint64(c.seq)
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	return uuid.UUID(b).String()
}

// Demo pays the year so far: for every programme the Source lists, a
// county batch for each month from January to last month, built and
// confirmed by one finance officer and paid by another on the 25th; one
// payment reversed (the bank returned it) and paid again in a
// supplementary batch; and this month's batch still a draft. A programme
// with nothing due in a month is skipped.
func Demo(ctx context.Context, db *store.DB, src Source, rng *rand.Rand, today time.Time) error {
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.Local)
	s, err := demoScope(ctx, db)
	if err != nil {
		return err
	}
	progs, err := src.Programmes(ctx, db)
	if err != nil {
		return err
	}
	clk := &demoClock{rng: rng}
	ctx = context.WithValue(ctx, clockKey{}, clock(clk))
	as := func(a audit.Actor, at time.Time) context.Context {
		clk.at, clk.seq = at, 0
		return audit.WithActor(ctx, a)
	}
	// build makes a batch for month as of day; ok is false when nothing
	// is due.
	build := func(p Programme, month string, day time.Time) (Batch, bool, error) {
		var b Batch
		c := as(demoBuilder, day.Add(9*time.Hour))
		err := db.InTx(c, func(tx *store.Tx) (err error) {
			b, err = Build(c, tx, src, s, NewBatch{ProgrammeID: p.ID, Month: month}, day)
			return err
		})
		var re *RefusedError
		if errors.As(err, &re) && re.Key == "payment.error.nothing_due" {
			return b, false, nil
		}
		return b, err == nil, err
	}
	settle := func(b Batch, day time.Time) error {
		c := as(demoBuilder, day.Add(15*time.Hour))
		if err := db.InTx(c, func(tx *store.Tx) error { _, err := Confirm(c, tx, s, b.ID); return err }); err != nil {
			return err
		}
		paid := day.AddDate(0, 0, 5)
		if paid.After(today) {
			paid = today
		}
		c = as(demoPayer, paid.Add(10*time.Hour))
		return db.InTx(c, func(tx *store.Tx) error {
			_, err := Pay(c, tx, src, s, b.ID, paid.Format(time.DateOnly), paid)
			return err
		})
	}
	reversed := false
	for m := time.January; m <= today.Month(); m++ {
		month := time.Date(today.Year(), m, 1, 0, 0, 0, 0, time.Local)
		key := month.Format("2006-01")
		built := month.AddDate(0, 0, 19) // the 20th
		if m == today.Month() {
			built = today
		}
		for _, p := range progs {
			b, ok, err := build(p, key, built)
			if err != nil {
				return err
			}
			if !ok || m == today.Month() {
				continue // this month's batch stays a draft
			}
			if err := settle(b, built); err != nil {
				return err
			}
			if reversed {
				continue
			}
			// The bank returns one payment of the first paid batch; it is
			// reversed and paid again in a supplementary batch.
			reversed = true
			lines, err := Lines(ctx, db, s, b.ID, false)
			if err != nil || len(lines) == 0 {
				return err
			}
			var pay Entry
			if err := EachEntry(ctx, db, s, LedgerFilter{BatchID: b.ID}, func(e Entry) error {
				if e.LineID == lines[0].ID {
					pay = e
				}
				return nil
			}); err != nil {
				return err
			}
			back := built.AddDate(0, 0, 7)
			c := as(demoPayer, back.Add(11*time.Hour))
			if err := db.InTx(c, func(tx *store.Tx) error {
				_, err := Reverse(c, tx, src, s, pay.ID, "银行退回：账户已销户，待更正账号后补发", back)
				return err
			}); err != nil {
				return err
			}
			again := back.AddDate(0, 0, 1)
			b2, ok, err := build(p, key, again)
			if err != nil {
				return err
			}
			if ok {
				if err := settle(b2, again); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// demoScope is the demo county (the one county in the area table), or
// everything when there is none.
func demoScope(ctx context.Context, db *store.DB) (area.Scope, error) {
	all, err := area.InScope(ctx, db, area.All())
	if err != nil {
		return area.All(), err
	}
	for _, a := range all {
		if a.Level == area.County {
			return area.ScopeOf(a.Code), nil
		}
	}
	return area.All(), nil
}
