package employ

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// ---- overview with the figures ----

type overviewData struct {
	base
	S    Stats
	Form []string // forms with a count, in display order
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	from, to, es := h.period(r.URL.Query())
	st, err := Figures(r.Context(), h.DB, scope(r), from, to)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	render(w, r, "overview", "employ.title", overviewData{base: b, S: st}, web.Page{Errors: es, Form: map[string]string{"from": from, "to": to}})
}

// ---- persons' employment list ----

type personsData struct {
	base
	Records []Record
	Found   []registry.Person // registry matches of the "find a person" box
	Query   string
	Export  string // the export's query string
}

// recordFilter reads the list's filters: q, area, form, on (default
// today; "all" for every record), income=1 (income at least the
// threshold).
func (h *Handler) recordFilter(r *http.Request) (RecordFilter, map[string]string, error) {
	q := r.URL.Query()
	f := RecordFilter{Query: q.Get("q"), AreaCode: q.Get("area"), Form: q.Get("form"), On: strings.TrimSpace(q.Get("on"))}
	form := map[string]string{"q": f.Query, "area": f.AreaCode, "form": f.Form, "on": f.On, "income": q.Get("income")}
	if f.On == "" {
		f.On = ymd(h.today())
		form["on"] = f.On
	}
	if f.On == "all" || !validDate(f.On) {
		f.On, form["on"] = "", ""
	}
	if q.Get("income") == "1" && f.On != "" {
		set, err := LoadSettings(r.Context(), h.DB)
		if err != nil {
			return f, form, err
		}
		f.MinIncome = set.IncomeThreshold
	}
	return f, form, nil
}

func (h *Handler) persons(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	f, form, err := h.recordFilter(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := personsData{base: b, Query: strings.TrimSpace(r.URL.Query().Get("find")), Export: r.URL.RawQuery}
	if d.Records, err = ListRecords(ctx, h.DB, scope(r), f); err != nil {
		web.ServerError(w, r, err)
		return
	}
	form["find"] = d.Query
	if d.Query != "" {
		found, err := registry.Search(ctx, h.DB, scope(r), registry.Filter{Query: d.Query, Limit: 20, Sort: registry.SortName, Today: h.today()})
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for _, p := range found {
			d.Found = append(d.Found, p.Masked())
		}
	}
	render(w, r, "persons", "employ.persons", d, web.Page{Form: form})
}

// ---- one person ----

type personData struct {
	base
	P           registry.Person
	Seeker      *Seeker
	Records     []Record
	Courses     []Course
	Enrolments  []Enrolment
	Projects    []Project
	Wishes      []Wish
	Assignees   []auth.User
	Avail       []string
	WishTypes   []string
	EmployedNow bool
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) { h.personPage(w, r, web.Page{}) }

func (h *Handler) personPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s := scope(r)
	p, err := registry.Get(ctx, h.DB, s, r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := personData{base: b, P: p.Masked(), Avail: Availabilities, WishTypes: WishTypes}
	if k, err := GetSeeker(ctx, h.DB, s, p.ID); err == nil {
		d.Seeker = &k
	}
	if d.Records, err = ListRecords(ctx, h.DB, s, RecordFilter{PersonID: p.ID}); err == nil {
		for _, rec := range d.Records {
			d.EmployedNow = d.EmployedNow || rec.Covers(b.Today)
		}
		if d.Courses, d.Enrolments, err = PersonCourses(ctx, h.DB, s, p.ID); err == nil {
			if d.Projects, err = ListProjects(ctx, h.DB, s, p.ID, ""); err == nil {
				if d.Wishes, err = ListWishes(ctx, h.DB, s, WishFilter{PersonID: p.ID}); err == nil {
					d.Assignees, err = Assignees(ctx, h.DB, s)
				}
			}
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	// The profile form shows the stored profile unless it was the form refused.
	if page.Form == nil {
		page.Form = map[string]string{}
	}
	if _, posted := page.Form["availability"]; !posted && d.Seeker != nil {
		for k, v := range map[string]string{"skills": d.Seeker.Skills, "direction": d.Seeker.Direction, "training_wish": d.Seeker.TrainingWish,
			"limits": d.Seeker.Limits, "availability": d.Seeker.Availability, "registered_on": d.Seeker.RegisteredOn} {
			page.Form[k] = v
		}
	}
	page.Crumbs = append(crumbs(r, "employ.persons")[:1], web.Crumb{Label: web.T(lang(r), "employ.persons"), Href: "/employment/persons"}, web.Crumb{Label: p.Name})
	render(w, r, "person", "employ.person_page", d, page)
}

func (h *Handler) again(w http.ResponseWriter, r *http.Request) func(web.Page) {
	return func(p web.Page) { h.personPage(w, r, p) }
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request) {
	k := Seeker{PersonID: r.PathValue("id"), Skills: r.FormValue("skills"), Direction: r.FormValue("direction"), TrainingWish: r.FormValue("training_wish"),
		Limits: r.FormValue("limits"), Availability: r.FormValue("availability"), RegisteredOn: r.FormValue("registered_on")}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, err := SaveSeeker(r.Context(), tx, scope(r), k, h.today()); return err })
	done(w, r, err, "/employment/persons/"+k.PersonID, h.again(w, r))
}

func (h *Handler) createRecord(w http.ResponseWriter, r *http.Request) {
	var es validate.Errors
	rec := Record{PersonID: r.PathValue("id"), Form: r.FormValue("form"), Employer: r.FormValue("employer"), StartDate: r.FormValue("start_date"),
		EndDate: r.FormValue("end_date"), Note: r.FormValue("note"), MonthlyIncome: fenOf(&es, "employ.record.monthly_income", r.FormValue("monthly_income"))}
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			_, err := CreateRecord(r.Context(), tx, scope(r), rec, h.today())
			return err
		})
	}
	done(w, r, err, "/employment/persons/"+rec.PersonID, h.again(w, r))
}

func (h *Handler) endRecord(w http.ResponseWriter, r *http.Request) {
	var rec Record
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		rec, err = EndRecord(r.Context(), tx, scope(r), r.PathValue("id"), r.FormValue("end_date"))
		return err
	})
	if rec.PersonID == "" {
		rec, _ = GetRecord(r.Context(), h.DB, scope(r), r.PathValue("id"))
	}
	r.SetPathValue("id", rec.PersonID)
	done(w, r, err, "/employment/persons/"+rec.PersonID, h.again(w, r))
}

func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) {
	var es validate.Errors
	j := Project{PersonID: r.PathValue("id"), Name: r.FormValue("name"), Mentor: r.FormValue("mentor"), AppliedOn: r.FormValue("applied_on"),
		Note: r.FormValue("note"), Grant: fenOf(&es, "employ.project.grant", r.FormValue("grant"))}
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, err := CreateProject(r.Context(), tx, scope(r), j, h.today()); return err })
	}
	done(w, r, err, "/employment/persons/"+j.PersonID, h.again(w, r))
}

func (h *Handler) createWish(w http.ResponseWriter, r *http.Request) {
	x := Wish{PersonID: r.PathValue("id"), Type: r.FormValue("type"), Text: r.FormValue("text"), RecordedOn: r.FormValue("recorded_on"), AssignedTo: r.FormValue("assigned_to")}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, err := CreateWish(r.Context(), tx, scope(r), x, h.today()); return err })
	done(w, r, err, "/employment/persons/"+x.PersonID, h.again(w, r))
}

// ---- posts ----

type postsData struct {
	base
	Posts []Post
	On    string
}

func (h *Handler) posts(w http.ResponseWriter, r *http.Request) { h.postsPage(w, r, web.Page{}) }

func (h *Handler) postsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := postsData{base: b, On: b.Today}
	if on := r.URL.Query().Get("on"); validDate(on) {
		d.On = on
	}
	if d.Posts, err = ListPosts(r.Context(), h.DB, scope(r), d.On); err != nil {
		web.ServerError(w, r, err)
		return
	}
	render(w, r, "posts", "employ.posts", d, page)
}

func (h *Handler) createPost(w http.ResponseWriter, r *http.Request) {
	var es validate.Errors
	p := Post{Name: r.FormValue("name"), AreaCode: r.FormValue("area_code"), Sponsor: r.FormValue("sponsor"), MonthlyPay: fenOf(&es, "employ.post.monthly_pay", r.FormValue("monthly_pay"))}
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, err := SavePost(r.Context(), tx, scope(r), p); return err })
	}
	done(w, r, err, "/employment/posts", func(pg web.Page) { h.postsPage(w, r, pg) })
}

func (h *Handler) assignPost(w http.ResponseWriter, r *http.Request) {
	var es validate.Errors
	pid, err := h.pick(r, &es)
	if err == nil {
		err = es.Err()
	}
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			_, err := AssignPost(r.Context(), tx, scope(r), r.PathValue("id"), pid, r.FormValue("start_date"), h.today())
			return err
		})
	}
	done(w, r, err, "/employment/posts", func(pg web.Page) { h.postsPage(w, r, pg) })
}

// ---- courses ----

type coursesData struct {
	base
	Courses []Course
	Kinds   []string
}

func (h *Handler) courses(w http.ResponseWriter, r *http.Request) { h.coursesPage(w, r, web.Page{}) }

func (h *Handler) coursesPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := coursesData{base: b, Kinds: CourseKinds}
	if d.Courses, err = ListCourses(r.Context(), h.DB, scope(r), "", ""); err != nil {
		web.ServerError(w, r, err)
		return
	}
	render(w, r, "courses", "employ.courses", d, page)
}

func (h *Handler) createCourse(w http.ResponseWriter, r *http.Request) {
	c := Course{Kind: r.FormValue("kind"), Name: r.FormValue("name"), AreaCode: r.FormValue("area_code"), Place: r.FormValue("place"),
		Provider: r.FormValue("provider"), Master: r.FormValue("master"), StartDate: r.FormValue("start_date"), EndDate: r.FormValue("end_date")}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) { c, err = SaveCourse(r.Context(), tx, scope(r), c); return err })
	done(w, r, err, "/employment/courses/"+c.ID, func(pg web.Page) { h.coursesPage(w, r, pg) })
}

type courseData struct {
	base
	C          Course
	Sessions   []Session
	Enrolments []Enrolment
	Mine       bool // held in the viewer's scope: sessions and finishing are hers
	MinPct     int
}

func (h *Handler) course(w http.ResponseWriter, r *http.Request) { h.coursePage(w, r, web.Page{}) }

func (h *Handler) coursePage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s := scope(r)
	c, err := GetCourse(ctx, h.DB, s, r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := courseData{base: b, C: c, Mine: s.Contains(c.AreaCode)}
	set, err := LoadSettings(ctx, h.DB)
	if err == nil {
		d.MinPct = set.MinAttendancePct
		if d.Sessions, err = Sessions(ctx, h.DB, s, c.ID); err == nil {
			d.Enrolments, err = Enrolments(ctx, h.DB, s, c.ID)
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Crumbs = []web.Crumb{{Label: web.T(lang(r), "nav.employment"), Href: "/employment"}, {Label: web.T(lang(r), "employ.courses"), Href: "/employment/courses"}, {Label: c.Name}}
	render(w, r, "course", "employ.course_page", d, page)
}

func (h *Handler) addSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := AddSession(r.Context(), tx, scope(r), id, r.FormValue("day"), r.FormValue("topic"))
		return err
	})
	done(w, r, err, "/employment/courses/"+id, func(pg web.Page) { h.coursePage(w, r, pg) })
}

func (h *Handler) enrol(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var es validate.Errors
	pid, err := h.pick(r, &es)
	if err == nil {
		err = es.Err()
	}
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, err := Enrol(r.Context(), tx, scope(r), id, pid, h.today()); return err })
	}
	done(w, r, err, "/employment/courses/"+id, func(pg web.Page) { h.coursePage(w, r, pg) })
}

func (h *Handler) finish(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := FinishCourse(r.Context(), tx, scope(r), id, r.FormValue("finished_on"), h.today())
		return err
	})
	done(w, r, err, "/employment/courses/"+id, func(pg web.Page) { h.coursePage(w, r, pg) })
}

type sessionData struct {
	base
	C          Course
	S          Session
	Enrolments []Enrolment
	Present    map[string]bool
}

func (h *Handler) session(w http.ResponseWriter, r *http.Request) { h.sessionPage(w, r, web.Page{}) }

func (h *Handler) sessionPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s := scope(r)
	var courseID string
	if err := h.DB.QueryRowContext(ctx, `SELECT course_id FROM emp_sessions WHERE id = $1`, r.PathValue("id")).Scan(&courseID); err != nil {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	c, err := GetCourse(ctx, h.DB, s, courseID)
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := sessionData{base: b, C: c}
	all, err := Sessions(ctx, h.DB, s, c.ID)
	if err == nil {
		for _, x := range all {
			if x.ID == r.PathValue("id") {
				d.S = x
			}
		}
		if d.Enrolments, err = Enrolments(ctx, h.DB, s, c.ID); err == nil {
			d.Present, err = Attendance(ctx, h.DB, s, d.S.ID)
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Crumbs = []web.Crumb{{Label: web.T(lang(r), "nav.employment"), Href: "/employment"}, {Label: c.Name, Href: "/employment/courses/" + c.ID},
		{Label: web.T(lang(r), "employ.attendance_sheet")}}
	render(w, r, "session", "employ.attendance_sheet", d, page)
}

func (h *Handler) saveAttendance(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return RecordAttendance(r.Context(), tx, scope(r), r.PathValue("id"), r.PostForm["present"], h.today())
	})
	done(w, r, err, "/employment/sessions/"+r.PathValue("id"), func(pg web.Page) { h.sessionPage(w, r, pg) })
}

// ---- projects ----

type projectsData struct {
	base
	Projects []Project
	Statuses []string
	Status   string
}

func (h *Handler) projects(w http.ResponseWriter, r *http.Request) { h.projectsPage(w, r, web.Page{}) }

func (h *Handler) projectsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := projectsData{base: b, Statuses: ProjectStatuses, Status: r.URL.Query().Get("status")}
	if !contains(ProjectStatuses, d.Status) {
		d.Status = ""
	}
	if d.Projects, err = ListProjects(r.Context(), h.DB, scope(r), "", d.Status); err != nil {
		web.ServerError(w, r, err)
		return
	}
	render(w, r, "projects", "employ.projects", d, page)
}

// Moves lists the statuses a project may go to next, for its buttons.
func (p Project) Moves() []string { return projectMoves[p.Status] }

func (h *Handler) moveProject(w http.ResponseWriter, r *http.Request) {
	var es validate.Errors
	grant := fenOf(&es, "employ.project.grant", r.FormValue("grant"))
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			_, err := MoveProject(r.Context(), tx, scope(r), r.PathValue("id"), r.FormValue("to"), r.FormValue("day"), grant, r.FormValue("mentor"))
			return err
		})
	}
	done(w, r, err, "/employment/projects", func(pg web.Page) { h.projectsPage(w, r, pg) })
}

// ---- greenhouses and bases ----

type placesData struct {
	base
	Kind   string // greenhouse, or "" for the bases
	Kinds  []string
	Places []Place
}

func (h *Handler) places(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h.placesPage(w, r, kind, web.Page{}) }
}

func (h *Handler) placesPage(w http.ResponseWriter, r *http.Request, kind string, page web.Page) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := placesData{base: b, Kind: kind, Kinds: []string{PlaceSupport, PlaceTraining}}
	kinds := d.Kinds
	title := "employ.bases"
	if kind == PlaceGreenhouse {
		kinds, d.Kinds, title = []string{PlaceGreenhouse}, []string{PlaceGreenhouse}, "employ.greenhouses"
	}
	if d.Places, err = ListPlaces(r.Context(), h.DB, scope(r), b.Today, kinds...); err != nil {
		web.ServerError(w, r, err)
		return
	}
	render(w, r, "places", title, d, page)
}

func (h *Handler) createPlace(w http.ResponseWriter, r *http.Request) {
	l := Place{Kind: r.FormValue("kind"), Name: r.FormValue("name"), AreaCode: r.FormValue("area_code"), Operator: r.FormValue("operator"),
		OpenedOn: r.FormValue("opened_on"), ClosedOn: r.FormValue("closed_on")}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) { l, err = SavePlace(r.Context(), tx, scope(r), l); return err })
	kind := ""
	if l.Kind == PlaceGreenhouse {
		kind = PlaceGreenhouse
	}
	done(w, r, err, "/employment/places/"+l.ID, func(pg web.Page) { h.placesPage(w, r, kind, pg) })
}

type placeData struct {
	base
	L       Place
	Workers []Worker
	Roles   []string
}

func (h *Handler) place(w http.ResponseWriter, r *http.Request) { h.placePage(w, r, web.Page{}) }

func (h *Handler) placePage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	l, err := GetPlace(ctx, h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := placeData{base: b, L: l, Roles: WorkerRoles}
	if d.Workers, err = Workers(ctx, h.DB, scope(r), l.ID); err != nil {
		web.ServerError(w, r, err)
		return
	}
	list, listKey := "/employment/bases", "employ.bases"
	if l.Kind == PlaceGreenhouse {
		list, listKey = "/employment/greenhouses", "employ.greenhouses"
	}
	page.Crumbs = []web.Crumb{{Label: web.T(lang(r), "nav.employment"), Href: "/employment"}, {Label: web.T(lang(r), listKey), Href: list}, {Label: l.Name}}
	render(w, r, "place", "employ.place_page", d, page)
}

func (h *Handler) addWorker(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	x := Worker{PlaceID: id, Role: r.FormValue("role"), Name: r.FormValue("name"), Relation: r.FormValue("relation"), StartDate: r.FormValue("start_date")}
	var es validate.Errors
	var err error
	if x.Role != RoleFamily {
		x.PersonID, err = h.pick(r, &es)
	}
	if err == nil {
		err = es.Err()
	}
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, err := AddWorker(r.Context(), tx, scope(r), x, h.today()); return err })
	}
	done(w, r, err, "/employment/places/"+id, func(pg web.Page) { h.placePage(w, r, pg) })
}

func (h *Handler) endWorker(w http.ResponseWriter, r *http.Request) {
	var x Worker
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		x, err = EndWorker(r.Context(), tx, scope(r), r.PathValue("id"), r.FormValue("end_date"))
		return err
	})
	r.SetPathValue("id", x.PlaceID)
	done(w, r, err, "/employment/places/"+x.PlaceID, func(pg web.Page) { h.placePage(w, r, pg) })
}

// ---- campaigns ----

type campaignsData struct {
	base
	Campaigns []Campaign
	Kinds     []string
}

func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request) {
	h.campaignsPage(w, r, web.Page{})
}

func (h *Handler) campaignsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := campaignsData{base: b, Kinds: CampaignKinds}
	if d.Campaigns, err = ListCampaigns(r.Context(), h.DB, scope(r), "", ""); err != nil {
		web.ServerError(w, r, err)
		return
	}
	render(w, r, "campaigns", "employ.campaigns", d, page)
}

func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request) {
	c := Campaign{Kind: r.FormValue("kind"), Name: r.FormValue("name"), AreaCode: r.FormValue("area_code"), Place: r.FormValue("place"),
		StartDate: r.FormValue("start_date"), EndDate: r.FormValue("end_date")}
	var es validate.Errors
	for field, dst := range map[string]*int{"reached_count": &c.ReachedCount, "suggestions_count": &c.SuggestionsCount} {
		v := strings.TrimSpace(r.FormValue(field))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			es.Add(0, "employ.campaign."+field, "employ.error.count", MaxCount)
		}
		*dst = n
	}
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) { c, err = SaveCampaign(r.Context(), tx, scope(r), c); return err })
	}
	done(w, r, err, "/employment/campaigns/"+c.ID, func(pg web.Page) { h.campaignsPage(w, r, pg) })
}

type campaignData struct {
	base
	C           Campaign
	Persons     []registry.Person
	Suggestions []Suggestion
	Mine        bool
}

func (h *Handler) campaign(w http.ResponseWriter, r *http.Request) { h.campaignPage(w, r, web.Page{}) }

func (h *Handler) campaignPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s := scope(r)
	c, err := GetCampaign(ctx, h.DB, s, r.PathValue("id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := campaignData{base: b, C: c, Mine: s.Contains(c.AreaCode)}
	if d.Persons, err = CampaignPersons(ctx, h.DB, s, c.ID); err == nil {
		d.Suggestions, err = Suggestions(ctx, h.DB, s, c.ID)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Crumbs = []web.Crumb{{Label: web.T(lang(r), "nav.employment"), Href: "/employment"}, {Label: web.T(lang(r), "employ.campaigns"), Href: "/employment/campaigns"}, {Label: c.Name}}
	render(w, r, "campaign", "employ.campaign_page", d, page)
}

func (h *Handler) addCampaignPerson(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var es validate.Errors
	pid, err := h.pick(r, &es)
	if err == nil {
		err = es.Err()
	}
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error { return AddCampaignPerson(r.Context(), tx, scope(r), id, pid) })
	}
	done(w, r, err, "/employment/campaigns/"+id, func(pg web.Page) { h.campaignPage(w, r, pg) })
}

func (h *Handler) addSuggestion(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := AddSuggestion(r.Context(), tx, scope(r), id, r.FormValue("text"))
		return err
	})
	done(w, r, err, "/employment/campaigns/"+id, func(pg web.Page) { h.campaignPage(w, r, pg) })
}

// ---- wishes ----

type wishesData struct {
	base
	Wishes    []Wish
	Types     []string
	Statuses  []string
	Assignees []auth.User
}

func (h *Handler) wishes(w http.ResponseWriter, r *http.Request) { h.wishesPage(w, r, web.Page{}) }

func (h *Handler) wishesPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	b, err := h.base(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := WishFilter{Type: q.Get("type"), Status: q.Get("status")}
	if q.Get("mine") == "1" {
		f.AssignedTo = auth.From(r.Context()).ID
	}
	d := wishesData{base: b, Types: WishTypes, Statuses: WishStatuses}
	if d.Wishes, err = ListWishes(r.Context(), h.DB, scope(r), f); err == nil {
		d.Assignees, err = Assignees(r.Context(), h.DB, scope(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		page.Form = map[string]string{"type": f.Type, "status": f.Status, "mine": q.Get("mine")}
	}
	render(w, r, "wishes", "employ.wishes", d, page)
}

func (h *Handler) assignWish(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := AssignWish(r.Context(), tx, scope(r), r.PathValue("id"), r.FormValue("assigned_to"))
		return err
	})
	done(w, r, err, "/employment/wishes", func(pg web.Page) { h.wishesPage(w, r, pg) })
}

func (h *Handler) closeWish(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := CloseWish(r.Context(), tx, scope(r), r.PathValue("id"), r.FormValue("fulfilled") == "1", r.FormValue("closed_on"), r.FormValue("note"), h.today())
		return err
	})
	done(w, r, err, "/employment/wishes", func(pg web.Page) { h.wishesPage(w, r, pg) })
}

// villageGroups groups villages by township for a select.
func (b base) VillageGroups() []villageGroup {
	var out []villageGroup
	for _, v := range b.Villages {
		if n := len(out); n == 0 || out[n-1].Code != v.ParentCode {
			out = append(out, villageGroup{Code: v.ParentCode, Name: b.Names[v.ParentCode]})
		}
		out[len(out)-1].Villages = append(out[len(out)-1].Villages, v)
	}
	return out
}

type villageGroup struct {
	Code, Name string
	Villages   []area.Area
}
