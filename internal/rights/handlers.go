package rights

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
	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the rights pages under /rights and the JSON API under
// /api/v1/rights.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the rights handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) today() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages and the API; the router checks each route's
// permission (the department rule of county staff included), the queries
// the caller's scope.
func (h *Handler) Routes(rt *web.Router) {
	read, write := auth.PermRightsRead, auth.PermRightsWrite
	rt.Page("GET /rights", read, h.list)
	rt.Page("GET /rights/export.xlsx", read, h.export)
	rt.Page("GET /rights/new", write, h.newForm)
	rt.Page("POST /rights", write, h.create)
	rt.Page("GET /rights/settings", read, h.settings)
	rt.Page("POST /rights/settings", write, h.saveSettings)
	rt.Page("GET /rights/{id}", read, h.detail)
	rt.Page("GET /rights/{id}/print", read, h.print)
	rt.Page("POST /rights/{id}/transfer", write, h.transfer)
	rt.Page("POST /rights/{id}/extend", write, h.extend)
	rt.Page("POST /rights/{id}/reply", write, h.reply)
	rt.Page("POST /rights/{id}/callback", write, h.callback)
	rt.Page("POST /rights/{id}/close", write, h.close)
	rt.Page("POST /rights/{id}/supervise", auth.PermRightsSupervise, h.supervise)
	rt.Page("POST /rights/{id}/legal-aid", write, h.legalAid)
	h.apiRoutes(rt)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, label string) []web.Crumb {
	return []web.Crumb{{Label: i18n.T(lang(r), "nav.rights"), Href: "/rights"}, {Label: label}}
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

// areas returns the names of areas and the townships and villages of the
// scope, for filters and the intake form.
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

// Due filters of the list.
const (
	DueSoon    = "soon"
	DueOverdue = "overdue"
)

// filterOf reads the list's filter from a query string; a malformed date
// is ignored rather than refused (a filter, not a form that writes).
func filterOf(q url.Values, cal *calendar.Calendar, today time.Time) Filter {
	date := func(s string) string {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return ""
		}
		return s
	}
	f := Filter{Status: Status(q.Get("status")), Channel: q.Get("channel"), Type: q.Get("type"), AreaCode: q.Get("area"),
		From: date(q.Get("from")), To: date(q.Get("to")), Supervised: q.Get("supervised") == "1", Today: ymd(today)}
	switch q.Get("due") {
	case DueOverdue:
		f.Overdue = true
	case DueSoon:
		f.DueSoon, f.Soon = true, SoonDay(cal, f.Today)
	}
	return f
}

type listData struct {
	Items    []Case
	Names    map[string]string
	Areas    []area.Area
	Statuses []Status
	Channels []string
	Types    []string
	Overdue  int
	Today    string
	Soon     string
	Query    string // the filter as a query string, for the export link
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cal, err := calendar.Load(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := filterOf(q, cal, h.today())
	items, err := List(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := listData{Items: items, Statuses: Statuses, Channels: Channels, Types: Types, Today: f.Today, Soon: SoonDay(cal, f.Today)}
	if d.Overdue, err = CountOverdue(ctx, h.DB, scope(r), f.Today); err != nil {
		web.ServerError(w, r, err)
		return
	}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{"status": string(f.Status), "channel": f.Channel, "type": f.Type, "area": f.AreaCode, "from": f.From, "to": f.To,
		"due": q.Get("due"), "supervised": q.Get("supervised")}
	v := url.Values{}
	for k, x := range form {
		if x != "" {
			v.Set(k, x)
		}
	}
	d.Query = v.Encode()
	web.Render(w, r, pages, "list", web.Page{Title: "rights.title", Section: "rights", Data: d, Form: form})
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	cal, err := calendar.Load(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	f := filterOf(r.URL.Query(), cal, h.today())
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="rights-`+ymd(h.today())+`.xlsx"`)
	if _, err := Export(r.Context(), h.DB, scope(r), f, w); err != nil {
		web.ServerError(w, r, err)
	}
}

// ---- intake ----

type newData struct {
	Channels []string
	Types    []string
	Areas    []area.Area
	Persons  []registry.Person // the person search's results
	Searched bool
	Names    map[string]string
	Limits   Limits
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	d := newData{Channels: Channels, Types: Types}
	var err error
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	set, err := LoadSettings(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Limits = set.Limits
	// The person it concerns is picked from the registry's search (a GET
	// form on this page: no script needed).
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && len(q) <= 100 {
		d.Searched = true
		if d.Persons, err = registry.Search(ctx, h.DB, scope(r), registry.Filter{Query: q, Limit: 20, Today: h.today()}); err != nil {
			web.ServerError(w, r, err)
			return
		}
		for i := range d.Persons {
			d.Persons[i] = d.Persons[i].Masked()
		}
	}
	if page.Form == nil {
		page.Form = map[string]string{"channel": ChannelHotline, "received_on": ymd(h.today()), "q": r.URL.Query().Get("q")}
	}
	// A refused intake keeps the person chosen before (not in a search now).
	if id := page.Form["person_id"]; id != "" {
		p, err := registry.Get(ctx, h.DB, scope(r), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			web.ServerError(w, r, err)
			return
		}
		if err == nil && !slices.ContainsFunc(d.Persons, func(x registry.Person) bool { return x.ID == p.ID }) {
			d.Persons = append(d.Persons, p.Masked())
		}
	}
	page.Title, page.Section, page.Data = "rights.new", "rights", d
	page.Crumbs = crumbs(r, i18n.T(lang(r), "rights.new"))
	web.Render(w, r, pages, "new", page)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) { h.newPage(w, r, web.Page{}) }

func newCaseOf(r *http.Request) NewCase {
	return NewCase{Channel: r.PostFormValue("channel"), CallerName: r.PostFormValue("caller_name"), CallerPhone: r.PostFormValue("caller_phone"),
		PersonID: r.PostFormValue("person_id"), AreaCode: r.PostFormValue("area"), Type: r.PostFormValue("type"), Account: r.PostFormValue("account"),
		ReceivedOn: r.PostFormValue("received_on"), CloseNow: r.PostFormValue("close_now") == "1", Answer: r.PostFormValue("answer")}
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var c Case
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		cal, err := calendar.Load(ctx, tx)
		if err != nil {
			return err
		}
		c, err = Create(ctx, tx, scope(r), cal, newCaseOf(r), h.today())
		return err
	})
	var es validate.Errors
	if errors.As(err, &es) {
		h.newPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity,
			Form: formOf(r, "channel", "caller_name", "caller_phone", "person_id", "area", "type", "account", "received_on", "close_now", "answer")})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/rights/"+c.ID+"?ok=flash.saved")
}

// ---- one case ----

type detailData struct {
	C            Case
	Township     string
	Village      string
	Events       []Event
	Can          map[string]bool
	Today        string
	Unit         string // the type's default unit, for the transfer form
	Overdue      bool
	Soon         bool
	Limits       Limits
	Satisfaction []string
	PhoneShown   bool
}

// load reads a case in the viewer's scope with what its pages show; the
// phone is open only to those who call back (rights.write), and each such
// view is audited like the registry's unmasking.
func (h *Handler) load(w http.ResponseWriter, r *http.Request) (detailData, bool) {
	ctx := r.Context()
	c, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return detailData{}, false
	}
	if err != nil {
		web.ServerError(w, r, err)
		return detailData{}, false
	}
	p := auth.From(ctx)
	d := detailData{Can: map[string]bool{}, Today: ymd(h.today()), Satisfaction: Satisfactions}
	if p.Can(auth.PermRightsWrite) && c.CallerPhone != "" {
		if err := audit.RecordAlone(ctx, h.DB, audit.Entry{Action: "rights.unmask", ObjectType: "rights_case", ObjectID: c.ID, AreaCode: c.AreaCode,
			Detail: "caller_phone"}); err != nil {
			web.ServerError(w, r, err)
			return d, false
		}
		d.PhoneShown = true
	} else {
		c = c.Masked()
	}
	d.C = c
	for _, act := range Allowed(c.Status) {
		tr, _ := Next(c.Status, act)
		d.Can[string(act)] = p.Can(tr.Perm)
	}
	d.Can[string(ActExtend)] = d.Can[string(ActExtend)] && c.ExtendedOn == ""
	d.Can[string(ActLegalAid)] = d.Can[string(ActLegalAid)] && c.LegalAidOn == ""
	cal, err := calendar.Load(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return d, false
	}
	d.Overdue, d.Soon = c.Overdue(d.Today), c.DueSoon(d.Today, SoonDay(cal, d.Today))
	names, err := area.Names(ctx, h.DB)
	if err == nil {
		if area.LevelOf(c.AreaCode) == area.Village {
			d.Village, d.Township = names[c.AreaCode], names[area.ParentOf(c.AreaCode)]
		} else {
			d.Township = names[c.AreaCode]
		}
		d.Events, err = Events(ctx, h.DB, c.ID)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return d, false
	}
	set, err := LoadSettings(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return d, false
	}
	d.Unit, d.Limits = set.Units[c.Type], set.Limits
	return d, true
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) { h.detailPage(w, r, web.Page{}) }

// detailPage shows a case, its timeline and the forms of the moves the
// viewer may make now; a refused post comes back here with its errors.
func (h *Handler) detailPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	page.Title, page.Section, page.Data = "rights.case", "rights", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.rights"), Href: "/rights"}, {Label: d.C.Code}}
	web.Render(w, r, pages, "detail", page)
}

// print is the case sheet to print and file (受理、转办、答复、回访 on one page).
func (h *Handler) print(w http.ResponseWriter, r *http.Request) {
	d, ok := h.load(w, r)
	if !ok {
		return
	}
	page := web.Page{Title: "rights.print", Section: "rights", Data: d}
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.rights"), Href: "/rights"}, {Label: d.C.Code, Href: "/rights/" + d.C.ID}, {Label: i18n.T(lang(r), "rights.print")}}
	web.Render(w, r, pages, "print", page)
}

// done finishes an action post: back to the case on success, the page
// again with the problem otherwise.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/rights/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.detailPage(w, r, web.Page{Errors: validate.Errors{{Key: "rights.error.refused_text", Args: []any{re.Text(lang(r))}}}, Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.detailPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Transfer(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("unit"), r.PostFormValue("transfer_day"), r.PostFormValue("transfer_note"), h.today())
	})
	h.done(w, r, err, formOf(r, "unit", "transfer_day", "transfer_note"))
}

func (h *Handler) extend(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		cal, err := calendar.Load(ctx, tx)
		if err != nil {
			return err
		}
		return Extend(ctx, tx, scope(r), cal, r.PathValue("id"), r.PostFormValue("extend_reason"), r.PostFormValue("extend_day"), h.today())
	})
	h.done(w, r, err, formOf(r, "extend_reason", "extend_day"))
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Reply(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("reply"), r.PostFormValue("reply_day"), h.today())
	})
	h.done(w, r, err, formOf(r, "reply", "reply_day"))
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Callback(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("satisfaction"), r.PostFormValue("callback_day"), r.PostFormValue("callback_note"), h.today())
	})
	h.done(w, r, err, formOf(r, "satisfaction", "callback_day", "callback_note"))
}

func (h *Handler) close(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Close(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("close_day"), r.PostFormValue("close_note"), h.today())
	})
	h.done(w, r, err, formOf(r, "close_day", "close_note"))
}

func (h *Handler) supervise(w http.ResponseWriter, r *http.Request) {
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		return Supervise(ctx, tx, scope(r), r.PathValue("id"), r.PostFormValue("supervise_note"), h.today())
	})
	h.done(w, r, err, formOf(r, "supervise_note"))
}

func (h *Handler) legalAid(w http.ResponseWriter, r *http.Request) {
	var err error
	persons, perr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("aid_persons")))
	if perr != nil {
		err = validate.Errors{{Field: "rights.legal_aid.persons", Key: "rights.error.range", Args: []any{1, MaxPersons}}}
	} else {
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
			return LegalAid(ctx, tx, scope(r), r.PathValue("id"), persons, r.PostFormValue("aid_day"), r.PostFormValue("aid_note"), h.today())
		})
	}
	h.done(w, r, err, formOf(r, "aid_persons", "aid_day", "aid_note"))
}

// ---- settings ----

type settingsData struct {
	Set      Settings
	Types    []string
	Defaults Limits
	Units    map[string]string
	Max      Limits
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	set, err := LoadSettings(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		page.Form = map[string]string{"ack_days": strconv.Itoa(set.AckDays), "reply_days": strconv.Itoa(set.ReplyDays), "extend_days": strconv.Itoa(set.ExtendDays)}
		for _, t := range Types {
			page.Form["unit_"+t] = set.Units[t]
		}
	}
	page.Title, page.Section = "rights.settings", "rights"
	page.Data = settingsData{Set: set, Types: Types, Defaults: DefaultLimits, Units: DefaultUnits, Max: Limits{MaxAckDays, MaxReplyDays, MaxExtendDays}}
	page.Crumbs = crumbs(r, i18n.T(lang(r), "rights.settings"))
	web.Render(w, r, pages, "settings", page)
}

func (h *Handler) settings(w http.ResponseWriter, r *http.Request) { h.settingsPage(w, r, web.Page{}) }

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	set := Settings{Limits: Limits{AckDays: atoi(r.PostFormValue("ack_days")), ReplyDays: atoi(r.PostFormValue("reply_days")),
		ExtendDays: atoi(r.PostFormValue("extend_days"))}, Units: map[string]string{}}
	keys := []string{"ack_days", "reply_days", "extend_days"}
	for _, t := range Types {
		set.Units[t] = r.PostFormValue("unit_" + t)
		keys = append(keys, "unit_"+t)
	}
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error { return SaveSettings(ctx, tx, set) })
	var es validate.Errors
	if errors.As(err, &es) {
		h.settingsPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: formOf(r, keys...)})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/rights/settings?ok=flash.saved")
}
