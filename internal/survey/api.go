package survey

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
	rt.API("GET /api/v1/survey/rounds", auth.PermRegistryRead, h.apiRounds)
	rt.API("GET /api/v1/survey/rounds/{year}/progress", auth.PermRegistryRead, h.apiProgress)
	rt.API("GET /api/v1/survey/tasks", auth.PermRegistryRead, h.apiTasks)
	rt.API("GET /api/v1/survey/tasks/{id}", auth.PermRegistryRead, h.apiTask)
	rt.API("PUT /api/v1/survey/tasks/{id}/answers", auth.PermRegistryWrite, h.apiPutAnswers)
	rt.API("POST /api/v1/survey/tasks/{id}/transition", auth.PermRegistryWrite, h.apiTransition)
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
		web.JSONError(w, r, http.StatusNotFound, "not_found", "error.not_found")
	case errors.As(err, &re):
		e.Error.Code, e.Error.Message = "refused", re.Text(l)
		web.JSON(w, http.StatusConflict, e)
	case errors.As(err, &es):
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "survey.error.invalid")
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

func (h *Handler) apiRounds(w http.ResponseWriter, r *http.Request) {
	rs, err := Rounds(r.Context(), h.DB)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if rs == nil {
		rs = []Round{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": rs})
}

// progressJSON is a round's progress in the caller's scope with its needs.
type progressJSON struct {
	RoundProgress
	Needs map[Need]int `json:"needs"`
}

func (h *Handler) apiProgress(w http.ResponseWriter, r *http.Request) {
	year := yearParam(r.PathValue("year"))
	rp, err := ProgressOf(r.Context(), h.DB, scope(r), year, h.today())
	if err != nil {
		apiFail(w, r, err)
		return
	}
	if rp.Townships == nil {
		rp.Townships, rp.Villages = []Progress{}, []Progress{}
	}
	needs, err := NeedCounts(r.Context(), h.DB, scope(r), year)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, progressJSON{RoundProgress: rp, Needs: needs})
}

func (h *Handler) apiTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year := yearParam(q.Get("year"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	rows, err := ListTasks(r.Context(), h.DB, scope(r), TaskFilter{Year: year, AreaCode: q.Get("area"), Status: Status(q.Get("status")),
		Overdue: q.Get("overdue") == "1", Query: q.Get("q"), Offset: offset, Limit: limit}, h.today())
	if err != nil {
		apiFail(w, r, err)
		return
	}
	for i := range rows {
		rows[i].Answers = nil
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": rows})
}

// taskJSON is one task: its stored answers, what the form shows (the
// pre-fill before the first save) and its events.
type taskJSON struct {
	Task
	Shown        Answers  `json:"shown"`
	PrefillYear  int      `json:"prefill_year"` // year of the survey pre-filled from; 0 the registry; -1 saved answers
	Needs        []Need   `json:"needs"`
	Events       []Event  `json:"events"`
	AllowedMoves []Action `json:"allowed_moves"`
}

func (h *Handler) taskJSON(r *http.Request, id string) (taskJSON, error) {
	ctx := r.Context()
	t, err := GetTask(ctx, h.DB, scope(r), id)
	if err != nil {
		return taskJSON{}, err
	}
	shown, src, err := Shown(ctx, h.DB, t)
	if err != nil {
		return taskJSON{}, err
	}
	evs, err := Events(ctx, h.DB, t.ID)
	if err != nil {
		return taskJSON{}, err
	}
	if evs == nil {
		evs = []Event{}
	}
	moves := AllowedFor(t.Status, principal(r).Role)
	if moves == nil {
		moves = []Action{}
	}
	needs := NeedsOf(shown)
	if needs == nil {
		needs = []Need{}
	}
	return taskJSON{Task: t, Shown: shown, PrefillYear: src, Needs: needs, Events: evs, AllowedMoves: moves}, nil
}

func (h *Handler) apiTask(w http.ResponseWriter, r *http.Request) {
	tj, err := h.taskJSON(r, r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, tj)
}

// answersJSON is the body of PUT …/answers: the answers of the sections
// being saved (every item of a section whose items appear is replaced)
// and the visit day.
type answersJSON struct {
	Answers   Answers `json:"answers"`
	VisitedOn string  `json:"visited_on"`
}

func (h *Handler) apiPutAnswers(w http.ResponseWriter, r *http.Request) {
	var b answersJSON
	if !decode(w, r, &b) {
		return
	}
	for k := range b.Answers {
		if _, ok := item(k); !ok {
			apiFail(w, r, validate.Errors{{Field: "survey.answers", Key: "survey.error.unknown_item", Args: []any{k}}})
			return
		}
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		// Items left out keep their answers (or the pre-fill); an item
		// given as "" is cleared.
		t, err := GetTask(r.Context(), tx, scope(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		merged, _, err := Shown(r.Context(), tx, t)
		if err != nil {
			return err
		}
		merged = clone(merged)
		for k, v := range b.Answers {
			merged[k] = v
		}
		for _, sec := range Sections {
			touched := sec == Sections[0] && b.VisitedOn != ""
			for _, it := range ItemsOf(sec) {
				if _, ok := b.Answers[it.Key]; ok {
					touched = true
				}
			}
			if !touched {
				continue
			}
			if _, err := SaveSection(r.Context(), tx, principal(r), t.ID, sec, merged, b.VisitedOn, h.today()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	h.apiTask(w, r)
}

// transitionJSON is the body of POST …/transition.
type transitionJSON struct {
	Action Action `json:"action"`
	Note   string `json:"note"`
}

func (h *Handler) apiTransition(w http.ResponseWriter, r *http.Request) {
	var b transitionJSON
	if !decode(w, r, &b) {
		return
	}
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := Act(r.Context(), tx, principal(r), r.PathValue("id"), b.Action, b.Note, h.today())
		return err
	})
	if err != nil {
		apiFail(w, r, err)
		return
	}
	h.apiTask(w, r)
}
