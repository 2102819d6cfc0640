package employ_test

import (
	"testing"

	"github.com/yangguang-cdpf/yangguang/internal/employ"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
)

func TestCompletes(t *testing.T) {
	for _, c := range []struct {
		attended, sessions, pct int
		want                    bool
	}{
		{4, 5, 80, true}, {3, 5, 80, false}, {5, 5, 100, true}, {4, 5, 100, false},
		{1, 3, 34, false}, {1, 3, 33, true}, {0, 0, 80, false}, {1, 1, 1, true},
	} {
		if got := employ.Completes(c.attended, c.sessions, c.pct); got != c.want {
			t.Errorf("Completes(%d, %d, %d) = %v", c.attended, c.sessions, c.pct, got)
		}
	}
}

// The "done when": attendance sheets roll up through completion
// to the person-times the target counts, on either basis.
func TestAttendanceRollsUpToPersonTimes(t *testing.T) {
	e := setup(t)
	var ps []registry.Person
	for _, n := range []string{"甲", "乙", "丙", "丁"} {
		ps = append(ps, e.person("王"+n, villageA))
	}
	pb := e.person("李秀英", villageB)
	var c employ.Course
	e.tx(func(tx *store.Tx) (err error) {
		c, err = employ.SaveCourse(e.ctx, tx, countyScope, employ.Course{Kind: employ.KindEcommerce, Name: "电商直播班", AreaCode: county,
			Place: "县残联", Provider: "县职教中心", StartDate: "2026-10-01", EndDate: "2026-10-31"})
		return err
	})
	var sessions []employ.Session
	for _, d := range []string{"2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-10-30"} {
		e.tx(func(tx *store.Tx) error {
			x, err := employ.AddSession(e.ctx, tx, countyScope, c.ID, d, "第"+d[8:]+"课")
			sessions = append(sessions, x)
			return err
		})
	}
	// Township A's worker enrols her four in the county course; the county
	// enrols a fifth from township B.
	for _, p := range ps {
		e.tx(func(tx *store.Tx) error { _, err := employ.Enrol(e.ctx, tx, scopeA, c.ID, p.ID, today); return err })
	}
	e.tx(func(tx *store.Tx) error {
		_, err := employ.Enrol(e.ctx, tx, countyScope, c.ID, pb.ID, today)
		return err
	})
	// Attended: 甲 5/5, 乙 4/5, 丙 3/5, 丁 0/5, 李 4/5 (kept by the county).
	attended := map[string]int{ps[0].ID: 5, ps[1].ID: 4, ps[2].ID: 3, ps[3].ID: 0}
	for i, x := range sessions {
		var present []string
		for id, n := range attended {
			if i < n {
				present = append(present, id)
			}
		}
		e.tx(func(tx *store.Tx) error { return employ.RecordAttendance(e.ctx, tx, scopeA, x.ID, present, today) })
		var pbPresent []string
		if i < 4 {
			pbPresent = []string{pb.ID}
		}
		// Township B keeps the sheet of its own person; A's marks stay.
		e.tx(func(tx *store.Tx) error { return employ.RecordAttendance(e.ctx, tx, scopeB, x.ID, pbPresent, today) })
	}
	// A's worker cannot mark B's person.
	if err := e.try(func(tx *store.Tx) error {
		return employ.RecordAttendance(e.ctx, tx, scopeA, sessions[0].ID, []string{pb.ID}, today)
	}); keyOf(err) != "employ.error.not_enrolled" {
		t.Errorf("marked a person outside the scope: %v", err)
	}
	// A township worker cannot finish a county course.
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.FinishCourse(e.ctx, tx, scopeA, c.ID, "2026-10-31", today)
		return err
	}); keyOf(err) != "employ.error.course_not_yours" {
		t.Errorf("township finished a county course: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.FinishCourse(e.ctx, tx, countyScope, c.ID, "2026-10-29", today)
		return err
	}); keyOf(err) != "employ.error.finish_before_session" {
		t.Errorf("finished before the last session: %v", err)
	}
	var res employ.FinishResult
	e.tx(func(tx *store.Tx) (err error) {
		res, err = employ.FinishCourse(e.ctx, tx, countyScope, c.ID, "2026-10-31", today)
		return err
	})
	if res.Completed != 3 || res.NotCompleted != 2 {
		t.Fatalf("finish %+v, want 3 completed (5/5, 4/5, 4/5 at 80%%) and 2 not", res)
	}
	pt := func(s, basis string) int {
		sc := countyScope
		if s == "A" {
			sc = scopeA
		}
		n, err := employ.PersonTimes(e.ctx, e.db, sc, "2026-01-01", "2026-12-31", basis)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := pt("county", employ.BasisCompletions); n != 3 {
		t.Errorf("county person-times %d, want 3", n)
	}
	if n := pt("A", employ.BasisCompletions); n != 2 {
		t.Errorf("township A person-times %d, want 2", n)
	}
	if n := pt("county", employ.BasisEnrolments); n != 5 {
		t.Errorf("enrolment basis %d, want 5", n)
	}
	// The setting switches the basis the figures use.
	st, _ := employ.Figures(e.ctx, e.db, countyScope, "2026-01-01", "2026-12-31")
	if st.PersonTimes != 3 || st.Courses != 1 {
		t.Errorf("figures person-times %d courses %d", st.PersonTimes, st.Courses)
	}
	e.tx(func(tx *store.Tx) error {
		return employ.SaveSettings(e.ctx, tx, map[string]string{"person_times_basis": employ.BasisEnrolments})
	})
	st, _ = employ.Figures(e.ctx, e.db, countyScope, "2026-01-01", "2026-12-31")
	if st.PersonTimes != 5 {
		t.Errorf("figures on enrolments %d, want 5", st.PersonTimes)
	}
	// Certificates went to those who completed, and the course is closed.
	ens, _ := employ.Enrolments(e.ctx, e.db, countyScope, c.ID)
	certs := 0
	for _, en := range ens {
		if en.Completed != (en.CertificateNo != "") {
			t.Errorf("%s completed=%v certificate %q", en.Name, en.Completed, en.CertificateNo)
		}
		if en.Completed {
			certs++
		}
	}
	if certs != 3 {
		t.Errorf("%d certificates", certs)
	}
	if err := e.try(func(tx *store.Tx) error {
		return employ.RecordAttendance(e.ctx, tx, countyScope, sessions[0].ID, nil, today)
	}); keyOf(err) != "employ.error.course_finished" {
		t.Errorf("attendance after finish: %v", err)
	}
}

// Every rule of courses, sessions and enrolments.
func TestCourseRules(t *testing.T) {
	e := setup(t)
	p, p2 := e.person("王明", villageA), e.person("刘芳", villageA)
	good := employ.Course{Kind: employ.KindApprentice, Name: "木工师带徒", AreaCode: townA, Place: "木工坊", Provider: "城关街道", Master: "张师傅", StartDate: "2026-03-01", EndDate: "2026-12-31"}
	for _, c := range []struct {
		name  string
		edit  func(c *employ.Course)
		field string
	}{
		{"apprentice needs a master", func(c *employ.Course) { c.Master = "" }, "employ.course.master"},
		{"kind", func(c *employ.Course) { c.Kind = "magic" }, "employ.course.kind"},
		{"area outside the scope", func(c *employ.Course) { c.AreaCode = townB }, "employ.course.area"},
		{"end before start", func(c *employ.Course) { c.EndDate = "2026-01-01" }, "employ.course.end_date"},
		{"no place", func(c *employ.Course) { c.Place = " " }, "employ.course.place"},
	} {
		cc := good
		c.edit(&cc)
		err := e.try(func(tx *store.Tx) error { _, err := employ.SaveCourse(e.ctx, tx, scopeA, cc); return err })
		if fieldOf(err) != c.field {
			t.Errorf("%s: field %q (%v)", c.name, fieldOf(err), err)
		}
	}
	var c employ.Course
	e.tx(func(tx *store.Tx) (err error) { c, err = employ.SaveCourse(e.ctx, tx, scopeA, good); return err })
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.AddSession(e.ctx, tx, scopeA, c.ID, "2027-01-05", "x")
		return err
	}); keyOf(err) != "employ.error.outside_course" {
		t.Errorf("session outside the course: %v", err)
	}
	var future employ.Session
	e.tx(func(tx *store.Tx) (err error) {
		future, err = employ.AddSession(e.ctx, tx, scopeA, c.ID, "2026-12-10", "刨工")
		return err
	})
	e.tx(func(tx *store.Tx) error { _, err := employ.Enrol(e.ctx, tx, scopeA, c.ID, p.ID, today); return err })
	if err := e.try(func(tx *store.Tx) error { _, err := employ.Enrol(e.ctx, tx, scopeA, c.ID, p.ID, today); return err }); keyOf(err) != "employ.error.enrolled" {
		t.Errorf("enrolled twice: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error { _, err := employ.Enrol(e.ctx, tx, scopeA, c.ID, p2.ID, today); return err }); keyOf(err) != "employ.error.one_apprentice" {
		t.Errorf("second apprentice: %v", err)
	}
	if err := e.try(func(tx *store.Tx) error {
		return employ.RecordAttendance(e.ctx, tx, scopeA, future.ID, []string{p.ID}, today)
	}); keyOf(err) != "employ.error.session_future" {
		t.Errorf("attendance of a future session: %v", err)
	}
	// Township B neither sees nor changes township A's course.
	if _, err := employ.GetCourse(e.ctx, e.db, scopeB, c.ID); keyOf(err) != "not_found" {
		t.Errorf("township B sees A's course: %v", err)
	}
	if cs, _ := employ.ListCourses(e.ctx, e.db, scopeB, "", ""); len(cs) != 0 {
		t.Errorf("township B lists %d courses", len(cs))
	}
	if err := e.try(func(tx *store.Tx) error {
		_, err := employ.FinishCourse(e.ctx, tx, scopeA, c.ID, "2026-12-31", today)
		return err
	}); keyOf(err) != "employ.error.future" {
		t.Errorf("finished in the future: %v", err)
	}
}
