package employ

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
	R, W := auth.PermEmployRead, auth.PermEmployWrite
	api := func(pattern string, perm auth.Perm, fn http.HandlerFunc) { rt.API(pattern, perm, fn) }
	api("GET /api/v1/employment/figures", R, h.apiFigures)
	api("GET /api/v1/employment/records", R, h.apiRecords)
	api("POST /api/v1/employment/records", W, h.apiCreateRecord)
	api("POST /api/v1/employment/records/{id}/end", W, h.apiEndRecord)
	api("GET /api/v1/employment/persons/{id}", R, h.apiPerson)
	api("PUT /api/v1/employment/persons/{id}/profile", W, h.apiProfile)
	api("GET /api/v1/employment/posts", R, h.apiPosts)
	api("POST /api/v1/employment/posts", W, h.apiCreatePost)
	api("POST /api/v1/employment/posts/{id}/assign", W, h.apiAssignPost)
	api("GET /api/v1/employment/courses", R, h.apiCourses)
	api("POST /api/v1/employment/courses", W, h.apiCreateCourse)
	api("GET /api/v1/employment/courses/{id}", R, h.apiCourse)
	api("POST /api/v1/employment/courses/{id}/sessions", W, h.apiAddSession)
	api("POST /api/v1/employment/courses/{id}/enrolments", W, h.apiEnrol)
	api("POST /api/v1/employment/courses/{id}/finish", W, h.apiFinish)
	api("PUT /api/v1/employment/sessions/{id}/attendance", W, h.apiAttendance)
	api("GET /api/v1/employment/projects", R, h.apiProjects)
	api("POST /api/v1/employment/projects", W, h.apiCreateProject)
	api("POST /api/v1/employment/projects/{id}/move", W, h.apiMoveProject)
	api("GET /api/v1/employment/places", R, h.apiPlaces)
	api("POST /api/v1/employment/places", W, h.apiCreatePlace)
	api("GET /api/v1/employment/places/{id}", R, h.apiPlace)
	api("POST /api/v1/employment/places/{id}/workers", W, h.apiAddWorker)
	api("POST /api/v1/employment/workers/{id}/end", W, h.apiEndWorker)
	api("GET /api/v1/employment/campaigns", R, h.apiCampaigns)
	api("POST /api/v1/employment/campaigns", W, h.apiCreateCampaign)
	api("GET /api/v1/employment/campaigns/{id}", R, h.apiCampaign)
	api("POST /api/v1/employment/campaigns/{id}/persons", W, h.apiCampaignPerson)
	api("POST /api/v1/employment/campaigns/{id}/suggestions", W, h.apiSuggestion)
	api("GET /api/v1/employment/wishes", R, h.apiWishes)
	api("POST /api/v1/employment/wishes", W, h.apiCreateWish)
	api("POST /api/v1/employment/wishes/{id}/assign", W, h.apiAssignWish)
	api("POST /api/v1/employment/wishes/{id}/close", W, h.apiCloseWish)
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
		e.Error.Code, e.Error.Message = "refused", i18n.T(l, re.Key, re.Args...)
		web.JSON(w, http.StatusConflict, e)
	case errors.As(err, &es):
		e.Error.Code, e.Error.Message = "invalid", i18n.T(l, "employ.error.invalid")
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

// write runs fn in one transaction and answers with its result.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, fn func(tx *store.Tx) (any, error)) {
	var out any
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) { out, err = fn(tx); return err })
	if err != nil {
		apiFail(w, r, err)
		return
	}
	web.JSON(w, status, out)
}

// items wraps a list so an empty one is [] rather than null.
func items[T any](list []T) map[string]any {
	if list == nil {
		list = []T{}
	}
	return map[string]any{"items": list}
}

func (h *Handler) apiFigures(w http.ResponseWriter, r *http.Request) {
	from, to, es := h.period(r.URL.Query())
	if len(es) > 0 {
		apiFail(w, r, es)
		return
	}
	st, err := Figures(r.Context(), h.DB, scope(r), from, to)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}

func (h *Handler) apiRecords(w http.ResponseWriter, r *http.Request) {
	f, _, err := h.recordFilter(r)
	if err == nil {
		var recs []Record
		if recs, err = ListRecords(r.Context(), h.DB, scope(r), f); err == nil {
			web.JSON(w, http.StatusOK, items(recs))
			return
		}
	}
	web.ServerError(w, r, err)
}

func (h *Handler) apiCreateRecord(w http.ResponseWriter, r *http.Request) {
	var b Record
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return CreateRecord(r.Context(), tx, scope(r), b, h.today()) })
}

type dayJSON struct {
	Day string `json:"day"`
}

func (h *Handler) apiEndRecord(w http.ResponseWriter, r *http.Request) {
	var b dayJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) { return EndRecord(r.Context(), tx, scope(r), r.PathValue("id"), b.Day) })
}

type personJSON struct {
	Person     registry.Person `json:"person"`
	Seeker     *Seeker         `json:"seeker"`
	Records    []Record        `json:"records"`
	Enrolments []Enrolment     `json:"enrolments"`
	Projects   []Project       `json:"projects"`
	Wishes     []Wish          `json:"wishes"`
}

func (h *Handler) apiPerson(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s := scope(r)
	p, err := registry.Get(ctx, h.DB, s, r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	out := personJSON{Person: p.Masked(), Records: []Record{}, Enrolments: []Enrolment{}, Projects: []Project{}, Wishes: []Wish{}}
	if k, err := GetSeeker(ctx, h.DB, s, p.ID); err == nil {
		out.Seeker = &k
	}
	recs, err := ListRecords(ctx, h.DB, s, RecordFilter{PersonID: p.ID})
	if err == nil {
		out.Records = append(out.Records, recs...)
		var ens []Enrolment
		if _, ens, err = PersonCourses(ctx, h.DB, s, p.ID); err == nil {
			out.Enrolments = append(out.Enrolments, ens...)
			var js []Project
			if js, err = ListProjects(ctx, h.DB, s, p.ID, ""); err == nil {
				out.Projects = append(out.Projects, js...)
				var ws []Wish
				if ws, err = ListWishes(ctx, h.DB, s, WishFilter{PersonID: p.ID}); err == nil {
					out.Wishes = append(out.Wishes, ws...)
				}
			}
		}
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) apiProfile(w http.ResponseWriter, r *http.Request) {
	var b Seeker
	if !decode(w, r, &b) {
		return
	}
	b.PersonID = r.PathValue("id")
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) { return SaveSeeker(r.Context(), tx, scope(r), b, h.today()) })
}

func (h *Handler) apiPosts(w http.ResponseWriter, r *http.Request) {
	on := r.URL.Query().Get("on")
	if !validDate(on) {
		on = ymd(h.today())
	}
	ps, err := ListPosts(r.Context(), h.DB, scope(r), on)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, items(ps))
}

func (h *Handler) apiCreatePost(w http.ResponseWriter, r *http.Request) {
	var b Post
	if !decode(w, r, &b) {
		return
	}
	b.ID = ""
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return SavePost(r.Context(), tx, scope(r), b) })
}

type assignJSON struct {
	PersonID  string `json:"person_id"`
	StartDate string `json:"start_date"`
}

func (h *Handler) apiAssignPost(w http.ResponseWriter, r *http.Request) {
	var b assignJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) {
		return AssignPost(r.Context(), tx, scope(r), r.PathValue("id"), b.PersonID, b.StartDate, h.today())
	})
}

func (h *Handler) apiCourses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cs, err := ListCourses(r.Context(), h.DB, scope(r), q.Get("from"), q.Get("to"))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, items(cs))
}

func (h *Handler) apiCreateCourse(w http.ResponseWriter, r *http.Request) {
	var b Course
	if !decode(w, r, &b) {
		return
	}
	b.ID = ""
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return SaveCourse(r.Context(), tx, scope(r), b) })
}

func (h *Handler) apiCourse(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := GetCourse(ctx, h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	xs, err := Sessions(ctx, h.DB, scope(r), c.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	es, err := Enrolments(ctx, h.DB, scope(r), c.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if xs == nil {
		xs = []Session{}
	}
	if es == nil {
		es = []Enrolment{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"course": c, "sessions": xs, "enrolments": es})
}

func (h *Handler) apiAddSession(w http.ResponseWriter, r *http.Request) {
	var b Session
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) {
		return AddSession(r.Context(), tx, scope(r), r.PathValue("id"), b.Day, b.Topic)
	})
}

type personIDJSON struct {
	PersonID string `json:"person_id"`
}

func (h *Handler) apiEnrol(w http.ResponseWriter, r *http.Request) {
	var b personIDJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) {
		return Enrol(r.Context(), tx, scope(r), r.PathValue("id"), b.PersonID, h.today())
	})
}

func (h *Handler) apiFinish(w http.ResponseWriter, r *http.Request) {
	var b dayJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) {
		return FinishCourse(r.Context(), tx, scope(r), r.PathValue("id"), b.Day, h.today())
	})
}

type attendanceJSON struct {
	Present []string `json:"present"`
}

func (h *Handler) apiAttendance(w http.ResponseWriter, r *http.Request) {
	var b attendanceJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) {
		if err := RecordAttendance(r.Context(), tx, scope(r), r.PathValue("id"), b.Present, h.today()); err != nil {
			return nil, err
		}
		return Attendance(r.Context(), tx, scope(r), r.PathValue("id"))
	})
}

func (h *Handler) apiProjects(w http.ResponseWriter, r *http.Request) {
	js, err := ListProjects(r.Context(), h.DB, scope(r), r.URL.Query().Get("person_id"), r.URL.Query().Get("status"))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, items(js))
}

func (h *Handler) apiCreateProject(w http.ResponseWriter, r *http.Request) {
	var b Project
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return CreateProject(r.Context(), tx, scope(r), b, h.today()) })
}

type moveJSON struct {
	Status string `json:"status"`
	Day    string `json:"day"`
	Grant  int64  `json:"grant_fen"`
	Mentor string `json:"mentor"`
}

func (h *Handler) apiMoveProject(w http.ResponseWriter, r *http.Request) {
	var b moveJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) {
		return MoveProject(r.Context(), tx, scope(r), r.PathValue("id"), b.Status, b.Day, b.Grant, b.Mentor)
	})
}

func (h *Handler) apiPlaces(w http.ResponseWriter, r *http.Request) {
	var kinds []string
	if k := r.URL.Query().Get("kind"); k != "" {
		kinds = []string{k}
	}
	ls, err := ListPlaces(r.Context(), h.DB, scope(r), ymd(h.today()), kinds...)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, items(ls))
}

func (h *Handler) apiCreatePlace(w http.ResponseWriter, r *http.Request) {
	var b Place
	if !decode(w, r, &b) {
		return
	}
	b.ID = ""
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return SavePlace(r.Context(), tx, scope(r), b) })
}

func (h *Handler) apiPlace(w http.ResponseWriter, r *http.Request) {
	l, err := GetPlace(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	ws, err := Workers(r.Context(), h.DB, scope(r), l.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if ws == nil {
		ws = []Worker{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"place": l, "workers": ws})
}

func (h *Handler) apiAddWorker(w http.ResponseWriter, r *http.Request) {
	var b Worker
	if !decode(w, r, &b) {
		return
	}
	b.PlaceID = r.PathValue("id")
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return AddWorker(r.Context(), tx, scope(r), b, h.today()) })
}

func (h *Handler) apiEndWorker(w http.ResponseWriter, r *http.Request) {
	var b dayJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) { return EndWorker(r.Context(), tx, scope(r), r.PathValue("id"), b.Day) })
}

func (h *Handler) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cs, err := ListCampaigns(r.Context(), h.DB, scope(r), q.Get("from"), q.Get("to"))
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, items(cs))
}

func (h *Handler) apiCreateCampaign(w http.ResponseWriter, r *http.Request) {
	var b Campaign
	if !decode(w, r, &b) {
		return
	}
	b.ID = ""
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return SaveCampaign(r.Context(), tx, scope(r), b) })
}

func (h *Handler) apiCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := GetCampaign(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if err != nil {
		apiFail(w, r, err)
		return
	}
	ps, err := CampaignPersons(r.Context(), h.DB, scope(r), c.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	ss, err := Suggestions(r.Context(), h.DB, scope(r), c.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	if ss == nil {
		ss = []Suggestion{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"campaign": c, "persons": ps, "suggestions": ss})
}

func (h *Handler) apiCampaignPerson(w http.ResponseWriter, r *http.Request) {
	var b personIDJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) {
		return b, AddCampaignPerson(r.Context(), tx, scope(r), r.PathValue("id"), b.PersonID)
	})
}

type textJSON struct {
	Text string `json:"text"`
}

func (h *Handler) apiSuggestion(w http.ResponseWriter, r *http.Request) {
	var b textJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) {
		return AddSuggestion(r.Context(), tx, scope(r), r.PathValue("id"), b.Text)
	})
}

func (h *Handler) apiWishes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ws, err := ListWishes(r.Context(), h.DB, scope(r), WishFilter{PersonID: q.Get("person_id"), Type: q.Get("type"), Status: q.Get("status"), AssignedTo: q.Get("assigned_to")})
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, items(ws))
}

func (h *Handler) apiCreateWish(w http.ResponseWriter, r *http.Request) {
	var b Wish
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusCreated, func(tx *store.Tx) (any, error) { return CreateWish(r.Context(), tx, scope(r), b, h.today()) })
}

type userJSON struct {
	UserID string `json:"user_id"`
}

func (h *Handler) apiAssignWish(w http.ResponseWriter, r *http.Request) {
	var b userJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) {
		return AssignWish(r.Context(), tx, scope(r), r.PathValue("id"), b.UserID)
	})
}

type closeJSON struct {
	Fulfilled bool   `json:"fulfilled"`
	Day       string `json:"day"`
	Note      string `json:"note"`
}

func (h *Handler) apiCloseWish(w http.ResponseWriter, r *http.Request) {
	var b closeJSON
	if !decode(w, r, &b) {
		return
	}
	h.write(w, r, http.StatusOK, func(tx *store.Tx) (any, error) {
		return CloseWish(r.Context(), tx, scope(r), r.PathValue("id"), b.Fulfilled, b.Day, b.Note, h.today())
	})
}
