package certify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/crypt"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

// One application from counter entry to the card in hand: booking,
// assessment by the expert, second review, 公示, county review, issue with
// the registry change in the same transaction, delivery; visits and the
// SMS outbox along the way.
func TestCounterToDelivery(t *testing.T) {
	e := setup(t)
	idn := idNumber(1970, 11)
	a := e.file(certify.NewApplication{Type: certify.TypeNew, Channel: certify.ChannelCounter, IDNumber: idn, Name: "王建国",
		VillageCode: villageA, Phone: "13800000001", Category: registry.Physical}, monday)
	if a.Status != certify.Submitted || a.Visits != 1 || !strings.HasPrefix(a.Code, "YG") || a.Due != "2026-12-07" {
		t.Fatalf("filed: %+v", a)
	}
	if got, err := certify.GetByCode(context.Background(), e.db, strings.ToLower(a.Code)); err != nil || got.ID != a.ID {
		t.Fatalf("the applicant's code finds the application: %v", err)
	}
	e.attachPhoto(a.ID)
	s := e.session("2026-12-03", registry.Physical, 10, "dr_bone", "dr_bone2")
	clerk, reviewer := e.as("clerk"), e.as("reviewer")
	e.tx(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a.ID, "", "", monday) })
	a = e.get(a.ID)
	if a.Status != certify.Scheduled || a.SessionID != s.ID || a.AssessDay != "2026-12-03" || a.Due != "2026-12-03" || a.ExpertID == "" {
		t.Fatalf("booked: %+v", a)
	}
	expertUser := "dr_bone"
	if a.ExpertID == e.experts["dr_bone2"].ID {
		expertUser = "dr_bone2"
	}
	// The expert records the result on the session day.
	thursday := day("2026-12-03")
	exCtx := e.as(expertUser)
	e.tx(exCtx, func(tx *store.Tx) error {
		return certify.Assess(exCtx, tx, countyScope, a.ID, certify.Result{Category: registry.Physical, Grade: registry.Grade2, Findings: "右下肢截肢"}, thursday)
	})
	// Published on Friday 12-04: 5 working days end Friday 12-11; the
	// county review is due 10 working days later, 12-25.
	friday := day("2026-12-04")
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Review(reviewer, tx, countyScope, a.ID, certify.ActPublish, "", friday)
	})
	a = e.get(a.ID)
	if a.PublicityFrom != "2026-12-04" || a.PublicityTo != "2026-12-11" || a.ReviewDue != "2026-12-25" || a.Status != certify.Publicity {
		t.Fatalf("publicity: %+v", a)
	}
	err := e.try(clerk, func(tx *store.Tx) error {
		return certify.Advance(clerk, tx, countyScope, a.ID, certify.ActEndPublicity, "", day("2026-12-11"))
	})
	if re := refusal(t, err); re.Key != "certify.error.publicity_running" {
		t.Fatalf("publicity ended early: %v", err)
	}
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
	if cert.CertificateNo != idn+"42" || cert.ValidUntil != "2036-12-14" {
		t.Fatalf("certificate: %+v", cert)
	}
	p, err := registry.GetByIDNumber(context.Background(), e.db, countyScope, idn)
	if err != nil || p.CertificateNo != idn+"42" || p.Category != registry.Physical || p.Grade != registry.Grade2 || p.CertificateIssuedOn != "2026-12-15" {
		t.Fatalf("registry after issue: %+v %v", p, err)
	}
	// The registration's history entry names the application.
	if hist, _ := registry.History(context.Background(), e.db, countyScope, p.ID); len(hist) != 1 || hist[0].Change != registry.ChangeCreate || !strings.Contains(hist[0].Reason, a.Code) {
		t.Fatalf("registration history: %+v, want the application code %s", hist, a.Code)
	}
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.Deliver(clerk, tx, countyScope, a.ID, "township", day("2026-12-16"))
	})
	a = e.get(a.ID)
	if a.Status != certify.Delivered || a.ClosedOn != "2026-12-16" || a.LateStages != 0 || a.Due != "" {
		t.Fatalf("delivered: %+v", a)
	}
	// Counter filing and the session: two trips (delivery to the township
	// needs none).
	if a.Visits != 2 {
		t.Fatalf("visits = %d, want 2", a.Visits)
	}
	kinds := map[string]bool{}
	msgs, _ := certify.Outbox(context.Background(), e.db, countyScope, a.ID, 50)
	for _, m := range msgs {
		kinds[m.Kind] = true
		if m.Status != "queued" || m.Phone != "13800000001" {
			t.Errorf("message %+v", m)
		}
	}
	for _, k := range []string{"filed", "booked", "publicity", "issued"} {
		if !kinds[k] {
			t.Errorf("no %s message queued", k)
		}
	}
	evs, _ := certify.Events(context.Background(), e.db, a.ID)
	if len(evs) != 9 { // file, photo, book, assess, publish, end_publicity, approve, issue, deliver
		t.Errorf("%d events", len(evs))
	}
	if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE object_id = $1`, a.ID); n < 9 {
		t.Errorf("%d audit entries for the application", n)
	}
}

// A home assessment of a re-assessment: the expert team is checked for
// speciality, the registry is re-graded with a history event.
func TestHomeAssessmentRegrades(t *testing.T) {
	e := setup(t)
	idn := idNumber(1950, 21)
	p := e.person(idn, "李秀英", villageB, registry.Physical, registry.Grade3, "2020-05-01")
	a := e.file(certify.NewApplication{Type: certify.TypeReassess, Channel: certify.ChannelTownship, IDNumber: idn, Category: registry.Physical}, monday)
	if a.Visits != 0 || a.PersonID != p.ID || a.Name != "李秀英" {
		t.Fatalf("filed by the township: %+v", a)
	}
	clerk := e.as("clerk")
	// An ophthalmologist cannot assess a physical disability.
	err := e.try(clerk, func(tx *store.Tx) error {
		return certify.ScheduleHome(clerk, tx, countyScope, a.ID, certify.HomeVisit{Day: "2026-12-02", Reason: "bedridden",
			ExpertIDs: []string{e.experts["dr_eye"].ID}}, monday)
	})
	if fe := fieldError(t, err); fe.Field != "certify.home.experts" || fe.Key != "certify.error.expert_speciality_named" {
		t.Fatalf("expert outside speciality: %+v", fe)
	}
	if got := e.get(a.ID); got.Status != certify.Submitted || got.Version != a.Version {
		t.Fatal("refused scheduling changed the application")
	}
	// Saturday is not a working day.
	err = e.try(clerk, func(tx *store.Tx) error {
		return certify.ScheduleHome(clerk, tx, countyScope, a.ID, certify.HomeVisit{Day: "2026-12-05", Reason: "bedridden",
			ExpertIDs: []string{e.experts["dr_bone"].ID}}, monday)
	})
	if fe := fieldError(t, err); fe.Key != "certify.error.not_working_day" {
		t.Fatalf("home visit on a Saturday: %+v", fe)
	}
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.ScheduleHome(clerk, tx, countyScope, a.ID, certify.HomeVisit{Day: "2026-12-02", Reason: "bedridden",
			ExpertIDs: []string{e.experts["dr_bone"].ID, e.experts["dr_bone2"].ID}}, monday)
	})
	a = e.get(a.ID)
	if !a.Home || a.ExpertID != e.experts["dr_bone"].ID || a.AssessDay != "2026-12-02" {
		t.Fatalf("home visit: %+v", a)
	}
	// The second team member is not the assessor.
	other := e.as("dr_bone2")
	err = e.try(other, func(tx *store.Tx) error {
		return certify.Assess(other, tx, countyScope, a.ID, certify.Result{Category: registry.Physical, Grade: registry.Grade1, Findings: "x"}, day("2026-12-02"))
	})
	if re := refusal(t, err); re.Key != "certify.error.not_your_case" {
		t.Fatalf("assessment by another expert: %v", err)
	}
	ex := e.as("dr_bone")
	err = e.try(ex, func(tx *store.Tx) error {
		return certify.Assess(ex, tx, countyScope, a.ID, certify.Result{Category: registry.Physical, Grade: registry.Grade1, Findings: "x"}, day("2026-12-01"))
	})
	if re := refusal(t, err); re.Key != "certify.error.before_assess_day" {
		t.Fatalf("assessment before the day: %v", err)
	}
	e.tx(ex, func(tx *store.Tx) error {
		return certify.Assess(ex, tx, countyScope, a.ID, certify.Result{Category: registry.Physical, Grade: registry.Grade1, Findings: "双下肢瘫痪，卧床"}, day("2026-12-02"))
	})
	walkToIssue(t, e, a.ID, day("2026-12-02"))
	p, _ = registry.Get(context.Background(), e.db, countyScope, p.ID)
	if p.Grade != registry.Grade1 || p.CertificateNo != idn+"41" {
		t.Fatalf("registry not re-graded: %+v", p)
	}
	hist, _ := registry.History(context.Background(), e.db, countyScope, p.ID)
	if len(hist) < 2 || hist[0].Change != registry.ChangeRegrade {
		t.Fatalf("history: %+v", hist)
	}
	if a = e.get(a.ID); a.Visits != 0 {
		t.Fatalf("a home assessment needs no trip, visits = %d", a.Visits)
	}
}

// walkToIssue takes an assessed application through review, 公示, county
// review and issue (photo added), starting on day d.
func walkToIssue(t *testing.T, e *env, id string, d time.Time) {
	t.Helper()
	reviewer, clerk := e.as("reviewer"), e.as("clerk")
	e.attachPhoto(id)
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Review(reviewer, tx, countyScope, id, certify.ActPublish, "", d)
	})
	after := d.AddDate(0, 0, 14)
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.Advance(clerk, tx, countyScope, id, certify.ActEndPublicity, "", after)
	})
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Decide(reviewer, tx, countyScope, id, certify.ActApprove, "", after)
	})
	e.tx(clerk, func(tx *store.Tx) error { _, err := certify.Issue(clerk, tx, countyScope, id, after); return err })
}

// Bad input and broken rules give clear messages and change nothing.
func TestRulesRefuse(t *testing.T) {
	e := setup(t)
	clerk, reviewer := e.as("clerk"), e.as("reviewer")
	s := e.session("2026-12-03", registry.Physical, 1, "dr_bone")
	a1 := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1980, 31), Name: "甲", VillageCode: villageA, Category: registry.Physical}, monday)
	a2 := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1981, 32), Name: "乙", VillageCode: villageC, Category: registry.Physical}, monday)
	e.tx(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a1.ID, s.ID, "", monday) })
	e.person(idNumber(1940, 81), "庚", villageA, registry.Vision, registry.Grade1, "2019-01-01")

	cases := []struct {
		name  string
		run   func(tx *store.Tx) error
		field string
		key   string
	}{
		{"double booking beyond capacity", func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a2.ID, s.ID, "", monday) },
			"certify.book.session", "certify.error.session_full"},
		{"no session with room", func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a2.ID, "", "", monday) },
			"certify.book.session", "certify.error.no_session"},
		{"wrong photo format", func(tx *store.Tx) error {
			return certify.Attach(clerk, tx, countyScope, a2.ID, "photo", "a.gif", []byte("GIF89a............"))
		}, "certify.app.photo", "certify.error.photo_format"},
		{"photo too small", func(tx *store.Tx) error {
			return certify.Attach(clerk, tx, countyScope, a2.ID, "photo", "a.png", photo(100, 140))
		}, "certify.app.photo", "certify.error.photo_small"},
		{"landscape photo", func(tx *store.Tx) error {
			return certify.Attach(clerk, tx, countyScope, a2.ID, "photo", "a.png", photo(600, 450))
		}, "certify.app.photo", "certify.error.photo_portrait"},
		{"empty photo", func(tx *store.Tx) error { return certify.Attach(clerk, tx, countyScope, a2.ID, "photo", "a.png", nil) },
			"certify.app.photo", "validate.required"},
		{"document not a PDF or image", func(tx *store.Tx) error {
			return certify.Attach(clerk, tx, countyScope, a2.ID, "document", "a.txt", []byte("hello"))
		}, "certify.app.document", "certify.error.document_format"},
		{"session expert outside speciality", func(tx *store.Tx) error {
			cal := mustCal(t, tx)
			_, err := certify.CreateSession(clerk, tx, certify.NewSession{Day: "2026-12-08", Place: "x", Category: registry.Vision, Capacity: 5,
				ExpertIDs: []string{e.experts["dr_bone"].ID}}, monday, cal)
			return err
		}, "certify.session.experts", "certify.error.expert_speciality_named"},
		{"session on a Sunday", func(tx *store.Tx) error {
			_, err := certify.CreateSession(clerk, tx, certify.NewSession{Day: "2026-12-06", Place: "x", Category: registry.Physical, Capacity: 5}, monday, mustCal(t, tx))
			return err
		}, "certify.session.day", "certify.error.not_working_day"},
		{"bad ID number", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeNew, IDNumber: "341599198001010000", Name: "丙", VillageCode: villageA, Category: registry.Physical}, monday)
			return err
		}, "certify.app.id_number", "certify.error.id_number"},
		{"second open application", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeNew, IDNumber: a2.IDNumber, Name: "乙", VillageCode: villageC, Category: registry.Physical}, monday)
			return err
		}, "certify.app.id_number", "certify.error.open_application"},
		{"township instead of village", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1990, 77), Name: "丁", VillageCode: townA, Category: registry.Physical}, monday)
			return err
		}, "certify.app.village", "certify.error.not_village"},
		{"village outside the scope", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, area.ScopeOf(townA), certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1990, 78), Name: "戊", VillageCode: villageB, Category: registry.Physical}, monday)
			return err
		}, "certify.app.village", "certify.error.village_outside"},
		{"bad phone", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1990, 79), Name: "己", VillageCode: villageA, Category: registry.Physical, Phone: "12345"}, monday)
			return err
		}, "certify.app.phone", "certify.error.phone"},
		{"renewal of someone not registered", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeRenew, IDNumber: idNumber(1990, 80)}, monday)
			return err
		}, "certify.app.id_number", "certify.error.not_registered"},
		{"cancellation without a listed reason", func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeCancel, IDNumber: idNumber(1940, 81), CancelReason: "不想要了"}, monday)
			return err
		}, "certify.app.cancel_reason", "validate.choose"},
		{"return without a reason", func(tx *store.Tx) error {
			return certify.Review(reviewer, tx, countyScope, a1.ID, certify.ActReturn, " ", monday)
		}, "", ""}, // refused by the table: a1 is only scheduled
	}
	for _, c := range cases {
		before := e.count(`SELECT COUNT(*) FROM audit_log`)
		err := e.try(clerk, c.run)
		if c.key == "" {
			refusal(t, err)
		} else if fe := fieldError(t, err); fe.Field != c.field || fe.Key != c.key {
			t.Errorf("%s: got %s %s, want %s %s", c.name, fe.Field, fe.Key, c.field, c.key)
		}
		if after := e.count(`SELECT COUNT(*) FROM audit_log`); after != before {
			t.Errorf("%s: refused input wrote %d audit entries", c.name, after-before)
		}
	}
	if got := e.get(a2.ID); got.Status != certify.Submitted || got.Version != a2.Version {
		t.Fatalf("refusals changed the application: %+v", got)
	}
	if n := e.count(`SELECT COUNT(*) FROM cert_attachments WHERE application_id = $1`, a2.ID); n != 0 {
		t.Fatalf("refused photos stored: %d", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM cert_applications WHERE session_id = $1`, s.ID); n != 1 {
		t.Fatalf("session holds %d, capacity 1", n)
	}
}

func mustCal(t *testing.T, tx *store.Tx) certify.Calendar {
	t.Helper()
	cal, err := calendarLoad(tx)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// Risk control (风险点): four eyes, no expert twice in a row, relatives
// stand aside, rotation spreads the work.
func TestRiskControl(t *testing.T) {
	e := setup(t)
	clerk := e.as("clerk")
	idn := idNumber(1966, 41)
	p := e.person(idn, "赵磊", villageA, registry.Physical, registry.Grade4, "2018-01-01")
	// His last assessment was by dr_bone.
	if _, err := e.db.Exec(`INSERT INTO cert_applications (id, code, type, status, channel, person_id, id_number, name, village_code, phone, category,
		new_name, new_village_code, cancel_reason, home, home_reason, session_id, assess_day, expert_id, result_category, result_grade, result_components,
		findings, assessed_by, assessed_at, reviewed_by, publicity_from, publicity_to, review_due, decided_by, appeal_until, certificate_no, issued_on,
		delivery, delivered_on, due, late_stages, stage_since, filed_on, closed_on, created_by, created_at, updated_at, version, id_hash)
		VALUES ('old', 'YGOLD', 'new', 'delivered', 'counter', $1, $2, '赵磊', $3, '', 4, '', '', '', FALSE, '', '', '2018-01-01', $4, 4, 4, '',
		'', '', '2018-01-01T02:00:00.000Z', '', '', '', '', '', '', '', '', '', '', '', 0, '', '2017-12-01', '2018-01-10', '', '', '', 1, $5)`,
		p.ID, crypt.Seal(registry.KindIDNumber, idn), villageA, e.experts["dr_bone"].ID, registry.IDHash(idn)); err != nil {
		t.Fatal(err)
	}
	s := e.session("2026-12-03", registry.Physical, 10, "dr_bone", "dr_bone2")
	a := e.file(certify.NewApplication{Type: certify.TypeReassess, IDNumber: idn, Category: registry.Physical}, monday)
	err := e.try(clerk, func(tx *store.Tx) error {
		return certify.Book(clerk, tx, countyScope, a.ID, s.ID, e.experts["dr_bone"].ID, monday)
	})
	if fe := fieldError(t, err); fe.Key != "certify.error.expert_twice" {
		t.Fatalf("same expert twice in a row: %+v", fe)
	}
	// dr_bone2 declares him a relative: nobody is left.
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.AddConflict(clerk, tx, e.experts["dr_bone2"].ID, certify.Conflict{IDNumber: idn, Relation: "表兄"})
	})
	err = e.try(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a.ID, s.ID, "", monday) })
	if fe := fieldError(t, err); fe.Key != "certify.error.no_eligible_expert" {
		t.Fatalf("no eligible expert: %+v", fe)
	}
	// Rotation: with two eligible experts, bookings alternate.
	s2 := e.session("2026-12-04", registry.Physical, 10, "dr_bone", "dr_bone2")
	var got []string
	for i := range 4 {
		x := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1990, 50+i), Name: "轮换", VillageCode: villageA, Category: registry.Physical}, monday)
		e.tx(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, x.ID, s2.ID, "", monday) })
		got = append(got, e.get(x.ID).ExpertID)
	}
	if got[0] == got[1] || got[0] != got[2] || got[1] != got[3] {
		t.Fatalf("rotation did not alternate: %v", got)
	}
	// Four eyes: an expert account that also reviews may not review its own
	// assessment (simulated by the reviewer being linked as the expert).
	x := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1991, 60), Name: "四眼", VillageCode: villageA, Category: registry.Physical}, monday)
	e.tx(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, x.ID, s2.ID, "", monday) })
	assessor := "dr_bone"
	if e.get(x.ID).ExpertID == e.experts["dr_bone2"].ID {
		assessor = "dr_bone2"
	}
	ac := e.as(assessor)
	e.tx(ac, func(tx *store.Tx) error {
		return certify.Assess(ac, tx, countyScope, x.ID, certify.Result{Category: registry.Physical, Grade: registry.Grade3, Findings: "x"}, day("2026-12-04"))
	})
	err = e.try(ac, func(tx *store.Tx) error {
		return certify.Review(ac, tx, countyScope, x.ID, certify.ActPublish, "", day("2026-12-04"))
	})
	if re := refusal(t, err); re.Key != "certify.error.four_eyes" {
		t.Fatalf("self-review: %v", err)
	}
	// A result below the standard cannot be published, a qualifying one not refused.
	reviewer := e.as("reviewer")
	err = e.try(reviewer, func(tx *store.Tx) error {
		return certify.Review(reviewer, tx, countyScope, x.ID, certify.ActRefuse, "", day("2026-12-04"))
	})
	if re := refusal(t, err); re.Key != "certify.error.refuse_qualified" {
		t.Fatalf("refusing a qualifying result: %v", err)
	}
}

// The appeal window and the one-year wait after a cancellation.
func TestDeadlines(t *testing.T) {
	e := setup(t)
	clerk, reviewer := e.as("clerk"), e.as("reviewer")
	s := e.session("2026-12-03", registry.Mental, 10, "dr_mind")
	a := e.file(certify.NewApplication{Type: certify.TypeNew, IDNumber: idNumber(1975, 71), Name: "钱", VillageCode: villageA, Category: registry.Mental}, monday)
	e.tx(clerk, func(tx *store.Tx) error { return certify.Book(clerk, tx, countyScope, a.ID, s.ID, "", monday) })
	mind := e.as("dr_mind")
	e.tx(mind, func(tx *store.Tx) error {
		return certify.Assess(mind, tx, countyScope, a.ID, certify.Result{Category: registry.Mental, Grade: 0, Findings: "WHO-DAS 40，未达标准"}, day("2026-12-03"))
	})
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Review(reviewer, tx, countyScope, a.ID, certify.ActRefuse, "", day("2026-12-03"))
	})
	a = e.get(a.ID)
	// 10 working days after Thursday 12-03: 12-17.
	if a.Status != certify.NotQualified || a.AppealUntil != "2026-12-17" {
		t.Fatalf("not qualified: %+v", a)
	}
	cases := []struct {
		act  certify.Action
		on   string
		want string // refusal key; "" = allowed
	}{
		{certify.ActClose, "2026-12-17", "certify.error.appeal_window_open"},
		{certify.ActAppeal, "2026-12-18", "certify.error.appeal_window_over"},
		{certify.ActAppeal, "2026-12-17", ""},
	}
	for _, c := range cases {
		err := e.try(clerk, func(tx *store.Tx) error { return certify.Advance(clerk, tx, countyScope, a.ID, c.act, "", day(c.on)) })
		if c.want == "" && err != nil || c.want != "" && refusal(t, err).Key != c.want {
			t.Errorf("%s on %s: %v, want %q", c.act, c.on, err, c.want)
		}
	}
	// Cancellation, then a new application within a year is refused.
	idn := idNumber(1945, 72)
	e.person(idn, "孙", villageA, registry.Vision, registry.Grade1, "2019-01-01")
	c := e.file(certify.NewApplication{Type: certify.TypeCancel, IDNumber: idn, CancelReason: "康复"}, monday)
	e.tx(clerk, func(tx *store.Tx) error {
		return certify.Advance(clerk, tx, countyScope, c.ID, certify.ActForward, "", monday)
	})
	// The clerk who filed it may not approve it.
	err := e.try(clerk, func(tx *store.Tx) error {
		return certify.Decide(clerk, tx, countyScope, c.ID, certify.ActApprove, "", monday)
	})
	if re := refusal(t, err); re.Key != "certify.error.four_eyes" {
		t.Fatalf("approving one's own filing: %v", err)
	}
	e.tx(reviewer, func(tx *store.Tx) error {
		return certify.Decide(reviewer, tx, countyScope, c.ID, certify.ActApprove, "", monday)
	})
	e.tx(clerk, func(tx *store.Tx) error { return certify.Complete(clerk, tx, countyScope, c.ID, monday) })
	p, _ := registry.GetByIDNumber(context.Background(), e.db, countyScope, idn)
	if p.Status != registry.StatusCancelled {
		t.Fatalf("registry after cancellation: %s", p.Status)
	}
	for _, tc := range []struct {
		on   time.Time
		want string
	}{{day("2027-11-29"), "certify.error.reapply_wait"}, {day("2027-11-30"), ""}} {
		err := e.try(clerk, func(tx *store.Tx) error {
			_, err := certify.Create(clerk, tx, countyScope, certify.NewApplication{Type: certify.TypeNew, IDNumber: idn, Name: "孙", VillageCode: villageA, Category: registry.Vision}, tc.on)
			return err
		})
		if tc.want == "" && err != nil || tc.want != "" && fieldError(t, err).Key != tc.want {
			t.Errorf("new application on %s: %v", tc.on.Format(time.DateOnly), err)
		}
	}
}
