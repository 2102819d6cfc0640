package renovate

import (
	"context"
	"embed"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/files"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the renovation pages under /renovation and the JSON API
// under /api/v1/renovations.
type Handler struct {
	DB    *store.DB
	Files *files.Store
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the renovation handler; photos go to fs.
func NewHandler(db *store.DB, fs *files.Store) *Handler { return &Handler{DB: db, Files: fs} }

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
	page("GET /renovation", auth.PermProgrammeRead, h.list)
	page("GET /renovation/new", auth.PermProgrammeApply, h.newForm)
	page("POST /renovation", auth.PermProgrammeApply, h.create)
	page("GET /renovation/needs", auth.PermProgrammeApply, h.needs)
	page("POST /renovation/needs", auth.PermProgrammeApply, h.addNeeds)
	page("GET /renovation/figures", auth.PermProgrammeRead, h.figures)
	page("GET /renovation/catalogue", auth.PermProgrammeRead, h.catalogue)
	page("POST /renovation/catalogue", auth.PermProgrammeWrite, h.saveItem)
	page("GET /renovation/settings", auth.PermProgrammeRead, h.settings)
	page("POST /renovation/settings", auth.PermProgrammeWrite, h.saveSettings)
	page("POST /renovation/settings/year", auth.PermProgrammeWrite, h.saveYear)
	page("GET /renovation/{id}", auth.PermProgrammeRead, h.detail)
	page("GET /renovation/{id}/survey", auth.PermProgrammeApply, h.surveyForm)
	page("POST /renovation/{id}/survey", auth.PermProgrammeApply, h.survey)
	page("GET /renovation/{id}/plan", auth.PermProgrammeWrite, h.planForm)
	page("POST /renovation/{id}/plan", auth.PermProgrammeWrite, h.plan)
	page("POST /renovation/{id}/review", auth.PermProgrammeReview, h.review)
	page("POST /renovation/{id}/start", auth.PermProgrammeWrite, h.start)
	page("POST /renovation/{id}/accept", auth.PermProgrammeReview, h.accept)
	page("POST /renovation/{id}/pay", auth.PermPaymentWrite, h.pay)
	page("POST /renovation/{id}/cancel", auth.PermProgrammeWrite, h.cancel)
	page("POST /renovation/{id}/photos", auth.PermProgrammeApply, h.upload)
	page("GET /renovation/{id}/photos/{file}", auth.PermProgrammeRead, h.photo)
	h.apiRoutes(rt)
}

// may reports whether the principal may do what perm allows, department
// included (for showing forms; routes check again).
func may(p *auth.Principal, perm auth.Perm) bool {
	return p.Can(perm)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, label string) []web.Crumb {
	return []web.Crumb{{Label: i18n.T(lang(r), "nav.renovation"), Href: "/renovation"}, {Label: label}}
}

func (h *Handler) inTx(r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) error {
	return h.DB.InTx(r.Context(), func(tx *store.Tx) error { return fn(r.Context(), tx) })
}

func formOf(r *http.Request, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = r.FormValue(k)
	}
	return m
}

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }

// yearOf reads ?year=, defaulting to this year.
func (h *Handler) yearOf(r *http.Request) int {
	if y := atoi(r.FormValue("year")); y >= 2000 && y <= 2100 {
		return y
	}
	return h.today().Year()
}

// townships returns the townships and villages of the scope for filters.
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

// ---- list ----

type listData struct {
	Items    []Renovation
	Names    map[string]string
	Areas    []area.Area
	Statuses []Status
	Years    []int
	Year     int
	Total    int64
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	year := h.today().Year()
	if q.Get("year") != "" {
		year = atoi(q.Get("year")) // 0 (全部) shows every year
	}
	f := Filter{Year: year, Status: Status(q.Get("status")), AreaCode: q.Get("area"), Query: q.Get("q")}
	items, err := List(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := listData{Items: items, Statuses: Statuses, Year: year}
	for y := h.today().Year() + 1; y >= h.today().Year()-3; y-- {
		d.Years = append(d.Years, y)
	}
	for _, it := range items {
		d.Total += it.TotalFen
	}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{"year": strconv.Itoa(year), "status": string(f.Status), "area": f.AreaCode, "q": f.Query}
	web.Render(w, r, pages, "list", web.Page{Title: "renovate.title", Section: "renovation", Data: d, Form: form})
}

// ---- adding households ----

type newData struct {
	Sources []string
	Years   []int
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	y := h.today().Year()
	page.Title, page.Section = "renovate.new", "renovation"
	page.Data = newData{Sources: []string{SourceTownship, SourceApplication}, Years: []int{y - 1, y, y + 1}}
	page.Crumbs = crumbs(r, i18n.T(lang(r), "renovate.new"))
	web.Render(w, r, pages, "new", page)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	src := SourceApplication
	if auth.From(r.Context()).Role != auth.RoleCountyStaff {
		src = SourceTownship
	}
	h.newPage(w, r, web.Page{Form: map[string]string{"source": src, "year": strconv.Itoa(h.today().Year())}})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	n := NewRenovation{IDNumber: r.PostFormValue("id_number"), Year: atoi(r.PostFormValue("year")), Source: r.PostFormValue("source"), Note: r.PostFormValue("note")}
	var rv Renovation
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) (err error) {
		rv, err = Add(ctx, tx, scope(r), n, h.today())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.newPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: formOf(r, "id_number", "year", "source", "note")})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/renovation/"+rv.ID+"?ok=flash.saved")
}

type needsData struct {
	Year      int
	Available bool
	Persons   []registry.Person
	Names     map[string]string
}

func (h *Handler) needsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	year := h.yearOf(r)
	d := needsData{Year: year}
	var err error
	if d.Persons, d.Available, err = NeedCandidates(ctx, h.DB, scope(r), year); err != nil {
		web.ServerError(w, r, err)
		return
	}
	if d.Names, err = area.Names(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Title, page.Section, page.Data = "renovate.needs", "renovation", d
	page.Crumbs = crumbs(r, i18n.T(lang(r), "renovate.needs"))
	web.Render(w, r, pages, "needs", page)
}

func (h *Handler) needs(w http.ResponseWriter, r *http.Request) { h.needsPage(w, r, web.Page{}) }

func (h *Handler) addNeeds(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	year := h.yearOf(r)
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		_, err := AddFromSurvey(ctx, tx, scope(r), year, r.PostForm["person_id"], h.today())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.needsPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/renovation?year="+strconv.Itoa(year)+"&ok=flash.saved")
}

// ---- one household ----

type detailData struct {
	R          Renovation
	Person     registry.Person
	Village    string
	Township   string
	Items      []Item
	Events     []Event
	Files      []File
	Stages     []string // photo stages open now
	Can        map[string]bool
	Review     []Action
	Today      string
	MaxKB      int
	PlanOpen   bool
	SurveyOpen bool
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) { h.detailPage(w, r, web.Page{}) }

// detailPage shows a household's renovation, its timeline and photos,
// with the forms of the moves the viewer may make now; a refused post
// comes back here with its errors.
func (h *Handler) detailPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	rv, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	p := auth.From(ctx)
	d := detailData{R: rv, Can: map[string]bool{}, Today: ymd(h.today())}
	for _, act := range Allowed(rv.Status) {
		tr, _ := Next(rv.Status, act)
		if may(p, tr.Perm) {
			d.Can[string(act)] = true
			if act == ActApprove || act == ActReturn {
				d.Review = append(d.Review, act)
			}
		}
	}
	if may(p, auth.PermProgrammeApply) {
		d.Stages = OpenStages(rv.Status)
	}
	if d.Person, err = registry.Get(ctx, h.DB, scope(r), rv.PersonID); err != nil && !errors.Is(err, store.ErrNotFound) {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err == nil {
		d.Village, d.Township = names[rv.VillageCode], names[area.ParentOf(rv.VillageCode)]
		if d.Items, err = Items(ctx, h.DB, rv.ID); err == nil {
			if d.Events, err = Events(ctx, h.DB, rv.ID); err == nil {
				d.Files, err = Files(ctx, h.DB, rv.ID)
			}
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	set, err := LoadSettings(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.MaxKB = set.PhotoMaxKB
	page.Title, page.Section, page.Data = "renovate.household", "renovation", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.renovation"), Href: "/renovation"}, {Label: rv.Name}}
	web.Render(w, r, pages, "detail", page)
}

// done finishes an action post: back to the household on success, the
// page again with the problem otherwise.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, err error, form map[string]string, again func(web.Page)) {
	var es validate.Errors
	var re *RefusedError
	if again == nil {
		again = func(p web.Page) { h.detailPage(w, r, p) }
	}
	switch {
	case err == nil:
		web.Redirect(w, r, "/renovation/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		again(web.Page{Errors: validate.Errors{{Key: "renovate.error.refused_text", Args: []any{re.Text(lang(r))}}}, Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		again(web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

// ---- survey visit ----

type surveyData struct {
	R         Renovation
	Entrances []string
	Toilets   []string
	Kitchens  []string
	Doors     []string
}

func (h *Handler) surveyPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	rv, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		page.Form = map[string]string{"day": rv.VisitOn, "rooms": strconv.Itoa(rv.Rooms), "steps": strconv.Itoa(rv.Steps), "entrance": rv.Entrance,
			"toilet": rv.Toilet, "kitchen": rv.Kitchen, "doors": rv.Doors, "notes": rv.SurveyNotes}
		if rv.VisitOn == "" {
			page.Form["day"], page.Form["rooms"] = ymd(h.today()), ""
		}
	}
	page.Title, page.Section = "renovate.survey", "renovation"
	page.Data = surveyData{R: rv, Entrances: Entrances, Toilets: Toilets, Kitchens: Kitchens, Doors: DoorKinds}
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.renovation"), Href: "/renovation"}, {Label: rv.Name, Href: "/renovation/" + rv.ID},
		{Label: i18n.T(lang(r), "renovate.survey")}}
	web.Render(w, r, pages, "survey", page)
}

func (h *Handler) surveyForm(w http.ResponseWriter, r *http.Request) { h.surveyPage(w, r, web.Page{}) }

func (h *Handler) survey(w http.ResponseWriter, r *http.Request) {
	v := Visit{Day: r.PostFormValue("day"), Rooms: atoi(r.PostFormValue("rooms")), Steps: atoi(r.PostFormValue("steps")), Entrance: r.PostFormValue("entrance"),
		Toilet: r.PostFormValue("toilet"), Kitchen: r.PostFormValue("kitchen"), Doors: r.PostFormValue("doors"), Notes: r.PostFormValue("notes")}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Survey(ctx, tx, scope(r), r.PathValue("id"), v, h.today())
	})
	h.done(w, r, err, formOf(r, "day", "rooms", "steps", "entrance", "toilet", "kitchen", "doors", "notes"), func(p web.Page) { h.surveyPage(w, r, p) })
}

// ---- plan ----

type planRow struct {
	CatalogueItem
	Quantity   int
	Note       string
	CostFen    int64
	QtyErrors  []string // problems of this line, shown beside its inputs
	NoteErrors []string
}

// lineErrors picks the problems of the line of item name out of errs.
func lineErrors(l i18n.Lang, errs validate.Errors, field, name string) []string {
	var out []string
	for _, e := range errs {
		if e.Field == field && e.Row == 0 && len(e.Args) > 0 && e.Args[0] == name {
			out = append(out, i18n.T(l, e.Key, e.Args...))
		}
	}
	return out
}

type planData struct {
	R     Renovation
	Rows  []planRow
	Total int64
}

func (h *Handler) planPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	rv, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	cat, err := Catalogue(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	items, err := Items(ctx, h.DB, rv.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	have := map[string]Item{}
	for _, it := range items {
		have[it.Code] = it
	}
	if page.Form == nil {
		page.Form = map[string]string{"agreed_on": rv.AgreedOn, "agreed_by": rv.AgreedBy}
		for _, it := range items {
			page.Form["qty_"+it.Code], page.Form["note_"+it.Code] = strconv.Itoa(it.Quantity), it.Note
		}
	}
	d := planData{R: rv}
	for _, c := range cat {
		if !c.Active && have[c.Code].Code == "" {
			continue
		}
		row := planRow{CatalogueItem: c, Quantity: atoi(page.Form["qty_"+c.Code]), Note: page.Form["note_"+c.Code],
			QtyErrors: lineErrors(lang(r), page.Errors, "renovate.plan.quantity", c.Name), NoteErrors: lineErrors(lang(r), page.Errors, "renovate.plan.note", c.Name)}
		if row.Quantity > 0 && row.Quantity <= MaxQuantity {
			row.CostFen = c.UnitFen * int64(row.Quantity)
			d.Total += row.CostFen
		}
		d.Rows = append(d.Rows, row)
	}
	page.Title, page.Section, page.Data = "renovate.plan", "renovation", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.renovation"), Href: "/renovation"}, {Label: rv.Name, Href: "/renovation/" + rv.ID},
		{Label: i18n.T(lang(r), "renovate.plan")}}
	web.Render(w, r, pages, "plan", page)
}

func (h *Handler) planForm(w http.ResponseWriter, r *http.Request) { h.planPage(w, r, web.Page{}) }

func (h *Handler) plan(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	in := PlanInput{AgreedOn: r.PostFormValue("agreed_on"), AgreedBy: r.PostFormValue("agreed_by")}
	form := formOf(r, "agreed_on", "agreed_by")
	var es validate.Errors
	cat, err := Catalogue(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, c := range cat {
		names[c.Code] = c.Name
	}
	for k, v := range r.PostForm {
		code, ok := strings.CutPrefix(k, "qty_")
		if !ok || len(v) == 0 {
			continue
		}
		form[k], form["note_"+code] = v[0], r.PostFormValue("note_"+code)
		q := strings.TrimSpace(v[0])
		n, err := strconv.Atoi(q)
		if q != "" && err != nil {
			es.Add(0, "renovate.plan.quantity", "renovate.error.quantity_number", names[code])
			continue
		}
		in.Lines = append(in.Lines, PlanLine{Code: code, Quantity: n, Note: r.PostFormValue("note_" + code)})
	}
	if len(es) > 0 {
		err = es
	} else {
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
			_, err := Plan(ctx, tx, scope(r), r.PathValue("id"), in, h.today())
			return err
		})
	}
	h.done(w, r, err, form, func(p web.Page) { h.planPage(w, r, p) })
}

// ---- moves ----

func (h *Handler) review(w http.ResponseWriter, r *http.Request) {
	act := Action(r.PostFormValue("action"))
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Review(ctx, tx, scope(r), r.PathValue("id"), act, r.PostFormValue("note"), h.today())
	})
	h.done(w, r, err, formOf(r, "note"), nil)
}

func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Start(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("contractor"), r.PostFormValue("start_day"), h.today())
	})
	h.done(w, r, err, formOf(r, "contractor", "start_day"), nil)
}

func (h *Handler) accept(w http.ResponseWriter, r *http.Request) {
	a := Acceptance{Day: r.PostFormValue("accept_day"), SignedBy: r.PostFormValue("signed_by"), Notes: r.PostFormValue("inspection_notes")}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Accept(ctx, tx, scope(r), r.PathValue("id"), a, h.today())
	})
	h.done(w, r, err, formOf(r, "accept_day", "signed_by", "inspection_notes"), nil)
}

func (h *Handler) pay(w http.ResponseWriter, r *http.Request) {
	amount, ok := ParseYuan(r.PostFormValue("amount"))
	var err error
	if !ok {
		err = validate.Errors{{Field: "renovate.pay.amount", Key: "renovate.error.money"}}
	} else {
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
			return Pay(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("pay_day"), amount, h.today())
		})
	}
	h.done(w, r, err, formOf(r, "pay_day", "amount"), nil)
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Cancel(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("reason"), h.today())
	})
	h.done(w, r, err, formOf(r, "reason"), nil)
}

// ---- photos ----

// PutPhoto checks and stores an uploaded photo within the size setting,
// turning a refusal into a field error.
func (h *Handler) PutPhoto(ctx context.Context, rd io.Reader) (string, files.Kind, int64, error) {
	set, err := LoadSettings(ctx, h.DB)
	if err != nil {
		return "", "", 0, err
	}
	hash, kind, size, err := h.Files.Put(rd, int64(set.PhotoMaxKB)<<10, files.Images)
	var es validate.Errors
	switch {
	case errors.Is(err, files.ErrTooLarge):
		es.Add(0, "renovate.photo.file", "renovate.error.photo_size", set.PhotoMaxKB)
	case errors.Is(err, files.ErrType):
		es.Add(0, "renovate.photo.file", "renovate.error.photo_type")
	case errors.Is(err, files.ErrEmpty):
		es.Add(0, "renovate.photo.file", "validate.required")
	case err != nil:
		return "", "", 0, err
	}
	if len(es) > 0 {
		return "", "", 0, es
	}
	return hash, kind, size, nil
}

func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The scope is checked before anything is stored.
	if _, err := Get(ctx, h.DB, scope(r), r.PathValue("id")); err != nil {
		h.done(w, r, err, nil, nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 25<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.done(w, r, validate.Errors{{Field: "renovate.photo.file", Key: "renovate.error.photo_size", Args: []any{20480}}}, nil, nil)
		return
	}
	f, _, err := r.FormFile("photo")
	if err != nil {
		h.done(w, r, validate.Errors{{Field: "renovate.photo.file", Key: "validate.required"}}, formOf(r, "stage", "caption"), nil)
		return
	}
	defer f.Close()
	hash, kind, size, err := h.PutPhoto(ctx, f)
	if err == nil {
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
			_, err := AttachFile(ctx, tx, scope(r), r.PathValue("id"), r.FormValue("stage"), hash, kind, size, r.FormValue("caption"))
			return err
		})
	}
	h.done(w, r, err, formOf(r, "stage", "caption"), nil)
}

// photo serves a stored photo to a viewer whose scope holds the household.
func (h *Handler) photo(w http.ResponseWriter, r *http.Request) {
	f, err := GetFile(r.Context(), h.DB, scope(r), r.PathValue("id"), r.PathValue("file"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	rd, err := h.Files.Open(f.Hash)
	if errors.Is(err, files.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	defer rd.Close()
	w.Header().Set("Content-Type", f.Kind)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Disposition", "inline")
	http.ServeContent(w, r, "", time.Time{}, rd)
}

// ---- catalogue ----

type catalogueData struct {
	Items []CatalogueItem
}

func (h *Handler) cataloguePage(w http.ResponseWriter, r *http.Request, page web.Page) {
	items, err := Catalogue(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Title, page.Section, page.Data = "renovate.catalogue", "renovation", catalogueData{Items: items}
	page.Crumbs = crumbs(r, i18n.T(lang(r), "renovate.catalogue"))
	web.Render(w, r, pages, "catalogue", page)
}

func (h *Handler) catalogue(w http.ResponseWriter, r *http.Request) {
	h.cataloguePage(w, r, web.Page{})
}

func (h *Handler) saveItem(w http.ResponseWriter, r *http.Request) {
	c := CatalogueItem{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Unit: r.PostFormValue("unit"), Active: r.PostFormValue("active") == "1"}
	var err error
	if fen, ok := ParseYuan(r.PostFormValue("unit_cost")); ok {
		c.UnitFen = fen
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return SaveItem(ctx, tx, c) })
	} else {
		err = validate.Errors{{Field: "renovate.item.unit_cost", Key: "renovate.error.money"}}
	}
	var es validate.Errors
	if errors.As(err, &es) {
		h.cataloguePage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: formOf(r, "code", "name", "unit", "unit_cost", "active")})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/renovation/catalogue?ok=flash.saved")
}

// ---- settings and yearly targets ----

type settingsData struct {
	Set   Settings
	Year  YearPlan
	Years []int
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	d := settingsData{}
	var err error
	if d.Set, err = LoadSettings(ctx, h.DB); err == nil {
		d.Year, err = LoadYear(ctx, h.DB, h.yearOf(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	y := h.today().Year()
	d.Years = []int{y - 1, y, y + 1}
	if page.Form == nil {
		page.Form = map[string]string{}
	}
	for k, v := range map[string]string{"eligibility": d.Set.Eligibility, "photo_max_kb": strconv.Itoa(d.Set.PhotoMaxKB), "year": strconv.Itoa(d.Year.Year),
		"budget": Yuan(d.Year.BudgetFen), "target": strconv.Itoa(d.Year.Target), "coverage_goal": Percent(d.Year.CoverageGoalPermille)} {
		if _, ok := page.Form[k]; !ok {
			page.Form[k] = v
		}
	}
	page.Title, page.Section, page.Data = "renovate.settings", "renovation", d
	page.Crumbs = crumbs(r, i18n.T(lang(r), "renovate.settings"))
	web.Render(w, r, pages, "settings", page)
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request) { h.settingsPage(w, r, web.Page{}) }

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	set := Settings{Eligibility: r.PostFormValue("eligibility"), PhotoMaxKB: atoi(r.PostFormValue("photo_max_kb"))}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return SaveSettings(ctx, tx, set) })
	h.settingsDone(w, r, err, formOf(r, "eligibility", "photo_max_kb"))
}

func (h *Handler) saveYear(w http.ResponseWriter, r *http.Request) {
	y := YearPlan{Year: atoi(r.PostFormValue("year")), Target: atoi(r.PostFormValue("target"))}
	var es validate.Errors
	var ok bool
	if y.BudgetFen, ok = ParseYuan(r.PostFormValue("budget")); !ok {
		es.Add(0, "renovate.year.budget", "renovate.error.money")
	}
	if pct, ok := ParseYuan(r.PostFormValue("coverage_goal")); !ok || pct%10 != 0 {
		// a percentage with at most one decimal, read as hundredths
		es.Add(0, "renovate.year.coverage_goal", "renovate.error.range", 0, 100)
	} else {
		y.CoverageGoalPermille = int(pct / 10)
	}
	var err error
	if len(es) > 0 {
		err = es
	} else {
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return SaveYear(ctx, tx, y) })
	}
	h.settingsDone(w, r, err, formOf(r, "year", "budget", "target", "coverage_goal"))
}

func (h *Handler) settingsDone(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	var es validate.Errors
	if errors.As(err, &es) {
		h.settingsPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/renovation/settings?year="+r.PostFormValue("year")+"&ok=flash.saved")
}

// ---- figures ----

type figuresData struct {
	S     Stats
	Years []int
}

func (h *Handler) figures(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year := h.yearOf(r)
	st, err := Figures(r.Context(), h.DB, scope(r), year, q.Get("from"), q.Get("to"))
	page := web.Page{Title: "renovate.figures", Section: "renovation", Form: map[string]string{"year": strconv.Itoa(year), "from": q.Get("from"), "to": q.Get("to")}}
	var es validate.Errors
	if errors.As(err, &es) {
		page.Errors, page.Status = es, http.StatusUnprocessableEntity
		st, err = Figures(r.Context(), h.DB, scope(r), year, "", "")
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	y := h.today().Year()
	page.Data = figuresData{S: st, Years: []int{y + 1, y, y - 1, y - 2, y - 3}}
	page.Crumbs = crumbs(r, i18n.T(lang(r), "renovate.figures"))
	web.Render(w, r, pages, "figures", page)
}

// CostYuan is the row's cost in yuan.
func (p planRow) CostYuan() string { return Yuan(p.CostFen) }
