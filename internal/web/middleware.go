package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/yangguang-cdpf/yangguang/internal/audit"
	"github.com/yangguang-cdpf/yangguang/internal/auth"
)

var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "yangguang_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	httpDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "yangguang_http_request_duration_seconds", Help: "HTTP request duration by route.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
)

const sessionCookie = "yg_session"

// SetSession gives the browser its session cookie after sign-in.
func SetSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

type requestIDKey struct{}

// routeKey holds a *string the router fills with the matched pattern.
type routeKey struct{}

// RequestID returns the id the log lines of a request share.
func RequestID(ctx context.Context) string { s, _ := ctx.Value(requestIDKey{}).(string); return s }

// ClientIP is the peer address (no proxy headers are trusted: a county
// office PC serves its LAN directly).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Middleware wraps the router with what every request passes: panic
// recovery, request id, structured log line, metrics, security headers,
// cross-origin and CSRF checks, and the session lookup.
func Middleware(a *auth.Service, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	h := sessions(a, csrf(RateLimit(a, next)))
	return observe(recoverer(headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !checkText(w, r, r.URL.Query()) {
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.ServeHTTP(w, r) // token-authenticated, no cookies: no CSRF exposure
			return
		}
		if err := cop.Check(r); err != nil {
			Error(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		h.ServeHTTP(w, r)
	}))))
}

func observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		route := ""
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		r = r.WithContext(context.WithValue(ctx, routeKey{}, &route))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		httpRequests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		httpDuration.WithLabelValues(route).Observe(d.Seconds())
		// The path only, never the query: searches carry ID numbers. Typed
		// attributes: no boxing of each value on every request.
		slog.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", route), slog.Int("status", sw.status), slog.Int64("duration_ms", d.Milliseconds()),
			slog.String("request_id", id), slog.String("ip", ClientIP(r)))
	})
}

func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.Error("panic", "err", v, "stack", string(debug.Stack()), "request_id", RequestID(r.Context()))
				Error(w, r, http.StatusInternalServerError, "error.internal")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if r.TLS != nil {
			// Only over HTTPS: a browser told this on plain HTTP would lock
			// itself out of a server that has no certificate yet.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// sessions resolves the session cookie to a principal for every request.
func sessions(a *auth.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil {
			p, err := a.Resolve(r.Context(), c.Value)
			if err != nil {
				ServerError(w, r, err)
				return
			}
			if p != nil {
				ctx := auth.WithPrincipal(r.Context(), p)
				ctx = audit.WithActor(ctx, audit.Actor{ID: p.ID, Name: p.Name, Kind: "user", IP: ClientIP(r)})
				r = r.WithContext(ctx)
			} else {
				ClearSession(w, r)
			}
		}
		if auth.From(r.Context()) == nil {
			r = r.WithContext(audit.WithActor(r.Context(), audit.Actor{Kind: "anonymous", IP: ClientIP(r)}))
		}
		next.ServeHTTP(w, r)
	})
}

// csrf refuses a state-changing form post that lacks the token.
func csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		if !parseFormBody(w, r) {
			return
		}
		if !validCSRF(r) {
			Error(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		if !checkText(w, r, r.Form) {
			return
		}
		next.ServeHTTP(w, r)
	})
}
