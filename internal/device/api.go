package device

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// apiRoutes registers the JSON API; each mirrors a page.
func (h *Handler) apiRoutes(rt *web.Router) {
	rt.API("GET /api/v1/devices/items", auth.PermProgrammeRead, h.apiItems)
	rt.API("GET /api/v1/devices/items/{id}", auth.PermProgrammeRead, h.apiItem)
	rt.API("GET /api/v1/devices/loans", auth.PermProgrammeRead, h.apiLoans)
	rt.API("POST /api/v1/devices/loans", auth.PermProgrammeApply, h.apiLend)
	rt.API("GET /api/v1/devices/loans/{id}", auth.PermProgrammeRead, h.apiLoan)
	rt.API("POST /api/v1/devices/loans/{id}/return", auth.PermProgrammeApply, h.apiReturn)
	rt.API("GET /api/v1/devices/overdue", auth.PermProgrammeRead, h.apiOverdue)
}

func apiLang(r *http.Request) i18n.Lang { return i18n.Parse(r.Header.Get("Accept-Language")) }

// apiFail answers a refused or invalid request with the house error body.
func apiFail(w http.ResponseWriter, r *http.Request, err error) {
	l := apiLang(r)
	var es validate.Errors
	var e web.APIError
	switch {
	case errors.Is(err, store.ErrNotFound):
		web.Error(w, r, http.StatusNotFound, "error.not_found")
	case errors.As(err, &es):
		e.Error.Code, e.Error.Message = "invalid", es.Text(l)
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: fe.Field, Message: i18n.T(l, fe.Key, fe.Args...)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
	default:
		web.ServerError(w, r, err)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "error.bad_request")
		return false
	}
	return true
}

func (h *Handler) apiItems(w http.ResponseWriter, r *http.Request) {
	items, err := ListItems(r.Context(), h.DB, scope(r), itemFilter(r.URL.Query()))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if items == nil {
		items = []Item{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

type itemJSON struct {
	Item
	Events []Event `json:"events"`
}

func (h *Handler) apiItem(w http.ResponseWriter, r *http.Request) {
	it, err := GetItem(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	evs, err := ItemEvents(r.Context(), h.DB, it.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, itemJSON{Item: it, Events: evs})
}

func (h *Handler) apiLoans(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := LoanFilter{AreaCode: q.Get("area"), Status: LoanStatus(q.Get("status")), PersonID: q.Get("person_id")}
	if q.Get("overdue") == "1" {
		f.Overdue = ymd(h.today())
	}
	ls, err := ListLoans(r.Context(), h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if ls == nil {
		ls = []Loan{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": ls})
}

func (h *Handler) apiLoan(w http.ResponseWriter, r *http.Request) {
	l, err := GetLoan(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, l)
}

// newLoanJSON is the body of POST /api/v1/devices/loans; money in fen,
// absent for the setting.
type newLoanJSON struct {
	ItemID         string `json:"item_id"`
	PersonID       string `json:"person_id"`
	LentOn         string `json:"lent_on"`
	DueOn          string `json:"due_on"`
	DepositFen     *int64 `json:"deposit_fen"`
	RentFen        *int64 `json:"rent_fen"`
	CaseID         string `json:"case_id"`
	OverrideReason string `json:"override_reason"`
}

func fenText(v *int64) string {
	if v == nil {
		return ""
	}
	if *v < 0 {
		return "-1" // refused as money
	}
	return Yuan(*v)
}

func (h *Handler) apiLend(w http.ResponseWriter, r *http.Request) {
	var b newLoanJSON
	if !decode(w, r, &b) {
		return
	}
	if b.LentOn == "" {
		b.LentOn = ymd(h.today())
	}
	n := NewLoan{ItemID: b.ItemID, PersonID: b.PersonID, LentOn: b.LentOn, DueOn: b.DueOn, Deposit: fenText(b.DepositFen), Rent: fenText(b.RentFen),
		CaseID: b.CaseID, OverrideReason: b.OverrideReason}
	var l Loan
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		l, err = Lend(r.Context(), tx, scope(r), n, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/devices/loans/"+l.ID)
	web.JSON(w, http.StatusCreated, l)
}

type returnJSON struct {
	ReturnedOn string    `json:"returned_on"`
	Condition  Condition `json:"condition"`
	Note       string    `json:"note"`
}

func (h *Handler) apiReturn(w http.ResponseWriter, r *http.Request) {
	var b returnJSON
	if !decode(w, r, &b) {
		return
	}
	if b.ReturnedOn == "" {
		b.ReturnedOn = ymd(h.today())
	}
	var l Loan
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		l, err = ReturnLoan(r.Context(), tx, scope(r), r.PathValue("id"), Return(b), h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, l)
}

func (h *Handler) apiOverdue(w http.ResponseWriter, r *http.Request) {
	groups, err := OverdueByTownship(r.Context(), h.DB, scope(r), r.URL.Query().Get("area"), h.today())
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if groups == nil {
		groups = []TownshipOverdue{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"townships": groups})
}
