package activity

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
	read, write := auth.PermActivityRead, auth.PermActivityWrite
	rt.API("GET /api/v1/activities", read, h.apiList)
	rt.API("POST /api/v1/activities", write, h.apiCreate)
	rt.API("GET /api/v1/activities/{id}", read, h.apiGet)
	rt.API("PUT /api/v1/activities/{id}", write, h.apiUpdate)
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
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "activity.error.invalid")
		for _, fe := range es {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Row: fe.Row, Field: fe.Field, Message: fe.Text(l)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
	default:
		web.ServerError(w, r, err)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 256<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "error.bad_request")
		return false
	}
	return true
}

// listItem is an activity of the list with its counts.
type listItem struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	Title        string `json:"title"`
	StartOn      string `json:"start_on"`
	EndOn        string `json:"end_on"`
	Place        string `json:"place"`
	Organiser    string `json:"organiser"`
	AreaCode     string `json:"area_code"`
	Attendees    int    `json:"attendees"`
	Reflections  int    `json:"reflections"`
	Others       int    `json:"others"`
	Participants int    `json:"participants"`
	Awards       int    `json:"awards"`
}

type listJSON struct {
	Items []listItem `json:"items"`
}

// apiList lists activities with the page's filters (kind, area, from, to).
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	f := filterOf(r.URL.Query())
	f.Limit = 2000
	items, err := List(r.Context(), h.DB, scope(r), f)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	out := make([]listItem, 0, len(items))
	for _, x := range items {
		out = append(out, listItem{ID: x.ID, Kind: x.Kind, Title: x.Title, StartOn: x.StartOn, EndOn: x.EndOn, Place: x.Place, Organiser: x.Organiser,
			AreaCode: x.AreaCode, Attendees: x.Attendees, Reflections: x.Reflections, Others: x.Others, Participants: x.Listed, Awards: x.Awarded})
	}
	web.JSON(w, http.StatusOK, listJSON{Items: out})
}

// awardJSON is an award in a request body.
type awardJSON struct {
	PersonID string `json:"person_id"`
	Award    string `json:"award"`
	Level    string `json:"level"`
}

// bodyJSON is the body of POST /api/v1/activities and PUT …/{id}.
type bodyJSON struct {
	Kind         string      `json:"kind"`
	Title        string      `json:"title"`
	StartOn      string      `json:"start_on"`
	EndOn        string      `json:"end_on"`
	Place        string      `json:"place"`
	Organiser    string      `json:"organiser"`
	AreaCode     string      `json:"area_code"`
	Attendees    int         `json:"attendees"`
	Reflections  int         `json:"reflections"`
	Others       int         `json:"others"`
	Notes        string      `json:"notes"`
	Participants []string    `json:"participants"` // person ids
	Awards       []awardJSON `json:"awards"`
	Version      int         `json:"version"` // on PUT: the version edited, 0 none
}

func (b bodyJSON) input() Input {
	in := Input{Kind: b.Kind, Title: b.Title, StartOn: b.StartOn, EndOn: b.EndOn, Place: b.Place, Organiser: b.Organiser, AreaCode: b.AreaCode,
		Attendees: strconv.Itoa(b.Attendees), Reflections: strconv.Itoa(b.Reflections), Others: strconv.Itoa(b.Others), Notes: b.Notes, PersonIDs: b.Participants, Version: b.Version}
	for _, w := range b.Awards {
		in.Awards = append(in.Awards, Award{PersonID: w.PersonID, Award: w.Award, Level: w.Level})
	}
	return in
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var b bodyJSON
	if !decode(w, r, &b) {
		return
	}
	var a Activity
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		a, err = Create(ctx, tx, scope(r), b.input(), h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/activities/"+a.ID)
	web.JSON(w, http.StatusCreated, a)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	a, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a)
}

func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var b bodyJSON
	if !decode(w, r, &b) {
		return
	}
	var a Activity
	err := h.inTx(r, func(ctx context.Context, tx *store.Tx) error {
		var err error
		a, err = Update(ctx, tx, scope(r), r.PathValue("id"), b.input(), h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a)
}
