// Package api holds what the JSON API shares across areas: its OpenAPI
// description (served at /api/v1/openapi.json and checked against the real
// routes by the tests) and the endpoints that tell a client who it is and
// which areas it covers. Each area's own endpoints live in its package.
package api

import (
	_ "embed"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/area"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/store"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// OpenAPI is the API description.
//
//go:embed openapi.json
var OpenAPI []byte

// Handler serves the shared API endpoints.
type Handler struct {
	DB *store.DB
}

// Routes registers them.
func (h *Handler) Routes(rt *web.Router) {
	rt.Public("GET /api/v1/openapi.json", http.HandlerFunc(serveOpenAPI))
	rt.API("GET /api/v1/me", auth.PermSignedIn, h.me)
	rt.API("GET /api/v1/areas", auth.PermSignedIn, h.areas)
}

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(OpenAPI)
}

// Me is the client's own description.
type Me struct {
	ID    string      `json:"id"`
	Name  string      `json:"name"`
	Scope string      `json:"scope_code"`
	Perms []auth.Perm `json:"permissions"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	var perms []auth.Perm
	for _, perm := range auth.Perms {
		if p.Can(perm) {
			perms = append(perms, perm)
		}
	}
	web.JSON(w, http.StatusOK, Me{ID: p.ID, Name: p.Name, Scope: p.Scope.Code(), Perms: perms})
}

// Area is an area in API form.
type Area struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
}

func (h *Handler) areas(w http.ResponseWriter, r *http.Request) {
	list, err := area.InScope(r.Context(), h.DB, auth.From(r.Context()).Scope)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	out := make([]Area, len(list))
	for i, a := range list {
		out[i] = Area{Code: a.Code, Name: a.Name, Level: string(a.Level), ParentCode: a.ParentCode}
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": out})
}
