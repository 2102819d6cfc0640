package rights

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/calendar"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// apiRoutes registers the JSON API; each endpoint mirrors a page, each
// move its own route with the move's permission.
func (h *Handler) apiRoutes(rt *web.Router) {
	read, write := auth.PermRightsRead, auth.PermRightsWrite
	rt.API("GET /api/v1/rights/cases", read, h.apiList)
	rt.API("POST /api/v1/rights/cases", write, h.apiCreate)
	rt.API("GET /api/v1/rights/cases/{id}", read, h.apiGet)
	rt.API("POST /api/v1/rights/cases/{id}/transfer", write, h.apiTransfer)
	rt.API("POST /api/v1/rights/cases/{id}/extend", write, h.apiExtend)
	rt.API("POST /api/v1/rights/cases/{id}/reply", write, h.apiReply)
	rt.API("POST /api/v1/rights/cases/{id}/callback", write, h.apiCallback)
	rt.API("POST /api/v1/rights/cases/{id}/close", write, h.apiClose)
	rt.API("POST /api/v1/rights/cases/{id}/supervise", auth.PermRightsSupervise, h.apiSupervise)
	rt.API("POST /api/v1/rights/cases/{id}/legal-aid", write, h.apiLegalAid)
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
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "rights.error.invalid")
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

// shown is c as the caller may see it: the phone open to those who call
// back (rights.write), each such answer audited; masked for the others.
func shown(ctx context.Context, db *store.DB, c Case) (Case, error) {
	if !auth.From(ctx).Can(auth.PermRightsWrite) || c.CallerPhone == "" {
		return c.Masked(), nil
	}
	return c, audit.RecordAlone(ctx, db, audit.Entry{Action: "rights.unmask", ObjectType: "rights_case", ObjectID: c.ID, AreaCode: c.AreaCode, Detail: "caller_phone"})
}

type listJSON struct {
	Items []Case `json:"items"`
}

// apiList lists cases with the page's filters (status, channel, type,
// area, from, to, due=soon|overdue, supervised=1); phones masked.
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	cal, err := calendar.Load(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	f := filterOf(r.URL.Query(), cal, h.today())
	f.Limit = 2000
	items, err := List(r.Context(), h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	out := make([]Case, 0, len(items))
	for _, c := range items {
		out = append(out, c.Masked())
	}
	web.JSON(w, http.StatusOK, listJSON{Items: out})
}

// newJSON is the body of POST /api/v1/rights/cases.
type newJSON struct {
	Channel     string `json:"channel"`
	CallerName  string `json:"caller_name"`
	CallerPhone string `json:"caller_phone"`
	PersonID    string `json:"person_id"`
	AreaCode    string `json:"area_code"`
	Type        string `json:"type"`
	Account     string `json:"account"`
	ReceivedOn  string `json:"received_on"`
	CloseNow    bool   `json:"close_now"`
	Answer      string `json:"answer"`
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var b newJSON
	if !decode(w, r, &b) {
		return
	}
	if b.ReceivedOn == "" {
		b.ReceivedOn = ymd(h.today())
	}
	var c Case
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		cal, err := calendar.Load(ctx, tx)
		if err != nil {
			return err
		}
		c, err = Create(ctx, tx, scope(r), cal, NewCase(b), h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rights/cases/"+c.ID)
	web.JSON(w, http.StatusCreated, detailJSON{Case: c, Events: []Event{}})
}

// detailJSON is one case with its timeline.
type detailJSON struct {
	Case   Case    `json:"case"`
	Events []Event `json:"events"`
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	d := detailJSON{}
	if d.Case, err = shown(ctx, h.DB, c); err == nil {
		d.Events, err = Events(ctx, h.DB, c.ID)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if d.Events == nil {
		d.Events = []Event{}
	}
	web.JSON(w, http.StatusOK, d)
}

// apiDo runs a move and answers with the case as it now stands.
func (h *Handler) apiDo(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) {
	if err := h.inTx(r, fn); err != nil {
		apiFail(w, r, err)
		return
	}
	h.apiGet(w, r)
}

// Bodies of the moves.
type (
	transferJSON struct {
		Unit string `json:"unit"`
		Day  string `json:"day"`
		Note string `json:"note"`
	}
	extendJSON struct {
		Reason string `json:"reason"`
		Day    string `json:"day"`
	}
	replyJSON struct {
		Reply string `json:"reply"`
		Day   string `json:"day"`
	}
	callbackJSON struct {
		Satisfaction string `json:"satisfaction"`
		Day          string `json:"day"`
		Note         string `json:"note"`
	}
	closeJSON struct {
		Day  string `json:"day"`
		Note string `json:"note"`
	}
	superviseJSON struct {
		Note string `json:"note"`
	}
	legalAidJSON struct {
		Persons int    `json:"persons"`
		Day     string `json:"day"`
		Note    string `json:"note"`
	}
)

func (h *Handler) apiTransfer(w http.ResponseWriter, r *http.Request) {
	var b transferJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			return Transfer(ctx, tx, scope(r), r.PathValue("id"), b.Unit, b.Day, b.Note, h.today())
		})
	}
}

func (h *Handler) apiExtend(w http.ResponseWriter, r *http.Request) {
	var b extendJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			cal, err := calendar.Load(ctx, tx)
			if err != nil {
				return err
			}
			return Extend(ctx, tx, scope(r), cal, r.PathValue("id"), b.Reason, b.Day, h.today())
		})
	}
}

func (h *Handler) apiReply(w http.ResponseWriter, r *http.Request) {
	var b replyJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			return Reply(ctx, tx, scope(r), r.PathValue("id"), b.Reply, b.Day, h.today())
		})
	}
}

func (h *Handler) apiCallback(w http.ResponseWriter, r *http.Request) {
	var b callbackJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			return Callback(ctx, tx, scope(r), r.PathValue("id"), b.Satisfaction, b.Day, b.Note, h.today())
		})
	}
}

func (h *Handler) apiClose(w http.ResponseWriter, r *http.Request) {
	var b closeJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			return Close(ctx, tx, scope(r), r.PathValue("id"), b.Day, b.Note, h.today())
		})
	}
}

func (h *Handler) apiSupervise(w http.ResponseWriter, r *http.Request) {
	var b superviseJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			return Supervise(ctx, tx, scope(r), r.PathValue("id"), b.Note, h.today())
		})
	}
}

func (h *Handler) apiLegalAid(w http.ResponseWriter, r *http.Request) {
	var b legalAidJSON
	if decode(w, r, &b) {
		h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
			return LegalAid(ctx, tx, scope(r), r.PathValue("id"), b.Persons, b.Day, b.Note, h.today())
		})
	}
}
