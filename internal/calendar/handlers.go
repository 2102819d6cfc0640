package calendar

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

var pages = web.ParsePages(templates, "templates/*.html")

// Handler serves the administrator's calendar page.
type Handler struct {
	DB *store.DB
}

// NewHandler returns the calendar pages' handler.
func NewHandler(db *store.DB) *Handler { return &Handler{DB: db} }

// Routes registers the calendar pages.
func (h *Handler) Routes(rt *web.Router) {
	rt.Page("GET /admin/calendar", auth.PermSettingsManage, h.page)
	rt.Page("POST /admin/calendar", auth.PermSettingsManage, h.set)
	rt.Page("POST /admin/calendar/delete", auth.PermSettingsManage, h.delete)
}

type pageData struct {
	Year      int
	PrevYear  int
	NextYear  int
	Days      []Day
	Kinds     []Kind
	Shipped   bool // the year is the one shipped with the program
	Weekdays  map[string]string
	YearEmpty bool
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, year int, page web.Page) {
	days, err := List(r.Context(), h.DB, year)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	l := web.PrefsFrom(r).Lang
	d := pageData{Year: year, PrevYear: year - 1, NextYear: year + 1, Days: days, Kinds: []Kind{Holiday, Workday},
		Shipped: year == 2026, Weekdays: map[string]string{}, YearEmpty: len(days) == 0}
	for _, day := range days {
		t, _ := time.Parse(time.DateOnly, day.Date)
		d.Weekdays[day.Date] = i18n.T(l, "calendar.weekday."+strconv.Itoa(int(t.Weekday())))
	}
	page.Title, page.Section, page.Data = "calendar.title", "admin", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(l, "nav.admin"), Href: "/admin"}, {Label: i18n.T(l, "calendar.title")}}
	web.Render(w, r, pages, "calendar", page)
}

func yearOf(s string) int {
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2100 {
		return time.Now().Year()
	}
	return y
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, yearOf(r.URL.Query().Get("year")), web.Page{})
}

func (h *Handler) set(w http.ResponseWriter, r *http.Request) {
	d := Day{Date: r.PostFormValue("date"), Kind: Kind(r.PostFormValue("kind")), Name: r.PostFormValue("name")}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return Set(r.Context(), tx, d) })
	var es validate.Errors
	if errors.As(err, &es) {
		year := yearOf(r.PostFormValue("year"))
		h.render(w, r, year, web.Page{Errors: es, Status: http.StatusUnprocessableEntity,
			Form: map[string]string{"date": d.Date, "kind": string(d.Kind), "name": d.Name}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/calendar?"+url.Values{"year": {d.Date[:4]}, "ok": {"flash.saved"}}.Encode())
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	date := r.PostFormValue("date")
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return Delete(r.Context(), tx, date) })
	if errors.Is(err, store.ErrNotFound) {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/calendar?"+url.Values{"year": {date[:4]}, "ok": {"flash.saved"}}.Encode())
}
