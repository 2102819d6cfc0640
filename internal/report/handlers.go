package report

import (
	"bytes"
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
	"github.com/yangguang-cdpf/yangguang/internal/indicator"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the report pages and API.
type Handler struct {
	DB  *store.DB
	Now func() time.Time // tests fix the day
}

// NewHandler returns the report pages' handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes registers the pages under /reports and the API.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /reports", auth.PermReportsRead, h.index)
	rt.Page("GET /reports/dashboard", auth.PermReportsRead, h.dashboard)
	rt.Page("GET /reports/work", auth.PermReportsRead, h.work)
	rt.Page("GET /reports/work.docx", auth.PermReportsRead, h.download("docx"))
	rt.Page("GET /reports/work.xlsx", auth.PermReportsRead, h.download("xlsx"))
	rt.Page("GET /reports/work.html", auth.PermReportsRead, h.download("html"))
	rt.Page("GET /reports/work/edit", auth.PermReportsRead, h.editForm)
	rt.Page("POST /reports/work/edit", auth.PermReportsRead, h.edit)
	rt.Page("GET /reports/townships", auth.PermReportsRead, h.townships)
	rt.Page("GET /reports/townships.xlsx", auth.PermReportsRead, h.townshipsXlsx)
	rt.Page("GET /reports/quality", auth.PermReportsRead, h.quality)
	rt.Page("GET /reports/records/{key}", auth.PermReportsRead, h.records)
	rt.Page("GET /reports/targets", auth.PermSettingsManage, h.targetsForm)
	rt.Page("POST /reports/targets", auth.PermSettingsManage, h.saveTargets)
	rt.API("GET /api/v1/indicators", auth.PermReportsRead, h.apiIndicators)
	rt.API("GET /api/v1/reports/work", auth.PermReportsRead, h.apiWork)
}

func lang(r *http.Request) i18n.Lang { return web.PrefsFrom(r).Lang }

func crumbs(r *http.Request, label string) []web.Crumb {
	return []web.Crumb{{Label: i18n.T(lang(r), "nav.reports"), Href: "/reports"}, {Label: label}}
}

// errOutside refuses a region outside the caller's scope.
var errOutside = errors.New("region outside scope")

// query is a page's period and region.
type query struct {
	Period indicator.Period
	Scope  area.Scope
	Region string // the region asked for ("" the caller's whole scope)
	Form   map[string]string
}

// parseQuery reads period (h1|h2|year|q1–q4|custom), year, from, to and
// region. A region must lie inside the caller's scope.
func (h *Handler) parseQuery(r *http.Request) (query, validate.Errors, error) {
	v := r.URL.Query()
	p := auth.From(r.Context())
	now := h.now()
	qq := query{Scope: p.Scope, Form: map[string]string{}}
	for _, k := range []string{"period", "year", "from", "to", "region"} {
		qq.Form[k] = strings.TrimSpace(v.Get(k))
	}
	choice, from, to := qq.Form["period"], qq.Form["from"], qq.Form["to"]
	year := now.Year()
	var es validate.Errors
	if y := qq.Form["year"]; y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			es.Add(0, "report.year", "report.error.year")
		}
		year = n
	}
	if choice == "" && from == "" && to == "" {
		// The current half-year, the source report's period.
		choice = "h1"
		if now.Month() > time.June {
			choice = "h2"
		}
	}
	if len(es) == 0 {
		per, err := indicator.Parse(choice, year, from, to)
		if err != nil {
			var pe validate.Errors
			if !errors.As(err, &pe) {
				return qq, nil, err
			}
			es = append(es, pe...)
		}
		qq.Period = per
	}
	if qq.Period.From != "" {
		qq.Form["period"], qq.Form["from"], qq.Form["to"] = qq.Period.Choice(), qq.Period.From, qq.Period.To
		qq.Form["year"] = strconv.Itoa(qq.Period.YearOf())
	}
	if code := qq.Form["region"]; code != "" {
		if !area.ValidCode(code) {
			es.Add(0, "report.region", "report.error.region", code)
		} else if !p.Scope.Contains(code) {
			return qq, es, errOutside
		} else if _, err := area.Get(r.Context(), h.DB, code); errors.Is(err, store.ErrNotFound) {
			es.Add(0, "report.region", "report.error.region", code)
		} else if err != nil {
			return qq, es, err
		} else {
			qq.Scope, qq.Region = area.ScopeOf(code), code
		}
	}
	return qq, es, nil
}

// regions are the areas a caller may choose: their own and the townships
// inside it.
func (h *Handler) regions(r *http.Request) ([]area.Area, error) {
	s := auth.From(r.Context()).Scope
	all, err := area.InScope(r.Context(), h.DB, s)
	if err != nil {
		return nil, err
	}
	var out []area.Area
	for _, a := range all {
		if a.Level == area.County || a.Level == area.Township {
			out = append(out, a)
		}
	}
	return out, nil
}

// pageData is what every period page's form needs.
type pageData struct {
	Choices []string
	Regions []area.Area
	Query   string // from, to, region of the period shown
	Action  string
}

func (h *Handler) base(r *http.Request, q query, action string) (pageData, error) {
	regs, err := h.regions(r)
	return pageData{Choices: indicator.Choices, Regions: regs, Query: regionQuery(q.Period, q.Region), Action: action}, err
}

// refused answers a bad query: 403 for a region outside the scope, the
// page with its errors for bad input.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, errOutside) {
		web.Error(w, r, http.StatusForbidden, "report.error.region_outside")
		return true
	}
	if err != nil {
		web.ServerError(w, r, err)
		return true
	}
	return false
}

func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	web.Render(w, r, pages, "index", web.Page{Title: "nav.reports", Section: "reports"})
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	year := h.now().Year()
	var es validate.Errors
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			es.Add(0, "report.year", "report.error.year")
		} else {
			year = n
		}
	}
	d, err := dashboardPanel(r.Context(), h.DB, lang(r), auth.From(r.Context()), year, h.now())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page := web.Page{Title: "report.dashboard", Section: "reports", Crumbs: crumbs(r, i18n.T(lang(r), "report.dashboard")), Errors: es,
		Form: map[string]string{"year": strconv.Itoa(year)}, Data: map[string]any{"Panel": PanelView{Lang: lang(r), D: d}}}
	if len(es) > 0 {
		page.Status = http.StatusBadRequest
	}
	web.Render(w, r, pages, "dashboard", page)
}

func (h *Handler) work(w http.ResponseWriter, r *http.Request) {
	q, es, err := h.parseQuery(r)
	if h.refused(w, r, err) {
		return
	}
	base, err := h.base(r, q, "/reports/work")
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	data := map[string]any{"Base": base}
	page := web.Page{Title: "report.work", Section: "reports", Crumbs: crumbs(r, i18n.T(lang(r), "report.work")), Errors: es, Form: q.Form, Data: data}
	if len(es) > 0 {
		page.Status = http.StatusBadRequest
		web.Render(w, r, pages, "work", page)
		return
	}
	rep, err := Build(r.Context(), h.DB, lang(r), q.Scope, q.Period)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	data["Report"] = rep
	p := auth.From(r.Context())
	data["CanEdit"] = canEdit(p)
	web.Render(w, r, pages, "work", page)
}

// canEdit: the auditor reads everything and changes nothing (RULES.md §9).
func canEdit(p *auth.Principal) bool {
	return p.Can(auth.PermReportsRead) && p.Role != auth.RoleAuditor
}

func (h *Handler) download(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, es, err := h.parseQuery(r)
		if h.refused(w, r, err) {
			return
		}
		if len(es) > 0 {
			web.Error(w, r, http.StatusBadRequest, "report.error.bad_query")
			return
		}
		rep, err := Build(r.Context(), h.DB, lang(r), q.Scope, q.Period)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		var b bytes.Buffer
		ctype := ""
		switch format {
		case "docx":
			err, ctype = WriteDocx(&b, rep), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case "xlsx":
			err, ctype = WriteXlsx(&b, rep), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		default:
			err, ctype = WriteHTML(&b, rep), "text/html; charset=utf-8"
		}
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		name := rep.Title + "." + format
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", "attachment; filename=\"report."+format+"\"; filename*=UTF-8''"+url.PathEscape(name))
		_, _ = w.Write(b.Bytes())
	}
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if !canEdit(auth.From(r.Context())) {
		web.Error(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	q, es, err := h.parseQuery(r)
	if h.refused(w, r, err) {
		return
	}
	if len(es) > 0 {
		web.Error(w, r, http.StatusBadRequest, "report.error.bad_query")
		return
	}
	texts, _, err := LoadTexts(r.Context(), h.DB, TextScope{Period: q.Period, AreaCode: q.Scope.Code()})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	form := map[string]string{}
	for k, v := range texts {
		form["text_"+k] = v
	}
	h.renderEdit(w, r, q, form, nil)
}

func (h *Handler) renderEdit(w http.ResponseWriter, r *http.Request, q query, form map[string]string, es validate.Errors) {
	l := lang(r)
	name, err := RegionName(r.Context(), h.DB, l, q.Scope)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	var keys []indicator.Indicator
	keys = append(keys, indicator.All()...)
	page := web.Page{Title: "report.edit", Section: "reports", Crumbs: crumbs(r, i18n.T(l, "report.edit")), Form: form, Errors: es,
		Data: map[string]any{"Paragraphs": Paragraphs, "Query": regionQuery(q.Period, q.Region), "PeriodName": PeriodName(l, q.Period), "AreaName": name, "Indicators": keys}}
	if len(es) > 0 {
		page.Status = http.StatusUnprocessableEntity
	}
	web.Render(w, r, pages, "edit", page)
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	if !canEdit(auth.From(r.Context())) {
		web.Error(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	q, es, err := h.parseQuery(r)
	if h.refused(w, r, err) {
		return
	}
	if len(es) > 0 {
		web.Error(w, r, http.StatusBadRequest, "report.error.bad_query")
		return
	}
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	texts, form := map[string]string{}, map[string]string{}
	for _, k := range Paragraphs {
		v := r.PostForm.Get("text_" + k)
		if r.PostForm.Get("reset") == "1" {
			v = ""
		}
		texts[k], form["text_"+k] = v, v
	}
	err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		return SaveTexts(r.Context(), tx, TextScope{Period: q.Period, AreaCode: q.Scope.Code()}, texts)
	})
	var ves validate.Errors
	if errors.As(err, &ves) {
		h.renderEdit(w, r, q, form, ves)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/reports/work?"+regionQuery(q.Period, q.Region)+"&ok=flash.report_saved")
}

func (h *Handler) townshipTable(w http.ResponseWriter, r *http.Request) (*TownshipTable, query, validate.Errors, bool) {
	q, es, err := h.parseQuery(r)
	if h.refused(w, r, err) {
		return nil, q, nil, false
	}
	if len(es) > 0 {
		return nil, q, es, true
	}
	sortKey, desc := r.URL.Query().Get("sort"), r.URL.Query().Get("order") == "desc"
	t, err := Townships(r.Context(), h.DB, lang(r), q.Scope, q.Period, sortKey, desc)
	if err != nil {
		web.ServerError(w, r, err)
		return nil, q, nil, false
	}
	return t, q, nil, true
}

func (h *Handler) townships(w http.ResponseWriter, r *http.Request) {
	t, q, es, ok := h.townshipTable(w, r)
	if !ok {
		return
	}
	base, err := h.base(r, q, "/reports/townships")
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	page := web.Page{Title: "report.townships", Section: "reports", Crumbs: crumbs(r, i18n.T(lang(r), "report.townships")), Errors: es, Form: q.Form,
		Data: map[string]any{"Base": base, "Table": t}}
	if len(es) > 0 {
		page.Status = http.StatusBadRequest
	}
	web.Render(w, r, pages, "townships", page)
}

func (h *Handler) townshipsXlsx(w http.ResponseWriter, r *http.Request) {
	t, _, es, ok := h.townshipTable(w, r)
	if !ok {
		return
	}
	if len(es) > 0 {
		web.Error(w, r, http.StatusBadRequest, "report.error.bad_query")
		return
	}
	var b bytes.Buffer
	if err := WriteTownshipsXlsx(&b, lang(r), t); err != nil {
		web.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="townships.xlsx"`)
	_, _ = w.Write(b.Bytes())
}

func (h *Handler) quality(w http.ResponseWriter, r *http.Request) {
	s := auth.From(r.Context()).Scope
	rows, total, err := Quality(r.Context(), h.DB, s, h.now())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	type cell struct {
		N        int64
		Href     string
		Recorded bool
	}
	type line struct {
		Code, Name string
		Active     int64
		Cells      []cell
	}
	mk := func(r QualityRow, code string) line {
		ln := line{Code: r.Code, Name: r.Name, Active: r.Active}
		for i, c := range Checks {
			ln.Cells = append(ln.Cells, cell{N: r.Counts[i], Href: c.Href(code), Recorded: c.Recorded})
		}
		return ln
	}
	var lines []line
	for _, r := range rows {
		lines = append(lines, mk(r, r.Code))
	}
	totalCode := ""
	if !s.IsAll() {
		totalCode = s.Code()
	}
	web.Render(w, r, pages, "quality", web.Page{Title: "report.quality", Section: "reports", Crumbs: crumbs(r, i18n.T(lang(r), "report.quality")),
		Data: map[string]any{"Checks": Checks, "Rows": lines, "Total": mk(total, totalCode)}})
}

// recordsPerPage is one page of the records page; the list behind a
// figure stops at indicator.ListCap, so a page load stays bounded.
const recordsPerPage = 200

// recordsPaging is the page of a list of total records the records page
// shows: ?page=N (1 when absent), ok false for a bad or too-high number.
type recordsPaging struct {
	Page, Pages, First, Last, Total int
	PrevHref, NextHref              string
	Capped                          bool // the list stopped at indicator.ListCap
}

func pageOfRecords(u *url.URL, total int) (recordsPaging, bool) {
	pg := recordsPaging{Page: 1, Total: total, Pages: (total + recordsPerPage - 1) / recordsPerPage}
	if pg.Pages == 0 {
		pg.Pages = 1
	}
	if v := u.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > pg.Pages {
			return pg, false
		}
		pg.Page = n
	}
	pg.First, pg.Last = (pg.Page-1)*recordsPerPage, min(pg.Page*recordsPerPage, total)
	at := func(n int) string {
		q := u.Query()
		q.Set("page", strconv.Itoa(n))
		return u.Path + "?" + q.Encode()
	}
	if pg.Page > 1 {
		pg.PrevHref = at(pg.Page - 1)
	}
	if pg.Page < pg.Pages {
		pg.NextHref = at(pg.Page + 1)
	}
	return pg, true
}

func (h *Handler) records(w http.ResponseWriter, r *http.Request) {
	ind, ok := indicator.Get(r.PathValue("key"))
	if !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	q, es, err := h.parseQuery(r)
	if h.refused(w, r, err) {
		return
	}
	if len(es) > 0 {
		web.Error(w, r, http.StatusBadRequest, "report.error.bad_query")
		return
	}
	data := map[string]any{"Indicator": ind, "PeriodName": PeriodName(lang(r), q.Period)}
	if ind.Recorded() && ind.List != nil {
		res, err := indicator.Evaluate(r.Context(), h.DB, ind, q.Scope, q.Period)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		list, err := ind.List(r.Context(), h.DB, q.Scope, q.Period)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		names, err := area.Names(r.Context(), h.DB)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		pg, ok := pageOfRecords(r.URL, len(list))
		if !ok {
			web.Error(w, r, http.StatusBadRequest, "report.error.bad_query")
			return
		}
		listed, counted := ind.Accounted(res.Value, list)
		pg.Capped = len(list) >= indicator.ListCap && listed != counted
		data["Value"], data["Records"], data["Names"], data["Paging"] = res.Value.String()+unitText(lang(r), ind.Unit), list[pg.First:pg.Last], names, pg
	}
	data["AreaName"], err = RegionName(r.Context(), h.DB, lang(r), q.Scope)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "records", web.Page{Title: ind.NameKey, Section: "reports", Crumbs: crumbs(r, i18n.T(lang(r), ind.NameKey)), Data: data})
}

// targetsQuery reads year and region of the targets page: region "" is
// the county's own targets, else a township inside the admin's scope.
func (h *Handler) targetsQuery(r *http.Request, v url.Values) (int, string, validate.Errors, error) {
	var es validate.Errors
	year := h.now().Year()
	if y := v.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			es.Add(0, "report.year", "report.error.year")
		} else {
			year = n
		}
	}
	code := v.Get("region")
	if code != "" {
		if !area.ValidCode(code) || area.LevelOf(code) != area.Township {
			es.Add(0, "report.region", "report.error.target_area")
		} else if !auth.From(r.Context()).Scope.Contains(code) {
			return year, code, es, errOutside
		}
	} else if s := auth.From(r.Context()).Scope; !s.IsAll() && area.LevelOf(s.Code()) != area.County {
		return year, code, es, errOutside
	}
	return year, code, es, nil
}

func (h *Handler) targetsForm(w http.ResponseWriter, r *http.Request) {
	year, code, es, err := h.targetsQuery(r, r.URL.Query())
	if h.refused(w, r, err) {
		return
	}
	form := map[string]string{"year": strconv.Itoa(year), "region": code}
	if len(es) == 0 {
		ts, err := indicator.Targets(r.Context(), h.DB, year, code)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		for k, t := range ts {
			if ind, ok := indicator.Get(k); ok {
				form["target_"+k] = indicator.FormatTarget(ind, t.Value)
			}
		}
	}
	h.renderTargets(w, r, year, form, es)
}

func (h *Handler) renderTargets(w http.ResponseWriter, r *http.Request, year int, form map[string]string, es validate.Errors) {
	var inds []indicator.Indicator
	for _, ind := range indicator.All() {
		if ind.Target {
			inds = append(inds, ind)
		}
	}
	regs, err := h.regions(r)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	defaults := map[string]string{}
	for k, v := range indicator.DefaultTargets[year] {
		ind, _ := indicator.Get(k)
		defaults[k] = indicator.FormatTarget(ind, v)
	}
	page := web.Page{Title: "report.targets", Section: "reports", Crumbs: crumbs(r, i18n.T(lang(r), "report.targets")), Form: form, Errors: es,
		Data: map[string]any{"Indicators": inds, "Regions": regs, "Defaults": defaults, "Year": year}}
	if len(es) > 0 {
		page.Status = http.StatusUnprocessableEntity
	}
	web.Render(w, r, pages, "targets", page)
}

func (h *Handler) saveTargets(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	year, code, es, err := h.targetsQuery(r, r.PostForm)
	if h.refused(w, r, err) {
		return
	}
	form := map[string]string{"year": strconv.Itoa(year), "region": code}
	values := map[string]int64{}
	for _, ind := range indicator.All() {
		if !ind.Target {
			continue
		}
		s := strings.TrimSpace(r.PostForm.Get("target_" + ind.Key))
		form["target_"+ind.Key] = s
		if s == "" {
			continue
		}
		v, ok := indicator.ParseTarget(ind, s)
		if !ok {
			es.Add(0, ind.NameKey, "report.error.target_value")
			continue
		}
		values[ind.Key] = v
	}
	if len(es) == 0 {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error { return indicator.SetTargets(r.Context(), tx, year, code, values) })
		if !errors.As(err, &es) && err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	if len(es) > 0 {
		h.renderTargets(w, r, year, form, es)
		return
	}
	v := url.Values{"year": {strconv.Itoa(year)}, "ok": {"flash.report_targets_saved"}}
	if code != "" {
		v.Set("region", code)
	}
	web.Redirect(w, r, "/reports/targets?"+v.Encode())
}

// IndicatorJSON is one indicator in GET /api/v1/indicators.
type IndicatorJSON struct {
	Key      string  `json:"key"`
	Name     string  `json:"name"`
	Section  string  `json:"section"`
	Unit     string  `json:"unit"`
	Recorded bool    `json:"recorded"`
	Value    *string `json:"value"` // null when not recorded
	Num      *int64  `json:"num,omitempty"`
	Den      *int64  `json:"den,omitempty"`
	Target   *string `json:"target"`
	Stock    bool    `json:"stock"`
	Records  string  `json:"records,omitempty"`
}

func (h *Handler) apiQuery(w http.ResponseWriter, r *http.Request) (query, bool) {
	q, es, err := h.parseQuery(r)
	if errors.Is(err, errOutside) {
		web.JSONError(w, r, http.StatusForbidden, "forbidden", "report.error.region_outside")
		return q, false
	}
	if err != nil {
		web.ServerError(w, r, err)
		return q, false
	}
	if len(es) > 0 {
		var e web.APIError
		e.Error.Code, e.Error.Message = "invalid", i18n.T(web.PrefsFrom(r).Lang, "report.error.bad_query")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: fe.Field, Message: fe.Text(i18n.ZH)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
		return q, false
	}
	return q, true
}

func (h *Handler) apiIndicators(w http.ResponseWriter, r *http.Request) {
	q, ok := h.apiQuery(w, r)
	if !ok {
		return
	}
	rows, err := Rows(r.Context(), h.DB, i18n.ZH, q.Scope, q.Period)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	out := struct {
		From       string          `json:"from"`
		To         string          `json:"to"`
		Region     string          `json:"region"`
		Indicators []IndicatorJSON `json:"indicators"`
	}{From: q.Period.From, To: q.Period.To, Region: q.Scope.Code()}
	for _, row := range rows {
		j := IndicatorJSON{Key: row.Key, Name: row.Name, Section: row.Section, Unit: row.Unit, Recorded: row.Recorded, Stock: row.Stock, Records: row.Href}
		if row.Recorded {
			v, n := row.Value, row.Result.Value.Num
			j.Value, j.Num = &v, &n
			if d := row.Result.Value.Den; d != 0 || row.Result.Kind == indicator.Percent || row.Result.Kind == indicator.Average {
				j.Den = &d
			}
		}
		if row.Target != "" {
			t := row.Target
			j.Target = &t
		}
		out.Indicators = append(out.Indicators, j)
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) apiWork(w http.ResponseWriter, r *http.Request) {
	q, ok := h.apiQuery(w, r)
	if !ok {
		return
	}
	rep, err := Build(r.Context(), h.DB, i18n.ZH, q.Scope, q.Period)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rep)
}
