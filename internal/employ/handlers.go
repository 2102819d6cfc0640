package employ

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
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

// Handler serves the employment pages under /employment and the JSON API
// under /api/v1/employment/.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the employment handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API. Writing needs PermEmployWrite,
// which county staff hold only in the employment department.
func (h *Handler) Routes(rt *web.Router) {
	R, W := auth.PermEmployRead, auth.PermEmployWrite
	page := func(pattern string, perm auth.Perm, fn http.HandlerFunc) { rt.Page(pattern, perm, fn) }
	page("GET /employment", R, h.overview)
	page("GET /employment/persons", R, h.persons)
	page("GET /employment/export.xlsx", R, h.export)
	page("GET /employment/persons/{id}", R, h.person)
	page("POST /employment/persons/{id}/profile", W, h.saveProfile)
	page("POST /employment/persons/{id}/records", W, h.createRecord)
	page("POST /employment/persons/{id}/projects", W, h.createProject)
	page("POST /employment/persons/{id}/wishes", W, h.createWish)
	page("POST /employment/records/{id}/end", W, h.endRecord)
	page("GET /employment/posts", R, h.posts)
	page("POST /employment/posts", W, h.createPost)
	page("POST /employment/posts/{id}/assign", W, h.assignPost)
	page("GET /employment/courses", R, h.courses)
	page("POST /employment/courses", W, h.createCourse)
	page("GET /employment/courses/{id}", R, h.course)
	page("POST /employment/courses/{id}/sessions", W, h.addSession)
	page("POST /employment/courses/{id}/enrol", W, h.enrol)
	page("POST /employment/courses/{id}/finish", W, h.finish)
	page("GET /employment/sessions/{id}", R, h.session)
	page("POST /employment/sessions/{id}", W, h.saveAttendance)
	page("GET /employment/projects", R, h.projects)
	page("POST /employment/projects/{id}/move", W, h.moveProject)
	page("GET /employment/greenhouses", R, h.places(PlaceGreenhouse))
	page("GET /employment/bases", R, h.places(""))
	page("POST /employment/places", W, h.createPlace)
	page("GET /employment/places/{id}", R, h.place)
	page("POST /employment/places/{id}/workers", W, h.addWorker)
	page("POST /employment/workers/{id}/end", W, h.endWorker)
	page("GET /employment/campaigns", R, h.campaigns)
	page("POST /employment/campaigns", W, h.createCampaign)
	page("GET /employment/campaigns/{id}", R, h.campaign)
	page("POST /employment/campaigns/{id}/persons", W, h.addCampaignPerson)
	page("POST /employment/campaigns/{id}/suggestions", W, h.addSuggestion)
	page("GET /employment/wishes", R, h.wishes)
	page("POST /employment/wishes/{id}/assign", W, h.assignWish)
	page("POST /employment/wishes/{id}/close", W, h.closeWish)
	h.apiRoutes(rt)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, key string) []web.Crumb {
	return []web.Crumb{{Label: i18n.T(lang(r), "nav.employment"), Href: "/employment"}, {Label: i18n.T(lang(r), key)}}
}

// base is what every page's data carries: area names, the areas of the
// scope for selects, the forms, and whether the viewer may write.
type base struct {
	Names    map[string]string
	Areas    []area.Area
	Villages []area.Area
	Forms    []Form
	Lang     i18n.Lang
	Today    string
}

// FormName is a form's name in the page's language.
func (b base) FormName(code string) string {
	if f, ok := formOf(b.Forms, code); ok {
		return f.Name(b.Lang)
	}
	return code
}

// Township is the name of the township of a village code.
func (b base) Township(code string) string { return b.Names[area.ParentOf(code)] }

func (h *Handler) base(r *http.Request) (base, error) {
	ctx := r.Context()
	b := base{Lang: lang(r), Today: ymd(h.today())}
	var err error
	if b.Names, err = area.Names(ctx, h.DB); err != nil {
		return b, err
	}
	all, err := area.InScope(ctx, h.DB, scope(r))
	if err != nil {
		return b, err
	}
	for _, a := range all {
		if a.Level == area.Township || a.Level == area.Village || a.Level == area.County {
			b.Areas = append(b.Areas, a)
		}
		if a.Level == area.Village {
			b.Villages = append(b.Villages, a)
		}
	}
	b.Forms, err = Forms(ctx, h.DB)
	return b, err
}

// render shows a page; a refused form comes back with its errors and
// values and status 422.
func render(w http.ResponseWriter, r *http.Request, name, title string, data any, page web.Page) {
	page.Title, page.Section, page.Data = title, "employment", data
	if page.Crumbs == nil && title != "employ.title" {
		page.Crumbs = crumbs(r, title)
	}
	if len(page.Errors) > 0 && page.Status == 0 {
		page.Status = http.StatusUnprocessableEntity
	}
	web.Render(w, r, pages, name, page)
}

// formValues keeps the posted values to show again.
func formValues(r *http.Request) map[string]string {
	m := map[string]string{}
	for k, v := range r.PostForm {
		if k != "csrf_token" && len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m
}

// done finishes a write from a form: a refusal or invalid input shows
// again (via again) with its errors; success goes to `to` with a flash.
func done(w http.ResponseWriter, r *http.Request, err error, to string, again func(web.Page)) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		web.Redirect(w, r, to+sep+"ok=flash.employ_saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		again(web.Page{Errors: validate.Errors{{Key: re.Key, Args: re.Args}}, Form: formValues(r), Status: http.StatusConflict})
	case errors.As(err, &es):
		again(web.Page{Errors: es, Form: formValues(r)})
	default:
		web.ServerError(w, r, err)
	}
}

// fail answers a read that went wrong.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	web.ServerError(w, r, err)
}

// FindPerson picks a registry person of the scope by what a clerk typed:
// a full ID number, or a name (or its pinyin initials) that only one
// person has. It adds a problem under field otherwise.
func FindPerson(ctx context.Context, q store.Querier, s area.Scope, es *validate.Errors, field, typed string) (registry.Person, error) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		es.Add(0, field, "employ.error.person_required")
		return registry.Person{}, nil
	}
	if n := registry.NormalizeIDNumber(typed); len(n) == 18 {
		p, err := registry.GetByIDNumber(ctx, q, s, n)
		if errors.Is(err, store.ErrNotFound) {
			es.Add(0, field, "employ.error.person")
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return p, err
		}
		return p, nil
	}
	found, err := registry.Search(ctx, q, s, registry.Filter{Query: typed, Limit: 2, Sort: registry.SortName})
	if err != nil {
		return registry.Person{}, err
	}
	switch len(found) {
	case 0:
		es.Add(0, field, "employ.error.person")
		return registry.Person{}, nil
	case 1:
		return found[0], nil
	}
	es.Add(0, field, "employ.error.person_ambiguous")
	return registry.Person{}, nil
}

// pick resolves the form's "person" field (an ID number or a name) to a
// person id, "" with a problem when it names none.
func (h *Handler) pick(r *http.Request, es *validate.Errors) (string, error) {
	if id := r.PostFormValue("person_id"); id != "" {
		return id, nil
	}
	p, err := FindPerson(r.Context(), h.DB, scope(r), es, "employ.person", r.PostFormValue("person"))
	return p.ID, err
}

// period reads from/to (default: this year up to today).
func (h *Handler) period(q url.Values) (from, to string, es validate.Errors) {
	t := h.today()
	from, to = strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	if from == "" {
		from = strconv.Itoa(t.Year()) + "-01-01"
	}
	if to == "" {
		to = ymd(t)
	}
	if !validDate(from) || !validDate(to) || to < from {
		es.Add(0, "employ.figures.period", "employ.error.period")
		from, to = strconv.Itoa(t.Year())+"-01-01", ymd(t)
	}
	return from, to, es
}

// fen reads a yuan field of a form.
func fenOf(es *validate.Errors, field, v string) int64 { return yuanField(es, field, v, false) }

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }
