package programme

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

// Handler serves the programme pages and the JSON API under
// /api/v1/programmes/.
type Handler struct {
	DB *store.DB
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
	// RenewalLeadDays is how far ahead renewals are listed (default 60).
	RenewalLeadDays int
}

// NewHandler returns the programme handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) today() time.Time {
	t := time.Now()
	if h.Now != nil {
		t = h.Now()
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Routes registers the pages and the API; the router checks each route's
// permission (the department rule of county staff included).
func (h *Handler) Routes(rt *web.Router) {
	page := func(pattern string, perm auth.Perm, fn http.HandlerFunc) { rt.Page(pattern, perm, fn) }
	page("GET /programmes", auth.PermProgrammeRead, h.list)
	page("GET /programmes/new", auth.PermProgrammeWrite, h.newProgramme)
	page("POST /programmes", auth.PermProgrammeWrite, h.saveProgramme)
	page("GET /programmes/{id}", auth.PermProgrammeRead, h.detail)
	page("POST /programmes/{id}", auth.PermProgrammeWrite, h.saveProgramme)
	page("POST /programmes/{id}/preview", auth.PermProgrammeRead, h.preview)
	page("GET /programmes/cases", auth.PermProgrammeRead, h.cases)
	page("GET /programmes/cases/new", auth.PermProgrammeApply, h.newCase)
	page("POST /programmes/cases", auth.PermProgrammeApply, h.createCase)
	page("GET /programmes/cases/{id}", auth.PermProgrammeRead, h.caseDetail)
	page("POST /programmes/cases/{id}/act", auth.PermProgrammeApply, h.act)
	page("POST /programmes/cases/{id}/services", auth.PermProgrammeApply, h.addService)
	page("POST /programmes/cases/{id}/claims", auth.PermProgrammeApply, h.addClaim)
	page("POST /programmes/cases/{id}/claims/{claim}", auth.PermProgrammeReview, h.decideClaim)
	page("GET /programmes/radar", auth.PermProgrammeRead, h.radar)
	page("GET /programmes/radar.xlsx", auth.PermProgrammeRead, h.radarExport)
	page("GET /programmes/suspended", auth.PermProgrammeRead, h.suspended)
	page("GET /programmes/figures", auth.PermProgrammeRead, h.figures)
	page("GET /programmes/providers", auth.PermProgrammeRead, h.providers)
	page("POST /programmes/providers", auth.PermProgrammeWrite, h.saveProvider)
	page("GET /programmes/providers/{id}", auth.PermProgrammeRead, h.provider)
	h.apiRoutes(rt)
}

// may reports whether the principal may make a move needing perm.
func may(p *auth.Principal, perm auth.Perm) bool {
	return p.Can(perm)
}

func scope(r *http.Request) area.Scope { return auth.From(r.Context()).Scope }

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, label string) []web.Crumb {
	return []web.Crumb{{Label: i18n.T(lang(r), "nav.programmes"), Href: "/programmes"}, {Label: label}}
}

// Fmt formats money and rates in templates (the shared template functions
// know neither).
type Fmt struct{}

// Yuan is fen as yuan with two decimals.
func (Fmt) Yuan(fen int64) string { return Yuan(fen) }

// Plain is fen as an input's value.
func (Fmt) Plain(fen int64) string {
	if fen == 0 {
		return ""
	}
	return YuanPlain(fen)
}

// Pct is a per-mille rate as a percentage with one decimal.
func (Fmt) Pct(permille int) string {
	return strconv.Itoa(permille/10) + "." + strconv.Itoa(permille%10) + "%"
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

func refusalErrors(l i18n.Lang, re *RefusedError) validate.Errors {
	if re.Key == "" {
		return validate.Errors{{Key: "programme.error.refused", Args: []any{i18n.T(l, "programme.status."+string(re.Status)), i18n.T(l, "programme.action."+string(re.Action))}}}
	}
	return validate.Errors{{Key: re.Key, Args: re.Args}}
}

func postForm(r *http.Request, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = r.PostFormValue(k)
	}
	return m
}

// ---- programmes ----

type listData struct {
	Programmes []Programme
	Fmt        Fmt
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ps, err := List(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "list", web.Page{Title: "programme.title", Section: "programmes", Data: listData{Programmes: ps}})
}

type detailData struct {
	Programme Programme
	New       bool
	Kinds     []Kind
	Freqs     []Frequency
	Variables string
	Rows      []int // tier rows of the form
	Preview   *Preview
	Fmt       Fmt
}

// programmeForm is the form values of a programme.
func programmeForm(p Programme) map[string]string {
	f := map[string]string{"code": p.Code, "name": p.Name, "kind": string(p.Kind), "frequency": string(p.Frequency),
		"period_from": p.PeriodFrom, "period_to": p.PeriodTo, "window_from": p.WindowFrom, "window_to": p.WindowTo,
		"window_subtypes": strings.Join(p.WindowSubtypes, ","), "subtypes": strings.Join(p.Subtypes, ","), "rule": p.Rule,
		"rule_note": p.RuleNote, "annual_cap": Fmt{}.Plain(p.AnnualCapFen), "target": strconv.Itoa(p.Target),
		"budget": Fmt{}.Plain(p.BudgetFen), "version": strconv.Itoa(p.Version)}
	if p.PayFamily {
		f["pay_family"] = "1"
	}
	if p.Active || p.ID == "" {
		f["active"] = "1"
	}
	for i, t := range p.Tiers {
		n := strconv.Itoa(i)
		f["tier_key_"+n], f["tier_label_"+n], f["tier_amount_"+n], f["tier_condition_"+n] = t.Key, t.Label, YuanPlain(t.AmountFen), t.Condition
	}
	return f
}

func (h *Handler) detailPage(w http.ResponseWriter, r *http.Request, p Programme, page web.Page) {
	d := detailData{Programme: p, New: p.ID == "", Kinds: Kinds, Freqs: Frequencies, Variables: strings.Join(RuleVariables, ", ")}
	if pv, ok := page.Data.(*Preview); ok {
		d.Preview = pv
	}
	if page.Form == nil {
		page.Form = programmeForm(p)
	}
	n := len(p.Tiers) + 1
	for i := 0; i < MaxTiers; i++ {
		if page.Form["tier_key_"+strconv.Itoa(i)] != "" && i+2 > n {
			n = i + 2
		}
	}
	for i := 0; i < min(n, MaxTiers); i++ {
		d.Rows = append(d.Rows, i)
	}
	title := p.Name
	if d.New {
		title = i18n.T(lang(r), "programme.new_programme")
	}
	page.Title, page.Section, page.Data, page.Crumbs = "programme.programme", "programmes", d, crumbs(r, title)
	web.Render(w, r, pages, "programme", page)
}

func (h *Handler) detail(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.detailPage(w, r, p, web.Page{})
}

func (h *Handler) newProgramme(w http.ResponseWriter, r *http.Request) {
	h.detailPage(w, r, Programme{Kind: KindService, Frequency: OneOff, Active: true, Rule: "true"}, web.Page{})
}

// formProgramme reads a programme from the form; bad amounts are problems
// of their fields.
func formProgramme(r *http.Request, es *validate.Errors) (Programme, int) {
	p := Programme{ID: r.PathValue("id"), Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Kind: Kind(r.PostFormValue("kind")),
		Frequency: Frequency(r.PostFormValue("frequency")), PeriodFrom: r.PostFormValue("period_from"), PeriodTo: r.PostFormValue("period_to"),
		WindowFrom: r.PostFormValue("window_from"), WindowTo: r.PostFormValue("window_to"), WindowSubtypes: splitList(r.PostFormValue("window_subtypes")),
		Subtypes: splitList(r.PostFormValue("subtypes")), Rule: r.PostFormValue("rule"), RuleNote: strings.TrimSpace(r.PostFormValue("rule_note")),
		PayFamily: r.PostFormValue("pay_family") == "1", Active: r.PostFormValue("active") == "1"}
	money := func(field, key string) int64 {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == "" {
			return 0
		}
		fen, err := ParseYuan(v)
		if err != nil {
			es.Add(0, key, "programme.error.amount_format")
		}
		return fen
	}
	p.AnnualCapFen = money("annual_cap", "programme.annual_cap")
	p.BudgetFen = money("budget", "programme.budget")
	if v := strings.TrimSpace(r.PostFormValue("target")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			es.Add(0, "programme.target", "programme.error.negative")
		}
		p.Target = n
	}
	for i := 0; i < MaxTiers; i++ {
		n := strconv.Itoa(i)
		key := strings.TrimSpace(r.PostFormValue("tier_key_" + n))
		label := strings.TrimSpace(r.PostFormValue("tier_label_" + n))
		amount := strings.TrimSpace(r.PostFormValue("tier_amount_" + n))
		cond := strings.TrimSpace(r.PostFormValue("tier_condition_" + n))
		if key == "" && label == "" && amount == "" && cond == "" {
			continue
		}
		t := Tier{Key: key, Label: label, Condition: cond}
		if amount != "" {
			fen, err := ParseYuan(amount)
			if err != nil {
				es.Add(0, "programme.tiers", "programme.error.amount_format")
			}
			t.AmountFen = fen
		}
		p.Tiers = append(p.Tiers, t)
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return p, version
}

func (h *Handler) saveProgramme(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var es validate.Errors
	p, version := formProgramme(r, &es)
	var saved Programme
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
			saved, err = Save(r.Context(), tx, p, version)
			return err
		})
	}
	if errors.As(err, &es) {
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostFormValue(k)
		}
		if p.ID != "" {
			if old, gerr := Get(r.Context(), h.DB, p.ID); gerr == nil {
				p.Name, p.Code, p.Version = old.Name, old.Code, old.Version
			}
		}
		h.detailPage(w, r, p, web.Page{Errors: es, Form: form, Status: http.StatusUnprocessableEntity})
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
	web.Redirect(w, r, "/programmes/"+saved.ID+"?ok=flash.programme_saved")
}

// preview shows who in the viewer's scope matches the rule in the form
// (not yet saved), beside the form.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	p, err := Get(r.Context(), h.DB, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := programmeForm(p)
	for k := range r.PostForm {
		form[k] = r.PostFormValue(k)
	}
	pv, err := PreviewRule(r.Context(), h.DB, scope(r), r.PostFormValue("rule"), h.today(), 50)
	var re *RuleError
	if errors.As(err, &re) {
		h.detailPage(w, r, p, web.Page{Form: form, Status: http.StatusUnprocessableEntity,
			Errors: validate.Errors{{Field: "programme.rule", Key: "programme.error.rule", Args: []any{re.Detail}}}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.detailPage(w, r, p, web.Page{Form: form, Data: &pv})
}

// ---- cases ----

type casesData struct {
	Cases      []Case
	Programmes []Programme
	ProgNames  map[string]string
	Names      map[string]string
	Areas      []area.Area
	Statuses   []Status
	Title      string
	Fmt        Fmt
}

func progNames(ps []Programme) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		m[p.ID] = p.Name
	}
	return m
}

func (h *Handler) casesPage(w http.ResponseWriter, r *http.Request, f CaseFilter, tpl, title string) {
	ctx := r.Context()
	cs, err := ListCases(ctx, h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	ps, err := List(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := casesData{Cases: cs, Programmes: ps, ProgNames: progNames(ps), Statuses: Statuses}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{"programme": f.ProgrammeID, "area": f.AreaCode, "status": string(f.Status), "q": f.Query}
	if f.Year > 0 {
		form["year"] = strconv.Itoa(f.Year)
	}
	web.Render(w, r, pages, tpl, web.Page{Title: title, Section: "programmes", Crumbs: crumbs(r, i18n.T(lang(r), title)), Data: d, Form: form})
}

func (h *Handler) cases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	f := CaseFilter{ProgrammeID: q.Get("programme"), AreaCode: q.Get("area"), Status: Status(q.Get("status")), Year: year, Query: q.Get("q")}
	h.casesPage(w, r, f, "cases", "programme.cases")
}

func (h *Handler) suspended(w http.ResponseWriter, r *http.Request) {
	h.casesPage(w, r, CaseFilter{Status: Suspended, AreaCode: r.URL.Query().Get("area"), Limit: 1000}, "suspended", "programme.suspended")
}

type newCaseData struct {
	Programmes  []Programme
	Providers   []Provider
	Channels    []string
	Diagnoses   []string
	Subtypes    []string
	Tiers       []Tier
	CanOverride bool
	Fmt         Fmt
}

func (h *Handler) newCasePage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	ps, err := List(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	provs, err := ListProviders(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := newCaseData{Providers: provs, Channels: Channels, Diagnoses: Diagnoses, CanOverride: may(auth.From(ctx), auth.PermProgrammeReview)}
	for _, p := range ps {
		if p.Active {
			d.Programmes = append(d.Programmes, p)
		}
		for _, s := range p.Subtypes {
			if !slices.Contains(d.Subtypes, s) {
				d.Subtypes = append(d.Subtypes, s)
			}
		}
		if p.ID == page.Form["programme"] {
			d.Tiers = p.Tiers
		}
	}
	page.Title, page.Section, page.Data, page.Crumbs = "programme.new_case", "programmes", d, crumbs(r, i18n.T(lang(r), "programme.new_case"))
	web.Render(w, r, pages, "new_case", page)
}

func (h *Handler) newCase(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ch := ChannelStaff
	switch auth.From(r.Context()).Role {
	case auth.RoleTownshipWorker:
		ch = ChannelTownship
	case auth.RoleVillageWorker:
		ch = ChannelVillage
	}
	form := map[string]string{"channel": ch, "programme": q.Get("programme"), "id_number": ""}
	if pid := q.Get("person"); pid != "" {
		if p, err := registry.Get(r.Context(), h.DB, scope(r), pid); err == nil {
			form["id_number"] = p.IDNumber
		}
	}
	h.newCasePage(w, r, web.Page{Form: form})
}

var caseFormKeys = []string{"programme", "id_number", "channel", "subtype", "tier", "amount", "provider", "payee_name", "payee_id_number",
	"payee_relation", "bank_name", "bank_account", "tag_source", "override_reason", "note"}

func (h *Handler) createCase(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var es validate.Errors
	n := NewCase{ProgrammeID: r.PostFormValue("programme"), IDNumber: r.PostFormValue("id_number"), Channel: r.PostFormValue("channel"),
		Subtype: r.PostFormValue("subtype"), Tier: r.PostFormValue("tier"), ProviderID: r.PostFormValue("provider"),
		PayeeName: r.PostFormValue("payee_name"), PayeeIDNumber: r.PostFormValue("payee_id_number"), PayeeRelation: r.PostFormValue("payee_relation"),
		BankName: r.PostFormValue("bank_name"), BankAccount: r.PostFormValue("bank_account"), Tags: r.PostForm["tags"],
		TagSource: r.PostFormValue("tag_source"), OverrideReason: r.PostFormValue("override_reason"), Note: r.PostFormValue("note")}
	if v := strings.TrimSpace(r.PostFormValue("amount")); v != "" {
		fen, err := ParseYuan(v)
		if err != nil {
			es.Add(0, "programme.case.amount", "programme.error.amount_format")
		}
		n.AmountFen = fen
	}
	var c Case
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
			c, err = Create(r.Context(), tx, scope(r), n, h.today())
			return err
		})
	}
	if errors.As(err, &es) {
		form := postForm(r, caseFormKeys...)
		for _, t := range n.Tags {
			form["tag_"+t] = "1"
		}
		h.newCasePage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/programmes/cases/"+c.ID+"?ok=flash.programme_case_filed")
}

type caseData struct {
	Case         Case
	Programme    Programme
	Village      string
	Township     string
	Provider     *Provider
	Providers    []Provider
	Events       []Event
	Services     []Service
	Claims       []Claim
	Actions      []Action
	Tags         []string
	ServiceTypes []string
	CanService   bool
	CanClaim     bool
	CanDecide    bool
	ProvNames    map[string]string
	Fmt          Fmt
}

func (h *Handler) caseDetail(w http.ResponseWriter, r *http.Request) { h.casePage(w, r, web.Page{}) }

// casePage shows a case with the forms of the moves the viewer may make
// now; a refused post comes back here with its errors.
func (h *Handler) casePage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ctx := r.Context()
	c, err := GetCase(ctx, h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	p := auth.From(ctx)
	d := caseData{Case: c, ServiceTypes: ServiceTypes, ProvNames: map[string]string{}}
	if d.Programme, err = Get(ctx, h.DB, c.ProgrammeID); err != nil {
		web.ServerError(w, r, err)
		return
	}
	names, err := area.Names(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Village, d.Township = names[c.VillageCode], names[area.ParentOf(c.VillageCode)]
	for _, a := range Allowed(c.Status) {
		tr, _ := Next(c.Status, a)
		// Payment and reversal happen in the payment batches.
		if may(p, tr.Perm) && a != ActPay && a != ActReverse {
			if a == ActDeliver && d.Programme.Kind.Pays() {
				continue
			}
			d.Actions = append(d.Actions, a)
		}
	}
	if d.Providers, err = ListProviders(ctx, h.DB); err == nil {
		for _, pr := range d.Providers {
			d.ProvNames[pr.ID] = pr.Name
			if pr.ID == c.ProviderID {
				pr := pr
				d.Provider = &pr
			}
		}
		if d.Events, err = Events(ctx, h.DB, c.ID); err == nil {
			if d.Services, err = Services(ctx, h.DB, c.ID); err == nil {
				if d.Claims, err = Claims(ctx, h.DB, c.ID); err == nil {
					d.Tags, err = TagsOf(ctx, h.DB, c.PersonID)
				}
			}
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.CanService = may(p, auth.PermProgrammeApply) && !c.Status.Final() && c.Status != Suspended
	d.CanClaim = may(p, auth.PermProgrammeApply) && d.Programme.Frequency == ByClaim && c.Status == Entitled
	d.CanDecide = may(p, auth.PermProgrammeReview)
	page.Title, page.Section, page.Data = "programme.case", "programmes", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "nav.programmes"), Href: "/programmes"},
		{Label: i18n.T(lang(r), "programme.cases"), Href: "/programmes/cases"}, {Label: c.Code}}
	web.Render(w, r, pages, "case", page)
}

// caseDone finishes a post on a case: back to the case on success, the
// page again with the problem otherwise.
func (h *Handler) caseDone(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/programmes/cases/"+r.PathValue("id")+"?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.Is(err, errForbidden):
		web.Error(w, r, http.StatusForbidden, "error.forbidden")
	case errors.As(err, &re):
		h.casePage(w, r, web.Page{Errors: refusalErrors(lang(r), re), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.casePage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

var errForbidden = errors.New("forbidden")

// moveOf reads a move from a form or API body values.
func moveOf(v func(string) string, es *validate.Errors) Move {
	m := Move{Action: Action(v("action")), Reason: v("reason"), StartMonth: v("start_month"), EndMonth: v("end_month"),
		BankName: v("bank_name"), BankAccount: v("bank_account")}
	if a := strings.TrimSpace(v("amount")); a != "" {
		fen, err := ParseYuan(a)
		if err != nil {
			es.Add(0, "programme.move.amount", "programme.error.amount_format")
		}
		m.AmountFen = fen
	}
	return m
}

// doMove checks that the principal holds the permission the table names
// for the move, then carries it out. Payment and reversal are left to the
// payment batches.
func (h *Handler) doMove(ctx context.Context, tx *store.Tx, s area.Scope, id string, m Move) (Case, error) {
	c, err := GetCase(ctx, tx, s, id)
	if err != nil {
		return c, err
	}
	tr, ok := Next(c.Status, m.Action)
	if !ok || m.Action == ActPay || m.Action == ActReverse {
		return c, &RefusedError{Action: m.Action, Status: c.Status}
	}
	if !may(auth.From(ctx), tr.Perm) {
		return c, errForbidden
	}
	return Act(ctx, tx, s, id, m, h.today())
}

func (h *Handler) act(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var es validate.Errors
	m := moveOf(r.PostFormValue, &es)
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			_, err := h.doMove(r.Context(), tx, scope(r), r.PathValue("id"), m)
			return err
		})
	}
	h.caseDone(w, r, err, postForm(r, "reason", "start_month", "end_month", "amount", "bank_name", "bank_account"))
}

func (h *Handler) addService(w http.ResponseWriter, r *http.Request) {
	q, _ := strconv.Atoi(r.PostFormValue("quantity"))
	sv := Service{Day: r.PostFormValue("service_day"), ProviderID: r.PostFormValue("service_provider"), Type: r.PostFormValue("service_type"),
		Quantity: q, Note: r.PostFormValue("service_note")}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := AddService(r.Context(), tx, scope(r), r.PathValue("id"), sv, h.today())
		return err
	})
	h.caseDone(w, r, err, postForm(r, "service_day", "service_provider", "service_type", "quantity", "service_note"))
}

func (h *Handler) addClaim(w http.ResponseWriter, r *http.Request) {
	var es validate.Errors
	cl := Claim{ReceiptNo: r.PostFormValue("receipt_no"), ReceiptDay: r.PostFormValue("receipt_day"), Note: r.PostFormValue("claim_note")}
	if fen, err := ParseYuan(r.PostFormValue("claim_amount")); err != nil {
		es.Add(0, "programme.claim.amount", "programme.error.amount_format")
	} else {
		cl.AmountFen = fen
	}
	err := es.Err()
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			_, err := AddClaim(r.Context(), tx, scope(r), r.PathValue("id"), cl, h.today())
			return err
		})
	}
	h.caseDone(w, r, err, postForm(r, "receipt_no", "receipt_day", "claim_amount", "claim_note"))
}

func (h *Handler) decideClaim(w http.ResponseWriter, r *http.Request) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return DecideClaim(r.Context(), tx, scope(r), r.PathValue("id"), r.PathValue("claim"), r.PostFormValue("decision") == "approve",
			r.PostFormValue("decision_note"), h.today())
	})
	h.caseDone(w, r, err, postForm(r, "decision_note"))
}

// ---- radar ----

type radarData struct {
	Programmes []Programme
	Programme  *Programme
	Radar      *Radar
	Renewals   []Renewal
	LeadDays   int
	Names      map[string]string
	Areas      []area.Area
	Limit      int
	ProgNames  map[string]string
}

// radarScope narrows the viewer's scope to an area named in the query.
func radarScope(r *http.Request) area.Scope {
	s := scope(r)
	if code := r.URL.Query().Get("area"); code != "" && area.ValidCode(code) && s.Contains(code) {
		return area.ScopeOf(code)
	}
	return s
}

const radarPageLimit = 200

func (h *Handler) radar(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	ps, err := List(ctx, h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := radarData{Programmes: ps, Limit: radarPageLimit, ProgNames: progNames(ps), LeadDays: h.leadDays()}
	if d.Names, d.Areas, err = h.areas(ctx, scope(r)); err != nil {
		web.ServerError(w, r, err)
		return
	}
	for i := range ps {
		if ps[i].ID == q.Get("programme") {
			d.Programme = &ps[i]
		}
	}
	if d.Programme != nil {
		rd, err := ComputeRadar(ctx, h.DB, radarScope(r), *d.Programme, h.today(), radarPageLimit, nil)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		d.Radar = &rd
	}
	if d.Renewals, err = Renewals(ctx, h.DB, radarScope(r), h.today(), d.LeadDays); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "radar", web.Page{Title: "programme.radar", Section: "programmes", Crumbs: crumbs(r, i18n.T(lang(r), "programme.radar")),
		Data: d, Form: map[string]string{"programme": q.Get("programme"), "area": q.Get("area")}})
}

func (h *Handler) leadDays() int {
	if h.RenewalLeadDays > 0 {
		return h.RenewalLeadDays
	}
	return 60
}

func (h *Handler) radarExport(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, r.URL.Query().Get("programme"))
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="radar-`+p.Code+`.xlsx"; filename*=UTF-8''`+url.PathEscape(p.Name+"-应助尽助.xlsx"))
	if err := WriteRadarXLSX(r.Context(), w, h.DB, radarScope(r), p, h.today()); err != nil {
		web.ServerError(w, r, err)
	}
}

// ---- figures ----

type figuresData struct {
	F     Figures
	Areas []area.Area
	Fmt   Fmt
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
		es.Add(0, "programme.figures.period", "programme.error.period")
		from, to, _ = periodOf(url.Values{}, h.today())
	}
	f, err := ComputeFigures(ctx, h.DB, radarScope(r), from, to, q.Get("eligible") == "1", h.today())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := figuresData{F: f}
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
	web.Render(w, r, pages, "figures", web.Page{Title: "programme.figures", Section: "programmes", Crumbs: crumbs(r, i18n.T(lang(r), "programme.figures")),
		Data: d, Errors: es, Form: map[string]string{"from": q.Get("from"), "to": q.Get("to"), "area": q.Get("area"), "eligible": q.Get("eligible")}})
}

// ---- providers ----

type providersData struct {
	Providers []Provider
	Provider  *Provider
	Kinds     []string
}

func (h *Handler) providersPage(w http.ResponseWriter, r *http.Request, page web.Page) {
	ps, err := ListProviders(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := providersData{Providers: ps, Kinds: ProviderKinds}
	id := r.PathValue("id")
	if id == "" && r.Method == http.MethodPost {
		id = r.PostFormValue("id")
	}
	if id != "" {
		for i := range ps {
			if ps[i].ID == id {
				d.Provider = &ps[i]
			}
		}
		if d.Provider == nil {
			web.Error(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if page.Form == nil {
			page.Form = map[string]string{"name": d.Provider.Name, "kind": d.Provider.Kind, "address": d.Provider.Address, "phone": d.Provider.Phone,
				"designated": boolValue(d.Provider.Designated), "active": boolValue(d.Provider.Active)}
		}
	} else if page.Form == nil {
		page.Form = map[string]string{"active": "1", "designated": "1"}
	}
	page.Title, page.Section, page.Data = "programme.providers", "programmes", d
	page.Crumbs = crumbs(r, i18n.T(lang(r), "programme.providers"))
	web.Render(w, r, pages, "providers", page)
}

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func (h *Handler) providers(w http.ResponseWriter, r *http.Request) {
	h.providersPage(w, r, web.Page{})
}
func (h *Handler) provider(w http.ResponseWriter, r *http.Request) { h.providersPage(w, r, web.Page{}) }

func (h *Handler) saveProvider(w http.ResponseWriter, r *http.Request) {
	// The provider's id comes with the form: POST /programmes/providers/{id}
	// would clash with POST /programmes/{id}/preview in the route table.
	p := Provider{ID: r.PostFormValue("id"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Address: r.PostFormValue("address"),
		Phone: r.PostFormValue("phone"), Designated: r.PostFormValue("designated") == "1", Active: r.PostFormValue("active") == "1"}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		p, err = SaveProvider(r.Context(), tx, p)
		return err
	})
	var es validate.Errors
	switch {
	case errors.As(err, &es):
		h.providersPage(w, r, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: postForm(r, "name", "kind", "address", "phone", "designated", "active")})
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case err != nil:
		web.ServerError(w, r, err)
	default:
		web.Redirect(w, r, "/programmes/providers?ok=flash.saved")
	}
}
