package renovate

import (
	"context"
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

// apiRoutes registers the JSON API; each endpoint mirrors a page.
func (h *Handler) apiRoutes(rt *web.Router) {
	rt.API("GET /api/v1/renovations", auth.PermProgrammeRead, h.apiList)
	rt.API("POST /api/v1/renovations", auth.PermProgrammeApply, h.apiCreate)
	rt.API("GET /api/v1/renovations/figures", auth.PermProgrammeRead, h.apiFigures)
	rt.API("GET /api/v1/renovations/catalogue", auth.PermProgrammeRead, h.apiCatalogue)
	rt.API("GET /api/v1/renovations/{id}", auth.PermProgrammeRead, h.apiGet)
	rt.API("POST /api/v1/renovations/{id}/survey", auth.PermProgrammeApply, h.apiSurvey)
	rt.API("POST /api/v1/renovations/{id}/plan", auth.PermProgrammeWrite, h.apiPlan)
	rt.API("POST /api/v1/renovations/{id}/actions", auth.PermProgrammeRead, h.apiAction)
	rt.API("POST /api/v1/renovations/{id}/photos", auth.PermProgrammeApply, h.apiUpload)
	rt.API("GET /api/v1/renovations/{id}/photos/{file}", auth.PermProgrammeRead, h.photo)
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
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "renovate.error.invalid")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Row: fe.Row, Field: fe.Field, Message: i18n.T(l, fe.Key, fe.Args...)})
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

type listJSON struct {
	Items []Renovation `json:"items"`
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	items, err := List(r.Context(), h.DB, scope(r), Filter{Year: atoi(q.Get("year")), Status: Status(q.Get("status")), AreaCode: q.Get("area"), Limit: 2000})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if items == nil {
		items = []Renovation{}
	}
	web.JSON(w, http.StatusOK, listJSON{Items: items})
}

// newJSON is the body of POST /api/v1/renovations.
type newJSON struct {
	PersonID string `json:"person_id"`
	IDNumber string `json:"id_number"`
	Year     int    `json:"year"`
	Source   string `json:"source"`
	Note     string `json:"note"`
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var b newJSON
	if !decode(w, r, &b) {
		return
	}
	if b.Year == 0 {
		b.Year = h.today().Year()
	}
	var rv Renovation
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) (err error) {
		rv, err = Add(ctx, tx, scope(r), NewRenovation{PersonID: b.PersonID, IDNumber: b.IDNumber, Year: b.Year, Source: b.Source, Note: b.Note}, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/renovations/"+rv.ID)
	web.JSON(w, http.StatusCreated, rv)
}

// detailJSON is one household's renovation with its plan, timeline and
// photo references.
type detailJSON struct {
	Renovation Renovation `json:"renovation"`
	Items      []Item     `json:"items"`
	Events     []Event    `json:"events"`
	Files      []File     `json:"files"`
}

func (h *Handler) detailJSON(ctx context.Context, r *http.Request, id string) (detailJSON, error) {
	var d detailJSON
	var err error
	if d.Renovation, err = Get(ctx, h.DB, scope(r), id); err != nil {
		return d, err
	}
	if d.Items, err = Items(ctx, h.DB, id); err == nil {
		if d.Events, err = Events(ctx, h.DB, id); err == nil {
			d.Files, err = Files(ctx, h.DB, id)
		}
	}
	// Empty lists are [] in the JSON, not null.
	if d.Items == nil {
		d.Items = []Item{}
	}
	if d.Events == nil {
		d.Events = []Event{}
	}
	if d.Files == nil {
		d.Files = []File{}
	}
	return d, err
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	d, err := h.detailJSON(r.Context(), r, r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, d)
}

// visitJSON is the body of POST …/survey.
type visitJSON struct {
	Day      string `json:"day"`
	Rooms    int    `json:"rooms"`
	Steps    int    `json:"steps"`
	Entrance string `json:"entrance"`
	Toilet   string `json:"toilet"`
	Kitchen  string `json:"kitchen"`
	Doors    string `json:"doors"`
	Notes    string `json:"notes"`
}

func (h *Handler) apiSurvey(w http.ResponseWriter, r *http.Request) {
	var b visitJSON
	if !decode(w, r, &b) {
		return
	}
	h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
		return Survey(ctx, tx, scope(r), r.PathValue("id"), Visit(b), h.today())
	})
}

func (h *Handler) apiPlan(w http.ResponseWriter, r *http.Request) {
	var b PlanInput
	if !decode(w, r, &b) {
		return
	}
	h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
		_, err := Plan(ctx, tx, scope(r), r.PathValue("id"), b, h.today())
		return err
	})
}

// actionJSON is the body of POST …/actions: the action and the fields it
// needs (approve/return: note; start: contractor, day; accept: day,
// signed_by, notes; pay: day, amount_fen; cancel: reason).
type actionJSON struct {
	Action     Action `json:"action"`
	Note       string `json:"note"`
	Contractor string `json:"contractor"`
	Day        string `json:"day"`
	SignedBy   string `json:"signed_by"`
	AmountFen  int64  `json:"amount_fen"`
	Reason     string `json:"reason"`
}

// apiAction carries out one move; the client must hold the permission
// the state machine names for it.
func (h *Handler) apiAction(w http.ResponseWriter, r *http.Request) {
	var b actionJSON
	if !decode(w, r, &b) {
		return
	}
	h.apiDo(w, r, func(ctx context.Context, tx *store.Tx) error {
		rv, err := lock(ctx, tx, scope(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		tr, ok := Next(rv.Status, b.Action)
		if !ok || b.Action == ActSurvey || b.Action == ActPlan {
			return refuse(&rv, b.Action, "")
		}
		if !may(auth.From(ctx), tr.Perm) {
			return refuse(&rv, b.Action, "renovate.error.no_permission")
		}
		today := h.today()
		switch b.Action {
		case ActApprove, ActReturn:
			return Review(ctx, tx, scope(r), rv.ID, b.Action, b.Note, today)
		case ActStart:
			return Start(ctx, tx, scope(r), rv.ID, b.Contractor, b.Day, today)
		case ActAccept:
			return Accept(ctx, tx, scope(r), rv.ID, Acceptance{Day: b.Day, SignedBy: b.SignedBy, Notes: b.Note}, today)
		case ActPay:
			return Pay(ctx, tx, scope(r), rv.ID, b.Day, b.AmountFen, today)
		case ActCancel:
			return Cancel(ctx, tx, scope(r), rv.ID, b.Reason, today)
		}
		return refuse(&rv, b.Action, "")
	})
}

// apiDo runs a move and answers with the renovation as it now stands.
func (h *Handler) apiDo(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, tx *store.Tx) error) {
	if err := h.inTx(r, fn); err != nil {
		apiFail(w, r, err)
		return
	}
	h.apiGet(w, r)
}

// apiUpload takes a multipart photo (fields photo, stage, caption).
func (h *Handler) apiUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if _, err := Get(ctx, h.DB, scope(r), r.PathValue("id")); err != nil {
		apiFail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 25<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "error.bad_request")
		return
	}
	f, _, err := r.FormFile("photo")
	if err != nil {
		apiFail(w, r, validate.Errors{{Field: "renovate.photo.file", Key: "validate.required"}})
		return
	}
	defer f.Close()
	hash, kind, size, err := h.PutPhoto(ctx, f)
	var file File
	if err == nil {
		err = h.inTx(r, func(ctx context.Context, tx *store.Tx) (err error) {
			file, err = AttachFile(ctx, tx, scope(r), r.PathValue("id"), r.FormValue("stage"), hash, kind, size, r.FormValue("caption"))
			return err
		})
	}
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, file)
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year := h.today().Year()
	if q.Get("year") != "" {
		year, _ = strconv.Atoi(q.Get("year"))
	}
	st, err := Figures(r.Context(), h.DB, scope(r), year, q.Get("from"), q.Get("to"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}

type catalogueJSON struct {
	Items []CatalogueItem `json:"items"`
}

func (h *Handler) apiCatalogue(w http.ResponseWriter, r *http.Request) {
	items, err := Catalogue(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, catalogueJSON{Items: items})
}
