package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/app"
	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The test county: two townships with villages.
const (
	county   = "341599000000"
	townA    = "341599001000"
	villageA = "341599001001"
	villageC = "341599001200"
	townB    = "341599101000"
	villageB = "341599101201"
)

var testAreas = []area.Area{
	{Code: county, Name: "阳光县", Level: area.County},
	{Code: townA, Name: "城关街道", Level: area.Township, ParentCode: county},
	{Code: villageA, Name: "团结社区", Level: area.Village, ParentCode: townA},
	{Code: villageC, Name: "陈楼村", Level: area.Village, ParentCode: townA},
	{Code: townB, Name: "桃园镇", Level: area.Township, ParentCode: county},
	{Code: villageB, Name: "李庄村", Level: area.Village, ParentCode: townB},
}

// today is the fixture's day: after the first half of 2026, so the
// figures of that half-year are history.
var today = time.Date(2026, 11, 28, 12, 0, 0, 0, time.Local)

type env struct {
	t       *testing.T
	db      *store.DB
	ctx     context.Context
	persons map[string]registry.Person
	apps    map[string]string // fixture name → id
}

func setup(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-test", Name: "test", Kind: "user"})
	// Every area's tables: the indicators read them all.
	if err := db.Migrate(ctx, app.Migrations()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, ctx: ctx, persons: map[string]registry.Person{}, apps: map[string]string{}}
	e.tx(func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err })
	return e
}

func (e *env) tx(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.db.InTx(e.ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) exec(query string, args ...any) {
	e.t.Helper()
	if _, err := e.db.ExecContext(e.ctx, query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

func idNumber(birth string, seq int) string {
	b, _ := time.Parse(time.DateOnly, birth)
	return registry.MakeIDNumber("341599", b, seq, 1+seq%2)
}

func (e *env) person(name string, n registry.NewPerson, birth string, seq int) registry.Person {
	e.t.Helper()
	n.Name, n.IDNumber = name, idNumber(birth, seq)
	var p registry.Person
	e.tx(func(tx *store.Tx) (err error) {
		p, err = registry.Create(e.ctx, tx, area.ScopeOf(county), n, today)
		return err
	})
	e.persons[name] = p
	return p
}

// app inserts a certification application as the workflow leaves it:
// only the columns the figures read differ from the blanks.
func (e *env) app(name string, cols map[string]any) {
	e.t.Helper()
	id := store.NewID()
	e.apps[name] = id
	row := map[string]any{
		"id": id, "code": "SL" + id[len(id)-8:], "type": "new", "status": "submitted", "channel": "counter", "person_id": "",
		"id_number": idNumber("1980-01-01", len(e.apps)), "name": name, "village_code": villageA, "phone": "", "category": 4,
		"new_name": "", "new_village_code": "", "cancel_reason": "", "home": false, "home_reason": "", "session_id": "",
		"assess_day": "", "expert_id": "", "result_category": 0, "result_grade": 0, "result_components": "", "findings": "",
		"assessed_by": "", "assessed_at": "", "reviewed_by": "", "publicity_from": "", "publicity_to": "", "review_due": "",
		"decided_by": "", "appeal_until": "", "certificate_no": "", "issued_on": "", "delivery": "", "delivered_on": "",
		"due": "", "late_stages": 0, "stage_since": "", "filed_on": "", "closed_on": "", "created_by": "", "created_at": store.Now(),
		"updated_at": store.Now(), "version": 1,
	}
	visits := 0
	for k, v := range cols {
		if k == "visits" {
			visits = v.(int)
			continue
		}
		if _, ok := row[k]; !ok {
			e.t.Fatalf("no column %s", k)
		}
		row[k] = v
	}
	// Stored as certify stores them: sealed, with the ID number's hash.
	idn := row["id_number"].(string)
	row["id_hash"] = registry.IDHash(idn)
	row["id_number"] = crypt.Seal(registry.KindIDNumber, idn)
	row["phone"] = crypt.Seal(registry.KindPhone, row["phone"].(string))
	row["certificate_no"] = crypt.Seal(registry.KindCertificateNo, row["certificate_no"].(string))
	row["findings"] = crypt.Seal(certify.KindFindings, row["findings"].(string))
	var names, marks []string
	var args []any
	for k, v := range row {
		names = append(names, k)
		args = append(args, v)
		marks = append(marks, "$"+itoa(len(args)))
	}
	e.exec(`INSERT INTO cert_applications (`+strings.Join(names, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)`, args...)
	for i := 0; i < visits; i++ {
		e.exec(`INSERT INTO cert_visits (application_id, day, reason) VALUES ($1, $2, $3)`, id, "2026-0"+itoa(i+1)+"-15", "补材料")
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func (e *env) session(id, day, status string) {
	e.exec(`INSERT INTO cert_sessions (id, day, place, category, capacity, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
		id, day, "县残联三楼", 4, 20, status, store.Now())
}

// fixture is the known county of the indicator tests (see each test
// for the values it must give).
func fixture(t *testing.T) *env {
	e := setup(t)
	e.person("P1", registry.NewPerson{VillageCode: villageA, Category: registry.Physical, Grade: registry.Grade2, Phone: "13800000001", HouseholdAddress: "城关路1号", CertificateIssuedOn: "2020-01-01"}, "1980-05-05", 101)
	e.person("P2", registry.NewPerson{VillageCode: villageA, Category: registry.Intellectual, Grade: registry.Grade1, CertificateIssuedOn: "2016-05-01"}, "2015-02-02", 102)
	e.person("P3", registry.NewPerson{VillageCode: villageC, Category: registry.Mental, Grade: registry.Grade3, Phone: "13800000003", GuardianName: "王某", GuardianRelation: "配偶", HouseholdAddress: "陈楼村3号"}, "1970-03-03", 103)
	e.person("P4", registry.NewPerson{VillageCode: villageB, Category: registry.Vision, Grade: registry.Grade4, Phone: "13800000004", HouseholdAddress: "李庄村4号", CertificateIssuedOn: "2022-01-01"}, "1950-04-04", 104)
	e.person("P5", registry.NewPerson{VillageCode: villageB, Category: registry.Hearing, Grade: registry.Grade2, Phone: "13800000005", HouseholdAddress: "李庄村5号", CertificateIssuedOn: "2021-01-01"}, "1990-06-06", 105)
	e.person("P6", registry.NewPerson{VillageCode: villageB, Category: registry.Physical, Grade: registry.Grade3, Phone: "13800000006", HouseholdAddress: "李庄村6号", CertificateIssuedOn: "2019-01-01"}, "1985-07-07", 106)
	e.tx(func(tx *store.Tx) error {
		_, err := registry.Died(e.ctx, tx, area.ScopeOf(county), e.persons["P5"].ID, registry.Event{EffectiveDate: "2026-08-01", Source: "公安"}, today)
		return err
	})
	// An old record from before the system: born 1912 (older than 110),
	// and P6's card number lost in an import.
	e.exec(`UPDATE persons SET birth_date = $1 WHERE id = $2`, "1912-03-03", e.persons["P4"].ID)
	e.exec(`UPDATE persons SET certificate_no = '' WHERE id = $1`, e.persons["P6"].ID)
	// When each record last changed: P1 in the first half, P4 last year,
	// the others now (the second half).
	e.exec(`UPDATE person_history SET at = $1 WHERE person_id = $2`, "2026-03-01T06:00:00.000Z", e.persons["P1"].ID)
	e.exec(`UPDATE person_history SET at = $1 WHERE person_id = $2`, "2025-12-01T06:00:00.000Z", e.persons["P4"].ID)
	e.exec(`UPDATE person_history SET at = $1 WHERE person_id IN ($2, $3, $4)`, "2026-09-01T06:00:00.000Z", e.persons["P2"].ID, e.persons["P3"].ID, e.persons["P6"].ID)

	e.session("s1", "2026-03-10", certify.SessionHeld)
	e.session("s2", "2026-05-12", certify.SessionHeld)
	e.session("s3", "2026-06-01", certify.SessionPlanned)
	e.session("s4", "2025-12-01", certify.SessionHeld)
	e.app("a1", map[string]any{"village_code": villageA, "filed_on": "2026-03-01", "session_id": "s1", "assess_day": "2026-03-10", "assessed_at": "2026-03-10T02:00:00.000Z",
		"issued_on": "2026-03-20", "status": "delivered", "delivered_on": "2026-03-25", "closed_on": "2026-03-25", "visits": 1})
	e.app("a2", map[string]any{"village_code": villageB, "type": "renew", "channel": "online", "filed_on": "2026-04-01", "issued_on": "2026-04-15",
		"status": "completed", "closed_on": "2026-04-15"})
	e.app("a3", map[string]any{"village_code": villageC, "channel": "township", "home": true, "assess_day": "2026-05-20", "assessed_at": "2026-05-20T03:00:00.000Z",
		"filed_on": "2026-05-01", "status": "approved", "visits": 2})
	e.app("a4", map[string]any{"village_code": villageB, "type": "reassess", "channel": "online", "filed_on": "2026-05-05", "session_id": "s2", "assess_day": "2026-05-12",
		"assessed_at": "2026-05-12T02:00:00.000Z", "issued_on": "2026-07-02", "status": "delivered", "closed_on": "2026-07-05"})
	e.app("a5", map[string]any{"village_code": villageA, "filed_on": "2025-12-20", "issued_on": "2026-01-05", "status": "delivered", "closed_on": "2026-01-10", "visits": 3})
	return e
}
