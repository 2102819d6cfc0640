package registry

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// DemoIDArea is the area code the demo's ID numbers start with: the demo
// county, 阳光县.
const DemoIDArea = "341599"

// weighted picks items with integer weights.
type weighted[T any] struct {
	items []T
	cum   []int // running totals of the weights
}

func newWeighted[T any](items []T, weights []int) weighted[T] {
	w := weighted[T]{items: items, cum: make([]int, len(weights))}
	total := 0
	for i, x := range weights {
		total += x
		w.cum[i] = total
	}
	return w
}

func (w weighted[T]) pick(rng *rand.Rand) T {
	r := rng.IntN(w.cum[len(w.cum)-1])
	i, _ := slices.BinarySearch(w.cum, r+1)
	return w.items[i]
}

// Surnames weighted by their share of the population (per ten thousand,
// 2020 census, rounded).
var demoSurnames = newWeighted(
	[]string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗",
		"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
		"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈"},
	[]int{710, 700, 640, 530, 450, 310, 200, 200, 160, 160, 130, 120, 120, 110, 100, 100, 90, 90, 90, 80,
		80, 70, 60, 50, 50, 50, 50, 50, 50, 50, 50, 50, 40, 40, 40, 40, 40, 40, 40, 40,
		40, 40, 40, 40, 30, 30, 30, 30, 30, 30},
)

// Given names are one or two of these pieces; most older people in the
// countryside have names from such a common stock.
var (
	demoMalePieces   = []string{"伟", "强", "军", "勇", "杰", "涛", "明", "刚", "平", "辉", "建", "国", "华", "志", "文", "斌", "波", "林", "海", "峰", "德", "福", "生", "才", "宝", "成", "东", "兴", "良", "忠", "山", "龙", "永", "春"}
	demoFemalePieces = []string{"芳", "娟", "敏", "静", "丽", "艳", "霞", "秀", "英", "兰", "玲", "红", "梅", "燕", "娥", "萍", "桂", "凤", "琴", "珍", "云", "莲", "翠", "花", "娜", "婷", "洁", "慧", "琳", "玉", "春"}
)

// Age bands (years, inclusive) weighted so that about 60 % are over 60:
// the prevalence of disability rises steeply with age.
type ageBand struct{ lo, hi int }

var demoAges = newWeighted(
	[]ageBand{{1, 14}, {15, 29}, {30, 44}, {45, 59}, {60, 74}, {75, 89}, {90, 100}},
	[]int{4, 6, 10, 20, 33, 22, 5},
)

// Categories and grades roughly as nationally reported.
var (
	demoCategories = newWeighted(
		[]Category{Physical, Vision, Hearing, Speech, Intellectual, Mental, Multiple},
		[]int{48, 12, 10, 1, 7, 8, 14},
	)
	demoGrades = newWeighted(Grades, []int{12, 25, 28, 35})
)

// Demo shares of changes after registration, in per ten thousand: deaths,
// and re-assessments that changed the grade (变更).
const (
	demoDeceased     = 200
	demoReassessment = 500
	demoYears        = 10 // registrations spread over this many years before today
)

// Demo returns n realistic, valid persons for the demo and benchmarks,
// living in the villages given (other levels are skipped; some villages get
// several times as many people as others). The same rng seed gives the same
// persons, ids included. ID numbers are unique: each (birth date, sex) hands
// out its 500 sequence numbers in turn, moving to the day before when they
// run out. About 2 % are deceased and 5 % have been re-assessed since
// registration; these have version 2, and DemoHistory gives their history.
func Demo(rng *rand.Rand, villages []area.Area, n int, today time.Time) []Person {
	var codes []string
	var weights []int
	villageName := map[string]string{}
	for _, v := range villages {
		if v.Level == area.Village {
			codes = append(codes, v.Code)
			weights = append(weights, 1+rng.IntN(5))
			villageName[v.Code] = v.Name
		}
	}
	if len(codes) == 0 {
		panic("registry.Demo: no villages")
	}
	places := newWeighted(codes, weights)

	y, m, d := today.Date()
	todayDay := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	// next[2*day+sex-1] is how many sequence numbers that birth date and
	// sex have used; days count from 1900-01-01.
	epoch := int(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	next := make([]uint16, 2*(todayDay-epoch+1))

	out := make([]Person, n)
	for i := range out {
		p := &out[i]
		p.Sex = SexFemale
		if rng.IntN(100) < 52 {
			p.Sex = SexMale
		}
		pieces := demoFemalePieces
		if p.Sex == SexMale {
			pieces = demoMalePieces
		}
		if rng.IntN(100) < 35 {
			p.Name = demoSurnames.pick(rng) + pieces[rng.IntN(len(pieces))]
		} else {
			p.Name = demoSurnames.pick(rng) + pieces[rng.IntN(len(pieces))] + pieces[rng.IntN(len(pieces))]
		}

		band := demoAges.pick(rng)
		age := band.lo + rng.IntN(band.hi-band.lo+1)
		birthDay := todayDay - age*36524/100 - rng.IntN(365)
		for next[2*(birthDay-epoch)+p.Sex-1] == 500 {
			birthDay--
		}
		slot := &next[2*(birthDay-epoch)+p.Sex-1]
		seq := int(*slot)*2 + p.Sex%2 // odd for men, even for women
		*slot++
		birth := time.Unix(int64(birthDay)*86400, 0).UTC()
		p.BirthDate = birth.Format(time.DateOnly)
		p.IDNumber = MakeIDNumber(DemoIDArea, birth, seq, p.Sex)

		p.VillageCode = places.pick(rng)
		p.Category = demoCategories.pick(rng)
		p.Grade = demoGrades.pick(rng)
		if p.Category == Multiple {
			p.Components = demoComponents(rng, p.Grade)
		}
		p.CertificateNo = CertificateNumber(p.IDNumber, p.Category, p.Grade)
		p.NameInitials = NameInitials(p.Name)
		demoDetails(rng, p, age, birthDay, todayDay, villageName, places)

		// Registered on a working hour of a day since birth, within the
		// last demoYears years.
		first := max(birthDay+30, todayDay-demoYears*365)
		created := demoInstant(rng, min(first, todayDay-1), todayDay-1)
		p.ID = demoID(rng, created)
		p.CreatedAt = store.FormatTime(created)
		p.Status, p.UpdatedAt, p.Version = StatusActive, p.CreatedAt, 1
		r := rng.IntN(10000)
		if r >= demoDeceased+demoReassessment {
			continue
		}
		createdDay := int(created.Unix() / 86400)
		updated := demoInstant(rng, min(createdDay+1, todayDay-1), todayDay-1)
		if !updated.After(created) { // registered yesterday: changed later that day
			updated = created.Add(time.Duration(1+rng.IntN(3600)) * time.Second)
		}
		p.UpdatedAt = store.FormatTime(updated)
		p.Version = 2
		if r < demoDeceased {
			p.Status = StatusDeceased
			p.DeathDate = updated.Format(time.DateOnly)
		} else {
			// The re-assessment issued a new card.
			p.CertificateIssuedOn = updated.Format(time.DateOnly)
			p.CertificateExpiresOn = certificateExpiry(p.CertificateIssuedOn)
		}
	}
	return out
}

// demoInstant is a moment between 08:30 and 17:30 Beijing time on a day
// from firstDay to lastDay (days since 1970-01-01).
func demoInstant(rng *rand.Rand, firstDay, lastDay int) time.Time {
	day := firstDay + rng.IntN(lastDay-firstDay+1)
	ms := int64(day)*86_400_000 + int64(30*60+rng.IntN(9*3600))*1000 + int64(rng.IntN(1000))
	return time.UnixMilli(ms).UTC()
}

// demoID is a UUIDv7 for instant t whose random bits come from rng, so the
// demo is the same on every run and its ids sort by registration time like
// those of store.NewID.
func demoID(rng *rand.Rand, t time.Time) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], uint64(t.UnixMilli())<<16|0x7000|rng.Uint64()&0x0fff)
	binary.BigEndian.PutUint64(u[8:], rng.Uint64()&^(3<<62)|1<<63) // variant 10
	return u.String()
}

// DemoHistory returns the history of the demo persons that changed after
// registration (version 2): their registration with the earlier state and
// the change to the present one, a death or a new grade. Load it with
// BulkInsertHistory after the persons.
func DemoHistory(rng *rand.Rand, persons []Person) []HistoryEntry {
	var out []HistoryEntry
	for _, p := range persons {
		if p.Version != 2 {
			continue
		}
		earlier := p
		earlier.Version, earlier.UpdatedAt = 1, p.CreatedAt
		change := ChangeRegrade
		note := HistoryEntry{Reason: "重新评定", EffectiveDate: p.UpdatedAt[:10]}
		if p.Status == StatusDeceased {
			earlier.Status, earlier.DeathDate = StatusActive, ""
			change, note = ChangeDied, HistoryEntry{EffectiveDate: p.DeathDate, Source: demoDeathSources[int(p.ID[len(p.ID)-1])%len(demoDeathSources)]}
		} else {
			// Mostly a condition that worsened; a grade 4 had been a 3.
			earlier.Grade = p.Grade + 1
			if p.Grade == Grade4 {
				earlier.Grade = Grade3
			}
			earlier.CertificateNo = CertificateNumber(p.IDNumber, p.Category, earlier.Grade)
			earlier.Components = slices.Clone(p.Components)
			for i := range earlier.Components {
				if earlier.Components[i].Grade == p.Grade {
					earlier.Components[i].Grade = earlier.Grade
				}
			}
			earlier.CertificateIssuedOn = p.CreatedAt[:10]
			earlier.CertificateExpiresOn = certificateExpiry(earlier.CertificateIssuedOn)
		}
		before, _ := json.Marshal(earlier) // a Person always marshals
		after, _ := json.Marshal(p)
		created, _ := store.ParseTime(p.CreatedAt)
		updated, _ := store.ParseTime(p.UpdatedAt)
		out = append(out,
			HistoryEntry{ID: demoID(rng, created), PersonID: p.ID, Seq: 1, At: p.CreatedAt, Actor: audit.System.Name,
				Change: ChangeCreate, After: string(before)},
			HistoryEntry{ID: demoID(rng, updated), PersonID: p.ID, Seq: 2, At: p.UpdatedAt, Actor: audit.System.Name,
				Change: change, Before: string(before), After: string(after), Reason: note.Reason, EffectiveDate: note.EffectiveDate, Source: note.Source})
	}
	return out
}

// demoDeathSources are who reports a death.
var demoDeathSources = []string{"公安", "民政", "家属", "村（社区）"}

// demoComponents are two (sometimes three) categories of a 多重
// disability, the most severe of grade g.
func demoComponents(rng *rand.Rand, g Grade) []Component {
	n := 2
	if rng.IntN(5) == 0 {
		n = 3
	}
	var cs []Component
	used := 0
	for len(cs) < n {
		c := Category(1 + rng.IntN(6))
		if used&(1<<c) != 0 {
			continue
		}
		used |= 1 << c
		cg := g
		if len(cs) > 0 {
			cg = g + Grade(rng.IntN(int(Grade4-g)+1))
		}
		cs = append(cs, Component{Category: c, Grade: cg})
	}
	slices.SortFunc(cs, func(a, b Component) int { return int(a.Category) - int(b.Category) })
	return cs
}

// Demo circumstances, weighted roughly as the national sample survey
// reports them for disabled persons.
var (
	demoEducations = newWeighted(Educations, []int{25, 35, 22, 8, 4, 3, 2, 1})
	demoEmployment = newWeighted([]string{"quota", "centralised", "self_employed", "public_welfare", "auxiliary", "rural", "flexible", "unemployed"},
		[]int{4, 3, 6, 3, 2, 30, 12, 40})
	demoMarital    = newWeighted(Maritals, []int{20, 62, 5, 13})
	demoMobile     = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "166", "177", "180", "181", "186", "187", "188", "189", "199"}
	demoRelations  = []string{"配偶", "儿子", "女儿", "兄弟", "姐妹"}
	demoGuardianOf = []string{"父亲", "母亲", "祖父", "祖母"}
)

// demoPhone is a mobile number of plausible prefix.
func demoPhone(rng *rand.Rand) string {
	b := make([]byte, 0, 11)
	b = append(b, demoMobile[rng.IntN(len(demoMobile))]...)
	for range 8 {
		b = append(b, byte('0'+rng.IntN(10)))
	}
	return string(b)
}

// demoAddress is a household address in a village: its 组 and house
// number.
func demoAddress(rng *rand.Rand, village string) string {
	b := make([]byte, 0, len(village)+16)
	b = append(b, village...)
	b = strconv.AppendInt(b, int64(1+rng.IntN(12)), 10)
	b = append(b, "组"...)
	b = strconv.AppendInt(b, int64(1+rng.IntN(90)), 10)
	b = append(b, "号"...)
	return string(b)
}

// demoDetails fills in a demo person's circumstances: addresses, phones,
// a guardian for minors and for intellectual and mental disability,
// household status (about 15 % 低保), education, employment, marriage,
// insurance and a certificate issued in the last 11 years (so some have
// expired and more expire soon).
func demoDetails(rng *rand.Rand, p *Person, age, birthDay, todayDay int, villageName map[string]string, places weighted[string]) {
	p.HouseholdAddress = demoAddress(rng, villageName[p.VillageCode])
	if rng.IntN(10) == 0 {
		if v := places.pick(rng); v != p.VillageCode {
			p.ResidenceVillageCode = v
			p.ResidenceAddress = demoAddress(rng, villageName[v])
		}
	}
	if age >= 14 && rng.IntN(100) < 85 {
		p.Phone = demoPhone(rng)
	}
	minor := age < 18
	if minor || p.Category == Intellectual || p.Category == Mental || rng.IntN(100) < 10 {
		p.GuardianName = demoSurnames.pick(rng) + demoMalePieces[rng.IntN(len(demoMalePieces))] + demoFemalePieces[rng.IntN(len(demoFemalePieces))]
		if minor {
			p.GuardianRelation = demoGuardianOf[rng.IntN(len(demoGuardianOf))]
		} else {
			p.GuardianRelation = demoRelations[rng.IntN(len(demoRelations))]
		}
		p.GuardianPhone = demoPhone(rng)
	}
	p.Dibao = rng.IntN(100) < 15
	p.Tekun = rng.IntN(100) < 3
	p.PovertyRegistered = rng.IntN(100) < 8
	switch {
	case age < 6:
	case age < 12:
		p.Education = "primary"
	default:
		p.Education = demoEducations.pick(rng)
	}
	if age < 16 || age >= 60 {
		p.Employment = "not_working_age"
	} else {
		p.Employment = demoEmployment.pick(rng)
	}
	if age >= 20 {
		p.Marital = demoMarital.pick(rng)
	} else if age >= 16 {
		p.Marital = "unmarried"
	}
	p.MedicalInsurance = rng.IntN(100) < 96
	p.PensionInsurance = age >= 16 && rng.IntN(100) < 75
	first := max(birthDay+30, todayDay-11*365)
	issued := first + rng.IntN(todayDay-first+1)
	p.CertificateIssuedOn = time.Unix(int64(issued)*86400, 0).UTC().Format(time.DateOnly)
	p.CertificateExpiresOn = certificateExpiry(p.CertificateIssuedOn)
}
