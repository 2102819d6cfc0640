package device

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
	"github.com/yangguang-cdpf/yangguang/internal/settings"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the device pages under /devices and the JSON API under
// /api/v1/devices/.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
}

// NewHandler returns the device handler.
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
	read, apply, write := auth.PermProgrammeRead, auth.PermProgrammeApply, auth.PermProgrammeWrite
	page("GET /devices", read, h.inventory)
	page("GET /devices/export", read, h.export)
	page("GET /devices/items/new", write, h.receiveForm)
	page("POST /devices/items", write, h.receive)
	page("GET /devices/items/{id}", read, h.item)
	page("POST /devices/items/{id}/move", write, h.itemAction(ActMove))
	page("POST /devices/items/{id}/repair", write, h.itemAction(ActRepair))
	page("POST /devices/items/{id}/repaired", write, h.itemAction(ActRepaired))
	page("POST /devices/items/{id}/scrap", write, h.itemAction(ActScrap))
	page("POST /devices/items/{id}/found", write, h.itemAction(ActFound))
	page("GET /devices/catalogue", read, h.catalogue)
	page("POST /devices/catalogue", write, h.saveKind)
	page("GET /devices/catalogue/{id}", write, h.kind)
	page("POST /devices/catalogue/{id}", write, h.saveKind)
	page("POST /devices/settings", write, h.saveSettings)
	page("GET /devices/loans", read, h.loans)
	page("GET /devices/loans/new", apply, h.newLoan)
	page("POST /devices/loans", apply, h.lend)
	page("GET /devices/loans/{id}", read, h.loan)
	page("POST /devices/loans/{id}/return", apply, h.loanAction(ActReturn))
	page("POST /devices/loans/{id}/extend", apply, h.loanAction(ActExtend))
	page("POST /devices/loans/{id}/lost", apply, h.loanAction(ActLose))
	page("GET /devices/overdue", read, h.overdue)
	page("GET /devices/notices", read, h.notices)
	page("GET /devices/figures", read, h.figures)
	h.apiRoutes(rt)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

// may reports whether the viewer may do what perm allows, department
// included (for showing forms; routes check again).
func may(r *http.Request, perm auth.Perm) bool {
	p := auth.From(r.Context())
	return p.Can(perm)
}

func crumbs(r *http.Request, steps ...web.Crumb) []web.Crumb {
	l := lang(r)
	return append([]web.Crumb{{Label: i18n.T(l, "nav.programmes"), Href: "/programmes"}, {Label: i18n.T(l, "device.title"), Href: "/devices"}}, steps...)
}

func postForm(r *http.Request, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = r.PostFormValue(k)
	}
	return m
}

// places are the county and its townships inside s: where stock is kept.
func places(ctx context.Context, q store.Querier, s area.Scope) ([]area.Area, error) {
	all, err := area.InScope(ctx, q, s)
	var out []area.Area
	for _, a := range all {
		if a.Level == area.County || a.Level == area.Township {
			out = append(out, a)
		}
	}
	return out, err
}

// townships are the townships inside s, for filters by the person's township.
func townships(ctx context.Context, q store.Querier, s area.Scope) ([]area.Area, error) {
	all, err := area.InScope(ctx, q, s)
	var out []area.Area
	for _, a := range all {
		if a.Level == area.Township {
			out = append(out, a)
		}
	}
	return out, err
}

// fail answers a write that went wrong: the page again with the problems,
// 404 for what is missing or out of scope, 500 otherwise.
func fail(w http.ResponseWriter, r *http.Request, err error, again func(web.Page)) {
	var es validate.Errors
	switch {
	case errors.As(err, &es):
		again(web.Page{Errors: es, Status: http.StatusUnprocessableEntity})
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	default:
		web.ServerError(w, r, err)
	}
}

// ---- inventory ----

type inventoryData struct {
	Items    []Item
	Kinds    []Kind
	Places   []area.Area
	Names    map[string]string
	Statuses []ItemStatus
	Classes  []Class
	Counts   map[ItemStatus]int
	Query    string
}

func itemFilter(q url.Values) ItemFilter {
	return ItemFilter{Location: q.Get("location"), KindID: q.Get("kind"), Class: Class(q.Get("class")), Status: ItemStatus(q.Get("status")), AssetNo: q.Get("asset_no")}
}

func (h *Handler) inventory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	items, err := ListItems(ctx, h.DB, scope(r), itemFilter(q))
	d := inventoryData{Items: items, Statuses: ItemStatuses, Classes: Classes, Counts: map[ItemStatus]int{}, Query: r.URL.RawQuery}
	if err == nil {
		d.Kinds, err = ListKinds(ctx, h.DB)
	}
	if err == nil {
		d.Places, err = places(ctx, h.DB, scope(r))
	}
	if err == nil {
		d.Names, err = area.Names(ctx, h.DB)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, it := range items {
		d.Counts[it.Status]++
	}
	form := map[string]string{"location": q.Get("location"), "kind": q.Get("kind"), "class": q.Get("class"), "status": q.Get("status"), "asset_no": q.Get("asset_no")}
	web.Render(w, r, pages, "inventory", web.Page{Title: "device.title", Section: "programmes", Crumbs: []web.Crumb{{Label: i18n.T(lang(r), "nav.programmes"), Href: "/programmes"}, {Label: i18n.T(lang(r), "device.title")}}, Data: d, Form: form})
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="devices-`+ymd(h.today())+`.xlsx"`)
	if _, err := Export(r.Context(), h.DB, scope(r), itemFilter(r.URL.Query()), w); err != nil {
		web.ServerError(w, r, err)
	}
}

// ---- receiving ----

type receiveData struct {
	Kinds      []Kind
	Places     []area.Area
	Sources    []string
	Conditions []Condition
	Max        int
}

func (h *Handler) receivePage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	d := receiveData{Sources: Sources, Conditions: ReceiveConditions, Max: MaxReceive}
	kinds, err := ListKinds(ctx, h.DB)
	if err == nil {
		d.Places, err = places(ctx, h.DB, scope(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, k := range kinds {
		if k.Active {
			d.Kinds = append(d.Kinds, k)
		}
	}
	page.Title, page.Section, page.Data = "device.receive", "programmes", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.receive")})
	web.Render(w, r, pages, "receive", page)
}

func (h *Handler) receiveForm(w http.ResponseWriter, r *http.Request) {
	h.receivePage(w, r, web.Page{Form: map[string]string{"quantity": "1", "source": "purchase", "condition": string(CondNew),
		"received_on": ymd(h.today()), "location": scope(r).Code()}})
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	qty, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quantity")))
	if err != nil {
		qty = -1
	}
	rc := Receipt{KindID: r.PostFormValue("kind"), Quantity: qty, AssetNo: r.PostFormValue("asset_no"), Source: r.PostFormValue("source"),
		ReceivedOn: r.PostFormValue("received_on"), Condition: Condition(r.PostFormValue("condition")), LocationCode: r.PostFormValue("location"), Note: r.PostFormValue("note")}
	var items []Item
	err = h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		items, err = Receive(r.Context(), tx, scope(r), rc, h.today())
		return err
	})
	if err != nil {
		fail(w, r, err, func(p web.Page) {
			p.Form = postForm(r, "kind", "quantity", "asset_no", "source", "received_on", "condition", "location", "note")
			h.receivePage(w, r, p)
		})
		return
	}
	if len(items) == 1 {
		web.Redirect(w, r, "/devices/items/"+items[0].ID+"?ok=flash.device_received")
		return
	}
	web.Redirect(w, r, "/devices?kind="+url.QueryEscape(rc.KindID)+"&location="+url.QueryEscape(rc.LocationCode)+"&ok=flash.device_received")
}

// ---- one item ----

type itemData struct {
	Item     Item
	Kind     Kind
	Events   []Event
	Loans    []Loan
	Names    map[string]string
	Places   []area.Area
	Allowed  map[string]bool
	Repaired []Condition
	CanLend  bool
	Today    time.Time
}

func (h *Handler) itemPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	it, err := GetItem(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	d := itemData{Item: it, Allowed: map[string]bool{}, Repaired: RepairedConditions, Today: h.today()}
	if err == nil {
		d.Kind, err = GetKind(ctx, h.DB, it.KindID)
	}
	if err == nil {
		d.Events, err = ItemEvents(ctx, h.DB, it.ID)
	}
	if err == nil {
		d.Loans, err = ListLoans(ctx, h.DB, scope(r), LoanFilter{ItemID: it.ID})
	}
	if err == nil {
		d.Names, err = area.Names(ctx, h.DB)
	}
	if err == nil {
		d.Places, err = places(ctx, h.DB, scope(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, a := range Allowed(it.Status) {
		tr, _ := Next(it.Status, a)
		if may(r, tr.Perm) {
			d.Allowed[string(a)] = true
		}
	}
	d.CanLend = d.Allowed[string(ActLend)] && d.Kind.Loanable
	page.Title, page.Section, page.Data = "device.item", "programmes", d
	page.Crumbs = crumbs(r, web.Crumb{Label: it.AssetNo})
	web.Render(w, r, pages, "item", page)
}

func (h *Handler) item(w http.ResponseWriter, r *http.Request) { h.itemPage(w, r, web.Page{}) }

func (h *Handler) itemAction(act Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, s, today := r.PathValue("id"), scope(r), h.today()
		note := r.PostFormValue("note")
		err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
			ctx := r.Context()
			switch act {
			case ActMove:
				_, err = Move(ctx, tx, s, id, r.PostFormValue("move_to"), note, today)
			case ActRepair:
				_, err = SendToRepair(ctx, tx, s, id, note, today)
			case ActRepaired:
				_, err = Repaired(ctx, tx, s, id, Condition(r.PostFormValue("condition")), note, today)
			case ActScrap:
				_, err = Scrap(ctx, tx, s, id, r.PostFormValue("reason"), today)
			case ActFound:
				_, err = Found(ctx, tx, s, id, Condition(r.PostFormValue("condition")), note, today)
			}
			return err
		})
		if err != nil {
			fail(w, r, err, func(p web.Page) {
				p.Form = postForm(r, "move_to", "note", "condition", "reason")
				p.Form["action"] = string(act)
				h.itemPage(w, r, p)
			})
			return
		}
		web.Redirect(w, r, "/devices/items/"+id+"?ok=flash.saved")
	}
}

// ---- catalogue and settings ----

type catalogueData struct {
	Kinds    []Kind
	Classes  []Class
	Kind     *Kind
	Defs     []settings.Def
	Settings Settings
	CanEdit  bool
}

func (h *Handler) cataloguePage(w http.ResponseWriter, r *http.Request, page web.Page, name string, k *Kind) {
	ctx := r.Context()
	kinds, err := ListKinds(ctx, h.DB)
	var set Settings
	if err == nil {
		set, err = LoadSettings(ctx, h.DB)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		page.Form = map[string]string{"active": "1", "loanable": "1", "class": string(ClassOther)}
		if k != nil {
			page.Form = kindForm(*k)
		}
	}
	if name == "catalogue" && page.Form["deposit_fen"] == "" {
		page.Form["loan_days_setting"] = strconv.Itoa(set.LoanDays)
		page.Form["extend_days"] = strconv.Itoa(set.ExtendDays)
		page.Form["max_extend_days"] = strconv.Itoa(set.MaxExtendDays)
		page.Form["deposit_fen"] = Yuan(set.DepositFen)
		page.Form["rent_fen"] = Yuan(set.RentFen)
		page.Form["reminder_every_days"] = strconv.Itoa(set.ReminderEvery)
	}
	page.Section = "programmes"
	page.Data = catalogueData{Kinds: kinds, Classes: Classes, Kind: k, Defs: SettingDefs, Settings: set, CanEdit: may(r, auth.PermProgrammeWrite)}
	if k != nil {
		page.Title = "device.kind_edit"
		page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.catalogue"), Href: "/devices/catalogue"}, web.Crumb{Label: k.Name})
	} else {
		page.Title = "device.catalogue"
		page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.catalogue")})
	}
	web.Render(w, r, pages, name, page)
}

func kindForm(k Kind) map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return ""
	}
	return map[string]string{"code": k.Code, "name": k.Name, "class": string(k.Class), "unit_value": Yuan(k.UnitValueFen),
		"loanable": b(k.Loanable), "loan_days": strconv.Itoa(k.LoanDays), "active": b(k.Active)}
}

func (h *Handler) catalogue(w http.ResponseWriter, r *http.Request) {
	h.cataloguePage(w, r, web.Page{}, "catalogue", nil)
}

func (h *Handler) kind(w http.ResponseWriter, r *http.Request) {
	k, err := GetKind(r.Context(), h.DB, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.cataloguePage(w, r, web.Page{}, "kind", &k)
}

func (h *Handler) saveKind(w http.ResponseWriter, r *http.Request) {
	k := Kind{ID: r.PathValue("id"), Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Class: Class(r.PostFormValue("class")),
		Loanable: r.PostFormValue("loanable") == "1", Active: r.PostFormValue("active") == "1"}
	var es validate.Errors
	fen, ok := ParseYuan(r.PostFormValue("unit_value"))
	if !ok {
		es.Add(0, "device.kind.unit_value", "device.error.money")
	}
	k.UnitValueFen = fen
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("loan_days")))
	if err != nil && strings.TrimSpace(r.PostFormValue("loan_days")) != "" {
		es.Add(0, "device.kind.loan_days", "device.error.range", 0, 1095)
	}
	k.LoanDays = days
	var saved Kind
	err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		saved, err = SaveKind(r.Context(), tx, k)
		var more validate.Errors
		if errors.As(err, &more) || err == nil {
			if es = append(es, more...); len(es) > 0 {
				return es
			}
		}
		return err
	})
	if err != nil {
		fail(w, r, err, func(p web.Page) {
			p.Form = postForm(r, "code", "name", "class", "unit_value", "loanable", "loan_days", "active")
			if k.ID == "" {
				h.cataloguePage(w, r, p, "catalogue", nil)
				return
			}
			before, _ := GetKind(r.Context(), h.DB, k.ID)
			h.cataloguePage(w, r, p, "kind", &before)
		})
		return
	}
	web.Redirect(w, r, "/devices/catalogue?ok=flash.saved#kind-"+saved.Code)
}

func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	in := map[string]string{}
	for _, d := range SettingDefs {
		in[d.Key] = r.PostFormValue(d.Key)
	}
	in["loan_days"] = r.PostFormValue("loan_days_setting")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return SaveSettings(r.Context(), tx, in) })
	if err != nil {
		fail(w, r, err, func(p web.Page) {
			p.Form = postForm(r, "extend_days", "max_extend_days", "deposit_fen", "rent_fen", "reminder_every_days", "loan_days_setting")
			h.cataloguePage(w, r, p, "catalogue", nil)
		})
		return
	}
	web.Redirect(w, r, "/devices/catalogue?ok=flash.saved")
}

// ---- loans ----

type loansData struct {
	Loans    []Loan
	Towns    []area.Area
	Names    map[string]string
	Statuses []LoanStatus
	Today    time.Time
}

func (h *Handler) loans(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	today := h.today()
	f := LoanFilter{AreaCode: q.Get("area"), Status: LoanStatus(q.Get("status"))}
	if q.Get("overdue") == "1" {
		f.Overdue = ymd(today)
	}
	ls, err := ListLoans(ctx, h.DB, scope(r), f)
	d := loansData{Loans: ls, Statuses: LoanStatuses, Today: today}
	if err == nil {
		d.Towns, err = townships(ctx, h.DB, scope(r))
	}
	if err == nil {
		d.Names, err = area.Names(ctx, h.DB)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{"area": q.Get("area"), "status": q.Get("status"), "overdue": q.Get("overdue")}
	web.Render(w, r, pages, "loans", web.Page{Title: "device.loans", Section: "programmes", Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.loans")}), Data: d, Form: form})
}

type newLoanData struct {
	Persons  []registry.Person
	Searched bool
	Items    []Item
	Names    map[string]string
	Settings Settings
}

func (h *Handler) newLoanPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	if page.Form == nil {
		q := r.URL.Query()
		page.Form = map[string]string{"q": q.Get("q"), "item_id": q.Get("item"), "person_id": q.Get("person"), "lent_on": ymd(h.today())}
	}
	d := newLoanData{}
	var err error
	if query := strings.TrimSpace(page.Form["q"]); query != "" {
		d.Searched = true
		d.Persons, err = registry.Search(ctx, h.DB, scope(r), registry.Filter{Query: query, Status: registry.StatusAll, Limit: 20, Sort: registry.SortName, Today: h.today()})
	} else if id := page.Form["person_id"]; id != "" {
		var p registry.Person
		if p, err = registry.Get(ctx, h.DB, scope(r), id); err == nil {
			d.Persons = []registry.Person{p}
		} else if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	if err == nil {
		d.Items, err = ListItems(ctx, h.DB, scope(r), ItemFilter{Status: InStock, Loanable: true})
	}
	if err == nil {
		d.Names, err = area.Names(ctx, h.DB)
	}
	if err == nil {
		d.Settings, err = LoadSettings(ctx, h.DB)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form["deposit"] == "" {
		page.Form["deposit"] = Yuan(d.Settings.DepositFen)
	}
	if page.Form["rent"] == "" {
		page.Form["rent"] = Yuan(d.Settings.RentFen)
	}
	page.Title, page.Section, page.Data = "device.new_loan", "programmes", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.loans"), Href: "/devices/loans"}, web.Crumb{Label: i18n.T(lang(r), "device.new_loan")})
	web.Render(w, r, pages, "loan_new", page)
}

func (h *Handler) newLoan(w http.ResponseWriter, r *http.Request) { h.newLoanPage(w, r, web.Page{}) }

func (h *Handler) lend(w http.ResponseWriter, r *http.Request) {
	n := NewLoan{ItemID: r.PostFormValue("item_id"), PersonID: r.PostFormValue("person_id"), LentOn: r.PostFormValue("lent_on"), DueOn: r.PostFormValue("due_on"),
		Deposit: r.PostFormValue("deposit"), Rent: r.PostFormValue("rent"), CaseID: r.PostFormValue("case_id"), OverrideReason: r.PostFormValue("override_reason")}
	var l Loan
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		l, err = Lend(r.Context(), tx, scope(r), n, h.today())
		return err
	})
	if err != nil {
		fail(w, r, err, func(p web.Page) {
			p.Form = postForm(r, "item_id", "person_id", "lent_on", "due_on", "deposit", "rent", "case_id", "override_reason")
			h.newLoanPage(w, r, p)
		})
		return
	}
	web.Redirect(w, r, "/devices/loans/"+l.ID+"?ok=flash.device_lent")
}

type loanData struct {
	Loan       Loan
	Person     *registry.Person
	Notices    []Notice
	Names      map[string]string
	Conditions []Condition
	Today      time.Time
	CanAct     bool
	Settings   Settings
}

func (h *Handler) loanPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	l, err := GetLoan(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	today := h.today()
	d := loanData{Loan: l, Conditions: ReturnConditions, Today: today, CanAct: l.Status == LoanOpen && may(r, auth.PermProgrammeApply)}
	if err == nil {
		if p, perr := registry.Get(ctx, h.DB, scope(r), l.PersonID); perr == nil {
			d.Person = &p
		}
		d.Notices, err = Notices(ctx, h.DB, scope(r), l.ID, 50)
	}
	if err == nil {
		d.Names, err = area.Names(ctx, h.DB)
	}
	if err == nil {
		d.Settings, err = LoadSettings(ctx, h.DB)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if page.Form == nil {
		page.Form = map[string]string{}
	}
	for _, k := range []string{"returned_on", "lost_on"} {
		if page.Form[k] == "" {
			page.Form[k] = ymd(today)
		}
	}
	page.Title, page.Section, page.Data = "device.loan", "programmes", d
	page.Crumbs = crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.loans"), Href: "/devices/loans"}, web.Crumb{Label: l.AssetNo + " · " + l.PersonName})
	web.Render(w, r, pages, "loan", page)
}

func (h *Handler) loan(w http.ResponseWriter, r *http.Request) { h.loanPage(w, r, web.Page{}) }

func (h *Handler) loanAction(act Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, s, today := r.PathValue("id"), scope(r), h.today()
		err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
			ctx := r.Context()
			switch act {
			case ActReturn:
				_, err = ReturnLoan(ctx, tx, s, id, Return{ReturnedOn: r.PostFormValue("returned_on"), Condition: Condition(r.PostFormValue("condition")), Note: r.PostFormValue("note")}, today)
			case ActExtend:
				_, err = Extend(ctx, tx, s, id, Extension{DueOn: r.PostFormValue("new_due_on"), Reason: r.PostFormValue("extend_reason")}, today)
			case ActLose:
				_, err = MarkLost(ctx, tx, s, id, Loss{LostOn: r.PostFormValue("lost_on"), Note: r.PostFormValue("lost_note")}, today)
			}
			return err
		})
		if err != nil {
			fail(w, r, err, func(p web.Page) {
				p.Form = postForm(r, "returned_on", "condition", "note", "new_due_on", "extend_reason", "lost_on", "lost_note")
				h.loanPage(w, r, p)
			})
			return
		}
		web.Redirect(w, r, "/devices/loans/"+id+"?ok=flash.saved")
	}
}

// ---- worklist, outbox, figures ----

type overdueData struct {
	Groups []TownshipOverdue
	Towns  []area.Area
	Today  time.Time
	Total  int
}

func (h *Handler) overdue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	code := r.URL.Query().Get("area")
	today := h.today()
	groups, err := OverdueByTownship(ctx, h.DB, scope(r), code, today)
	d := overdueData{Groups: groups, Today: today}
	if err == nil {
		d.Towns, err = townships(ctx, h.DB, scope(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, g := range groups {
		d.Total += len(g.Loans)
	}
	web.Render(w, r, pages, "overdue", web.Page{Title: "device.overdue", Section: "programmes", Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.overdue")}),
		Data: d, Form: map[string]string{"area": code}})
}

func (h *Handler) notices(w http.ResponseWriter, r *http.Request) {
	ns, err := Notices(r.Context(), h.DB, scope(r), "", 500)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for i := range ns {
		ns[i].CreatedAt = web.LocalTime(ns[i].CreatedAt)
	}
	web.Render(w, r, pages, "notices", web.Page{Title: "device.notices", Section: "programmes", Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.notices")}), Data: ns})
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

type figuresData struct {
	S     Stats
	Towns []area.Area
}

func (h *Handler) figures(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	from, to, ok := periodOf(q, h.today())
	var es validate.Errors
	if !ok {
		es.Add(0, "device.figures.period", "device.error.period")
		from, to, _ = periodOf(url.Values{}, h.today())
	}
	s := scope(r)
	code := q.Get("area")
	if code != "" && area.ValidCode(code) && s.Contains(code) {
		s = area.ScopeOf(code)
	}
	st, err := Figures(ctx, h.DB, s, from, to)
	d := figuresData{S: st}
	if err == nil {
		d.Towns, err = townships(ctx, h.DB, scope(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "figures", web.Page{Title: "device.figures", Section: "programmes", Crumbs: crumbs(r, web.Crumb{Label: i18n.T(lang(r), "device.figures")}),
		Data: d, Errors: es, Form: map[string]string{"from": q.Get("from"), "to": q.Get("to"), "area": code}})
}
