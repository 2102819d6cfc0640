package renovate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoCounty is the demo county's code.
const DemoCounty = "341599000000"

// Demo numbers of the year (the report's: target 92; about 57 done).
const (
	demoCompleted    = 57
	demoConstruction = 12
	demoPreparation  = 16
	demoRequested    = 7
	demoCancelled    = 4
)

// demoPhotos draws three small pictures standing in for photos of homes:
// the steps before, a ramp, a handrail.
func demoPhotos() [][]byte {
	draw := func(fn func(x, y int) bool, fg color.RGBA) []byte {
		img := image.NewRGBA(image.Rect(0, 0, 160, 120))
		for y := 0; y < 120; y++ {
			for x := 0; x < 160; x++ {
				c := color.RGBA{0xe8, 0xe4, 0xdc, 0xff}
				if fn(x, y) {
					c = fg
				}
				img.SetRGBA(x, y, c)
			}
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img)
		return b.Bytes()
	}
	return [][]byte{
		draw(func(x, y int) bool { return y > 60+(x/40)*15 }, color.RGBA{0x80, 0x80, 0x80, 0xff}),                       // steps
		draw(func(x, y int) bool { return y > 110-x*50/160 }, color.RGBA{0x9c, 0x6b, 0x3c, 0xff}),                       // ramp
		draw(func(x, y int) bool { return y > 40 && y < 46 || x%40 < 4 && y > 40 }, color.RGBA{0x33, 0x55, 0x99, 0xff}), // handrail
	}
}

// Demo creates a year of renovation work in the demo county ending on
// today: the year's target (92 households, 90 % coverage, a budget), about
// 96 households from the registry in every stage — 57 completed (most of
// them paid), others under construction, in design or preparation, just
// requested, and a few cancelled — each with its survey, plan, timeline
// and a few generated photos in fs. The registry is only read. The same
// rng and today give the same rows.
func Demo(ctx context.Context, db *store.DB, fs *files.Store, rng *rand.Rand, today time.Time) error {
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	year := today.Year()
	s := area.ScopeOf(DemoCounty)
	var cands []registry.Person
	if err := registry.SearchEach(ctx, db, s, registry.Filter{Today: today, Sort: registry.SortRegistered}, func(p registry.Person) error {
		// Physical, visual and multiple disabilities need most of the work.
		if p.Category == registry.Physical || p.Category == registry.Vision || p.Category == registry.Multiple || p.Category == registry.Hearing {
			cands = append(cands, p)
		}
		return nil
	}); err != nil {
		return err
	}
	rng.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	var hashes []demoFile
	for _, img := range demoPhotos() {
		h, _, n, err := fs.Put(bytes.NewReader(img), 1<<20, files.Images)
		if err != nil {
			return fmt.Errorf("演示照片: %w", err)
		}
		hashes = append(hashes, demoFile{h, n})
	}
	start := time.Date(year, 1, 6, 0, 0, 0, 0, time.UTC)
	clk := &store.DemoClock{Rng: rng, At: start.Add(9 * time.Hour)}
	ctx = store.WithClock(ctx, clk)
	actor := func(id, name string) context.Context {
		return audit.WithActor(ctx, audit.Actor{ID: id, Name: name, Kind: "system"})
	}
	town, planner, head, finance := actor("demo.town", "乡镇专职委员"), actor("demo.rehab", "冯丽"), actor("demo.rehab.head", "康复科科长"), actor("demo.finance", "卫芳")
	return db.InTx(ctx, func(tx *store.Tx) error {
		if err := SaveYear(planner, tx, YearPlan{Year: year, BudgetFen: 50_000_000, Target: DefaultTarget, CoverageGoalPermille: DefaultCoverageGoal}); err != nil {
			return err
		}
		plan := []struct {
			n  int
			to Status
		}{{demoCompleted, Paid}, {demoConstruction, Construction}, {demoPreparation, Approved}, {demoRequested, Requested}, {demoCancelled, Cancelled}}
		span := int(today.Sub(start).Hours() / 24)
		if span < 1 {
			span = 1
		}
		i := 0
		for _, grp := range plan {
			for k := 0; k < grp.n && i < len(cands); k++ {
				p := cands[i]
				i++
				to := grp.to
				if to == Paid && k >= 45 {
					to = Accepted // the last dozen are waiting for payment
				}
				if to == Approved {
					to = []Status{Surveyed, Planned, Approved}[k%3]
				}
				// Completed work entered early in the year, later stages later.
				frac := map[Status]float64{Paid: 0.0, Accepted: 0.3, Construction: 0.55, Surveyed: 0.7, Planned: 0.7, Approved: 0.65, Requested: 0.9, Cancelled: 0.2}[to]
				entry := start.AddDate(0, 0, int(frac*float64(span))+rng.IntN(max(1, span/5)))
				if err := demoHousehold(tx, rng, clk, p, year, entry, today, to, hashes, town, planner, head, finance); err != nil {
					return fmt.Errorf("演示无障碍改造 %s: %w", p.Name, err)
				}
			}
		}
		return audit.Record(planner, tx, audit.Entry{Action: "renovation.demo", ObjectType: "renovations", ObjectID: DemoCounty,
			Detail: fmt.Sprintf("演示数据：%d 户无障碍改造", i)})
	})
}

type demoFile struct {
	hash string
	size int64
}

var (
	demoSources = []string{SourceSurvey, SourceSurvey, SourceTownship, SourceApplication}
	demoReasons = []string{"家庭放弃改造", "已搬至子女家居住", "房屋列入拆迁范围", "家庭自行完成改造"}
	demoBuilder = []string{"县城建安装有限公司", "阳光建筑劳务有限公司", "惠民装饰工程队"}
	demoFamily  = []string{"配偶", "儿子", "女儿", "本人", "母亲"}
)

// demoHousehold walks one household to stage to through the workflow,
// each step on its own simulated day.
func demoHousehold(tx *store.Tx, rng *rand.Rand, clk *store.DemoClock, p registry.Person, year int, day, today time.Time, to Status, hashes []demoFile,
	town, planner, head, finance context.Context) error {
	step := func(lo, hi int) time.Time {
		day = day.AddDate(0, 0, lo+rng.IntN(hi-lo+1))
		if day.After(today) {
			day = today
		}
		clk.At = day.Add(9*time.Hour + time.Duration(rng.IntN(8*3600))*time.Second)
		return day
	}
	if day.After(today) {
		day = today
	}
	clk.At = day.Add(9 * time.Hour)
	r, err := Add(town, tx, area.All(), NewRenovation{PersonID: p.ID, Year: year, Source: demoSources[rng.IntN(len(demoSources))]}, day)
	if err != nil {
		return err
	}
	s := area.All()
	photo := func(ctx context.Context, stage string, h int) error {
		_, err := AttachFile(ctx, tx, s, r.ID, stage, hashes[h].hash, files.PNG, hashes[h].size, map[string]string{StageSurvey: "入户现状", StageConstruction: "施工中", StageAcceptance: "改造完成"}[stage])
		return err
	}
	if to == Cancelled {
		if rng.IntN(2) == 0 {
			if err := demoSurvey(tx, rng, r.ID, step(3, 15), town); err != nil {
				return err
			}
		}
		return Cancel(planner, tx, s, r.ID, demoReasons[rng.IntN(len(demoReasons))], step(3, 20))
	}
	if to == Requested {
		return nil
	}
	if err := demoSurvey(tx, rng, r.ID, step(3, 15), town); err != nil {
		return err
	}
	if err := photo(town, StageSurvey, 0); err != nil {
		return err
	}
	if to == Surveyed {
		return nil
	}
	d := step(3, 10)
	in := demoPlan(rng, p)
	in.AgreedOn = d.Format(time.DateOnly)
	if _, err := Plan(planner, tx, s, r.ID, in, d); err != nil {
		return err
	}
	if to == Planned {
		return nil
	}
	if err := Review(head, tx, s, r.ID, ActApprove, "同意", step(1, 7)); err != nil {
		return err
	}
	if to == Approved {
		return nil
	}
	d = step(5, 20)
	if err := Start(planner, tx, s, r.ID, demoBuilder[rng.IntN(len(demoBuilder))], d.Format(time.DateOnly), d); err != nil {
		return err
	}
	if err := photo(town, StageConstruction, 1); err != nil {
		return err
	}
	if to == Construction {
		return nil
	}
	d = step(7, 25)
	if err := photo(town, StageAcceptance, 1+rng.IntN(2)); err != nil {
		return err
	}
	if err := Accept(head, tx, s, r.ID, Acceptance{Day: d.Format(time.DateOnly), SignedBy: string([]rune(p.Name)[:1]) + "某（" + demoFamily[rng.IntN(len(demoFamily))] + "）", Notes: "施工符合方案，验收合格"}, d); err != nil {
		return err
	}
	if to == Accepted {
		return nil
	}
	d = step(5, 20)
	cur, err := Get(finance, tx, s, r.ID)
	if err != nil {
		return err
	}
	return Pay(finance, tx, s, r.ID, d.Format(time.DateOnly), cur.TotalFen, d)
}

func demoSurvey(tx *store.Tx, rng *rand.Rand, id string, day time.Time, ctx context.Context) error {
	v := Visit{Day: day.Format(time.DateOnly), Rooms: 2 + rng.IntN(4), Steps: rng.IntN(5), Entrance: Entrances[rng.IntN(len(Entrances))],
		Toilet: Toilets[rng.IntN(len(Toilets))], Kitchen: Kitchens[rng.IntN(len(Kitchens))], Doors: DoorKinds[rng.IntN(len(DoorKinds))], Notes: "入户勘查，家人在场"}
	return Survey(ctx, tx, area.All(), id, v, day)
}

func demoPlan(rng *rand.Rand, p registry.Person) PlanInput {
	var lines []PlanLine
	add := func(code string, prob, lo, hi int) {
		if rng.IntN(100) < prob {
			lines = append(lines, PlanLine{Code: code, Quantity: lo + rng.IntN(hi-lo+1)})
		}
	}
	add("ramp", 70, 1, 1)
	add("sit_toilet", 60, 1, 1)
	add("handrail_indoor", 60, 3, 10)
	add("handrail_outdoor", 30, 2, 8)
	add("low_stove", 25, 1, 1)
	add("door_widening", 25, 1, 2)
	add("threshold_removal", 50, 1, 4)
	add("bath_seat", 40, 1, 1)
	if p.Category == registry.Hearing {
		add("flashing_doorbell", 100, 1, 1)
	}
	if len(lines) == 0 {
		lines = []PlanLine{{Code: "handrail_indoor", Quantity: 4}}
	}
	return PlanInput{Lines: lines, AgreedBy: p.Name}
}
