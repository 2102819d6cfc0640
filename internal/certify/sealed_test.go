package certify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/store/storetest"
)

// The certification tables' copies of ID numbers, certificate numbers and
// phones, and the expert's findings, are stored sealed: after filing,
// assessment, issue, a declared relative, renewal notices and the SMS
// outbox, no row holds one in the clear — and every lookup by the ID
// number (an open application, a relative, the last assessor) still works.
func TestSealedAtRest(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	clerk, reviewer := e.as("clerk"), e.as("reviewer")
	idn, relative := idNumber(1971, 21), idNumber(1972, 22)
	const phone, findings = "13812345678", "右下肢膝上截肢，残端愈合良好"
	a := e.file(certify.NewApplication{Type: certify.TypeNew, Channel: certify.ChannelCounter, IDNumber: idn, Name: "钱海",
		VillageCode: villageA, Phone: phone, Category: registry.Physical}, monday)
	e.attachPhoto(a.ID)
	// A second filing while this one is open is found by the ID number's hash.
	err := e.try(clerk, func(tx *store.Tx) error {
		_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeNew, Channel: certify.ChannelCounter,
			IDNumber: strings.ToLower(idn), Name: "钱海", VillageCode: villageA, Category: registry.Physical}, monday)
		return err
	})
	if fe := fieldError(t, err); fe.Key != "certify.error.open_application" {
		t.Fatalf("second open application: %+v", fe)
	}
	// dr_bone2 declares the relative; dr_bone is left for this applicant.
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.AddConflict(clerk, tx, e.experts["dr_bone2"].ID, certify.Conflict{IDNumber: relative, Relation: "兄弟"})
	})
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.AddConflict(clerk, tx, e.experts["dr_bone2"].ID, certify.Conflict{IDNumber: idn, Relation: "表兄"})
	})
	e.tx(clerk, func(tx *store.Tx) error { // declared again: kept once
		return certify.AddConflict(clerk, tx, e.experts["dr_bone2"].ID, certify.Conflict{IDNumber: idn, Relation: "表兄"})
	})
	cs, err := certify.Conflicts(ctx, e.db, e.experts["dr_bone2"].ID)
	if err != nil || len(cs) != 2 || cs[0].IDNumber != idn || cs[1].IDNumber != relative {
		t.Fatalf("conflicts read back %+v %v", cs, err)
	}
	s := e.session("2026-12-03", registry.Physical, 10, "dr_bone", "dr_bone2")
	err = e.try(clerk, func(tx *store.Tx) error {
		return certify.Book(clerk, tx, countyScope, a.ID, s.ID, e.experts["dr_bone2"].ID, monday)
	})
	if fe := fieldError(t, err); fe.Key != "certify.error.expert_relative" {
		t.Fatalf("a relative assessing: %+v", fe)
	}
	e.tx(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a.ID, s.ID, "", monday) })
	if got := e.get(a.ID); got.ExpertID != e.experts["dr_bone"].ID {
		t.Fatalf("booked with %s, want dr_bone", got.ExpertID)
	}
	thursday := day("2026-12-03")
	ex := e.as("dr_bone")
	e.tx(ex, func(tx *store.Tx) error {
		return certify.Assess(ex, tx, countyScope, a.ID, certify.Result{Category: registry.Physical, Grade: registry.Grade2, Findings: findings}, thursday)
	})
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Review(reviewer, tx, countyScope, a.ID, certify.ActPublish, "", day("2026-12-04"))
	})
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.Advance(clerk, tx, countyScope, a.ID, certify.ActEndPublicity, "", day("2026-12-14"))
	})
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Decide(reviewer, tx, countyScope, a.ID, certify.ActApprove, "", day("2026-12-15"))
	})
	var cert certify.Certificate
	e.tx(clerk, func(tx *store.Tx) (err error) {
		cert, err = certify.Issue(clerk, tx, countyScope, a.ID, day("2026-12-15"))
		return err
	})
	// A renewal notice for a card about to expire, with its text message.
	older := idNumber(1950, 31)
	e.tx(clerk, func(tx *store.Tx) error {
		_, err := registry.Create(clerk, tx, countyScope, registry.NewPerson{IDNumber: older, Name: "将到期", VillageCode: villageA,
			Category: registry.Hearing, Grade: registry.Grade2, CertificateIssuedOn: "2017-01-15", Phone: "13900000001"}, monday)
		return err
	})
	if res, err := certify.RenewalReminders(ctx, e.db, day("2026-11-30")); err != nil || res.Listed != 1 {
		t.Fatalf("renewals %+v %v", res, err)
	}

	storetest.NoPlaintext(t, e.db, []string{"cert_applications", "cert_events", "cert_expert_conflicts", "cert_certificates", "cert_renewals", "cert_sms_outbox", "audit_log"},
		[]string{idn, relative, older, phone, "13900000001", findings, "膝上截肢"})

	// Every read opens them again.
	got := e.get(a.ID)
	if got.IDNumber != idn || got.Phone != phone || got.Findings != findings || got.CertificateNo != idn+"42" || got.MaskedIDNumber() != idn[:6]+"********"+idn[14:] {
		t.Fatalf("application read back %+v", got)
	}
	if c, err := certify.CertificateOf(ctx, e.db, a.ID); err != nil || c.CertificateNo != cert.CertificateNo || c.CertificateNo != idn+"42" {
		t.Fatalf("certificate read back %+v %v", c, err)
	}
	rs, err := certify.Renewals(ctx, e.db, countyScope, "")
	if err != nil || len(rs) != 1 || !strings.HasPrefix(rs[0].CertificateNo, older) {
		t.Fatalf("renewals read back %+v %v", rs, err)
	}
	msgs, err := certify.Outbox(ctx, e.db, countyScope, "", 50)
	phones := map[string]bool{}
	for _, m := range msgs {
		phones[m.Phone] = true
	}
	if err != nil || !phones[phone] || !phones["13900000001"] {
		t.Fatalf("outbox read back %v %v", phones, err)
	}
	var stored string
	if err := e.db.QueryRowContext(ctx, `SELECT findings FROM cert_applications WHERE id = $1`, a.ID).Scan(&stored); err != nil || !strings.HasPrefix(stored, crypt.Prefix) {
		t.Fatalf("findings stored as %.40q %v", stored, err)
	}
	// The audit log says the findings changed, not what they are.
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE object_id = $1 AND after_json LIKE $2`, a.ID, `%"findings":"******"%`); n == 0 {
		t.Error("the assessment's audit entry does not record the findings hidden")
	}
	// The last assessor is found by the hash: dr_bone may not assess him again.
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.Deliver(clerk, tx, countyScope, a.ID, "township", day("2026-12-16"))
	})
	re := e.file(certify.NewApplication{Type: certify.TypeReassess, IDNumber: idn, Category: registry.Physical}, day("2026-12-16"))
	s2 := e.session("2026-12-17", registry.Physical, 10, "dr_bone")
	err = e.try(clerk, func(tx *store.Tx) error {
		return certify.Book(clerk, tx, countyScope, re.ID, s2.ID, e.experts["dr_bone"].ID, day("2026-12-16"))
	})
	if fe := fieldError(t, err); fe.Key != "certify.error.expert_twice" {
		t.Fatalf("the last assessor again: %+v", fe)
	}
}

// A database from before the sealing: the migration seals every copy in
// place, rebuilds the relatives' table keyed by the hash, and the rows
// read back (and are found) as before.
func TestSealingMigration(t *testing.T) {
	db := storetest.Open(t)
	ctx := audit.WithActor(context.Background(), audit.System)
	var all []store.Migration
	for _, m := range [][]store.Migration{area.Migrations, audit.Migrations, auth.Migrations, registry.Migrations, calendar.Migrations, certify.Migrations} {
		all = append(all, m...)
	}
	var before []store.Migration
	for _, m := range all {
		if m.Version < 2026113120 {
			before = append(before, m)
		}
	}
	if err := db.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, _, err := area.Upsert(ctx, tx, testAreas); return err }); err != nil {
		t.Fatal(err)
	}
	idn, relative := idNumber(1960, 71), idNumber(1961, 72)
	const phone, findings = "13700001111", "双眼视力0.02"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO cert_experts (id, user_id, name, speciality, hospital, qualification, phone, available, created_at, updated_at)
			VALUES ('x1', '', '孙医生', 'ophthalmology', '县医院', '主任医师', '', TRUE, '', '')`, nil},
		{`INSERT INTO cert_expert_conflicts (expert_id, id_number, relation) VALUES ('x1', $1, '兄弟')`, []any{relative}},
		{`INSERT INTO cert_applications (id, code, type, status, channel, person_id, id_number, name, village_code, phone, category,
			new_name, new_village_code, cancel_reason, home, home_reason, session_id, assess_day, expert_id, result_category, result_grade, result_components,
			findings, assessed_by, assessed_at, reviewed_by, publicity_from, publicity_to, review_due, decided_by, appeal_until, certificate_no, issued_on,
			delivery, delivered_on, due, late_stages, stage_since, filed_on, closed_on, created_by, created_at, updated_at, version)
			VALUES ('a1', 'YGA1', 'new', 'assessed', 'counter', '', $1, '李明', $2, $3, 1, '', '', '', FALSE, '', '', '2026-11-02', 'x1', 1, 1, '',
			$4, '', '2026-11-02T02:00:00.000Z', '', '', '', '', '', '', $5, '', '', '', '', 0, '', '2026-11-01', '', '', '', '', 1)`,
			[]any{idn, villageA, phone, findings, idn + "11"}},
		{`INSERT INTO cert_certificates (id, person_id, application_id, certificate_no, village_code, issued_on, valid_until, kind, status, created_at)
			VALUES ('c1', '', 'a1', $1, $2, '', '', 'new', 'valid', '')`, []any{idn + "11", villageA}},
		{`INSERT INTO cert_renewals (id, person_id, name, certificate_no, village_code, valid_until, contact_by, listed_on, status)
			VALUES ('r1', 'p1', '李明', $1, $2, '2027-01-01', '', '', 'open')`, []any{idn + "11", villageA}},
		{`INSERT INTO cert_sms_outbox (id, application_id, person_id, village_code, phone, kind, body, status, created_at, sent_at)
			VALUES ('s1', 'a1', '', $1, $2, 'filed', '', 'queued', '', '')`, []any{villageA, phone}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, all); err != nil {
		t.Fatal(err)
	}
	storetest.NoPlaintext(t, db, []string{"cert_applications", "cert_expert_conflicts", "cert_certificates", "cert_renewals", "cert_sms_outbox"},
		[]string{idn, relative, phone, findings})
	a, err := certify.Get(ctx, db, countyScope, "a1")
	if err != nil || a.IDNumber != idn || a.Phone != phone || a.Findings != findings || a.CertificateNo != idn+"11" {
		t.Fatalf("application after sealing: %+v %v", a, err)
	}
	cs, err := certify.Conflicts(ctx, db, "x1")
	if err != nil || len(cs) != 1 || cs[0].IDNumber != relative || cs[0].Relation != "兄弟" {
		t.Fatalf("conflicts after sealing: %+v %v", cs, err)
	}
	// The rebuilt table keeps one row per expert and person.
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return certify.AddConflict(ctx, tx, "x1", certify.Conflict{IDNumber: relative, Relation: "兄弟"})
	})
	if cs, _ := certify.Conflicts(ctx, db, "x1"); err != nil || len(cs) != 1 {
		t.Fatalf("declared again: %d rows, %v", len(cs), err)
	}
	// The open application is found by the hash the migration wrote.
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_applications WHERE id_hash = $1`, registry.IDHash(idn)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("by hash: %d %v", n, err)
	}
	if c, err := certify.CertificateOf(ctx, db, "a1"); err != nil || c.CertificateNo != idn+"11" {
		t.Fatalf("certificate after sealing: %+v %v", c, err)
	}
}
