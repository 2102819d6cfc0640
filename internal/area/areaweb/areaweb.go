// Package areaweb is the administrators' page for administrative areas:
// the tree of the county and the import of the official division list.
package areaweb

import (
	"embed"
	"errors"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the area pages.
type Handler struct {
	DB *store.DB
}

// Routes registers the pages and the API.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /admin/areas", auth.PermAreasManage, h.list)
	rt.Page("POST /admin/areas/import", auth.PermAreasManage, h.importCSV)
}

// Row is an area with its kind for display.
type Row struct {
	area.Area
	Kind string
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, page web.Page) {
	areas, err := area.InScope(r.Context(), h.DB, auth.From(r.Context()).Scope)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	rows := make([]Row, len(areas))
	for i, a := range areas {
		rows[i] = Row{Area: a, Kind: area.Kind(a.Code)}
	}
	data, _ := page.Data.(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	data["Areas"] = rows
	l := web.PrefsFrom(r).Lang
	page.Title, page.Section, page.Data = "admin.areas", "admin", data
	page.Crumbs = []web.Crumb{{Label: i18n.T(l, "nav.admin"), Href: "/admin"}, {Label: i18n.T(l, "admin.areas")}}
	web.Render(w, r, pages, "areas", page)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) { h.render(w, r, web.Page{}) }

func (h *Handler) importCSV(w http.ResponseWriter, r *http.Request) {
	f, _, err := r.FormFile("file")
	if err != nil {
		h.render(w, r, web.Page{Status: http.StatusUnprocessableEntity, Errors: validate.Errors{{Field: "area.import.file", Key: "validate.required"}}})
		return
	}
	defer f.Close()
	res, err := area.Import(r.Context(), h.DB, f)
	var es validate.Errors
	if errors.As(err, &es) {
		h.render(w, r, web.Page{Status: http.StatusUnprocessableEntity, Errors: es})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.render(w, r, web.Page{Flash: "flash.imported", Data: map[string]any{"Result": res}})
}
