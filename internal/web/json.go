package web

import (
	"encoding/json"
	"net/http"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// APIError is the body of every API error: a stable code for programs and a
// Chinese message for people (English when the client asks for it).
type APIError struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Fields  []FieldMessage `json:"fields,omitempty"`
	} `json:"error"`
}

// FieldMessage is one field's problem in an API error.
type FieldMessage struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// JSONError writes an API error; key is a catalogue message.
func JSONError(w http.ResponseWriter, r *http.Request, status int, code, key string, args ...any) {
	var e APIError
	e.Error.Code = code
	e.Error.Message = i18n.T(apiLang(r), key, args...)
	JSON(w, status, e)
}

func apiLang(r *http.Request) i18n.Lang {
	if l := r.Header.Get("Accept-Language"); l != "" {
		return i18n.Parse(l)
	}
	return i18n.ZH
}

func errorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	return "internal"
}
