package levy

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// apiRoutes registers the JSON API; each mirrors a staff page.
func (h *Handler) apiRoutes(rt *web.Router) {
	rt.API("GET /api/v1/employers", auth.PermLevyRead, h.apiList)
	rt.API("GET /api/v1/employers/figures", auth.PermLevyRead, h.apiFigures)
	rt.API("GET /api/v1/employers/export", auth.PermLevyReview, h.apiExport)
	rt.API("GET /api/v1/employers/{id}", auth.PermLevyRead, h.apiGet)
	rt.API("GET /api/v1/employers/{id}/declarations/{year}", auth.PermLevyRead, h.apiDeclaration)
	rt.API("PUT /api/v1/employers/{id}/declarations/{year}", auth.PermLevyReview, h.apiPut)
	rt.API("POST /api/v1/employers/{id}/declarations/{year}/actions", auth.PermLevyReview, h.apiAction)
	rt.API("GET /api/v1/employers/{id}/declarations/{year}/result", auth.PermLevyRead, h.apiResult)
}

func apiLang(r *http.Request) i18n.Lang { return i18n.Parse(r.Header.Get("Accept-Language")) }

// apiFail answers a refused or invalid request with the house error body.
func apiFail(w http.ResponseWriter, r *http.Request, err error) {
	l := apiLang(r)
	var es validate.Errors
	var re *RefusedError
	var e web.APIError
	switch {
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &re):
		e.Error.Code, e.Error.Message = "refused", re.Text(l)
		web.JSON(w, http.StatusConflict, e)
	case errors.As(err, &es):
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "levy.error.invalid")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Row: fe.Row, Field: fe.Field, Message: fe.Text(l)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) apiYear(w http.ResponseWriter, r *http.Request, s string) (int, bool) {
	y, ok := h.yearOf(s)
	if !ok {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "levy.error.year", MinYear, MaxYear)
	}
	return y, ok
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	emps, err := ListEmployers(r.Context(), h.DB, scope(r), EmployerFilter{Query: q.Get("q"), AreaCode: q.Get("area"), Kind: Kind(q.Get("kind"))})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if emps == nil {
		emps = []Employer{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": emps})
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	e, err := GetEmployer(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	decls, err := DeclarationsOf(r.Context(), h.DB, scope(r), e.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	years := []map[string]any{}
	for _, d := range decls {
		years = append(years, map[string]any{"year": d.Year, "status": d.Status, "amount_fen": d.Result.AmountFen, "tier": d.Result.Tier})
	}
	web.JSON(w, http.StatusOK, map[string]any{"employer": e, "declarations": years})
}

func (h *Handler) apiDecl(w http.ResponseWriter, r *http.Request) (Declaration, bool) {
	year, ok := h.apiYear(w, r, r.PathValue("year"))
	if !ok {
		return Declaration{}, false
	}
	e, err := GetEmployer(r.Context(), h.DB, scope(r), r.PathValue("id"))
	var d Declaration
	if err == nil {
		d, err = DeclarationFor(r.Context(), h.DB, scope(r), e.ID, year)
	}
	if err != nil {
		apiFail(w, r, err)
		return d, false
	}
	return d, true
}

func (h *Handler) apiDeclaration(w http.ResponseWriter, r *http.Request) {
	if d, ok := h.apiDecl(w, r); ok {
		if d.Employees == nil {
			d.Employees = []DeclaredEmployee{}
		}
		// A client of the API (the tax office's system) sees numbers with
		// the birth date hidden, as lists do; the full numbers stay at the
		// counter.
		for i := range d.Employees {
			e := &d.Employees[i]
			e.IDNumber, e.CertificateNo = e.MaskedIDNumber(), registry.Person{CertificateNo: e.CertificateNo}.MaskedCertificateNo()
		}
		web.JSON(w, http.StatusOK, d)
	}
}

// declarationJSON is the body of PUT …/declarations/{year}: the counter
// form's fields.
type declarationJSON struct {
	Headcounts []int          `json:"headcounts"`
	AvgWage    string         `json:"avg_wage"` // yuan, e.g. "100000.00"
	Employees  []employeeJSON `json:"employees"`
	Submit     bool           `json:"submit"`
}

type employeeJSON struct {
	IDNumber      string `json:"id_number"`
	CertificateNo string `json:"certificate_no"`
	Months        int    `json:"months"`
	Contract      bool   `json:"contract"`
	Insurance     bool   `json:"insurance"`
	MinWage       bool   `json:"min_wage"`
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "error.bad_request")
		return false
	}
	return true
}

func (h *Handler) apiPut(w http.ResponseWriter, r *http.Request) {
	year, ok := h.apiYear(w, r, r.PathValue("year"))
	if !ok {
		return
	}
	var b declarationJSON
	if !decode(w, r, &b) {
		return
	}
	in := DeclarationInput{Headcounts: b.Headcounts, AvgWage: b.AvgWage}
	for _, e := range b.Employees {
		in.Employees = append(in.Employees, EmployeeInput{IDNumber: e.IDNumber, CertificateNo: e.CertificateNo, Months: e.Months,
			Contract: e.Contract, Insurance: e.Insurance, Wage: e.MinWage})
	}
	var d Declaration
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		d, err = SaveDeclaration(r.Context(), tx, scope(r), Filer{Perm: auth.PermLevyReview}, r.PathValue("id"), year, in, h.today())
		if err == nil && b.Submit {
			d, err = Advance(r.Context(), tx, scope(r), auth.PermLevyReview, d.ID, ActSubmit, "", h.today())
		}
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	h.apiDeclaration(w, r)
}

type actionJSON struct {
	Action Action `json:"action"` // submit, return, verify, issue
	Reason string `json:"reason"` // required to return
}

func (h *Handler) apiAction(w http.ResponseWriter, r *http.Request) {
	d, ok := h.apiDecl(w, r)
	if !ok {
		return
	}
	var b actionJSON
	if !decode(w, r, &b) {
		return
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		_, err = Advance(r.Context(), tx, scope(r), auth.PermLevyReview, d.ID, b.Action, b.Reason, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	h.apiDeclaration(w, r)
}

func (h *Handler) apiResult(w http.ResponseWriter, r *http.Request) {
	d, ok := h.apiDecl(w, r)
	if !ok {
		return
	}
	if !d.Status.Reviewed() {
		apiFail(w, r, refused("levy.error.no_result"))
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"employer_id": d.EmployerID, "year": d.Year, "status": d.Status, "issued_on": d.IssuedOn,
		"result": d.Result, "amount": YuanPlain(d.Result.AmountFen)})
}

func (h *Handler) apiExport(w http.ResponseWriter, r *http.Request) {
	year, ok := h.apiYear(w, r, r.URL.Query().Get("year"))
	if !ok {
		return
	}
	rows, err := ExportRows(r.Context(), h.DB, scope(r), year, h.today())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if rows == nil {
		rows = []ExportRow{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"year": year, "items": rows})
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) {
	year, ok := h.apiYear(w, r, r.URL.Query().Get("year"))
	if !ok {
		return
	}
	st, err := Figures(r.Context(), h.DB, year)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}
