package levy

import (
	"errors"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// own runs fn for the employer the signed-in account is linked to; an
// account without a link sees a page saying so and nothing else. The
// employer's pages query with area.All: the link, not the account's
// region, is what limits them, and every query is by this employer's id.
func (h *Handler) own(fn func(w http.ResponseWriter, r *http.Request, e Employer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := auth.From(r.Context())
		e, err := EmployerOf(r.Context(), h.DB, p.ID)
		if errors.Is(err, store.ErrNotFound) {
			web.Error(w, r, http.StatusForbidden, "levy.error.not_linked")
			return
		}
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		fn(w, r, e)
	}
}

func (h *Handler) ownPageWith(w http.ResponseWriter, r *http.Request, e Employer, page web.Page) {
	year := OpenYear(h.today())
	d, err := h.load(r.Context(), area.All(), e, year)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d.Own, d.Base = true, "/declare"
	d.Editable = d.Declaration.Status.Editable() && d.Settings.WindowOpen(h.today())
	if d.Exists && d.Settings.WindowOpen(h.today()) {
		d.Actions = Allowed(d.Declaration.Status, auth.PermLevyDeclare)
	}
	// The employer sees that an employee is also declared elsewhere, never
	// by whom.
	for i := range d.Declaration.Employees {
		d.Declaration.Employees[i].Others = nil
	}
	d.Rows = formRows(r, d.Declaration, page.Errors != nil && r.PostFormValue("rows") != "")
	d.RowErrors = rowErrors(lang(r), page.Errors)
	if page.Form == nil {
		page.Form = formOf(d.Declaration)
	}
	page.Title, page.Section, page.Data = "levy.own.title", "declare", d
	page.Crumbs = []web.Crumb{{Label: i18n.T(lang(r), "levy.own.title")}}
	web.Render(w, r, pages, "own", page)
}

func (h *Handler) ownPage(w http.ResponseWriter, r *http.Request, e Employer) {
	h.ownPageWith(w, r, e, web.Page{})
}

func (h *Handler) ownDone(w http.ResponseWriter, r *http.Request, e Employer, err error, form map[string]string) {
	var es validate.Errors
	var re *RefusedError
	switch {
	case err == nil:
		web.Redirect(w, r, "/declare?ok=flash.saved")
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		h.ownPageWith(w, r, e, web.Page{Errors: refusalErrors(re), Status: http.StatusConflict, Form: form})
	case errors.As(err, &es):
		h.ownPageWith(w, r, e, web.Page{Errors: es, Status: http.StatusUnprocessableEntity, Form: form})
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) ownSave(w http.ResponseWriter, r *http.Request, e Employer) {
	if r.PostFormValue("more") != "" {
		h.ownPageWith(w, r, e, web.Page{Errors: validate.Errors{}, Form: declarationForm(r)})
		return
	}
	year := OpenYear(h.today())
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		d, err := SaveDeclaration(r.Context(), tx, area.All(), Filer{Perm: auth.PermLevyDeclare}, e.ID, year, declarationInput(r), h.today())
		if err == nil && r.PostFormValue("submit") != "" {
			_, err = Advance(r.Context(), tx, area.All(), auth.PermLevyDeclare, d.ID, ActSubmit, "", h.today())
		}
		return err
	})
	h.ownDone(w, r, e, err, declarationForm(r))
}

func (h *Handler) ownSubmit(w http.ResponseWriter, r *http.Request, e Employer) {
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		d, err := DeclarationFor(r.Context(), tx, area.All(), e.ID, OpenYear(h.today()))
		if err != nil {
			return err
		}
		_, err = Advance(r.Context(), tx, area.All(), auth.PermLevyDeclare, d.ID, ActSubmit, "", h.today())
		return err
	})
	h.ownDone(w, r, e, err, nil)
}

func (h *Handler) ownUpload(w http.ResponseWriter, r *http.Request, e Employer) {
	kind, data, err := upload(w, r)
	if err == nil {
		err = h.DB.InTx(r.Context(), func(tx *store.Tx) error {
			d, err := DeclarationFor(r.Context(), tx, area.All(), e.ID, OpenYear(h.today()))
			if errors.Is(err, store.ErrNotFound) {
				return refused("levy.error.declare_first")
			}
			if err != nil {
				return err
			}
			if d.Status != Draft {
				return refused("levy.error.files_closed")
			}
			_, err = AttachFile(r.Context(), tx, area.All(), h.DataDir, d.ID, kind, data)
			return err
		})
	}
	h.ownDone(w, r, e, err, nil)
}

// ownFile serves a proof of the employer's own declarations only: the
// file is looked up through a declaration of this employer.
func (h *Handler) ownFile(w http.ResponseWriter, r *http.Request, e Employer) {
	decls, err := DeclarationsOf(r.Context(), h.DB, area.All(), e.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	for _, d := range decls {
		f, data, err := ReadFile(r.Context(), h.DB, area.All(), h.DataDir, d.ID, r.PathValue("fid"))
		if err == nil {
			serveFile(w, f, data)
			return
		}
		if !errors.Is(err, store.ErrNotFound) {
			web.ServerError(w, r, err)
			return
		}
	}
	web.Error(w, r, http.StatusNotFound, "error.not_found")
}

func (h *Handler) ownResult(w http.ResponseWriter, r *http.Request, e Employer) {
	year, ok := h.yearOf(r.PathValue("year"))
	if !ok {
		web.Error(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	h.resultPage(w, r, area.All(), e, year, "/declare")
}
