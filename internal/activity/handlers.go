package activity

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the activity pages under /activities and the JSON API
// under /api/v1/activities.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the activities handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API; the router checks each route's
// permission, the queries the caller's scope.
func (h *Handler) Routes(rt *web.Router) {
	read, write := auth.PermActivityRead, auth.PermActivityWrite
	rt.Page("GET /activities", read, h.list)
	rt.Page("GET /activities/export.xlsx", read, h.export)
	rt.Page("GET /activities/new", write, h.newForm)
	rt.Page("POST /activities", write, h.create)
	rt.Page("GET /activities/{id}", read, h.detail)
	rt.Page("GET /activities/{id}/edit", write, h.editForm)
	rt.Page("POST /activities/{id}", write, h.update)
	rt.Page("POST /activities/{id}/delete", write, h.delete)
	h.apiRoutes(rt)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func (h *Handler) inTx(r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) error {
	return h.DB.InTx(r.Context(), func(tx *store.Tx) error { return fn(r.Context(), tx) })
}

// areas returns the names of areas and the county, townships and villages
// of the scope, for the filters and the form.
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
		if a.Level == area.County || a.Level == area.Township || a.Level == area.Village {
			out = append(out, a)
		}
	}
	return names, out, nil
}

// ---- list ----

// filterOf reads the list's filter from a query string; a malformed date
// or kind is ignored rather than refused (a filter, not a form that writes).
func filterOf(q url.Values) Filter {
	date := func(s string) string {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return ""
		}
		return s
	}
	f := Filter{Kind: q.Get("kind"), AreaCode: q.Get("area"), From: date(q.Get("from")), To: date(q.Get("to"))}
	if !slices.Contains(Kinds, f.Kind) {
		f.Kind = ""
	}
	return f
}

type listData struct {
	Items []Row
	Names map[string]string
	Areas []area.Area
	Kinds []string
	Query string // the filter as a query string, for the export link
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := filterOf(r.URL.Query())
	items, err := List(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := listData{Items: items, Kinds: Kinds}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{"kind": f.Kind, "area": f.AreaCode, "from": f.From, "to": f.To}
	v := url.Values{}
	for k, x := range form {
		if x != "" {
			v.Set(k, x)
		}
	}
	d.Query = v.Encode()
	web.Render(w, r, pages, "list", web.Page{Title: "activity.title", Section: "activities", Data: d, Form: form})
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r.URL.Query())
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="activities-`+ymd(h.today())+`.xlsx"`)
	if _, err := Export(r.Context(), h.DB, scope(r), f, w); err != nil {
		web.ServerError(w, r, err)
	}
}

// ---- the form (new and edit) ----

// AwardRows is how many empty award rows the form offers.
const AwardRows = 3

type awardRow struct {
	N      int
	Award  Award
	Errors bool
}

type formData struct {
	A        Activity // on edit: the activity as stored
	Edit     bool
	Action   string // where the form posts
	Search   string // where the person search goes
	Kinds    []string
	Levels   []string
	Areas    []area.Area
	Names    map[string]string
	Chosen   []Participant     // participants ticked
	Persons  []registry.Person // the person search's results not ticked
	Searched bool
	Awards   []awardRow
}

// formPage shows the form; in is what to show (the stored activity, or
// the refused post).
func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, a Activity, edit bool, in Input, page web.Page) {
	ctx := r.Context()
	d := formData{A: a, Edit: edit, Kinds: Kinds, Levels: Levels, Action: "/activities", Search: "/activities/new"}
	if edit {
		d.Action, d.Search = "/activities/"+a.ID, "/activities/"+a.ID+"/edit"
	}
	var err error
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	// The participants ticked: each looked up again in scope (a refused
	// post may name anything).
	for _, id := range in.PersonIDs {
		if id == "" || len(id) > 64 || slices.ContainsFunc(d.Chosen, func(p Participant) bool { return p.PersonID == id }) || len(d.Chosen) >= MaxParticipants {
			continue
		}
		p, err := registry.Get(ctx, h.DB, scope(r), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		d.Chosen = append(d.Chosen, Participant{PersonID: p.ID, PersonName: p.Name})
	}
	// The person search (a GET form on this page: no script needed).
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && len(q) <= 100 {
		d.Searched = true
		found, err := registry.Search(ctx, h.DB, scope(r), registry.Filter{Query: q, Limit: 20, Today: h.today()})
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for _, p := range found {
			if !slices.ContainsFunc(d.Chosen, func(c Participant) bool { return c.PersonID == p.ID }) {
				d.Persons = append(d.Persons, p.Masked())
			}
		}
	}
	for i, aw := range in.Awards {
		if i >= MaxAwards {
			break
		}
		d.Awards = append(d.Awards, awardRow{N: i + 1, Award: aw})
	}
	for i := 0; i < AwardRows; i++ {
		d.Awards = append(d.Awards, awardRow{N: len(d.Awards) + 1})
	}
	if page.Form == nil {
		page.Form = map[string]string{}
	}
	for k, v := range map[string]string{"kind": in.Kind, "title": in.Title, "start_on": in.StartOn, "end_on": in.EndOn, "place": in.Place,
		"organiser": in.Organiser, "area": in.AreaCode, "attendees": in.Attendees, "reflections": in.Reflections, "others": in.Others,
		"notes": in.Notes, "version": strconv.Itoa(in.Version)} {
		page.Form[k] = v
	}
	page.Form["q"] = r.URL.Query().Get("q")
	page.Section, page.Data = "activities", d
	if edit {
		page.Title = "activity.edit"
		page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.activities"), Href: "/activities"}, {Label: a.Title, Href: "/activities/" + a.ID},
			{Label: i18n.T(lang(r), "activity.edit")}}
	} else {
		page.Title = "activity.new"
		page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.activities"), Href: "/activities"}, {Label: i18n.T(lang(r), "activity.new")}}
	}
	web.Render(w, r, pages, "form", page)
}

// inputOf reads the form's post. Awards come as parallel lists.
func inputOf(r *http.Request) Input {
	in := Input{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), StartOn: r.PostFormValue("start_on"), EndOn: r.PostFormValue("end_on"),
		Place: r.PostFormValue("place"), Organiser: r.PostFormValue("organiser"), AreaCode: r.PostFormValue("area"),
		Attendees: r.PostFormValue("attendees"), Reflections: r.PostFormValue("reflections"), Others: r.PostFormValue("others"),
		Notes: r.PostFormValue("notes"), PersonIDs: r.PostForm["person_id"]}
	in.Version, _ = strconv.Atoi(strings.TrimSpace(r.PostFormValue("version")))
	names, levels, persons := r.PostForm["award_name"], r.PostForm["award_level"], r.PostForm["award_person"]
	at := func(l []string, i int) string {
		if i < len(l) {
			return l[i]
		}
		return ""
	}
	for i := 0; i < max(len(names), len(levels), len(persons)); i++ {
		in.Awards = append(in.Awards, Award{Award: at(names, i), Level: at(levels, i), PersonID: at(persons, i)})
	}
	return in
}

// inputFrom is a stored activity as the form shows it.
func inputFrom(a Activity) Input {
	in := Input{Kind: a.Kind, Title: a.Title, StartOn: a.StartOn, EndOn: a.EndOn, Place: a.Place, Organiser: a.Organiser, AreaCode: a.AreaCode,
		Attendees: strconv.Itoa(a.Attendees), Reflections: strconv.Itoa(a.Reflections), Others: strconv.Itoa(a.Others), Notes: a.Notes,
		Awards: a.Awards, Version: a.Version}
	for _, p := range a.Participants {
		in.PersonIDs = append(in.PersonIDs, p.PersonID)
	}
	return in
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	in := Input{StartOn: ymd(h.today()), Kind: r.URL.Query().Get("kind")}
	if !slices.Contains(Kinds, in.Kind) {
		in.Kind = ""
	}
	if p := auth.From(r.Context()); p.Scope.Code() != "" {
		in.AreaCode = p.Scope.Code()
	}
	h.formPage(w, r, Activity{}, false, in, web.Page{})
}

// compactAwards drops the form's empty award rows before showing it again.
func compactAwards(in Input) Input {
	var out []Award
	for _, w := range in.Awards {
		if strings.TrimSpace(w.Award) != "" || strings.TrimSpace(w.Level) != "" || strings.TrimSpace(w.PersonID) != "" {
			out = append(out, w)
		}
	}
	in.Awards = out
	return in
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	in := inputOf(r)
	var a Activity
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		a, err = Create(ctx, tx, scope(r), in, h.today())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.formPage(w, r, Activity{}, false, compactAwards(in), web.Page{Errors: es, Status: http.StatusUnprocessableEntity})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/activities/"+a.ID+"?ok=flash.saved")
}

// load reads the activity of the path in the caller's scope, answering a
// 404 for one outside it.
func (h *Handler) load(w http.ResponseWriter, r *http.Request) (Activity, bool) {
	a, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return a, false
	}
	if err != nil {
		web.ServerError(w, r, err)
		return a, false
	}
	return a, true
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	a, ok := h.load(w, r)
	if !ok {
		return
	}
	h.formPage(w, r, a, true, inputFrom(a), web.Page{})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	in := inputOf(r)
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		_, err := Update(ctx, tx, scope(r), r.PathValue("id"), in, h.today())
		return err
	})
	var es validate.Errors
	switch {
	case err == nil:
		web.Redirect(w, r, "/activities/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &es):
		a, ok := h.load(w, r)
		if !ok {
			return
		}
		h.formPage(w, r, a, true, compactAwards(in), web.Page{Errors: es, Status: http.StatusUnprocessableEntity})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return Delete(ctx, tx, scope(r), r.PathValue("id")) })
	switch {
	case err == nil:
		web.Redirect(w, r, "/activities?ok=flash.deleted")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	default:
		web.ServerError(w, r, err)
	}
}

// ---- one activity ----

type detailData struct {
	A        Activity
	Township string
	Village  string
	County   bool
	IsStudy  bool
	IsEvent  bool
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	a, ok := h.load(w, r)
	if !ok {
		return
	}
	names, err := area.Names(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := detailData{A: a, IsStudy: IsStudy(a.Kind), IsEvent: IsEvent(a.Kind)}
	switch area.LevelOf(a.AreaCode) {
	case area.Village:
		d.Village, d.Township = names[a.AreaCode], names[area.ParentOf(a.AreaCode)]
	case area.Township:
		d.Township = names[a.AreaCode]
	default:
		d.County, d.Township = true, names[a.AreaCode]
	}
	page := web.Page{Title: "activity.detail", Section: "activities", Data: d}
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.activities"), Href: "/activities"}, {Label: a.Title}}
	web.Render(w, r, pages, "detail", page)
}
