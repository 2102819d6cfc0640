// Package web is the shared plumbing of the web interface: the one layout,
// the one way to render a page or an error, forms and CSRF, user
// preferences (language, large text, high contrast), the route table with
// its permission guard, and the middleware every request passes.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

// Version is shown in the footer; set by main.
var Version = "dev"

// Pages is a set of page templates, each parsed with the layout.
type Pages struct {
	byName map[string]*template.Template
}

var base = template.Must(template.New("layout").Funcs(funcs).ParseFS(layoutFS, "templates/*.html"))

// ParsePages parses every file matching glob in fsys as a page: the file
// defines "content" (and may define "head"). The page's name is the file's
// name without ".html". Files whose name starts with "_" are partials: each
// defines templates that every page of the set may use, and none is a page.
func ParsePages(fsys fs.FS, glob string) *Pages {
	files, err := fs.Glob(fsys, glob)
	if err != nil || len(files) == 0 {
		panic("web: no templates match " + glob)
	}
	var pages, partials []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		} else {
			pages = append(pages, f)
		}
	}
	withPartials := template.Must(base.Clone())
	if len(partials) > 0 {
		withPartials = template.Must(withPartials.ParseFS(fsys, partials...))
	}
	p := &Pages{byName: map[string]*template.Template{}}
	for _, f := range pages {
		t := template.Must(template.Must(withPartials.Clone()).ParseFS(fsys, f))
		p.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p
}

var ownPages = ParsePages(layoutFS, "templates/page_*.html")

// Crumb is one step of the breadcrumb trail.
type Crumb struct {
	Label string // already translated
	Href  string // "" for the current page
}

// Page is what the layout and a page template see as ".". Handlers fill
// Title, Section, Crumbs, Data and Errors; Render fills the rest.
type Page struct {
	Title   string // i18n key of the page title
	Section string // key of the active navigation item
	Crumbs  []Crumb
	Data    any
	Errors  validate.Errors
	Form    map[string]string // values to show again after a refused form

	Lang      i18n.Lang
	Prefs     Prefs
	CSRF      string
	Principal *auth.Principal
	Nav       []NavItem
	Path      string
	Flash     string
	Version   string
	Status    int
}

// T translates key in the page's language.
func (p *Page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// CSRFField is the hidden input every form carries.
func (p *Page) CSRFField() template.HTML {
	return template.HTML(`<input type="hidden" name="csrf_token" value="` + template.HTMLEscapeString(p.CSRF) + `">`)
}

// FieldErrors are the messages for one form field.
func (p *Page) FieldErrors(field string) []string { return p.Errors.For(p.Lang, field) }

// FormErrors are every problem, each naming its row and field, for the
// summary at the top of the page (field problems also show beside their
// input).
func (p *Page) FormErrors() []string {
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Text(p.Lang)
	}
	return out
}

// Value is a form value to show again.
func (p *Page) Value(field string) string { return p.Form[field] }

// Can reports whether the viewer holds a permission (for showing buttons;
// routes check again).
func (p *Page) Can(perm string) bool { return p.Principal.Can(auth.Perm(perm)) }

// Render writes a page with the layout. Status 0 means 200.
func Render(w http.ResponseWriter, r *http.Request, pages *Pages, name string, p Page) {
	t, ok := pages.byName[name]
	if !ok {
		panic("web: no page " + name)
	}
	fill(w, r, &p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", &p); err != nil {
		slog.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.Status != 0 {
		w.WriteHeader(p.Status)
	}
	_, _ = w.Write(buf.Bytes())
}

func fill(w http.ResponseWriter, r *http.Request, p *Page) {
	p.Prefs = PrefsFrom(r)
	p.Lang = p.Prefs.Lang
	p.CSRF = csrfToken(w, r)
	p.Principal = auth.From(r.Context())
	p.Nav = navFor(p.Principal)
	p.Path = r.URL.Path
	p.Version = Version
	if k := r.URL.Query().Get("ok"); strings.HasPrefix(k, "flash.") && i18n.Has(p.Lang, k) {
		p.Flash = k
	}
}

// Error renders an error page (or JSON under /api/) with a message key.
func Error(w http.ResponseWriter, r *http.Request, status int, key string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		JSONError(w, r, status, errorCode(status), key)
		return
	}
	Render(w, r, ownPages, "page_error", Page{Title: "error.title", Status: status, Data: map[string]any{"Status": status, "Message": key}})
}

// ServerError logs err and shows the 500 page.
func ServerError(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err, "request_id", RequestID(r.Context()))
	Error(w, r, http.StatusInternalServerError, "error.internal")
}

// Redirect answers a form post with 303 See Other.
func Redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// Static serves the embedded CSS, JS and images.
func Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

var funcs = template.FuncMap{
	"add":       func(a, b int) int { return a + b },
	"hasPrefix": strings.HasPrefix,
	"list":      func(items ...string) []string { return items },
	"localTime": LocalTime,
	"langs":     func() []i18n.Lang { return i18n.Langs },
	// barWidth turns a per-mille share into pixels of a 400-px bar.
	"barWidth": func(permille int) int { return permille * 400 / 1000 },
}

// T translates outside a template (charts, exports).
func T(l i18n.Lang, key string, args ...any) string { return i18n.T(l, key, args...) }

// LocalTime shows a stored instant in the server's time zone (the
// county's), to the minute; text that is not an instant is shown as is.
func LocalTime(s string) string {
	t, err := store.ParseTime(s)
	if err != nil {
		return s
	}
	return t.Local().Format("2006-01-02 15:04")
}
