package certify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/registry"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// apiRoutes registers the JSON API. OpenAPIPaths documents them.
func (h *Handler) apiRoutes(rt *web.Router) {
	rt.API("GET /api/v1/certification/applications", auth.PermCertifyRead, h.apiList)
	rt.API("POST /api/v1/certification/applications", auth.PermCertifyApply, h.apiCreate)
	rt.API("GET /api/v1/certification/applications/{id}", auth.PermCertifyRead, h.apiGet)
	rt.API("POST /api/v1/certification/applications/{id}/actions", auth.PermCertifyApply, h.apiAction)
	rt.API("GET /api/v1/certification/track/{code}", auth.PermCertifyRead, h.apiTrack)
	rt.API("GET /api/v1/certification/sessions", auth.PermCertifyRead, h.apiSessions)
	rt.API("GET /api/v1/certification/figures", auth.PermCertifyRead, h.apiFigures)
	rt.API("GET /api/v1/certification/renewals", auth.PermCertifyRead, h.apiRenewals)
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
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "certify.error.invalid")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: fe.Field, Message: i18n.T(l, fe.Key, fe.Args...)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
	default:
		web.ServerError(w, r, err)
	}
}

type appList struct {
	Items []Application `json:"items"`
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{AreaCode: q.Get("area"), Status: Status(q.Get("status")), Type: Type(q.Get("type")), Limit: 500}
	if q.Get("overdue") == "1" {
		f.Overdue = ymd(h.today())
	}
	apps, err := List(r.Context(), h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if apps == nil {
		apps = []Application{}
	}
	web.JSON(w, http.StatusOK, appList{Items: apps})
}

// newAppJSON is the body of POST /api/v1/certification/applications: the
// same fields as the counter form, so the self-service site can file.
type newAppJSON struct {
	Type           Type   `json:"type"`
	Channel        string `json:"channel"`
	IDNumber       string `json:"id_number"`
	Name           string `json:"name"`
	VillageCode    string `json:"village_code"`
	Phone          string `json:"phone"`
	Category       int    `json:"category"`
	NewName        string `json:"new_name"`
	NewVillageCode string `json:"new_village_code"`
	CancelReason   string `json:"cancel_reason"`
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

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var b newAppJSON
	if !decode(w, r, &b) {
		return
	}
	if b.Channel == "" {
		b.Channel = ChannelOnline
	}
	n := NewApplication{Type: b.Type, Channel: b.Channel, IDNumber: b.IDNumber, Name: b.Name, VillageCode: b.VillageCode, Phone: b.Phone,
		Category: registry.Category(b.Category), NewName: b.NewName, NewVillageCode: b.NewVillageCode, CancelReason: b.CancelReason}
	var a Application
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		a, err = Create(r.Context(), tx, scope(r), n, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/certification/applications/"+a.ID)
	web.JSON(w, http.StatusCreated, a)
}

type appDetail struct {
	Application
	Events []Event `json:"events"`
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	a, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	evs, err := Events(r.Context(), h.DB, a.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, appDetail{Application: a, Events: evs})
}

// actionJSON is the body of POST …/actions: the action and what it needs.
type actionJSON struct {
	Action    Action   `json:"action"`
	Note      string   `json:"note"`
	SessionID string   `json:"session_id"` // book
	ExpertID  string   `json:"expert_id"`  // book (optional: by rotation)
	Day       string   `json:"day"`        // schedule_home
	Reason    string   `json:"reason"`     // schedule_home
	ExpertIDs []string `json:"expert_ids"` // schedule_home
	Method    string   `json:"method"`     // deliver
}

// apiAction carries out one move; the client must hold the permission the
// state machine names for it (assessment is recorded by the expert on the
// expert's page, not here).
func (h *Handler) apiAction(w http.ResponseWriter, r *http.Request) {
	var b actionJSON
	if !decode(w, r, &b) {
		return
	}
	ctx := r.Context()
	today := h.today()
	err := h.DB.InTx(ctx, func(tx *store.Tx) error {
		a, err := Get(ctx, tx, scope(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		tr, ok := Next(a.Status, b.Action, a.Type)
		if !ok || b.Action == ActAssess {
			return &RefusedError{Action: b.Action, Status: a.Status}
		}
		if p := auth.From(ctx); !p.Can(tr.Perm) {
			return errForbidden
		}
		return h.dispatch(ctx, tx, a.ID, b, today)
	})
	if errors.Is(err, errForbidden) {
		web.JSONError(w, r, http.StatusForbidden, "forbidden", "error.forbidden")
		return
	}
	if err != nil {
		apiFail(w, r, err)
		return
	}
	a, err := Get(ctx, h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a)
}

var errForbidden = errors.New("forbidden")

func (h *Handler) dispatch(ctx context.Context, tx *store.Tx, id string, b actionJSON, today time.Time) error {
	s := auth.From(ctx).Scope
	switch b.Action {
	case ActBook:
		return Book(ctx, tx, s, id, b.SessionID, b.ExpertID, today)
	case ActScheduleHome:
		return ScheduleHome(ctx, tx, s, id, HomeVisit{Day: b.Day, Reason: b.Reason, ExpertIDs: b.ExpertIDs}, today)
	case ActReturn, ActPublish, ActRefuse:
		return Review(ctx, tx, s, id, b.Action, b.Note, today)
	case ActApprove, ActReject:
		return Decide(ctx, tx, s, id, b.Action, b.Note, today)
	case ActIssue:
		_, err := Issue(ctx, tx, s, id, today)
		return err
	case ActComplete:
		return Complete(ctx, tx, s, id, today)
	case ActDeliver:
		return Deliver(ctx, tx, s, id, b.Method, today)
	}
	return Advance(ctx, tx, s, id, b.Action, b.Note, today)
}

// trackJSON is what an applicant may see of his case by its code: the
// stage and its time limit, not the findings.
type trackJSON struct {
	Code    string `json:"code"`
	Type    Type   `json:"type"`
	Status  Status `json:"status"`
	Stage   string `json:"stage"`
	FiledOn string `json:"filed_on"`
	Due     string `json:"due,omitempty"`
	Holder  string `json:"holder"`
}

func (h *Handler) apiTrack(w http.ResponseWriter, r *http.Request) {
	a, err := GetByCode(r.Context(), h.DB, r.PathValue("code"))
	if err == nil && !scope(r).Contains(a.VillageCode) {
		err = store.ErrNotFound
	}
	if err != nil {
		apiFail(w, r, err)
		return
	}
	l := apiLang(r)
	web.JSON(w, http.StatusOK, trackJSON{Code: a.Code, Type: a.Type, Status: a.Status, Stage: i18n.T(l, "certify.status."+string(a.Status)),
		FiledOn: a.FiledOn, Due: a.Due, Holder: i18n.T(l, a.Holder())})
}

func (h *Handler) apiSessions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ss, err := ListSessions(r.Context(), h.DB, q.Get("from"), q.Get("to"))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if ss == nil {
		ss = []Session{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": ss})
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) {
	from, to, ok := periodOf(r.URL.Query(), h.today())
	if !ok {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "certify.error.period")
		return
	}
	f, err := ComputeFigures(r.Context(), h.DB, scope(r), from, to)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, f)
}

func (h *Handler) apiRenewals(w http.ResponseWriter, r *http.Request) {
	items, err := Renewals(r.Context(), h.DB, scope(r), r.URL.Query().Get("area"))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if items == nil {
		items = []Renewal{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}
