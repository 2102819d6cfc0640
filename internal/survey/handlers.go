package survey

import (
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

// Handler serves the survey pages and the JSON API under /api/v1/survey/.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the survey handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API. Seeing needs registry.read;
// every change needs registry.write, and the steps of the township and the
// county are further limited by role (Transition.By).
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /survey", auth.PermRegistryRead, h.overview)
	rt.Page("GET /survey/progress.xlsx", auth.PermRegistryRead, h.export)
	rt.Page("POST /survey/rounds", auth.PermRegistryWrite, h.openRound)
	rt.Page("POST /survey/rounds/{year}/close", auth.PermRegistryWrite, h.closeRound)
	rt.Page("POST /survey/rounds/{year}/refresh", auth.PermRegistryWrite, h.refresh)
	rt.Page("POST /survey/settings", auth.PermSettingsManage, h.saveSettings)
	rt.Page("GET /survey/tasks", auth.PermRegistryRead, h.tasks)
	rt.Page("GET /survey/tasks/{id}", auth.PermRegistryRead, h.task)
	rt.Page("POST /survey/tasks/{id}/sections/{section}", auth.PermRegistryWrite, h.saveSection)
	rt.Page("POST /survey/tasks/{id}/act", auth.PermRegistryWrite, h.act)
	h.apiRoutes(rt)
}

func principal(r *http.Request) *auth.Principal {
	p := auth.From(r.Context())
	if p.Kind == "api" {
		// An API client (the field app) fills and submits as a worker of
		// its scope; the township check and county acceptance are people's.
		c := *p
		c.Role = auth.RoleVillageWorker
		return &c
	}
	return p
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, more ...web.Crumb) []web.Crumb {
	l := lang(r)
	out := []web.Crumb{{Label: i18n.T(l, "nav.registry"), Href: "/registry"}, {Label: i18n.T(l, "survey.title"), Href: "/survey"}}
	if len(more) == 0 {
		out[1].Href = ""
	}
	return append(out, more...)
}

func refusalErrors(l i18n.Lang, re *RefusedError) validate.Errors {
	return validate.Errors{{Key: "survey.error.message", Args: []any{re.Text(l)}}}
}

// ---- overview: rounds and progress ----

type overviewData struct {
	Rounds     []Round
	Progress   *RoundProgress
	Needs      map[Need]int
	AllNeeds   []Need
	Year       int
	Area       string // township whose villages are shown
	Rows       []Progress
	RowsLevel  string // "township" or "village"
	County     bool   // the viewer may open and close rounds
	Worker     bool   // the viewer may refresh tasks
	Settings   Settings
	DefaultDue string
	NextYear   int
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) { h.overviewPage(w, r, web.Page{}) }

func (h *Handler) overviewPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	p := auth.From(ctx)
	today := h.today()
	d := overviewData{AllNeeds: AllNeeds, County: p.Can(auth.PermRegistryWrite) && ByCounty.Allows(p.Role),
		Worker: p.Can(auth.PermRegistryWrite) && ByWorker.Allows(p.Role)}
	var err error
	if d.Rounds, err = Rounds(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	if d.Settings, err = LoadSettings(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.DefaultDue = ymd(today.AddDate(0, 0, d.Settings.DueDays))
	d.NextYear = today.Year()
	for _, rd := range d.Rounds {
		if rd.Year == d.NextYear {
			d.NextYear++
		}
	}
	d.Year = yearParam(r.URL.Query().Get("year"))
	if d.Year == 0 && len(d.Rounds) > 0 {
		d.Year = d.Rounds[0].Year
	}
	if d.Year != 0 {
		rp, err := ProgressOf(ctx, h.DB, p.Scope, d.Year, today)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			web.ServerError(w, r, err)
			return
		}
		if err == nil {
			d.Progress = &rp
			d.Rows, d.RowsLevel = rp.Townships, "township"
			d.Area = r.URL.Query().Get("area")
			if len(rp.Townships) <= 1 && d.Area == "" && len(rp.Townships) == 1 {
				d.Area = rp.Townships[0].Code
			}
			if d.Area != "" {
				d.Rows, d.RowsLevel = nil, "village"
				for _, v := range rp.Villages {
					if area.ParentOf(v.Code) == d.Area {
						d.Rows = append(d.Rows, v)
					}
				}
			}
			if d.Needs, err = NeedCounts(ctx, h.DB, p.Scope, d.Year); err != nil {
				web.ServerError(w, r, err)
				return
			}
		}
	}
	if page.Form == nil {
		page.Form = map[string]string{"year": strconv.Itoa(d.NextYear), "due_on": d.DefaultDue, "due_days": strconv.Itoa(d.Settings.DueDays)}
	}
	page.Title, page.Section, page.Data, page.Crumbs = "survey.title", "registry", d, crumbs(r)
	web.Render(w, r, pages, "overview", page)
}

// roundDone answers a round post: back to the overview, or it again with
// the problem.
func (h *Handler) roundDone(w http.ResponseWriter, r *http.Request, err error, flash string, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/survey?ok="+flash)
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.overviewPage(w, r, web.Page{Errors: refusalErrors(lang(r), re), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.overviewPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) openRound(w http.ResponseWriter, r *http.Request) {
	year := yearParam(r.PostFormValue("year"))
	due := strings.TrimSpace(r.PostFormValue("due_on"))
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, _, err := OpenRound(r.Context(), tx, principal(r), year, due, h.today())
		return err
	})
	if err == nil {
		web.Redirect(w, r, "/survey?year="+strconv.Itoa(year)+"&ok=flash.saved")
		return
	}
	h.roundDone(w, r, err, "", map[string]string{"year": r.PostFormValue("year"), "due_on": due})
}

func (h *Handler) closeRound(w http.ResponseWriter, r *http.Request) {
	year := yearParam(r.PathValue("year"))
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return CloseRound(r.Context(), tx, principal(r), year, h.today()) })
	h.roundDone(w, r, err, "flash.saved", nil)
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) {
	year := yearParam(r.PathValue("year"))
	p := principal(r)
	if !ByWorker.Allows(p.Role) {
		h.roundDone(w, r, &RefusedError{Key: "survey.error.role_worker"}, "", nil)
		return
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { _, _, err := Refresh(r.Context(), tx, p.Scope, year); return err })
	if err == nil {
		web.Redirect(w, r, "/survey/tasks?year="+strconv.Itoa(year)+"&ok=flash.saved")
		return
	}
	h.roundDone(w, r, err, "", nil)
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	in := map[string]string{}
	for _, d := range SettingDefs {
		in[d.Key] = r.PostFormValue(d.Key)
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return SaveSettings(r.Context(), tx, in) })
	h.roundDone(w, r, err, "flash.saved", map[string]string{"due_days": r.PostFormValue("due_days")})
}

// ---- task list ----

type tasksData struct {
	Round    *Round
	Rounds   []Round
	Year     int
	Tasks    []TaskRow
	Names    map[string]string
	Areas    []area.Area
	Statuses []Status
	Next     string // query of the next page, "" when none
	Prev     string
	Worker   bool
}

const pageSize = 50

func (h *Handler) tasks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := auth.From(ctx)
	d := tasksData{Statuses: Statuses, Worker: p.Can(auth.PermRegistryWrite) && ByWorker.Allows(p.Role)}
	var err error
	if d.Rounds, err = Rounds(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Year = yearParam(q.Get("year"))
	if d.Year == 0 && len(d.Rounds) > 0 {
		d.Year = d.Rounds[0].Year
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	f := TaskFilter{Year: d.Year, AreaCode: q.Get("area"), Status: Status(q.Get("status")), Overdue: q.Get("overdue") == "1",
		Query: q.Get("q"), Offset: max(0, offset), Limit: pageSize + 1}
	for _, rd := range d.Rounds {
		if rd.Year == d.Year {
			rd := rd
			d.Round = &rd
		}
	}
	if d.Round != nil {
		if d.Tasks, err = ListTasks(ctx, h.DB, p.Scope, f, h.today()); err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	page := func(off int) string {
		v := url.Values{}
		for _, k := range []string{"year", "area", "status", "overdue", "q"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("offset", strconv.Itoa(off))
		return v.Encode()
	}
	if len(d.Tasks) > pageSize {
		d.Tasks = d.Tasks[:pageSize]
		d.Next = page(f.Offset + pageSize)
	}
	if f.Offset > 0 {
		d.Prev = page(max(0, f.Offset-pageSize))
	}
	if d.Names, err = area.Names(ctx, h.DB); err != nil {
		web.ServerError(w, r, err)
		return
	}
	all, err := area.InScope(ctx, h.DB, p.Scope)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, a := range all {
		if a.Level == area.Township || a.Level == area.Village {
			d.Areas = append(d.Areas, a)
		}
	}
	form := map[string]string{"year": strconv.Itoa(d.Year), "area": f.AreaCode, "status": string(f.Status), "overdue": q.Get("overdue"), "q": f.Query}
	web.Render(w, r, pages, "tasks", web.Page{Title: "survey.tasks", Section: "registry", Data: d, Form: form,
		Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "survey.tasks")})})
}

// ---- one task: the form ----

type optionView struct {
	Code, Label, ID string
	Checked         bool
}

type itemView struct {
	Key, Label, Hint, ID string
	Kind                 Kind
	Options              []optionView
	Value                string
	Errors               []string
	Hidden               bool // its condition is not met by the saved answers
	MaxLength            int
}

type sectionView struct {
	Key, Label string
	Items      []itemView
	Done       bool // every required item answered
}

type taskData struct {
	Task      Task
	Person    registry.Person
	Village   string
	Township  string
	Round     Round
	Sections  []sectionView
	Source    int // pre-fill: year of last survey, 0 registry, -1 saved answers
	Editable  bool
	Actions   []Action
	Events    []Event
	Needs     []Need
	Overdue   bool
	VisitErrs []string
	VisitedOn string
	Saved     string // the section just saved, for the focus
}

func (h *Handler) task(w http.ResponseWriter, r *http.Request) { h.taskPage(w, r, web.Page{}, nil) }

// taskPage shows a task's form, section by section; a refused save comes
// back with its errors and the answers as posted.
func (h *Handler) taskPage(w http.ResponseWriter, r *http.Request, page web.Page, posted Answers) {
	ctx := r.Context()
	p := auth.From(ctx)
	l := lang(r)
	t, err := GetTask(ctx, h.DB, p.Scope, r.PathValue("id"))
	var d taskData
	if err == nil {
		d.Task = t
		d.Person, err = registry.Get(ctx, h.DB, area.All(), t.PersonID)
	}
	if err == nil {
		d.Round, err = GetRound(ctx, h.DB, t.Year)
	}
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	shown, src, err := Shown(ctx, h.DB, t)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Source = src
	if posted != nil {
		shown = posted
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Village, d.Township = names[t.VillageCode], names[area.ParentOf(t.VillageCode)]
	role := principal(r).Role
	writer := p.Can(auth.PermRegistryWrite)
	d.Editable = writer && d.Round.Open() && ByWorker.Allows(role) && (t.Status == Pending || t.Status == InProgress || t.Status == Returned)
	if writer && d.Round.Open() {
		d.Actions = AllowedFor(t.Status, role)
	}
	d.Overdue = d.Round.Open() && d.Round.Overdue(h.today()) && t.Status.Open()
	d.Needs = NeedsOf(shown)
	d.VisitedOn = t.VisitedOn
	if v, ok := page.Form["visited_on"]; ok {
		d.VisitedOn = v
	}
	d.VisitErrs = page.Errors.For(l, "survey.visited_on")
	d.Saved = r.URL.Query().Get("saved")
	for _, sec := range Sections {
		sv := sectionView{Key: sec, Label: i18n.T(l, "survey.section."+sec), Done: true}
		for _, it := range ItemsOf(sec) {
			iv := itemView{Key: it.Key, Label: it.label(l), ID: "i_" + it.Key, Kind: it.Kind, Value: shown[it.Key],
				Errors: page.Errors.For(l, it.Field()), Hidden: !it.Shown(shown), MaxLength: it.MaxLength}
			if it.If != "" {
				iv.Hint = i18n.T(l, "survey.if."+it.Key)
			}
			for _, c := range it.Options {
				iv.Options = append(iv.Options, optionView{Code: c, Label: it.optionLabel(l, c), ID: "i_" + it.Key + "_" + c,
					Checked: shown.Has(it.Key, c) || it.Kind == Single && shown[it.Key] == c})
			}
			if it.Required && it.Shown(shown) && shown[it.Key] == "" {
				sv.Done = false
			}
			sv.Items = append(sv.Items, iv)
		}
		d.Sections = append(d.Sections, sv)
	}
	if d.Events, err = Events(ctx, h.DB, t.ID); err != nil {
		web.ServerError(w, r, err)
		return
	}
	page.Title, page.Section, page.Data = "survey.task", "registry", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(l, "survey.tasks"), Href: "/survey/tasks?year=" + strconv.Itoa(t.Year)}, web.Crumb{Label: d.Person.Name})
	web.Render(w, r, pages, "task", page)
}

// label is the item's text in l: the catalogue's, or the county's own.
func (it Item) label(l i18n.Lang) string {
	if it.Label != "" && !i18n.Has(l, "survey.item."+it.Key) {
		return it.Label
	}
	return i18n.T(l, "survey.item."+it.Key)
}

func (it Item) optionLabel(l i18n.Lang, code string) string {
	key := "survey.opt." + it.Key + "." + code
	switch it.Registry {
	case "marital", "education", "employment":
		key = "person." + it.Registry + "." + code
	}
	if it.OptionLabels[code] != "" && !i18n.Has(l, key) {
		return it.OptionLabels[code]
	}
	return i18n.T(l, key)
}

// postedAnswers reads one section's answers from a form: Multi items
// post one value per checkbox.
func postedAnswers(r *http.Request, section string) Answers {
	_ = r.ParseForm()
	a := Answers{}
	for _, it := range ItemsOf(section) {
		vals := r.PostForm[it.Key]
		if it.Kind == Multi {
			a[it.Key] = strings.Join(vals, ",")
		} else if len(vals) > 0 {
			a[it.Key] = vals[0]
		}
	}
	return a
}

func (h *Handler) saveSection(w http.ResponseWriter, r *http.Request) {
	section := r.PathValue("section")
	in := postedAnswers(r, section)
	visited := r.PostFormValue("visited_on")
	var t Task
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		t, err = SaveSection(r.Context(), tx, principal(r), r.PathValue("id"), section, in, visited, h.today())
		return err
	})
	if err == nil {
		// Back to the form at the next section, so the worker goes on.
		next := section
		for i, s := range Sections {
			if s == section && i+1 < len(Sections) {
				next = Sections[i+1]
			}
		}
		web.Redirect(w, r, "/survey/tasks/"+t.ID+"?ok=flash.saved&saved="+url.QueryEscape(section)+"#s_"+next)
		return
	}
	h.taskDone(w, r, err, map[string]string{"visited_on": visited}, in, section)
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request) {
	act := Action(r.PostFormValue("action"))
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := Act(r.Context(), tx, principal(r), r.PathValue("id"), act, r.PostFormValue("note"), h.today())
		return err
	})
	if err == nil {
		web.Redirect(w, r, "/survey/tasks/"+r.PathValue("id")+"?ok=flash.saved")
		return
	}
	h.taskDone(w, r, err, map[string]string{"note": r.PostFormValue("note")}, nil, "")
}

// taskDone shows the form again with the problem of a refused post.
func (h *Handler) taskDone(w http.ResponseWriter, r *http.Request, err error, form map[string]string, in Answers, section string) {
	var es validate.Errors
	var re *RefusedError
	var posted Answers
	if in != nil {
		// The answers as posted for the section, the stored ones for the rest.
		if t, gerr := GetTask(r.Context(), h.DB, scope(r), r.PathValue("id")); gerr == nil {
			posted, _, _ = Shown(r.Context(), h.DB, t)
			merged := Answers{}
			for k, v := range posted {
				merged[k] = v
			}
			for _, it := range ItemsOf(section) {
				delete(merged, it.Key)
				if in[it.Key] != "" {
					merged[it.Key] = in[it.Key]
				}
			}
			posted = merged
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.taskPage(w, r, web.Page{Errors: refusalErrors(lang(r), re), Status: http.StatusConflict, Form: form}, posted)
	case errors.As(err, &es):
		h.taskPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form}, posted)
	default:
		web.ServerError(w, r, err)
	}
}

// ---- export ----

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	year := yearParam(r.URL.Query().Get("year"))
	rp, err := ProgressOf(ctx, h.DB, scope(r), year, h.today())
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	counts, err := NeedCounts(ctx, h.DB, scope(r), year)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="survey-`+strconv.Itoa(year)+`.xlsx"`)
	if err := ExportProgress(rp, counts, w); err != nil {
		web.ServerError(w, r, err)
	}
}

// yearParam reads a year from a form, a query or a path: what is not a
// number of at most four digits counts as none (0). strconv.Atoi answers
// an overflow with the largest int, which PostgreSQL's INTEGER refuses.
func yearParam(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 9999 {
		return 0
	}
	return n
}
