package registry

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/i18n"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/validate"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// listResponse is a page of persons; next_after is the after parameter of
// the next page, "" on the last.
type listResponse struct {
	Items     []Person `json:"items"`
	NextAfter string   `json:"next_after"`
}

// apiMaxLimit caps the limit parameter of the list.
const apiMaxLimit = 500

// shown is what a caller may see of p: masked, or whole for a holder of
// registry.unmask (whose reads are audited by the caller).
func shown(r *http.Request, p Person) Person {
	if mayUnmask(r) {
		return p
	}
	return p.Masked()
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	f, es := ParseFilter(r.URL.Query())
	if len(es) > 0 {
		apiInvalid(w, r, http.StatusBadRequest, "bad_request", "person.error.bad_params", es)
		return
	}
	limit := pageSize
	if f.Limit > 0 {
		limit = min(f.Limit, apiMaxLimit)
	}
	items, next, err := searchPage(r.Context(), h.DB, scope(r), f, limit)
	if err == nil && mayUnmask(r) && len(items) > 0 {
		// One entry per request: who saw how many full numbers, for which
		// search.
		err = audit.RecordAlone(r.Context(), h.DB, audit.Entry{Action: ActionUnmask, ObjectType: "person",
			Detail: strconv.Itoa(len(items)) + " persons: " + f.Values().Encode()})
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	out := make([]Person, len(items)) // [] rather than null
	for i, p := range items {
		out[i] = shown(r, p)
	}
	web.JSON(w, http.StatusOK, listResponse{Items: out, NextAfter: next})
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.JSONError(w, r, http.StatusNotFound, "not_found", "error.not_found")
		return
	}
	if err == nil {
		err = h.auditView(r, p, mayUnmask(r))
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, shown(r, p))
}

// personBody is the body of POST /api/v1/persons and PUT
// /api/v1/persons/{id}. A PUT replaces every editable field (send the
// person as GET returns it, changed); id_number is ignored there, reason is
// required and version, when given, must be the stored one.
type personBody struct {
	IDNumber             string      `json:"id_number"`
	Name                 string      `json:"name"`
	VillageCode          string      `json:"village_code"`
	Category             int         `json:"category"`
	Grade                int         `json:"grade"`
	Components           []Component `json:"components"`
	ResidenceVillageCode string      `json:"residence_village_code"`
	HouseholdAddress     string      `json:"household_address"`
	ResidenceAddress     string      `json:"residence_address"`
	Phone                string      `json:"phone"`
	GuardianName         string      `json:"guardian_name"`
	GuardianRelation     string      `json:"guardian_relation"`
	GuardianPhone        string      `json:"guardian_phone"`
	Dibao                bool        `json:"dibao"`
	Tekun                bool        `json:"tekun"`
	PovertyRegistered    bool        `json:"poverty_registered"`
	Education            string      `json:"education"`
	Employment           string      `json:"employment"`
	Marital              string      `json:"marital"`
	MedicalInsurance     bool        `json:"medical_insurance"`
	PensionInsurance     bool        `json:"pension_insurance"`
	CertificateIssuedOn  string      `json:"certificate_issued_on"`
	Reason               string      `json:"reason"`
	Version              int         `json:"version"`

	// Fields GET returns that a client may send back unchanged; they are
	// derived or kept by events, and ignored here.
	ID                   string `json:"id"`
	Sex                  int    `json:"sex"`
	BirthDate            string `json:"birth_date"`
	CertificateNo        string `json:"certificate_no"`
	Status               string `json:"status"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
	CertificateExpiresOn string `json:"certificate_expires_on"`
	NameInitials         string `json:"name_initials"`
	DeathDate            string `json:"death_date"`
}

func (b personBody) input() NewPerson {
	return NewPerson{IDNumber: b.IDNumber, Name: b.Name, VillageCode: b.VillageCode, Category: Category(b.Category), Grade: Grade(b.Grade),
		Components: b.Components, ResidenceVillageCode: b.ResidenceVillageCode,
		HouseholdAddress: b.HouseholdAddress, ResidenceAddress: b.ResidenceAddress,
		Phone: b.Phone, GuardianName: b.GuardianName, GuardianRelation: b.GuardianRelation, GuardianPhone: b.GuardianPhone,
		Dibao: b.Dibao, Tekun: b.Tekun, PovertyRegistered: b.PovertyRegistered,
		Education: b.Education, Employment: b.Employment, Marital: b.Marital,
		MedicalInsurance: b.MedicalInsurance, PensionInsurance: b.PensionInsurance, CertificateIssuedOn: b.CertificateIssuedOn}
}

// decode reads a JSON body strictly: a misspelt field is an error, not a
// silently empty value.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		web.JSONError(w, r, http.StatusBadRequest, "bad_request", "error.bad_request")
		return false
	}
	return true
}

// apiField names a validated field as the API's JSON does.
func apiField(field string) string {
	switch field {
	case "person.village":
		return "village_code"
	case "person.residence_village":
		return "residence_village_code"
	case "person.death_source", "person.moved_to":
		return "source"
	case "person.event":
		return "kind"
	}
	if f, ok := strings.CutPrefix(field, "filter."); ok {
		return f
	}
	return strings.TrimPrefix(field, "person.")
}

// apiInvalid answers with every problem, each under its JSON field.
func apiInvalid(w http.ResponseWriter, r *http.Request, status int, code, key string, es validate.Errors) {
	l := i18n.Parse(r.Header.Get("Accept-Language"))
	var e web.APIError
	e.Error.Code, e.Error.Message = code, i18n.T(l, key)
	for _, fe := range es {
		e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: apiField(fe.Field), Message: i18n.T(l, fe.Key, fe.Args...)})
	}
	web.JSON(w, status, e)
}

// apiWriteError answers a refused write: 409 for a stale version, 422 for
// invalid input, 404 outside the scope.
func apiWriteError(w http.ResponseWriter, r *http.Request, err error) {
	var es validate.Errors
	switch {
	case IsStale(err):
		web.JSONError(w, r, http.StatusConflict, "stale", errStaleKey)
	case errors.As(err, &es):
		apiInvalid(w, r, http.StatusUnprocessableEntity, "invalid", "person.error.invalid", es)
	case errors.Is(err, store.ErrNotFound):
		web.JSONError(w, r, http.StatusNotFound, "not_found", "error.not_found")
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	var body personBody
	if !decode(w, r, &body) {
		return
	}
	var created Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		created, err = Create(r.Context(), tx, scope(r), body.input(), time.Now())
		return err
	})
	var dup *DuplicateError
	if errors.As(err, &dup) {
		l := i18n.Parse(r.Header.Get("Accept-Language"))
		var e web.APIError
		e.Error.Code, e.Error.Message = "duplicate", i18n.T(l, "person.error.duplicate")
		if dup.InScope {
			e.Error.Message = i18n.T(l, "person.error.duplicate_of", dup.ExistingID)
		}
		for _, fe := range dup.Errors {
			e.Error.Fields = append(e.Error.Fields, web.FieldMessage{Field: apiField(fe.Field), Message: i18n.T(l, fe.Key, fe.Args...)})
		}
		web.JSON(w, http.StatusUnprocessableEntity, e)
		return
	}
	if err != nil {
		apiWriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+created.ID)
	web.JSON(w, http.StatusCreated, shown(r, created))
}

func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var body personBody
	if !decode(w, r, &body) {
		return
	}
	var updated Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) error {
		before, err := Get(r.Context(), tx, scope(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		n := body.input()
		// A client that sees phones masked sends them back masked: that
		// means unchanged.
		if n.Phone == MaskPhone(before.Phone) {
			n.Phone = before.Phone
		}
		if n.GuardianPhone == MaskPhone(before.GuardianPhone) {
			n.GuardianPhone = before.GuardianPhone
		}
		updated, err = Update(r.Context(), tx, scope(r), before.ID, UpdatePerson{NewPerson: n, Reason: body.Reason, Version: body.Version})
		return err
	})
	if err != nil {
		apiWriteError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, shown(r, updated))
}

// eventBody is the body of POST /api/v1/persons/{id}/events.
type eventBody struct {
	Kind          string      `json:"kind"`
	Version       int         `json:"version"`
	Reason        string      `json:"reason"`
	EffectiveDate string      `json:"effective_date"`
	Source        string      `json:"source"`
	VillageCode   string      `json:"village_code"`
	Category      int         `json:"category"`
	Grade         int         `json:"grade"`
	Components    []Component `json:"components"`
}

func (h *Handler) apiEvent(w http.ResponseWriter, r *http.Request) {
	var b eventBody
	if !decode(w, r, &b) {
		return
	}
	e := Event{Kind: Change(b.Kind), Version: b.Version, Reason: b.Reason, EffectiveDate: b.EffectiveDate, Source: b.Source,
		VillageCode: b.VillageCode, Category: Category(b.Category), Grade: Grade(b.Grade), Components: b.Components}
	var after Person
	err := h.DB.InTx(r.Context(), func(tx *store.Tx) (err error) {
		after, err = RecordEvent(r.Context(), tx, scope(r), r.PathValue("id"), e, time.Now())
		return err
	})
	if err != nil {
		apiWriteError(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, shown(r, after))
}

// eventJSON is one entry of a person's history in the API.
type eventJSON struct {
	Seq           int              `json:"seq"`
	At            string           `json:"at"`
	Actor         string           `json:"actor"`
	Kind          Change           `json:"kind"`
	Reason        string           `json:"reason"`
	EffectiveDate string           `json:"effective_date"`
	Source        string           `json:"source"`
	Changes       []fieldChangeAPI `json:"changes"`
}

type fieldChangeAPI struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func (h *Handler) apiEvents(w http.ResponseWriter, r *http.Request) {
	p, err := Get(r.Context(), h.DB, scope(r), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		web.JSONError(w, r, http.StatusNotFound, "not_found", "error.not_found")
		return
	}
	var hist []HistoryEntry
	if err == nil {
		hist, err = History(r.Context(), h.DB, scope(r), p.ID)
	}
	unmasked := mayUnmask(r)
	if err == nil {
		err = h.auditView(r, p, unmasked)
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	out := make([]eventJSON, 0, len(hist))
	for _, e := range hist {
		ej := eventJSON{Seq: e.Seq, At: e.At, Actor: e.Actor, Kind: e.Change, Reason: e.Reason, EffectiveDate: e.EffectiveDate,
			Source: e.Source, Changes: []fieldChangeAPI{}}
		for _, c := range e.Changes() {
			if !unmasked {
				switch c.Field {
				case "person.phone", "person.guardian_phone":
					c.Before, c.After = MaskPhone(c.Before), MaskPhone(c.After)
				case "person.certificate_no":
					c.Before, c.After = MaskIDNumber(c.Before), MaskIDNumber(c.After)
				}
			}
			ej.Changes = append(ej.Changes, fieldChangeAPI{Field: apiField(c.Field), Before: c.Before, After: c.After})
		}
		out = append(out, ej)
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": out})
}
