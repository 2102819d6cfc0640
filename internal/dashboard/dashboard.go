// Package dashboard is the home page every signed-in person lands on, and
// the pages of the areas of work that are not built yet, which say so
// plainly instead of pretending to work.
package dashboard

import (
	"embed"
	"net/http"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/certify"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/report"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the home page and the not-yet-built areas.
type Handler struct {
	DB *store.DB
}

// Routes registers the pages.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /{$}", auth.PermSignedIn, h.home)
	for _, it := range web.Areas {
		if !it.Built {
			rt.Page("GET "+it.Href, it.Perm, h.notBuilt(it))
		}
	}
}

// Bar is one bar of a chart, with its share of the largest for drawing.
type Bar struct {
	Label string
	Value int
	Width int // per mille of the chart width
	Y     int
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	data := map[string]any{}
	if !p.Scope.IsAll() {
		a, err := area.Get(r.Context(), h.DB, p.Scope.Code())
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		data["ScopeName"] = a.Name
	}
	if p.Can(auth.PermRegistryRead) {
		byCat, total, err := registry.CountByCategory(r.Context(), h.DB, p.Scope)
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		l := web.PrefsFrom(r).Lang
		var bars []Bar
		max := 1
		for c := registry.Vision; c <= registry.Multiple; c++ {
			if byCat[c] > max {
				max = byCat[c]
			}
		}
		for c := registry.Vision; c <= registry.Multiple; c++ {
			bars = append(bars, Bar{Label: web.T(l, c.MessageKey()), Value: byCat[c], Width: byCat[c] * 1000 / max, Y: len(bars) * 36})
		}
		data["Total"], data["Bars"], data["ChartHeight"] = total, bars, len(bars)*36
	}
	if p.Can(auth.PermCertifyRead) {
		// Applications past their time limit are the first thing a
		// certification caseworker should see (issue #4).
		overdue, err := certify.List(r.Context(), h.DB, p.Scope, certify.Filter{Overdue: time.Now().Format(time.DateOnly), Limit: 2000})
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		data["CertOverdue"] = len(overdue)
	}
	now := time.Now()
	// The waiting work of the areas a person reads: suspended programme
	// cases, overdue device loans, the year's survey (each a count with
	// its list; every count is one query on an indexed range).
	work, err := report.WorklistsFor(r.Context(), h.DB, p, now)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	data["Work"] = work
	if p.Can(auth.PermReportsRead) {
		// The leaders' figures: the year's targets against what is done,
		// computing only the indicators that have a target.
		l := web.PrefsFrom(r).Lang
		d, err := report.TargetsPanel(r.Context(), h.DB, l, p, now.Year())
		if err == nil {
			data["Targets"], err = report.TargetsHTML(l, d)
		}
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
	}
	var areas []web.NavItem
	for _, it := range web.Areas {
		if it.Key != "home" && p.Can(it.Perm) {
			areas = append(areas, it)
		}
	}
	data["Areas"] = areas
	web.Render(w, r, pages, "home", web.Page{Title: "nav.home", Section: "home", Data: data})
}

func (h *Handler) notBuilt(it web.NavItem) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		web.Render(w, r, pages, "not_built", web.Page{Title: "nav." + it.Key, Section: it.Key, Data: it})
	}
}
