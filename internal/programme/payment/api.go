package payment

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

// apiRoutes registers the JSON API; each endpoint mirrors a page.
func (h *Handler) apiRoutes(rt *web.Router) {
	rt.API("GET /api/v1/payments/batches", auth.PermProgrammeRead, h.apiList)
	rt.API("POST /api/v1/payments/batches", auth.PermPaymentWrite, h.apiCreate)
	rt.API("GET /api/v1/payments/batches/{id}", auth.PermProgrammeRead, h.apiGet)
	rt.API("POST /api/v1/payments/batches/{id}/confirm", auth.PermPaymentWrite, h.apiConfirm)
	rt.API("POST /api/v1/payments/batches/{id}/pay", auth.PermPaymentWrite, h.apiPay)
	rt.API("POST /api/v1/payments/batches/{id}/cancel", auth.PermPaymentWrite, h.apiCancel)
	rt.API("POST /api/v1/payments/batches/{id}/lines/{line}/remove", auth.PermPaymentWrite, h.apiRemove)
	rt.API("GET /api/v1/payments/ledger", auth.PermProgrammeRead, h.apiLedger)
	rt.API("POST /api/v1/payments/ledger/{entry}/reverse", auth.PermPaymentWrite, h.apiReverse)
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
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "payment.error.invalid")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Row: fe.Row, Field: fe.Field, Message: fe.Text(l)})
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

// apiFull reports whether the client sees full ID numbers and accounts:
// those who may pay, as on the pages (API clients have no department).
func apiFull(r *http.Request) bool { return canWrite(r) }

// maskLines hides full ID numbers and accounts unless full is set.
func maskLines(lines []Line, full bool) []Line {
	if lines == nil {
		return []Line{}
	}
	if !full {
		for i := range lines {
			lines[i].PayeeIDNumber, lines[i].BankAccount = registry.MaskIDNumber(lines[i].PayeeIDNumber), MaskAccount(lines[i].BankAccount)
		}
	}
	return lines
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{ProgrammeID: q.Get("programme"), Month: q.Get("month"), State: State(q.Get("state")), Limit: 500}
	if f.Month != "" && !validMonth(f.Month) || f.State != "" && !f.State.Valid() {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "payment.error.filter")
		return
	}
	bs, err := List(r.Context(), h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if bs == nil {
		bs = []Batch{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": bs})
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var n NewBatch
	if !decode(w, r, &n) {
		return
	}
	var b Batch
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		b, err = Build(r.Context(), tx, h.Src, scope(r), n, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/payments/batches/"+b.ID)
	h.writeBatch(w, r, b.ID, http.StatusCreated)
}

// batchDetail is a batch with its lines (live and removed) and its
// totals by township, as the batch page shows them.
type batchDetail struct {
	Batch
	Lines     []Line          `json:"lines"`
	Townships []TownshipTotal `json:"townships"`
}

func (h *Handler) writeBatch(w http.ResponseWriter, r *http.Request, id string, status int) {
	b, err := Get(r.Context(), h.DB, scope(r), id)
	if err != nil {
		apiFail(w, r, err)
		return
	}
	lines, err := Lines(r.Context(), h.DB, scope(r), b.ID, true)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := batchDetail{Batch: b, Townships: TownshipTotals(lines), Lines: maskLines(lines, apiFull(r))}
	if d.Townships == nil {
		d.Townships = []TownshipTotal{}
	}
	web.JSON(w, status, d)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	h.writeBatch(w, r, r.PathValue("id"), http.StatusOK)
}

// actionJSON is the body of the batch actions (all fields optional but
// the one the action needs).
type actionJSON struct {
	PaidOn string `json:"paid_on"` // pay: YYYY-MM-DD, default today
	Reason string `json:"reason"`  // cancel, remove, reverse
}

// body reads an optional JSON body (an empty body is an empty action).
func body(w http.ResponseWriter, r *http.Request) (actionJSON, bool) {
	var a actionJSON
	if r.ContentLength == 0 {
		return a, true
	}
	return a, decode(w, r, &a)
}

func (h *Handler) apiMove(w http.ResponseWriter, r *http.Request, fn func(tx *store.Tx, a actionJSON) error) {
	a, ok := body(w, r)
	if !ok {
		return
	}
	if err := h.DB.InTx(r.Context(), func(tx *store.Tx) error { return fn(tx, a) }); err != nil {
		apiFail(w, r, err)
		return
	}
	h.writeBatch(w, r, r.PathValue("id"), http.StatusOK)
}

func (h *Handler) apiConfirm(w http.ResponseWriter, r *http.Request) {
	h.apiMove(w, r, func(tx *store.Tx, a actionJSON) error {
		_, err := Confirm(r.Context(), tx, scope(r), r.PathValue("id"))
		return err
	})
}

func (h *Handler) apiPay(w http.ResponseWriter, r *http.Request) {
	h.apiMove(w, r, func(tx *store.Tx, a actionJSON) error {
		_, err := Pay(r.Context(), tx, h.Src, scope(r), r.PathValue("id"), a.PaidOn, h.today())
		return err
	})
}

func (h *Handler) apiCancel(w http.ResponseWriter, r *http.Request) {
	h.apiMove(w, r, func(tx *store.Tx, a actionJSON) error {
		_, err := Cancel(r.Context(), tx, scope(r), r.PathValue("id"), a.Reason)
		return err
	})
}

func (h *Handler) apiRemove(w http.ResponseWriter, r *http.Request) {
	h.apiMove(w, r, func(tx *store.Tx, a actionJSON) error {
		return RemoveLine(r.Context(), tx, scope(r), r.PathValue("id"), r.PathValue("line"), a.Reason)
	})
}

func (h *Handler) apiReverse(w http.ResponseWriter, r *http.Request) {
	a, ok := body(w, r)
	if !ok {
		return
	}
	var e Entry
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		e, err = Reverse(r.Context(), tx, h.Src, scope(r), r.PathValue("entry"), a.Reason, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, e)
}

// ledgerJSON is the ledger view: entries newest first and the totals of
// everything the filter finds.
type ledgerJSON struct {
	Items  []Entry      `json:"items"`
	Totals LedgerTotals `json:"totals"`
}

func (h *Handler) apiLedger(w http.ResponseWriter, r *http.Request) {
	f := ledgerFilter(r)
	if es := f.Check(scope(r)); len(es) > 0 {
		apiFail(w, r, es)
		return
	}
	f.Limit = 1000
	items, t, err := Ledger(r.Context(), h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if items == nil {
		items = []Entry{}
	}
	if !apiFull(r) {
		for i := range items {
			items[i].PayeeIDNumber, items[i].BankAccount = registry.MaskIDNumber(items[i].PayeeIDNumber), MaskAccount(items[i].BankAccount)
		}
	}
	web.JSON(w, http.StatusOK, ledgerJSON{Items: items, Totals: t})
}
