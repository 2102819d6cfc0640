package registry

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the registry pages and its JSON API. Every query takes the
// caller's scope from auth.From.
type Handler struct {
	DB *store.DB
}

// Routes registers the registry pages and API.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /registry", auth.PermRegistryRead, h.search)
	rt.Page("GET /registry/persons/new", auth.PermRegistryWrite, h.newForm)
	rt.Page("POST /registry/persons", auth.PermRegistryWrite, h.create)
	rt.Page("GET /registry/persons/{id}", auth.PermRegistryRead, h.person)
	rt.API("GET /api/v1/persons", auth.PermRegistryRead, h.apiList)
	rt.API("GET /api/v1/persons/{id}", auth.PermRegistryRead, h.apiGet)
	rt.API("POST /api/v1/persons", auth.PermRegistryWrite, h.apiCreate)
}

// pageSize is how many persons a page of search results shows.
const pageSize = 50

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func crumbs(r *http.Request, label string) []web.Crumb {
	l := web.PrefsFrom(r).Lang
	return []web.Crumb{{Label: i18n.T(l, "nav.registry"), Href: "/registry"}, {Label: label}}
}

// localTime shows a stored instant in the server's time zone (the county's).
func localTime(s string) string {
	t, err := store.ParseTime(s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04")
}

// ---- search ----

// searchPage returns one page of at most limit persons and the after value
// of the next page ("" on the last), asking for one more to know.
func searchPage(ctx context.Context, q store.Querier, s area.Scope, f Filter, limit int) ([]Person, string, error) {
	f.Limit = limit + 1
	items, err := Search(ctx, q, s, f)
	if err != nil || len(items) <= limit {
		return items, "", err
	}
	return items[:limit], items[limit-1].ID, nil
}

type searchData struct {
	Persons    []Person
	Today      time.Time
	Names      map[string]string // area code → name
	Areas      []area.Area       // townships and villages to narrow to
	Counts     map[Category]int
	Total      int
	Categories []Category
	Grades     []Grade
	FirstHref  string // back to the first page, when on a later one
	NextHref   string
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := scope(r)
	q := r.URL.Query()
	f := Filter{Query: q.Get("q"), AreaCode: q.Get("area"), AfterID: q.Get("after")}
	c, _ := strconv.Atoi(q.Get("category"))
	g, _ := strconv.Atoi(q.Get("grade"))
	f.Category, f.Grade = Category(c), Grade(g)

	persons, next, err := searchPage(ctx, h.DB, s, f, pageSize)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := searchData{Persons: persons, Today: time.Now(), Categories: Categories, Grades: Grades, Counts: map[Category]int{}}
	if next != "" {
		q.Set("after", next)
		d.NextHref = "/registry?" + q.Encode()
	}
	if f.AfterID != "" {
		q.Del("after")
		d.FirstHref = "/registry?" + q.Encode()
	}
	// The summary counts the area the search is narrowed to.
	if cs, ok := narrow(s, f.AreaCode); ok {
		if d.Counts, d.Total, err = CountByCategory(ctx, h.DB, cs); err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	// Every person listed lives inside the scope, so its areas name them.
	all, err := area.InScope(ctx, h.DB, s)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Names = make(map[string]string, len(all))
	for _, a := range all {
		d.Names[a.Code] = a.Name
		if a.Level == area.Township || a.Level == area.Village {
			d.Areas = append(d.Areas, a)
		}
	}
	form := map[string]string{"q": f.Query, "area": f.AreaCode, "category": q.Get("category"), "grade": q.Get("grade")}
	web.Render(w, r, pages, "search", web.Page{Title: "registry.title", Section: "registry", Data: d, Form: form})
}

// ---- one person ----

type personData struct {
	Person   Person
	IDNumber template.HTML // breakable, see breakable
	CertNo   template.HTML
	Today    time.Time
	Village  string
	Township string
	Created  string
	Updated  string
	History  []historyRow
}

type historyRow struct {
	At      string
	Actor   string
	Change  string   // translated
	Details []string // one line per changed field, translated
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := scope(r)
	p, err := Get(ctx, h.DB, s, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	hist, err := History(ctx, h.DB, s, p.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if err := h.auditView(r, p); err != nil {
		web.ServerError(w, r, err)
		return
	}
	l := web.PrefsFrom(r).Lang
	d := personData{Person: p, IDNumber: breakable(p.IDNumber), CertNo: breakable(p.CertificateNo), Today: time.Now(), Village: names[p.VillageCode], Township: names[area.ParentOf(p.VillageCode)],
		Created: localTime(p.CreatedAt), Updated: localTime(p.UpdatedAt)}
	for _, e := range hist {
		row := historyRow{At: localTime(e.At), Actor: e.Actor, Change: i18n.T(l, "person.change."+string(e.Change))}
		for _, c := range e.Changes() {
			row.Details = append(row.Details, i18n.T(l, "person.changed_from_to", i18n.T(l, c.Field),
				fieldValue(l, names, c.Field, c.Before), fieldValue(l, names, c.Field, c.After)))
		}
		d.History = append(d.History, row)
	}
	web.Render(w, r, pages, "person", web.Page{Title: "registry.person", Section: "registry", Crumbs: crumbs(r, p.Name), Data: d})
}

// breakable lets an ID or certificate number wrap between its area code,
// birth date and the rest on a narrow screen (WCAG 1.4.10 Reflow), without
// changing what is copied or read out.
func breakable(n string) template.HTML {
	esc := template.HTMLEscapeString
	if len(n) < 14 {
		return template.HTML(esc(n))
	}
	return template.HTML(esc(n[:6]) + "<wbr>" + esc(n[6:14]) + "<wbr>" + esc(n[14:]))
}

// auditView records that someone read a person's full record: disability
// data is sensitive personal information, whose every access is logged.
func (h *Handler) auditView(r *http.Request, p Person) error {
	return audit.RecordAlone(r.Context(), h.DB, audit.Entry{Action: ActionView, ObjectType: "person", ObjectID: p.ID, AreaCode: p.VillageCode})
}

// fieldValue shows a stored value of a history field in language l.
func fieldValue(l i18n.Lang, names map[string]string, field, v string) string {
	n, _ := strconv.Atoi(v)
	switch field {
	case "person.village":
		if name, ok := names[v]; ok {
			return name
		}
	case "person.category":
		return i18n.T(l, Category(n).MessageKey())
	case "person.grade":
		return i18n.T(l, Grade(n).MessageKey())
	case "person.status":
		return i18n.T(l, "person.status."+v)
	}
	return v
}

// ---- register a person ----

type formData struct {
	Groups     []villageGroup
	Categories []Category
	Grades     []Grade
	// DuplicateOf is the person already registered with the ID number
	// entered, when the viewer may open that person.
	DuplicateOf string
}

// villageGroup is the villages of one township, for an <optgroup>.
type villageGroup struct {
	Code, Name string
	Villages   []area.Area
}

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, page web.Page, duplicateOf string) {
	ctx := r.Context()
	all, err := area.InScope(ctx, h.DB, scope(r))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := formData{Categories: Categories, Grades: Grades, DuplicateOf: duplicateOf}
	for _, a := range all { // in code order, so a township's villages are adjacent
		if a.Level != area.Village {
			continue
		}
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Code != a.ParentCode {
			d.Groups = append(d.Groups, villageGroup{Code: a.ParentCode, Name: names[a.ParentCode]})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Villages = append(g.Villages, a)
	}
	page.Title, page.Section, page.Crumbs, page.Data = "registry.new", "registry", crumbs(r, i18n.T(web.PrefsFrom(r).Lang, "registry.new")), d
	web.Render(w, r, pages, "person_new", page)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	h.formPage(w, r, web.Page{}, "")
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	c, _ := strconv.Atoi(r.PostFormValue("category"))
	g, _ := strconv.Atoi(r.PostFormValue("grade"))
	n := NewPerson{IDNumber: r.PostFormValue("id_number"), Name: r.PostFormValue("name"), VillageCode: r.PostFormValue("village_code"),
		Category: Category(c), Grade: Grade(g)}
	var created Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		created, err = Create(r.Context(), tx, scope(r), n, time.Now())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		var dup *DuplicateError
		existing := ""
		if errors.As(err, &dup) && dup.InScope {
			existing = dup.ExistingID
		}
		h.formPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: map[string]string{
			"id_number": n.IDNumber, "name": n.Name, "village_code": n.VillageCode,
			"category": r.PostFormValue("category"), "grade": r.PostFormValue("grade"),
		}}, existing)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/registry/persons/"+created.ID+"?ok=flash.saved")
}

// ---- JSON API ----

// listResponse is a page of persons; next_after is the after parameter of
// the next page, "" on the last.
type listResponse struct {
	Items     []Person `json:"items"`
	NextAfter string   `json:"next_after"`
}

// apiMaxLimit caps the limit parameter of the list.
const apiMaxLimit = 500

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Query: q.Get("q"), AreaCode: q.Get("area"), AfterID: q.Get("after")}
	c, okC := intParam(q, "category", 0)
	g, okG := intParam(q, "grade", 0)
	limit, okL := intParam(q, "limit", pageSize)
	if !okC || !okG || !okL || f.AreaCode != "" && !area.ValidCode(f.AreaCode) {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "person.error.bad_params")
		return
	}
	f.Category, f.Grade = Category(c), Grade(g)
	limit = min(max(limit, 1), apiMaxLimit)
	items, next, err := searchPage(r.Context(), h.DB, scope(r), f, limit)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if items == nil {
		items = []Person{} // [] rather than null
	}
	web.JSON(w, http.StatusOK, listResponse{Items: items, NextAfter: next})
}

// intParam reads a non-negative integer query parameter, def when absent.
func intParam(q url.Values, name string, def int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err == nil {
		err = h.auditView(r, p)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, p)
}

// newPersonJSON is the body of POST /api/v1/persons.
type newPersonJSON struct {
	IDNumber    string `json:"id_number"`
	Name        string `json:"name"`
	VillageCode string `json:"village_code"`
	Category    int    `json:"category"`
	Grade       int    `json:"grade"`
}

// apiFields names each validated field as the API's JSON does.
var apiFields = map[string]string{
	"person.id_number": "id_number",
	"person.name":      "name",
	"person.village":   "village_code",
	"person.category":  "category",
	"person.grade":     "grade",
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var body newPersonJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields() // a misspelt field is an error, not a silently empty value
	if err := dec.Decode(&body); err != nil {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "error.bad_request")
		return
	}
	n := NewPerson{IDNumber: body.IDNumber, Name: body.Name, VillageCode: body.VillageCode, Category: Category(body.Category), Grade: Grade(body.Grade)}
	var created Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		created, err = Create(r.Context(), tx, scope(r), n, time.Now())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		l := i18n.Parse(r.Header.Get("Accept-Language"))
		var e web.APIError
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "person.error.invalid")
		var dup *DuplicateError
		if errors.As(err, &dup) {
			e.Error.Code = "duplicate"
			if dup.InScope {
				e.Error.Message = i18n.T(l, "person.error.duplicate_of", dup.ExistingID)
			}
		}
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: apiFields[fe.Field], Message: i18n.T(l, fe.Key, fe.Args...)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+created.ID)
	web.JSON(w, http.StatusCreated, created)
}
