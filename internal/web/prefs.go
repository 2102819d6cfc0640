package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/yangguang-cdpf/yangguang/internal/i18n"
)

// Prefs are the viewer's display choices, kept in cookies so they hold
// before sign-in and across sessions.
type Prefs struct {
	Lang     i18n.Lang
	Large    bool // large text and cursor
	Contrast bool // high contrast
}

const (
	langCookie = "yg_lang"
	viewCookie = "yg_view"
	csrfCookie = "yg_csrf"
	oneYear    = 365 * 24 * 3600
)

// PrefsFrom reads the preferences of a request. Without a language cookie
// the browser's Accept-Language decides, Chinese by default.
func PrefsFrom(r *http.Request) Prefs {
	var p Prefs
	if c, err := r.Cookie(langCookie); err == nil {
		p.Lang = i18n.Parse(c.Value)
	} else if al := r.Header.Get("Accept-Language"); strings.HasPrefix(strings.ToLower(al), "en") {
		p.Lang = i18n.EN
	} else {
		p.Lang = i18n.ZH
	}
	if c, err := r.Cookie(viewCookie); err == nil {
		p.Large = strings.Contains(c.Value, "large")
		p.Contrast = strings.Contains(c.Value, "contrast")
	}
	return p
}

// HandlePrefs saves a preference change posted from the header's switches
// and returns to the page it came from.
func HandlePrefs(w http.ResponseWriter, r *http.Request) {
	p := PrefsFrom(r)
	if l := r.PostFormValue("lang"); l != "" {
		p.Lang = i18n.Parse(l)
	}
	switch r.PostFormValue("toggle") {
	case "large":
		p.Large = !p.Large
	case "contrast":
		p.Contrast = !p.Contrast
	}
	view := []string{}
	if p.Large {
		view = append(view, "large")
	}
	if p.Contrast {
		view = append(view, "contrast")
	}
	secure := r.TLS != nil
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(p.Lang), Path: "/", MaxAge: oneYear, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: viewCookie, Value: strings.Join(view, "-") + "-", Path: "/", MaxAge: oneYear, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	Redirect(w, r, LocalPath(r.PostFormValue("next"), "/"))
}

// LocalPath returns next if it is a path on this site, otherwise fallback:
// a redirect target from a form must never lead elsewhere.
func LocalPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}

// csrfToken returns the request's CSRF token, issuing a cookie if it has
// none. Forms echo it in csrf_token; CheckCSRF compares the two (double
// submit), and the cookie is SameSite=Strict so other sites cannot send it.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	t := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: t, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return t
}

// validCSRF reports whether a form post carries the token of its cookie.
func validCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 {
		return false
	}
	form := r.PostFormValue("csrf_token")
	if form == "" {
		form = r.Header.Get("X-CSRF-Token")
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) == 1
}
