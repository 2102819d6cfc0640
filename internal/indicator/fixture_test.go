package indicator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/levy"
	"github.com/yangguang-cdpf/yangguang/internal/programme"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The fixture county (小县): two townships (and an empty one), five
// villages and twelve registered persons, two of whom left, with a handful
// of records of every area that has indicators. Every record is chosen by hand so that the expected value of
// each indicator can be written down from this file alone
// (fixture_values_test.go): records sit on both sides of 2026-01-01, on
// 2026-06-30 and on 2026-07-01, and in both townships, so a wrong date or
// region filter changes a number.
//
// Written through the areas' exported write functions where they take the
// day as an argument (registry persons and their events, employment
// records, posts, places, workers, projects, wishes, campaigns, courses,
// levy employers). Plain INSERTs where the write path is a whole workflow
// stamped with the clock or several actors: certification applications
// and sessions (the state machine, assessments stamped now), programme
// cases, claims and services (file → check → review → approve by two
// people), the payment ledger (batches paid by the bank), device loans,
// survey rounds, tasks and needs (the questionnaire), renovations (survey
// → plan → approval → works → acceptance), levy declarations (verified
// at the clock's instant) — and the instants of the registry's history,
// which Create stamps with the clock.

const (
	fxCounty = "341599000000"
	fxTownA  = "341599001000" // 城关镇: villages A1, A2, A3
	fxTownB  = "341599002000" // 河口镇: villages B1, B2
	fxA1     = "341599001001"
	fxA2     = "341599001002"
	fxA3     = "341599001003"
	fxB1     = "341599002001"
	fxB2     = "341599002002"
)

const fixtureCSV = `code,name,level,parent_code
341599000000,小县,county,
341599001000,城关镇,township,341599000000
341599001001,东村,village,341599001000
341599001002,西村,village,341599001000
341599001003,南村,village,341599001000
341599002000,河口镇,township,341599000000
341599002001,上村,village,341599002000
341599002002,下村,village,341599002000
341599003000,空镇,township,341599000000
341599003001,空村,village,341599003000
`

// fxToday is the day given to the write functions: the end of 2026, so
// every dated record of the year is in its past.
var fxToday = time.Date(2026, 12, 31, 12, 0, 0, 0, time.Local)

// local is a stored instant at the county's local time (the periods'
// instant bounds are local midnights).
func local(day string, hour, minute int) string {
	d, err := time.ParseInLocation(time.DateOnly, day, time.Local)
	if err != nil {
		panic(err)
	}
	return store.FormatTime(d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute))
}

// fixture is the built county: the database and the ids of its records by
// the names used in this file.
type fixture struct {
	db  *store.DB
	ids map[string]string
}

func (f *fixture) id(t *testing.T, name string) string {
	t.Helper()
	id, ok := f.ids[name]
	if !ok {
		t.Fatalf("fixture has no record %q", name)
	}
	return id
}

var fxCtx = audit.WithActor(context.Background(), audit.Actor{ID: "fixture", Name: "fixture", Kind: "system"})

func (f *fixture) tx(t *testing.T, what string, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := f.db.InTx(fxCtx, fn); err != nil {
		t.Fatalf("fixture %s: %v", what, err)
	}
}

func (f *fixture) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := f.db.ExecContext(fxCtx, query, args...); err != nil {
		t.Fatalf("fixture %s: %v", query, err)
	}
}

// insert writes one row of table with the given columns; every other
// column gets its type's zero (” , 0, false), as the areas write a field
// not yet reached. A column the table does not have fails the test.
func (f *fixture) insert(t *testing.T, table string, vals map[string]any) {
	t.Helper()
	rows, err := f.db.QueryContext(fxCtx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	types, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var cols, marks []string
	var args []any
	for _, ct := range types {
		name := strings.ToLower(ct.Name())
		seen[name] = true
		v, ok := vals[name]
		if !ok {
			switch tn := strings.ToUpper(ct.DatabaseTypeName()); {
			case strings.Contains(tn, "INT"):
				v = 0
			case strings.Contains(tn, "BOOL"):
				v = false
			default:
				v = ""
			}
		}
		cols = append(cols, name)
		args = append(args, v)
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	for k := range vals {
		if !seen[k] {
			t.Fatalf("fixture: %s has no column %s", table, k)
		}
	}
	if _, err := f.db.ExecContext(fxCtx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
		t.Fatalf("fixture insert into %s %v: %v", table, vals, err)
	}
}

// fixtureCounty builds the fixture county in a fresh database.
func fixtureCounty(t *testing.T) *fixture {
	t.Helper()
	db := storetest.Open(t)
	if err := db.Migrate(fxCtx, app.Migrations()); err != nil {
		t.Fatal(err)
	}
	if _, err := area.Import(fxCtx, db, strings.NewReader(fixtureCSV)); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, ids: map[string]string{}}
	f.persons(t)
	f.certification(t)
	f.programmes(t)
	f.devices(t)
	f.survey(t)
	f.renovations(t)
	f.rights(t)
	f.activities(t)
	f.employment(t)
	f.levy(t)
	return f
}

// fxPerson is one registered person of the fixture.
type fxPerson struct {
	key, name, village, birth string
	cat                       registry.Category
	grade                     registry.Grade
	dibao, poverty            bool
	comps                     []registry.Component
	// history: the instants of the person's history entries in order
	// (creation first), written over the clock's.
	history []string
}

// The register. Active: P1–P8, P11, P12 (A: P1–P5 and P12, who moved in
// from B; B: P6–P8 and P11, who moved out of A); P9 died, P10 moved out
// of the county. Categories (active): 视力 P1; 听力 P2, P12; 言语 P7; 肢体
// P3, P6, P11; 智力 P5; 精神 P4; 多重 P8. Grades (active): 一级 P1, P5
// (re-graded from 二级 on 2026-07-01), P8; 二级 P2; 三级 P3, P6, P7, P12;
// 四级 P4, P11.
var fxPersons = []fxPerson{
	// Created just before the year: not updated in 2026.
	{key: "P1", name: "赵小明", village: fxA1, birth: "2012-03-01", cat: registry.Vision, grade: registry.Grade1, dibao: true,
		history: []string{local("2025-12-31", 23, 0)}},
	// Created long ago, updated on the half-year's last evening.
	{key: "P2", name: "钱二", village: fxA1, birth: "1980-04-02", cat: registry.Hearing, grade: registry.Grade2,
		history: []string{local("2025-06-01", 9, 0), local("2026-06-30", 23, 30)}},
	// Created in the first minutes of the second half.
	{key: "P3", name: "孙三", village: fxA2, birth: "1975-05-03", cat: registry.Physical, grade: registry.Grade3,
		history: []string{local("2026-07-01", 0, 30)}},
	{key: "P4", name: "李四", village: fxA2, birth: "1970-06-04", cat: registry.Mental, grade: registry.Grade4, dibao: true,
		history: []string{local("2026-02-10", 10, 0)}},
	// Re-graded in the first minutes of the second half.
	{key: "P5", name: "周五", village: fxA3, birth: "2000-07-05", cat: registry.Intellectual, grade: registry.Grade2,
		history: []string{local("2024-01-01", 10, 0), local("2026-07-01", 0, 10)}},
	{key: "P6", name: "吴六", village: fxB1, birth: "1990-08-06", cat: registry.Physical, grade: registry.Grade3,
		history: []string{local("2026-03-01", 10, 0)}},
	{key: "P7", name: "郑七", village: fxB1, birth: "2008-05-01", cat: registry.Speech, grade: registry.Grade3, poverty: true,
		history: []string{local("2025-05-05", 10, 0)}},
	{key: "P8", name: "王八", village: fxB2, birth: "1965-09-08", cat: registry.Multiple, grade: registry.Grade1,
		comps:   []registry.Component{{Category: registry.Vision, Grade: registry.Grade1}, {Category: registry.Hearing, Grade: registry.Grade2}},
		history: []string{local("2026-09-09", 10, 0)}},
	// Died in the first half: its 2026 history does not count (not active).
	{key: "P9", name: "冯九", village: fxB2, birth: "2004-10-09", cat: registry.Physical, grade: registry.Grade2, dibao: true,
		history: []string{local("2026-01-15", 10, 0), local("2026-03-10", 10, 0)}},
	// Moved out on 2026-07-01.
	{key: "P10", name: "陈十", village: fxA3, birth: "1960-11-10", cat: registry.Hearing, grade: registry.Grade3,
		history: []string{local("2025-01-01", 10, 0), local("2026-07-01", 10, 0)}},
	// Moved from A3 to B2 on 2026-05-05.
	{key: "P11", name: "褚十一", village: fxA3, birth: "1985-01-11", cat: registry.Physical, grade: registry.Grade4,
		history: []string{local("2024-01-01", 10, 0), local("2026-05-05", 10, 0)}},
	// Moved from B1 to A1 on 2026-06-30.
	{key: "P12", name: "卫十二", village: fxB1, birth: "2006-02-12", cat: registry.Hearing, grade: registry.Grade3, poverty: true,
		history: []string{local("2024-01-01", 10, 0), local("2026-06-30", 12, 0)}},
}

func (f *fixture) persons(t *testing.T) {
	county := area.ScopeOf(fxCounty)
	f.tx(t, "registry", func(tx *store.Tx) error {
		for i, fp := range fxPersons {
			birth, _ := time.Parse(time.DateOnly, fp.birth)
			n := registry.NewPerson{
				IDNumber: registry.MakeIDNumber("341599", birth, 100+i, registry.SexMale), Name: fp.name, VillageCode: fp.village,
				Category: fp.cat, Grade: fp.grade, Components: fp.comps, Dibao: fp.dibao, PovertyRegistered: fp.poverty,
			}
			p, err := registry.Create(fxCtx, tx, county, n, fxToday)
			if err != nil {
				return fmt.Errorf("%s: %w", fp.key, err)
			}
			f.ids[fp.key] = p.ID
			switch fp.key {
			case "P2":
				n.Phone = "13800000002"
				if _, err := registry.Update(fxCtx, tx, county, p.ID, registry.UpdatePerson{NewPerson: n, Reason: "电话变更"}); err != nil {
					return fmt.Errorf("%s: %w", fp.key, err)
				}
			case "P5":
				if _, err := registry.Regrade(fxCtx, tx, county, p.ID, registry.Event{EffectiveDate: "2026-07-01", Reason: "复评",
					Category: registry.Intellectual, Grade: registry.Grade1}, fxToday); err != nil {
					return fmt.Errorf("%s: %w", fp.key, err)
				}
			case "P11", "P12":
				to := map[string][2]string{"P11": {fxB2, "2026-05-05"}, "P12": {fxA1, "2026-06-30"}}[fp.key]
				if _, err := registry.Move(fxCtx, tx, county, p.ID, registry.Event{EffectiveDate: to[1], Reason: "户口迁移",
					VillageCode: to[0]}, fxToday); err != nil {
					return fmt.Errorf("%s: %w", fp.key, err)
				}
			case "P9":
				if _, err := registry.Died(fxCtx, tx, county, p.ID, registry.Event{EffectiveDate: "2026-03-10", Source: "公安"}, fxToday); err != nil {
					return fmt.Errorf("%s: %w", fp.key, err)
				}
			case "P10":
				if _, err := registry.MovedOut(fxCtx, tx, county, p.ID, registry.Event{EffectiveDate: "2026-07-01", Source: "外县"}, fxToday); err != nil {
					return fmt.Errorf("%s: %w", fp.key, err)
				}
			}
		}
		return nil
	})
	// The history's instants are the clock's: set them to the fixture's.
	for _, fp := range fxPersons {
		var n int
		if err := f.db.QueryRowContext(fxCtx, `SELECT COUNT(*) FROM person_history WHERE person_id = $1`, f.ids[fp.key]).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(fp.history) {
			t.Fatalf("fixture %s: %d history entries, %d instants", fp.key, n, len(fp.history))
		}
		for i, at := range fp.history {
			f.exec(t, `UPDATE person_history SET at = $1 WHERE person_id = $2 AND seq = $3`, at, f.ids[fp.key], i+1)
		}
	}
}

// certification: sessions S1–S5 and applications C1–C7 (plain INSERTs:
// the workflow stamps assessments with the clock).
//
//	S1 2025-12-30 held · S2 2026-01-15 held · S3 2026-06-30 held ·
//	S4 2026-07-01 held · S5 2026-03-03 cancelled
//
//	C1 new, A1, online, filed 2025-12-20, S1, issued 2026-01-05, completed 2026-01-05, 2 visits
//	C2 new, A2, counter, filed 2026-01-10, S2, issued 2026-06-30, delivered 2026-06-30, 1 visit
//	C3 renew, B1, online, filed 2026-06-30, S3, issued 2026-07-01, delivered 2026-07-01, 1 visit
//	C4 new, A3, township, filed 2026-06-01, at home, assessed 2026-06-30 23:30, approved (open)
//	C5 reassess, B2, online, filed 2026-07-01, at home, assessed 2026-07-01 00:30, issued 2026-08-01, delivered 2026-08-01, no visit
//	C6 new, B1, counter, filed 2026-01-02, S2, refused and closed 2026-03-01, 3 visits
//	C7 new, A1, online, filed 2026-04-04, submitted (open)
//	C8 new, A2, counter, filed 2026-05-01, booked into S3 but not assessed (did not come)
//	C9 new, A1, counter, filed 2026-05-02, home visit planned 2026-05-05, not assessed
func (f *fixture) certification(t *testing.T) {
	sessions := []struct{ key, day, status string }{
		{"S1", "2025-12-30", "held"}, {"S2", "2026-01-15", "held"}, {"S3", "2026-06-30", "held"},
		{"S4", "2026-07-01", "held"}, {"S5", "2026-03-03", "cancelled"},
	}
	for _, s := range sessions {
		id := store.NewID()
		f.ids[s.key] = id
		f.insert(t, "cert_sessions", map[string]any{"id": id, "day": s.day, "place": "评残点" + s.key, "category": 4, "capacity": 20,
			"status": s.status, "created_at": local("2025-12-01", 9, 0), "updated_at": local("2025-12-01", 9, 0)})
	}
	apps := []struct {
		key, typ, village, channel, filed, session, assessDay, assessedAt, issued, status, closed string
		home                                                                                      bool
		visits                                                                                    []string
	}{
		{"C1", "new", fxA1, "online", "2025-12-20", "S1", "2025-12-30", local("2025-12-30", 10, 0), "2026-01-05", "completed", "2026-01-05", false,
			[]string{"2025-12-20", "2025-12-30"}},
		{"C2", "new", fxA2, "counter", "2026-01-10", "S2", "2026-01-15", local("2026-01-15", 10, 0), "2026-06-30", "delivered", "2026-06-30", false,
			[]string{"2026-01-15"}},
		{"C3", "renew", fxB1, "online", "2026-06-30", "S3", "2026-06-30", local("2026-06-30", 10, 0), "2026-07-01", "delivered", "2026-07-01", false,
			[]string{"2026-06-30"}},
		{"C4", "new", fxA3, "township", "2026-06-01", "", "2026-06-30", local("2026-06-30", 23, 30), "", "approved", "", true, nil},
		{"C5", "reassess", fxB2, "online", "2026-07-01", "", "2026-07-01", local("2026-07-01", 0, 30), "2026-08-01", "delivered", "2026-08-01", true, nil},
		{"C6", "new", fxB1, "counter", "2026-01-02", "S2", "2026-01-15", local("2026-01-15", 11, 0), "", "closed", "2026-03-01", false,
			[]string{"2026-01-02", "2026-01-15", "2026-03-01"}},
		{"C7", "new", fxA1, "online", "2026-04-04", "", "", "", "", "submitted", "", false, nil},
		{"C8", "new", fxA2, "counter", "2026-05-01", "S3", "2026-06-30", "", "", "scheduled", "", false, nil},
		{"C9", "new", fxA1, "counter", "2026-05-02", "", "2026-05-05", "", "", "scheduled", "", true, nil},
	}
	for i, a := range apps {
		id := store.NewID()
		f.ids[a.key] = id
		session := ""
		if a.session != "" {
			session = f.ids[a.session]
		}
		f.insert(t, "cert_applications", map[string]any{"id": id, "code": fmt.Sprintf("PC2026%04d", i+1), "type": a.typ, "status": a.status,
			"channel": a.channel, "id_number": fmt.Sprintf("34159919800101%04d", i), "name": "申请人" + a.key, "village_code": a.village,
			"category": 4, "home": a.home, "session_id": session, "assess_day": a.assessDay, "assessed_at": a.assessedAt,
			"issued_on": a.issued, "filed_on": a.filed, "closed_on": a.closed, "created_at": local(a.filed, 9, 0), "updated_at": local(a.filed, 9, 0),
			"version": 1})
		for _, d := range a.visits {
			f.insert(t, "cert_visits", map[string]any{"application_id": id, "day": d, "reason": "fixture"})
		}
	}
}

// fxCase is a programme case; INSERTed (see the file comment).
type fxCase struct {
	key, programme, person, status, filed, decided, periodFrom, periodTo string
	amount                                                               int64
}

// programmes: cases of the shipped programmes (period 2026 unless said),
// claims, services, tags and the cochlear ledger.
//
//	child_rescue: K1 P1 approved, decided 2025-12-31, period 2025 · K2 P1 delivered, decided 2026-06-30, ¥20,000 ·
//	              K3 P7 approved, decided 2026-07-01, ¥30,000 · K4 P5 refused · K5 P2 applied (undecided)
//	              claims on K2: ¥100 receipt 2026-06-30 approved, ¥200 2026-07-01 paid, ¥400 2026-03-03 rejected
//	drug_subsidy: K6 P4 approved, decided 2026-01-20 (claims: not an indicator's amount)
//	devices:      K7 P6 delivered, decided 2026-02-10 · K8 P3 approved, decided 2026-07-03
//	education:    K9 P1 approved, decided 2026-03-10 · K10 P7 refused ·
//	              K17 P12 approved, decided 2026-03-10, filed in B1 before he moved to A1 ·
//	              K18 P9 decided 2026-01-20, suspended when he died
//	home_rehab:   K11 P2 delivered, decided 2026-01-02 · K12 P8 approved, decided 2026-07-01 · K13 P6 suspended, decided 2026-01-05
//	sunshine_home: K14 P5 approved, decided 2025-11-20, period 2025-01-01–2026-06-30 · K15 P4 withdrawn · K16 P8 closed, decided 2026-07-01
func (f *fixture) programmes(t *testing.T) {
	y25, y26 := [2]string{"2025-01-01", "2025-12-31"}, [2]string{"2026-01-01", "2026-12-31"}
	cases := []fxCase{
		{"K1", programme.CodeChildRescue, "P1", "approved", "2025-12-01", "2025-12-31", y25[0], y25[1], 2000000},
		{"K2", programme.CodeChildRescue, "P1", "delivered", "2026-01-05", "2026-06-30", y26[0], y26[1], 2000000},
		{"K3", programme.CodeChildRescue, "P7", "approved", "2026-06-20", "2026-07-01", y26[0], y26[1], 3000000},
		{"K4", programme.CodeChildRescue, "P5", "refused", "2026-02-01", "", y26[0], y26[1], 2000000},
		{"K5", programme.CodeChildRescue, "P2", "applied", "2026-03-01", "", y26[0], y26[1], 2000000},
		{"K6", programme.CodeDrugSubsidy, "P4", "approved", "2026-01-10", "2026-01-20", y26[0], y26[1], 0},
		{"K7", programme.CodeDevices, "P6", "delivered", "2026-02-01", "2026-02-10", y26[0], y26[1], 100000},
		{"K8", programme.CodeDevices, "P3", "approved", "2026-07-02", "2026-07-03", y26[0], y26[1], 100000},
		{"K9", programme.CodeEducation, "P1", "approved", "2026-03-01", "2026-03-10", y26[0], y26[1], 100000},
		{"K10", programme.CodeEducation, "P7", "refused", "2026-03-01", "", y26[0], y26[1], 100000},
		{"K17", programme.CodeEducation, "P12", "approved", "2026-03-01", "2026-03-10", y26[0], y26[1], 100000},
		{"K18", programme.CodeEducation, "P9", "suspended", "2026-01-10", "2026-01-20", y26[0], y26[1], 100000},
		{"K11", programme.CodeHomeRehab, "P2", "delivered", "2026-01-01", "2026-01-02", y26[0], y26[1], 0},
		{"K12", programme.CodeHomeRehab, "P8", "approved", "2026-06-30", "2026-07-01", y26[0], y26[1], 0},
		{"K13", programme.CodeHomeRehab, "P6", "suspended", "2026-01-01", "2026-01-05", y26[0], y26[1], 0},
		{"K14", programme.CodeSunshineHome, "P5", "approved", "2025-11-01", "2025-11-20", "2025-01-01", "2026-06-30", 150000},
		{"K15", programme.CodeSunshineHome, "P4", "withdrawn", "2026-02-01", "", y26[0], y26[1], 150000},
		{"K16", programme.CodeSunshineHome, "P8", "closed", "2026-07-01", "2026-07-01", y26[0], y26[1], 150000},
	}
	// The household village at filing of a person who has moved since.
	filedIn := map[string]string{"K17": fxB1}
	for i, c := range cases {
		id := store.NewID()
		f.ids[c.key] = id
		p := f.person(t, c.person)
		if v, ok := filedIn[c.key]; ok {
			p.VillageCode = v
		}
		f.insert(t, "prog_cases", map[string]any{"id": id, "code": fmt.Sprintf("GAFIX%04d", i+1), "programme_id": "prog-" + c.programme,
			"person_id": p.ID, "name": p.Name, "id_number": p.IDNumber, "village_code": p.VillageCode, "category": int(p.Category),
			"grade": int(p.Grade), "status": c.status, "channel": "staff", "amount_fen": c.amount, "period_from": c.periodFrom,
			"period_to": c.periodTo, "filed_on": c.filed, "decided_on": c.decided, "created_at": local(c.filed, 9, 0),
			"updated_at": local(c.filed, 9, 0), "version": 1})
	}
	claims := []struct {
		kase, receipt, status string
		fen                   int64
	}{
		{"K2", "2026-06-30", "approved", 10000}, {"K2", "2026-07-01", "paid", 20000}, {"K2", "2026-03-03", "rejected", 40000},
		{"K6", "2026-05-05", "approved", 50000},
	}
	for i, c := range claims {
		f.insert(t, "prog_claims", map[string]any{"id": store.NewID(), "case_id": f.ids[c.kase], "receipt_no": fmt.Sprintf("R%03d", i),
			"receipt_day": c.receipt, "amount_fen": c.fen, "status": c.status, "created_at": local(c.receipt, 9, 0)})
	}
	// Services: K2 (A1) 3 on 2026-06-30, K13 (B1) 5 on 2026-01-01, K11 (A1)
	// 7 on 2026-07-01 — all by a provider; K11 100 without a provider
	// (staff's own visit), K2 11 on 2025-12-31.
	services := []struct {
		kase, day, provider string
		qty                 int
	}{
		{"K2", "2026-06-30", "prov-1", 3}, {"K13", "2026-01-01", "prov-1", 5}, {"K11", "2026-07-01", "prov-1", 7},
		{"K11", "2026-02-02", "", 100}, {"K2", "2025-12-31", "prov-1", 11},
	}
	for _, s := range services {
		var village string
		if err := f.db.QueryRowContext(fxCtx, `SELECT village_code FROM prog_cases WHERE id = $1`, f.ids[s.kase]).Scan(&village); err != nil {
			t.Fatal(err)
		}
		f.insert(t, "prog_services", map[string]any{"id": store.NewID(), "case_id": f.ids[s.kase], "village_code": village, "day": s.day,
			"provider_id": s.provider, "type": "rehabilitation", "quantity": s.qty, "created_at": local(s.day, 9, 0)})
	}
	// need.home_rehab tags: P6 (no survey need row of 2025) and P2 (has one).
	f.tx(t, "tags", func(tx *store.Tx) error {
		for _, k := range []string{"P6", "P2"} {
			if err := programme.SetTag(fxCtx, tx, area.ScopeOf(fxCounty), f.ids[k], programme.TagNeedPrefix+programme.CodeHomeRehab, "staff", fxToday); err != nil {
				return fmt.Errorf("tag %s: %w", k, err)
			}
		}
		return nil
	})
	// The cochlear ledger: L1 P2 ¥6,000 booked 2026-06-30, L2 its reversal
	// booked 2026-07-01, L3 P7 ¥60,000 booked 2026-01-01, L4 P2 ¥60,000
	// booked 2025-12-31; L5 a living subsidy of P4 booked 2026-03-01.
	batch := store.NewID()
	f.ids["PB"] = batch
	f.insert(t, "pay_batches", map[string]any{"id": batch, "programme_id": "prog-" + programme.CodeCochlear, "programme_name": "人工耳蜗补贴",
		"month": "2026-01", "state": "paid", "created_at": local("2026-01-01", 9, 0), "updated_at": local("2026-01-01", 9, 0), "version": 1})
	ledger := []struct {
		key, prog, person, booked, kind string
		fen                             int64
	}{
		{"L1", programme.CodeCochlear, "P2", "2026-06-30", "pay", 600000},
		{"L2", programme.CodeCochlear, "P2", "2026-07-01", "reversal", -600000},
		{"L3", programme.CodeCochlear, "P7", "2026-01-01", "pay", 6000000},
		{"L4", programme.CodeCochlear, "P2", "2025-12-31", "pay", 6000000},
		{"L5", programme.CodeLivingSubsidy, "P4", "2026-03-01", "pay", 10000},
	}
	for _, l := range ledger {
		p := f.person(t, l.person)
		f.insert(t, "pay_ledger", map[string]any{"id": store.NewID(), "batch_id": batch, "programme_id": "prog-" + l.prog, "person_id": p.ID,
			"village_code": p.VillageCode, "payee_name": p.Name, "amount_fen": l.fen, "month": l.booked[:7], "kind": l.kind,
			"booked_on": l.booked, "created_at": local(l.booked, 9, 0)})
	}
}

func (f *fixture) person(t *testing.T, key string) registry.Person {
	t.Helper()
	p, err := registry.Get(fxCtx, f.db, area.All(), f.id(t, key))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// devices: loans (INSERTed with their items: lending checks stock and
// stamps the clock).
//
//	D1 P3 (A2) lent 2026-01-10, open · D2 P6 (B1) lent 2026-03-01, returned 2026-07-01 ·
//	D3 P2 (A1) lent 2026-02-01, returned 2026-06-30 · D4 P8 (B2) lent 2026-07-01, open ·
//	D5 P1 (A1) lent 2025-06-01, lost 2026-06-15 · D6 P4 (A2) lent 2026-12-31, open
func (f *fixture) devices(t *testing.T) {
	var kind string
	if err := f.db.QueryRowContext(fxCtx, `SELECT id FROM device_kinds ORDER BY code LIMIT 1`).Scan(&kind); err != nil {
		t.Fatal(err)
	}
	loans := []struct{ key, person, lent, status, returned, lost string }{
		{"D1", "P3", "2026-01-10", "open", "", ""},
		{"D2", "P6", "2026-03-01", "returned", "2026-07-01", ""},
		{"D3", "P2", "2026-02-01", "returned", "2026-06-30", ""},
		{"D4", "P8", "2026-07-01", "open", "", ""},
		{"D5", "P1", "2025-06-01", "lost", "", "2026-06-15"},
		{"D6", "P4", "2026-12-31", "open", "", ""},
	}
	for i, l := range loans {
		item := store.NewID()
		f.insert(t, "device_items", map[string]any{"id": item, "asset_no": fmt.Sprintf("FX-%03d", i), "kind_id": kind, "source": "purchase",
			"received_on": "2025-01-01", "condition": "good", "status": "on_loan", "location_code": fxCounty,
			"created_at": local("2025-01-01", 9, 0), "updated_at": local("2025-01-01", 9, 0)})
		p := f.person(t, l.person)
		due, _ := time.Parse(time.DateOnly, l.lent)
		f.ids[l.key] = store.NewID()
		f.insert(t, "device_loans", map[string]any{"id": f.ids[l.key], "item_id": item, "kind_id": kind, "person_id": p.ID,
			"person_name": p.Name, "village_code": p.VillageCode, "location_code": fxCounty, "lent_on": l.lent,
			"due_on": due.AddDate(1, 0, 0).Format(time.DateOnly), "first_due_on": due.AddDate(1, 0, 0).Format(time.DateOnly),
			"status": l.status, "returned_on": l.returned, "lost_on": l.lost, "created_at": local(l.lent, 9, 0), "updated_at": local(l.lent, 9, 0)})
	}
}

// survey: the 2025 round (closed 2025-12-20) and the 2026 round (open),
// their tasks and the needs they recorded (INSERTed: a visit is the whole
// questionnaire).
//
//	2026 tasks: P1 submitted 2026-06-30 · P2 accepted 2026-01-01 · P3 checked 2026-07-01 · P4 pending ·
//	            P5 returned (visited 2026-05-05) · P6 submitted 2026-03-03 · P7 in progress ·
//	            P8 submitted 2026-12-31 · P9, P10 void · P11 (B2), P12 (A1) pending
//	2025 tasks: P2 accepted 2025-12-31
//	needs 2025 rehabilitation: P2, P5, P8 · 2026 rehabilitation: P2, P6 · 2026 renovation: P3, P4, P6, P8
func (f *fixture) survey(t *testing.T) {
	f.insert(t, "survey_rounds", map[string]any{"id": store.NewID(), "year": 2025, "status": "closed", "opened_on": "2025-03-01",
		"due_on": "2025-11-30", "closed_on": "2025-12-20", "created_at": local("2025-03-01", 9, 0), "updated_at": local("2025-12-20", 9, 0)})
	f.insert(t, "survey_rounds", map[string]any{"id": store.NewID(), "year": 2026, "status": "open", "opened_on": "2026-01-01",
		"due_on": "2026-11-30", "created_at": local("2026-01-01", 9, 0), "updated_at": local("2026-01-01", 9, 0)})
	tasks := []struct {
		year                  int
		person, status, visit string
	}{
		{2026, "P1", "submitted", "2026-06-30"}, {2026, "P2", "accepted", "2026-01-01"}, {2026, "P3", "checked", "2026-07-01"},
		{2026, "P4", "pending", ""}, {2026, "P5", "returned", "2026-05-05"}, {2026, "P6", "submitted", "2026-03-03"},
		{2026, "P7", "in_progress", ""}, {2026, "P8", "submitted", "2026-12-31"}, {2026, "P9", "void", ""}, {2026, "P10", "void", ""},
		{2026, "P11", "pending", ""}, {2026, "P12", "pending", ""},
		{2025, "P2", "accepted", "2025-12-31"},
	}
	for _, k := range tasks {
		p := f.person(t, k.person)
		f.insert(t, "survey_tasks", map[string]any{"id": fmt.Sprintf("%d-%s", k.year, p.ID), "year": k.year, "person_id": p.ID,
			"village_code": p.VillageCode, "status": k.status, "visited_on": k.visit, "created_at": local("2026-01-01", 9, 0),
			"updated_at": local("2026-01-01", 9, 0), "version": 1})
	}
	needs := []struct {
		year    int
		need    string
		persons []string
	}{
		{2025, "rehabilitation", []string{"P2", "P5", "P8"}},
		{2026, "rehabilitation", []string{"P2", "P6"}},
		{2026, "renovation", []string{"P3", "P4", "P6", "P8"}},
	}
	for _, n := range needs {
		for _, k := range n.persons {
			p := f.person(t, k)
			f.insert(t, "survey_needs", map[string]any{"year": n.year, "need": n.need, "village_code": p.VillageCode, "person_id": p.ID})
		}
	}
}

// renovations (INSERTed: the workflow).
//
//	R1 P3 (A2) 2026 accepted 2026-06-30 · R2 P6 (B1) 2026 paid, accepted 2026-01-01 ·
//	R3 P8 (B2) 2026 accepted 2026-07-01 · R4 P4 (A2) 2026 planned · R5 P2 (A1) 2026 surveyed ·
//	R6 P5 (A3) 2026 cancelled · R7 P1 (A1) 2025 accepted 2025-12-31 · R8 P7 (B1) 2026 under construction
func (f *fixture) renovations(t *testing.T) {
	list := []struct {
		key, person string
		year        int
		status      string
		accepted    string
	}{
		{"R1", "P3", 2026, "accepted", "2026-06-30"}, {"R2", "P6", 2026, "paid", "2026-01-01"}, {"R3", "P8", 2026, "accepted", "2026-07-01"},
		{"R4", "P4", 2026, "planned", ""}, {"R5", "P2", 2026, "surveyed", ""}, {"R6", "P5", 2026, "cancelled", ""},
		{"R7", "P1", 2025, "accepted", "2025-12-31"}, {"R8", "P7", 2026, "under_construction", ""},
	}
	for _, r := range list {
		p := f.person(t, r.person)
		id := store.NewID()
		f.ids[r.key] = id
		f.insert(t, "renovations", map[string]any{"id": id, "person_id": p.ID, "name": p.Name, "village_code": p.VillageCode, "year": r.year,
			"source": "township", "status": r.status, "accepted_on": r.accepted, "created_at": local("2026-01-01", 9, 0),
			"updated_at": local("2026-01-01", 9, 0), "version": 1})
	}
}

// rights cases (INSERTed: the steps' days are the point). Reply limits
// as the calendar would give them; on time = replied by the limit.
//
//	H1 A1 received 2025-12-31, replied 01-04 (due 01-22), closed 2026-01-05 · legal aid 2025-12-31, 1 person
//	H2 A2 received 2026-01-01, replied 06-20 (due 01-22: late), closed 2026-06-30 · legal aid 2026-06-30, 2 persons
//	H3 B1 received 2026-06-30, replied 07-01 (due 07-21), closed 2026-07-01 · legal aid 2026-07-01, 3 persons
//	H4 town A itself, received 2026-07-01, transferred (open)
//	H5 B2 received 2026-03-03, a consultation closed at intake the same day
//	H6 A3 received 2026-05-05, replied 05-10 (not closed) · legal aid 2026-05-06, 4 persons
//	H7 A1 received 2026-02-02, replied 02-10 (due 02-27), closed 2026-06-30
func (f *fixture) rights(t *testing.T) {
	list := []struct {
		key, area, received, status, replyDue, replyOn, closed, aidOn string
		aid                                                           int
		intake                                                        bool
	}{
		{"H1", fxA1, "2025-12-31", "closed", "2026-01-22", "2026-01-04", "2026-01-05", "2025-12-31", 1, false},
		{"H2", fxA2, "2026-01-01", "closed", "2026-01-22", "2026-06-20", "2026-06-30", "2026-06-30", 2, false},
		{"H3", fxB1, "2026-06-30", "closed", "2026-07-21", "2026-07-01", "2026-07-01", "2026-07-01", 3, false},
		{"H4", fxTownA, "2026-07-01", "transferred", "2026-07-22", "", "", "", 0, false},
		{"H5", fxB2, "2026-03-03", "closed", "2026-03-24", "2026-03-03", "2026-03-03", "", 0, true},
		{"H6", fxA3, "2026-05-05", "replied", "2026-05-26", "2026-05-10", "", "2026-05-06", 4, false},
		{"H7", fxA1, "2026-02-02", "closed", "2026-02-27", "2026-02-10", "2026-06-30", "", 0, false},
	}
	for i, c := range list {
		id := store.NewID()
		f.ids[c.key] = id
		typ := "employment"
		if c.intake {
			typ = "consultation"
		}
		f.insert(t, "rights_cases", map[string]any{"id": id, "code": fmt.Sprintf("WQ%s-%04d", c.received[:4], i+1), "channel": "hotline",
			"caller_name": "来电人", "area_code": c.area, "type": typ, "account": "诉求", "status": c.status, "received_on": c.received,
			"ack_due": c.received, "reply_due": c.replyDue, "reply_on": c.replyOn, "closed_on": c.closed, "closed_at_intake": c.intake,
			"legal_aid_on": c.aidOn, "legal_aid_persons": c.aid, "created_at": local(c.received, 9, 0), "updated_at": local(c.received, 9, 0), "version": 1})
	}
}

// activities (INSERTed: the day held is the point), with their listed
// participants (persons) and awards.
//
//	Y1 party-group study, county, 2025-12-31, 4 reflections · Y2 the same 2026-01-01, 5 · Y3 2026-07-01, 6
//	Y4 cadre study, town A itself, 2026-06-30, 3 reflections · Y5 cadre study B1 2026-03-03, none
//	Y6 seminar, county, 2026-05-05, 10 reflections
//	Y7 outreach A2 2026-04-04 · Y8 outreach B2 2026-07-01
//	Y9 competition, county, 2026-06-30: P1, P6 and 20 others; awards P1 (county), a team (city)
//	Y10 performance A1 2026-02-02: P1 and 50 others
//	Y11 fitness week B1 2026-07-01: P6 and 100 others
//	Y12 culture A3 2025-12-31: 10 others
//	Y13 competition A2 2026-01-01: P3; award P3 (province)
//	Y14 model selection, town A itself, 2026-06-30: no participants
func (f *fixture) activities(t *testing.T) {
	list := []struct {
		key, kind, area, day string
		reflections, others  int
		persons              []string
		awards               []string // person key ("" a team) per award
	}{
		{"Y1", "party_group_study", fxCounty, "2025-12-31", 4, 0, nil, nil},
		{"Y2", "party_group_study", fxCounty, "2026-01-01", 5, 0, nil, nil},
		{"Y3", "party_group_study", fxCounty, "2026-07-01", 6, 0, nil, nil},
		{"Y4", "cadre_study", fxTownA, "2026-06-30", 3, 0, nil, nil},
		{"Y5", "cadre_study", fxB1, "2026-03-03", 0, 0, nil, nil},
		{"Y6", "seminar", fxCounty, "2026-05-05", 10, 0, nil, nil},
		{"Y7", "outreach", fxA2, "2026-04-04", 0, 0, nil, nil},
		{"Y8", "outreach", fxB2, "2026-07-01", 0, 0, nil, nil},
		{"Y9", "competition", fxCounty, "2026-06-30", 0, 20, []string{"P1", "P6"}, []string{"P1", ""}},
		{"Y10", "performance", fxA1, "2026-02-02", 0, 50, []string{"P1"}, nil},
		{"Y11", "fitness_week", fxB1, "2026-07-01", 0, 100, []string{"P6"}, nil},
		{"Y12", "culture", fxA3, "2025-12-31", 0, 10, nil, nil},
		{"Y13", "competition", fxA2, "2026-01-01", 0, 0, []string{"P3"}, []string{"P3"}},
		{"Y14", "model_selection", fxTownA, "2026-06-30", 0, 0, nil, nil},
	}
	levels := []string{"county", "city"}
	for _, a := range list {
		id := store.NewID()
		f.ids[a.key] = id
		f.insert(t, "activities", map[string]any{"id": id, "kind": a.kind, "title": "活动" + a.key, "start_on": a.day, "organiser": "县残联",
			"area_code": a.area, "attendees": 10, "reflections": a.reflections, "others": a.others,
			"created_at": local(a.day, 9, 0), "updated_at": local(a.day, 9, 0), "version": 1})
		for i, p := range a.persons {
			f.insert(t, "activity_participants", map[string]any{"id": store.NewID(), "activity_id": id, "seq": i + 1, "person_id": f.ids[p], "person_name": p})
		}
		for i, p := range a.awards {
			pid := ""
			if p != "" {
				pid = f.ids[p]
			}
			level := levels[i%2]
			if a.key == "Y13" {
				level = "province"
			}
			f.insert(t, "activity_awards", map[string]any{"id": store.NewID(), "activity_id": id, "seq": i + 1, "person_id": pid, "person_name": p,
				"award": "一等奖", "level": level})
		}
	}
}

// employment, through employ's write functions.
//
//	records: E1 P2 public-welfare post (¥2,000) from 2026-01-01 · E2 P3 quota ¥3,500 2025-05-01–2026-06-30 ·
//	         E3 P6 public-welfare post (¥1,500) from 2026-07-01 · E4 P6 home ¥1,600 from 2026-02-01 ·
//	         E5 P7 e-commerce ¥3,000 from 2026-06-30 · E6 P5 flexible ¥5,000 2025-01-01–2026-06-29 ·
//	         E7 P4 home ¥4,000 from 2026-07-02
//	projects: J1 P2 supported 2026-06-30 · J2 P6 supported 2026-07-01 · J3 P7 applied · J4 P3 supported 2025-12-31 · J5 P4 refused
//	places: G1 greenhouse A1 2025-03-01 · G2 greenhouse B1 2026-07-01 · G3 greenhouse A2 2025-01-01, closed 2026-06-29 ·
//	        G4 greenhouse B2 2025-01-01, closed 2026-06-30 · B1 support base A2 2026-06-30 · B2 training base B1 2025-01-01
//	workers: W1 B1 student P1 from 2026-06-30 · W2 B1 family on 2026-06-30 only · W3 B2 student P7 from 2026-07-01 ·
//	         W4 B2 disabled P6 from 2026-01-01 · W5 G1 student P5 from 2026-01-01
//	wishes: WI1 P2 2026-01-01 fulfilled 2026-06-30 · WI2 P6 2026-06-30 fulfilled 2026-07-01 · WI3 P3 2026-07-01 open ·
//	        WI4 P7 2025-12-31 fulfilled 2026-01-02 · WI5 P4 2026-03-03 unfulfilled 2026-04-04
//	campaigns: M1 aid month, county, 2026-05-01, 10 unnamed + P1, P6; 4 suggestions + 1 written ·
//	           M2 promotion, town A, 2026-06-30, 20 unnamed + P2; 2 suggestions ·
//	           M3 promotion, town B, 2026-07-01, 5 unnamed; 1 suggestion ·
//	           M4 aid month, town B, 2025-12-31, 100 unnamed · M5 aid month, village A2, 2026-07-01, 7 unnamed + P3
//	courses: O1 town A, sessions 2026-03-01, 03-02; P1, P2 at both, P6 at none; finished 2026-06-30 ·
//	         O2 county, session 2026-06-10; P7, P3 present; finished 2026-07-01
func (f *fixture) employment(t *testing.T) {
	county := area.ScopeOf(fxCounty)
	id := f.ids
	f.tx(t, "employment", func(tx *store.Tx) error {
		for _, p := range []struct {
			key, person, village, start string
			pay                         int64
		}{{"E1", "P2", fxA1, "2026-01-01", 200000}, {"E3", "P6", fxB1, "2026-07-01", 150000}} {
			post, err := employ.SavePost(fxCtx, tx, county, employ.Post{Name: "保洁员" + p.key, AreaCode: p.village, Sponsor: "镇政府", MonthlyPay: p.pay})
			if err != nil {
				return fmt.Errorf("post %s: %w", p.key, err)
			}
			if _, err := employ.AssignPost(fxCtx, tx, county, post.ID, id[p.person], p.start, fxToday); err != nil {
				return fmt.Errorf("post %s: %w", p.key, err)
			}
		}
		for _, r := range []struct {
			key, person, form, start, end string
			income                        int64
		}{
			{"E2", "P3", "quota", "2025-05-01", "2026-06-30", 350000}, {"E4", "P6", "home", "2026-02-01", "", 160000},
			{"E5", "P7", "ecommerce", "2026-06-30", "", 300000}, {"E6", "P5", "flexible", "2025-01-01", "2026-06-29", 500000},
			{"E7", "P4", "home", "2026-07-02", "", 400000},
		} {
			if _, err := employ.CreateRecord(fxCtx, tx, county, employ.Record{PersonID: id[r.person], Form: r.form, Employer: "某公司",
				StartDate: r.start, EndDate: r.end, MonthlyIncome: r.income}, fxToday); err != nil {
				return fmt.Errorf("record %s: %w", r.key, err)
			}
		}
		for _, j := range []struct{ key, person, applied, to, day string }{
			{"J1", "P2", "2026-06-01", employ.ProjectSupported, "2026-06-30"}, {"J2", "P6", "2026-06-01", employ.ProjectSupported, "2026-07-01"},
			{"J3", "P7", "2026-02-01", "", ""}, {"J4", "P3", "2025-12-01", employ.ProjectSupported, "2025-12-31"},
			{"J5", "P4", "2026-02-01", employ.ProjectRefused, "2026-03-01"},
		} {
			pj, err := employ.CreateProject(fxCtx, tx, county, employ.Project{PersonID: id[j.person], Name: "项目" + j.key, AppliedOn: j.applied}, fxToday)
			if err != nil {
				return fmt.Errorf("project %s: %w", j.key, err)
			}
			if j.to != "" {
				if _, err := employ.MoveProject(fxCtx, tx, county, pj.ID, j.to, j.day, 500000, "技术员"); err != nil {
					return fmt.Errorf("project %s: %w", j.key, err)
				}
			}
		}
		places := map[string]string{}
		for _, l := range []struct{ key, kind, village, opened, closed string }{
			{"G1", employ.PlaceGreenhouse, fxA1, "2025-03-01", ""}, {"G2", employ.PlaceGreenhouse, fxB1, "2026-07-01", ""},
			{"G3", employ.PlaceGreenhouse, fxA2, "2025-01-01", "2026-06-29"}, {"G4", employ.PlaceGreenhouse, fxB2, "2025-01-01", "2026-06-30"},
			{"B1", employ.PlaceSupport, fxA2, "2026-06-30", ""}, {"B2", employ.PlaceTraining, fxB1, "2025-01-01", ""},
		} {
			pl, err := employ.SavePlace(fxCtx, tx, county, employ.Place{Kind: l.kind, Name: "场所" + l.key, AreaCode: l.village, Operator: "合作社",
				OpenedOn: l.opened})
			if err != nil {
				return fmt.Errorf("place %s: %w", l.key, err)
			}
			places[l.key] = pl.ID
			id["place"+l.key] = pl.ID
		}
		for _, w := range []struct{ key, place, role, person, start, end string }{
			{"W1", "B1", employ.RoleStudent, "P1", "2026-06-30", ""}, {"W2", "B1", employ.RoleFamily, "", "2026-06-30", "2026-06-30"},
			{"W3", "B2", employ.RoleStudent, "P7", "2026-07-01", ""}, {"W4", "B2", employ.RoleDisabled, "P6", "2026-01-01", ""},
			{"W5", "G1", employ.RoleStudent, "P5", "2026-01-01", ""},
		} {
			wk := employ.Worker{PlaceID: places[w.place], Role: w.role, StartDate: w.start}
			if w.person != "" {
				wk.PersonID = id[w.person]
			} else {
				wk.Name, wk.Relation = "赵母", "陪读家长"
			}
			added, err := employ.AddWorker(fxCtx, tx, county, wk, fxToday)
			if err != nil {
				return fmt.Errorf("worker %s: %w", w.key, err)
			}
			if w.end != "" {
				if _, err := employ.EndWorker(fxCtx, tx, county, added.ID, w.end); err != nil {
					return fmt.Errorf("worker %s: %w", w.key, err)
				}
			}
		}
		return nil
	})
	// Places closed after their workers are added (a closed place takes none).
	f.tx(t, "places closed", func(tx *store.Tx) error {
		for _, l := range []struct{ key, closed string }{{"G3", "2026-06-29"}, {"G4", "2026-06-30"}} {
			pl, err := employ.GetPlace(fxCtx, tx, county, id["place"+l.key])
			if err != nil {
				return err
			}
			pl.ClosedOn = l.closed
			if _, err := employ.SavePlace(fxCtx, tx, county, pl); err != nil {
				return fmt.Errorf("place %s: %w", l.key, err)
			}
		}
		return nil
	})
	f.tx(t, "wishes and campaigns", func(tx *store.Tx) error {
		for _, w := range []struct {
			key, person, recorded string
			close                 int // 0 open, 1 fulfilled, 2 unfulfilled
			closed                string
		}{
			{"WI1", "P2", "2026-01-01", 1, "2026-06-30"}, {"WI2", "P6", "2026-06-30", 1, "2026-07-01"}, {"WI3", "P3", "2026-07-01", 0, ""},
			{"WI4", "P7", "2025-12-31", 1, "2026-01-02"}, {"WI5", "P4", "2026-03-03", 2, "2026-04-04"},
		} {
			wi, err := employ.CreateWish(fxCtx, tx, county, employ.Wish{PersonID: id[w.person], Type: employ.WishOther, Text: "心愿" + w.key,
				RecordedOn: w.recorded}, fxToday)
			if err != nil {
				return fmt.Errorf("wish %s: %w", w.key, err)
			}
			if w.close != 0 {
				if _, err := employ.CloseWish(fxCtx, tx, county, wi.ID, w.close == 1, w.closed, "已办结", fxToday); err != nil {
					return fmt.Errorf("wish %s: %w", w.key, err)
				}
			}
		}
		for _, c := range []struct {
			key, kind, area, start string
			reached, suggestions   int
			named                  []string
			texts                  int
		}{
			{"M1", employ.CampaignAidMonth, fxCounty, "2026-05-01", 10, 4, []string{"P1", "P6"}, 1},
			{"M2", employ.CampaignPromotion, fxTownA, "2026-06-30", 20, 2, []string{"P2"}, 0},
			{"M3", employ.CampaignPromotion, fxTownB, "2026-07-01", 5, 1, nil, 0},
			{"M4", employ.CampaignAidMonth, fxTownB, "2025-12-31", 100, 0, nil, 0},
			{"M5", employ.CampaignAidMonth, fxA2, "2026-07-01", 7, 0, []string{"P3"}, 0},
		} {
			cp, err := employ.SaveCampaign(fxCtx, tx, county, employ.Campaign{Kind: c.kind, Name: "活动" + c.key, AreaCode: c.area, Place: "广场",
				StartDate: c.start, EndDate: c.start, ReachedCount: c.reached, SuggestionsCount: c.suggestions})
			if err != nil {
				return fmt.Errorf("campaign %s: %w", c.key, err)
			}
			id[c.key] = cp.ID
			for _, k := range c.named {
				if err := employ.AddCampaignPerson(fxCtx, tx, county, cp.ID, id[k]); err != nil {
					return fmt.Errorf("campaign %s %s: %w", c.key, k, err)
				}
			}
			for i := range c.texts {
				if _, err := employ.AddSuggestion(fxCtx, tx, county, cp.ID, fmt.Sprintf("建议%d", i)); err != nil {
					return fmt.Errorf("campaign %s: %w", c.key, err)
				}
			}
		}
		return nil
	})
	f.tx(t, "courses", func(tx *store.Tx) error {
		for _, c := range []struct {
			key, area, start, finish string
			sessions                 []string
			enrolled, present        []string
		}{
			{"O1", fxTownA, "2026-03-01", "2026-06-30", []string{"2026-03-01", "2026-03-02"}, []string{"P1", "P2", "P6"}, []string{"P1", "P2"}},
			{"O2", fxCounty, "2026-06-01", "2026-07-01", []string{"2026-06-10"}, []string{"P7", "P3"}, []string{"P7", "P3"}},
		} {
			co, err := employ.SaveCourse(fxCtx, tx, county, employ.Course{Kind: employ.KindSkills, Name: "培训" + c.key, AreaCode: c.area,
				Place: "培训中心", Provider: "职校", StartDate: c.start, EndDate: c.finish})
			if err != nil {
				return fmt.Errorf("course %s: %w", c.key, err)
			}
			for _, k := range c.enrolled {
				if _, err := employ.Enrol(fxCtx, tx, county, co.ID, id[k], fxToday); err != nil {
					return fmt.Errorf("course %s %s: %w", c.key, k, err)
				}
			}
			var present []string
			for _, k := range c.present {
				present = append(present, id[k])
			}
			for _, d := range c.sessions {
				se, err := employ.AddSession(fxCtx, tx, county, co.ID, d, "课"+d)
				if err != nil {
					return fmt.Errorf("course %s: %w", c.key, err)
				}
				if err := employ.RecordAttendance(fxCtx, tx, county, se.ID, present, fxToday); err != nil {
					return fmt.Errorf("course %s: %w", c.key, err)
				}
			}
			if _, err := employ.FinishCourse(fxCtx, tx, county, co.ID, c.finish, fxToday); err != nil {
				return fmt.Errorf("course %s: %w", c.key, err)
			}
		}
		return nil
	})
}

// levy: employers through levy.CreateEmployer; declarations INSERTed
// (verification is stamped with the clock).
//
//	V1 town A, verified 2026-06-30 23:30, ¥1,234.56 · V2 town B, issued, verified 2026-01-01 00:30, ¥2,000 ·
//	V3 town A, submitted, ¥9.99 · V4 town B, verified 2026-07-01 00:30, ¥500 · V5 town A, issued, verified 2025-12-31 23:30, ¥70
func (f *fixture) levy(t *testing.T) {
	decl := []struct {
		key, town, status, verified string
		fen                         int64
	}{
		{"V1", fxTownA, "verified", local("2026-06-30", 23, 30), 123456},
		{"V2", fxTownB, "issued", local("2026-01-01", 0, 30), 200000},
		{"V3", fxTownA, "submitted", "", 999},
		{"V4", fxTownB, "verified", local("2026-07-01", 0, 30), 50000},
		{"V5", fxTownA, "issued", local("2025-12-31", 23, 30), 7000},
	}
	employers := map[string]string{}
	f.tx(t, "levy employers", func(tx *store.Tx) error {
		for i, d := range decl {
			e, err := levy.CreateEmployer(fxCtx, tx, area.ScopeOf(fxCounty), levy.EmployerInput{
				CreditCode: levy.MakeCreditCode("91", "341599", fmt.Sprintf("FX%06d", i)), Name: "企业" + d.key, Address: "某路1号",
				Contact: "张会计", Phone: "13800000000", Kind: levy.Kinds[2], AreaCode: d.town})
			if err != nil {
				return fmt.Errorf("employer %s: %w", d.key, err)
			}
			employers[d.key] = e.ID
			f.ids[d.key] = e.ID // one declaration each: the employer's year is its page
		}
		return nil
	})
	for _, d := range decl {
		f.insert(t, "levy_declarations", map[string]any{"id": store.NewID(), "employer_id": employers[d.key], "year": 2026, "area_code": d.town,
			"status": d.status, "channel": "counter", "verified_at": d.verified, "amount_fen": d.fen, "created_at": local("2026-01-01", 9, 0),
			"updated_at": local("2026-01-01", 9, 0), "version": 1})
	}
}
