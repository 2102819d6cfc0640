package programme

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// apiRoutes registers the JSON API; each mirrors a page.
func (h *Handler) apiRoutes(rt *web.Router) {
	rt.API("GET /api/v1/programmes", auth.PermProgrammeRead, h.apiList)
	rt.API("GET /api/v1/programmes/{id}", auth.PermProgrammeRead, h.apiGet)
	rt.API("POST /api/v1/programmes/{id}/preview", auth.PermProgrammeRead, h.apiPreview)
	rt.API("GET /api/v1/programmes/radar", auth.PermProgrammeRead, h.apiRadar)
	rt.API("GET /api/v1/programmes/cases", auth.PermProgrammeRead, h.apiCases)
	rt.API("POST /api/v1/programmes/cases", auth.PermProgrammeApply, h.apiCreate)
	rt.API("GET /api/v1/programmes/cases/{id}", auth.PermProgrammeRead, h.apiCase)
	rt.API("POST /api/v1/programmes/cases/{id}/actions", auth.PermProgrammeApply, h.apiAction)
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
	case errors.Is(err, errForbidden):
		web.JSONError(w, r, http.StatusForbidden, "forbidden", "error.forbidden")
	case errors.As(err, &re):
		e.Error.Code, e.Error.Message = "refused", re.Text(l)
		web.JSON(w, http.StatusConflict, e)
	case errors.As(err, &es):
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "programme.error.invalid")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: fe.Field, Message: fe.Text(l)})
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

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	ps, err := List(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if ps == nil {
		ps = []Programme{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": ps})
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, p)
}

// previewJSON is the body of POST …/preview: a rule to try ("" tries the
// programme's own).
type previewJSON struct {
	Rule  string `json:"rule"`
	Limit int    `json:"limit"`
}

func (h *Handler) apiPreview(w http.ResponseWriter, r *http.Request) {
	var b previewJSON
	if !decode(w, r, &b) {
		return
	}
	p, err := Get(r.Context(), h.DB, r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	if b.Rule == "" {
		b.Rule = p.Rule
	}
	if b.Limit <= 0 || b.Limit > 500 {
		b.Limit = 50
	}
	pv, err := PreviewRule(r.Context(), h.DB, scope(r), b.Rule, h.today(), b.Limit)
	var re *RuleError
	if errors.As(err, &re) {
		apiFail(w, r, validate.Errors{{Field: "programme.rule", Key: "programme.error.rule", Args: []any{re.Detail}}})
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if pv.Sample == nil {
		pv.Sample = []Candidate{}
	}
	web.JSON(w, http.StatusOK, pv)
}

// apiRadar is the radar page's: ?programme=ID&area=CODE&limit=N.
func (h *Handler) apiRadar(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, r.URL.Query().Get("programme"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 5000 {
		limit = 1000
	}
	rd, err := ComputeRadar(r.Context(), h.DB, radarScope(r), p, h.today(), limit, nil)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if rd.Persons == nil {
		rd.Persons = []Candidate{}
	}
	if rd.Townships == nil {
		rd.Townships = []TownCount{}
	}
	web.JSON(w, http.StatusOK, rd)
}

func (h *Handler) apiCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	cs, err := ListCases(r.Context(), h.DB, scope(r), CaseFilter{ProgrammeID: q.Get("programme"), AreaCode: q.Get("area"), Status: Status(q.Get("status")),
		PersonID: q.Get("person"), Year: year, Query: q.Get("q"), Limit: 1000})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if cs == nil {
		cs = []Case{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": cs})
}

// newCaseJSON is the body of POST /api/v1/programmes/cases: the fields of
// the new-case form, so an online application can file the same way.
type newCaseJSON struct {
	ProgrammeID    string   `json:"programme_id"`
	PersonID       string   `json:"person_id"`
	IDNumber       string   `json:"id_number"`
	Channel        string   `json:"channel"`
	Subtype        string   `json:"subtype"`
	Tier           string   `json:"tier"`
	AmountFen      int64    `json:"amount_fen"`
	ProviderID     string   `json:"provider_id"`
	PayeeName      string   `json:"payee_name"`
	PayeeIDNumber  string   `json:"payee_id_number"`
	PayeeRelation  string   `json:"payee_relation"`
	BankName       string   `json:"bank_name"`
	BankAccount    string   `json:"bank_account"`
	Tags           []string `json:"tags"`
	TagSource      string   `json:"tag_source"`
	OverrideReason string   `json:"override_reason"`
	Note           string   `json:"note"`
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var b newCaseJSON
	if !decode(w, r, &b) {
		return
	}
	if b.Channel == "" {
		b.Channel = ChannelOnline
	}
	n := NewCase(b)
	var c Case
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		c, err = Create(r.Context(), tx, scope(r), n, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/programmes/cases/"+c.ID)
	web.JSON(w, http.StatusCreated, c)
}

type caseDetail struct {
	Case
	Events   []Event   `json:"events"`
	Services []Service `json:"services"`
	Claims   []Claim   `json:"claims"`
}

func (h *Handler) apiCase(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := GetCase(ctx, h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	d := caseDetail{Case: c, Events: []Event{}, Services: []Service{}, Claims: []Claim{}}
	evs, err := Events(ctx, h.DB, c.ID)
	if err == nil && evs != nil {
		d.Events = evs
	}
	if err == nil {
		var svs []Service
		if svs, err = Services(ctx, h.DB, c.ID); err == nil && svs != nil {
			d.Services = svs
		}
	}
	if err == nil {
		var cls []Claim
		if cls, err = Claims(ctx, h.DB, c.ID); err == nil && cls != nil {
			d.Claims = cls
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, d)
}

// actionJSON is the body of POST …/actions: the action and what it needs.
type actionJSON struct {
	Action      Action `json:"action"`
	Reason      string `json:"reason"`
	StartMonth  string `json:"start_month"`  // entitle
	AmountFen   int64  `json:"amount_fen"`   // entitle
	BankName    string `json:"bank_name"`    // entitle
	BankAccount string `json:"bank_account"` // entitle
	EndMonth    string `json:"end_month"`    // stop
}

// apiAction carries out one move; the client must hold the permission the
// state machine names for it. pay and reverse belong to payment batches.
func (h *Handler) apiAction(w http.ResponseWriter, r *http.Request) {
	var b actionJSON
	if !decode(w, r, &b) {
		return
	}
	ctx := r.Context()
	var c Case
	err := h.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		c, err = h.doMove(ctx, tx, scope(r), r.PathValue("id"), Move(b))
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}
