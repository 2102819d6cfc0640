package certify

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the certification pages (staff, experts, settings) and
// the JSON API under /api/v1/certification/.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the certification handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API; the router checks each route's
// permission (the department rule of county staff included).
func (h *Handler) Routes(rt *web.Router) {
	page := func(pattern string, perm auth.Perm, fn http.HandlerFunc) { rt.Page(pattern, perm, fn) }
	page("GET /certify", auth.PermCertifyRead, h.overview)
	page("GET /certify/applications", auth.PermCertifyRead, h.list)
	page("GET /certify/applications/new", auth.PermCertifyApply, h.newForm)
	page("POST /certify/applications", auth.PermCertifyApply, h.create)
	page("GET /certify/applications/{id}", auth.PermCertifyRead, h.detail)
	page("GET /certify/applications/{id}/certificate", auth.PermCertifyRead, h.certificate)
	page("POST /certify/applications/{id}/book", auth.PermCertifyWrite, h.book)
	page("POST /certify/applications/{id}/home", auth.PermCertifyWrite, h.home)
	page("POST /certify/applications/{id}/review", auth.PermCertifyReview, h.review)
	page("POST /certify/applications/{id}/advance", auth.PermCertifyWrite, h.advance(auth.PermCertifyWrite))
	page("POST /certify/applications/{id}/applicant", auth.PermCertifyApply, h.advance(auth.PermCertifyApply))
	page("POST /certify/applications/{id}/issue", auth.PermCertifyWrite, h.issue)
	page("POST /certify/applications/{id}/deliver", auth.PermCertifyWrite, h.deliver)
	page("POST /certify/applications/{id}/visit", auth.PermCertifyApply, h.visit)
	page("POST /certify/applications/{id}/attach", auth.PermCertifyApply, h.attach)
	page("GET /certify/sessions", auth.PermCertifyRead, h.sessions)
	page("POST /certify/sessions", auth.PermCertifyWrite, h.createSession)
	page("GET /certify/sessions/{id}", auth.PermCertifyRead, h.session)
	page("POST /certify/sessions/{id}/experts", auth.PermCertifyWrite, h.addSessionExpert)
	page("POST /certify/sessions/{id}/status", auth.PermCertifyWrite, h.sessionStatus)
	page("GET /certify/experts", auth.PermCertifyRead, h.experts)
	page("POST /certify/experts", auth.PermCertifyWrite, h.saveExpert)
	page("GET /certify/experts/{id}", auth.PermCertifyWrite, h.expert)
	page("POST /certify/experts/{id}", auth.PermCertifyWrite, h.saveExpert)
	page("POST /certify/experts/{id}/conflicts", auth.PermCertifyWrite, h.addConflict)
	page("GET /certify/outbox", auth.PermCertifyRead, h.outbox)
	page("GET /certify/renewals", auth.PermCertifyRead, h.renewals)
	page("GET /certify/figures", auth.PermCertifyRead, h.figures)
	page("GET /certify/assess", auth.PermCertifyAssess, h.assessList)
	page("GET /certify/assess/{id}", auth.PermCertifyAssess, h.assessForm)
	page("POST /certify/assess/{id}", auth.PermCertifyAssess, h.assess)
	page("GET /admin/certify-settings", auth.PermSettingsManage, h.settings)
	page("POST /admin/certify-settings", auth.PermSettingsManage, h.saveSettings)
	h.apiRoutes(rt)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, label string) []web.Crumb {
	return []web.Crumb{{Label: i18n.T(lang(r), "nav.certify"), Href: "/certify"}, {Label: label}}
}

// localTime is the web package's, for Go-side formatting here.
var localTime = web.LocalTime

// refusalErrors turns a refusal into the page's error summary, in the
// viewer's language.
func refusalErrors(l i18n.Lang, re *RefusedError) validate.Errors {
	if re.Key == "" {
		return validate.Errors{{Key: "certify.error.refused", Args: []any{i18n.T(l, "certify.status."+string(re.Status)), i18n.T(l, "certify.action."+string(re.Action))}}}
	}
	return validate.Errors{{Key: re.Key, Args: re.Args}}
}

// ---- overview ----

type overviewData struct {
	Counts  map[Status]int
	Open    []Status
	Overdue []Application
	Names   map[string]string
	Today   time.Time
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := scope(r)
	cond, args := s.Filter("village_code", 1)
	rows, err := h.DB.QueryContext(ctx, `SELECT status, COUNT(*) FROM cert_applications WHERE `+cond+` GROUP BY status`, args...)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := overviewData{Counts: map[Status]int{}, Today: h.today()}
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			web.ServerError(w, r, err)
			return
		}
		d.Counts[st] = n
	}
	rows.Close()
	for _, st := range Statuses {
		if !st.Final() {
			d.Open = append(d.Open, st)
		}
	}
	if d.Overdue, err = List(ctx, h.DB, s, Filter{Overdue: ymd(d.Today), Limit: 100}); err != nil {
		web.ServerError(w, r, err)
		return
	}
	if d.Names, err = area.Names(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "overview", web.Page{Title: "certify.title", Section: "certify", Data: d})
}

// ---- list ----

type listData struct {
	Apps     []Application
	Names    map[string]string
	Areas    []area.Area
	Statuses []Status
	Types    []Type
	Today    time.Time
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := Filter{AreaCode: q.Get("area"), Status: Status(q.Get("status")), Type: Type(q.Get("type"))}
	today := h.today()
	if q.Get("overdue") == "1" {
		f.Overdue = ymd(today)
	}
	apps, err := List(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := listData{Apps: apps, Statuses: Statuses, Types: Types, Today: today}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{"area": f.AreaCode, "status": string(f.Status), "type": string(f.Type), "overdue": q.Get("overdue")}
	web.Render(w, r, pages, "list", web.Page{Title: "certify.applications", Section: "certify", Crumbs: crumbs(r, i18n.T(lang(r), "certify.applications")), Data: d, Form: form})
}

// areas returns area names and the townships and villages of the scope.
func (h *Handler) areas(ctx context.Context, s area.Scope) (map[string]string, []area.Area, error) {
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		return nil, nil, err
	}
	all, err := area.InScope(ctx, h.DB, s)
	if err != nil {
		return nil, nil, err
	}
	var out []area.Area
	for _, a := range all {
		if a.Level == area.Township || a.Level == area.Village {
			out = append(out, a)
		}
	}
	return names, out, nil
}

// ---- filing ----

type villageGroup struct {
	Code, Name string
	Villages   []area.Area
}

type newData struct {
	Types         []Type
	Channels      []string
	Categories    []registry.Category
	Groups        []villageGroup
	CancelReasons []string
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	names, all, err := h.areas(ctx, scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	set, err := LoadSettings(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := newData{Types: Types, Channels: Channels, Categories: registry.Categories, CancelReasons: set.CancelReasons}
	for _, a := range all {
		if a.Level != area.Village {
			continue
		}
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Code != a.ParentCode {
			d.Groups = append(d.Groups, villageGroup{Code: a.ParentCode, Name: names[a.ParentCode]})
		}
		d.Groups[len(d.Groups)-1].Villages = append(d.Groups[len(d.Groups)-1].Villages, a)
	}
	page.Title, page.Section, page.Data = "certify.new", "certify", d
	page.Crumbs = crumbs(r, i18n.T(lang(r), "certify.new"))
	web.Render(w, r, pages, "new", page)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	ch := ChannelCounter
	if auth.From(r.Context()).Role == auth.RoleTownshipWorker {
		ch = ChannelTownship
	}
	h.newPage(w, r, web.Page{Form: map[string]string{"channel": ch, "type": string(TypeNew)}})
}

// formFile reads an uploaded file of at most limit bytes ("" name when
// none was sent).
func formFile(r *http.Request, field string, limit int64) (string, []byte, error) {
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	return hdr.Filename, b, err
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	// A form without a file may come URL-encoded; a multipart body that
	// cannot be read is refused, not taken for an empty form.
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	c, _ := strconv.Atoi(r.FormValue("category"))
	n := NewApplication{Type: Type(r.FormValue("type")), Channel: r.FormValue("channel"), IDNumber: r.FormValue("id_number"), Name: r.FormValue("name"),
		VillageCode: r.FormValue("village_code"), Phone: r.FormValue("phone"), Category: registry.Category(c),
		NewName: r.FormValue("new_name"), NewVillageCode: r.FormValue("new_village_code"), CancelReason: r.FormValue("cancel_reason")}
	fname, photoData, err := formFile(r, "photo", 11<<20)
	if err != nil {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	var a Application
	err = h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		if a, err = Create(r.Context(), tx, scope(r), n, h.today()); err != nil {
			return err
		}
		if fname != "" {
			return Attach(r.Context(), tx, scope(r), a.ID, "photo", fname, photoData)
		}
		return nil
	})
	var es validate.Errors
	if errors.As(err, &es) {
		form := map[string]string{}
		for _, k := range []string{"type", "channel", "id_number", "name", "village_code", "phone", "category", "new_name", "new_village_code", "cancel_reason"} {
			form[k] = r.FormValue(k)
		}
		h.newPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/certify/applications/"+a.ID+"?ok=flash.certify_filed")
}

// ---- one application ----

type detailData struct {
	App           Application
	Today         time.Time
	Overdue       bool
	Village       string
	Township      string
	NewVillage    string
	Session       *Session
	Expert        *Expert
	Events        []Event
	Messages      []SMS
	Attachments   []Attachment
	Photo         template.URL
	Allowed       map[string]bool
	Sessions      []Session
	HomeExperts   []Expert
	HomeReasons   []string
	Delivery      []string
	VisitReasons  []string
	Certificate   *Certificate
	AdvanceStaff  []Action
	AdvanceApply  []Action
	ReviewActions []Action
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	h.detailPage(w, r, web.Page{})
}

// detailPage shows an application with the forms of the moves the viewer
// may make now; a refused post comes back here with its errors.
func (h *Handler) detailPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	a, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	today := h.today()
	p := auth.From(ctx)
	d := detailData{App: a, Today: today, Overdue: a.Overdue(today), Allowed: map[string]bool{},
		HomeReasons: HomeReasons, Delivery: DeliveryMethods, VisitReasons: VisitReasons}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Village, d.Township, d.NewVillage = names[a.VillageCode], names[area.ParentOf(a.VillageCode)], names[a.NewVillageCode]
	for _, act := range Allowed(a.Status, a.Type) {
		tr, _ := Next(a.Status, act, a.Type)
		if p.Can(tr.Perm) && act != ActAssess {
			d.Allowed[string(act)] = true
			switch {
			case containsAction([]Action{ActReturn, ActPublish, ActRefuse, ActApprove, ActReject}, act):
				d.ReviewActions = append(d.ReviewActions, act)
			case tr.Perm == auth.PermCertifyApply && containsAction(advanceActions, act):
				d.AdvanceApply = append(d.AdvanceApply, act)
			case containsAction(advanceActions, act):
				d.AdvanceStaff = append(d.AdvanceStaff, act)
			}
		}
	}
	if a.SessionID != "" {
		if s, err := GetSession(ctx, h.DB, a.SessionID); err == nil {
			d.Session = &s
		}
	}
	if a.ExpertID != "" {
		if x, err := GetExpert(ctx, h.DB, a.ExpertID); err == nil {
			d.Expert = &x
		}
	}
	if d.Allowed[string(ActBook)] {
		all, err := ListSessions(ctx, h.DB, ymd(today), "")
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for _, s := range all {
			if s.Status == SessionPlanned && s.Category == a.Category && s.Room() > 0 {
				d.Sessions = append(d.Sessions, s)
			}
		}
	}
	if d.Allowed[string(ActScheduleHome)] {
		all, err := ListExperts(ctx, h.DB)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for _, x := range all {
			if x.Available && x.Speciality.Covers(a.Category) {
				d.HomeExperts = append(d.HomeExperts, x)
			}
		}
	}
	if d.Events, err = Events(ctx, h.DB, a.ID); err == nil {
		if d.Messages, err = Outbox(ctx, h.DB, scope(r), a.ID, 50); err == nil {
			d.Attachments, err = Attachments(ctx, h.DB, a.ID)
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, at := range d.Attachments {
		if at.Kind == "photo" {
			d.Photo = template.URL("data:" + at.Mime + ";base64," + at.Data) //nolint:gosec // our own checked JPEG/PNG
		}
	}
	if c, err := CertificateOf(ctx, h.DB, a.ID); err == nil {
		d.Certificate = &c
	}
	page.Title, page.Section, page.Data = "certify.application", "certify", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.certify"), Href: "/certify"},
		{Label: i18n.T(lang(r), "certify.applications"), Href: "/certify/applications"}, {Label: a.Code}}
	web.Render(w, r, pages, "detail", page)
}

// done finishes an action post: back to the application on success, the
// page again with the problem otherwise.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/certify/applications/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.detailPage(w, r, web.Page{Errors: refusalErrors(lang(r), re), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.detailPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) inTx(r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) error {
	return h.DB.InTx(r.Context(), func(tx *store.Tx) error { return fn(r.Context(), tx) })
}

func postForm(r *http.Request, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = r.PostFormValue(k)
	}
	return m
}

func (h *Handler) book(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Book(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("session_id"), "", h.today())
	})
	h.done(w, r, err, postForm(r, "session_id"))
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	v := HomeVisit{Day: r.PostFormValue("day"), Reason: r.PostFormValue("reason"), ExpertIDs: r.PostForm["expert_ids"]}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return ScheduleHome(ctx, tx, scope(r), r.PathValue("id"), v, h.today())
	})
	h.done(w, r, err, postForm(r, "day", "reason"))
}

func (h *Handler) review(w http.ResponseWriter, r *http.Request) {
	act := Action(r.PostFormValue("action"))
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		if act == ActApprove || act == ActReject {
			return Decide(ctx, tx, scope(r), r.PathValue("id"), act, r.PostFormValue("note"), h.today())
		}
		return Review(ctx, tx, scope(r), r.PathValue("id"), act, r.PostFormValue("note"), h.today())
	})
	h.done(w, r, err, postForm(r, "note"))
}

// advance serves the moves that need only a note; perm says which of them
// the route may carry out (staff moves, or the applicant's appeal and
// withdrawal).
func (h *Handler) advance(perm auth.Perm) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		act := Action(r.PostFormValue("action"))
		err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
			a, err := Get(ctx, tx, scope(r), r.PathValue("id"))
			if err != nil {
				return err
			}
			if tr, ok := Next(a.Status, act, a.Type); ok && tr.Perm != perm {
				return &RefusedError{Action: act, Status: a.Status, Key: "certify.error.bad_action"}
			}
			return Advance(ctx, tx, scope(r), a.ID, act, r.PostFormValue("note"), h.today())
		})
		h.done(w, r, err, postForm(r, "note"))
	}
}

func (h *Handler) issue(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		if Action(r.PostFormValue("action")) == ActComplete {
			return Complete(ctx, tx, scope(r), r.PathValue("id"), h.today())
		}
		_, err := Issue(ctx, tx, scope(r), r.PathValue("id"), h.today())
		return err
	})
	h.done(w, r, err, nil)
}

func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Deliver(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("method"), h.today())
	})
	h.done(w, r, err, postForm(r, "method"))
}

func (h *Handler) visit(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return RecordVisit(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("visit_day"), r.PostFormValue("visit_reason"), h.today())
	})
	h.done(w, r, err, postForm(r, "visit_day", "visit_reason"))
}

func (h *Handler) attach(w http.ResponseWriter, r *http.Request) {
	// A form without a file may come URL-encoded; a multipart body that
	// cannot be read is refused, not taken for an empty form.
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	kind := r.FormValue("kind")
	fname, data, err := formFile(r, "file", 11<<20)
	if err != nil {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Attach(ctx, tx, scope(r), r.PathValue("id"), kind, fname, data)
	})
	h.done(w, r, err, nil)
}

// ---- certificate page ----

type certData struct {
	App      Application
	Cert     Certificate
	Person   registry.Person
	Village  string
	Township string
	County   string // the issuing federation's county
	Photo    template.URL
}

func (h *Handler) certificate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if err == nil && a.CertificateNo == "" {
		err = store.ErrNotFound
	}
	var d certData
	if err == nil {
		d.App = a
		d.Cert, err = CertificateOf(ctx, h.DB, a.ID)
	}
	if err == nil {
		d.Person, err = registry.Get(ctx, h.DB, scope(r), a.PersonID)
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, _ := area.Names(ctx, h.DB)
	d.Village, d.Township = names[d.Person.VillageCode], names[area.ParentOf(d.Person.VillageCode)]
	d.County = names[area.ParentOf(area.ParentOf(d.Person.VillageCode))]
	ats, _ := Attachments(ctx, h.DB, a.ID)
	for _, at := range ats {
		if at.Kind == "photo" {
			d.Photo = template.URL("data:" + at.Mime + ";base64," + at.Data) //nolint:gosec // our own checked JPEG/PNG
		}
	}
	web.Render(w, r, pages, "certificate", web.Page{Title: "certify.certificate", Section: "certify",
		Crumbs: []web.Crumb{{Label: i18n.T(lang(r), "nav.certify"), Href: "/certify"}, {Label: a.Code, Href: "/certify/applications/" + a.ID}, {Label: i18n.T(lang(r), "certify.certificate")}},
		Data:   d})
}

// ---- sessions ----

type sessionsData struct {
	Sessions   []Session
	Experts    []Expert
	Categories []registry.Category
	From       string
}

func (h *Handler) sessionsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	from := dateOf(h.today()).AddDate(-1, 0, 0).Format(time.DateOnly)
	ss, err := ListSessions(ctx, h.DB, from, "")
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	xs, err := ListExperts(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Title, page.Section, page.Crumbs = "certify.sessions", "certify", crumbs(r, i18n.T(lang(r), "certify.sessions"))
	page.Data = sessionsData{Sessions: ss, Experts: xs, Categories: registry.Categories, From: from}
	web.Render(w, r, pages, "sessions", page)
}

func (h *Handler) sessions(w http.ResponseWriter, r *http.Request) { h.sessionsPage(w, r, web.Page{}) }

func (h *Handler) createSession(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	c, _ := strconv.Atoi(r.PostFormValue("category"))
	capacity, _ := strconv.Atoi(r.PostFormValue("capacity"))
	n := NewSession{Day: r.PostFormValue("day"), Place: r.PostFormValue("place"), Category: registry.Category(c), Capacity: capacity, ExpertIDs: r.PostForm["expert_ids"]}
	var s Session
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) (err error) {
		cal, err := calendar.Load(ctx, tx)
		if err != nil {
			return err
		}
		s, err = CreateSession(ctx, tx, n, h.today(), cal)
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.sessionsPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: postForm(r, "day", "place", "category", "capacity")})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/certify/sessions/"+s.ID+"?ok=flash.saved")
}

type sessionData struct {
	Session Session
	Experts []Expert
	Pool    []Expert
	Apps    []Application
	Names   map[string]string
	Today   string
}

func (h *Handler) sessionPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	s, err := GetSession(ctx, h.DB, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	d := sessionData{Session: s, Today: ymd(h.today())}
	if err == nil {
		d.Experts, err = SessionExperts(ctx, h.DB, s.ID)
	}
	if err == nil {
		d.Apps, err = List(ctx, h.DB, scope(r), Filter{SessionID: s.ID, Limit: 500})
	}
	var all []Expert
	if err == nil {
		all, err = ListExperts(ctx, h.DB)
	}
	if err == nil {
		d.Names, err = area.Names(ctx, h.DB)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	in := map[string]bool{}
	for _, x := range d.Experts {
		in[x.ID] = true
	}
	for _, x := range all {
		if !in[x.ID] && x.Available && x.Speciality.Covers(s.Category) {
			d.Pool = append(d.Pool, x)
		}
	}
	page.Title, page.Section, page.Data = "certify.session", "certify", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.certify"), Href: "/certify"}, {Label: i18n.T(lang(r), "certify.sessions"), Href: "/certify/sessions"}, {Label: s.Day}}
	web.Render(w, r, pages, "session", page)
}

func (h *Handler) session(w http.ResponseWriter, r *http.Request) { h.sessionPage(w, r, web.Page{}) }

func (h *Handler) sessionDone(w http.ResponseWriter, r *http.Request, err error) {
	var es validate.Errors
	switch {
	case err == nil:
		web.Redirect(w, r, "/certify/sessions/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &es):
		h.sessionPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) addSessionExpert(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return AddSessionExpert(ctx, tx, r.PathValue("id"), r.PostFormValue("expert_id"))
	})
	h.sessionDone(w, r, err)
}

func (h *Handler) sessionStatus(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return SetSessionStatus(ctx, tx, r.PathValue("id"), r.PostFormValue("status"), h.today())
	})
	h.sessionDone(w, r, err)
}

// ---- experts ----

type expertsData struct {
	Experts      []Expert
	Specialities []Speciality
	Accounts     []auth.User
	Expert       *Expert
	Conflicts    []Conflict
	Assignments  int
}

func (h *Handler) expertAccounts(ctx context.Context) ([]auth.User, error) {
	users, err := auth.ListUsers(ctx, h.DB, area.All())
	var out []auth.User
	for _, u := range users {
		if u.Role == auth.RoleExpert && !u.Disabled {
			out = append(out, u)
		}
	}
	return out, err
}

func (h *Handler) expertsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	xs, err := ListExperts(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := expertsData{Experts: xs, Specialities: Specialities}
	if p := auth.From(ctx); p.Can(auth.PermCertifyWrite) {
		if d.Accounts, err = h.expertAccounts(ctx); err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	page.Title, page.Section, page.Crumbs, page.Data = "certify.experts", "certify", crumbs(r, i18n.T(lang(r), "certify.experts")), d
	web.Render(w, r, pages, "experts", page)
}

func (h *Handler) experts(w http.ResponseWriter, r *http.Request) {
	h.expertsPage(w, r, web.Page{Form: map[string]string{"available": "1"}})
}

func (h *Handler) expertPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	x, err := GetExpert(ctx, h.DB, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	d := expertsData{Expert: &x, Specialities: Specialities}
	if err == nil {
		d.Conflicts, err = Conflicts(ctx, h.DB, x.ID)
	}
	if err == nil {
		d.Accounts, err = h.expertAccounts(ctx)
	}
	if err == nil {
		err = h.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cert_assignments WHERE expert_id = $1`, x.ID).Scan(&d.Assignments)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		avail := ""
		if x.Available {
			avail = "1"
		}
		page.Form = map[string]string{"name": x.Name, "speciality": string(x.Speciality), "hospital": x.Hospital, "qualification": x.Qualification,
			"phone": x.Phone, "user_id": x.UserID, "available": avail}
	}
	page.Title, page.Section, page.Data = "certify.expert", "certify", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.certify"), Href: "/certify"}, {Label: i18n.T(lang(r), "certify.experts"), Href: "/certify/experts"}, {Label: x.Name}}
	web.Render(w, r, pages, "expert", page)
}

func (h *Handler) expert(w http.ResponseWriter, r *http.Request) { h.expertPage(w, r, web.Page{}) }

func (h *Handler) saveExpert(w http.ResponseWriter, r *http.Request) {
	x := Expert{ID: r.PathValue("id"), UserID: r.PostFormValue("user_id"), Name: r.PostFormValue("name"), Speciality: Speciality(r.PostFormValue("speciality")),
		Hospital: r.PostFormValue("hospital"), Qualification: r.PostFormValue("qualification"), Phone: r.PostFormValue("phone"),
		Available: r.PostFormValue("available") == "1"}
	var saved Expert
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) (err error) {
		saved, err = SaveExpert(ctx, tx, x)
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		page := web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: postForm(r, "name", "speciality", "hospital", "qualification", "phone", "user_id", "available")}
		if x.ID == "" {
			h.expertsPage(w, r, page)
		} else {
			h.expertPage(w, r, page)
		}
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/certify/experts/"+saved.ID+"?ok=flash.saved")
}

func (h *Handler) addConflict(w http.ResponseWriter, r *http.Request) {
	c := Conflict{IDNumber: r.PostFormValue("conflict_id_number"), Relation: r.PostFormValue("relation")}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return AddConflict(ctx, tx, r.PathValue("id"), c) })
	var es validate.Errors
	switch {
	case errors.As(err, &es):
		h.expertPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: postForm(r, "conflict_id_number", "relation")})
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case err != nil:
		web.ServerError(w, r, err)
	default:
		web.Redirect(w, r, "/certify/experts/"+r.PathValue("id")+"?ok=flash.saved")
	}
}

// ---- outbox, renewals, figures ----

func (h *Handler) outbox(w http.ResponseWriter, r *http.Request) {
	msgs, err := Outbox(r.Context(), h.DB, scope(r), "", 500)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for i := range msgs {
		msgs[i].CreatedAt = localTime(msgs[i].CreatedAt)
	}
	web.Render(w, r, pages, "outbox", web.Page{Title: "certify.outbox", Section: "certify", Crumbs: crumbs(r, i18n.T(lang(r), "certify.outbox")), Data: msgs})
}

type renewalsData struct {
	Items []Renewal
	Names map[string]string
	Areas []area.Area
	Today string
}

func (h *Handler) renewals(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	code := r.URL.Query().Get("area")
	items, err := Renewals(ctx, h.DB, scope(r), code)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := renewalsData{Items: items, Today: ymd(h.today())}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "renewals", web.Page{Title: "certify.renewals", Section: "certify", Crumbs: crumbs(r, i18n.T(lang(r), "certify.renewals")),
		Data: d, Form: map[string]string{"area": code}})
}

type figuresData struct {
	F        Figures
	Types    []Type
	Outcomes []string
	Areas    []area.Area
}

// periodOf reads from/to (YYYY-MM-DD), defaulting to this year so far.
func periodOf(q url.Values, today time.Time) (string, string, bool) {
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		from = strconv.Itoa(today.Year()) + "-01-01"
	}
	if to == "" {
		to = ymd(today)
	}
	_, e1 := time.Parse(time.DateOnly, from)
	_, e2 := time.Parse(time.DateOnly, to)
	return from, to, e1 == nil && e2 == nil && from <= to
}

func (h *Handler) figures(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	from, to, ok := periodOf(q, h.today())
	var es validate.Errors
	if !ok {
		es.Add(0, "certify.figures.period", "certify.error.period")
		from, to, _ = periodOf(url.Values{}, h.today())
	}
	s := scope(r)
	code := q.Get("area")
	if code != "" && area.ValidCode(code) && s.Contains(code) {
		s = area.ScopeOf(code)
	}
	f, err := ComputeFigures(ctx, h.DB, s, from, to)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := figuresData{F: f, Types: Types, Outcomes: Outcomes}
	_, all, err := h.areas(ctx, scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, a := range all {
		if a.Level == area.Township {
			d.Areas = append(d.Areas, a)
		}
	}
	web.Render(w, r, pages, "figures", web.Page{Title: "certify.figures", Section: "certify", Crumbs: crumbs(r, i18n.T(lang(r), "certify.figures")),
		Data: d, Errors: es, Form: map[string]string{"from": q.Get("from"), "to": q.Get("to"), "area": code}})
}

// ---- the expert's pages ----

type assessListData struct {
	Expert *Expert
	Apps   []Application
	Names  map[string]string
}

func (h *Handler) assessList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := assessListData{}
	x, err := ExpertOfUser(ctx, h.DB, auth.From(ctx).ID)
	if err == nil {
		d.Expert = &x
		d.Apps, err = List(ctx, h.DB, scope(r), Filter{ExpertID: x.ID, Status: Scheduled})
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		web.ServerError(w, r, err)
		return
	}
	if d.Names, err = area.Names(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "assess_list", web.Page{Title: "certify.my_assessments", Section: "certify", Data: d})
}

type assessData struct {
	App        Application
	Categories []registry.Category
	Grades     []registry.Grade
	Criteria   []registry.Category
	Slots      []int
}

// ownCase returns an application assigned to the signed-in expert, or
// ErrNotFound: an expert sees nothing else.
func (h *Handler) ownCase(r *http.Request) (Application, error) {
	ctx := r.Context()
	x, err := ExpertOfUser(ctx, h.DB, auth.From(ctx).ID)
	if err != nil {
		return Application{}, err
	}
	a, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if err != nil || a.ExpertID != x.ID {
		return Application{}, store.ErrNotFound
	}
	return a, nil
}

func (h *Handler) assessPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	a, err := h.ownCase(r)
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		page.Form = map[string]string{"category": strconv.Itoa(int(a.Category))}
	}
	page.Title, page.Section = "certify.assess_title", "certify"
	page.Data = assessData{App: a, Categories: registry.Categories, Grades: registry.Grades, Criteria: []registry.Category{registry.Vision, registry.Hearing, registry.Intellectual}, Slots: []int{1, 2, 3}}
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "certify.my_assessments"), Href: "/certify/assess"}, {Label: a.Code}}
	web.Render(w, r, pages, "assess", page)
}

func (h *Handler) assessForm(w http.ResponseWriter, r *http.Request) { h.assessPage(w, r, web.Page{}) }

func (h *Handler) assess(w http.ResponseWriter, r *http.Request) {
	a, err := h.ownCase(r)
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	c, _ := strconv.Atoi(r.PostFormValue("category"))
	g, _ := strconv.Atoi(r.PostFormValue("grade"))
	res := Result{Category: registry.Category(c), Grade: registry.Grade(g), Findings: r.PostFormValue("findings")}
	for i := 1; i <= 3; i++ {
		cc, _ := strconv.Atoi(r.PostFormValue("comp" + strconv.Itoa(i) + "_category"))
		cg, _ := strconv.Atoi(r.PostFormValue("comp" + strconv.Itoa(i) + "_grade"))
		res.Components = append(res.Components, registry.Component{Category: registry.Category(cc), Grade: registry.Grade(cg)})
	}
	if res.Category == registry.Multiple && r.PostFormValue("grade") != "0" {
		res.Grade = 1 // any non-zero: the grade comes from the components
	}
	err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return Assess(ctx, tx, scope(r), a.ID, res, h.today()) })
	var es validate.Errors
	var re *RefusedError
	form := postForm(r, "category", "grade", "findings", "comp1_category", "comp1_grade", "comp2_category", "comp2_grade", "comp3_category", "comp3_grade")
	switch {
	case err == nil:
		web.Redirect(w, r, "/certify/assess?ok=flash.saved")
	case errors.As(err, &re):
		h.assessPage(w, r, web.Page{Errors: refusalErrors(lang(r), re), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.assessPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

// ---- settings ----

type settingsData struct {
	Defs []settings.Def
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	if page.Form == nil {
		vals, err := SettingValues(r.Context(), h.DB)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		page.Form = vals
	}
	page.Title, page.Section, page.Data = "certify.settings", "admin", settingsData{Defs: SettingDefs}
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.admin"), Href: "/admin"}, {Label: i18n.T(lang(r), "certify.settings")}}
	web.Render(w, r, pages, "settings", page)
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request) { h.settingsPage(w, r, web.Page{}) }

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	in := map[string]string{}
	for _, d := range SettingDefs {
		in[d.Key] = r.PostFormValue(d.Key)
	}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return SaveSettings(ctx, tx, in) })
	var es validate.Errors
	if errors.As(err, &es) {
		h.settingsPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: in})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/certify-settings?ok=flash.saved")
}
